//! Pic jobs: create, get, list, read the answers, and wait for a job to end.

use super::*;

/// The create-job request from the arguments and the option pairs.
pub(super) fn create_request(
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
pub(super) fn list_query(options: &[(&str, &str)]) -> Result<ListPicJobsQuery, String> {
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
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(jobs_of(h)?.jobs.len())) }
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
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(resp, out, |h| {
            jobs_of(h)?
                .jobs
                .get(index)
                .ok_or(cos_ci_result::IndexOutOfRange)
        })
    }
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
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(jobs_of(h)?.non_exist.len())) }
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
