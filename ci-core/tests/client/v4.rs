//! The legacy v4 API: multipart/form-data upload and image_process, JSON answers.

use crate::support::*;
use ci_core::client::Body;
use ci_core::sign::{v4_verify, Credentials};

const PIC_OPS: &str =
    r#"{"is_pic_info":1,"rules":[{"fileid":"test1.png","rule":"imageView2/format/png"}]}"#;

#[test]
fn v4_upload_sends_the_form_and_parses_the_json() {
    let srv = TestServer::start(|_, _| Reply::ok().body(seed("v4_upload.json")));
    let (_, resp) = srv
        .client()
        .v4_upload(
            "1250000000",
            "examplebucket",
            "sample_file.jpg",
            Body::from_bytes(&b"JPEGDATA"[..]),
            Some(true),
            Some(PIC_OPS),
        )
        .unwrap();
    assert_eq!(resp.code, 0);
    let data = resp.data.expect("data");
    assert!(data.image_info.is_some());

    let r = srv.last();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("POST", "/files/v2/1250000000/examplebucket/sample_file.jpg")
    );
    assert_eq!(r.header("Host"), Some("ap-guangzhou.image.myqcloud.com"));
    assert_eq!(r.header("Pic-Operations"), Some(PIC_OPS));
    let ct = r.header("Content-Type").unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").expect(ct);
    let body = r.body_str();
    assert!(body.starts_with(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nupload\r\n"
    )));
    assert!(body.contains("name=\"insertOnly\"\r\n\r\n1\r\n"));
    assert!(body.contains("name=\"filecontent\"; filename=\"filecontent\""));
    assert!(body.contains("\r\n\r\nJPEGDATA\r\n"));
    assert!(body.ends_with(&format!("--{boundary}--\r\n")));
    assert_eq!(
        r.header("Content-Length"),
        Some(body.len().to_string().as_str())
    );
    // The multi-effect signature verifies.
    let claims = v4_verify(
        r.header("Authorization").unwrap(),
        |ak| (ak == AK).then(|| Credentials::new(AK, SK)),
        "1250000000",
        "examplebucket",
        now(),
    )
    .unwrap();
    assert!(claims.fileid.is_empty());
    assert!(claims.expire > claims.now);
}

#[test]
fn v4_image_process_and_error_codes() {
    let srv = TestServer::start(|_, n| {
        if n == 0 {
            Reply::ok().body(seed("v4_image_process.json"))
        } else {
            Reply::ok()
                .body(r#"{"code":-1300,"message":"file already exists","request_id":"v4-req"}"#)
        }
    });
    let c = srv.client();
    let (_, resp) = c
        .v4_image_process(
            "1250000000",
            "examplebucket",
            "sample_file.jpg",
            Some(false),
            PIC_OPS,
        )
        .unwrap();
    assert_eq!(resp.code, 0);
    let body = srv.last().body_str();
    assert!(body.contains("name=\"op\"\r\n\r\nimage_process\r\n"));
    assert!(body.contains("name=\"insertOnly\"\r\n\r\n0\r\n"));
    let err = c
        .v4_upload(
            "1250000000",
            "examplebucket",
            "a.jpg",
            Body::from_bytes(&b"x"[..]),
            Some(true),
            None,
        )
        .unwrap_err();
    let e = err.as_service().unwrap();
    assert_eq!(
        (e.code.as_str(), e.message.as_str(), e.request_id.as_str()),
        ("-1300", "file already exists", "v4-req")
    );
}

#[test]
fn v4_refuses_inputs_over_20_mb() {
    let srv = TestServer::ok();
    let big = std::io::repeat(0).take_exact(21 * 1024 * 1024);
    let err = srv
        .client()
        .v4_upload(
            "1250000000",
            "b",
            "a.jpg",
            Body::from_reader(big),
            None,
            None,
        )
        .unwrap_err();
    assert!(err.to_string().contains("allowed"), "{err}");
    assert!(srv.requests().is_empty());
}

trait TakeExact: std::io::Read + Sized {
    fn take_exact(self, n: u64) -> std::io::Take<Self> {
        self.take(n)
    }
}
impl<R: std::io::Read> TakeExact for R {}
