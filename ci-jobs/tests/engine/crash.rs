//! A process running the engine is killed with SIGKILL mid-job and started again: every job
//! ends exactly once, with the result a single run gives. The child is this test binary
//! itself, running the ignored `crash_child` test with `CI_JOBS_CRASH_DIR` set.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ci_core::result::{JobState, PicProcessResult};
use ci_jobs::{DeliveryState, Engine, Job, JobFailure, JobRunner};

use crate::common::*;

const DIR_VAR: &str = "CI_JOBS_CRASH_DIR";
const JOBS: usize = 8;
/// Refused (not loopback): one record per job end, never fetched.
const END_MARKER_URL: &str = "http://192.0.2.1/ended";

/// A slow runner with side effects: a `start` line, the output written aside and renamed
/// into place (atomic publish), a `done` line with the result's ETag.
struct SlowRunner {
    dir: PathBuf,
}

impl SlowRunner {
    fn effect(&self, line: &str) -> Result<(), JobFailure> {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("effects.log"))
            .map_err(|e| JobFailure::new("InternalError", e.to_string()))?;
        f.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| JobFailure::new("InternalError", e.to_string()))
    }
}

impl JobRunner for SlowRunner {
    fn run(&self, job: &Job) -> Result<PicProcessResult, JobFailure> {
        let io = |e: std::io::Error| JobFailure::new("InternalError", e.to_string());
        self.effect(&format!("start {}", job.job_id))?;
        std::thread::sleep(Duration::from_millis(150));
        let out_dir = self.dir.join("out");
        fs::create_dir_all(&out_dir).map_err(io)?;
        let aside = out_dir.join(format!("{}.part", job.job_id));
        fs::write(&aside, fake_output(job)).map_err(io)?;
        fs::rename(&aside, out_dir.join(job.job_id.as_str())).map_err(io)?;
        let result = fake_result(job);
        self.effect(&format!(
            "done {} {}",
            job.job_id, result.process_result.etag
        ))?;
        Ok(result)
    }
}

/// The child: runs the engine with 2 workers until every job in `ids.txt` has ended.
#[test]
#[ignore = "run by crash::a_killed_engine_resumes_every_job_exactly_once as its child"]
fn crash_child() -> TestResult {
    let Some(dir) = std::env::var_os(DIR_VAR).map(PathBuf::from) else {
        return Ok(());
    };
    let ids = fs::read_to_string(dir.join("ids.txt"))?;
    let runner = Arc::new(SlowRunner { dir: dir.clone() });
    let engine = Engine::open(dir.join("jobs.sqlite3"), config(2), runner)?;
    for id in ids.lines() {
        engine
            .wait_for_end(id, Duration::from_secs(60))?
            .ok_or("a job did not end")?;
    }
    Ok(())
}

fn spawn_child(dir: &Path) -> Result<Child, Box<dyn std::error::Error>> {
    Ok(Command::new(std::env::current_exe()?)
        .args([
            "--ignored",
            "--exact",
            "crash::crash_child",
            "--test-threads=1",
        ])
        .env(DIR_VAR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?)
}

/// `(job, event) -> how many`, from the effects log.
fn effects(dir: &Path) -> HashMap<(String, String), Vec<String>> {
    let text = fs::read_to_string(dir.join("effects.log")).unwrap_or_default();
    let mut map: HashMap<(String, String), Vec<String>> = HashMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        if let (Some(event), Some(id)) = (parts.next(), parts.next()) {
            map.entry((id.to_owned(), event.to_owned()))
                .or_default()
                .push(parts.next().unwrap_or("").to_owned());
        }
    }
    map
}

fn wait_exit(child: &mut Child, limit: Duration) -> Result<bool, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status.success());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill()?;
    child.wait()?;
    Err("the child did not exit in time".into())
}

#[test]
fn a_killed_engine_resumes_every_job_exactly_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("jobs.sqlite3");
    // Submit with no worker, then hand the store to the child.
    let ids: Vec<String> = {
        let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
        (0..JOBS)
            .map(|i| {
                let mut r = request(&queue, &format!("photo{i}.jpg"));
                r.call_back = Some(END_MARKER_URL.into());
                engine.submit(BUCKET, r).map(|j| j.job_id)
            })
            .collect::<Result<_, _>>()?
    };
    fs::write(dir.path().join("ids.txt"), ids.join("\n"))?;

    // First run: killed once two jobs are done and another is in flight.
    let mut child = spawn_child(dir.path())?;
    let mid_job = wait_until(|| {
        let e = effects(dir.path());
        let done = ids
            .iter()
            .filter(|id| e.contains_key(&((*id).clone(), "done".into())))
            .count();
        let in_flight = ids.iter().any(|id| {
            e.contains_key(&(id.clone(), "start".into()))
                && !e.contains_key(&(id.clone(), "done".into()))
        });
        done >= 2 && in_flight
    });
    child.kill()?; // SIGKILL
    child.wait()?;
    assert!(mid_job, "the child never had a job in flight");
    let killed = effects(dir.path());
    let unfinished: Vec<&String> = ids
        .iter()
        .filter(|id| {
            killed.contains_key(&((*id).clone(), "start".into()))
                && !killed.contains_key(&((*id).clone(), "done".into()))
        })
        .collect();
    assert!(!unfinished.is_empty());
    {
        // The store as the kill left it: the jobs in flight are Running, none is lost.
        let engine = Engine::open(&db, config(0), Arc::new(FakeRunner::default()))?;
        assert!(engine.recovered_jobs() >= 1, "no Running job was found");
        for id in &ids {
            let job = engine.job(id)?.ok_or("a job was lost")?;
            assert!(
                matches!(job.state, JobState::Submitted | JobState::Success),
                "{id}: {:?}",
                job.state
            );
        }
    }

    // Second run: to the end.
    let mut child = spawn_child(dir.path())?;
    assert!(
        wait_exit(&mut child, Duration::from_secs(60))?,
        "the second run failed"
    );

    let engine = Engine::open(&db, config(0), Arc::new(FakeRunner::default()))?;
    assert_eq!(engine.recovered_jobs(), 0);
    let e = effects(dir.path());
    let mut reran = 0;
    for id in &ids {
        let job = engine.job(id)?.ok_or("a job was lost")?;
        assert_eq!(job.state, JobState::Success, "{id}");
        let expected = fake_result(&job);
        assert_eq!(job.result.as_ref(), Some(&expected), "{id}");
        assert_eq!(
            fs::read_to_string(dir.path().join("out").join(id))?,
            fake_output(&job)
        );
        // Ended exactly once: one end record (one callback, refused) per job.
        let ends = engine.deliveries(id)?;
        assert_eq!(ends.len(), 1, "{id} ended {} times", ends.len());
        assert_eq!(ends[0].state, DeliveryState::Refused);
        // Every completed run produced the same result.
        let done = e
            .get(&(id.clone(), "done".into()))
            .ok_or("a job never finished a run")?;
        assert!(
            done.iter()
                .all(|etag| *etag == expected.process_result.etag),
            "{id}: {done:?}"
        );
        // Every start was a claim by a worker (a claim cut before its start line counts
        // too).
        let starts = e.get(&(id.clone(), "start".into())).map_or(0, Vec::len);
        assert!(
            starts >= 1 && job.runs as usize >= starts,
            "{id}: {} runs, {starts} starts",
            job.runs
        );
        if starts > 1 {
            reran += 1;
        }
        // A run cut mid-publish left its aside file; the re-run published over it.
        assert!(
            !dir.path().join("out").join(format!("{id}.part")).exists(),
            "{id}"
        );
    }
    assert!(
        reran >= unfinished.len(),
        "the interrupted jobs were not run again"
    );
    Ok(())
}
