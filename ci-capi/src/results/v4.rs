//! The legacy v4 API's JSON answer.

use super::*;
// Named explicitly: the glob import would make `derive` ambiguous with the prelude's.
use macro_rules_attribute::derive;

/// A parsed legacy v4 JSON answer (`code`, `message`, `request_id`, `data` with
/// `image_info.original_info` and `image_info.process_results`).
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the others
/// need exclusive access.
#[derive(Default)]
pub struct cos_ci_v4_response {
    value: V4Response,
    last_error: LastError,
}

impl_handle!(cos_ci_v4_response, last_error: last_error);

/// Creates an empty v4 answer in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_new(
    out: *mut *mut cos_ci_v4_response,
) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a v4 answer handle; NULL is ignored.
///
/// # Safety
///
/// `v4` is NULL or a handle from `cos_ci_v4_response_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_free(v4: *mut cos_ci_v4_response) {
    // SAFETY: the caller guarantees `v4`.
    unsafe { free_handle(v4) }
}

/// Parses v4 JSON (lenient about trailing commas, as the service's clients are) into
/// the handle (`COS_CI_RESULT_INVALID_JSON` on failure).
///
/// # Safety
///
/// `v4` is a live handle used by no other thread; `json` points to `json_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_parse_json(
    v4: *mut cos_ci_v4_response,
    json: *const u8,
    json_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, json) = unsafe { (handle_mut(v4)?, text(json, json_len)?) };
        h.value = V4Response::from_json(json)
            .map_err(|e| h.last_error.fail(cos_ci_result::InvalidJson, e))?;
        h.last_error.clear();
        Ok(())
    })
}

/// The answer's `code` (0 is success) into `*out`.
///
/// # Safety
///
/// `v4` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_code(
    v4: *const cos_ci_v4_response,
    out: *mut i64,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(v4, out, |h| Ok(h.value.code)) }
}

/// A top-level text field: Message, RequestId, or of `data`: AccessUrl, ResourcePath,
/// SourceUrl, Url.
///
/// # Safety
///
/// `v4` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_string(
    v4: *const cos_ci_v4_response,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(v4_field(&h.value, f), buf, len, out_len) }
    })
}

/// A numeric field of `data`: Timecost.
///
/// # Safety
///
/// `v4` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_number(
    v4: *const cos_ci_v4_response,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        // SAFETY: the caller guarantees `out`.
        unsafe { put_number(v4_field(&h.value, f), out) }
    })
}

fn v4_original(h: &cos_ci_v4_response) -> Option<&V4OriginalInfo> {
    h.value
        .data
        .as_ref()
        .and_then(|d| d.image_info.as_ref())
        .and_then(|i| i.original_info.as_ref())
}

fn v4_objects(h: &cos_ci_v4_response) -> &[V4ProcessResult] {
    h.value
        .data
        .as_ref()
        .and_then(|d| d.image_info.as_ref())
        .map_or(&[], |i| i.process_results.as_slice())
}

/// A text field of `image_info.original_info`: Format, Ave.
///
/// # Safety
///
/// `v4` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_original_string(
    v4: *const cos_ci_v4_response,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(v4_original_field(v4_original(h), f), buf, len, out_len) }
    })
}

/// A numeric field of `image_info.original_info`: Width, Height, Orientation, Quality.
///
/// # Safety
///
/// `v4` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_original_number(
    v4: *const cos_ci_v4_response,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        // SAFETY: the caller guarantees `out`.
        unsafe { put_number(v4_original_field(v4_original(h), f), out) }
    })
}

/// Number of `image_info.process_results` entries into `*out`.
///
/// # Safety
///
/// `v4` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_object_count(
    v4: *const cos_ci_v4_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(v4, out, |h| Ok(v4_objects(h).len())) }
}

/// A text field of process result `index`: FileId, Format, AccessUrl, ResourcePath,
/// SourceUrl, Url, Vid.
///
/// # Safety
///
/// `v4` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_object_string(
    v4: *const cos_ci_v4_response,
    index: usize,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        let p = v4_objects(h)
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(v4_object_field(p, f), buf, len, out_len) }
    })
}

/// A numeric field of process result `index`: Width, Height, Size, Quality.
///
/// # Safety
///
/// `v4` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_object_number(
    v4: *const cos_ci_v4_response,
    index: usize,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `v4`.
        let h = unsafe { handle(v4) }?;
        let f = cos_ci_field::from_arg(field)?;
        let p = v4_objects(h)
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees `out`.
        unsafe { put_number(v4_object_field(p, f), out) }
    })
}

/// Writes the last error text of `v4`.
///
/// # Safety
///
/// `v4` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_v4_response_last_error(
    v4: *const cos_ci_v4_response,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(v4, buf, len, out_len) }
}
