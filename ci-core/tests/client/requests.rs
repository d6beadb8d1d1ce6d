//! Request lines, headers and signatures as the official Python SDK sends them, verified
//! by an in-process server with `sign::verify`.

use crate::support::*;
use ci_core::client::{
    content_md5, Body, ClientError, CosClient, CosClientError, MattingSource, ObjectOptions,
};
use ci_core::sign::{verify, ProcessParam, ReceivedRequest, VerifyPolicy};

const PIC_OPS: &str = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;

fn upload_server() -> TestServer {
    TestServer::start(|r, _| {
        let mut reply = Reply::ok()
            .header("x-cos-request-id", "req-1")
            .header("ETag", "\"etag\"")
            .header("x-cos-hash-crc64ecma", &r.body_crc64.to_string());
        if r.header("Pic-Operations").is_some() {
            reply = reply
                .header("Content-Type", "application/xml")
                .body(seed("upload_result_put.xml"));
        }
        reply
    })
}

#[test]
fn ci_put_object_sends_the_python_sdk_request() {
    let srv = upload_server();
    let opts = ObjectOptions::from_kwargs(&[
        ("ContentType", "image/jpeg"),
        ("PicOperations", PIC_OPS),
        ("Metadata", r#"{"x-cos-meta-owner":"Ann Lee"}"#),
        ("ACL", "private"),
    ])
    .unwrap();
    let body = vec![7u8; 64];
    let (headers, result) = srv
        .client()
        .ci_put_object(BUCKET, "photos/cat 1.jpg", Body::from_bytes(body), &opts)
        .unwrap();
    let r = srv.last();
    assert_eq!(r.method, "PUT");
    assert_eq!(r.url, "/photos/cat%201.jpg");
    assert_eq!(r.header("Host"), Some(HOST));
    assert_eq!(r.header("Content-Length"), Some("64"));
    assert_eq!(r.header("Content-Type"), Some("image/jpeg"));
    assert_eq!(r.header("Pic-Operations"), Some(PIC_OPS));
    assert_eq!(r.header("x-cos-meta-owner"), Some("Ann Lee"));
    assert_eq!(r.header("x-cos-acl"), Some("private"));
    let who = r.verified.as_ref().expect("signature verifies");
    assert_eq!(who.secret_id, AK);
    assert_eq!(
        who.signed_headers,
        [
            "content-length",
            "content-type",
            "host",
            "pic-operations",
            "x-cos-acl",
            "x-cos-meta-owner"
        ]
    );
    let auth = r.header("Authorization").unwrap();
    assert!(
        auth.starts_with("q-sign-algorithm=sha1&q-ak=AKIDtest&q-sign-time="),
        "{auth}"
    );
    // KeyTime in the Python SDK's style: now - 60 .. now + 10000.
    let kt = who.key_time;
    assert_eq!(kt.end - kt.start, 10060);
    assert_eq!(headers.request_id.as_deref(), Some("req-1"));
    assert_eq!(headers.etag.as_deref(), Some("\"etag\""));
    let result = result.expect("UploadResult parsed");
    assert_eq!(result.process_results.len(), 1);
    assert!(result.original_info.is_some());
}

#[test]
fn put_without_pic_operations_returns_no_result() {
    let srv = upload_server();
    let (h, result) = srv
        .client()
        .ci_put_object(
            BUCKET,
            "a.jpg",
            Body::from_bytes(&b"abc"[..]),
            &ObjectOptions::default(),
        )
        .unwrap();
    assert!(result.is_none());
    assert_eq!(h.crc64, Some(ci_core::client::crc64(b"abc")));
    let r = srv.last();
    assert!(r.verified.is_ok(), "{:?}", r.verified);
    assert!(r.header("Content-Type").is_none());
}

#[test]
fn keys_with_special_characters_are_sent_as_signed() {
    let srv = TestServer::ok();
    let client = srv.client();
    for (key, path) in [
        ("a+b.jpg", "/a%2Bb.jpg"),
        ("q?x#y%z.jpg", "/q%3Fx%23y%25z.jpg"),
        ("图片/猫 1.png", "/%E5%9B%BE%E7%89%87/%E7%8C%AB%201.png"),
        ("dir/sub/x~_-.jpg", "/dir/sub/x~_-.jpg"),
    ] {
        client
            .put_object(
                BUCKET,
                key,
                Body::from_bytes(&b"x"[..]),
                &ObjectOptions::default(),
            )
            .unwrap();
        let r = srv.last();
        assert_eq!(r.path(), path, "{key}");
        assert!(r.verified.is_ok(), "{key}: {:?}", r.verified);
    }
}

#[test]
fn image_process_posts_with_the_flag_param() {
    let srv = TestServer::start(|_, _| Reply::ok().body(seed("upload_result_image_process.xml")));
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}"#;
    let (_, result) = srv
        .client()
        .ci_image_process(
            BUCKET,
            "photos/cat 1.jpg",
            &ObjectOptions::default().pic_operations(ops),
        )
        .unwrap();
    let r = srv.last();
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "/photos/cat%201.jpg?image_process=");
    assert_eq!(r.header("Content-Length"), Some("0"));
    let who = r.verified.as_ref().unwrap();
    assert_eq!(who.signed_params, ["image_process"]);
    assert!(who.signed_headers.contains(&"pic-operations".to_string()));
    assert!(!result.process_results.is_empty());
}

#[test]
fn image_process_requires_pic_operations() {
    let srv = TestServer::ok();
    let err = srv
        .client()
        .ci_image_process(BUCKET, "a.jpg", &ObjectOptions::default())
        .unwrap_err();
    assert!(matches!(
        err,
        CosClientError::Client(ClientError::InvalidParameter { .. })
    ));
    assert!(srv.requests().is_empty());
}

#[test]
fn invalid_pic_operations_are_refused_before_sending() {
    let srv = TestServer::ok();
    let client = srv.client();
    let cases = [
        (
            r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/thumbnail/0x"}]}"#,
            "rule 0: invalid rule: value 0 out of range 1..=9999 for \"thumbnail\" at byte 21",
        ),
        (
            "{\"rules\":[{\"fileid\":\"a.png\",\"rule\":\"imageMogr2/format/png\"}]}\u{1}",
            "control character U+0001",
        ),
        (
            r#"{"rules":[{"fileid":"a\u0007.png","rule":"imageMogr2/format/png"}]}"#,
            "control character",
        ),
        (
            r#"{"rules":[{"fileid":"dir/","rule":"imageMogr2/format/png"}]}"#,
            "ends with '/'",
        ),
        (r#"{"rules":"#, "not valid JSON"),
    ];
    for (ops, needle) in cases {
        let err = client
            .ci_put_object(
                BUCKET,
                "a.jpg",
                Body::from_bytes(&b"x"[..]),
                &ObjectOptions::default().pic_operations(ops),
            )
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(needle), "{ops}: {text}");
        assert!(err.as_client().is_some());
    }
    assert!(srv.requests().is_empty(), "nothing may be sent");
}

#[test]
fn enable_md5_sends_content_md5() {
    let srv = TestServer::ok();
    let data = b"hello world".to_vec();
    let opts = ObjectOptions::from_kwargs(&[("EnableMD5", "true")]).unwrap();
    srv.client()
        .put_object(BUCKET, "m.txt", Body::from_bytes(data.clone()), &opts)
        .unwrap();
    let r = srv.last();
    assert_eq!(r.header("Content-MD5"), Some(content_md5(&data).as_str()));
    assert_eq!(r.header("Content-MD5"), Some("XrY7u+Ae7tCTyyK7j1rNww=="));
    assert!(r
        .verified
        .as_ref()
        .unwrap()
        .signed_headers
        .contains(&"content-md5".to_string()));

    // From a file: same digest, computed in a streaming pass.
    let dir = std::env::temp_dir().join(format!("cosci-md5-{}", std::process::id()));
    std::fs::write(&dir, &data).unwrap();
    srv.client()
        .ci_put_object_from_local_file(BUCKET, &dir, "m2.txt", &opts)
        .unwrap();
    assert_eq!(
        srv.last().header("Content-MD5"),
        Some("XrY7u+Ae7tCTyyK7j1rNww==")
    );
    assert_eq!(srv.last().body, data);
    std::fs::remove_file(&dir).unwrap();

    // A one-shot reader cannot be hashed first.
    let err = srv
        .client()
        .put_object(
            BUCKET,
            "m3.txt",
            Body::from_reader(std::io::Cursor::new(data)),
            &opts,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        CosClientError::Client(ClientError::BodyNotReplayable(_))
    ));
}

#[test]
fn reader_body_is_chunked_or_sized() {
    let srv = TestServer::ok();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    srv.client()
        .put_object(
            BUCKET,
            "r.bin",
            Body::from_reader(std::io::Cursor::new(data.clone())),
            &ObjectOptions::default(),
        )
        .unwrap();
    let r = srv.last();
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.body, data);
    assert!(r.verified.is_ok(), "{:?}", r.verified);

    let opts = ObjectOptions::from_kwargs(&[("ContentLength", "100000")]).unwrap();
    srv.client()
        .put_object(
            BUCKET,
            "r2.bin",
            Body::from_reader(std::io::Cursor::new(data.clone())),
            &opts,
        )
        .unwrap();
    let r = srv.last();
    assert_eq!(r.header("Content-Length"), Some("100000"));
    assert_eq!(r.body, data);
    assert!(r.verified.is_ok());
}

#[test]
fn get_object_with_a_rule_streams_the_answer() {
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let p2 = payload.clone();
    let srv = TestServer::start(move |_, _| Reply::ok().body(p2.clone()));
    let mut out = Vec::new();
    let h = srv
        .client()
        .get_object(
            BUCKET,
            "photos/cat 1.jpg",
            Some(&ProcessParam::rule("imageMogr2/thumbnail/100x")),
            &ObjectOptions::default(),
            &mut out,
        )
        .unwrap();
    assert_eq!(out, payload);
    assert_eq!(h.status, 200);
    let r = srv.last();
    assert_eq!(r.method, "GET");
    assert_eq!(r.url, "/photos/cat%201.jpg?imageMogr2%2Fthumbnail%2F100x=");
    assert!(r.header("Content-Length").is_none());
    let who = r.verified.as_ref().unwrap();
    assert_eq!(who.signed_params, ["imagemogr2%2fthumbnail%2f100x"]);

    // Style, ci-process and Response* parameters; to a file.
    let file = std::env::temp_dir().join(format!("cosci-get-{}", std::process::id()));
    let opts =
        ObjectOptions::from_kwargs(&[("ResponseContentType", "image/png"), ("Range", "bytes=0-9")])
            .unwrap();
    srv.client()
        .get_object_to_file(
            BUCKET,
            "a.jpg",
            Some(&ProcessParam::style("small")),
            &opts,
            &file,
        )
        .unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), payload);
    std::fs::remove_file(&file).unwrap();
    let r = srv.last();
    assert_eq!(
        r.url,
        "/a.jpg?style%2Fsmall=&response-content-type=image%2Fpng"
    );
    assert_eq!(r.header("Range"), Some("bytes=0-9"));
    let who = r.verified.as_ref().unwrap();
    assert!(who.signed_headers.contains(&"range".to_string()));
}

#[test]
fn ai_pic_matting_by_key_and_by_detect_url() {
    let srv = TestServer::start(|_, _| Reply::ok().body(b"PNGDATA".to_vec()));
    let client = srv.client();
    let mut out = Vec::new();
    client
        .ai_pic_matting(
            BUCKET,
            MattingSource::Key("goods.jpg"),
            &[("center-layout", "1")],
            &mut out,
        )
        .unwrap();
    assert_eq!(out, b"PNGDATA");
    let r = srv.last();
    assert_eq!(r.url, "/goods.jpg?ci-process=AIPicMatting&center-layout=1");
    assert_eq!(
        r.verified.as_ref().unwrap().signed_params,
        ["center-layout", "ci-process"]
    );

    let mut out = Vec::new();
    client
        .ai_pic_matting(
            BUCKET,
            MattingSource::DetectUrl("https://x.example/a b.jpg?x=1"),
            &[],
            &mut out,
        )
        .unwrap();
    let r = srv.last();
    assert_eq!(
        r.url,
        "/?ci-process=AIPicMatting&detect-url=https%3A%2F%2Fx.example%2Fa%20b.jpg%3Fx%3D1"
    );
    assert!(r.verified.is_ok(), "{:?}", r.verified);
}

#[test]
fn head_and_delete() {
    let srv = TestServer::start(|_, _| {
        Reply::ok()
            .header("x-cos-request-id", "req-h")
            .header("ETag", "\"abc\"")
            .header("x-cos-hash-crc64ecma", "12345")
            .header("x-cos-meta-owner", "Ann")
    });
    let c = srv.client();
    let h = c
        .head_object(BUCKET, "a.jpg", &ObjectOptions::default())
        .unwrap();
    assert_eq!(h.etag.as_deref(), Some("\"abc\""));
    assert_eq!(h.crc64, Some(12345));
    assert_eq!(h.get("x-cos-meta-owner"), Some("Ann"));
    let r = srv.last();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("HEAD", "/a.jpg"));
    assert!(r.verified.is_ok());
    let h = c.delete_object(BUCKET, "dir/a.jpg").unwrap();
    assert_eq!(h.request_id.as_deref(), Some("req-h"));
    let r = srv.last();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("DELETE", "/dir/a.jpg")
    );
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert!(r.verified.is_ok());
    assert!(c.delete_object(BUCKET, "").is_err());
}

#[test]
fn temporary_credentials_send_and_sign_the_token() {
    let srv = TestServer::ok();
    let cfg = srv.config();
    let mut cfg2 = ci_core::client::CosConfig::new("ap-guangzhou", "AKIDtemp", "sk-temp")
        .with_token("session-token")
        .with_ip_port("127.0.0.1", srv.port);
    cfg2.retries = cfg.retries;
    let c = CosClient::new(cfg2).unwrap();
    c.put_object(
        BUCKET,
        "t.jpg",
        Body::from_bytes(&b"t"[..]),
        &ObjectOptions::default(),
    )
    .unwrap();
    let r = srv.last();
    assert_eq!(r.header("x-cos-security-token"), Some("session-token"));
    let who = r.verified.as_ref().expect("verifies with the token");
    assert_eq!(who.token.as_deref(), Some("session-token"));
    assert!(who
        .signed_headers
        .contains(&"x-cos-security-token".to_string()));
}

#[test]
fn endpoint_and_domain_change_the_host() {
    let srv = TestServer::ok();
    let mut cfg = srv.config().with_endpoint("cos.accelerate.myqcloud.com");
    let c = CosClient::new(cfg.clone()).unwrap();
    c.delete_object(BUCKET, "a").unwrap();
    assert_eq!(
        srv.last().header("Host"),
        Some("examplebucket-1250000000.cos.accelerate.myqcloud.com")
    );
    cfg.domain = Some("img.example.com".into());
    let c = CosClient::new(cfg).unwrap();
    c.delete_object(BUCKET, "a").unwrap();
    assert_eq!(srv.last().header("Host"), Some("img.example.com"));
    assert!(srv.last().verified.is_ok());
}

#[test]
fn kwargs_mapping_and_unknown_names() {
    let kwargs = [
        ("ContentType", "image/png"),
        ("CacheControl", "no-cache"),
        ("ContentDisposition", "inline"),
        ("ContentEncoding", "gzip"),
        ("ContentLanguage", "zh-CN"),
        ("Expires", "Wed, 21 Oct 2026 07:28:00 GMT"),
        ("GrantFullControl", "id=\"1\""),
        ("GrantRead", "id=\"2\""),
        ("GrantWrite", "id=\"3\""),
        ("StorageClass", "STANDARD_IA"),
        ("Tagging", "a=1&b=2"),
        ("TrafficLimit", "819200"),
        ("SSE", "AES256"),
        ("SSECustomerAlgorithm", "AES256"),
        ("SSECustomerKey", "a2V5"),
        ("SSECustomerKeyMD5", "bWQ1"),
        ("SSEKMSKeyId", "kms-1"),
        ("SSEContext", "ctx"),
        ("Referer", "https://r.example"),
        ("Accept", "image/webp"),
        ("AcceptEncoding", "gzip"),
        ("Expect", "100-continue"),
        ("ContentMD5", "XrY7u+Ae7tCTyyK7j1rNww=="),
        ("Metadata.x-cos-meta-a", "1"),
    ];
    let o = ObjectOptions::from_kwargs(&kwargs).unwrap();
    let h = o.headers();
    let get = |n: &str| h.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    assert_eq!(get("Content-Type"), Some("image/png"));
    assert_eq!(get("Cache-Control"), Some("no-cache"));
    assert_eq!(get("Content-Language"), Some("zh-CN"));
    assert_eq!(get("x-cos-grant-full-control"), Some("id=\"1\""));
    assert_eq!(get("x-cos-storage-class"), Some("STANDARD_IA"));
    assert_eq!(get("x-cos-tagging"), Some("a=1&b=2"));
    assert_eq!(get("x-cos-traffic-limit"), Some("819200"));
    assert_eq!(get("x-cos-server-side-encryption"), Some("AES256"));
    assert_eq!(
        get("x-cos-server-side-encryption-customer-key-MD5"),
        Some("bWQ1")
    );
    assert_eq!(
        get("x-cos-server-side-encryption-cos-kms-key-id"),
        Some("kms-1")
    );
    assert_eq!(get("x-cos-server-side-encryption-context"), Some("ctx"));
    assert_eq!(get("Accept-Encoding"), Some("gzip"));
    assert_eq!(get("Expect"), Some("100-continue"));
    assert_eq!(get("Content-MD5"), Some("XrY7u+Ae7tCTyyK7j1rNww=="));
    assert_eq!(get("x-cos-meta-a"), Some("1"));
    assert_eq!(h.len(), kwargs.len());
    for name in ObjectOptions::known_kwargs() {
        let v = match name {
            "ContentLength" => "1",
            "EnableMD5" => "false",
            "Metadata" => "{}",
            _ => "v",
        };
        ObjectOptions::from_kwargs(&[(name, v)]).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for bad in [
        "Bucket2",
        "contenttype",
        "Content-Type",
        "x-cos-meta-a",
        "Metadata.",
    ] {
        let e = ObjectOptions::from_kwargs(&[(bad, "1")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("No Parameter Named {bad} Please Check It")
        );
    }
    assert!(ObjectOptions::from_kwargs(&[("ContentLength", "12x")]).is_err());
    assert!(ObjectOptions::from_kwargs(&[("Metadata", "[1]")]).is_err());
    assert!(ObjectOptions::from_kwargs(&[("EnableMD5", "maybe")]).is_err());

    // Every mapped header goes on the wire, signed when the SDK signs it.
    let srv = TestServer::ok();
    let mut o = o;
    o.expect = None; // keep the exchange simple
    srv.client()
        .put_object(BUCKET, "k.png", Body::from_bytes(&b"x"[..]), &o)
        .unwrap();
    let r = srv.last();
    assert_eq!(r.header("x-cos-tagging"), Some("a=1&b=2"));
    assert_eq!(r.header("Referer"), Some("https://r.example"));
    let who = r.verified.as_ref().unwrap();
    for n in [
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-md5",
        "expires",
        "x-cos-tagging",
    ] {
        assert!(who.signed_headers.contains(&n.to_string()), "{n}");
    }
    assert!(!who.signed_headers.contains(&"referer".to_string()));
}

#[test]
fn presigned_urls_verify_on_the_server() {
    let srv = TestServer::ok();
    let c = srv.client();
    let check = |url: &str, method: &str| {
        let prefix = format!("http://127.0.0.1:{}", srv.port);
        let rest = url.strip_prefix(&prefix).expect(url);
        let (path, query) = rest.split_once('?').unwrap();
        let rr = ReceivedRequest::from_raw(
            method,
            path,
            Some(query),
            vec![("Host".into(), HOST.into())],
        )
        .unwrap();
        verify(&rr, lookup, now(), &VerifyPolicy::default())
    };
    let url = c
        .get_presigned_download_url(
            BUCKET,
            "photos/cat 1.jpg",
            300,
            Some(&ProcessParam::rule("imageMogr2/thumbnail/200x")),
        )
        .unwrap();
    assert!(
        url.contains("/photos/cat%201.jpg?imageMogr2/thumbnail/200x&q-sign-algorithm=sha1"),
        "{url}"
    );
    let who = check(&url, "GET").unwrap();
    assert!(who.presigned);
    assert_eq!(who.signed_params, ["imagemogr2%2fthumbnail%2f200x"]);
    assert_eq!(who.key_time.end - who.key_time.start, 360);

    let url = c
        .get_presigned_download_url(
            BUCKET,
            "a+b.png",
            60,
            Some(&ProcessParam::ci_process(
                "AIPicMatting",
                &[("center-layout", "1")],
            )),
        )
        .unwrap();
    check(&url, "GET").unwrap();
    let url = c
        .get_presigned_url(BUCKET, "up.jpg", "PUT", 60, &[], &[])
        .unwrap();
    check(&url, "PUT").unwrap();
    assert!(check(&url, "GET").is_err(), "method is signed");

    // And a real GET with the pre-signed URL's path reaches the server and verifies.
    let url = c
        .get_presigned_download_url(BUCKET, "x.jpg", 60, Some(&ProcessParam::style("s")))
        .unwrap();
    let rest = url
        .strip_prefix(&format!("http://127.0.0.1:{}", srv.port))
        .unwrap();
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    write!(
        s,
        "GET {rest} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let r = srv.last();
    assert!(r.verified.as_ref().unwrap().presigned);
}

#[test]
fn header_values_with_control_characters_are_refused() {
    let srv = TestServer::ok();
    let opts =
        ObjectOptions::from_kwargs(&[("ContentType", "image/jpeg\r\nX-Injected: 1")]).unwrap();
    let err = srv
        .client()
        .put_object(BUCKET, "a.jpg", Body::from_bytes(&b"x"[..]), &opts)
        .unwrap_err();
    assert!(err.to_string().contains("control character"), "{err}");
    assert!(srv.requests().is_empty());
}
