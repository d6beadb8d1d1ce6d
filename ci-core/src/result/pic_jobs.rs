//! Asynchronous image processing on the wire: pic buckets (`/picbucket`), pic queues
//! (`/picqueue`), pic jobs (`/pic_jobs`) and the job-end callback body.
//!
//! Element names and orders follow CI's API reference examples and what
//! cos-python-sdk-v5 1.9.44 and cos-go-sdk-v5 v0.7.75 send and read
//! (`../shared/spec/wire-ci.md` §B). Decisions where the sources disagree or are silent:
//!
//! * [`JobsDetail`] children are written in the order of the DescribePicJob example
//!   (`Code, Message, JobId, State, CreationTime, EndTime, StartTime, QueueId, Tag, Input,
//!   Operation`); its `Operation` and `Output` in the order of the 2022 examples (`Output`
//!   first; `Bucket, Object, Region`). Requests keep the request examples' order
//!   (`TemplateId, PicProcess, Output{Region, Bucket, Object}, UserData, JobLevel`).
//!   Parsers accept any order.
//! * Times are text: `YYYY-MM-DDTHH:MM:SS+0800` (offset without colon), `-` while unset.
//! * [`PicProcessResult`] carries the documented children (`ObjectName`,
//!   `OriginalInfo{Etag, ImageInfo}`, `ProcessResult{Etag, Format, ...}`) **and** an
//!   `UploadResult` child in the shape cos-go-sdk-v5's `PicProcessResult` struct decodes
//!   (`OriginalInfo{Key, Location, ETag, ImageInfo}`, `ProcessResults>Object{..., Etag}`:
//!   Go spells the object's tag `Etag`), so Go users get values instead of zeros. The
//!   result's `Etag` holds the result object's ETag (the doc sample shows it empty).
//! * `NonExistJobIds` and `NonExistPIDs`: one element per unknown id.
//! * `NextToken` is always written; `<NextToken/>` on the last page.
//! * The JSON callback body (`CallBackFormat=JSON` or a queue's `ResultFormat=JSON`) is the
//!   same tree as a JSON object, `{"EventName":"TaskFinish","JobsDetail":{...}}`, keys as
//!   the XML element names, integers as JSON numbers, absent elements absent
//!   ([`PicJobCallback::to_json`]).
//!
//! Integers are written as integer text, as Go's `int` fields need.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{xml, xml_to_dict, ImageInfo, ResultError, SdkValue};

/// The only job tag of `/pic_jobs`.
pub const PIC_PROCESS_TAG: &str = "PicProcess";

/// `Time` elements' value while the moment has not come (`<StartTime>-</StartTime>`).
pub const UNSET_TIME: &str = "-";

/// A job's state (`<State>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobState {
    /// Accepted, waiting for a worker (also while its queue is paused).
    Submitted,
    /// A worker is processing it.
    Running,
    /// Ended with a result.
    Success,
    /// Ended with an error `Code` and `Message`.
    Failed,
    /// Paused (listed by the cloud's filters; see the engine's docs for when it occurs).
    Pause,
    /// Cancelled before it ran.
    Cancel,
}

impl JobState {
    /// Every state, in the documented order.
    pub const ALL: [JobState; 6] = [
        JobState::Submitted,
        JobState::Running,
        JobState::Success,
        JobState::Failed,
        JobState::Pause,
        JobState::Cancel,
    ];

    /// The wire name (`Submitted`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Submitted => "Submitted",
            JobState::Running => "Running",
            JobState::Success => "Success",
            JobState::Failed => "Failed",
            JobState::Pause => "Pause",
            JobState::Cancel => "Cancel",
        }
    }

    /// Whether the job has ended (`Success`, `Failed`, `Cancel`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Success | JobState::Failed | JobState::Cancel
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`JobState::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job state `{0}` (expected Submitted, Running, Success, Failed, Pause or Cancel)")]
pub struct UnknownJobState(pub String);

impl FromStr for JobState {
    type Err = UnknownJobState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownJobState(s.to_owned()))
    }
}

/// `<Input>`: the source object. Requests carry only `Object`; job details add the
/// bucket and region.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobInput {
    /// Bucket of the source, `<name>-<appid>` (job details only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_id: Option<String>,
    /// Source key in the job's bucket.
    #[serde(default)]
    pub object: String,
    /// Region of the source (job details only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `<PicProcess>`: the rule to apply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicProcess {
    /// `true` | `false` (default false): whether the result carries the source's
    /// `ImageInfo`. Kept as sent; see [`PicProcess::wants_pic_info`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pic_info: Option<String>,
    /// The processing rule (`imageMogr2/...`, `style/<name>`, ...).
    #[serde(default)]
    pub process_rule: String,
}

impl PicProcess {
    /// `IsPicInfo` read as the service does: `true` (any case) or `1` mean yes.
    pub fn wants_pic_info(&self) -> bool {
        self.is_pic_info
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }
}

/// `<Output>` of a request: `Region, Bucket, Object`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobOutput {
    /// Region of the destination bucket.
    #[serde(default)]
    pub region: String,
    /// Destination bucket, `<name>-<appid>`.
    #[serde(default)]
    pub bucket: String,
    /// Destination key.
    #[serde(default)]
    pub object: String,
}

/// `<Output>` of a job detail: `Bucket, Object, Region` (the 2022 examples' order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobsDetailOutput {
    /// Destination bucket.
    #[serde(default)]
    pub bucket: String,
    /// Destination key.
    #[serde(default)]
    pub object: String,
    /// Region of the destination bucket.
    #[serde(default)]
    pub region: String,
}

impl From<&JobOutput> for JobsDetailOutput {
    fn from(o: &JobOutput) -> Self {
        JobsDetailOutput {
            bucket: o.bucket.clone(),
            object: o.object.clone(),
            region: o.region.clone(),
        }
    }
}

/// `<CallBackMqConfig>`: where a TDMQ callback goes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallBackMqConfig {
    /// `Queue` or `Topic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_mode: Option<String>,
    /// TDMQ region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_region: Option<String>,
    /// TDMQ queue or topic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_name: Option<String>,
}

/// `<Operation>` of a create-job request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicJobRequestOperation {
    /// A template (a style, in cos-ci) instead of `PicProcess`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// The rule, when no template is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_process: Option<PicProcess>,
    /// Where the result goes.
    #[serde(default)]
    pub output: JobOutput,
    /// Free text echoed in the job's details and callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// Priority `0..=2`, larger first; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_level: Option<u32>,
}

/// The create-job request, `POST /pic_jobs` (root `<Request>`).
///
/// ```
/// use ci_core::result::CreatePicJobsRequest;
///
/// let req = CreatePicJobsRequest::from_xml(
///     "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Request><Tag>PicProcess</Tag>\
///      <Input><Object>in.jpg</Object></Input><Operation><PicProcess>\
///      <IsPicInfo>true</IsPicInfo><ProcessRule>imageMogr2/format/png</ProcessRule>\
///      </PicProcess><Output><Region>ap-guangzhou</Region><Bucket>b-1250000000</Bucket>\
///      <Object>out.png</Object></Output></Operation><QueueId>p1</QueueId></Request>",
/// )?;
/// assert_eq!(req.input.object, "in.jpg");
/// assert!(req.operation.pic_process.as_ref().is_some_and(|p| p.wants_pic_info()));
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Request", rename_all = "PascalCase")]
pub struct CreatePicJobsRequest {
    /// `PicProcess`.
    #[serde(default)]
    pub tag: String,
    /// The source object.
    #[serde(default)]
    pub input: JobInput,
    /// What to do and where the result goes.
    #[serde(default)]
    pub operation: PicJobRequestOperation,
    /// The bucket's pic queue.
    #[serde(default)]
    pub queue_id: String,
    /// Callback URL, overriding the queue's; `no` suppresses the queue's callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_back: Option<String>,
    /// `XML` (default) or `JSON`, overriding the queue's `ResultFormat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_back_format: Option<String>,
    /// `Url` (default) or `TDMQ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_back_type: Option<String>,
    /// TDMQ target when `CallBackType` is `TDMQ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_back_mq_config: Option<CallBackMqConfig>,
}

impl CreatePicJobsRequest {
    /// Parses a `<Request>` body (Python's `xmltodict` output with its declaration, or
    /// Go's `encoding/xml`). Unknown elements are ignored; missing ones stay empty for the
    /// engine to report.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Request")
    }

    /// Serialises in the order Tag, Input, Operation{TemplateId, PicProcess, Output,
    /// UserData, JobLevel}, QueueId, CallBack, CallBackFormat, CallBackType,
    /// CallBackMqConfig (absent options omitted).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Request")
    }
}

/// `<OriginalInfo>` of a documented [`PicProcessResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicOriginalInfo {
    /// The source's ETag, quotes included (the docs spell the element `Etag`).
    #[serde(rename = "Etag", default)]
    pub etag: String,
    /// The source's facts; present when the job asked `IsPicInfo=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_info: Option<PicImageInfo>,
}

/// `<ImageInfo>` of a [`PicOriginalInfo`], children in the documented (alphabetical)
/// order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicImageInfo {
    /// Mean colour, `0xrrggbb`.
    #[serde(default)]
    pub ave: String,
    /// Upper-case format name (`JPEG`).
    pub format: String,
    /// Height in pixels.
    pub height: u32,
    /// EXIF orientation, 0 when none.
    #[serde(default)]
    pub orientation: u32,
    /// Estimated quality.
    #[serde(default)]
    pub quality: u32,
    /// Width in pixels.
    pub width: u32,
}

/// `<ProcessResult>` of a documented [`PicProcessResult`]: the stored result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicResultInfo {
    /// The result's ETag, quotes included.
    #[serde(rename = "Etag", default)]
    pub etag: String,
    /// Format of the result (`JPEG`).
    #[serde(default)]
    pub format: String,
    /// Height in pixels.
    #[serde(default)]
    pub height: u32,
    /// Quality the rule resolved to.
    #[serde(default)]
    pub quality: u32,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Width in pixels.
    #[serde(default)]
    pub width: u32,
}

/// `<UploadResult>` inside `<PicProcessResult>`: the shape cos-go-sdk-v5 decodes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicUploadResult {
    /// The source.
    #[serde(default)]
    pub original_info: PicUploadOriginal,
    /// The one result (`<ProcessResults><Object>`).
    #[serde(default)]
    pub process_results: PicUploadObjects,
}

/// `<OriginalInfo>` of a [`PicUploadResult`] (Go: `Key, Location, ETag, ImageInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicUploadOriginal {
    /// Source key.
    #[serde(default)]
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    #[serde(default)]
    pub location: String,
    /// Source ETag, quotes included.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// Source facts, when the job asked `IsPicInfo=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_info: Option<PicUploadImageInfo>,
}

/// `<ImageInfo>` of a [`PicUploadOriginal`], in Go's field order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicUploadImageInfo {
    /// Upper-case format name.
    #[serde(default)]
    pub format: String,
    /// Width in pixels.
    #[serde(default)]
    pub width: u32,
    /// Height in pixels.
    #[serde(default)]
    pub height: u32,
    /// Estimated quality.
    #[serde(default)]
    pub quality: u32,
    /// Mean colour, `0xrrggbb`.
    #[serde(default)]
    pub ave: String,
    /// EXIF orientation.
    #[serde(default)]
    pub orientation: u32,
}

/// `<ProcessResults>` of a [`PicUploadResult`]: one `<Object>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PicUploadObjects {
    /// The stored result.
    #[serde(rename = "Object", default)]
    pub object: PicUploadObject,
}

/// `<Object>` of [`PicUploadObjects`] (Go: `Key, Location, Format, Width, Height, Size,
/// Quality, Etag`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicUploadObject {
    /// Result key.
    #[serde(default)]
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    #[serde(default)]
    pub location: String,
    /// Format of the result.
    #[serde(default)]
    pub format: String,
    /// Width in pixels.
    #[serde(default)]
    pub width: u32,
    /// Height in pixels.
    #[serde(default)]
    pub height: u32,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Quality the rule resolved to.
    #[serde(default)]
    pub quality: u32,
    /// Result ETag, quotes included (Go reads `Etag` here).
    #[serde(rename = "Etag", default)]
    pub etag: String,
}

/// `<PicProcessResult>`: what a successful job produced.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicProcessResult {
    /// The result's key.
    #[serde(default)]
    pub object_name: String,
    /// The source.
    #[serde(default)]
    pub original_info: PicOriginalInfo,
    /// The stored result.
    #[serde(default)]
    pub process_result: PicResultInfo,
    /// The same facts in cos-go-sdk-v5's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_result: Option<PicUploadResult>,
}

/// The source of a job as a processor saw it, to build a [`PicProcessResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PicJobSource {
    /// Source key.
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    pub location: String,
    /// Source ETag, quotes included.
    pub etag: String,
    /// Source facts, `Some` when the job asked `IsPicInfo=true`.
    pub image_info: Option<ImageInfo>,
}

/// The stored result of a job, to build a [`PicProcessResult`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PicJobProduct {
    /// Result key.
    pub key: String,
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    pub location: String,
    /// Result ETag, quotes included.
    pub etag: String,
    /// Format of the result (`JPEG`).
    pub format: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub size: u64,
    /// Quality the rule resolved to.
    pub quality: u32,
}

impl PicProcessResult {
    /// Both shapes (documented and Go's) from one source and one product.
    pub fn from_parts(source: &PicJobSource, product: &PicJobProduct) -> Self {
        let info = source.image_info.as_ref();
        PicProcessResult {
            object_name: product.key.clone(),
            original_info: PicOriginalInfo {
                etag: source.etag.clone(),
                image_info: info.map(|i| PicImageInfo {
                    ave: i.ave.clone().unwrap_or_default(),
                    format: i.format.clone(),
                    height: i.height,
                    orientation: i.orientation.unwrap_or(0),
                    quality: i.quality.unwrap_or(100),
                    width: i.width,
                }),
            },
            process_result: PicResultInfo {
                etag: product.etag.clone(),
                format: product.format.clone(),
                height: product.height,
                quality: product.quality,
                size: product.size,
                width: product.width,
            },
            upload_result: Some(PicUploadResult {
                original_info: PicUploadOriginal {
                    key: source.key.clone(),
                    location: source.location.clone(),
                    etag: source.etag.clone(),
                    image_info: info.map(|i| PicUploadImageInfo {
                        format: i.format.clone(),
                        width: i.width,
                        height: i.height,
                        quality: i.quality.unwrap_or(100),
                        ave: i.ave.clone().unwrap_or_default(),
                        orientation: i.orientation.unwrap_or(0),
                    }),
                },
                process_results: PicUploadObjects {
                    object: PicUploadObject {
                        key: product.key.clone(),
                        location: product.location.clone(),
                        format: product.format.clone(),
                        width: product.width,
                        height: product.height,
                        size: product.size,
                        quality: product.quality,
                        etag: product.etag.clone(),
                    },
                },
            }),
        }
    }

    /// Parses a standalone `<PicProcessResult>` element (how the engine stores results).
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "PicProcessResult")
    }

    /// Serialises as a standalone `<PicProcessResult>` element.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "PicProcessResult")
    }
}

/// `<Operation>` of a [`JobsDetail`]: the request's operation plus the result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobsDetailOperation {
    /// Where the result goes.
    #[serde(default)]
    pub output: JobsDetailOutput,
    /// The rule, when the request named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_process: Option<PicProcess>,
    /// The result, once `Success`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_process_result: Option<PicProcessResult>,
    /// The template, when the request named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// The template's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    /// The request's `UserData`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// The job's priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_level: Option<u32>,
}

impl JobsDetailOperation {
    /// The detail's view of a request's operation (no result yet).
    pub fn from_request(op: &PicJobRequestOperation) -> Self {
        JobsDetailOperation {
            output: JobsDetailOutput::from(&op.output),
            pic_process: op.pic_process.clone(),
            pic_process_result: None,
            template_id: op.template_id.clone(),
            template_name: None,
            user_data: op.user_data.clone(),
            job_level: Some(op.job_level.unwrap_or(0)),
        }
    }
}

/// `<JobsDetail>`: one job as create, get, list and the callback show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobsDetail {
    /// `Success`, or the error code of a `Failed` job.
    #[serde(default)]
    pub code: String,
    /// Empty, or the error text.
    #[serde(default)]
    pub message: String,
    /// `c` + 32 hex digits.
    pub job_id: String,
    /// The state.
    pub state: JobState,
    /// `YYYY-MM-DDTHH:MM:SS+0800`.
    #[serde(default = "unset_time")]
    pub creation_time: String,
    /// `-` until the job ends.
    #[serde(default = "unset_time")]
    pub end_time: String,
    /// `-` until the job starts.
    #[serde(default = "unset_time")]
    pub start_time: String,
    /// The job's queue.
    #[serde(default)]
    pub queue_id: String,
    /// `PicProcess`.
    #[serde(default)]
    pub tag: String,
    /// The source.
    #[serde(default)]
    pub input: JobInput,
    /// The operation and, once `Success`, its result.
    #[serde(default)]
    pub operation: JobsDetailOperation,
}

fn unset_time() -> String {
    UNSET_TIME.to_owned()
}

/// The answer to create-job: `<Response><JobsDetail>..</JobsDetail></Response>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct CreatePicJobsResponse {
    /// The new job.
    pub jobs_detail: JobsDetail,
}

impl CreatePicJobsResponse {
    /// Parses a create-job answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises the answer.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The answer to `GET /pic_jobs/<id>[,<id>...]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct DescribePicJobsResponse {
    /// The jobs found, in the order asked.
    #[serde(rename = "JobsDetail", default, skip_serializing_if = "Vec::is_empty")]
    pub jobs_detail: Vec<JobsDetail>,
    /// One element per unknown id (absent when every id is known).
    #[serde(
        rename = "NonExistJobIds",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_exist_job_ids: Vec<String>,
}

impl DescribePicJobsResponse {
    /// Parses a get-jobs answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises JobsDetail... then NonExistJobIds....
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The answer to `GET /pic_jobs?...`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct ListPicJobsResponse {
    /// One page of jobs.
    #[serde(rename = "JobsDetail", default, skip_serializing_if = "Vec::is_empty")]
    pub jobs_detail: Vec<JobsDetail>,
    /// The next page's token; empty on the last page.
    #[serde(default)]
    pub next_token: String,
}

impl ListPicJobsResponse {
    /// Parses a list-jobs answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises JobsDetail... then NextToken (always, `<NextToken/>` when empty).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// `<NotifyConfig>` of a queue: its callback settings. All children are optional on
/// input (an update may leave any out); a described queue has them all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotifyConfig {
    /// Callback URL (for `Type=Url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Comma list of `TaskFinish`, `WorkflowFinish`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// `Url` or `TDMQ`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `On` or `Off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `XML` or `JSON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_format: Option<String>,
    /// TDMQ mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_mode: Option<String>,
    /// TDMQ region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_region: Option<String>,
    /// TDMQ name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mq_name: Option<String>,
}

/// One pic queue (`<QueueList>` of a describe, `<Queue>` of an update).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicQueue {
    /// `p` + 32 hex digits.
    pub queue_id: String,
    /// The queue's name.
    #[serde(default)]
    pub name: String,
    /// `Active` or `Paused`.
    #[serde(default)]
    pub state: String,
    /// Callback settings.
    #[serde(default)]
    pub notify_config: NotifyConfig,
    /// Most jobs waiting at once.
    #[serde(default)]
    pub max_size: u32,
    /// Most jobs running at once.
    #[serde(default)]
    pub max_concurrent: u32,
    /// Last update, `YYYY-MM-DDTHH:MM:SS+0800`.
    #[serde(default)]
    pub update_time: String,
    /// Creation, `YYYY-MM-DDTHH:MM:SS+0800`.
    #[serde(default)]
    pub create_time: String,
    /// `PicProcessing` (the docs show a category; Go ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The answer to `GET /picqueue`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct DescribePicQueuesResponse {
    /// The request's id.
    #[serde(default)]
    pub request_id: String,
    /// Queues matching, over all pages.
    pub total_count: u64,
    /// The page returned, from 1.
    pub page_number: u32,
    /// The page size in effect.
    pub page_size: u32,
    /// This page's queues.
    #[serde(rename = "QueueList", default, skip_serializing_if = "Vec::is_empty")]
    pub queue_list: Vec<PicQueue>,
    /// One element per unknown id of `queueIds`.
    #[serde(
        rename = "NonExistPIDs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_exist_pids: Vec<String>,
}

impl DescribePicQueuesResponse {
    /// Parses a describe-queues answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises RequestId, TotalCount, PageNumber, PageSize, QueueList...,
    /// NonExistPIDs....
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The update-queue request, `PUT /picqueue/<QueueId>` (root `<Request>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Request", rename_all = "PascalCase")]
pub struct UpdatePicQueueRequest {
    /// New name (required by the service, at most 128 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The queue (optional: the path carries it).
    #[serde(rename = "QueueID", default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// `Active` or `Paused`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// New callback settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_config: Option<NotifyConfig>,
}

impl UpdatePicQueueRequest {
    /// Parses an update-queue body.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Request")
    }

    /// Serialises Name, QueueID, State, NotifyConfig (absent options omitted).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Request")
    }
}

/// The answer to an update-queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct UpdatePicQueueResponse {
    /// The request's id.
    #[serde(default)]
    pub request_id: String,
    /// The queue as updated.
    pub queue: PicQueue,
}

impl UpdatePicQueueResponse {
    /// Parses an update-queue answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises RequestId then Queue.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// One pic bucket (`<PicBucket>`, `<PicBucketList>`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PicBucket {
    /// `<name>-<appid>`.
    pub bucket_id: String,
    /// Same as `BucketId`.
    #[serde(default)]
    pub name: String,
    /// The bucket's region.
    #[serde(default)]
    pub region: String,
    /// When the service was opened, `YYYY-MM-DDTHH:MM:SS+0800`.
    #[serde(default)]
    pub create_time: String,
}

/// The answer to `POST /picbucket`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct OpenPicBucketResponse {
    /// The request's id.
    #[serde(default)]
    pub request_id: String,
    /// The opened bucket.
    pub pic_bucket: PicBucket,
}

impl OpenPicBucketResponse {
    /// Parses an open answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises RequestId then PicBucket.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The answer to `GET /picbucket`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct DescribePicBucketsResponse {
    /// The request's id.
    #[serde(default)]
    pub request_id: String,
    /// Buckets matching, over all pages.
    pub total_count: u64,
    /// The page returned, from 1.
    pub page_number: u32,
    /// The page size in effect.
    pub page_size: u32,
    /// This page's buckets.
    #[serde(
        rename = "PicBucketList",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pic_bucket_list: Vec<PicBucket>,
}

impl DescribePicBucketsResponse {
    /// Parses a describe-buckets answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises RequestId, TotalCount, PageNumber, PageSize, PicBucketList....
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The answer to `DELETE /picbucket`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct ClosePicBucketResponse {
    /// The request's id.
    #[serde(default)]
    pub request_id: String,
    /// The closed bucket.
    pub bucket_name: String,
}

impl ClosePicBucketResponse {
    /// Parses a close answer.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// Serialises RequestId then BucketName.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }
}

/// The callback event name the service sends when a job ends.
pub const TASK_FINISH: &str = "TaskFinish";

/// The body POSTed to a callback URL when a job ends:
/// `<Response><EventName>TaskFinish</EventName><JobsDetail>..</JobsDetail></Response>`
/// (`application/xml`) or its JSON form (`application/json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Response", rename_all = "PascalCase")]
pub struct PicJobCallback {
    /// `TaskFinish`.
    pub event_name: String,
    /// The job in its final state.
    pub jobs_detail: JobsDetail,
}

impl PicJobCallback {
    /// A `TaskFinish` body for `job`.
    pub fn task_finish(job: JobsDetail) -> Self {
        PicJobCallback {
            event_name: TASK_FINISH.to_owned(),
            jobs_detail: job,
        }
    }

    /// Parses the XML body.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Response")
    }

    /// The XML body.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Response")
    }

    /// Parses the JSON body. serde_json's recursion limit (128) bounds the nesting.
    pub fn from_json(input: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(input)
    }

    /// The JSON body: `{"EventName":"TaskFinish","JobsDetail":{...}}`, compact, keys in
    /// the XML order.
    pub fn to_json(&self) -> String {
        // Strings, integers and nested structs only: nothing serde_json can refuse.
        serde_json::to_string(self).expect("serialising a fixed-shape callback to JSON")
    }

    /// The Python SDK's view of the XML body (`xml_to_dict`).
    pub fn to_sdk_dict(&self) -> SdkValue {
        xml_to_dict(&self.to_xml()).unwrap_or(SdkValue::Dict(Vec::new()))
    }
}

#[cfg(test)]
#[path = "pic_jobs_tests.rs"]
mod tests;
