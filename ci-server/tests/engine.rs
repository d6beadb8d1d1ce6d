//! End to end with the real engine: PUT with Pic-Operations, GET with a rule.

mod common;

use std::sync::Arc;

use ci_core::process::{decode, DecodeOptions, Format};
use ci_core::result::UploadResult;
use common::*;

fn photo() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/photo.jpg"
    ))
    .expect("photo.jpg")
}

fn engine_server() -> (ci_server::TestServer, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let mut config = ci_server::ServerConfig::new(dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.credentials = vec![ci_server::CredentialConfig {
        secret_id: AK.into(),
        secret_key: SK.into(),
        token: None,
    }];
    config.limits.processing_concurrency = 2;
    let srv = ci_server::spawn_for_tests(config, Arc::new(ci_server::EngineProcessor::new()))
        .expect("server starts");
    (srv, dir)
}

fn decoded_size(bytes: &[u8]) -> (Format, u32, u32) {
    let d = decode(bytes, &DecodeOptions::full()).expect("stored object decodes");
    (d.probe.format, d.image().width(), d.image().height())
}

#[test]
fn put_with_pic_operations_runs_the_engine() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let ops = r#"{"is_pic_info":1,"rules":[{"fileid":"t.webp","rule":"imageMogr2/thumbnail/200x/format/webp/quality/80"},{"fileid":"v.png","rule":"imageView2/1/w/160/h/160/format/png"}]}"#;
    let r = Req::new("PUT", "in/photo.jpg")
        .header("Content-Type", "image/jpeg")
        .header("Pic-Operations", ops)
        .body(photo())
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let ur = UploadResult::from_xml(&r.text()).unwrap();
    let oi = ur.original_info.unwrap().image_info.unwrap();
    assert_eq!(
        (oi.format.as_str(), oi.width, oi.height, oi.quality),
        ("JPEG", 640, 400, Some(90))
    );
    assert_eq!(ur.process_results.len(), 2);
    let (t, v) = (&ur.process_results[0], &ur.process_results[1]);
    assert_eq!(
        (t.format.as_deref(), t.width, t.height, t.quality),
        (Some("webp"), Some(200), Some(125), Some(80))
    );
    assert_eq!(
        (v.format.as_deref(), v.width, v.height),
        (Some("png"), Some(160), Some(160))
    );
    let stored = Req::new("GET", "in/t.webp").send(a);
    assert_eq!(stored.status, 200);
    assert_eq!(t.size, Some(stored.body.len() as u64));
    assert_eq!(decoded_size(&stored.body), (Format::Webp, 200, 125));
    assert_eq!(stored.header("content-type"), Some("image/webp"));
    let stored = Req::new("GET", "in/v.png").send(a);
    assert_eq!(v.size, Some(stored.body.len() as u64));
    assert_eq!(decoded_size(&stored.body), (Format::Png, 160, 160));
}

#[test]
fn get_with_a_rule_processes_on_download() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    let r = Req::new("PUT", "p.jpg").body(photo()).send(a);
    assert_eq!(r.status, 200);
    let g = Req::new("GET", "p.jpg")
        .flag("imageMogr2/thumbnail/120x")
        .send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(decoded_size(&g.body), (Format::Jpeg, 120, 75));
    assert_eq!(g.header("content-type"), Some("image/jpeg"));
    let g = Req::new("GET", "p.jpg").flag("imageInfo").send(a);
    assert_eq!(g.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&g.body).unwrap();
    assert_eq!(v["width"].as_str(), Some("640"));
    // an engine error maps to the COS error
    let g = Req::new("GET", "p.jpg")
        .flag("imageMogr2/format/tpg")
        .send(a);
    assert_eq!(g.status, 400, "{}", g.text());
    assert!(g.text().contains("UnsupportedFormat"));
}

#[test]
fn watermark_images_come_from_the_server() {
    let (srv, _dir) = engine_server();
    let a = srv.addr();
    Req::new("PUT", "p.jpg").body(photo()).send(a);
    // the mark: a 32x32 thumbnail of the photo, stored as PNG
    let mark = ci_core::process::execute(
        &photo(),
        &ci_core::rule::ProcessingRule::parse("imageMogr2/thumbnail/32x32!/format/png").unwrap(),
        &Default::default(),
    )
    .unwrap();
    Req::new("PUT", "mark.png").body(mark.bytes).send(a);
    let url = format!("http://{BUCKET}.cos.{REGION}.myqcloud.com/mark.png");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url);
    let g = Req::new("GET", "p.jpg")
        .flag(&format!("watermark/1/image/{b64}/gravity/northwest"))
        .send(a);
    assert_eq!(g.status, 200, "{}", g.text());
    assert_eq!(decoded_size(&g.body), (Format::Jpeg, 640, 400));
    let url = format!("http://{BUCKET}.cos.{REGION}.myqcloud.com/missing.png");
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url);
    let g = Req::new("GET", "p.jpg")
        .flag(&format!("watermark/1/image/{b64}"))
        .send(a);
    assert_eq!(g.status, 400, "{}", g.text());
}
