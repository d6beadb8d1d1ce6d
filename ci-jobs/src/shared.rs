//! What the engine handle, its workers and its delivery thread share: the store behind
//! one lock, the scheduler's view of the queues, and the condition variables.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ci_core::result::JobState;
use rusqlite::Connection;

use crate::callback;
use crate::clock::{now_millis, Clock};
use crate::config::EngineConfig;
use crate::model::Job;
use crate::runner::JobRunner;
use crate::store::{self, Ending, QueueRow};
use crate::Result;

/// What the scheduler keeps of a queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub active: bool,
    pub max_concurrent: u32,
}

/// Everything behind the engine's lock.
pub(crate) struct State {
    pub conn: Connection,
    pub queues: HashMap<String, Schedule>,
    pub running: HashMap<String, u32>,
    pub shutdown: bool,
}

impl State {
    pub(crate) fn schedule(&mut self, q: &QueueRow) {
        self.queues.insert(
            q.queue_id.clone(),
            Schedule {
                active: q.state == "Active",
                max_concurrent: q.max_concurrent,
            },
        );
    }
}

/// Shared by the handle, the workers and the delivery thread.
pub(crate) struct Inner {
    pub state: Mutex<State>,
    /// Workers wait here for work.
    pub work: Condvar,
    /// Job ends are announced here.
    pub ended: Condvar,
    /// The delivery thread waits here for new or due deliveries.
    pub deliver: Condvar,
    /// Delivery attempts are announced here.
    pub delivered: Condvar,
    pub config: EngineConfig,
    pub clock: Clock,
    pub runner: Arc<dyn JobRunner>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held (none is expected: runners run unlocked) leaves
        // the state as the last committed transaction made it: carry on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn wait_deliver<'a>(
        &self,
        guard: MutexGuard<'a, State>,
        wait: Duration,
    ) -> MutexGuard<'a, State> {
        self.deliver
            .wait_timeout(guard, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    pub(crate) fn wait_on<'a>(
        cv: &Condvar,
        guard: MutexGuard<'a, State>,
        wait: Duration,
    ) -> MutexGuard<'a, State> {
        cv.wait_timeout(guard, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    /// Ends `job` (from `from`) in one transaction with its callback record, then wakes
    /// waiters, workers and the delivery thread.
    pub(crate) fn end(
        &self,
        state: &mut State,
        job: &Job,
        from: JobState,
        ending: &Ending<'_>,
    ) -> Result<bool> {
        let queue = store::queue(&state.conn, &job.queue_id)?;
        let mut ended = job.clone();
        ended.state = ending.state;
        ended.code = ending.code.to_owned();
        ended.message = ending.message.to_owned();
        ended.end_time = Some(ending.end);
        ended.result = ending.result.cloned();
        let delivery = callback::delivery_for(
            &job.request,
            queue.as_ref(),
            ended.to_detail(&self.clock),
            &self.config.callbacks,
        );
        let tx = state.conn.transaction()?;
        if !store::end_job(&tx, &job.job_id, from, ending)? {
            return Ok(false);
        }
        if let Some(d) = &delivery {
            store::insert_delivery(&tx, d, now_millis())?;
        }
        tx.commit()?;
        self.ended.notify_all();
        if delivery.is_some() {
            self.deliver.notify_all();
        }
        Ok(true)
    }
}
