//! What the caller plugs in: the processing of one job.

use ci_core::result::PicProcessResult;

use crate::model::Job;

/// Why a job failed: the `Code` and `Message` its details will show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    /// A CI error code (`NoSuchKey`, `InvalidArgument`, `InternalError`, ...).
    pub code: String,
    /// What went wrong, for the user.
    pub message: String,
}

impl JobFailure {
    /// A failure with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        JobFailure {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Processes one job. The engine calls it from its worker threads, at most
/// `MaxConcurrent` at a time per queue.
///
/// **Contract** (what crash safety rests on): a job found `Running` when the engine opens
/// (the process died mid-job) is run again. So `run` must be idempotent: the same job
/// (same input object, rule and output) gives the same result, and the output is published
/// atomically (written aside, then renamed or committed in one step), so a run cut short
/// leaves nothing half-written and a second run replaces the first with identical bytes.
/// A panic in `run` fails the job with `InternalError`.
pub trait JobRunner: Send + Sync + 'static {
    /// Runs `job`; `Ok` is its result (the job ends `Success`), `Err` its failure.
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure>;
}

impl<F> JobRunner for F
where
    F: Fn(&Job) -> Result<PicProcessResult, JobFailure> + Send + Sync + 'static,
{
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure> {
        self(job)
    }
}
