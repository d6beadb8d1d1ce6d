//! A log writer that costs no system call per line: each thread appends its lines to its
//! own buffer, and one flusher thread writes the buffers out within
//! [`FLUSH_AFTER`] of their first line (sooner when a buffer fills), so a busy server
//! makes a few hundred `write(2)`s a second instead of one per request. The flusher
//! sleeps while nothing is buffered.
//!
//! Lines are whole: each write (one formatted event, as `tracing-subscriber`'s `fmt`
//! layer writes them) goes into one buffer, and buffers are written out whole. Lines of
//! different threads can be out of order with each other by up to [`FLUSH_AFTER`]; each
//! carries its time stamp. [`BufferedLog::flush`] (called on a clean shutdown, and by
//! `Drop`) writes everything still buffered.
//!
//! Hand-written: `tracing-appender`'s non-blocking writer sends every line through a
//! channel to its thread and wakes it, which measured slower than writing directly
//! (bench/README.md); the point here is to batch.
//!
//! The server's access log (one line per request) can skip `tracing`'s formatting:
//! [`BufferedLog::take_access_log`] has each line written straight into the log, byte
//! for byte the line `tracing-subscriber`'s default format would write (formatting it
//! through `tracing` cost 5-7 % of the CPU of a small GET; bench/README.md).
//!
//! ```
//! let log = ci_server::log::BufferedLog::new(std::io::sink());
//! use std::io::Write;
//! log.writer().write_all(b"a line\n").unwrap();
//! log.flush();
//! ```

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest a line waits in its buffer.
pub const FLUSH_AFTER: Duration = Duration::from_millis(5);

/// A buffer written out at once when it holds this many bytes.
const FULL: usize = 32 * 1024;

type Buffer = Arc<Mutex<Vec<u8>>>;

struct Shared {
    out: Mutex<Box<dyn Write + Send>>,
    /// Every thread's buffer (threads that ended leave theirs until it is written out).
    buffers: Mutex<Vec<Buffer>>,
    /// Something is buffered and the flusher has not been woken for it yet.
    pending: AtomicBool,
    /// The log was dropped: its flusher is gone.
    closed: AtomicBool,
    wake: Mutex<bool>,
    woken: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn write_out(&self, buffer: &mut Vec<u8>) {
        if buffer.is_empty() {
            return;
        }
        let mut out = lock(&self.out);
        // A log that cannot be written must not stop the server.
        let _ = out.write_all(buffer);
        let _ = out.flush();
        buffer.clear();
    }

    fn flush_all(&self) {
        let buffers: Vec<Buffer> = {
            let mut all = lock(&self.buffers);
            // Buffers of threads that ended (only this list holds them) go once empty.
            all.retain(|b| Arc::strong_count(b) > 1 || !lock(b).is_empty());
            all.clone()
        };
        for b in buffers {
            self.write_out(&mut lock(&b));
        }
    }
}

/// The log: hands out [`LineWriter`]s, runs the flusher thread while it lives.
pub struct BufferedLog {
    shared: Arc<Shared>,
    flusher: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for BufferedLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferedLog").finish_non_exhaustive()
    }
}

thread_local! {
    /// This thread's buffer, per log (a process normally has one).
    static MINE: RefCell<Vec<(Weak<Shared>, Buffer)>> = const { RefCell::new(Vec::new()) };
}

impl BufferedLog {
    /// A log writing to `out` (e.g. `std::io::stderr()`), with its flusher thread started.
    pub fn new(out: impl Write + Send + 'static) -> Self {
        let shared = Arc::new(Shared {
            out: Mutex::new(Box::new(out)),
            buffers: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            wake: Mutex::new(false),
            woken: Condvar::new(),
        });
        let weak = Arc::downgrade(&shared);
        let flusher = std::thread::Builder::new()
            .name("cos-ci-log".into())
            .spawn(move || flusher(weak))
            .ok();
        BufferedLog { shared, flusher }
    }

    /// A writer for the calling thread (cheap: `tracing-subscriber` asks for one per
    /// line, e.g. `.with_writer(move || log.writer())`).
    pub fn writer(&self) -> LineWriter {
        LineWriter {
            shared: self.shared.clone(),
        }
    }

    /// Writes out every buffered line now.
    pub fn flush(&self) {
        self.shared.flush_all();
    }

    /// Has the server's access-log lines (target `ci_server::routes`, level INFO) written
    /// straight into this log instead of through `tracing`, when `tracing` would log them
    /// (its filter is asked for each line). Call it only when the `tracing` subscriber
    /// writes into this log with `tracing-subscriber`'s default `fmt` format (its
    /// `SystemTime` timer, the target, no ANSI colours): the lines are then the same bytes.
    /// One log per process takes them; returns whether this one did.
    pub fn take_access_log(&self) -> bool {
        ACCESS_LOG.set(self.shared.clone()).is_ok()
    }
}

impl Drop for BufferedLog {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        {
            let mut stop = lock(&self.shared.wake);
            *stop = true;
            self.shared.woken.notify_one();
        }
        if let Some(f) = self.flusher.take() {
            let _ = f.join();
        }
        self.shared.flush_all();
    }
}

/// Waits until something is buffered, lets [`FLUSH_AFTER`] pass, writes every buffer out;
/// ends when the log is dropped.
fn flusher(shared: Weak<Shared>) {
    loop {
        let Some(s) = shared.upgrade() else { return };
        {
            let mut stop = lock(&s.wake);
            while !*stop && !s.pending.load(Ordering::Acquire) {
                stop = s.woken.wait(stop).unwrap_or_else(|e| e.into_inner());
            }
            if *stop {
                return;
            }
        }
        drop(s);
        std::thread::sleep(FLUSH_AFTER);
        let Some(s) = shared.upgrade() else { return };
        // Cleared before writing out: a line buffered meanwhile wakes the next round.
        s.pending.store(false, Ordering::Release);
        s.flush_all();
    }
}

/// Appends to the calling thread's buffer of its log.
pub struct LineWriter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineWriter").finish_non_exhaustive()
    }
}

impl Shared {
    /// The calling thread's buffer (none while the thread is being torn down).
    fn buffer(self: &Arc<Self>) -> Option<Buffer> {
        MINE.try_with(|mine| {
            let mut mine = mine.borrow_mut();
            mine.retain(|(log, _)| log.strong_count() > 0);
            if let Some((_, b)) = mine
                .iter()
                .find(|(log, _)| std::ptr::eq(log.as_ptr(), Arc::as_ptr(self)))
            {
                return b.clone();
            }
            let b: Buffer = Arc::new(Mutex::new(Vec::with_capacity(FULL)));
            lock(&self.buffers).push(b.clone());
            mine.push((Arc::downgrade(self), b.clone()));
            b
        })
        .ok()
    }

    /// Lines were appended to `b`: writes it out when full, else wakes the flusher.
    fn appended(&self, mut b: MutexGuard<'_, Vec<u8>>) {
        if b.len() >= FULL {
            self.write_out(&mut b);
            return;
        }
        drop(b);
        if !self.pending.swap(true, Ordering::AcqRel) {
            let _guard = lock(&self.wake);
            self.woken.notify_one();
        }
    }
}

impl Write for LineWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let Some(buffer) = self.shared.buffer() else {
            self.shared.write_out(&mut data.to_vec());
            return Ok(data.len());
        };
        let mut b = lock(&buffer);
        b.extend_from_slice(data);
        self.shared.appended(b);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Lines go out within FLUSH_AFTER; an explicit flush of every line would bring
        // back the system call per line.
        Ok(())
    }
}

/// The log that took the access log ([`BufferedLog::take_access_log`]).
static ACCESS_LOG: OnceLock<Arc<Shared>> = OnceLock::new();

/// The target of the access-log lines (the router's module, where they were logged
/// from before the fast writer).
const ACCESS_TARGET: &str = "ci_server::routes";

/// One request's access-log line.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// The `x-cos-request-id` answered.
    pub request_id: &'a str,
    /// The request's method.
    pub method: &'a str,
    /// The request's path, as received.
    pub path: &'a str,
    /// The status answered.
    pub status: u16,
    /// Milliseconds from the request's head to its answer's head.
    pub elapsed_ms: u64,
}

/// Logs a request: straight into the log that took the access log, else through
/// `tracing` (and not at all when `tracing` would not log it).
pub(crate) fn access(a: &Access<'_>) {
    if !tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO) {
        return;
    }
    if let Some(shared) = ACCESS_LOG.get() {
        if !shared.closed.load(Ordering::Acquire) && write_access(shared, a) {
            return;
        }
    }
    trace_access(a);
}

/// The access-log line through `tracing` (the fall-back of [`access`]).
#[doc(hidden)]
pub fn trace_access(a: &Access<'_>) {
    tracing::info!(
        target: ACCESS_TARGET,
        request_id = %a.request_id,
        method = %a.method,
        path = %a.path,
        status = a.status,
        elapsed_ms = a.elapsed_ms,
        "request"
    );
}

/// Appends the line to this thread's buffer; false when [`format_access`] declines.
fn write_access(shared: &Arc<Shared>, a: &Access<'_>) -> bool {
    let Some(buffer) = shared.buffer() else {
        return false;
    };
    let mut b = lock(&buffer);
    let start = b.len();
    if !format_access(&mut b, SystemTime::now(), a) {
        b.truncate(start);
        return false;
    }
    shared.appended(b);
    true
}

thread_local! {
    /// The last second stamped on this thread and its `YYYY-MM-DDTHH:MM:SS.`.
    static STAMP: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// Appends `a`'s line as `tracing-subscriber`'s default format writes it without ANSI
/// colours, stamped `time` (`2026-12-06T02:03:46.722082Z  INFO ci_server::routes: request
/// request_id=... method=GET path=/k status=200 elapsed_ms=0`). False (leaving `out` to
/// be truncated) for what that format would write differently: a time it writes with a
/// sign (before 0000 or after 9999, or before 1970) and text with control characters,
/// which it escapes.
#[doc(hidden)]
pub fn format_access(out: &mut Vec<u8>, time: SystemTime, a: &Access<'_>) -> bool {
    let plain = |s: &str| s.bytes().all(|c| (0x20..0x7f).contains(&c));
    if !(plain(a.request_id) && plain(a.method) && plain(a.path)) {
        return false;
    }
    let Ok(since) = time.duration_since(UNIX_EPOCH) else {
        return false;
    };
    let secs = since.as_secs();
    let (cached, mut prefix) = STAMP.get();
    if cached != secs {
        let Some(p) = second_prefix(secs) else {
            return false;
        };
        prefix = p;
        STAMP.set((secs, prefix));
    }
    out.extend_from_slice(&prefix);
    let mut micros = [0u8; 6];
    crate::util::put_digits(&mut micros, u64::from(since.subsec_micros()));
    out.extend_from_slice(&micros);
    out.extend_from_slice(b"Z  INFO ci_server::routes: request request_id=");
    out.extend_from_slice(a.request_id.as_bytes());
    out.extend_from_slice(b" method=");
    out.extend_from_slice(a.method.as_bytes());
    out.extend_from_slice(b" path=");
    out.extend_from_slice(a.path.as_bytes());
    let mut num = itoa::Buffer::new();
    out.extend_from_slice(b" status=");
    out.extend_from_slice(num.format(a.status).as_bytes());
    out.extend_from_slice(b" elapsed_ms=");
    out.extend_from_slice(num.format(a.elapsed_ms).as_bytes());
    out.push(b'\n');
    true
}

/// `YYYY-MM-DDTHH:MM:SS.` of a second since 1970 (years 0000-9999).
fn second_prefix(secs: u64) -> Option<[u8; 20]> {
    let days = i64::try_from(secs / 86_400).ok()?;
    let (y, m, d) = crate::util::civil_from_days(days);
    let y = u32::try_from(y).ok().filter(|y| *y <= 9999)?;
    let rem = secs % 86_400;
    let mut p = *b"0000-00-00T00:00:00.";
    let put = crate::util::put_digits;
    put(&mut p[0..4], u64::from(y));
    put(&mut p[5..7], u64::from(m));
    put(&mut p[8..10], u64::from(d));
    put(&mut p[11..13], rem / 3600);
    put(&mut p[14..16], rem / 60 % 60);
    put(&mut p[17..19], rem % 60);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_line_has_the_known_bytes() {
        let a = Access {
            request_id: "18ee87cf84b12d8900000000",
            method: "GET",
            path: "/a%20b.bin",
            status: 404,
            elapsed_ms: 12,
        };
        // 2026-12-06T02:03:46.000042Z
        let t = UNIX_EPOCH + Duration::new(1_796_522_626, 42_999);
        let mut out = b"before\n".to_vec();
        assert!(format_access(&mut out, t, &a));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "before\n2026-12-06T02:03:46.000042Z  INFO ci_server::routes: request \
             request_id=18ee87cf84b12d8900000000 method=GET path=/a%20b.bin status=404 \
             elapsed_ms=12\n"
        );
        // The same second again (from the cache), and the first second of 1970.
        let mut out = Vec::new();
        assert!(format_access(&mut out, t + Duration::from_micros(7), &a));
        assert!(out.starts_with(b"2026-12-06T02:03:46.000049Z  INFO"));
        out.clear();
        assert!(format_access(
            &mut out,
            UNIX_EPOCH + Duration::from_millis(1),
            &a
        ));
        assert!(out.starts_with(b"1970-01-01T00:00:00.001000Z  INFO"));
        // Declined: what tracing would escape, and years it writes with a sign.
        let escaped = Access {
            path: "/a\x1bb",
            ..a
        };
        assert!(!format_access(&mut Vec::new(), t, &escaped));
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800); // 10000-01-01
        assert!(!format_access(&mut Vec::new(), far, &a));
    }

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, d: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(d);
            Ok(d.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_of_every_thread_is_written_whole_by_the_drop() {
        let sink = Sink::default();
        let log = BufferedLog::new(sink.clone());
        std::thread::scope(|s| {
            for t in 0..4 {
                let log = &log;
                s.spawn(move || {
                    for i in 0..2000 {
                        let line = format!("thread {t} line {i} {}\n", "x".repeat(i % 50));
                        log.writer().write_all(line.as_bytes()).unwrap();
                    }
                });
            }
        });
        drop(log);
        let text = String::from_utf8(lock(&sink.0).clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8000);
        for t in 0..4 {
            let mine: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            assert_eq!(mine.len(), 2000);
            for (i, l) in mine.iter().enumerate() {
                assert_eq!(*l, format!("thread {t} line {i} {}", "x".repeat(i % 50)));
            }
        }
    }

    #[test]
    fn the_flusher_writes_a_lone_line_out_without_a_flush() {
        let sink = Sink::default();
        let log = BufferedLog::new(sink.clone());
        log.writer().write_all(b"one\n").unwrap();
        // Bounded wait (not a timing assertion): the flusher runs within FLUSH_AFTER.
        for _ in 0..2000 {
            if !lock(&sink.0).is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(&lock(&sink.0)[..], b"one\n");
        log.writer().write_all(b"two\n").unwrap();
        log.flush();
        assert_eq!(&lock(&sink.0)[..], b"one\ntwo\n");
    }
}
