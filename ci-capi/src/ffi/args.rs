//! Arguments from C: pointers checked for NULL, text checked for UTF-8, output
//! buffers filled by the size-query convention, key/value arrays.

use super::result::{cos_ci_result, FfiResult};

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

/// Checks that an output pointer is not NULL and returns it as a reference.
///
/// # Safety
///
/// `ptr` is NULL or points to a writable `T` (any value; it is only written).
pub(crate) unsafe fn out<'a, T>(ptr: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees `ptr` is NULL or writable.
    unsafe { ptr.as_mut() }.ok_or(cos_ci_result::NullParameter)
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

#[cfg(test)]
mod tests {
    use super::*;

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
