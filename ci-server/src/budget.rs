//! The server's one memory budget: every buffer that grows with a request (a body held in
//! memory, a processing input, an image decode, a streamed read's chunks) is admitted
//! against it first. A request waits up to `limits.admission_wait_ms` for its share,
//! then is answered 503 `SlowDown`; memory in use therefore stays under
//! `limits.memory_budget` whatever the number of requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Accounting unit: permits are KiB, so that a u32 count (tokio's limit for one
/// acquisition) covers 4 TiB.
const UNIT: u64 = 1024;

/// The budget.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    permits: Arc<Semaphore>,
    total: u64,
    wait: Duration,
    reclaim: std::sync::OnceLock<Reclaim>,
}

/// What gives memory back when a reservation cannot be admitted at once (the read
/// cache's share).
struct Reclaim(Box<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Reclaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reclaim")
    }
}

/// A share of the budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    _permit: Option<OwnedSemaphorePermit>,
    bytes: u64,
}

impl Reservation {
    /// The bytes reserved.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl MemoryBudget {
    /// A budget of `total` bytes; requests wait up to `wait` for their share.
    pub(crate) fn new(total: u64, wait: Duration) -> Self {
        let units = (total / UNIT).min(Semaphore::MAX_PERMITS as u64) as usize;
        MemoryBudget {
            permits: Arc::new(Semaphore::new(units)),
            total: units as u64 * UNIT,
            wait,
            reclaim: std::sync::OnceLock::new(),
        }
    }

    /// Sets what to call (once) when a reservation cannot be admitted at once, before it
    /// waits: memory held only to go faster (the read cache) is given back first.
    pub(crate) fn on_pressure(&self, reclaim: impl Fn() + Send + Sync + 'static) {
        let _ = self.reclaim.set(Reclaim(Box::new(reclaim)));
    }

    /// Reserves `bytes` if they are free now (never waits, never reclaims).
    pub(crate) fn try_reserve(&self, bytes: u64) -> Option<Reservation> {
        let units = u32::try_from(bytes.div_ceil(UNIT)).ok()?;
        let permit = self.permits.clone().try_acquire_many_owned(units).ok()?;
        Some(Reservation {
            _permit: Some(permit),
            bytes,
        })
    }

    /// The whole budget, bytes.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Reserves `bytes` for `what` (named in the refusal): waits up to the admission
    /// wait, else 503 `SlowDown`. More than the whole budget is refused at once.
    pub(crate) async fn reserve(&self, bytes: u64, what: &str) -> Result<Reservation, ApiError> {
        if bytes == 0 {
            return Ok(Reservation {
                _permit: None,
                bytes,
            });
        }
        let units = bytes.div_ceil(UNIT);
        let units = match u32::try_from(units) {
            Ok(u) if units * UNIT <= self.total => u,
            _ => {
                return Err(ApiError::slow_down(format!(
                    "{what} needs {bytes} bytes of memory, more than the server's whole \
                     budget of {} bytes",
                    self.total
                )))
            }
        };
        match self.permits.clone().try_acquire_many_owned(units) {
            Ok(permit) => {
                return Ok(Reservation {
                    _permit: Some(permit),
                    bytes,
                })
            }
            Err(_) => {
                if let Some(Reclaim(reclaim)) = self.reclaim.get() {
                    reclaim();
                }
            }
        }
        let acquire = self.permits.clone().acquire_many_owned(units);
        match tokio::time::timeout(self.wait, acquire).await {
            Ok(Ok(permit)) => Ok(Reservation {
                _permit: Some(permit),
                bytes,
            }),
            Ok(Err(_)) => Err(ApiError::internal("memory budget closed")),
            Err(_) => Err(ApiError::slow_down(format!(
                "the server's memory budget ({} bytes) is in use; {what} ({bytes} bytes) \
                 could not be admitted within {} ms. Please reduce your request rate.",
                self.total,
                self.wait.as_millis()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn admits_within_the_budget_and_refuses_beyond() {
        let budget = MemoryBudget::new(4 * 1024 * 1024, Duration::from_millis(20));
        let a = budget.reserve(3 * 1024 * 1024, "a").await.expect("fits");
        assert_eq!(a.bytes(), 3 * 1024 * 1024);
        let err = budget
            .reserve(2 * 1024 * 1024, "b")
            .await
            .expect_err("full");
        assert_eq!((err.status, err.code), (503, "SlowDown"));
        drop(a);
        budget.reserve(2 * 1024 * 1024, "b").await.expect("freed");
        let err = budget
            .reserve(5 * 1024 * 1024, "c")
            .await
            .expect_err("too big");
        assert!(err.message.contains("whole budget"), "{}", err.message);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn memory_held_to_go_faster_is_given_back_under_pressure() {
        let budget = MemoryBudget::new(4 * 1024 * 1024, Duration::from_millis(20));
        let cache = Arc::new(std::sync::Mutex::new(budget.try_reserve(1024 * 1024)));
        let held = cache.clone();
        budget.on_pressure(move || *held.lock().unwrap() = None);
        assert!(budget.try_reserve(4 * 1024 * 1024).is_none());
        let all = budget
            .reserve(4 * 1024 * 1024, "all")
            .await
            .expect("the cache's share is given back");
        assert!(cache.lock().unwrap().is_none());
        assert!(budget.try_reserve(1).is_none());
        drop(all);
        assert!(budget.try_reserve(1024 * 1024).is_some());
    }
}
