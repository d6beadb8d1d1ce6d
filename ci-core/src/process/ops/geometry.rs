//! Geometry: thumbnail sizes, pad, cut, crop with gravity, rotate, flip, imageView2 modes.
//!
//! Sizes are computed with integer arithmetic; **(ours)** computed dimensions round half
//! up and are at least 1 (spec: "Operations apply in the order written").

use image::{DynamicImage, Rgba, RgbaImage};

use crate::process::error::{ProcessError, Result};
use crate::process::resize::{resize, Filter};
use crate::rule::{Crop, CropShift, Gravity, Thumbnail, ViewMode};

/// `a * num / den`, rounded half up, at least 1, saturating at `u32::MAX`.
pub(crate) fn scale_round(a: u32, num: u64, den: u64) -> u32 {
    let den = den.max(1);
    let v = (u64::from(a) * num * 2 + den) / (2 * den);
    v.clamp(1, u64::from(u32::MAX)) as u32
}

/// Size that fits inside `bw` × `bh` keeping the ratio of `w` × `h` (may enlarge).
pub(crate) fn fit_inside(w: u32, h: u32, bw: u32, bh: u32) -> (u32, u32) {
    // Width-bound when w/h >= bw/bh, i.e. w*bh >= h*bw.
    if u64::from(w) * u64::from(bh) >= u64::from(h) * u64::from(bw) {
        (bw, scale_round(h, u64::from(bw), u64::from(w)))
    } else {
        (scale_round(w, u64::from(bh), u64::from(h)), bh)
    }
}

/// Smallest size covering `bw` × `bh` keeping the ratio of `w` × `h` (may enlarge).
pub(crate) fn cover(w: u32, h: u32, bw: u32, bh: u32) -> (u32, u32) {
    if u64::from(w) * u64::from(bh) >= u64::from(h) * u64::from(bw) {
        (scale_round(w, u64::from(bh), u64::from(h)), bh)
    } else {
        (bw, scale_round(h, u64::from(bw), u64::from(w)))
    }
}

/// The output size of a `thumbnail` geometry applied to `w` × `h`.
pub(crate) fn thumbnail_size(t: &Thumbnail, w: u32, h: u32) -> (u32, u32) {
    match *t {
        Thumbnail::Scale { percent } => (
            scale_round(w, u64::from(percent), 100),
            scale_round(h, u64::from(percent), 100),
        ),
        Thumbnail::ScaleWidth { percent } => (scale_round(w, u64::from(percent), 100), h),
        Thumbnail::ScaleHeight { percent } => (w, scale_round(h, u64::from(percent), 100)),
        Thumbnail::Width { w: tw } => (tw, scale_round(h, u64::from(tw), u64::from(w))),
        Thumbnail::Height { h: th } => (scale_round(w, u64::from(th), u64::from(h)), th),
        Thumbnail::Fit { w: bw, h: bh } => fit_inside(w, h, bw, bh),
        Thumbnail::Cover { w: bw, h: bh } => cover(w, h, bw, bh),
        Thumbnail::Exact { w: tw, h: th } => (tw, th),
        Thumbnail::Shrink { w: bw, h: bh } => {
            if w <= bw && h <= bh {
                (w, h)
            } else {
                fit_inside(w, h, bw, bh)
            }
        }
        Thumbnail::Enlarge { w: bw, h: bh } => {
            if w >= bw || h >= bh {
                (w, h)
            } else {
                fit_inside(w, h, bw, bh)
            }
        }
        Thumbnail::Area { pixels } => area_size(w, h, u64::from(pixels)),
    }
}

/// Largest `w'` × `h'` with the ratio of `w` × `h` (h' rounded half up) and `w'·h' ≤ area`.
fn area_size(w: u32, h: u32, area: u64) -> (u32, u32) {
    let (wf, hf) = (f64::from(w.max(1)), f64::from(h.max(1)));
    // Start from the real-valued answer and step down until the product fits.
    let mut tw = ((area as f64 * wf / hf).sqrt().floor() as u64).clamp(1, u64::from(u32::MAX));
    loop {
        let th = u64::from(scale_round(h, tw, u64::from(w.max(1))));
        if tw * th <= area || tw == 1 {
            return (tw as u32, th.min(u64::from(u32::MAX)) as u32);
        }
        tw -= 1;
    }
}

/// Whether a thumbnail only ever makes `w` × `h` smaller (or keeps it): then the decoder
/// may shrink on load.
pub(crate) fn thumbnail_shrinks(t: &Thumbnail, w: u32, h: u32) -> bool {
    let (tw, th) = thumbnail_size(t, w, h);
    tw <= w && th <= h
}

/// The output size and optional centre crop of an imageView2 mode on `w` × `h`, never
/// enlarging **(ours)**. Returns `(resize_to, crop_to)`.
///
/// With one of `bw`/`bh` missing, modes 1, 3, 4 and 5 use a square bound, modes 0 and 2
/// leave the other side free. Modes 0, 4, 5 read W as the long side and H as the short
/// side. Mode 5 is Tencent's (long ≤ W, short ≤ H, then centre-crop to the bound, which
/// the fitted image never exceeds).
pub(crate) fn view2_size(
    mode: ViewMode,
    bw: Option<u32>,
    bh: Option<u32>,
    w: u32,
    h: u32,
) -> ((u32, u32), Option<(u32, u32)>) {
    const FREE: u32 = u32::MAX / 4;
    let square = (bw.or(bh).unwrap_or(w), bh.or(bw).unwrap_or(h));
    let free = (bw.unwrap_or(FREE), bh.unwrap_or(FREE));
    // long/short bounds oriented like the image
    let orient = |(l, s): (u32, u32)| if w >= h { (l, s) } else { (s, l) };
    let fit = |(bx, by): (u32, u32)| {
        if w <= bx && h <= by {
            (w, h)
        } else {
            fit_inside(w, h, bx, by)
        }
    };
    let cover_shrink = |(bx, by): (u32, u32)| {
        let (tw, th) = cover(w, h, bx, by);
        if tw >= w || th >= h {
            (w, h)
        } else {
            (tw, th)
        }
    };
    match mode {
        ViewMode::LongShortMax => (fit(orient(free)), None),
        ViewMode::CoverCrop => {
            let r = cover_shrink(square);
            (r, Some((square.0.min(r.0), square.1.min(r.1))))
        }
        ViewMode::Fit => (fit(free), None),
        ViewMode::Cover => (cover_shrink(square), None),
        ViewMode::LongShortMin => (cover_shrink(orient(square)), None),
        ViewMode::LongShortMaxCrop => {
            let b = orient(square);
            let r = fit(b);
            (r, Some((b.0.min(r.0), b.1.min(r.1))))
        }
    }
}

/// Top-left of a `rw` × `rh` region in `w` × `h` anchored by `g`, moved `dx`/`dy` away from
/// the anchored edges (dx ignored for center/north/south, dy for center/west/east).
pub(crate) fn place(g: Gravity, w: u32, h: u32, rw: u32, rh: u32, dx: u32, dy: u32) -> (i64, i64) {
    let (w, h, rw, rh, dx, dy) = (
        i64::from(w),
        i64::from(h),
        i64::from(rw),
        i64::from(rh),
        i64::from(dx),
        i64::from(dy),
    );
    let x = match g {
        Gravity::NorthWest | Gravity::West | Gravity::SouthWest => dx,
        Gravity::North | Gravity::Center | Gravity::South => (w - rw) / 2,
        Gravity::NorthEast | Gravity::East | Gravity::SouthEast => w - rw - dx,
    };
    let y = match g {
        Gravity::NorthWest | Gravity::North | Gravity::NorthEast => dy,
        Gravity::West | Gravity::Center | Gravity::East => (h - rh) / 2,
        Gravity::SouthWest | Gravity::South | Gravity::SouthEast => h - rh - dy,
    };
    (x, y)
}

/// Clips the region `(x, y, rw, rh)` to `w` × `h`; `None` when nothing is left.
pub(crate) fn clip(
    x: i64,
    y: i64,
    rw: u32,
    rh: u32,
    w: u32,
    h: u32,
) -> Option<(u32, u32, u32, u32)> {
    let x0 = x.clamp(0, i64::from(w));
    let y0 = y.clamp(0, i64::from(h));
    let x1 = (x + i64::from(rw)).clamp(0, i64::from(w));
    let y1 = (y + i64::from(rh)).clamp(0, i64::from(h));
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    Some((x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
}

/// The region of a `crop` on `w` × `h` with the current gravity (`None` = default:
/// center for the size forms, **(ours)** northwest for `!WxHaXaY`, which is what the
/// spec's example `!600x600-20a20` → 580×600 at (0,20) implies).
pub(crate) fn crop_region(
    c: &Crop,
    gravity: Option<Gravity>,
    w: u32,
    h: u32,
) -> Result<(u32, u32, u32, u32)> {
    let (rw, rh, dx, dy, g) = match *c {
        Crop::Width { w: cw } => (cw.min(w), h, 0, 0, gravity.unwrap_or(Gravity::Center)),
        Crop::Height { h: ch } => (w, ch.min(h), 0, 0, gravity.unwrap_or(Gravity::Center)),
        Crop::Size { w: cw, h: ch } => (
            cw.min(w),
            ch.min(h),
            0,
            0,
            gravity.unwrap_or(Gravity::Center),
        ),
        Crop::Offset {
            w: cw,
            h: ch,
            dx,
            dy,
        } => {
            let (mut rw, mut rh, mut ox, mut oy) = (cw, ch, 0, 0);
            match dx {
                CropShift::Add(d) => ox = d,
                CropShift::Sub(d) => rw = rw.saturating_sub(d),
            }
            match dy {
                CropShift::Add(d) => oy = d,
                CropShift::Sub(d) => rh = rh.saturating_sub(d),
            }
            (rw, rh, ox, oy, gravity.unwrap_or(Gravity::NorthWest))
        }
    };
    if rw == 0 || rh == 0 {
        return Err(ProcessError::InvalidArgument("crop region is empty".into()));
    }
    let (x, y) = place(g, w, h, rw, rh, dx, dy);
    clip(x, y, rw, rh, w, h)
        .ok_or_else(|| ProcessError::InvalidArgument("crop region is outside the image".into()))
}

/// The region of `cut/WxHxDXxDY` clipped to the image **(ours)**.
pub(crate) fn cut_region(
    cw: u32,
    ch: u32,
    dx: u32,
    dy: u32,
    w: u32,
    h: u32,
) -> Result<(u32, u32, u32, u32)> {
    clip(i64::from(dx), i64::from(dy), cw, ch, w, h)
        .ok_or_else(|| ProcessError::InvalidArgument("cut region is outside the image".into()))
}

/// Resizes with Lanczos3 unless the size is unchanged.
pub(crate) fn resize_to(img: &DynamicImage, w: u32, h: u32) -> Result<DynamicImage> {
    if img.width() == w && img.height() == h {
        return Ok(img.clone());
    }
    resize(img, w, h, Filter::Lanczos3)
}

/// Crops a region (already clipped).
pub(crate) fn crop(img: &DynamicImage, (x, y, w, h): (u32, u32, u32, u32)) -> DynamicImage {
    img.crop_imm(x, y, w, h)
}

/// Centres `img` on a `w` × `h` canvas of `color` (pad after a fit thumbnail).
pub(crate) fn pad(img: &DynamicImage, w: u32, h: u32, color: [u8; 3]) -> DynamicImage {
    let alpha = img.color().has_alpha();
    let bg = Rgba([color[0], color[1], color[2], 255]);
    let mut canvas = RgbaImage::from_pixel(w, h, bg);
    let x = i64::from(w.saturating_sub(img.width()) / 2);
    let y = i64::from(h.saturating_sub(img.height()) / 2);
    image::imageops::overlay(&mut canvas, &img.to_rgba8(), x, y);
    if alpha {
        DynamicImage::ImageRgba8(canvas)
    } else {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(canvas).to_rgb8())
    }
}

/// The size of `w` × `h` rotated by `deg` degrees (canvas grows to fit).
pub(crate) fn rotated_size(w: u32, h: u32, deg: u16) -> (u32, u32) {
    match deg % 360 {
        0 | 180 => (w, h),
        90 | 270 => (h, w),
        d => {
            let t = f64::from(d).to_radians();
            let (s, c) = (t.sin().abs(), t.cos().abs());
            let (wf, hf) = (f64::from(w), f64::from(h));
            let nw = (wf * c + hf * s).round().max(1.0);
            let nh = (wf * s + hf * c).round().max(1.0);
            (nw as u32, nh as u32)
        }
    }
}

/// Rotates clockwise by `deg`; the grown canvas is white, or transparent when the image
/// has alpha. Arbitrary angles use bilinear sampling.
pub(crate) fn rotate(img: &DynamicImage, deg: u16) -> DynamicImage {
    match deg % 360 {
        0 => img.clone(),
        90 => img.rotate90(),
        180 => img.rotate180(),
        270 => img.rotate270(),
        d => rotate_any(img, d),
    }
}

fn rotate_any(img: &DynamicImage, deg: u16) -> DynamicImage {
    let alpha = img.color().has_alpha();
    let src = img.to_rgba8();
    let (w, h) = src.dimensions();
    let (nw, nh) = rotated_size(w, h, deg);
    let bg = if alpha {
        Rgba([0, 0, 0, 0])
    } else {
        Rgba([255, 255, 255, 255])
    };
    let t = f64::from(deg).to_radians();
    let (s, c) = (t.sin(), t.cos());
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let (ncx, ncy) = (f64::from(nw) / 2.0, f64::from(nh) / 2.0);
    let mut out = RgbaImage::from_pixel(nw, nh, bg);
    for (x, y, px) in out.enumerate_pixels_mut() {
        // inverse map: rotate the destination point counter-clockwise into the source
        let (u, v) = (f64::from(x) + 0.5 - ncx, f64::from(y) + 0.5 - ncy);
        let sx = u * c + v * s + cx - 0.5;
        let sy = -u * s + v * c + cy - 0.5;
        if sx < -0.5 || sy < -0.5 || sx > f64::from(w) - 0.5 || sy > f64::from(h) - 0.5 {
            continue;
        }
        *px = bilinear(&src, sx, sy, bg);
    }
    if alpha {
        DynamicImage::ImageRgba8(out)
    } else {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(out).to_rgb8())
    }
}

fn bilinear(src: &RgbaImage, x: f64, y: f64, bg: Rgba<u8>) -> Rgba<u8> {
    let (w, h) = (i64::from(src.width()), i64::from(src.height()));
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let get = |xx: i64, yy: i64| -> [f64; 4] {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            let p = bg.0;
            [p[0].into(), p[1].into(), p[2].into(), p[3].into()]
        } else {
            let p = src.get_pixel(xx as u32, yy as u32).0;
            [p[0].into(), p[1].into(), p[2].into(), p[3].into()]
        }
    };
    let (a, b, c, d) = (
        get(x0, y0),
        get(x0 + 1, y0),
        get(x0, y0 + 1),
        get(x0 + 1, y0 + 1),
    );
    let mut o = [0u8; 4];
    for i in 0..4 {
        let top = a[i] * (1.0 - fx) + b[i] * fx;
        let bot = c[i] * (1.0 - fx) + d[i] * fx;
        o[i] = (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgba(o)
}

/// Copies `src` into `dst` at (x, y), clipped (used by the matting layouts).
pub(crate) fn paste(dst: &mut RgbaImage, src: &RgbaImage, x: i64, y: i64) {
    for (sx, sy, p) in src.enumerate_pixels() {
        let (dx, dy) = (x + i64::from(sx), y + i64::from(sy));
        if dx >= 0 && dy >= 0 && dx < i64::from(dst.width()) && dy < i64::from(dst.height()) {
            dst.put_pixel(dx as u32, dy as u32, *p);
        }
    }
}
