//! Opaque handles: how C gets, borrows and frees them, and their last error.
//!
//! A handle is a Rust struct given to C as the pointer of a `Box` (rustls-ffi's
//! `Castable` + `box_castable!`). [`impl_handle!`] marks a struct as one; the
//! `cos_ci_<handle>_new`, `_free` and `_last_error` functions are then one call each to
//! [`new_handle`], [`free_handle`] and [`last_error_of`]. Those `extern "C"` items stay
//! written out in the modules because cbindgen reads the header, their documentation
//! included, from them (it does not expand macros).

use std::sync::Mutex;

use super::args::{out, write_out};
use super::boundary::{boundary, boundary_or_default};
use super::result::{cos_ci_result, FfiResult};

/// A type given to C as an opaque handle: `*mut T` from `Box::into_raw`, freed by its
/// `_free` function. `Send + Sync` is required: every handle documents that it may move
/// between threads and be read from several at once.
pub(crate) trait Handle: Sized + Send + Sync + 'static {
    /// The name of the handle's `_free` function, for the panic log.
    const FREE_FN: &'static str;
}

/// A handle that keeps the text of its last error (`cos_ci_<handle>_last_error`).
pub(crate) trait HasLastError: Handle {
    /// The handle's last error.
    fn last_error(&self) -> &LastError;
}

/// Implements [`Handle`] for the C type `$handle` (and [`HasLastError`] when given the
/// field that holds it).
macro_rules! impl_handle {
    ($handle:ident) => {
        impl $crate::ffi::Handle for $handle {
            const FREE_FN: &'static str = concat!(stringify!($handle), "_free");
        }
    };
    ($handle:ident, last_error: $field:ident) => {
        $crate::ffi::impl_handle!($handle);
        impl $crate::ffi::HasLastError for $handle {
            fn last_error(&self) -> &$crate::ffi::LastError {
                &self.$field
            }
        }
    };
}
pub(crate) use impl_handle;

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

/// Borrows a handle.
///
/// # Safety
///
/// `ptr` is NULL or a live handle of type `T` made by this library, not freed during `'a`.
pub(crate) unsafe fn handle<'a, T: Handle>(ptr: *const T) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid for `'a`.
    unsafe { ptr.as_ref() }.ok_or(cos_ci_result::NullParameter)
}

/// Borrows a handle mutably.
///
/// # Safety
///
/// As for [`handle`], and no other reference to it exists during `'a`.
pub(crate) unsafe fn handle_mut<'a, T: Handle>(ptr: *mut T) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees `ptr` is NULL or valid and unaliased for `'a`.
    unsafe { ptr.as_mut() }.ok_or(cos_ci_result::NullParameter)
}

/// The body of an accessor that writes a value read from a live handle (a count, a
/// status, a colour) into `*out_ptr`; `*out_ptr` is left alone when `read` fails.
///
/// # Safety
///
/// As for [`handle`]; `out_ptr` is NULL or writable.
pub(crate) unsafe fn read_into<T: Handle, V>(
    ptr: *const T,
    out_ptr: *mut V,
    read: impl FnOnce(&T) -> FfiResult<V>,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: forwarded from the caller.
        let (h, o) = unsafe { (handle(ptr)?, out(out_ptr)?) };
        *o = read(h)?;
        Ok(())
    })
}

/// The body of an accessor that lends a part of a live handle: `*out_ptr` points to
/// what `pick` borrows (valid until the handle is freed), or is NULL when it fails.
///
/// # Safety
///
/// As for [`handle`]; `out_ptr` is NULL or points to a writable pointer.
pub(crate) unsafe fn lend_into<T: Handle, V>(
    ptr: *const T,
    out_ptr: *mut *const V,
    pick: impl FnOnce(&T) -> FfiResult<&V>,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: forwarded from the caller.
        let (h, o) = unsafe { (handle(ptr)?, out(out_ptr)?) };
        *o = std::ptr::null();
        *o = pick(h)?;
        Ok(())
    })
}

/// Moves `value` into a new handle stored in `*out_ptr`.
///
/// # Safety
///
/// `out_ptr` is NULL or points to a writable pointer.
pub(crate) unsafe fn give<T: Handle>(value: T, out_ptr: *mut *mut T) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let slot = unsafe { out(out_ptr) }?;
    *slot = Box::into_raw(Box::new(value));
    Ok(())
}

/// The body of `cos_ci_<handle>_new(out)` for handles that start empty: a new handle
/// holding `T::default()` in `*out_ptr`.
///
/// # Safety
///
/// As for [`give`].
pub(crate) unsafe fn new_handle<T: Handle + Default>(out_ptr: *mut *mut T) -> cos_ci_result {
    // SAFETY: forwarded from the caller.
    boundary(|| unsafe { give(T::default(), out_ptr) })
}

/// The body of `cos_ci_<handle>_free(ptr)`: frees a handle made by [`give`]; NULL is
/// ignored. A panic while dropping it is caught and logged with the function's name.
///
/// # Safety
///
/// `ptr` is NULL or a handle of type `T` from [`give`] that is not used afterwards.
pub(crate) unsafe fn free_handle<T: Handle>(ptr: *mut T) {
    boundary_or_default(T::FREE_FN, || {
        if !ptr.is_null() {
            // SAFETY: `ptr` came from `Box::into_raw` in `give` and is freed once (the
            // caller's promise).
            drop(unsafe { Box::from_raw(ptr) });
        }
    })
}

/// The body of `cos_ci_<handle>_last_error(ptr, buf, len, out_len)`: writes the
/// handle's last error text (see the buffer conventions).
///
/// # Safety
///
/// `ptr` is NULL or a live handle; `buf` is NULL or has `len` writable bytes; `out_len`
/// is NULL or writable.
pub(crate) unsafe fn last_error_of<T: HasLastError>(
    ptr: *const T,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: forwarded from the caller.
        let text = unsafe { handle(ptr) }?.last_error().get();
        // SAFETY: forwarded from the caller.
        unsafe { write_out(text.as_bytes(), buf, len, out_len) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Probe {
        last_error: LastError,
        panic_on_drop: bool,
    }

    impl Drop for Probe {
        fn drop(&mut self) {
            if self.panic_on_drop {
                panic!("drop failed");
            }
        }
    }

    impl_handle!(Probe, last_error: last_error);

    #[test]
    fn new_last_error_free() {
        let mut h: *mut Probe = std::ptr::null_mut();
        // SAFETY: `h` is writable; the handle is freed once, then not used.
        unsafe {
            assert_eq!(new_handle(&mut h), cos_ci_result::Ok);
            assert!(!h.is_null());
            (*h).last_error.set("bad");
            let mut buf = [0u8; 8];
            let mut n = 0usize;
            let r = last_error_of(h, buf.as_mut_ptr(), buf.len(), &mut n);
            assert_eq!((r, &buf[..n + 1]), (cos_ci_result::Ok, &b"bad\0"[..]));
            free_handle(h);
            assert_eq!(
                new_handle::<Probe>(std::ptr::null_mut()),
                cos_ci_result::NullParameter
            );
            let r = last_error_of::<Probe>(std::ptr::null(), buf.as_mut_ptr(), 8, &mut n);
            assert_eq!(r, cos_ci_result::NullParameter);
            free_handle::<Probe>(std::ptr::null_mut());
        }
        assert_eq!(Probe::FREE_FN, "Probe_free");
    }

    #[test]
    fn free_survives_a_panicking_drop() {
        let mut h: *mut Probe = std::ptr::null_mut();
        // SAFETY: `h` is writable; freed once (its drop panics, which must not unwind
        // out of `free_handle`).
        unsafe {
            assert_eq!(new_handle(&mut h), cos_ci_result::Ok);
            (*h).panic_on_drop = true;
            free_handle(h);
        }
    }
}
