//! The legacy v4 API: `POST /files/v2/<appid>/<bucket>/<file>` with multipart/form-data
//! (`op=upload` with `filecontent`, or `op=image_process`; `insertOnly`), JSON answers.
//!
//! **(ours)** v4 error answers carry `code` = minus the HTTP status (`-400`, `-403`,
//! `-404`, ...) and `message` = `"<COS code>: <text>"`; `insertOnly=1` on an existing file
//! answers 409 with code `-4018` ("file already exists").

use std::sync::Arc;

use ci_core::result::{V4Data, V4ImageInfo, V4OriginalInfo, V4ProcessResult, V4Response};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;
use hyper::Response;

use crate::auth;
use crate::body::TimedBody;
use crate::error::ApiError;
use crate::form::{read_v4_form, FORM_OVERHEAD};
use crate::http::{blocking, full, status, Body};
use crate::processing;
use crate::processing::Input;
use crate::request::{content_length_of, new_object, v4_path};
use crate::state::State;
use crate::store::{NewObject, Publish, StoreError};

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
    let declared = content_length_of(&parts.headers)?;
    let most = limit + FORM_OVERHEAD;
    if declared.is_some_and(|d| d > most) {
        return Err(ApiError::image_too_large(limit).into());
    }
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The whole form is drawn from the budget before a byte of it is read.
    let reservation = state
        .budget
        .reserve(declared.unwrap_or(most).min(most), "a v4 form")
        .await?;
    let stream = TimedBody::new(state, body).into_stream();
    let capacity = reservation.bytes().min(limit);
    let form = read_v4_form(stream, content_type, limit, capacity).await?;
    let region = state.config.region.clone();
    let pic_ops = parts
        .headers
        .get("pic-operations")
        .and_then(|v| v.to_str().ok());
    let plan = match pic_ops {
        Some(h) => Some(processing::plan(state, &bucket, &file, h).await?),
        None => None,
    };
    let urls = |d: &mut V4Data| {
        d.access_url = Some(format!("http://{bucket}.file.myqcloud.com/{file}"));
        d.resource_path = Some(format!("/{appid}/{name}/{file}"));
        d.source_url = Some(format!("http://{bucket}.cos.{region}.myqcloud.com/{file}"));
        d.url = Some(format!(
            "http://{region}.file.myqcloud.com/files/v2/{appid}/{name}/{file}"
        ));
    };
    let mut data = V4Data::default();
    // The uploaded file, staged; published with the plan's results, all or nothing.
    let mut original: Option<Publish> = None;
    let input = match form.op.as_str() {
        "upload" => {
            let content = form
                .file
                .ok_or_else(|| ApiError::invalid_argument("op=upload needs a filecontent field"))?;
            let store = state.store.clone();
            let (b, k) = (bucket.clone(), file.clone());
            let insert_only = form.insert_only;
            let obj = new_object(&parts.headers);
            let obj = NewObject {
                content_type: if obj.content_type.starts_with("multipart/") {
                    "application/octet-stream".into()
                } else {
                    obj.content_type
                },
                headers: obj.headers,
            };
            let (content, staged) = blocking(move || {
                if insert_only && store.head(&b, &k)?.is_some() {
                    return Ok((content, None));
                }
                let mut staging = store.stage()?;
                staging.write(&content).map_err(StoreError::from)?;
                let staged = staging.finish().map_err(StoreError::from)?;
                Ok((content, Some(staged)))
            })
            .await?;
            let Some(staged) = staged else {
                return Err(V4Error {
                    status: 409,
                    code: -4018,
                    message: "file already exists".into(),
                });
            };
            original = Some(Publish {
                bucket: bucket.clone(),
                key: file.clone(),
                body: staged,
                object: obj,
            });
            urls(&mut data);
            Input::received(content, reservation)
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
            drop(reservation);
            processing::read_object(state, &bucket, &file, limit).await?
        }
        other => {
            return Err(ApiError::invalid_argument(format!("unknown op {other:?}")).into());
        }
    };
    let mut objects: Vec<Publish> = original.into_iter().collect();
    if let Some(plan) = plan {
        let fileids: Vec<String> = plan.rules.iter().map(|r| r.fileid.clone()).collect();
        let outcome = processing::run_plan(state, &bucket, &file, &region, plan, input).await?;
        objects.extend(outcome.outputs);
        let result = outcome.result;
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
    if !objects.is_empty() {
        let store = state.store.clone();
        blocking(move || Ok(store.commit_all(None, objects)?)).await?;
    }
    data.timecost = Some(started.elapsed().as_millis() as u64);
    tracing::debug!(request_id = %rid, %bucket, %file, op = %form.op, "v4 request");
    Ok(data)
}
