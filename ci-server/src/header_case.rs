//! Response header names as the cloud writes them: standard headers in their usual case
//! (`Content-Type`, `ETag`, `Last-Modified`, ...), the cloud's own lower case
//! (`x-cos-request-id`, `x-cos-hash-crc64ecma`, ...). The official Python SDK copies
//! response headers into a plain dict and looks `Content-Type` up case-sensitively.
//!
//! hyper 1 lower-cases names on HTTP/1 and keeps its case map (`HeaderCaseMap`) private.
//! It does honour a case map found in a response's extensions, and a server connection
//! with `preserve_header_case` records one in each request's extensions. So, once at
//! start-up, a synthetic request whose header lines spell every name in the wanted case is
//! parsed by a hyper server connection over an in-memory duplex; its extensions (`Clone`)
//! then go into every response. Names not in the map (`x-cos-*`) go out lower case, which
//! is how the cloud writes them; `title_case_headers` would write `X-Cos-Request-Id`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The names the server sends, in the cloud's case; every other name it sends is the
/// cloud's own `x-cos-*` family, lower case.
pub(crate) const CLOUD_CASE: &[&str] = &[
    "Accept-Ranges",
    "Cache-Control",
    "Connection",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Range",
    "Content-Type",
    "Date",
    "ETag",
    "Expires",
    "Last-Modified",
    "Location",
    "Server",
];

/// Extensions carrying hyper's case map for [`CLOUD_CASE`], to `extend` every response's
/// extensions with.
pub(crate) async fn cloud_case_extensions() -> std::io::Result<hyper::http::Extensions> {
    let (client, server) = tokio::io::duplex(16 * 1024);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
        if let Some(tx) = tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(req.extensions().clone());
        }
        async { Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new())) }
    });
    let mut builder = http1::Builder::new();
    builder.preserve_header_case(true).keep_alive(false);
    let conn = builder.serve_connection(TokioIo::new(server), service);
    let serving = tokio::spawn(conn);
    let mut request = String::from("GET / HTTP/1.1\r\n");
    for name in CLOUD_CASE {
        // Values that parse for each name (hyper checks none of these on a request).
        request.push_str(&format!("{name}: 0\r\n"));
    }
    request.push_str("\r\n");
    let mut client = client;
    client.write_all(request.as_bytes()).await?;
    let mut sink = Vec::new();
    let _ = client.read_to_end(&mut sink).await;
    let _ = serving.await;
    rx.await
        .map_err(|_| std::io::Error::other("the header-case request was not parsed"))
}
