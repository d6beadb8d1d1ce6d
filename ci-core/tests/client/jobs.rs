//! Asynchronous jobs: the requests cos-python-sdk-v5 1.9.44 sends for the pic-bucket,
//! pic-queue and pic-job calls (captured from the SDK against a loopback listener),
//! byte for byte, and the typed answers; `wait_for_job`, the page iterators.

use std::time::Duration;

use crate::support::*;
use ci_core::client::{
    ClientError, JobOrder, ListPicJobsQuery, PicBucketQuery, PicQueueQuery, WaitPolicy,
};
use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, JobState, NotifyConfig, PicJobRequestOperation,
    PicProcess, UpdatePicQueueRequest,
};

const CI_HOST: &str = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com";
const JOB: &str = "c0123456789abcdef0123456789abcdef";

fn detail(id: &str, state: &str) -> String {
    format!(
        "<JobsDetail><Code>Success</Code><Message/><JobId>{id}</JobId><State>{state}</State>\
         <CreationTime>2026-12-04T10:00:00+0800</CreationTime><EndTime>-</EndTime>\
         <StartTime>-</StartTime><QueueId>p1</QueueId><Tag>PicProcess</Tag><Input>\
         <BucketId>{BUCKET}</BucketId><Object>photos/a b.jpg</Object><Region>ap-guangzhou</Region>\
         </Input><Operation><Output><Bucket>{BUCKET}</Bucket><Object>thumbs/a b.png</Object>\
         <Region>ap-guangzhou</Region></Output><PicProcess><IsPicInfo>true</IsPicInfo>\
         <ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess><JobLevel>0</JobLevel>\
         </Operation></JobsDetail>"
    )
}

fn xml_reply(body: String) -> Reply {
    Reply::ok()
        .header("Content-Type", "application/xml")
        .header("x-ci-request-id", "ci-req")
        .body(body)
}

fn create_request() -> CreatePicJobsRequest {
    CreatePicJobsRequest {
        tag: "PicProcess".into(),
        input: JobInput {
            object: "photos/a b.jpg".into(),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            pic_process: Some(PicProcess {
                is_pic_info: Some("true".into()),
                process_rule: "imageMogr2/format/png".into(),
            }),
            output: JobOutput {
                region: "ap-guangzhou".into(),
                bucket: BUCKET.into(),
                object: "thumbs/a b.png".into(),
            },
            ..Default::default()
        },
        queue_id: "p1".into(),
        ..Default::default()
    }
}

/// The body the Python SDK sent for `ci_create_media_pic_jobs(Bucket, Jobs={...})` with
/// the same dict as [`create_request`].
const PYTHON_CREATE_BODY: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request>\
<Tag>PicProcess</Tag><Input><Object>photos/a b.jpg</Object></Input><Operation><PicProcess>\
<IsPicInfo>true</IsPicInfo><ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess>\
<Output><Region>ap-guangzhou</Region><Bucket>examplebucket-1250000000</Bucket>\
<Object>thumbs/a b.png</Object></Output></Operation><QueueId>p1</QueueId></Request>";

#[test]
fn create_job_sends_the_python_sdk_body_and_is_not_retried() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!("<Response>{}</Response>", detail(JOB, "Submitted")))
    });
    let (headers, created) = srv
        .client()
        .ci_create_media_pic_jobs(BUCKET, &create_request())
        .unwrap();
    let r = srv.last();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "/pic_jobs"));
    assert_eq!(r.header("Host"), Some(CI_HOST));
    assert_eq!(r.body_str(), PYTHON_CREATE_BODY);
    assert_eq!(r.header("Content-Length"), Some("387"));
    assert_eq!(r.header("Content-Type"), None, "Python sends none");
    let who = r.verified.as_ref().expect("signature verifies");
    assert_eq!(who.signed_headers, ["content-length", "host"]);
    assert_eq!(headers.get("x-ci-request-id"), Some("ci-req"));
    assert_eq!(created.jobs_detail.job_id, JOB);
    assert_eq!(created.jobs_detail.state, JobState::Submitted);
    assert_eq!(created.jobs_detail.input.object, "photos/a b.jpg");

    // A create is never repeated: a retry after a lost answer would make two jobs.
    let busy = TestServer::start(|_, _| Reply::status(503));
    let err = busy
        .client()
        .ci_create_media_pic_jobs(BUCKET, &create_request())
        .unwrap_err();
    assert_eq!(err.as_service().unwrap().status, 503);
    assert_eq!(busy.requests().len(), 1);
}

#[test]
fn create_job_needs_a_source() {
    let srv = TestServer::ok();
    let mut req = create_request();
    req.input.object.clear();
    let err = srv
        .client()
        .ci_create_media_pic_jobs(BUCKET, &req)
        .unwrap_err();
    assert!(
        matches!(err.as_client(), Some(ClientError::InvalidParameter { name, .. }) if name == "Input.Object"),
        "{err}"
    );
    assert!(srv.requests().is_empty());
}

#[test]
fn get_jobs_joins_ids_with_an_encoded_comma() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!(
            "<Response>{}<NonExistJobIds>c02</NonExistJobIds><NonExistJobIds>c03</NonExistJobIds></Response>",
            detail("c01", "Success")
        ))
    });
    let (_, found) = srv
        .client()
        .ci_get_media_pic_jobs(BUCKET, &["c01", "c02", "c03"])
        .unwrap();
    let r = srv.last();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", "/pic_jobs/c01%2Cc02%2Cc03")
    );
    assert_eq!(r.header("Host"), Some(CI_HOST));
    assert!(r.verified.is_ok(), "{:?}", r.verified);
    assert_eq!(found.jobs_detail.len(), 1);
    assert_eq!(found.jobs_detail[0].state, JobState::Success);
    assert_eq!(found.non_exist_job_ids, ["c02", "c03"]);

    // Bad ids are refused before sending.
    let c = srv.client();
    assert!(c.ci_get_media_pic_jobs(BUCKET, &[]).is_err());
    assert!(c.ci_get_media_pic_jobs(BUCKET, &["c1,c2"]).is_err());
    let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(c.ci_get_media_pic_jobs(BUCKET, &many).is_err());
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn list_jobs_sends_the_python_sdk_query() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!(
            "<Response>{}<NextToken>tok2</NextToken></Response>",
            detail("c01", "Failed")
        ))
    });
    let query = ListPicJobsQuery {
        queue_id: Some("p1".into()),
        states: vec![JobState::Success, JobState::Failed],
        size: 100,
        next_token: "tok1".into(),
        ..Default::default()
    };
    let (_, page) = srv.client().ci_list_media_pic_jobs(BUCKET, &query).unwrap();
    let r = srv.last();
    // What Python sent for ci_list_media_pic_jobs(Bucket, Tag='PicProcess', QueueId='p1',
    // States='Success,Failed', Size=100, NextToken='tok1').
    assert_eq!(
        r.url,
        "/pic_jobs?tag=PicProcess&orderByTime=Desc&states=Success%2CFailed&size=100&nextToken=tok1&queueId=p1"
    );
    assert!(r.verified.is_ok(), "{:?}", r.verified);
    assert_eq!(page.next_token, "tok2");
    assert_eq!(page.jobs_detail[0].state, JobState::Failed);

    // The defaults, with times, oldest first.
    let query = ListPicJobsQuery {
        order_by_time: JobOrder::Asc,
        start_creation_time: Some("2026-12-04T00:00:00+0800".into()),
        end_creation_time: Some("2026-12-05T00:00:00+0800".into()),
        ..Default::default()
    };
    srv.client().ci_list_media_pic_jobs(BUCKET, &query).unwrap();
    assert_eq!(
        srv.last().url,
        "/pic_jobs?tag=PicProcess&orderByTime=Asc&states=All&size=10&nextToken=\
         &startCreationTime=2026-12-04T00%3A00%3A00%2B0800&endCreationTime=2026-12-05T00%3A00%3A00%2B0800"
    );
    let bad = ListPicJobsQuery {
        size: 101,
        ..Default::default()
    };
    assert!(srv.client().ci_list_media_pic_jobs(BUCKET, &bad).is_err());
    assert_eq!(srv.requests().len(), 2);
}

#[test]
fn the_page_iterator_follows_next_token_to_the_end() {
    let srv = TestServer::start(|r, _| {
        let token = r.url.split("nextToken=").nth(1).unwrap_or("");
        let token = token.split('&').next().unwrap_or("");
        let (jobs, next) = match token {
            "" => (vec!["c01", "c02"], "t1"),
            "t1" => (vec!["c03", "c04"], "t2"),
            _ => (vec!["c05"], ""),
        };
        let body: String = jobs.iter().map(|j| detail(j, "Success")).collect();
        xml_reply(format!(
            "<Response>{body}<NextToken>{next}</NextToken></Response>"
        ))
    });
    let client = srv.client();
    let ids: Vec<String> = client
        .ci_list_media_pic_jobs_pages(BUCKET, ListPicJobsQuery::default())
        .jobs()
        .map(|j| j.unwrap().job_id)
        .collect();
    assert_eq!(ids, ["c01", "c02", "c03", "c04", "c05"]);
    let tokens: Vec<String> = srv
        .requests()
        .iter()
        .map(|r| r.url.split("nextToken=").nth(1).unwrap_or("?").to_owned())
        .collect();
    assert_eq!(tokens, ["", "t1", "t2"]);
}

#[test]
fn a_repeated_next_token_ends_the_iteration_with_an_error() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!(
            "<Response>{}<NextToken>same</NextToken></Response>",
            detail("c01", "Success")
        ))
    });
    let client = srv.client();
    let pages: Vec<_> = client
        .ci_list_media_pic_jobs_pages(BUCKET, ListPicJobsQuery::default())
        .collect();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok());
    let err = pages[1].as_ref().unwrap_err();
    assert!(
        err.to_string().contains("repeats NextToken \"same\""),
        "{err}"
    );
    assert_eq!(srv.requests().len(), 2);
}

#[test]
fn pic_bucket_calls_send_the_python_sdk_requests() {
    let srv = TestServer::start(|r, _| {
        let body = match (r.method.as_str(), r.path()) {
            ("POST", _) => format!(
                "<Response><RequestId>r1</RequestId><PicBucket><BucketId>{BUCKET}</BucketId>\
                 <Name>{BUCKET}</Name><Region>ap-guangzhou</Region>\
                 <CreateTime>2026-12-04T10:00:00+0800</CreateTime></PicBucket></Response>"
            ),
            ("DELETE", _) => format!(
                "<Response><RequestId>r2</RequestId><BucketName>{BUCKET}</BucketName></Response>"
            ),
            _ => format!(
                "<Response><RequestId>r3</RequestId><TotalCount>1</TotalCount>\
                 <PageNumber>1</PageNumber><PageSize>10</PageSize><PicBucketList>\
                 <BucketId>{BUCKET}</BucketId><Name>{BUCKET}</Name><Region>ap-guangzhou</Region>\
                 <CreateTime>2026-12-04T10:00:00+0800</CreateTime></PicBucketList></Response>"
            ),
        };
        xml_reply(body)
    });
    let c = srv.client();
    let (_, opened) = c.ci_open_pic_bucket(BUCKET).unwrap();
    assert_eq!(opened.pic_bucket.bucket_id, BUCKET);
    let (_, listed) = c.ci_get_pic_bucket(&PicBucketQuery::default()).unwrap();
    assert_eq!(listed.pic_bucket_list.len(), 1);
    let (_, closed) = c.ci_close_pic_bucket(BUCKET).unwrap();
    assert_eq!(closed.bucket_name, BUCKET);
    let seen: Vec<(String, String, Option<String>, Option<String>)> = srv
        .requests()
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.url.clone(),
                r.header("Host").map(str::to_owned),
                r.header("Content-Length").map(str::to_owned),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        seen,
        [
            ("POST".into(), "/picbucket".into(), s(CI_HOST), s("0")),
            (
                "GET".into(),
                "/picbucket?regions=&bucketNames=&bucketName=&pageNumber=&pageSize=".into(),
                s("ci.ap-guangzhou.myqcloud.com"),
                None
            ),
            ("DELETE".into(), "/picbucket".into(), s(CI_HOST), s("0")),
        ]
    );
    assert!(srv.requests().iter().all(|r| r.verified.is_ok()));
}

#[test]
fn queue_calls_send_the_python_sdk_requests() {
    let queue = "<QueueId>p1</QueueId><Name>q</Name><State>Paused</State><NotifyConfig>\
                 <State>Off</State></NotifyConfig><MaxSize>10000</MaxSize>\
                 <MaxConcurrent>10</MaxConcurrent><UpdateTime>-</UpdateTime>\
                 <CreateTime>-</CreateTime>";
    let srv = TestServer::start(move |r, _| {
        if r.method == "GET" {
            xml_reply(format!(
                "<Response><RequestId>r</RequestId><TotalCount>1</TotalCount><PageNumber>1</PageNumber>\
                 <PageSize>10</PageSize><QueueList>{queue}</QueueList></Response>"
            ))
        } else {
            xml_reply(format!(
                "<Response><RequestId>r</RequestId><Queue>{queue}</Queue></Response>"
            ))
        }
    });
    let c = srv.client();
    let (_, queues) = c
        .ci_get_media_pic_queue(BUCKET, &PicQueueQuery::default())
        .unwrap();
    assert_eq!(queues.queue_list[0].queue_id, "p1");
    assert_eq!(
        srv.last().url,
        "/picqueue?queueIds=&state=All&pageNumber=&pageSize="
    );
    let update = UpdatePicQueueRequest {
        name: Some("q".into()),
        queue_id: Some("p1".into()),
        state: Some("Paused".into()),
        notify_config: Some(NotifyConfig {
            state: Some("Off".into()),
            ..Default::default()
        }),
    };
    let (_, updated) = c.ci_update_media_pic_queue(BUCKET, "p1", &update).unwrap();
    assert_eq!(updated.queue.state, "Paused");
    let r = srv.last();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("PUT", "/picqueue/p1"));
    // What Python sent for Request={'Name':'q','QueueID':'p1','State':'Paused',
    // 'NotifyConfig':{'State':'Off'}}.
    assert_eq!(
        r.body_str(),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request><Name>q</Name><QueueID>p1</QueueID>\
         <State>Paused</State><NotifyConfig><State>Off</State></NotifyConfig></Request>"
    );
    assert_eq!(r.header("Content-Length"), Some("161"));
    assert!(r.verified.is_ok());
    let filtered = PicQueueQuery {
        queue_ids: vec!["p1".into(), "p2".into()],
        state: Some("Active".into()),
        page_number: Some(2),
        page_size: Some(5),
    };
    c.ci_get_media_pic_queue(BUCKET, &filtered).unwrap();
    assert_eq!(
        srv.last().url,
        "/picqueue?queueIds=p1%2Cp2&state=Active&pageNumber=2&pageSize=5"
    );
    assert!(c
        .ci_update_media_pic_queue(BUCKET, "../x", &update)
        .is_err());
}

#[test]
fn wait_for_job_polls_with_back_off_until_the_job_ends() {
    let srv = TestServer::start(|_, n| {
        let state = ["Submitted", "Running", "Running", "Success"][n.min(3)];
        xml_reply(format!("<Response>{}</Response>", detail(JOB, state)))
    });
    let policy = WaitPolicy {
        timeout: Duration::from_secs(10),
        initial: Duration::from_millis(1),
        max: Duration::from_millis(4),
    };
    let job = srv
        .client()
        .wait_for_job_with(BUCKET, JOB, &policy)
        .unwrap();
    assert_eq!(job.state, JobState::Success);
    assert_eq!(job.job_id, JOB);
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|r| r.url == format!("/pic_jobs/{JOB}")));
}

#[test]
fn wait_for_job_reports_a_failed_job_as_an_answer() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!(
            "<Response>{}</Response>",
            detail(JOB, "Failed").replace(
                "<Code>Success</Code><Message/>",
                "<Code>InvalidArgument</Code><Message>bad rule</Message>"
            )
        ))
    });
    let job = srv
        .client()
        .wait_for_job(BUCKET, JOB, Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        (job.state, job.code.as_str(), job.message.as_str()),
        (JobState::Failed, "InvalidArgument", "bad rule")
    );
}

#[test]
fn wait_for_job_times_out_with_the_last_state() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!("<Response>{}</Response>", detail(JOB, "Running")))
    });
    let policy = WaitPolicy {
        timeout: Duration::from_millis(50),
        initial: Duration::from_millis(5),
        max: Duration::from_millis(10),
    };
    let err = srv
        .client()
        .wait_for_job_with(BUCKET, JOB, &policy)
        .unwrap_err();
    match err.as_client() {
        Some(ClientError::JobWaitTimeout {
            job_id,
            state,
            waited,
        }) => {
            assert_eq!((job_id.as_str(), *state), (JOB, JobState::Running));
            assert!(*waited >= Duration::from_millis(50), "{waited:?}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Bounded: at most one poll per 5 ms over 50 ms, plus the first.
    let n = srv.requests().len();
    assert!((2..=12).contains(&n), "{n} polls");
}

#[test]
fn wait_for_an_unknown_job_is_job_not_found() {
    let srv = TestServer::start(|_, _| {
        xml_reply(format!(
            "<Response><NonExistJobIds>{JOB}</NonExistJobIds></Response>"
        ))
    });
    let err = srv
        .client()
        .wait_for_job(BUCKET, JOB, Duration::from_secs(5))
        .unwrap_err();
    assert!(
        matches!(err.as_client(), Some(ClientError::JobNotFound { job_id }) if job_id == JOB),
        "{err}"
    );
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn list_objects_sends_the_python_sdk_query_and_decodes_keys() {
    let srv = TestServer::start(|r, _| {
        let second = r.url.contains("marker=photos%2Fb%20c.jpg");
        let (keys, truncated, next) = if second {
            (vec!["photos%2Fd.jpg"], false, "")
        } else {
            (
                vec!["photos%2Fa.jpg", "photos%2Fb%20c.jpg"],
                true,
                "photos%2Fb%20c.jpg",
            )
        };
        let contents: String = keys
            .iter()
            .map(|k| {
                format!(
                    "<Contents><Key>{k}</Key><LastModified>2026-12-04T00:00:00.000Z</LastModified>\
                     <ETag>\"e\"</ETag><Size>3</Size></Contents>"
                )
            })
            .collect();
        let next = if truncated {
            format!("<NextMarker>{next}</NextMarker>")
        } else {
            String::new()
        };
        xml_reply(format!(
            "<ListBucketResult><Name>{BUCKET}</Name><EncodingType>url</EncodingType>\
             <Prefix>photos%2F</Prefix><Marker/><MaxKeys>2</MaxKeys>\
             <IsTruncated>{truncated}</IsTruncated>{next}{contents}</ListBucketResult>"
        ))
    });
    let c = srv.client();
    let keys: Vec<String> = c
        .list_objects_pages(BUCKET, "photos/", 2)
        .flat_map(|p| p.unwrap().contents)
        .map(|o| o.key)
        .collect();
    assert_eq!(keys, ["photos/a.jpg", "photos/b c.jpg", "photos/d.jpg"]);
    let urls: Vec<String> = srv.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        [
            // What Python sent for list_objects(Bucket, Prefix='photos/', MaxKeys=...).
            "/?prefix=photos%2F&delimiter=&marker=&max-keys=2&encoding-type=url",
            "/?prefix=photos%2F&delimiter=&marker=photos%2Fb%20c.jpg&max-keys=2&encoding-type=url",
        ]
    );
    assert_eq!(srv.requests()[0].header("Host"), Some(HOST));
}
