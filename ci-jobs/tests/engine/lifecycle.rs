//! Submitted → Running → Success | Failed; cancel; close; validation; priorities; the
//! per-queue concurrency bound; persistence across reopen.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ci_core::result::{JobState, UpdatePicQueueRequest};
use ci_jobs::{Engine, EngineConfig, JobsError, CANCELLED_CODE};

use crate::common::*;

/// A change to a valid request.
type Edit = dyn Fn(&mut ci_core::result::CreatePicJobsRequest);

#[test]
fn a_job_goes_submitted_running_success() -> TestResult {
    let dir = tempfile::tempdir()?;
    let gate = Arc::new(Gate::default());
    let (engine, queue) =
        engine_with_bucket(&dir, config(2), Arc::new(GatedRunner(Arc::clone(&gate))))?;
    let created = engine.submit(BUCKET, request(&queue, "input/deer.jpg"))?;
    assert_eq!(created.state, JobState::Submitted);
    assert_eq!(created.code, "Success");
    assert_eq!(
        (created.start_time.as_str(), created.end_time.as_str()),
        ("-", "-")
    );
    assert!(created.job_id.starts_with('c') && created.job_id.len() == 33);
    assert_eq!(created.queue_id, queue);
    assert_eq!(created.input.bucket_id.as_deref(), Some(BUCKET));
    assert_eq!(created.input.region.as_deref(), Some(REGION));
    assert_eq!(created.operation.job_level, Some(0));
    // `+0800` offsets, no colon.
    assert!(
        created.creation_time.ends_with("+0800"),
        "{}",
        created.creation_time
    );

    assert!(gate.wait_started(1));
    let running = engine.get_jobs(BUCKET, &[&created.job_id])?;
    assert_eq!(running.jobs_detail[0].state, JobState::Running);
    assert_ne!(running.jobs_detail[0].start_time, "-");
    assert_eq!(running.jobs_detail[0].end_time, "-");

    gate.open();
    let done = engine
        .wait_for_end(&created.job_id, WAIT)?
        .ok_or("job did not end")?;
    assert_eq!(done.state, JobState::Success);
    assert_eq!(done.code, "Success");
    assert_eq!(done.message, "");
    assert_ne!(done.end_time, "-");
    let job = engine.job(&created.job_id)?.ok_or("job vanished")?;
    assert_eq!(done.operation.pic_process_result, Some(fake_result(&job)));
    assert_eq!(job.runs, 1);
    // The answer as the server will send it.
    let xml = engine.get_jobs(BUCKET, &[&created.job_id])?.to_xml();
    assert!(xml.contains("<State>Success</State>"));
    assert!(xml.contains("<PicProcessResult>\n<ObjectName>out/input/deer.jpg</ObjectName>"));
    Ok(())
}

#[test]
fn failures_and_panics_end_failed_with_their_code() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(1), Arc::new(FakeRunner::default()))?;
    let missing = engine.submit(BUCKET, request(&queue, "missing.jpg"))?;
    let panics = engine.submit(BUCKET, request(&queue, "panic.jpg"))?;
    let fine = engine.submit(BUCKET, request(&queue, "fine.jpg"))?;
    let missing = engine
        .wait_for_end(&missing.job_id, WAIT)?
        .ok_or("no end")?;
    assert_eq!(missing.state, JobState::Failed);
    assert_eq!(missing.code, "NoSuchKey");
    assert_eq!(missing.message, "missing.jpg does not exist");
    assert_eq!(missing.operation.pic_process_result, None);
    let panics = engine.wait_for_end(&panics.job_id, WAIT)?.ok_or("no end")?;
    assert_eq!(panics.state, JobState::Failed);
    assert_eq!(panics.code, "InternalError");
    // The worker survived the panic.
    let fine = engine.wait_for_end(&fine.job_id, WAIT)?.ok_or("no end")?;
    assert_eq!(fine.state, JobState::Success);
    Ok(())
}

#[test]
fn invalid_requests_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
    let bad = |f: &dyn Fn(&mut ci_core::result::CreatePicJobsRequest)| {
        let mut r = request(&queue, "a.jpg");
        f(&mut r);
        engine.submit(BUCKET, r)
    };
    let cases: Vec<(&str, Box<Edit>)> = vec![
        ("tag", Box::new(|r| r.tag = "Transcode".into())),
        ("object", Box::new(|r| r.input.object.clear())),
        ("rule", Box::new(|r| r.operation.pic_process = None)),
        (
            "both",
            Box::new(|r| r.operation.template_id = Some("t1".into())),
        ),
        ("output", Box::new(|r| r.operation.output.bucket.clear())),
        ("level", Box::new(|r| r.operation.job_level = Some(3))),
        (
            "user data",
            Box::new(|r| r.operation.user_data = Some("x".repeat(1025))),
        ),
        (
            "format",
            Box::new(|r| r.call_back_format = Some("YAML".into())),
        ),
        ("type", Box::new(|r| r.call_back_type = Some("Mail".into()))),
        ("queue", Box::new(|r| r.queue_id = "p0".into())),
    ];
    for (name, case) in &cases {
        let err = bad(case.as_ref()).expect_err(name);
        assert_eq!(
            (err.code(), err.http_status()),
            ("InvalidArgument", 400),
            "{name}: {err}"
        );
    }
    assert!(matches!(
        engine.submit("other-1250000000", request(&queue, "a.jpg")),
        Err(JobsError::PicBucketNotOpen(b)) if b == "other-1250000000"
    ));
    // A template instead of a rule is fine.
    let mut templated = request(&queue, "a.jpg");
    templated.operation.pic_process = None;
    templated.operation.template_id = Some("t1".into());
    assert_eq!(
        engine
            .submit(BUCKET, templated)?
            .operation
            .template_id
            .as_deref(),
        Some("t1")
    );
    Ok(())
}

#[test]
fn higher_levels_run_first_then_oldest() -> TestResult {
    let dir = tempfile::tempdir()?;
    let runner = Arc::new(FakeRunner::default());
    let path = dir.path().join("jobs.sqlite3");
    let queue = {
        // Submitted with no worker, so the order is the scheduler's, not the submitter's.
        let engine = Engine::open(&path, config(0), runner.clone())?;
        engine.open_pic_bucket(BUCKET, REGION)?;
        let queue = engine
            .describe_queues(BUCKET, &Default::default())?
            .queue_list[0]
            .queue_id
            .clone();
        for (object, level) in [("a0", 0), ("b2", 2), ("c1", 1), ("d2", 2), ("e0", 0)] {
            let mut r = request(&queue, object);
            r.operation.job_level = Some(level);
            engine.submit(BUCKET, r)?;
        }
        queue
    };
    let engine = Engine::open(&path, config(1), runner.clone())?;
    let listed = engine.list_jobs(BUCKET, &Default::default())?;
    for job in &listed.jobs_detail {
        engine.wait_for_end(&job.job_id, WAIT)?.ok_or("no end")?;
    }
    assert_eq!(listed.jobs_detail[0].queue_id, queue);
    assert_eq!(
        *runner.ran.lock().map_err(|_| "poisoned")?,
        vec!["b2", "d2", "c1", "a0", "e0"]
    );
    Ok(())
}

#[test]
fn a_queue_runs_at_most_max_concurrent_jobs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let gate = Arc::new(Gate::default());
    let cfg = EngineConfig {
        workers: 4,
        queue_max_concurrent: 2,
        ..Default::default()
    };
    let (engine, queue) = engine_with_bucket(&dir, cfg, Arc::new(GatedRunner(Arc::clone(&gate))))?;
    let ids: Vec<String> = (0..6)
        .map(|i| {
            engine
                .submit(BUCKET, request(&queue, &format!("{i}.jpg")))
                .map(|j| j.job_id)
        })
        .collect::<Result<_, _>>()?;
    assert!(gate.wait_started(2));
    // Two workers stay idle while two jobs hold the queue's slots.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(gate.started.load(Ordering::SeqCst), 2);
    gate.open();
    for id in &ids {
        assert_eq!(
            engine.wait_for_end(id, WAIT)?.ok_or("no end")?.state,
            JobState::Success
        );
    }
    assert_eq!(gate.most_inside.load(Ordering::SeqCst), 2);
    assert_eq!(
        engine
            .describe_queues(BUCKET, &Default::default())?
            .queue_list[0]
            .max_concurrent,
        2
    );
    Ok(())
}

#[test]
fn cancel_close_and_full_queues() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cfg = EngineConfig {
        workers: 0,
        queue_max_size: 3,
        ..Default::default()
    };
    let (engine, queue) = engine_with_bucket(&dir, cfg, Arc::new(FakeRunner::default()))?;
    let a = engine.submit(BUCKET, request(&queue, "a.jpg"))?;
    let b = engine.submit(BUCKET, request(&queue, "b.jpg"))?;
    let c = engine.submit(BUCKET, request(&queue, "c.jpg"))?;
    assert!(matches!(
        engine.submit(BUCKET, request(&queue, "d.jpg")),
        Err(JobsError::QueueFull { max_size: 3, .. })
    ));
    let cancelled = engine.cancel_job(BUCKET, &a.job_id)?;
    assert_eq!(cancelled.state, JobState::Cancel);
    assert_eq!(cancelled.code, CANCELLED_CODE);
    assert_ne!(cancelled.end_time, "-");
    assert!(matches!(
        engine.cancel_job(BUCKET, &a.job_id),
        Err(JobsError::NotCancellable {
            state: JobState::Cancel,
            ..
        })
    ));
    let unknown = engine
        .cancel_job(BUCKET, "c00000000000000000000000000000000")
        .expect_err("unknown");
    assert_eq!((unknown.code(), unknown.http_status()), ("NoSuchJob", 404));
    // A cancelled job frees its place.
    engine.submit(BUCKET, request(&queue, "d.jpg"))?;

    // Get: known, unknown, repeated.
    let got = engine.get_jobs(BUCKET, &[&b.job_id, "cX", &c.job_id, &b.job_id, "cY"])?;
    let ids: Vec<&str> = got.jobs_detail.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, vec![b.job_id.as_str(), c.job_id.as_str()]);
    assert_eq!(
        got.non_exist_job_ids,
        vec!["cX".to_owned(), "cY".to_owned()]
    );
    assert!(engine.get_jobs(BUCKET, &[]).is_err());

    // Close: waiting jobs are cancelled, the queue goes, the jobs stay.
    assert_eq!(engine.close_pic_bucket(BUCKET)?, 3);
    let after = engine.job(&b.job_id)?.ok_or("job vanished")?;
    assert_eq!(after.state, JobState::Cancel);
    assert!(matches!(
        engine.close_pic_bucket(BUCKET),
        Err(JobsError::PicBucketNotOpen(_))
    ));
    assert!(engine.describe_queues(BUCKET, &Default::default()).is_err());
    let reopened = engine.open_pic_bucket(BUCKET, REGION)?;
    assert_eq!(reopened.bucket_id, BUCKET);
    let new_queue = engine
        .describe_queues(BUCKET, &Default::default())?
        .queue_list[0]
        .queue_id
        .clone();
    assert_ne!(new_queue, queue);
    let update = UpdatePicQueueRequest {
        name: Some("q".into()),
        ..Default::default()
    };
    assert!(matches!(
        engine.update_queue(BUCKET, &queue, &update),
        Err(JobsError::NoSuchQueue { .. })
    ));
    Ok(())
}

#[test]
fn opening_twice_and_reopening_the_store() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("jobs.sqlite3");
    let runner = Arc::new(FakeRunner::default());
    let (first, id) = {
        let engine = Engine::open(&path, config(0), runner.clone())?;
        let first = engine.open_pic_bucket(BUCKET, REGION)?;
        assert_eq!(engine.open_pic_bucket(BUCKET, REGION)?, first);
        assert_eq!(first.name, BUCKET);
        let queue = engine
            .describe_queues(BUCKET, &Default::default())?
            .queue_list[0]
            .clone();
        assert!(queue.queue_id.starts_with('p') && queue.queue_id.len() == 33);
        assert_eq!(
            (queue.state.as_str(), queue.max_size, queue.max_concurrent),
            ("Active", 10000, 10)
        );
        assert_eq!(queue.notify_config.state.as_deref(), Some("Off"));
        let job = engine.submit(BUCKET, request(&queue.queue_id, "a.jpg"))?;
        engine.shutdown();
        (first, job.job_id)
    };
    // The job waited in the store; a new engine runs it.
    let engine = Engine::open(&path, config(1), runner)?;
    assert_eq!(engine.open_pic_bucket(BUCKET, REGION)?, first);
    assert_eq!(
        engine.wait_for_end(&id, WAIT)?.ok_or("no end")?.state,
        JobState::Success
    );
    assert!(engine.wait_for_end("cnone", WAIT).is_err());
    assert!(engine.open_pic_bucket("", REGION).is_err());
    Ok(())
}

#[test]
fn a_job_left_running_in_a_closed_bucket_is_cancelled_at_open() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("jobs.sqlite3");
    let receiver = Receiver::start(vec![200])?;
    let id = {
        let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
        let mut r = request(&queue, "a.jpg");
        r.call_back = Some(receiver.url.clone());
        engine.submit(BUCKET, r)?.job_id
    };
    // What a process killed after closing the bucket while the job ran leaves behind.
    let conn = rusqlite::Connection::open(&path)?;
    conn.execute(
        "UPDATE pic_jobs SET state = 'Running' WHERE job_id = ?1",
        [&id],
    )?;
    conn.execute("DELETE FROM pic_queues", [])?;
    conn.execute("DELETE FROM pic_buckets", [])?;
    drop(conn);
    let engine = Engine::open(&path, config(1), Arc::new(FakeRunner::default()))?;
    assert_eq!(engine.recovered_jobs(), 1);
    let job = engine.wait_for_end(&id, WAIT)?.ok_or("no end")?;
    assert_eq!(
        (job.state, job.code.as_str()),
        (JobState::Cancel, CANCELLED_CODE)
    );
    let got = receiver.next().ok_or("no callback")?;
    assert!(got.body.contains("<State>Cancel</State>"), "{}", got.body);
    Ok(())
}
