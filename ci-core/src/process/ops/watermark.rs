//! Watermarks: `watermark/1` (image) and `watermark/2` (text, through the caller's fonts
//! and the bundled DejaVu Sans).
//!
//! CJK text needs fonts supplied by the caller: the engine bundles only DejaVu Sans (the
//! cloud's fonts, e.g. `simhei黑体.ttf`, cannot be shipped), which has no CJK glyphs, so
//! without a font resolver every CJK character is DejaVu's `.notdef` box. Give
//! [`ExecuteOptions::font_resolver`](crate::process::ExecuteOptions::font_resolver) a
//! [`FontDir`](crate::process::FontDir) over a folder of the cloud's font files (CLI:
//! `cos-ci process --fonts DIR`); see [`crate::process::font`].
//!
//! **(ours)** choices, documented once here:
//! - text: 1 pt = 1 px (72 dpi); `font/<b64>` is looked up through the font resolver; each
//!   character takes the first of (the named font, the resolver's default font, DejaVu
//!   Sans) that has its glyph, so an unknown name falls back and is no error (as on the
//!   cloud); the cloud's default is Tahoma, which we cannot ship; the advance of each
//!   character is its own font's, kerning applies only between two glyphs of one font, and
//!   the line is as tall as the tallest font used; `shadow/<s>` draws a
//!   black copy of the text at an offset of fontsize/16 px (at least 1) with opacity s %;
//! - `batch/1` tiles the mark from the top-left corner with a gap of `spacing` % of the
//!   mark's size (text: default 10; image marks: 10), after rotating the mark by `degree`;
//! - a mark larger than the image without `blogo` is clipped where it falls.

use ab_glyph::{point, Font, FontArc, GlyphId, PxScale, ScaleFont};
use image::{DynamicImage, Rgba, RgbaImage};

use super::geometry::{fit_inside, place, rotate, scale_round};
use crate::process::error::{ProcessError, Result};
use crate::process::font::{self, FontResolver};
use crate::process::resize::{resize, Filter};
use crate::rule::{Blogo, Gravity, ImageWatermark, ScaleType, TextWatermark, WatermarkScale};

/// The bundled font (DejaVu Sans, see `assets/fonts/DejaVuSans-LICENSE.txt`).
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Where and how a rendered mark goes on the base image.
pub(crate) struct Placement {
    pub gravity: Gravity,
    pub dx: u32,
    pub dy: u32,
    pub dissolve: u8,
    pub batch: bool,
    pub degree: u16,
    pub spacing: u8,
    pub scale: Option<WatermarkScale>,
    pub blogo: Option<Blogo>,
}

impl Placement {
    pub(crate) fn image(w: &ImageWatermark) -> Placement {
        Placement {
            gravity: w.gravity.unwrap_or(Gravity::SouthEast),
            dx: w.dx.unwrap_or(0),
            dy: w.dy.unwrap_or(0),
            dissolve: w.dissolve.unwrap_or(90),
            batch: w.batch.unwrap_or(false),
            degree: w.degree.unwrap_or(0),
            spacing: 10,
            scale: w.scale,
            blogo: w.blogo,
        }
    }

    pub(crate) fn text(w: &TextWatermark) -> Placement {
        Placement {
            gravity: w.gravity.unwrap_or(Gravity::SouthEast),
            dx: w.dx.unwrap_or(0),
            dy: w.dy.unwrap_or(0),
            dissolve: w.dissolve.unwrap_or(90),
            batch: w.batch.unwrap_or(false),
            degree: w.degree.unwrap_or(0),
            spacing: w.spacing.unwrap_or(10),
            scale: w.scale,
            blogo: None,
        }
    }
}

/// Renders `text` in `fill` at `px` pixels (with an optional shadow of opacity `shadow` %)
/// into a tight RGBA image. Each character takes the first font of the chain (the font
/// `font` names, the resolver's default, DejaVu Sans) that has its glyph; a character no
/// font has is DejaVu Sans's `.notdef`.
pub(crate) fn render_text(
    text: &str,
    font: Option<&str>,
    fonts: Option<&FontResolver<'_>>,
    px: f32,
    fill: [u8; 3],
    shadow: u8,
) -> Result<RgbaImage> {
    let bundled = FontArc::try_from_slice(DEJAVU_SANS)
        .map_err(|e| ProcessError::Encode(format!("bundled font: {e}")))?;
    let chain = font::chain(fonts, font, bundled);
    let last = chain.len() - 1;
    let scale = PxScale::from(px.max(1.0));
    let shadow_off = if shadow > 0 {
        (px / 16.0).round().max(1.0) as u32
    } else {
        0
    };
    // (font index, glyph id, pen x); the baseline comes once every font used is known
    let mut laid = Vec::new();
    let mut used = vec![false; chain.len()];
    let mut x = 0f32;
    let mut prev: Option<(usize, GlyphId)> = None;
    for c in text.chars().filter(|c| !c.is_control()) {
        let fi = chain
            .iter()
            .position(|f| f.glyph_id(c).0 != 0)
            .unwrap_or(last);
        let sf = chain[fi].as_scaled(scale);
        let id = sf.glyph_id(c);
        if let Some((pf, pid)) = prev {
            // kerning only between glyphs of the same font
            if pf == fi {
                x += sf.kern(pid, id);
            }
        }
        laid.push((fi, id, x));
        used[fi] = true;
        x += sf.h_advance(id);
        prev = Some((fi, id));
    }
    let (mut ascent, mut descent) = (0f32, 0f32);
    for (f, _) in chain.iter().zip(&used).filter(|(_, u)| **u) {
        let sf = f.as_scaled(scale);
        ascent = ascent.max(sf.ascent());
        descent = descent.min(sf.descent());
    }
    if !used.iter().any(|u| *u) {
        let sf = chain[last].as_scaled(scale);
        (ascent, descent) = (sf.ascent(), sf.descent());
    }
    let width = (x.ceil() as u32).max(1) + shadow_off;
    let height = ((ascent - descent).ceil() as u32).max(1) + shadow_off;
    if u64::from(width) * u64::from(height) > 100_000_000 {
        return Err(ProcessError::ImageResolutionExceed(
            "text watermark too large".into(),
        ));
    }
    let mut cov = vec![0f32; (width * height) as usize];
    let mut sh = vec![0f32; (width * height) as usize];
    for (fi, id, gx) in laid {
        let g = id.with_scale_and_position(scale, point(gx, ascent));
        if let Some(og) = chain[fi].outline_glyph(g) {
            let b = og.px_bounds();
            og.draw(|gx, gy, c| {
                let x = b.min.x as i64 + i64::from(gx);
                let y = b.min.y as i64 + i64::from(gy);
                for (buf, off) in [(&mut cov, 0i64), (&mut sh, i64::from(shadow_off))] {
                    let (xx, yy) = (x + off, y + off);
                    if xx >= 0 && yy >= 0 && xx < i64::from(width) && yy < i64::from(height) {
                        let i = (yy as usize) * width as usize + xx as usize;
                        buf[i] = (buf[i] + c).min(1.0);
                    }
                }
            });
        }
    }
    let mut out = RgbaImage::new(width, height);
    for (i, p) in out.pixels_mut().enumerate() {
        let a = cov[i];
        let s = if shadow > 0 {
            sh[i] * f32::from(shadow) / 100.0
        } else {
            0.0
        };
        // text over shadow (shadow is black)
        let oa = a + s * (1.0 - a);
        if oa <= 0.0 {
            continue;
        }
        let ch = |f: u8| ((f32::from(f) * a) / oa).round().clamp(0.0, 255.0) as u8;
        *p = Rgba([
            ch(fill[0]),
            ch(fill[1]),
            ch(fill[2]),
            (oa * 255.0).round() as u8,
        ]);
    }
    Ok(out)
}

/// Scales the mark per `scatype`/`spcent` relative to the base size.
fn scale_mark(mark: RgbaImage, s: WatermarkScale, bw: u32, bh: u32) -> Result<RgbaImage> {
    let (mw, mh) = mark.dimensions();
    let p = u64::from(s.permille);
    let (tw, th) = match s.kind {
        ScaleType::Width => {
            let tw = scale_round(bw, p, 1000);
            (tw, scale_round(mh, u64::from(tw), u64::from(mw)))
        }
        ScaleType::Height => {
            let th = scale_round(bh, p, 1000);
            (scale_round(mw, u64::from(th), u64::from(mh)), th)
        }
        ScaleType::Area => {
            let target = f64::from(bw) * f64::from(bh) * f64::from(s.permille) / 1000.0;
            let f = (target / (f64::from(mw) * f64::from(mh))).sqrt();
            (
                ((f64::from(mw) * f).round() as u32).max(1),
                ((f64::from(mh) * f).round() as u32).max(1),
            )
        }
    };
    if tw > 30_000 || th > 30_000 || u64::from(tw) * u64::from(th) > 250_000_000 {
        return Err(ProcessError::ImageResolutionExceed(
            "scaled watermark too large".into(),
        ));
    }
    Ok(resize(&DynamicImage::ImageRgba8(mark), tw, th, Filter::Lanczos3)?.to_rgba8())
}

/// Puts `mark` on `base` as `p` says.
pub(crate) fn composite(
    base: &DynamicImage,
    mark: RgbaImage,
    p: &Placement,
) -> Result<DynamicImage> {
    let (bw, bh) = (base.width(), base.height());
    let mut mark = match p.scale {
        Some(s) => scale_mark(mark, s, bw, bh)?,
        None => mark,
    };
    let (mw, mh) = mark.dimensions();
    if mw > bw || mh > bh {
        match p.blogo {
            Some(Blogo::Scale) => {
                let (tw, th) = fit_inside(mw, mh, bw, bh);
                mark =
                    resize(&DynamicImage::ImageRgba8(mark), tw, th, Filter::Lanczos3)?.to_rgba8();
            }
            Some(Blogo::Crop) => {
                mark = DynamicImage::ImageRgba8(mark)
                    .crop_imm(0, 0, mw.min(bw), mh.min(bh))
                    .to_rgba8();
            }
            None => {}
        }
    }
    if p.dissolve < 100 {
        for px in mark.pixels_mut() {
            px[3] = ((u32::from(px[3]) * u32::from(p.dissolve) + 50) / 100) as u8;
        }
    }
    let keep_alpha = base.color().has_alpha();
    let mut out = base.to_rgba8();
    if p.batch {
        if !p.degree.is_multiple_of(360) {
            mark = rotate(&DynamicImage::ImageRgba8(mark), p.degree).to_rgba8();
        }
        let (mw, mh) = mark.dimensions();
        let sx = i64::from(mw + mw * u32::from(p.spacing) / 100).max(1);
        let sy = i64::from(mh + mh * u32::from(p.spacing) / 100).max(1);
        let mut y = 0i64;
        while y < i64::from(bh) {
            let mut x = 0i64;
            while x < i64::from(bw) {
                image::imageops::overlay(&mut out, &mark, x, y);
                x += sx;
            }
            y += sy;
        }
    } else {
        let (mw, mh) = mark.dimensions();
        let (x, y) = place(p.gravity, bw, bh, mw, mh, p.dx, p.dy);
        image::imageops::overlay(&mut out, &mark, x, y);
    }
    Ok(if keep_alpha {
        DynamicImage::ImageRgba8(out)
    } else {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(out).to_rgb8())
    })
}
