//! Calls that never block the caller's thread: started, then polled from the caller's
//! event loop while it waits on a descriptor (the Go binding waits in Go's poller, so a
//! call does not hold an OS thread in a cgo call for the whole exchange).

use ci_core::client::{Body, PendingCall, ResponseHeaders};
use ci_core::result::UploadResult;
use std::sync::Mutex;

use super::{cos_ci_client, cos_ci_response, deliver};
use crate::ffi::*;

/// An upload running, answering the headers and the UploadResult.
type PendingUpload = PendingCall<(ResponseHeaders, Option<UploadResult>)>;

/// An upload in progress (`cos_ci_client_put_object_start`).
///
/// Thread safety: `Send`, not `Sync`: poll it from one thread at a time (any thread).
/// It keeps what it needs of its client: the client may be freed first.
pub struct cos_ci_call {
    /// `None` once finished. (A `Mutex` only for `Sync`, which handles need: polls take
    /// `cos_ci_call *` and go through `get_mut`, without locking.)
    pending: Mutex<Option<PendingUpload>>,
    last_error: LastError,
}

impl_handle!(cos_ci_call, last_error: last_error);

/// Starts `cos_ci_client_put_object` without sending anything yet: the arguments are
/// checked and copied now (`COS_CI_RESULT_INVALID_PIC_OPERATIONS`,
/// `COS_CI_RESULT_INVALID_ARGUMENT`, ... fail here, the client's last error says why), and
/// `*out` receives the call, to run with `cos_ci_call_poll` (or `cos_ci_call_wait`) and
/// free with `cos_ci_call_free`.
///
/// # Safety
///
/// As for `cos_ci_client_put_object`, with `out` pointing to a writable
/// `cos_ci_call *`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_put_object_start(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    data: *const u8,
    data_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_call,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key, data) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(key, key_len)?,
                bytes(data, data_len)?,
            )
        };
        // SAFETY: the caller guarantees `out`.
        let slot = unsafe { crate::ffi::out(out) }?;
        *slot = std::ptr::null_mut();
        // SAFETY: as above.
        let opts = unsafe { super::options(c, options, options_len) }?;
        let pending = c
            .client
            .start_ci_put_object(bucket, key, Body::from_bytes(data.to_vec()), opts)
            .map_err(|e| match e {
                ci_core::client::CosClientError::Client(e) => {
                    c.last_error.fail(super::client_error_code(&e), e)
                }
                other => c.last_error.fail(cos_ci_result::ClientError, other),
            })?;
        c.last_error.clear();
        let call = cos_ci_call {
            pending: Mutex::new(Some(pending)),
            last_error: LastError::default(),
        };
        // SAFETY: `slot` is the caller's writable pointer.
        unsafe { give(call, slot) }
    })
}

/// Runs the call as far as it goes without waiting. `COS_CI_RESULT_PENDING` while it has
/// not finished (`*out` NULL): wait until `cos_ci_call_wait_fd`'s descriptor is readable
/// (it also signals, within 10 ms, a timeout or retry delay that may be due), and poll
/// again. Once finished, the result is `cos_ci_client_put_object`'s:
/// `*out` receives the response for `COS_CI_RESULT_OK` and
/// `COS_CI_RESULT_SERVICE_ERROR`; for other codes the call's last error says why. Polling
/// again after that gives `COS_CI_RESULT_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `call` is a live handle used by no other thread meanwhile; `out` points to a writable
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_call_poll(
    call: *mut cos_ci_call,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `call`.
        let call = unsafe { handle_mut(call) }?;
        let pending = call.pending.get_mut().unwrap_or_else(|e| e.into_inner());
        let outcome = match pending.as_mut() {
            None => return Err(finished(&call.last_error)),
            Some(pending) => match pending.poll() {
                None => {
                    // SAFETY: the caller guarantees `out`.
                    *unsafe { crate::ffi::out(out) }? = std::ptr::null_mut();
                    return Err(cos_ci_result::Pending);
                }
                Some(outcome) => outcome,
            },
        };
        *pending = None;
        let resp = outcome.map(|(h, r)| cos_ci_response::ok(h, r, Vec::new()));
        // SAFETY: the caller guarantees `out`.
        unsafe { deliver(&call.last_error, out, resp) }
    })
}

/// Runs the call to its end on this thread, blocking; then as `cos_ci_call_poll` once
/// finished.
///
/// # Safety
///
/// As for `cos_ci_call_poll`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_call_wait(
    call: *mut cos_ci_call,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `call`.
        let call = unsafe { handle_mut(call) }?;
        let taken = call
            .pending
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(pending) = taken else {
            return Err(finished(&call.last_error));
        };
        let resp = pending
            .wait()
            .map(|(h, r)| cos_ci_response::ok(h, r, Vec::new()));
        // SAFETY: the caller guarantees `out`.
        unsafe { deliver(&call.last_error, out, resp) }
    })
}

/// Writes to `*out_fd` a descriptor that becomes readable when `cos_ci_call_poll` has
/// work again (Linux: the epoll instance of the HTTP runtime of the thread that started
/// the call; watch it for readability, edge- or level-triggered). It belongs to the
/// client: do not close it; duplicate it to hand it to an event loop that closes what it
/// watches. `COS_CI_RESULT_NOT_PRESENT` when there is none (other systems): then poll
/// every millisecond or so, or call `cos_ci_call_wait`.
///
/// # Safety
///
/// `call` is a live handle; `out_fd` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_call_wait_fd(
    call: *const cos_ci_call,
    out_fd: *mut i32,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (call, slot) = unsafe { (handle(call)?, crate::ffi::out(out_fd)?) };
        let fd = match &*call.pending.lock().unwrap_or_else(|e| e.into_inner()) {
            None => return Err(finished(&call.last_error)),
            Some(pending) => pending.wait_fd(),
        };
        *slot = fd.ok_or(cos_ci_result::NotPresent)?;
        Ok(())
    })
}

/// Writes the last error text of `call`.
///
/// # Safety
///
/// `call` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_call_last_error(
    call: *const cos_ci_call,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(call, buf, len, out_len) }
}

/// Frees a call; NULL is ignored. An unfinished call is cancelled (its connection is
/// closed, not reused).
///
/// # Safety
///
/// `call` is NULL or a handle from `cos_ci_client_put_object_start`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_call_free(call: *mut cos_ci_call) {
    // SAFETY: the caller guarantees `call`.
    unsafe { free_handle(call) }
}

fn finished(last_error: &LastError) -> cos_ci_result {
    last_error.fail(
        cos_ci_result::InvalidArgument,
        "the call has already finished",
    )
}
