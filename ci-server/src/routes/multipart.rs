//! Multipart uploads: initiate, upload a part, complete (with Pic-Operations, processed
//! once assembled), abort, and list an upload's parts.

use std::sync::Arc;

use ci_core::result::{
    CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePicResult,
    InitiateMultipartUploadResult, ListPartsResult, ListedPart,
};
use hyper::body::Incoming;
use hyper::{Response, StatusCode};

use crate::address::{location, owner_of};
use crate::body::{read_small_body, receive_body};
use crate::error::ApiError;
use crate::http::{blocking, empty, set, set_known, xml_response, Body, CRC64_HEADER};
use crate::processing;
use crate::request::{
    check_content_md5, content_length, new_object, part_list_query, part_number, Ctx,
};
use crate::state::State;
use crate::util::iso_date;

/// `POST /<key>?uploads`: a new upload id.
pub(crate) async fn initiate_upload(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
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

/// `PUT /<key>?partNumber=N&uploadId=ID`: one part, streamed into the store.
pub(crate) async fn upload_part(
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

/// `POST /<key>?uploadId=ID`: assembles the parts. With `Pic-Operations` the processing
/// runs on the assembled parts before anything is published; the object and the results
/// are then published together (a failing rule leaves the upload open and nothing
/// published), and the answer is the combined `<CompleteMultipartUploadResult>`
/// (Location, Bucket, Key, ETag, OriginalInfo, ProcessResults: see
/// [`CompletePicResult`]); without, the plain one.
pub(crate) async fn complete_upload(
    state: &Arc<State>,
    ctx: &Ctx,
    body: Incoming,
) -> Result<Response<Body>, ApiError> {
    let id = open_upload(state, ctx).await?;
    let plan = match ctx.header("pic-operations") {
        Some(h) => Some(processing::plan(state, &ctx.bucket, &ctx.key, h).await?),
        None => None,
    };
    let limits = &state.config.limits;
    // Parsing holds the text and its tree: a few times the body.
    let (raw, _parsing) =
        read_small_body(state, body, content_length(ctx)?, limits.max_xml_body, 4).await?;
    let doc = blocking(move || {
        let text = std::str::from_utf8(&raw)
            .map_err(|_| ApiError::new(400, "MalformedXML", "the body is not UTF-8"))?;
        CompleteMultipartUpload::from_xml(text)
            .map_err(|e| ApiError::new(400, "MalformedXML", e.to_string()))
    })
    .await?;
    let parts: Vec<(u32, String)> = doc
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag))
        .collect();
    let store = state.store.clone();
    let max = limits.max_object_size;
    let assembled = blocking(move || Ok(store.assemble(&id, &parts, max)?)).await?;
    let (outcome, outputs) = match plan {
        Some(plan) => {
            let limit = limits.max_process_input;
            if assembled.body.size > limit {
                return Err(ApiError::image_too_large(limit));
            }
            let input = processing::read_staged(state, &assembled.body).await?;
            let outcome =
                processing::run_plan(state, &ctx.bucket, &ctx.key, &ctx.region, plan, input)
                    .await?;
            (Some(outcome.result), outcome.outputs)
        }
        None => (None, Vec::new()),
    };
    let store = state.store.clone();
    let committed = blocking(move || Ok(store.commit_all(Some(assembled), outputs)?)).await?;
    let meta = committed
        .completed
        .ok_or_else(|| ApiError::internal("the store completed nothing"))?;
    let completion = CompleteMultipartUploadResult {
        location: location(&ctx.bucket, &ctx.region, &ctx.key),
        bucket: ctx.bucket.clone(),
        key: ctx.key.clone(),
        etag: meta.etag.clone(),
    };
    let mut resp = match outcome {
        // The completion's own elements first (cos-go-sdk-v5 reads only those, and calls an
        // answer without ETag an error), then OriginalInfo and ProcessResults.
        Some(result) => xml_response(
            CompletePicResult {
                completion: Some(completion),
                upload_result: result,
            }
            .to_xml(),
        ),
        None => xml_response(completion.to_xml()),
    };
    set_known(&mut resp, CRC64_HEADER, &meta.crc64.to_string());
    Ok(resp)
}

/// `DELETE /<key>?uploadId=ID`: the upload and its parts are gone (204).
pub(crate) async fn abort_upload(
    state: &Arc<State>,
    ctx: &Ctx,
) -> Result<Response<Body>, ApiError> {
    let id = open_upload(state, ctx).await?;
    let store = state.store.clone();
    if !blocking(move || Ok(store.abort(&id)?)).await? {
        return Err(ApiError::no_such_upload());
    }
    let mut resp = Response::new(empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

/// `GET /<key>?uploadId=ID`: the upload's parts, paged by part number.
pub(crate) async fn list_parts(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
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
