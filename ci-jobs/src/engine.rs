//! The engine: pic buckets, queues and jobs over the store, a bounded worker pool, the
//! delivery thread, and waiting for job ends.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ci_core::result::{
    CreatePicJobsRequest, DescribePicBucketsResponse, DescribePicJobsResponse,
    DescribePicQueuesResponse, JobState, JobsDetail, ListPicJobsResponse, NotifyConfig, PicBucket,
    PicQueue, UpdatePicQueueRequest,
};

use crate::callback;
use crate::clock::{fresh_id, now_millis, now_secs, Clock};
use crate::config::EngineConfig;
use crate::model::{BucketQuery, CallbackDelivery, Job, JobQuery, QueueQuery};
use crate::runner::JobRunner;
use crate::shared::{Inner, State};
use crate::store::{self, BucketRow, Ending, QueueRow};
use crate::validate::{check_notify, check_request, page, read_token, write_token, MAX_QUEUE_NAME};
use crate::workers;
use crate::{JobsError, Result};

/// Most ids in one get-jobs call.
pub const MAX_JOB_IDS: usize = 100;
/// `Code` of a job cancelled before it ran.
pub const CANCELLED_CODE: &str = "Cancelled";
/// `Message` of a job cancelled by the closing of its pic bucket.
const CLOSED_MESSAGE: &str = "the pic bucket was closed before the job ran";
/// The persistent pic-job engine. Dropping it (or [`Engine::shutdown`]) stops taking
/// jobs, lets running ones finish and joins the threads; waiting jobs and pending
/// callbacks stay in the store for the next open.
///
/// Every method blocks on SQLite (and [`Engine::wait_for_end`] on job ends): from an
/// async runtime, call them on a blocking thread.
pub struct Engine {
    inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
    recovered: usize,
}

impl Engine {
    /// Opens (creating if needed) the store at `path`, puts jobs found `Running` (the
    /// last process died mid-job) back to `Submitted`, and starts `config.workers`
    /// workers running jobs through `runner`, plus the callback delivery thread, which
    /// resumes pending deliveries at once (their back-off restarts from now).
    pub fn open(
        path: impl AsRef<Path>,
        config: EngineConfig,
        runner: Arc<dyn JobRunner>,
    ) -> Result<Engine> {
        let clock = Clock::new(config.utc_offset_minutes)?;
        let mut conn = store::open(path.as_ref())?;
        let recovered = store::requeue_running(&mut conn)?;
        // How long the engine was down is unknown: pending callbacks are due now.
        store::resume_deliveries(&conn, now_millis())?;
        let queues = store::all_queues(&conn)?;
        let mut state = State {
            conn,
            queues: HashMap::new(),
            running: HashMap::new(),
            shutdown: false,
        };
        for q in &queues {
            state.schedule(q);
        }
        let workers = config.workers;
        let inner = Arc::new(Inner {
            state: Mutex::new(state),
            work: Condvar::new(),
            ended: Condvar::new(),
            deliver: Condvar::new(),
            delivered: Condvar::new(),
            config,
            clock,
            runner,
        });
        {
            // A job re-queued above whose bucket was closed meanwhile can never run.
            let mut state = inner.lock();
            for job in store::orphaned_jobs(&state.conn)? {
                let ending = Ending {
                    state: JobState::Cancel,
                    code: CANCELLED_CODE,
                    message: CLOSED_MESSAGE,
                    end: now_secs(),
                    result: None,
                };
                inner.end(&mut state, &job, JobState::Submitted, &ending)?;
            }
        }
        let mut engine = Engine {
            inner: Arc::clone(&inner),
            threads: Vec::with_capacity(workers + 1),
            recovered,
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        let delivery_inner = Arc::clone(&inner);
        engine.threads.push(
            std::thread::Builder::new()
                .name("ci-jobs-callbacks".into())
                .spawn(
                    move || match callback::client(&delivery_inner.config.callbacks) {
                        Ok(client) => {
                            let _ = ready_tx.send(Ok(()));
                            workers::deliver_forever(delivery_inner, client);
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    },
                )?,
        );
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(JobsError::Client(e)),
            Err(_) => return Err(JobsError::Client("the delivery thread ended".into())),
        }
        for n in 0..workers {
            let worker_inner = Arc::clone(&inner);
            engine.threads.push(
                std::thread::Builder::new()
                    .name(format!("ci-jobs-worker-{n}"))
                    .spawn(move || workers::work_forever(&worker_inner))?,
            );
        }
        Ok(engine)
    }

    /// How many jobs [`Engine::open`] found `Running` and put back to `Submitted`.
    pub fn recovered_jobs(&self) -> usize {
        self.recovered
    }

    /// How times are written.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Opens the pic processing service of `bucket_id` (in `region`), creating its pic
    /// queue (`p` + 32 hex digits, `Active`, callbacks `Off`). Opening an open bucket
    /// returns it unchanged.
    pub fn open_pic_bucket(&self, bucket_id: &str, region: &str) -> Result<PicBucket> {
        if bucket_id.is_empty() || region.is_empty() {
            return Err(JobsError::InvalidArgument(
                "a pic bucket needs a bucket id and a region".into(),
            ));
        }
        let mut state = self.inner.lock();
        if let Some(b) = store::bucket(&state.conn, bucket_id)? {
            return Ok(self.pic_bucket(&b));
        }
        let now = now_secs();
        let config = &self.inner.config;
        let queue = QueueRow {
            queue_id: fresh_id('p')?,
            bucket_id: bucket_id.to_owned(),
            name: config.queue_name.clone(),
            state: "Active".to_owned(),
            notify: NotifyConfig {
                url: Some(String::new()),
                event: Some("TaskFinish".to_owned()),
                kind: Some("Url".to_owned()),
                state: Some("Off".to_owned()),
                result_format: Some("XML".to_owned()),
                ..Default::default()
            },
            max_size: config.queue_max_size,
            max_concurrent: config.queue_max_concurrent.max(1),
            create_time: now,
            update_time: now,
        };
        let bucket = BucketRow {
            bucket_id: bucket_id.to_owned(),
            region: region.to_owned(),
            create_time: now,
            queue_id: queue.queue_id.clone(),
        };
        let tx = state.conn.transaction()?;
        store::insert_bucket(&tx, &bucket, &queue)?;
        tx.commit()?;
        state.schedule(&queue);
        Ok(self.pic_bucket(&bucket))
    }

    fn pic_bucket(&self, b: &BucketRow) -> PicBucket {
        PicBucket {
            bucket_id: b.bucket_id.clone(),
            name: b.bucket_id.clone(),
            region: b.region.clone(),
            create_time: self.inner.clock.format(b.create_time),
        }
    }

    /// Lists open pic buckets (by id) matching `q`; `request_id` is left empty for the
    /// caller.
    pub fn describe_pic_buckets(&self, q: &BucketQuery) -> Result<DescribePicBucketsResponse> {
        let state = self.inner.lock();
        let matching: Vec<BucketRow> = store::all_buckets(&state.conn)?
            .into_iter()
            .filter(|b| q.regions.is_empty() || q.regions.contains(&b.region))
            .filter(|b| q.bucket_names.is_empty() || q.bucket_names.contains(&b.bucket_id))
            .filter(|b| {
                q.bucket_name_prefix
                    .as_deref()
                    .is_none_or(|p| b.bucket_id.starts_with(p))
            })
            .collect();
        drop(state);
        let total = matching.len() as u64;
        Ok(DescribePicBucketsResponse {
            request_id: String::new(),
            total_count: total,
            page_number: q.page_number,
            page_size: q.page_size,
            pic_bucket_list: page(matching, q.page_number, q.page_size)
                .iter()
                .map(|b| self.pic_bucket(b))
                .collect(),
        })
    }

    /// Closes the pic processing service of `bucket_id` and deletes its queue. Jobs still
    /// waiting end `Cancel` (code [`CANCELLED_CODE`], callbacks as for any end); running
    /// ones finish; every job stays queryable. Returns how many jobs were cancelled.
    pub fn close_pic_bucket(&self, bucket_id: &str) -> Result<usize> {
        let mut state = self.inner.lock();
        let Some(bucket) = store::bucket(&state.conn, bucket_id)? else {
            return Err(JobsError::PicBucketNotOpen(bucket_id.to_owned()));
        };
        let waiting = store::submitted_jobs_of_bucket(&state.conn, bucket_id)?;
        let now = now_secs();
        let mut cancelled = 0;
        for job in &waiting {
            let ending = Ending {
                state: JobState::Cancel,
                code: CANCELLED_CODE,
                message: CLOSED_MESSAGE,
                end: now,
                result: None,
            };
            if self
                .inner
                .end(&mut state, job, JobState::Submitted, &ending)?
            {
                cancelled += 1;
            }
        }
        let tx = state.conn.transaction()?;
        store::delete_bucket(&tx, bucket_id)?;
        tx.commit()?;
        state.queues.remove(&bucket.queue_id);
        Ok(cancelled)
    }

    fn open_bucket(&self, state: &State, bucket_id: &str) -> Result<BucketRow> {
        store::bucket(&state.conn, bucket_id)?
            .ok_or_else(|| JobsError::PicBucketNotOpen(bucket_id.to_owned()))
    }

    fn pic_queue(&self, q: &QueueRow) -> PicQueue {
        PicQueue {
            queue_id: q.queue_id.clone(),
            name: q.name.clone(),
            state: q.state.clone(),
            notify_config: q.notify.clone(),
            max_size: q.max_size,
            max_concurrent: q.max_concurrent,
            update_time: self.inner.clock.format(q.update_time),
            create_time: self.inner.clock.format(q.create_time),
            category: Some("PicProcessing".to_owned()),
        }
    }

    /// The queues of `bucket_id` matching `q` (unknown `queue_ids` reported in
    /// `NonExistPIDs`); `request_id` is left empty for the caller.
    pub fn describe_queues(
        &self,
        bucket_id: &str,
        q: &QueueQuery,
    ) -> Result<DescribePicQueuesResponse> {
        let state = self.inner.lock();
        self.open_bucket(&state, bucket_id)?;
        let queues: Vec<QueueRow> = store::all_queues(&state.conn)?
            .into_iter()
            .filter(|row| row.bucket_id == bucket_id)
            .collect();
        drop(state);
        let non_exist_pids = q
            .queue_ids
            .iter()
            .filter(|id| !queues.iter().any(|row| &row.queue_id == *id))
            .cloned()
            .collect();
        let matching: Vec<QueueRow> = queues
            .into_iter()
            .filter(|row| q.queue_ids.is_empty() || q.queue_ids.contains(&row.queue_id))
            .filter(|row| q.state.as_ref().is_none_or(|s| &row.state == s))
            .collect();
        Ok(DescribePicQueuesResponse {
            request_id: String::new(),
            total_count: matching.len() as u64,
            page_number: q.page_number,
            page_size: q.page_size,
            queue_list: page(matching, q.page_number, q.page_size)
                .iter()
                .map(|row| self.pic_queue(row))
                .collect(),
            non_exist_pids,
        })
    }

    /// Updates a queue of `bucket_id`: `Name` (required, at most 128 bytes), `State`
    /// (`Active` | `Paused`; kept when absent), `NotifyConfig` (replaced when given). A
    /// paused queue holds its waiting jobs (they stay `Submitted`); running ones finish.
    pub fn update_queue(
        &self,
        bucket_id: &str,
        queue_id: &str,
        update: &UpdatePicQueueRequest,
    ) -> Result<PicQueue> {
        let name = update.name.as_deref().unwrap_or("");
        if name.is_empty() || name.len() > MAX_QUEUE_NAME {
            return Err(JobsError::InvalidArgument(format!(
                "Name is required, 1 to {MAX_QUEUE_NAME} bytes"
            )));
        }
        if let Some(body_id) = update.queue_id.as_deref().filter(|id| !id.is_empty()) {
            if body_id != queue_id {
                return Err(JobsError::InvalidArgument(format!(
                    "QueueID `{body_id}` differs from the path's `{queue_id}`"
                )));
            }
        }
        let new_state = match update.state.as_deref() {
            None | Some("") => None,
            Some(s @ ("Active" | "Paused")) => Some(s.to_owned()),
            Some(other) => {
                return Err(JobsError::InvalidArgument(format!(
                    "State `{other}`: expected Active or Paused"
                )))
            }
        };
        let notify = update
            .notify_config
            .as_ref()
            .map(check_notify)
            .transpose()?;
        let mut state = self.inner.lock();
        self.open_bucket(&state, bucket_id)?;
        let mut row = store::queue(&state.conn, queue_id)?
            .filter(|row| row.bucket_id == bucket_id)
            .ok_or_else(|| JobsError::NoSuchQueue {
                bucket_id: bucket_id.to_owned(),
                queue_id: queue_id.to_owned(),
            })?;
        row.name = name.to_owned();
        if let Some(s) = new_state {
            row.state = s;
        }
        if let Some(n) = notify {
            row.notify = n;
        }
        row.update_time = now_secs();
        store::update_queue(&state.conn, &row)?;
        state.schedule(&row);
        drop(state);
        self.inner.work.notify_all();
        Ok(self.pic_queue(&row))
    }

    /// Validates and stores a job for `bucket_id` (whose pic bucket must be open),
    /// returning its details (`Submitted`). Checks: `Tag` is `PicProcess`; `Input.Object`;
    /// exactly one of `TemplateId` and `PicProcess.ProcessRule`; `Output` `Region`,
    /// `Bucket`, `Object`; `QueueId` is the bucket's queue, not full; `JobLevel` 0..=2;
    /// `UserData` at most 1024 bytes; `CallBackFormat` XML|JSON; `CallBackType` Url|TDMQ.
    pub fn submit(&self, bucket_id: &str, request: CreatePicJobsRequest) -> Result<JobsDetail> {
        check_request(&request)?;
        let state = self.inner.lock();
        let bucket = self.open_bucket(&state, bucket_id)?;
        let queue = store::queue(&state.conn, &request.queue_id)?
            .filter(|q| q.bucket_id == bucket_id)
            .ok_or_else(|| JobsError::NoSuchQueue {
                bucket_id: bucket_id.to_owned(),
                queue_id: request.queue_id.clone(),
            })?;
        if store::waiting_jobs(&state.conn, &queue.queue_id)? >= queue.max_size {
            return Err(JobsError::QueueFull {
                queue_id: queue.queue_id,
                max_size: queue.max_size,
            });
        }
        let job = Job {
            job_id: fresh_id('c')?,
            bucket_id: bucket_id.to_owned(),
            region: bucket.region,
            queue_id: queue.queue_id,
            request,
            state: JobState::Submitted,
            code: "Success".to_owned(),
            message: String::new(),
            creation_time: now_secs(),
            start_time: None,
            end_time: None,
            result: None,
            runs: 0,
        };
        store::insert_job(&state.conn, &job)?;
        drop(state);
        self.inner.work.notify_one();
        Ok(job.to_detail(&self.inner.clock))
    }

    /// Cancels a `Submitted` job of `bucket_id` (the cloud cancels only jobs that have
    /// not started): it ends `Cancel` with code [`CANCELLED_CODE`] and its callback.
    pub fn cancel_job(&self, bucket_id: &str, job_id: &str) -> Result<JobsDetail> {
        let mut state = self.inner.lock();
        let job = store::job(&state.conn, job_id)?
            .filter(|j| j.bucket_id == bucket_id)
            .ok_or_else(|| JobsError::NoSuchJob(job_id.to_owned()))?;
        if job.state != JobState::Submitted {
            return Err(JobsError::NotCancellable {
                job_id: job_id.to_owned(),
                state: job.state,
            });
        }
        let ending = Ending {
            state: JobState::Cancel,
            code: CANCELLED_CODE,
            message: "cancelled before it ran",
            end: now_secs(),
            result: None,
        };
        self.inner
            .end(&mut state, &job, JobState::Submitted, &ending)?;
        let job = store::job(&state.conn, job_id)?
            .ok_or_else(|| JobsError::NoSuchJob(job_id.to_owned()))?;
        Ok(job.to_detail(&self.inner.clock))
    }

    /// One job by id, from any bucket.
    pub fn job(&self, job_id: &str) -> Result<Option<Job>> {
        let state = self.inner.lock();
        store::job(&state.conn, job_id)
    }

    /// Jobs of `bucket_id` by id, in the order asked (a repeated id once); ids unknown
    /// in this bucket go to `NonExistJobIds`. At most 100 ids.
    pub fn get_jobs(&self, bucket_id: &str, job_ids: &[&str]) -> Result<DescribePicJobsResponse> {
        if job_ids.is_empty() || job_ids.len() > MAX_JOB_IDS {
            return Err(JobsError::InvalidArgument(format!(
                "1 to {MAX_JOB_IDS} job ids, got {}",
                job_ids.len()
            )));
        }
        let state = self.inner.lock();
        let mut answer = DescribePicJobsResponse::default();
        let mut seen: Vec<&str> = Vec::with_capacity(job_ids.len());
        for id in job_ids {
            if seen.contains(id) {
                continue;
            }
            seen.push(id);
            match store::job(&state.conn, id)?.filter(|j| j.bucket_id == bucket_id) {
                Some(job) => answer.jobs_detail.push(job.to_detail(&self.inner.clock)),
                None => answer.non_exist_job_ids.push((*id).to_owned()),
            }
        }
        Ok(answer)
    }

    /// One page of `bucket_id`'s jobs matching `q`, by creation order. `NextToken` is
    /// opaque (it names the last job of the page) and stable under concurrent submits:
    /// pages never repeat or skip a job; newest-first listings do not show jobs created
    /// after their first page, oldest-first ones show them at the end.
    pub fn list_jobs(&self, bucket_id: &str, q: &JobQuery) -> Result<ListPicJobsResponse> {
        let after = q.next_token.as_deref().map(read_token).transpose()?;
        let state = self.inner.lock();
        self.open_bucket(&state, bucket_id)?;
        let (jobs, last) = store::list_jobs(&state.conn, bucket_id, q, after)?;
        drop(state);
        Ok(ListPicJobsResponse {
            jobs_detail: jobs
                .iter()
                .map(|j| j.to_detail(&self.inner.clock))
                .collect(),
            next_token: last.map(write_token).unwrap_or_default(),
        })
    }

    /// Waits until job `job_id` has ended (`Success`, `Failed`, `Cancel`) or `timeout`
    /// passes: its final details, `None` on timeout. Unknown jobs are an error.
    pub fn wait_for_end(&self, job_id: &str, timeout: Duration) -> Result<Option<JobsDetail>> {
        let deadline = Instant::now() + timeout;
        let mut state = self.inner.lock();
        loop {
            let job = store::job(&state.conn, job_id)?
                .ok_or_else(|| JobsError::NoSuchJob(job_id.to_owned()))?;
            if job.state.is_final() {
                return Ok(Some(job.to_detail(&self.inner.clock)));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            state = Inner::wait_on(&self.inner.ended, state, deadline - now);
        }
    }

    /// The callbacks recorded for `job_id`, oldest first.
    pub fn deliveries(&self, job_id: &str) -> Result<Vec<CallbackDelivery>> {
        let state = self.inner.lock();
        store::deliveries_of(&state.conn, job_id)
    }

    /// Waits until no callback is pending (each delivered, failed for good or refused) or
    /// `timeout` passes; true when none is pending.
    pub fn wait_for_deliveries(&self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        let mut state = self.inner.lock();
        loop {
            if store::pending_deliveries(&state.conn)? == 0 {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            state = Inner::wait_on(&self.inner.delivered, state, deadline - now);
        }
    }

    /// Stops taking jobs, lets running ones finish, and joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.inner.lock().shutdown = true;
        self.inner.work.notify_all();
        self.inner.deliver.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}
