//! What the engine keeps (jobs, callback deliveries) and the queries it answers, with the
//! query-string readers the server uses (`queueId=..&states=..`, empty values = not given).

use ci_core::result::{
    CreatePicJobsRequest, JobState, JobsDetail, JobsDetailOperation, PicProcessResult,
    PIC_PROCESS_TAG,
};

use crate::clock::{parse_time, Clock};
use crate::{JobsError, Result};

/// Largest page of every listing.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// One pic job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// `c` + 32 hex digits.
    pub job_id: String,
    /// The bucket the job was submitted to (its source bucket), `<name>-<appid>`.
    pub bucket_id: String,
    /// That bucket's region.
    pub region: String,
    /// The job's queue.
    pub queue_id: String,
    /// The request as submitted.
    pub request: CreatePicJobsRequest,
    /// The state.
    pub state: JobState,
    /// `Success`, or the failure's code.
    pub code: String,
    /// Empty, or the failure's text.
    pub message: String,
    /// Seconds since the epoch.
    pub creation_time: i64,
    /// When a worker last started it.
    pub start_time: Option<i64>,
    /// When it ended.
    pub end_time: Option<i64>,
    /// The result, once `Success`.
    pub result: Option<PicProcessResult>,
    /// How many times a worker started it (more than 1 after a crash re-queued it).
    pub runs: u32,
}

impl Job {
    /// The job as `<JobsDetail>` shows it, times written by `clock`.
    pub fn to_detail(&self, clock: &Clock) -> JobsDetail {
        let time = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), |t| clock.format(t));
        let mut operation = JobsDetailOperation::from_request(&self.request.operation);
        operation.pic_process_result = self.result.clone();
        JobsDetail {
            code: self.code.clone(),
            message: self.message.clone(),
            job_id: self.job_id.clone(),
            state: self.state,
            creation_time: clock.format(self.creation_time),
            end_time: time(self.end_time),
            start_time: time(self.start_time),
            queue_id: self.queue_id.clone(),
            tag: PIC_PROCESS_TAG.to_owned(),
            input: ci_core::result::JobInput {
                bucket_id: Some(self.bucket_id.clone()),
                object: self.request.input.object.clone(),
                region: Some(self.region.clone()),
            },
            operation,
        }
    }
}

/// Listing order by creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest first.
    Asc,
    /// Newest first (the default).
    #[default]
    Desc,
}

/// A `GET /pic_jobs` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQuery {
    /// Only this queue's jobs.
    pub queue_id: Option<String>,
    /// Only these states; empty = all.
    pub states: Vec<JobState>,
    /// Created at or after (seconds since the epoch).
    pub start_creation_time: Option<i64>,
    /// Created at or before (seconds since the epoch).
    pub end_creation_time: Option<i64>,
    /// Only jobs of this exact source key.
    pub input_object: Option<String>,
    /// By creation, newest first by default.
    pub order: Order,
    /// Page size, 1..=100.
    pub size: u32,
    /// The previous page's `NextToken`.
    pub next_token: Option<String>,
}

impl Default for JobQuery {
    fn default() -> Self {
        JobQuery {
            queue_id: None,
            states: Vec::new(),
            start_creation_time: None,
            end_creation_time: None,
            input_object: None,
            order: Order::Desc,
            size: DEFAULT_PAGE_SIZE,
            next_token: None,
        }
    }
}

fn given(value: &str) -> Option<&str> {
    Some(value).filter(|v| !v.is_empty())
}

fn page_size(name: &str, value: &str) -> Result<u32> {
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(JobsError::InvalidArgument(format!(
            "{name}={value}: expected an integer from 1 to {MAX_PAGE_SIZE}"
        ))),
    }
}

fn page_number(value: &str) -> Result<u32> {
    match value.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(JobsError::InvalidArgument(format!(
            "pageNumber={value}: expected an integer from 1"
        ))),
    }
}

/// Reads a `states=` value: `All` or a comma list of states.
pub fn parse_states(value: &str) -> Result<Vec<JobState>> {
    let mut states = Vec::new();
    for name in value.split(',').map(str::trim) {
        if name == "All" {
            return Ok(Vec::new());
        }
        let state = name
            .parse::<JobState>()
            .map_err(|e| JobsError::InvalidArgument(format!("states: {e}")))?;
        if !states.contains(&state) {
            states.push(state);
        }
    }
    Ok(states)
}

impl JobQuery {
    /// Reads the query string of `GET /pic_jobs` (decoded pairs): `tag` (must be
    /// `PicProcess` when given), `queueId`, `states`, `startCreationTime`,
    /// `endCreationTime`, `inputObject`, `orderByTime`, `size`, `nextToken`. Empty values
    /// count as not given; unknown keys (`workflowId`, ...) are ignored.
    pub fn from_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        let mut q = JobQuery::default();
        for (key, value) in pairs {
            let Some(value) = given(value) else { continue };
            match key {
                "tag" if value != PIC_PROCESS_TAG => {
                    return Err(JobsError::InvalidArgument(format!(
                        "tag={value}: /pic_jobs lists {PIC_PROCESS_TAG} jobs only"
                    )))
                }
                "queueId" => q.queue_id = Some(value.to_owned()),
                "states" => q.states = parse_states(value)?,
                "startCreationTime" => q.start_creation_time = Some(parse_time(value)?),
                "endCreationTime" => q.end_creation_time = Some(parse_time(value)?),
                "inputObject" => q.input_object = Some(value.to_owned()),
                "orderByTime" => {
                    q.order = match value {
                        "Asc" => Order::Asc,
                        "Desc" => Order::Desc,
                        _ => {
                            return Err(JobsError::InvalidArgument(format!(
                                "orderByTime={value}: expected Asc or Desc"
                            )))
                        }
                    }
                }
                "size" => q.size = page_size("size", value)?,
                "nextToken" => q.next_token = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok(q)
    }
}

/// A `GET /picqueue` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// Only these queues (unknown ones are reported).
    pub queue_ids: Vec<String>,
    /// Only queues in this state (`Active`, `Paused`); `None` = all.
    pub state: Option<String>,
    /// From 1.
    pub page_number: u32,
    /// 1..=100.
    pub page_size: u32,
}

impl Default for QueueQuery {
    fn default() -> Self {
        QueueQuery {
            queue_ids: Vec::new(),
            state: None,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl QueueQuery {
    /// Reads `queueIds` (comma list), `state` (`All` = no filter), `pageNumber`,
    /// `pageSize`; empty values count as not given.
    pub fn from_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        let mut q = QueueQuery::default();
        for (key, value) in pairs {
            let Some(value) = given(value) else { continue };
            match key {
                "queueIds" => {
                    q.queue_ids = value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                "state" => {
                    q.state = match value {
                        "All" => None,
                        "Active" | "Paused" => Some(value.to_owned()),
                        _ => {
                            return Err(JobsError::InvalidArgument(format!(
                                "state={value}: expected All, Active or Paused"
                            )))
                        }
                    }
                }
                "pageNumber" => q.page_number = page_number(value)?,
                "pageSize" => q.page_size = page_size("pageSize", value)?,
                _ => {}
            }
        }
        Ok(q)
    }
}

/// A `GET /picbucket` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketQuery {
    /// Only these regions.
    pub regions: Vec<String>,
    /// Only these exact bucket ids.
    pub bucket_names: Vec<String>,
    /// Only bucket ids starting with this.
    pub bucket_name_prefix: Option<String>,
    /// From 1.
    pub page_number: u32,
    /// 1..=100.
    pub page_size: u32,
}

impl Default for BucketQuery {
    fn default() -> Self {
        BucketQuery {
            regions: Vec::new(),
            bucket_names: Vec::new(),
            bucket_name_prefix: None,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl BucketQuery {
    /// Reads `regions`, `bucketNames` (comma lists), `bucketName` (a prefix),
    /// `pageNumber`, `pageSize`; empty values count as not given.
    pub fn from_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        let mut q = BucketQuery::default();
        for (key, value) in pairs {
            let Some(value) = given(value) else { continue };
            match key {
                "regions" => q.regions = comma_list(value),
                "bucketNames" => q.bucket_names = comma_list(value),
                "bucketName" => q.bucket_name_prefix = Some(value.to_owned()),
                "pageNumber" => q.page_number = page_number(value)?,
                "pageSize" => q.page_size = page_size("pageSize", value)?,
                _ => {}
            }
        }
        Ok(q)
    }
}

/// Where a callback delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed.
    Failed,
    /// The URL is neither loopback nor allowed by the configuration (or the type is
    /// TDMQ): recorded, never fetched.
    Refused,
}

impl DeliveryState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "Pending",
            DeliveryState::Delivered => "Delivered",
            DeliveryState::Failed => "Failed",
            DeliveryState::Refused => "Refused",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
            DeliveryState::Refused,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// The body format of a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackFormat {
    /// `application/xml`, the default.
    Xml,
    /// `application/json`.
    Json,
}

impl CallbackFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CallbackFormat::Xml => "XML",
            CallbackFormat::Json => "JSON",
        }
    }

    /// The `Content-Type` of the body.
    pub fn content_type(self) -> &'static str {
        match self {
            CallbackFormat::Xml => "application/xml",
            CallbackFormat::Json => "application/json",
        }
    }

    /// `XML` or `JSON`, any case.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("XML") {
            Some(CallbackFormat::Xml)
        } else if s.eq_ignore_ascii_case("JSON") {
            Some(CallbackFormat::Json)
        } else {
            None
        }
    }
}

/// One callback of one job end, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDelivery {
    /// The job.
    pub job_id: String,
    /// Where it goes.
    pub url: String,
    /// Body format.
    pub format: CallbackFormat,
    /// The body.
    pub body: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// The last answer's status, if an answer came.
    pub last_status: Option<u16>,
    /// Why the last attempt failed, or why the URL was refused; empty otherwise.
    pub last_error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_query_from_python_and_go() -> Result<()> {
        // What cos-python-sdk-v5 sends for ci_list_media_pic_jobs with defaults.
        let q = JobQuery::from_query_pairs([
            ("tag", "PicProcess"),
            ("orderByTime", "Desc"),
            ("states", "All"),
            ("size", "10"),
            ("nextToken", ""),
        ])?;
        assert_eq!(q, JobQuery::default());
        let q = JobQuery::from_query_pairs([
            ("queueId", "p1"),
            ("states", "Success,Failed,Success"),
            ("startCreationTime", "2022-07-18T15:16:43+0800"),
            ("orderByTime", "Asc"),
            ("size", "100"),
        ])?;
        assert_eq!(q.states, vec![JobState::Success, JobState::Failed]);
        assert_eq!(q.start_creation_time, Some(1_658_128_603));
        assert_eq!(q.order, Order::Asc);
        for bad in [
            ("tag", "Transcode"),
            ("states", "Done"),
            ("size", "0"),
            ("size", "101"),
            ("orderByTime", "asc"),
            ("endCreationTime", "today"),
        ] {
            assert!(JobQuery::from_query_pairs([bad]).is_err(), "{bad:?}");
        }
        Ok(())
    }

    #[test]
    fn queue_and_bucket_queries() -> Result<()> {
        let q = QueueQuery::from_query_pairs([
            ("queueIds", "p1,p2"),
            ("state", "All"),
            ("pageNumber", ""),
            ("pageSize", ""),
        ])?;
        assert_eq!(q.queue_ids, vec!["p1".to_owned(), "p2".to_owned()]);
        assert_eq!((q.state, q.page_number, q.page_size), (None, 1, 10));
        assert!(QueueQuery::from_query_pairs([("state", "On")]).is_err());
        assert!(QueueQuery::from_query_pairs([("pageNumber", "0")]).is_err());
        let b = BucketQuery::from_query_pairs([
            ("regions", "ap-chongqing,ap-shanghai"),
            ("bucketName", "demo"),
            ("bucketNames", ""),
            ("pageSize", "3"),
        ])?;
        assert_eq!(b.regions.len(), 2);
        assert_eq!(b.bucket_name_prefix.as_deref(), Some("demo"));
        assert_eq!(b.page_size, 3);
        Ok(())
    }
}
