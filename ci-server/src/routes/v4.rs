//! The legacy v4 API: `POST /files/v2/<appid>/<bucket>/<file>` with multipart/form-data
//! (`op=upload` with `filecontent`, or `op=image_process`; `insertOnly`), JSON answers.
//!
//! **(ours)** v4 error answers carry `code` = minus the HTTP status (`-400`, `-403`,
//! `-404`, ...) and `message` = `"<COS code>: <text>"`; `insertOnly=1` on an existing file
//! answers 409 with code `-4018` ("file already exists").

use std::sync::Arc;

use ci_core::result::{V4Data, V4ImageInfo, V4OriginalInfo, V4ProcessResult, V4Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;
use hyper::Response;

use crate::auth;
use crate::error::ApiError;
use crate::http::{blocking, full, status, Body};
use crate::processing;
use crate::request::{new_object, parse_form, v4_path};
use crate::state::State;

struct V4Error {
    status: u16,
    code: i64,
    message: String,
}

impl From<ApiError> for V4Error {
    fn from(e: ApiError) -> Self {
        V4Error {
            status: e.status,
            code: -i64::from(e.status),
            message: format!("{}: {}", e.code, e.message),
        }
    }
}

fn json(http_status: u16, resp: &V4Response) -> Response<Body> {
    let mut r = Response::new(full(resp.to_json()));
    *r.status_mut() = status(http_status);
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// Handles one v4 request; never fails (errors are JSON answers).
pub(crate) async fn handle(
    state: &Arc<State>,
    parts: Parts,
    body: Incoming,
    rid: &str,
) -> Response<Body> {
    let rid = rid.to_owned();
    match run(state, &parts, body, &rid).await {
        Ok(data) => json(
            200,
            &V4Response {
                code: 0,
                message: "SUCCESS".into(),
                request_id: Some(rid),
                data: Some(data),
            },
        ),
        Err(e) => json(
            e.status,
            &V4Response {
                code: e.code,
                message: e.message,
                request_id: Some(rid),
                data: None,
            },
        ),
    }
}

async fn run(
    state: &Arc<State>,
    parts: &Parts,
    body: Incoming,
    rid: &str,
) -> Result<V4Data, V4Error> {
    let started = std::time::Instant::now();
    let target = v4_path(parts.uri.path())?;
    let (appid, name) = (target.appid, target.name);
    let bucket = target.bucket();
    let file = target.file;
    if parts.method != hyper::Method::POST {
        return Err(ApiError::method_not_allowed().into());
    }
    let single_use = auth::check_v4(state, &parts.headers, appid, name, &file)?;
    let done = act(
        state,
        parts,
        body,
        rid,
        (appid, name, bucket, file),
        started,
    )
    .await;
    if done.is_err() {
        auth::release_v4(state, single_use);
    }
    done
}

/// Runs an authenticated v4 request on `(appid, bucket name, bucket, file)`.
async fn act(
    state: &Arc<State>,
    parts: &Parts,
    body: Incoming,
    rid: &str,
    (appid, name, bucket, file): (&str, &str, String, String),
    started: std::time::Instant,
) -> Result<V4Data, V4Error> {
    if !state.config.bucket_exists(&bucket) {
        return Err(ApiError::no_such_bucket().into());
    }
    let limit = state.config.limits.max_v4_input;
    let raw = http_body_util::Limited::new(body, (limit + 64 * 1024) as usize)
        .collect()
        .await
        .map_err(|_| ApiError::image_too_large(limit))?
        .to_bytes();
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields = parse_form(content_type, &raw)?;
    let field = |n: &str| fields.iter().find(|f| f.name == n).map(|f| f.data.clone());
    let text = |n: &str| field(n).map(|d| String::from_utf8_lossy(&d).trim().to_owned());
    let op = text("op").unwrap_or_default();
    let region = state.config.region.clone();
    let pic_ops = parts
        .headers
        .get("pic-operations")
        .and_then(|v| v.to_str().ok());
    let plan = pic_ops
        .map(|h| processing::plan(state, &bucket, &file, h))
        .transpose()?;
    let urls = |d: &mut V4Data| {
        d.access_url = Some(format!("http://{bucket}.file.myqcloud.com/{file}"));
        d.resource_path = Some(format!("/{appid}/{name}/{file}"));
        d.source_url = Some(format!("http://{bucket}.cos.{region}.myqcloud.com/{file}"));
        d.url = Some(format!(
            "http://{region}.file.myqcloud.com/files/v2/{appid}/{name}/{file}"
        ));
    };
    let mut data = V4Data::default();
    let input = match op.as_str() {
        "upload" => {
            let content = field("filecontent")
                .ok_or_else(|| ApiError::invalid_argument("op=upload needs a filecontent field"))?;
            if content.len() as u64 > limit {
                return Err(ApiError::image_too_large(limit).into());
            }
            let insert_only = text("insertOnly").as_deref() == Some("1");
            let store = state.store.clone();
            let (b, k) = (bucket.clone(), file.clone());
            let obj = new_object(&parts.headers);
            let obj = crate::store::NewObject {
                content_type: if obj.content_type.starts_with("multipart/") {
                    "application/octet-stream".into()
                } else {
                    obj.content_type
                },
                headers: obj.headers,
            };
            let body = content.clone();
            let stored = blocking(move || {
                if insert_only && store.head(&b, &k)?.is_some() {
                    return Ok(false);
                }
                store.put_bytes(&b, &k, &body, obj)?;
                Ok(true)
            })
            .await?;
            if !stored {
                return Err(V4Error {
                    status: 409,
                    code: -4018,
                    message: "file already exists".into(),
                });
            }
            urls(&mut data);
            content.to_vec()
        }
        "image_process" => {
            if plan.is_none() {
                return Err(ApiError::new(
                    400,
                    "InvalidPicOperations",
                    "op=image_process needs a Pic-Operations header",
                )
                .into());
            }
            processing::read_object(state, &bucket, &file, limit).await?
        }
        other => {
            return Err(ApiError::invalid_argument(format!("unknown op {other:?}")).into());
        }
    };
    if let Some(plan) = plan {
        let fileids: Vec<String> = plan.rules.iter().map(|r| r.fileid.clone()).collect();
        let result = processing::run_plan(state, &bucket, &file, &region, plan, input).await?;
        data.image_info = Some(V4ImageInfo {
            original_info: result.original_info.and_then(|o| o.image_info).map(|i| {
                V4OriginalInfo {
                    format: i.format,
                    width: i.width,
                    height: i.height,
                    ave: i.ave,
                    orientation: i.orientation,
                    quality: i.quality,
                }
            }),
            process_results: result
                .process_results
                .into_iter()
                .zip(fileids)
                .map(|(p, fileid)| V4ProcessResult {
                    access_url: Some(format!("http://{bucket}.file.myqcloud.com/{}", p.key)),
                    resource_path: Some(format!("/{appid}/{name}/{}", p.key)),
                    source_url: Some(format!("http://{}", p.location)),
                    url: Some(format!(
                        "http://{region}.file.myqcloud.com/files/v2/{appid}/{name}/{}",
                        p.key
                    )),
                    file_id: fileid,
                    format: p.format,
                    width: p.width,
                    height: p.height,
                    size: p.size,
                    quality: p.quality,
                    vid: None,
                })
                .collect(),
        });
    }
    data.timecost = Some(started.elapsed().as_millis() as u64);
    tracing::debug!(request_id = %rid, %bucket, %file, %op, "v4 request");
    Ok(data)
}
