//! Security and resource bounds (issue 16): one test per finding, named after it, and
//! the attacks that held before, kept held.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::*;

/// A GET of a small object, timed: the server still serves.
fn serves_a_get(a: std::net::SocketAddr) -> Duration {
    let started = Instant::now();
    let g = Req::new("GET", "alive.txt").send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.body, b"alive");
    started.elapsed()
}

fn put_alive(a: std::net::SocketAddr) {
    assert_eq!(
        Req::new("PUT", "alive.txt").body("alive").send(a).status,
        200
    );
}

#[test]
fn deep_xml_is_malformed_not_fatal() {
    let (srv, _dir) = server();
    let a = srv.addr();
    put_alive(a);
    let id = initiate(a, "deep.bin");
    let etag = upload_part(a, "deep.bin", &id, 1, b"part");
    let depth = 40_000;
    let body = format!(
        "<CompleteMultipartUpload>{}{}<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>",
        "<X>".repeat(depth),
        "</X>".repeat(depth)
    );
    assert!(body.len() < 1024 * 1024);
    let r = Req::new("POST", "deep.bin")
        .param("uploadId", &id)
        .body(body)
        .send(a);
    let err = assert_error(&r, 400, "MalformedXML");
    assert!(
        err.message.contains("nested deeper than"),
        "{}",
        err.message
    );
    serves_a_get(a);
    // The upload is still open: nothing was assembled.
    assert_error(&Req::new("GET", "deep.bin").send(a), 404, "NoSuchKey");
}
