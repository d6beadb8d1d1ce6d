//! Pic-Operations: build, parse, validate, serialize; fileid resolution.

use ci_core::ops::{resolve_fileid, PicOperations, PicOperationsError, Rule};

use macro_rules_attribute::derive;

use crate::ffi::*;

/// A Pic-Operations document: `is_pic_info` plus up to 5 rules (fileid, rule, optional
/// bucket). Built with `cos_ci_pic_operations_add_rule` or filled by
/// `cos_ci_pic_operations_parse`.
///
/// Thread safety: `Send` and `Sync`. Functions taking `const cos_ci_pic_operations *`
/// may run concurrently on the same handle; functions taking a non-const pointer need
/// exclusive access.
#[derive(Default)]
pub struct cos_ci_pic_operations {
    ops: PicOperations,
    last_error: LastError,
}

impl_handle!(cos_ci_pic_operations, last_error: last_error);

fn ops_error_code(e: &PicOperationsError) -> cos_ci_result {
    match e {
        PicOperationsError::InvalidRule { .. } => cos_ci_result::InvalidRule,
        _ => cos_ci_result::InvalidPicOperations,
    }
}

/// Creates an empty Pic-Operations (no rules, `is_pic_info` off) in `*out`.
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_new(
    out: *mut *mut cos_ci_pic_operations,
) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a Pic-Operations handle; NULL is ignored.
///
/// # Safety
///
/// `ops` is NULL or a handle from `cos_ci_pic_operations_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_free(ops: *mut cos_ci_pic_operations) {
    // SAFETY: the caller guarantees `ops`.
    unsafe { free_handle(ops) }
}

/// Replaces the content of `ops` with the parsed Pic-Operations header `json`; the
/// result is validated as the service does (rule count, AIPicMatting alone, fileids,
/// buckets). On failure `ops` is unchanged and its last error says why:
/// `COS_CI_RESULT_INVALID_PIC_OPERATIONS`.
///
/// # Safety
///
/// `ops` is a live handle used by no other thread; `json` points to `json_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_parse(
    ops: *mut cos_ci_pic_operations,
    json: *const u8,
    json_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, json) = unsafe { (handle_mut(ops)?, text(json, json_len)?) };
        match PicOperations::parse(json) {
            Ok(parsed) => {
                h.ops = parsed;
                h.last_error.clear();
                Ok(())
            }
            Err(e) => Err(h.last_error.fail(ops_error_code(&e), e)),
        }
    })
}

/// Sets `is_pic_info` (whether the answer includes the original image's info).
///
/// # Safety
///
/// `ops` is a live handle used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_set_is_pic_info(
    ops: *mut cos_ci_pic_operations,
    is_pic_info: bool,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `ops`.
        unsafe { handle_mut(ops) }?.ops.is_pic_info = is_pic_info;
        Ok(())
    })
}

/// Reads `is_pic_info` into `*out`.
///
/// # Safety
///
/// `ops` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_is_pic_info(
    ops: *const cos_ci_pic_operations,
    out: *mut bool,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(ops, out, |h| Ok(h.ops.is_pic_info)) }
}

/// Appends a rule. `bucket` may be NULL (the rule writes to the request's bucket).
/// Nothing is validated here; `cos_ci_pic_operations_validate` checks the whole document.
///
/// # Safety
///
/// `ops` is a live handle used by no other thread; each text pointer points to its
/// length in bytes (`bucket` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_add_rule(
    ops: *mut cos_ci_pic_operations,
    fileid: *const u8,
    fileid_len: usize,
    rule: *const u8,
    rule_len: usize,
    bucket: *const u8,
    bucket_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, fileid, rule, bucket) = unsafe {
            (
                handle_mut(ops)?,
                text(fileid, fileid_len)?,
                text(rule, rule_len)?,
                opt_text(bucket, bucket_len)?,
            )
        };
        let mut r = Rule::new(fileid, rule);
        if let Some(b) = bucket {
            r = r.with_bucket(b);
        }
        h.ops.rules.push(r);
        Ok(())
    })
}

/// Number of rules into `*out`.
///
/// # Safety
///
/// `ops` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_rule_count(
    ops: *const cos_ci_pic_operations,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(ops, out, |h| Ok(h.ops.rules.len())) }
}

/// Which text of a Pic-Operations rule `cos_ci_pic_operations_rule_get` reads.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, U32Enum!)]
pub enum cos_ci_rule_part {
    /// The fileid as given.
    Fileid = 0,
    /// The processing rule string as given.
    Rule = 1,
    /// The bucket (`COS_CI_RESULT_NOT_PRESENT` when the rule has none).
    Bucket = 2,
}

/// Writes a part (a `cos_ci_rule_part` value) of rule `index` into `buf` (buffer
/// conventions in the header's introduction).
///
/// # Safety
///
/// `ops` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_rule_get(
    ops: *const cos_ci_pic_operations,
    index: usize,
    part: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `ops`.
        let h = unsafe { handle(ops) }?;
        let r = h
            .ops
            .rules
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        let value = match cos_ci_rule_part::from_arg(part)? {
            cos_ci_rule_part::Fileid => Some(r.fileid.as_str()),
            cos_ci_rule_part::Rule => Some(r.rule.as_str()),
            cos_ci_rule_part::Bucket => r.bucket.as_deref(),
        };
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(value, buf, len, out_len) }
    })
}

/// Validates the document as the service does, then parses every rule string.
/// `COS_CI_RESULT_INVALID_PIC_OPERATIONS` for a document problem,
/// `COS_CI_RESULT_INVALID_RULE` for a rule that does not parse; the last error says
/// which rule and why.
///
/// # Safety
///
/// `ops` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_validate(
    ops: *const cos_ci_pic_operations,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `ops`.
        let h = unsafe { handle(ops) }?;
        let checked = h.ops.validate().and_then(|()| h.ops.parsed_rules());
        match checked {
            Ok(_) => {
                h.last_error.clear();
                Ok(())
            }
            Err(e) => Err(h.last_error.fail(ops_error_code(&e), e)),
        }
    })
}

/// Writes the Pic-Operations header value (compact JSON, non-ASCII escaped as
/// `\uXXXX`, as the SDKs send it) into `buf`. Does not validate.
///
/// # Safety
///
/// `ops` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_to_json(
    ops: *const cos_ci_pic_operations,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let h = unsafe { handle(ops) }?;
        let json = h.ops.to_header();
        // SAFETY: as above.
        unsafe { write_out(json.as_bytes(), buf, len, out_len) }
    })
}

/// Writes the last error text of `ops` (empty after a success).
///
/// # Safety
///
/// `ops` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_operations_last_error(
    ops: *const cos_ci_pic_operations,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(ops, buf, len, out_len) }
}

/// Resolves a rule's `fileid` against the uploaded object's key as the service does
/// (relative to the source key's folder; a leading `/` is from the bucket root;
/// percent-decoded; `..` may not leave the bucket) and writes the resulting object key.
/// `COS_CI_RESULT_INVALID_PIC_OPERATIONS` when the fileid names no valid key.
///
/// Thread safety: any thread.
///
/// # Safety
///
/// Each text pointer points to its length in bytes; `buf` is NULL or has `len`
/// writable bytes; `out_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_resolve_fileid(
    source_key: *const u8,
    source_key_len: usize,
    fileid: *const u8,
    fileid_len: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees the text pointers.
        let (source, fileid) =
            unsafe { (text(source_key, source_key_len)?, text(fileid, fileid_len)?) };
        let key =
            resolve_fileid(source, fileid).map_err(|_| cos_ci_result::InvalidPicOperations)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(key.as_bytes(), buf, len, out_len) }
    })
}
