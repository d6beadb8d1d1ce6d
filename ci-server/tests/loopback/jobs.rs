//! Asynchronous image jobs end to end, through ci-core's client calls (the requests the
//! official Python SDK sends): open the pic bucket, create jobs, wait, get, list with
//! filters and pages, pause and resume the queue, a failed job, callbacks to a loopback
//! listener (with a retry), and answers byte for byte.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use ci_core::client::{CosClient, CosConfig, JobOrder, ListPicJobsQuery, PicQueueQuery};
use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, JobState, JobsDetail, NotifyConfig, PicJobCallback,
    PicJobRequestOperation, PicProcess, UpdatePicQueueRequest,
};
use ci_core::rule::ProcessingRule;
use ci_server::TestServer;

use crate::common::*;

const RULE: &str = "imageMogr2/thumbnail/64x/format/png";
const WAIT: Duration = Duration::from_secs(60);

fn client(a: SocketAddr) -> CosClient {
    CosClient::new(CosConfig::new(REGION, AK, SK).with_ip_port(a.ip().to_string(), a.port()))
        .expect("client")
}

/// A server with the fake engine, two job workers and quick callback retries.
fn jobs_server() -> (TestServer, tempdir::Dir) {
    server_with(|c| {
        c.jobs.workers = 2;
        c.jobs.callback_first_retry_ms = 20;
        c.jobs.callback_max_retry_ms = 100;
        c.jobs.callback_max_attempts = 3;
    })
}

fn put(a: SocketAddr, key: &str, body: &[u8]) {
    let r = Req::new("PUT", key).body(body.to_vec()).send(a);
    assert_eq!(r.status, 200, "{key}: {}", r.text());
}

fn get(a: SocketAddr, key: &str) -> Resp {
    Req::new("GET", key).send(a)
}

fn job_request(queue_id: &str, input: &str, output: &str) -> CreatePicJobsRequest {
    CreatePicJobsRequest {
        tag: "PicProcess".into(),
        input: JobInput {
            object: input.into(),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            pic_process: Some(PicProcess {
                is_pic_info: Some("true".into()),
                process_rule: RULE.into(),
            }),
            output: JobOutput {
                region: REGION.into(),
                bucket: BUCKET.into(),
                object: output.into(),
            },
            user_data: Some("batch-7".into()),
            ..Default::default()
        },
        queue_id: queue_id.into(),
        ..Default::default()
    }
}

/// Opens the pic bucket; its queue id.
fn open(c: &CosClient) -> String {
    let (headers, opened) = c.ci_open_pic_bucket(BUCKET).expect("open");
    assert_eq!(opened.pic_bucket.bucket_id, BUCKET);
    assert_eq!(opened.pic_bucket.name, BUCKET);
    assert_eq!(opened.pic_bucket.region, REGION);
    assert_eq!(
        Some(opened.request_id.as_str()),
        headers.get("x-cos-request-id")
    );
    let (_, queues) = c
        .ci_get_media_pic_queue(BUCKET, &PicQueueQuery::default())
        .expect("queues");
    assert_eq!(queues.total_count, 1);
    let q = &queues.queue_list[0];
    assert_eq!((q.state.as_str(), q.max_concurrent), ("Active", 10));
    assert_eq!(q.category.as_deref(), Some("PicProcessing"));
    assert!(q.queue_id.starts_with('p') && q.queue_id.len() == 33);
    q.queue_id.clone()
}

fn create(c: &CosClient, request: &CreatePicJobsRequest) -> JobsDetail {
    let (_, created) = c.ci_create_media_pic_jobs(BUCKET, request).expect("create");
    assert!(created.jobs_detail.job_id.starts_with('c'));
    created.jobs_detail
}

fn canonical(rule: &str) -> String {
    ProcessingRule::parse(rule).expect("rule").to_string()
}

fn set_state(c: &CosClient, queue_id: &str, state: &str) {
    let update = UpdatePicQueueRequest {
        name: Some("queue-pic-process-1".into()),
        state: Some(state.into()),
        ..Default::default()
    };
    let (_, answer) = c
        .ci_update_media_pic_queue(BUCKET, queue_id, &update)
        .expect("update queue");
    assert_eq!(answer.queue.state, state);
}

#[test]
fn jobs_run_and_are_described_listed_and_paged() {
    let (srv, _dir) = jobs_server();
    let a = srv.addr();
    let c = client(a);
    let queue = open(&c);
    // Opening again answers the same bucket.
    let (_, again) = c.ci_open_pic_bucket(BUCKET).unwrap();
    assert_eq!(again.pic_bucket.region, REGION);
    let inputs: Vec<(String, Vec<u8>)> = (0..5)
        .map(|n| (format!("in/{n}.jpg"), format!("IMAGE-{n}").into_bytes()))
        .collect();
    for (key, body) in &inputs {
        put(a, key, body);
    }
    let mut ids = Vec::new();
    for (n, (key, _)) in inputs.iter().enumerate() {
        let detail = create(&c, &job_request(&queue, key, &format!("out/{n}.png")));
        assert_eq!(detail.tag, "PicProcess");
        assert_eq!(detail.queue_id, queue);
        assert_eq!(detail.operation.user_data.as_deref(), Some("batch-7"));
        ids.push(detail.job_id);
    }
    // A job whose input is missing fails with the input's code, and writes nothing.
    let missing = create(
        &c,
        &job_request(&queue, "in/missing.jpg", "out/missing.png"),
    );
    let failed = c.wait_for_job(BUCKET, &missing.job_id, WAIT).unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.code, "NoSuchKey");
    assert!(!failed.message.is_empty());
    assert_ne!(failed.end_time, "-");
    assert!(failed.operation.pic_process_result.is_none());
    assert_eq!(get(a, "out/missing.png").status, 404);

    for (n, id) in ids.iter().enumerate() {
        let done = c.wait_for_job(BUCKET, id, WAIT).unwrap();
        assert_eq!(done.state, JobState::Success, "{done:?}");
        assert_eq!((done.code.as_str(), done.message.as_str()), ("Success", ""));
        assert_ne!(done.start_time, "-");
        let out = get(a, &format!("out/{n}.png"));
        assert_eq!(out.status, 200);
        let expected = fake_output(&inputs[n].1, &canonical(RULE));
        assert_eq!(out.body, expected);
        assert_eq!(out.header("Content-Type"), Some("image/png"));
        let result = done.operation.pic_process_result.expect("result");
        assert_eq!(result.object_name, format!("out/{n}.png"));
        let product = &result.process_result;
        assert_eq!(
            (product.format.as_str(), product.width, product.height),
            ("PNG", 10, 20)
        );
        assert_eq!(product.size, expected.len() as u64);
        assert_eq!(Some(product.etag.as_str()), out.header("ETag"));
        // IsPicInfo: the source's facts (the fake engine's) and its ETag.
        let source = get(a, &inputs[n].0);
        assert_eq!(
            Some(result.original_info.etag.as_str()),
            source.header("ETag")
        );
        let info = result.original_info.image_info.expect("IsPicInfo");
        assert_eq!(
            (info.format.as_str(), info.width, info.height),
            ("JPEG", 640, 427)
        );
        let go = result.upload_result.expect("Go's shape");
        assert_eq!(go.process_results.object.key, format!("out/{n}.png"));
        assert_eq!(
            go.original_info.location,
            format!("{BUCKET}.cos.{REGION}.myqcloud.com/in/{n}.jpg")
        );
    }

    // Several ids at once, in the order asked; unknown ids named.
    let unknown = "c0000000000000000000000000000000f";
    let (_, got) = c
        .ci_get_media_pic_jobs(BUCKET, &[&ids[2], unknown, &ids[0]])
        .unwrap();
    let got_ids: Vec<&str> = got.jobs_detail.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(got_ids, [ids[2].as_str(), ids[0].as_str()]);
    assert_eq!(got.non_exist_job_ids, [unknown]);

    // Every job, oldest first, two a page: each once, in creation order.
    let query = ListPicJobsQuery {
        order_by_time: JobOrder::Asc,
        size: 2,
        ..Default::default()
    };
    let mut pages = 0;
    let mut listed = Vec::new();
    for page in c.ci_list_media_pic_jobs_pages(BUCKET, query) {
        let page = page.unwrap();
        pages += 1;
        assert!(page.jobs_detail.len() <= 2);
        listed.extend(page.jobs_detail.into_iter().map(|j| j.job_id));
    }
    let mut all = ids.clone();
    all.push(missing.job_id.clone());
    assert_eq!(listed, all);
    assert_eq!(pages, 3);
    // Newest first (the default), filtered by state and queue.
    let (_, newest) = c
        .ci_list_media_pic_jobs(BUCKET, &ListPicJobsQuery::default())
        .unwrap();
    assert_eq!(newest.jobs_detail[0].job_id, missing.job_id);
    assert_eq!(newest.next_token, "");
    let failed_only = ListPicJobsQuery {
        states: vec![JobState::Failed],
        queue_id: Some(queue.clone()),
        ..Default::default()
    };
    let (_, page) = c.ci_list_media_pic_jobs(BUCKET, &failed_only).unwrap();
    let failed_ids: Vec<&str> = page.jobs_detail.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(failed_ids, [missing.job_id.as_str()]);
    let other_queue = ListPicJobsQuery {
        queue_id: Some("p0000000000000000000000000000000f".into()),
        ..Default::default()
    };
    let (_, page) = c.ci_list_media_pic_jobs(BUCKET, &other_queue).unwrap();
    assert!(page.jobs_detail.is_empty());
    // A creation window that ends before the jobs: nothing.
    let before = ListPicJobsQuery {
        end_creation_time: Some("2001-01-01T00:00:00+0800".into()),
        ..Default::default()
    };
    let (_, page) = c.ci_list_media_pic_jobs(BUCKET, &before).unwrap();
    assert!(page.jobs_detail.is_empty());
}

#[test]
fn a_paused_queue_holds_its_jobs_until_resumed() {
    let (srv, _dir) = jobs_server();
    let a = srv.addr();
    let c = client(a);
    let queue = open(&c);
    put(a, "p/in.jpg", b"PAUSED-INPUT");
    set_state(&c, &queue, "Paused");
    let (_, paused) = c
        .ci_get_media_pic_queue(
            BUCKET,
            &PicQueueQuery {
                state: Some("Paused".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(paused.queue_list.len(), 1);
    let job = create(&c, &job_request(&queue, "p/in.jpg", "p/out.png"));
    // Held: still Submitted after the workers had ample time, and nothing written.
    std::thread::sleep(Duration::from_millis(500));
    let (_, held) = c.ci_get_media_pic_jobs(BUCKET, &[&job.job_id]).unwrap();
    assert_eq!(held.jobs_detail[0].state, JobState::Submitted);
    assert_eq!(held.jobs_detail[0].start_time, "-");
    assert_eq!(get(a, "p/out.png").status, 404);
    set_state(&c, &queue, "Active");
    let done = c.wait_for_job(BUCKET, &job.job_id, WAIT).unwrap();
    assert_eq!(done.state, JobState::Success);
    assert_eq!(
        get(a, "p/out.png").body,
        fake_output(b"PAUSED-INPUT", &canonical(RULE))
    );
}

/// A loopback listener answering each request with the next status of `statuses`; the
/// bodies (with their Content-Type) of the requests it received.
fn listener(statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<(String, String)>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/callback", l.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        let mut got = Vec::new();
        for status in statuses {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut length = 0usize;
            let mut content_type = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    match k.to_ascii_lowercase().as_str() {
                        "content-length" => length = v.trim().parse().unwrap(),
                        "content-type" => content_type = v.trim().to_owned(),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            got.push((content_type, String::from_utf8(body).unwrap()));
            write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
        got
    });
    (url, thread)
}

#[test]
fn callbacks_reach_a_loopback_listener_and_are_retried() {
    let (srv, _dir) = jobs_server();
    let a = srv.addr();
    let c = client(a);
    let queue = open(&c);
    put(a, "cb/in.jpg", b"CALLBACK-INPUT");
    // The job's own URL: the first attempt is answered 500, the retry 200.
    let (url, received) = listener(vec![500, 200]);
    let mut request = job_request(&queue, "cb/in.jpg", "cb/out.png");
    request.call_back = Some(url);
    let job = create(&c, &request);
    let done = c.wait_for_job(BUCKET, &job.job_id, WAIT).unwrap();
    let bodies = received.join().unwrap();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "a retry sends the same body");
    assert_eq!(bodies[1].0, "application/xml");
    let callback = PicJobCallback::from_xml(&bodies[1].1).unwrap();
    assert_eq!(callback.event_name, "TaskFinish");
    assert_eq!(callback.jobs_detail, done);

    // The queue's callback, in JSON, for a failed job.
    let (url, received) = listener(vec![200]);
    let update = UpdatePicQueueRequest {
        name: Some("queue-pic-process-1".into()),
        notify_config: Some(NotifyConfig {
            url: Some(url.clone()),
            event: Some("TaskFinish".into()),
            kind: Some("Url".into()),
            state: Some("On".into()),
            result_format: Some("JSON".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (_, updated) = c
        .ci_update_media_pic_queue(BUCKET, &queue, &update)
        .unwrap();
    assert_eq!(
        updated.queue.notify_config.url.as_deref(),
        Some(url.as_str())
    );
    let job = create(&c, &job_request(&queue, "cb/none.jpg", "cb/none.png"));
    let done = c.wait_for_job(BUCKET, &job.job_id, WAIT).unwrap();
    assert_eq!(done.state, JobState::Failed);
    let bodies = received.join().unwrap();
    assert_eq!(bodies[0].0, "application/json");
    let callback = PicJobCallback::from_json(&bodies[0].1).unwrap();
    assert_eq!(callback.jobs_detail.code, "NoSuchKey");
    assert_eq!(callback.jobs_detail.job_id, job.job_id);
}

#[test]
fn answers_are_the_clouds_documents_byte_for_byte() {
    let (srv, _dir) = jobs_server();
    let a = srv.addr();
    let ci_host = format!("{BUCKET}.ci.{REGION}.myqcloud.com");
    let on_ci = |method: &'static str, path: &str| {
        let mut r = Req::new(method, path);
        r.host = ci_host.clone();
        r
    };
    let r = on_ci("POST", "picbucket").send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    let rid = r.header("x-cos-request-id").unwrap().to_owned();
    let text = r.text();
    let time_at = text.find("<CreateTime>").unwrap() + "<CreateTime>".len();
    let time = &text[time_at..time_at + 24];
    assert_eq!(
        text,
        format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Response>\n<RequestId>{rid}</RequestId>\n\
             <PicBucket>\n<BucketId>{BUCKET}</BucketId>\n<Name>{BUCKET}</Name>\n\
             <Region>{REGION}</Region>\n<CreateTime>{time}</CreateTime>\n</PicBucket>\n\
             </Response>"
        )
    );
    assert!(time.ends_with("+0800"), "{time}");
    // An empty listing: no JobsDetail, an empty NextToken.
    let r = on_ci("GET", "pic_jobs").param("tag", "PicProcess").send(a);
    assert_eq!(
        r.text(),
        "<?xml version='1.0' encoding='utf-8' ?>\n<Response>\n<NextToken/>\n</Response>"
    );
    // A created job, as the Python SDK sends it (declaration, no Content-Type).
    let r = on_ci("GET", "picqueue").param("state", "All").send(a);
    let queues = ci_core::result::DescribePicQueuesResponse::from_xml(&r.text()).unwrap();
    let queue = &queues.queue_list[0].queue_id;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request><Tag>PicProcess</Tag><Input>\
         <Object>x/in.jpg</Object></Input><Operation><PicProcess><IsPicInfo>true</IsPicInfo>\
         <ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess><Output><Region>{REGION}\
         </Region><Bucket>{BUCKET}</Bucket><Object>x/out.png</Object></Output><UserData>u&amp;v\
         </UserData></Operation><QueueId>{queue}</QueueId></Request>"
    );
    let r = on_ci("POST", "pic_jobs").body(body).send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    let created = ci_core::result::CreatePicJobsResponse::from_xml(&text).unwrap();
    let (id, time) = (
        &created.jobs_detail.job_id,
        &created.jobs_detail.creation_time,
    );
    assert_eq!(
        text,
        format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Response>\n<JobsDetail>\n\
             <Code>Success</Code>\n<Message/>\n<JobId>{id}</JobId>\n<State>Submitted</State>\n\
             <CreationTime>{time}</CreationTime>\n<EndTime>-</EndTime>\n<StartTime>-</StartTime>\n\
             <QueueId>{queue}</QueueId>\n<Tag>PicProcess</Tag>\n<Input>\n<BucketId>{BUCKET}\
             </BucketId>\n<Object>x/in.jpg</Object>\n<Region>{REGION}</Region>\n</Input>\n\
             <Operation>\n<Output>\n<Bucket>{BUCKET}</Bucket>\n<Object>x/out.png</Object>\n\
             <Region>{REGION}</Region>\n</Output>\n<PicProcess>\n<IsPicInfo>true</IsPicInfo>\n\
             <ProcessRule>imageMogr2/format/png</ProcessRule>\n</PicProcess>\n\
             <UserData>u&amp;v</UserData>\n<JobLevel>0</JobLevel>\n</Operation>\n</JobsDetail>\n\
             </Response>"
        )
    );
    assert!(id.starts_with('c') && id.len() == 33, "{id}");
    // Unknown ids only: 200 with one NonExistJobIds each.
    let (x, y) = (
        "c0000000000000000000000000000000a",
        "c0000000000000000000000000000000b",
    );
    let r = on_ci("GET", &format!("pic_jobs/{x},{y}")).send(a);
    assert_eq!(
        r.text(),
        format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Response>\n<NonExistJobIds>{x}\
             </NonExistJobIds>\n<NonExistJobIds>{y}</NonExistJobIds>\n</Response>"
        )
    );
    // Errors: the engine's codes as COS error XML.
    let r = on_ci("POST", "pic_jobs")
        .body("<Request><Tag>Transcode</Tag></Request>")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    let r = on_ci("POST", "pic_jobs").body("<Request><Tag>").send(a);
    assert_error(&r, 400, "MalformedXML");
    let r = on_ci("GET", "pic_jobs")
        .param("tag", "PicProcess")
        .param("size", "101")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    let r = on_ci("PUT", "picqueue/p0000000000000000000000000000000f")
        .body("<Request><Name>q</Name></Request>")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    // Closing: the bucket named; its queue gone, so a new job is refused.
    let r = on_ci("DELETE", "picbucket").send(a);
    let rid = r.header("x-cos-request-id").unwrap().to_owned();
    assert_eq!(
        r.text(),
        format!(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Response>\n<RequestId>{rid}</RequestId>\n\
             <BucketName>{BUCKET}</BucketName>\n</Response>"
        )
    );
    let r = on_ci("GET", "picqueue").param("state", "All").send(a);
    assert_error(&r, 400, "InvalidArgument");
    // The bucket listing needs no bucket (the region's CI host).
    let mut list = Req::new("GET", "picbucket").param("pageSize", "");
    list.host = format!("ci.{REGION}.myqcloud.com");
    let r = list.send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("<TotalCount>0</TotalCount>"),
        "{}",
        r.text()
    );
    // Unsigned: refused before anything is done.
    let mut unsigned = on_ci("POST", "picbucket");
    unsigned.sign = false;
    assert_error(&unsigned.send(a), 403, "AccessDenied");
}

#[test]
fn jobs_outlive_a_restart_of_the_server() {
    let dir = tempdir::Dir::new();
    let config = || {
        let mut c = test_config(&dir);
        c.jobs.workers = 1;
        c
    };
    let engine = || std::sync::Arc::new(FakeEngine);
    let (queue, job_id) = {
        let srv = ci_server::spawn_for_tests(config(), engine()).unwrap();
        let a = srv.addr();
        let c = client(a);
        let queue = open(&c);
        put(a, "r/in.jpg", b"RESTART");
        set_state(&c, &queue, "Paused");
        let job = create(&c, &job_request(&queue, "r/in.jpg", "r/out.png"));
        (queue, job.job_id)
    };
    // Stopped with the job waiting; started again on the same root: still there, and it
    // runs once the queue is resumed.
    let srv = ci_server::spawn_for_tests(config(), engine()).unwrap();
    let a = srv.addr();
    let c = client(a);
    let (_, held) = c.ci_get_media_pic_jobs(BUCKET, &[&job_id]).unwrap();
    assert_eq!(held.jobs_detail[0].state, JobState::Submitted);
    set_state(&c, &queue, "Active");
    let done = c.wait_for_job(BUCKET, &job_id, WAIT).unwrap();
    assert_eq!(done.state, JobState::Success);
    assert!(dir.path().join("jobs.sqlite3").exists());
}

#[test]
fn the_jobs_section_of_the_configuration() {
    let cfg = ci_server::ServerConfig::from_toml_str(
        r#"
[jobs]
workers = 3
callback_allow_hosts = ["hooks.example.com", "10.0.0.5:8443"]
callback_max_attempts = 2
"#,
    )
    .unwrap();
    assert_eq!(cfg.jobs.workers, 3);
    assert_eq!(
        cfg.jobs.callback_allow_hosts,
        ["hooks.example.com", "10.0.0.5:8443"]
    );
    assert_eq!(cfg.jobs.callback_max_attempts, 2);
    // Unset: loopback callbacks only, five attempts from one second.
    let default = ci_server::ServerConfig::default().jobs;
    assert!(default.callback_allow_hosts.is_empty());
    assert_eq!(
        (
            default.workers,
            default.callback_max_attempts,
            default.callback_first_retry_ms
        ),
        (0, 5, 1000)
    );
    assert!(ci_server::ServerConfig::from_toml_str("[jobs]\ncallback_max_attempts = 0\n").is_err());
}
