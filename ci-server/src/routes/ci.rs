//! Cloud Infinite routes: download processing (a rule in a GET's query, `?ci-process`)
//! and `POST /<key>?image_process` with Pic-Operations.

use std::sync::Arc;

use ci_core::rule::{ProcessingRule, Stage};
use hyper::header::HeaderValue;
use hyper::Response;

use crate::address::object_of_url;
use crate::error::ApiError;
use crate::http::{blocking, full, xml_response, Body};
use crate::process::Processed;
use crate::processing;
use crate::request::{rule_from_params, Ctx};
use crate::state::State;

/// The object an AIPicMatting rule names with `detect-url`, if any: the input instead of
/// the addressed object.
fn detect_url(rule: &ProcessingRule) -> Option<&str> {
    rule.stages.iter().find_map(|s| match s {
        Stage::AiPicMatting(a) => a.detect_url.as_deref(),
        _ => None,
    })
}

/// GET with a rule: processed bytes, not stored.
pub(crate) async fn get_processed(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let rule = rule_from_params(&ctx.params)?
        .ok_or_else(|| ApiError::invalid_argument("no processing rule in the query"))?;
    let rule = processing::expand_styles(state, &ctx.bucket, rule).await?;
    let limit = state.config.limits.max_process_input;
    let input = match detect_url(&rule) {
        Some(url) => {
            let (b, k) = object_of_url(url, state.local_addr).ok_or_else(|| {
                ApiError::invalid_argument(
                    "detect-url must name an object of this server's buckets",
                )
            })?;
            if !state.config.bucket_exists(&b) {
                return Err(ApiError::no_such_bucket());
            }
            processing::read_object(state, &b, &k, limit).await?
        }
        None if ctx.key.is_empty() => {
            return Err(ApiError::invalid_argument(
                "a processing request on the bucket needs detect-url",
            ))
        }
        None => processing::read_object(state, &ctx.bucket, &ctx.key, limit).await?,
    };
    let out = processing::process(state, &ctx.bucket, &ctx.key, &ctx.region, input, rule).await?;
    Ok(processed_response(out))
}

/// A download's processed answer: the bytes with their `Content-Type`.
pub(super) fn processed_response(out: Processed) -> Response<Body> {
    let mut resp = Response::new(full(out.bytes));
    if let Ok(v) = HeaderValue::from_str(&out.content_type) {
        resp.headers_mut().insert("content-type", v);
    }
    resp
}

/// `POST /<key>?image_process` with Pic-Operations: process a stored object.
pub(crate) async fn image_process(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let header = ctx.header("pic-operations").ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidPicOperations",
            "the Pic-Operations header is required",
        )
    })?;
    let plan = processing::plan(state, &ctx.bucket, &ctx.key, header).await?;
    let input = processing::read_object(
        state,
        &ctx.bucket,
        &ctx.key,
        state.config.limits.max_process_input,
    )
    .await?;
    let outcome =
        processing::run_plan(state, &ctx.bucket, &ctx.key, &ctx.region, plan, input).await?;
    let store = state.store.clone();
    let outputs = outcome.outputs;
    blocking(move || Ok(store.commit_all(None, outputs)?)).await?;
    Ok(xml_response(outcome.result.to_xml()))
}
