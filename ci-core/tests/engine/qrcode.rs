//! QR codes: generate → recognise round trips, a code pasted into a photograph and turned
//! by the engine's own rotate, the `QRcode/cover/<0|1>` stage, images without codes, and
//! barcodes (generated; recognising them is refused).

use ci_core::process::image::{self, DynamicImage, GenericImageView};
use ci_core::process::{
    decode, encode, execute, generate_code, recognise, CodeKind, DecodeOptions, EncodeOptions,
    ExecuteOptions, Format, ProcessError,
};

use crate::support::*;

const URL: &str = "https://cloud.tencent.com/product/ci?from=cos-ci&id=42";

fn decode_image(bytes: &[u8]) -> DynamicImage {
    decode(bytes, &DecodeOptions::full())
        .expect("decodes")
        .into_image()
}

/// `photo.jpg` with a `side`-px QR code of `text` pasted at (x, y), as PNG.
fn photo_with_code(text: &str, side: u32, x: i64, y: i64) -> Vec<u8> {
    let mut photo = decode_image(&corpus("photo.jpg"));
    let code = decode_image(&generate_code(text, side, CodeKind::QrCode).unwrap());
    image::imageops::overlay(&mut photo, &code, x, y);
    encode(&photo, &EncodeOptions::new(Format::Png)).unwrap()
}

#[test]
fn generated_codes_read_back() {
    for (text, width) in [
        (URL, 300),
        ("数据万象 QR ✓", 200),
        ("A", 29),
        (&*"0123456789".repeat(40), 400),
    ] {
        let png = generate_code(text, width, CodeKind::QrCode).unwrap();
        let img = decode_image(&png);
        assert_eq!(img.dimensions(), (width, width));
        assert!(img
            .to_luma8()
            .pixels()
            .all(|p| p.0[0] == 0 || p.0[0] == 255));
        let found = recognise(&png).unwrap();
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].text, text);
        // Corners lie inside the image, past the quiet zone, in reading order.
        let [tl, tr, br, bl] = found[0].corners;
        for (x, y) in found[0].corners {
            assert!((0..width as i32).contains(&x) && (0..width as i32).contains(&y));
        }
        assert!(
            tl.0 < tr.0 && tl.1 < bl.1 && br.0 > bl.0 && br.1 > tr.1,
            "{:?}",
            found[0]
        );
    }
}

#[test]
fn a_code_pasted_into_a_photograph_at_an_angle_is_found() {
    let png = photo_with_code(URL, 180, 60, 40);
    for degrees in [0, 15, 20, 30] {
        let turned = run_ok(&png, &format!("imageMogr2/rotate/{degrees}/format/png"));
        let found = recognise(&turned.bytes).unwrap();
        assert_eq!(found.len(), 1, "rotated {degrees}°");
        assert_eq!(found[0].text, URL);
        let info = found[0].to_info();
        assert_eq!(info.code_url, URL);
        assert_eq!(info.code_location.points.len(), 4);
    }
}

#[test]
fn the_qrcode_stage_reports_and_covers() {
    let png = photo_with_code(URL, 160, 300, 120);

    // cover/0: the input itself, and the code.
    let out = run_ok(&png, "QRcode/cover/0");
    assert_eq!(out.bytes, png);
    let codes = out.qr_codes.expect("a QRcode stage reports");
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].text, URL);
    // 41 modules of 3 px centred in 160 px: the code proper starts at 300 + 18 + 4 × 3.
    let (x0, y0) = codes[0].corners[0];
    assert!(
        (328..=332).contains(&x0) && (148..=152).contains(&y0),
        "{codes:?}"
    );

    // cover/1: the code is gone, the rest of the photograph untouched.
    let out = run_ok(&png, "QRcode/cover/1");
    assert_eq!(out.format, Some(Format::Png));
    assert_eq!(out.qr_codes.as_ref().map(Vec::len), Some(1));
    assert!(recognise(&out.bytes).unwrap().is_empty(), "covered");
    let (before, after) = (
        decode_image(&png).to_rgb8(),
        decode_image(&out.bytes).to_rgb8(),
    );
    assert_eq!(before.dimensions(), after.dimensions());
    let changed: Vec<(u32, u32)> = before
        .enumerate_pixels()
        .filter(|(x, y, p)| after.get_pixel(*x, *y) != *p)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(!changed.is_empty());
    for (x, y) in changed {
        assert!(
            (280..480).contains(&x) && (100..300).contains(&y),
            "pixel ({x},{y}) outside the code changed"
        );
    }

    // After other stages: the codes of the pixels the stage receives (41 modules of 7 px
    // from x = 300 + 6 + 4 × 7, halved).
    let big = photo_with_code(URL, 300, 300, 80);
    let out = run_ok(&big, "imageMogr2/thumbnail/320x|QRcode/cover/0");
    assert_eq!(dims(&out), (320, 200));
    let codes = out.qr_codes.unwrap();
    assert_eq!(codes.len(), 1);
    assert!((164..=170).contains(&codes[0].corners[0].0), "{codes:?}");

    // Barcodes are not recognised: refused before decoding.
    assert!(matches!(
        run(&png, "QRcode/cover/0/bar-type/2"),
        Err(ProcessError::UnsupportedStage { ref stage }) if stage == "QRcode/bar-type/2 (barcodes)"
    ));
}

#[test]
fn images_without_codes_report_none() {
    for name in [
        "photo.jpg",
        "photo-progressive-q75.jpg",
        "photo.png",
        "palette.png",
        "anim.gif",
        "photo.webp",
        "photo.bmp",
        "subject-plain-bg.jpg",
    ] {
        let input = corpus(name);
        let out = execute(&input, &rule("QRcode/cover/1"), &ExecuteOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(out.qr_codes, Some(Vec::new()), "{name}");
        assert!(recognise(&input).unwrap().is_empty(), "{name}");
    }
    // Rules without a QRcode stage report nothing at all.
    assert_eq!(
        run_ok(&corpus("photo.jpg"), "imageMogr2/thumbnail/50x").qr_codes,
        None
    );
}

#[test]
fn barcodes_are_generated_as_code_128() {
    let png = generate_code("COS-CI 2026", 400, CodeKind::Barcode).unwrap();
    let img = decode_image(&png).to_luma8();
    assert_eq!(img.dimensions(), (400, 133));
    // Every row is the same bar pattern; the quiet zones are white; bars are dark.
    let row: Vec<u8> = (0..400).map(|x| img.get_pixel(x, 0).0[0]).collect();
    for y in 1..133 {
        assert!((0..400).all(|x| img.get_pixel(x, y).0[0] == row[x as usize]));
    }
    // Code 128 B of 11 characters: start, 11 symbols, check, stop = 14 × 11 + 2 modules,
    // plus 2 × 10 quiet modules: 176 modules of 2 px, centred in 400 px (24 px each side).
    let module = |m: usize| {
        let px = &row[24 + 2 * m..24 + 2 * m + 2];
        assert_eq!(px[0], px[1], "module {m} is two equal pixels");
        px[0]
    };
    assert!(row[..24].iter().chain(&row[376..]).all(|&p| p == 255));
    assert!((0..10).all(|m| module(m) == 255), "left quiet zone");
    assert!((166..176).all(|m| module(m) == 255), "right quiet zone");
    // Start B is 11010010000; the stop pattern ends 1100011101011.
    let start: Vec<u8> = (10..21).map(module).collect();
    assert_eq!(start, [0, 0, 255, 0, 255, 255, 0, 255, 255, 255, 255]);
    let stop: Vec<u8> = (153..166).map(module).collect();
    assert_eq!(stop, [0, 0, 255, 255, 255, 0, 0, 0, 255, 0, 255, 0, 0]);
}

#[test]
fn every_width_reads_back() {
    // Modules are whole pixels whatever the width: no width is unreadable.
    for width in (41..=301).step_by(10) {
        let png = generate_code(URL, width, CodeKind::QrCode).unwrap();
        assert_eq!(decode_image(&png).dimensions(), (width, width));
        let found = recognise(&png).unwrap();
        assert_eq!(found.len(), 1, "width {width}");
        assert_eq!(found[0].text, URL);
    }
}

#[test]
fn generation_refuses_what_it_cannot_make() {
    let invalid =
        |r: Result<Vec<u8>, ProcessError>| matches!(r, Err(ProcessError::InvalidArgument(_)));
    assert!(invalid(generate_code("", 200, CodeKind::QrCode)));
    assert!(
        invalid(generate_code("A", 28, CodeKind::QrCode)),
        "below 21 + 8 modules"
    );
    assert!(invalid(generate_code("A", 10_000, CodeKind::QrCode)));
    assert!(invalid(generate_code(
        &"x".repeat(3000),
        4000,
        CodeKind::QrCode
    )));
    assert!(invalid(generate_code("数据", 400, CodeKind::Barcode)));
    assert!(invalid(generate_code("AB", 20, CodeKind::Barcode)));
    assert_eq!(CodeKind::from_mode(0), Some(CodeKind::QrCode));
    assert_eq!(CodeKind::from_mode(1), Some(CodeKind::Barcode));
    assert_eq!(CodeKind::from_mode(2), None);
}
