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
        let listener = TcpListener::bind(config.bind).await?;
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
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(self.state.config.limits.max_connections));
        let header_timeout = Duration::from_secs(self.state.config.limits.header_read_timeout_secs);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(x) => x,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let Ok(permit) = connections.clone().try_acquire_owned() else {
                        tokio::spawn(refuse_connection(stream, self.state.config.limits.max_connections));
                        continue;
                    };
                    let state = self.state.clone();
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(crate::routes::handle(state, req).await) }
                    });
                    let mut builder = http1::Builder::new();
                    builder
                        .timer(TokioTimer::new())
                        .header_read_timeout(header_timeout)
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
                _ = &mut shutdown => break,
            }
        }
        drop(self.listener);
        tracing::info!("shutting down");
        if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("connections still open after 30 s; closing");
        }
        // Jobs running finish (their processing needs this runtime: stop the engine
        // before returning); waiting ones stay queued for the next start.
        let state = self.state.clone();
        let _ = tokio::task::spawn_blocking(move || state.jobs.shutdown()).await;
        Ok(())
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
