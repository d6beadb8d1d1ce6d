//! The QR codes of an UploadResult object (a `QRcode/cover/<0|1>` rule, the SDK's
//! `ci_put_object_from_local_file_and_get_qrcode`): its `<QRcodeInfo>` elements, each a
//! text (`<CodeUrl>`) and corners (`<CodeLocation><Point>x,y</Point>...`). The object's
//! `CodeStatus` is the `COS_CI_FIELD_CODE_STATUS` number field.

use ci_core::result::{CodeLocation, QrCodeInfo};

use super::cos_ci_upload_result;
use crate::ffi::*;

/// Corner `point` of `location` as numbers: `IndexOutOfRange` past the last corner,
/// `InvalidArgument` when the service wrote it as something other than `x,y`.
pub(crate) fn corner(location: &CodeLocation, point: usize) -> FfiResult<(i64, i64)> {
    if point >= location.points.len() {
        return Err(cos_ci_result::IndexOutOfRange);
    }
    location
        .coordinates()
        .get(point)
        .copied()
        .flatten()
        .ok_or(cos_ci_result::InvalidArgument)
}

impl cos_ci_upload_result {
    /// Code `code` of object `object` (`IndexOutOfRange` past the last of either).
    fn qr_code(&self, object: usize, code: usize) -> FfiResult<&QrCodeInfo> {
        self.value
            .process_results
            .get(object)
            .and_then(|p| p.qr_code_info.get(code))
            .ok_or(cos_ci_result::IndexOutOfRange)
    }
}

/// Number of QR codes (`<QRcodeInfo>`) of object `object_index` into `*out`; 0 for an
/// object of another rule or without codes (its `CodeStatus` tells which).
/// `COS_CI_RESULT_INDEX_OUT_OF_RANGE` past the last object.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_qrcode_count(
    result: *const cos_ci_upload_result,
    object_index: usize,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(result, out, |h| {
            h.value
                .process_results
                .get(object_index)
                .map(|p| p.qr_code_info.len())
                .ok_or(cos_ci_result::IndexOutOfRange)
        })
    }
}

/// The text (`<CodeUrl>`) of code `code_index` of object `object_index`.
/// `COS_CI_RESULT_INDEX_OUT_OF_RANGE` past the last object or code.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_qrcode_text(
    result: *const cos_ci_upload_result,
    object_index: usize,
    code_index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let code = unsafe { handle(result) }?.qr_code(object_index, code_index)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(code.code_url.as_bytes(), buf, len, out_len) }
    })
}

/// Number of corners (`<Point>`s) of code `code_index` of object `object_index` into
/// `*out` (4 for a code the local server finds).
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_qrcode_point_count(
    result: *const cos_ci_upload_result,
    object_index: usize,
    code_index: usize,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(result, out, |h| {
            Ok(h.qr_code(object_index, code_index)?
                .code_location
                .points
                .len())
        })
    }
}

/// Corner `point` of code `code_index` of object `object_index`, in pixels, into `*x`
/// and `*y`. `COS_CI_RESULT_INDEX_OUT_OF_RANGE` past the last object, code or corner;
/// `COS_CI_RESULT_INVALID_ARGUMENT` when the service wrote the point as something other
/// than `x,y` (read it as text with `cos_ci_upload_result_to_xml`).
///
/// # Safety
///
/// `result` is a live handle; `x` and `y` are writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_qrcode_point(
    result: *const cos_ci_upload_result,
    object_index: usize,
    code_index: usize,
    point: usize,
    x: *mut i64,
    y: *mut i64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, ox, oy) = unsafe { (handle(result)?, crate::ffi::out(x)?, crate::ffi::out(y)?) };
        let code = h.qr_code(object_index, code_index)?;
        (*ox, *oy) = corner(&code.code_location, point)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::cos_ci_field;
    use ci_core::result::UploadResult;

    /// An UploadResult of a `QRcode/cover/0` rule: one code, then a second object
    /// whose service wrote a corner that is not `x,y`.
    const XML: &str = "<UploadResult><ProcessResults>\
        <Object><Key>a.png</Key><Location>l</Location><ETag>\"e\"</ETag>\
        <CodeStatus>1</CodeStatus><QRcodeInfo><CodeUrl>https://example.com/q</CodeUrl>\
        <CodeLocation><Point>10,11</Point><Point>90,12</Point><Point>91,93</Point>\
        <Point>9,94</Point></CodeLocation></QRcodeInfo></Object>\
        <Object><Key>b.png</Key><Location>l</Location><ETag>\"e\"</ETag>\
        <CodeStatus>1</CodeStatus><QRcodeInfo><CodeUrl>x</CodeUrl>\
        <CodeLocation><Point>oops</Point></CodeLocation></QRcodeInfo></Object>\
        </ProcessResults></UploadResult>";

    #[test]
    fn codes_of_objects_read_back() {
        let value = UploadResult::from_xml(XML).expect("fixture parses");
        let r = cos_ci_upload_result::wrap(value);
        let (mut n, mut x, mut y, mut status) = (99usize, 0i64, 0i64, 9u64);
        let mut buf = [0u8; 64];
        let mut len = 0usize;
        // SAFETY: every pointer is a live local.
        unsafe {
            let code_status = cos_ci_field::CodeStatus as u32;
            assert_eq!(
                crate::results::cos_ci_upload_result_object_number(&r, 0, code_status, &mut status),
                cos_ci_result::Ok
            );
            assert_eq!(status, 1);
            assert_eq!(
                cos_ci_upload_result_object_qrcode_count(&r, 0, &mut n),
                cos_ci_result::Ok
            );
            assert_eq!(n, 1);
            assert_eq!(
                cos_ci_upload_result_object_qrcode_count(&r, 2, &mut n),
                cos_ci_result::IndexOutOfRange
            );
            assert_eq!(
                cos_ci_upload_result_object_qrcode_text(&r, 0, 0, buf.as_mut_ptr(), 64, &mut len),
                cos_ci_result::Ok
            );
            assert_eq!(&buf[..len], b"https://example.com/q");
            assert_eq!(
                cos_ci_upload_result_object_qrcode_text(&r, 0, 1, buf.as_mut_ptr(), 64, &mut len),
                cos_ci_result::IndexOutOfRange
            );
            assert_eq!(
                cos_ci_upload_result_object_qrcode_point_count(&r, 0, 0, &mut n),
                cos_ci_result::Ok
            );
            assert_eq!(n, 4);
            assert_eq!(
                cos_ci_upload_result_object_qrcode_point(&r, 0, 0, 2, &mut x, &mut y),
                cos_ci_result::Ok
            );
            assert_eq!((x, y), (91, 93));
            assert_eq!(
                cos_ci_upload_result_object_qrcode_point(&r, 0, 0, 4, &mut x, &mut y),
                cos_ci_result::IndexOutOfRange
            );
            assert_eq!(
                cos_ci_upload_result_object_qrcode_point(&r, 1, 0, 0, &mut x, &mut y),
                cos_ci_result::InvalidArgument
            );
            assert_eq!(
                cos_ci_upload_result_object_qrcode_point(&r, 0, 0, 0, std::ptr::null_mut(), &mut y),
                cos_ci_result::NullParameter
            );
        }
    }
}
