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
//! ```
//! let log = ci_server::log::BufferedLog::new(std::io::sink());
//! use std::io::Write;
//! log.writer().write_all(b"a line\n").unwrap();
//! log.flush();
//! ```

use std::cell::RefCell;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

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
}

impl Drop for BufferedLog {
    fn drop(&mut self) {
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

impl LineWriter {
    /// This thread's buffer (none while the thread is being torn down).
    fn buffer(&self) -> Option<Buffer> {
        MINE.try_with(|mine| {
            let mut mine = mine.borrow_mut();
            mine.retain(|(log, _)| log.strong_count() > 0);
            if let Some((_, b)) = mine
                .iter()
                .find(|(log, _)| std::ptr::eq(log.as_ptr(), Arc::as_ptr(&self.shared)))
            {
                return b.clone();
            }
            let b: Buffer = Arc::new(Mutex::new(Vec::with_capacity(FULL)));
            lock(&self.shared.buffers).push(b.clone());
            mine.push((Arc::downgrade(&self.shared), b.clone()));
            b
        })
        .ok()
    }
}

impl Write for LineWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let Some(buffer) = self.buffer() else {
            self.shared.write_out(&mut data.to_vec());
            return Ok(data.len());
        };
        let mut b = lock(&buffer);
        b.extend_from_slice(data);
        if b.len() >= FULL {
            self.shared.write_out(&mut b);
            return Ok(data.len());
        }
        drop(b);
        if !self.shared.pending.swap(true, Ordering::AcqRel) {
            let _guard = lock(&self.shared.wake);
            self.shared.woken.notify_one();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Lines go out within FLUSH_AFTER; an explicit flush of every line would bring
        // back the system call per line.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
