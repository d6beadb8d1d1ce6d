//! The HTTP transport: reqwest's async client, driven on the calling thread.
//!
//! reqwest's blocking client hands every request to a runtime thread of its own and waits
//! for the answer there: thread wake-ups and futex calls on both sides for every request
//! and every read of the answer, most of a small call's client CPU. Here each calling
//! thread gets a [`Lane`] of its own (per client, shared by its clones): a current-thread
//! tokio runtime with its own reqwest client, and the request runs in `block_on` on the
//! calling thread itself, connection task included.
//!
//! Why one lane per thread rather than one runtime for all: a current-thread runtime is
//! driven by one thread at a time, so threads sharing one would take turns doing each
//! other's I/O (uploads from several threads would not run in parallel). And why a
//! reqwest client per lane: a pooled connection's task lives on the runtime that opened
//! it; handed to a thread driving another runtime it would wait for a runtime nobody
//! drives. A response read later from another thread (an
//! [`ObjectStream`](super::ObjectStream) passed on) keeps its lane and drives that one:
//! tokio lets several threads `block_on` the same current-thread runtime (one drives, the
//! others wait for their own future or take over), so that is slower at worst, never stuck.
//! Lanes of exited threads are reused by new threads (`thread_local` recycles the slots),
//! so their number stays at the most threads that ever called at once.

use std::future::Future;
use std::io::{self, Read};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use thread_local::ThreadLocal;

use super::config::CosConfig;
use super::error::ClientError;

/// The lanes of one client (and its clones).
pub(crate) struct Transport {
    lanes: ThreadLocal<Arc<Lane>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").finish_non_exhaustive()
    }
}

impl Transport {
    /// Checks that `config` makes a working HTTP client (the proxy URL, TLS) by building
    /// the calling thread's lane.
    pub(crate) fn new(config: &CosConfig) -> Result<Self, ClientError> {
        let t = Transport {
            lanes: ThreadLocal::new(),
        };
        t.lane(config)?;
        Ok(t)
    }

    /// The calling thread's lane, made on its first call.
    pub(crate) fn lane(&self, config: &CosConfig) -> Result<&Arc<Lane>, ClientError> {
        self.lanes.get_or_try(|| Lane::new(config).map(Arc::new))
    }
}

/// A runtime and the reqwest client whose connections live on it.
pub(crate) struct Lane {
    pub(crate) http: reqwest::Client,
    /// `None` only while being dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Lane {
    fn new(config: &CosConfig) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| ClientError::Config(format!("starting the HTTP runtime: {e}")))?;
        let mut b = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none());
        // As the blocking client's `timeout` did: the wait for the answer's headers
        // (from the start of the request) and then each read of its body are bounded,
        // not the whole transfer.
        if let Some(t) = config.timeout {
            b = b.read_timeout(t);
        }
        if let Some(p) = &config.proxy {
            let proxy = reqwest::Proxy::all(p)
                .map_err(|e| ClientError::Config(format!("proxy {p:?}: {e}")))?;
            b = b.proxy(proxy);
        } else if !config.env_proxy {
            b = b.no_proxy();
        }
        let http = b
            .build()
            .map_err(|e| ClientError::Config(format!("building the HTTP client: {e}")))?;
        Ok(Lane {
            http,
            runtime: Some(runtime),
        })
    }

    /// Runs `fut` to completion on this lane's runtime, on the calling thread.
    ///
    /// Called from inside some tokio runtime (an async task, `spawn_blocking`), where
    /// `block_on` is refused, it runs on a short-lived helper thread instead.
    pub(crate) fn run<F>(&self, fut: F) -> Result<F::Output, ClientError>
    where
        F: Future + Send,
        F::Output: Send,
    {
        let Some(rt) = &self.runtime else {
            return Err(ClientError::Config("the HTTP runtime has shut down".into()));
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Ok(rt.block_on(fut));
        }
        std::thread::scope(|s| match s.spawn(|| rt.block_on(fut)).join() {
            Ok(out) => Ok(out),
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }

    /// Sends a request. The runtime first runs what is pending since the lane was last
    /// driven: a connection whose answer was read to the end goes back to the pool, and
    /// one the server closed meanwhile is seen closed, so that the request neither opens
    /// a needless connection nor goes out on a dead one. (Two yields: the first lets the
    /// runtime poll its I/O, the second runs the tasks that woke.)
    pub(crate) fn send(
        self: &Arc<Self>,
        request: reqwest::RequestBuilder,
    ) -> Result<Result<Response, reqwest::Error>, ClientError> {
        let sent = self.run(async move {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            request.send().await
        })?;
        Ok(sent.map(|inner| Response {
            inner,
            pending: Bytes::new(),
            lane: self.clone(),
        }))
    }

    fn drop_runtime(&mut self) {
        if let Some(rt) = self.runtime.take() {
            // Never blocks, so that dropping the last client inside an async context
            // does not panic; the lane's connection tasks are dropped with it.
            rt.shutdown_background();
        }
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.drop_runtime();
    }
}

/// An answer being received: its status and headers, and its body read as it arrives.
pub(crate) struct Response {
    inner: reqwest::Response,
    /// The part of the last chunk not read yet.
    pending: Bytes,
    lane: Arc<Lane>,
}

impl Response {
    pub(crate) fn status(&self) -> StatusCode {
        self.inner.status()
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The whole body as text (invalid UTF-8 replaced, as reqwest's `text` does; its
    /// check of valid text, ~7 instructions a byte, is left to the faster `from_utf8`).
    pub(crate) fn text(mut self) -> io::Result<String> {
        if self.pending.is_empty() {
            let Response { inner, lane, .. } = self;
            return match lane.run(inner.bytes()) {
                Ok(Ok(b)) => Ok(match std::str::from_utf8(&b) {
                    Ok(t) => t.to_owned(),
                    Err(_) => String::from_utf8_lossy(&b).into_owned(),
                }),
                Ok(Err(e)) => Err(into_io(e)),
                Err(e) => Err(io::Error::other(e)),
            };
        }
        let mut data = Vec::new();
        self.read_to_end(&mut data)?;
        Ok(String::from_utf8_lossy(&data).into_owned())
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pending.is_empty() {
            match self.lane.run(self.inner.chunk()) {
                Ok(Ok(Some(chunk))) => self.pending = chunk,
                Ok(Ok(None)) => return Ok(0),
                Ok(Err(e)) => return Err(into_io(e)),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.advance(n);
        Ok(n)
    }
}

/// A body error as the blocking client's reader gave it: `TimedOut` for a timeout.
fn into_io(e: reqwest::Error) -> io::Error {
    let kind = if e.is_timeout() {
        io::ErrorKind::TimedOut
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, e)
}
