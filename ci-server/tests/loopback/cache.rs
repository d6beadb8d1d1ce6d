//! The read cache (small objects held in memory for GET and HEAD): every write path drops
//! the copy before it answers, so a GET after a write sees the new bytes; a write that
//! fails changes nothing, cached or not.

use crate::common::*;

/// GETs `key` twice (the first read fills the cache, the second is served from it) and
/// checks both answers are `body`, with its ETag (MD5: single-part objects) and length.
fn read_twice(a: std::net::SocketAddr, key: &str, body: &[u8]) {
    for round in 0..2 {
        let r = Req::new("GET", key).send(a);
        assert_eq!(r.status, 200, "GET {key} ({round}): {}", r.text());
        assert_eq!(r.body, body, "GET {key} ({round})");
        let etag = format!("\"{}\"", md5_hex(body));
        let h = Req::new("HEAD", key).send(a);
        assert_eq!(h.status, 200, "HEAD {key} ({round})");
        assert!(h.body.is_empty());
        let len = body.len().to_string();
        assert_eq!(h.header("Content-Length"), Some(len.as_str()));
        assert_eq!(r.header("ETag"), Some(etag.as_str()), "GET {key}");
        assert_eq!(h.header("ETag"), Some(etag.as_str()), "HEAD {key}");
    }
}

fn put(a: std::net::SocketAddr, key: &str, body: &[u8]) {
    let r = Req::new("PUT", key).body(body.to_vec()).send(a);
    assert_eq!(r.status, 200, "PUT {key}: {}", r.text());
}

#[test]
fn a_get_after_put_copy_or_delete_sees_the_write() {
    let (srv, _dir) = server();
    let a = srv.addr();
    put(a, "k.txt", b"first version");
    read_twice(a, "k.txt", b"first version");
    // A range and the response-* overrides from the cached copy.
    let r = Req::new("GET", "k.txt")
        .header("Range", "bytes=6-12")
        .param("response-content-type", "text/x-test")
        .send(a);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"version");
    assert_eq!(r.header("Content-Range"), Some("bytes 6-12/13"));
    assert_eq!(r.header("Content-Type"), Some("text/x-test"));
    // PUT over it.
    put(a, "k.txt", b"second");
    read_twice(a, "k.txt", b"second");
    // Copy over it.
    put(a, "src.txt", b"copied bytes");
    let source = format!("{}/src.txt", vhost());
    let r = Req::new("PUT", "k.txt")
        .header("x-cos-copy-source", &source)
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    read_twice(a, "k.txt", b"copied bytes");
    // Delete it.
    assert_eq!(Req::new("DELETE", "k.txt").send(a).status, 204);
    assert_error(&Req::new("GET", "k.txt").send(a), 404, "NoSuchKey");
    assert_eq!(Req::new("HEAD", "k.txt").send(a).status, 404);
    put(a, "k.txt", b"back again");
    read_twice(a, "k.txt", b"back again");
}

#[test]
fn a_get_after_multipart_processing_or_v4_sees_the_write() {
    let (srv, _dir) = server();
    let a = srv.addr();
    // Multipart complete over a cached object.
    put(a, "mp.bin", b"small old");
    read_twice(a, "mp.bin", b"small old");
    let id = initiate(a, "mp.bin");
    let e1 = upload_part(a, "mp.bin", &id, 1, b"multipart body");
    let r = Req::new("POST", "mp.bin")
        .param("uploadId", &id)
        .body(complete_body(&[(1, e1)]))
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let g = Req::new("GET", "mp.bin").send(a);
    assert_eq!(g.body, b"multipart body");
    assert_eq!(Req::new("GET", "mp.bin").send(a).body, b"multipart body");

    // A processing result published over a cached object.
    put(a, "thumb.png", b"stale thumbnail");
    read_twice(a, "thumb.png", b"stale thumbnail");
    let rule = "imageMogr2/thumbnail/200x/format/png";
    let ops = format!(r#"{{"rules":[{{"fileid":"thumb.png","rule":"{rule}"}}]}}"#);
    let r = Req::new("PUT", "photo.jpg")
        .header("Pic-Operations", &ops)
        .body("JPEGBYTES")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    read_twice(a, "thumb.png", &fake_output(b"JPEGBYTES", rule));

    // A v4 upload over a cached object.
    put(a, "v4/pic.jpg", b"before v4");
    read_twice(a, "v4/pic.jpg", b"before v4");
    let n = now();
    let sign = ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, n + 600, n, 7, "");
    let (ct, body) = v4_form(&[("op", b"upload"), ("filecontent", b"V4IMG")]);
    let h = vec![
        ("Host".to_owned(), format!("{REGION}.image.myqcloud.com")),
        ("Content-Type".to_owned(), ct),
        ("Authorization".to_owned(), sign),
    ];
    let target = "/files/v2/1250000000/examplebucket/v4/pic.jpg";
    let r = send(a, "POST", target, &h, &body);
    assert_eq!(r.status, 200, "{}", r.text());
    read_twice(a, "v4/pic.jpg", b"V4IMG");
}

#[test]
fn a_failed_write_changes_nothing_cached() {
    let (srv, _dir) = server();
    let a = srv.addr();
    put(a, "keep.txt", b"kept bytes");
    read_twice(a, "keep.txt", b"kept bytes");
    // A PUT whose body does not match its Content-MD5.
    let r = Req::new("PUT", "keep.txt")
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .body("not empty")
        .send(a);
    assert_error(&r, 400, "BadDigest");
    read_twice(a, "keep.txt", b"kept bytes");
    // A copy from a key that does not exist.
    let source = format!("{}/missing.txt", vhost());
    let r = Req::new("PUT", "keep.txt")
        .header("x-cos-copy-source", &source)
        .send(a);
    assert_error(&r, 404, "NoSuchKey");
    read_twice(a, "keep.txt", b"kept bytes");
    // A completion listing a part that was never uploaded.
    let id = initiate(a, "keep.txt");
    let r = Req::new("POST", "keep.txt")
        .param("uploadId", &id)
        .body(complete_body(&[(
            1,
            "\"00000000000000000000000000000000\"".into(),
        )]))
        .send(a);
    assert_eq!(r.status, 400, "{}", r.text());
    read_twice(a, "keep.txt", b"kept bytes");
    // A processing rule that fails: nothing is published, not even the original.
    let r = Req::new("PUT", "keep.txt")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"o.png","rule":"imageMogr2/rotate/400"}]}"#,
        )
        .body("other")
        .send(a);
    assert_eq!(r.status, 400, "{}", r.text());
    read_twice(a, "keep.txt", b"kept bytes");
}
