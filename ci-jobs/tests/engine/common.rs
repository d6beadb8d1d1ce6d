//! Shared helpers: requests, a deterministic fake runner, a gate to hold jobs running, and
//! a loopback callback receiver.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, PicJobProduct, PicJobRequestOperation, PicJobSource,
    PicProcess, PicProcessResult, PIC_PROCESS_TAG,
};
use ci_jobs::{Engine, EngineConfig, Job, JobFailure, JobRunner};

pub const BUCKET: &str = "examplebucket-1250000000";
pub const REGION: &str = "ap-guangzhou";
pub const WAIT: Duration = Duration::from_secs(20);

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A create request for `object` with a rule, output `out/<object>`.
pub fn request(queue_id: &str, object: &str) -> CreatePicJobsRequest {
    CreatePicJobsRequest {
        tag: PIC_PROCESS_TAG.into(),
        input: JobInput {
            object: object.into(),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            template_id: None,
            pic_process: Some(PicProcess {
                is_pic_info: Some("true".into()),
                process_rule: "imageMogr2/thumbnail/100x/format/png".into(),
            }),
            output: JobOutput {
                region: REGION.into(),
                bucket: BUCKET.into(),
                object: format!("out/{object}"),
            },
            user_data: None,
            job_level: None,
        },
        queue_id: queue_id.into(),
        ..Default::default()
    }
}

/// FNV-1a, 64 bits: a stable digest for fake ETags.
pub fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The bytes a fake processing of `job` produces: a function of its input and rule only.
pub fn fake_output(job: &Job) -> String {
    let rule = job
        .request
        .operation
        .pic_process
        .as_ref()
        .map_or("", |p| p.process_rule.as_str());
    format!("{}|{}", job.request.input.object, rule)
}

/// The result a fake processing of `job` reports.
pub fn fake_result(job: &Job) -> PicProcessResult {
    let out = fake_output(job);
    PicProcessResult::from_parts(
        &PicJobSource {
            key: job.request.input.object.clone(),
            location: format!(
                "{BUCKET}.cos.{REGION}.myqcloud.com/{}",
                job.request.input.object
            ),
            etag: format!("\"{:016x}\"", fnv(job.request.input.object.as_bytes())),
            image_info: None,
        },
        &PicJobProduct {
            key: job.request.operation.output.object.clone(),
            location: format!(
                "{BUCKET}.cos.{REGION}.myqcloud.com/{}",
                job.request.operation.output.object
            ),
            etag: format!("\"{:016x}\"", fnv(out.as_bytes())),
            format: "PNG".into(),
            width: 100,
            height: 75,
            size: out.len() as u64,
            quality: 100,
        },
    )
}

/// A runner that fails `missing*` objects with `NoSuchKey`, panics on `panic*`, and
/// otherwise returns [`fake_result`]; it records the order it ran jobs in.
#[derive(Default)]
pub struct FakeRunner {
    pub ran: Mutex<Vec<String>>,
}

impl JobRunner for FakeRunner {
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure> {
        self.ran
            .lock()
            .map_err(|_| JobFailure::new("InternalError", "poisoned"))?
            .push(job.request.input.object.clone());
        let object = &job.request.input.object;
        if object.starts_with("missing") {
            return Err(JobFailure::new(
                "NoSuchKey",
                format!("{object} does not exist"),
            ));
        }
        if object.starts_with("panic") {
            panic!("fake runner asked to panic");
        }
        Ok(fake_result(job))
    }
}

/// Holds runners until opened; counts how many run at once.
#[derive(Default)]
pub struct Gate {
    open: Mutex<bool>,
    changed: Condvar,
    pub inside: AtomicUsize,
    pub most_inside: AtomicUsize,
    pub started: AtomicUsize,
}

impl Gate {
    pub fn open(&self) {
        *self.open.lock().expect("gate lock") = true;
        self.changed.notify_all();
    }

    /// Waits (bounded) until `n` runners have started.
    pub fn wait_started(&self, n: usize) -> bool {
        wait_until(|| self.started.load(Ordering::SeqCst) >= n)
    }
}

/// A runner held at a [`Gate`] before returning [`fake_result`].
pub struct GatedRunner(pub Arc<Gate>);

impl JobRunner for GatedRunner {
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure> {
        let gate = &self.0;
        gate.started.fetch_add(1, Ordering::SeqCst);
        let now = gate.inside.fetch_add(1, Ordering::SeqCst) + 1;
        gate.most_inside.fetch_max(now, Ordering::SeqCst);
        let deadline = Instant::now() + WAIT;
        let mut open = gate.open.lock().expect("gate lock");
        while !*open && Instant::now() < deadline {
            open = gate
                .changed
                .wait_timeout(open, Duration::from_millis(50))
                .expect("gate wait")
                .0;
        }
        drop(open);
        gate.inside.fetch_sub(1, Ordering::SeqCst);
        Ok(fake_result(job))
    }
}

/// Polls `cond` every 10 ms for up to [`WAIT`].
pub fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

pub fn config(workers: usize) -> EngineConfig {
    EngineConfig {
        workers,
        ..Default::default()
    }
}

/// An engine in a fresh directory with one open pic bucket; returns its queue id.
pub fn engine_with_bucket(
    dir: &tempfile::TempDir,
    config: EngineConfig,
    runner: Arc<dyn JobRunner>,
) -> Result<(Engine, String), Box<dyn std::error::Error>> {
    let engine = Engine::open(dir.path().join("jobs.sqlite3"), config, runner)?;
    engine.open_pic_bucket(BUCKET, REGION)?;
    let queues = engine.describe_queues(BUCKET, &Default::default())?;
    let queue_id = queues.queue_list[0].queue_id.clone();
    Ok((engine, queue_id))
}

/// One request received by a [`Receiver`].
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub content_type: String,
    pub body: String,
}

/// A loopback HTTP server answering callbacks with the given statuses in turn (the last
/// one repeated), sending what it got down a channel.
pub struct Receiver {
    pub url: String,
    pub got: mpsc::Receiver<Received>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    pub fn start(statuses: Vec<u16>) -> Result<Self, Box<dyn std::error::Error>> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
        let port = server.server_addr().to_ip().ok_or("no IP address")?.port();
        let (tx, got) = mpsc::channel();
        let serving = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for (n, mut req) in serving.incoming_requests().enumerate() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                let content_type = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Content-Type"))
                    .map(|h| h.value.to_string())
                    .unwrap_or_default();
                let _ = tx.send(Received {
                    method: req.method().to_string(),
                    content_type,
                    body,
                });
                let status = statuses.get(n).or(statuses.last()).copied().unwrap_or(200);
                let _ = req.respond(tiny_http::Response::empty(status));
            }
        });
        Ok(Receiver {
            url: format!("http://127.0.0.1:{port}/callback"),
            got,
            server,
            thread: Some(thread),
        })
    }

    pub fn next(&self) -> Option<Received> {
        self.got.recv_timeout(WAIT).ok()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
