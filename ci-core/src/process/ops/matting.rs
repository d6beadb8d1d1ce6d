//! `ci-process=AIPicMatting`, locally: a classical foreground segmentation.
//!
//! The cloud uses a learned model. **(ours)** Locally:
//! 1. background model: the mean colour of a border band (2 % of the short side, ≥ 1 px)
//!    and the spread of the border's distances to it;
//! 2. a pixel is foreground when its RGB distance to the background colour exceeds
//!    `max(24, mean + 3·std)` of the border distances;
//! 3. morphology: an opening (removes specks) then a closing (bridges gaps), square
//!    structuring element of radius `max(1, short side / 200)`;
//! 4. holes (background regions not connected to the border) are filled;
//! 5. the alpha edge is feathered with a 3×3 box blur.
//!
//! Limits: it works for a subject on a plain or near-plain background that touches the
//! border everywhere; textured or gradient backgrounds, subjects touching the border, and
//! subjects of the background's colour are not separated.

use image::{DynamicImage, Rgba, RgbaImage};

use super::geometry::paste;
use crate::rule::AiPicMatting;

/// The foreground alpha mask (0–255) of `img`.
pub(crate) fn alpha_mask(img: &DynamicImage) -> Vec<u8> {
    let rgb = img.to_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let band = (w.min(h) / 50).max(1);
    let is_border = |x: usize, y: usize| x < band || y < band || x + band >= w || y + band >= h;
    let px = |x: usize, y: usize| {
        let p = rgb.get_pixel(x as u32, y as u32).0;
        [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]
    };
    let (mut sum, mut n) = ([0f64; 3], 0f64);
    for y in 0..h {
        for x in 0..w {
            if is_border(x, y) {
                let p = px(x, y);
                for c in 0..3 {
                    sum[c] += p[c];
                }
                n += 1.0;
            }
        }
    }
    let bg = [sum[0] / n, sum[1] / n, sum[2] / n];
    let dist = |p: [f64; 3]| {
        ((p[0] - bg[0]).powi(2) + (p[1] - bg[1]).powi(2) + (p[2] - bg[2]).powi(2)).sqrt()
    };
    let (mut s1, mut s2) = (0f64, 0f64);
    for y in 0..h {
        for x in 0..w {
            if is_border(x, y) {
                let d = dist(px(x, y));
                s1 += d;
                s2 += d * d;
            }
        }
    }
    let mean = s1 / n;
    let std = (s2 / n - mean * mean).max(0.0).sqrt();
    let t = (mean + 3.0 * std).max(24.0);
    let mut mask: Vec<bool> = (0..w * h).map(|i| dist(px(i % w, i / w)) > t).collect();
    let r = (w.min(h) / 200).max(1);
    mask = dilate(&erode(&mask, w, h, r), w, h, r);
    mask = erode(&dilate(&mask, w, h, r), w, h, r);
    fill_holes(&mut mask, w, h);
    // feather: 3x3 box blur of the binary mask
    let mut alpha = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            let (mut s, mut c) = (0u32, 0u32);
            for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    s += u32::from(mask[yy * w + xx]) * 255;
                    c += 1;
                }
            }
            alpha[y * w + x] = ((s + c / 2) / c) as u8;
        }
    }
    alpha
}

/// Separable min (erode) / max (dilate) filter over a square of radius `r`.
fn morph(mask: &[bool], w: usize, h: usize, r: usize, dilate: bool) -> Vec<bool> {
    let pass = |src: &[bool], horizontal: bool| -> Vec<bool> {
        let mut out = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let (lo, hi, fixed) = if horizontal {
                    (x.saturating_sub(r), (x + r).min(w - 1), y)
                } else {
                    (y.saturating_sub(r), (y + r).min(h - 1), x)
                };
                let mut v = !dilate;
                for k in lo..=hi {
                    let s = if horizontal {
                        src[fixed * w + k]
                    } else {
                        src[k * w + fixed]
                    };
                    if dilate && s {
                        v = true;
                        break;
                    }
                    if !dilate && !s {
                        v = false;
                        break;
                    }
                }
                out[y * w + x] = v;
            }
        }
        out
    };
    let a = pass(mask, true);
    pass(&a, false)
}

fn erode(m: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    morph(m, w, h, r, false)
}

fn dilate(m: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    morph(m, w, h, r, true)
}

/// Marks as foreground every background pixel not 4-connected to the border.
fn fill_holes(mask: &mut [bool], w: usize, h: usize) {
    let mut seen = vec![false; w * h];
    let mut stack = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) && !mask[y * w + x] {
                seen[y * w + x] = true;
                stack.push((x, y));
            }
        }
    }
    while let Some((x, y)) = stack.pop() {
        let mut visit = |xx: usize, yy: usize| {
            let i = yy * w + xx;
            if !seen[i] && !mask[i] {
                seen[i] = true;
                stack.push((xx, yy));
            }
        };
        if x > 0 {
            visit(x - 1, y);
        }
        if x + 1 < w {
            visit(x + 1, y);
        }
        if y > 0 {
            visit(x, y - 1);
        }
        if y + 1 < h {
            visit(x, y + 1);
        }
    }
    for (m, s) in mask.iter_mut().zip(seen) {
        if !s {
            *m = true;
        }
    }
}

/// Runs the matting and the layouts: the subject with alpha, moved to the centre with
/// `center-layout=1`, then `padding-layout=<dx>x<dy>` adds transparent dx px left and
/// right and dy px top and bottom (the canvas grows).
pub(crate) fn matting(img: &DynamicImage, m: &AiPicMatting) -> DynamicImage {
    let alpha = alpha_mask(img);
    let mut out = img.to_rgba8();
    for (p, a) in out.pixels_mut().zip(alpha.iter()) {
        p[3] = ((u32::from(p[3]) * u32::from(*a) + 127) / 255) as u8;
    }
    if m.center_layout == Some(true) {
        if let Some((x0, y0, x1, y1)) = bbox(&out) {
            let (w, h) = (i64::from(out.width()), i64::from(out.height()));
            let dx = (w - (x1 - x0 + 1)) / 2 - x0;
            let dy = (h - (y1 - y0 + 1)) / 2 - y0;
            let mut c = RgbaImage::from_pixel(out.width(), out.height(), Rgba([0, 0, 0, 0]));
            paste(&mut c, &out, dx, dy);
            out = c;
        }
    }
    if let Some((px, py)) = m.padding_layout {
        let (px, py) = (u32::from(px), u32::from(py));
        let mut c = RgbaImage::from_pixel(
            out.width() + 2 * px,
            out.height() + 2 * py,
            Rgba([0, 0, 0, 0]),
        );
        paste(&mut c, &out, i64::from(px), i64::from(py));
        out = c;
    }
    DynamicImage::ImageRgba8(out)
}

/// Bounding box (inclusive) of the pixels with alpha > 0.
fn bbox(img: &RgbaImage) -> Option<(i64, i64, i64, i64)> {
    let mut b: Option<(i64, i64, i64, i64)> = None;
    for (x, y, p) in img.enumerate_pixels() {
        if p[3] > 0 {
            let (x, y) = (i64::from(x), i64::from(y));
            b = Some(match b {
                None => (x, y, x, y),
                Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x), e.max(y)),
            });
        }
    }
    b
}
