//! Request signing (COS XML `q-sign-algorithm=sha1`) and verification.

use ci_core::sign::{
    sign, verify, Credentials, HeaderPolicy, KeyTime, ReceivedRequest, SignableRequest,
    VerifyError, VerifyPolicy,
};

use crate::ffi::*;

/// A SecretId / SecretKey pair, with an optional session token for temporary
/// credentials. Immutable after creation.
///
/// Thread safety: `Send` and `Sync`; usable from any number of threads at once.
pub struct cos_ci_credentials {
    creds: Credentials,
}

impl_handle!(cos_ci_credentials);

/// Creates credentials in `*out`. `token` may be NULL (permanent credentials).
///
/// # Safety
///
/// Each text pointer points to its length in bytes (`token` may be NULL); `out` points
/// to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_credentials_new(
    secret_id: *const u8,
    secret_id_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    token: *const u8,
    token_len: usize,
    out: *mut *mut cos_ci_credentials,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees the text pointers.
        let (id, key, token) = unsafe {
            (
                text(secret_id, secret_id_len)?,
                text(secret_key, secret_key_len)?,
                opt_text(token, token_len)?,
            )
        };
        let mut creds = Credentials::new(id, key);
        if let Some(t) = token {
            creds = creds.with_token(t);
        }
        // SAFETY: the caller guarantees `out`.
        unsafe { give(cos_ci_credentials { creds }, out) }
    })
}

/// Frees credentials; NULL is ignored. The secret is dropped with the handle.
///
/// # Safety
///
/// `creds` is NULL or a handle from `cos_ci_credentials_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_credentials_free(creds: *mut cos_ci_credentials) {
    // SAFETY: the caller guarantees `creds`.
    unsafe { free_handle(creds) }
}

/// An HTTP request to sign or to verify: method, object key, query parameters and
/// headers.
///
/// Thread safety: `Send` and `Sync`; `const` functions (signing, verifying) may run
/// concurrently, `cos_ci_sign_request_add_header` needs exclusive access.
pub struct cos_ci_sign_request {
    method: String,
    key: String,
    params: Vec<(String, Option<String>)>,
    headers: Vec<(String, String)>,
    last_error: LastError,
}

impl_handle!(cos_ci_sign_request, last_error: last_error);

/// Creates a request for object `key` (the path is `/` + key, a leading `/` kept), with
/// `params` (a NULL value is a value-less flag such as `image_process`) and `headers`
/// (values required). Arrays may be `(NULL, 0)`.
///
/// # Safety
///
/// Text pointers point to their lengths in bytes; the arrays hold their counts of
/// `cos_ci_kv`; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_sign_request_new(
    method: *const u8,
    method_len: usize,
    key: *const u8,
    key_len: usize,
    params: *const cos_ci_kv,
    params_len: usize,
    headers: *const cos_ci_kv,
    headers_len: usize,
    out: *mut *mut cos_ci_sign_request,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (method, key, params, headers) = unsafe {
            (
                text(method, method_len)?,
                text(key, key_len)?,
                kv_pairs(params, params_len)?,
                kv_pairs(headers, headers_len)?,
            )
        };
        let headers = headers
            .into_iter()
            .map(|(k, v)| {
                Ok((
                    k.to_owned(),
                    v.ok_or(cos_ci_result::NullParameter)?.to_owned(),
                ))
            })
            .collect::<FfiResult<Vec<_>>>()?;
        let req = cos_ci_sign_request {
            method: method.to_owned(),
            key: key.to_owned(),
            params: params
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.map(str::to_owned)))
                .collect(),
            headers,
            last_error: LastError::default(),
        };
        // SAFETY: the caller guarantees `out`.
        unsafe { give(req, out) }
    })
}

/// Frees a request; NULL is ignored.
///
/// # Safety
///
/// `req` is NULL or a handle from `cos_ci_sign_request_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_sign_request_free(req: *mut cos_ci_sign_request) {
    // SAFETY: the caller guarantees `req`.
    unsafe { free_handle(req) }
}

/// Adds a header (for example `Authorization` before `cos_ci_verify`).
///
/// # Safety
///
/// `req` is a live handle used by no other thread; text pointers point to their lengths.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_sign_request_add_header(
    req: *mut cos_ci_sign_request,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, name, value) = unsafe {
            (
                handle_mut(req)?,
                text(name, name_len)?,
                text(value, value_len)?,
            )
        };
        h.headers.push((name.to_owned(), value.to_owned()));
        Ok(())
    })
}

fn key_time(start: u64, end: u64) -> FfiResult<KeyTime> {
    if start > end {
        return Err(cos_ci_result::InvalidArgument);
    }
    Ok(KeyTime::new(start, end))
}

/// Signs `req` with `creds` for the key time `start;end` (Unix seconds, used for both
/// `q-sign-time` and `q-key-time` as the SDKs do) and writes the `Authorization` header
/// value (`q-sign-algorithm=sha1&q-ak=...&q-signature=<40 hex>`). Headers signed: the
/// SDKs' default set (Host, Content-*, Pic-Operations, `x-cos-*`, ...).
/// `COS_CI_RESULT_INVALID_ARGUMENT` when `start > end`.
///
/// Thread safety: any thread; the handles are only read.
///
/// # Safety
///
/// `creds` and `req` are live handles; `buf` is NULL or has `len` writable bytes;
/// `out_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_sign(
    creds: *const cos_ci_credentials,
    req: *const cos_ci_sign_request,
    start: u64,
    end: u64,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both handles.
        let (c, r) = unsafe { (handle(creds)?, handle(req)?) };
        let signable = SignableRequest {
            params: r.params.clone(),
            headers: r.headers.clone(),
            ..SignableRequest::for_key(r.method.clone(), &r.key)
        };
        let auth = sign(
            &c.creds,
            &signable,
            key_time(start, end)?,
            &HeaderPolicy::Default,
        );
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(auth.to_header_value().as_bytes(), buf, len, out_len) }
    })
}

/// Verifies the signature of `req` (its `Authorization` header, or presigned `q-*`
/// query parameters) against `creds` at time `now` (Unix seconds) with the service's
/// policy (60 s clock skew, strict). Results: OK, `COS_CI_RESULT_SIGNATURE_MALFORMED`,
/// `_MISMATCH`, `_EXPIRED` (also not yet valid), `_REJECTED` (unknown access key,
/// header or parameter not signed, token mismatch). The reason goes to the request's
/// last error.
///
/// # Safety
///
/// `creds` and `req` are live handles.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_verify(
    creds: *const cos_ci_credentials,
    req: *const cos_ci_sign_request,
    now: u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both handles.
        let (c, r) = unsafe { (handle(creds)?, handle(req)?) };
        let received = ReceivedRequest {
            method: r.method.clone(),
            path: SignableRequest::for_key("", &r.key).path,
            params: r.params.clone(),
            headers: r.headers.clone(),
        };
        let lookup = |ak: &str| (ak == c.creds.secret_id).then(|| c.creds.clone());
        match verify(&received, lookup, now, &VerifyPolicy::default()) {
            Ok(_) => {
                r.last_error.clear();
                Ok(())
            }
            Err(e) => {
                let code = match e {
                    VerifyError::Malformed(_) => cos_ci_result::SignatureMalformed,
                    VerifyError::SignatureMismatch => cos_ci_result::SignatureMismatch,
                    VerifyError::Expired { .. } | VerifyError::NotYetValid { .. } => {
                        cos_ci_result::SignatureExpired
                    }
                    _ => cos_ci_result::SignatureRejected,
                };
                Err(r.last_error.fail(code, e))
            }
        }
    })
}

/// Writes the last error text of `req` (set by `cos_ci_verify`).
///
/// # Safety
///
/// `req` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_sign_request_last_error(
    req: *const cos_ci_sign_request,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(req, buf, len, out_len) }
}
