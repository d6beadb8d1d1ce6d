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

/// POSTs a v4 upload of `data` to `file` with the v4 `auth`.
fn v4_upload(a: std::net::SocketAddr, file: &str, data: &[u8], auth: &str) -> Resp {
    let (ct, body) = v4_form(&[("op", b"upload"), ("filecontent", data)]);
    let headers = vec![
        ("Host".to_owned(), format!("{REGION}.image.myqcloud.com")),
        ("Content-Type".to_owned(), ct),
        ("Authorization".to_owned(), auth.to_owned()),
    ];
    let target = format!("/files/v2/1250000000/examplebucket/{file}");
    send(a, "POST", &target, &headers, &body)
}

fn v4_refused(r: &Resp, status: u16, says: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let v = ci_core::result::V4Response::from_json(&r.text()).expect("v4 JSON error");
    assert_eq!(v.code, -i64::from(status));
    assert!(v.message.contains(says), "{}", v.message);
}

#[test]
fn v4_single_use_signature_is_bound_to_its_file_and_used_once() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let n = now();
    let single = |f: &str, rand: u64| {
        ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, 0, n, rand, f)
    };
    // Signed for harmless.jpg, aimed at secret.txt: refused, secret.txt untouched.
    Req::new("PUT", "secret.txt").body("secret").send(a);
    let harmless = single("/1250000000/examplebucket/harmless.jpg", 1);
    v4_refused(
        &v4_upload(a, "secret.txt", b"OVERWRITTEN", &harmless),
        403,
        "is for",
    );
    assert_eq!(Req::new("GET", "secret.txt").send(a).body, b"secret");
    // Its own file: accepted once, then refused as used.
    assert_eq!(v4_upload(a, "harmless.jpg", b"ONE", &harmless).status, 200);
    v4_refused(
        &v4_upload(a, "harmless.jpg", b"TWO", &harmless),
        403,
        "used already",
    );
    assert_eq!(Req::new("GET", "harmless.jpg").send(a).body, b"ONE");
    // The URL-encoded form of f names the same file.
    let encoded = single("/1250000000/examplebucket/a%20b.jpg", 2);
    assert_eq!(v4_upload(a, "a%20b.jpg", b"AB", &encoded).status, 200);
    // A failed request gives the signature back (no side effect): a retry succeeds.
    let retried = single("/1250000000/examplebucket/r.jpg", 3);
    let (ct, _) = v4_form(&[]);
    let h = vec![
        ("Content-Type".to_owned(), ct),
        ("Authorization".to_owned(), retried.clone()),
    ];
    let r = send(
        a,
        "POST",
        "/files/v2/1250000000/examplebucket/r.jpg",
        &h,
        b"--not a form",
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(v4_upload(a, "r.jpg", b"R", &retried).status, 200);
    // Signed long ago: outside the single-use window.
    let old = ci_core::sign::v4_sign(
        "1250000000",
        "examplebucket",
        AK,
        SK,
        0,
        n - 7200,
        4,
        "/1250000000/examplebucket/old.jpg",
    );
    v4_refused(&v4_upload(a, "old.jpg", b"OLD", &old), 403, "outside");
}

#[test]
fn v4_multi_use_signature_lifetime_is_capped() {
    let (srv, _dir) = server_with(|c| c.limits.v4_max_signature_lifetime_secs = 3600);
    let a = srv.addr();
    let n = now();
    let forever = ci_core::sign::v4_sign(
        "1250000000",
        "examplebucket",
        AK,
        SK,
        9_999_999_999,
        n,
        5,
        "",
    );
    v4_refused(
        &v4_upload(a, "f.jpg", b"F", &forever),
        403,
        "more than 3600 s",
    );
    let hour = ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, n + 3000, n, 6, "");
    assert_eq!(v4_upload(a, "f.jpg", b"F", &hour).status, 200);
    // A multi-use signature is reusable within its life.
    assert_eq!(v4_upload(a, "g.jpg", b"G", &hour).status, 200);
}
