//! The listening server: binding, the accept loop, graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ci_core::sign::VerifyPolicy;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::budget::MemoryBudget;
use crate::config::ServerConfig;
use crate::job_runner::{engine_config, ServerJobRunner, StateSlot, JOBS_DB};
use crate::job_service::JobService;
use crate::process::Processor;
use crate::replay::ReplayStore;
use crate::state::State;
use crate::store::{LocalStore, ObjectStore, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    /// The configured font directory cannot be used.
    #[error("fonts: {0}")]
    Fonts(#[from] ci_core::process::FontError),
    /// Binding or another socket failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The job engine (`<root>/jobs.sqlite3`) could not be opened.
    #[error("cannot open the job store: {0}")]
    Jobs(#[from] ci_jobs::JobsError),
}

/// A bound server, ready to [`run_until`](Server::run_until).
pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
    _stop_jobs: StopJobs,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.state.local_addr)
            .finish()
    }
}

impl Server {
    /// Binds `config.bind` with the local store under `config.root` and the local image
    /// engine ([`EngineProcessor`](crate::engine::EngineProcessor)).
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        let engine = crate::engine::EngineProcessor::for_config(&config)?;
        Self::bind_with(config, Arc::new(engine)).await
    }

    /// Binds with the local store and the given image engine.
    pub async fn bind_with(
        config: ServerConfig,
        processor: Arc<dyn Processor>,
    ) -> Result<Server, ServerError> {
        config.validate()?;
        std::fs::create_dir_all(&config.root)?;
        let store = LocalStore::open(&config.root)?;
        Self::bind_with_store(config, Arc::new(store), processor).await
    }

    /// Binds with any store and engine.
    pub async fn bind_with_store(
        config: ServerConfig,
        store: Arc<dyn ObjectStore>,
        processor: Arc<dyn Processor>,
    ) -> Result<Server, ServerError> {
        config.validate()?;
        for bucket in &config.buckets {
            store.add_bucket(bucket)?;
        }
        // The configuration's styles and separators are rows of the database from now on.
        for (bucket, styles) in &config.styles {
            for (name, rule) in styles {
                store.put_style(bucket, name, rule, crate::config::MAX_STYLES_PER_BUCKET)?;
            }
        }
        for (bucket, separators) in &config.style_separators {
            store.set_style_separators(bucket, separators)?;
        }
        let listener = bind_first(config.bind)?;
        let local_addr = listener.local_addr()?;
        let policy = VerifyPolicy {
            clock_skew: config.clock_skew_secs,
            strict: config.strict_signature,
            require_all_params_signed: config.require_all_params_signed,
            required_headers: Vec::new(),
        };
        let pool = Arc::new(Semaphore::new(config.limits.processing_concurrency));
        let budget = MemoryBudget::new(
            config.limits.memory_budget,
            Duration::from_millis(config.limits.admission_wait_ms),
        );
        let read_cache = crate::state::ReadCacheShare::start(store.clone(), &budget);
        let header_case = crate::header_case::cloud_case_extensions().await?;
        let v4_replay = ReplayStore::new(
            config.limits.v4_single_use_window_secs,
            config.limits.v4_replay_capacity,
        );
        // Last: nothing fallible follows, so the workers never wait for a state that is
        // not coming.
        let slot = Arc::new(StateSlot::default());
        let runner = ServerJobRunner {
            slot: slot.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let jobs_path = config.root.join(JOBS_DB);
        let engine_config = engine_config(&config);
        // Opening runs SQLite and starts threads: off the runtime's threads.
        let engine = tokio::task::spawn_blocking(move || {
            ci_jobs::Engine::open(jobs_path, engine_config, Arc::new(runner))
        })
        .await
        .map_err(|e| ServerError::Io(std::io::Error::other(e)))??;
        if engine.recovered_jobs() > 0 {
            tracing::info!(
                jobs = engine.recovered_jobs(),
                "pic jobs interrupted by the last stop are queued again"
            );
        }
        tracing::info!(addr = %local_addr, root = %config.root.display(), "cos-ci server bound");
        let state = Arc::new(State {
            config,
            store,
            processor,
            pool,
            policy,
            local_addr,
            v4_replay,
            budget,
            header_case,
            read_cache,
            jobs: JobService::new(engine),
        });
        slot.publish(&state);
        Ok(Server {
            listener,
            _stop_jobs: StopJobs(state.clone()),
            state,
        })
    }

    /// The bound address (with the real port when the configuration asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.state.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting, lets requests in flight
    /// finish (up to 30 s) and returns.
    ///
    /// Connections are served by one thread per core, each with its own single-threaded
    /// runtime and its own listening socket on the same address (`SO_REUSEPORT`: the kernel
    /// spreads connections over them). A connection stays on its thread: no work stealing,
    /// no waking of another core for every request, which cost about a fifth of the
    /// server's CPU on GETs of small objects (bench/README.md). The caller's runtime keeps
    /// the job engine and waits for `shutdown`.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let Server {
            listener,
            state,
            _stop_jobs: stop_jobs,
        } = self;
        let limits = &state.config.limits;
        let shared = Arc::new(Shared {
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            header_timeout: Duration::from_secs(limits.header_read_timeout_secs),
        });
        // Each thread's runtime and listening socket (registered with that runtime): the
        // bound socket for the first, the same address for the others.
        let first = ShardRuntime::new()?;
        let listener = {
            let _entered = first.enter();
            TcpListener::from_std(listener.into_std()?)?
        };
        let mut serving = vec![(first, listener)];
        while serving.len() < shard_count() {
            let runtime = ShardRuntime::new()?;
            let bound = {
                let _entered = runtime.enter();
                bind_reuse_port(state.local_addr)
            };
            match bound {
                Ok(listener) => serving.push((runtime, listener)),
                Err(e) => {
                    let n = serving.len();
                    tracing::warn!(error = %e, "cannot open another listening socket; serving with {n} threads");
                    break;
                }
            }
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut shards = Vec::new();
        for (n, (runtime, listener)) in serving.into_iter().enumerate() {
            let (state, shared, stop) = (state.clone(), shared.clone(), stop_rx.clone());
            let thread = std::thread::Builder::new()
                .name(format!("cos-ci-serve-{n}"))
                .spawn(move || runtime.serve(serve_shard(listener, state, shared, stop)));
            match thread {
                Ok(t) => shards.push(t),
                Err(e) => {
                    let _ = stop_tx.send(true);
                    join_shards(shards).await;
                    return Err(e);
                }
            }
        }
        shutdown.await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
        join_shards(shards).await;
        // Jobs running finish (their processing needs this runtime: stop the engine
        // before returning); waiting ones stay queued for the next start.
        let _ = tokio::task::spawn_blocking(move || state.jobs.shutdown()).await;
        drop(stop_jobs);
        Ok(())
    }
}

/// What every serving thread shares.
struct Shared {
    /// `limits.max_connections`, over all threads.
    connections: Arc<Semaphore>,
    header_timeout: Duration,
}

/// A serving thread's runtime. Dropped unused (when starting fails half-way, on the
/// caller's runtime) it shuts down without waiting: a runtime may not block in another's
/// asynchronous context.
struct ShardRuntime(Option<tokio::runtime::Runtime>);

impl ShardRuntime {
    fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(ShardRuntime(Some(runtime)))
    }

    /// Makes the runtime current (sockets created meanwhile are registered with it).
    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        self.0.as_ref().map(tokio::runtime::Runtime::enter)
    }

    /// Runs `serving` on the calling (serving) thread, then drops the runtime there,
    /// waiting for its blocking tasks.
    fn serve(mut self, serving: impl Future<Output = ()>) {
        if let Some(runtime) = self.0.take() {
            runtime.block_on(serving);
        }
    }
}

impl Drop for ShardRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// One serving thread per core (at most 16).
fn shard_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
}

/// The first listening socket, on `addr` as configured. `SO_REUSEPORT` would let a second
/// server of the same user join a port already served, silently sharing its connections:
/// so the address is bound without it first, and taken is an error as before; then, at once,
/// with it on the same port (a new free port is tried should another program take a free
/// one, asked for with port 0, in between).
fn bind_first(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let mut attempts = 0;
    loop {
        let actual = std::net::TcpListener::bind(addr)?.local_addr()?;
        match bind_reuse_port(actual) {
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && addr.port() == 0
                    && attempts < 8 =>
            {
                attempts += 1;
            }
            bound => return bound,
        }
    }
}

/// A listening socket on `addr` that shares it with the server's others (`SO_REUSEPORT`:
/// only sockets of the same user may join).
fn bind_reuse_port(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn join_shards(shards: Vec<std::thread::JoinHandle<()>>) {
    let _ = tokio::task::spawn_blocking(move || {
        for shard in shards {
            let _ = shard.join();
        }
    })
    .await;
}

/// One serving thread's accept loop, until `stop`; then its requests in flight finish (up
/// to 30 s).
async fn serve_shard(
    listener: TcpListener,
    state: Arc<State>,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
                    tokio::spawn(refuse_connection(stream, state.config.limits.max_connections));
                    continue;
                };
                let state = state.clone();
                let svc = service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, Infallible>(crate::routes::handle(state, req).await) }
                });
                let mut builder = http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(shared.header_timeout)
                    .keep_alive(true);
                let conn = builder.serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            _ = stop.wait_for(|stop| *stop) => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 30 s; closing");
    }
}

/// Stops the job engine of a server dropped without [`Server::run_until`].
struct StopJobs(Arc<State>);

impl Drop for StopJobs {
    fn drop(&mut self) {
        self.0.jobs.shutdown();
    }
}

/// Answers a connection over the cap with 503 `SlowDown` (without reading its request)
/// and closes it.
async fn refuse_connection(mut stream: tokio::net::TcpStream, cap: usize) {
    use tokio::io::AsyncWriteExt;
    let answer = crate::http::connection_refusal(&format!(
        "the server serves {cap} connections at once; retry later"
    ));
    let write = async {
        stream.write_all(&answer).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}
