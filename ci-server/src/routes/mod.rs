//! The router. Every request enters at [`handle`]; [`dispatch`] addresses and
//! authenticates it; [`route`] names the handler of its method, target and query, one
//! arm per route. The handlers live in one module per resource family below: a new
//! sub-resource is one new module and one arm here.

mod bucket;
mod ci;
mod inspect;
mod jobs;
mod listing;
mod multipart;
mod object;
mod qrcode;
mod style;
mod unsupported;
mod v4;

use std::sync::Arc;
use std::time::Instant;

pub(crate) use object::INLINE_READ;

use ci_core::sign::decode_query;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response};

use crate::address::{location, resolve_with, undecodable, vhost_parts, BucketSource};
use crate::auth;
use crate::error::ApiError;
use crate::http::{error_response, Body};
use crate::request::{is_rule_key, names_a_rule, Ctx};
use crate::state::State;
use crate::util::fresh_id;

/// Entry point for every request.
pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let rid = fresh_id();
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let is_head = method == Method::HEAD;
    let closes = req
        .headers()
        .get(header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
    let mut resource = String::new();
    let mut resp = match dispatch(&state, req, &rid, &path, &mut resource).await {
        Ok(r) => r,
        Err(e) => {
            if e.status >= 500 {
                tracing::error!(request_id = %rid, code = e.code, message = %e.message, "request failed");
            }
            error_response(&e, &resource, &rid, is_head)
        }
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&rid) {
        h.insert(crate::http::REQUEST_ID_HEADER, v);
    }
    h.insert(header::SERVER, HeaderValue::from_static("tencent-cos"));
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static(if closes { "close" } else { "keep-alive" }),
    );
    // `Date` (rendered by hyper once a second) and `Content-Length` (when the body's size
    // is known) are written by hyper through the same case map.
    resp.extensions_mut().extend(state.header_case.clone());
    crate::log::access(&crate::log::Access {
        request_id: &rid,
        method: method.as_str(),
        path: &path,
        status: resp.status().as_u16(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    resp
}

/// Addresses and authenticates a request, then routes it. The v4 API (`/files/v2/` on a
/// host naming no bucket) has its own addressing, signature and JSON answers.
async fn dispatch(
    state: &Arc<State>,
    req: Request<Incoming>,
    rid: &str,
    raw_path: &str,
    resource: &mut String,
) -> Result<Response<Body>, ApiError> {
    let (parts, body) = req.into_parts();
    // Borrowed (not copied) from the request: every GET passes here.
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.host())
        .unwrap_or_default();
    // What the host names, found once (every GET passes here).
    let vhost = vhost_parts(host);
    // The v4 API lives on hosts that name no bucket (`<region>.image.myqcloud.com`); on a
    // bucket's host, `files/v2/...` is an object key like any other.
    if raw_path.starts_with("/files/v2/") && vhost.is_none() {
        return Ok(v4::handle(state, parts, body, rid).await);
    }
    let params = decode_query(parts.uri.query().unwrap_or("")).map_err(undecodable)?;
    // What is not built is refused before anything else (a signature check included: a
    // CI call whose host names no bucket would otherwise fail as a bad signature).
    let decoded_path = ci_core::sign::decode_key(raw_path).map_err(undecodable)?;
    // The resource errors name: the host and path, or once addressed, the object's
    // location (made once, not overwritten: every GET passes here).
    let host_path = || [host, raw_path].concat();
    // The pic job API (built) before the CI roots that are not.
    let host_kind = unsupported::host_kind_with(host, vhost);
    if let Some(address) = jobs::recognise_with(
        host,
        vhost,
        host_kind,
        &state.config,
        &parts.method,
        &decoded_path,
        &params,
    ) {
        *resource = host_path();
        auth::check_cos(state, &parts.method, &address, &params, &parts.headers)?;
        check_bucket(state, &address.bucket)?;
        let ctx = Ctx {
            method: parts.method,
            bucket: address.bucket,
            key: address.key,
            region: address.region,
            params,
            headers: parts.headers,
        };
        return jobs::handle(state, ctx, body, rid).await;
    }
    if let Some(refusal) = unsupported::ci_call(host_kind, &parts.method, &decoded_path, &params)
        .or_else(|| unsupported::query(&params, is_rule_key))
    {
        return Err(refusal);
    }
    let config = &state.config;
    let address = resolve_with(
        host,
        vhost,
        raw_path,
        &config.region,
        config.default_bucket.as_deref(),
    )
    .inspect_err(|_| *resource = host_path())?;
    *resource = if address.bucket.is_empty() {
        host_path()
    } else {
        location(&address.bucket, &address.region, &address.key)
    };
    // Path style: the CI API's path follows the bucket, in its exact shape.
    if address.source == BucketSource::Path {
        let key = format!("/{}", address.key);
        if let Some(refusal) =
            unsupported::ci_call(unsupported::HostKind::Bucket, &parts.method, &key, &params)
        {
            return Err(refusal);
        }
    }
    auth::check_cos(state, &parts.method, &address, &params, &parts.headers)?;
    check_bucket(state, &address.bucket)?;
    let ctx = Ctx {
        method: parts.method,
        bucket: address.bucket,
        key: address.key,
        region: address.region,
        params,
        headers: parts.headers,
    };
    route(state, ctx, body).await
}

/// A named bucket must be well formed and served.
fn check_bucket(state: &State, bucket: &str) -> Result<(), ApiError> {
    if bucket.is_empty() {
        return Ok(());
    }
    if ci_core::ops::check_bucket_name(bucket).is_err() {
        return Err(ApiError::new(
            400,
            "InvalidBucketName",
            format!("{bucket:?} is not of the form BucketName-APPID"),
        ));
    }
    // `config.bucket_exists` without checking the name a second time.
    let config = &state.config;
    if !config.auto_create_buckets && !config.buckets.iter().any(|b| b == bucket) {
        return Err(ApiError::no_such_bucket());
    }
    Ok(())
}

/// What a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No bucket: the service endpoint.
    Service,
    /// A bucket, no key.
    Bucket,
    /// An object.
    Object,
}

/// The route table: method, target and query name one handler; the first arm that
/// matches wins.
async fn route(state: &Arc<State>, ctx: Ctx, body: Incoming) -> Result<Response<Body>, ApiError> {
    use Target::{Bucket, Object, Service};
    let target = match (ctx.bucket.is_empty(), ctx.key.is_empty()) {
        (true, _) => Service,
        (false, true) => Bucket,
        (false, false) => Object,
    };
    let (st, c) = (state, &ctx);
    let process = c.param("ci-process");
    match (ctx.method.clone(), target) {
        (Method::GET, Service) if c.key.is_empty() => listing::get_service(st).await,
        (_, Bucket | Object) if c.has("style") => style::handle(st, c, body).await,
        (Method::GET, Bucket) if process == Some("qrcode-generate") => {
            qrcode::generate(st, c).await
        }
        (Method::GET, Object) if process == Some("QRcode") => qrcode::recognise(st, c).await,
        (Method::GET, Object) if inspect::asked(c) => inspect::inspect(st, c).await,
        (Method::GET, Bucket) if c.has("ci-process") => ci::get_processed(st, c).await,
        (Method::GET, Bucket) if c.has("uploads") => listing::list_uploads(st, c).await,
        (Method::GET, Bucket) => listing::list_objects(st, c).await,
        (Method::HEAD, Bucket) => bucket::head_bucket(),
        (Method::PUT, Bucket) => bucket::put_bucket(),
        (Method::PUT, Object) if c.has("uploadId") || c.has("partNumber") => {
            multipart::upload_part(st, c, body).await
        }
        (Method::PUT, Object) if c.headers.contains_key("x-cos-copy-source") => {
            object::copy_object(st, c).await
        }
        (Method::PUT, Object) => object::put_object(st, c, body).await,
        (Method::GET, Object) if c.has("uploadId") => multipart::list_parts(st, c).await,
        (Method::GET, Object) if names_a_rule(&c.params) => ci::get_processed(st, c).await,
        // A key that names no object may name one and a style (`photo.jpg!thumb`).
        (Method::GET, Object) => match object::get_object(st, c).await {
            Err(e) if e.code == "NoSuchKey" => style::get_via_separator(st, c).await?.ok_or(e),
            other => other,
        },
        (Method::HEAD, Object) => object::head_object(st, c).await,
        (Method::DELETE, Object) if c.has("uploadId") => multipart::abort_upload(st, c).await,
        (Method::DELETE, Object) => object::delete_object(st, c).await,
        (Method::POST, Object) if c.has("uploads") => multipart::initiate_upload(st, c).await,
        (Method::POST, Object) if c.has("uploadId") => {
            multipart::complete_upload(st, c, body).await
        }
        (Method::POST, Object) if c.has("image_process") => ci::image_process(st, c).await,
        _ => Err(ApiError::method_not_allowed()),
    }
}
