//! Asynchronous image jobs inside the server: the [`ci_jobs::Engine`] (its store at
//! `<root>/jobs.sqlite3`, its bounded worker pool, its callback thread), started with the
//! server and stopped with it, and the [`JobRunner`] that executes a job exactly as a
//! synchronous Pic-Operations request is executed: the same engine ([`Processor`]), the
//! same limits (`max_process_input`, the processing pool and timeout), the same memory
//! budget, and the same all-or-nothing publish ([`ObjectStore::commit_all`]).
//!
//! [`Processor`]: crate::process::Processor
//! [`ObjectStore::commit_all`]: crate::store::ObjectStore::commit_all

use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use ci_core::result::{PicJobProduct, PicJobSource, PicProcessResult};
use ci_core::rule::ProcessingRule;
use ci_jobs::{CallbackConfig, Engine, EngineConfig, Job, JobFailure, JobRunner};

use crate::address::{check_key, location};
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::http::blocking;
use crate::processing::{self, Plan, PlannedRule};
use crate::state::State;

/// The jobs database, in the server's root.
pub(crate) const JOBS_DB: &str = "jobs.sqlite3";

/// How long a job waits for its share of the memory budget in all (each admission waits
/// `limits.admission_wait_ms`, then the job tries again): a background job is not
/// answered 503 but waits its turn.
const BUDGET_PATIENCE: Duration = Duration::from_secs(60);

/// How long a worker waits for the server's state at start (it is published right after
/// the engine opens; nothing fallible happens in between).
const STATE_WAIT: Duration = Duration::from_secs(30);

/// The rule of a job: its `PicProcess.ProcessRule`, or its `TemplateId` read as the name
/// of one of the bucket's styles (cos-ci has no templates; a style is its nearest thing).
pub(crate) fn rule_text(job: &ci_core::result::CreatePicJobsRequest) -> String {
    let op = &job.operation;
    match op
        .pic_process
        .as_ref()
        .filter(|p| !p.process_rule.is_empty())
    {
        Some(p) => p.process_rule.clone(),
        None => format!("style/{}", op.template_id.as_deref().unwrap_or_default()),
    }
}

/// The engine's settings from the server's.
pub(crate) fn engine_config(config: &ServerConfig) -> EngineConfig {
    let jobs = &config.jobs;
    let workers = if jobs.workers == 0 {
        config.limits.processing_concurrency
    } else {
        jobs.workers
    };
    EngineConfig {
        workers,
        callbacks: CallbackConfig {
            allow_hosts: jobs.callback_allow_hosts.clone(),
            max_attempts: jobs.callback_max_attempts,
            first_retry: Duration::from_millis(jobs.callback_first_retry_ms),
            max_retry: Duration::from_millis(jobs.callback_max_retry_ms),
            timeout: Duration::from_secs(jobs.callback_timeout_secs),
            ..CallbackConfig::default()
        },
        ..EngineConfig::default()
    }
}

/// Where the runner finds the server's state: set once the state exists (the engine,
/// which holds the runner, is part of it).
#[derive(Default)]
pub(crate) struct StateSlot {
    state: Mutex<Option<Weak<State>>>,
    ready: Condvar,
}

impl StateSlot {
    pub(crate) fn publish(&self, state: &Arc<State>) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::downgrade(state));
        self.ready.notify_all();
    }

    fn wait(&self) -> Option<Arc<State>> {
        let deadline = Instant::now() + STATE_WAIT;
        let mut slot = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(weak) = slot.as_ref() {
                return weak.upgrade();
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            slot = self
                .ready
                .wait_timeout(slot, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// Runs jobs on the server's runtime (its processing pool and timers) from the engine's
/// worker threads.
pub(crate) struct ServerJobRunner {
    pub(crate) slot: Arc<StateSlot>,
    pub(crate) runtime: tokio::runtime::Handle,
}

impl JobRunner for ServerJobRunner {
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure> {
        let state = self.slot.wait().ok_or_else(|| {
            JobFailure::new(
                "InternalError",
                "the server stopped before the job could run",
            )
        })?;
        let deadline = Instant::now() + BUDGET_PATIENCE;
        loop {
            match self.runtime.block_on(run_job(&state, job)) {
                Ok(result) => return Ok(result),
                // The memory budget is busy with other requests: wait a turn, then retry.
                Err(e) if e.code == "SlowDown" && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(JobFailure::new(e.code, e.message)),
            }
        }
    }
}

/// One job: read the input, apply the rule, publish the output, describe both.
async fn run_job(state: &Arc<State>, job: &Job) -> Result<PicProcessResult, ApiError> {
    let request = &job.request;
    let source_key = request.input.object.clone();
    let rule = ProcessingRule::parse(&rule_text(request))
        .map_err(|e| ApiError::invalid_argument(format!("the job's rule: {e}")))?;
    let rule = processing::expand_styles(state, &job.bucket_id, rule).await?;
    let output = request.operation.output.clone();
    check_key(&output.object)?;
    if !state.config.bucket_exists(&output.bucket) {
        return Err(ApiError::no_such_bucket());
    }
    let store = state.store.clone();
    let (bucket, key) = (job.bucket_id.clone(), source_key.clone());
    let source_meta =
        blocking(move || store.head(&bucket, &key)?.ok_or_else(ApiError::no_such_key)).await?;
    let input = processing::read_object(
        state,
        &job.bucket_id,
        &source_key,
        state.config.limits.max_process_input,
    )
    .await?;
    let plan = Plan {
        is_pic_info: request
            .operation
            .pic_process
            .as_ref()
            .is_some_and(|p| p.wants_pic_info()),
        rules: vec![PlannedRule {
            bucket: output.bucket.clone(),
            key: output.object.clone(),
            fileid: output.object.clone(),
            rule,
        }],
    };
    let outcome =
        processing::run_plan(state, &job.bucket_id, &source_key, &job.region, plan, input).await?;
    let processed = outcome
        .result
        .process_results
        .first()
        .cloned()
        .ok_or_else(|| ApiError::internal("the job produced no result"))?;
    let image_info = outcome.result.original_info.and_then(|o| o.image_info);
    let store = state.store.clone();
    let outputs = outcome.outputs;
    // All or nothing: the result appears whole or not at all.
    let committed = blocking(move || Ok(store.commit_all(None, outputs)?)).await?;
    let published = committed
        .objects
        .first()
        .ok_or_else(|| ApiError::internal("the job's result was not published"))?;
    let source = PicJobSource {
        key: source_key.clone(),
        location: location(&job.bucket_id, &job.region, &source_key),
        etag: source_meta.etag,
        image_info,
    };
    let product = PicJobProduct {
        key: output.object.clone(),
        location: location(&output.bucket, &output.region, &output.object),
        etag: published.etag.clone(),
        format: processed.format.unwrap_or_default().to_ascii_uppercase(),
        width: processed.width.unwrap_or(0),
        height: processed.height.unwrap_or(0),
        size: published.size,
        quality: processed.quality.unwrap_or(100),
    };
    Ok(PicProcessResult::from_parts(&source, &product))
}

/// The server's job engine, shared by the routes; taken out and stopped when the server
/// stops (not when the last request lets go of the state: the engine must not be dropped
/// on one of its own worker threads).
pub(crate) struct JobService {
    engine: RwLock<Option<Arc<Engine>>>,
}

impl JobService {
    pub(crate) fn new(engine: Engine) -> Self {
        JobService {
            engine: RwLock::new(Some(Arc::new(engine))),
        }
    }

    /// The engine, or 503 once the server is stopping.
    pub(crate) fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        self.engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| ApiError::slow_down("the server is stopping"))
    }

    /// Stops the engine: no new job starts, running ones finish, threads are joined. Waits
    /// (bounded) for requests still holding the engine to let go; should one still hold
    /// it, the engine stops when that request ends. Blocks: call it on a blocking thread.
    pub(crate) fn shutdown(&self) {
        let taken = self
            .engine
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(mut engine) = taken else { return };
        for _ in 0..500 {
            match Arc::try_unwrap(engine) {
                Ok(engine) => {
                    engine.shutdown();
                    return;
                }
                Err(shared) => {
                    engine = shared;
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
        tracing::warn!("a request still holds the job engine; it stops when that request ends");
    }
}
