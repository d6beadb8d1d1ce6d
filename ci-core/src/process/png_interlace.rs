//! Adam7-interlaced PNG output (`format/png/interlace/1`).
//!
//! Hand-written because no maintained crate writes Adam7: the `png` crate (0.18) sets the
//! IHDR interlace flag but its `write_image_data` only filters sequential rows. So the
//! `png` crate writes the signature, IHDR, iCCP, eXIf and IEND chunks (and their CRCs),
//! and this module builds the IDAT stream itself: the seven Adam7 passes, each row filtered
//! with the usual minimum-sum-of-absolute-differences heuristic, deflated with flate2.

use std::borrow::Cow;
use std::io::Write;

use image::DynamicImage;

use super::error::{ProcessError, Result};

/// Adam7 passes as (x0, y0, dx, dy) (PNG specification, section 8.2).
const PASSES: [(usize, usize, usize, usize); 7] = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
];

/// Largest IDAT chunk written; the stream is split over several chunks.
const IDAT_CHUNK: usize = 1 << 20;

fn enc_err(e: impl std::fmt::Display) -> ProcessError {
    ProcessError::Encode(format!("PNG: {e}"))
}

/// Samples of `img` as PNG wants them (16-bit big-endian), with the colour type and depth.
fn raw_samples(img: &DynamicImage) -> (png::ColorType, png::BitDepth, Cow<'_, [u8]>) {
    use png::{BitDepth, ColorType};
    let be16 = |s: &[u16]| -> Vec<u8> { s.iter().flat_map(|v| v.to_be_bytes()).collect() };
    match img {
        DynamicImage::ImageLuma8(i) => (ColorType::Grayscale, BitDepth::Eight, i.as_raw().into()),
        DynamicImage::ImageLumaA8(i) => (
            ColorType::GrayscaleAlpha,
            BitDepth::Eight,
            i.as_raw().into(),
        ),
        DynamicImage::ImageRgb8(i) => (ColorType::Rgb, BitDepth::Eight, i.as_raw().into()),
        DynamicImage::ImageRgba8(i) => (ColorType::Rgba, BitDepth::Eight, i.as_raw().into()),
        DynamicImage::ImageLuma16(i) => (
            ColorType::Grayscale,
            BitDepth::Sixteen,
            be16(i.as_raw()).into(),
        ),
        DynamicImage::ImageLumaA16(i) => (
            ColorType::GrayscaleAlpha,
            BitDepth::Sixteen,
            be16(i.as_raw()).into(),
        ),
        DynamicImage::ImageRgb16(i) => (ColorType::Rgb, BitDepth::Sixteen, be16(i.as_raw()).into()),
        DynamicImage::ImageRgba16(i) => {
            (ColorType::Rgba, BitDepth::Sixteen, be16(i.as_raw()).into())
        }
        // float and future layouts: 16-bit keeps the precision PNG can hold
        i if i.color().has_alpha() => (
            ColorType::Rgba,
            BitDepth::Sixteen,
            be16(i.to_rgba16().as_raw()).into(),
        ),
        i => (
            ColorType::Rgb,
            BitDepth::Sixteen,
            be16(i.to_rgb16().as_raw()).into(),
        ),
    }
}

/// Encodes `img` as an Adam7-interlaced PNG with the given metadata chunks.
pub(crate) fn encode(
    img: &DynamicImage,
    icc: Option<&[u8]>,
    exif: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let (w, h) = (img.width(), img.height());
    let (color, depth, samples) = raw_samples(img);
    let bpp = color.samples()
        * if depth == png::BitDepth::Sixteen {
            2
        } else {
            1
        };
    let idat = interlaced_idat(&samples, w as usize, h as usize, bpp)?;

    let mut info = png::Info::with_size(w, h);
    info.color_type = color;
    info.bit_depth = depth;
    info.interlaced = true;
    info.icc_profile = icc.map(Cow::Borrowed);
    info.exif_metadata = exif.map(Cow::Borrowed);
    let mut out = Vec::with_capacity(idat.len() + 1024);
    let mut writer = png::Encoder::with_info(&mut out, info)
        .and_then(png::Encoder::write_header)
        .map_err(enc_err)?;
    for part in idat.chunks(IDAT_CHUNK) {
        writer
            .write_chunk(png::chunk::IDAT, part)
            .map_err(enc_err)?;
    }
    writer.finish().map_err(enc_err)?;
    Ok(out)
}

/// The zlib stream of the seven filtered passes of a `w`×`h` image whose rows are
/// `w * bpp` bytes of `samples`.
fn interlaced_idat(samples: &[u8], w: usize, h: usize, bpp: usize) -> Result<Vec<u8>> {
    if samples.len() != w * h * bpp {
        return Err(ProcessError::Encode("PNG: pixel buffer size".into()));
    }
    // zlib level 1, as for non-interlaced PNG output (see codec::encode)
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(samples.len() / 2),
        flate2::Compression::fast(),
    );
    let stride = w * bpp;
    for (x0, y0, dx, dy) in PASSES {
        if w <= x0 || h <= y0 {
            continue; // an empty pass has no rows at all, not even filter bytes
        }
        let pw = (w - x0).div_ceil(dx);
        let row_len = pw * bpp;
        let mut prev = vec![0u8; row_len];
        let mut cur = vec![0u8; row_len];
        let mut filtered = vec![0u8; row_len + 1];
        for y in (y0..h).step_by(dy) {
            let src = &samples[y * stride..(y + 1) * stride];
            for (i, x) in (x0..w).step_by(dx).enumerate() {
                cur[i * bpp..(i + 1) * bpp].copy_from_slice(&src[x * bpp..(x + 1) * bpp]);
            }
            filter_row(&cur, &prev, bpp, &mut filtered);
            z.write_all(&filtered).map_err(enc_err)?;
            std::mem::swap(&mut prev, &mut cur);
        }
    }
    z.finish().map_err(enc_err)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (i16::from(a), i16::from(b), i16::from(c));
    let p = ia + ib - ic;
    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Writes the filter type byte and the filtered `cur` into `out`, choosing among the five
/// filters the one with the smallest sum of absolute (signed) values.
fn filter_row(cur: &[u8], prev: &[u8], bpp: usize, out: &mut [u8]) {
    let n = cur.len();
    let mut best = (u64::MAX, 0u8);
    let mut trial = vec![0u8; n];
    for ft in 0u8..5 {
        for i in 0..n {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            let pred = match ft {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                _ => paeth(a, b, c),
            };
            trial[i] = cur[i].wrapping_sub(pred);
        }
        let cost: u64 = trial
            .iter()
            .map(|&v| u64::from((v as i8).unsigned_abs()))
            .sum();
        if cost < best.0 {
            best = (cost, ft);
            out[0] = ft;
            out[1..].copy_from_slice(&trial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_sizes_cover_every_pixel_once() {
        for (w, h) in [(1, 1), (3, 5), (9, 7), (8, 8), (17, 2)] {
            let mut seen = vec![0u8; w * h];
            for (x0, y0, dx, dy) in PASSES {
                for y in (y0..h).step_by(dy) {
                    for x in (x0..w).step_by(dx) {
                        seen[y * w + x] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{w}x{h}");
        }
    }

    #[test]
    fn filter_picks_up_for_a_repeated_row() {
        let row = [10u8, 200, 30, 40, 250, 60];
        let mut out = [0u8; 7];
        filter_row(&row, &row, 3, &mut out);
        assert_eq!(out, [2, 0, 0, 0, 0, 0, 0]);
    }
}
