//! Still WebP through libwebp, with shrink-on-load (issue #20 §2): the dimensions of
//! scaled and full decodes, the 800 px thumbnail against the old full-decode path
//! (image-webp at full size, then the same resize), alpha, lossless, ICC and EXIF,
//! broken data, animations.

use std::sync::OnceLock;

use crate::support::{corpus, run_ok};
use ci_core::process::image::{self, DynamicImage, ImageFormat, RgbaImage};
use ci_core::process::{
    decode, encode, image_info, resize, DecodeOptions, EncodeOptions, Filter, Format, ProcessError,
};

/// 3362x2101 lossy WebP at quality 75: photo.jpg upscaled (Lanczos3). Odd sizes, so the
/// scaled sizes round up (`div_ceil`), as libjpeg-turbo's do.
fn big_webp() -> &'static [u8] {
    static BIG: OnceLock<Vec<u8>> = OnceLock::new();
    BIG.get_or_init(|| {
        let d = decode(&corpus("photo.jpg"), &DecodeOptions::full()).expect("photo.jpg");
        let up = resize(d.image(), 3362, 2101, Filter::Lanczos3).expect("upscale");
        encode(&up, &EncodeOptions::new(Format::Webp).quality(75)).expect("encode")
    })
}

/// The engine's old path: image-webp at full size.
fn image_webp(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(bytes, ImageFormat::WebP).expect("image-webp decodes")
}

/// (mean absolute difference per channel value, PSNR in dB) of two same-size images.
fn diff(a: &RgbaImage, b: &RgbaImage) -> (f64, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let (mut abs, mut sq, mut n) = (0u64, 0u64, 0u64);
    for (x, y) in a.as_raw().iter().zip(b.as_raw()) {
        let d = u64::from(x.abs_diff(*y));
        abs += d;
        sq += d * d;
        n += 1;
    }
    let mse = sq as f64 / n as f64;
    let psnr = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    };
    (abs as f64 / n as f64, psnr)
}

fn at_least(w: u32, h: u32) -> DecodeOptions {
    DecodeOptions::at_least(w, h)
}

#[test]
fn scaled_and_full_decodes_have_the_jpeg_sizes() {
    let big = big_webp();
    for (min, shrink, dims) in [
        (None, 1, (3362, 2101)),
        (Some((1, 1)), 8, (421, 263)),
        (Some((800, 500)), 4, (841, 526)),
        (Some((841, 526)), 4, (841, 526)),
        (Some((842, 500)), 2, (1681, 1051)),
        (Some((1682, 10)), 1, (3362, 2101)),
    ] {
        let opts = DecodeOptions {
            min_size: min,
            ..DecodeOptions::default()
        };
        let d = decode(big, &opts).expect("decode");
        assert_eq!(d.shrink, shrink, "{min:?}");
        assert_eq!((d.image().width(), d.image().height()), dims, "{min:?}");
        assert_eq!((d.probe.width, d.probe.height), (3362, 2101));
        assert!(matches!(d.image(), DynamicImage::ImageRgb8(_)));
        assert_eq!(d.meta.bit_depth, 8);
    }
    // The same rule picks the JPEG shrink: the reused function agrees.
    assert_eq!(
        ci_core::process::jpeg_shrink_for(3362, 2101, Some((800, 500))),
        4
    );
}

#[test]
fn full_lossy_decode_is_image_webps_exactly() {
    // libwebp (fancy upsampling) and image-webp give the same pixels at full size.
    for bytes in [&corpus("photo.webp")[..], big_webp()] {
        let new = decode(bytes, &DecodeOptions::full()).expect("libwebp");
        assert_eq!(new.shrink, 1);
        let (mad, psnr) = diff(&new.image().to_rgba8(), &image_webp(bytes).to_rgba8());
        assert_eq!((mad, psnr), (0.0, f64::INFINITY));
    }
}

#[test]
fn thumbnail_800_matches_the_full_decode_path() {
    let big = big_webp();
    let new = run_ok(big, "imageMogr2/thumbnail/800x/format/png");
    assert_eq!((new.info.width, new.info.height), (800, 500));
    // The old path: the full image-webp decode, handed over losslessly (a PNG has no
    // shrink-on-load), through the same rule.
    let full = image_webp(big);
    let png = encode(&full, &EncodeOptions::new(Format::Png)).expect("png");
    let old = run_ok(&png, "imageMogr2/thumbnail/800x/format/png");
    let a = decode(&new.bytes, &DecodeOptions::full()).expect("new");
    let b = decode(&old.bytes, &DecodeOptions::full()).expect("old");
    let (mad, psnr) = diff(&a.image().to_rgba8(), &b.image().to_rgba8());
    eprintln!("800 px thumbnail, scaled decode vs full decode: MAD {mad:.3}, PSNR {psnr:.2} dB");
    // Measured: MAD 0.572, PSNR 46.62 dB (libwebp's scaler, then Lanczos3 from 841x526,
    // against Lanczos3 from 3362x2101).
    assert!(mad > 0.0 && mad < 0.65, "mean abs diff {mad}");
    assert!(psnr > 46.0, "PSNR {psnr}");
    // A JPEG thumbnail keeps the size too.
    let jpg = run_ok(big, "imageMogr2/thumbnail/800x/format/jpg/quality/75");
    assert_eq!((jpg.info.width, jpg.info.height), (800, 500));
}

#[test]
fn geometry_after_a_scaled_decode_uses_the_original_size() {
    let big = big_webp();
    for (r, want) in [
        (
            "imageMogr2/thumbnail/800x/crop/400x300/format/png",
            (400, 300),
        ),
        ("imageMogr2/thumbnail/!25p/format/png", (841, 525)),
        ("imageView2/1/w/300/h/300/format/png", (300, 300)),
        ("imageView2/2/w/500/format/png", (500, 312)),
    ] {
        let out = run_ok(big, r);
        assert_eq!((out.info.width, out.info.height), want, "{r}");
    }
}

#[test]
fn image_info_reports_the_original_size_and_a_close_average() {
    let big = big_webp();
    let info = image_info(big).expect("info");
    assert_eq!((info.width, info.height), (3362, 2101));
    assert_eq!(info.format, "WEBP");
    // Ave comes from the 1/8 decode (as for JPEG); here it is the full-size mean exactly
    // (0x787590).
    let full = ci_core::process::average_color(&image_webp(big));
    let ave = info.ave.expect("ave");
    eprintln!("Ave of the 1/8 decode {ave}, of the full image-webp decode {full}");
    assert_eq!(ave, full);
    assert_eq!(ave, "0x787590");
}

#[test]
fn lossless_and_alpha_decode_exactly() {
    for name in ["photo-lossless.webp", "alpha.webp"] {
        let bytes = corpus(name);
        let d = decode(&bytes, &DecodeOptions::full()).expect(name);
        let old = image_webp(&bytes);
        assert_eq!(d.image().color(), old.color(), "{name}");
        assert_eq!(
            d.image().as_bytes(),
            old.as_bytes(),
            "{name}: lossless is exact"
        );
    }
    let d = decode(&corpus("alpha.webp"), &at_least(1, 1)).expect("scaled alpha");
    assert!(matches!(d.image(), DynamicImage::ImageRgba8(_)));
}

#[test]
fn lossy_alpha_keeps_alpha_when_scaled() {
    // alpha.png upscaled into a lossy WebP with an ALPH chunk.
    let src = decode(&corpus("alpha.png"), &DecodeOptions::full()).expect("alpha.png");
    let (w, h) = (src.image().width() * 4, src.image().height() * 4);
    let up = resize(src.image(), w, h, Filter::Lanczos3).expect("upscale");
    let webp = encode(&up, &EncodeOptions::new(Format::Webp).quality(90)).expect("encode");
    let d = decode(&webp, &at_least(w / 4, h / 4)).expect("scaled");
    assert_eq!(d.shrink, 4);
    let DynamicImage::ImageRgba8(scaled) = d.image() else {
        panic!("alpha lost: {:?}", d.image().color());
    };
    let full = image_webp(&webp);
    let reference = resize(&full, w / 4, h / 4, Filter::Bilinear).expect("resize");
    let alpha = |i: &RgbaImage| -> Vec<u8> { i.pixels().map(|p| p[3]).collect() };
    let (a, b) = (alpha(scaled), alpha(&reference.to_rgba8()));
    let mad = a
        .iter()
        .zip(&b)
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / a.len() as f64;
    eprintln!("lossy alpha, 1/4 decode vs bilinear of full: alpha MAD {mad:.3}");
    // Measured: 0.288.
    assert!(mad < 0.4, "alpha mean abs diff {mad}");
    assert!(a.iter().any(|&v| v < 16) && a.iter().any(|&v| v > 240));
}

/// Wraps the VP8 chunk of a simple lossy WebP into a VP8X file with ICCP and EXIF chunks.
fn with_icc_and_exif(simple: &[u8], w: u32, h: u32, icc: &[u8], exif: &[u8]) -> Vec<u8> {
    assert_eq!(&simple[12..16], b"VP8 ");
    let chunk = |tag: &[u8], data: &[u8]| -> Vec<u8> {
        let mut c = tag.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    };
    let mut vp8x = vec![0x20 | 0x08, 0, 0, 0]; // ICC and EXIF flags
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &vp8x));
    body.extend(chunk(b"ICCP", icc));
    body.extend_from_slice(&simple[12..]);
    body.extend(chunk(b"EXIF", exif));
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn icc_and_exif_come_out_as_before() {
    let simple = corpus("photo.webp");
    let icc: Vec<u8> = (0..=255u8).cycle().take(601).collect();
    // Little-endian TIFF, IFD0 with Orientation (0x0112) = 6.
    let exif = [
        b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let bytes = with_icc_and_exif(&simple, 640, 400, &icc, &exif);
    for opts in [DecodeOptions::full(), at_least(100, 60)] {
        let d = decode(&bytes, &opts).expect("VP8X still");
        assert_eq!(d.meta.icc.as_deref(), Some(&icc[..]));
        assert_eq!(d.meta.exif.as_deref(), Some(&exif[..]));
        assert_eq!(d.meta.orientation, 6);
    }
    assert_eq!(
        decode(&bytes, &at_least(100, 60)).expect("scaled").shrink,
        4
    );
    // Through a thumbnail into PNG the profile is kept.
    let out = run_ok(&bytes, "imageMogr2/thumbnail/160x/format/png");
    let d = decode(&out.bytes, &DecodeOptions::full()).expect("png");
    assert_eq!((d.image().width(), d.image().height()), (160, 100));
    assert_eq!(d.meta.icc.as_deref(), Some(&icc[..]));
}

#[test]
fn broken_webp_is_invalid_image_format() {
    let big = big_webp();
    let mut flipped = big.to_vec();
    // Garbage in the first partition (the modes and probabilities), past the header.
    for b in &mut flipped[40..400] {
        *b ^= 0x5a;
    }
    for (what, bytes) in [
        ("truncated at half", &big[..big.len() / 2]),
        ("header only", &big[..40]),
        ("first partition garbled", &flipped[..]),
    ] {
        for opts in [DecodeOptions::full(), at_least(800, 500)] {
            match decode(bytes, &opts) {
                Err(ProcessError::InvalidImageFormat(_)) => {}
                other => panic!("{what}: {:?}", other.map(|d| d.shrink)),
            }
        }
    }
}

#[test]
fn animated_webp_keeps_every_frame_at_full_size() {
    let bytes = corpus("anim.webp");
    let opts = DecodeOptions {
        min_size: Some((1, 1)),
        all_frames: true,
        ..DecodeOptions::default()
    };
    let d = decode(&bytes, &opts).expect("anim");
    assert_eq!(d.shrink, 1);
    assert_eq!(d.frames.len(), 4);
    for f in &d.frames {
        assert_eq!(
            (f.image.width(), f.image.height()),
            (d.probe.width, d.probe.height)
        );
        assert!(f.delay_ms > 0);
    }
    let old: Vec<_> = {
        use image::AnimationDecoder;
        image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(&bytes[..]))
            .expect("image-webp")
            .into_frames()
            .collect_frames()
            .expect("frames")
    };
    for (f, o) in d.frames.iter().zip(&old) {
        assert_eq!(f.image.to_rgba8().as_raw(), o.buffer().as_raw());
    }
}

#[test]
fn image_ave_of_webp_comes_from_the_eighth_size_decode() {
    // As for JPEG, imageAve / ImageInfo Ave average a 1/8 shrink-on-load decode. Opaque
    // files give the full-size mean (here exactly); with alpha, libwebp's scaler weights
    // colours by alpha, so the colours hidden under transparent pixels count less than
    // in the full-size mean (0x093662 from image-webp at full size).
    for (name, want) in [
        ("photo.webp", "0x787590"),
        ("photo-lossless.webp", "0x787590"),
        ("alpha.webp", "0x0a3a6a"),
    ] {
        let bytes = corpus(name);
        let json = ci_core::process::image_ave_json(&bytes, &Default::default()).expect(name);
        assert_eq!(json, format!("{{\"RGB\":\"{want}\"}}"), "{name}");
    }
    let full = ci_core::process::average_color(&image_webp(&corpus("alpha.webp")));
    assert_eq!(full, "0x093662");
}
