//! Processing rules: parse, validate, canonical form.

use ci_core::rule::{ProcessingRule, RuleError};

use crate::ffi::*;

/// A processing rule (`imageMogr2/thumbnail/200x|imageView2/...`): empty after
/// `cos_ci_rule_new`, filled by `cos_ci_rule_parse`. After a failed parse the handle
/// keeps the error's byte offset and offending token.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the others
/// need exclusive access.
#[derive(Default)]
pub struct cos_ci_rule {
    rule: Option<ProcessingRule>,
    error: Option<RuleError>,
    last_error: LastError,
}

impl_handle!(cos_ci_rule, last_error: last_error);

impl cos_ci_rule {
    /// The parsed rule, if the last parse succeeded.
    pub(crate) fn parsed(&self) -> Option<&ProcessingRule> {
        self.rule.as_ref()
    }
}

/// Creates an empty rule handle in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_new(out: *mut *mut cos_ci_rule) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a rule handle; NULL is ignored.
///
/// # Safety
///
/// `rule` is NULL or a handle from `cos_ci_rule_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_free(rule: *mut cos_ci_rule) {
    // SAFETY: the caller guarantees `rule`.
    unsafe { free_handle(rule) }
}

/// Parses and validates `text` into the handle. On failure
/// (`COS_CI_RESULT_INVALID_RULE`) the handle holds no rule, and
/// `cos_ci_rule_error_offset` / `cos_ci_rule_last_error` tell where and why.
///
/// # Safety
///
/// `rule` is a live handle used by no other thread; `text` points to `text_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_parse(
    rule: *mut cos_ci_rule,
    text: *const u8,
    text_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, input) = unsafe { (handle_mut(rule)?, crate::ffi::text(text, text_len)?) };
        match ProcessingRule::parse(input) {
            Ok(r) => {
                h.rule = Some(r);
                h.error = None;
                h.last_error.clear();
                Ok(())
            }
            Err(e) => {
                h.rule = None;
                h.last_error.set(e.to_string());
                h.error = Some(e);
                Err(cos_ci_result::InvalidRule)
            }
        }
    })
}

fn parsed(h: &cos_ci_rule) -> FfiResult<&ProcessingRule> {
    h.rule.as_ref().ok_or(cos_ci_result::NotPresent)
}

/// Writes the canonical form of the parsed rule (the form the service would echo:
/// stable order and spelling). `COS_CI_RESULT_NOT_PRESENT` when nothing was parsed.
///
/// # Safety
///
/// `rule` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_canonical(
    rule: *const cos_ci_rule,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `rule`.
        let r = parsed(unsafe { handle(rule) }?)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(r.to_string().as_bytes(), buf, len, out_len) }
    })
}

/// Number of `|`-separated stages of the parsed rule into `*out`.
///
/// # Safety
///
/// `rule` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_stage_count(
    rule: *const cos_ci_rule,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(rule, out, |h| Ok(parsed(h)?.stages.len())) }
}

/// Whether the parsed rule is `ci-process=AIPicMatting` (which must be the only rule of
/// a Pic-Operations) into `*out`.
///
/// # Safety
///
/// `rule` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_is_ai_pic_matting(
    rule: *const cos_ci_rule,
    out: *mut bool,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(rule, out, |h| Ok(parsed(h)?.is_ai_pic_matting())) }
}

/// After a failed `cos_ci_rule_parse`: the byte offset of the error in the input into
/// `*out`. `COS_CI_RESULT_NOT_PRESENT` when the last parse succeeded.
///
/// # Safety
///
/// `rule` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_error_offset(
    rule: *const cos_ci_rule,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(rule, out, |h| {
            Ok(h.error.as_ref().ok_or(cos_ci_result::NotPresent)?.offset)
        })
    }
}

/// After a failed `cos_ci_rule_parse`: the offending token.
///
/// # Safety
///
/// `rule` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_error_token(
    rule: *const cos_ci_rule,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let h = unsafe { handle(rule) }?;
        let token = h.error.as_ref().map(|e| e.token.as_str());
        // SAFETY: as above.
        unsafe { write_opt(token, buf, len, out_len) }
    })
}

/// Writes the last error text of `rule` (empty after a success).
///
/// # Safety
///
/// `rule` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_rule_last_error(
    rule: *const cos_ci_rule,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(rule, buf, len, out_len) }
}
