//! One pic job as C reads it (`cos_ci_pic_job` and its field selector), and the jobs a
//! response carries: below the client and the response's answer, which hold them.

use ci_core::result::JobsDetail;
use macro_rules_attribute::derive;

use crate::ffi::*;

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
    pub(super) detail: JobsDetail,
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
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(job, out, |h| {
            match h.field(cos_ci_job_field::from_arg(field)?) {
                JobVal::N(n) => n.ok_or(cos_ci_result::NotPresent),
                JobVal::S(_) => Err(cos_ci_result::InvalidArgument),
            }
        })
    }
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
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(job, out, |h| Ok(h.detail.state.is_final())) }
}

/// The jobs a response carries (create, get, list).
pub(crate) struct PicJobsAnswer {
    pub(super) jobs: Vec<cos_ci_pic_job>,
    /// Ids the service does not know (get).
    pub(super) non_exist: Vec<String>,
    /// The next page's token (list; empty on the last page).
    pub(super) next_token: Option<String>,
}

impl PicJobsAnswer {
    pub(super) fn new(
        jobs: Vec<JobsDetail>,
        non_exist: Vec<String>,
        next_token: Option<String>,
    ) -> Self {
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
