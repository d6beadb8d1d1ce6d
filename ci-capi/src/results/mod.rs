//! What the service answers: UploadResult XML, COS error XML, v4 JSON.
//!
//! Fields are read with a `cos_ci_field` selector: `_string` functions for text fields,
//! `_number` functions for numeric ones. A field that does not apply to the object (or a
//! string field asked as a number) gives `COS_CI_RESULT_INVALID_ARGUMENT`; an optional
//! field the document lacks gives `COS_CI_RESULT_NOT_PRESENT`.

use ci_core::result::{
    CosError, ImageInfo, OriginalInfo, ProcessResult, UploadResult, V4OriginalInfo,
    V4ProcessResult, V4Response,
};

use macro_rules_attribute::derive;

use crate::ffi::*;

mod qrcode;
mod v4;

pub(crate) use qrcode::corner;
pub use qrcode::*;
pub use v4::*;

/// Selects a field of a parsed answer (see each accessor for the fields it knows).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, U32Enum!)]
pub enum cos_ci_field {
    /// `Key` (text): UploadResult original and objects.
    Key = 0,
    /// `Location` (text): UploadResult original and objects.
    Location = 1,
    /// `ETag` (text, quotes included): UploadResult original and objects.
    Etag = 2,
    /// `Format` (text): image info, objects, v4 original and objects.
    Format = 3,
    /// `MD5` (text): image info, objects.
    Md5 = 4,
    /// `Ave` (text, e.g. `0xa18454`): image info, objects, v4 original.
    Ave = 5,
    /// `Width` (number).
    Width = 6,
    /// `Height` (number).
    Height = 7,
    /// `Size` in bytes (number): objects, v4 objects.
    Size = 8,
    /// `Quality` (number).
    Quality = 9,
    /// `Orientation` (number): image info, v4 original.
    Orientation = 10,
    /// `FrameCount` (number): image info, objects.
    FrameCount = 11,
    /// `BitDepth` (number): image info, objects.
    BitDepth = 12,
    /// `VerticalDPI` (number): image info, objects.
    VerticalDpi = 13,
    /// `HorizontalDPI` (number): image info, objects.
    HorizontalDpi = 14,
    /// `Code` (text): COS error.
    Code = 15,
    /// `Message` (text): COS error, v4.
    Message = 16,
    /// `Resource` (text): COS error.
    Resource = 17,
    /// `RequestId` (text): COS error, v4.
    RequestId = 18,
    /// `TraceId` (text): COS error.
    TraceId = 19,
    /// `access_url` (text): v4 data and objects.
    AccessUrl = 20,
    /// `resource_path` (text): v4 data and objects.
    ResourcePath = 21,
    /// `source_url` (text): v4 data and objects.
    SourceUrl = 22,
    /// `url` (text): v4 data and objects.
    Url = 23,
    /// `timecost` (number): v4 data.
    Timecost = 24,
    /// `file_id` (text): v4 objects.
    FileId = 25,
    /// `vid` (text): v4 objects.
    Vid = 26,
    /// `CodeStatus` (number): objects of a `QRcode` rule, 1 when codes were found, 0
    /// when none; the codes are read with `cos_ci_upload_result_object_qrcode_*`.
    CodeStatus = 27,
}

/// A field's value: text or number, either possibly absent.
pub(crate) enum Val<'a> {
    S(Option<&'a str>),
    N(Option<u64>),
}

fn num(v: Option<u32>) -> Val<'static> {
    Val::N(v.map(u64::from))
}

fn image_info_field(i: Option<&ImageInfo>, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(match f {
        Format => Val::S(i.map(|i| i.format.as_str())),
        Md5 => Val::S(i.and_then(|i| i.md5.as_deref())),
        Ave => Val::S(i.and_then(|i| i.ave.as_deref())),
        Width => num(i.map(|i| i.width)),
        Height => num(i.map(|i| i.height)),
        Quality => num(i.and_then(|i| i.quality)),
        Orientation => num(i.and_then(|i| i.orientation)),
        FrameCount => num(i.and_then(|i| i.frame_count)),
        BitDepth => num(i.and_then(|i| i.bit_depth)),
        VerticalDpi => num(i.and_then(|i| i.vertical_dpi)),
        HorizontalDpi => num(i.and_then(|i| i.horizontal_dpi)),
        _ => return None,
    })
}

pub(crate) fn original_field(o: &OriginalInfo, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(match f {
        Key => Val::S(Some(&o.key)),
        Location => Val::S(Some(&o.location)),
        Etag => Val::S(Some(&o.etag)),
        _ => return image_info_field(o.image_info.as_ref(), f),
    })
}

pub(crate) fn object_field(p: &ProcessResult, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(match f {
        Key => Val::S(Some(&p.key)),
        Location => Val::S(Some(&p.location)),
        Etag => Val::S(Some(&p.etag)),
        Format => Val::S(p.format.as_deref()),
        Md5 => Val::S(p.md5.as_deref()),
        Ave => Val::S(p.ave.as_deref()),
        Width => num(p.width),
        Height => num(p.height),
        Size => Val::N(p.size),
        Quality => num(p.quality),
        FrameCount => num(p.frame_count),
        BitDepth => num(p.bit_depth),
        VerticalDpi => num(p.vertical_dpi),
        HorizontalDpi => num(p.horizontal_dpi),
        CodeStatus => num(p.code_status),
        _ => return None,
    })
}

fn cos_error_field(e: &CosError, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(Val::S(Some(match f {
        Code => &e.code,
        Message => &e.message,
        Resource => &e.resource,
        RequestId => &e.request_id,
        TraceId => &e.trace_id,
        _ => return None,
    })))
}

fn v4_field(r: &V4Response, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    let d = r.data.as_ref();
    Some(match f {
        Message => Val::S(Some(&r.message)),
        RequestId => Val::S(r.request_id.as_deref()),
        AccessUrl => Val::S(d.and_then(|d| d.access_url.as_deref())),
        ResourcePath => Val::S(d.and_then(|d| d.resource_path.as_deref())),
        SourceUrl => Val::S(d.and_then(|d| d.source_url.as_deref())),
        Url => Val::S(d.and_then(|d| d.url.as_deref())),
        Timecost => Val::N(d.and_then(|d| d.timecost)),
        _ => return None,
    })
}

fn v4_original_field(o: Option<&V4OriginalInfo>, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(match f {
        Format => Val::S(o.map(|o| o.format.as_str())),
        Ave => Val::S(o.and_then(|o| o.ave.as_deref())),
        Width => num(o.map(|o| o.width)),
        Height => num(o.map(|o| o.height)),
        Orientation => num(o.and_then(|o| o.orientation)),
        Quality => num(o.and_then(|o| o.quality)),
        _ => return None,
    })
}

fn v4_object_field(p: &V4ProcessResult, f: cos_ci_field) -> Option<Val<'_>> {
    use cos_ci_field::*;
    Some(match f {
        FileId => Val::S(Some(&p.file_id)),
        Format => Val::S(p.format.as_deref()),
        Width => num(p.width),
        Height => num(p.height),
        Size => Val::N(p.size),
        Quality => num(p.quality),
        AccessUrl => Val::S(p.access_url.as_deref()),
        ResourcePath => Val::S(p.resource_path.as_deref()),
        SourceUrl => Val::S(p.source_url.as_deref()),
        Url => Val::S(p.url.as_deref()),
        Vid => Val::S(p.vid.as_deref()),
        _ => return None,
    })
}

/// Writes a text field.
///
/// # Safety
///
/// As for `write_out`.
unsafe fn put_string(
    v: Option<Val<'_>>,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    match v {
        // SAFETY: forwarded from the caller.
        Some(Val::S(s)) => unsafe { write_opt(s, buf, len, out_len) },
        _ => Err(cos_ci_result::InvalidArgument),
    }
}

/// Stores a numeric field.
///
/// # Safety
///
/// `out` is NULL or writable.
unsafe fn put_number(v: Option<Val<'_>>, out: *mut u64) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let o = unsafe { crate::ffi::out(out) }?;
    match v {
        Some(Val::N(n)) => {
            *o = n.ok_or(cos_ci_result::NotPresent)?;
            Ok(())
        }
        _ => Err(cos_ci_result::InvalidArgument),
    }
}

// ---------------------------------------------------------------- UploadResult

/// A parsed `<UploadResult>`: the answer to an upload or `image_process` request with
/// Pic-Operations. Empty after `cos_ci_upload_result_new`.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the others
/// need exclusive access.
#[derive(Default)]
pub struct cos_ci_upload_result {
    pub(crate) value: UploadResult,
    last_error: LastError,
}

impl_handle!(cos_ci_upload_result, last_error: last_error);

impl cos_ci_upload_result {
    pub(crate) fn wrap(value: UploadResult) -> Self {
        cos_ci_upload_result {
            value,
            last_error: LastError::default(),
        }
    }
}

/// Creates an empty UploadResult in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_new(
    out: *mut *mut cos_ci_upload_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees an UploadResult made by `cos_ci_upload_result_new`; NULL is ignored. (Results
/// borrowed from a `cos_ci_response` are freed with the response, never here.)
///
/// # Safety
///
/// `result` is NULL or a handle from `cos_ci_upload_result_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_free(result: *mut cos_ci_upload_result) {
    // SAFETY: the caller guarantees `result`.
    unsafe { free_handle(result) }
}

/// Parses `<UploadResult>` XML into the handle (`COS_CI_RESULT_INVALID_XML` on failure,
/// handle unchanged, last error set).
///
/// # Safety
///
/// `result` is a live handle used by no other thread; `xml` points to `xml_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_parse_xml(
    result: *mut cos_ci_upload_result,
    xml: *const u8,
    xml_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, xml) = unsafe { (handle_mut(result)?, text(xml, xml_len)?) };
        h.value = UploadResult::from_xml(xml)
            .map_err(|e| h.last_error.fail(cos_ci_result::InvalidXml, e))?;
        h.last_error.clear();
        Ok(())
    })
}

/// Writes the result as XML in the service's style.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_to_xml(
    result: *const cos_ci_upload_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let xml = unsafe { handle(result) }?.value.to_xml();
        // SAFETY: as above.
        unsafe { write_out(xml.as_bytes(), buf, len, out_len) }
    })
}

/// Whether the result has `<OriginalInfo>` into `*out`.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_has_original(
    result: *const cos_ci_upload_result,
    out: *mut bool,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(result, out, |h| Ok(h.value.original_info.is_some())) }
}

/// A text field of `<OriginalInfo>` (Key, Location, ETag) or of its `<ImageInfo>`
/// (Format, MD5, Ave). `COS_CI_RESULT_NOT_PRESENT` when absent.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_original_string(
    result: *const cos_ci_upload_result,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let h = unsafe { handle(result) }?;
        let f = cos_ci_field::from_arg(field)?;
        let o = h
            .value
            .original_info
            .as_ref()
            .ok_or(cos_ci_result::NotPresent)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(original_field(o, f), buf, len, out_len) }
    })
}

/// A numeric field of `<OriginalInfo><ImageInfo>` (Width, Height, Quality, Orientation,
/// FrameCount, BitDepth, VerticalDPI, HorizontalDPI) into `*out`.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_original_number(
    result: *const cos_ci_upload_result,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let h = unsafe { handle(result) }?;
        let f = cos_ci_field::from_arg(field)?;
        let o = h
            .value
            .original_info
            .as_ref()
            .ok_or(cos_ci_result::NotPresent)?;
        // SAFETY: the caller guarantees `out`.
        unsafe { put_number(original_field(o, f), out) }
    })
}

/// Number of `<ProcessResults><Object>` entries into `*out`.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_count(
    result: *const cos_ci_upload_result,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(result, out, |h| Ok(h.value.process_results.len())) }
}

/// A text field (Key, Location, ETag, Format, MD5, Ave) of object `index`.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_string(
    result: *const cos_ci_upload_result,
    index: usize,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let h = unsafe { handle(result) }?;
        let f = cos_ci_field::from_arg(field)?;
        let p = h
            .value
            .process_results
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(object_field(p, f), buf, len, out_len) }
    })
}

/// A numeric field (Width, Height, Size, Quality, FrameCount, BitDepth, VerticalDPI,
/// HorizontalDPI, CodeStatus) of object `index` into `*out`.
///
/// # Safety
///
/// `result` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_object_number(
    result: *const cos_ci_upload_result,
    index: usize,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `result`.
        let h = unsafe { handle(result) }?;
        let f = cos_ci_field::from_arg(field)?;
        let p = h
            .value
            .process_results
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees `out`.
        unsafe { put_number(object_field(p, f), out) }
    })
}

/// Writes the last error text of `result`.
///
/// # Safety
///
/// `result` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_upload_result_last_error(
    result: *const cos_ci_upload_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(result, buf, len, out_len) }
}

// ---------------------------------------------------------------- CosError

/// A parsed COS `<Error>` document (Code, Message, Resource, RequestId, TraceId).
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the others
/// need exclusive access.
#[derive(Default)]
pub struct cos_ci_cos_error {
    value: CosError,
    last_error: LastError,
}

impl_handle!(cos_ci_cos_error, last_error: last_error);

/// Creates an empty COS error document in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_cos_error_new(out: *mut *mut cos_ci_cos_error) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a COS error handle; NULL is ignored.
///
/// # Safety
///
/// `error` is NULL or a handle from `cos_ci_cos_error_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_cos_error_free(error: *mut cos_ci_cos_error) {
    // SAFETY: the caller guarantees `error`.
    unsafe { free_handle(error) }
}

/// Parses `<Error>` XML into the handle (`COS_CI_RESULT_INVALID_XML` on failure).
///
/// # Safety
///
/// `error` is a live handle used by no other thread; `xml` points to `xml_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_cos_error_parse_xml(
    error: *mut cos_ci_cos_error,
    xml: *const u8,
    xml_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, xml) = unsafe { (handle_mut(error)?, text(xml, xml_len)?) };
        h.value =
            CosError::from_xml(xml).map_err(|e| h.last_error.fail(cos_ci_result::InvalidXml, e))?;
        h.last_error.clear();
        Ok(())
    })
}

/// A text field: Code, Message, Resource, RequestId or TraceId.
///
/// # Safety
///
/// `error` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_cos_error_string(
    error: *const cos_ci_cos_error,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `error`.
        let h = unsafe { handle(error) }?;
        let f = cos_ci_field::from_arg(field)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { put_string(cos_error_field(&h.value, f), buf, len, out_len) }
    })
}

/// Writes the last error text of `error`.
///
/// # Safety
///
/// `error` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_cos_error_last_error(
    error: *const cos_ci_cos_error,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(error, buf, len, out_len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_selectors_round_trip() {
        assert_eq!(cos_ci_field::ALL.len(), 28);
        for (i, f) in cos_ci_field::ALL.iter().enumerate() {
            assert_eq!(*f as u32, i as u32);
            assert_eq!(cos_ci_field::from_arg(i as u32), Ok(*f));
        }
        assert_eq!(
            cos_ci_field::from_arg(28),
            Err(cos_ci_result::InvalidArgument)
        );
        use crate::ops::cos_ci_rule_part;
        assert_eq!(cos_ci_rule_part::from_arg(2), Ok(cos_ci_rule_part::Bucket));
        assert_eq!(
            cos_ci_rule_part::from_arg(3),
            Err(cos_ci_result::InvalidArgument)
        );
    }
}
