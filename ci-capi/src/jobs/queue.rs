//! The pic bucket and its queue: open, list and close buckets, read and update the queue.

use ci_core::client::PicBucketQuery;
use ci_core::result::PicBucket;

use super::*;

/// `POST /picbucket` on the bucket's CI host (`ci_open_pic_bucket`): opens asynchronous
/// processing for the bucket, creating its pic queue. Opening an open bucket is
/// harmless. The response carries the opened bucket (one, read as for
/// `cos_ci_client_get_pic_buckets`).
///
/// # Safety
///
/// `client` is a live handle; `bucket` points to `bucket_len` bytes; `out` points to a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_open_pic_bucket(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket) = unsafe { bucket_args(client, bucket, bucket_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, opened) = cl.ci_open_pic_bucket(bucket)?;
                Ok(cos_ci_response::ok(h, None, Vec::new())
                    .with_answer(Answer::PicBuckets(vec![opened.pic_bucket])))
            })
        }
    })
}

/// The filters of `cos_ci_client_get_pic_buckets` from the Python SDK's names.
pub(super) fn bucket_query(options: &[(&str, &str)]) -> Result<PicBucketQuery, String> {
    let mut q = PicBucketQuery::default();
    let page = |name: &str, value: &str, max: u32| match value.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ if max == u32::MAX => Err(format!("{name} {value:?} is not a number from 1")),
        _ => Err(format!("{name} {value:?} is not 1 to {max}")),
    };
    for &(name, value) in options {
        match name {
            "Regions" => q.regions = value.to_owned(),
            "BucketName" => q.bucket_name = value.to_owned(),
            "BucketNames" => q.bucket_names = value.to_owned(),
            "PageNumber" => q.page_number = Some(page(name, value, u32::MAX)?),
            "PageSize" => q.page_size = Some(page(name, value, 100)?),
            _ => {
                return Err(format!(
                    "unknown option {name:?} (Regions, BucketName, BucketNames, PageNumber, \
                     PageSize)"
                ))
            }
        }
    }
    Ok(q)
}

/// `GET /picbucket` on the region's CI host (`ci_get_pic_bucket`): the buckets with
/// asynchronous processing open, one page. Options by the Python SDK's names, all
/// optional: `Regions` (comma list), `BucketName` (a name prefix), `BucketNames` (comma
/// list of exact names), `PageNumber` (from 1), `PageSize` (1 to 100); another name or
/// value is `COS_CI_RESULT_INVALID_ARGUMENT`. Read the buckets with
/// `cos_ci_response_pic_bucket_count`, `_pic_bucket_id` and `_pic_bucket_region`.
///
/// # Safety
///
/// `client` is a live handle; `options` holds `options_len` pairs (or is `(NULL, 0)`);
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_pic_buckets(
    client: *const cos_ci_client,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, options) = unsafe { (handle(client)?, valued_pairs(options, options_len)?) };
        // SAFETY: the caller guarantees `out`.
        unsafe { clear_out(out) }?;
        let query = bucket_query(&options).map_err(|e| invalid(c, e))?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, page) = cl.ci_get_pic_bucket(&query)?;
                Ok(cos_ci_response::ok(h, None, Vec::new())
                    .with_answer(Answer::PicBuckets(page.pic_bucket_list)))
            })
        }
    })
}

/// `DELETE /picbucket` on the bucket's CI host (`ci_close_pic_bucket`): closes
/// asynchronous processing for the bucket.
///
/// # Safety
///
/// As for `cos_ci_client_open_pic_bucket`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_close_pic_bucket(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket) = unsafe { bucket_args(client, bucket, bucket_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, _) = cl.ci_close_pic_bucket(bucket)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()))
            })
        }
    })
}

fn buckets_of(resp: &cos_ci_response) -> FfiResult<&[PicBucket]> {
    match &resp.answer {
        Answer::PicBuckets(b) => Ok(b),
        _ => Err(cos_ci_result::NotPresent),
    }
}

/// Number of buckets in the answer of `cos_ci_client_get_pic_buckets` (this page) or
/// `cos_ci_client_open_pic_bucket` (one) into `*out`. `COS_CI_RESULT_NOT_PRESENT` for
/// the response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_bucket_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(buckets_of(h)?.len())) }
}

/// Writes a text of bucket `index`, chosen by `pick`.
///
/// # Safety
///
/// As for the accessors below.
unsafe fn bucket_text(
    resp: *const cos_ci_response,
    index: usize,
    pick: fn(&PicBucket) -> &str,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let buckets = buckets_of(unsafe { handle(resp) }?)?;
    let b = buckets.get(index).ok_or(cos_ci_result::IndexOutOfRange)?;
    // SAFETY: forwarded from the caller.
    unsafe { write_out(pick(b).as_bytes(), buf, len, out_len) }
}

/// The id (`BucketId`, `<name>-<appid>`) of bucket `index`.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_bucket_id(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    boundary(|| unsafe { bucket_text(resp, index, |b| &b.bucket_id, buf, len, out_len) })
}

/// The region (`Region`) of bucket `index`.
///
/// # Safety
///
/// As for `cos_ci_response_pic_bucket_id`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_bucket_region(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    boundary(|| unsafe { bucket_text(resp, index, |b| &b.region, buf, len, out_len) })
}

/// `GET /picqueue` (`ci_get_media_pic_queue`): the bucket's pic queues, all states. Read
/// them with `cos_ci_response_pic_queue_count`, `_pic_queue_id`, `_pic_queue_name` and
/// `_pic_queue_state`.
///
/// # Safety
///
/// As for `cos_ci_client_open_pic_bucket`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_pic_queue(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket) = unsafe { bucket_args(client, bucket, bucket_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, queues) = cl.ci_get_media_pic_queue(bucket, &PicQueueQuery::default())?;
                Ok(cos_ci_response::ok(h, None, Vec::new())
                    .with_answer(Answer::PicQueues(queues.queue_list)))
            })
        }
    })
}

/// `PUT /picqueue/<queue_id>` (`ci_update_media_pic_queue`): names the queue (`name`,
/// required by the service: send the current name to keep it) and pauses or resumes it
/// (`state`: `Paused` or `Active`; NULL leaves it as it is).
/// The response carries the queue as updated (one queue, read as for
/// `cos_ci_client_get_pic_queue`). A `queue_id` that is not letters and digits is
/// refused before sending (`COS_CI_RESULT_INVALID_ARGUMENT`).
///
/// # Safety
///
/// As for `cos_ci_client_open_pic_bucket`; `state` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_update_pic_queue(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    queue_id: *const u8,
    queue_id_len: usize,
    name: *const u8,
    name_len: usize,
    state: *const u8,
    state_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, queue_id, name, state) = unsafe {
            let (c, bucket) = bucket_args(client, bucket, bucket_len)?;
            (
                c,
                bucket,
                text(queue_id, queue_id_len)?,
                text(name, name_len)?,
                opt_text(state, state_len)?,
            )
        };
        // SAFETY: the caller guarantees `out`.
        unsafe { clear_out(out) }?;
        if let Some(s) = state {
            if s != "Active" && s != "Paused" {
                return Err(invalid(
                    c,
                    format!("queue state {s:?} is not Active or Paused"),
                ));
            }
        }
        let request = UpdatePicQueueRequest {
            name: Some(name.to_owned()),
            queue_id: None,
            state: state.map(str::to_owned),
            notify_config: None,
        };
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, updated) = cl.ci_update_media_pic_queue(bucket, queue_id, &request)?;
                Ok(cos_ci_response::ok(h, None, Vec::new())
                    .with_answer(Answer::PicQueues(vec![updated.queue])))
            })
        }
    })
}

/// Number of queues in the answer of `cos_ci_client_get_pic_queue` or
/// `cos_ci_client_update_pic_queue` into `*out`. `COS_CI_RESULT_NOT_PRESENT` for the
/// response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_queue_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(queues_of(h)?.len())) }
}

/// Writes a text of queue `index`, chosen by `pick`.
///
/// # Safety
///
/// As for the accessors below.
unsafe fn queue_text(
    resp: *const cos_ci_response,
    index: usize,
    pick: fn(&PicQueue) -> &str,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let queues = queues_of(unsafe { handle(resp) }?)?;
    let q = queues.get(index).ok_or(cos_ci_result::IndexOutOfRange)?;
    // SAFETY: forwarded from the caller.
    unsafe { write_out(pick(q).as_bytes(), buf, len, out_len) }
}

/// The id (`QueueId`, `p` and 32 hex digits) of queue `index`: what
/// `cos_ci_client_create_pic_jobs` takes.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_queue_id(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    boundary(|| unsafe { queue_text(resp, index, |q| &q.queue_id, buf, len, out_len) })
}

/// The name (`Name`) of queue `index`.
///
/// # Safety
///
/// As for `cos_ci_response_pic_queue_id`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_queue_name(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    boundary(|| unsafe { queue_text(resp, index, |q| &q.name, buf, len, out_len) })
}

/// The state (`State`: `Active` or `Paused`) of queue `index`.
///
/// # Safety
///
/// As for `cos_ci_response_pic_queue_id`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_queue_state(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    boundary(|| unsafe { queue_text(resp, index, |q| &q.state, buf, len, out_len) })
}
