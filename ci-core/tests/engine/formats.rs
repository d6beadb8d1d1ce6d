//! Output formats the `image` crate alone does not give: Adam7-interlaced PNG, lossy WebP
//! and AVIF.

use crate::support::*;
use ci_core::process::image::{
    DynamicImage, GrayImage, ImageBuffer, Luma, LumaA, Rgb, RgbImage, Rgba, RgbaImage,
};
use ci_core::process::{decode, encode, DecodeOptions, EncodeOptions, Format};

/// Decodes a PNG with the png crate itself: (interlaced flag, bit depth, raw samples).
fn png_crate_decode(bytes: &[u8]) -> (bool, png::BitDepth, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = dec.read_info().expect("png header");
    let interlaced = reader.info().interlaced;
    let depth = reader.info().bit_depth;
    let mut buf = vec![0u8; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buf).expect("png data");
    buf.truncate(frame.buffer_size());
    (interlaced, depth, buf)
}

/// A deterministic test pattern with every sample different between neighbours.
fn pattern(k: u32) -> impl Fn(u32, u32) -> u8 {
    move |x, y| ((x * 37 + y * 101 + k * 59 + (x * y) % 13) % 256) as u8
}

fn samples_be(img: &DynamicImage) -> Vec<u8> {
    match img {
        DynamicImage::ImageLuma16(i) => i.as_raw().iter().flat_map(|v| v.to_be_bytes()).collect(),
        DynamicImage::ImageRgba16(i) => i.as_raw().iter().flat_map(|v| v.to_be_bytes()).collect(),
        i => i.as_bytes().to_vec(),
    }
}

#[test]
fn interlaced_png_decodes_back_to_identical_pixels() {
    for (w, h) in [(1, 1), (3, 5), (9, 7), (8, 8), (33, 17)] {
        let p = pattern(0);
        let q = pattern(1);
        let images = [
            DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
                Rgb([p(x, y), q(x, y), p(y, x)])
            })),
            DynamicImage::ImageRgba8(RgbaImage::from_fn(w, h, |x, y| {
                Rgba([p(x, y), q(x, y), p(y, x), q(y, x)])
            })),
            DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| Luma([p(x, y)]))),
            DynamicImage::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, y| LumaA([p(x, y), q(x, y)]))),
            DynamicImage::ImageLuma16(ImageBuffer::from_fn(w, h, |x, y| {
                Luma([(u16::from(p(x, y)) << 8) | u16::from(q(x, y))])
            })),
            DynamicImage::ImageRgba16(ImageBuffer::from_fn(w, h, |x, y| {
                Rgba([
                    u16::from(p(x, y)) << 8,
                    u16::from(q(x, y)),
                    u16::from(p(y, x)) * 255,
                    65535 - u16::from(q(x, y)),
                ])
            })),
        ];
        for img in &images {
            let opts = EncodeOptions::new(Format::Png).progressive(true);
            let out = encode(img, &opts).unwrap_or_else(|e| panic!("{w}x{h}: {e}"));
            let (interlaced, depth, raw) = png_crate_decode(&out);
            assert!(interlaced, "{w}x{h} {:?}", img.color());
            let want_depth = if img.color().bytes_per_pixel() > img.color().channel_count() {
                png::BitDepth::Sixteen
            } else {
                png::BitDepth::Eight
            };
            assert_eq!(depth, want_depth, "{w}x{h} {:?}", img.color());
            assert_eq!(raw, samples_be(img), "{w}x{h} {:?}", img.color());
            // and the engine's own decoder agrees
            let back = decode(&out, &DecodeOptions::default()).expect("engine decode");
            assert_eq!(back.image().as_bytes(), img.as_bytes(), "{w}x{h}");
        }
    }
}

#[test]
fn interlace_rule_gives_adam7_png_with_metadata() {
    let out = run_ok(
        &corpus("exif-camera.jpg"),
        "imageMogr2/thumbnail/97x/format/png/interlace/1",
    );
    assert_eq!(out.format, Some(Format::Png));
    let (interlaced, _, raw) = png_crate_decode(&out.bytes);
    assert!(interlaced);
    // same pixels as the non-interlaced output of the same rule
    let plain = run_ok(
        &corpus("exif-camera.jpg"),
        "imageMogr2/thumbnail/97x/format/png",
    );
    let (plain_interlaced, _, plain_raw) = png_crate_decode(&plain.bytes);
    assert!(!plain_interlaced);
    assert_eq!(raw, plain_raw);
    // the EXIF block went along (eXIf chunk), as for non-interlaced PNG
    let has_exif = |b: &[u8]| b.windows(4).any(|w| w == b"eXIf");
    assert_eq!(has_exif(&out.bytes), has_exif(&plain.bytes));
    assert!(has_exif(&out.bytes));
}

#[cfg(feature = "avif")]
mod avif {
    use super::*;
    use ci_core::process::{image_info, image_info_json, Limits};

    fn mean_rgb(img: &DynamicImage) -> [f64; 3] {
        let rgb = img.to_rgb8();
        let mut sum = [0f64; 3];
        for p in rgb.pixels() {
            for c in 0..3 {
                sum[c] += f64::from(p[c]);
            }
        }
        let n = f64::from(rgb.width() * rgb.height());
        sum.map(|s| s / n)
    }

    /// PSNR (dB) of `b` against `a` over RGB.
    fn psnr(a: &DynamicImage, b: &DynamicImage) -> f64 {
        let (a, b) = (a.to_rgb8(), b.to_rgb8());
        assert_eq!(a.dimensions(), b.dimensions());
        let se: f64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum();
        let mse = se / a.as_raw().len() as f64;
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }

    #[test]
    fn avif_decodes_with_the_colours_of_the_jpeg() {
        let avif = decode(&corpus("photo.avif"), &DecodeOptions::full()).expect("avif decode");
        let jpeg = decode(&corpus("photo.jpg"), &DecodeOptions::full()).expect("jpeg decode");
        assert_eq!(avif.probe.format, Format::Avif);
        assert_eq!((avif.image().width(), avif.image().height()), (640, 400));
        assert_eq!(avif.frames.len(), 1);
        let (a, j) = (mean_rgb(avif.image()), mean_rgb(jpeg.image()));
        for c in 0..3 {
            assert!((a[c] - j[c]).abs() < 3.0, "channel {c}: {a:?} vs {j:?}");
        }
        // the same photograph: close pixel by pixel, not only on average
        let p = psnr(jpeg.image(), avif.image());
        assert!(p > 30.0, "PSNR {p:.1} dB");
    }

    #[test]
    fn avif_image_info() {
        let bytes = corpus("photo.avif");
        let info = image_info(&bytes).expect("info");
        assert_eq!(
            (info.format.as_str(), info.width, info.height),
            ("AVIF", 640, 400)
        );
        let ave = info.ave.expect("Ave with a decoder");
        let jpeg_ave = image_info(&corpus("photo.jpg")).expect("info").ave;
        // "0xRRGGBB": each channel within a few levels of the JPEG's
        let chans = |s: &str| -> Vec<i32> {
            (0..3)
                .map(|i| i32::from_str_radix(&s[2 + 2 * i..4 + 2 * i], 16).expect("hex"))
                .collect()
        };
        let (a, j) = (chans(&ave), chans(&jpeg_ave.expect("jpeg ave")));
        assert!(
            a.iter().zip(&j).all(|(x, y)| (x - y).abs() <= 3),
            "{a:?} vs {j:?}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&image_info_json(&bytes, &Limits::default()).expect("json"))
                .expect("parse");
        assert_eq!(json["format"], "avif");
    }

    #[test]
    fn avif_encode_round_trips() {
        let src = decode(&corpus("photo.jpg"), &DecodeOptions::full()).expect("jpeg");
        let out = run_ok(&corpus("photo.jpg"), "imageMogr2/format/avif/quality/60");
        assert_eq!(Format::sniff(&out.bytes), Some(Format::Avif));
        assert_eq!(
            (out.format, out.content_type, out.info.quality),
            (Some(Format::Avif), "image/avif", Some(60))
        );
        assert_eq!(dims(&out), (640, 400));
        // far smaller than the q90 JPEG (quality on libavif's scale: 60 is AV1 qindex
        // 100), still close to it
        let jpeg_len = corpus("photo.jpg").len();
        assert!(out.bytes.len() * 2 < jpeg_len, "{} bytes", out.bytes.len());
        let back = decode(&out.bytes, &DecodeOptions::full()).expect("avif decode");
        let p = psnr(src.image(), back.image());
        assert!(p > 30.0, "PSNR {p:.1} dB");
        // quality orders the sizes
        let low = run_ok(&corpus("photo.jpg"), "imageMogr2/format/avif/quality/20");
        assert!(low.bytes.len() < out.bytes.len());
        // alpha survives as an alpha item
        let a = run_ok(
            &corpus("alpha.png"),
            "imageMogr2/thumbnail/64x/format/avif/quality/90",
        );
        let d = decode(&a.bytes, &DecodeOptions::full()).expect("alpha avif");
        assert!(d.image().color().has_alpha());
        let src_a = decode(&corpus("alpha.png"), &DecodeOptions::full()).expect("png");
        let transparent = |img: &DynamicImage| {
            img.to_rgba8().pixels().filter(|p| p[3] < 128).count() as f64
                / f64::from(img.width() * img.height())
        };
        let (ta, ts) = (transparent(d.image()), transparent(src_a.image()));
        assert!((ta - ts).abs() < 0.05, "{ta} vs {ts}");
    }

    /// The `av1C` property of the colour item: (seq_profile, monochrome, subsampling x, y).
    fn av1c(avif: &[u8]) -> (u8, bool, bool, bool) {
        let at = avif
            .windows(4)
            .position(|w| w == b"av1C")
            .expect("an av1C box");
        // marker|version, seq_profile|level, tier|high_bitdepth|twelve_bit|mono|ss_x|ss_y|pos
        let (b1, b2) = (avif[at + 5], avif[at + 6]);
        assert_eq!(avif[at + 4], 0x81, "av1C marker and version 1");
        (b1 >> 5, b2 & 0x10 != 0, b2 & 0x08 != 0, b2 & 0x04 != 0)
    }

    #[test]
    fn avif_encode_subsamples_chroma_below_quality_90() {
        let src = decode(&corpus("photo.jpg"), &DecodeOptions::full()).expect("jpeg");
        // 4:2:0, Main profile (0), below quality 90 (Pillow's and libavif's default)
        let q75 = run_ok(&corpus("photo.jpg"), "imageMogr2/format/avif/quality/75");
        assert_eq!(av1c(&q75.bytes), (0, false, true, true));
        // 4:4:4, High profile (1), from 90 up (libvips's `auto`)
        let q95 = run_ok(&corpus("photo.jpg"), "imageMogr2/format/avif/quality/95");
        assert_eq!(av1c(&q95.bytes), (1, false, false, false));
        for (out, min_psnr) in [(&q75, 33.0), (&q95, 38.0)] {
            let back = decode(&out.bytes, &DecodeOptions::full()).expect("avif decode");
            assert_eq!((back.image().width(), back.image().height()), (640, 400));
            let p = psnr(src.image(), back.image());
            assert!(
                p > min_psnr,
                "PSNR {p:.1} dB at quality {:?}",
                out.info.quality
            );
        }
        assert!(q75.bytes.len() < q95.bytes.len());
    }

    #[test]
    fn avif_encode_odd_sizes_keep_their_dimensions_and_colours() {
        let src = decode(&corpus("photo.jpg"), &DecodeOptions::full()).expect("jpeg");
        // odd width and height: the last chroma column and row cover one pixel
        for (rule, want) in [
            ("imageMogr2/thumbnail/63x/format/avif/quality/70", (63, 39)),
            ("imageMogr2/crop/1x1/format/avif/quality/70", (1, 1)),
            ("imageMogr2/crop/129x3/format/avif/quality/70", (129, 3)),
        ] {
            let out = run_ok(&corpus("photo.jpg"), rule);
            assert_eq!(av1c(&out.bytes), (0, false, true, true), "{rule}");
            let back = decode(&out.bytes, &DecodeOptions::full()).expect("avif decode");
            let img = back.image();
            assert_eq!((img.width(), img.height()), want, "{rule}");
            let (a, s) = (mean_rgb(img), mean_rgb(src.image()));
            if want == (63, 39) {
                for c in 0..3 {
                    assert!(
                        (a[c] - s[c]).abs() < 4.0,
                        "{rule}: channel {c}: {a:?} vs {s:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn avif_input_through_a_rule() {
        let out = run_ok(&corpus("photo.avif"), "imageMogr2/thumbnail/160x");
        assert_eq!(out.format, Some(Format::Avif));
        assert_eq!(dims(&out), (160, 100));
        let out = run_ok(
            &corpus("photo.avif"),
            "imageMogr2/thumbnail/160x/format/jpg",
        );
        assert_eq!(dims(&out), (160, 100));
    }
}

/// Lossy WebP output, byte for byte: these are the bytes the unpatched webp crate gave
/// (RGB(A) -> ARGB -> YUV(A)), so they show that the patched import (vendor/webp, RGB(A)
/// straight to YUV(A)) changes nothing but time and memory, and they catch any change
/// of libwebp or of its settings (method 4, preset default).
#[test]
fn lossy_webp_bytes_are_pinned() {
    for (name, want_len, want_md5) in [
        ("photo.jpg", 17706, "eb9d380b9b84ca9d49e451773182fc3d"),
        ("alpha.png", 1598, "2d21b1e1a576f20c05f05f44e359fa18"),
    ] {
        let out = run_ok(&corpus(name), "imageMogr2/format/webp/quality/75");
        assert_eq!(out.format, Some(Format::Webp), "{name}");
        assert_eq!(out.bytes.len(), want_len, "{name}");
        assert_eq!(out.info.md5.as_deref(), Some(want_md5), "{name}");
    }
}
