//! Parse tests from the documented examples, byte-exact renders, and what each SDK reads
//! from the renders: the Python SDK's `xml_to_dict` shape (sdk.rs) and the element paths
//! and integer text cos-go-sdk-v5's structs decode.

use super::*;

/// The DescribePicJob example of CI's API reference (2022), verbatim.
const DESCRIBE_DOC: &str = "<Response><JobsDetail><Code>Success</Code><Message/><JobId>c93984788066911ed89ed352d4d9d2084</JobId><State>Submitted</State><CreationTime>2022-07-18T15:16:43+0800</CreationTime><EndTime>-</EndTime><StartTime>-</StartTime><QueueId>p2911917386e148639319e13c285cc774</QueueId><Tag>PicProcess</Tag><Input><BucketId>test-1234567890</BucketId><Object>input/deer.jpg</Object><Region>ap-chongqing</Region></Input><Operation><Output><Bucket>test-1234567890</Bucket><Object>output/out.jpg</Object><Region>ap-chongqing</Region></Output><TemplateId>t10461fe2bd5a649db9022452ec71e0381</TemplateId><TemplateName>test</TemplateName><UserData>This is my data.</UserData><JobLevel>0</JobLevel></Operation></JobsDetail></Response>";

/// The image-processing callback example of CI's API reference, verbatim (its children
/// are in alphabetical order).
const CALLBACK_DOC: &str = "<Response>
<EventName>TaskFinish</EventName>
<JobsDetail>
<Code>Success</Code>
<CreationTime>2022-07-18T15:16:43+0800</CreationTime>
<EndTime>2022-07-18T15:16:44+0800</EndTime>
<Input>
<BucketId>test-1234567890</BucketId>
<Object>input/deer.jpg</Object>
<Region>ap-chongqing</Region>
</Input>
<JobId>c93984788066911ed89ed352d4d9d2084</JobId>
<Message/>
<Operation>
<Output>
<Bucket>test-1234567890</Bucket>
<Object>output/out.jpg</Object>
<Region>ap-chongqing</Region>
</Output>
<PicProcessResult>
<ObjectName>output/out.jpg</ObjectName>
<OriginalInfo>
<Etag>\"d5a491cd3d8d071e3212c3478e8e35a1\"</Etag>
<ImageInfo>
<Ave>0xc64847</Ave>
<Format>JPEG</Format>
<Height>417</Height>
<Orientation>0</Orientation>
<Quality>68</Quality>
<Width>500</Width>
</ImageInfo>
</OriginalInfo>
<ProcessResult>
<Etag/>
<Format>JPEG</Format>
<Height>500</Height>
<Quality>68</Quality>
<Size>24911</Size>
<Width>417</Width>
</ProcessResult>
</PicProcessResult>
<TemplateId>t10461fe2bd5a649db9022452ec71e0381</TemplateId>
<TemplateName>test</TemplateName>
<UserData>This is my PicProcess job.</UserData>
<JobLevel>0</JobLevel>
</Operation>
<QueueId>p2911917386e148639319e13c285cc774</QueueId>
<StartTime>2022-07-18T15:16:44+0800</StartTime>
<State>Success</State>
<Tag>PicProcess</Tag>
</JobsDetail>
</Response>";

/// A one-line documented example in the service's one-element-per-line style.
fn one_per_line(doc: &str) -> String {
    doc.replace("><", ">\n<")
}

fn dict(xml: &str) -> SdkValue {
    xml_to_dict(xml).expect("well-formed render")
}

/// The value at a path of nested dicts.
fn at<'a>(v: &'a SdkValue, path: &[&str]) -> &'a SdkValue {
    path.iter().fold(v, |v, key| {
        v.get(key)
            .unwrap_or_else(|| panic!("no `{key}` in {}", v.to_python_repr()))
    })
}

fn sample_result() -> PicProcessResult {
    PicProcessResult::from_parts(
        &PicJobSource {
            key: "input/deer.jpg".into(),
            location: "test-1234567890.cos.ap-chongqing.myqcloud.com/input/deer.jpg".into(),
            etag: "\"d5a491cd3d8d071e3212c3478e8e35a1\"".into(),
            image_info: Some(ImageInfo {
                format: "JPEG".into(),
                width: 500,
                height: 417,
                quality: Some(68),
                ave: Some("0xc64847".into()),
                orientation: Some(0),
                ..Default::default()
            }),
        },
        &PicJobProduct {
            key: "output/out.jpg".into(),
            location: "test-1234567890.cos.ap-chongqing.myqcloud.com/output/out.jpg".into(),
            etag: "\"0c1ac4b5b1e5c1d8e3f5a2b4c6d8e0f2\"".into(),
            format: "JPEG".into(),
            width: 417,
            height: 500,
            size: 24911,
            quality: 68,
        },
    )
}

#[test]
fn describe_doc_example_parses_and_renders_back_in_its_order() -> Result<(), ResultError> {
    let parsed = DescribePicJobsResponse::from_xml(DESCRIBE_DOC)?;
    assert_eq!(parsed.non_exist_job_ids, Vec::<String>::new());
    let job = &parsed.jobs_detail[0];
    assert_eq!(job.state, JobState::Submitted);
    assert_eq!(job.message, "");
    assert_eq!(job.start_time, UNSET_TIME);
    assert_eq!(job.input.bucket_id.as_deref(), Some("test-1234567890"));
    assert_eq!(job.operation.output.object, "output/out.jpg");
    assert_eq!(job.operation.job_level, Some(0));
    assert_eq!(parsed.to_xml(), one_per_line(DESCRIBE_DOC));
    Ok(())
}

#[test]
fn callback_doc_example_parses_and_renders_in_the_detail_order() -> Result<(), ResultError> {
    let cb = PicJobCallback::from_xml(CALLBACK_DOC)?;
    assert_eq!(cb.event_name, TASK_FINISH);
    let job = &cb.jobs_detail;
    assert_eq!(job.state, JobState::Success);
    assert_eq!(job.end_time, "2022-07-18T15:16:44+0800");
    let result = job
        .operation
        .pic_process_result
        .as_ref()
        .expect("the example has a result");
    assert_eq!(result.object_name, "output/out.jpg");
    assert_eq!(
        result.original_info.etag,
        "\"d5a491cd3d8d071e3212c3478e8e35a1\""
    );
    assert_eq!(
        result.original_info.image_info,
        Some(PicImageInfo {
            ave: "0xc64847".into(),
            format: "JPEG".into(),
            height: 417,
            orientation: 0,
            quality: 68,
            width: 500,
        })
    );
    assert_eq!(result.process_result.size, 24911);
    assert_eq!(result.process_result.etag, "");
    assert_eq!(result.upload_result, None);
    assert_eq!(
        cb.to_xml(),
        "<Response>\n<EventName>TaskFinish</EventName>\n<JobsDetail>\n<Code>Success</Code>\n\
         <Message/>\n<JobId>c93984788066911ed89ed352d4d9d2084</JobId>\n<State>Success</State>\n\
         <CreationTime>2022-07-18T15:16:43+0800</CreationTime>\n\
         <EndTime>2022-07-18T15:16:44+0800</EndTime>\n\
         <StartTime>2022-07-18T15:16:44+0800</StartTime>\n\
         <QueueId>p2911917386e148639319e13c285cc774</QueueId>\n<Tag>PicProcess</Tag>\n<Input>\n\
         <BucketId>test-1234567890</BucketId>\n<Object>input/deer.jpg</Object>\n\
         <Region>ap-chongqing</Region>\n</Input>\n<Operation>\n<Output>\n\
         <Bucket>test-1234567890</Bucket>\n<Object>output/out.jpg</Object>\n\
         <Region>ap-chongqing</Region>\n</Output>\n<PicProcessResult>\n\
         <ObjectName>output/out.jpg</ObjectName>\n<OriginalInfo>\n\
         <Etag>&quot;d5a491cd3d8d071e3212c3478e8e35a1&quot;</Etag>\n<ImageInfo>\n\
         <Ave>0xc64847</Ave>\n<Format>JPEG</Format>\n<Height>417</Height>\n\
         <Orientation>0</Orientation>\n<Quality>68</Quality>\n<Width>500</Width>\n\
         </ImageInfo>\n</OriginalInfo>\n<ProcessResult>\n<Etag/>\n<Format>JPEG</Format>\n\
         <Height>500</Height>\n<Quality>68</Quality>\n<Size>24911</Size>\n<Width>417</Width>\n\
         </ProcessResult>\n</PicProcessResult>\n\
         <TemplateId>t10461fe2bd5a649db9022452ec71e0381</TemplateId>\n\
         <TemplateName>test</TemplateName>\n<UserData>This is my PicProcess job.</UserData>\n\
         <JobLevel>0</JobLevel>\n</Operation>\n</JobsDetail>\n</Response>"
    );
    Ok(())
}

#[test]
fn create_request_from_each_sdk() -> Result<(), ResultError> {
    // What cos-python-sdk-v5 sends: xmltodict's declaration, then the user's dict order.
    let python = CreatePicJobsRequest::from_xml(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request><Tag>PicProcess</Tag>\
         <Input><Object>input/deer.jpg</Object></Input><Operation><PicProcess>\
         <IsPicInfo>true</IsPicInfo><ProcessRule>imageMogr2/format/png</ProcessRule>\
         </PicProcess><Output><Region>ap-chongqing</Region><Bucket>test-1234567890</Bucket>\
         <Object>output/out.png</Object></Output><UserData>free text</UserData>\
         <JobLevel>2</JobLevel></Operation><QueueId>p2911917386e148639319e13c285cc774</QueueId>\
         <CallBack>http://127.0.0.1:9/cb</CallBack><CallBackFormat>JSON</CallBackFormat>\
         <CallBackType>Url</CallBackType></Request>",
    )?;
    let expected = CreatePicJobsRequest {
        tag: PIC_PROCESS_TAG.into(),
        input: JobInput {
            object: "input/deer.jpg".into(),
            ..Default::default()
        },
        operation: PicJobRequestOperation {
            template_id: None,
            pic_process: Some(PicProcess {
                is_pic_info: Some("true".into()),
                process_rule: "imageMogr2/format/png".into(),
            }),
            output: JobOutput {
                region: "ap-chongqing".into(),
                bucket: "test-1234567890".into(),
                object: "output/out.png".into(),
            },
            user_data: Some("free text".into()),
            job_level: Some(2),
        },
        queue_id: "p2911917386e148639319e13c285cc774".into(),
        call_back: Some("http://127.0.0.1:9/cb".into()),
        call_back_format: Some("JSON".into()),
        call_back_type: Some("Url".into()),
        call_back_mq_config: None,
    };
    assert_eq!(python, expected);
    // Go's encoding/xml: no declaration, omitempty fields left out, template instead.
    let go = CreatePicJobsRequest::from_xml(
        "<Request><Tag>PicProcess</Tag><Input><Object>a.jpg</Object></Input><Operation>\
         <TemplateId>t1</TemplateId><Output><Region>r</Region><Bucket>b-1</Bucket>\
         <Object>o.jpg</Object></Output></Operation><QueueId>p1</QueueId></Request>",
    )?;
    assert_eq!(go.operation.template_id.as_deref(), Some("t1"));
    assert_eq!(go.operation.pic_process, None);
    assert_eq!(go.operation.job_level, None);
    assert_eq!(go.call_back, None);
    assert_eq!(
        expected.to_xml(),
        "<Request>\n<Tag>PicProcess</Tag>\n<Input>\n<Object>input/deer.jpg</Object>\n</Input>\n\
         <Operation>\n<PicProcess>\n<IsPicInfo>true</IsPicInfo>\n\
         <ProcessRule>imageMogr2/format/png</ProcessRule>\n</PicProcess>\n<Output>\n\
         <Region>ap-chongqing</Region>\n<Bucket>test-1234567890</Bucket>\n\
         <Object>output/out.png</Object>\n</Output>\n<UserData>free text</UserData>\n\
         <JobLevel>2</JobLevel>\n</Operation>\n\
         <QueueId>p2911917386e148639319e13c285cc774</QueueId>\n\
         <CallBack>http://127.0.0.1:9/cb</CallBack>\n<CallBackFormat>JSON</CallBackFormat>\n\
         <CallBackType>Url</CallBackType>\n</Request>"
    );
    assert_eq!(
        CreatePicJobsRequest::from_xml(&expected.to_xml())?,
        expected
    );
    // IsPicInfo as the service reads it.
    for (value, yes) in [
        ("true", true),
        ("True", true),
        ("1", true),
        ("false", false),
    ] {
        let p = PicProcess {
            is_pic_info: Some(value.into()),
            process_rule: String::new(),
        };
        assert_eq!(p.wants_pic_info(), yes, "{value}");
    }
    assert!(!PicProcess::default().wants_pic_info());
    Ok(())
}

#[test]
fn create_request_refusals() {
    assert!(matches!(
        CreatePicJobsRequest::from_xml("<Response/>"),
        Err(ResultError::UnexpectedRoot {
            expected: "Request",
            ..
        })
    ));
    assert!(matches!(
        CreatePicJobsRequest::from_xml(
            "<Request><Operation><JobLevel>high</JobLevel></Operation></Request>"
        ),
        Err(ResultError::XmlShape { .. })
    ));
    assert!(CreatePicJobsRequest::from_xml("").is_err());
    assert!(CreatePicJobsRequest::from_xml("<Request>").is_err());
}

#[test]
fn pic_process_result_has_both_shapes() -> Result<(), ResultError> {
    let result = sample_result();
    let xml = result.to_xml();
    assert_eq!(
        xml,
        "<PicProcessResult>\n<ObjectName>output/out.jpg</ObjectName>\n<OriginalInfo>\n\
         <Etag>&quot;d5a491cd3d8d071e3212c3478e8e35a1&quot;</Etag>\n<ImageInfo>\n\
         <Ave>0xc64847</Ave>\n<Format>JPEG</Format>\n<Height>417</Height>\n\
         <Orientation>0</Orientation>\n<Quality>68</Quality>\n<Width>500</Width>\n</ImageInfo>\n\
         </OriginalInfo>\n<ProcessResult>\n\
         <Etag>&quot;0c1ac4b5b1e5c1d8e3f5a2b4c6d8e0f2&quot;</Etag>\n<Format>JPEG</Format>\n\
         <Height>500</Height>\n<Quality>68</Quality>\n<Size>24911</Size>\n<Width>417</Width>\n\
         </ProcessResult>\n<UploadResult>\n<OriginalInfo>\n<Key>input/deer.jpg</Key>\n\
         <Location>test-1234567890.cos.ap-chongqing.myqcloud.com/input/deer.jpg</Location>\n\
         <ETag>&quot;d5a491cd3d8d071e3212c3478e8e35a1&quot;</ETag>\n<ImageInfo>\n\
         <Format>JPEG</Format>\n<Width>500</Width>\n<Height>417</Height>\n<Quality>68</Quality>\n\
         <Ave>0xc64847</Ave>\n<Orientation>0</Orientation>\n</ImageInfo>\n</OriginalInfo>\n\
         <ProcessResults>\n<Object>\n<Key>output/out.jpg</Key>\n\
         <Location>test-1234567890.cos.ap-chongqing.myqcloud.com/output/out.jpg</Location>\n\
         <Format>JPEG</Format>\n<Width>417</Width>\n<Height>500</Height>\n<Size>24911</Size>\n\
         <Quality>68</Quality>\n<Etag>&quot;0c1ac4b5b1e5c1d8e3f5a2b4c6d8e0f2&quot;</Etag>\n\
         </Object>\n</ProcessResults>\n</UploadResult>\n</PicProcessResult>"
    );
    assert_eq!(PicProcessResult::from_xml(&xml)?, result);
    // Without IsPicInfo, no ImageInfo in either shape.
    let plain = PicProcessResult::from_parts(
        &PicJobSource {
            image_info: None,
            ..Default::default()
        },
        &PicJobProduct::default(),
    );
    assert!(!plain.to_xml().contains("ImageInfo"));
    Ok(())
}

#[test]
fn job_detail_renders_decode_as_each_sdk_reads_them() -> Result<(), ResultError> {
    let mut detail = DescribePicJobsResponse::from_xml(DESCRIBE_DOC)?.jobs_detail[0].clone();
    detail.state = JobState::Success;
    detail.operation.pic_process_result = Some(sample_result());
    let body = DescribePicJobsResponse {
        jobs_detail: vec![detail],
        non_exist_job_ids: vec![],
    }
    .to_xml();
    let py = dict(&body);
    // Python: the root is dropped; one JobsDetail is a dict (the SDK then wraps it in a
    // list with format_dict); leaves are strings, `<Message/>` is None.
    assert_eq!(at(&py, &["JobsDetail", "State"]).as_str(), Some("Success"));
    assert_eq!(at(&py, &["JobsDetail", "Message"]), &SdkValue::None);
    assert_eq!(
        at(&py, &["JobsDetail", "Operation", "JobLevel"]).as_str(),
        Some("0")
    );
    let documented = at(&py, &["JobsDetail", "Operation", "PicProcessResult"]);
    assert_eq!(
        at(documented, &["OriginalInfo", "ImageInfo", "Width"]).as_str(),
        Some("500")
    );
    assert_eq!(
        at(documented, &["ProcessResult", "Size"]).as_str(),
        Some("24911")
    );
    // Go: the paths of cos-go-sdk-v5's PicProcessResult struct, integers as integer text.
    let go = at(documented, &["UploadResult"]);
    assert_eq!(
        at(go, &["OriginalInfo", "ETag"]).as_str(),
        Some("\"d5a491cd3d8d071e3212c3478e8e35a1\"")
    );
    assert_eq!(
        at(go, &["OriginalInfo", "ImageInfo", "Quality"]).as_str(),
        Some("68")
    );
    assert_eq!(
        at(go, &["ProcessResults", "Object", "Etag"]).as_str(),
        Some("\"0c1ac4b5b1e5c1d8e3f5a2b4c6d8e0f2\"")
    );
    assert_eq!(
        at(go, &["ProcessResults", "Object", "Size"]).as_str(),
        Some("24911")
    );
    assert!(body.starts_with("<Response>\n<JobsDetail>\n"));
    Ok(())
}

#[test]
fn describe_jobs_unknown_ids_one_element_each() -> Result<(), ResultError> {
    let one = DescribePicJobsResponse {
        jobs_detail: vec![],
        non_exist_job_ids: vec!["c0".into()],
    };
    assert_eq!(
        one.to_xml(),
        "<Response>\n<NonExistJobIds>c0</NonExistJobIds>\n</Response>"
    );
    // Python: a string for one, a list for several (as wire-ci.md §B7 observed).
    assert_eq!(
        dict(&one.to_xml()).to_python_repr(),
        "{'NonExistJobIds': 'c0'}"
    );
    let two = DescribePicJobsResponse {
        jobs_detail: vec![],
        non_exist_job_ids: vec!["c0".into(), "c1".into()],
    };
    assert_eq!(
        dict(&two.to_xml()).to_python_repr(),
        "{'NonExistJobIds': ['c0', 'c1']}"
    );
    assert_eq!(DescribePicJobsResponse::from_xml(&two.to_xml())?, two);
    Ok(())
}

#[test]
fn list_jobs_next_token() -> Result<(), ResultError> {
    let last = ListPicJobsResponse::default();
    assert_eq!(last.to_xml(), "<Response>\n<NextToken/>\n</Response>");
    // No JobsDetail key at all, and None for the empty token.
    assert_eq!(dict(&last.to_xml()).to_python_repr(), "{'NextToken': None}");
    let job = DescribePicJobsResponse::from_xml(DESCRIBE_DOC)?.jobs_detail[0].clone();
    let page = ListPicJobsResponse {
        jobs_detail: vec![job.clone(), job],
        next_token: "0000000000000002".into(),
    };
    let xml = page.to_xml();
    assert!(xml.ends_with("</JobsDetail>\n<NextToken>0000000000000002</NextToken>\n</Response>"));
    let py = dict(&xml);
    assert!(matches!(py.get("JobsDetail"), Some(SdkValue::List(items)) if items.len() == 2));
    assert_eq!(ListPicJobsResponse::from_xml(&xml)?, page);
    Ok(())
}

#[test]
fn queues_describe_doc_example_and_update() -> Result<(), ResultError> {
    let doc = "<Response><RequestId>NjJmMWQ1NmFfOTBmYTUwNjRfNjVl</RequestId><TotalCount>1</TotalCount><PageNumber>1</PageNumber><PageSize>10</PageSize><QueueList><QueueId>p8366c460c67b4c65a9bf81b41eaa3c4b</QueueId><Name>queue-pic-process-1</Name><State>Active</State><NotifyConfig><Url>http://cb</Url><Event>TaskFinish,WorkflowFinish</Event><Type>Url</Type><State>On</State><ResultFormat>JSON</ResultFormat></NotifyConfig><MaxSize>10000</MaxSize><MaxConcurrent>10</MaxConcurrent><UpdateTime>2022-08-09T16:23:11+0800</UpdateTime><CreateTime>2022-08-09T16:23:11+0800</CreateTime><Category>PicProcessing</Category></QueueList><NonExistPIDs>pX</NonExistPIDs></Response>";
    let parsed = DescribePicQueuesResponse::from_xml(doc)?;
    assert_eq!(parsed.total_count, 1);
    let queue = &parsed.queue_list[0];
    assert_eq!(queue.max_concurrent, 10);
    assert_eq!(queue.notify_config.kind.as_deref(), Some("Url"));
    assert_eq!(queue.notify_config.result_format.as_deref(), Some("JSON"));
    assert_eq!(parsed.non_exist_pids, vec!["pX".to_owned()]);
    assert_eq!(parsed.to_xml(), one_per_line(doc));
    // Python forces QueueList to a list; Go needs integer text for the counts.
    let py = dict(&parsed.to_xml());
    assert_eq!(at(&py, &["QueueList", "MaxSize"]).as_str(), Some("10000"));
    assert_eq!(at(&py, &["PageSize"]).as_str(), Some("10"));

    // The update body of the docs (and of Python's `Request` dict).
    let update = UpdatePicQueueRequest::from_xml(
        "<Request><Name>My-Queue-Pic</Name><QueueID>p8366c460c67b4c65a9bf81b41eaa3c4b</QueueID>\
         <State>Paused</State><NotifyConfig><Url>http://cb</Url><Type>Url</Type>\
         <Event>TaskFinish</Event><State>On</State><ResultFormat>XML</ResultFormat>\
         </NotifyConfig></Request>",
    )?;
    assert_eq!(update.name.as_deref(), Some("My-Queue-Pic"));
    assert_eq!(update.state.as_deref(), Some("Paused"));
    let notify = update.notify_config.as_ref().expect("NotifyConfig");
    assert_eq!(notify.event.as_deref(), Some("TaskFinish"));
    assert_eq!(UpdatePicQueueRequest::from_xml(&update.to_xml())?, update);
    assert_eq!(
        UpdatePicQueueRequest {
            name: Some("n".into()),
            state: Some("Active".into()),
            ..Default::default()
        }
        .to_xml(),
        "<Request>\n<Name>n</Name>\n<State>Active</State>\n</Request>"
    );

    let answer = UpdatePicQueueResponse {
        request_id: "r1".into(),
        queue: queue.clone(),
    };
    let xml = answer.to_xml();
    assert!(xml.starts_with(
        "<Response>\n<RequestId>r1</RequestId>\n<Queue>\n\
         <QueueId>p8366c460c67b4c65a9bf81b41eaa3c4b</QueueId>\n<Name>queue-pic-process-1</Name>\n"
    ));
    assert_eq!(UpdatePicQueueResponse::from_xml(&xml)?, answer);
    assert_eq!(
        at(&dict(&xml), &["Queue", "NotifyConfig", "Url"]).as_str(),
        Some("http://cb")
    );
    Ok(())
}

#[test]
fn pic_bucket_documents() -> Result<(), ResultError> {
    let bucket = PicBucket {
        bucket_id: "test-1234567890".into(),
        name: "test-1234567890".into(),
        region: "ap-guangzhou".into(),
        create_time: "2022-08-09T16:23:11+0800".into(),
    };
    let open = OpenPicBucketResponse {
        request_id: "id".into(),
        pic_bucket: bucket.clone(),
    };
    assert_eq!(
        open.to_xml(),
        "<Response>\n<RequestId>id</RequestId>\n<PicBucket>\n<BucketId>test-1234567890</BucketId>\n\
         <Name>test-1234567890</Name>\n<Region>ap-guangzhou</Region>\n\
         <CreateTime>2022-08-09T16:23:11+0800</CreateTime>\n</PicBucket>\n</Response>"
    );
    assert_eq!(OpenPicBucketResponse::from_xml(&open.to_xml())?, open);
    assert_eq!(
        dict(&open.to_xml()).to_python_repr(),
        "{'RequestId': 'id', 'PicBucket': {'BucketId': 'test-1234567890', \
         'Name': 'test-1234567890', 'Region': 'ap-guangzhou', \
         'CreateTime': '2022-08-09T16:23:11+0800'}}"
    );

    let list = DescribePicBucketsResponse {
        request_id: "id".into(),
        total_count: 2,
        page_number: 1,
        page_size: 10,
        pic_bucket_list: vec![bucket.clone(), bucket],
    };
    let xml = list.to_xml();
    assert!(xml.starts_with(
        "<Response>\n<RequestId>id</RequestId>\n<TotalCount>2</TotalCount>\n\
         <PageNumber>1</PageNumber>\n<PageSize>10</PageSize>\n<PicBucketList>\n"
    ));
    assert!(
        matches!(dict(&xml).get("PicBucketList"), Some(SdkValue::List(items)) if items.len() == 2)
    );
    assert_eq!(DescribePicBucketsResponse::from_xml(&xml)?, list);

    let close = ClosePicBucketResponse {
        request_id: "id".into(),
        bucket_name: "test-1234567890".into(),
    };
    assert_eq!(
        close.to_xml(),
        "<Response>\n<RequestId>id</RequestId>\n<BucketName>test-1234567890</BucketName>\n</Response>"
    );
    assert_eq!(ClosePicBucketResponse::from_xml(&close.to_xml())?, close);
    Ok(())
}

#[test]
fn callback_json_form() -> Result<(), Box<dyn std::error::Error>> {
    let job = DescribePicJobsResponse::from_xml(DESCRIBE_DOC)?.jobs_detail[0].clone();
    let cb = PicJobCallback::task_finish(job);
    let json = cb.to_json();
    assert_eq!(
        json,
        "{\"EventName\":\"TaskFinish\",\"JobsDetail\":{\"Code\":\"Success\",\"Message\":\"\",\
         \"JobId\":\"c93984788066911ed89ed352d4d9d2084\",\"State\":\"Submitted\",\
         \"CreationTime\":\"2022-07-18T15:16:43+0800\",\"EndTime\":\"-\",\"StartTime\":\"-\",\
         \"QueueId\":\"p2911917386e148639319e13c285cc774\",\"Tag\":\"PicProcess\",\
         \"Input\":{\"BucketId\":\"test-1234567890\",\"Object\":\"input/deer.jpg\",\
         \"Region\":\"ap-chongqing\"},\"Operation\":{\"Output\":{\"Bucket\":\"test-1234567890\",\
         \"Object\":\"output/out.jpg\",\"Region\":\"ap-chongqing\"},\
         \"TemplateId\":\"t10461fe2bd5a649db9022452ec71e0381\",\"TemplateName\":\"test\",\
         \"UserData\":\"This is my data.\",\"JobLevel\":0}}}"
    );
    assert_eq!(PicJobCallback::from_json(&json)?, cb);
    assert_eq!(PicJobCallback::from_xml(&cb.to_xml())?, cb);
    assert_eq!(
        at(&cb.to_sdk_dict(), &["EventName"]).as_str(),
        Some("TaskFinish")
    );
    assert!(PicJobCallback::from_json("{\"EventName\":1}").is_err());
    Ok(())
}

#[test]
fn job_state_names() {
    for state in JobState::ALL {
        assert_eq!(state.as_str().parse::<JobState>(), Ok(state));
    }
    assert_eq!(
        "All".parse::<JobState>(),
        Err(UnknownJobState("All".into()))
    );
    assert!(JobState::Cancel.is_final() && !JobState::Running.is_final());
    assert!(matches!(
        DescribePicJobsResponse::from_xml(
            "<Response><JobsDetail><JobId>c</JobId><State>Done</State></JobsDetail></Response>"
        ),
        Err(ResultError::XmlShape { .. })
    ));
}

#[test]
fn every_parser_is_depth_bounded() {
    let deep = |root: &str| {
        format!(
            "<{root}>{}{}</{root}>",
            "<Unknown>".repeat(40_000),
            "</Unknown>".repeat(40_000)
        )
    };
    assert!(CreatePicJobsRequest::from_xml(&deep("Request")).is_err());
    assert!(UpdatePicQueueRequest::from_xml(&deep("Request")).is_err());
    assert!(CreatePicJobsResponse::from_xml(&deep("Response")).is_err());
    assert!(DescribePicJobsResponse::from_xml(&deep("Response")).is_err());
    assert!(ListPicJobsResponse::from_xml(&deep("Response")).is_err());
    assert!(DescribePicQueuesResponse::from_xml(&deep("Response")).is_err());
    assert!(UpdatePicQueueResponse::from_xml(&deep("Response")).is_err());
    assert!(OpenPicBucketResponse::from_xml(&deep("Response")).is_err());
    assert!(DescribePicBucketsResponse::from_xml(&deep("Response")).is_err());
    assert!(ClosePicBucketResponse::from_xml(&deep("Response")).is_err());
    assert!(PicJobCallback::from_xml(&deep("Response")).is_err());
    assert!(PicProcessResult::from_xml(&deep("PicProcessResult")).is_err());
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(PicJobCallback::from_json(&json).is_err());
}

#[test]
fn create_response_round_trip() -> Result<(), ResultError> {
    let job = DescribePicJobsResponse::from_xml(DESCRIBE_DOC)?.jobs_detail[0].clone();
    let answer = CreatePicJobsResponse { jobs_detail: job };
    let xml = answer.to_xml();
    assert_eq!(xml, one_per_line(DESCRIBE_DOC));
    assert_eq!(CreatePicJobsResponse::from_xml(&xml)?, answer);
    Ok(())
}
