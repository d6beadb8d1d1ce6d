//! End to end with the real engine: PUT with Pic-Operations, GET with a rule.

use std::sync::Arc;

use crate::common::*;
use ci_core::process::{decode, DecodeOptions, Format};
use ci_core::result::UploadResult;

fn photo() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/photo.jpg"
    ))
    .expect("photo.jpg")
}

fn engine_server() -> (ci_server::TestServer, tempdir::Dir) {
    engine_server_with(|_| {})
}

fn engine_server_with(
    cfg: impl FnOnce(&mut ci_server::ServerConfig),
) -> (ci_server::TestServer, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let mut config = test_config(&dir);
    cfg(&mut config);
    let engine = ci_server::EngineProcessor::for_config(&config).expect("engine config");
    let srv = ci_server::spawn_for_tests(config, Arc::new(engine)).expect("server starts");
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
    assert_eq!(stored.header("Content-Type"), Some("image/webp"));
    let stored = Req::new("GET", "in/v.png").send(a);
    assert_eq!(v.size, Some(stored.body.len() as u64));
    assert_eq!(decoded_size(&stored.body), (Format::Png, 160, 160));
}

const FONTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/fonts");

#[test]
fn text_watermarks_draw_cjk_with_the_configured_fonts() {
    // "水印" in red, 60 px, centred, with the fixture's CJK subset font by name
    let rule = "watermark/2/text/5rC05Y2w/font/RHJvaWRTYW5zRmFsbGJhY2stc3Vic2V0LnR0Zg\
                /fontsize/60/fill/I0ZGMDAwMA/gravity/center|imageMogr2/format/png";
    let mut outputs = Vec::new();
    for fonts in [None, Some(FONTS)] {
        let (srv, _dir) = engine_server_with(|c| c.fonts = fonts.map(Into::into));
        let a = srv.addr();
        assert_eq!(Req::new("PUT", "p.jpg").body(photo()).send(a).status, 200);
        let g = Req::new("GET", "p.jpg").flag(rule).send(a);
        assert_eq!(g.status, 200, "{}", g.text());
        let d = decode(&g.body, &DecodeOptions::full()).unwrap();
        outputs.push(d.image().to_rgb8());
    }
    // Without fonts the two characters are DejaVu's missing-glyph boxes; with them, the
    // glyphs: the centre differs in hundreds of pixels, and the glyphs are red there.
    let (boxes, glyphs) = (&outputs[0], &outputs[1]);
    let (mut differ, mut red) = (0, 0);
    for (b, g) in boxes.pixels().zip(glyphs.pixels()) {
        if b != g {
            differ += 1;
            if g[0] > 200 && g[1] < 80 && g[2] < 80 {
                red += 1;
            }
        }
    }
    assert!(differ > 500, "{differ} pixels differ");
    assert!(red > 200, "{red} red glyph pixels");
    // a font directory that does not exist stops the server from starting
    let mut config = ci_server::ServerConfig::new(std::env::temp_dir());
    config.fonts = Some("/nonexistent/cos-ci-fonts".into());
    assert!(ci_server::EngineProcessor::for_config(&config).is_err());
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
    assert_eq!(g.header("Content-Type"), Some("image/jpeg"));
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
