//! Local processing with ci-core's engine: a rule on image bytes, and ImageInfo.
//!
//! Both run in the calling thread with the engine's default limits (32 MB input, 30000
//! px sides, 250 Mpx, 300 GIF frames). Failures give typed codes, and the handle's last
//! error says what and where, prefixed with the COS error code the service would answer
//! (`InvalidImageFormat: not a decodable image: ...`):
//!
//! | engine error | code |
//! |---|---|
//! | rule does not parse | `COS_CI_RESULT_INVALID_RULE` |
//! | `InvalidImageFormat` (undecodable input) | `COS_CI_RESULT_INVALID_IMAGE` |
//! | `ImageTooLarge` (input bytes) | `COS_CI_RESULT_IMAGE_TOO_LARGE` |
//! | `ImageResolutionExceed` (sides, pixels, frames) | `COS_CI_RESULT_IMAGE_RESOLUTION_EXCEED` |
//! | `UnsupportedFormat` (no codec in this build: tpg, heif; avif without ci-core's `avif` feature) | `COS_CI_RESULT_UNSUPPORTED` |
//! | `UnsupportedStage` (a stage the cloud has that the local engine does not run: `watermark/3`, `imageSlim`, an unknown `imageMogr2` op) | `COS_CI_RESULT_UNSUPPORTED` |
//! | `InvalidArgument` (the rule cannot apply: crop outside the image, style without bucket) | `COS_CI_RESULT_INVALID_ARGUMENT` |
//! | encoder failure | `COS_CI_RESULT_PROCESSING_FAILED` |

use ci_core::process::{self, ExecuteOptions, Format, Limits, Output, ProcessError};
use ci_core::result::BasicImageInfo;
use ci_core::result::ImageInfo;
use ci_core::rule::ProcessingRule;

use crate::ffi::*;
use crate::results::cos_ci_field;
use crate::rule::cos_ci_rule;

/// The result code and last-error text of an engine error.
pub(crate) fn process_failure(last: &LastError, e: &ProcessError) -> cos_ci_result {
    let code = match e {
        ProcessError::InvalidImageFormat(_) => cos_ci_result::InvalidImage,
        ProcessError::ImageTooLarge { .. } => cos_ci_result::ImageTooLarge,
        ProcessError::ImageResolutionExceed(_) => cos_ci_result::ImageResolutionExceed,
        ProcessError::UnsupportedFormat(_) | ProcessError::UnsupportedStage { .. } => {
            cos_ci_result::Unsupported
        }
        ProcessError::InvalidArgument(_) => cos_ci_result::InvalidArgument,
        // `Encode` and kinds added later (the enum is non_exhaustive).
        _ => cos_ci_result::ProcessingFailed,
    };
    last.fail(code, format_args!("{}: {e}", e.code()))
}

// ---------------------------------------------------------------- ImageInfo

/// The facts of one image: Format, Width, Height, Size, MD5, Quality, Ave, Orientation,
/// FrameCount, BitDepth, VerticalDPI, HorizontalDPI, and (when read from input bytes) the
/// `imageInfo` JSON answer. Empty after `cos_ci_image_info_new`, filled by
/// `cos_ci_image_info_read`; or borrowed from a `cos_ci_processed`, or from the response
/// of `cos_ci_client_get_image_info` (the service's answer).
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently,
/// `cos_ci_image_info_read` needs exclusive access.
#[derive(Default)]
pub struct cos_ci_image_info {
    facts: Option<Facts>,
    last_error: LastError,
}

struct Facts {
    info: ImageInfo,
    size: u64,
    json: Option<String>,
}

impl_handle!(cos_ci_image_info, last_error: last_error);

impl cos_ci_image_info {
    fn field(&self, f: cos_ci_field) -> FfiResult<Field<'_>> {
        use cos_ci_field::*;
        let facts = self.facts.as_ref().ok_or(cos_ci_result::NotPresent)?;
        let i = &facts.info;
        Ok(match f {
            Format => Field::S(Some(&i.format)),
            Md5 => Field::S(i.md5.as_deref()),
            Ave => Field::S(i.ave.as_deref()),
            Width => Field::N(Some(i.width.into())),
            Height => Field::N(Some(i.height.into())),
            Size => Field::N(Some(facts.size)),
            Quality => Field::N(i.quality.map(u64::from)),
            Orientation => Field::N(i.orientation.map(u64::from)),
            FrameCount => Field::N(i.frame_count.map(u64::from)),
            BitDepth => Field::N(i.bit_depth.map(u64::from)),
            VerticalDpi => Field::N(i.vertical_dpi.map(u64::from)),
            HorizontalDpi => Field::N(i.horizontal_dpi.map(u64::from)),
            _ => return Err(cos_ci_result::InvalidArgument),
        })
    }
}

impl cos_ci_image_info {
    /// The ImageInfo of the service's `?imageInfo` answer (strings, `format` as a rule
    /// names it) in this handle's terms: Format in the engine's upper case (`JPEG`),
    /// numbers parsed; no JSON (the typed answer is what was kept). A value that is not
    /// a number reads as absent.
    pub(crate) fn from_answer(answer: &BasicImageInfo) -> Self {
        let num = |s: Option<&str>| s.and_then(|v| v.trim().parse::<u32>().ok());
        let format = Format::from_rule_name(&answer.format.to_ascii_lowercase()).map_or_else(
            |_| answer.format.to_ascii_uppercase(),
            |f| f.name().to_owned(),
        );
        let info = ImageInfo {
            format,
            width: answer.width_px().unwrap_or(0),
            height: answer.height_px().unwrap_or(0),
            md5: Some(answer.md5.clone()).filter(|m| !m.is_empty()),
            frame_count: num(answer.frame_count.as_deref()),
            bit_depth: num(answer.bit_depth.as_deref()),
            vertical_dpi: num(answer.vertical_dpi.as_deref()),
            horizontal_dpi: num(answer.horizontal_dpi.as_deref()),
            orientation: num(answer.other.get("orientation").map(String::as_str)),
            ..ImageInfo::default()
        };
        cos_ci_image_info {
            facts: Some(Facts {
                info,
                size: answer.size_bytes().unwrap_or(0),
                json: None,
            }),
            last_error: LastError::default(),
        }
    }
}

enum Field<'a> {
    S(Option<&'a str>),
    N(Option<u64>),
}

/// Creates an empty ImageInfo handle in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_new(out: *mut *mut cos_ci_image_info) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a handle from `cos_ci_image_info_new`; NULL is ignored. (The ImageInfo borrowed
/// from a `cos_ci_processed` is freed with it, never here.)
///
/// # Safety
///
/// `info` is NULL or a handle from `cos_ci_image_info_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_free(info: *mut cos_ci_image_info) {
    // SAFETY: the caller guarantees `info`.
    unsafe { free_handle(info) }
}

/// Reads the ImageInfo of the image `input` (what the service puts in
/// `<OriginalInfo><ImageInfo>`, plus Size) and its `imageInfo` JSON answer. JPEG quality
/// is estimated from the quantisation tables (100 for other formats), Ave is the mean
/// colour, DPI defaults to 72. On failure the handle is empty and its last error says
/// why, starting with the service's error code: `COS_CI_RESULT_INVALID_IMAGE`
/// ("InvalidImageFormat: ..."), `_IMAGE_TOO_LARGE`, `_IMAGE_RESOLUTION_EXCEED`,
/// `_UNSUPPORTED` (no decoder here).
///
/// # Safety
///
/// `info` is a live handle used by no other thread; `input` points to `input_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_read(
    info: *mut cos_ci_image_info,
    input: *const u8,
    input_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, input) = unsafe { (handle_mut(info)?, bytes(input, input_len)?) };
        h.facts = None;
        let limits = Limits::default();
        let report = process::image_info_with(input, &limits)
            .map_err(|e| process_failure(&h.last_error, &e))?;
        let json = report.to_json();
        h.facts = Some(Facts {
            info: report.info,
            size: report.size,
            json: Some(json),
        });
        h.last_error.clear();
        Ok(())
    })
}

/// A text field: `COS_CI_FIELD_FORMAT` (upper case, `JPEG`, `PNG`, ...), `_MD5` (hex),
/// `_AVE` (`0xrrggbb`). `COS_CI_RESULT_NOT_PRESENT` on an empty handle or an absent
/// value, `COS_CI_RESULT_INVALID_ARGUMENT` for other fields.
///
/// # Safety
///
/// `info` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_string(
    info: *const cos_ci_image_info,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `info`.
        let h = unsafe { handle(info) }?;
        match h.field(cos_ci_field::from_arg(field)?)? {
            // SAFETY: the caller guarantees the buffer arguments.
            Field::S(s) => unsafe { write_opt(s, buf, len, out_len) },
            Field::N(_) => Err(cos_ci_result::InvalidArgument),
        }
    })
}

/// A numeric field into `*out`: `COS_CI_FIELD_WIDTH`, `_HEIGHT`, `_SIZE` (bytes),
/// `_QUALITY`, `_ORIENTATION` (0 without EXIF), `_FRAME_COUNT`, `_BIT_DEPTH`,
/// `_VERTICAL_DPI`, `_HORIZONTAL_DPI`. Errors as for `cos_ci_image_info_string`.
///
/// # Safety
///
/// `info` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_number(
    info: *const cos_ci_image_info,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(info, out, |h| {
            match h.field(cos_ci_field::from_arg(field)?)? {
                Field::N(n) => n.ok_or(cos_ci_result::NotPresent),
                Field::S(_) => Err(cos_ci_result::InvalidArgument),
            }
        })
    }
}

/// Writes the `imageInfo` JSON answer, as the service returns it for `?imageInfo`: string
/// values, keys `format` (lower case, `jpeg` for JPEG) `width height size md5 frame_count
/// bit_depth vertical_dpi horizontal_dpi orientation`. `COS_CI_RESULT_NOT_PRESENT` on an
/// empty handle, on the ImageInfo of a `cos_ci_processed` (read the output bytes with
/// `cos_ci_image_info_read` for its JSON) and on that of a `cos_ci_response`
/// (`cos_ci_response_image_info`: the typed answer is kept, not its text).
///
/// # Safety
///
/// `info` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_json(
    info: *const cos_ci_image_info,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `info`.
        let h = unsafe { handle(info) }?;
        let json = h.facts.as_ref().and_then(|f| f.json.as_deref());
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(json, buf, len, out_len) }
    })
}

/// Writes the last error text of `info` (empty after a success).
///
/// # Safety
///
/// `info` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_image_info_last_error(
    info: *const cos_ci_image_info,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(info, buf, len, out_len) }
}

// ---------------------------------------------------------------- processing

/// The result of running a rule on image bytes: the output bytes (an image, or JSON for
/// `imageInfo` / `imageAve` / `exif`), its format and content type, and its ImageInfo.
/// Empty after `cos_ci_processed_new`; each `cos_ci_process*` call replaces the content.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the
/// `cos_ci_process*` calls need exclusive access. Handles are independent: several
/// threads may process at once, each with its own handle.
#[derive(Default)]
pub struct cos_ci_processed {
    output: Option<Output>,
    info: cos_ci_image_info,
    last_error: LastError,
}

impl_handle!(cos_ci_processed, last_error: last_error);

impl cos_ci_processed {
    pub(crate) fn clear(&mut self) {
        self.output = None;
        self.info = cos_ci_image_info::default();
        self.last_error.clear();
    }

    fn run(&mut self, input: &[u8], rule: &ProcessingRule) -> FfiResult<()> {
        self.clear();
        let out = process::execute(input, rule, &ExecuteOptions::default())
            .map_err(|e| process_failure(&self.last_error, &e))?;
        let mut info = out.info.clone();
        if out.format.is_none() {
            // A JSON answer: the engine only sets its MD5.
            info.format = String::new();
        }
        self.info.facts = out.format.map(|_| Facts {
            info,
            size: out.bytes.len() as u64,
            json: None,
        });
        self.output = Some(out);
        self.last_error.clear();
        Ok(())
    }

    /// Stores a PNG made outside a rule (a generated code), with its ImageInfo read back.
    pub(crate) fn set_png(&mut self, png: Vec<u8>) -> FfiResult<()> {
        self.clear();
        let report = process::image_info_with(&png, &Limits::default())
            .map_err(|e| process_failure(&self.last_error, &e))?;
        self.info.facts = Some(Facts {
            info: report.info.clone(),
            size: png.len() as u64,
            json: None,
        });
        self.output = Some(Output {
            bytes: png,
            format: Some(Format::Png),
            content_type: "image/png",
            info: report.info,
            qr_codes: None,
        });
        Ok(())
    }

    fn output(&self) -> FfiResult<&Output> {
        self.output.as_ref().ok_or(cos_ci_result::NotPresent)
    }
}

/// Creates an empty result handle in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_new(out: *mut *mut cos_ci_processed) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a result handle (and the bytes and ImageInfo borrowed from it); NULL is ignored.
///
/// # Safety
///
/// `processed` is NULL or a handle from `cos_ci_processed_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_free(processed: *mut cos_ci_processed) {
    // SAFETY: the caller guarantees `processed`.
    unsafe { free_handle(processed) }
}

/// Runs the processing rule `rule` (e.g. `imageMogr2/thumbnail/200x/format/webp`, `|`
/// pipelines included) on the image `input`, as the service does for a Pic-Operations
/// rule, and stores the output in `processed`. Styles (`style/NAME`) and image
/// watermarks need a bucket and give `COS_CI_RESULT_INVALID_ARGUMENT` here. On failure
/// the handle is empty and its last error says why, starting with the service's error
/// code ("InvalidImageFormat: ..."). Codes: `COS_CI_RESULT_INVALID_RULE` (the rule does
/// not parse), `_INVALID_IMAGE` (undecodable input), `_IMAGE_TOO_LARGE` (over 32 MB),
/// `_IMAGE_RESOLUTION_EXCEED` (sides, pixels, frames, output size), `_UNSUPPORTED` (no
/// codec for the format here: tpg, heif), `_INVALID_ARGUMENT` (the rule
/// cannot apply, e.g. a crop outside the image), `_PROCESSING_FAILED` (encoder failure).
///
/// # Safety
///
/// `processed` is a live handle used by no other thread; `input` points to `input_len`
/// bytes and `rule` to `rule_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_process(
    processed: *mut cos_ci_processed,
    input: *const u8,
    input_len: usize,
    rule: *const u8,
    rule_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, input, rule) = unsafe {
            (
                handle_mut(processed)?,
                bytes(input, input_len)?,
                text(rule, rule_len)?,
            )
        };
        match ProcessingRule::parse(rule) {
            Ok(r) => h.run(input, &r),
            Err(e) => {
                h.clear();
                Err(h.last_error.fail(cos_ci_result::InvalidRule, e))
            }
        }
    })
}

/// As `cos_ci_process` with a rule parsed before (`cos_ci_rule_parse`); a rule handle
/// without a rule is `COS_CI_RESULT_NOT_PRESENT`. The rule handle may be shared by
/// several threads processing at once.
///
/// # Safety
///
/// `processed` is a live handle used by no other thread; `input` points to `input_len`
/// bytes; `rule` is a live rule handle.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_process_rule(
    processed: *mut cos_ci_processed,
    input: *const u8,
    input_len: usize,
    rule: *const cos_ci_rule,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, input, rule) = unsafe {
            (
                handle_mut(processed)?,
                bytes(input, input_len)?,
                handle(rule)?,
            )
        };
        match rule.parsed() {
            Some(r) => h.run(input, r),
            None => {
                h.clear();
                Err(cos_ci_result::NotPresent)
            }
        }
    })
}

/// The output bytes, owned by the handle: `*data` and `*data_len` are valid until the
/// next `cos_ci_process*` call on the handle or its free. `COS_CI_RESULT_NOT_PRESENT` on
/// an empty handle. (`cos_ci_processed_copy` copies them into a caller buffer.)
///
/// # Safety
///
/// `processed` is a live handle; `data` and `data_len` are writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_bytes(
    processed: *const cos_ci_processed,
    data: *mut *const u8,
    data_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, d, n) = unsafe { (handle(processed)?, out(data)?, out(data_len)?) };
        let bytes = &h.output()?.bytes;
        *d = bytes.as_ptr();
        *n = bytes.len();
        Ok(())
    })
}

/// Copies the output bytes into `buf` (see the buffer conventions; `*out_len` is the
/// output size).
///
/// # Safety
///
/// `processed` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_copy(
    processed: *const cos_ci_processed,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `processed`.
        let h = unsafe { handle(processed) }?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(&h.output()?.bytes, buf, len, out_len) }
    })
}

/// Writes the output's format as a rule names it (`jpg`, `png`, `webp`, `gif`, `bmp`,
/// ...), the spelling of `<ProcessResults><Object><Format>`. `COS_CI_RESULT_NOT_PRESENT`
/// for JSON answers (`imageInfo`, `imageAve`, `exif`) and on an empty handle.
///
/// # Safety
///
/// `processed` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_format(
    processed: *const cos_ci_processed,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `processed`.
        let h = unsafe { handle(processed) }?;
        let name = h.output()?.format.map(|f| f.rule_name());
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(name, buf, len, out_len) }
    })
}

/// Writes the MIME type of the output (`image/jpeg`, `application/json`, ...).
///
/// # Safety
///
/// `processed` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_content_type(
    processed: *const cos_ci_processed,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `processed`.
        let h = unsafe { handle(processed) }?;
        let ct = h.output()?.content_type;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(ct.as_bytes(), buf, len, out_len) }
    })
}

/// The ImageInfo of the output image into `*out`: borrowed, valid until the next
/// `cos_ci_process*` call on the handle or its free; never pass it to
/// `cos_ci_image_info_free`. Format is upper case (`JPEG`), Quality the quality the
/// output was encoded with, Size the output's bytes; it has no JSON (see
/// `cos_ci_image_info_json`). `COS_CI_RESULT_NOT_PRESENT` for JSON answers and on an
/// empty handle.
///
/// # Safety
///
/// `processed` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_image_info(
    processed: *const cos_ci_processed,
    out: *mut *const cos_ci_image_info,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(processed, out, |h| match h.info.facts {
            Some(_) => Ok(&h.info),
            None => Err(cos_ci_result::NotPresent),
        })
    }
}

/// Writes the last error text of `processed` (empty after a success).
///
/// # Safety
///
/// `processed` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_processed_last_error(
    processed: *const cos_ci_processed,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(processed, buf, len, out_len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/corpus/photo.jpg"
        ))
        .unwrap()
    }

    fn last_error(p: *const cos_ci_processed) -> String {
        let mut buf = [0u8; 512];
        let mut n = 0usize;
        // SAFETY: live handle, 512 writable bytes.
        let r = unsafe { cos_ci_processed_last_error(p, buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, cos_ci_result::Ok);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn thumbnail_and_info() {
        let input = photo();
        let rule = "imageMogr2/thumbnail/200x/format/png";
        let mut p = std::ptr::null_mut();
        // SAFETY: valid pointers throughout; handles freed once at the end.
        unsafe {
            assert_eq!(cos_ci_processed_new(&mut p), cos_ci_result::Ok);
            let r = cos_ci_process(p, input.as_ptr(), input.len(), rule.as_ptr(), rule.len());
            assert_eq!(r, cos_ci_result::Ok);
            let (mut data, mut n) = (std::ptr::null(), 0usize);
            assert_eq!(
                cos_ci_processed_bytes(p, &mut data, &mut n),
                cos_ci_result::Ok
            );
            assert_eq!(
                &std::slice::from_raw_parts(data, n)[..8],
                b"\x89PNG\r\n\x1a\n"
            );
            let mut info = std::ptr::null();
            assert_eq!(cos_ci_processed_image_info(p, &mut info), cos_ci_result::Ok);
            let mut v = 0u64;
            let width = cos_ci_field::Width as u32;
            assert_eq!(
                cos_ci_image_info_number(info, width, &mut v),
                cos_ci_result::Ok
            );
            assert_eq!(v, 200);
            let size = cos_ci_field::Size as u32;
            assert_eq!(
                cos_ci_image_info_number(info, size, &mut v),
                cos_ci_result::Ok
            );
            assert_eq!(v, n as u64);
            let mut need = 0usize;
            assert_eq!(
                cos_ci_image_info_json(info, std::ptr::null_mut(), 0, &mut need),
                cos_ci_result::NotPresent
            );
            cos_ci_processed_free(p);
        }
    }

    #[test]
    fn typed_errors() {
        let input = photo();
        let mut p = std::ptr::null_mut();
        // SAFETY: valid pointers throughout; handle freed once at the end.
        unsafe {
            assert_eq!(cos_ci_processed_new(&mut p), cos_ci_result::Ok);
            let bad = b"imageMogr2/no$op/1";
            let r = cos_ci_process(p, input.as_ptr(), input.len(), bad.as_ptr(), bad.len());
            assert_eq!(r, cos_ci_result::InvalidRule);
            let unknown = b"imageMogr2/newop/1";
            let r = cos_ci_process(
                p,
                input.as_ptr(),
                input.len(),
                unknown.as_ptr(),
                unknown.len(),
            );
            assert_eq!(r, cos_ci_result::Unsupported);
            assert!(last_error(p).starts_with("NotImplemented: "));
            let rule = b"imageMogr2/thumbnail/10x";
            let junk = b"not an image at all";
            let r = cos_ci_process(p, junk.as_ptr(), junk.len(), rule.as_ptr(), rule.len());
            assert_eq!(r, cos_ci_result::InvalidImage);
            assert!(last_error(p).starts_with("InvalidImageFormat: "));
            let (mut data, mut n) = (std::ptr::null(), 0usize);
            assert_eq!(
                cos_ci_processed_bytes(p, &mut data, &mut n),
                cos_ci_result::NotPresent
            );
            let tpg = b"imageMogr2/format/tpg";
            let r = cos_ci_process(p, input.as_ptr(), input.len(), tpg.as_ptr(), tpg.len());
            assert_eq!(r, cos_ci_result::Unsupported);
            cos_ci_processed_free(p);
        }
    }

    #[test]
    fn image_info_of_photo() {
        let input = photo();
        let mut h = std::ptr::null_mut();
        // SAFETY: valid pointers throughout; handle freed once at the end.
        unsafe {
            assert_eq!(cos_ci_image_info_new(&mut h), cos_ci_result::Ok);
            let mut v = 0u64;
            let q = cos_ci_field::Quality as u32;
            assert_eq!(
                cos_ci_image_info_number(h, q, &mut v),
                cos_ci_result::NotPresent
            );
            assert_eq!(
                cos_ci_image_info_read(h, input.as_ptr(), input.len()),
                cos_ci_result::Ok
            );
            assert_eq!(cos_ci_image_info_number(h, q, &mut v), cos_ci_result::Ok);
            assert_eq!(v, 90);
            let key = cos_ci_field::Key as u32;
            assert_eq!(
                cos_ci_image_info_number(h, key, &mut v),
                cos_ci_result::InvalidArgument
            );
            cos_ci_image_info_free(h);
        }
    }
}
