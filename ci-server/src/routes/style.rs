//! Image styles (wire-ci.md §A): `PUT /?style` (AddStyle), `GET /?style` (with an
//! optional GetStyle body), `DELETE /?style` (DeleteStyle body), stored per bucket in the
//! store's database; and downloads through a style separator (`GET /photo.jpg!thumb`).
//!
//! Choices where the cloud's behaviour is not documented (**ours**, wire-ci.md §H5):
//! adding an existing name replaces its rule; listing an unknown name answers an empty
//! `<StyleList/>`; deleting an unknown name succeeds (200); the 101st style is 400
//! `InvalidArgument`; names are those the rule grammar reads in `style/NAME`.

use std::sync::Arc;

use ci_core::result::{AddStyle, DeleteStyle, GetStyle, StyleList, StyleRule};
use ci_core::rule::ProcessingRule;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Response};
use md5::Digest as _;

use super::ci::processed_response;
use crate::body::read_small_body;
use crate::config::{check_style_body, check_style_name, MAX_STYLES_PER_BUCKET};
use crate::error::ApiError;
use crate::http::{blocking, empty, xml_response, Body};
use crate::processing;
use crate::request::{check_content_md5, content_length, Ctx};
use crate::state::State;

/// Largest style request document, bytes (an 8 KiB rule, escaped, with its name).
const MAX_STYLE_DOCUMENT: u64 = 64 * 1024;

/// `?style` on the bucket: add, list or delete by method.
pub(crate) async fn handle(
    state: &Arc<State>,
    ctx: &Ctx,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    if !ctx.key.is_empty() {
        return Err(ApiError::invalid_argument(
            "?style addresses the bucket's image styles: send it to the bucket (/), not to an object",
        ));
    }
    let method = ctx.method.clone();
    if ![Method::PUT, Method::GET, Method::DELETE].contains(&method) {
        return Err(ApiError::method_not_allowed());
    }
    let text = read_document(state, ctx, body).await?;
    let store = state.store.clone();
    let bucket = ctx.bucket.clone();
    match method {
        Method::PUT => {
            let add = AddStyle::from_xml(&text).map_err(malformed)?;
            if add.style_name.is_empty() || add.style_body.is_empty() {
                return Err(ApiError::invalid_argument(
                    "AddStyle needs both StyleName and StyleBody",
                ));
            }
            check_style_name(&add.style_name).map_err(ApiError::invalid_argument)?;
            check_style_body(&add.style_body).map_err(|why| {
                ApiError::invalid_argument(format!("StyleBody of {:?}: {why}", add.style_name))
            })?;
            blocking(move || {
                Ok(store.put_style(
                    &bucket,
                    &add.style_name,
                    &add.style_body,
                    MAX_STYLES_PER_BUCKET,
                )?)
            })
            .await?;
            Ok(empty_xml())
        }
        Method::GET => {
            let wanted = if text.trim().is_empty() {
                None
            } else {
                GetStyle::from_xml(&text)
                    .map_err(malformed)?
                    .name()
                    .map(str::to_owned)
            };
            let styles = blocking(move || Ok(store.styles(&bucket)?)).await?;
            let list = StyleList {
                style_rule: styles
                    .into_iter()
                    .filter(|(name, _)| wanted.as_deref().is_none_or(|w| w == name))
                    .map(|(style_name, style_body)| StyleRule {
                        style_name,
                        style_body,
                    })
                    .collect(),
            };
            Ok(xml_response(list.to_xml()))
        }
        _ => {
            let delete = DeleteStyle::from_xml(&text).map_err(malformed)?;
            if delete.style_name.is_empty() {
                return Err(ApiError::invalid_argument("DeleteStyle needs a StyleName"));
            }
            blocking(move || Ok(store.delete_style(&bucket, &delete.style_name)?)).await?;
            Ok(empty_xml())
        }
    }
}

/// The request's document (possibly empty), bounded, checked against `Content-MD5` (the
/// Go SDK sends one).
async fn read_document(state: &Arc<State>, ctx: &Ctx, body: Incoming) -> Result<String, ApiError> {
    let max = MAX_STYLE_DOCUMENT.min(state.config.limits.max_xml_body);
    let (raw, _reservation) = read_small_body(state, body, content_length(ctx)?, max, 4).await?;
    let md5: [u8; 16] = md5::Md5::digest(&raw).into();
    check_content_md5(ctx, &md5)?;
    String::from_utf8(raw.to_vec())
        .map_err(|_| ApiError::new(400, "MalformedXML", "the body is not UTF-8"))
}

fn malformed(e: ci_core::result::ResultError) -> ApiError {
    ApiError::new(400, "MalformedXML", e.to_string())
}

/// 200, no body, `Content-Type: application/xml` (as the documentation shows).
fn empty_xml() -> Response<Body> {
    let mut resp = Response::new(empty());
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    resp
}

/// A download through a style separator, for a key that names no object: the first of
/// the bucket's separators (in the order configured) whose last occurrence in the key
/// splits it into an existing object and an existing style (wire-ci.md §A4's suggestion:
/// an object named by the whole key is served first, by the caller). `None` when no split
/// fits.
pub(crate) async fn get_via_separator(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Option<Response<Body>>, ApiError> {
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    let found = blocking(move || {
        let separators = store.style_separators(&bucket)?;
        for sep in separators.chars() {
            let Some((object, name)) = key.rsplit_once(sep) else {
                continue;
            };
            if object.is_empty() || check_style_name(name).is_err() {
                continue;
            }
            let Some(body) = store.style(&bucket, name)? else {
                continue;
            };
            if store.head(&bucket, object)?.is_some() {
                return Ok(Some((object.to_owned(), body)));
            }
        }
        Ok(None)
    })
    .await?;
    let Some((object, body)) = found else {
        return Ok(None);
    };
    let rule = ProcessingRule::parse(&body)
        .map_err(|e| ApiError::invalid_argument(format!("the style's rule is invalid: {e}")))?;
    let input = processing::read_object(
        state,
        &ctx.bucket,
        &object,
        state.config.limits.max_process_input,
    )
    .await?;
    let out = processing::process(state, &ctx.bucket, &object, &ctx.region, input, rule).await?;
    Ok(Some(processed_response(out)))
}
