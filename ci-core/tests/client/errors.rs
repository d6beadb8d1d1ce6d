//! Error answers, retries and CRC-64 verification.

use std::time::Duration;

use crate::support::*;
use ci_core::client::{Body, ClientError, CosClient, CosClientError, ObjectOptions};

const ERROR_XML: &str = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>InvalidPicOperations</Code>\n<Message>Pic-Operations rule 0 is invalid</Message>\n<Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg</Resource>\n<RequestId>NjA3ZDVhOTZfNjRiZGI2NF8xNjE5Xzg=</RequestId>\n<TraceId>OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OTBjYzE2MjAxN2M1MzJiOTdkZjMxMDVlYTZjN2FiMmI0</TraceId>\n</Error>";

#[test]
fn error_xml_becomes_service_error() {
    let srv = TestServer::start(|_, _| {
        Reply::status(400)
            .header("Content-Type", "application/xml")
            .header("x-cos-request-id", "hdr-req")
            .body(ERROR_XML)
    });
    let err = srv
        .client()
        .ci_put_object(
            BUCKET,
            "a.jpg",
            Body::from_bytes(&b"x"[..]),
            &ObjectOptions::default(),
        )
        .unwrap_err();
    let e = err.as_service().expect("a service error");
    assert_eq!(e.status, 400);
    assert_eq!(e.method, "PUT");
    assert_eq!(e.code, "InvalidPicOperations");
    assert_eq!(e.message, "Pic-Operations rule 0 is invalid");
    assert_eq!(
        e.resource,
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg"
    );
    assert_eq!(e.request_id, "NjA3ZDVhOTZfNjRiZGI2NF8xNjE5Xzg=");
    assert!(e.trace_id.starts_with("OGVmYzZi"));
    assert!(err.to_string().contains("InvalidPicOperations"), "{err}");
    // 4xx is not retried.
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn head_error_comes_from_status_and_request_id() {
    let srv = TestServer::start(|_, _| {
        Reply::status(404)
            .header("x-cos-request-id", "head-req-404")
            .header("x-cos-trace-id", "trace-9")
    });
    let err = srv
        .client()
        .head_object(BUCKET, "missing.jpg", &ObjectOptions::default())
        .unwrap_err();
    let e = err.as_service().unwrap();
    assert_eq!((e.status, e.code.as_str()), (404, "NoSuchResource"));
    assert_eq!(e.request_id, "head-req-404");
    assert_eq!(e.trace_id, "trace-9");
    assert_eq!(e.method, "HEAD");
}

#[test]
fn non_xml_error_body_is_kept_as_message() {
    let srv = TestServer::start(|_, _| Reply::status(403).body("denied by proxy"));
    let err = srv.client().delete_object(BUCKET, "a").unwrap_err();
    let e = err.as_service().unwrap();
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(e.message, "denied by proxy");
}

#[test]
fn retries_5xx_then_succeeds() {
    let srv = TestServer::start(|_, n| {
        if n == 0 {
            Reply::status(500).body(ERROR_XML.replace("InvalidPicOperations", "InternalError"))
        } else {
            Reply::ok().header("x-cos-request-id", "second")
        }
    });
    let data = vec![3u8; 10_000];
    let h = srv
        .client()
        .put_object(
            BUCKET,
            "r.bin",
            Body::from_bytes(data.clone()),
            &ObjectOptions::default(),
        )
        .unwrap();
    assert_eq!(h.request_id.as_deref(), Some("second"));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.body, data, "the body is sent whole each time");
        assert!(r.verified.is_ok());
    }

    // A file body is replayed too.
    let srv2 = TestServer::start(|_, n| {
        if n < 2 {
            Reply::status(503)
        } else {
            Reply::ok()
        }
    });
    let path = std::env::temp_dir().join(format!("cosci-retry-{}", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    srv2.client()
        .ci_put_object_from_local_file(BUCKET, &path, "f.bin", &ObjectOptions::default())
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let reqs = srv2.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs.iter().all(|r| r.body == data));
}

#[test]
fn retries_are_bounded_and_report_the_last_error() {
    let srv = TestServer::start(|_, _| Reply::status(503).header("x-cos-request-id", "busy"));
    let err = srv.client().delete_object(BUCKET, "a").unwrap_err();
    let e = err.as_service().unwrap();
    assert_eq!((e.status, e.request_id.as_str()), (503, "busy"));
    assert_eq!(srv.requests().len(), 3, "1 try + 2 retries");
}

#[test]
fn only_500_502_503_504_are_retried() {
    // 501 (and the other 5xx) answer the same every time: one attempt.
    for status in [501u16, 505, 507] {
        let srv = TestServer::start(move |_, _| Reply::status(status));
        let err = srv.client().delete_object(BUCKET, "a").unwrap_err();
        assert_eq!(err.as_service().unwrap().status, status);
        assert_eq!(srv.requests().len(), 1, "{status} is not retried");
    }
    for status in [500u16, 502, 503, 504] {
        let srv = TestServer::start(move |_, _| Reply::status(status));
        let err = srv.client().delete_object(BUCKET, "a").unwrap_err();
        assert_eq!(err.as_service().unwrap().status, status);
        assert_eq!(srv.requests().len(), 3, "{status}: 1 try + 2 retries");
    }
}

#[test]
fn one_shot_reader_is_not_retried() {
    let srv = TestServer::start(|_, _| Reply::status(500));
    let err = srv
        .client()
        .put_object(
            BUCKET,
            "r.bin",
            Body::from_reader(std::io::Cursor::new(vec![1u8; 1000])),
            &ObjectOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.as_service().unwrap().status, 500);
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn connection_errors_are_retried_then_reported() {
    // A port with nothing listening: bind, learn the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = ci_core::client::CosConfig::new("ap-guangzhou", AK, SK)
        .with_ip_port("127.0.0.1", port)
        .with_retries(2, Duration::from_millis(20));
    let start = std::time::Instant::now();
    let err = CosClient::new(cfg)
        .unwrap()
        .delete_object(BUCKET, "a")
        .unwrap_err();
    assert!(
        matches!(err, CosClientError::Client(ClientError::Http(_))),
        "{err:?}"
    );
    // Two backoffs: 20 ms + 40 ms.
    assert!(start.elapsed() >= Duration::from_millis(60));
}

#[test]
fn crc64_mismatch_is_an_error() {
    let srv = TestServer::start(|_, _| Reply::ok().header("x-cos-hash-crc64ecma", "12345"));
    let err = srv
        .client()
        .put_object(
            BUCKET,
            "c.bin",
            Body::from_bytes(&b"hello"[..]),
            &ObjectOptions::default(),
        )
        .unwrap_err();
    match err {
        CosClientError::Client(ClientError::Crc64Mismatch { local, remote }) => {
            assert_eq!(remote, 12345);
            assert_eq!(local, ci_core::client::crc64(b"hello"));
        }
        other => panic!("{other:?}"),
    }
    // Checked for streamed readers too.
    let err = srv
        .client()
        .put_object(
            BUCKET,
            "c.bin",
            Body::from_reader_sized(std::io::Cursor::new(b"hello".to_vec()), 5),
            &ObjectOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        CosClientError::Client(ClientError::Crc64Mismatch { .. })
    ));
}

#[test]
fn crc64_match_passes_and_is_the_xz_variant() {
    assert_eq!(ci_core::client::crc64(b"123456789"), 0x995d_c9bb_df19_39fa);
    let srv = TestServer::start(|r, _| {
        Reply::ok().header("x-cos-hash-crc64ecma", &r.body_crc64.to_string())
    });
    let data: Vec<u8> = (0..50_000u32).map(|i| (i % 13) as u8).collect();
    let h = srv
        .client()
        .put_object(
            BUCKET,
            "c.bin",
            Body::from_reader(std::io::Cursor::new(data.clone())),
            &ObjectOptions::default(),
        )
        .unwrap();
    assert_eq!(h.crc64, Some(ci_core::client::crc64(&data)));
}

#[test]
fn config_from_env_and_checks() {
    let vars = [
        ("COS_REGION", "ap-beijing"),
        ("COS_SECRET_ID", "AKID"),
        ("COS_SECRET_KEY", "sk"),
        ("COS_TOKEN", "tok"),
        ("COS_SCHEME", "http"),
        ("COS_ENDPOINT", "cos.ap-beijing.myqcloud.com"),
        ("COS_TIMEOUT", "30"),
        ("COS_RETRIES", "5"),
    ];
    let cfg = ci_core::client::CosConfig::from_lookup(|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    assert_eq!(cfg.token.as_deref(), Some("tok"));
    assert_eq!(cfg.timeout, Some(Duration::from_secs(30)));
    assert_eq!(cfg.retries, 5);
    assert_eq!(
        cfg.host("b-1250000000"),
        "b-1250000000.cos.ap-beijing.myqcloud.com"
    );
    assert!(
        !format!("{cfg:?}").contains("\"sk\""),
        "secret key redacted"
    );
    let bad = ci_core::client::CosConfig::from_lookup(|k| match k {
        "COS_PORT" => Some("99999".into()),
        _ => vars
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string()),
    });
    assert!(bad.is_err());
    let mut cfg = ci_core::client::CosConfig::new("ap-beijing", "AKID", "sk");
    cfg.scheme = "ftp".into();
    assert!(CosClient::new(cfg).is_err());
    assert!(CosClient::new(ci_core::client::CosConfig::new("ap-beijing", "", "sk")).is_err());
}
