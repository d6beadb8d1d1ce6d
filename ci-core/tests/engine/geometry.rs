//! Known-answer dimensions and regions of the geometry operations on photo.jpg (640x400).

use crate::support::*;
use ci_core::process::{decode, DecodeOptions, Format};

fn photo() -> Vec<u8> {
    corpus("photo.jpg")
}

#[test]
fn thumbnail_forms() {
    let p = photo();
    let cases: &[(&str, (u32, u32))] = &[
        ("200x", (200, 125)),
        ("x100", (160, 100)),
        ("!50p", (320, 200)),
        ("!50px", (320, 400)),
        ("!x50p", (640, 200)),
        ("!25p", (160, 100)),
        ("300x300", (300, 188)),
        ("!300x300r", (480, 300)),
        ("300x300!", (300, 300)),
        ("1000x1000>", (640, 400)),
        ("300x300>", (300, 188)),
        ("300x300<", (640, 400)),
        ("1000x1000<", (1000, 625)),
        ("10000@", (126, 79)),
        ("256000@", (640, 400)),
        ("!150p", (960, 600)),
        ("333x", (333, 208)), // 208.125
        ("7x", (7, 4)),       // 4.375
        ("1x", (1, 1)),       // 0.625 → 1
    ];
    for (geom, want) in cases {
        let out = run_ok(&p, &format!("imageMogr2/thumbnail/{geom}"));
        assert_eq!(dims(&out), *want, "thumbnail/{geom}");
        assert_eq!(out.format, Some(Format::Jpeg));
    }
}

#[test]
fn thumbnail_output_side_checked_before_allocating() {
    let e = run(&photo(), "imageMogr2/thumbnail/x9999").unwrap_err();
    assert_eq!(e.code(), "ImageResolutionExceed");
}

#[test]
fn pad_fills_to_box() {
    // b64url("#FF0000") = "I0ZGMDAwMA"
    let out = run_ok(
        &photo(),
        "imageMogr2/thumbnail/200x200/pad/1/color/I0ZGMDAwMA/format/png",
    );
    assert_eq!(dims(&out), (200, 200));
    let img = rgba(&out);
    // 200x125 centred: rows 0..37 are padding (red)
    let top = img.get_pixel(100, 5);
    assert_eq!((top[0], top[1], top[2]), (255, 0, 0));
    let white = rgba(&run_ok(
        &photo(),
        "imageMogr2/thumbnail/200x200/pad/1/format/png",
    ));
    assert_eq!(white.get_pixel(100, 5).0, [255, 255, 255, 255]);
}

/// The source pixels, to compare lossless crops exactly.
fn source() -> ci_core::process::image::RgbaImage {
    decode(&photo(), &DecodeOptions::full())
        .unwrap()
        .image()
        .to_rgba8()
}

fn assert_region(rule_str: &str, (x, y, w, h): (u32, u32, u32, u32)) {
    let out = run_ok(&photo(), &format!("{rule_str}/format/png"));
    assert_eq!(dims(&out), (w, h), "{rule_str}");
    let got = rgba(&out);
    let want = ci_core::process::image::imageops::crop_imm(&source(), x, y, w, h).to_image();
    assert!(
        got == want,
        "{rule_str}: pixels differ from region ({x},{y},{w},{h})"
    );
}

#[test]
fn crop_forms_and_gravity() {
    assert_region("imageMogr2/crop/300x300", (170, 50, 300, 300));
    assert_region("imageMogr2/crop/300x", (170, 0, 300, 400));
    assert_region("imageMogr2/crop/x100", (0, 150, 640, 100));
    assert_region("imageMogr2/crop/1000x1000", (0, 0, 640, 400));
    assert_region(
        "imageMogr2/gravity/northwest/crop/100x100",
        (0, 0, 100, 100),
    );
    assert_region(
        "imageMogr2/gravity/SouthEast/crop/100x100",
        (540, 300, 100, 100),
    );
    assert_region("imageMogr2/gravity/north/crop/100x100", (270, 0, 100, 100));
    assert_region("imageMogr2/gravity/east/crop/100x100", (540, 150, 100, 100));
    // spec example: !600x600-20a20 → 580x600 at (0,20), clipped to the image
    assert_region("imageMogr2/crop/!600x600-20a20", (0, 20, 580, 380));
    assert_region("imageMogr2/crop/!100x100a10a20", (10, 20, 100, 100));
    assert_region(
        "imageMogr2/gravity/southeast/crop/!100x100a10a20",
        (530, 280, 100, 100),
    );
}

#[test]
fn cut_is_clipped() {
    assert_region("imageMogr2/cut/100x50x10x20", (10, 20, 100, 50));
    assert_region("imageMogr2/cut/100x100x600x350", (600, 350, 40, 50));
    let e = run(&photo(), "imageMogr2/cut/10x10x700x0").unwrap_err();
    assert_eq!(e.code(), "InvalidArgument");
}

#[test]
fn rotate_and_flip() {
    let p = photo();
    assert_eq!(dims(&run_ok(&p, "imageMogr2/rotate/90")), (400, 640));
    assert_eq!(dims(&run_ok(&p, "imageMogr2/rotate/270")), (400, 640));
    assert_eq!(dims(&run_ok(&p, "imageMogr2/rotate/180")), (640, 400));
    assert_eq!(dims(&run_ok(&p, "imageMogr2/rotate/360")), (640, 400));
    // 640·cos45 + 400·sin45 = 735.4
    assert_eq!(dims(&run_ok(&p, "imageMogr2/rotate/45")), (735, 735));
    // corners of a 45° rotation are background: white for JPEG/PNG without alpha
    let img = rgba(&run_ok(&p, "imageMogr2/rotate/45/format/png"));
    assert_eq!(img.get_pixel(0, 0).0, [255, 255, 255, 255]);
    // with alpha, transparent
    let img = rgba(&run_ok(&corpus("alpha.png"), "imageMogr2/rotate/30"));
    assert_eq!(img.get_pixel(0, 0)[3], 0);

    let src = source();
    let h = rgba(&run_ok(&p, "imageMogr2/flip/horizontal/format/png"));
    assert_eq!(h.get_pixel(0, 7), src.get_pixel(639, 7));
    let v = rgba(&run_ok(&p, "imageMogr2/flip/vertical/format/png"));
    assert_eq!(v.get_pixel(3, 0), src.get_pixel(3, 399));
    let r = rgba(&run_ok(&p, "imageMogr2/rotate/90/format/png"));
    // clockwise: the source's bottom-left corner becomes the top-left
    assert_eq!(r.get_pixel(0, 0), src.get_pixel(0, 399));
}

#[test]
fn image_view2_modes() {
    let p = photo();
    let cases: &[(&str, (u32, u32))] = &[
        ("imageView2/0/w/300/h/200", (300, 188)),
        ("imageView2/0/w/300", (300, 188)),
        ("imageView2/0/w/1000/h/1000", (640, 400)),
        ("imageView2/1/w/160/h/160", (160, 160)),
        ("imageView2/1/w/160", (160, 160)),
        ("imageView2/1/w/320/h/100", (320, 100)),
        ("imageView2/1/w/1000/h/1000", (640, 400)),
        ("imageView2/2/w/300/h/300", (300, 188)),
        ("imageView2/2/h/100", (160, 100)),
        ("imageView2/2/w/1000/h/1000", (640, 400)),
        ("imageView2/3/w/300/h/300", (480, 300)),
        ("imageView2/3/w/100", (160, 100)),
        ("imageView2/4/w/300/h/200", (320, 200)),
        ("imageView2/4/w/100", (160, 100)),
        ("imageView2/5/w/300/h/200", (300, 188)),
        ("imageView2/5/w/100", (100, 63)),
        ("imageView2/format/png", (640, 400)),
    ];
    for (r, want) in cases {
        assert_eq!(dims(&run_ok(&p, r)), *want, "{r}");
    }
    let out = run_ok(&p, "imageView2/1/w/160/h/160/format/png");
    assert_eq!(out.format, Some(Format::Png));
}

#[test]
fn pipelines_feed_each_stage() {
    let p = photo();
    let out = run_ok(&p, "imageMogr2/thumbnail/320x|imageMogr2/rotate/90");
    assert_eq!(dims(&out), (200, 320));
    let out = run_ok(&p, "imageMogr2/format/png|imageMogr2/thumbnail/100x");
    assert_eq!((dims(&out), out.format), ((100, 63), Some(Format::Png)));
    let out = run_ok(&p, "imageMogr2/format/png|imageView2/2/w/50/format/webp");
    assert_eq!((dims(&out), out.format), ((50, 31), Some(Format::Webp)));
    // scrop: no face detector, input unchanged
    assert_eq!(dims(&run_ok(&p, "imageMogr2/scrop/100x100")), (640, 400));
}
