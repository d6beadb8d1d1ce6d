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
    CreatePicJobsRequest, JobInput, JobOutput, JobState, JobsDetail, PicJobRequestOperation,
    PicProcess, PicQueue, UpdatePicQueueRequest, PIC_PROCESS_TAG,
};
use macro_rules_attribute::derive;

use crate::client::{client_error_code, cos_ci_client, cos_ci_response, respond};
use crate::ffi::*;
use crate::image_client::Answer;

/// Selects a field of a `cos_ci_pic_job` (`cos_ci_pic_job_string` for text,
/// `cos_ci_pic_job_number` for numbers). Passed as `uint32_t`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, U32Enum!)]
pub enum cos_ci_job_field {
    /// `JobId` (text): `c` and 32 hex digits.
    JobId = 0,
    /// `State` (text): `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`.
    State = 1,
    /// `Code` (text): `Success`, or the error code of a failed job.
    Code = 2,
    /// `Message` (text): empty, or the error text of a failed job.
    Message = 3,
    /// `CreationTime` (text, `YYYY-MM-DDTHH:MM:SS+0800`).
    CreationTime = 4,
    /// `StartTime` (text; `-` until the job starts).
    StartTime = 5,
    /// `EndTime` (text; `-` until the job ends).
    EndTime = 6,
    /// `QueueId` (text).
    QueueId = 7,
    /// `Tag` (text): `PicProcess`.
    Tag = 8,
    /// `Input.Object` (text): the source key.
    InputObject = 9,
    /// `Input.BucketId` (text; absent in a create answer that lacks it).
    InputBucket = 10,
    /// `Input.Region` (text; may be absent).
    InputRegion = 11,
    /// `Operation.Output.Bucket` (text).
    OutputBucket = 12,
    /// `Operation.Output.Region` (text).
    OutputRegion = 13,
    /// `Operation.Output.Object` (text): the result key.
    OutputObject = 14,
    /// `Operation.PicProcess.ProcessRule` (text; absent for a template job).
    ProcessRule = 15,
    /// `Operation.TemplateId` (text; absent for a rule job).
    TemplateId = 16,
    /// `Operation.UserData` (text; absent when not sent).
    UserData = 17,
    /// `PicProcessResult.ObjectName` (text; once `Success`).
    ResultObject = 18,
    /// `PicProcessResult.ProcessResult.Format` (text; once `Success`).
    ResultFormat = 19,
    /// `PicProcessResult.ProcessResult.Etag` (text, quotes included; once `Success`).
    ResultEtag = 20,
    /// `Operation.JobLevel` (number).
    JobLevel = 21,
    /// `PicProcessResult.ProcessResult.Width` (number; once `Success`).
    ResultWidth = 22,
    /// `PicProcessResult.ProcessResult.Height` (number; once `Success`).
    ResultHeight = 23,
    /// `PicProcessResult.ProcessResult.Size` in bytes (number; once `Success`).
    ResultSize = 24,
    /// `PicProcessResult.ProcessResult.Quality` (number; once `Success`).
    ResultQuality = 25,
}

/// One pic job (`<JobsDetail>`): its state, source, operation and, once `Success`, its
/// result. Borrowed from a `cos_ci_response` (`cos_ci_response_pic_job`; freed with the
/// response) or the caller's from `cos_ci_client_wait_for_job` (`cos_ci_pic_job_free`).
///
/// Thread safety: `Send` and `Sync`; immutable.
pub struct cos_ci_pic_job {
    detail: JobsDetail,
}

impl_handle!(cos_ci_pic_job);

/// A field's value: text or number, either possibly absent.
enum JobVal<'a> {
    S(Option<&'a str>),
    N(Option<u64>),
}

impl cos_ci_pic_job {
    fn field(&self, f: cos_ci_job_field) -> JobVal<'_> {
        use cos_ci_job_field::*;
        use JobVal::{N, S};
        let d = &self.detail;
        let op = &d.operation;
        let result = op.pic_process_result.as_ref();
        let product = result.map(|r| &r.process_result);
        match f {
            JobId => S(Some(&d.job_id)),
            State => S(Some(d.state.as_str())),
            Code => S(Some(&d.code)),
            Message => S(Some(&d.message)),
            CreationTime => S(Some(&d.creation_time)),
            StartTime => S(Some(&d.start_time)),
            EndTime => S(Some(&d.end_time)),
            QueueId => S(Some(&d.queue_id)),
            Tag => S(Some(&d.tag)),
            InputObject => S(Some(&d.input.object)),
            InputBucket => S(d.input.bucket_id.as_deref()),
            InputRegion => S(d.input.region.as_deref()),
            OutputBucket => S(Some(&op.output.bucket)),
            OutputRegion => S(Some(&op.output.region)),
            OutputObject => S(Some(&op.output.object)),
            ProcessRule => S(op.pic_process.as_ref().map(|p| p.process_rule.as_str())),
            TemplateId => S(op.template_id.as_deref()),
            UserData => S(op.user_data.as_deref()),
            ResultObject => S(result.map(|r| r.object_name.as_str())),
            ResultFormat => S(product.map(|p| p.format.as_str())),
            ResultEtag => S(product.map(|p| p.etag.as_str())),
            JobLevel => N(op.job_level.map(u64::from)),
            ResultWidth => N(product.map(|p| u64::from(p.width))),
            ResultHeight => N(product.map(|p| u64::from(p.height))),
            ResultSize => N(product.map(|p| p.size)),
            ResultQuality => N(product.map(|p| u64::from(p.quality))),
        }
    }
}

/// Frees a job from `cos_ci_client_wait_for_job`; NULL is ignored. (Jobs borrowed from a
/// `cos_ci_response` are freed with it, never here.)
///
/// # Safety
///
/// `job` is NULL or a handle from `cos_ci_client_wait_for_job`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_job_free(job: *mut cos_ci_pic_job) {
    // SAFETY: the caller guarantees `job`.
    unsafe { free_handle(job) }
}

/// A text field of a job (see `cos_ci_job_field`). `COS_CI_RESULT_NOT_PRESENT` for an
/// absent value, `COS_CI_RESULT_INVALID_ARGUMENT` for a numeric or unknown field.
///
/// # Safety
///
/// `job` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_job_string(
    job: *const cos_ci_pic_job,
    field: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `job`.
        let h = unsafe { handle(job) }?;
        match h.field(cos_ci_job_field::from_arg(field)?) {
            // SAFETY: the caller guarantees the buffer arguments.
            JobVal::S(s) => unsafe { write_opt(s, buf, len, out_len) },
            JobVal::N(_) => Err(cos_ci_result::InvalidArgument),
        }
    })
}

/// A numeric field of a job into `*out`: `COS_CI_JOB_FIELD_JOB_LEVEL`,
/// `_RESULT_WIDTH`, `_RESULT_HEIGHT`, `_RESULT_SIZE`, `_RESULT_QUALITY`. Errors as for
/// `cos_ci_pic_job_string`.
///
/// # Safety
///
/// `job` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_job_number(
    job: *const cos_ci_pic_job,
    field: u32,
    out: *mut u64,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(job)?, crate::ffi::out(out)?) };
        match h.field(cos_ci_job_field::from_arg(field)?) {
            JobVal::N(n) => {
                *o = n.ok_or(cos_ci_result::NotPresent)?;
                Ok(())
            }
            JobVal::S(_) => Err(cos_ci_result::InvalidArgument),
        }
    })
}

/// Whether the job has ended (`Success`, `Failed` or `Cancel`) into `*out`.
///
/// # Safety
///
/// `job` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_pic_job_ended(
    job: *const cos_ci_pic_job,
    out: *mut bool,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(job)?, crate::ffi::out(out)?) };
        *o = h.detail.state.is_final();
        Ok(())
    })
}

/// The jobs a response carries (create, get, list).
pub(crate) struct PicJobsAnswer {
    jobs: Vec<cos_ci_pic_job>,
    /// Ids the service does not know (get).
    non_exist: Vec<String>,
    /// The next page's token (list; empty on the last page).
    next_token: Option<String>,
}

impl PicJobsAnswer {
    fn new(jobs: Vec<JobsDetail>, non_exist: Vec<String>, next_token: Option<String>) -> Self {
        PicJobsAnswer {
            jobs: jobs
                .into_iter()
                .map(|detail| cos_ci_pic_job { detail })
                .collect(),
            non_exist,
            next_token,
        }
    }
}

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

// ---------------------------------------------------------------- pic bucket, queue

/// `POST /picbucket` on the bucket's CI host (`ci_open_pic_bucket`): opens asynchronous
/// processing for the bucket, creating its pic queue. Opening an open bucket is
/// harmless.
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
                let (h, _) = cl.ci_open_pic_bucket(bucket)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()))
            })
        }
    })
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
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(resp)?, crate::ffi::out(out)?) };
        *o = queues_of(h)?.len();
        Ok(())
    })
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

// ---------------------------------------------------------------- pic jobs

/// The create-job request from the arguments and the option pairs.
fn create_request(
    queue_id: &str,
    input_object: &str,
    output: JobOutput,
    rule: Option<&str>,
    options: &[(&str, &str)],
) -> Result<CreatePicJobsRequest, String> {
    let mut operation = PicJobRequestOperation {
        output,
        ..Default::default()
    };
    let mut is_pic_info = None;
    let mut request = CreatePicJobsRequest {
        tag: PIC_PROCESS_TAG.to_owned(),
        input: JobInput {
            object: input_object.to_owned(),
            ..Default::default()
        },
        queue_id: queue_id.to_owned(),
        ..Default::default()
    };
    for &(name, value) in options {
        let value = value.to_owned();
        match name {
            "TemplateId" => operation.template_id = Some(value),
            "IsPicInfo" => match value.as_str() {
                "true" | "false" => is_pic_info = Some(value),
                _ => return Err(format!("IsPicInfo {value:?} is not true or false")),
            },
            "UserData" => operation.user_data = Some(value),
            "JobLevel" => match value.parse::<u32>() {
                Ok(level) if level <= 2 => operation.job_level = Some(level),
                _ => return Err(format!("JobLevel {value:?} is not 0, 1 or 2")),
            },
            "CallBack" => request.call_back = Some(value),
            "CallBackFormat" => request.call_back_format = Some(value),
            "CallBackType" => request.call_back_type = Some(value),
            _ => {
                return Err(format!(
                    "unknown option {name:?} (TemplateId, IsPicInfo, UserData, JobLevel, \
                     CallBack, CallBackFormat, CallBackType)"
                ))
            }
        }
    }
    match rule {
        Some(rule) => {
            operation.pic_process = Some(PicProcess {
                is_pic_info,
                process_rule: rule.to_owned(),
            })
        }
        None if operation.template_id.is_none() => {
            return Err("a rule or a TemplateId option is required".to_owned())
        }
        None if is_pic_info.is_some() => {
            return Err("IsPicInfo goes with a rule, not a TemplateId".to_owned())
        }
        None => {}
    }
    request.operation = operation;
    Ok(request)
}

/// `POST /pic_jobs` (`ci_create_media_pic_jobs`): submits one job that processes the
/// bucket's `input_object` with `rule` (e.g. `imageMogr2/thumbnail/200x/format/webp`)
/// into `output_bucket`/`output_object` in `output_region`, on the queue `queue_id`
/// (from `cos_ci_client_get_pic_queue`). `rule` may be NULL when `options` name a
/// `TemplateId`. Options by the Python SDK's names: `TemplateId`, `IsPicInfo` (`true` /
/// `false`), `UserData`, `JobLevel` (0 to 2), `CallBack`, `CallBackFormat` (`XML` /
/// `JSON`), `CallBackType`; another name or value is `COS_CI_RESULT_INVALID_ARGUMENT`
/// (the client's last error says which). The response carries the new job
/// (`cos_ci_response_pic_job`, index 0). Not retried: a retry could submit twice.
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes (`rule` may be
/// NULL); `options` holds `options_len` pairs (or is `(NULL, 0)`); `out` points to a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_create_pic_jobs(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    queue_id: *const u8,
    queue_id_len: usize,
    input_object: *const u8,
    input_object_len: usize,
    output_region: *const u8,
    output_region_len: usize,
    output_bucket: *const u8,
    output_bucket_len: usize,
    output_object: *const u8,
    output_object_len: usize,
    rule: *const u8,
    rule_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, queue_id, input_object, output, rule, options) = unsafe {
            let (c, bucket) = bucket_args(client, bucket, bucket_len)?;
            let output = JobOutput {
                region: text(output_region, output_region_len)?.to_owned(),
                bucket: text(output_bucket, output_bucket_len)?.to_owned(),
                object: text(output_object, output_object_len)?.to_owned(),
            };
            (
                c,
                bucket,
                text(queue_id, queue_id_len)?,
                text(input_object, input_object_len)?,
                output,
                opt_text(rule, rule_len)?,
                valued_pairs(options, options_len)?,
            )
        };
        // SAFETY: the caller guarantees `out`.
        unsafe { clear_out(out) }?;
        let request = create_request(queue_id, input_object, output, rule, &options)
            .map_err(|e| invalid(c, e))?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, created) = cl.ci_create_media_pic_jobs(bucket, &request)?;
                let answer = PicJobsAnswer::new(vec![created.jobs_detail], Vec::new(), None);
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::PicJobs(answer)))
            })
        }
    })
}

/// `GET /pic_jobs/<id>,<id>...` (`ci_get_media_pic_jobs`): the jobs of `job_ids`, a
/// comma list of 1 to 100 ids (as the Python SDK's `JobIDs`). The jobs found come in the
/// order asked (`cos_ci_response_pic_job`); ids the service does not know are listed by
/// `cos_ci_response_non_exist_job_id` (this is not an error, as on the service).
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `out` points to
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_pic_jobs(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    job_ids: *const u8,
    job_ids_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, ids) = unsafe {
            let (c, bucket) = bucket_args(client, bucket, bucket_len)?;
            (c, bucket, text(job_ids, job_ids_len)?)
        };
        let ids: Vec<&str> = ids.split(',').map(str::trim).collect();
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, found) = cl.ci_get_media_pic_jobs(bucket, &ids)?;
                let answer = PicJobsAnswer::new(found.jobs_detail, found.non_exist_job_ids, None);
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::PicJobs(answer)))
            })
        }
    })
}

/// The list query from option pairs with the Python SDK's names.
fn list_query(options: &[(&str, &str)]) -> Result<ListPicJobsQuery, String> {
    let mut q = ListPicJobsQuery::default();
    for &(name, value) in options {
        match name {
            "QueueId" => q.queue_id = Some(value.to_owned()),
            "StartCreationTime" => q.start_creation_time = Some(value.to_owned()),
            "EndCreationTime" => q.end_creation_time = Some(value.to_owned()),
            "OrderByTime" => {
                q.order_by_time = match value {
                    "Desc" => JobOrder::Desc,
                    "Asc" => JobOrder::Asc,
                    _ => return Err(format!("OrderByTime {value:?} is not Desc or Asc")),
                }
            }
            "States" => {
                q.states = if value == "All" {
                    Vec::new()
                } else {
                    value
                        .split(',')
                        .map(|s| s.trim().parse::<JobState>().map_err(|e| e.to_string()))
                        .collect::<Result<_, _>>()?
                }
            }
            "Size" => match value.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => q.size = n,
                _ => return Err(format!("Size {value:?} is not 1 to 100")),
            },
            "NextToken" => q.next_token = value.to_owned(),
            _ => {
                return Err(format!(
                    "unknown option {name:?} (QueueId, StartCreationTime, EndCreationTime, \
                     OrderByTime, States, Size, NextToken)"
                ))
            }
        }
    }
    Ok(q)
}

/// `GET /pic_jobs?tag=PicProcess&...` (`ci_list_media_pic_jobs`): one page of the
/// bucket's jobs, newest first unless asked otherwise. Options by the Python SDK's
/// names: `QueueId`, `StartCreationTime` / `EndCreationTime`
/// (`%Y-%m-%dT%H:%M:%S%z`), `OrderByTime` (`Desc` / `Asc`), `States` (comma list of
/// `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`, or `All`), `Size` (1
/// to 100, default 10), `NextToken` (the page to read); another name or value is
/// `COS_CI_RESULT_INVALID_ARGUMENT`. Read the jobs with `cos_ci_response_pic_job` and
/// the next page's token with `cos_ci_response_pic_jobs_next_token` (empty on the last
/// page).
///
/// # Safety
///
/// `client` is a live handle; `bucket` points to `bucket_len` bytes; `options` holds
/// `options_len` pairs (or is `(NULL, 0)`); `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_list_pic_jobs(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    options: *const cos_ci_kv,
    options_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, options) = unsafe {
            let (c, bucket) = bucket_args(client, bucket, bucket_len)?;
            (c, bucket, valued_pairs(options, options_len)?)
        };
        // SAFETY: the caller guarantees `out`.
        unsafe { clear_out(out) }?;
        let query = list_query(&options).map_err(|e| invalid(c, e))?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, page) = cl.ci_list_media_pic_jobs(bucket, &query)?;
                let answer =
                    PicJobsAnswer::new(page.jobs_detail, Vec::new(), Some(page.next_token));
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::PicJobs(answer)))
            })
        }
    })
}

/// Number of jobs in the answer of `cos_ci_client_create_pic_jobs`,
/// `cos_ci_client_get_pic_jobs` or `cos_ci_client_list_pic_jobs` into `*out`.
/// `COS_CI_RESULT_NOT_PRESENT` for the response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_job_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(resp)?, crate::ffi::out(out)?) };
        *o = jobs_of(h)?.jobs.len();
        Ok(())
    })
}

/// Job `index` of the answer into `*out`: borrowed, valid until the response is freed;
/// do not free it.
///
/// # Safety
///
/// `resp` is a live response; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_job(
    resp: *const cos_ci_response,
    index: usize,
    out: *mut *const cos_ci_pic_job,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(resp)?, crate::ffi::out(out)?) };
        *o = std::ptr::null();
        let job = jobs_of(h)?
            .jobs
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        *o = job;
        Ok(())
    })
}

/// The next page's token of a `cos_ci_client_list_pic_jobs` answer (empty on the last
/// page): pass it as the `NextToken` option. `COS_CI_RESULT_NOT_PRESENT` for another
/// call's response.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_pic_jobs_next_token(
    resp: *const cos_ci_response,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let answer = jobs_of(unsafe { handle(resp) }?)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(answer.next_token.as_deref(), buf, len, out_len) }
    })
}

/// Number of ids a `cos_ci_client_get_pic_jobs` answer names as unknown
/// (`NonExistJobIds`) into `*out`. `COS_CI_RESULT_NOT_PRESENT` for the response of a
/// call without jobs.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_non_exist_job_id_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, o) = unsafe { (handle(resp)?, crate::ffi::out(out)?) };
        *o = jobs_of(h)?.non_exist.len();
        Ok(())
    })
}

/// Unknown job id `index` of a `cos_ci_client_get_pic_jobs` answer.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_non_exist_job_id(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let answer = jobs_of(unsafe { handle(resp) }?)?;
        let id = answer
            .non_exist
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(id.as_bytes(), buf, len, out_len) }
    })
}

/// Waits for the job `job_id` to end (`Success`, `Failed` or `Cancel`), polling
/// `GET /pic_jobs/<job_id>` after 100 ms, 200 ms, ... up to 5 s between polls, for at
/// most `timeout_ms` milliseconds; the ended job goes to `*out` (the caller's: free it
/// with `cos_ci_pic_job_free`). A `Failed` job is an answer, not an error (read its
/// `Code` and `Message`). Errors, with `*out` NULL and the client's last error saying
/// more: `COS_CI_RESULT_JOB_NOT_FOUND` (the service does not know the id),
/// `COS_CI_RESULT_JOB_WAIT_TIMEOUT` (still running when the time ran out; the text names
/// the last state seen), `COS_CI_RESULT_SERVICE_ERROR` (a poll was refused: the text
/// has the service's code and message), `COS_CI_RESULT_TRANSPORT`,
/// `COS_CI_RESULT_INVALID_ARGUMENT` (an id that is not letters and digits). Blocks the
/// calling thread.
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `out` points to
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_wait_for_job(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    job_id: *const u8,
    job_id_len: usize,
    timeout_ms: u64,
    out: *mut *mut cos_ci_pic_job,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, job_id, slot) = unsafe {
            let (c, bucket) = bucket_args(client, bucket, bucket_len)?;
            (c, bucket, text(job_id, job_id_len)?, crate::ffi::out(out)?)
        };
        *slot = std::ptr::null_mut();
        let timeout = Duration::from_millis(timeout_ms);
        match c.client.wait_for_job(bucket, job_id, timeout) {
            Ok(detail) => {
                c.last_error.clear();
                *slot = Box::into_raw(Box::new(cos_ci_pic_job { detail }));
                Ok(())
            }
            Err(CosClientError::Service(e)) => {
                Err(c.last_error.fail(cos_ci_result::ServiceError, e))
            }
            Err(CosClientError::Client(e)) => Err(c.last_error.fail(client_error_code(&e), e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(state: JobState) -> cos_ci_pic_job {
        let request = create_request(
            "p0123456789abcdef0123456789abcdef",
            "in/photo.jpg",
            JobOutput {
                region: "ap-guangzhou".into(),
                bucket: "b-1250000000".into(),
                object: "out/photo.webp".into(),
            },
            Some("imageMogr2/format/webp"),
            &[("UserData", "u1"), ("JobLevel", "2")],
        )
        .unwrap();
        cos_ci_pic_job {
            detail: JobsDetail {
                code: String::new(),
                message: String::new(),
                job_id: "c0123456789abcdef0123456789abcdef".into(),
                state,
                creation_time: "2026-12-05T15:00:00+0800".into(),
                end_time: "-".into(),
                start_time: "-".into(),
                queue_id: request.queue_id.clone(),
                tag: request.tag.clone(),
                input: request.input.clone(),
                operation: ci_core::result::JobsDetailOperation::from_request(&request.operation),
            },
        }
    }

    fn string(j: &cos_ci_pic_job, f: cos_ci_job_field) -> Result<String, cos_ci_result> {
        let mut buf = [0u8; 128];
        let mut n = 0usize;
        // SAFETY: a live job, 128 writable bytes, a writable length.
        let r = unsafe { cos_ci_pic_job_string(j, f as u32, buf.as_mut_ptr(), buf.len(), &mut n) };
        match r {
            cos_ci_result::Ok => Ok(String::from_utf8(buf[..n].to_vec()).unwrap()),
            e => Err(e),
        }
    }

    #[test]
    fn job_fields_read_from_the_detail() {
        let j = job(JobState::Submitted);
        assert_eq!(string(&j, cos_ci_job_field::State).unwrap(), "Submitted");
        assert_eq!(string(&j, cos_ci_job_field::Tag).unwrap(), "PicProcess");
        assert_eq!(
            string(&j, cos_ci_job_field::InputObject).unwrap(),
            "in/photo.jpg"
        );
        assert_eq!(
            string(&j, cos_ci_job_field::OutputObject).unwrap(),
            "out/photo.webp"
        );
        assert_eq!(
            string(&j, cos_ci_job_field::ProcessRule).unwrap(),
            "imageMogr2/format/webp"
        );
        assert_eq!(string(&j, cos_ci_job_field::UserData).unwrap(), "u1");
        assert_eq!(string(&j, cos_ci_job_field::StartTime).unwrap(), "-");
        // Absent until the job has a result; a number is not text; unknown selectors.
        assert_eq!(
            string(&j, cos_ci_job_field::ResultObject),
            Err(cos_ci_result::NotPresent)
        );
        assert_eq!(
            string(&j, cos_ci_job_field::TemplateId),
            Err(cos_ci_result::NotPresent)
        );
        assert_eq!(
            string(&j, cos_ci_job_field::JobLevel),
            Err(cos_ci_result::InvalidArgument)
        );
        let mut n = 0u64;
        let mut ended = true;
        // SAFETY: a live job and writable outputs.
        unsafe {
            assert_eq!(
                cos_ci_pic_job_number(&j, cos_ci_job_field::JobLevel as u32, &mut n),
                cos_ci_result::Ok
            );
            assert_eq!(n, 2);
            assert_eq!(
                cos_ci_pic_job_number(&j, cos_ci_job_field::ResultWidth as u32, &mut n),
                cos_ci_result::NotPresent
            );
            assert_eq!(
                cos_ci_pic_job_number(&j, cos_ci_job_field::State as u32, &mut n),
                cos_ci_result::InvalidArgument
            );
            assert_eq!(
                cos_ci_pic_job_number(&j, 99, &mut n),
                cos_ci_result::InvalidArgument
            );
            assert_eq!(cos_ci_pic_job_ended(&j, &mut ended), cos_ci_result::Ok);
            assert!(!ended);
            assert_eq!(
                cos_ci_pic_job_ended(&job(JobState::Failed), &mut ended),
                cos_ci_result::Ok
            );
            assert!(ended);
            assert_eq!(
                cos_ci_pic_job_ended(std::ptr::null(), &mut ended),
                cos_ci_result::NullParameter
            );
            assert_eq!(
                cos_ci_pic_job_number(&j, 0, std::ptr::null_mut()),
                cos_ci_result::NullParameter
            );
            cos_ci_pic_job_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn create_request_checks_its_options() {
        let out = || JobOutput {
            region: "ap-guangzhou".into(),
            bucket: "b-1250000000".into(),
            object: "o.png".into(),
        };
        let r = create_request(
            "p1",
            "i.jpg",
            out(),
            Some("imageMogr2/format/png"),
            &[
                ("IsPicInfo", "true"),
                ("CallBack", "http://127.0.0.1:9/cb"),
                ("CallBackFormat", "JSON"),
            ],
        )
        .unwrap();
        assert_eq!(
            r.to_xml().replace('\n', ""),
            "<Request><Tag>PicProcess</Tag><Input><Object>i.jpg</Object></Input>\
             <Operation><PicProcess><IsPicInfo>true</IsPicInfo>\
             <ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess>\
             <Output><Region>ap-guangzhou</Region><Bucket>b-1250000000</Bucket>\
             <Object>o.png</Object></Output></Operation><QueueId>p1</QueueId>\
             <CallBack>http://127.0.0.1:9/cb</CallBack><CallBackFormat>JSON</CallBackFormat>\
             </Request>"
        );
        let t = create_request("p1", "i.jpg", out(), None, &[("TemplateId", "style1")]).unwrap();
        assert_eq!(t.operation.template_id.as_deref(), Some("style1"));
        assert!(t.operation.pic_process.is_none());
        for (rule, options, says) in [
            (None, vec![], "a rule or a TemplateId"),
            (
                None,
                vec![("TemplateId", "t"), ("IsPicInfo", "true")],
                "IsPicInfo goes",
            ),
            (Some("r"), vec![("IsPicInfo", "yes")], "IsPicInfo \"yes\""),
            (Some("r"), vec![("JobLevel", "3")], "JobLevel \"3\""),
            (
                Some("r"),
                vec![("Priority", "1")],
                "unknown option \"Priority\"",
            ),
        ] {
            let e = create_request("p1", "i.jpg", out(), rule, &options).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn list_query_reads_the_sdk_names() {
        let q = list_query(&[
            ("QueueId", "p1"),
            ("OrderByTime", "Asc"),
            ("States", "Success,Failed"),
            ("Size", "100"),
            ("NextToken", "t2"),
        ])
        .unwrap();
        assert_eq!(q.queue_id.as_deref(), Some("p1"));
        assert_eq!(q.order_by_time, JobOrder::Asc);
        assert_eq!(q.states, vec![JobState::Success, JobState::Failed]);
        assert_eq!((q.size, q.next_token.as_str()), (100, "t2"));
        assert!(list_query(&[("States", "All")]).unwrap().states.is_empty());
        assert_eq!(list_query(&[]).unwrap(), ListPicJobsQuery::default());
        for (options, says) in [
            (vec![("Size", "0")], "Size \"0\""),
            (vec![("Size", "101")], "Size \"101\""),
            (vec![("OrderByTime", "desc")], "OrderByTime"),
            (vec![("States", "Done")], "unknown job state `Done`"),
            (vec![("Tag", "x")], "unknown option \"Tag\""),
        ] {
            let e = list_query(&options).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
