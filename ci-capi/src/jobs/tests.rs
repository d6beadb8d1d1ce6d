//! Unit tests of the job calls' parsing and reading (no server).

use super::*;
use ci_core::result::JobsDetail;

fn job(state: JobState) -> cos_ci_pic_job {
    let request = create_request(
        "p0123456789abcdef0123456789abcdef",
        "in/photo.jpg",
        JobOutput {
            region: "ap-guangzhou".into(),
            bucket: "b-1250000000".into(),
            object: "out/photo.webp".into(),
        },
        Some("imageMogr2/format/webp"),
        &[("UserData", "u1"), ("JobLevel", "2")],
    )
    .unwrap();
    cos_ci_pic_job {
        detail: JobsDetail {
            code: String::new(),
            message: String::new(),
            job_id: "c0123456789abcdef0123456789abcdef".into(),
            state,
            creation_time: "2026-12-05T15:00:00+0800".into(),
            end_time: "-".into(),
            start_time: "-".into(),
            queue_id: request.queue_id.clone(),
            tag: request.tag.clone(),
            input: request.input.clone(),
            operation: ci_core::result::JobsDetailOperation::from_request(&request.operation),
        },
    }
}

fn string(j: &cos_ci_pic_job, f: cos_ci_job_field) -> Result<String, cos_ci_result> {
    let mut buf = [0u8; 128];
    let mut n = 0usize;
    // SAFETY: a live job, 128 writable bytes, a writable length.
    let r = unsafe { cos_ci_pic_job_string(j, f as u32, buf.as_mut_ptr(), buf.len(), &mut n) };
    match r {
        cos_ci_result::Ok => Ok(String::from_utf8(buf[..n].to_vec()).unwrap()),
        e => Err(e),
    }
}

#[test]
fn job_fields_read_from_the_detail() {
    let j = job(JobState::Submitted);
    assert_eq!(string(&j, cos_ci_job_field::State).unwrap(), "Submitted");
    assert_eq!(string(&j, cos_ci_job_field::Tag).unwrap(), "PicProcess");
    assert_eq!(
        string(&j, cos_ci_job_field::InputObject).unwrap(),
        "in/photo.jpg"
    );
    assert_eq!(
        string(&j, cos_ci_job_field::OutputObject).unwrap(),
        "out/photo.webp"
    );
    assert_eq!(
        string(&j, cos_ci_job_field::ProcessRule).unwrap(),
        "imageMogr2/format/webp"
    );
    assert_eq!(string(&j, cos_ci_job_field::UserData).unwrap(), "u1");
    assert_eq!(string(&j, cos_ci_job_field::StartTime).unwrap(), "-");
    // Absent until the job has a result; a number is not text; unknown selectors.
    assert_eq!(
        string(&j, cos_ci_job_field::ResultObject),
        Err(cos_ci_result::NotPresent)
    );
    assert_eq!(
        string(&j, cos_ci_job_field::TemplateId),
        Err(cos_ci_result::NotPresent)
    );
    assert_eq!(
        string(&j, cos_ci_job_field::JobLevel),
        Err(cos_ci_result::InvalidArgument)
    );
    let mut n = 0u64;
    let mut ended = true;
    // SAFETY: a live job and writable outputs.
    unsafe {
        assert_eq!(
            cos_ci_pic_job_number(&j, cos_ci_job_field::JobLevel as u32, &mut n),
            cos_ci_result::Ok
        );
        assert_eq!(n, 2);
        assert_eq!(
            cos_ci_pic_job_number(&j, cos_ci_job_field::ResultWidth as u32, &mut n),
            cos_ci_result::NotPresent
        );
        assert_eq!(
            cos_ci_pic_job_number(&j, cos_ci_job_field::State as u32, &mut n),
            cos_ci_result::InvalidArgument
        );
        assert_eq!(
            cos_ci_pic_job_number(&j, 99, &mut n),
            cos_ci_result::InvalidArgument
        );
        assert_eq!(cos_ci_pic_job_ended(&j, &mut ended), cos_ci_result::Ok);
        assert!(!ended);
        assert_eq!(
            cos_ci_pic_job_ended(&job(JobState::Failed), &mut ended),
            cos_ci_result::Ok
        );
        assert!(ended);
        assert_eq!(
            cos_ci_pic_job_ended(std::ptr::null(), &mut ended),
            cos_ci_result::NullParameter
        );
        assert_eq!(
            cos_ci_pic_job_number(&j, 0, std::ptr::null_mut()),
            cos_ci_result::NullParameter
        );
        cos_ci_pic_job_free(std::ptr::null_mut());
    }
}

#[test]
fn create_request_checks_its_options() {
    let out = || JobOutput {
        region: "ap-guangzhou".into(),
        bucket: "b-1250000000".into(),
        object: "o.png".into(),
    };
    let r = create_request(
        "p1",
        "i.jpg",
        out(),
        Some("imageMogr2/format/png"),
        &[
            ("IsPicInfo", "true"),
            ("CallBack", "http://127.0.0.1:9/cb"),
            ("CallBackFormat", "JSON"),
        ],
    )
    .unwrap();
    assert_eq!(
        r.to_xml().replace('\n', ""),
        "<Request><Tag>PicProcess</Tag><Input><Object>i.jpg</Object></Input>\
         <Operation><PicProcess><IsPicInfo>true</IsPicInfo>\
         <ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess>\
         <Output><Region>ap-guangzhou</Region><Bucket>b-1250000000</Bucket>\
         <Object>o.png</Object></Output></Operation><QueueId>p1</QueueId>\
         <CallBack>http://127.0.0.1:9/cb</CallBack><CallBackFormat>JSON</CallBackFormat>\
         </Request>"
    );
    let t = create_request("p1", "i.jpg", out(), None, &[("TemplateId", "style1")]).unwrap();
    assert_eq!(t.operation.template_id.as_deref(), Some("style1"));
    assert!(t.operation.pic_process.is_none());
    for (rule, options, says) in [
        (None, vec![], "a rule or a TemplateId"),
        (
            None,
            vec![("TemplateId", "t"), ("IsPicInfo", "true")],
            "IsPicInfo goes",
        ),
        (Some("r"), vec![("IsPicInfo", "yes")], "IsPicInfo \"yes\""),
        (Some("r"), vec![("JobLevel", "3")], "JobLevel \"3\""),
        (
            Some("r"),
            vec![("Priority", "1")],
            "unknown option \"Priority\"",
        ),
    ] {
        let e = create_request("p1", "i.jpg", out(), rule, &options).unwrap_err();
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn list_query_reads_the_sdk_names() {
    let q = list_query(&[
        ("QueueId", "p1"),
        ("OrderByTime", "Asc"),
        ("States", "Success,Failed"),
        ("Size", "100"),
        ("NextToken", "t2"),
    ])
    .unwrap();
    assert_eq!(q.queue_id.as_deref(), Some("p1"));
    assert_eq!(q.order_by_time, JobOrder::Asc);
    assert_eq!(q.states, vec![JobState::Success, JobState::Failed]);
    assert_eq!((q.size, q.next_token.as_str()), (100, "t2"));
    assert!(list_query(&[("States", "All")]).unwrap().states.is_empty());
    assert_eq!(list_query(&[]).unwrap(), ListPicJobsQuery::default());
    for (options, says) in [
        (vec![("Size", "0")], "Size \"0\""),
        (vec![("Size", "101")], "Size \"101\""),
        (vec![("OrderByTime", "desc")], "OrderByTime"),
        (vec![("States", "Done")], "unknown job state `Done`"),
        (vec![("Tag", "x")], "unknown option \"Tag\""),
    ] {
        let e = list_query(&options).unwrap_err();
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn bucket_filters_by_the_python_names() {
    let q = queue::bucket_query(&[
        ("Regions", "ap-guangzhou,ap-beijing"),
        ("BucketName", "img"),
        ("BucketNames", "a-1,b-1"),
        ("PageNumber", "2"),
        ("PageSize", "100"),
    ])
    .unwrap();
    assert_eq!(q.regions, "ap-guangzhou,ap-beijing");
    assert_eq!(q.bucket_name, "img");
    assert_eq!(q.bucket_names, "a-1,b-1");
    assert_eq!((q.page_number, q.page_size), (Some(2), Some(100)));
    assert_eq!(
        queue::bucket_query(&[("PageSize", "101")]).unwrap_err(),
        "PageSize \"101\" is not 1 to 100"
    );
    assert_eq!(
        queue::bucket_query(&[("PageNumber", "0")]).unwrap_err(),
        "PageNumber \"0\" is not a number from 1"
    );
    assert!(queue::bucket_query(&[("Region", "x")])
        .unwrap_err()
        .starts_with("unknown option \"Region\""));
    assert_eq!(queue::bucket_query(&[]).unwrap(), Default::default());
}
