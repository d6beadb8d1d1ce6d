//! Low-level HTTP: the response body type, COS error and XML answers, header setters, and
//! the hand-off of blocking work. Everything above builds its answers from these.

use bytes::Bytes;
use ci_core::result::CosError;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Response, StatusCode};

use crate::error::ApiError;

/// The response body type.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// `x-cos-hash-crc64ecma`, parsed once.
pub(crate) const CRC64_HEADER: HeaderName = HeaderName::from_static("x-cos-hash-crc64ecma");

/// `x-cos-request-id`, parsed once (a name given as `&str` is parsed on every insert,
/// which showed in GET profiles).
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-cos-request-id");

/// A body of bytes in memory.
pub(crate) fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed()
}

/// No body.
pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// Runs a blocking closure on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

/// The status of a code (500 for a number HTTP has no status for).
pub(crate) fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The COS error answer: XML with every element filled; no body for HEAD.
pub(crate) fn error_response(
    e: &ApiError,
    resource: &str,
    rid: &str,
    is_head: bool,
) -> Response<Body> {
    let body = if is_head {
        empty()
    } else {
        let err = CosError {
            code: e.code.to_owned(),
            message: e.message.clone(),
            resource: if resource.is_empty() {
                "/".to_owned()
            } else {
                resource.to_owned()
            },
            request_id: rid.to_owned(),
            trace_id: format!("trace-{rid}"),
        };
        let xml = format!("<?xml version='1.0' encoding='utf-8' ?>\n{}", err.to_xml());
        full(xml)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status(e.status);
    if !is_head {
        resp.headers_mut()
            .insert("content-type", HeaderValue::from_static("application/xml"));
    }
    resp
}

/// A 200 answer with an XML document (the declaration is added here).
pub(crate) fn xml_response(xml: String) -> Response<Body> {
    let xml = format!("<?xml version='1.0' encoding='utf-8' ?>\n{xml}");
    let mut resp = Response::new(full(xml));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    resp
}

/// A 200 answer with a JSON document (`Content-Type: application/json`, as the engine's
/// `imageInfo` answers: the official Python SDK's `ci_process` parses any
/// `application/json*` answer as JSON).
pub(crate) fn json_response(json: String) -> Response<Body> {
    let mut resp = Response::new(full(json));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    resp
}

/// Sets a header known at compile time (no name parsing per request).
pub(crate) fn set_known(resp: &mut Response<Body>, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// [`set_known`] with a value made for the response: its buffer becomes the header's,
/// not copied.
pub(crate) fn set_known_owned(resp: &mut Response<Body>, name: HeaderName, value: String) {
    if let Ok(v) = HeaderValue::try_from(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// Sets a header; a name or value HTTP cannot carry is left out.
pub(crate) fn set(resp: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        resp.headers_mut().insert(n, v);
    }
}

/// The raw bytes of a 503 `SlowDown` answer for a connection refused before its request
/// was read (no resource, so `/`), closing the connection.
pub(crate) fn connection_refusal(message: &str) -> Vec<u8> {
    let rid = crate::util::fresh_id();
    let err = CosError {
        code: "SlowDown".to_owned(),
        message: message.to_owned(),
        resource: "/".to_owned(),
        request_id: rid.clone(),
        trace_id: format!("trace-{rid}"),
    };
    let xml = format!("<?xml version='1.0' encoding='utf-8' ?>\n{}", err.to_xml());
    let date = crate::util::http_date(crate::util::now_secs());
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\nDate: {date}\r\nServer: tencent-cos\r\n\
         x-cos-request-id: {rid}\r\n\r\n{xml}",
        xml.len()
    )
    .into_bytes()
}
