//! The one error type of the crate.

use ci_core::result::JobState;
use thiserror::Error;

/// What went wrong, with the names and values involved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum JobsError {
    /// A request field or query parameter is missing or invalid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The bucket's pic processing service is not open (`POST /picbucket` opens it).
    #[error("the pic processing service is not open for bucket `{0}`")]
    PicBucketNotOpen(String),
    /// No such queue in this bucket.
    #[error("no pic queue `{queue_id}` in bucket `{bucket_id}`")]
    NoSuchQueue {
        /// The bucket asked.
        bucket_id: String,
        /// The queue asked.
        queue_id: String,
    },
    /// The queue already holds `MaxSize` waiting jobs.
    #[error("pic queue `{queue_id}` is full ({max_size} jobs waiting)")]
    QueueFull {
        /// The queue.
        queue_id: String,
        /// Its `MaxSize`.
        max_size: u32,
    },
    /// No such job in this bucket.
    #[error("no pic job `{0}` in this bucket")]
    NoSuchJob(String),
    /// Only `Submitted` jobs can be cancelled.
    #[error("pic job `{job_id}` is {state}: only Submitted jobs can be cancelled")]
    NotCancellable {
        /// The job.
        job_id: String,
        /// Its state.
        state: JobState,
    },
    /// The database refused an operation.
    #[error("job store: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A stored row no longer reads back (edited by hand, or a newer schema).
    #[error("job store row for `{id}` is unreadable: {message}")]
    Corrupt {
        /// The job or queue id.
        id: String,
        /// What failed.
        message: String,
    },
    /// The operating system gave no random bytes for an id.
    #[error("no randomness for a new id: {0}")]
    Random(String),
    /// The HTTP client for callbacks could not be built.
    #[error("callback client: {0}")]
    Client(String),
    /// A worker or delivery thread could not be started.
    #[error("starting a thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl JobsError {
    /// The CI error code to answer with (`InvalidArgument`, `InternalError`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            JobsError::InvalidArgument(_)
            | JobsError::PicBucketNotOpen(_)
            | JobsError::NoSuchQueue { .. }
            | JobsError::QueueFull { .. }
            | JobsError::NotCancellable { .. } => "InvalidArgument",
            JobsError::NoSuchJob(_) => "NoSuchJob",
            JobsError::Storage(_)
            | JobsError::Corrupt { .. }
            | JobsError::Random(_)
            | JobsError::Client(_)
            | JobsError::Thread(_) => "InternalError",
        }
    }

    /// The HTTP status to answer with: 400 for the caller's mistakes, 404 for an unknown
    /// job, 500 for the store's.
    pub fn http_status(&self) -> u16 {
        match self.code() {
            "InvalidArgument" => 400,
            "NoSuchJob" => 404,
            _ => 500,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = JobsError> = std::result::Result<T, E>;
