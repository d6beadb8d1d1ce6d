//! Quality resolution, formats, metadata, JSON stages, bad inputs, ignore-error.

use crate::support::*;
use ci_core::process::{image_info, ExecuteOptions, Format, Limits};

#[test]
fn quality_resolution_relative_to_input() {
    let p = corpus("photo.jpg"); // estimated quality 90
    let cases: &[(&str, u32)] = &[
        ("imageMogr2/quality/80", 80),
        ("imageMogr2/quality/95", 90),
        ("imageMogr2/quality/95!", 95),
        ("imageMogr2/rquality/50", 45),
        ("imageMogr2/lquality/95", 95),
        ("imageMogr2/lquality/50", 90),
        ("imageMogr2/thumbnail/100x/quality/60", 60),
        ("imageMogr2/rotate/90", 90),
        ("imageView2/2/w/100/q/70", 70),
        ("imageView2/2/w/100/rq/50", 45),
    ];
    for (r, want) in cases {
        let out = run_ok(&p, r);
        assert_eq!(out.info.quality, Some(*want), "{r}");
        // the encoded JPEG really has that quality
        assert_eq!(
            image_info(&out.bytes).unwrap().quality,
            Some(*want),
            "{r} (re-estimated)"
        );
    }
    // lossless output reports the input's quality (seed 001)
    let out = run_ok(&p, "imageMogr2/format/png/quality/50");
    assert_eq!(out.info.quality, Some(90));
    // progressive input q75
    let out = run_ok(
        &corpus("photo-progressive-q75.jpg"),
        "imageMogr2/quality/80",
    );
    assert_eq!(out.info.quality, Some(75));
    let out = run_ok(&corpus("photo.jpg"), "imageMogr2/format/webp/quality/80");
    assert_eq!(
        (out.info.quality, out.format),
        (Some(80), Some(Format::Webp))
    );
}

#[test]
fn chroma_subsampling_follows_quality() {
    // 4:2:0 below quality 90, full-resolution chroma from 90 up (as ImageMagick and
    // libvips choose), on both the YCbCr thumbnail path and the RGB path.
    let p = corpus("photo.jpg");
    let cases = [
        (
            "imageMogr2/thumbnail/200x/quality/85",
            turbojpeg::Subsamp::Sub2x2,
        ),
        (
            "imageMogr2/thumbnail/201x/quality/90",
            turbojpeg::Subsamp::None,
        ),
        (
            "imageMogr2/rotate/90/quality/89!",
            turbojpeg::Subsamp::Sub2x2,
        ),
        ("imageMogr2/rotate/90/quality/95!", turbojpeg::Subsamp::None),
    ];
    for (rule, want) in cases {
        let out = run_ok(&p, rule);
        let header = turbojpeg::read_header(&out.bytes).unwrap();
        assert_eq!(header.subsamp, want, "{rule}");
    }
    let odd = run_ok(&p, "imageMogr2/thumbnail/201x/quality/90");
    assert_eq!((odd.info.width, odd.info.height), (201, 126));
}

#[test]
fn format_round_trips() {
    let p = corpus("photo.jpg");
    for (name, f, ct) in [
        ("jpg", Format::Jpeg, "image/jpeg"),
        ("jpeg", Format::Jpeg, "image/jpeg"),
        ("png", Format::Png, "image/png"),
        ("gif", Format::Gif, "image/gif"),
        ("webp", Format::Webp, "image/webp"),
        ("bmp", Format::Bmp, "image/bmp"),
        ("tiff", Format::Tiff, "image/tiff"),
    ] {
        let out = run_ok(&p, &format!("imageMogr2/thumbnail/64x/format/{name}"));
        assert_eq!(Format::sniff(&out.bytes), Some(f), "{name}");
        assert_eq!((out.format, out.content_type), (Some(f), ct));
        assert_eq!(dims(&out), (64, 40));
        // and back to JPEG
        let back = run_ok(&out.bytes, "imageMogr2/format/jpg");
        assert_eq!(
            (Format::sniff(&back.bytes), dims(&back)),
            (Some(Format::Jpeg), (64, 40))
        );
    }
    let unsupported: &[&str] = if cfg!(feature = "avif") {
        &["tpg", "heif", "yjpeg"]
    } else {
        &["tpg", "heif", "yjpeg", "avif"]
    };
    for name in unsupported {
        let e = run(&p, &format!("imageMogr2/format/{name}")).unwrap_err();
        assert_eq!(e.code(), "UnsupportedFormat", "{name}");
    }
    // other inputs keep their format without `format`
    for (file, f) in [
        ("photo.png", Format::Png),
        ("photo.webp", Format::Webp),
        ("photo.bmp", Format::Bmp),
        ("photo.tiff", Format::Tiff),
        ("gray.jpg", Format::Jpeg),
        ("cmyk.jpg", Format::Jpeg),
        ("palette.png", Format::Png),
        ("gray16.png", Format::Png),
        ("alpha.webp", Format::Webp),
    ] {
        let out = run_ok(&corpus(file), "imageMogr2/thumbnail/50x");
        assert_eq!(out.format, Some(f), "{file}");
        assert_eq!(dims(&out).0, 50, "{file}");
    }
    if !cfg!(feature = "avif") {
        let e = run(&corpus("photo.avif"), "imageMogr2/thumbnail/50x").unwrap_err();
        assert_eq!(e.code(), "UnsupportedFormat");
    }
}

#[test]
fn interlace_strip_and_metadata() {
    let p = corpus("exif-camera.jpg");
    let kept = run_ok(&p, "imageMogr2/thumbnail/100x");
    assert!(
        run_ok(&kept.bytes, "exif").bytes.starts_with(b"{\"")
            && !String::from_utf8_lossy(&run_ok(&kept.bytes, "exif").bytes).contains("no exif")
    );
    let stripped = run_ok(&p, "imageMogr2/thumbnail/100x/strip");
    assert_eq!(
        run_ok(&stripped.bytes, "exif").bytes,
        br#"{"error" : "no exif data"}"#
    );
    // progressive: an SOF2 marker
    let prog = run_ok(&corpus("photo.jpg"), "imageMogr2/interlace/1");
    assert!(prog.bytes.windows(2).any(|w| w == [0xFF, 0xC2]));
    let base = run_ok(&corpus("photo.jpg"), "imageMogr2/interlace/0");
    assert!(!base.bytes.windows(2).any(|w| w == [0xFF, 0xC2]));
}

#[test]
fn json_stages() {
    let p = corpus("photo.jpg");
    let out = run_ok(&p, "imageInfo");
    assert_eq!((out.format, out.content_type), (None, "application/json"));
    let v: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    assert_eq!(
        (v["width"].as_str(), v["height"].as_str()),
        (Some("640"), Some("400"))
    );
    let out = run_ok(&p, "imageMogr2/thumbnail/100x|imageInfo");
    let v: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    assert_eq!(
        (v["width"].as_str(), v["height"].as_str()),
        (Some("100"), Some("63"))
    );
    let out = run_ok(&p, "imageAve");
    assert!(String::from_utf8(out.bytes)
        .unwrap()
        .starts_with("{\"RGB\":\"0x"));
    let e = run(&p, "imageInfo|imageMogr2/thumbnail/10x").unwrap_err();
    assert_eq!(e.code(), "InvalidArgument");
    let e = run(&p, "style/small").unwrap_err();
    assert_eq!(e.code(), "InvalidArgument");
    assert!(e.to_string().contains("style needs a bucket"));
    // with a style resolver
    let styles =
        |name: &str| -> Result<ci_core::rule::ProcessingRule, ci_core::process::ProcessError> {
            assert_eq!(name, "small");
            Ok(rule("imageMogr2/thumbnail/64x"))
        };
    let opts = ExecuteOptions {
        style_resolver: Some(&styles),
        ..ExecuteOptions::default()
    };
    let out = ci_core::process::execute(&p, &rule("style/small"), &opts).unwrap();
    assert_eq!(dims(&out), (64, 40));
}

#[test]
fn every_bad_input_is_a_typed_error() {
    for (file, code) in [
        ("bad/bomb-256mp.png", "ImageResolutionExceed"),
        ("bad/wide-30001px.png", "ImageResolutionExceed"),
        ("bad/truncated.jpg", "InvalidImageFormat"),
        ("bad/not-an-image.jpg", "InvalidImageFormat"),
        ("bad/empty.png", "InvalidImageFormat"),
        ("bad/bad-crc.png", "InvalidImageFormat"),
    ] {
        for r in [
            "imageMogr2/thumbnail/100x",
            "imageView2/1/w/50",
            "imageInfo",
            "imageMogr2/format/png",
        ] {
            let e = run(&corpus(file), r).unwrap_err();
            assert_eq!(e.code(), code, "{file} {r}: {e}");
        }
    }
    // input over the byte limit
    let opts = ExecuteOptions {
        limits: Limits {
            max_input_bytes: 1000,
            ..Limits::default()
        },
        ..ExecuteOptions::default()
    };
    let e = ci_core::process::execute(
        &corpus("photo.jpg"),
        &rule("imageMogr2/thumbnail/10x"),
        &opts,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ImageTooLarge");
}

#[test]
fn ignore_error_returns_the_input_on_limit_errors() {
    let bomb = corpus("bad/bomb-256mp.png");
    let out = run_ok(&bomb, "imageMogr2/thumbnail/100x/ignore-error/1");
    assert_eq!(out.bytes, bomb);
    let p = corpus("photo.jpg");
    let out = run_ok(&p, "imageMogr2/thumbnail/x9999/ignore-error/1");
    assert_eq!(out.bytes, p);
    assert_eq!((out.info.width, out.info.height), (640, 400));
    // not a limit error: still an error
    let e = run(
        &corpus("bad/truncated.jpg"),
        "imageMogr2/thumbnail/100x/ignore-error/1",
    )
    .unwrap_err();
    assert_eq!(e.code(), "InvalidImageFormat");
}

#[test]
fn size_limit() {
    let p = corpus("photo.jpg");
    let out = run_ok(&p, "imageMogr2/size-limit/15k");
    assert!(out.bytes.len() <= 15 * 1024, "{}", out.bytes.len());
    let q = out.info.quality.unwrap();
    assert!(q < 90);
    // one quality step up no longer fits (highest quality that fits)
    let up = run_ok(&p, &format!("imageMogr2/quality/{}!", q + 1));
    assert!(up.bytes.len() > 15 * 1024);
    // `!`: the input when the output is not smaller
    let tiny = run_ok(&p, "imageMogr2/thumbnail/64x");
    let out = run_ok(&tiny.bytes, "imageMogr2/quality/100!/size-limit/1m!");
    assert_eq!(out.bytes, tiny.bytes);
}

#[test]
fn execute_many_runs_rules_in_parallel() {
    let p = corpus("photo.jpg");
    let rules = [
        rule("imageMogr2/thumbnail/200x/format/webp/quality/80"),
        rule("imageView2/1/w/160/h/160/format/png"),
        rule("imageInfo"),
        rule("imageMogr2/format/tpg"),
    ];
    let outs = ci_core::process::execute_many(&p, &rules, &ExecuteOptions::default());
    assert_eq!(outs.len(), 4);
    let a = outs[0].as_ref().unwrap();
    assert_eq!(
        (dims(a), a.format, a.info.quality),
        ((200, 125), Some(Format::Webp), Some(80))
    );
    assert_eq!(dims(outs[1].as_ref().unwrap()), (160, 160));
    assert_eq!(outs[2].as_ref().unwrap().format, None);
    assert_eq!(outs[3].as_ref().unwrap_err().code(), "UnsupportedFormat");
}

#[test]
fn execute_many_applies_ignore_error_per_rule() {
    let bomb = corpus("bad/bomb-256mp.png");
    let rules = [
        rule("imageMogr2/thumbnail/100x/ignore-error/1"),
        rule("imageMogr2/thumbnail/100x"),
    ];
    let outs = ci_core::process::execute_many(&bomb, &rules, &ExecuteOptions::default());
    assert_eq!(outs[0].as_ref().unwrap().bytes, bomb);
    assert_eq!(
        outs[1].as_ref().unwrap_err().code(),
        "ImageResolutionExceed"
    );
}

/// Over 1 MP, a baseline JPEG with a restart marker at every MCU row is thumbnailed from
/// strips decoded in parallel (ci-jpeg); the same image encoded without restart markers
/// (the same coefficients) is decoded serially. The thumbnails must be the same bytes.
#[test]
fn restart_marked_jpeg_thumbnails_as_the_same_image_without_markers() {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    let (w, h) = (1536u16, 1024u16);
    let mut px = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    let mut seed = 0x2545_f491u32;
    for y in 0..u32::from(h) {
        for x in 0..u32::from(w) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed & 0x1f) as u8;
            px.extend_from_slice(&[
                ((x * 255) / u32::from(w)) as u8 ^ noise,
                ((y * 255) / u32::from(h)) as u8,
                (((x + y) * 127) / u32::from(w)) as u8 ^ (noise >> 1),
            ]);
        }
    }
    let encode = |restart: u16| {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, 85);
        enc.set_sampling_factor(SamplingFactor::R_4_2_0);
        enc.set_restart_interval(restart);
        enc.encode(&px, w, h, ColorType::Rgb).expect("encodes");
        out
    };
    let plain = encode(0);
    let marked = encode(w.div_ceil(16));
    assert!(marked.windows(2).any(|m| m == [0xFF, 0xD3]), "RST markers");
    assert!(!plain.windows(2).any(|m| m == [0xFF, 0xDD]), "no DRI");
    for (r, size) in [
        ("imageMogr2/thumbnail/400x", (400, 267)),
        ("imageMogr2/thumbnail/200x/quality/95", (200, 133)),
        ("imageMogr2/thumbnail/1000x", (1000, 667)),
    ] {
        let serial = run_ok(&plain, r);
        let parallel = run_ok(&marked, r);
        assert_eq!(dims(&parallel), size, "{r}");
        assert!(serial.bytes == parallel.bytes, "{r}: thumbnails differ");
    }
}
