//! Objects: PUT (with Pic-Operations, processed on upload), GET and HEAD (ranges,
//! `response-*` overrides), DELETE, and PUT Object - Copy.

use std::io::Read;
use std::sync::Arc;

use ci_core::result::CopyObjectResult;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use crate::body::{held, read_inline, receive_body, stream_body, STREAM_BUFFER};
use crate::error::ApiError;
use crate::http::{
    blocking, empty, full, set, set_known, set_known_owned, xml_response, Body, CRC64_HEADER,
};
use crate::processing::{self, Input};
use crate::request::{
    check_content_md5, content_length, copy_source, new_object, parse_range, replaces_metadata, Ctx,
};
use crate::state::State;
use crate::store::{NewObject, ObjectMeta, Publish, StoreError};
use crate::util::{http_date, iso_date};

/// Bodies up to this size are read in one piece; larger ones are streamed.
const INLINE_BODY: u64 = 1024 * 1024;

/// Bodies up to this size are read on the async worker when the store's reads are local
/// (see [`ObjectStore::reads_are_local`](crate::store::ObjectStore::reads_are_local)):
/// handing a 4 KB GET to the blocking pool costs more (thread wake-ups) than the read.
pub(crate) const INLINE_READ: u64 = 64 * 1024;

/// PUT Object. With Pic-Operations the body is also kept in memory (drawn from the
/// memory budget, up to the processing limit) and processed before anything is
/// published; the original and every result are then published together, or, when a rule
/// fails, nothing is (the previous version stays). The answer is then the `UploadResult`.
pub(crate) async fn put_object(
    state: &Arc<State>,
    ctx: &Ctx,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let limits = &state.config.limits;
    let len = content_length(ctx)?;
    if len.is_some_and(|l| l > limits.max_object_size) {
        return Err(ApiError::entity_too_large(limits.max_object_size));
    }
    let plan = match ctx.header("pic-operations") {
        Some(h) => Some(processing::plan(state, &ctx.bucket, &ctx.key, h).await?),
        None => None,
    };
    let reservation = match &plan {
        Some(_) => {
            let max = limits.max_process_input;
            if len.is_some_and(|l| l > max) {
                return Err(ApiError::image_too_large(max));
            }
            let size = len.unwrap_or(max);
            Some(
                state
                    .budget
                    .reserve(size, "a Pic-Operations upload's body")
                    .await?,
            )
        }
        None => None,
    };
    let (staged, kept) =
        receive_body(state, body, limits.max_object_size, reservation.as_ref()).await?;
    check_content_md5(ctx, &staged.md5)?;
    let original = Publish {
        bucket: ctx.bucket.clone(),
        key: ctx.key.clone(),
        body: staged,
        object: new_object(&ctx.headers),
    };
    let (mut resp, mut objects) = match (plan, kept, reservation) {
        (Some(plan), Some(bytes), Some(reservation)) => {
            let input = Input::received(bytes, reservation);
            let outcome =
                processing::run_plan(state, &ctx.bucket, &ctx.key, &ctx.region, plan, input)
                    .await?;
            (xml_response(outcome.result.to_xml()), outcome.outputs)
        }
        _ => (Response::new(empty()), Vec::new()),
    };
    objects.insert(0, original);
    let store = state.store.clone();
    let committed = blocking(move || Ok(store.commit_all(None, objects)?)).await?;
    let meta = committed
        .objects
        .first()
        .ok_or_else(|| ApiError::internal("the store published nothing"))?;
    set_known(&mut resp, header::ETAG, &meta.etag);
    set_known(&mut resp, CRC64_HEADER, &meta.crc64.to_string());
    Ok(resp)
}

/// GET Object (a range of it with `Range`); `response-*` parameters override headers.
pub(crate) async fn get_object(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    serve_object(state, ctx, false).await
}

/// HEAD Object: GET Object's headers, no body.
pub(crate) async fn head_object(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    serve_object(state, ctx, true).await
}

/// The start and length to send of an object of `size` bytes for the parsed `Range`
/// (`parse_range`'s answer): the whole object without one.
fn span(range: Option<(u64, u64)>, size: u64) -> (u64, u64) {
    match range {
        Some((s, e)) => (s, e - s + 1),
        None => (0, size),
    }
}

async fn serve_object(
    state: &Arc<State>,
    ctx: &Ctx,
    head: bool,
) -> Result<Response<Body>, ApiError> {
    if let Some(hit) = state.store.cached(&ctx.bucket, &ctx.key) {
        let meta = &hit.meta;
        let range = parse_range(ctx.header(header::RANGE), meta.size)?;
        let (start, len) = span(range, meta.size);
        let body = if head {
            empty()
        } else {
            // parse_range keeps the range within the size, which is the body's length.
            full(hit.body.slice(start as usize..(start + len) as usize))
        };
        return Ok(object_answer(body, meta, ctx, len, range));
    }
    if let Some(share) = &state.read_cache {
        share.restore(&state.budget);
    }
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    let opened = if store.reads_are_local() {
        store.open(&bucket, &key)?
    } else {
        blocking(move || Ok(store.open(&bucket, &key)?)).await?
    };
    let (meta, mut reader) = opened.ok_or_else(ApiError::no_such_key)?;
    let range = parse_range(ctx.header(header::RANGE), meta.size)?;
    let (start, len) = span(range, meta.size);
    // Small reads are bounded by the connection cap; larger ones hold their share of the
    // memory budget until the body is sent.
    let body = if head {
        empty()
    } else if len <= INLINE_READ && state.store.reads_are_local() {
        full(read_inline(&mut *reader, start, len)?)
    } else if len <= INLINE_BODY {
        let reservation = state.budget.reserve(len, "a read").await?;
        let data = blocking(move || read_inline(&mut *reader, start, len)).await?;
        held(full(data), reservation)
    } else {
        let reservation = state
            .budget
            .reserve(STREAM_BUFFER, "a streamed read")
            .await?;
        stream_body(reader, start, len, reservation)
    };
    Ok(object_answer(body, &meta, ctx, len, range))
}

/// GET or HEAD Object's answer: the body (of `len` bytes, the `range` of the object when
/// one was asked) with the object's headers.
fn object_answer(
    body: Body,
    meta: &ObjectMeta,
    ctx: &Ctx,
    len: u64,
    range: Option<(u64, u64)>,
) -> Response<Body> {
    let mut resp = Response::new(body);
    // Room for every header of the answer at once (growing the map showed in profiles).
    resp.headers_mut().reserve(16 + meta.headers.len());
    object_headers(&mut resp, meta, ctx);
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some((s, e)) = range {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        set(
            &mut resp,
            "content-range",
            &format!("bytes {s}-{e}/{}", meta.size),
        );
    }
    resp
}

/// The stored object's headers, then the query's `response-*` overrides.
fn object_headers(resp: &mut Response<Body>, meta: &ObjectMeta, ctx: &Ctx) {
    set_known(resp, header::CONTENT_TYPE, &meta.content_type);
    set_known(resp, header::ETAG, &meta.etag);
    set_known_owned(resp, header::LAST_MODIFIED, http_date(meta.last_modified));
    set_known_owned(resp, CRC64_HEADER, meta.crc64.to_string());
    resp.headers_mut()
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    for (k, v) in &meta.headers {
        set(resp, k, v);
    }
    for (param, header) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(v) = ctx.param(param) {
            set(resp, header, v);
        }
    }
}

/// DELETE Object (204 whether or not it existed).
pub(crate) async fn delete_object(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    blocking(move || Ok(store.delete(&bucket, &key)?)).await?;
    let mut resp = Response::new(empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

/// PUT Object - Copy: the source's bytes become the target; metadata copied
/// (`x-cos-metadata-directive: Copy`, the default) or taken from this request
/// (`Replaced`).
pub(crate) async fn copy_object(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let (src_bucket, src_key) = copy_source(ctx.header("x-cos-copy-source").unwrap_or(""))?;
    if !state.config.bucket_exists(&src_bucket) {
        return Err(ApiError::no_such_bucket());
    }
    let replace = replaces_metadata(ctx)?;
    if !replace && src_bucket == ctx.bucket && src_key == ctx.key {
        return Err(ApiError::new(
            400,
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class or encryption attributes.",
        ));
    }
    let replaced = replace.then(|| new_object(&ctx.headers));
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    let max = state.config.limits.max_object_size;
    let meta = blocking(move || {
        let (src, mut reader) = store
            .open(&src_bucket, &src_key)?
            .ok_or_else(ApiError::no_such_key)?;
        if src.size > max {
            return Err(ApiError::entity_too_large(max));
        }
        let io = |e: std::io::Error| ApiError::from(StoreError::from(e));
        let mut staging = store.stage()?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            staging.write(&buf[..n]).map_err(io)?;
        }
        let staged = staging.finish().map_err(io)?;
        let object = replaced.unwrap_or(NewObject {
            content_type: src.content_type,
            headers: src.headers,
        });
        Ok(store.commit(&bucket, &key, staged, object)?)
    })
    .await?;
    let doc = CopyObjectResult {
        etag: meta.etag.clone(),
        last_modified: iso_date(meta.last_modified),
        crc64: Some(meta.crc64),
        version_id: None,
    };
    let mut resp = xml_response(doc.to_xml());
    set(&mut resp, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    Ok(resp)
}
