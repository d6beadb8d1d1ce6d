//! Cloud Infinite processing shared by every route that processes: Pic-Operations plans
//! (validated, styles expanded), jobs run on the bounded blocking pool under the
//! processing timeout, results stored at their fileids, inputs read with their limit.

use std::sync::Arc;
use std::time::Duration;

use ci_core::ops::resolve_fileid;
use ci_core::result::{OriginalInfo, ProcessResult, UploadResult};
use ci_core::rule::{ProcessingRule, Stage};
use ci_core::PicOperations;

use crate::address::{location, object_of_url};
use crate::error::ApiError;
use crate::http::blocking;
use crate::process::{ObjectSource, ProcessContext, Processed};
use crate::state::State;
use crate::store::{NewObject, ObjectStore};
use crate::util::{md5_hex, sha1_hex};

/// One rule of a validated Pic-Operations header.
#[derive(Debug, Clone)]
pub(crate) struct PlannedRule {
    /// Bucket of the result.
    pub(crate) bucket: String,
    /// Resolved key of the result.
    pub(crate) key: String,
    /// The fileid as given.
    pub(crate) fileid: String,
    /// The rule with styles expanded.
    pub(crate) rule: ProcessingRule,
}

/// A validated Pic-Operations header.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) is_pic_info: bool,
    pub(crate) rules: Vec<PlannedRule>,
}

impl Plan {
    fn ai(&self) -> bool {
        self.rules.iter().any(|r| r.rule.is_ai_pic_matting())
    }
}

/// Expands `style/NAME` stages with the bucket's styles from the configuration.
pub(crate) fn expand_styles(
    state: &State,
    bucket: &str,
    rule: ProcessingRule,
) -> Result<ProcessingRule, ApiError> {
    if rule.style_names().next().is_none() {
        return Ok(rule);
    }
    let mut stages = Vec::new();
    for stage in rule.stages {
        match stage {
            Stage::Style(name) => {
                let text = state
                    .config
                    .styles
                    .get(bucket)
                    .and_then(|s| s.get(&name))
                    .ok_or_else(|| {
                        ApiError::invalid_argument(format!(
                            "style {name:?} does not exist in bucket {bucket}"
                        ))
                    })?;
                let parsed = ProcessingRule::parse(text).map_err(|e| {
                    ApiError::invalid_argument(format!("style {name:?} is invalid: {e}"))
                })?;
                stages.extend(parsed.stages);
            }
            other => stages.push(other),
        }
    }
    if stages.len() > ci_core::rule::MAX_STAGES {
        return Err(ApiError::invalid_argument(format!(
            "the rule has {} stages after style expansion; at most {} are allowed",
            stages.len(),
            ci_core::rule::MAX_STAGES
        )));
    }
    Ok(ProcessingRule { stages })
}

/// Parses and validates a Pic-Operations header for the object `source_key`.
pub(crate) fn plan(
    state: &State,
    bucket: &str,
    source_key: &str,
    header: &str,
) -> Result<Plan, ApiError> {
    let ops = PicOperations::parse(header)?;
    let parsed = ops.parsed_rules()?;
    let mut rules = Vec::with_capacity(parsed.len());
    for (entry, rule) in ops.rules.iter().zip(parsed) {
        let target = entry.bucket.clone().unwrap_or_else(|| bucket.to_owned());
        if !state.config.bucket_exists(&target) {
            return Err(ApiError::no_such_bucket());
        }
        rules.push(PlannedRule {
            key: resolve_fileid(source_key, &entry.fileid)?,
            fileid: entry.fileid.clone(),
            rule: expand_styles(state, bucket, rule)?,
            bucket: target,
        });
    }
    Ok(Plan {
        is_pic_info: ops.is_pic_info,
        rules,
    })
}

/// Objects of this server for the engine.
struct StoreSource {
    store: Arc<dyn ObjectStore>,
    local: std::net::SocketAddr,
}

impl StoreSource {
    fn of(state: &State) -> Self {
        StoreSource {
            store: state.store.clone(),
            local: state.local_addr,
        }
    }

    fn read(&self, bucket: &str, key: &str, max: u64) -> Option<Vec<u8>> {
        use std::io::Read;
        let (meta, reader) = self.store.open(bucket, key).ok()??;
        if meta.size > max {
            return None;
        }
        let mut data = Vec::with_capacity(meta.size as usize);
        reader.take(max).read_to_end(&mut data).ok()?;
        Some(data)
    }
}

impl ObjectSource for StoreSource {
    fn fetch(&self, bucket: &str, key: &str, max: u64) -> Option<Vec<u8>> {
        self.read(bucket, key, max)
    }

    fn fetch_url(&self, url: &str, max: u64) -> Option<Vec<u8>> {
        let (bucket, key) = object_of_url(url, self.local)?;
        self.read(&bucket, &key, max)
    }
}

/// Runs `job` on the blocking pool under the processing semaphore and timeout.
async fn on_pool<T: Send + 'static>(
    state: &Arc<State>,
    job: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state
        .pool
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("processing pool closed"))?;
    let secs = state.config.limits.processing_timeout_secs;
    let st = state.clone();
    let handle = tokio::task::spawn_blocking(move || {
        // The permit is held until the job really ends, even after a timeout.
        let _permit = permit;
        job(&st)
    });
    match tokio::time::timeout(Duration::from_secs(secs), handle).await {
        Err(_) => Err(ApiError::new(
            503,
            "ProcessTimeout",
            format!("image processing took longer than {secs} s"),
        )),
        Ok(Err(e)) => Err(ApiError::internal(format!("processing worker failed: {e}"))),
        Ok(Ok(r)) => r,
    }
}

/// Runs one rule on `input` (the object `bucket`/`key`) on the bounded pool; the result
/// is not stored.
pub(crate) async fn process(
    state: &Arc<State>,
    bucket: &str,
    key: &str,
    region: &str,
    input: Vec<u8>,
    rule: ProcessingRule,
) -> Result<Processed, ApiError> {
    let (bucket, key, region) = (bucket.to_owned(), key.to_owned(), region.to_owned());
    on_pool(state, move |state| {
        let source = StoreSource::of(state);
        let ctx = ProcessContext {
            bucket: &bucket,
            key: &key,
            region: &region,
            source: &source,
        };
        Ok(state.processor.process(&input, &rule, &ctx)?)
    })
    .await
}

/// Runs every rule of a plan on `input` through [`Processor::process_many`](crate::process::Processor::process_many).
fn process_all(
    state: &State,
    bucket: &str,
    key: &str,
    region: &str,
    input: &[u8],
    rules: &[PlannedRule],
) -> Vec<Result<Processed, ApiError>> {
    let source = StoreSource::of(state);
    let ctx = ProcessContext {
        bucket,
        key,
        region,
        source: &source,
    };
    let list: Vec<ProcessingRule> = rules.iter().map(|r| r.rule.clone()).collect();
    state
        .processor
        .process_many(input, &list, &ctx)
        .into_iter()
        .map(|r| r.map_err(ApiError::from))
        .collect()
}

/// Executes a plan on `input` (the object `bucket`/`key`): stores every result at its
/// fileid and builds the `UploadResult`.
pub(crate) async fn run_plan(
    state: &Arc<State>,
    bucket: &str,
    key: &str,
    region: &str,
    plan: Plan,
    input: Vec<u8>,
) -> Result<UploadResult, ApiError> {
    let (bucket, key, region) = (bucket.to_owned(), key.to_owned(), region.to_owned());
    on_pool(state, move |state| {
        let ai = plan.ai();
        let original_info = if plan.is_pic_info {
            let image_info = if ai {
                None
            } else {
                let mut info = state.processor.image_info(&input)?;
                if info.md5.as_deref().is_none_or(str::is_empty) {
                    info.md5 = Some(md5_hex(&input));
                }
                Some(info)
            };
            Some(OriginalInfo {
                key: key.clone(),
                location: location(&bucket, &region, &key),
                etag: format!("\"{}\"", sha1_hex(&input)),
                image_info,
            })
        } else {
            None
        };
        let mut results = Vec::with_capacity(plan.rules.len());
        let outs = process_all(state, &bucket, &key, &region, &input, &plan.rules);
        for (r, out) in plan.rules.iter().zip(outs) {
            let out = out?;
            state.store.put_bytes(
                &r.bucket,
                &r.key,
                &out.bytes,
                NewObject {
                    content_type: out.content_type.clone(),
                    headers: Vec::new(),
                },
            )?;
            tracing::debug!(fileid = %r.fileid, key = %r.key, size = out.bytes.len(), "stored result");
            let info = out.info;
            results.push(ProcessResult {
                key: r.key.clone(),
                location: location(&r.bucket, &region, &r.key),
                format: Some(if r.rule.is_ai_pic_matting() {
                    String::new()
                } else {
                    out.format.clone()
                }),
                md5: Some(md5_hex(&out.bytes)),
                width: Some(info.width),
                height: Some(info.height),
                size: Some(out.bytes.len() as u64),
                quality: info.quality,
                ave: info.ave,
                etag: format!("\"{}\"", sha1_hex(&out.bytes)),
                frame_count: info.frame_count,
                bit_depth: info.bit_depth,
                vertical_dpi: info.vertical_dpi,
                horizontal_dpi: info.horizontal_dpi,
                ..Default::default()
            });
        }
        Ok(UploadResult {
            original_info,
            process_results: results,
        })
    })
    .await
}

/// Reads an object of at most `limit` bytes (`ImageTooLarge` above, `NoSuchKey` if absent).
pub(crate) async fn read_object(
    state: &Arc<State>,
    bucket: &str,
    key: &str,
    limit: u64,
) -> Result<Vec<u8>, ApiError> {
    let store = state.store.clone();
    let (bucket, key) = (bucket.to_owned(), key.to_owned());
    blocking(move || {
        use std::io::Read;
        let (meta, reader) = store
            .open(&bucket, &key)?
            .ok_or_else(ApiError::no_such_key)?;
        if meta.size > limit {
            return Err(ApiError::image_too_large(limit));
        }
        let mut data = Vec::with_capacity(meta.size as usize);
        reader
            .take(limit)
            .read_to_end(&mut data)
            .map_err(crate::store::StoreError::from)?;
        Ok(data)
    })
    .await
}
