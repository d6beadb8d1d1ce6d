//! What every request shares: the configuration, the store, the engine and its pool.

use std::net::SocketAddr;
use std::sync::Arc;

use ci_core::sign::VerifyPolicy;
use tokio::sync::Semaphore;

use crate::budget::MemoryBudget;
use crate::config::ServerConfig;
use crate::job_service::JobService;
use crate::process::Processor;
use crate::replay::ReplayStore;
use crate::store::ObjectStore;

/// Shared by every request.
pub(crate) struct State {
    pub(crate) config: ServerConfig,
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) processor: Arc<dyn Processor>,
    /// Bounds the image jobs running at once (`limits.processing_concurrency`).
    pub(crate) pool: Arc<Semaphore>,
    pub(crate) policy: VerifyPolicy,
    /// The bound address: URLs naming it name this server's objects.
    pub(crate) local_addr: SocketAddr,
    /// hyper's case map of the cloud's header names, for every response
    /// ([`header_case`](crate::header_case)).
    pub(crate) header_case: hyper::http::Extensions,
    /// The memory budget buffered bodies and decodes draw from.
    pub(crate) budget: MemoryBudget,
    /// The read cache's share of the budget (none for a store without a cache).
    pub(crate) read_cache: Option<Arc<ReadCacheShare>>,
    /// Single-use v4 signatures seen.
    pub(crate) v4_replay: ReplayStore,
    /// Asynchronous image jobs: the engine, its workers and callbacks.
    pub(crate) jobs: JobService,
}

/// The read cache's share of the memory budget: 1/32 of it, at most 32 MiB.
const READ_CACHE_SHARE: u64 = 32;
const READ_CACHE_MAX: u64 = 32 * 1024 * 1024;

/// The store's read cache and the share of the memory budget it holds. The share is
/// given back (and the cache emptied) as soon as a reservation cannot be admitted at
/// once, so the cache never makes a request wait or fail for memory; GETs that miss take
/// it again when it is free ([`restore`](Self::restore)).
pub(crate) struct ReadCacheShare {
    store: Arc<dyn ObjectStore>,
    capacity: u64,
    held: std::sync::Mutex<Option<crate::budget::Reservation>>,
    /// The share was given back: cheap to test on every miss.
    released: std::sync::atomic::AtomicBool,
}

impl ReadCacheShare {
    /// Sets the share aside and enables the store's cache for the objects a GET reads on
    /// the async worker ([`INLINE_READ`](crate::routes::INLINE_READ)); none for a store
    /// whose reads are remote or that keeps no cache.
    pub(crate) fn start(store: Arc<dyn ObjectStore>, budget: &MemoryBudget) -> Option<Arc<Self>> {
        if !store.reads_are_local() {
            return None;
        }
        let capacity = (budget.total() / READ_CACHE_SHARE).min(READ_CACHE_MAX);
        let reservation = budget.try_reserve(capacity)?;
        if !store.enable_read_cache(capacity, crate::routes::INLINE_READ) {
            return None;
        }
        let share = Arc::new(ReadCacheShare {
            store,
            capacity,
            held: std::sync::Mutex::new(Some(reservation)),
            released: std::sync::atomic::AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&share);
        budget.on_pressure(move || {
            if let Some(share) = weak.upgrade() {
                share.release();
            }
        });
        Some(share)
    }

    /// Empties the cache and gives its share back.
    fn release(&self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.is_some() {
            self.store.enable_read_cache(0, 0);
            *held = None;
            self.released
                .store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Takes the share again if it was given back and is free now.
    pub(crate) fn restore(&self, budget: &MemoryBudget) {
        if !self.released.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.is_none() {
            if let Some(r) = budget.try_reserve(self.capacity) {
                self.store
                    .enable_read_cache(self.capacity, crate::routes::INLINE_READ);
                *held = Some(r);
                self.released
                    .store(false, std::sync::atomic::Ordering::Release);
            }
        }
    }
}
