//! Cloud Infinite processing shared by every route that processes: Pic-Operations plans
//! (validated, styles expanded), jobs run on the bounded blocking pool under the
//! processing timeout, results stored at their fileids, inputs read with their limit.

use std::sync::Arc;
use std::time::Duration;

use ci_core::ops::resolve_fileid;
use ci_core::result::{OriginalInfo, ProcessResult, UploadResult};
use ci_core::rule::{ProcessingRule, Stage};
use ci_core::PicOperations;

use crate::address::{check_key, location, object_of_url};
use crate::budget::Reservation;
use crate::error::ApiError;
use crate::http::blocking;
use crate::process::{ObjectSource, ProcessContext, Processed};
use crate::state::State;
use crate::store::{NewObject, ObjectStore, Publish, Staged, StoreError};
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

/// Expands `style/NAME` stages with the bucket's styles (rows of the store's database).
/// An unknown style is 400 `InvalidArgument` naming it.
pub(crate) async fn expand_styles(
    state: &State,
    bucket: &str,
    rule: ProcessingRule,
) -> Result<ProcessingRule, ApiError> {
    let names: Vec<String> = rule.style_names().map(str::to_owned).collect();
    if names.is_empty() {
        return Ok(rule);
    }
    let store = state.store.clone();
    let owner = bucket.to_owned();
    let bodies = blocking(move || {
        names
            .into_iter()
            .map(|name| Ok((store.style(&owner, &name)?, name)))
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await?;
    let mut bodies = bodies.into_iter();
    let mut stages = Vec::new();
    for stage in rule.stages {
        match stage {
            Stage::Style(name) => {
                let text = match bodies.next() {
                    Some((Some(text), _)) => text,
                    _ => {
                        return Err(ApiError::invalid_argument(format!(
                            "style {name:?} does not exist in bucket {bucket}"
                        )))
                    }
                };
                let parsed = ProcessingRule::parse(&text).map_err(|e| {
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
pub(crate) async fn plan(
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
        let key = resolve_fileid(source_key, &entry.fileid)?;
        check_key(&key)?;
        rules.push(PlannedRule {
            key,
            fileid: entry.fileid.clone(),
            rule: expand_styles(state, bucket, rule).await?,
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

/// Bytes of memory an image decode of `input` for `rules` rules may take at its peak: the
/// decoded RGBA frames (from the header alone, nothing decoded) times two (a conversion
/// and the output) plus one working copy per rule run in parallel. Measured: a 15000x15000
/// PNG thumbnailed peaked at 2.68 GB, 12 bytes a pixel. An input the probe cannot read
/// is not decoded whole: twice its size.
fn decode_cost(input: &[u8], rules: usize) -> u64 {
    match ci_core::process::probe(input) {
        // RGBA, a conversion and the output (three copies) for one rule, one more working
        // copy for each further rule run in parallel.
        Ok(p) => p
            .total_pixels()
            .saturating_mul(crate::engine::PEAK_BYTES_PER_PIXEL / 3 * (2 + rules as u64)),
        Err(_) => (input.len() as u64).saturating_mul(2),
    }
}

/// Runs `job` on the blocking pool under the processing semaphore and timeout, with the
/// memory its decode may take (`cost`) drawn from the budget first, besides the `held`
/// bytes its input holds already. A cost beyond the rest of the budget reserves all the
/// rest (the job then runs alone): the engine's own limits, set from the budget (see
/// [`EngineProcessor::for_config`](crate::engine::EngineProcessor::for_config)), refuse
/// from the header what cannot fit.
async fn on_pool<T: Send + 'static>(
    state: &Arc<State>,
    cost: u64,
    held: u64,
    job: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let rest = state
        .budget
        .total()
        .saturating_sub(held.next_multiple_of(1024));
    let reservation = state
        .budget
        .reserve(cost.min(rest), "an image decode")
        .await?;
    let permit = state
        .pool
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::internal("processing pool closed"))?;
    let secs = state.config.limits.processing_timeout_secs;
    let st = state.clone();
    let handle = tokio::task::spawn_blocking(move || {
        // The permit and the memory are held until the job really ends, even after a
        // timeout.
        let _held = (permit, reservation);
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
    input: Input,
    rule: ProcessingRule,
) -> Result<Processed, ApiError> {
    let (bucket, key, region) = (bucket.to_owned(), key.to_owned(), region.to_owned());
    let cost = decode_cost(&input.bytes, 1);
    let held = input._reservation.bytes();
    on_pool(state, cost, held, move |state| {
        let Input {
            bytes: input,
            _reservation,
        } = input;
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

/// Runs an engine job that is not a rule (`imageInspect`, code generation) on the bounded
/// pool under the processing timeout, with `cost` bytes of the memory budget (what it
/// allocates beyond its input).
pub(crate) async fn run_engine<T: Send + 'static>(
    state: &Arc<State>,
    cost: u64,
    job: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    on_pool(state, cost, 0, job).await
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

/// A plan executed, nothing published yet: the answer, and the results staged at their
/// fileids for [`ObjectStore::commit_all`](crate::store::ObjectStore::commit_all).
pub(crate) struct Outcome {
    pub(crate) result: UploadResult,
    pub(crate) outputs: Vec<Publish>,
}

/// Executes a plan on `input` (the object `bucket`/`key`): every rule runs first; only if
/// all succeed are their results staged (not published: the caller publishes them with
/// the original, all or nothing) and the `UploadResult` built.
pub(crate) async fn run_plan(
    state: &Arc<State>,
    bucket: &str,
    key: &str,
    region: &str,
    plan: Plan,
    input: Input,
) -> Result<Outcome, ApiError> {
    let (bucket, key, region) = (bucket.to_owned(), key.to_owned(), region.to_owned());
    let cost = decode_cost(&input.bytes, plan.rules.len());
    let held = input._reservation.bytes();
    on_pool(state, cost, held, move |state| {
        let Input { bytes: input, _reservation } = input;
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
        let outs = outs
            .into_iter()
            .zip(&plan.rules)
            .map(|(out, r)| out.map_err(|e| failed_rule(e, r)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut outputs = Vec::with_capacity(outs.len());
        for (r, out) in plan.rules.iter().zip(outs) {
            let mut staging = state.store.stage()?;
            staging.write(&out.bytes).map_err(StoreError::from)?;
            outputs.push(Publish {
                bucket: r.bucket.clone(),
                key: r.key.clone(),
                body: staging.finish().map_err(StoreError::from)?,
                object: NewObject {
                    content_type: out.content_type.clone(),
                    headers: Vec::new(),
                },
            });
            tracing::debug!(fileid = %r.fileid, key = %r.key, size = out.bytes.len(), "staged result");
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
                code_status: out
                    .qr_codes
                    .as_ref()
                    .map(|codes| u32::from(!codes.is_empty())),
                qr_code_info: out.qr_codes.unwrap_or_default(),
            });
        }
        Ok(Outcome {
            result: UploadResult {
                original_info,
                process_results: results,
            },
            outputs,
        })
    })
    .await
}

/// A rule's failure, naming the rule (a multi-rule upload says which one failed).
fn failed_rule(e: ApiError, rule: &PlannedRule) -> ApiError {
    ApiError::new(
        e.status,
        e.code,
        format!("rule for fileid {:?}: {}", rule.fileid, e.message),
    )
}

/// A processing input in memory, with its share of the memory budget.
pub(crate) struct Input {
    pub(crate) bytes: Vec<u8>,
    _reservation: Reservation,
}

impl Input {
    /// Bytes already received (a Pic-Operations upload's body) under `reservation`.
    pub(crate) fn received(bytes: Vec<u8>, reservation: Reservation) -> Self {
        Input {
            bytes,
            _reservation: reservation,
        }
    }
}

/// Reads an object of at most `limit` bytes (`ImageTooLarge` above, `NoSuchKey` if
/// absent) into memory drawn from the budget.
pub(crate) async fn read_object(
    state: &Arc<State>,
    bucket: &str,
    key: &str,
    limit: u64,
) -> Result<Input, ApiError> {
    let store = state.store.clone();
    let (bucket, key) = (bucket.to_owned(), key.to_owned());
    let (meta, reader) =
        blocking(move || store.open(&bucket, &key)?.ok_or_else(ApiError::no_such_key)).await?;
    if meta.size > limit {
        return Err(ApiError::image_too_large(limit));
    }
    let reservation = state
        .budget
        .reserve(meta.size, "a processing input")
        .await?;
    let size = meta.size;
    let bytes = blocking(move || {
        use std::io::Read;
        let mut data = Vec::with_capacity(size as usize);
        reader
            .take(size)
            .read_to_end(&mut data)
            .map_err(StoreError::from)?;
        Ok(data)
    })
    .await?;
    Ok(Input::received(bytes, reservation))
}

/// Reads a staged body (assembled multipart parts, at most the processing limit, checked
/// by the caller) into memory drawn from the budget.
pub(crate) async fn read_staged(state: &Arc<State>, staged: &Staged) -> Result<Input, ApiError> {
    let size = staged.size;
    let reservation = state.budget.reserve(size, "a processing input").await?;
    let path = staged.path().to_owned();
    let bytes = blocking(move || Ok(std::fs::read(&path).map_err(StoreError::from)?)).await?;
    Ok(Input::received(bytes, reservation))
}
