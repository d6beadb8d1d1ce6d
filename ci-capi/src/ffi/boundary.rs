//! The panic boundary: no panic unwinds into C. Every entry point runs its body in
//! [`boundary`] (functions returning `cos_ci_result`) or [`boundary_or_default`] (any
//! other return type), which catch a panic and return a defined value instead
//! (rustls-ffi's `PanicOrDefault` and `ffi_panic_boundary!`).

use std::any::Any;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::result::{cos_ci_result, FfiResult};

/// What an entry point returns after catching a panic.
pub(crate) trait PanicOrDefault {
    /// The value returned in place of the panic.
    fn panic_value() -> Self;
}

impl PanicOrDefault for cos_ci_result {
    fn panic_value() -> Self {
        cos_ci_result::Panic
    }
}

/// `_free` functions: nothing to return, so the panic is only logged.
impl PanicOrDefault for () {
    fn panic_value() -> Self {}
}

impl PanicOrDefault for bool {
    fn panic_value() -> Self {
        false
    }
}

impl PanicOrDefault for usize {
    fn panic_value() -> Self {
        0
    }
}

impl<T> PanicOrDefault for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

impl<T> PanicOrDefault for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

fn catch<R>(body: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    // AssertUnwindSafe: after a panic the handle the body was using may be half-updated;
    // the caller learns of it (COS_CI_RESULT_PANIC or the log line) and the library's
    // own state is never shared between handles.
    catch_unwind(AssertUnwindSafe(body))
}

/// Runs the body of an entry point that returns a result code: `Err(code)` becomes
/// `code`, a panic `COS_CI_RESULT_PANIC` (the code itself tells the caller, so nothing
/// is logged beyond what the panic hook prints).
pub(crate) fn boundary(body: impl FnOnce() -> FfiResult<()>) -> cos_ci_result {
    match catch(body) {
        Ok(Ok(())) => cos_ci_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => cos_ci_result::panic_value(),
    }
}

/// Runs the body of the entry point `function` that returns something other than a
/// result code. A panic returns [`PanicOrDefault::panic_value`] (nothing, 0, false,
/// NULL), which cannot tell the caller about it, so the panic is also written to
/// stderr with the function's name.
pub(crate) fn boundary_or_default<R: PanicOrDefault>(
    function: &'static str,
    body: impl FnOnce() -> R,
) -> R {
    catch(body).unwrap_or_else(|payload| {
        // Ignoring a failed write: there is nowhere left to report it, and the
        // function must return.
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            panic_report(function, &*payload)
        );
        R::panic_value()
    })
}

/// The log line for a panic caught in `function`.
fn panic_report(function: &str, payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("libcos_ci: panic caught in {function}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_catches_panics() {
        assert_eq!(boundary(|| panic!("boom")), cos_ci_result::Panic);
        assert_eq!(boundary(|| Ok(())), cos_ci_result::Ok);
        assert_eq!(boundary(|| Err(cos_ci_result::Io)), cos_ci_result::Io);
    }

    #[test]
    fn other_return_types_get_their_default() {
        assert_eq!(boundary_or_default("t", || -> usize { panic!("boom") }), 0);
        assert_eq!(boundary_or_default("t", || 7usize), 7);
        assert!(!boundary_or_default("t", || -> bool { panic!("boom") }));
        assert!(boundary_or_default("t", || -> *const u8 { panic!("boom") }).is_null());
        assert!(boundary_or_default("t", || -> *mut u8 { panic!("boom") }).is_null());
        boundary_or_default("t", || -> () { panic!("boom") });
    }

    #[test]
    fn panic_report_names_the_function_and_message() {
        let payload = catch(|| panic!("at {}", 3)).unwrap_err();
        assert_eq!(
            panic_report("cos_ci_rule_free", &*payload),
            "libcos_ci: panic caught in cos_ci_rule_free: at 3"
        );
        let payload = catch(|| panic!("static")).unwrap_err();
        assert_eq!(
            panic_report("f", &*payload),
            "libcos_ci: panic caught in f: static"
        );
        let payload = catch(|| std::panic::panic_any(5u8)).unwrap_err();
        assert_eq!(
            panic_report("f", &*payload),
            "libcos_ci: panic caught in f: (no message)"
        );
    }
}
