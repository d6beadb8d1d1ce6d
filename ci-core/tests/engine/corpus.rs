//! Engine tests against the corpus in `tests/fixtures/corpus/`.

use std::time::{Duration, Instant};

use crate::support::corpus;
use ci_core::process::{
    self, decode, encode, encode_frames, image_info, DecodeOptions, EncodeOptions, Format,
    ProcessError,
};

/// (file, format, width, height, frames)
const FILES: &[(&str, Format, u32, u32, u32)] = &[
    ("photo.jpg", Format::Jpeg, 640, 400, 1),
    ("photo-progressive-q75.jpg", Format::Jpeg, 1024, 640, 1),
    ("gray.jpg", Format::Jpeg, 0, 0, 1),
    ("cmyk.jpg", Format::Jpeg, 0, 0, 1),
    ("exif-camera.jpg", Format::Jpeg, 0, 0, 1),
    ("orient-1.jpg", Format::Jpeg, 300, 200, 1),
    ("subject-plain-bg.jpg", Format::Jpeg, 0, 0, 1),
    ("photo.png", Format::Png, 0, 0, 1),
    ("palette.png", Format::Png, 0, 0, 1),
    ("gray16.png", Format::Png, 0, 0, 1),
    ("alpha.png", Format::Png, 0, 0, 1),
    ("photo.webp", Format::Webp, 0, 0, 1),
    ("photo-lossless.webp", Format::Webp, 0, 0, 1),
    ("alpha.webp", Format::Webp, 0, 0, 1),
    ("photo.bmp", Format::Bmp, 0, 0, 1),
    ("photo.tiff", Format::Tiff, 0, 0, 1),
    ("anim.gif", Format::Gif, 0, 0, 8),
    ("anim.webp", Format::Webp, 0, 0, 4),
];

#[test]
fn every_corpus_file_decodes_with_its_header_dimensions() {
    for &(name, fmt, w, h, frames) in FILES {
        let bytes = corpus(name);
        let p = process::probe(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.format, fmt, "{name}");
        assert_eq!(p.frames, frames, "{name} frame count");
        if w != 0 {
            assert_eq!((p.width, p.height), (w, h), "{name}");
        }
        let d = decode(&bytes, &DecodeOptions::full()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.frames.len() as u32, frames, "{name} decoded frames");
        for f in &d.frames {
            assert_eq!(
                (f.image.width(), f.image.height()),
                (p.width, p.height),
                "{name}"
            );
        }
    }
}

#[test]
fn animations_keep_their_delays() {
    for name in ["anim.gif", "anim.webp"] {
        let d = decode(&corpus(name), &DecodeOptions::full()).expect(name);
        assert!(d.frames.iter().all(|f| f.delay_ms > 0), "{name}");
    }
}

#[test]
#[cfg(not(feature = "avif"))]
fn avif_probes_but_does_not_decode() {
    let bytes = corpus("photo.avif");
    let p = process::probe(&bytes).expect("probe");
    assert_eq!(p.format, Format::Avif);
    assert!(p.width > 0 && p.height > 0);
    let e = decode(&bytes, &DecodeOptions::full()).expect_err("no AV1 decoder");
    assert!(matches!(e, ProcessError::UnsupportedFormat(_)), "{e}");
    let info = image_info(&bytes).expect("info without Ave");
    assert_eq!(info.format, "AVIF");
    assert_eq!(info.ave, None);
}

#[test]
fn quality_estimates_match_imagemagick() {
    assert_eq!(
        image_info(&corpus("photo.jpg")).expect("info").quality,
        Some(90)
    );
    assert_eq!(
        image_info(&corpus("photo-progressive-q75.jpg"))
            .expect("info")
            .quality,
        Some(75)
    );
    assert_eq!(
        image_info(&corpus("photo.png")).expect("info").quality,
        Some(100)
    );
}

#[test]
fn dpi_from_the_file_or_72() {
    let i = image_info(&corpus("exif-camera.jpg")).expect("info");
    assert_eq!((i.horizontal_dpi, i.vertical_dpi), (Some(300), Some(300)));
    let i = image_info(&corpus("photo.jpg")).expect("info");
    assert_eq!((i.horizontal_dpi, i.vertical_dpi), (Some(72), Some(72)));
}

#[test]
fn orientation_values() {
    for o in 1..=8u32 {
        let i = image_info(&corpus(&format!("orient-{o}.jpg"))).expect("info");
        assert_eq!(i.orientation, Some(o), "orient-{o}.jpg");
    }
    assert_eq!(
        image_info(&corpus("photo.png")).expect("info").orientation,
        Some(0)
    );
}

#[test]
fn auto_orient_puts_the_red_block_top_left() {
    for o in 1..=8u32 {
        let d = decode(
            &corpus(&format!("orient-{o}.jpg")),
            &DecodeOptions::default(),
        )
        .expect("decode");
        let mut img = d.image().clone();
        process::auto_orient(&mut img, d.meta.orientation);
        let rgb = img.to_rgb8();
        let p = rgb.get_pixel(5, 5);
        assert!(p[0] > 180 && p[1] < 90 && p[2] < 90, "orient-{o}: {p:?}");
    }
}

#[test]
fn image_info_fields() {
    let bytes = corpus("photo.jpg");
    let i = image_info(&bytes).expect("info");
    assert_eq!(i.format, "JPEG");
    assert_eq!(i.md5.as_deref().map(str::len), Some(32));
    assert_eq!(i.frame_count, Some(1));
    assert_eq!(i.bit_depth, Some(8));
    let ave = i.ave.expect("ave");
    assert!(ave.starts_with("0x") && ave.len() == 8, "{ave}");
    assert_eq!(
        image_info(&corpus("gray16.png")).expect("info").bit_depth,
        Some(16)
    );
    assert_eq!(
        image_info(&corpus("anim.gif")).expect("info").frame_count,
        Some(8)
    );
    // the 1/8 decode gives about the same mean colour as the full one
    let full = decode(&bytes, &DecodeOptions::full()).expect("decode");
    let a = process::average_color(full.image());
    let chan = |s: &str, k: usize| i64::from_str_radix(&s[2 + 2 * k..4 + 2 * k], 16).unwrap_or(-99);
    for k in 0..3 {
        assert!((chan(&a, k) - chan(&ave, k)).abs() <= 2, "{a} vs {ave}");
    }
    // cmyk.jpg is photo.jpg in CMYK: after conversion the mean colour matches
    // (Pillow: 120,117,144 for both)
    let c = image_info(&corpus("cmyk.jpg"))
        .expect("info")
        .ave
        .expect("ave");
    for k in 0..3 {
        assert!((chan(&c, k) - chan(&ave, k)).abs() <= 3, "{c} vs {ave}");
    }
}

#[test]
fn json_answers() {
    let l = process::Limits::default();
    let j: serde_json::Value =
        serde_json::from_str(&process::image_info_json(&corpus("photo.jpg"), &l).expect("json"))
            .expect("valid json");
    assert_eq!(j["format"], "jpeg", "the cloud's imageInfo name of JPEG");
    assert_eq!(j["width"], "640");
    assert_eq!(j["height"], "400");
    assert_eq!(j["size"], "55130");
    assert_eq!(j["frame_count"], "1");
    assert_eq!(j["orientation"], "0");
    let ave = process::image_ave_json(&corpus("photo.jpg"), &l).expect("ave");
    assert!(ave.starts_with("{\"RGB\":\"0x"), "{ave}");
    let ex: serde_json::Value =
        serde_json::from_str(&process::exif_json(&corpus("exif-camera.jpg"), &l).expect("exif"))
            .expect("valid json");
    assert_eq!(ex["Make"]["type"], 2);
    assert!(
        ex["Make"]["val"].as_str().is_some_and(|s| !s.is_empty()),
        "{ex}"
    );
    assert_eq!(
        process::exif_json(&corpus("photo.png"), &l).expect("exif"),
        r#"{"error" : "no exif data"}"#
    );
}

#[test]
fn round_trips_keep_dimensions() {
    let src = decode(&corpus("photo.png"), &DecodeOptions::default()).expect("decode");
    let alpha = decode(&corpus("alpha.png"), &DecodeOptions::default()).expect("decode");
    let gray16 = decode(&corpus("gray16.png"), &DecodeOptions::default()).expect("decode");
    let cases = [
        EncodeOptions::new(Format::Jpeg).quality(80),
        EncodeOptions::new(Format::Jpeg)
            .quality(80)
            .progressive(true),
        EncodeOptions::new(Format::Png),
        EncodeOptions::new(Format::Gif),
        EncodeOptions::new(Format::Webp).quality(75),
        EncodeOptions::new(Format::Webp).lossless(true),
        EncodeOptions::new(Format::Bmp),
        EncodeOptions::new(Format::Tiff),
    ];
    for img in [src.image(), alpha.image(), gray16.image()] {
        for o in &cases {
            let out = encode(img, o).unwrap_or_else(|e| panic!("{o:?}: {e}"));
            let back =
                decode(&out, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{o:?}: {e}"));
            assert_eq!(back.probe.format, o.format);
            assert_eq!(
                (back.image().width(), back.image().height()),
                (img.width(), img.height())
            );
        }
    }
    // exact JPEG quality and progressive flag
    let q = encode(
        src.image(),
        &EncodeOptions::new(Format::Jpeg)
            .quality(63)
            .progressive(true),
    )
    .expect("jpeg");
    let d = decode(&q, &DecodeOptions::default()).expect("decode");
    assert_eq!(d.meta.jpeg_quality, Some(63));
    assert!(d.meta.progressive);
}

#[test]
fn animations_round_trip() {
    for (name, fmt, n) in [("anim.gif", Format::Gif, 8), ("anim.webp", Format::Webp, 4)] {
        let d = decode(&corpus(name), &DecodeOptions::full()).expect(name);
        for out_fmt in [Format::Gif, Format::Webp] {
            let out = encode_frames(&d.frames, &EncodeOptions::new(out_fmt)).expect("encode");
            let back = decode(&out, &DecodeOptions::full()).expect("decode");
            assert_eq!(back.probe.format, out_fmt);
            assert_eq!(back.frames.len(), n, "{name} -> {out_fmt:?}");
        }
        let _ = fmt;
    }
}

#[test]
fn shrink_on_load() {
    let bytes = corpus("photo-progressive-q75.jpg"); // 1024x640
    let d = decode(&bytes, &DecodeOptions::at_least(200, 100)).expect("decode");
    assert_eq!(d.shrink, 4);
    assert_eq!((d.image().width(), d.image().height()), (256, 160));
    let d = decode(&bytes, &DecodeOptions::at_least(1, 1)).expect("decode");
    assert_eq!((d.shrink, d.image().width()), (8, 128));
    let d = decode(&bytes, &DecodeOptions::at_least(600, 1)).expect("decode");
    assert_eq!((d.shrink, d.image().width()), (1, 1024));
    assert_eq!(process::jpeg_shrink_for(5120, 2880, Some((800, 450))), 4);
}

#[test]
fn thumbnails() {
    for (name, w, h) in [
        ("photo.jpg", 200, 125),
        ("photo-progressive-q75.jpg", 100, 63),
        ("cmyk.jpg", 64, 0),
        ("alpha.png", 50, 0),
        ("anim.gif", 40, 0),
    ] {
        let out =
            process::thumbnail_jpeg(&corpus(name), w, 85).unwrap_or_else(|e| panic!("{name}: {e}"));
        let i = image_info(&out).expect("info");
        assert_eq!((i.format.as_str(), i.width), ("JPEG", w), "{name}");
        if h != 0 {
            assert_eq!(i.height, h, "{name}");
        }
        assert_eq!(i.quality, Some(85));
    }
    let e = process::thumbnail_jpeg(&corpus("photo.jpg"), 10_000, 85).expect_err("too wide");
    assert!(matches!(e, ProcessError::ImageResolutionExceed(_)), "{e}");
    let e = process::thumbnail_jpeg(&corpus("photo.jpg"), 0, 85).expect_err("zero");
    assert!(matches!(e, ProcessError::InvalidArgument(_)), "{e}");
}

fn decode_err(name: &str) -> ProcessError {
    let bytes = corpus(name);
    let t = Instant::now();
    let e = decode(&bytes, &DecodeOptions::full()).expect_err(name);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{name} took {:?}",
        t.elapsed()
    );
    // image_info and thumbnail refuse it the same way
    assert_eq!(
        image_info(&bytes).expect_err(name).code(),
        e.code(),
        "{name}"
    );
    assert_eq!(
        process::thumbnail_jpeg(&bytes, 100, 80)
            .expect_err(name)
            .code(),
        e.code()
    );
    e
}

#[test]
fn bombs_are_refused_from_the_header() {
    for name in ["bad/bomb-256mp.png", "bad/wide-30001px.png"] {
        let e = decode_err(name);
        assert!(
            matches!(e, ProcessError::ImageResolutionExceed(_)),
            "{name}: {e}"
        );
        assert_eq!(e.code(), "ImageResolutionExceed");
        // the probe alone sees the size, and it is over the limit
        let p = process::probe(&corpus(name)).expect("header readable");
        assert!(process::Limits::default().check_probe(&p).is_err());
    }
}

#[test]
fn broken_inputs_are_invalid_image_format() {
    for name in [
        "bad/truncated.jpg",
        "bad/not-an-image.jpg",
        "bad/empty.png",
        "bad/bad-crc.png",
    ] {
        let e = decode_err(name);
        assert!(
            matches!(e, ProcessError::InvalidImageFormat(_)),
            "{name}: {e}"
        );
    }
}

#[test]
fn input_size_and_frame_limits() {
    let limits = process::Limits {
        max_input_bytes: 1000,
        ..Default::default()
    };
    let e = limits
        .probe_checked(&corpus("photo.jpg"))
        .expect_err("too big");
    assert_eq!(e.code(), "ImageTooLarge");
    let limits = process::Limits {
        max_gif_frames: 7,
        ..Default::default()
    };
    let e = limits
        .probe_checked(&corpus("anim.gif"))
        .expect_err("too many frames");
    assert_eq!(e.code(), "ImageResolutionExceed");
    let limits = process::Limits {
        max_pixels: 300 * 200 * 3,
        ..Default::default()
    };
    // pixel limit counts frames: 8 frames of the GIF exceed what one frame would not
    let p = process::probe(&corpus("anim.gif")).expect("probe");
    assert_eq!(
        limits.check_probe(&p).is_err(),
        p.total_pixels() > 300 * 200 * 3
    );
}

#[test]
fn a_gif_signature_without_an_image_is_not_an_image() {
    // 6 signature bytes, then text read as a 25120x29813 logical screen
    let e = process::probe(b"GIF89a but not really").expect_err("not an image");
    assert_eq!(e.code(), "InvalidImageFormat");
    let e = process::Limits::default()
        .probe_checked(b"GIF89a but not really")
        .expect_err("not an image");
    assert_eq!(e.code(), "InvalidImageFormat");
    // header + empty colour table + trailer only
    let mut stub = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
    stub.push(0x3B);
    assert_eq!(
        process::probe(&stub).expect_err("no frame").code(),
        "InvalidImageFormat"
    );
}

#[test]
fn ycbcr_thumbnail_matches_the_rgb_path() {
    use process::{resize, Filter};
    for (name, w) in [
        ("photo.jpg", 201),
        ("photo-progressive-q75.jpg", 333),
        ("photo.jpg", 640),
    ] {
        let bytes = corpus(name);
        let fast = process::thumbnail_jpeg(&bytes, w, 90).expect("thumb");
        let p = process::probe(&bytes).expect("probe");
        let (tw, th) = process::fit_width(p.width, p.height, w);
        let d = decode(&bytes, &DecodeOptions::at_least(tw, th)).expect("decode");
        let small = resize(d.image(), tw, th, Filter::Lanczos3).expect("resize");
        let rgb_path = encode(&small, &EncodeOptions::new(Format::Jpeg).quality(90)).expect("jpeg");
        let reference = decode(&rgb_path, &DecodeOptions::default())
            .expect("decode")
            .image()
            .to_rgb8();
        let got = decode(&fast, &DecodeOptions::default())
            .expect("decode")
            .image()
            .to_rgb8();
        assert_eq!(got.dimensions(), reference.dimensions(), "{name}");
        let diff: u64 = got
            .as_raw()
            .iter()
            .zip(reference.as_raw())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean = diff as f64 / got.as_raw().len() as f64;
        eprintln!("{name} at {w}: mean abs diff {mean}");
        assert!(mean < 3.0, "{name} at {w}: mean abs diff {mean}");
    }
}

#[test]
fn exif_carries_over_when_asked() {
    let bytes = corpus("orient-6.jpg");
    let d = decode(&bytes, &DecodeOptions::default()).expect("decode");
    assert!(d.meta.exif.is_some());
    for fmt in [Format::Jpeg, Format::Png] {
        let kept =
            encode(d.image(), &EncodeOptions::new(fmt).keep_metadata(&d.meta)).expect("encode");
        assert_eq!(
            image_info(&kept).expect("info").orientation,
            Some(6),
            "{fmt:?}"
        );
        let stripped = encode(d.image(), &EncodeOptions::new(fmt)).expect("encode");
        assert_eq!(
            image_info(&stripped).expect("info").orientation,
            Some(0),
            "{fmt:?}"
        );
    }
    let cam = decode(&corpus("exif-camera.jpg"), &DecodeOptions::default()).expect("decode");
    let kept = encode(
        cam.image(),
        &EncodeOptions::new(Format::Jpeg).keep_metadata(&cam.meta),
    )
    .expect("encode");
    let l = process::Limits::default();
    let ex: serde_json::Value =
        serde_json::from_str(&process::exif_json(&kept, &l).expect("exif")).expect("json");
    assert_eq!(ex["Make"]["type"], 2);
}
