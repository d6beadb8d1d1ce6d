//! Loopback tests of the server library: object routes, signatures, multipart, CI routes
//! (with a fake engine), the v4 API, storage safety.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use ci_core::result::V4Response;
use ci_core::sign::{presigned_url, HeaderPolicy, KeyTime};

#[test]
fn put_get_head_delete_round_trip() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let body = b"hello, cos".to_vec();
    let r = Req::new("PUT", "dir/hello.txt")
        .header("Content-Type", "text/plain")
        .header("x-cos-meta-owner", "Ann Lee")
        .body(body.clone())
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let etag = format!("\"{}\"", md5_hex(&body));
    assert_eq!(r.header("ETag"), Some(etag.as_str()));
    let crc = crc64_xz(&body).to_string();
    assert_eq!(r.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert!(r.header("x-cos-request-id").is_some_and(|v| !v.is_empty()));

    let g = Req::new("GET", "dir/hello.txt").send(a);
    assert_eq!(g.status, 200);
    assert_eq!(g.body, body);
    assert_eq!(g.header("ETag"), Some(etag.as_str()));
    assert_eq!(g.header("Content-Type"), Some("text/plain"));
    assert_eq!(g.header("Content-Length"), Some("10"));
    assert_eq!(g.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert_eq!(g.header("x-cos-meta-owner"), Some("Ann Lee"));
    let lm = g.header("Last-Modified").unwrap();
    assert!(lm.ends_with(" GMT") && lm.len() == 29, "{lm}");
    let date = g.header("Date").expect("a Date header");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    assert_eq!(g.header("Server"), Some("tencent-cos"));

    let h = Req::new("HEAD", "dir/hello.txt").send(a);
    assert_eq!(h.status, 200);
    assert_eq!(h.header("Content-Length"), Some("10"));
    assert_eq!(h.header("ETag"), Some(etag.as_str()));

    let rg = Req::new("GET", "dir/hello.txt")
        .header("Range", "bytes=7-")
        .send(a);
    assert_eq!(rg.status, 206);
    assert_eq!(rg.body, b"cos");
    assert_eq!(rg.header("Content-Range"), Some("bytes 7-9/10"));

    let d = Req::new("DELETE", "dir/hello.txt").send(a);
    assert_eq!(d.status, 204);
    let g = Req::new("GET", "dir/hello.txt").send(a);
    assert_error(&g, 404, "NoSuchKey");
    let h = Req::new("HEAD", "dir/hello.txt").send(a);
    assert_eq!(h.status, 404);
    assert!(h.body.is_empty());
    assert!(h.header("x-cos-request-id").is_some());
}

#[test]
fn a_second_server_on_the_same_root_is_refused_until_the_first_stops() {
    let (srv, dir) = server();
    assert_eq!(
        Req::new("PUT", "kept").body("v1").send(srv.addr()).status,
        200
    );
    let mut config = ci_server::ServerConfig::new(dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.anonymous = true;
    let err = ci_server::spawn_for_tests(config.clone(), std::sync::Arc::new(FakeEngine))
        .expect_err("the root is in use");
    assert!(
        err.to_string().contains("in use by another cos-ci server"),
        "{err}"
    );
    // the refused start left the first server's data alone
    assert_eq!(Req::new("GET", "kept").send(srv.addr()).body, b"v1");
    drop(srv);
    let again = ci_server::spawn_for_tests(config, std::sync::Arc::new(FakeEngine))
        .expect("the root is free again");
    let mut g = Req::new("GET", "kept");
    g.sign = false;
    assert_eq!(g.send(again.addr()).body, b"v1");
}

#[test]
fn large_object_streams() {
    let (srv, _dir) = server();
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let r = Req::new("PUT", "big.bin")
        .body(body.clone())
        .send(srv.addr());
    assert_eq!(r.status, 200);
    let g = Req::new("GET", "big.bin").send(srv.addr());
    assert_eq!(g.body.len(), body.len());
    assert!(g.body == body);
}

#[test]
fn path_style_and_virtual_host_address_the_same_object() {
    let (srv, _dir) = server();
    let mut put = Req::new("PUT", "p/a.txt").body("x");
    put.path_style = true;
    assert_eq!(put.send(srv.addr()).status, 200);
    let g = Req::new("GET", "p/a.txt").send(srv.addr());
    assert_eq!(g.body, b"x");
    let mut g = Req::new("GET", "p/a.txt");
    g.path_style = true;
    assert_eq!(g.send(srv.addr()).body, b"x");
}

#[test]
fn tricky_keys_round_trip() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for key in ["a b+c%d.txt", "中文/图片 1.jpg", "x+y/z=w&v.bin"] {
        let r = Req::new("PUT", key).body(key.as_bytes().to_vec()).send(a);
        assert_eq!(r.status, 200, "{key}: {}", r.text());
        let g = Req::new("GET", key).send(a);
        assert_eq!(g.body, key.as_bytes(), "{key}");
    }
    // The Go SDK encodes '/' as %2F: the same key.
    let g = Req::new("GET", "中文/图片 1.jpg");
    let target = format!("/{}", ci_core::sign::encode_component("中文/图片 1.jpg"));
    assert!(target.contains("%2F"));
    assert_eq!(g.send_to(a, &target).body, "中文/图片 1.jpg".as_bytes());
    // '+' is never a space.
    let g = Req::new("GET", "a b+c%d.txt").send_to(a, "/a%20b+c%25d.txt");
    assert_eq!(g.status, 200);
    let list = Req::new("GET", "").send(a).text();
    assert!(list.contains("<Key>a b+c%d.txt</Key>"), "{list}");
}

#[test]
fn signatures_are_enforced() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "s.txt").body("s").send(a);

    let mut wrong = Req::new("GET", "s.txt");
    wrong.creds = ci_core::sign::Credentials::new(AK, "not-the-key");
    assert_error(&wrong.send(a), 403, "SignatureDoesNotMatch");

    let mut unknown = Req::new("GET", "s.txt");
    unknown.creds = ci_core::sign::Credentials::new("AKIDother", SK);
    assert_error(&unknown.send(a), 403, "InvalidAccessKeyId");

    let mut expired = Req::new("GET", "s.txt");
    expired.key_time = KeyTime::new(now() - 7200, now() - 3600);
    assert_error(&expired.send(a), 403, "AccessDenied");

    let mut anon = Req::new("GET", "s.txt");
    anon.sign = false;
    assert_error(&anon.send(a), 403, "AccessDenied");

    // A signed request whose header was changed afterwards.
    let mut tampered = Req::new("PUT", "s.txt")
        .header("x-cos-meta-a", "1")
        .body("s");
    tampered.sign = true;
    let target = tampered.target();
    let mut headers = vec![("Host".to_owned(), vhost())];
    let mut sr = ci_core::sign::SignableRequest::for_key("PUT", "s.txt");
    sr.headers = vec![
        ("Host".into(), vhost()),
        ("x-cos-meta-a".into(), "1".into()),
    ];
    let auth = ci_core::sign::sign(&creds(), &sr, tampered.key_time, &HeaderPolicy::Default);
    headers.push(("x-cos-meta-a".into(), "2".into()));
    headers.push(("Authorization".into(), auth.to_header_value()));
    assert_error(
        &send(a, "PUT", &target, &headers, b"s"),
        403,
        "SignatureDoesNotMatch",
    );

    // Pre-signed GET.
    let n = now();
    let url = presigned_url(
        &creds(),
        "GET",
        "s.txt",
        &[],
        &[("Host".into(), vhost())],
        KeyTime::new(n - 60, n + 600),
        &HeaderPolicy::Default,
    );
    let r = send(a, "GET", &url, &[("Host".into(), vhost())], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"s");
    // ... and with a forged signature.
    let forged = url.replace("q-signature=", "q-signature=0");
    let r = send(a, "GET", &forged, &[("Host".into(), vhost())], b"");
    assert_eq!(r.status, 403);
}

#[test]
fn anonymous_mode_serves_unsigned_requests_but_still_checks_signatures() {
    let (srv, _dir) = server_with(|c| c.anonymous = true);
    let mut put = Req::new("PUT", "anon.txt").body("a");
    put.sign = false;
    assert_eq!(put.send(srv.addr()).status, 200);
    let mut wrong = Req::new("GET", "anon.txt");
    wrong.creds = ci_core::sign::Credentials::new(AK, "bad");
    assert_eq!(wrong.send(srv.addr()).status, 403);
}

#[test]
fn strict_mode_requires_content_type_and_length_signed() {
    let (srv, _dir) = server_with(|c| c.strict_signature = true);
    let mut r = Req::new("PUT", "strict.txt")
        .header("Content-Type", "text/plain")
        .body("x");
    r.policy = HeaderPolicy::Only(vec!["host".into()]);
    assert_error(&r.send(srv.addr()), 403, "SignatureDoesNotMatch");
    let ok = Req::new("PUT", "strict.txt")
        .header("Content-Type", "text/plain")
        .body("x")
        .send(srv.addr());
    assert_eq!(ok.status, 200);
    // Without strict mode the same request passes.
    let (srv2, _dir2) = server();
    let mut r = Req::new("PUT", "strict.txt")
        .header("Content-Type", "text/plain")
        .body("x");
    r.policy = HeaderPolicy::Only(vec!["host".into()]);
    assert_eq!(r.send(srv2.addr()).status, 200);
}

#[test]
fn list_objects_with_prefix_delimiter_and_paging() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for k in ["a/1", "a/2", "b/1", "c", "d"] {
        assert_eq!(Req::new("PUT", k).body("v").send(a).status, 200);
    }
    let all = Req::new("GET", "").send(a);
    assert_eq!(all.status, 200);
    let t = all.text();
    assert!(t.contains(&format!("<Name>{BUCKET}</Name>")));
    assert_eq!(t.matches("<Contents>").count(), 5);
    assert!(t.contains("<IsTruncated>false</IsTruncated>"));
    assert!(t.contains("<ETag>&quot;"));
    assert!(t.contains("<StorageClass>STANDARD</StorageClass>"));

    let d = Req::new("GET", "").param("delimiter", "/").send(a).text();
    assert!(d.contains("<CommonPrefixes>\n<Prefix>a/</Prefix>"), "{d}");
    assert!(d.contains("<Prefix>b/</Prefix>"));
    assert_eq!(d.matches("<Contents>").count(), 2);

    let p = Req::new("GET", "").param("prefix", "a/").send(a).text();
    assert_eq!(p.matches("<Contents>").count(), 2);

    let page = Req::new("GET", "").param("max-keys", "2").send(a).text();
    assert!(page.contains("<IsTruncated>true</IsTruncated>"));
    assert!(page.contains("<NextMarker>a/2</NextMarker>"), "{page}");
    let page2 = Req::new("GET", "")
        .param("max-keys", "2")
        .param("marker", "a/2")
        .send(a)
        .text();
    assert!(page2.contains("<Key>b/1</Key>") && page2.contains("<Key>c</Key>"));
    let dpage = Req::new("GET", "")
        .param("delimiter", "/")
        .param("max-keys", "1")
        .param("marker", "a/")
        .send(a)
        .text();
    assert!(dpage.contains("<Prefix>b/</Prefix>"), "{dpage}");
    assert!(!dpage.contains("<Prefix>a/</Prefix>"));
}

#[test]
fn multipart_round_trip() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let key = "mp/big file.bin";
    let id = initiate(a, key);
    let p1 = vec![1u8; 1024 * 1024];
    let p2 = b"tail".to_vec();
    let e1 = upload_part(a, key, &id, 1, &p1);
    let e2 = upload_part(a, key, &id, 2, &p2);
    assert_eq!(e1, format!("\"{}\"", md5_hex(&p1)));

    let lp = Req::new("GET", key).param("uploadId", &id).send(a).text();
    assert_eq!(lp.matches("<Part>").count(), 2, "{lp}");

    let bad = Req::new("POST", key)
        .param("uploadId", &id)
        .body(complete_body(&[(1, e1.clone()), (2, "\"00\"".into())]))
        .send(a);
    assert_error(&bad, 400, "InvalidPart");

    let r = Req::new("POST", key)
        .param("uploadId", &id)
        .body(complete_body(&[(1, e1.clone()), (2, e2.clone())]))
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let done = ci_core::result::CompleteMultipartUploadResult::from_xml(&r.text()).unwrap();
    // Without Pic-Operations: the plain answer, nothing after the ETag.
    assert_eq!(
        r.text(),
        format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<CompleteMultipartUploadResult>\n\
             <Location>{BUCKET}.cos.{REGION}.myqcloud.com/mp/big file.bin</Location>\n\
             <Bucket>{BUCKET}</Bucket>\n<Key>mp/big file.bin</Key>\n\
             <ETag>{}</ETag>\n</CompleteMultipartUploadResult>",
            done.etag.replace('"', "&quot;")
        )
    );
    let mut md5s = Vec::new();
    md5s.extend(hex::decode(md5_hex(&p1)).unwrap());
    md5s.extend(hex::decode(md5_hex(&p2)).unwrap());
    assert_eq!(done.etag, format!("\"{}-2\"", md5_hex(&md5s)));
    let mut whole = p1.clone();
    whole.extend_from_slice(&p2);
    let crc = crc64_xz(&whole).to_string();
    assert_eq!(r.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));

    let g = Req::new("GET", key).send(a);
    assert!(g.body == whole);
    assert_eq!(g.header("ETag"), Some(done.etag.as_str()));
    // The upload is gone.
    let again = Req::new("GET", key).param("uploadId", &id).send(a);
    assert_error(&again, 404, "NoSuchUpload");

    // Abort.
    let id2 = initiate(a, "mp/aborted");
    upload_part(a, "mp/aborted", &id2, 1, b"x");
    assert_eq!(
        Req::new("DELETE", "mp/aborted")
            .param("uploadId", &id2)
            .send(a)
            .status,
        204
    );
    let r = Req::new("PUT", "mp/aborted")
        .param("partNumber", "2")
        .param("uploadId", &id2)
        .body("y")
        .send(a);
    assert_error(&r, 404, "NoSuchUpload");
}

#[test]
fn concurrent_puts_to_one_key_leave_one_whole_version() {
    let (srv, dir) = server();
    let a = srv.addr();
    let bodies: Vec<Vec<u8>> = (0..6u8).map(|i| vec![b'a' + i; 300_000]).collect();
    std::thread::scope(|s| {
        for b in &bodies {
            s.spawn(move || {
                let r = Req::new("PUT", "race.bin").body(b.clone()).send(a);
                assert_eq!(r.status, 200);
            });
        }
    });
    let g = Req::new("GET", "race.bin").send(a);
    assert!(bodies.contains(&g.body), "a mixed body");
    assert_eq!(
        g.header("ETag").unwrap(),
        format!("\"{}\"", md5_hex(&g.body))
    );
    // Only one body file remains.
    let files = std::fs::read_dir(dir.path().join("data")).unwrap().count();
    assert_eq!(files, 1);
}

#[test]
fn a_put_cut_off_mid_body_leaves_no_object() {
    let (srv, dir) = server();
    let a = srv.addr();
    let mut s = TcpStream::connect(a).unwrap();
    let mut sr = ci_core::sign::SignableRequest::for_key("PUT", "cut.bin");
    sr.headers = vec![
        ("Host".into(), vhost()),
        ("Content-Length".into(), "1000000".into()),
    ];
    let n = now();
    let auth = ci_core::sign::sign(
        &creds(),
        &sr,
        KeyTime::new(n - 60, n + 600),
        &HeaderPolicy::Default,
    );
    let head = format!(
        "PUT /cut.bin HTTP/1.1\r\nHost: {}\r\nContent-Length: 1000000\r\nAuthorization: {}\r\n\r\n",
        vhost(),
        auth.to_header_value()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&vec![7u8; 300_000]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(s);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(Req::new("HEAD", "cut.bin").send(a).status, 404);
    let tmp = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
    assert_eq!(tmp, 0, "staging file left behind");
    assert_eq!(
        std::fs::read_dir(dir.path().join("data")).unwrap().count(),
        0
    );
}

#[test]
fn v4_upload_and_image_process() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let n = now();
    let sign = ci_core::sign::v4_sign("1250000000", "examplebucket", AK, SK, n + 600, n, 7, "");
    let target = "/files/v2/1250000000/examplebucket/v4/pic.jpg";
    let post = |fields: &[(&str, &[u8])], ops: Option<&str>, auth: &str| {
        let (ct, body) = v4_form(fields);
        let mut h = vec![
            ("Host".to_owned(), format!("{REGION}.image.myqcloud.com")),
            ("Content-Type".to_owned(), ct),
            ("Authorization".to_owned(), auth.to_owned()),
        ];
        if let Some(o) = ops {
            h.push(("Pic-Operations".into(), o.into()));
        }
        send(a, "POST", target, &h, &body)
    };
    let r = post(&[("op", b"upload"), ("filecontent", b"V4IMG")], None, &sign);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = V4Response::from_json(&r.text()).unwrap();
    assert_eq!(v.code, 0);
    assert_eq!(v.request_id.as_deref(), r.header("x-cos-request-id"));
    let data = v.data.unwrap();
    assert_eq!(
        data.resource_path.as_deref(),
        Some("/1250000000/examplebucket/v4/pic.jpg")
    );
    assert_eq!(Req::new("GET", "v4/pic.jpg").send(a).body, b"V4IMG");

    let r = post(
        &[
            ("op", b"upload"),
            ("insertOnly", b"1"),
            ("filecontent", b"OTHER"),
        ],
        None,
        &sign,
    );
    let v = V4Response::from_json(&r.text()).unwrap();
    assert_eq!(v.code, -4018);
    assert_eq!(Req::new("GET", "v4/pic.jpg").send(a).body, b"V4IMG");

    let ops =
        r#"{"is_pic_info":1,"rules":[{"fileid":"small.png","rule":"imageMogr2/format/png"}]}"#;
    let r = post(&[("op", b"image_process")], Some(ops), &sign);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = V4Response::from_json(&r.text()).unwrap();
    let info = v.data.unwrap().image_info.unwrap();
    assert_eq!(info.original_info.unwrap().format, "JPEG");
    assert_eq!(info.process_results[0].file_id, "small.png");
    assert_eq!(
        Req::new("GET", "v4/small.png").send(a).body,
        fake_output(b"V4IMG", "imageMogr2/format/png")
    );

    let bad = ci_core::sign::v4_sign(
        "1250000000",
        "examplebucket",
        AK,
        "wrong",
        n + 600,
        n,
        7,
        "",
    );
    let r = post(&[("op", b"upload"), ("filecontent", b"X")], None, &bad);
    assert_eq!(r.status, 403);
    assert_eq!(V4Response::from_json(&r.text()).unwrap().code, -403);
}

#[test]
fn config_loads_from_toml() {
    let cfg = ci_server::ServerConfig::from_toml_str(
        r#"
root = "/tmp/x"
bind = "127.0.0.1:0"
anonymous = true
[[credentials]]
secret_id = "a"
secret_key = "b"
[styles.examplebucket-1250000000]
small = "imageMogr2/thumbnail/100x"
[limits]
processing_concurrency = 3
"#,
    )
    .unwrap();
    assert!(cfg.anonymous);
    assert_eq!(cfg.limits.processing_concurrency, 3);
    assert_eq!(cfg.limits.max_process_input, 32 * 1024 * 1024);
    assert!(ci_server::ServerConfig::from_toml_str(
        "[styles.examplebucket-1250000000]\nbad = \"imageMogr2/rotate/400\"\n"
    )
    .is_err());
}

#[test]
fn unknown_bucket_and_bad_methods() {
    let (srv, _dir) = server_with(|c| {
        c.auto_create_buckets = false;
        c.buckets = vec![BUCKET.into()];
    });
    let a = srv.addr();
    let mut r = Req::new("GET", "x");
    r.host = "otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com".into();
    assert_error(&r.send(a), 404, "NoSuchBucket");
    let r = Req::new("POST", "x").send(a);
    assert_error(&r, 405, "MethodNotAllowed");
}

#[test]
fn default_bucket_serves_hosts_without_a_bucket() {
    let (srv, _dir) = server_with(|c| c.default_bucket = Some(BUCKET.into()));
    let a = srv.addr();
    // Go SDK with BucketURL http://127.0.0.1:PORT: Host is the address, path is /key.
    let mut put = Req::new("PUT", "go/key.txt").body("go");
    put.host = a.to_string();
    assert_eq!(put.send(a).status, 200);
    assert_eq!(Req::new("GET", "go/key.txt").send(a).body, b"go");
}

/// An engine that sleeps and records how many jobs ran at once.
struct SlowEngine {
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
    sleep: Duration,
}

impl ci_server::Processor for SlowEngine {
    fn process(
        &self,
        input: &[u8],
        _rule: &ci_core::rule::ProcessingRule,
        _ctx: &ci_server::ProcessContext<'_>,
    ) -> Result<ci_server::Processed, ci_server::ProcessError> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        std::thread::sleep(self.sleep);
        self.running.fetch_sub(1, SeqCst);
        Ok(ci_server::Processed {
            bytes: input.to_vec(),
            format: "jpg".into(),
            content_type: "image/jpeg".into(),
            info: Default::default(),
            qr_codes: None,
        })
    }

    fn image_info(
        &self,
        _input: &[u8],
    ) -> Result<ci_core::result::ImageInfo, ci_server::ProcessError> {
        Ok(Default::default())
    }
}

fn slow_server(
    sleep: Duration,
    cfg: impl FnOnce(&mut ci_server::ServerConfig),
) -> (
    ci_server::TestServer,
    tempdir::Dir,
    std::sync::Arc<SlowEngine>,
) {
    let dir = tempdir::Dir::new();
    let mut config = ci_server::ServerConfig::new(dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.anonymous = true;
    cfg(&mut config);
    let engine = std::sync::Arc::new(SlowEngine {
        running: Default::default(),
        peak: Default::default(),
        sleep,
    });
    let srv = ci_server::spawn_for_tests(config, engine.clone()).unwrap();
    (srv, dir, engine)
}

fn anon(method: &str, key: &str) -> Req<'static> {
    let method: &'static str = match method {
        "PUT" => "PUT",
        _ => "GET",
    };
    let mut r = Req::new(method, key);
    r.sign = false;
    r
}

#[test]
fn image_work_is_bounded() {
    let (srv, _dir, engine) = slow_server(Duration::from_millis(150), |c| {
        c.limits.processing_concurrency = 2;
    });
    let a = srv.addr();
    anon("PUT", "i.jpg").body("I").send(a);
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(move || {
                let r = anon("GET", "i.jpg").flag("imageMogr2/format/png").send(a);
                assert_eq!(r.status, 200, "{}", r.text());
            });
        }
    });
    let peak = engine.peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "peak {peak}");
}

#[test]
fn slow_processing_times_out() {
    let (srv, _dir, _engine) = slow_server(Duration::from_millis(2500), |c| {
        c.limits.processing_timeout_secs = 1;
    });
    let a = srv.addr();
    anon("PUT", "i.jpg").body("I").send(a);
    let r = anon("GET", "i.jpg").flag("imageMogr2/format/png").send(a);
    assert_error(&r, 503, "ProcessTimeout");
}

#[test]
fn shutdown_lets_a_request_in_flight_finish() {
    let (srv, _dir, _engine) = slow_server(Duration::from_millis(400), |_| {});
    let a = srv.addr();
    anon("PUT", "i.jpg").body("I").send(a);
    let client = std::thread::spawn(move || anon("GET", "i.jpg").flag("imageInfo").send(a));
    std::thread::sleep(Duration::from_millis(100));
    drop(srv); // graceful: waits for the request
    let r = client.join().unwrap();
    assert_eq!(r.status, 200);
    assert!(
        TcpStream::connect(a).is_err(),
        "still listening after shutdown"
    );
}

#[test]
fn a_second_server_on_a_served_port_is_refused_and_every_connection_is_served() {
    // The serving threads share the port among themselves (SO_REUSEPORT), never with
    // another server.
    let (first, _dir) = server();
    let taken = first.addr();
    let other_dir = tempdir::Dir::new();
    let mut config = test_config(&other_dir);
    config.bind = taken;
    match ci_server::spawn_for_tests(config, std::sync::Arc::new(FakeEngine)) {
        Err(ci_server::ServerError::Io(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse, "{e}")
        }
        Err(e) => panic!("the port is taken, not: {e}"),
        Ok(s) => panic!("a second server started on {}", s.addr()),
    }
    // New connections land on any serving thread: each is answered.
    for i in 0..16 {
        let r = Req::new("GET", &format!("missing-{i}")).send(taken);
        assert_error(&r, 404, "NoSuchKey");
    }
}
