//! The cloud's image API with the real engine, byte for byte: imageInspect, QR codes
//! (recognise, cover, generate, the upload-time rule), imageInfo / exif / imageAve,
//! download compression, stages the engine does not run; and ci-core's client calls of
//! the same names against it.

use std::sync::Arc;

use base64::Engine as _;
use ci_core::client::{CiProcessData, CosClient, CosConfig};
use ci_core::result::{
    AddStyle, ImageInspectResult, QrCodeGenerateResult, QrCodeResponse, SdkValue, UploadResult,
};

use crate::common::*;

const DECL: &str = "<?xml version='1.0' encoding='utf-8' ?>\n";
const CODE_TEXT: &str = "https://example.com/cos-ci";

fn photo() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/photo.jpg"
    ))
    .expect("photo.jpg")
}

fn engine_server() -> (ci_server::TestServer, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let config = test_config(&dir);
    let engine = ci_server::EngineProcessor::for_config(&config).expect("engine config");
    let srv = ci_server::spawn_for_tests(config, Arc::new(engine)).expect("server starts");
    (srv, dir)
}

fn put(a: std::net::SocketAddr, key: &str, body: &[u8]) {
    let r = Req::new("PUT", key).body(body.to_vec()).send(a);
    assert_eq!(r.status, 200, "{key}: {}", r.text());
}

/// `GET /?ci-process=qrcode-generate`: the PNG, from the `<Response>` checked byte for
/// byte around its Base64.
fn generate(a: std::net::SocketAddr, text: &str, width: &str) -> Vec<u8> {
    let r = Req::new("GET", "")
        .param("ci-process", "qrcode-generate")
        .param("qrcode-content", text)
        .param("width", width)
        .param("mode", "0")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    let body = r.text();
    let b64 = body
        .strip_prefix(&format!("{DECL}<Response>\n<ResultImage>"))
        .and_then(|rest| rest.strip_suffix("</ResultImage>\n</Response>"))
        .unwrap_or_else(|| panic!("not the generator's answer: {body}"));
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("standard Base64 with padding")
}

#[test]
fn image_inspect_answers_the_clouds_json() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let clean = photo();
    put(a, "in/clean.jpg", &clean);
    let mut hidden = clean.clone();
    hidden.extend_from_slice(b"PK\x03\x04 an archive follows, long enough to matter");
    put(a, "in/hidden.jpg", &hidden);
    put(a, "in/notes.txt", b"not an image at all");
    for params in [
        vec![("imageInspect", "")],
        vec![("ci-process", "ImageInspect")],
    ] {
        let mut req = Req::new("GET", "in/clean.jpg");
        for (k, v) in &params {
            req = req.param(k, v);
        }
        let r = req.send(a);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(
            r.text(),
            format!(
                r#"{{"picSize":{},"picType":"jpeg","suspicious":false}}"#,
                clean.len()
            )
        );
    }
    let r = Req::new("GET", "in/hidden.jpg")
        .flag("imageInspect")
        .send(a);
    assert_eq!(
        r.text(),
        format!(
            r#"{{"picSize":{},"picType":"jpeg","suspicious":true,"suspiciousBeginByte":{},"suspiciousEndByte":{},"suspiciousSize":{},"suspiciousType":"ZIP"}}"#,
            hidden.len(),
            clean.len(),
            hidden.len() - 1,
            hidden.len() - clean.len()
        )
    );
    let err = assert_error(
        &Req::new("GET", "in/notes.txt").flag("imageInspect").send(a),
        400,
        "InvalidImageFormat",
    );
    assert!(err.message.contains("neither an image"), "{}", err.message);
    assert_error(
        &Req::new("GET", "in/missing.jpg")
            .flag("imageInspect")
            .send(a),
        404,
        "NoSuchKey",
    );
}

#[test]
fn qr_codes_are_generated_recognised_and_covered() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let png = generate(a, CODE_TEXT, "210");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    put(a, "qr/code.png", &png);
    put(a, "qr/photo.jpg", &photo());

    // 25 modules + 8 quiet ones, 6 px each, centred in 210 px: corners at 30 and 186.
    let found = format!(
        "{DECL}<Response>\n<CodeStatus>1</CodeStatus>\n<QRcodeInfo>\n<CodeUrl>{CODE_TEXT}</CodeUrl>\n\
         <CodeLocation>\n<Point>30,30</Point>\n<Point>186,30</Point>\n<Point>186,186</Point>\n\
         <Point>30,186</Point>\n</CodeLocation>\n</QRcodeInfo>\n</Response>"
    );
    // The Python SDK always sends bar-type; the Go SDK never does.
    let r = Req::new("GET", "qr/code.png")
        .param("ci-process", "QRcode")
        .param("cover", "0")
        .param("bar-type", "0")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    assert_eq!(r.text(), found);
    let r = Req::new("GET", "qr/code.png")
        .param("ci-process", "QRcode")
        .param("cover", "0")
        .send(a);
    assert_eq!(r.text(), found);

    // cover=1: the same codes, and the image with a mosaic over them, Base64.
    let r = Req::new("GET", "qr/code.png")
        .param("ci-process", "QRcode")
        .param("cover", "1")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = QrCodeResponse::from_xml(&r.text()).unwrap();
    assert_eq!(answer.code_status, 1);
    assert_eq!(answer.qr_code_info[0].code_url, CODE_TEXT);
    let covered = ci_core::result::decode_result_image(answer.result_image.as_deref().unwrap())
        .expect("Base64");
    assert_eq!(&covered[..8], b"\x89PNG\r\n\x1a\n");
    assert!(ci_core::process::recognise(&covered).unwrap().is_empty());

    // No code: CodeStatus 0 and nothing else.
    let r = Req::new("GET", "qr/photo.jpg")
        .param("ci-process", "QRcode")
        .param("cover", "0")
        .send(a);
    assert_eq!(
        r.text(),
        format!("{DECL}<Response>\n<CodeStatus>0</CodeStatus>\n</Response>")
    );

    // Refusals.
    let qr = |params: &[(&str, &str)]| {
        let mut req = Req::new("GET", "qr/code.png").param("ci-process", "QRcode");
        for (k, v) in params {
            req = req.param(k, v);
        }
        req.send(a)
    };
    assert_error(&qr(&[("cover", "2")]), 400, "InvalidArgument");
    assert_error(&qr(&[("bar-type", "7")]), 400, "InvalidArgument");
    let err = assert_error(&qr(&[("bar-type", "2")]), 501, "NotImplemented");
    assert!(err.message.contains("QRcode/bar-type/2"), "{}", err.message);
    let gen = |params: &[(&str, &str)]| {
        let mut req = Req::new("GET", "").param("ci-process", "qrcode-generate");
        for (k, v) in params {
            req = req.param(k, v);
        }
        req.send(a)
    };
    for bad in [
        vec![("width", "100")],
        vec![("qrcode-content", "x"), ("width", "abc")],
        vec![("qrcode-content", "x"), ("width", "100"), ("mode", "3")],
        vec![("qrcode-content", "x"), ("width", "10")],
    ] {
        assert_error(&gen(&bad), 400, "InvalidArgument");
    }
    // A barcode (mode 1): a PNG a third as high as wide.
    let r = gen(&[
        ("qrcode-content", "COS-CI"),
        ("width", "300"),
        ("mode", "1"),
    ]);
    let bar = QrCodeGenerateResult::from_xml(&r.text())
        .unwrap()
        .image()
        .unwrap();
    let d = ci_core::process::decode(&bar, &ci_core::process::DecodeOptions::full()).unwrap();
    assert_eq!((d.image().width(), d.image().height()), (300, 100));
}

#[test]
fn the_qrcode_rule_on_upload_reports_codes_in_process_results() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let png = generate(a, CODE_TEXT, "210");
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"covered.png","rule":"QRcode/cover/1"},{"fileid":"read.png","rule":"QRcode/cover/0"}]}"#;
    let r = Req::new("PUT", "up/code.png")
        .header("Pic-Operations", ops)
        .body(png.clone())
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let codes = format!(
        "<CodeStatus>1</CodeStatus>\n<QRcodeInfo>\n<CodeUrl>{CODE_TEXT}</CodeUrl>\n<CodeLocation>\n\
         <Point>30,30</Point>\n<Point>186,30</Point>\n<Point>186,186</Point>\n<Point>30,186</Point>\n\
         </CodeLocation>\n</QRcodeInfo>\n</Object>"
    );
    assert_eq!(text.matches(&codes).count(), 2, "{text}");
    let ur = UploadResult::from_xml(&text).unwrap();
    let (covered, read) = (&ur.process_results[0], &ur.process_results[1]);
    assert_eq!(
        (covered.key.as_str(), covered.code_status),
        ("up/covered.png", Some(1))
    );
    assert_eq!(read.qr_code_info[0].code_location.points.len(), 4);
    // The covered result is stored covered; the read-only one is the upload itself.
    let stored = Req::new("GET", "up/covered.png").send(a).body;
    assert!(ci_core::process::recognise(&stored).unwrap().is_empty());
    assert_eq!(Req::new("GET", "up/read.png").send(a).body, png);
    // As the Python SDK reads it: one code is a dict.
    let dict = ur.to_sdk_dict();
    let object = dict
        .get("ProcessResults")
        .and_then(|p| p.get("Object"))
        .unwrap();
    assert!(matches!(object, SdkValue::List(_)), "{object:?}");
    // A photograph without a code: CodeStatus 0, no QRcodeInfo.
    let ops = r#"{"is_pic_info":0,"rules":[{"fileid":"none.jpg","rule":"QRcode/cover/0"}]}"#;
    let r = Req::new("PUT", "up/photo.jpg")
        .header("Pic-Operations", ops)
        .body(photo())
        .send(a);
    assert!(
        r.text().contains("<CodeStatus>0</CodeStatus>\n</Object>"),
        "{}",
        r.text()
    );
}

#[test]
fn image_info_exif_and_ave_answer_the_documented_json() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let jpeg = photo();
    put(a, "info/photo.jpg", &jpeg);
    let r = Req::new("GET", "info/photo.jpg")
        .param("imageInfo", "")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.header("Content-Length"),
        Some(r.body.len().to_string().as_str())
    );
    let info: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let obj = info.as_object().unwrap();
    assert!(obj.values().all(serde_json::Value::is_string), "{info}");
    assert_eq!(info["width"], "640");
    assert_eq!(info["height"], "400");
    assert_eq!(info["size"], jpeg.len().to_string());
    assert_eq!(info["md5"], md5_hex(&jpeg));
    assert_eq!(info["frame_count"], "1");
    // Byte for byte the engine's answer.
    let expected = ci_core::process::image_info_json(&jpeg, &Default::default()).unwrap();
    assert_eq!(r.text(), expected);
    // No EXIF in this photograph: the cloud's own answer.
    let r = Req::new("GET", "info/photo.jpg").flag("exif").send(a);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.text(), r#"{"error" : "no exif data"}"#);
    let r = Req::new("GET", "info/photo.jpg")
        .param("imageAve", "")
        .send(a);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    // The engine's mean colour of the photograph, `0x` and six hex digits.
    let expected = ci_core::process::image_ave_json(&jpeg, &Default::default()).unwrap();
    assert_eq!(r.text(), expected);
    assert_eq!(expected, r#"{"RGB":"0x787590"}"#);
}

#[test]
fn download_compression_and_unsupported_formats_and_stages() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    put(a, "c/photo.jpg", &photo());
    for (format, mime, magic) in [
        ("avif", "image/avif", &b"ftypavif"[..]),
        ("webp", "image/webp", b"WEBP"),
    ] {
        let r = Req::new("GET", "c/photo.jpg")
            .param(&format!("imageMogr2/format/{format}"), "")
            .send(a);
        assert_eq!(r.status, 200, "{format}: {}", r.text());
        assert_eq!(r.header("Content-Type"), Some(mime));
        assert!(
            r.body[..16].windows(magic.len()).any(|w| w == magic),
            "{format}"
        );
    }
    for format in ["tpg", "heif"] {
        let r = Req::new("GET", "c/photo.jpg")
            .param(&format!("imageMogr2/format/{format}"), "")
            .send(a);
        let err = assert_error(&r, 400, "UnsupportedFormat");
        assert!(err.message.contains(format), "{}", err.message);
    }
    // Stages the engine does not run: 501 naming the stage, and nothing stored (the
    // upload included).
    let listing = |a| Req::new("GET", "").send(a).text();
    let before = listing(a);
    for (rule, named) in [
        ("imageSlim", "imageSlim"),
        (
            "imageMogr2/thumbnail/100x/indexcrop/1/50",
            "imageMogr2/indexcrop",
        ),
        ("watermark/3/type/3/text/VGVuY2VudA", "watermark/3"),
    ] {
        let ops = format!(
            r#"{{"rules":[{{"fileid":"ok.jpg","rule":"imageMogr2/thumbnail/100x"}},{{"fileid":"no.jpg","rule":"{rule}"}}]}}"#
        );
        let r = Req::new("PUT", "c/new.jpg")
            .header("Pic-Operations", &ops)
            .body(photo())
            .send(a);
        let err = assert_error(&r, 501, "NotImplemented");
        assert!(err.message.contains(named), "{rule}: {}", err.message);
        assert!(err.message.contains("\"no.jpg\""), "{}", err.message);
        let r = Req::new("POST", "c/photo.jpg")
            .flag("image_process")
            .header("Pic-Operations", &ops)
            .send(a);
        assert_error(&r, 501, "NotImplemented");
    }
    assert_eq!(listing(a), before);
    let r = Req::new("GET", "c/photo.jpg")
        .flag("imageMogr2/thumbnail/100x/indexcrop/1/50")
        .send(a);
    let err = assert_error(&r, 501, "NotImplemented");
    assert!(
        err.message.contains("imageMogr2/indexcrop"),
        "{}",
        err.message
    );
}

fn client(a: std::net::SocketAddr) -> CosClient {
    let config = CosConfig::new(REGION, AK, SK).with_ip_port(a.ip().to_string(), a.port());
    let mut config = config;
    config.scheme = "http".into();
    CosClient::new(config).unwrap()
}

#[test]
fn ci_core_client_calls_by_the_sdks_names() {
    let (srv, dir) = engine_server();
    let a = srv.addr();
    let c = client(a);
    // Styles, on the pic host (the server takes them on any host naming the bucket).
    assert_eq!(
        c.pic_host(BUCKET),
        format!("{BUCKET}.pic.{REGION}.myqcloud.com")
    );
    c.ci_put_image_style(BUCKET, &AddStyle::new("thumb", "imageMogr2/thumbnail/64x"))
        .unwrap();
    c.ci_put_image_style(BUCKET, &AddStyle::new("gray", "imageMogr2/grayscale/1"))
        .unwrap();
    let (_, all) = c.ci_get_image_style(BUCKET, None).unwrap();
    assert_eq!(all.style_rule.len(), 2);
    let (_, one) = c.ci_get_image_style(BUCKET, Some("thumb")).unwrap();
    assert_eq!(one.style_rule.len(), 1);
    assert_eq!(one.body_of("thumb"), Some("imageMogr2/thumbnail/64x"));
    c.ci_delete_image_style(BUCKET, "gray").unwrap();
    assert_eq!(
        c.ci_get_image_style(BUCKET, Some("gray"))
            .unwrap()
            .1
            .style_rule,
        vec![]
    );
    // A malformed rule is refused before sending.
    assert!(c
        .ci_put_image_style(BUCKET, &AddStyle::new("bad", "imageMogr2/rotate/400"))
        .is_err());

    put(a, "cl/photo.jpg", &photo());
    let (_, report) = c.ci_image_inspect(BUCKET, "cl/photo.jpg").unwrap();
    assert_eq!(
        report,
        ImageInspectResult::clean(photo().len() as u64, "jpeg")
    );

    let (_, gen) = c.ci_qrcode_generate(BUCKET, CODE_TEXT, 210, 0).unwrap();
    put(a, "cl/code.png", &gen.image().unwrap());
    let (_, found) = c
        .ci_get_object_qrcode(BUCKET, "cl/code.png", false, 0)
        .unwrap();
    assert_eq!(
        (found.code_status, found.qr_code_info[0].code_url.as_str()),
        (1, CODE_TEXT)
    );
    assert_eq!(found.result_image, None);
    let (_, covered) = c
        .ci_get_object_qrcode(BUCKET, "cl/code.png", true, 0)
        .unwrap();
    assert!(covered.result_image.is_some());

    let (_, info) = c.ci_get_image_info(BUCKET, "cl/photo.jpg").unwrap();
    assert_eq!((info.width_px(), info.height_px()), (Some(640), Some(400)));
    assert_eq!(info.size_bytes(), Some(photo().len() as u64));
    let (_, exif) = c.ci_get_image_exif_info(BUCKET, "cl/photo.jpg").unwrap();
    assert_eq!(exif.error.as_deref(), Some("no exif data"));
    let (_, ave) = c.ci_get_image_ave_info(BUCKET, "cl/photo.jpg").unwrap();
    assert!(ave.rgb().is_some(), "{ave:?}");

    let out = dir.path().join("compressed.webp");
    let h = c
        .ci_download_compress_image(BUCKET, "cl/photo.jpg", &out, "webp")
        .unwrap();
    assert_eq!(h.get("content-type"), Some("image/webp"));
    assert_eq!(&std::fs::read(&out).unwrap()[8..12], b"WEBP");
    let err = c
        .ci_download_compress_image(BUCKET, "cl/photo.jpg", &out, "tpg")
        .unwrap_err();
    assert_eq!(
        err.as_service().map(|s| s.code.as_str()),
        Some("UnsupportedFormat")
    );
    let out = dir.path().join("styled.jpg");
    c.ci_get_object(BUCKET, "cl/photo.jpg", &out, "style/thumb")
        .unwrap();
    let d = ci_core::process::decode(
        &std::fs::read(&out).unwrap(),
        &ci_core::process::DecodeOptions::full(),
    )
    .unwrap();
    assert_eq!(d.image().width(), 64);

    // ci_process: typed by the answer's Content-Type, as the Python SDK types it.
    let (_, xml) = c
        .ci_process(BUCKET, "cl/code.png", "QRcode", &[("cover", "0")])
        .unwrap();
    match xml {
        CiProcessData::Xml(d) => {
            assert_eq!(d.get("CodeStatus").and_then(SdkValue::as_str), Some("1"))
        }
        other => panic!("{other:?}"),
    }
    let (_, json) = c
        .ci_process(BUCKET, "cl/photo.jpg", "ImageInspect", &[])
        .unwrap();
    assert!(
        matches!(json, CiProcessData::Json(ref v) if v["suspicious"] == false),
        "{json:?}"
    );
    let (h, bytes) = c
        .ci_process(BUCKET, "cl/photo.jpg", "AIPicMatting", &[])
        .unwrap();
    assert_eq!(h.get("content-type"), Some("image/png"));
    assert!(matches!(bytes, CiProcessData::Bytes(ref b) if b.starts_with(b"\x89PNG")));
}
