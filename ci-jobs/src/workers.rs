//! The threads: workers (claim, run unlocked, end) and the callback delivery thread (take
//! the pending delivery due first, post it unlocked, record the attempt).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use ci_core::result::JobState;

use crate::callback;
use crate::clock::{now_millis, now_secs};
use crate::model::{DeliveryState, Job};
use crate::runner::JobFailure;
use crate::shared::{Inner, State};
use crate::store::{self, Ending};
use crate::Result;

/// A worker: claim the next runnable job (highest level, oldest, of an active queue below
/// its `MaxConcurrent`), run it unlocked, end it.
pub(crate) fn work_forever(inner: &Inner) {
    loop {
        let job = {
            let mut state = inner.lock();
            loop {
                if state.shutdown {
                    return;
                }
                match claim(&mut state) {
                    Ok(Some(job)) => break job,
                    Ok(None) => state = Inner::wait_on(&inner.work, state, Duration::from_secs(60)),
                    Err(e) => {
                        tracing::warn!("claiming a pic job: {e}");
                        state = Inner::wait_on(&inner.work, state, Duration::from_secs(1));
                    }
                }
            }
        };
        let outcome =
            catch_unwind(AssertUnwindSafe(|| inner.runner.run(&job))).unwrap_or_else(|_| {
                Err(JobFailure::new(
                    "InternalError",
                    "the job processor panicked",
                ))
            });
        let (state_after, code, message, result) = match &outcome {
            Ok(result) => (JobState::Success, "Success", "", Some(result)),
            Err(f) => (JobState::Failed, f.code.as_str(), f.message.as_str(), None),
        };
        let ending = Ending {
            state: state_after,
            code,
            message,
            end: now_secs(),
            result,
        };
        let mut state = inner.lock();
        if let Some(n) = state.running.get_mut(&job.queue_id) {
            *n = n.saturating_sub(1);
        }
        if let Err(e) = inner.end(&mut state, &job, JobState::Running, &ending) {
            // The job stays Running in the store and is run again at the next open.
            tracing::warn!("ending pic job {}: {e}", job.job_id);
        }
        drop(state);
        inner.work.notify_all();
    }
}

fn claim(state: &mut State) -> Result<Option<Job>> {
    let eligible: Vec<String> = state
        .queues
        .iter()
        .filter(|(id, s)| {
            s.active && state.running.get(*id).copied().unwrap_or(0) < s.max_concurrent
        })
        .map(|(id, _)| id.clone())
        .collect();
    let ids: Vec<&str> = eligible.iter().map(String::as_str).collect();
    let job = store::claim_next(&state.conn, &ids, now_secs())?;
    if let Some(job) = &job {
        *state.running.entry(job.queue_id.clone()).or_insert(0) += 1;
    }
    Ok(job)
}

/// The delivery thread: takes the pending delivery due first, posts it outside the lock,
/// records the attempt; sleeps until the next one is due or a job end wakes it.
pub(crate) fn deliver_forever(inner: Arc<Inner>, client: reqwest::blocking::Client) {
    let config = &inner.config.callbacks;
    loop {
        let (id, delivery) = {
            let mut state = inner.lock();
            loop {
                if state.shutdown {
                    return;
                }
                let wait = match store::next_delivery(&state.conn) {
                    Ok(Some((id, due, d))) => {
                        let now = now_millis();
                        if due <= now {
                            break (id, d);
                        }
                        Duration::from_millis(u64::try_from(due - now).unwrap_or(0))
                    }
                    Ok(None) => Duration::from_secs(60),
                    Err(e) => {
                        tracing::warn!("callback store: {e}");
                        Duration::from_secs(1)
                    }
                };
                state = inner.wait_deliver(state, wait);
            }
        };
        let (status, error) = callback::post(&client, &delivery);
        let attempts = delivery.attempts + 1;
        let (next_state, next_at) = if error.is_empty() {
            (DeliveryState::Delivered, now_millis())
        } else if attempts >= config.max_attempts.max(1) {
            (DeliveryState::Failed, now_millis())
        } else {
            let wait = i64::try_from(config.backoff(attempts).as_millis()).unwrap_or(i64::MAX);
            (DeliveryState::Pending, now_millis().saturating_add(wait))
        };
        let state = inner.lock();
        if let Err(e) = store::record_attempt(&state.conn, id, next_state, next_at, status, &error)
        {
            tracing::warn!("recording callback attempt {id}: {e}");
        }
        drop(state);
        inner.delivered.notify_all();
    }
}
