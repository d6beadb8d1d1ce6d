//! Answers as the cloud gives them (issue 15): header names with their case on the wire,
//! refusals of what is not built, pre-signed URLs made for a host that names no bucket.

use crate::common::*;

/// The raw head (status line and header lines) of an answer.
fn raw_head(r: &Resp) -> String {
    let mut head = format!("{}\r\n", r.status);
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head
}

/// Header names of `r` as sent, in order.
fn names(r: &Resp) -> Vec<&str> {
    r.headers.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn header_names_are_cased_as_the_cloud_writes_them() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let put = Req::new("PUT", "h.txt")
        .header("Content-Type", "text/plain")
        .header("Cache-Control", "no-cache")
        .body("hello")
        .send(a);
    assert_eq!(
        names(&put),
        [
            "ETag",
            "x-cos-hash-crc64ecma",
            "x-cos-request-id",
            "Server",
            "Connection",
            "Content-Length",
            "Date"
        ],
        "{}",
        raw_head(&put)
    );
    let get = Req::new("GET", "h.txt").header("Range", "bytes=1-").send(a);
    assert_eq!(get.status, 206);
    for name in [
        "Content-Type",
        "ETag",
        "Last-Modified",
        "x-cos-hash-crc64ecma",
        "Accept-Ranges",
        "Cache-Control",
        "Content-Length",
        "Content-Range",
        "x-cos-request-id",
        "Server",
        "Connection",
        "Date",
    ] {
        assert!(
            get.header(name).is_some(),
            "{name} missing: {}",
            raw_head(&get)
        );
    }
    assert_eq!(get.header("Content-Length"), Some("4"));
    let head = Req::new("HEAD", "h.txt").send(a);
    assert_eq!(head.header("Content-Length"), Some("5"));
    assert_eq!(head.header("ETag"), get.header("ETag"));
    // Errors too.
    let missing = Req::new("GET", "nope").send(a);
    assert_eq!(missing.status, 404);
    assert_eq!(
        names(&missing),
        [
            "Content-Type",
            "x-cos-request-id",
            "Server",
            "Connection",
            "Content-Length",
            "Date"
        ],
        "{}",
        raw_head(&missing)
    );
    let listing = Req::new("GET", "").send(a);
    assert_eq!(listing.header("Content-Type"), Some("application/xml"));
}

/// Every sub-resource, `ci-process` value and CI API path the official SDKs call that the
/// server does not implement (cos-python-sdk-v5 1.9.44's `cos_client.py` and
/// `ai_recognition.py`, wire-ci.md §0).
/// One call: method, key (empty for the bucket), query.
type Call = (&'static str, String, Vec<(String, Option<String>)>);

fn unimplemented_calls() -> Vec<Call> {
    let mut calls = Vec::new();
    let flag = |k: &str| vec![(k.to_owned(), Some(String::new()))];
    for sub in [
        "acl",
        "cors",
        "lifecycle",
        "policy",
        "tagging",
        "versioning",
        "versions",
        "website",
        "referer",
        "domain",
        "domaincertificate",
        "inventory",
        "logging",
        "replication",
        "encryption",
        "intelligenttiering",
        "object-lock",
        "origin",
        "accelerate",
        "notification",
        "location",
        "requestPayment",
        "live",
        "vod",
    ] {
        for method in ["GET", "PUT", "DELETE"] {
            calls.push((method, String::new(), flag(sub)));
        }
    }
    calls.push(("POST", String::new(), flag("delete")));
    for sub in [
        "acl",
        "tagging",
        "restore",
        "select",
        "append",
        "symlink",
        "retention",
        "legal-hold",
        "torrent",
        "rename",
    ] {
        for method in ["GET", "PUT", "POST", "DELETE"] {
            calls.push((method, "photo.jpg".to_owned(), flag(sub)));
        }
    }
    calls.push((
        "GET",
        "photo.jpg".to_owned(),
        vec![("versionId".into(), Some("v1".into()))],
    ));
    calls.push(("GET", "photo.jpg".to_owned(), flag("imageSlim")));
    for process in [
        "AssessQuality",
        "DetectCar",
        "detect-label",
        "AIImageCrop",
        "AIEnhanceImage",
        "AISuperResolution",
        "AILicenseRec",
        "AIObjectDetect",
        "ImageSearch",
        "RecognizeLogo",
        "OCR",
        "IDCardOCR",
        "DetectFace",
        "face-effect",
        "GoodsMatting",
        "AIPortraitMatting",
        "AIBodyRecognition",
        "AIGameRec",
        "AIImageColoring",
        "ImageRepair",
        "sensitive-content-recognition",
        "doc-preview",
        "filehash",
        "snapshot",
        "videoinfo",
        "ImageAIGCMetadata",
        "detect-pet",
    ] {
        calls.push((
            "GET",
            "photo.jpg".to_owned(),
            vec![("ci-process".into(), Some(process.into()))],
        ));
    }
    // On the bucket's own host (these tests'), the CI API's exact shape: the bare root
    // with POST or DELETE, or GET with the API's query; `<root>/<CI id>[,<CI id>]`.
    let listing = || {
        vec![
            ("pageNumber".to_owned(), Some(String::new())),
            ("pageSize".to_owned(), Some(String::new())),
        ]
    };
    let doc_job = "d0123456789abcdef0123456789abcdef";
    for (method, path, params) in [
        // (The pic job API, /picbucket, /picqueue, /pic_jobs, is built: jobs.rs.)
        ("POST", "mediabucket".to_owned(), Vec::new()),
        ("GET", "asrbucket".to_owned(), listing()),
        ("DELETE", "docbucket".to_owned(), Vec::new()),
        ("GET", "mediaqueue".to_owned(), listing()),
        (
            "PUT",
            "docqueue/p2242ab62c7c94486915508540933a2c6".to_owned(),
            Vec::new(),
        ),
        ("POST", "asr_jobs".to_owned(), Vec::new()),
        ("GET", format!("doc_jobs/{doc_job},{doc_job}"), Vec::new()),
        ("GET", "file_jobs".to_owned(), listing()),
        ("POST", "jobs".to_owned(), Vec::new()),
        (
            "GET",
            "jobs/j8d121820f5e411ec926ef19d53ba9c6f".to_owned(),
            Vec::new(),
        ),
        (
            "PUT",
            "jobs/j8d121820f5e411ec926ef19d53ba9c6f".to_owned(),
            vec![("cancel".to_owned(), None)],
        ),
        ("POST", "template".to_owned(), Vec::new()),
        (
            "PUT",
            "template/t1f16e1dfbdc994105b31292d45710642a".to_owned(),
            Vec::new(),
        ),
        ("GET", "workflow".to_owned(), listing()),
        (
            "PUT",
            "queue/p8d121820f5e411ec926ef19d53ba9c6f".to_owned(),
            Vec::new(),
        ),
        ("POST", "inventorytriggerjob".to_owned(), Vec::new()),
        ("GET", "mediabucket".to_owned(), listing()),
        ("POST", "doc_jobs".to_owned(), Vec::new()),
        ("POST", "file_jobs".to_owned(), Vec::new()),
        ("POST", "image/auditing".to_owned(), Vec::new()),
        ("POST", "video/auditing".to_owned(), Vec::new()),
        (
            "POST",
            "video/cancel_auditing/av0123456789abcdef0123456789abcdef".to_owned(),
            Vec::new(),
        ),
        ("POST", "ImageSearchBucket".to_owned(), Vec::new()),
        ("POST", "text/auditing".to_owned(), Vec::new()),
        ("POST", "triggerworkflow".to_owned(), Vec::new()),
        ("POST", "virus/detect".to_owned(), Vec::new()),
        ("GET", "ai_bucket".to_owned(), listing()),
        ("GET", "docqueue".to_owned(), listing()),
    ] {
        calls.push((method, path, params));
    }
    calls
}

#[test]
fn unimplemented_features_are_refused_and_change_nothing() {
    let (srv, _dir) = server();
    let a = srv.addr();
    assert_eq!(Req::new("PUT", "photo.jpg").body("IMG").send(a).status, 200);
    let listing = |a| Req::new("GET", "").send(a).text();
    let before = listing(a);
    let calls = unimplemented_calls();
    assert!(calls.len() > 150, "{}", calls.len());
    for (method, key, params) in calls {
        let mut req = Req::new(method, &key).body(b"<Request/>".to_vec());
        req.params = params.clone();
        let r = req.send(a);
        let what = format!("{method} /{key}?{params:?}");
        let err = CosErrorOf::check(&r, &what);
        assert_eq!(
            (r.status, err.code.as_str()),
            (501, "NotImplemented"),
            "{what}: {}",
            r.text()
        );
        assert!(
            err.message.contains("not implemented"),
            "{what}: {}",
            err.message
        );
    }
    assert_eq!(listing(a), before, "the bucket changed");
    assert_eq!(Req::new("GET", "photo.jpg").send(a).body, b"IMG");
    // A CI call whose host names no bucket (the Python SDK's calls that pass no bucket
    // send `Host: IP:PORT`): refused as not implemented, not as a bad signature.
    let mut pic = Req::new("POST", "mediabucket");
    pic.host = a.to_string();
    let r = pic.send(a);
    assert_eq!(r.status, 501, "{}", r.text());
}

/// The COS error of an answer, checked as the SDKs read it.
struct CosErrorOf;

impl CosErrorOf {
    fn check(r: &Resp, what: &str) -> ci_core::result::CosError {
        assert!(r.status >= 400, "{what}: {} {}", r.status, r.text());
        assert_eq!(r.header("Content-Type"), Some("application/xml"), "{what}");
        let err = ci_core::result::CosError::from_xml(&r.text()).expect("COS error XML");
        assert_eq!(
            Some(err.request_id.as_str()),
            r.header("x-cos-request-id"),
            "{what}"
        );
        assert!(
            !err.resource.is_empty() && !err.trace_id.is_empty(),
            "{what}"
        );
        err
    }
}

/// A pre-signed URL as cos-python-sdk-v5 makes it with `IP=127.0.0.1, Port=N`: the path
/// is the key alone, the signed host is the URL's hostname (no port).
fn sdk_presigned(
    a: std::net::SocketAddr,
    method: &str,
    key: &str,
    params: &[(String, Option<String>)],
) -> String {
    let n = now();
    ci_core::sign::presigned_url(
        &creds(),
        method,
        key,
        params,
        &[("Host".into(), a.ip().to_string())],
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    )
}

#[test]
fn sdk_presigned_urls_on_an_ip_host_use_the_default_bucket() {
    let (srv, _dir) = server_with(|c| c.default_bucket = Some(BUCKET.into()));
    let a = srv.addr();
    let ip_host = vec![("Host".to_owned(), a.to_string())];
    let put = sdk_presigned(a, "PUT", "plain.txt", &[]);
    let r = send(a, "PUT", &put, &ip_host, b"plain body");
    assert_eq!(r.status, 200, "{}", r.text());
    let get = sdk_presigned(a, "GET", "plain.txt", &[]);
    let r = send(a, "GET", &get, &ip_host, b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"plain body");
    // The object is the default bucket's, as the virtual host sees it.
    assert_eq!(Req::new("GET", "plain.txt").send(a).body, b"plain body");
    // With a processing rule in the signed parameters.
    let rule = vec![("imageMogr2/thumbnail/100x".to_owned(), Some(String::new()))];
    let r = send(
        a,
        "GET",
        &sdk_presigned(a, "GET", "plain.txt", &rule),
        &ip_host,
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.body,
        fake_output(b"plain body", "imageMogr2/thumbnail/100x")
    );
    // A signature for another host does not pass (the host is still bound).
    let n = now();
    let other = ci_core::sign::presigned_url(
        &creds(),
        "GET",
        "plain.txt",
        &[],
        &[("Host".into(), "10.0.0.1".into())],
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    assert_eq!(send(a, "GET", &other, &ip_host, b"").status, 403);
}
