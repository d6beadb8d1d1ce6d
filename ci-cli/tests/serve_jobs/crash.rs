//! `cos-ci serve` killed (SIGKILL) while pic jobs run, then started again on the same
//! root: every job ends exactly once (listed once, in a final state, none lost), and each
//! output is there once, whole, with the bytes the synchronous processing gives.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ci_core::client::Body;
use ci_core::client::{CosClient, CosConfig, JobOrder, ListPicJobsQuery, ObjectOptions};
use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, JobState, PicJobRequestOperation, PicProcess,
};
use ci_core::sign::ProcessParam;

const BUCKET: &str = "examplebucket-1250000000";
/// Slow enough in a debug build (a 1600x1000 PNG) that jobs are running when the
/// server is killed.
const RULE: &str = "imageMogr2/thumbnail/1600x/format/png";
const JOBS: usize = 8;

/// `cos-ci serve --port 0` on `root`; the child, its port and the log lines it wrote
/// before announcing its address.
fn serve(root: &Path) -> (Child, u16, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-ci"))
        .args([
            "serve",
            "--port",
            "0",
            "--secret-id",
            "AKIDcrash",
            "--secret-key",
            "sk-crash",
            "--root",
        ])
        .arg(root)
        .stderr(Stdio::piped())
        .spawn()
        .expect("cos-ci serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut early = Vec::new();
    let port = (0..200)
        .find_map(|_| {
            let line = lines.next()?.ok()?;
            let port = line
                .split("serving COS + CI on http://127.0.0.1:")
                .nth(1)
                .and_then(|p| p.trim().parse().ok());
            early.push(line);
            port
        })
        .expect("the server announces its address");
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port, early)
}

fn client(port: u16) -> CosClient {
    CosClient::new(
        CosConfig::new("ap-guangzhou", "AKIDcrash", "sk-crash").with_ip_port("127.0.0.1", port),
    )
    .expect("client")
}

fn request(queue_id: &str, n: usize) -> CreatePicJobsRequest {
    CreatePicJobsRequest {
        tag: "PicProcess".into(),
        input: JobInput {
            object: "crash/photo.jpg".into(),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            pic_process: Some(PicProcess {
                is_pic_info: None,
                process_rule: RULE.into(),
            }),
            output: JobOutput {
                region: "ap-guangzhou".into(),
                bucket: BUCKET.into(),
                object: format!("crash/out/{n}.png"),
            },
            ..Default::default()
        },
        queue_id: queue_id.into(),
        ..Default::default()
    }
}

/// An object's bytes, processed by `rule` when given.
fn fetch(c: &CosClient, key: &str, rule: Option<&str>) -> Vec<u8> {
    let process = rule.map(ProcessParam::rule);
    let mut out = Vec::new();
    c.get_object(
        BUCKET,
        key,
        process.as_ref(),
        &ObjectOptions::default(),
        &mut out,
    )
    .expect("download");
    out
}

struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn jobs_killed_mid_run_end_exactly_once_after_a_restart() {
    let root = Root(std::env::temp_dir().join(format!("cos-ci-jobs-crash-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    let (mut first, port, _) = serve(&root.0);
    let c = client(port);
    let photo = std::fs::read(super::PHOTO).expect("photo");
    c.put_object(
        BUCKET,
        "crash/photo.jpg",
        Body::from_bytes(photo),
        &ObjectOptions::default(),
    )
    .expect("upload");
    let (_, opened) = c.ci_open_pic_bucket(BUCKET).expect("open");
    assert_eq!(opened.pic_bucket.bucket_id, BUCKET);
    let (_, queues) = c
        .ci_get_media_pic_queue(BUCKET, &Default::default())
        .expect("queues");
    let queue = queues.queue_list[0].queue_id.clone();
    let ids: Vec<String> = (0..JOBS)
        .map(|n| {
            c.ci_create_media_pic_jobs(BUCKET, &request(&queue, n))
                .expect("create")
                .1
                .jobs_detail
                .job_id
        })
        .collect();
    // Kill (SIGKILL) once a job runs.
    let running = ListPicJobsQuery {
        states: vec![JobState::Running],
        ..Default::default()
    };
    let mut killed_running = Vec::new();
    for _ in 0..600 {
        let (_, page) = c.ci_list_media_pic_jobs(BUCKET, &running).expect("list");
        if !page.jobs_detail.is_empty() {
            killed_running = page.jobs_detail.into_iter().map(|j| j.job_id).collect();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert!(!killed_running.is_empty(), "no job was seen running");

    // Started again on the same root: the jobs cut short run again.
    let (mut second, port, log) = serve(&root.0);
    assert!(
        log.iter()
            .any(|l| l.contains("queued again") && !l.contains("jobs=0")),
        "the restart re-queued no job: {log:?}"
    );
    let c = client(port);
    for id in &ids {
        let done = c
            .wait_for_job(BUCKET, id, Duration::from_secs(600))
            .expect("the job ends");
        assert_eq!(done.state, JobState::Success, "{done:?}");
    }
    // Listed once each, all final.
    let all = ListPicJobsQuery {
        order_by_time: JobOrder::Asc,
        size: 3,
        ..Default::default()
    };
    let listed: Vec<_> = c
        .ci_list_media_pic_jobs_pages(BUCKET, all)
        .jobs()
        .collect::<Result<_, _>>()
        .expect("listing");
    let listed_ids: Vec<&str> = listed.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(
        listed_ids,
        ids.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(listed.iter().all(|j| j.state == JobState::Success));
    // Each output once, whole: the bytes of the same rule applied synchronously.
    let (_, outputs) = c
        .list_objects(BUCKET, "crash/out/", "", "", 1000)
        .expect("outputs");
    assert_eq!(outputs.contents.len(), JOBS);
    let expected = fetch(&c, "crash/photo.jpg", Some(RULE));
    assert_eq!(&expected[..8], b"\x89PNG\r\n\x1a\n");
    for n in 0..JOBS {
        let got = fetch(&c, &format!("crash/out/{n}.png"), None);
        assert!(
            got == expected,
            "crash/out/{n}.png differs from the synchronous result"
        );
    }
    for job in &listed {
        let result = job.operation.pic_process_result.as_ref().expect("result");
        assert_eq!(result.process_result.size, expected.len() as u64);
    }
    second.kill().expect("stop");
    second.wait().expect("reaped");
}
