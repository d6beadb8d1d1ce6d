//! Security and resource bounds (issue 16): one test per finding, named after it, and
//! the attacks that held before, kept held.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::*;

/// A GET of a small object, timed: the server still serves.
pub(crate) fn serves_a_get(a: std::net::SocketAddr) -> Duration {
    let started = Instant::now();
    let g = Req::new("GET", "alive.txt").send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.body, b"alive");
    started.elapsed()
}

pub(crate) fn put_alive(a: std::net::SocketAddr) {
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

/// Opens a connection and sends `head` (and `body_start`), leaving the rest unsent.
pub(crate) fn half_sent(a: std::net::SocketAddr, head: &str, body_start: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(a).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // The server may answer (and close) before taking it all: that is its right.
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body_start);
    s
}

/// Reads what the server answered on `s` (until it closes or 20 s pass).
fn answer(mut s: TcpStream) -> String {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

pub(crate) fn pic_put_head(a: std::net::SocketAddr, key: &str, declared: u64) -> String {
    let ops = r#"{"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}"#;
    let mut sr = ci_core::sign::SignableRequest::for_key("PUT", key);
    sr.headers = vec![
        ("Host".into(), vhost()),
        ("Pic-Operations".into(), ops.into()),
        ("Content-Length".into(), declared.to_string()),
    ];
    let n = now();
    let auth = ci_core::sign::sign(
        &creds(),
        &sr,
        ci_core::sign::KeyTime::new(n - 60, n + 3600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let _ = a;
    format!(
        "PUT /{key} HTTP/1.1\r\nHost: {}\r\nPic-Operations: {ops}\r\nContent-Length: {declared}\r\nAuthorization: {}\r\n\r\n",
        vhost(),
        auth.to_header_value()
    )
}

#[test]
fn buffered_bodies_draw_from_one_memory_budget() {
    let mib = 1024 * 1024;
    let (srv, _dir) = server_with(|c| {
        c.limits.memory_budget = 72 * mib;
        c.limits.admission_wait_ms = 300;
    });
    let a = srv.addr();
    put_alive(a);
    // Two uploads declaring 30 MiB each hold 60 MiB (and their staging buffers) of 72.
    let held: Vec<TcpStream> = (0..2)
        .map(|i| half_sent(a, &pic_put_head(a, &format!("big{i}.jpg"), 30 * mib), b"x"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A third cannot be admitted: 503 SlowDown, at once, before its body is read.
    let third = half_sent(a, &pic_put_head(a, "big2.jpg", 30 * mib), b"x");
    let refused = answer(third);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("<Code>SlowDown</Code>"), "{refused}");
    assert!(refused.contains("memory budget"), "{refused}");
    // Small requests still pass, and the budget comes back when the holders go.
    serves_a_get(a);
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let r = Req::new("PUT", "after.jpg")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}"#,
        )
        .body(vec![7u8; 1000])
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
}

/// A connection that has been served once and is kept open (so it holds its place).
fn kept_alive(a: std::net::SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    assert!(n > 0 && buf.starts_with(b"HTTP/1.1 "));
    s
}

#[test]
fn connections_are_capped() {
    let (srv, _dir) = server_with(|c| c.limits.max_connections = 3);
    let a = srv.addr();
    put_alive(a);
    let held: Vec<TcpStream> = (0..3).map(|_| kept_alive(a)).collect();
    // The connection of put_alive may take a moment to close: retry a few times.
    let mut refused = String::new();
    for _ in 0..20 {
        let mut over = TcpStream::connect(a).unwrap();
        over.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut raw = Vec::new();
        let _ = over.read_to_end(&mut raw);
        refused = String::from_utf8_lossy(&raw).into_owned();
        if !refused.is_empty() {
            break;
        }
    }
    assert!(
        refused.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{refused}"
    );
    assert!(
        refused.contains("\r\nContent-Type: application/xml\r\n"),
        "{refused}"
    );
    assert!(refused.contains("<Code>SlowDown</Code>"), "{refused}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    serves_a_get(a);
}

#[test]
fn body_has_a_total_deadline() {
    let (srv, _dir) = server_with(|c| c.limits.body_total_timeout_secs = 1);
    let a = srv.addr();
    let mut put = Req::new("PUT", "slow.bin").header("Content-Length", "100");
    put.body = Vec::new();
    let mut sr = ci_core::sign::SignableRequest::for_key("PUT", "slow.bin");
    sr.headers = vec![("Host".into(), vhost())];
    let auth = ci_core::sign::sign(&creds(), &sr, put.key_time, &put.policy);
    let head = format!(
        "PUT /slow.bin HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\nAuthorization: {}\r\n\r\n",
        vhost(),
        auth.to_header_value()
    );
    let mut s = half_sent(a, &head, b"");
    let started = Instant::now();
    // One byte every 200 ms: never idle for long, never done.
    let mut refused = String::new();
    for _ in 0..40 {
        if s.write_all(b"z").is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        s.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        if let Ok(n) = s.read(&mut buf) {
            refused.push_str(&String::from_utf8_lossy(&buf[..n]));
            if n > 0 {
                break;
            }
        }
        s.set_nonblocking(false).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(refused.contains("<Code>RequestTimeout</Code>"), "{refused}");
    assert!(refused.contains("within 1 s"), "{refused}");
    assert_error(&Req::new("GET", "slow.bin").send(a), 404, "NoSuchKey");
}

#[test]
fn failed_processing_publishes_nothing() {
    let (srv, _dir) = server();
    let a = srv.addr();
    assert_eq!(
        Req::new("PUT", "photo.jpg").body("ORIGINAL").send(a).status,
        200
    );
    // The engine refuses the body: the original stays, no result is stored.
    let one = r#"{"rules":[{"fileid":"one.png","rule":"imageMogr2/format/png"}]}"#;
    let r = Req::new("PUT", "photo.jpg")
        .header("Pic-Operations", one)
        .body("NOTANIMAGE garbage")
        .send(a);
    assert_error(&r, 400, "InvalidImageFormat");
    assert_eq!(Req::new("GET", "photo.jpg").send(a).body, b"ORIGINAL");
    assert_error(&Req::new("GET", "one.png").send(a), 404, "NoSuchKey");
    // Two rules, the second fails: neither output nor the new original is published.
    let two = r#"{"rules":[{"fileid":"first.png","rule":"imageMogr2/format/png"},{"fileid":"second.jpg","rule":"imageMogr2/quality/1"}]}"#;
    let r = Req::new("PUT", "photo.jpg")
        .header("Pic-Operations", two)
        .body("NEW VERSION")
        .send(a);
    let err = assert_error(&r, 400, "InvalidArgument");
    assert!(err.message.contains("second.jpg"), "{}", err.message);
    assert_eq!(Req::new("GET", "photo.jpg").send(a).body, b"ORIGINAL");
    assert_error(&Req::new("GET", "first.png").send(a), 404, "NoSuchKey");
    // POST ?image_process: nothing stored either.
    let r = Req::new("POST", "photo.jpg")
        .flag("image_process")
        .header("Pic-Operations", two)
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    assert_error(&Req::new("GET", "first.png").send(a), 404, "NoSuchKey");
    // Multipart completion: the upload stays open, nothing is published.
    let id = initiate(a, "mp.jpg");
    let etag = upload_part(a, "mp.jpg", &id, 1, b"PARTS");
    let r = Req::new("POST", "mp.jpg")
        .param("uploadId", &id)
        .header("Pic-Operations", two)
        .body(complete_body(&[(1, etag.clone())]))
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    assert_error(&Req::new("GET", "mp.jpg").send(a), 404, "NoSuchKey");
    assert_error(&Req::new("GET", "first.png").send(a), 404, "NoSuchKey");
    let r = Req::new("POST", "mp.jpg")
        .param("uploadId", &id)
        .body(complete_body(&[(1, etag)]))
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(Req::new("GET", "mp.jpg").send(a).body, b"PARTS");
    // v4: the same.
    let n = now();
    let sign = ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, n + 600, n, 9, "");
    let (ct, body) = v4_form(&[("op", b"upload"), ("filecontent", b"V4 NEW")]);
    let h = vec![
        ("Content-Type".to_owned(), ct),
        ("Authorization".to_owned(), sign),
        ("Pic-Operations".to_owned(), two.to_owned()),
    ];
    let r = send(
        a,
        "POST",
        "/files/v2/1250000000/examplebucket/photo.jpg",
        &h,
        &body,
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(Req::new("GET", "photo.jpg").send(a).body, b"ORIGINAL");
    assert_error(&Req::new("GET", "first.png").send(a), 404, "NoSuchKey");
}

/// Sends a request with `Expect: 100-continue`: the body goes only if the server asks for
/// it, so a refusal before the body is read arrives whole. The raw answer.
pub(crate) fn send_expecting(
    a: std::net::SocketAddr,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let mut s = TcpStream::connect(a).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("POST {target} HTTP/1.1\r\nHost: {REGION}.image.myqcloud.com\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    s.write_all(head.as_bytes()).unwrap();
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while !first.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        first.push(byte[0]);
    }
    if first.starts_with(b"HTTP/1.1 100") {
        // The server may refuse after reading the start of the body.
        let _ = s.write_all(body);
        first.clear();
    }
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    first.extend_from_slice(&rest);
    String::from_utf8_lossy(&first).into_owned()
}

#[test]
fn v4_form_boundary_is_limited() {
    let (srv, _dir) = server();
    let a = srv.addr();
    put_alive(a);
    let n = now();
    let sign = ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, n + 600, n, 10, "");
    // The issue's body: 4 MB of '-' with a 64,000-character boundary.
    let boundary = "-".repeat(64_000);
    let h = vec![
        (
            "Content-Type".to_owned(),
            format!("multipart/form-data; boundary={boundary}"),
        ),
        ("Authorization".to_owned(), sign.clone()),
    ];
    let body = vec![b'-'; 4_000_000];
    let r = send_expecting(a, "/files/v2/1250000000/examplebucket/x.jpg", &h, &body);
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert!(r.contains("RFC 2046"), "{r}");
    // A 70-character boundary is allowed; a body of '-' is refused as malformed.
    let h = vec![
        (
            "Content-Type".to_owned(),
            format!("multipart/form-data; boundary={}", "b".repeat(70)),
        ),
        ("Authorization".to_owned(), sign),
    ];
    let r = send_expecting(
        a,
        "/files/v2/1250000000/examplebucket/x.jpg",
        &h,
        &body[..60_000],
    );
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    assert!(r.contains("malformed multipart/form-data"), "{r}");
    serves_a_get(a);
}

/// A pre-signed URL (path and query) for `key` on the test bucket's virtual host.
pub(crate) fn presigned(method: &str, key: &str, params: &[(String, Option<String>)]) -> String {
    let n = now();
    ci_core::sign::presigned_url(
        &creds(),
        method,
        key,
        params,
        &[("Host".into(), vhost())],
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    )
}

pub(crate) fn host() -> Vec<(String, String)> {
    vec![("Host".into(), vhost())]
}

#[test]
fn unsigned_acted_on_headers_are_refused() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "secret.txt").body("secret").send(a);
    let url = presigned("PUT", "target.txt", &[]);
    // x-cos-copy-source would turn the pre-signed PUT into a copy of any object.
    let mut h = host();
    h.push((
        "x-cos-copy-source".into(),
        format!("{}/secret.txt", vhost()),
    ));
    let err = assert_error(&send(a, "PUT", &url, &h, b""), 403, "AccessDenied");
    assert!(err.message.contains("x-cos-copy-source"), "{}", err.message);
    assert_error(&Req::new("GET", "target.txt").send(a), 404, "NoSuchKey");
    // Metadata and Pic-Operations the same.
    for (name, value) in [
        ("x-cos-meta-owner", "mallory"),
        (
            "Pic-Operations",
            r#"{"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}"#,
        ),
        ("x-ci-something", "1"),
    ] {
        let mut h = host();
        h.push((name.into(), value.into()));
        let r = send(a, "PUT", &url, &h, b"data");
        assert_eq!(r.status, 403, "{name}: {}", r.text());
    }
    assert_error(&Req::new("GET", "target.txt").send(a), 404, "NoSuchKey");
    // The same URL with no such header works; a signed copy works.
    assert_eq!(send(a, "PUT", &url, &host(), b"data").status, 200);
    let copy = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &format!("{}/secret.txt", vhost()))
        .send(a);
    assert_eq!(copy.status, 200, "{}", copy.text());
}

#[test]
fn signature_is_bound_to_its_bucket() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "secret.txt").body("secret").send(a);
    // A signature over no header at all: the Host that names the bucket is not bound.
    let mut unbound = Req::new("GET", "secret.txt");
    unbound.policy = ci_core::sign::HeaderPolicy::Only(Vec::new());
    let err = assert_error(&unbound.send(a), 403, "AccessDenied");
    assert!(err.message.contains("Host"), "{}", err.message);
    // Path style: a signature over /<bucket>/<key> does not read another bucket's
    // /<bucket>/<key> key.
    let n = now();
    let mut sr = ci_core::sign::SignableRequest::new("GET", format!("/{BUCKET}/secret.txt"));
    sr.headers = vec![("Host".into(), a.to_string())];
    let auth = ci_core::sign::sign(
        &creds(),
        &sr,
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let h = vec![
        ("Host".to_owned(), a.to_string()),
        ("Authorization".to_owned(), auth.to_header_value()),
    ];
    let r = send(a, "GET", &format!("/{BUCKET}/secret.txt"), &h, b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = send(
        a,
        "GET",
        &format!("/attacker-1250000009/{BUCKET}/secret.txt"),
        &h,
        b"",
    );
    assert_error(&r, 403, "SignatureDoesNotMatch");
    // A path-style request signed over the key alone fits any bucket: refused.
    let mut sr = ci_core::sign::SignableRequest::for_key("GET", "secret.txt");
    sr.headers = vec![("Host".into(), a.to_string())];
    let auth = ci_core::sign::sign(
        &creds(),
        &sr,
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let h = vec![
        ("Host".to_owned(), a.to_string()),
        ("Authorization".to_owned(), auth.to_header_value()),
    ];
    let r = send(a, "GET", &format!("/{BUCKET}/secret.txt"), &h, b"");
    assert_error(&r, 403, "SignatureDoesNotMatch");
}

#[test]
fn presigned_urls_refuse_added_parameters() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "page.txt").body("<script>").send(a);
    let url = presigned("GET", "page.txt", &[]);
    assert_eq!(send(a, "GET", &url, &host(), b"").status, 200);
    let added = format!("{url}&response-content-type=text%2Fhtml");
    let err = assert_error(
        &send(a, "GET", &added, &host(), b""),
        403,
        "SignatureDoesNotMatch",
    );
    assert!(
        err.message.contains("response-content-type"),
        "{}",
        err.message
    );
    // A bucket GET turned into a multipart listing.
    let list = presigned("GET", "", &[]);
    assert_eq!(send(a, "GET", &list, &host(), b"").status, 200);
    let r = send(a, "GET", &format!("{list}&uploads"), &host(), b"");
    assert_eq!(r.status, 403, "{}", r.text());
    // Signed, the same parameter is honoured.
    let signed = presigned(
        "GET",
        "page.txt",
        &[("response-content-type".into(), Some("text/plain".into()))],
    );
    let r = send(a, "GET", &signed, &host(), b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
}

#[test]
fn keys_with_control_characters_or_over_850_bytes_are_refused() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for key in ["nul\0key", "bell\u{7}", "line\nbreak", "del\u{7f}"] {
        let r = Req::new("PUT", key).body("x").send(a);
        assert_error(&r, 400, "InvalidURI");
    }
    let long = "k".repeat(851);
    assert_error(&Req::new("PUT", &long).body("x").send(a), 400, "KeyTooLong");
    let longest = format!("{}.txt", "é".repeat(423));
    assert_eq!(longest.len(), 850);
    assert_eq!(Req::new("PUT", &longest).body("x").send(a).status, 200);
    // What keys may hold is escaped: the listing stays valid XML.
    let odd = "a<b>&\"c' ]]>.txt";
    assert_eq!(Req::new("PUT", odd).body("x").send(a).status, 200);
    let list = Req::new("GET", "").send(a);
    assert_eq!(list.status, 200);
    let doc = ci_core::result::ListBucketResult::from_xml(&list.text()).expect("valid XML");
    let keys: Vec<&str> = doc.contents.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, [odd, longest.as_str()]);
    // Listing parameters that would carry a control character into the XML: refused.
    let r = Req::new("GET", "").param("prefix", "a\u{1}").send(a);
    assert_error(&r, 400, "InvalidArgument");
    // A copy from such a key, and a fileid resolving to one, are refused too.
    let r = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &format!("{}/x%00y", vhost()))
        .send(a);
    assert_error(&r, 400, "InvalidURI");
    let ops = format!(
        r#"{{"rules":[{{"fileid":"{}","rule":"imageMogr2/format/png"}}]}}"#,
        "f".repeat(900)
    );
    let r = Req::new("PUT", "p.jpg")
        .header("Pic-Operations", &ops)
        .body("I")
        .send(a);
    assert_eq!(r.status, 400, "{}", r.text());
    assert_error(&Req::new("GET", "p.jpg").send(a), 404, "NoSuchKey");
}

#[test]
fn virtual_host_keys_under_files_v2_are_objects() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let key = "files/v2/1250000000/examplebucket/k.txt";
    let r = Req::new("PUT", key).body("an object").send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), None);
    let g = Req::new("GET", key).send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.body, b"an object");
    let list = Req::new("GET", "").param("prefix", "files/").send(a);
    assert!(
        list.text().contains(&format!("<Key>{key}</Key>")),
        "{}",
        list.text()
    );
}
