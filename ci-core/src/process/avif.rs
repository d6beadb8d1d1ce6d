//! AVIF (feature `avif`): decode with rav1d (the Rust port of dav1d, through the safe API of
//! its `re_rav1d` release) after avif-parse has taken the AV1 items out of the HEIF
//! container; encode with rav1e (pure Rust), or with libaom (feature `avif-aom`, built
//! from its vendored sources), avif-serialize writing the container. Nothing links a
//! system library, so the wheel and `libcos_ci.a` stay self-contained.

use std::io::Cursor;

use image::DynamicImage;
use re_rav1d::dav1d as av1;

use super::error::{ProcessError, Result};
use super::limits::Limits;

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

/// Encodes `img` as AVIF (8-bit AV1, BT.601 full-range YCbCr) at `quality` (1..=100, the
/// scale of libavif and Pillow: see [`quality_to_qindex`]). Below [`FULL_CHROMA_QUALITY`]
/// the chroma is subsampled 4:2:0, as Pillow, libavif and libvips do by default; alpha
/// goes into a monochrome alpha item at the same quality.
///
/// The AV1 encoder is libaom with the feature `avif-aom` (module `aom`), else rav1e
/// (module `rav1e_enc`), driven directly because ravif (0.13) always encodes 4:4:4: for
/// photographs 4:2:0 costs little quality per byte and halves the chroma to encode.
pub(crate) fn encode(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let quality = quality.clamp(1, 100);
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return Err(ProcessError::Encode("AVIF: empty image".into()));
    }
    let subsample = quality < FULL_CHROMA_QUALITY;
    let has_alpha = img.color().has_alpha();
    let rgba = img.to_rgba8();
    let px = rgba.as_raw();
    #[cfg(feature = "avif-aom")]
    use aom as enc;
    #[cfg(not(feature = "avif-aom"))]
    use rav1e_enc as enc;
    // Colour and alpha are independent AV1 streams: encode them side by side.
    let (color, alpha) = rayon::join(
        || enc::color(px, w, h, quality, subsample),
        || has_alpha.then(|| enc::alpha(px, w, h, quality)),
    );
    let (color, alpha) = (color?, alpha.transpose()?);
    let mut avif = avif_serialize::Aviffy::new();
    avif.set_matrix_coefficients(avif_serialize::constants::MatrixCoefficients::Bt601)
        .set_full_color_range(true)
        .set_chroma_subsampling((subsample, subsample))
        // Main profile (0) carries 4:2:0; 4:4:4 needs High (1).
        .set_seq_profile(if subsample { 0 } else { 1 });
    Ok(avif.to_vec(&color, alpha.as_deref(), w as u32, h as u32, 8))
}

/// From this quality up the chroma keeps full resolution (4:4:4), as libvips's `auto`
/// subsampling does; below it 4:2:0 (the default of libavif and Pillow at any quality).
pub(crate) const FULL_CHROMA_QUALITY: u8 = 90;

/// libavif's quantizer (0..=63) for a quality (0..=100): `((100 - q) * 63 + 50) / 100`.
pub(crate) fn quality_to_quantizer(quality: u8) -> u8 {
    (((100 - u32::from(quality.min(100))) * 63 + 50) / 100) as u8
}

/// libavif's mapping of quality (0..=100) to the AV1 quantizer index (0..=255): quality
/// to its 0..=63 quantizer ([`quality_to_quantizer`]), then libaom's
/// `quantizer_to_qindex` table (4 steps per quantizer, 249 and 255 at the top). So
/// quality 75 here means what `quality=75` means to libavif, Pillow and libvips.
#[cfg(any(test, not(feature = "avif-aom")))]
pub(crate) fn quality_to_qindex(quality: u8) -> u8 {
    match quality_to_quantizer(quality) {
        63 => 255,
        62 => 249,
        q => q * 4,
    }
}

/// The libaom encoder (feature `avif-aom`), through the safe wrapper in vendor/aom-still.
#[cfg(feature = "avif-aom")]
pub(crate) mod aom {
    use super::{fill_alpha, fill_ycbcr, ProcessError, Result};

    /// Encoder speed, threads and tiling, chosen for the picture size.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct EncodeSettings {
        /// libaom `cpu-used` (all-intra: 0 slowest … 9 fastest).
        pub(crate) speed: u8,
        /// libaom's worker threads: the size of the global rayon pool.
        pub(crate) threads: u32,
        /// log2 of the tile columns.
        pub(crate) tile_cols_log2: u8,
        /// log2 of the tile rows.
        pub(crate) tile_rows_log2: u8,
    }

    /// Pixels per tile below which splitting costs more bytes than it saves time.
    const MIN_TILE_PIXELS: usize = 256 * 256;

    impl EncodeSettings {
        /// Speed [`SPEED`]; libaom's threads = the global rayon pool's (row-mt on); up to
        /// one tile per thread, each at least 256x256 pixels, splitting the longer side.
        pub(crate) fn for_size(width: usize, height: usize) -> Self {
            let threads = rayon::current_num_threads().clamp(1, 64);
            // tiles: up to one per thread (row-mt shares the rest), none under 256x256
            let max_tiles = threads.min((width * height / MIN_TILE_PIXELS).max(1));
            let mut cols_log2 = 0u8;
            let mut rows_log2 = 0u8;
            while (1usize << (cols_log2 + rows_log2 + 1)) <= max_tiles {
                // split the longer side of a tile
                if (width >> cols_log2) >= (height >> rows_log2) {
                    cols_log2 += 1;
                } else {
                    rows_log2 += 1;
                }
            }
            EncodeSettings {
                speed: SPEED,
                threads: threads as u32,
                tile_cols_log2: cols_log2,
                tile_rows_log2: rows_log2,
            }
        }
    }

    /// libaom speed (all-intra `cpu-used`). Pillow uses 6 too; with our chroma and luma
    /// preparation ([`fill_ycbcr`]) libaom 3.11 at speed 6 needs 0.86x the bytes of
    /// Pillow's libaom 3.14 at its SSIM; speed 5 costs ~4.6 times the CPU (bench/README.md,
    /// AVIF: the sweeps).
    const SPEED: u8 = 6;

    fn encode(pic: &aom_still::Picture<'_>, quality: u8) -> Result<Vec<u8>> {
        let s = EncodeSettings::for_size(pic.width as usize, pic.height as usize);
        let settings = aom_still::Settings {
            speed: s.speed,
            threads: s.threads,
            tile_cols_log2: s.tile_cols_log2,
            tile_rows_log2: s.tile_rows_log2,
            quantizer: super::quality_to_quantizer(quality),
            // libavif's default min/max-q (pinning both to the level gave the same bytes)
            quantizer_range: (0, 63),
            // libavif's default tuning
            tune_ssim: true,
            options: &[],
        };
        // BT.709 primaries, sRGB transfer, BT.601 matrix, full range: what the
        // container says too
        let color = aom_still::Color {
            primaries: 1,
            transfer: 13,
            matrix: 6,
            full_range: true,
        };
        aom_still::encode(pic, &settings, &color)
            .map_err(|e| ProcessError::Encode(format!("AVIF: AV1: {e}")))
    }

    fn dims(w: usize, h: usize) -> Result<(u32, u32)> {
        match (u32::try_from(w), u32::try_from(h)) {
            (Ok(w), Ok(h)) => Ok((w, h)),
            _ => Err(ProcessError::Encode("AVIF: image too large".into())),
        }
    }

    /// The colour item: YCbCr planes (4:2:0 with `subsample`, else 4:4:4), encoded.
    pub(super) fn color(
        rgba: &[u8],
        w: usize,
        h: usize,
        quality: u8,
        subsample: bool,
    ) -> Result<Vec<u8>> {
        let (width, height) = dims(w, h)?;
        let (cw, ch) = if subsample {
            (w.div_ceil(2), h.div_ceil(2))
        } else {
            (w, h)
        };
        let mut y = vec![0u8; w * h];
        let mut u = vec![0u8; cw * ch];
        let mut v = vec![0u8; cw * ch];
        fill_ycbcr([&mut y, &mut u, &mut v], [w, cw, cw], rgba, w, h, subsample);
        let pic = aom_still::Picture {
            width,
            height,
            layout: if subsample {
                aom_still::Layout::I420
            } else {
                aom_still::Layout::I444
            },
            planes: [&y, &u, &v],
            strides: [w, cw, cw],
        };
        encode(&pic, quality)
    }

    /// The alpha item: a monochrome picture of the alpha channel, encoded.
    pub(super) fn alpha(rgba: &[u8], w: usize, h: usize, quality: u8) -> Result<Vec<u8>> {
        let (width, height) = dims(w, h)?;
        let mut a = vec![0u8; w * h];
        fill_alpha(&mut a, w, rgba, w, h);
        let pic = aom_still::Picture {
            width,
            height,
            layout: aom_still::Layout::Monochrome,
            planes: [&a, &[], &[]],
            strides: [w, 0, 0],
        };
        encode(&pic, quality)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tiles_follow_threads_but_stay_large() {
            let threads = rayon::current_num_threads();
            let s = EncodeSettings::for_size(200, 100);
            assert_eq!((s.tile_cols_log2, s.tile_rows_log2), (0, 0));
            assert_eq!(s.threads as usize, threads);
            let s = EncodeSettings::for_size(800, 450);
            let tiles = 1usize << (s.tile_cols_log2 + s.tile_rows_log2);
            assert!(tiles <= threads.min(800 * 450 / MIN_TILE_PIXELS));
            assert!(2 * tiles > threads.min(800 * 450 / MIN_TILE_PIXELS));
            // a wide picture splits into columns first
            assert!(s.tile_cols_log2 >= s.tile_rows_log2);
            assert_eq!(s.speed, SPEED);
        }
    }
}

/// The rav1e encoder (without the feature `avif-aom`).
#[cfg(not(feature = "avif-aom"))]
pub(crate) mod rav1e_enc {
    use super::{fill_alpha, fill_ycbcr, quality_to_qindex, ProcessError, Result};

    /// Encoder speed and tiling, chosen for the picture size.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct EncodeSettings {
        /// rav1e speed preset (0 slowest … 10 fastest).
        pub(crate) speed: u8,
        /// Number of tiles (each is encoded on its own thread).
        pub(crate) tiles: usize,
        /// Blocks from 8x8 (else from 16x16) up to 32x32.
        pub(crate) fine_partitions: bool,
    }

    /// Up to this many pixels the encoder also tries 8x8 blocks.
    const FINE_PARTITION_MAX_PIXELS: usize = 2_000_000;

    /// Pixels per tile below which splitting costs more bits than it saves time.
    const MIN_TILE_PIXELS: usize = 128 * 128;

    impl EncodeSettings {
        /// rav1e speed 10 with blocks from 8x8 up to 2 MP, from 16x16 above
        /// (bench/README.md's AVIF section has the sweep: at the same SSIM, speed 4 saves
        /// another 6 % of bytes at 8 times the time); one tile per worker thread of the
        /// global rayon pool, but no tile under 128x128.
        pub(crate) fn for_size(width: usize, height: usize) -> Self {
            let threads = rayon::current_num_threads().max(1);
            let tiles = threads.min((width * height / MIN_TILE_PIXELS).max(1));
            EncodeSettings {
                speed: 10,
                tiles,
                fine_partitions: width * height <= FINE_PARTITION_MAX_PIXELS,
            }
        }
    }

    /// What one AV1 stream carries.
    #[derive(Clone, Copy)]
    enum Layout {
        Color { subsample: bool },
        Alpha,
    }

    /// The colour item: YCbCr planes (4:2:0 with `subsample`, else 4:4:4), encoded.
    pub(super) fn color(
        rgba: &[u8],
        w: usize,
        h: usize,
        quality: u8,
        subsample: bool,
    ) -> Result<Vec<u8>> {
        let settings = EncodeSettings::for_size(w, h);
        let layout = Layout::Color { subsample };
        encode_av1(&settings, w, h, quality_to_qindex(quality), layout, |f| {
            let [py, pu, pv] = &mut f.planes;
            let strides = [py.cfg.stride, pu.cfg.stride, pv.cfg.stride];
            let planes = [
                py.data_origin_mut(),
                pu.data_origin_mut(),
                pv.data_origin_mut(),
            ];
            fill_ycbcr(planes, strides, rgba, w, h, subsample)
        })
    }

    /// The alpha item: a monochrome picture of the alpha channel, encoded.
    pub(super) fn alpha(rgba: &[u8], w: usize, h: usize, quality: u8) -> Result<Vec<u8>> {
        let settings = EncodeSettings::for_size(w, h);
        encode_av1(
            &settings,
            w,
            h,
            quality_to_qindex(quality),
            Layout::Alpha,
            |f| {
                let p = &mut f.planes[0];
                let stride = p.cfg.stride;
                fill_alpha(p.data_origin_mut(), stride, rgba, w, h)
            },
        )
    }

    /// Encodes one AV1 still picture (an AVIF item) with rav1e.
    fn encode_av1(
        settings: &EncodeSettings,
        width: usize,
        height: usize,
        qindex: u8,
        layout: Layout,
        fill: impl FnOnce(&mut rav1e::Frame<u8>),
    ) -> Result<Vec<u8>> {
        use rav1e::color::{
            ChromaSamplePosition, ChromaSampling, ColorDescription, ColorPrimaries,
            MatrixCoefficients, PixelRange, TransferCharacteristics,
        };
        use rav1e::prelude::*;
        let enc_err = |e: &dyn std::fmt::Display| ProcessError::Encode(format!("AVIF: AV1: {e}"));
        let (chroma_sampling, color_description) = match layout {
            Layout::Color { subsample } => (
                if subsample {
                    ChromaSampling::Cs420
                } else {
                    ChromaSampling::Cs444
                },
                Some(ColorDescription {
                    color_primaries: ColorPrimaries::BT709,
                    transfer_characteristics: TransferCharacteristics::SRGB,
                    matrix_coefficients: MatrixCoefficients::BT601,
                }),
            ),
            Layout::Alpha => (ChromaSampling::Cs400, None),
        };
        let mut speed_settings = SpeedSettings::from_preset(settings.speed);
        // one key frame: nothing to look ahead to or refer back to
        speed_settings.multiref = false;
        speed_settings.rdo_lookahead_frames = 1;
        speed_settings.scene_detection_mode = SceneDetectionSpeed::None;
        // Speed 10 but for its 32x32-only partitions: 8x8 to 32x32 blocks (speed 8's
        // range) give a quarter fewer bytes at the same SSIM on photographs for about twice
        // the time; above a few megapixels 16x16 to 32x32 keeps the time in check.
        speed_settings.partition.partition_range = if settings.fine_partitions {
            PartitionRange::new(BlockSize::BLOCK_8X8, BlockSize::BLOCK_32X32)
        } else {
            PartitionRange::new(BlockSize::BLOCK_16X16, BlockSize::BLOCK_32X32)
        };
        let enc = EncoderConfig {
            width,
            height,
            bit_depth: 8,
            chroma_sampling,
            chroma_sample_position: ChromaSamplePosition::Unknown,
            pixel_range: PixelRange::Full,
            color_description,
            still_picture: true,
            quantizer: usize::from(qindex),
            min_quantizer: qindex,
            bitrate: 0,
            tiles: settings.tiles,
            speed_settings,
            ..EncoderConfig::default()
        };
        // threads 0: rav1e runs its tiles on the global rayon pool (no pool per call)
        let cfg = Config::new().with_encoder_config(enc).with_threads(0);
        let mut ctx: Context<u8> = cfg.new_context().map_err(|e| enc_err(&e))?;
        let mut frame = ctx.new_frame();
        fill(&mut frame);
        ctx.send_frame(frame).map_err(|e| enc_err(&e))?;
        ctx.flush();
        let mut out = Vec::new();
        // One frame in: a key frame's packet, then `Encoded`/`LimitReached`. Bounded anyway.
        for _ in 0..16 {
            match ctx.receive_packet() {
                Ok(mut packet) => {
                    if packet.frame_type == FrameType::KEY {
                        out.append(&mut packet.data);
                    }
                }
                Err(EncoderStatus::Encoded) => {}
                Err(EncoderStatus::LimitReached) => break,
                Err(e) => return Err(enc_err(&e)),
            }
        }
        if out.is_empty() {
            return Err(ProcessError::Encode("AVIF: rav1e returned no frame".into()));
        }
        Ok(out)
    }
}

/// BT.601 full-range YCbCr (JPEG's matrix) from 8-bit RGBA into Y, U, V planes of
/// `strides`. With `subsample` (4:2:0) each chroma sample is that of the mean colour of
/// its 2x2 block (of the pixels that exist) taken in linear light, and Y is then adjusted
/// to the chroma the decoder will see ([`adjust_luma`]): on the 800 px photograph 0.86x
/// the bytes of plain gamma-space averaging at the same dssim SSIM (bench/README.md, AVIF).
fn fill_ycbcr(
    [yd, ud, vd]: [&mut [u8]; 3],
    [sy, su, sv]: [usize; 3],
    rgba: &[u8],
    w: usize,
    h: usize,
    subsample: bool,
) {
    let rgb = |x: usize, y: usize| {
        let i = (y * w + x) * 4;
        [
            f32::from(rgba[i]),
            f32::from(rgba[i + 1]),
            f32::from(rgba[i + 2]),
        ]
    };
    let chroma = |[r, g, b]: [f32; 3]| {
        (
            -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128.0,
            0.5 * r - 0.418_688 * g - 0.081_312 * b + 128.0,
        )
    };
    if !subsample {
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = rgb(x, y);
                yd[y * sy + x] = to8(0.299 * r + 0.587 * g + 0.114 * b);
                let (u, v) = chroma([r, g, b]);
                ud[y * su + x] = to8(u);
                vd[y * sv + x] = to8(v);
            }
        }
        return;
    }
    let lin = srgb_to_linear_table();
    let gamma = |l: f32| {
        let c = if l <= 0.003_130_8 {
            l * 12.92
        } else {
            1.055 * l.powf(1.0 / 2.4) - 0.055
        };
        c * 255.0
    };
    for cy in 0..h.div_ceil(2) {
        for cx in 0..w.div_ceil(2) {
            let (mut acc, mut n) = ([0f32; 3], 0.0);
            for y in (2 * cy)..(2 * cy + 2).min(h) {
                for x in (2 * cx)..(2 * cx + 2).min(w) {
                    let i = (y * w + x) * 4;
                    for (k, a) in acc.iter_mut().enumerate() {
                        *a += lin[usize::from(rgba[i + k])];
                    }
                    n += 1.0;
                }
            }
            let (u, v) = chroma(acc.map(|a| gamma(a / n)));
            ud[cy * su + cx] = to8(u);
            vd[cy * sv + cx] = to8(v);
        }
    }
    adjust_luma([yd, ud, vd], [sy, su, sv], rgba, w, h, &lin);
}

/// The alpha channel into a plane of `stride`.
fn fill_alpha(d: &mut [u8], stride: usize, rgba: &[u8], w: usize, h: usize) {
    for y in 0..h {
        for x in 0..w {
            d[y * stride + x] = rgba[(y * w + x) * 4 + 3];
        }
    }
}

/// sRGB's transfer function decoded, per 8-bit code value.
fn srgb_to_linear_table() -> [f32; 256] {
    std::array::from_fn(|i| {
        let c = i as f32 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    })
}

/// Luma adjustment for 4:2:0 (Ström et al., 2016): each Y is chosen so that the pixel the
/// decoder rebuilds (Y with its chroma upsampled bilinearly, centre-sited, as libavif's
/// libyuv path does) has the source's linear-light luminance. Averaged chroma otherwise
/// darkens or brightens edges between saturated colours; on the 800 px photograph this is
/// 0.90x the bytes at the same dssim SSIM (bench/README.md, AVIF).
fn adjust_luma(
    [yd, ud, vd]: [&mut [u8]; 3],
    [sy, su, sv]: [usize; 3],
    rgba: &[u8],
    w: usize,
    h: usize,
    lin: &[f32; 256],
) {
    use rayon::prelude::*;
    let lum = |r: usize, g: usize, b: usize| 0.2126 * lin[r] + 0.7152 * lin[g] + 0.0722 * lin[b];
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    // centre-sited bilinear taps: full-res x -> (left index, right index, right weight)
    let taps = |x: usize, n: usize| {
        let f = (x as f32 - 0.5) / 2.0;
        let i = f.floor();
        let a = f - i;
        let lo = (i.max(0.0) as usize).min(n - 1);
        let hi = ((i + 1.0).max(0.0) as usize).min(n - 1);
        (lo, hi, a)
    };
    let code = |v: f32| (v + 0.5).clamp(0.0, 255.0) as usize;
    let (ud, vd) = (&*ud, &*vd);
    // rows in parallel on the global pool: one binary search per pixel
    yd.par_chunks_mut(sy)
        .take(h)
        .enumerate()
        .for_each(|(y, row)| {
            let (ya, yb, ay) = taps(y, ch);
            for (x, out) in row[..w].iter_mut().enumerate() {
                let (xa, xb, ax) = taps(x, cw);
                let bil = |p: &[u8], s: usize| {
                    let g = |xx: usize, yy: usize| f32::from(p[yy * s + xx]);
                    (1.0 - ay) * ((1.0 - ax) * g(xa, ya) + ax * g(xb, ya))
                        + ay * ((1.0 - ax) * g(xa, yb) + ax * g(xb, yb))
                };
                let cb = bil(ud, su) - 128.0;
                let cr = bil(vd, sv) - 128.0;
                let i = (y * w + x) * 4;
                let target = lum(
                    usize::from(rgba[i]),
                    usize::from(rgba[i + 1]),
                    usize::from(rgba[i + 2]),
                );
                let (dr, dg, db) = (1.402 * cr, -0.344_136 * cb - 0.714_136 * cr, 1.772 * cb);
                let rebuilt = |l: i32| {
                    let l = l as f32;
                    lum(code(l + dr), code(l + dg), code(l + db))
                };
                // the smallest Y whose luminance reaches the target (monotonic in Y) ...
                let (mut lo, mut hi) = (0i32, 255i32);
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if rebuilt(mid) < target {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                // ... or the one below it, whichever is nearer
                if lo > 0 && target - rebuilt(lo - 1) < rebuilt(lo) - target {
                    lo -= 1;
                }
                *out = lo as u8;
            }
        });
}

fn to8(v: f32) -> u8 {
    (v + 0.5).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_colours_keep_their_luma() {
        // a flat patch: the decoder's chroma is the source's, so Y stays BT.601's luma
        for [r, g, b, want] in [[128u8, 128, 128, 128], [200, 30, 60, 84]] {
            let rgba: Vec<u8> = (0..16).flat_map(|_| [r, g, b, 255]).collect();
            let (mut y, mut u, mut v) = (vec![0u8; 16], vec![0u8; 4], vec![0u8; 4]);
            fill_ycbcr([&mut y, &mut u, &mut v], [4, 2, 2], &rgba, 4, 4, true);
            assert!(y.iter().all(|&l| l.abs_diff(want) <= 1), "{y:?}");
        }
    }

    #[test]
    fn quality_maps_to_libavif_qindex() {
        // libavif: quantizer ((100 - q) * 63 + 50) / 100, then libaom's qindex table
        assert_eq!(quality_to_qindex(100), 0);
        assert_eq!(quality_to_qindex(90), 24);
        assert_eq!(quality_to_qindex(75), 64);
        assert_eq!(quality_to_qindex(50), 128);
        assert_eq!(quality_to_qindex(2), 249);
        assert_eq!(quality_to_qindex(1), 249);
        assert_eq!(quality_to_qindex(0), 255);
    }

    #[cfg(not(feature = "avif-aom"))]
    #[test]
    fn tiles_follow_threads_but_stay_large() {
        use super::rav1e_enc::EncodeSettings;
        let threads = rayon::current_num_threads();
        assert_eq!(EncodeSettings::for_size(64, 64).tiles, 1);
        assert_eq!(EncodeSettings::for_size(200, 100).tiles, 1);
        let t = EncodeSettings::for_size(800, 450).tiles;
        assert_eq!(t, threads.min(800 * 450 / (128 * 128)));
        assert!(EncodeSettings::for_size(800, 450).fine_partitions);
        assert!(!EncodeSettings::for_size(5120, 2880).fine_partitions);
        assert_eq!(EncodeSettings::for_size(800, 450).speed, 10);
    }
}
