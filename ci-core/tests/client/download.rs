//! Streaming downloads (`get_object_stream`): the body arrives in pieces of the caller's
//! size, and the end of the stream is checked against `x-cos-hash-crc64ecma`.

use std::io::Read;

use crate::support::*;
use ci_core::client::{ClientError, CosClientError, MattingSource, ObjectOptions};
use ci_core::sign::ProcessParam;

fn payload(n: u32) -> Vec<u8> {
    (0..n)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// A server answering every GET with `body` and `crc` as `x-cos-hash-crc64ecma`.
fn serving(body: Vec<u8>, crc: Option<String>) -> TestServer {
    TestServer::start(move |_, _| {
        let r = Reply::ok()
            .body(body.clone())
            .header("x-cos-request-id", "req-dl");
        match &crc {
            Some(c) => r.header("x-cos-hash-crc64ecma", c),
            None => r,
        }
    })
}

#[test]
fn a_stream_is_read_in_the_callers_pieces_and_checked_at_the_end() {
    let data = payload(3 * 1024 * 1024 + 17);
    let srv = serving(data.clone(), Some(crc_of(&data)));
    let mut s = srv
        .client()
        .get_object_stream(BUCKET, "big.bin", None, &ObjectOptions::default())
        .unwrap();
    // tiny_http sends a body this large chunked: no Content-Length, the CRC still applies.
    assert!(matches!(s.headers().content_length, None | Some(3_145_745)));
    assert_eq!(s.headers().request_id.as_deref(), Some("req-dl"));
    assert!(s.checks_crc64());
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pieces = 0usize;
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        pieces += 1;
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, data);
    // At least one piece per 64 KiB: the stream never hands out more than asked for.
    assert!(pieces >= data.len() / buf.len(), "{pieces} pieces");
    assert!(s.is_finished());
    assert_eq!(s.bytes_read(), data.len() as u64);
    // Reading past the end stays at the end.
    assert_eq!(s.read(&mut buf).unwrap(), 0);
    let r = srv.last();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("GET", "/big.bin"));
    assert!(r.verified.is_ok());
}

#[test]
fn a_wrong_crc64_is_an_error_at_the_end_of_the_stream() {
    let data = payload(200_000);
    let wrong = crc64_plus_one(&data);
    let srv = serving(data.clone(), Some(wrong.to_string()));
    let client = srv.client();
    let mut s = client
        .get_object_stream(BUCKET, "a.bin", None, &ObjectOptions::default())
        .unwrap();
    let mut first = vec![0u8; 1000];
    assert_eq!(s.read_full(&mut first).unwrap(), 1000);
    assert_eq!(first, data[..1000]);
    let e = s.copy_to(&mut std::io::sink()).unwrap_err();
    match e {
        ClientError::Crc64Mismatch { local, remote } => {
            assert_eq!(local, ci_core::client::crc64(&data));
            assert_eq!(remote, wrong);
        }
        other => panic!("expected a CRC-64 mismatch, got {other:?}"),
    }
    // The buffered API reports it too.
    let e = client
        .get_object(
            BUCKET,
            "a.bin",
            None,
            &ObjectOptions::default(),
            &mut Vec::new(),
        )
        .unwrap_err();
    assert!(
        matches!(e, CosClientError::Client(ClientError::Crc64Mismatch { .. })),
        "{e:?}"
    );
    // Read's error carries the ClientError.
    let mut s = client
        .get_object_stream(BUCKET, "a.bin", None, &ObjectOptions::default())
        .unwrap();
    let io = std::io::copy(&mut s, &mut std::io::sink()).unwrap_err();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    let inner = io.get_ref().and_then(|e| e.downcast_ref::<ClientError>());
    assert!(matches!(inner, Some(ClientError::Crc64Mismatch { .. })));
}

fn crc64_plus_one(data: &[u8]) -> u64 {
    ci_core::client::crc64(data).wrapping_add(1)
}

#[test]
fn processed_and_crc_less_answers_are_not_checked() {
    let data = payload(50_000);
    // The stored object's CRC on a processed answer: not the answer's bytes.
    let srv = serving(data.clone(), Some(crc64_plus_one(&data).to_string()));
    let client = srv.client();
    let rule = ProcessParam::rule("imageMogr2/thumbnail/100x");
    let mut s = client
        .get_object_stream(BUCKET, "p.jpg", Some(&rule), &ObjectOptions::default())
        .unwrap();
    assert!(!s.checks_crc64());
    let mut out = Vec::new();
    assert_eq!(s.copy_to(&mut out).unwrap(), data.len() as u64);
    assert_eq!(out, data);
    assert_eq!(srv.last().url, "/p.jpg?imageMogr2%2Fthumbnail%2F100x=");
    let mut m = client
        .ai_pic_matting_stream(BUCKET, MattingSource::Key("p.jpg"), &[])
        .unwrap();
    assert!(!m.checks_crc64());
    let mut out = Vec::new();
    m.read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
    assert_eq!(srv.last().url, "/p.jpg?ci-process=AIPicMatting");

    let srv = serving(data.clone(), None);
    let mut s = srv
        .client()
        .get_object_stream(BUCKET, "n.bin", None, &ObjectOptions::default())
        .unwrap();
    assert!(!s.checks_crc64());
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn an_error_status_is_a_service_error_before_any_body() {
    let srv = TestServer::start(|_, _| {
        Reply::status(404).body(
            "<Error><Code>NoSuchKey</Code><Message>gone</Message><Resource>r</Resource><RequestId>q1</RequestId></Error>",
        )
    });
    let e = srv
        .client()
        .get_object_stream(BUCKET, "missing", None, &ObjectOptions::default())
        .unwrap_err();
    let s = e.as_service().expect("a service error");
    assert_eq!((s.status, s.code.as_str()), (404, "NoSuchKey"));
    assert_eq!(s.request_id, "q1");
}
