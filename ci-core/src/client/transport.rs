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
//!
//! A call can also be run without blocking ([`Lane::poll_until_idle`], for
//! [`PendingCall`](super::PendingCall)): the runtime runs until it would wait for the
//! network, then hands control back; the caller waits on the runtime's epoll descriptor
//! ([`Lane::wait_fd`]) in its own event loop. That is for Go: a cgo call that blocks keeps
//! Go's P in a system call, so the runtime's monitor thread takes the P back during every
//! upload and starts another thread for it; parking the goroutine in Go's poller instead
//! costs ~10 µs less per small upload (`bench/README.md`).

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Poll, Waker};

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
    /// The runtime's epoll descriptor, looked up on first use (`None`: not found).
    wait_fd: OnceLock<Option<i32>>,
    /// An epoll instance watching that descriptor, shared with the park hook.
    probe: Arc<OnceLock<PendingEvents>>,
    /// A timer registered with the runtime, so that its epoll descriptor also signals
    /// when a polled call may have a timer due (made with `wait_fd`).
    heartbeat: OnceLock<Heartbeat>,
    /// Polled calls on this lane not finished yet (the heartbeat runs while any is).
    polled_calls: AtomicUsize,
}

/// How long a polled call waits at most before it is polled again: tokio's timers (a
/// timeout, a retry's delay) are not events of its epoll instance, so this timer's
/// expiry is, re-armed at every poll that leaves a call waiting.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_millis(10);

/// A one-shot timerfd registered with a lane's runtime.
struct Heartbeat {
    timer: tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
}

impl Heartbeat {
    #[cfg(not(target_os = "linux"))]
    fn new(_runtime: &tokio::runtime::Runtime) -> Option<Self> {
        None
    }

    #[cfg(target_os = "linux")]
    fn new(runtime: &tokio::runtime::Runtime) -> Option<Self> {
        use rustix::time::{timerfd_create, TimerfdClockId, TimerfdFlags};
        let _entered = runtime.enter();
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )
        .ok()?;
        // Deprecated for types that only borrow their descriptor; an `OwnedFd` owns it
        // (the unsafe `register_with_interest` would add nothing here).
        #[allow(deprecated)]
        let timer =
            tokio::io::unix::AsyncFd::with_interest(fd, tokio::io::Interest::READABLE).ok()?;
        Some(Heartbeat { timer })
    }

    /// Arms the timer for `after` from now (zero disarms it). Setting it also clears a
    /// past expiry, so each arming signals at most once.
    #[cfg(not(target_os = "linux"))]
    fn set(&self, _after: std::time::Duration) {}

    #[cfg(target_os = "linux")]
    fn set(&self, after: std::time::Duration) {
        use rustix::time::{timerfd_settime, Itimerspec, TimerfdTimerFlags, Timespec};
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let value = Itimerspec {
            it_interval: zero,
            it_value: Timespec {
                tv_sec: after.as_secs() as _,
                tv_nsec: after.subsec_nanos() as _,
            },
        };
        let _ = timerfd_settime(self.timer.get_ref(), TimerfdTimerFlags::empty(), &value);
    }
}

/// Tells whether the runtime's epoll instance holds events it has not taken yet.
///
/// Why: tokio polls its driver once more (without blocking) after the park hook wakes
/// [`Lane::poll_until_idle`]. Events taken there wake tasks that run only at the next
/// poll, and the caller's epoll, watching the runtime's nested one, then finds it empty
/// and does not report it: the caller would sleep until its timer. So the hook signals
/// idleness only when no event is pending; otherwise the runtime's park returns at once.
/// (An event arriving between this check and that last driver poll still waits for the
/// caller's timer, 10 ms at most: a window of a few hundred nanoseconds.)
struct PendingEvents {
    poll: std::sync::Mutex<(mio::Poll, mio::Events)>,
}

impl PendingEvents {
    fn watching(epoll_fd: i32) -> Option<Self> {
        let poll = mio::Poll::new().ok()?;
        poll.registry()
            .register(
                &mut mio::unix::SourceFd(&epoll_fd),
                mio::Token(0),
                mio::Interest::READABLE,
            )
            .ok()?;
        Some(PendingEvents {
            poll: std::sync::Mutex::new((poll, mio::Events::with_capacity(1))),
        })
    }

    /// Whether events arrived since the last check and are still pending (edge-triggered:
    /// events reported once, then taken by the runtime, are not reported again).
    fn any(&self) -> bool {
        let Ok(mut guard) = self.poll.lock() else {
            return false;
        };
        let (poll, events) = &mut *guard;
        poll.poll(events, Some(std::time::Duration::ZERO)).is_ok() && !events.is_empty()
    }
}

thread_local! {
    /// The waker of [`Lane::poll_until_idle`]'s idle signal on this thread, if one waits.
    static IDLE_WAITER: Cell<Option<Waker>> = const { Cell::new(None) };
    /// Set when the runtime was about to park while [`IDLE_WAITER`] waited.
    static WENT_IDLE: Cell<bool> = const { Cell::new(false) };
}

/// The runtime's `on_thread_park` hook: the runtime has nothing left to run and would now
/// block for I/O or a timer. A waiting idle signal is woken (unless events are pending, see
/// [`PendingEvents`]), which tokio (1.54+) takes as work: it polls the driver without
/// blocking and then the `block_on` future.
fn before_park(probe: &OnceLock<PendingEvents>) {
    let Some(waker) = IDLE_WAITER.take() else {
        return;
    };
    if probe.get().is_some_and(PendingEvents::any) {
        IDLE_WAITER.set(Some(waker));
        return;
    }
    WENT_IDLE.set(true);
    waker.wake();
}

/// The waker given to the future [`Lane::poll_until_idle`] drives: records that it was
/// woken (so that a wake from the runtime's last look at its events is not taken for
/// idleness) and passes the wake on.
struct WakeFlag {
    woken: AtomicBool,
    parent: std::sync::Mutex<Option<Waker>>,
}

impl WakeFlag {
    fn set_parent(&self, waker: &Waker) {
        if let Ok(mut parent) = self.parent.lock() {
            if !parent.as_ref().is_some_and(|p| p.will_wake(waker)) {
                *parent = Some(waker.clone());
            }
        }
    }
}

impl std::task::Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Ok(parent) = self.parent.lock() {
            if let Some(p) = parent.as_ref() {
                p.wake_by_ref();
            }
        }
    }
}

impl Lane {
    fn new(config: &CosConfig) -> Result<Self, ClientError> {
        let probe: Arc<OnceLock<PendingEvents>> = Arc::default();
        let hook_probe = probe.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .on_thread_park(move || before_park(&hook_probe))
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
            wait_fd: OnceLock::new(),
            probe,
            heartbeat: OnceLock::new(),
            polled_calls: AtomicUsize::new(0),
        })
    }

    /// Drives `fut` and this lane's runtime until `fut` finishes (`Some`) or nothing is
    /// left to do before the network answers or a timer fires (`None`); never blocks.
    ///
    /// Whatever the runtime has not handled when this returns is still pending in its epoll
    /// instance, so the epoll descriptor ([`Lane::wait_fd`]) signals it: this stops only
    /// when the runtime has run every task, finds no event pending ([`PendingEvents`],
    /// once `wait_fd` made it) and its last look at the events did not wake `fut`.
    pub(crate) fn poll_until_idle<F>(&self, fut: &mut F) -> Result<Option<F::Output>, ClientError>
    where
        F: Future + Unpin + Send,
        F::Output: Send,
    {
        self.run(async {
            WENT_IDLE.set(false);
            let fut_woken = Arc::new(WakeFlag {
                woken: AtomicBool::new(true),
                parent: std::sync::Mutex::new(None),
            });
            let fut_waker = Waker::from(fut_woken.clone());
            let out = poll_fn(|cx| {
                // Idle, and `fut` not woken by the runtime's last look at its events: done.
                if WENT_IDLE.replace(false) && !fut_woken.woken.load(Ordering::Acquire) {
                    return Poll::Ready(None);
                }
                if fut_woken.woken.swap(false, Ordering::AcqRel) {
                    fut_woken.set_parent(cx.waker());
                    let mut fut_cx = std::task::Context::from_waker(&fut_waker);
                    if let Poll::Ready(v) = Pin::new(&mut *fut).poll(&mut fut_cx) {
                        return Poll::Ready(Some(v));
                    }
                }
                IDLE_WAITER.set(Some(cx.waker().clone()));
                Poll::Pending
            })
            .await;
            IDLE_WAITER.set(None);
            WENT_IDLE.set(false);
            out
        })
    }

    /// The runtime's epoll descriptor: readable when [`Lane::poll_until_idle`] has work
    /// again (Linux; `None` elsewhere or when it cannot be identified). Owned by the lane.
    pub(crate) fn wait_fd(&self) -> Option<i32> {
        *self.wait_fd.get_or_init(|| {
            let runtime = self.runtime.as_ref()?;
            let fd = find_epoll_fd(runtime)?;
            // Without the probe or the heartbeat the caller could miss signals: no
            // descriptor then.
            let probe = PendingEvents::watching(fd)?;
            let heartbeat = Heartbeat::new(runtime)?;
            self.probe.set(probe).ok()?;
            self.heartbeat.set(heartbeat).ok()?;
            Some(fd)
        })
    }

    /// A polled call starts on this lane.
    pub(crate) fn polled_call_started(&self) {
        self.polled_calls.fetch_add(1, Ordering::AcqRel);
    }

    /// A polled call left waiting: the heartbeat signals in [`HEARTBEAT`] at the latest.
    pub(crate) fn polled_call_waits(&self) {
        if let Some(h) = self.heartbeat.get() {
            h.set(HEARTBEAT);
        }
    }

    /// A polled call finished or was dropped; the last one stops the heartbeat.
    pub(crate) fn polled_call_ended(&self) {
        if self.polled_calls.fetch_sub(1, Ordering::AcqRel) == 1 {
            if let Some(h) = self.heartbeat.get() {
                h.set(std::time::Duration::ZERO);
            }
        }
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

    /// Sends a request, on this lane's runtime (awaited inside [`Lane::run`] or
    /// [`Lane::poll_until_idle`]). The runtime first runs what is pending since the lane
    /// was last driven: a connection whose answer was read to the end goes back to the
    /// pool, and one the server closed meanwhile is seen closed, so that the request
    /// neither opens a needless connection nor goes out on a dead one. (Two yields: the
    /// first lets the runtime poll its I/O, the second runs the tasks that woke.)
    pub(crate) async fn send(
        self: &Arc<Self>,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, reqwest::Error> {
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        let inner = request.send().await?;
        Ok(Response {
            inner,
            pending: Bytes::new(),
            lane: self.clone(),
        })
    }

    fn drop_runtime(&mut self) {
        // Deregistered while the runtime still runs.
        drop(self.heartbeat.take());
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
    pub(crate) fn text(self) -> io::Result<String> {
        let lane = self.lane.clone();
        lane.run(self.text_async()).map_err(io::Error::other)?
    }
}

impl Response {
    /// The whole body, on the lane's runtime (inside [`Lane::run`] or
    /// [`Lane::poll_until_idle`]), as [`Response::text`] gives it.
    pub(crate) async fn text_async(self) -> io::Result<String> {
        let Response { inner, pending, .. } = self;
        let rest = inner.bytes().await.map_err(into_io)?;
        if pending.is_empty() {
            return Ok(utf8_or_lossy(&rest));
        }
        let mut data = pending.to_vec();
        data.extend_from_slice(&rest);
        Ok(utf8_or_lossy(&data))
    }

    /// At most `limit` bytes of the body, on the lane's runtime; a failed read ends it.
    pub(crate) async fn read_limited(self, limit: usize) -> Vec<u8> {
        let mut data = self.pending.to_vec();
        let mut inner = self.inner;
        while data.len() < limit {
            match inner.chunk().await {
                Ok(Some(chunk)) => data.extend_from_slice(&chunk),
                _ => break,
            }
        }
        data.truncate(limit);
        data
    }
}

fn utf8_or_lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(t) => t.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
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

/// Finds the epoll descriptor of `runtime` (tokio does not expose it): a socket registered
/// with the runtime shows up, by descriptor number and inode, in the `/proc/self/fdinfo`
/// entry of the runtime's epoll instance and no other.
#[cfg(target_os = "linux")]
fn find_epoll_fd(runtime: &tokio::runtime::Runtime) -> Option<i32> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let _entered = runtime.enter();
    let (probe, _peer) = std::os::unix::net::UnixStream::pair().ok()?;
    probe.set_nonblocking(true).ok()?;
    let probe = tokio::net::UnixStream::from_std(probe).ok()?;
    let probe_fd = probe.as_raw_fd();
    let probe_ino = std::fs::metadata(format!("/proc/self/fd/{probe_fd}"))
        .ok()?
        .ino();
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let is_epoll = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.as_os_str() == "anon_inode:[eventpoll]");
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if !is_epoll {
            continue;
        }
        let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")) else {
            continue;
        };
        // Several descriptors may match: mio duplicates its epoll descriptor. Only the
        // runtime registered the probe, so they are all the same instance.
        if info.lines().any(|line| watches(line, probe_fd, probe_ino)) {
            return Some(fd);
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn find_epoll_fd(_runtime: &tokio::runtime::Runtime) -> Option<i32> {
    None
}

/// Whether an fdinfo line of an epoll instance (`tfd: 7 events: 19 data: ... ino:1a2b
/// sdev:8`) is the watch of descriptor `fd` with inode `ino`.
#[cfg(target_os = "linux")]
fn watches(line: &str, fd: i32, ino: u64) -> bool {
    let mut words = line.split_whitespace();
    if words.next() != Some("tfd:") || words.next().and_then(|n| n.parse().ok()) != Some(fd) {
        return false;
    }
    words.any(|w| {
        w.strip_prefix("ino:")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            == Some(ino)
    })
}
