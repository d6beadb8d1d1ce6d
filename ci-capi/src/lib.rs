//! C ABI over `ci-core`: `libcos_ci.a`, `libcos_ci.so` and the cbindgen header
//! `include/cos_ci.h`.
//!
//! Conventions (the same for every function; the header repeats them):
//!
//! * Every function returns a `cos_ci_result`; `COS_CI_RESULT_OK` (0) is success. The
//!   `_free` functions return nothing and accept NULL. `cos_ci_version` returns a static
//!   string and `cos_ci_jpeg_simd` a bool.
//! * No panic crosses the boundary: every entry point catches unwinding and returns
//!   `COS_CI_RESULT_PANIC`; the `_free` functions, with nothing to return, write the
//!   panic to stderr with their name.
//! * Every pointer is checked: a required pointer that is NULL gives
//!   `COS_CI_RESULT_NULL_PARAMETER`. Text is passed as `(const uint8_t *ptr, size_t len)`
//!   and must be UTF-8 (`COS_CI_RESULT_INVALID_UTF8` otherwise); it need not be
//!   NUL-terminated. Optional text arguments accept NULL for "absent".
//! * Outputs are either written into a caller buffer `(uint8_t *buf, size_t len,
//!   size_t *out_len)`: `*out_len` always receives the size the value needs; if `buf` is
//!   NULL or `len` is smaller, nothing is written and `COS_CI_RESULT_BUFFER_TOO_SMALL` is
//!   returned (a size query). When there is room, a NUL byte is also written after the
//!   value (not counted in `*out_len`), so a buffer of `*out_len + 1` bytes gives a C
//!   string. Or they are handles owned by the caller with their own `_free`.
//! * Handles that can fail keep the text of their last error, read with
//!   `cos_ci_<handle>_last_error`.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// C names (`cos_ci_result`, `cos_ci_rule`, ...) are the ABI.
#![allow(non_camel_case_types)]

mod answer;
mod client;
mod ffi;
mod image_api;
mod image_client;
mod jobs;
mod ops;
mod process;
mod results;
mod rule;
mod server;
mod sign;

pub use client::*;
pub use ffi::cos_ci_result;
pub use image_api::*;
pub use image_client::*;
pub use jobs::*;
pub use ops::*;
pub use process::*;
pub use results::*;
pub use rule::*;
pub use server::*;
pub use sign::*;

use ffi::{boundary, boundary_or_default, write_out, U32Enum};

/// The library version as a static NUL-terminated string ("0.1.0"); never NULL, never
/// to be freed. Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn cos_ci_version() -> *const std::ffi::c_char {
    boundary_or_default("cos_ci_version", || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

/// Writes the description of a result code into `buf` (see the buffer conventions).
/// Unknown values give "unknown result code". Thread safety: any thread.
///
/// # Safety
///
/// `buf` is NULL or points to `len` writable bytes; `out_len` points to a writable
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_result_message(
    result: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        let text = cos_ci_result::from_u32(result).map_or("unknown result code", |r| r.message());
        // SAFETY: the caller guarantees `buf`/`len`/`out_len` as documented above.
        unsafe { write_out(text.as_bytes(), buf, len, out_len) }
    })
}

/// Writes a description of this build into `buf` (see the buffer conventions): the
/// version, the features, libjpeg-turbo's version and which of its SIMD kernels are
/// linked, the codec crates' versions; several lines of text.
/// Thread safety: any thread.
///
/// # Safety
///
/// `buf` is NULL or points to `len` writable bytes; `out_len` points to a writable
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_build_info(
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        let text = ci_core::build_info().to_string();
        // SAFETY: the caller guarantees `buf`/`len`/`out_len` as documented above.
        unsafe { write_out(text.as_bytes(), buf, len, out_len) }
    })
}

/// Whether libjpeg-turbo's SIMD kernels are linked into this library (false when it was
/// built without nasm: JPEG then runs 2-3 times slower). Thread safety: any thread.
#[no_mangle]
pub extern "C" fn cos_ci_jpeg_simd() -> bool {
    boundary_or_default("cos_ci_jpeg_simd", || ci_core::build_info().has_jpeg_simd())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_info_names_libjpeg_turbo() {
        let mut need = 0usize;
        // SAFETY: a size query with a NULL buffer and a valid out pointer.
        let r = unsafe { cos_ci_build_info(std::ptr::null_mut(), 0, &mut need) };
        assert_eq!(r, cos_ci_result::BufferTooSmall);
        let mut buf = vec![0u8; need + 1];
        // SAFETY: `buf` has `need + 1` writable bytes.
        let r = unsafe { cos_ci_build_info(buf.as_mut_ptr(), buf.len(), &mut need) };
        assert_eq!(r, cos_ci_result::Ok);
        let text = std::str::from_utf8(&buf[..need]).unwrap();
        assert!(text.contains("libjpeg-turbo 3."), "{text}");
        assert_eq!(
            text.contains("SIMD kernels: yes"),
            cos_ci_jpeg_simd(),
            "{text}"
        );
    }

    #[test]
    fn version_is_nul_terminated() {
        // SAFETY: cos_ci_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(cos_ci_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn result_message_size_query() {
        let mut need = 0usize;
        // SAFETY: NULL buffer is a size query; `need` is writable.
        let r = unsafe { cos_ci_result_message(0, std::ptr::null_mut(), 0, &mut need) };
        assert_eq!((r, need), (cos_ci_result::BufferTooSmall, "success".len()));
    }

    #[test]
    fn result_message_of_each_code_and_of_an_unknown_one() {
        let message = |code: u32| {
            let mut buf = [0u8; 64];
            let mut n = 0usize;
            // SAFETY: 64 writable bytes; `n` is writable.
            let r = unsafe { cos_ci_result_message(code, buf.as_mut_ptr(), buf.len(), &mut n) };
            assert_eq!(r, cos_ci_result::Ok);
            String::from_utf8(buf[..n].to_vec()).unwrap()
        };
        assert_eq!(
            message(cos_ci_result::Panic as u32),
            "internal panic caught at the C boundary"
        );
        assert_eq!(
            message(cos_ci_result::ProcessingFailed as u32),
            "image processing failed"
        );
        assert_eq!(
            message(cos_ci_result::Pending as u32),
            "the call has not finished yet"
        );
        assert_eq!(message(29), "unknown result code");
    }

    #[test]
    fn handles_check_null() {
        let mut n = 0usize;
        // SAFETY: NULL handles are refused before use.
        unsafe {
            assert_eq!(
                cos_ci_rule_stage_count(std::ptr::null(), &mut n),
                cos_ci_result::NullParameter
            );
            assert_eq!(
                cos_ci_pic_operations_parse(std::ptr::null_mut(), b"{}".as_ptr(), 2),
                cos_ci_result::NullParameter
            );
            cos_ci_client_free(std::ptr::null_mut());
            cos_ci_response_free(std::ptr::null_mut());
        }
    }
}

/// The library's own allocations (the Rust side only: C and Go memory is untouched, and
/// nothing allocated here is freed by the caller's `free`) go to mimalloc, built from the
/// crate's vendored source. Why: a small upload makes a few hundred short-lived
/// allocations on whichever thread calls, and frees some on another; glibc's arenas
/// spent ~8 % of a Go `CIPutObject`'s client CPU on them (malloc, free, and
/// `malloc_consolidate` for the 55 KB body), ~10 µs per call. (Feature `mimalloc`, on by
/// default; the C tests build without it, so that ASan and valgrind see this heap.)
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
