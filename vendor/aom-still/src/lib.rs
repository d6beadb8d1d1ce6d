//! A minimal safe wrapper over [`libaom_sys`]: one 8-bit AV1 still picture (an AVIF item)
//! from YUV planes, with libaom's all-intra usage. Everything `unsafe` in cos-ci's AVIF
//! encoder lives here; see README.md.

use std::ffi::{c_int, c_uint, CStr, CString};
use std::fmt;
use std::mem::MaybeUninit;

use libaom_sys as aom;

/// The planes' layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// 4:2:0 (Main profile).
    I420,
    /// 4:4:4 (High profile).
    I444,
    /// Luma only (an alpha item): the `u` and `v` planes are ignored.
    Monochrome,
}

/// Encoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// libaom's `cpu-used`, 0 (slowest) ..= 9 in all-intra usage.
    pub speed: u8,
    /// Worker threads (libaom's own; it builds them per encoder).
    pub threads: u32,
    /// log2 of the tile columns and rows.
    pub tile_cols_log2: u8,
    /// log2 of the tile rows.
    pub tile_rows_log2: u8,
    /// The 0..=63 quantizer: libaom's `cq-level` in its constant-quality mode (`end-usage=q`).
    pub quantizer: u8,
    /// libaom's `min-q` and `max-q` (0..=63, around `quantizer`); libavif leaves them at
    /// `(0, 63)`.
    pub quantizer_range: (u8, u8),
    /// Tune for SSIM instead of PSNR.
    pub tune_ssim: bool,
    /// More libaom options by name (`aom_codec_set_option`, as aomenc's `--name=value`),
    /// e.g. `("enable-restoration", "0")`.
    pub options: &'static [(&'static str, &'static str)],
}

/// Colour signalling written into the sequence header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    /// CICP colour primaries.
    pub primaries: u8,
    /// CICP transfer characteristics.
    pub transfer: u8,
    /// CICP matrix coefficients.
    pub matrix: u8,
    /// Full (PC) range instead of limited (TV) range.
    pub full_range: bool,
}

/// One picture's planes (8-bit samples).
#[derive(Debug, Clone, Copy)]
pub struct Picture<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The plane layout.
    pub layout: Layout,
    /// Y, U, V samples (U and V unused for [`Layout::Monochrome`]).
    pub planes: [&'a [u8]; 3],
    /// Bytes from one row to the next, per plane.
    pub strides: [usize; 3],
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The picture or settings do not fit (empty, planes too small, out of range).
    InvalidInput(&'static str),
    /// libaom reported an error.
    Codec(String),
    /// libaom produced no frame.
    NoFrame,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput(what) => write!(f, "invalid input: {what}"),
            Error::Codec(what) => write!(f, "libaom: {what}"),
            Error::NoFrame => f.write_str("libaom returned no frame"),
        }
    }
}

impl std::error::Error for Error {}

/// libaom's version, e.g. "3.11.0".
pub fn version() -> String {
    // SAFETY: returns a pointer to a static NUL-terminated string.
    let p = unsafe { aom::aom_codec_version_str() };
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-null, static, NUL-terminated (checked above).
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Checks that every sample of a `w`x`h` plane with `stride` is inside `plane`.
fn plane_fits(plane: &[u8], stride: usize, w: usize, h: usize) -> bool {
    stride >= w
        && c_int::try_from(stride).is_ok()
        && (h - 1)
            .checked_mul(stride)
            .and_then(|n| n.checked_add(w))
            .is_some_and(|n| n <= plane.len())
}

/// The encoder context; destroyed on drop.
struct Ctx(aom::aom_codec_ctx_t);

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: the context was initialised by aom_codec_enc_init_ver (Ctx is only
        // built after it succeeded) and is destroyed once.
        unsafe {
            aom::aom_codec_destroy(&mut self.0);
        }
    }
}

impl Ctx {
    fn check(&mut self, err: aom::aom_codec_err_t) -> Result<(), Error> {
        if err == aom::AOM_CODEC_OK {
            return Ok(());
        }
        // SAFETY: the context is initialised; both return static or context-owned
        // NUL-terminated strings (or null).
        let (msg, detail) = unsafe {
            (
                aom::aom_codec_error(&self.0),
                aom::aom_codec_error_detail(&self.0),
            )
        };
        Err(Error::Codec(join_msgs(msg, detail)))
    }

    fn set_option(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) else {
            return Err(Error::InvalidInput("option with a NUL byte"));
        };
        // SAFETY: the context is initialised; both strings are NUL-terminated and live
        // through the call (libaom copies what it keeps).
        let err = unsafe { aom::aom_codec_set_option(&mut self.0, n.as_ptr(), v.as_ptr()) };
        self.check(err)
    }

    fn control(&mut self, id: aom::aome_enc_control_id, value: c_int) -> Result<(), Error> {
        // SAFETY: the context is initialised; every control used here takes an int or
        // unsigned int by value (aomcx.h's typed-control table), which is what we pass.
        let err = unsafe { aom::aom_codec_control(&mut self.0, id as c_int, value) };
        self.check(err)
    }
}

fn join_msgs(msg: *const std::ffi::c_char, detail: *const std::ffi::c_char) -> String {
    let s = |p: *const std::ffi::c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: non-null NUL-terminated string from libaom.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let (m, d) = (s(msg), s(detail));
    if d.is_empty() {
        m
    } else {
        format!("{m}: {d}")
    }
}

/// The temporal delimiter OBU libaom puts before each temporal unit: an AVIF item should
/// not carry it (AV1-ISOBMFF §2.4).
const TEMPORAL_DELIMITER: [u8; 2] = [0x12, 0x00];

/// Encodes `pic` as one AV1 key frame with libaom's all-intra usage, configured as libavif
/// configures it for a single image (`g_limit` 1: a still picture with the reduced
/// header, no lag, no key-frame placement, constant-quality mode, post-processing
/// skipped), and returns its OBUs (sequence header, frame) without the temporal delimiter.
pub fn encode(pic: &Picture<'_>, settings: &Settings, color: &Color) -> Result<Vec<u8>, Error> {
    let (w, h) = (pic.width as usize, pic.height as usize);
    if w == 0 || h == 0 || w > 65536 || h > 65536 {
        return Err(Error::InvalidInput("picture size"));
    }
    let (qmin, qmax) = settings.quantizer_range;
    if settings.quantizer > 63
        || qmax > 63
        || qmin > settings.quantizer
        || qmax < settings.quantizer
        || settings.speed > 9
        || settings.threads == 0
    {
        return Err(Error::InvalidInput("settings out of range"));
    }
    if !plane_fits(pic.planes[0], pic.strides[0], w, h) {
        return Err(Error::InvalidInput("luma plane too small"));
    }
    // Monochrome: libaom still reads an I420 image's chroma pointers (it ignores the
    // values); a neutral plane of the right size keeps every read in bounds.
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let neutral;
    let (fmt, profile, u, v, cstride) = match pic.layout {
        Layout::I420 | Layout::I444 => {
            let (cw, ch) = if pic.layout == Layout::I420 {
                (cw, ch)
            } else {
                (w, h)
            };
            if pic.strides[1] != pic.strides[2]
                || !plane_fits(pic.planes[1], pic.strides[1], cw, ch)
                || !plane_fits(pic.planes[2], pic.strides[2], cw, ch)
            {
                return Err(Error::InvalidInput("chroma plane too small"));
            }
            if pic.layout == Layout::I420 {
                (
                    aom::AOM_IMG_FMT_I420,
                    0,
                    pic.planes[1],
                    pic.planes[2],
                    pic.strides[1],
                )
            } else {
                (
                    aom::AOM_IMG_FMT_I444,
                    1,
                    pic.planes[1],
                    pic.planes[2],
                    pic.strides[1],
                )
            }
        }
        Layout::Monochrome => {
            neutral = vec![128u8; cw * ch];
            (aom::AOM_IMG_FMT_I420, 0, &neutral[..], &neutral[..], cw)
        }
    };

    // SAFETY: aom_codec_av1_cx returns a static interface.
    let iface = unsafe { aom::aom_codec_av1_cx() };
    let mut cfg = MaybeUninit::<aom::aom_codec_enc_cfg_t>::zeroed();
    // SAFETY: cfg points to writable memory of the right type; the call fills it.
    let err = unsafe {
        aom::aom_codec_enc_config_default(iface, cfg.as_mut_ptr(), aom::AOM_USAGE_ALL_INTRA)
    };
    if err != aom::AOM_CODEC_OK {
        return Err(Error::Codec(format!("no default configuration ({err})")));
    }
    // SAFETY: initialised by aom_codec_enc_config_default (it returned OK).
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.g_w = pic.width;
    cfg.g_h = pic.height;
    cfg.g_threads = settings.threads.min(64);
    cfg.g_profile = profile;
    cfg.g_bit_depth = aom::AOM_BITS_8;
    cfg.g_input_bit_depth = 8;
    cfg.g_limit = 1;
    cfg.g_lag_in_frames = 0;
    cfg.kf_mode = aom::AOM_KF_DISABLED;
    cfg.kf_max_dist = 0;
    cfg.rc_end_usage = aom::AOM_Q;
    cfg.rc_min_quantizer = c_uint::from(qmin);
    cfg.rc_max_quantizer = c_uint::from(qmax);
    cfg.monochrome = c_uint::from(pic.layout == Layout::Monochrome);

    let mut raw = MaybeUninit::<aom::aom_codec_ctx_t>::zeroed();
    // SAFETY: raw is writable, iface and cfg are valid; on error nothing needs freeing.
    let err = unsafe {
        aom::aom_codec_enc_init_ver(
            raw.as_mut_ptr(),
            iface,
            &cfg,
            0,
            aom::AOM_ENCODER_ABI_VERSION as c_int,
        )
    };
    if err != aom::AOM_CODEC_OK {
        // SAFETY: a static string for any error code.
        let msg = unsafe { aom::aom_codec_err_to_string(err) };
        return Err(Error::Codec(join_msgs(msg, std::ptr::null())));
    }
    // SAFETY: initialised by aom_codec_enc_init_ver (it returned OK).
    let mut ctx = Ctx(unsafe { raw.assume_init() });

    ctx.control(aom::AOME_SET_CPUUSED, c_int::from(settings.speed))?;
    ctx.control(aom::AOME_SET_CQ_LEVEL, c_int::from(settings.quantizer))?;
    ctx.control(aom::AV1E_SET_ROW_MT, 1)?;
    ctx.control(
        aom::AV1E_SET_TILE_COLUMNS,
        c_int::from(settings.tile_cols_log2.min(6)),
    )?;
    ctx.control(
        aom::AV1E_SET_TILE_ROWS,
        c_int::from(settings.tile_rows_log2.min(6)),
    )?;
    // a still picture: the reconstruction's post-processing is never looked at
    ctx.control(aom::AV1E_SET_SKIP_POSTPROC_FILTERING, 1)?;
    if settings.tune_ssim {
        ctx.control(aom::AOME_SET_TUNING, aom::AOM_TUNE_SSIM as c_int)?;
    }
    for (name, value) in settings.options {
        ctx.set_option(name, value)?;
    }
    ctx.control(aom::AV1E_SET_COLOR_RANGE, c_int::from(color.full_range))?;
    if pic.layout != Layout::Monochrome {
        ctx.control(aom::AV1E_SET_COLOR_PRIMARIES, c_int::from(color.primaries))?;
        ctx.control(
            aom::AV1E_SET_TRANSFER_CHARACTERISTICS,
            c_int::from(color.transfer),
        )?;
        ctx.control(aom::AV1E_SET_MATRIX_COEFFICIENTS, c_int::from(color.matrix))?;
    }

    let mut img = MaybeUninit::<aom::aom_image_t>::zeroed();
    // SAFETY: an all-zero aom_image_t is valid (null pointers, zero sizes); the fields
    // the encoder reads are set below.
    let mut img = unsafe { img.assume_init_mut() }.to_owned();
    img.fmt = fmt;
    img.bit_depth = 8;
    img.w = pic.width;
    img.h = pic.height;
    img.d_w = pic.width;
    img.d_h = pic.height;
    img.r_w = pic.width;
    img.r_h = pic.height;
    let shift = c_uint::from(fmt == aom::AOM_IMG_FMT_I420);
    img.x_chroma_shift = shift;
    img.y_chroma_shift = shift;
    img.bps = if fmt == aom::AOM_IMG_FMT_I420 { 12 } else { 24 };
    img.monochrome = c_int::from(pic.layout == Layout::Monochrome);
    img.range = if color.full_range {
        aom::AOM_CR_FULL_RANGE
    } else {
        aom::AOM_CR_STUDIO_RANGE
    };
    img.cp = aom::aom_color_primaries_t::from(color.primaries);
    img.tc = aom::aom_transfer_characteristics_t::from(color.transfer);
    img.mc = aom::aom_matrix_coefficients_t::from(color.matrix);
    // libaom only reads the input image (no denoising is configured); the casts to
    // *mut follow its C signature.
    img.planes = [
        pic.planes[0].as_ptr().cast_mut(),
        u.as_ptr().cast_mut(),
        v.as_ptr().cast_mut(),
    ];
    // both checked to fit c_int by plane_fits (or cw, which is under 65536)
    img.stride = [pic.strides[0] as c_int, cstride as c_int, cstride as c_int];

    // SAFETY: ctx is initialised; img describes planes that outlive the call and that
    // hold every sample of the w x h picture (checked above).
    let err = unsafe { aom::aom_codec_encode(&mut ctx.0, &img, 0, 1, 0) };
    ctx.check(err)?;
    let mut out = Vec::new();
    collect(&mut ctx, &mut out);
    // flush (a still picture with lag 0 is already out; this drains anything left)
    // SAFETY: a null image flushes an initialised context.
    let err = unsafe { aom::aom_codec_encode(&mut ctx.0, std::ptr::null(), 0, 1, 0) };
    ctx.check(err)?;
    collect(&mut ctx, &mut out);
    if out.is_empty() {
        return Err(Error::NoFrame);
    }
    if out.starts_with(&TEMPORAL_DELIMITER) {
        out.drain(..TEMPORAL_DELIMITER.len());
    }
    Ok(out)
}

/// Appends the compressed frame packets waiting in `ctx` to `out`.
fn collect(ctx: &mut Ctx, out: &mut Vec<u8>) {
    let mut iter: aom::aom_codec_iter_t = std::ptr::null();
    loop {
        // SAFETY: ctx is initialised and iter starts null, as the API asks.
        let pkt = unsafe { aom::aom_codec_get_cx_data(&mut ctx.0, &mut iter) };
        if pkt.is_null() {
            break;
        }
        // SAFETY: non-null packet, valid until the next aom_codec_* call.
        let pkt = unsafe { &*pkt };
        if pkt.kind == aom::AOM_CODEC_CX_FRAME_PKT {
            // SAFETY: a frame packet's union member is `frame`.
            let frame = unsafe { pkt.data.frame };
            if !frame.buf.is_null() && frame.sz > 0 {
                // SAFETY: libaom hands `sz` readable bytes at `buf`.
                let data = unsafe { std::slice::from_raw_parts(frame.buf.cast::<u8>(), frame.sz) };
                out.extend_from_slice(data);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            speed: 9,
            threads: 1,
            tile_cols_log2: 0,
            tile_rows_log2: 0,
            quantizer: 20,
            quantizer_range: (0, 63),
            tune_ssim: false,
            options: &[],
        }
    }

    const SRGB: Color = Color {
        primaries: 1,
        transfer: 13,
        matrix: 6,
        full_range: true,
    };

    #[test]
    fn encodes_a_gradient_to_obus() {
        let (w, h) = (64usize, 48usize);
        let y: Vec<u8> = (0..w * h).map(|i| (i % w * 4) as u8).collect();
        let c = vec![128u8; 32 * 24];
        let pic = Picture {
            width: w as u32,
            height: h as u32,
            layout: Layout::I420,
            planes: [&y, &c, &c],
            strides: [w, 32, 32],
        };
        let obus = encode(&pic, &settings(), &SRGB).unwrap();
        // first OBU: a sequence header (type 1, has_size), not a temporal delimiter
        assert_eq!(obus[0], 0x0A);
        let mono = Picture {
            layout: Layout::Monochrome,
            planes: [&y, &[], &[]],
            ..pic
        };
        assert_eq!(encode(&mono, &settings(), &SRGB).unwrap()[0], 0x0A);
    }

    #[test]
    fn rejects_short_planes() {
        let y = vec![0u8; 10];
        let pic = Picture {
            width: 8,
            height: 8,
            layout: Layout::Monochrome,
            planes: [&y, &[], &[]],
            strides: [8, 4, 4],
        };
        assert_eq!(
            encode(&pic, &settings(), &SRGB),
            Err(Error::InvalidInput("luma plane too small"))
        );
    }
}
