//! The boundary: result codes, panic catching, pointer/UTF-8 checks and output buffers.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// The result of every `cos_ci_*` function. The values are fixed and will not change
/// meaning; new codes may be added at the end.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cos_ci_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// A text argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// The output buffer is NULL or too small; `*out_len` holds the size needed.
    BufferTooSmall = 3,
    /// An index is past the end (see the matching `_count` function).
    IndexOutOfRange = 4,
    /// The requested optional value is absent (or the field does not apply).
    NotPresent = 5,
    /// An argument is out of its domain (unknown field, bad key time, ...).
    InvalidArgument = 6,
    /// Pic-Operations JSON is malformed or breaks a rule of the service (the handle's
    /// last error says which).
    InvalidPicOperations = 7,
    /// A processing rule does not parse (the rule handle has the byte offset).
    InvalidRule = 8,
    /// An XML document (UploadResult, Error) does not parse.
    InvalidXml = 9,
    /// A JSON document (v4 answer) does not parse.
    InvalidJson = 10,
    /// The Authorization is malformed.
    SignatureMalformed = 11,
    /// The signature does not match the request.
    SignatureMismatch = 12,
    /// The signature is expired or not yet valid.
    SignatureExpired = 13,
    /// The signature is well-formed and current but refused (unknown key, unsigned
    /// header or parameter that must be signed, token mismatch).
    SignatureRejected = 14,
    /// The service answered with an error (the response handle has status, code,
    /// message, request id).
    ServiceError = 15,
    /// A local client problem (bad option, unreadable answer, CRC-64 mismatch).
    ClientError = 16,
    /// Client configuration is incomplete or invalid.
    Config = 17,
    /// The connection failed, timed out or broke off.
    Transport = 18,
    /// Reading or writing a local file failed.
    Io = 19,
    /// A panic was caught at the boundary (a bug; please report it).
    Panic = 20,
    /// The operation needs a component this build lacks (in local processing: a format
    /// without a codec here, e.g. tpg, heif).
    Unsupported = 21,
    /// Local processing: the input is not a decodable image (unknown format, broken
    /// header, corrupt data); the service's `InvalidImageFormat`.
    InvalidImage = 22,
    /// Local processing: the input has more bytes than the limit (32 MB); the service's
    /// `ImageTooLarge`.
    ImageTooLarge = 23,
    /// Local processing: a side, the pixel count or the frame count of the input (or a
    /// requested output side) is over its limit; the service's `ImageResolutionExceed`.
    ImageResolutionExceed = 24,
    /// Local processing: encoding a valid image failed (a bug or resource problem).
    ProcessingFailed = 25,
}

impl cos_ci_result {
    const ALL: [cos_ci_result; 26] = [
        cos_ci_result::Ok,
        cos_ci_result::NullParameter,
        cos_ci_result::InvalidUtf8,
        cos_ci_result::BufferTooSmall,
        cos_ci_result::IndexOutOfRange,
        cos_ci_result::NotPresent,
        cos_ci_result::InvalidArgument,
        cos_ci_result::InvalidPicOperations,
        cos_ci_result::InvalidRule,
        cos_ci_result::InvalidXml,
        cos_ci_result::InvalidJson,
        cos_ci_result::SignatureMalformed,
        cos_ci_result::SignatureMismatch,
        cos_ci_result::SignatureExpired,
        cos_ci_result::SignatureRejected,
        cos_ci_result::ServiceError,
        cos_ci_result::ClientError,
        cos_ci_result::Config,
        cos_ci_result::Transport,
        cos_ci_result::Io,
        cos_ci_result::Panic,
        cos_ci_result::Unsupported,
        cos_ci_result::InvalidImage,
        cos_ci_result::ImageTooLarge,
        cos_ci_result::ImageResolutionExceed,
        cos_ci_result::ProcessingFailed,
    ];

    pub(crate) fn from_u32(v: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| *r as u32 == v)
    }

    pub(crate) fn message(self) -> &'static str {
        match self {
            cos_ci_result::Ok => "success",
            cos_ci_result::NullParameter => "a required pointer argument was NULL",
            cos_ci_result::InvalidUtf8 => "a text argument is not valid UTF-8",
            cos_ci_result::BufferTooSmall => "the output buffer is NULL or too small",
            cos_ci_result::IndexOutOfRange => "index out of range",
            cos_ci_result::NotPresent => "the value is not present",
            cos_ci_result::InvalidArgument => "invalid argument",
            cos_ci_result::InvalidPicOperations => "invalid Pic-Operations",
            cos_ci_result::InvalidRule => "invalid processing rule",
            cos_ci_result::InvalidXml => "invalid XML document",
            cos_ci_result::InvalidJson => "invalid JSON document",
            cos_ci_result::SignatureMalformed => "malformed authorization",
            cos_ci_result::SignatureMismatch => "signature does not match",
            cos_ci_result::SignatureExpired => "signature expired or not yet valid",
            cos_ci_result::SignatureRejected => "signature rejected",
            cos_ci_result::ServiceError => "the service answered with an error",
            cos_ci_result::ClientError => "client error",
            cos_ci_result::Config => "invalid client configuration",
            cos_ci_result::Transport => "HTTP transport error",
            cos_ci_result::Io => "local I/O error",
            cos_ci_result::Panic => "internal panic caught at the C boundary",
            cos_ci_result::Unsupported => "not supported by this build",
            cos_ci_result::InvalidImage => "not a decodable image",
            cos_ci_result::ImageTooLarge => "image file too large",
            cos_ci_result::ImageResolutionExceed => "image resolution exceeds the limits",
            cos_ci_result::ProcessingFailed => "image processing failed",
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, cos_ci_result>;

/// Runs `f`, turning a panic into `Panic` and `Err(code)` into `code`.
pub(crate) fn boundary(f: impl FnOnce() -> FfiResult<()>) -> cos_ci_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => cos_ci_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => cos_ci_result::Panic,
    }
}

/// Runs `f` for a `_free` function: a panic is swallowed (nothing to report it to).
pub(crate) fn boundary_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// The last error text of a handle. A `Mutex` so that handles shared between threads
/// (`const` functions) can still record errors; under concurrent failures the text is
/// the one of whichever failed last.
#[derive(Debug, Default)]
pub(crate) struct LastError(Mutex<String>);

impl LastError {
    pub(crate) fn set(&self, text: impl Into<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = text.into();
    }

    pub(crate) fn clear(&self) {
        self.set(String::new());
    }

    pub(crate) fn get(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records `text` and returns `code`, for `map_err`.
    pub(crate) fn fail(&self, code: cos_ci_result, text: impl std::fmt::Display) -> cos_ci_result {
        self.set(text.to_string());
        code
    }
}

/// Borrows the bytes `(ptr, len)`.
///
/// # Safety
///
/// `ptr` is NULL or points to `len` readable bytes that stay valid and unmodified for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> FfiResult<&'a [u8]> {
    if ptr.is_null() {
        return Err(cos_ci_result::NullParameter);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows the UTF-8 text `(ptr, len)`.
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize) -> FfiResult<&'a str> {
    // SAFETY: forwarded from the caller.
    let b = unsafe { bytes(ptr, len) }?;
    std::str::from_utf8(b).map_err(|_| cos_ci_result::InvalidUtf8)
}

/// Borrows optional UTF-8 text: NULL means absent.
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn opt_text<'a>(ptr: *const u8, len: usize) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { text(ptr, len) }.map(Some)
}

/// Borrows a handle.
///
/// # Safety
///
/// `ptr` is NULL or a live handle of type `T` made by this library, not freed during `'a`.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid for `'a`.
    unsafe { ptr.as_ref() }.ok_or(cos_ci_result::NullParameter)
}

/// Borrows a handle mutably.
///
/// # Safety
///
/// As for [`handle`], and no other reference to it exists during `'a`.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid and unaliased for `'a`.
    unsafe { ptr.as_mut() }.ok_or(cos_ci_result::NullParameter)
}

/// Checks that an output pointer is not NULL and returns it as a reference.
///
/// # Safety
///
/// `ptr` is NULL or points to a writable `T` (any value; it is only written).
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees `ptr` is NULL or writable.
    unsafe { ptr.as_mut() }.ok_or(cos_ci_result::NullParameter)
}

/// Moves `value` into a new handle stored in `*out_ptr`.
///
/// # Safety
///
/// `out_ptr` is NULL or points to a writable pointer.
pub(crate) unsafe fn give<T>(value: T, out_ptr: *mut *mut T) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let slot = unsafe { out(out_ptr) }?;
    *slot = Box::into_raw(Box::new(value));
    Ok(())
}

/// Frees a handle made by [`give`]; NULL is ignored.
///
/// # Safety
///
/// `ptr` is NULL or a handle of type `T` from [`give`] that is not used afterwards.
pub(crate) unsafe fn take<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `Box::into_raw` in `give` and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Writes `src` into the caller buffer (see the crate docs for the convention).
///
/// # Safety
///
/// `buf` is NULL or points to `len` writable bytes; `out_len` is NULL or writable.
pub(crate) unsafe fn write_out(
    src: &[u8],
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let out_len = unsafe { out(out_len) }?;
    *out_len = src.len();
    if buf.is_null() || len < src.len() {
        return Err(cos_ci_result::BufferTooSmall);
    }
    // SAFETY: `buf` has `len >= src.len()` writable bytes; `src` is a Rust slice, so the
    // regions cannot overlap unless the caller aliased its own input, which the
    // contract forbids.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buf, src.len()) };
    if len > src.len() {
        // SAFETY: index `src.len()` < `len`, inside the buffer.
        unsafe { *buf.add(src.len()) = 0 };
    }
    Ok(())
}

/// Writes `text` or `NotPresent`.
///
/// # Safety
///
/// As for [`write_out`].
pub(crate) unsafe fn write_opt(
    text: Option<&str>,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    match text {
        // SAFETY: forwarded from the caller.
        Some(t) => unsafe { write_out(t.as_bytes(), buf, len, out_len) },
        None => Err(cos_ci_result::NotPresent),
    }
}

/// A key/value pair of text, used for query parameters, headers and options.
/// `value` may be NULL (for example a query flag such as `image_process` without `=`);
/// where a value is required, NULL is `COS_CI_RESULT_NULL_PARAMETER`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cos_ci_kv {
    /// The name (UTF-8, not NUL-terminated).
    pub name: *const u8,
    /// Bytes in `name`.
    pub name_len: usize,
    /// The value (UTF-8, not NUL-terminated), or NULL.
    pub value: *const u8,
    /// Bytes in `value`.
    pub value_len: usize,
}

/// Borrows an array of key/value pairs; `(NULL, 0)` is an empty array.
///
/// # Safety
///
/// `ptr` is NULL or points to `n` `cos_ci_kv` whose texts are valid as for [`bytes`].
pub(crate) unsafe fn kv_pairs<'a>(
    ptr: *const cos_ci_kv,
    n: usize,
) -> FfiResult<Vec<(&'a str, Option<&'a str>)>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(cos_ci_result::NullParameter);
    }
    // SAFETY: non-NULL and the caller guarantees `n` elements.
    let items = unsafe { std::slice::from_raw_parts(ptr, n) };
    items
        .iter()
        .map(|kv| {
            // SAFETY: the caller guarantees each pair's pointers.
            let name = unsafe { text(kv.name, kv.name_len) }?;
            // SAFETY: as above.
            let value = unsafe { opt_text(kv.value, kv.value_len) }?;
            Ok((name, value))
        })
        .collect()
}

/// Writes the last error of a handle.
///
/// # Safety
///
/// As for [`write_out`].
pub(crate) unsafe fn write_last_error(
    last: &LastError,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    unsafe { write_out(last.get().as_bytes(), buf, len, out_len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_messages() {
        for (i, r) in cos_ci_result::ALL.iter().enumerate() {
            assert_eq!(*r as u32, i as u32);
            assert_eq!(cos_ci_result::from_u32(i as u32), Some(*r));
            assert!(!r.message().is_empty());
        }
        assert_eq!(cos_ci_result::from_u32(9999), None);
    }

    #[test]
    fn boundary_catches_panics() {
        assert_eq!(boundary(|| panic!("boom")), cos_ci_result::Panic);
        assert_eq!(boundary(|| Ok(())), cos_ci_result::Ok);
        assert_eq!(boundary(|| Err(cos_ci_result::Io)), cos_ci_result::Io);
    }

    #[test]
    fn text_checks_null_and_utf8() {
        // SAFETY: NULL is allowed.
        assert_eq!(
            unsafe { text(std::ptr::null(), 3) },
            Err(cos_ci_result::NullParameter)
        );
        let bad = [0xffu8, 0x41];
        // SAFETY: valid slice.
        assert_eq!(
            unsafe { text(bad.as_ptr(), 2) },
            Err(cos_ci_result::InvalidUtf8)
        );
        let good = b"abc";
        // SAFETY: valid slice.
        assert_eq!(unsafe { text(good.as_ptr(), 3) }, Ok("abc"));
        // SAFETY: NULL is allowed.
        assert_eq!(unsafe { opt_text(std::ptr::null(), 0) }, Ok(None));
    }

    #[test]
    fn write_out_size_query_and_nul() {
        let mut need = 0usize;
        // SAFETY: NULL buffer is a size query; `need` is writable.
        let r = unsafe { write_out(b"hello", std::ptr::null_mut(), 0, &mut need) };
        assert_eq!((r, need), (Err(cos_ci_result::BufferTooSmall), 5));
        let mut small = [0u8; 4];
        // SAFETY: 4 writable bytes.
        let r = unsafe { write_out(b"hello", small.as_mut_ptr(), 4, &mut need) };
        assert_eq!(r, Err(cos_ci_result::BufferTooSmall));
        assert_eq!(small, [0; 4]);
        let mut exact = [0xaau8; 5];
        // SAFETY: 5 writable bytes.
        assert_eq!(
            unsafe { write_out(b"hello", exact.as_mut_ptr(), 5, &mut need) },
            Ok(())
        );
        assert_eq!(&exact, b"hello");
        let mut roomy = [0xaau8; 8];
        // SAFETY: 8 writable bytes.
        assert_eq!(
            unsafe { write_out(b"hello", roomy.as_mut_ptr(), 8, &mut need) },
            Ok(())
        );
        assert_eq!(&roomy[..7], b"hello\0\xaa");
        // SAFETY: NULL out_len is refused before any write.
        let r = unsafe { write_out(b"x", roomy.as_mut_ptr(), 8, std::ptr::null_mut()) };
        assert_eq!(r, Err(cos_ci_result::NullParameter));
    }

    #[test]
    fn kv_pairs_checks_each_entry() {
        let kv = [cos_ci_kv {
            name: b"a".as_ptr(),
            name_len: 1,
            value: std::ptr::null(),
            value_len: 0,
        }];
        // SAFETY: valid array.
        assert_eq!(unsafe { kv_pairs(kv.as_ptr(), 1) }, Ok(vec![("a", None)]));
        // SAFETY: empty.
        assert_eq!(unsafe { kv_pairs(std::ptr::null(), 0) }, Ok(vec![]));
        // SAFETY: NULL with n > 0 is refused.
        assert_eq!(
            unsafe { kv_pairs(std::ptr::null(), 1) },
            Err(cos_ci_result::NullParameter)
        );
    }
}
