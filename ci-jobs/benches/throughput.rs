//! Submit and run throughput of the job engine with a no-op runner:
//! `cargo bench -p ci-jobs --bench throughput -- [--jobs N] [--workers N]`.
//! Prints one JSON object: jobs, workers, submit jobs/s (one transaction per submit),
//! end-to-end run jobs/s (submitted with no worker, then run: claim, run, end with its
//! callback record), and the median submit latency in microseconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, PicJobRequestOperation, PicProcess, PicProcessResult,
};
use ci_jobs::{Engine, EngineConfig, Job, JobFailure, JobQuery};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn request(queue: &str, i: usize) -> CreatePicJobsRequest {
    CreatePicJobsRequest {
        tag: "PicProcess".into(),
        input: JobInput {
            object: format!("in/{i}.jpg"),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            pic_process: Some(PicProcess {
                is_pic_info: None,
                process_rule: "imageMogr2/thumbnail/100x".into(),
            }),
            output: JobOutput {
                region: "ap-guangzhou".into(),
                bucket: "b-1250000000".into(),
                object: format!("out/{i}.jpg"),
            },
            ..Default::default()
        },
        queue_id: queue.into(),
        ..Default::default()
    }
}

fn noop(_: &Job) -> Result<PicProcessResult, JobFailure> {
    Ok(PicProcessResult::default())
}

fn main() -> Res<()> {
    let jobs = arg("--jobs", 2000);
    let workers = arg(
        "--workers",
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("jobs.sqlite3");
    let config = |workers| EngineConfig {
        workers,
        queue_max_concurrent: 64,
        ..Default::default()
    };

    let engine = Engine::open(&path, config(0), Arc::new(noop))?;
    engine.open_pic_bucket("b-1250000000", "ap-guangzhou")?;
    let queue = engine
        .describe_queues("b-1250000000", &Default::default())?
        .queue_list[0]
        .queue_id
        .clone();
    let mut latencies = Vec::with_capacity(jobs);
    let start = Instant::now();
    for i in 0..jobs {
        let t = Instant::now();
        engine.submit("b-1250000000", request(&queue, i))?;
        latencies.push(t.elapsed());
    }
    let submit_secs = start.elapsed().as_secs_f64();
    engine.shutdown();
    latencies.sort();

    let start = Instant::now();
    let engine = Engine::open(&path, config(workers), Arc::new(noop))?;
    let waiting = JobQuery::from_query_pairs([("states", "Submitted,Running"), ("size", "1")])?;
    let deadline = Instant::now() + Duration::from_secs(600);
    while !engine
        .list_jobs("b-1250000000", &waiting)?
        .jobs_detail
        .is_empty()
    {
        if Instant::now() > deadline {
            return Err("jobs still waiting after 600 s".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let run_secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"jobs\":{jobs},\"workers\":{workers},\"submit_jobs_per_s\":{:.0},\
         \"run_jobs_per_s\":{:.0},\"submit_median_us\":{}}}",
        jobs as f64 / submit_secs,
        jobs as f64 / run_secs,
        latencies[latencies.len() / 2].as_micros()
    );
    Ok(())
}
