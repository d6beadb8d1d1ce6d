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
    /// Single-use v4 signatures seen.
    pub(crate) v4_replay: ReplayStore,
    /// Asynchronous image jobs: the engine, its workers and callbacks.
    pub(crate) jobs: JobService,
}
