//! Answers as the cloud gives them (issue 15): header names with their case on the wire,
//! refusals of what is not built, pre-signed URLs made for a host that names no bucket.

use crate::common::*;

/// The raw head (status line and header lines) of an answer.
fn raw_head(r: &Resp) -> String {
    let mut head = format!("{}\r\n", r.status);
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head
}

/// Header names of `r` as sent, in order.
fn names(r: &Resp) -> Vec<&str> {
    r.headers.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn header_names_are_cased_as_the_cloud_writes_them() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let put = Req::new("PUT", "h.txt")
        .header("Content-Type", "text/plain")
        .header("Cache-Control", "no-cache")
        .body("hello")
        .send(a);
    assert_eq!(
        names(&put),
        [
            "ETag",
            "x-cos-hash-crc64ecma",
            "x-cos-request-id",
            "Server",
            "Connection",
            "Content-Length",
            "Date"
        ],
        "{}",
        raw_head(&put)
    );
    let get = Req::new("GET", "h.txt").header("Range", "bytes=1-").send(a);
    assert_eq!(get.status, 206);
    for name in [
        "Content-Type",
        "ETag",
        "Last-Modified",
        "x-cos-hash-crc64ecma",
        "Accept-Ranges",
        "Cache-Control",
        "Content-Length",
        "Content-Range",
        "x-cos-request-id",
        "Server",
        "Connection",
        "Date",
    ] {
        assert!(
            get.header(name).is_some(),
            "{name} missing: {}",
            raw_head(&get)
        );
    }
    assert_eq!(get.header("Content-Length"), Some("4"));
    let head = Req::new("HEAD", "h.txt").send(a);
    assert_eq!(head.header("Content-Length"), Some("5"));
    assert_eq!(head.header("ETag"), get.header("ETag"));
    // Errors too.
    let missing = Req::new("GET", "nope").send(a);
    assert_eq!(missing.status, 404);
    assert_eq!(
        names(&missing),
        [
            "Content-Type",
            "x-cos-request-id",
            "Server",
            "Connection",
            "Content-Length",
            "Date"
        ],
        "{}",
        raw_head(&missing)
    );
    let listing = Req::new("GET", "").send(a);
    assert_eq!(listing.header("Content-Type"), Some("application/xml"));
}
