//! A paused queue holds its waiting jobs (still `Submitted`); running jobs finish; resuming
//! runs them. Queue updates and their refusals.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ci_core::result::{JobState, NotifyConfig, UpdatePicQueueRequest};
use ci_jobs::{JobsError, QueueQuery};

use crate::common::*;

fn state(name: &str, state: &str) -> UpdatePicQueueRequest {
    UpdatePicQueueRequest {
        name: Some(name.into()),
        state: Some(state.into()),
        ..Default::default()
    }
}

#[test]
fn paused_queues_hold_jobs_and_resume() -> TestResult {
    let dir = tempfile::tempdir()?;
    let gate = Arc::new(Gate::default());
    let (engine, queue) =
        engine_with_bucket(&dir, config(2), Arc::new(GatedRunner(Arc::clone(&gate))))?;
    let running = engine.submit(BUCKET, request(&queue, "running.jpg"))?;
    assert!(gate.wait_started(1));

    let paused = engine.update_queue(BUCKET, &queue, &state("paused-queue", "Paused"))?;
    assert_eq!(
        (paused.name.as_str(), paused.state.as_str()),
        ("paused-queue", "Paused")
    );
    let held: Vec<String> = (0..3)
        .map(|i| {
            engine
                .submit(BUCKET, request(&queue, &format!("held{i}.jpg")))
                .map(|j| j.job_id)
        })
        .collect::<Result<_, _>>()?;

    // The running job finishes while the queue is paused.
    gate.open();
    let done = engine
        .wait_for_end(&running.job_id, WAIT)?
        .ok_or("no end")?;
    assert_eq!(done.state, JobState::Success);
    // A free worker does not take held jobs: they stay Submitted.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(gate.started.load(Ordering::SeqCst), 1);
    let listed = engine.get_jobs(BUCKET, &held.iter().map(String::as_str).collect::<Vec<_>>())?;
    assert!(listed
        .jobs_detail
        .iter()
        .all(|j| j.state == JobState::Submitted));
    let q = engine.describe_queues(
        BUCKET,
        &QueueQuery {
            state: Some("Paused".into()),
            ..Default::default()
        },
    )?;
    assert_eq!(q.total_count, 1);

    let resumed = engine.update_queue(BUCKET, &queue, &state("paused-queue", "Active"))?;
    assert_eq!(resumed.state, "Active");
    for id in &held {
        assert_eq!(
            engine.wait_for_end(id, WAIT)?.ok_or("no end")?.state,
            JobState::Success
        );
    }
    assert_eq!(gate.started.load(Ordering::SeqCst), 4);
    Ok(())
}

#[test]
fn a_pause_survives_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("jobs.sqlite3");
    let runner = Arc::new(FakeRunner::default());
    let (queue, id) = {
        let (engine, queue) = engine_with_bucket(&dir, config(1), runner.clone())?;
        engine.update_queue(BUCKET, &queue, &state("q", "Paused"))?;
        let id = engine.submit(BUCKET, request(&queue, "a.jpg"))?.job_id;
        (queue, id)
    };
    let engine = ci_jobs::Engine::open(&path, config(1), runner.clone())?;
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(engine.job(&id)?.ok_or("no job")?.state, JobState::Submitted);
    engine.update_queue(BUCKET, &queue, &state("q", "Active"))?;
    assert_eq!(
        engine.wait_for_end(&id, WAIT)?.ok_or("no end")?.state,
        JobState::Success
    );
    assert_eq!(runner.ran.lock().map_err(|_| "poisoned")?.len(), 1);
    Ok(())
}

#[test]
fn queue_updates_are_checked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
    let refused = [
        UpdatePicQueueRequest::default(),
        UpdatePicQueueRequest {
            name: Some("x".repeat(129)),
            ..Default::default()
        },
        state("q", "Stopped"),
        UpdatePicQueueRequest {
            name: Some("q".into()),
            queue_id: Some("pother".into()),
            ..Default::default()
        },
        UpdatePicQueueRequest {
            name: Some("q".into()),
            notify_config: Some(NotifyConfig {
                state: Some("On".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    for update in &refused {
        let err = engine
            .update_queue(BUCKET, &queue, update)
            .expect_err("refused");
        assert_eq!(err.code(), "InvalidArgument", "{update:?}: {err}");
    }
    assert!(matches!(
        engine.update_queue(BUCKET, "p0", &state("q", "Active")),
        Err(JobsError::NoSuchQueue { .. })
    ));
    assert!(matches!(
        engine.update_queue("nobucket-1", &queue, &state("q", "Active")),
        Err(JobsError::PicBucketNotOpen(_))
    ));
    // A full NotifyConfig, and the defaults filled in for a partial one.
    let updated = engine.update_queue(
        BUCKET,
        &queue,
        &UpdatePicQueueRequest {
            name: Some("My-Queue-Pic".into()),
            queue_id: Some(queue.clone()),
            state: None,
            notify_config: Some(NotifyConfig {
                url: Some("http://127.0.0.1:9/cb".into()),
                state: Some("On".into()),
                result_format: Some("JSON".into()),
                ..Default::default()
            }),
        },
    )?;
    assert_eq!(updated.state, "Active");
    let n = &updated.notify_config;
    assert_eq!(
        (
            n.url.as_deref(),
            n.event.as_deref(),
            n.kind.as_deref(),
            n.state.as_deref(),
            n.result_format.as_deref()
        ),
        (
            Some("http://127.0.0.1:9/cb"),
            Some("TaskFinish"),
            Some("Url"),
            Some("On"),
            Some("JSON")
        )
    );
    let described = engine.describe_queues(BUCKET, &Default::default())?;
    assert_eq!(described.queue_list[0], updated);
    Ok(())
}
