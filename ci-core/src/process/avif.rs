//! AVIF (feature `avif`): decode with rav1d (the Rust port of dav1d, through the safe API of
//! its `re_rav1d` release) after avif-parse has taken the AV1 items out of the HEIF
//! container; encode with ravif (rav1e). Pure Rust, built from source: nothing links a
//! system library, so the wheel and `libcos_ci.a` stay self-contained.

use std::io::Cursor;

use image::DynamicImage;
use re_rav1d::dav1d as av1;

use super::error::{ProcessError, Result};
use super::limits::Limits;

/// ravif speed (1 slowest … 10 fastest). 8: on the 640x400 photo about a third of the
/// time of ravif's default 4 for a slightly larger file (see bench/README.md).
const ENCODE_SPEED: u8 = 8;

fn bad(what: impl std::fmt::Display) -> ProcessError {
    ProcessError::InvalidImageFormat(format!("AVIF: {what}"))
}

/// Decodes the primary image (with its alpha item, if any) of an AVIF file.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage> {
    // avif-parse debug-asserts on some malformed boxes (its release build returns an
    // error there): a panic from the parser is a typed error too.
    let data = std::panic::catch_unwind(|| avif_parse::read_avif(&mut Cursor::new(bytes)))
        .unwrap_or(Err(avif_parse::Error::InvalidData(
            "malformed AVIF container",
        )))
        .map_err(bad)?;
    let color = decode_av1(data.primary_item.to_vec(), limits)?;
    let alpha = match &data.alpha_item {
        Some(a) => Some(decode_av1(a.to_vec(), limits)?),
        None => None,
    };
    let (w, h) = (color.width(), color.height());
    if let Some(a) = &alpha {
        if (a.width(), a.height()) != (w, h) {
            return Err(bad("alpha item size differs from the image"));
        }
    }
    let planes = Planes::new(&color)?;
    let alpha_plane = match &alpha {
        Some(a) => Some(Planes::new(a)?),
        None => None,
    };
    let channels = if alpha.is_some() { 4 } else { 3 };
    let (w, h) = (w as usize, h as usize);
    let mut out = vec![0u16; w * h * channels];
    for y in 0..h {
        for x in 0..w {
            let o = (y * w + x) * channels;
            let rgb = planes.rgb(x, y);
            out[o..o + 3].copy_from_slice(&rgb);
            if let Some(a) = &alpha_plane {
                let v = a.luma_full(x, y);
                out[o + 3] = v;
                if data.premultiplied_alpha && v > 0 {
                    for c in &mut out[o..o + 3] {
                        *c = ((u32::from(*c) * 65535 + u32::from(v) / 2) / u32::from(v)).min(65535)
                            as u16;
                    }
                }
            }
        }
    }
    let (w, h) = (w as u32, h as u32);
    let size_err = || bad("pixel buffer size");
    let img = if planes.bits > 8 {
        if channels == 4 {
            DynamicImage::ImageRgba16(image::ImageBuffer::from_raw(w, h, out).ok_or_else(size_err)?)
        } else {
            DynamicImage::ImageRgb16(image::ImageBuffer::from_raw(w, h, out).ok_or_else(size_err)?)
        }
    } else {
        let out8: Vec<u8> = out.iter().map(|&v| (v >> 8) as u8).collect();
        if channels == 4 {
            DynamicImage::ImageRgba8(image::ImageBuffer::from_raw(w, h, out8).ok_or_else(size_err)?)
        } else {
            DynamicImage::ImageRgb8(image::ImageBuffer::from_raw(w, h, out8).ok_or_else(size_err)?)
        }
    };
    Ok(img)
}

fn av1_err(e: av1::Error) -> ProcessError {
    bad(format!("AV1: {e}"))
}

/// Decodes one AV1 still (an AVIF item) to a picture.
///
/// rav1d's safe API still has `unwrap`s and `unreachable!`s on states a malformed
/// bitstream might reach; a panic there becomes a typed error, never the caller's panic.
fn decode_av1(obus: Vec<u8>, limits: &Limits) -> Result<av1::Picture> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_av1_inner(obus, limits)
    }))
    .unwrap_or_else(|_| Err(bad("the AV1 decoder failed on this bitstream")))
}

fn decode_av1_inner(obus: Vec<u8>, limits: &Limits) -> Result<av1::Picture> {
    let mut s = av1::Settings::new();
    // the header was checked against the limits already; this caps what the bitstream
    // itself may claim
    s.set_frame_size_limit(u32::try_from(limits.max_pixels).unwrap_or(u32::MAX));
    s.set_max_frame_delay(1);
    let mut d = av1::Decoder::with_settings(&s).map_err(av1_err)?;
    let mut pending = match d.send_data(obus, None, None, None) {
        Ok(()) => false,
        Err(av1::Error::Again) => true,
        Err(e) => return Err(av1_err(e)),
    };
    // A still image is one temporal unit: bounded by the data, not by time.
    for _ in 0..64 {
        match d.get_picture() {
            Ok(p) => return Ok(p),
            Err(av1::Error::Again) if pending => match d.send_pending_data() {
                Ok(()) => pending = false,
                Err(av1::Error::Again) => {}
                Err(e) => return Err(av1_err(e)),
            },
            Err(av1::Error::Again) => {
                d.flush();
                return d
                    .get_picture()
                    .map_err(|_| bad("no picture in the AV1 item"));
            }
            Err(e) => return Err(av1_err(e)),
        }
    }
    Err(bad("AV1 decoder made no progress"))
}

// The YCbCr → RGB conversion below is written here because rav1d hands out raw planes of
// 8 to 12 bits, any subsampling, either range and several matrices (and GBR), while the
// conversion crates (yuv, dcv-color-primitives) take fixed 8-bit layouts; per pixel it is
// cheap next to the AV1 decode itself.

/// YCbCr → RGB matrix.
#[derive(Clone, Copy)]
enum Matrix {
    /// R' = Y + cr·V, B' = Y + cb·U, G' from the luma equation.
    YCbCr { kr: f32, kb: f32 },
    /// GBR stored as YUV (matrix_coefficients 0).
    Identity,
}

/// The planes of a decoded picture, read as samples of `bits` bits.
struct Planes {
    bits: u32,
    full_range: bool,
    matrix: Matrix,
    /// Chroma subsampling shifts (x, y); `None` for monochrome.
    chroma: Option<(u32, u32)>,
    y: av1::Plane,
    u: Option<av1::Plane>,
    v: Option<av1::Plane>,
    stride_y: usize,
    stride_c: usize,
    /// 2 for 16-bit storage.
    bytes: usize,
}

impl Planes {
    fn new(p: &av1::Picture) -> Result<Self> {
        use av1::pixel::{MatrixCoefficients as M, YUVRange};
        use av1::{PixelLayout, PlanarImageComponent as C};
        let bits = match p.bits_per_component() {
            Some(b) => b.0 as u32,
            None => return Err(bad("unknown bit depth")),
        };
        let bytes = if p.bit_depth() > 8 { 2 } else { 1 };
        let chroma = match p.pixel_layout() {
            PixelLayout::I400 => None,
            PixelLayout::I420 => Some((1, 1)),
            PixelLayout::I422 => Some((1, 0)),
            PixelLayout::I444 => Some((0, 0)),
        };
        let matrix = match p.matrix_coefficients() {
            M::Identity => Matrix::Identity,
            M::BT709 => Matrix::YCbCr {
                kr: 0.2126,
                kb: 0.0722,
            },
            M::BT2020NonConstantLuminance | M::BT2020ConstantLuminance => Matrix::YCbCr {
                kr: 0.2627,
                kb: 0.0593,
            },
            M::ST240M => Matrix::YCbCr {
                kr: 0.212,
                kb: 0.087,
            },
            // BT.601 (also what unspecified means to libavif and browsers)
            _ => Matrix::YCbCr {
                kr: 0.299,
                kb: 0.114,
            },
        };
        let (u, v) = if chroma.is_some() {
            (Some(p.plane(C::U)), Some(p.plane(C::V)))
        } else {
            (None, None)
        };
        let planes = Planes {
            bits,
            full_range: p.color_range() == YUVRange::Full,
            matrix,
            chroma,
            y: p.plane(C::Y),
            u,
            v,
            stride_y: p.stride(C::Y) as usize,
            stride_c: if chroma.is_some() {
                p.stride(C::U) as usize
            } else {
                0
            },
            bytes,
        };
        // every sample read below must be inside its plane
        let (w, h) = (p.width() as usize, p.height() as usize);
        let need = |stride: usize, cw: usize, ch: usize| (ch - 1) * stride + cw * bytes;
        if w == 0 || h == 0 || planes.y.len() < need(planes.stride_y, w, h) {
            return Err(bad("luma plane size"));
        }
        if let (Some((sx, sy)), Some(u), Some(v)) = (chroma, &planes.u, &planes.v) {
            let (cw, ch) = (w.div_ceil(1 << sx), h.div_ceil(1 << sy));
            let n = need(planes.stride_c, cw, ch);
            if u.len() < n || v.len() < n {
                return Err(bad("chroma plane size"));
            }
        }
        Ok(planes)
    }

    fn sample(&self, plane: &[u8], stride: usize, x: usize, y: usize) -> u32 {
        let i = y * stride + x * self.bytes;
        if self.bytes == 2 {
            u32::from(u16::from_ne_bytes([plane[i], plane[i + 1]]))
        } else {
            u32::from(plane[i])
        }
    }

    fn max(&self) -> f32 {
        ((1u32 << self.bits) - 1) as f32
    }

    /// A luma-like sample (Y, alpha, or a GBR sample) normalised to 0..=1.
    fn norm(&self, v: u32) -> f32 {
        let v = v as f32;
        if self.full_range {
            v / self.max()
        } else {
            let s = (1u32 << (self.bits - 8)) as f32;
            (v - 16.0 * s) / (219.0 * s)
        }
    }

    /// Luma (or alpha) at (x, y), normalised to 0..=1.
    fn luma(&self, x: usize, y: usize) -> f32 {
        self.norm(self.sample(&self.y, self.stride_y, x, y))
    }

    /// Luma (or alpha) as a 16-bit value.
    fn luma_full(&self, x: usize, y: usize) -> u16 {
        to16(self.luma(x, y))
    }

    /// RGB at (x, y) as 16-bit values. Chroma is taken from the co-sited sample (nearest):
    /// enough for thumbnails and statistics, and what a cheap decoder does.
    fn rgb(&self, x: usize, y: usize) -> [u16; 3] {
        let yy = self.luma(x, y);
        let (Some((sx, sy)), Some(u), Some(v)) = (self.chroma, &self.u, &self.v) else {
            let g = to16(yy);
            return [g, g, g];
        };
        let (cx, cy) = (x >> sx, y >> sy);
        let (us, vs) = (
            self.sample(u, self.stride_c, cx, cy),
            self.sample(v, self.stride_c, cx, cy),
        );
        let half = (1u32 << (self.bits - 1)) as f32;
        let scale = if self.full_range {
            self.max()
        } else {
            (224u32 << (self.bits - 8)) as f32
        };
        let cb = (us as f32 - half) / scale;
        let cr = (vs as f32 - half) / scale;
        match self.matrix {
            // G in Y, B in U, R in V
            Matrix::Identity => [to16(self.norm(vs)), to16(yy), to16(self.norm(us))],
            Matrix::YCbCr { kr, kb } => {
                let kg = 1.0 - kr - kb;
                let r = yy + 2.0 * (1.0 - kr) * cr;
                let b = yy + 2.0 * (1.0 - kb) * cb;
                let g = (yy - kr * r - kb * b) / kg;
                [to16(r), to16(g), to16(b)]
            }
        }
    }
}

fn to16(v: f32) -> u16 {
    (v.clamp(0.0, 1.0) * 65535.0 + 0.5) as u16
}

/// Encodes `img` as AVIF (8-bit AV1, 4:4:4 YCbCr as ravif does) at `quality` (1..=100).
/// Alpha goes into an alpha item.
pub(crate) fn encode(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    use ravif::{BitDepth, Encoder, Img};
    let enc = Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(ENCODE_SPEED)
        .with_bit_depth(BitDepth::Eight);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let enc_err = |e: ravif::Error| ProcessError::Encode(format!("AVIF: {e}"));
    let out = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        let px: Vec<ravif::RGBA8> = rgba
            .as_raw()
            .chunks_exact(4)
            .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
            .collect();
        enc.encode_rgba(Img::new(px.as_slice(), w, h))
            .map_err(enc_err)?
    } else {
        let rgb = img.to_rgb8();
        let px: Vec<ravif::RGB8> = rgb
            .as_raw()
            .chunks_exact(3)
            .map(|p| ravif::RGB8::new(p[0], p[1], p[2]))
            .collect();
        enc.encode_rgb(Img::new(px.as_slice(), w, h))
            .map_err(enc_err)?
    };
    Ok(out.avif_file)
}
