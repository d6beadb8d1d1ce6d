//! Pixel statistics: effects, orientation, animation, watermarks, matting.

use crate::support::*;
use ci_core::process::{execute, ExecuteOptions, Format, ProcessError};

fn mean(img: &ci_core::process::image::RgbaImage) -> [f64; 3] {
    let mut s = [0f64; 3];
    for p in img.pixels() {
        for c in 0..3 {
            s[c] += f64::from(p[c]);
        }
    }
    let n = f64::from(img.width() * img.height());
    [s[0] / n, s[1] / n, s[2] / n]
}

fn opaque(img: &ci_core::process::image::RgbaImage) -> u32 {
    img.pixels().filter(|p| p[3] > 127).count() as u32
}

#[test]
fn grayscale_bright_contrast_blur_sharpen() {
    let p = corpus("photo.jpg");
    let src = mean(&rgba(&run_ok(&p, "imageMogr2/format/png")));
    let g = mean(&rgba(&run_ok(&p, "imageMogr2/grayscale/1")));
    assert!(
        (g[0] - g[1]).abs() < 0.01 && (g[1] - g[2]).abs() < 0.01,
        "{g:?}"
    );
    let colour = mean(&rgba(&run_ok(&p, "imageMogr2/grayscale/0")));
    assert!((colour[0] - colour[2]).abs() > 1.0, "{colour:?}");
    let b = mean(&rgba(&run_ok(&p, "imageMogr2/bright/50/format/png")));
    assert!(b[0] > src[0] + 40.0, "{b:?} vs {src:?}");
    let d = mean(&rgba(&run_ok(&p, "imageMogr2/bright/-50/format/png")));
    assert!(d[0] < src[0] - 40.0);
    // blur lowers the variance of neighbouring differences; sharpen raises it
    let rough = |img: &ci_core::process::image::RgbaImage| {
        let mut s = 0f64;
        for y in 0..img.height() {
            for x in 1..img.width() {
                s += (f64::from(img.get_pixel(x, y)[1]) - f64::from(img.get_pixel(x - 1, y)[1]))
                    .abs();
            }
        }
        s
    };
    let base = rough(&rgba(&run_ok(&p, "imageMogr2/format/png")));
    let blurred = rough(&rgba(&run_ok(&p, "imageMogr2/blur/8x4/format/png")));
    let sharp = rough(&rgba(&run_ok(&p, "imageMogr2/sharpen/150/format/png")));
    assert!(blurred < base * 0.7, "{blurred} vs {base}");
    assert!(sharp > base * 1.05, "{sharp} vs {base}");
    let flat = rough(&rgba(&run_ok(&p, "imageMogr2/contrast/-80/format/png")));
    assert!(flat < base * 0.6, "{flat} vs {base}");
    let e = run(&corpus("anim.gif"), "imageMogr2/blur/3x2").unwrap_err();
    assert_eq!(e.code(), "InvalidArgument");
}

#[test]
fn iradius_and_rradius_alpha_coverage() {
    let p = corpus("photo.jpg");
    let out = run_ok(&p, "imageMogr2/iradius/100/format/png");
    assert_eq!(dims(&out), (200, 200));
    let img = rgba(&out);
    let area = std::f64::consts::PI * 100.0 * 100.0;
    let got = f64::from(opaque(&img));
    assert!((got - area).abs() / area < 0.01, "{got} vs {area}");
    assert_eq!(img.get_pixel(0, 0)[3], 0);
    // JPEG output: white outside
    let img = rgba(&run_ok(&p, "imageMogr2/iradius/100"));
    let c = img.get_pixel(1, 1);
    assert!(c[0] > 240 && c[1] > 240 && c[2] > 240);

    let img = rgba(&run_ok(&p, "imageMogr2/rradius/50/format/webp"));
    assert_eq!(img.dimensions(), (640, 400));
    let want = 640.0 * 400.0 - (4.0 - std::f64::consts::PI) * 2500.0;
    let got = f64::from(opaque(&img));
    assert!((got - want).abs() < 100.0, "{got} vs {want}");
    assert_eq!(img.get_pixel(0, 0)[3], 0);
    assert_eq!(img.get_pixel(320, 200)[3], 255);
}

#[test]
fn auto_orient_puts_the_red_block_top_left() {
    for n in 1..=8 {
        let input = corpus(&format!("orient-{n}.jpg"));
        let out = run_ok(&input, "imageMogr2/auto-orient/format/png");
        assert_eq!(dims(&out), (300, 200), "orient-{n}");
        let img = rgba(&out);
        let p = img.get_pixel(10, 10);
        assert!(p[0] > 180 && p[1] < 90 && p[2] < 90, "orient-{n}: {p:?}");
        let q = img.get_pixel(289, 189);
        assert!(
            !(q[0] > 180 && q[1] < 90 && q[2] < 90),
            "orient-{n}: bottom-right red"
        );
        // a JPEG output keeps EXIF with Orientation 1
        let jpg = run_ok(&input, "imageMogr2/auto-orient");
        assert_eq!(jpg.info.orientation, Some(1), "orient-{n}");
    }
    // without auto-orient the stored pixels stay (orient-6 is stored rotated: 200x300)
    let out = run_ok(&corpus("orient-6.jpg"), "imageMogr2/format/png");
    assert_eq!(dims(&out), (200, 300));
}

#[test]
fn animations_keep_their_frames() {
    let gif = corpus("anim.gif");
    for r in [
        "imageMogr2/thumbnail/50x",
        "imageMogr2/crop/40x40",
        "imageMogr2/rotate/90",
        "imageMogr2/flip/vertical",
    ] {
        let out = run_ok(&gif, r);
        assert_eq!(out.format, Some(Format::Gif));
        assert_eq!(out.info.frame_count, Some(8), "{r}");
    }
    let out = run_ok(&gif, "imageMogr2/thumbnail/50x/format/webp");
    assert_eq!(
        (out.format, out.info.frame_count),
        (Some(Format::Webp), Some(8))
    );
    let out = run_ok(&gif, "imageMogr2/cgif/4");
    assert_eq!(out.info.frame_count, Some(4));
    let out = run_ok(&gif, "imageMogr2/format/png");
    assert_eq!(out.info.frame_count, Some(1));
    let webp = corpus("anim.webp");
    let out = run_ok(&webp, "imageMogr2/thumbnail/40x");
    assert_eq!((out.info.frame_count, out.info.width), (Some(4), 40));
}

#[test]
fn image_watermark_via_resolver() {
    let base = corpus("photo.jpg");
    // a 40x40 opaque red mark
    let mark = run_ok(
        &corpus("photo.jpg"),
        "imageMogr2/thumbnail/40x40!/bright/100/format/png",
    )
    .bytes;
    let resolver = |url: &str| -> Result<Vec<u8>, ProcessError> {
        assert_eq!(
            url,
            "http://b-1250000000.cos.ap-guangzhou.myqcloud.com/mark.png"
        );
        Ok(mark.clone())
    };
    let opts = ExecuteOptions {
        image_resolver: Some(&resolver),
        ..ExecuteOptions::default()
    };
    // b64url of the URL above
    let url = "aHR0cDovL2ItMTI1MDAwMDAwMC5jb3MuYXAtZ3Vhbmd6aG91Lm15cWNsb3VkLmNvbS9tYXJrLnBuZw";
    let r = rule(&format!(
        "watermark/1/image/{url}/gravity/northwest/dx/10/dy/20/dissolve/100|imageMogr2/format/png"
    ));
    let img = rgba(&execute(&base, &r, &opts).unwrap());
    assert_eq!(img.get_pixel(30, 40).0, [255, 255, 255, 255]); // inside the (white) mark
    let src = rgba(&run_ok(&base, "imageMogr2/format/png"));
    assert_eq!(img.get_pixel(5, 5), src.get_pixel(5, 5)); // outside
                                                          // default southeast, dissolve 90: the corner is blended
    let r = rule(&format!("watermark/1/image/{url}|imageMogr2/format/png"));
    let img = rgba(&execute(&base, &r, &opts).unwrap());
    let p = img.get_pixel(635, 395);
    let s = src.get_pixel(635, 395);
    assert!(p[0] >= s[0] && p[0] > 200, "{p:?}");
    // batch tiling covers the whole image
    let r = rule(&format!(
        "watermark/1/image/{url}/batch/1/dissolve/100|imageMogr2/format/png"
    ));
    let img = rgba(&execute(&base, &r, &opts).unwrap());
    let white = img.pixels().filter(|p| p.0 == [255, 255, 255, 255]).count() as f64;
    assert!(white / 256000.0 > 0.6, "{}", white / 256000.0);
    // scatype 1: mark width = 500‰ of 640
    let r = rule(&format!("watermark/1/image/{url}/gravity/northwest/scatype/1/spcent/500/dissolve/100|imageMogr2/format/png"));
    let img = rgba(&execute(&base, &r, &opts).unwrap());
    assert_eq!(img.get_pixel(315, 315).0, [255, 255, 255, 255]);
    // no resolver
    assert_eq!(
        run(&base, &format!("watermark/1/image/{url}"))
            .unwrap_err()
            .code(),
        "InvalidArgument"
    );
}

#[test]
fn text_watermark() {
    let base = corpus("photo.jpg");
    // "Hello" b64url = SGVsbG8, fill #FF0000 = I0ZGMDAwMA
    let out = run_ok(&base, "watermark/2/text/SGVsbG8/fontsize/40/fill/I0ZGMDAwMA/dissolve/100/gravity/northwest|imageMogr2/format/png");
    let img = rgba(&out);
    let red = |x0: u32, y0: u32| {
        let mut n = 0;
        for y in y0..y0 + 50 {
            for x in x0..x0 + 120 {
                let p = img.get_pixel(x, y);
                if p[0] > 200 && p[1] < 60 && p[2] < 60 {
                    n += 1;
                }
            }
        }
        n
    };
    assert!(red(0, 0) > 300, "{}", red(0, 0));
    assert!(red(500, 340) < 20);
    let out = run_ok(&base, "watermark/2/text/SGVsbG8/fontsize/40/fill/I0ZGMDAwMA/dissolve/100/shadow/50|imageMogr2/format/png");
    let img2 = rgba(&out);
    let mut n = 0;
    for y in 340..400 {
        for x in 500..640 {
            let p = img2.get_pixel(x, y);
            if p[0] > 200 && p[1] < 60 && p[2] < 60 {
                n += 1;
            }
        }
    }
    assert!(n > 300, "southeast text: {n}");
}

#[test]
fn matting_keeps_the_disc() {
    let input = corpus("subject-plain-bg.jpg");
    let out = run_ok(&input, "ci-process=AIPicMatting");
    assert_eq!(out.format, Some(Format::Png));
    let img = rgba(&out);
    let (w, h) = img.dimensions();
    // the disc: the red pixels of the input
    let src = rgba(&run_ok(&input, "imageMogr2/format/png"));
    let disc = src
        .pixels()
        .filter(|p| p[0] > 150 && p[1] < 100 && p[2] < 100)
        .count() as f64;
    let cov = f64::from(opaque(&img));
    assert!(
        (cov - disc).abs() / disc < 0.05,
        "alpha {cov} vs disc {disc}"
    );
    assert_eq!(img.get_pixel(2, 2)[3], 0);
    // every red pixel is kept opaque
    let lost = src
        .pixels()
        .zip(img.pixels())
        .filter(|(s, o)| s[0] > 150 && s[1] < 100 && s[2] < 100 && o[3] < 200)
        .count();
    assert!((lost as f64) < disc * 0.01, "{lost}");
    let padded = rgba(&run_ok(
        &input,
        "ci-process=AIPicMatting&center-layout=1&padding-layout=10x20",
    ));
    assert_eq!(padded.dimensions(), (w + 20, h + 40));
    assert_eq!(f64::from(opaque(&padded)), cov.round());
}
