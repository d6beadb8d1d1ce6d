//! The image API's answers as handles, and the local engine's forms of the same calls
//! (issue #17): image inspection (`?imageInspect`), QR-code recognition
//! (`?ci-process=QRcode`) and generation (`?ci-process=qrcode-generate`).
//!
//! A `cos_ci_inspect_result` or `cos_ci_qrcode_result` is either made by the caller
//! (`_new`, filled by the local engine with `_read`, freed with `_free`) or borrowed from
//! the `cos_ci_response` of the matching client call (`cos_ci_response_inspect_result`,
//! `cos_ci_response_qrcode_result`), freed with the response.

use ci_core::process::{
    self, execute, generate_code, recognise, CodeKind, ExecuteOptions, FoundCode, Limits,
};
use ci_core::result::{ImageInspectResult, QrCodeInfo, QrCodeResponse};
use ci_core::rule::ProcessingRule;

use crate::ffi::*;
use crate::process::{cos_ci_processed, process_failure};

// ---------------------------------------------------------------- inspection

/// What image inspection found: the image's size and type and whether data is hidden
/// after the image's end (where, how much, of which kind). Empty after
/// `cos_ci_inspect_result_new`, filled by `cos_ci_inspect_result_read` (local engine) or
/// borrowed from the response of `cos_ci_client_image_inspect`.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently,
/// `cos_ci_inspect_result_read` needs exclusive access.
#[derive(Default)]
pub struct cos_ci_inspect_result {
    value: Option<ImageInspectResult>,
    last_error: LastError,
}

impl_handle!(cos_ci_inspect_result, last_error: last_error);

impl cos_ci_inspect_result {
    pub(crate) fn wrap(value: ImageInspectResult) -> Self {
        cos_ci_inspect_result {
            value: Some(value),
            last_error: LastError::default(),
        }
    }

    fn value(&self) -> FfiResult<&ImageInspectResult> {
        self.value.as_ref().ok_or(cos_ci_result::NotPresent)
    }
}

/// Creates an empty inspection result in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_new(
    out: *mut *mut cos_ci_inspect_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a handle from `cos_ci_inspect_result_new`; NULL is ignored. (Results borrowed
/// from a `cos_ci_response` are freed with it, never here.)
///
/// # Safety
///
/// `result` is NULL or a handle from `cos_ci_inspect_result_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_free(result: *mut cos_ci_inspect_result) {
    // SAFETY: the caller guarantees `result`.
    unsafe { free_handle(result) }
}

/// Inspects the file `input` with the local engine, as the service's `?imageInspect`
/// does: an MPEG-TS stream appended to an image or posing as one, and other data (ZIP,
/// RAR, script, executable, ...) after the image's end. Nothing is decoded. On failure
/// the handle is empty and its last error says why: `COS_CI_RESULT_INVALID_IMAGE`
/// (empty, or neither an image nor an MPEG-TS stream), `_IMAGE_TOO_LARGE` (over 32 MB).
///
/// # Safety
///
/// `result` is a live handle used by no other thread; `input` points to `input_len`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_read(
    result: *mut cos_ci_inspect_result,
    input: *const u8,
    input_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, input) = unsafe { (handle_mut(result)?, bytes(input, input_len)?) };
        h.value = None;
        let report = process::inspect_with(input, &Limits::default())
            .map_err(|e| process_failure(&h.last_error, &e))?;
        h.value = Some(report);
        h.last_error.clear();
        Ok(())
    })
}

/// The inspected file's size in bytes (`picSize`) into `*out`.
/// `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_pic_size(
    result: *const cos_ci_inspect_result,
    out: *mut u64,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(result, out, |h| Ok(h.value()?.pic_size)) }
}

/// The file's type (`picType`: `jpeg`, `png`, `gif`, `webp`, `bmp`, `avif`, `tiff`, `ts` for a
/// bare MPEG-TS stream). `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_pic_type(
    result: *const cos_ci_inspect_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let t = unsafe { handle(result) }?.value()?.pic_type.as_bytes();
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(t, buf, len, out_len) }
    })
}

/// Whether data is hidden in the file (`suspicious`) into `*out`.
/// `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_suspicious(
    result: *const cos_ci_inspect_result,
    out: *mut bool,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(result, out, |h| Ok(h.value()?.suspicious)) }
}

/// Where the hidden data is: its first and last byte offsets (`suspiciousBeginByte`,
/// `suspiciousEndByte`, inclusive) and its size (`suspiciousSize`).
/// `COS_CI_RESULT_NOT_PRESENT` for a clean file (and on an empty handle).
///
/// # Safety
///
/// `result` is a live handle; `begin`, `end` and `size` are writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_suspicious_range(
    result: *const cos_ci_inspect_result,
    begin: *mut u64,
    end: *mut u64,
    size: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, b, e, s) = unsafe {
            (
                handle(result)?,
                crate::ffi::out(begin)?,
                crate::ffi::out(end)?,
                crate::ffi::out(size)?,
            )
        };
        let v = h.value()?;
        match (
            v.suspicious_begin_byte,
            v.suspicious_end_byte,
            v.suspicious_size,
        ) {
            (Some(first), Some(last), Some(n)) => {
                (*b, *e, *s) = (first, last, n);
                Ok(())
            }
            _ => Err(cos_ci_result::NotPresent),
        }
    })
}

/// The kind of the hidden data (`suspiciousType`: `MPEG-TS`, `ZIP`, ...).
/// `COS_CI_RESULT_NOT_PRESENT` for a clean file (and on an empty handle).
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_suspicious_type(
    result: *const cos_ci_inspect_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let t = unsafe { handle(result) }?
            .value()?
            .suspicious_type
            .as_deref();
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(t, buf, len, out_len) }
    })
}

/// Writes the result as the service's JSON answer (numbers as numbers, `suspicious` a
/// boolean): `{"picSize":158421,"picType":"jpeg","suspicious":false}`.
/// `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_json(
    result: *const cos_ci_inspect_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let json = unsafe { handle(result) }?.value()?.to_json();
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(json.as_bytes(), buf, len, out_len) }
    })
}

/// Writes the last error text of `result` (empty after a success).
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_inspect_result_last_error(
    result: *const cos_ci_inspect_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(result, buf, len, out_len) }
}

// ---------------------------------------------------------------- QR codes

/// The QR codes found in an image: each code's text and corners, and, when asked to
/// cover them, the image with a mosaic over every code. Empty after
/// `cos_ci_qrcode_result_new`, filled by `cos_ci_qrcode_result_read` (local engine) or
/// borrowed from the response of `cos_ci_client_get_object_qrcode`.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently,
/// `cos_ci_qrcode_result_read` needs exclusive access.
#[derive(Default)]
pub struct cos_ci_qrcode_result {
    value: Option<Recognised>,
    last_error: LastError,
}

struct Recognised {
    codes: Vec<QrCodeInfo>,
    /// The covered image (decoded from the answer's Base64 `<ResultImage>`).
    image: Option<Vec<u8>>,
}

impl_handle!(cos_ci_qrcode_result, last_error: last_error);

impl cos_ci_qrcode_result {
    pub(crate) fn wrap(codes: Vec<QrCodeInfo>, image: Option<Vec<u8>>) -> Self {
        cos_ci_qrcode_result {
            value: Some(Recognised { codes, image }),
            last_error: LastError::default(),
        }
    }

    fn value(&self) -> FfiResult<&Recognised> {
        self.value.as_ref().ok_or(cos_ci_result::NotPresent)
    }

    fn code(&self, index: usize) -> FfiResult<&QrCodeInfo> {
        self.value()?
            .codes
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)
    }
}

/// Creates an empty QR-code result in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_new(
    out: *mut *mut cos_ci_qrcode_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a handle from `cos_ci_qrcode_result_new`; NULL is ignored. (Results borrowed
/// from a `cos_ci_response` are freed with it, never here.)
///
/// # Safety
///
/// `result` is NULL or a handle from `cos_ci_qrcode_result_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_free(result: *mut cos_ci_qrcode_result) {
    // SAFETY: the caller guarantees `result`.
    unsafe { free_handle(result) }
}

/// Finds and reads the QR codes of the image `input` with the local engine (the
/// service's `?ci-process=QRcode`); with `cover`, also paints a mosaic over each code
/// and keeps the image (in the input's format) for `cos_ci_qrcode_result_image`. An
/// image without codes is a success with no codes. On failure the handle is empty and
/// its last error says why, starting with the service's error code:
/// `COS_CI_RESULT_INVALID_IMAGE`, `_IMAGE_TOO_LARGE`, `_IMAGE_RESOLUTION_EXCEED`,
/// `_UNSUPPORTED`.
///
/// # Safety
///
/// `result` is a live handle used by no other thread; `input` points to `input_len`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_read(
    result: *mut cos_ci_qrcode_result,
    input: *const u8,
    input_len: usize,
    cover: bool,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, input) = unsafe { (handle_mut(result)?, bytes(input, input_len)?) };
        h.value = None;
        let fail = |e: &process::ProcessError| process_failure(&h.last_error, e);
        let (found, image): (Vec<FoundCode>, _) = if cover {
            // The service's QRcode/cover/1 rule: the same recognition, then the mosaic.
            let rule = ProcessingRule::parse("QRcode/cover/1")
                .map_err(|e| h.last_error.fail(cos_ci_result::ProcessingFailed, e))?;
            let out = execute(input, &rule, &ExecuteOptions::default()).map_err(|e| fail(&e))?;
            (out.qr_codes.unwrap_or_default(), Some(out.bytes))
        } else {
            (recognise(input).map_err(|e| fail(&e))?, None)
        };
        let codes = found.iter().map(FoundCode::to_info).collect();
        h.value = Some(Recognised { codes, image });
        h.last_error.clear();
        Ok(())
    })
}

/// Number of codes found into `*out` (0: none; the service's `CodeStatus` is 0 then).
/// `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_count(
    result: *const cos_ci_qrcode_result,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(result, out, |h| Ok(h.value()?.codes.len())) }
}

/// The text of code `index` (`<CodeUrl>`).
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_text(
    result: *const cos_ci_qrcode_result,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let code = unsafe { handle(result) }?.code(index)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(code.code_url.as_bytes(), buf, len, out_len) }
    })
}

/// Number of corners of code `index` into `*out` (4 for the codes this library finds:
/// top-left, top-right, bottom-right, bottom-left in the code's own orientation).
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_point_count(
    result: *const cos_ci_qrcode_result,
    index: usize,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(result, out, |h| {
            Ok(h.code(index)?.code_location.points.len())
        })
    }
}

/// Corner `point` of code `index`, in pixels of the image, into `*x` and `*y`.
/// `COS_CI_RESULT_INDEX_OUT_OF_RANGE` past the last code or corner;
/// `COS_CI_RESULT_INVALID_ARGUMENT` when the service wrote the point as something other
/// than `x,y` (read it as text with `cos_ci_qrcode_result_to_xml`).
///
/// # Safety
///
/// `result` is a live handle; `x` and `y` are writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_point(
    result: *const cos_ci_qrcode_result,
    index: usize,
    point: usize,
    x: *mut i64,
    y: *mut i64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, ox, oy) = unsafe { (handle(result)?, crate::ffi::out(x)?, crate::ffi::out(y)?) };
        (*ox, *oy) = crate::results::corner(&h.code(index)?.code_location, point)?;
        Ok(())
    })
}

/// The image with the codes covered (asked with `cover`), with the buffer conventions.
/// `COS_CI_RESULT_NOT_PRESENT` when the codes were not covered (and on an empty handle).
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_image(
    result: *const cos_ci_qrcode_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let h = unsafe { handle(result) }?;
        let image = h
            .value()?
            .image
            .as_deref()
            .ok_or(cos_ci_result::NotPresent)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(image, buf, len, out_len) }
    })
}

/// Writes the codes as the service's `<Response>` (`<CodeStatus>`, one `<QRcodeInfo>`
/// per code; without the covered image). `COS_CI_RESULT_NOT_PRESENT` on an empty handle.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_to_xml(
    result: *const cos_ci_qrcode_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let v = unsafe { handle(result) }?.value()?;
        let answer = QrCodeResponse {
            code_status: u32::from(!v.codes.is_empty()),
            qr_code_info: v.codes.clone(),
            result_image: None,
        };
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(answer.to_xml().as_bytes(), buf, len, out_len) }
    })
}

/// Writes the last error text of `result` (empty after a success).
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_result_last_error(
    result: *const cos_ci_qrcode_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(result, buf, len, out_len) }
}

/// Makes a code of `content` with the local engine, as the service's
/// `?ci-process=qrcode-generate` does: `mode` 0 a QR code, `width` pixels square; `mode`
/// 1 a Code 128 barcode (printable ASCII), `width` pixels wide. The PNG goes into
/// `processed` (read it with `cos_ci_processed_bytes`, its ImageInfo with
/// `cos_ci_processed_image_info`). `COS_CI_RESULT_INVALID_ARGUMENT` for an empty
/// content, a `mode` other than 0 or 1, a width over the output limit, or text a
/// barcode cannot carry (the handle's last error says which); the handle is then empty.
///
/// # Safety
///
/// `processed` is a live handle used by no other thread; `content` points to
/// `content_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_qrcode_generate(
    processed: *mut cos_ci_processed,
    content: *const u8,
    content_len: usize,
    width: u32,
    mode: u32,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, content) = unsafe { (handle_mut(processed)?, text(content, content_len)?) };
        h.clear();
        let kind = CodeKind::from_mode(mode).ok_or_else(|| {
            h.last_error().fail(
                cos_ci_result::InvalidArgument,
                format_args!("mode {mode}: expected 0 (QR code) or 1 (barcode)"),
            )
        })?;
        let png =
            generate_code(content, width, kind).map_err(|e| process_failure(h.last_error(), &e))?;
        h.set_png(png)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_then_recognise_locally() {
        let mut p = std::ptr::null_mut();
        let mut q = std::ptr::null_mut();
        let text = "https://example.com/ci?x=1";
        // SAFETY: valid pointers throughout; handles freed once at the end.
        unsafe {
            assert_eq!(crate::cos_ci_processed_new(&mut p), cos_ci_result::Ok);
            let r = cos_ci_qrcode_generate(p, text.as_ptr(), text.len(), 300, 0);
            assert_eq!(r, cos_ci_result::Ok);
            let (mut data, mut n) = (std::ptr::null(), 0usize);
            assert_eq!(
                crate::cos_ci_processed_bytes(p, &mut data, &mut n),
                cos_ci_result::Ok
            );
            let png = std::slice::from_raw_parts(data, n).to_vec();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(
                cos_ci_qrcode_generate(p, text.as_ptr(), text.len(), 300, 2),
                cos_ci_result::InvalidArgument
            );
            assert_eq!(cos_ci_qrcode_result_new(&mut q), cos_ci_result::Ok);
            let mut count = 0usize;
            assert_eq!(
                cos_ci_qrcode_result_count(q, &mut count),
                cos_ci_result::NotPresent
            );
            assert_eq!(
                cos_ci_qrcode_result_read(q, png.as_ptr(), png.len(), false),
                cos_ci_result::Ok
            );
            assert_eq!(cos_ci_qrcode_result_count(q, &mut count), cos_ci_result::Ok);
            assert_eq!(count, 1);
            let mut buf = [0u8; 64];
            let mut len = 0usize;
            let r = cos_ci_qrcode_result_text(q, 0, buf.as_mut_ptr(), buf.len(), &mut len);
            assert_eq!((r, &buf[..len]), (cos_ci_result::Ok, text.as_bytes()));
            let (mut x, mut y) = (0i64, 0i64);
            assert_eq!(
                cos_ci_qrcode_result_point(q, 0, 4, &mut x, &mut y),
                cos_ci_result::IndexOutOfRange
            );
            crate::cos_ci_processed_free(p);
            cos_ci_qrcode_result_free(q);
        }
    }
}
