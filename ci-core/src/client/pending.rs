//! A call run step by step by the caller's event loop instead of blocking its thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::error::{ClientError, Result};
use super::transport::Lane;

type CallFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// A started client call (e.g. [`CosClient::start_ci_put_object`](super::CosClient::start_ci_put_object))
/// that runs only while polled, so that an event loop can wait for it without a thread.
///
/// [`PendingCall::poll`] does all the work that can be done now and returns; once it
/// returns `None`, wait until [`PendingCall::wait_fd`] is readable (it also signals
/// within 10 ms when a timeout or a retry's delay may be due), and poll again. [`PendingCall::wait`] runs it to the end instead, blocking. Dropping an
/// unfinished call cancels it (its connection is closed, never reused half-written).
pub struct PendingCall<T> {
    lane: Arc<Lane>,
    /// `None` once finished.
    call: Option<CallFuture<T>>,
}

impl<T> std::fmt::Debug for PendingCall<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCall")
            .field("finished", &self.call.is_none())
            .finish_non_exhaustive()
    }
}

impl<T: Send> PendingCall<T> {
    pub(crate) fn new(
        lane: Arc<Lane>,
        call: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Self {
        lane.polled_call_started();
        PendingCall {
            lane,
            call: Some(Box::pin(call)),
        }
    }

    /// Runs the call as far as it goes without waiting: `Some` with its outcome once it
    /// has finished, `None` while it waits for the network or a timer. Polling a call
    /// that has already given its outcome is an error.
    pub fn poll(&mut self) -> Option<Result<T>> {
        let Some(call) = self.call.as_mut() else {
            return Some(Err(finished().into()));
        };
        let outcome = match self.lane.poll_until_idle(call) {
            Ok(None) => {
                self.lane.polled_call_waits();
                return None;
            }
            Ok(Some(outcome)) => outcome,
            Err(e) => Err(e.into()),
        };
        self.finish();
        Some(outcome)
    }

    /// Runs the call to the end on this thread, blocking.
    pub fn wait(mut self) -> Result<T> {
        let call = self.call.take().ok_or_else(finished)?;
        self.lane.polled_call_ended();
        self.lane.run(call)?
    }

    /// A descriptor (Linux: the epoll instance of the thread's HTTP runtime) that becomes
    /// readable when [`PendingCall::poll`] has work again, within 10 ms for work due to a
    /// timer; `None` when there is none (then poll every few milliseconds, or
    /// [`PendingCall::wait`]). Ask before the first poll. It stays owned by the client: do
    /// not close it (duplicate it to hand to an event loop).
    pub fn wait_fd(&self) -> Option<i32> {
        self.lane.wait_fd()
    }
}

impl<T> PendingCall<T> {
    /// Ends the call (finished or dropped): the lane counts it no longer.
    fn finish(&mut self) {
        if self.call.take().is_some() {
            self.lane.polled_call_ended();
        }
    }
}

impl<T> Drop for PendingCall<T> {
    fn drop(&mut self) {
        self.finish();
    }
}

fn finished() -> ClientError {
    ClientError::Config("the call has already finished".into())
}
