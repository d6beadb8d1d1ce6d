//! # ci-jobs
//!
//! Cloud Infinite's fourth processing mode, asynchronous image jobs, as a persistent engine
//! independent of HTTP: pic buckets (`/picbucket`), their pic queues (`/picqueue`), pic
//! jobs (`/pic_jobs`) and job-end callbacks. ci-server routes the wire calls to an
//! [`Engine`] and plugs its processing in as a [`JobRunner`]; the documents going in and
//! out are ci-core's wire types (`ci_core::result::{CreatePicJobsRequest, JobsDetail, ...}`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use ci_core::result::{CreatePicJobsRequest, PicProcessResult};
//! use ci_jobs::{Engine, EngineConfig, Job, JobFailure};
//!
//! let runner = |job: &Job| -> Result<PicProcessResult, JobFailure> {
//!     // read job.request.input.object, apply the rule, publish atomically ...
//!     Ok(PicProcessResult::default())
//! };
//! let engine = Engine::open("/tmp/root/jobs.sqlite3", EngineConfig::default(), Arc::new(runner))?;
//! let bucket = engine.open_pic_bucket("examplebucket-1250000000", "ap-guangzhou")?;
//! # let request = CreatePicJobsRequest::default();
//! let job = engine.submit(&bucket.bucket_id, request)?;
//! let done = engine.wait_for_end(&job.job_id, Duration::from_secs(30))?;
//! # Ok::<(), ci_jobs::JobsError>(())
//! ```
//!
//! ## Model
//! * A **pic bucket** is opened per bucket ([`Engine::open_pic_bucket`]); opening creates
//!   its one **queue**, `p` + 32 hex digits, `Active`, `MaxSize` 10000, `MaxConcurrent`
//!   10, callbacks `Off`. Opening an open bucket returns it unchanged.
//! * A **job** (`c` + 32 hex digits) keeps its request, state, `Code`/`Message`, creation /
//!   start / end times and result. States: `Submitted` → `Running` → `Success` | `Failed`;
//!   `Submitted` → `Cancel`.
//!
//! ## Persistence and crash safety
//! SQLite (bundled) in the file the caller names, WAL, `synchronous=NORMAL`; every
//! transition is one transaction, and a job's end is committed together with its callback
//! record. On open, jobs found `Running` are put back to `Submitted` and run again: the
//! [`JobRunner`] contract (idempotent, atomic publish) makes the re-run give the same
//! result, so no job is lost and none ends twice or with a different result.
//!
//! ## Scheduling
//! A bounded pool of worker threads ([`EngineConfig::workers`], default = cores) takes the
//! waiting job of highest `JobLevel` (2 before 0), then the oldest, from queues that are
//! `Active` and run fewer than their `MaxConcurrent` jobs.
//!
//! ## Decisions on points the sources leave open (wire-ci.md "unconfirmed")
//! * `Pause`: pausing a queue holds its waiting jobs in `Submitted` (their state does not
//!   change); running jobs finish. No job is ever put in `Pause`, though list filters
//!   accept it.
//! * `Cancel`: [`Engine::cancel_job`] cancels a `Submitted` job (the cloud's media-job
//!   cancel does the same; a pic-job cancel path is not documented, the server may expose
//!   one). A job that has started cannot be cancelled. Cancelled jobs carry code
//!   [`CANCELLED_CODE`].
//! * Close pic bucket: waiting jobs end `Cancel` (with their callbacks), running jobs
//!   finish, the queue is deleted, every job stays queryable by id; reopening creates a
//!   new queue.
//! * Errors: invalid requests, an unopened pic bucket, an unknown or full queue →
//!   400 `InvalidArgument`; unknown job for cancel → 404 `NoSuchJob`
//!   ([`JobsError::code`], [`JobsError::http_status`]). Get-jobs with only unknown ids
//!   answers 200 with `NonExistJobIds`, one element per id.
//! * `JobLevel` 0..=2 (the media-job range), `UserData` at most 1024 bytes, queue `Name` at
//!   most 128 bytes, page sizes 1..=100, `NextToken` empty on the last page.
//! * Times are written at +08:00 (`+0800`), configurable.
//! * Callbacks: body as ci-core's `PicJobCallback` (XML, or JSON
//!   `{"EventName":"TaskFinish","JobsDetail":{...}}`), `Content-Type` `application/xml` or
//!   `application/json`, unsigned; any 2xx answer is delivery. Attempts are retried with
//!   exponential back-off up to [`CallbackConfig::max_attempts`]; records persist, so a
//!   restart resumes them (at-least-once: an attempt cut by a crash is made again). Only
//!   loopback hosts, `localhost` and [`CallbackConfig::allow_hosts`] are called; other
//!   URLs, and TDMQ targets, are recorded `Refused` and never fetched; redirects are not
//!   followed and proxies not used. Callbacks are sent for every end (`Success`,
//!   `Failed`, `Cancel`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod callback;
mod clock;
mod config;
mod engine;
mod error;
mod model;
mod runner;
mod shared;
mod store;
mod validate;
mod workers;

pub use callback::CallbackConfig;
pub use clock::{parse_time, Clock};
pub use config::EngineConfig;
pub use engine::{Engine, CANCELLED_CODE, MAX_JOB_IDS};
pub use error::{JobsError, Result};
pub use model::{
    parse_states, BucketQuery, CallbackDelivery, CallbackFormat, DeliveryState, Job, JobQuery,
    Order, QueueQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
pub use runner::{JobFailure, JobRunner};
pub use validate::{MAX_QUEUE_NAME, MAX_USER_DATA};
