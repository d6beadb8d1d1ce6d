//! Multipart upload with Pic-Operations on completion, returning the completion and the
//! processing results.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::*;
use ci_core::client::{Body, CompleteOutcome, CosClient, ObjectOptions, UploadedPart};
use ci_core::result::{
    CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePicResult, UploadResult,
};

const PIC_OPS: &str = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;

/// The completion's elements the mock server answers.
fn completion() -> CompleteMultipartUploadResult {
    CompleteMultipartUploadResult {
        location: format!("{HOST}/big.jpg"),
        bucket: BUCKET.into(),
        key: "big.jpg".into(),
        etag: "\"x-3\"".into(),
    }
}

/// Answers a completion with Pic-Operations in the combined form, or with `legacy` the
/// bare `<UploadResult>` of seed 002 (older cos-ci servers).
fn multipart_server_answering(legacy: bool) -> TestServer {
    TestServer::start(move |r, _| {
        let q = r.query().unwrap_or("");
        match (r.method.as_str(), q) {
            ("POST", "uploads=") => Reply::ok().body(format!(
                "<InitiateMultipartUploadResult><Bucket>{BUCKET}</Bucket><Key>big.jpg</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>"
            )),
            ("PUT", _) => Reply::ok()
                .header("ETag", &format!("\"{:016x}\"", r.body_crc64))
                .header("x-cos-hash-crc64ecma", &r.body_crc64.to_string()),
            ("POST", "uploadId=upload-1") if r.header("Pic-Operations").is_some() => {
                let results = seed("upload_result_put.xml");
                Reply::ok().body(if legacy {
                    results
                } else {
                    results
                        .replacen(
                            "<UploadResult>",
                            &format!(
                                "<CompleteMultipartUploadResult>\n<Location>{HOST}/big.jpg</Location>\n\
                                 <Bucket>{BUCKET}</Bucket>\n<Key>big.jpg</Key>\n<ETag>&quot;x-3&quot;</ETag>"
                            ),
                            1,
                        )
                        .replacen("</UploadResult>", "</CompleteMultipartUploadResult>", 1)
                })
            }
            ("POST", "uploadId=upload-1") => Reply::ok().body(format!(
                "<CompleteMultipartUploadResult><Location>{HOST}/big.jpg</Location><Bucket>{BUCKET}</Bucket><Key>big.jpg</Key><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>"
            )),
            ("DELETE", _) => Reply::status(204),
            _ => Reply::status(400),
        }
    })
}

fn multipart_server() -> TestServer {
    multipart_server_answering(false)
}

fn client_with_parts(srv: &TestServer, part_size: u64, threads: usize) -> CosClient {
    let mut cfg = srv.config();
    cfg.part_size = part_size;
    cfg.upload_threads = threads;
    CosClient::new(cfg).unwrap()
}

#[test]
fn multipart_with_pic_operations_returns_the_upload_result() {
    let srv = multipart_server();
    let data: Vec<u8> = (0..250_000u32).map(|i| (i * 31 % 256) as u8).collect();
    let path = std::env::temp_dir().join(format!("cosci-mp-{}", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    let client = client_with_parts(&srv, 100_000, 3);
    let opts = ObjectOptions::default()
        .pic_operations(PIC_OPS)
        .content_type("image/jpeg");
    let (_, outcome) = client
        .multipart_upload_file(BUCKET, "big.jpg", &path, &opts)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let seed_results = UploadResult::from_xml(&seed("upload_result_put.xml")).unwrap();
    assert_eq!(
        outcome,
        CompleteOutcome::Processed(CompletePicResult {
            completion: Some(completion()),
            upload_result: seed_results.clone(),
        })
    );
    assert_eq!(outcome.upload_result(), Some(&seed_results));
    assert_eq!(outcome.completion(), Some(&completion()));

    let reqs = srv.requests();
    assert!(reqs.iter().all(|r| r.verified.is_ok()), "all signed");
    let init = &reqs[0];
    assert_eq!(
        (init.method.as_str(), init.url.as_str()),
        ("POST", "/big.jpg?uploads=")
    );
    assert_eq!(init.header("Content-Type"), Some("image/jpeg"));
    assert!(
        init.header("Pic-Operations").is_none(),
        "processing goes with the completion"
    );
    let mut parts: Vec<_> = reqs.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(parts.len(), 3);
    parts.sort_by_key(|r| r.url.clone());
    let mut joined = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        assert_eq!(
            p.url,
            format!("/big.jpg?partNumber={}&uploadId=upload-1", i + 1)
        );
        assert_eq!(
            p.verified.as_ref().unwrap().signed_params,
            ["partnumber", "uploadid"]
        );
        joined.extend_from_slice(&p.body);
    }
    assert_eq!(joined, data, "parts reassemble the file");
    let complete = reqs.last().unwrap();
    assert_eq!(
        (complete.method.as_str(), complete.url.as_str()),
        ("POST", "/big.jpg?uploadId=upload-1")
    );
    assert_eq!(complete.header("Pic-Operations"), Some(PIC_OPS));
    assert!(complete
        .verified
        .as_ref()
        .unwrap()
        .signed_headers
        .contains(&"pic-operations".to_string()));
    let doc = CompleteMultipartUpload::from_xml(&complete.body_str()).unwrap();
    let numbers: Vec<u32> = doc.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert!(doc.parts.iter().all(|p| p.etag.starts_with('"')));
}

#[test]
fn plain_completion_and_the_step_by_step_api() {
    let srv = multipart_server();
    let client = srv.client();
    let init = client
        .create_multipart_upload(BUCKET, "big.jpg", &ObjectOptions::default())
        .unwrap();
    assert_eq!(init.upload_id, "upload-1");
    let (p2, _) = client
        .upload_part(
            BUCKET,
            "big.jpg",
            "upload-1",
            2,
            Body::from_bytes(&b"second"[..]),
            true,
        )
        .unwrap();
    let (p1, h) = client
        .upload_part(
            BUCKET,
            "big.jpg",
            "upload-1",
            1,
            Body::from_bytes(&b"first"[..]),
            false,
        )
        .unwrap();
    assert_eq!(h.crc64, Some(ci_core::client::crc64(b"first")));
    assert!(srv.requests()[1].header("Content-MD5").is_some());
    let (_, outcome) = client
        .complete_multipart_upload(
            BUCKET,
            "big.jpg",
            "upload-1",
            &[p2, p1],
            &ObjectOptions::default(),
        )
        .unwrap();
    assert_eq!(outcome, CompleteOutcome::Completed(completion()));
    assert_eq!(outcome.upload_result(), None);
    assert_eq!(outcome.completion(), Some(&completion()));
    let body = srv.last().body_str();
    assert!(body.find("<PartNumber>1</PartNumber>") < body.find("<PartNumber>2</PartNumber>"));
    client
        .abort_multipart_upload(BUCKET, "big.jpg", "upload-1")
        .unwrap();
    assert_eq!(srv.last().url, "/big.jpg?uploadId=upload-1");
    let _ = UploadedPart {
        part_number: 1,
        etag: String::new(),
    };
}

#[test]
fn the_older_upload_result_answer_is_still_read() {
    let srv = multipart_server_answering(true);
    let parts = [UploadedPart {
        part_number: 1,
        etag: "\"p1\"".into(),
    }];
    let (_, outcome) = srv
        .client()
        .complete_multipart_upload(
            BUCKET,
            "big.jpg",
            "upload-1",
            &parts,
            &ObjectOptions::default().pic_operations(PIC_OPS),
        )
        .unwrap();
    let seed_results = UploadResult::from_xml(&seed("upload_result_put.xml")).unwrap();
    assert_eq!(
        outcome,
        CompleteOutcome::Processed(CompletePicResult {
            completion: None,
            upload_result: seed_results.clone(),
        })
    );
    assert_eq!(outcome.upload_result(), Some(&seed_results));
    assert_eq!(outcome.completion(), None);
}

#[test]
fn an_answer_that_is_neither_form_is_an_invalid_response() {
    let srv = TestServer::start(|_, _| Reply::ok().body("<InitiateMultipartUploadResult/>"));
    let err = srv
        .client()
        .complete_multipart_upload(BUCKET, "k", "u", &[], &ObjectOptions::default())
        .unwrap_err();
    let msg = err.as_client().expect("a client error").to_string();
    assert!(
        msg.contains("expected root element <CompleteMultipartUploadResult>, found <InitiateMultipartUploadResult>"),
        "{msg}"
    );
}

#[test]
fn failed_part_aborts_the_upload() {
    let puts = Arc::new(AtomicUsize::new(0));
    let p = puts.clone();
    let srv = TestServer::start(move |r, _| {
        match r.method.as_str() {
        "POST" => Reply::ok().body(
            "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u9</UploadId></InitiateMultipartUploadResult>",
        ),
        "PUT" => {
            p.fetch_add(1, Ordering::SeqCst);
            Reply::status(403).body("<Error><Code>AccessDenied</Code><Message>no</Message><Resource>r</Resource><RequestId>q</RequestId></Error>")
        }
        _ => Reply::status(204),
    }
    });
    let path = std::env::temp_dir().join(format!("cosci-mpf-{}", std::process::id()));
    std::fs::write(&path, vec![0u8; 5000]).unwrap();
    let err = client_with_parts(&srv, 1000, 2)
        .multipart_upload_file(BUCKET, "k", &path, &ObjectOptions::default())
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(err.as_service().unwrap().code, "AccessDenied");
    let last = srv.last();
    assert_eq!(
        (last.method.as_str(), last.url.as_str()),
        ("DELETE", "/k?uploadId=u9")
    );
    assert!(
        puts.load(Ordering::SeqCst) < 5,
        "workers stop after the first failure"
    );
}

#[test]
fn invalid_pic_operations_stop_multipart_before_anything_is_sent() {
    let srv = multipart_server();
    let path = std::env::temp_dir().join(format!("cosci-mpi-{}", std::process::id()));
    std::fs::write(&path, b"x").unwrap();
    let err = srv
        .client()
        .multipart_upload_file(
            BUCKET,
            "k",
            &path,
            &ObjectOptions::default()
                .pic_operations(r#"{"rules":[{"fileid":"a","rule":"imageMogr2/rotate/400"}]}"#),
        )
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(err.as_client().is_some());
    assert!(srv.requests().is_empty());
}
