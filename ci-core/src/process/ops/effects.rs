//! Pixel effects: blur, sharpen, bright, contrast, grayscale, iradius, rradius.

use image::{DynamicImage, RgbaImage};

/// `blur/<r>x<s>`: Gaussian blur of standard deviation `sigma`. **(ours)** The kernel
/// extends to `radius` pixels at most (ImageMagick's `-blur RxS` reading): the effective
/// sigma is `min(sigma, radius / 2)` so that ±2σ fits the radius (never below 0.5).
pub(crate) fn blur(img: &DynamicImage, radius: u8, sigma: u8) -> DynamicImage {
    let s = f32::from(sigma).min(f32::from(radius) / 2.0).max(0.5);
    img.blur(s)
}

/// `sharpen/<v>`: unsharp mask. **(ours)** v 10–300 maps to sigma `v / 100` (0.1–3.0)
/// with threshold 0 (Tencent suggests 70, a mild sharpening).
pub(crate) fn sharpen(img: &DynamicImage, v: u16) -> DynamicImage {
    img.unsharpen(f32::from(v) / 100.0, 0)
}

/// `bright/<v>`: adds `v`% of full scale (−100…100 → −255…255) to every channel.
pub(crate) fn bright(img: &DynamicImage, v: i8) -> DynamicImage {
    img.brighten(i32::from(v) * 255 / 100)
}

/// `contrast/<v>`: −100…100 percent (the `image` crate's contrast adjustment).
pub(crate) fn contrast(img: &DynamicImage, v: i8) -> DynamicImage {
    img.adjust_contrast(f32::from(v))
}

/// `grayscale/1`: to luma (alpha kept).
pub(crate) fn grayscale(img: &DynamicImage) -> DynamicImage {
    img.grayscale()
}

/// Coverage (0–255) of a pixel centre at distance `d` from an edge of radius `r`
/// (one-pixel anti-aliased edge).
fn coverage(d: f64, r: f64) -> u8 {
    let c = (r - d + 0.5).clamp(0.0, 1.0);
    (c * 255.0).round() as u8
}

/// `iradius/<r>`: the centred 2r × 2r square, outside the inscribed circle transparent
/// (white once flattened for JPEG/BMP). **(ours)** r is clamped to half the short side.
pub(crate) fn iradius(img: &DynamicImage, r: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let r = r.min(w.min(h) / 2).max(1);
    let side = (2 * r).min(w.min(h)).max(1);
    let x0 = (w - side) / 2;
    let y0 = (h - side) / 2;
    let mut out: RgbaImage = img.crop_imm(x0, y0, side, side).to_rgba8();
    let c = f64::from(side) / 2.0;
    let rf = f64::from(r);
    for (x, y, p) in out.enumerate_pixels_mut() {
        let dx = f64::from(x) + 0.5 - c;
        let dy = f64::from(y) + 0.5 - c;
        let a = coverage((dx * dx + dy * dy).sqrt(), rf);
        p[3] = ((u32::from(p[3]) * u32::from(a) + 127) / 255) as u8;
    }
    DynamicImage::ImageRgba8(out)
}

/// `rradius/<r>`: rounded corners of radius r, outside transparent. **(ours)** r is
/// clamped to half the short side.
pub(crate) fn rradius(img: &DynamicImage, r: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    let r = r.min(w.min(h) / 2).max(1);
    let rf = f64::from(r);
    let mut out = img.to_rgba8();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let cx = if px < rf {
            rf
        } else if px > f64::from(w) - rf {
            f64::from(w) - rf
        } else {
            px
        };
        let cy = if py < rf {
            rf
        } else if py > f64::from(h) - rf {
            f64::from(h) - rf
        } else {
            py
        };
        if cx == px || cy == py {
            continue;
        }
        let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
        let a = coverage(d, rf);
        p[3] = ((u32::from(p[3]) * u32::from(a) + 127) / 255) as u8;
    }
    DynamicImage::ImageRgba8(out)
}
