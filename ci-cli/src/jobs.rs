//! `cos-ci jobs submit|get|list|wait`: the cloud's asynchronous image jobs (or the local
//! server's), one at a time or a whole prefix at once.
//!
//! `submit` lists the prefix, submits one job per object (bounded concurrency, optional
//! rate), journals every job id ([`crate::journal`]) so that an interrupted run resumes
//! without submitting an object twice, waits with a progress bar and ends with a summary;
//! the exit code is 6 when any job failed.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use ci_core::client::{
    crc64, ClientError, CosClient, CosClientError, JobOrder, ListPicJobsQuery, PicQueueQuery,
    MAX_JOB_IDS_PER_CALL,
};
use ci_core::result::{
    CreatePicJobsRequest, JobInput, JobOutput, JobState, JobsDetail, PicJobRequestOperation,
    PicProcess, PIC_PROCESS_TAG,
};
use ci_core::sign::ProcessParam;

use crate::exit::CliError;
use crate::journal::{Journal, Record};
use crate::remote::client;
use crate::EndpointArgs;

/// The prefix of the `UserData` a batch job carries; the rest names the run and the key.
const USER_DATA_PREFIX: &str = "cos-ci-batch/";

#[derive(Subcommand, Debug)]
pub enum JobsCommand {
    /// Submit one job per object under a prefix, wait for them all, print a summary.
    ///
    /// Output keys are a template: ${InputPath} (the key's folder, no trailing slash),
    /// ${InputName} (file name without extension), ${InputNameAndExt} (file name).
    /// Interrupted (Ctrl-C), the same command resumes: jobs already submitted are read
    /// from the journal and waited for, never submitted again. Exit code 6 when a job
    /// failed.
    ///
    /// Example: cos-ci jobs submit --bucket examplebucket-1250000000 --prefix photos/ --rule 'imageMogr2/thumbnail/200x/format/webp' --output 'thumbs/${InputName}.webp'
    Submit(SubmitArgs),
    /// Print jobs by id: id, state, source, output, and the error of a failed job
    /// (--xml: the service's answer).
    ///
    /// Example: cos-ci jobs get --bucket examplebucket-1250000000 c0123456789abcdef0123456789abcdef
    Get(GetArgs),
    /// List the bucket's jobs, newest first, one line each.
    ///
    /// Example: cos-ci jobs list --bucket examplebucket-1250000000 --state Failed --limit 50
    List(ListArgs),
    /// Wait until a job ends and print it; exit code 6 when it failed or was cancelled.
    ///
    /// Example: cos-ci jobs wait --bucket examplebucket-1250000000 c0123456789abcdef0123456789abcdef --timeout 600
    Wait(WaitArgs),
}

#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// Bucket, BucketName-APPID (sources and outputs).
    #[arg(long, env = "COS_BUCKET")]
    bucket: String,
    /// Every object under this prefix is a source ("" for the whole bucket; keys ending
    /// in / are skipped).
    #[arg(long)]
    prefix: String,
    /// The processing rule (imageMogr2/...), or style/NAME.
    #[arg(long)]
    rule: String,
    /// Output key template, e.g. 'thumbs/${InputName}.webp'.
    #[arg(long)]
    output: String,
    /// Jobs submitted at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// At most this many submissions per second (default: no limit).
    #[arg(long)]
    rate: Option<f64>,
    /// The journal file (default: .cos-ci-jobs-<bucket>-<hash of the run>.jsonl here).
    #[arg(long)]
    journal: Option<PathBuf>,
    /// The pic queue (default: the bucket's first; the bucket's pic processing is opened
    /// if needed).
    #[arg(long)]
    queue_id: Option<String>,
    /// Give up waiting after this many seconds (the jobs keep running).
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
    /// Submit only; do not wait.
    #[arg(long)]
    no_wait: bool,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// Bucket, BucketName-APPID.
    #[arg(long, env = "COS_BUCKET")]
    bucket: String,
    /// Job ids (at most 100).
    #[arg(required = true)]
    ids: Vec<String>,
    /// Print the service's answer (<Response>...).
    #[arg(long)]
    xml: bool,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OrderArg {
    Desc,
    Asc,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Bucket, BucketName-APPID.
    #[arg(long, env = "COS_BUCKET")]
    bucket: String,
    /// Only jobs in these states (Submitted, Running, Success, Failed, Pause, Cancel;
    /// comma list or repeated).
    #[arg(long = "state", value_delimiter = ',')]
    states: Vec<String>,
    /// Print at most this many jobs (0: all).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Only this queue.
    #[arg(long)]
    queue_id: Option<String>,
    /// By creation time.
    #[arg(long, value_enum, default_value = "desc")]
    order: OrderArg,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

#[derive(Args, Debug)]
pub struct WaitArgs {
    /// Bucket, BucketName-APPID.
    #[arg(long, env = "COS_BUCKET")]
    bucket: String,
    /// The job.
    id: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

pub fn jobs(command: JobsCommand) -> Result<(), CliError> {
    match command {
        JobsCommand::Submit(args) => submit(args),
        JobsCommand::Get(args) => get(args),
        JobsCommand::List(args) => list(args),
        JobsCommand::Wait(args) => wait(args),
    }
}

/// One line per job: id, state, source -> output, and a failed job's error.
fn job_line(job: &JobsDetail) -> String {
    let mut line = format!(
        "{}\t{}\t{}\t{}",
        job.job_id, job.state, job.input.object, job.operation.output.object
    );
    if matches!(job.state, JobState::Failed | JobState::Cancel) {
        line.push_str(&format!("\t{}: {}", job.code, job.message));
    }
    line
}

fn get(args: GetArgs) -> Result<(), CliError> {
    let c = client(&args.endpoint)?;
    let ids: Vec<&str> = args.ids.iter().map(String::as_str).collect();
    let (_, found) = c.ci_get_media_pic_jobs(&args.bucket, &ids)?;
    if args.xml {
        println!("{}", found.to_xml());
    } else {
        for job in &found.jobs_detail {
            println!("{}", job_line(job));
        }
    }
    if !found.non_exist_job_ids.is_empty() {
        return Err(CliError::Service(format!(
            "no such job: {}",
            found.non_exist_job_ids.join(", ")
        )));
    }
    Ok(())
}

fn list(args: ListArgs) -> Result<(), CliError> {
    let states = args
        .states
        .iter()
        .filter(|s| !s.is_empty() && s.as_str() != "All")
        .map(|s| s.parse::<JobState>().map_err(CliError::invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let c = client(&args.endpoint)?;
    let page_size = if args.limit == 0 {
        100
    } else {
        args.limit.min(100) as u32
    };
    let query = ListPicJobsQuery {
        queue_id: args.queue_id.clone(),
        order_by_time: match args.order {
            OrderArg::Desc => JobOrder::Desc,
            OrderArg::Asc => JobOrder::Asc,
        },
        states,
        size: page_size,
        ..Default::default()
    };
    let mut shown = 0usize;
    for job in c.ci_list_media_pic_jobs_pages(&args.bucket, query).jobs() {
        if args.limit != 0 && shown >= args.limit {
            break;
        }
        println!("{}", job_line(&job?));
        shown += 1;
    }
    if shown == 0 {
        eprintln!("no job in {}", args.bucket);
    }
    Ok(())
}

fn wait(args: WaitArgs) -> Result<(), CliError> {
    let c = client(&args.endpoint)?;
    let job = c.wait_for_job(&args.bucket, &args.id, Duration::from_secs(args.timeout))?;
    println!("{}", job_line(&job));
    match job.state {
        JobState::Success => Ok(()),
        _ => Err(CliError::JobsFailed(format!(
            "job {} {}",
            job.job_id, job.state
        ))),
    }
}

/// An output key template: literal text and the cloud's `${...}` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTemplate {
    template: String,
}

/// The variables a template may use, as the cloud's workflows name them.
const VARIABLES: [&str; 3] = ["InputPath", "InputName", "InputNameAndExt"];

impl OutputTemplate {
    /// Checks every `${...}` of `template`.
    pub fn parse(template: &str) -> Result<Self, CliError> {
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| CliError::invalid(format!("--output {template:?}: unclosed ${{")))?;
            let name = &after[..end];
            if !VARIABLES.contains(&name) {
                return Err(CliError::invalid(format!(
                    "--output {template:?}: unknown variable ${{{name}}} (known: ${{InputPath}}, \
                     ${{InputName}}, ${{InputNameAndExt}})"
                )));
            }
            rest = &after[end + 1..];
        }
        if template.is_empty() || template.starts_with('/') {
            return Err(CliError::invalid(format!(
                "--output {template:?}: an object key is needed (not empty, no leading /)"
            )));
        }
        Ok(OutputTemplate {
            template: template.to_owned(),
        })
    }

    /// Whether different sources can get different outputs.
    pub fn varies(&self) -> bool {
        self.template.contains("${InputName")
    }

    /// The output key of source `key`.
    pub fn expand(&self, key: &str) -> String {
        let (path, name_and_ext) = match key.rsplit_once('/') {
            Some((p, n)) => (p, n),
            None => ("", key),
        };
        let name = match name_and_ext.rsplit_once('.') {
            Some((n, _)) if !n.is_empty() => n,
            _ => name_and_ext,
        };
        self.template
            .replace("${InputPath}", path)
            .replace("${InputNameAndExt}", name_and_ext)
            .replace("${InputName}", name)
    }
}

/// Hands out submission times no closer than `interval` (a rate limit for a few threads;
/// a token-bucket crate would add nothing at one call per slot).
struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(rate: Option<f64>) -> Result<Self, CliError> {
        let interval = match rate {
            None => None,
            Some(r) if r.is_finite() && r > 0.0 => Some(Duration::from_secs_f64(1.0 / r)),
            Some(r) => {
                return Err(CliError::invalid(format!(
                    "--rate {r}: a positive number of jobs per second"
                )))
            }
        };
        Ok(Pacer {
            interval,
            next: Mutex::new(Instant::now()),
        })
    }

    /// Takes the next free slot for a caller arriving at `now`: `now` itself, or
    /// `interval` after the slot handed out before it.
    fn take_slot(&self, now: Instant) -> Instant {
        let Some(interval) = self.interval else {
            return now;
        };
        let mut next = lock(&self.next);
        let slot = (*next).max(now);
        *next = slot + interval;
        slot
    }

    /// Sleeps until this caller's slot.
    fn wait(&self) {
        let slot = self.take_slot(Instant::now());
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

/// Progress of a phase: indicatif's bar when stderr is a terminal, else one plain line
/// every [`PLAIN_EVERY`] and at the end (logs and CI jobs get text, not escapes).
struct Progress {
    bar: Option<ProgressBar>,
    label: &'static str,
    total: u64,
    started: Instant,
    last_line: Mutex<Option<Instant>>,
}

/// How often plain progress lines are printed.
const PLAIN_EVERY: Duration = Duration::from_secs(2);

impl Progress {
    fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(&format!(
                "{label} {{bar:30}} {{pos}}/{{len}} {{per_sec}} eta {{eta}} {{msg}}"
            )) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            label,
            total,
            started: Instant::now(),
            last_line: Mutex::new(None),
        }
    }

    /// `pos` of the total are through; `message` says how things stand.
    fn update(&self, pos: u64, message: impl FnOnce() -> String) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            bar.set_message(message());
            return;
        }
        let now = Instant::now();
        {
            let mut last = lock(&self.last_line);
            if pos < self.total && last.is_some_and(|t| now - t < PLAIN_EVERY) {
                return;
            }
            *last = Some(now);
        }
        let secs = (now - self.started).as_secs_f64();
        let rate = if secs > 0.0 { pos as f64 / secs } else { 0.0 };
        let eta = if rate > 0.0 {
            format!("{:.0} s", (self.total - pos.min(self.total)) as f64 / rate)
        } else {
            "-".to_owned()
        };
        eprintln!(
            "{} {pos}/{} {} ({rate:.1}/s, eta {eta})",
            self.label,
            self.total,
            message()
        );
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What `submit` will do with the listed keys.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// Sources under the prefix (folders and this run's outputs left out).
    listed: u64,
    /// Sources the journal says were submitted already.
    resumed: u64,
    /// (source, output) to submit now.
    planned: Vec<(String, String)>,
}

/// Sorts the listed keys into sources already submitted (by the journal) and sources
/// to submit; refuses templates that would overwrite a source or give two sources one
/// output.
fn plan(
    journal: &Journal,
    template: &OutputTemplate,
    keys: impl IntoIterator<Item = String>,
) -> Result<Plan, CliError> {
    let outputs = journal.outputs();
    let mut plan = Plan {
        listed: 0,
        resumed: 0,
        planned: Vec::new(),
    };
    for key in keys {
        if key.ends_with('/') || outputs.contains(&key) {
            continue;
        }
        plan.listed += 1;
        if journal.is_submitted(&key) {
            plan.resumed += 1;
            continue;
        }
        let output = template.expand(&key);
        if output == key {
            return Err(CliError::invalid(format!(
                "--output {:?} would overwrite the source {key}",
                template.template
            )));
        }
        plan.planned.push((key, output));
    }
    if !template.varies() && plan.listed > 1 {
        return Err(CliError::invalid(format!(
            "--output {:?} gives every source the same output; use ${{InputName}} or \
             ${{InputNameAndExt}}",
            template.template
        )));
    }
    Ok(plan)
}

/// The bucket's first pic queue. A bucket without asynchronous processing gets it opened
/// (which creates its queue), and says so.
fn pic_queue(c: &CosClient, bucket: &str) -> Result<String, CliError> {
    let first = |c: &CosClient| -> Result<Option<(String, String)>, CosClientError> {
        let (_, queues) = c.ci_get_media_pic_queue(bucket, &PicQueueQuery::default())?;
        Ok(queues
            .queue_list
            .first()
            .map(|q| (q.queue_id.clone(), q.state.clone())))
    };
    let found = match first(c) {
        Ok(Some(queue)) => Some(queue),
        // Not opened yet: the service refuses (4xx) or lists no queue.
        Ok(None) | Err(CosClientError::Service(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let (queue_id, state) = match found {
        Some(queue) => queue,
        None => {
            c.ci_open_pic_bucket(bucket)?;
            eprintln!("opened asynchronous image processing for {bucket}");
            first(c)?.ok_or_else(|| CliError::Service(format!("{bucket} has no pic queue")))?
        }
    };
    if state == "Paused" {
        eprintln!("note: queue {queue_id} is Paused: its jobs wait until it is resumed");
    }
    Ok(queue_id)
}

/// Set by the first Ctrl-C: stop submitting, journal what is in flight, exit. A second
/// Ctrl-C exits at once (the journal stays consistent: each record is on disk before its
/// action).
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build();
    if let Ok(runtime) = runtime {
        std::thread::spawn(move || {
            runtime.block_on(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    set.store(true, Ordering::SeqCst);
                    eprintln!(
                        "\ncos-ci: interrupted; finishing the submissions in flight (Ctrl-C again to quit now)"
                    );
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(130);
                    }
                }
            })
        });
    }
    flag
}

/// What a batch is about, for its journal and its jobs.
struct Batch {
    bucket: String,
    region: String,
    queue_id: String,
    rule: String,
    /// Identifies the run in each job's `UserData`.
    run_id: String,
}

impl Batch {
    fn user_data(&self, key: &str) -> String {
        format!(
            "{USER_DATA_PREFIX}{}/{:016x}-{}",
            self.run_id,
            crc64(key.as_bytes()),
            key.len()
        )
    }

    fn request(&self, key: &str, output: &str, user_data: &str) -> CreatePicJobsRequest {
        CreatePicJobsRequest {
            tag: PIC_PROCESS_TAG.to_owned(),
            input: JobInput {
                object: key.to_owned(),
                ..Default::default()
            },
            operation: PicJobRequestOperation {
                pic_process: Some(PicProcess {
                    is_pic_info: None,
                    process_rule: self.rule.clone(),
                }),
                output: JobOutput {
                    region: self.region.clone(),
                    bucket: self.bucket.clone(),
                    object: output.to_owned(),
                },
                user_data: Some(user_data.to_owned()),
                ..Default::default()
            },
            queue_id: self.queue_id.clone(),
            ..Default::default()
        }
    }
}

/// A job of this run and what became of it.
struct Tracked {
    key: String,
    output: String,
    detail: Option<JobsDetail>,
}

fn submit(args: SubmitArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let template = OutputTemplate::parse(&args.output)?;
    match args.rule.strip_prefix("style/") {
        Some(name) => ProcessParam::style(name).check(),
        None => ProcessParam::rule(&args.rule).check(),
    }
    .map_err(|e| CliError::invalid(format!("--rule: {e}")))?;
    let pacer = Pacer::new(args.rate)?;
    let header = Record::Run {
        bucket: args.bucket.clone(),
        prefix: args.prefix.clone(),
        rule: args.rule.clone(),
        output: args.output.clone(),
    };
    let run_hash = crc64(
        serde_json::to_string(&header)
            .map_err(|e| CliError::failure(format!("journal record: {e}")))?
            .as_bytes(),
    );
    let run_id = format!("{run_hash:016x}");
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!(".cos-ci-jobs-{}-{run_id}.jsonl", args.bucket)));
    let c = client(&args.endpoint)?;
    let queue_id = match &args.queue_id {
        Some(q) => q.clone(),
        None => pic_queue(&c, &args.bucket)?,
    };
    // Opened once the service answers: a run that cannot start leaves no file behind.
    let mut journal = Journal::open(&journal_path, &header)?;
    let batch = Batch {
        bucket: args.bucket.clone(),
        region: args.endpoint.region.clone(),
        queue_id,
        rule: args.rule.clone(),
        run_id,
    };

    settle_unsettled(&c, &batch, &mut journal)?;

    // The sources: every object under the prefix not yet submitted by this run.
    let mut keys = Vec::new();
    for page in c.list_objects_pages(&args.bucket, &args.prefix, 1000) {
        keys.extend(page?.contents.into_iter().map(|object| object.key));
    }
    let Plan {
        listed,
        resumed,
        planned,
    } = plan(&journal, &template, keys)?;
    eprintln!(
        "{listed} objects under {:?}: {resumed} already submitted (journal {}), {} to submit \
         to queue {}",
        args.prefix,
        journal.path().display(),
        planned.len(),
        batch.queue_id
    );

    let interrupted = interrupt_flag();
    let refused = submit_all(
        &c,
        &batch,
        &mut journal,
        planned,
        args.concurrency,
        &pacer,
        &interrupted,
    )?;
    let submit_secs = started.elapsed().as_secs_f64();
    if interrupted.load(Ordering::SeqCst) {
        println!(
            "interrupted: {} jobs submitted so far (journal {}); run the same command again to resume",
            journal.submitted().len(),
            journal.path().display()
        );
        return Err(CliError::Interrupted);
    }
    if args.no_wait {
        println!(
            "submitted {} jobs ({} refused) in {submit_secs:.1} s; journal {}",
            journal.submitted().len(),
            refused.len(),
            journal.path().display()
        );
        return finish_refused(&refused);
    }

    let mut tracked: HashMap<String, Tracked> = journal
        .submitted()
        .iter()
        .map(|j| {
            (
                j.job_id.clone(),
                Tracked {
                    key: j.key.clone(),
                    output: j.output.clone(),
                    detail: None,
                },
            )
        })
        .collect();
    let timed_out = wait_all(
        &c,
        &args.bucket,
        &mut tracked,
        Duration::from_secs(args.timeout),
        &interrupted,
    )?;
    summary(
        &tracked,
        &refused,
        started.elapsed(),
        timed_out,
        &interrupted,
        journal.path(),
    )
}

/// Settles intents a previous run left without an outcome: a job carrying the intent's
/// `UserData` exists (journal it as submitted) or not (journal it as refused, to be
/// submitted again).
fn settle_unsettled(c: &CosClient, batch: &Batch, journal: &mut Journal) -> Result<(), CliError> {
    let unsettled = journal.unsettled();
    if unsettled.is_empty() {
        return Ok(());
    }
    eprintln!(
        "settling {} submissions cut short by the last run",
        unsettled.len()
    );
    let query = ListPicJobsQuery {
        queue_id: Some(batch.queue_id.clone()),
        size: 100,
        ..Default::default()
    };
    let mut by_user_data: HashMap<String, String> = HashMap::new();
    let mine = format!("{USER_DATA_PREFIX}{}/", batch.run_id);
    for job in c.ci_list_media_pic_jobs_pages(&batch.bucket, query).jobs() {
        let job = job?;
        if let Some(u) = job.operation.user_data.as_deref() {
            if u.starts_with(&mine) {
                by_user_data.insert(u.to_owned(), job.job_id.clone());
            }
        }
    }
    for u in unsettled {
        let record = match by_user_data.get(&u.user_data) {
            Some(job_id) => Record::Submitted {
                key: u.key,
                output: u.output,
                job_id: job_id.clone(),
            },
            None => Record::Refused {
                key: u.key,
                reason: "not found among the queue's jobs after an interrupted run".into(),
            },
        };
        journal.record(record)?;
    }
    Ok(())
}

/// Submits `planned` on `concurrency` threads; answers the sources the service refused
/// (key, reason). Stops taking new sources once `interrupted` is set.
fn submit_all(
    c: &CosClient,
    batch: &Batch,
    journal: &mut Journal,
    planned: Vec<(String, String)>,
    concurrency: u32,
    pacer: &Pacer,
    interrupted: &AtomicBool,
) -> Result<Vec<(String, String)>, CliError> {
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let progress = Progress::new("submitting", planned.len() as u64);
    let done = AtomicU64::new(0);
    let refused_count = AtomicU64::new(0);
    let queue = Mutex::new(planned.into_iter());
    let journal = Mutex::new(journal);
    let refused = Mutex::new(Vec::new());
    let fatal: Mutex<Option<CliError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(|| loop {
                if interrupted.load(Ordering::SeqCst) || lock(&fatal).is_some() {
                    return;
                }
                let Some((key, output)) = lock(&queue).next() else {
                    return;
                };
                pacer.wait();
                let user_data = batch.user_data(&key);
                let intent = Record::Intent {
                    key: key.clone(),
                    output: output.clone(),
                    user_data: user_data.clone(),
                };
                if let Err(e) = lock(&journal).record(intent) {
                    lock(&fatal).get_or_insert(e);
                    return;
                }
                let outcome = c.ci_create_media_pic_jobs(
                    &batch.bucket,
                    &batch.request(&key, &output, &user_data),
                );
                let record = match outcome {
                    Ok((_, created)) => Record::Submitted {
                        key,
                        output,
                        job_id: created.jobs_detail.job_id,
                    },
                    // A 4xx: the service looked at the request and created nothing.
                    Err(CosClientError::Service(e)) if (400..500).contains(&e.status) => {
                        let reason = format!("{} {}: {}", e.status, e.code, e.message);
                        lock(&refused).push((key.clone(), reason.clone()));
                        refused_count.fetch_add(1, Ordering::SeqCst);
                        Record::Refused { key, reason }
                    }
                    Err(e) => {
                        // No answer, or a 5xx (a proxy's may come after the job was
                        // made): the job may exist. The intent stays unsettled and the
                        // next run settles it; stop here rather than guess.
                        lock(&fatal).get_or_insert(CliError::from(e));
                        return;
                    }
                };
                if let Err(e) = lock(&journal).record(record) {
                    lock(&fatal).get_or_insert(e);
                    return;
                }
                let pos = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress.update(pos, || {
                    format!("refused {}", refused_count.load(Ordering::SeqCst))
                });
            });
        }
    });
    progress.finish();
    if let Some(e) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(CliError::failure(format!(
            "{e}; submissions stopped (rerun the same command to resume; the journal settles \
             what was in flight)"
        )));
    }
    Ok(refused.into_inner().unwrap_or_else(|p| p.into_inner()))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Polls every unfinished job (100 ids per call) until all have ended, `timeout` passes
/// or `interrupted` is set; answers whether time ran out.
fn wait_all(
    c: &CosClient,
    bucket: &str,
    tracked: &mut HashMap<String, Tracked>,
    timeout: Duration,
    interrupted: &AtomicBool,
) -> Result<bool, CliError> {
    let total = tracked.len() as u64;
    let progress = Progress::new("waiting", total);
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(200);
    loop {
        let open: Vec<String> = tracked
            .iter()
            .filter(|(_, t)| !t.detail.as_ref().is_some_and(|d| d.state.is_final()))
            .map(|(id, _)| id.clone())
            .collect();
        let mut ended_now = 0;
        for chunk in open.chunks(MAX_JOB_IDS_PER_CALL) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let (_, found) = c.ci_get_media_pic_jobs(bucket, &ids)?;
            for job in found.jobs_detail {
                if let Some(t) = tracked.get_mut(&job.job_id) {
                    if job.state.is_final() {
                        ended_now += 1;
                    }
                    t.detail = Some(job);
                }
            }
            if !found.non_exist_job_ids.is_empty() {
                return Err(CliError::Service(format!(
                    "the service does not know jobs of the journal: {}",
                    found.non_exist_job_ids.join(", ")
                )));
            }
        }
        let count = |state: JobState| {
            tracked
                .values()
                .filter(|t| t.detail.as_ref().is_some_and(|d| d.state == state))
                .count()
        };
        let (success, failed, cancelled, running) = (
            count(JobState::Success),
            count(JobState::Failed),
            count(JobState::Cancel),
            count(JobState::Running),
        );
        let ended = (success + failed + cancelled) as u64;
        progress.update(ended, || {
            format!(
                "done {success} failed {} running {running} queued {}",
                failed + cancelled,
                total.saturating_sub(ended + running as u64)
            )
        });
        if ended == total || interrupted.load(Ordering::SeqCst) {
            progress.finish();
            return Ok(false);
        }
        let now = Instant::now();
        if now >= deadline {
            progress.finish();
            return Ok(true);
        }
        pause = if ended_now > 0 {
            Duration::from_millis(200)
        } else {
            (pause * 2).min(Duration::from_secs(2))
        };
        std::thread::sleep(pause.min(deadline - now));
    }
}

fn summary(
    tracked: &HashMap<String, Tracked>,
    refused: &[(String, String)],
    elapsed: Duration,
    timed_out: bool,
    interrupted: &AtomicBool,
    journal: &std::path::Path,
) -> Result<(), CliError> {
    let state_of = |t: &Tracked| t.detail.as_ref().map(|d| d.state);
    let count = |s: JobState| tracked.values().filter(|t| state_of(t) == Some(s)).count();
    let (success, failed, cancelled) = (
        count(JobState::Success),
        count(JobState::Failed),
        count(JobState::Cancel),
    );
    let unfinished = tracked.len() - success - failed - cancelled;
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        tracked.len() as f64 / secs
    } else {
        0.0
    };
    println!(
        "jobs {}: success {success}, failed {failed}, cancelled {cancelled}, unfinished \
         {unfinished}, refused {}; {secs:.1} s, {rate:.1} jobs/s; journal {}",
        tracked.len(),
        refused.len(),
        journal.display()
    );
    let mut bad: Vec<&Tracked> = tracked
        .values()
        .filter(|t| matches!(state_of(t), Some(JobState::Failed | JobState::Cancel)))
        .collect();
    bad.sort_by(|a, b| a.key.cmp(&b.key));
    for t in bad {
        if let Some(d) = &t.detail {
            println!(
                "FAILED {} -> {}: {} {}: {} (job {})",
                t.key, t.output, d.state, d.code, d.message, d.job_id
            );
        }
    }
    for (key, reason) in refused {
        println!("REFUSED {key}: {reason}");
    }
    if interrupted.load(Ordering::SeqCst) {
        return Err(CliError::Interrupted);
    }
    if failed + cancelled > 0 || !refused.is_empty() {
        return Err(CliError::JobsFailed(format!(
            "{} of {} jobs did not succeed",
            failed + cancelled + refused.len(),
            tracked.len() + refused.len()
        )));
    }
    if timed_out {
        return Err(CliError::failure(format!(
            "{unfinished} jobs still running after the --timeout; rerun to keep waiting"
        )));
    }
    Ok(())
}

fn finish_refused(refused: &[(String, String)]) -> Result<(), CliError> {
    for (key, reason) in refused {
        println!("REFUSED {key}: {reason}");
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(CliError::JobsFailed(format!(
            "{} sources refused",
            refused.len()
        )))
    }
}

impl From<ClientError> for CliError {
    fn from(err: ClientError) -> Self {
        CliError::from(CosClientError::from(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_templates_expand_the_clouds_variables() {
        let t = OutputTemplate::parse("thumbs/${InputPath}/${InputName}.webp").unwrap();
        assert_eq!(
            t.expand("photos/2024/cat.jpg"),
            "thumbs/photos/2024/cat.webp"
        );
        assert_eq!(t.expand("cat.tar.gz"), "thumbs//cat.tar.webp");
        let t = OutputTemplate::parse("out/${InputNameAndExt}.png").unwrap();
        assert_eq!(t.expand("a/.hidden"), "out/.hidden.png");
        assert_eq!(t.expand("a/b"), "out/b.png");
        assert!(t.varies());
        assert!(!OutputTemplate::parse("x.png").unwrap().varies());
        for bad in ["", "/abs/${InputName}", "a/${Ext}", "a/${InputName"] {
            assert!(OutputTemplate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_pacer_spaces_slots_by_the_rate() {
        let p = Pacer::new(Some(200.0)).unwrap();
        let t0 = Instant::now();
        let offsets: Vec<u128> = (0..4).map(|_| (p.take_slot(t0) - t0).as_millis()).collect();
        assert_eq!(offsets, [0, 5, 10, 15]);
        // A caller arriving after the queue has drained gets its arrival time.
        let late = t0 + Duration::from_secs(1);
        assert_eq!(p.take_slot(late), late);
        assert_eq!(Pacer::new(None).unwrap().take_slot(t0), t0);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Pacer::new(Some(bad)).is_err(), "{bad}");
        }
    }

    fn temp_journal(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cosci-plan-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        path
    }

    fn run_header() -> Record {
        Record::Run {
            bucket: "b-1".into(),
            prefix: "in/".into(),
            rule: "imageMogr2/format/png".into(),
            output: "in/out/${InputName}.png".into(),
        }
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn a_resumed_plan_leaves_out_what_the_journal_submitted() {
        let path = temp_journal("resume");
        let template = OutputTemplate::parse("in/out/${InputName}.png").unwrap();
        let listing = keys(&["in/", "in/a.jpg", "in/b.jpg", "in/c.jpg", "in/d.jpg"]);
        {
            let mut j = Journal::open(&path, &run_header()).unwrap();
            let first = plan(&j, &template, listing.clone()).unwrap();
            assert_eq!(first.listed, 4);
            assert_eq!(first.resumed, 0);
            assert_eq!(
                first.planned[0],
                ("in/a.jpg".to_owned(), "in/out/a.png".to_owned())
            );
            // The run submits a and b, then dies between c's intent and its answer.
            for (key, id) in [("in/a.jpg", "c1"), ("in/b.jpg", "c2")] {
                let output = template.expand(key);
                j.record(Record::Intent {
                    key: key.into(),
                    output: output.clone(),
                    user_data: format!("u-{key}"),
                })
                .unwrap();
                j.record(Record::Submitted {
                    key: key.into(),
                    output,
                    job_id: id.into(),
                })
                .unwrap();
            }
            j.record(Record::Intent {
                key: "in/c.jpg".into(),
                output: "in/out/c.png".into(),
                user_data: "u-in/c.jpg".into(),
            })
            .unwrap();
        }
        // The next run lists the outputs too: they are not sources.
        let mut listing = listing;
        listing.extend(keys(&["in/out/a.png", "in/out/b.png"]));
        let j = Journal::open(&path, &run_header()).unwrap();
        let again = plan(&j, &template, listing.clone()).unwrap();
        assert_eq!(again.listed, 4);
        assert_eq!(again.resumed, 2);
        let planned: Vec<&str> = again.planned.iter().map(|(k, _)| k.as_str()).collect();
        // c is planned only once its intent is settled as not submitted; here it is
        // still unsettled, which `submit` settles before planning.
        assert_eq!(planned, ["in/c.jpg", "in/d.jpg"]);
        assert_eq!(j.unsettled().len(), 1);
        drop(j);
        // Settled as submitted (found by its UserData), c is no longer planned.
        let mut j = Journal::open(&path, &run_header()).unwrap();
        j.record(Record::Submitted {
            key: "in/c.jpg".into(),
            output: "in/out/c.png".into(),
            job_id: "c3".into(),
        })
        .unwrap();
        let last = plan(&j, &template, listing).unwrap();
        assert_eq!(last.resumed, 3);
        assert_eq!(
            last.planned,
            [("in/d.jpg".to_owned(), "in/out/d.png".to_owned())]
        );
        assert!(j.unsettled().is_empty());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_plan_refuses_outputs_that_overwrite_or_collide() {
        let path = temp_journal("refuse");
        let j = Journal::open(&path, &run_header()).unwrap();
        let same = OutputTemplate::parse("in/${InputNameAndExt}").unwrap();
        assert!(plan(&j, &same, keys(&["in/a.jpg"])).is_err());
        let fixed = OutputTemplate::parse("out/one.png").unwrap();
        assert!(plan(&j, &fixed, keys(&["in/a.jpg"])).is_ok());
        assert!(plan(&j, &fixed, keys(&["in/a.jpg", "in/b.jpg"])).is_err());
        drop(j);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
