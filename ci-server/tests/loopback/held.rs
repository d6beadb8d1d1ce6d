//! What held when the server was probed as an attacker would (issue 16), kept held:
//! reversed key times, cross-key reuse, fileid traversal, SSRF through watermark URLs,
//! header bombs, 5 GiB declared bodies, half-sent headers, billion laughs and XXE, bad
//! Content-MD5.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use ci_core::sign::KeyTime;

#[test]
fn reversed_key_times_and_cross_key_reuse_are_refused() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "a.txt").body("a").send(a);
    Req::new("PUT", "b.txt").body("b").send(a);
    let mut reversed = Req::new("GET", "a.txt");
    reversed.key_time = KeyTime::new(now() + 3600, now() - 60);
    assert_eq!(reversed.send(a).status, 403);
    // A signature made for a.txt, sent for b.txt.
    let n = now();
    let mut sr = ci_core::sign::SignableRequest::for_key("GET", "a.txt");
    sr.headers = vec![("Host".into(), vhost())];
    let auth = ci_core::sign::sign(
        &creds(),
        &sr,
        KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let h = vec![
        ("Host".to_owned(), vhost()),
        ("Authorization".to_owned(), auth.to_header_value()),
    ];
    assert_eq!(send(a, "GET", "/a.txt", &h, b"").status, 200);
    assert_error(
        &send(a, "GET", "/b.txt", &h, b""),
        403,
        "SignatureDoesNotMatch",
    );
    assert_error(
        &send(a, "DELETE", "/a.txt", &h, b""),
        403,
        "SignatureDoesNotMatch",
    );
}

#[test]
fn fileid_traversal_is_refused_in_every_encoding() {
    let (srv, _dir) = server();
    let a = srv.addr();
    // Out of the bucket, plainly or encoded: refused, nothing stored.
    for fileid in [
        "../../x.png",
        "/a/../../x.png",
        "%2E%2E/%2e%2e/x.png",
        "./../../x.png",
    ] {
        let ops =
            format!(r#"{{"rules":[{{"fileid":"{fileid}","rule":"imageMogr2/format/png"}}]}}"#);
        let r = Req::new("PUT", "dir/p.jpg")
            .header("Pic-Operations", &ops)
            .body("I")
            .send(a);
        assert_eq!(r.status, 400, "{fileid}: {}", r.text());
    }
    assert_error(&Req::new("GET", "dir/p.jpg").send(a), 404, "NoSuchKey");
    // Inside it, resolved: dir/../x.png is x.png.
    let ops = r#"{"rules":[{"fileid":"../x.png","rule":"imageMogr2/format/png"}]}"#;
    let r = Req::new("PUT", "dir/p.jpg")
        .header("Pic-Operations", ops)
        .body("I")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(Req::new("GET", "x.png").send(a).status, 200);
}

#[test]
fn watermark_and_detect_urls_only_read_this_servers_buckets() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "p.jpg").body("I").send(a);
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:1/secret",
        "file:///etc/passwd",
    ] {
        let r = Req::new("GET", "")
            .param("ci-process", "AIPicMatting")
            .param("detect-url", url)
            .send(a);
        assert_eq!(r.status, 400, "{url}: {}", r.text());
    }
}

#[test]
fn header_bombs_and_half_sent_heads_leave_the_server_serving() {
    let (srv, _dir) = server_with(|c| c.limits.header_read_timeout_secs = 1);
    let a = srv.addr();
    Req::new("PUT", "alive.txt").body("alive").send(a);
    // One 65,535-byte header, then 60,000 small ones.
    for head in [
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(65_535)
        ),
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
            "X-A: b\r\n".repeat(60_000)
        ),
    ] {
        let mut s = TcpStream::connect(a).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(head.as_bytes());
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw);
        assert!(raw.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    }
    // Half a head, then silence: closed after the header timeout.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /alive.txt HTTP/1.1\r\nHost: ").unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    assert!(!String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 200"));
    assert_eq!(Req::new("GET", "alive.txt").send(a).body, b"alive");
}

#[test]
fn five_gib_declared_bodies_are_refused_before_reading() {
    let (srv, _dir) = server_with(|c| c.limits.max_object_size = 1024 * 1024);
    let a = srv.addr();
    let r = Req::new("PUT", "huge.bin")
        .header("Content-Length", &(5u64 << 30).to_string())
        .send(a);
    assert_error(&r, 400, "EntityTooLarge");
    let ops = r#"{"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}"#;
    let (srv2, _dir2) = server();
    let r = Req::new("PUT", "huge.jpg")
        .header("Pic-Operations", ops)
        .header("Content-Length", &(5u64 << 30).to_string())
        .send(srv2.addr());
    assert_error(&r, 400, "ImageTooLarge");
}

#[test]
fn billion_laughs_and_xxe_are_malformed() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let id = initiate(a, "x.bin");
    let etag = upload_part(a, "x.bin", &id, 1, b"x");
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&c;</ETag></Part></CompleteMultipartUpload>"#;
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}&x;</ETag></Part></CompleteMultipartUpload>"#
    );
    for body in [laughs.to_owned(), xxe] {
        let r = Req::new("POST", "x.bin")
            .param("uploadId", &id)
            .body(body)
            .send(a);
        assert_error(&r, 400, "MalformedXML");
    }
    assert_error(&Req::new("GET", "x.bin").send(a), 404, "NoSuchKey");
}

#[test]
fn bad_content_md5_leaves_nothing() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let r = Req::new("PUT", "m.txt")
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .body("not empty")
        .send(a);
    assert_error(&r, 400, "BadDigest");
    let r = Req::new("PUT", "m.txt")
        .header("Content-MD5", "%%%")
        .body("x")
        .send(a);
    assert_error(&r, 400, "InvalidDigest");
    assert_error(&Req::new("GET", "m.txt").send(a), 404, "NoSuchKey");
}
