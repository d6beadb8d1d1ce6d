//! Asynchronous image processing (issue #18), by the official Python SDK's names: open a
//! bucket's pic processing, read and update its pic queue, create, get and list pic jobs,
//! and wait for a job to end (`ci-core`'s `wait_for_job`: polls with back-off up to a
//! deadline).
//!
//! Each call but the wait returns a `cos_ci_response` as the other client calls do; its
//! jobs are read with `cos_ci_response_pic_job_count` / `cos_ci_response_pic_job`
//! (borrowed `cos_ci_pic_job` handles) and its queues with the
//! `cos_ci_response_pic_queue_*` accessors. The wait gives a `cos_ci_pic_job` of the
//! caller's, freed with `cos_ci_pic_job_free`.

use std::time::Duration;

use ci_core::client::{CosClientError, JobOrder, ListPicJobsQuery, PicQueueQuery};
use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, JobState, PicJobRequestOperation, PicProcess,
    PicQueue, UpdatePicQueueRequest, PIC_PROCESS_TAG,
};

use crate::answer::Answer;
use crate::client::{client_error_code, cos_ci_client, cos_ci_response, respond};
use crate::ffi::*;

pub(crate) mod job;
mod queue;
mod submit;
#[cfg(test)]
mod tests;

pub use job::*;
pub use queue::*;
pub use submit::*;
#[cfg(test)]
use submit::{create_request, list_query};

fn jobs_of(resp: &cos_ci_response) -> FfiResult<&PicJobsAnswer> {
    match &resp.answer {
        Answer::PicJobs(a) => Ok(a),
        _ => Err(cos_ci_result::NotPresent),
    }
}

fn queues_of(resp: &cos_ci_response) -> FfiResult<&[PicQueue]> {
    match &resp.answer {
        Answer::PicQueues(q) => Ok(q),
        _ => Err(cos_ci_result::NotPresent),
    }
}

/// Borrows `(client, bucket)`.
///
/// # Safety
///
/// `client` is NULL or a live handle; `bucket` points to `bucket_len` bytes.
unsafe fn bucket_args<'a>(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
) -> FfiResult<(&'a cos_ci_client, &'a str)> {
    // SAFETY: forwarded from the caller.
    unsafe { Ok((handle(client)?, text(bucket, bucket_len)?)) }
}

/// Sets `*out` to NULL before a check that may fail (a failed call leaves no response).
///
/// # Safety
///
/// `out` is NULL or points to a writable pointer.
unsafe fn clear_out(out: *mut *mut cos_ci_response) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    *unsafe { crate::ffi::out(out) }? = std::ptr::null_mut();
    Ok(())
}

/// Records `what` as the client's last error with `COS_CI_RESULT_INVALID_ARGUMENT`.
fn invalid(c: &cos_ci_client, what: impl std::fmt::Display) -> cos_ci_result {
    c.last_error.fail(cos_ci_result::InvalidArgument, what)
}

/// Option pairs with a value each; a NULL value is `COS_CI_RESULT_NULL_PARAMETER`.
///
/// # Safety
///
/// As for `kv_pairs`.
unsafe fn valued_pairs<'a>(ptr: *const cos_ci_kv, n: usize) -> FfiResult<Vec<(&'a str, &'a str)>> {
    // SAFETY: forwarded from the caller.
    let pairs = unsafe { kv_pairs(ptr, n) }?;
    pairs
        .into_iter()
        .map(|(k, v)| Ok((k, v.ok_or(cos_ci_result::NullParameter)?)))
        .collect()
}
