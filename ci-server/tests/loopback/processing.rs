//! Loopback tests of the CI routes (with a fake engine): Pic-Operations on PUT and on
//! multipart completion, download processing, styles, `?image_process`, AIPicMatting.

use crate::common::*;
use ci_core::result::UploadResult;

#[test]
fn multipart_complete_with_pic_operations_answers_the_combined_result() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let key = "photos/mp.jpg";
    let id = initiate(a, key);
    let e1 = upload_part(a, key, &id, 1, b"IMAGEDATA");
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;
    let r = Req::new("POST", key)
        .param("uploadId", &id)
        .header("Pic-Operations", ops)
        .body(complete_body(&[(1, e1)]))
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    // The plain completion's elements (ETag: MD5 of the part MD5s, "-1"), then
    // OriginalInfo (SHA-1 ETag of "IMAGEDATA", the fake engine's ImageInfo plus the MD5)
    // and ProcessResults (output "IMAGEDATA|<rule>", 46 bytes).
    let expected = format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<CompleteMultipartUploadResult>\n\
         <Location>{BUCKET}.cos.{REGION}.myqcloud.com/photos/mp.jpg</Location>\n\
         <Bucket>{BUCKET}</Bucket>\n<Key>photos/mp.jpg</Key>\n\
         <ETag>&quot;bd4231ef132bd670eba2d3200dc8d875-1&quot;</ETag>\n\
         <OriginalInfo>\n<Key>photos/mp.jpg</Key>\n\
         <Location>{BUCKET}.cos.{REGION}.myqcloud.com/photos/mp.jpg</Location>\n\
         <ETag>&quot;2ef1da67d93c96f916bc54bef0302655bee316e5&quot;</ETag>\n\
         <ImageInfo>\n<Md5>0fc85dbea99575776296eaaa1d314eb1</Md5>\n<Format>JPEG</Format>\n\
         <Width>640</Width>\n<Height>427</Height>\n<Quality>74</Quality>\n\
         <Ave>0x102030</Ave>\n<Orientation>0</Orientation>\n</ImageInfo>\n</OriginalInfo>\n\
         <ProcessResults>\n<Object>\n<Key>photos/thumb.png</Key>\n\
         <Location>{BUCKET}.cos.{REGION}.myqcloud.com/photos/thumb.png</Location>\n\
         <Format>png</Format>\n<Md5>26788d12eeb802132a94e954a6387622</Md5>\n\
         <Width>10</Width>\n<Height>20</Height>\n<Size>46</Size>\n<Quality>90</Quality>\n\
         <ETag>&quot;896ef25152d40dbe467d9741bf0382db74a2b3e3&quot;</ETag>\n\
         </Object>\n</ProcessResults>\n</CompleteMultipartUploadResult>"
    );
    assert_eq!(r.text(), expected);
    let stored = Req::new("GET", "photos/thumb.png").send(a);
    assert_eq!(
        stored.body,
        fake_output(b"IMAGEDATA", "imageMogr2/thumbnail/200x/format/png")
    );
    assert_eq!(stored.header("Content-Type"), Some("image/png"));
    let original = Req::new("GET", key).send(a);
    assert_eq!(original.body, b"IMAGEDATA");
    assert_eq!(
        original.header("ETag"),
        Some("\"bd4231ef132bd670eba2d3200dc8d875-1\"")
    );
}

#[test]
fn put_with_pic_operations_stores_results_at_resolved_fileids() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"},{"fileid":"/out/%E7%BC%A9.webp","rule":"imageMogr2/format/webp"}]}"#;
    let r = Req::new("PUT", "p1/cat 1.jpg")
        .header("Content-Type", "image/jpeg")
        .header("Pic-Operations", ops)
        .body("JPEGBYTES")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let etag = format!("\"{}\"", md5_hex(b"JPEGBYTES"));
    assert_eq!(r.header("ETag"), Some(etag.as_str()));
    let ur = UploadResult::from_xml(&r.text()).unwrap();
    let oi = ur.original_info.as_ref().unwrap();
    assert_eq!(oi.key, "p1/cat 1.jpg");
    assert_eq!(oi.etag.len(), 42, "SHA-1 in quotes: {}", oi.etag);
    let info = oi.image_info.as_ref().unwrap();
    assert_eq!(info.format, "JPEG");
    assert_eq!(info.md5.as_deref(), Some(md5_hex(b"JPEGBYTES").as_str()));
    let keys: Vec<&str> = ur.process_results.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["p1/thumb.png", "out/缩.webp"]);
    assert_eq!(ur.process_results[0].format.as_deref(), Some("png"));
    assert_eq!(ur.process_results[1].format.as_deref(), Some("webp"));
    let out = fake_output(b"JPEGBYTES", "imageMogr2/format/webp");
    assert_eq!(ur.process_results[1].size, Some(out.len() as u64));
    assert_eq!(Req::new("GET", "out/缩.webp").send(a).body, out);
    assert_eq!(Req::new("GET", "p1/cat 1.jpg").send(a).body, b"JPEGBYTES");
    // The Python SDK's view parses.
    assert!(matches!(
        ur.to_sdk_dict(),
        ci_core::result::SdkValue::Dict(_)
    ));
}

#[test]
fn invalid_pic_operations_and_rules_are_refused_before_storing() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let r = Req::new("PUT", "bad.jpg")
        .header("Pic-Operations", "{not json")
        .body("x")
        .send(a);
    assert_error(&r, 400, "InvalidPicOperations");
    let r = Req::new("PUT", "bad.jpg")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/rotate/400"}]}"#,
        )
        .body("x")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    let r = Req::new("PUT", "bad.jpg")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"../a.png","rule":"imageInfo"}]}"#,
        )
        .body("x")
        .send(a);
    assert_error(&r, 400, "InvalidPicOperations");
    assert_eq!(Req::new("HEAD", "bad.jpg").send(a).status, 404);
    // An engine error maps to its code (the original stays stored).
    let r = Req::new("PUT", "junk.jpg")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"}]}"#,
        )
        .body("NOTANIMAGE")
        .send(a);
    assert_error(&r, 400, "InvalidImageFormat");
}

#[test]
fn download_processing_styles_and_image_process() {
    let (srv, _dir) = server_with(|c| {
        c.styles.insert(
            BUCKET.into(),
            [("small".to_owned(), "imageMogr2/thumbnail/100x".to_owned())]
                .into_iter()
                .collect(),
        );
    });
    let a = srv.addr();
    Req::new("PUT", "img.jpg").body("IMG").send(a);
    // Without '=' (Go SDK) and with '=' (Python SDK).
    let g = Req::new("GET", "img.jpg")
        .flag("imageMogr2/thumbnail/200x")
        .send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(g.body, fake_output(b"IMG", "imageMogr2/thumbnail/200x"));
    let g = Req::new("GET", "img.jpg")
        .param("imageMogr2/format/png", "")
        .send(a);
    assert_eq!(g.body, fake_output(b"IMG", "imageMogr2/format/png"));
    assert_eq!(g.header("Content-Type"), Some("image/png"));
    // Not stored.
    let list = Req::new("GET", "").send(a).text();
    assert_eq!(list.matches("<Contents>").count(), 1);
    // Style expanded before processing.
    let g = Req::new("GET", "img.jpg").flag("style/small").send(a);
    assert_eq!(g.body, fake_output(b"IMG", "imageMogr2/thumbnail/100x"));
    let g = Req::new("GET", "img.jpg").flag("style/nope").send(a);
    assert_error(&g, 400, "InvalidArgument");
    let g = Req::new("GET", "img.jpg")
        .flag("imageMogr2/rotate/400")
        .send(a);
    assert_error(&g, 400, "InvalidArgument");
    let g = Req::new("GET", "missing.jpg").flag("imageInfo").send(a);
    assert_error(&g, 404, "NoSuchKey");

    // POST ?image_process.
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"/proc/a.webp","rule":"style/small"}]}"#;
    let r = Req::new("POST", "img.jpg")
        .flag("image_process")
        .header("Pic-Operations", ops)
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let ur = UploadResult::from_xml(&r.text()).unwrap();
    assert_eq!(ur.process_results[0].key, "proc/a.webp");
    assert_eq!(
        Req::new("GET", "proc/a.webp").send(a).body,
        fake_output(b"IMG", "imageMogr2/thumbnail/100x")
    );
}

#[test]
fn ai_pic_matting_detect_url_is_limited_to_own_buckets() {
    let (srv, _dir) = server();
    let a = srv.addr();
    Req::new("PUT", "person.jpg").body("PERSON").send(a);
    let own = format!("http://{}/person.jpg", vhost());
    let r = Req::new("GET", "")
        .param("ci-process", "AIPicMatting")
        .param("detect-url", &own)
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.starts_with(b"PERSON|ci-process=AIPicMatting"));
    let r = Req::new("GET", "")
        .param("ci-process", "AIPicMatting")
        .param("detect-url", "http://example.com/x.jpg")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    // On the object itself, with options.
    let r = Req::new("GET", "person.jpg")
        .param("ci-process", "AIPicMatting")
        .param("center-layout", "1")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    // In Pic-Operations: empty <Format/>, no ImageInfo.
    let ops =
        r#"{"is_pic_info":1,"rules":[{"fileid":"cut.png","rule":"ci-process=AIPicMatting"}]}"#;
    let r = Req::new("POST", "person.jpg")
        .flag("image_process")
        .header("Pic-Operations", ops)
        .send(a);
    let ur = UploadResult::from_xml(&r.text()).unwrap();
    assert!(ur.original_info.unwrap().image_info.is_none());
    assert_eq!(ur.process_results[0].format.as_deref(), Some(""));
}

#[test]
fn without_an_engine_processing_answers_not_implemented() {
    let dir = tempdir::Dir::new();
    let mut config = ci_server::ServerConfig::new(dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.anonymous = true;
    let srv =
        ci_server::spawn_for_tests(config, std::sync::Arc::new(ci_server::UnavailableProcessor))
            .unwrap();
    let mut put = Req::new("PUT", "i.jpg").body("I");
    put.sign = false;
    put.send(srv.addr());
    let mut g = Req::new("GET", "i.jpg").flag("imageInfo");
    g.sign = false;
    let err = assert_error(&g.send(srv.addr()), 501, "NotImplemented");
    assert_eq!(err.message, "image processing engine not built");
}

#[test]
fn image_too_large_is_refused() {
    let (srv, _dir) = server_with(|c| c.limits.max_process_input = 1000);
    let a = srv.addr();
    let r = Req::new("PUT", "huge.jpg")
        .header(
            "Pic-Operations",
            r#"{"rules":[{"fileid":"a.png","rule":"imageInfo"}]}"#,
        )
        .body(vec![0u8; 2000])
        .send(a);
    assert_error(&r, 400, "ImageTooLarge");
    Req::new("PUT", "huge.jpg").body(vec![0u8; 2000]).send(a);
    let g = Req::new("GET", "huge.jpg").flag("imageInfo").send(a);
    assert_error(&g, 400, "ImageTooLarge");
}
