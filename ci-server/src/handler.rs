//! Request handling: addressing, authentication, routing and the COS object operations.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ci_core::result::{
    BucketEntry, BucketList, CommonPrefix, CompleteMultipartUpload, CompleteMultipartUploadResult,
    CompletePicResult, CopyObjectResult, InitiateMultipartUploadResult, ListAllMyBucketsResult,
    ListBucketResult, ListMultipartUploadsResult, ListPartsResult, ListedObject, ListedPart,
    ListedUpload,
};
use ci_core::sign::decode_query;
use http_body_util::{combinators::BoxBody, BodyExt};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::address::{location, owner_of, resolve, undecodable, Address};
use crate::auth;
use crate::ci;
use crate::error::ApiError;
use crate::http::{
    blocking, empty, error_response, full, set, set_known, xml_response, Body, CRC64_HEADER,
};
use crate::processing;
use crate::request::{
    check_content_md5, content_length, copy_source, names_a_rule, new_object, object_list_query,
    parse_range, part_list_query, part_number, replaces_metadata, upload_list_query, Ctx,
};
use crate::state::State;
use crate::store::{ObjectMeta, Staged};
use crate::util::{fresh_id, http_date, iso_date};

/// Bodies up to this size are read in one piece; larger ones are streamed.
const INLINE_BODY: u64 = 1024 * 1024;

/// Entry point for every request.
pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let rid = fresh_id();
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let is_head = method == Method::HEAD;
    let mut resource = String::new();
    let mut resp = match dispatch(&state, req, &rid, &mut resource).await {
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
        h.insert("x-cos-request-id", v);
    }
    h.insert(header::SERVER, HeaderValue::from_static("tencent-cos"));
    // `Date` comes from hyper, which renders it once a second.
    tracing::info!(
        request_id = %rid,
        %method,
        %path,
        status = resp.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    resp
}

async fn dispatch(
    state: &Arc<State>,
    req: Request<Incoming>,
    rid: &str,
    resource: &mut String,
) -> Result<Response<Body>, ApiError> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_owned();
    if raw_path.starts_with("/files/v2/") {
        return Ok(crate::v4::handle(state, parts, body, rid).await);
    }
    let params = decode_query(parts.uri.query().unwrap_or("")).map_err(undecodable)?;
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.host().map(str::to_owned))
        .unwrap_or_default();
    *resource = if host.is_empty() {
        raw_path.clone()
    } else {
        format!("{host}{raw_path}")
    };
    let config = &state.config;
    let address = resolve(
        &host,
        &raw_path,
        &config.region,
        config.default_bucket.as_deref(),
    )?;
    if !address.bucket.is_empty() {
        *resource = location(&address.bucket, &address.region, &address.key);
    }
    let paths = address.signed_paths();
    let Address {
        bucket,
        key,
        region,
        ..
    } = address;
    auth::check_cos(state, &parts.method, &paths, &params, &parts.headers)?;
    if bucket.is_empty() {
        return match parts.method {
            Method::GET if key.is_empty() => get_service(state).await,
            _ => Err(ApiError::method_not_allowed()),
        };
    }
    if ci_core::ops::check_bucket_name(&bucket).is_err() {
        return Err(ApiError::new(
            400,
            "InvalidBucketName",
            format!("{bucket:?} is not of the form BucketName-APPID"),
        ));
    }
    if !state.config.bucket_exists(&bucket) {
        return Err(ApiError::no_such_bucket());
    }
    let ctx = Ctx {
        method: parts.method,
        bucket,
        key,
        region,
        params,
        headers: parts.headers,
    };
    route(state, ctx, body).await
}

async fn route(state: &Arc<State>, ctx: Ctx, body: Incoming) -> Result<Response<Body>, ApiError> {
    let m = ctx.method.clone();
    if ctx.key.is_empty() {
        return match m {
            Method::GET if ctx.has("ci-process") => ci::get_processed(state, &ctx).await,
            Method::GET if ctx.has("uploads") => list_uploads(state, &ctx).await,
            Method::GET => list_objects(state, &ctx).await,
            Method::HEAD | Method::PUT => Ok(Response::new(empty())),
            _ => Err(ApiError::method_not_allowed()),
        };
    }
    match m {
        Method::PUT if ctx.has("uploadId") || ctx.has("partNumber") => {
            upload_part(state, &ctx, body).await
        }
        Method::PUT if ctx.headers.contains_key("x-cos-copy-source") => {
            copy_object(state, &ctx).await
        }
        Method::PUT => put_object(state, &ctx, body).await,
        Method::GET if ctx.has("uploadId") => list_parts(state, &ctx).await,
        Method::GET => get_object(state, &ctx, false).await,
        Method::HEAD => get_object(state, &ctx, true).await,
        Method::DELETE if ctx.has("uploadId") => abort_upload(state, &ctx).await,
        Method::DELETE => delete_object(state, &ctx).await,
        Method::POST if ctx.has("uploads") => initiate_upload(state, &ctx).await,
        Method::POST if ctx.has("uploadId") => complete_upload(state, &ctx, body).await,
        Method::POST if ctx.has("image_process") => ci::image_process(state, &ctx).await,
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// Receives a body into a staging file (and, with `keep`, into memory up to that size).
pub(crate) async fn receive_body(
    state: &Arc<State>,
    mut body: Incoming,
    max: u64,
    keep: Option<u64>,
) -> Result<(Staged, Option<Vec<u8>>), ApiError> {
    const FLUSH: usize = 1024 * 1024;
    let store = state.store.clone();
    let mut staging = blocking(move || Ok(store.stage()?)).await?;
    let idle = Duration::from_secs(state.config.limits.body_idle_timeout_secs);
    let mut kept = keep.map(|_| Vec::new());
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0u64;
    loop {
        let next = tokio::time::timeout(idle, body.frame())
            .await
            .map_err(|_| {
                ApiError::new(
                    400,
                    "RequestTimeout",
                    "the body did not arrive in time; the upload is discarded",
                )
            })?;
        let Some(frame) = next else { break };
        let frame = frame.map_err(|e| {
            ApiError::new(
                400,
                "IncompleteBody",
                format!("the body was not received whole: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > max {
            return Err(ApiError::entity_too_large(max));
        }
        if let (Some(k), Some(limit)) = (kept.as_mut(), keep) {
            if total > limit {
                return Err(ApiError::image_too_large(limit));
            }
            k.extend_from_slice(&data);
        }
        buf.extend_from_slice(&data);
        if buf.len() >= FLUSH {
            let chunk = std::mem::take(&mut buf);
            staging = blocking(move || {
                staging
                    .write(&chunk)
                    .map_err(crate::store::StoreError::from)?;
                Ok(staging)
            })
            .await?;
        }
    }
    let staged = blocking(move || {
        staging
            .write(&buf)
            .map_err(crate::store::StoreError::from)?;
        Ok(staging.finish().map_err(crate::store::StoreError::from)?)
    })
    .await?;
    Ok((staged, kept))
}

async fn put_object(
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
        Some(h) => Some(processing::plan(state, &ctx.bucket, &ctx.key, h)?),
        None => None,
    };
    if plan.is_some() && len.is_some_and(|l| l > limits.max_process_input) {
        return Err(ApiError::image_too_large(limits.max_process_input));
    }
    let keep = plan.as_ref().map(|_| limits.max_process_input);
    let (staged, kept) = receive_body(state, body, limits.max_object_size, keep).await?;
    check_content_md5(ctx, &staged.md5)?;
    let store = state.store.clone();
    let (bucket, key, obj) = (
        ctx.bucket.clone(),
        ctx.key.clone(),
        new_object(&ctx.headers),
    );
    let meta = blocking(move || Ok(store.commit(&bucket, &key, staged, obj)?)).await?;
    let mut resp = match (plan, kept) {
        (Some(plan), Some(input)) => {
            let result =
                processing::run_plan(state, &ctx.bucket, &ctx.key, &ctx.region, plan, input)
                    .await?;
            xml_response(result.to_xml())
        }
        _ => Response::new(empty()),
    };
    set(&mut resp, "etag", &meta.etag);
    set(&mut resp, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    Ok(resp)
}

fn object_headers(resp: &mut Response<Body>, meta: &ObjectMeta, ctx: &Ctx) {
    set_known(resp, header::CONTENT_TYPE, &meta.content_type);
    set_known(resp, header::ETAG, &meta.etag);
    set_known(resp, header::LAST_MODIFIED, &http_date(meta.last_modified));
    set_known(resp, CRC64_HEADER, &meta.crc64.to_string());
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

/// A body fed by a blocking reader thread.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    remaining: u64,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.rx.poll_recv(cx) {
            std::task::Poll::Ready(Some(Ok(b))) => {
                self.remaining = self.remaining.saturating_sub(b.len() as u64);
                std::task::Poll::Ready(Some(Ok(Frame::data(b))))
            }
            std::task::Poll::Ready(Some(Err(e))) => std::task::Poll::Ready(Some(Err(e))),
            std::task::Poll::Ready(None) => std::task::Poll::Ready(None),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// Bodies up to this size are read on the async worker when the store's reads are local
/// (see [`ObjectStore::reads_are_local`](crate::store::ObjectStore::reads_are_local)):
/// handing a 4 KB GET to the blocking pool costs more (thread wake-ups) than the read.
const INLINE_READ: u64 = 64 * 1024;

/// Streams `len` bytes from `start` of `reader` from a blocking thread.
fn stream_body(mut reader: Box<dyn crate::store::BodyReader>, start: u64, len: u64) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = reader.seek(SeekFrom::Start(start)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut reader = reader.take(len);
        loop {
            let mut chunk = vec![0u8; (256 * 1024).min(len as usize).max(1)];
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    BoxBody::new(ChannelBody { rx, remaining: len })
}

fn read_inline(
    reader: &mut dyn crate::store::BodyReader,
    start: u64,
    len: u64,
) -> Result<Vec<u8>, ApiError> {
    let io = |e: std::io::Error| ApiError::from(crate::store::StoreError::from(e));
    reader.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut data = Vec::with_capacity(len as usize);
    reader.take(len).read_to_end(&mut data).map_err(io)?;
    Ok(data)
}

async fn get_object(state: &Arc<State>, ctx: &Ctx, head: bool) -> Result<Response<Body>, ApiError> {
    if !head && names_a_rule(&ctx.params) {
        return ci::get_processed(state, ctx).await;
    }
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    let opened = if store.reads_are_local() {
        store.open(&bucket, &key)?
    } else {
        blocking(move || Ok(store.open(&bucket, &key)?)).await?
    };
    let (meta, mut reader) = opened.ok_or_else(ApiError::no_such_key)?;
    let range = parse_range(ctx.header("range"), meta.size)?;
    let (start, len) = match range {
        Some((s, e)) => (s, e - s + 1),
        None => (0, meta.size),
    };
    let body = if head {
        empty()
    } else if len <= INLINE_READ && state.store.reads_are_local() {
        full(read_inline(&mut *reader, start, len)?)
    } else if len <= INLINE_BODY {
        let data = blocking(move || read_inline(&mut *reader, start, len)).await?;
        full(data)
    } else {
        stream_body(reader, start, len)
    };
    let mut resp = Response::new(body);
    object_headers(&mut resp, &meta, ctx);
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
    Ok(resp)
}

async fn delete_object(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let store = state.store.clone();
    let (bucket, key) = (ctx.bucket.clone(), ctx.key.clone());
    blocking(move || Ok(store.delete(&bucket, &key)?)).await?;
    let mut resp = Response::new(empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

async fn list_objects(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let query = object_list_query(ctx)?;
    let url_encode = ctx.url_encoded();
    let store = state.store.clone();
    let bucket = ctx.bucket.clone();
    let q = query.clone();
    let listing = if query.max_keys == 0 {
        Default::default()
    } else {
        blocking(move || Ok(store.list(&bucket, &q)?)).await?
    };
    let enc = |s: &str| {
        if url_encode {
            ci_core::sign::encode_key_for_url(s)
        } else {
            s.to_owned()
        }
    };
    let owner = owner_of(&ctx.bucket);
    let doc = ListBucketResult {
        name: ctx.bucket.clone(),
        encoding_type: url_encode.then(|| "url".to_owned()),
        prefix: enc(&query.prefix),
        marker: enc(&query.marker),
        max_keys: query.max_keys as u32,
        delimiter: query.delimiter.as_deref().map(enc),
        is_truncated: listing.is_truncated,
        next_marker: listing.next_marker.as_deref().map(enc),
        common_prefixes: listing
            .common_prefixes
            .iter()
            .map(|cp| CommonPrefix { prefix: enc(cp) })
            .collect(),
        contents: listing
            .objects
            .iter()
            .map(|o| ListedObject {
                key: enc(&o.key),
                last_modified: iso_date(o.last_modified),
                etag: o.etag.clone(),
                size: o.size,
                owner: owner.clone(),
                storage_class: "STANDARD".to_owned(),
            })
            .collect(),
    };
    Ok(xml_response(doc.to_xml()))
}

async fn initiate_upload(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let store = state.store.clone();
    let (bucket, key, obj) = (
        ctx.bucket.clone(),
        ctx.key.clone(),
        new_object(&ctx.headers),
    );
    let upload_id = blocking(move || Ok(store.create_upload(&bucket, &key, obj)?)).await?;
    Ok(xml_response(
        InitiateMultipartUploadResult {
            bucket: ctx.bucket.clone(),
            key: ctx.key.clone(),
            upload_id,
        }
        .to_xml(),
    ))
}

/// The upload named by `?uploadId`, which must target this bucket and key.
async fn open_upload(state: &Arc<State>, ctx: &Ctx) -> Result<String, ApiError> {
    let id = ctx.param("uploadId").unwrap_or("").to_owned();
    let store = state.store.clone();
    let id2 = id.clone();
    let info = blocking(move || Ok(store.upload(&id2)?)).await?;
    match info {
        Some(u) if u.bucket == ctx.bucket && u.key == ctx.key => Ok(id),
        _ => Err(ApiError::no_such_upload()),
    }
}

async fn upload_part(
    state: &Arc<State>,
    ctx: &Ctx,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let n = part_number(ctx)?;
    let id = open_upload(state, ctx).await?;
    let max = state.config.limits.max_object_size;
    if content_length(ctx)?.is_some_and(|l| l > max) {
        return Err(ApiError::entity_too_large(max));
    }
    let (staged, _) = receive_body(state, body, max, None).await?;
    check_content_md5(ctx, &staged.md5)?;
    let crc64 = staged.crc64;
    let store = state.store.clone();
    let part = blocking(move || Ok(store.put_part(&id, n, staged)?)).await?;
    let mut resp = Response::new(empty());
    set(&mut resp, "etag", &part.etag);
    set(&mut resp, "x-cos-hash-crc64ecma", &crc64.to_string());
    Ok(resp)
}

async fn read_small_body(body: Incoming, max: u64) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, max as usize);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) => Err(ApiError::new(
            400,
            "MalformedXML",
            format!("cannot read the request body: {e}"),
        )),
    }
}

/// `POST /<key>?uploadId=ID`: assembles the parts. With `Pic-Operations` the processing
/// runs on the assembled object and the answer is the combined
/// `<CompleteMultipartUploadResult>` (Location, Bucket, Key, ETag, OriginalInfo,
/// ProcessResults: see [`CompletePicResult`]); without, the plain one.
async fn complete_upload(
    state: &Arc<State>,
    ctx: &Ctx,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let id = open_upload(state, ctx).await?;
    let plan = match ctx.header("pic-operations") {
        Some(h) => Some(processing::plan(state, &ctx.bucket, &ctx.key, h)?),
        None => None,
    };
    let raw = read_small_body(body, state.config.limits.max_xml_body).await?;
    let text = std::str::from_utf8(&raw)
        .map_err(|_| ApiError::new(400, "MalformedXML", "the body is not UTF-8"))?;
    let doc = CompleteMultipartUpload::from_xml(text)
        .map_err(|e| ApiError::new(400, "MalformedXML", e.to_string()))?;
    let parts: Vec<(u32, String)> = doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect();
    let store = state.store.clone();
    let max = state.config.limits.max_object_size;
    let meta = blocking(move || Ok(store.complete(&id, &parts, max)?)).await?;
    let completion = CompleteMultipartUploadResult {
        location: location(&ctx.bucket, &ctx.region, &ctx.key),
        bucket: ctx.bucket.clone(),
        key: ctx.key.clone(),
        etag: meta.etag.clone(),
    };
    let mut resp = match plan {
        // The completion's own elements first (cos-go-sdk-v5 reads only those, and calls an
        // answer without ETag an error), then OriginalInfo and ProcessResults.
        Some(plan) => {
            let limit = state.config.limits.max_process_input;
            if meta.size > limit {
                return Err(ApiError::image_too_large(limit));
            }
            let input = processing::read_object(state, &ctx.bucket, &ctx.key, limit).await?;
            let result =
                processing::run_plan(state, &ctx.bucket, &ctx.key, &ctx.region, plan, input)
                    .await?;
            xml_response(
                CompletePicResult {
                    completion: Some(completion),
                    upload_result: result,
                }
                .to_xml(),
            )
        }
        None => xml_response(completion.to_xml()),
    };
    set(&mut resp, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    Ok(resp)
}

async fn abort_upload(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let id = open_upload(state, ctx).await?;
    let store = state.store.clone();
    if !blocking(move || Ok(store.abort(&id)?)).await? {
        return Err(ApiError::no_such_upload());
    }
    let mut resp = Response::new(empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

async fn list_parts(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let id = open_upload(state, ctx).await?;
    let (marker, max) = part_list_query(ctx);
    let store = state.store.clone();
    let id2 = id.clone();
    let all = blocking(move || Ok(store.list_parts(&id2)?)).await?;
    let after: Vec<_> = all.into_iter().filter(|p| p.part_number > marker).collect();
    let truncated = after.len() > max;
    let page = &after[..after.len().min(max)];
    let owner = owner_of(&ctx.bucket);
    let doc = ListPartsResult {
        bucket: ctx.bucket.clone(),
        encoding_type: None,
        key: ctx.key.clone(),
        upload_id: id,
        initiator: owner.clone(),
        owner,
        storage_class: "STANDARD".to_owned(),
        part_number_marker: marker,
        next_part_number_marker: page.last().map_or(marker, |p| p.part_number),
        max_parts: max as u32,
        is_truncated: truncated,
        parts: page
            .iter()
            .map(|p| ListedPart {
                part_number: p.part_number,
                last_modified: iso_date(p.last_modified),
                etag: p.etag.clone(),
                size: p.size,
            })
            .collect(),
    };
    Ok(xml_response(doc.to_xml()))
}

/// `GET /?uploads`: open multipart uploads, with prefix, delimiter, key-marker,
/// upload-id-marker and max-uploads as ListObjects has them.
async fn list_uploads(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let query = upload_list_query(ctx)?;
    let url_encode = ctx.url_encoded();
    let (prefix, delimiter, max) = (query.prefix, query.delimiter, query.max_uploads);
    let (key_marker, id_marker) = (query.key_marker, query.upload_id_marker);
    let store = state.store.clone();
    let bucket = ctx.bucket.clone();
    let all = blocking(move || Ok(store.list_uploads(&bucket)?)).await?;
    // After the markers: keys past key-marker, and on key-marker itself the uploads that
    // follow upload-id-marker (in listing order).
    let id_pos = (!key_marker.is_empty() && !id_marker.is_empty())
        .then(|| {
            all.iter()
                .position(|u| u.key == key_marker && u.upload_id == id_marker)
        })
        .flatten();
    let enc = |s: &str| {
        if url_encode {
            ci_core::sign::encode_key_for_url(s)
        } else {
            s.to_owned()
        }
    };
    let owner = owner_of(&ctx.bucket);
    let mut doc = ListMultipartUploadsResult {
        bucket: ctx.bucket.clone(),
        encoding_type: url_encode.then(|| "url".to_owned()),
        key_marker: enc(key_marker),
        upload_id_marker: id_marker.to_owned(),
        max_uploads: max as u32,
        prefix: enc(&prefix),
        delimiter: delimiter.map(enc),
        ..Default::default()
    };
    let mut count = 0;
    let mut last: Option<(String, String)> = None;
    for (i, u) in all.iter().enumerate() {
        let after = match id_pos {
            Some(p) => i > p,
            None => key_marker.is_empty() || u.key.as_str() > key_marker,
        };
        if !after || !u.key.starts_with(&prefix) {
            continue;
        }
        let rolled = delimiter.and_then(|d| {
            let rest = &u.key[prefix.len()..];
            rest.find(d)
                .map(|at| format!("{prefix}{}", &rest[..at + d.len()]))
        });
        if let Some(cp) = &rolled {
            if last
                .as_ref()
                .is_some_and(|(k, id)| k == cp && id.is_empty())
            {
                continue; // already listed
            }
        }
        if count == max {
            doc.is_truncated = true;
            break;
        }
        count += 1;
        match rolled {
            Some(cp) => {
                doc.common_prefixes.push(CommonPrefix { prefix: enc(&cp) });
                last = Some((cp, String::new()));
            }
            None => {
                doc.uploads.push(ListedUpload {
                    key: enc(&u.key),
                    upload_id: u.upload_id.clone(),
                    storage_class: "STANDARD".to_owned(),
                    initiator: owner.clone(),
                    owner: owner.clone(),
                    initiated: iso_date(u.initiated),
                });
                last = Some((u.key.clone(), u.upload_id.clone()));
            }
        }
    }
    if doc.is_truncated {
        if let Some((k, id)) = last {
            doc.next_key_marker = Some(enc(&k));
            doc.next_upload_id_marker = Some(id);
        }
    }
    Ok(xml_response(doc.to_xml()))
}

/// PUT Object - Copy: the source's bytes become the target; metadata copied
/// (`x-cos-metadata-directive: Copy`, the default) or taken from this request
/// (`Replaced`).
async fn copy_object(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
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
        let io = |e: std::io::Error| ApiError::from(crate::store::StoreError::from(e));
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
        let object = replaced.unwrap_or(crate::store::NewObject {
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

/// GET Service: every bucket the store has seen (configured ones included).
async fn get_service(state: &Arc<State>) -> Result<Response<Body>, ApiError> {
    let store = state.store.clone();
    let buckets = blocking(move || Ok(store.buckets()?)).await?;
    let appid = buckets
        .first()
        .map(|(name, _)| owner_of(name))
        .unwrap_or_default();
    let doc = ListAllMyBucketsResult {
        owner: appid,
        buckets: BucketList {
            buckets: buckets
                .into_iter()
                .map(|(name, created)| BucketEntry {
                    name,
                    location: state.config.region.clone(),
                    creation_date: iso_date(created),
                    bucket_type: "cos".to_owned(),
                })
                .collect(),
        },
    };
    Ok(xml_response(doc.to_xml()))
}
