//! `PendingCall`: an upload run step by step, waiting on the lane's epoll descriptor as an
//! event loop would (here tokio's `AsyncFd` on another runtime), and without it.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::*;
use ci_core::client::{
    Body, ClientError, CosClient, CosClientError, CosConfig, ObjectOptions, PendingCall,
    ResponseHeaders,
};
use ci_core::result::UploadResult;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

const PIC_OPS: &str = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;

type Upload = (ResponseHeaders, Option<UploadResult>);

fn upload_server() -> TestServer {
    TestServer::start(|r, n| {
        let reply = Reply::ok()
            .header("x-cos-request-id", &format!("req-{n}"))
            .header("x-cos-hash-crc64ecma", &r.body_crc64.to_string());
        if r.header("Pic-Operations").is_some() {
            reply.body(seed("upload_result_put.xml"))
        } else {
            reply
        }
    })
}

fn pic_ops() -> ObjectOptions {
    ObjectOptions::from_kwargs(&[("PicOperations", PIC_OPS)]).unwrap()
}

/// Polls `call` to its end, waiting on its descriptor between polls; returns the outcome
/// and how many waits ran out (5 s each) before the descriptor signalled.
fn drive_with_fd(mut call: PendingCall<Upload>) -> (ci_core::client::Result<Upload>, usize) {
    let fd = call
        .wait_fd()
        .expect("Linux: the lane's epoll descriptor is found");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Deprecated for descriptors only borrowed, as here: the client keeps it open for
        // the whole test.
        #[allow(deprecated)]
        let watch = AsyncFd::with_interest(Watched(fd), Interest::READABLE).unwrap();
        let mut timed_out = 0;
        for _ in 0..1000 {
            if let Some(outcome) = call.poll() {
                return (outcome, timed_out);
            }
            match tokio::time::timeout(Duration::from_secs(5), watch.readable()).await {
                Ok(ready) => ready.unwrap().clear_ready(),
                Err(_) => timed_out += 1,
            }
            assert!(timed_out < 2, "the descriptor never signalled the answer");
        }
        panic!("the call never finished");
    })
}

/// A descriptor watched, not owned: the client closes it.
struct Watched(i32);

impl std::os::fd::AsRawFd for Watched {
    fn as_raw_fd(&self) -> i32 {
        self.0
    }
}

/// Polls `call` every 10 ms without a descriptor, as for a timer (bounded: 10 s).
fn drive_by_sleeping(mut call: PendingCall<Upload>) -> ci_core::client::Result<Upload> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(outcome) = call.poll() {
            return outcome;
        }
        assert!(Instant::now() < deadline, "the call never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_upload_runs_step_by_step_woken_by_its_descriptor() {
    let srv = upload_server();
    let client = srv.client();
    let body = (0..60_000u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect::<Vec<_>>();
    for round in 0..3 {
        let call = client
            .start_ci_put_object(BUCKET, "a/b.jpg", Body::from_bytes(body.clone()), pic_ops())
            .unwrap();
        let (outcome, timed_out) = drive_with_fd(call);
        let (headers, result) = outcome.unwrap();
        assert_eq!(timed_out, 0);
        assert_eq!(headers.status, 200);
        assert_eq!(
            headers.request_id.as_deref(),
            Some(format!("req-{round}").as_str())
        );
        let expected = UploadResult::from_xml(&seed("upload_result_put.xml")).unwrap();
        assert_eq!(result, Some(expected));
        let seen = srv.last();
        assert_eq!(seen.method, "PUT");
        assert_eq!(seen.path(), "/a/b.jpg");
        assert_eq!(seen.header("Pic-Operations"), Some(PIC_OPS));
        assert_eq!(seen.body_len, 60_000);
        assert_eq!(seen.body_crc64, ci_core::client::crc64(&body));
        assert!(seen.verified.is_ok(), "{:?}", seen.verified);
    }
}

#[test]
fn a_call_without_pic_operations_has_no_upload_result() {
    let srv = upload_server();
    let call = srv
        .client()
        .start_ci_put_object(
            BUCKET,
            "plain.bin",
            Body::from_bytes(vec![1, 2, 3]),
            ObjectOptions::default(),
        )
        .unwrap();
    let (headers, result) = drive_by_sleeping(call).unwrap();
    assert_eq!(headers.status, 200);
    assert_eq!(result, None);
}

#[test]
fn a_finished_call_refuses_another_poll() {
    let srv = upload_server();
    let mut call = srv
        .client()
        .start_ci_put_object(BUCKET, "k", Body::from_bytes(vec![1]), pic_ops())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while call.poll().is_none() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    match call.poll() {
        Some(Err(CosClientError::Client(ClientError::Config(m)))) => {
            assert_eq!(m, "the call has already finished")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wait_blocks_to_the_end_and_shares_the_connections_of_blocking_calls() {
    let srv = upload_server();
    let client = srv.client();
    let (h1, _) = client
        .ci_put_object(BUCKET, "one", Body::from_bytes(vec![1]), &pic_ops())
        .unwrap();
    let call = client
        .start_ci_put_object(BUCKET, "two", Body::from_bytes(vec![2]), pic_ops())
        .unwrap();
    let (h2, r2) = call.wait().unwrap();
    assert_eq!((h1.status, h2.status), (200, 200));
    assert!(r2.is_some());
    let paths: Vec<String> = srv.requests().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(paths, ["/one", "/two"]);
}

#[test]
fn service_errors_come_back_from_poll() {
    let srv = TestServer::start(|_, _| {
        Reply::status(403)
            .header("Content-Type", "application/xml")
            .body(
                "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>AccessDenied</Code>\
                 <Message>Access Denied.</Message><RequestId>req-403</RequestId>\
                 <TraceId>trace-403</TraceId></Error>",
            )
    });
    let call = srv
        .client()
        .start_ci_put_object(BUCKET, "k.jpg", Body::from_bytes(vec![9; 10]), pic_ops())
        .unwrap();
    match drive_with_fd(call).0 {
        Err(CosClientError::Service(e)) => {
            assert_eq!(e.status, 403);
            assert_eq!(e.code, "AccessDenied");
            assert_eq!(e.message, "Access Denied.");
            assert_eq!(e.request_id, "req-403");
            assert_eq!(e.trace_id, "trace-403");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn retries_wait_on_a_timer_between_polls() {
    // 503 twice, then success (for each call): the two delays (5 and 10 ms) are timers,
    // not I/O.
    let srv = TestServer::start(|r, n| {
        if n % 3 < 2 {
            Reply::status(503)
        } else {
            Reply::ok().header("x-cos-hash-crc64ecma", &r.body_crc64.to_string())
        }
    });
    let client = srv.client();
    let start = || {
        client
            .start_ci_put_object(
                BUCKET,
                "k",
                Body::from_bytes(vec![5; 100]),
                ObjectOptions::default(),
            )
            .unwrap()
    };
    let (headers, _) = drive_by_sleeping(start()).unwrap();
    assert_eq!(headers.status, 200);
    assert_eq!(srv.requests().len(), 3);
    // Waiting on the descriptor alone: the heartbeat signals the delays' end.
    let (outcome, timed_out) = drive_with_fd(start());
    assert_eq!(outcome.unwrap().0.status, 200);
    assert_eq!(timed_out, 0);
    assert_eq!(srv.requests().len(), 6);
}

#[test]
fn a_timeout_ends_a_call_whose_server_never_answers() {
    // Accepts and reads, never answers (bounded: the test drops it).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = std::thread::spawn(move || {
        // Two connections (one per call), each read until the client gives up.
        for _ in 0..2 {
            if let Ok((mut conn, _)) = listener.accept() {
                conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = [0u8; 4096];
                while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            }
        }
    });
    let mut config = CosConfig::new("ap-guangzhou", AK, SK)
        .with_ip_port("127.0.0.1", port)
        .with_retries(0, Duration::from_millis(5));
    config.timeout = Some(Duration::from_millis(200));
    let client = CosClient::new(config).unwrap();
    let start = || {
        client
            .start_ci_put_object(
                BUCKET,
                "k",
                Body::from_bytes(vec![1; 10]),
                ObjectOptions::default(),
            )
            .unwrap()
    };
    let is_timeout = |outcome: ci_core::client::Result<Upload>| match outcome {
        Err(CosClientError::Client(ClientError::Http(e))) => assert!(e.is_timeout(), "{e}"),
        other => panic!("{other:?}"),
    };
    let started = Instant::now();
    is_timeout(drive_by_sleeping(start()));
    assert!(started.elapsed() >= Duration::from_millis(200));
    // Waiting on the descriptor alone: the heartbeat signals the timeout.
    let started = Instant::now();
    let (outcome, timed_out) = drive_with_fd(start());
    is_timeout(outcome);
    assert_eq!(timed_out, 0);
    assert!(started.elapsed() >= Duration::from_millis(200));
    drop(client);
    silent.join().unwrap();
}

#[test]
fn invalid_requests_fail_when_started() {
    let srv = upload_server();
    let client = srv.client();
    let bad_ops = ObjectOptions::from_kwargs(&[(
        "PicOperations",
        r#"{"rules":[{"fileid":"x.png","rule":"imageMogr2/thumbnail/"}]}"#,
    )]);
    // Refused while building the options or at start, never sent.
    if let Ok(opts) = bad_ops {
        assert!(client
            .start_ci_put_object(BUCKET, "k", Body::from_bytes(vec![1]), opts)
            .is_err());
    }
    assert!(client
        .start_ci_put_object(
            BUCKET,
            "",
            Body::from_bytes(vec![1]),
            ObjectOptions::default()
        )
        .is_err());
    assert!(srv.requests().is_empty());
}

#[test]
fn dropping_an_unfinished_call_leaves_the_client_working() {
    let srv = upload_server();
    let client = srv.client();
    let mut call = client
        .start_ci_put_object(
            BUCKET,
            "dropped",
            Body::from_bytes(vec![3; 1000]),
            pic_ops(),
        )
        .unwrap();
    let _ = call.poll();
    drop(call);
    let (headers, result) = client
        .ci_put_object(BUCKET, "after", Body::from_bytes(vec![4; 10]), &pic_ops())
        .unwrap();
    assert_eq!(headers.status, 200);
    assert!(result.is_some());
    assert_eq!(srv.last().path(), "/after");
}
