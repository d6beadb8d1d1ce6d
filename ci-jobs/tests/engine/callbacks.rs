//! Job-end callbacks received by a loopback listener: the queue's NotifyConfig, the job's
//! override, `CallBack=no`, XML and JSON bodies, a retry after a 500, refusals of
//! non-loopback URLs (recorded, never fetched), and resumption after a restart.

use std::sync::Arc;
use std::time::Duration;

use ci_core::result::{JobState, NotifyConfig, PicJobCallback, UpdatePicQueueRequest};
use ci_jobs::{CallbackConfig, CallbackFormat, DeliveryState, Engine, EngineConfig};

use crate::common::*;

fn fast_retries(workers: usize) -> EngineConfig {
    EngineConfig {
        workers,
        callbacks: CallbackConfig {
            max_attempts: 3,
            first_retry: Duration::from_millis(20),
            max_retry: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn notify_on(url: &str, format: &str) -> UpdatePicQueueRequest {
    UpdatePicQueueRequest {
        name: Some("q".into()),
        notify_config: Some(NotifyConfig {
            url: Some(url.into()),
            state: Some("On".into()),
            event: Some("TaskFinish".into()),
            result_format: Some(format.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn the_queue_callback_in_xml_and_the_job_override_in_json() -> TestResult {
    let receiver = Receiver::start(vec![200])?;
    let dir = tempfile::tempdir()?;
    let (engine, queue) =
        engine_with_bucket(&dir, fast_retries(1), Arc::new(FakeRunner::default()))?;
    engine.update_queue(BUCKET, &queue, &notify_on(&receiver.url, "XML"))?;

    let job = engine.submit(BUCKET, request(&queue, "a.jpg"))?;
    let got = receiver.next().ok_or("no callback")?;
    assert_eq!(got.method, "POST");
    assert_eq!(got.content_type, "application/xml");
    let body = PicJobCallback::from_xml(&got.body)?;
    assert_eq!(body.event_name, "TaskFinish");
    assert_eq!(body.jobs_detail.job_id, job.job_id);
    assert_eq!(body.jobs_detail.state, JobState::Success);
    assert!(body.jobs_detail.operation.pic_process_result.is_some());
    // The body is the final detail, as get-jobs shows it.
    let final_detail = engine
        .get_jobs(BUCKET, &[&job.job_id])?
        .jobs_detail
        .remove(0);
    assert_eq!(body.jobs_detail, final_detail);

    // The job's own URL and format override the queue's.
    let json_receiver = Receiver::start(vec![204])?;
    let mut r = request(&queue, "missing.jpg");
    r.call_back = Some(json_receiver.url.clone());
    r.call_back_format = Some("JSON".into());
    let failed = engine.submit(BUCKET, r)?;
    let got = json_receiver.next().ok_or("no JSON callback")?;
    assert_eq!(got.content_type, "application/json");
    let body = PicJobCallback::from_json(&got.body)?;
    assert_eq!(body.jobs_detail.job_id, failed.job_id);
    assert_eq!(body.jobs_detail.state, JobState::Failed);
    assert_eq!(body.jobs_detail.code, "NoSuchKey");

    // CallBack=no: nothing recorded, nothing sent.
    let mut r = request(&queue, "quiet.jpg");
    r.call_back = Some("no".into());
    let quiet = engine.submit(BUCKET, r)?;
    engine.wait_for_end(&quiet.job_id, WAIT)?.ok_or("no end")?;
    assert!(engine.wait_for_deliveries(WAIT)?);
    assert!(engine.deliveries(&quiet.job_id)?.is_empty());
    let delivered = engine.deliveries(&job.job_id)?;
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        (
            delivered[0].state,
            delivered[0].attempts,
            delivered[0].last_status,
            delivered[0].format
        ),
        (DeliveryState::Delivered, 1, Some(200), CallbackFormat::Xml)
    );
    assert!(receiver
        .got
        .recv_timeout(Duration::from_millis(100))
        .is_err());

    // The queue's callback is off: nothing.
    engine.update_queue(
        BUCKET,
        &queue,
        &UpdatePicQueueRequest {
            name: Some("q".into()),
            notify_config: Some(NotifyConfig::default()),
            ..Default::default()
        },
    )?;
    let silent = engine.submit(BUCKET, request(&queue, "b.jpg"))?;
    engine.wait_for_end(&silent.job_id, WAIT)?.ok_or("no end")?;
    assert!(engine.deliveries(&silent.job_id)?.is_empty());
    Ok(())
}

#[test]
fn a_500_is_retried_with_the_same_body() -> TestResult {
    let receiver = Receiver::start(vec![500, 200])?;
    let dir = tempfile::tempdir()?;
    let (engine, queue) =
        engine_with_bucket(&dir, fast_retries(1), Arc::new(FakeRunner::default()))?;
    engine.update_queue(BUCKET, &queue, &notify_on(&receiver.url, "JSON"))?;
    let job = engine.submit(BUCKET, request(&queue, "a.jpg"))?;
    let first = receiver.next().ok_or("no first attempt")?;
    let second = receiver.next().ok_or("no retry")?;
    assert_eq!(first.body, second.body);
    assert_eq!(
        PicJobCallback::from_json(&second.body)?.jobs_detail.job_id,
        job.job_id
    );
    assert!(engine.wait_for_deliveries(WAIT)?);
    let d = engine.deliveries(&job.job_id)?;
    assert_eq!(
        (d.len(), d[0].state, d[0].attempts, d[0].last_status),
        (1, DeliveryState::Delivered, 2, Some(200))
    );
    Ok(())
}

#[test]
fn attempts_are_bounded() -> TestResult {
    let receiver = Receiver::start(vec![503])?;
    let dir = tempfile::tempdir()?;
    let (engine, queue) =
        engine_with_bucket(&dir, fast_retries(1), Arc::new(FakeRunner::default()))?;
    let mut r = request(&queue, "a.jpg");
    r.call_back = Some(receiver.url.clone());
    let job = engine.submit(BUCKET, r)?;
    for n in 0..3 {
        receiver.next().ok_or(format!("no attempt {n}"))?;
    }
    assert!(engine.wait_for_deliveries(WAIT)?);
    let d = engine.deliveries(&job.job_id)?;
    assert_eq!(
        (d[0].state, d[0].attempts, d[0].last_status),
        (DeliveryState::Failed, 3, Some(503))
    );
    assert!(d[0].last_error.contains("503"), "{}", d[0].last_error);
    assert!(receiver
        .got
        .recv_timeout(Duration::from_millis(300))
        .is_err());
    Ok(())
}

#[test]
fn non_loopback_urls_are_refused_and_never_fetched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) =
        engine_with_bucket(&dir, fast_retries(1), Arc::new(FakeRunner::default()))?;
    // 192.0.2.0/24 is TEST-NET-1: nothing answers there, so a fetch would show as a
    // connect error, not as a refusal with 0 attempts.
    let mut r = request(&queue, "a.jpg");
    r.call_back = Some("http://192.0.2.1:8080/cb".into());
    let job = engine.submit(BUCKET, r)?;
    let mut tdmq = request(&queue, "b.jpg");
    tdmq.call_back_type = Some("TDMQ".into());
    let tdmq = engine.submit(BUCKET, tdmq)?;
    for id in [&job.job_id, &tdmq.job_id] {
        engine.wait_for_end(id, WAIT)?.ok_or("no end")?;
    }
    assert!(engine.wait_for_deliveries(WAIT)?);
    let d = engine.deliveries(&job.job_id)?;
    assert_eq!(
        (d.len(), d[0].state, d[0].attempts, d[0].last_status),
        (1, DeliveryState::Refused, 0, None)
    );
    assert!(
        d[0].last_error.contains("allow-list"),
        "{}",
        d[0].last_error
    );
    assert_eq!(d[0].url, "http://192.0.2.1:8080/cb");
    let t = engine.deliveries(&tdmq.job_id)?;
    assert_eq!((t[0].state, t[0].attempts), (DeliveryState::Refused, 0));
    assert!(t[0].last_error.contains("TDMQ"));
    Ok(())
}

#[test]
fn an_allow_listed_host_is_called() -> TestResult {
    let receiver = Receiver::start(vec![200])?;
    // Allow-listing `localhost:PORT` and calling it by that name: the name path of the
    // policy, still loopback.
    let port = receiver
        .url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .ok_or("port")?
        .to_owned();
    let mut cfg = fast_retries(1);
    cfg.callbacks.allow_hosts = vec![format!("LOCALHOST:{port}")];
    assert_eq!(
        cfg.callbacks.refusal(&format!("http://localhost:{port}/x")),
        None
    );
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, cfg, Arc::new(FakeRunner::default()))?;
    let mut r = request(&queue, "a.jpg");
    r.call_back = Some(format!("http://localhost:{port}/x"));
    let job = engine.submit(BUCKET, r)?;
    let got = receiver.next().ok_or("no callback")?;
    assert_eq!(
        PicJobCallback::from_xml(&got.body)?.jobs_detail.job_id,
        job.job_id
    );
    Ok(())
}

#[test]
fn pending_callbacks_resume_after_a_restart() -> TestResult {
    let receiver = Receiver::start(vec![500, 200])?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("jobs.sqlite3");
    // A first retry an hour away: only a restart can make the second attempt soon.
    let mut slow = fast_retries(1);
    slow.callbacks.first_retry = Duration::from_secs(3600);
    slow.callbacks.max_retry = Duration::from_secs(3600);
    let job_id = {
        let (engine, queue) =
            engine_with_bucket(&dir, slow.clone(), Arc::new(FakeRunner::default()))?;
        let mut r = request(&queue, "a.jpg");
        r.call_back = Some(receiver.url.clone());
        let job = engine.submit(BUCKET, r)?;
        receiver.next().ok_or("no first attempt")?;
        assert!(wait_until(|| engine
            .deliveries(&job.job_id)
            .is_ok_and(|d| d.first().is_some_and(|d| d.attempts == 1))));
        assert_eq!(
            engine.deliveries(&job.job_id)?[0].state,
            DeliveryState::Pending
        );
        job.job_id
    };
    let engine = Engine::open(&path, slow, Arc::new(FakeRunner::default()))?;
    let again = receiver.next().ok_or("no attempt after the restart")?;
    assert_eq!(
        PicJobCallback::from_xml(&again.body)?.jobs_detail.job_id,
        job_id
    );
    assert!(engine.wait_for_deliveries(WAIT)?);
    let d = engine.deliveries(&job_id)?;
    assert_eq!((d[0].state, d[0].attempts), (DeliveryState::Delivered, 2));
    Ok(())
}
