//! The legacy v4 API: `POST /files/v2/<appid>/<bucket>/<file>` with multipart/form-data
//! (`op=upload` with `filecontent`, or `op=image_process`; `insertOnly`), JSON answers.
//!
//! **(ours)** v4 error answers carry `code` = minus the HTTP status (`-400`, `-403`,
//! `-404`, ...) and `message` = `"<COS code>: <text>"`; `insertOnly=1` on an existing file
//! answers 409 with code `-4018` ("file already exists").

use std::sync::Arc;

use bytes::Bytes;
use ci_core::result::{V4Data, V4ImageInfo, V4OriginalInfo, V4ProcessResult, V4Response};
use ci_core::sign::{decode_key, v4_verify};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;
use hyper::Response;

use crate::ci;
use crate::error::ApiError;
use crate::handler::new_object;
use crate::http::{blocking, full, Body};
use crate::state::State;
use crate::util::now_secs;

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

fn json(status: u16, resp: &V4Response) -> Response<Body> {
    let mut r = Response::new(full(resp.to_json()));
    *r.status_mut() = crate::http::status(status);
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

/// One form-data field.
struct Field {
    name: String,
    data: Bytes,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn disposition_param(line: &str, name: &str) -> Option<String> {
    line.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Parses a multipart/form-data body.
fn parse_form(content_type: &str, body: &Bytes) -> Result<Vec<Field>, ApiError> {
    let bad = |m: &str| ApiError::invalid_argument(format!("malformed multipart/form-data: {m}"));
    let boundary = content_type
        .split(';')
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_owned())
        })
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("no boundary"))?;
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut fields = Vec::new();
    let mut pos = find(body, delim, 0).ok_or_else(|| bad("no opening boundary"))? + delim.len();
    loop {
        if body[pos..].starts_with(b"--") {
            break;
        }
        // Skip the CRLF after the boundary.
        if body[pos..].starts_with(b"\r\n") {
            pos += 2;
        }
        let head_end = find(body, b"\r\n\r\n", pos).ok_or_else(|| bad("part without headers"))?;
        let head =
            std::str::from_utf8(&body[pos..head_end]).map_err(|_| bad("header not UTF-8"))?;
        let name = head
            .split("\r\n")
            .find(|l| {
                l.split(':')
                    .next()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case("content-disposition"))
            })
            .and_then(|l| disposition_param(l, "name"))
            .ok_or_else(|| bad("part without a name"))?;
        let start = head_end + 4;
        let mut end_delim = b"\r\n".to_vec();
        end_delim.extend_from_slice(delim);
        let end = find(body, &end_delim, start).ok_or_else(|| bad("unterminated part"))?;
        fields.push(Field {
            name,
            data: body.slice(start..end),
        });
        pos = end + end_delim.len();
        if pos >= body.len() {
            break;
        }
    }
    Ok(fields)
}

async fn run(
    state: &Arc<State>,
    parts: &Parts,
    body: Incoming,
    rid: &str,
) -> Result<V4Data, V4Error> {
    let started = std::time::Instant::now();
    let bad_path = || {
        V4Error::from(ApiError::invalid_argument(
            "path must be /files/v2/<appid>/<bucket>/<file>",
        ))
    };
    let rest = parts
        .uri
        .path()
        .strip_prefix("/files/v2/")
        .ok_or_else(bad_path)?;
    let mut it = rest.splitn(3, '/');
    let (appid, name, raw_file) = match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), Some(f)) if !a.is_empty() && !b.is_empty() && !f.is_empty() => (a, b, f),
        _ => return Err(bad_path()),
    };
    let file = decode_key(raw_file).map_err(|e| {
        ApiError::new(
            400,
            "InvalidURI",
            format!("cannot decode the file name: {e}"),
        )
    })?;
    let bucket = format!("{name}-{appid}");
    if parts.method != hyper::Method::POST {
        return Err(ApiError::method_not_allowed().into());
    }
    // Authorization: the v4 signature itself.
    match parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    {
        Some(sign) if !sign.trim().is_empty() => {
            v4_verify(sign, |ak| state.config.lookup(ak), appid, name, now_secs()).map_err(
                |e| V4Error::from(ApiError::new(403, "SignatureDoesNotMatch", e.to_string())),
            )?;
        }
        _ if state.config.anonymous => {}
        _ => {
            return Err(
                ApiError::new(403, "AccessDenied", "the request carries no v4 signature").into(),
            )
        }
    }
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
        .map(|h| ci::plan(state, &bucket, &file, h))
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
            ci::read_object(state, &bucket, &file, limit).await?
        }
        other => {
            return Err(ApiError::invalid_argument(format!("unknown op {other:?}")).into());
        }
    };
    if let Some(plan) = plan {
        let fileids: Vec<String> = plan.rules.iter().map(|r| r.fileid.clone()).collect();
        let result = ci::run_plan(state, &bucket, &file, &region, plan, input).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form() {
        let body = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nupload\r\n--XX\r\nContent-Disposition: form-data; name=\"filecontent\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\r\n\x01\r\n--XX--\r\n",
        );
        let f = parse_form("multipart/form-data; boundary=XX", &body).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, "op");
        assert_eq!(&f[0].data[..], b"upload");
        assert_eq!(&f[1].data[..], b"\x00\r\n\x01");
    }
}
