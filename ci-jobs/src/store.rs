//! Every SQL statement of the engine: the schema, and one function per read or
//! transition. Callers hold the engine's lock; functions that change more than one row
//! take a transaction.

use std::path::Path;
use std::time::Duration;

use ci_core::result::{CreatePicJobsRequest, JobState, NotifyConfig, PicProcessResult};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};

use crate::model::{CallbackDelivery, CallbackFormat, DeliveryState, Job, JobQuery, Order};
use crate::{JobsError, Result};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pic_buckets (
    bucket_id   TEXT PRIMARY KEY,
    region      TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    queue_id    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pic_queues (
    queue_id       TEXT PRIMARY KEY,
    bucket_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    state          TEXT NOT NULL,
    notify_url     TEXT NOT NULL,
    notify_event   TEXT NOT NULL,
    notify_type    TEXT NOT NULL,
    notify_state   TEXT NOT NULL,
    notify_format  TEXT NOT NULL,
    mq_mode        TEXT NOT NULL,
    mq_region      TEXT NOT NULL,
    mq_name        TEXT NOT NULL,
    max_size       INTEGER NOT NULL,
    max_concurrent INTEGER NOT NULL,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pic_jobs (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        TEXT NOT NULL UNIQUE,
    bucket_id     TEXT NOT NULL,
    region        TEXT NOT NULL,
    queue_id      TEXT NOT NULL,
    state         TEXT NOT NULL,
    job_level     INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    start_time    INTEGER,
    end_time      INTEGER,
    code          TEXT NOT NULL,
    message       TEXT NOT NULL,
    input_object  TEXT NOT NULL,
    request_xml   TEXT NOT NULL,
    result_xml    TEXT,
    runs          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pic_jobs_pick ON pic_jobs (state, job_level DESC, seq);
CREATE INDEX IF NOT EXISTS pic_jobs_bucket ON pic_jobs (bucket_id, seq);
CREATE INDEX IF NOT EXISTS pic_jobs_queue ON pic_jobs (queue_id, state);
CREATE TABLE IF NOT EXISTS pic_callbacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          TEXT NOT NULL,
    url             TEXT NOT NULL,
    format          TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS pic_callbacks_due ON pic_callbacks (state, next_attempt_ms);
CREATE INDEX IF NOT EXISTS pic_callbacks_job ON pic_callbacks (job_id);
";

/// Opens (creating if needed) the database: WAL, `synchronous=NORMAL` (a committed
/// transition survives a killed process; a power cut may lose the last ones), a busy
/// timeout for other processes reading the file.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// A pic bucket row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketRow {
    pub bucket_id: String,
    pub region: String,
    pub create_time: i64,
    pub queue_id: String,
}

/// A pic queue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueRow {
    pub queue_id: String,
    pub bucket_id: String,
    pub name: String,
    pub state: String,
    pub notify: NotifyConfig,
    pub max_size: u32,
    pub max_concurrent: u32,
    pub create_time: i64,
    pub update_time: i64,
}

fn bucket_row(row: &Row<'_>) -> rusqlite::Result<BucketRow> {
    Ok(BucketRow {
        bucket_id: row.get(0)?,
        region: row.get(1)?,
        create_time: row.get(2)?,
        queue_id: row.get(3)?,
    })
}

pub(crate) fn bucket(conn: &Connection, bucket_id: &str) -> Result<Option<BucketRow>> {
    Ok(conn
        .query_row(
            "SELECT bucket_id, region, create_time, queue_id FROM pic_buckets WHERE bucket_id = ?1",
            [bucket_id],
            bucket_row,
        )
        .optional()?)
}

pub(crate) fn all_buckets(conn: &Connection) -> Result<Vec<BucketRow>> {
    let mut stmt = conn.prepare(
        "SELECT bucket_id, region, create_time, queue_id FROM pic_buckets ORDER BY bucket_id",
    )?;
    let rows = stmt.query_map([], bucket_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn insert_bucket(tx: &Transaction<'_>, b: &BucketRow, q: &QueueRow) -> Result<()> {
    tx.execute(
        "INSERT INTO pic_buckets (bucket_id, region, create_time, queue_id) VALUES (?1, ?2, ?3, ?4)",
        params![b.bucket_id, b.region, b.create_time, b.queue_id],
    )?;
    tx.execute(
        "INSERT INTO pic_queues (queue_id, bucket_id, name, state, notify_url, notify_event,
             notify_type, notify_state, notify_format, mq_mode, mq_region, mq_name, max_size,
             max_concurrent, create_time, update_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            q.queue_id,
            q.bucket_id,
            q.name,
            q.state,
            q.notify.url.as_deref().unwrap_or(""),
            q.notify.event.as_deref().unwrap_or(""),
            q.notify.kind.as_deref().unwrap_or(""),
            q.notify.state.as_deref().unwrap_or(""),
            q.notify.result_format.as_deref().unwrap_or(""),
            q.notify.mq_mode.as_deref().unwrap_or(""),
            q.notify.mq_region.as_deref().unwrap_or(""),
            q.notify.mq_name.as_deref().unwrap_or(""),
            q.max_size,
            q.max_concurrent,
            q.create_time,
            q.update_time
        ],
    )?;
    Ok(())
}

pub(crate) fn delete_bucket(tx: &Transaction<'_>, bucket_id: &str) -> Result<()> {
    tx.execute("DELETE FROM pic_queues WHERE bucket_id = ?1", [bucket_id])?;
    tx.execute("DELETE FROM pic_buckets WHERE bucket_id = ?1", [bucket_id])?;
    Ok(())
}

const QUEUE_COLUMNS: &str = "queue_id, bucket_id, name, state, notify_url, notify_event,
    notify_type, notify_state, notify_format, mq_mode, mq_region, mq_name, max_size,
    max_concurrent, create_time, update_time";

fn queue_row(row: &Row<'_>) -> rusqlite::Result<QueueRow> {
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        let s: String = row.get(i)?;
        Ok(Some(s).filter(|s| !s.is_empty()))
    };
    let always = |i: usize| -> rusqlite::Result<Option<String>> { Ok(Some(row.get(i)?)) };
    Ok(QueueRow {
        queue_id: row.get(0)?,
        bucket_id: row.get(1)?,
        name: row.get(2)?,
        state: row.get(3)?,
        notify: NotifyConfig {
            url: always(4)?,
            event: always(5)?,
            kind: always(6)?,
            state: always(7)?,
            result_format: always(8)?,
            mq_mode: text(9)?,
            mq_region: text(10)?,
            mq_name: text(11)?,
        },
        max_size: row.get(12)?,
        max_concurrent: row.get(13)?,
        create_time: row.get(14)?,
        update_time: row.get(15)?,
    })
}

pub(crate) fn queue(conn: &Connection, queue_id: &str) -> Result<Option<QueueRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {QUEUE_COLUMNS} FROM pic_queues WHERE queue_id = ?1"),
            [queue_id],
            queue_row,
        )
        .optional()?)
}

pub(crate) fn all_queues(conn: &Connection) -> Result<Vec<QueueRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {QUEUE_COLUMNS} FROM pic_queues ORDER BY create_time, queue_id"
    ))?;
    let rows = stmt.query_map([], queue_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn update_queue(conn: &Connection, q: &QueueRow) -> Result<()> {
    conn.execute(
        "UPDATE pic_queues SET name = ?2, state = ?3, notify_url = ?4, notify_event = ?5,
             notify_type = ?6, notify_state = ?7, notify_format = ?8, mq_mode = ?9,
             mq_region = ?10, mq_name = ?11, update_time = ?12
         WHERE queue_id = ?1",
        params![
            q.queue_id,
            q.name,
            q.state,
            q.notify.url.as_deref().unwrap_or(""),
            q.notify.event.as_deref().unwrap_or(""),
            q.notify.kind.as_deref().unwrap_or(""),
            q.notify.state.as_deref().unwrap_or(""),
            q.notify.result_format.as_deref().unwrap_or(""),
            q.notify.mq_mode.as_deref().unwrap_or(""),
            q.notify.mq_region.as_deref().unwrap_or(""),
            q.notify.mq_name.as_deref().unwrap_or(""),
            q.update_time
        ],
    )?;
    Ok(())
}

const JOB_COLUMNS: &str = "seq, job_id, bucket_id, region, queue_id, state, creation_time,
    start_time, end_time, code, message, request_xml, result_xml, runs";

/// A job row before its XML columns are read back.
struct RawJob {
    seq: i64,
    job_id: String,
    bucket_id: String,
    region: String,
    queue_id: String,
    state: String,
    creation_time: i64,
    start_time: Option<i64>,
    end_time: Option<i64>,
    code: String,
    message: String,
    request_xml: String,
    result_xml: Option<String>,
    runs: u32,
}

fn raw_job(row: &Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        seq: row.get(0)?,
        job_id: row.get(1)?,
        bucket_id: row.get(2)?,
        region: row.get(3)?,
        queue_id: row.get(4)?,
        state: row.get(5)?,
        creation_time: row.get(6)?,
        start_time: row.get(7)?,
        end_time: row.get(8)?,
        code: row.get(9)?,
        message: row.get(10)?,
        request_xml: row.get(11)?,
        result_xml: row.get(12)?,
        runs: row.get(13)?,
    })
}

impl RawJob {
    fn into_job(self) -> Result<(i64, Job)> {
        let corrupt = |message: String| JobsError::Corrupt {
            id: self.job_id.clone(),
            message,
        };
        let state = self
            .state
            .parse::<JobState>()
            .map_err(|e| corrupt(e.to_string()))?;
        let request = CreatePicJobsRequest::from_xml(&self.request_xml)
            .map_err(|e| corrupt(format!("request: {e}")))?;
        let result = match &self.result_xml {
            Some(xml) => {
                Some(PicProcessResult::from_xml(xml).map_err(|e| corrupt(format!("result: {e}")))?)
            }
            None => None,
        };
        Ok((
            self.seq,
            Job {
                job_id: self.job_id,
                bucket_id: self.bucket_id,
                region: self.region,
                queue_id: self.queue_id,
                request,
                state,
                code: self.code,
                message: self.message,
                creation_time: self.creation_time,
                start_time: self.start_time,
                end_time: self.end_time,
                result,
                runs: self.runs,
            },
        ))
    }
}

pub(crate) fn insert_job(conn: &Connection, job: &Job) -> Result<()> {
    conn.execute(
        "INSERT INTO pic_jobs (job_id, bucket_id, region, queue_id, state, job_level,
             creation_time, code, message, input_object, request_xml)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            job.job_id,
            job.bucket_id,
            job.region,
            job.queue_id,
            job.state.as_str(),
            job.request.operation.job_level.unwrap_or(0),
            job.creation_time,
            job.code,
            job.message,
            job.request.input.object,
            job.request.to_xml()
        ],
    )?;
    Ok(())
}

pub(crate) fn job(conn: &Connection, job_id: &str) -> Result<Option<Job>> {
    let raw = conn
        .query_row(
            &format!("SELECT {JOB_COLUMNS} FROM pic_jobs WHERE job_id = ?1"),
            [job_id],
            raw_job,
        )
        .optional()?;
    raw.map(|r| r.into_job().map(|(_, job)| job)).transpose()
}

pub(crate) fn waiting_jobs(conn: &Connection, queue_id: &str) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM pic_jobs WHERE queue_id = ?1 AND state = 'Submitted'",
        [queue_id],
        |row| row.get(0),
    )?)
}

/// The next job to run among `queues`: highest `JobLevel`, then oldest; marked Running
/// (start time, one more run) in one statement.
pub(crate) fn claim_next(conn: &Connection, queues: &[&str], now: i64) -> Result<Option<Job>> {
    if queues.is_empty() {
        return Ok(None);
    }
    let marks = vec!["?"; queues.len()].join(",");
    let seq: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT seq FROM pic_jobs WHERE state = 'Submitted' AND queue_id IN ({marks})
                 ORDER BY job_level DESC, seq LIMIT 1"
            ),
            params_from_iter(queues.iter()),
            |row| row.get(0),
        )
        .optional()?;
    let Some(seq) = seq else { return Ok(None) };
    let raw = conn.query_row(
        &format!(
            "UPDATE pic_jobs SET state = 'Running', start_time = ?2, runs = runs + 1
             WHERE seq = ?1 RETURNING {JOB_COLUMNS}"
        ),
        params![seq, now],
        raw_job,
    )?;
    raw.into_job().map(|(_, job)| Some(job))
}

/// How a job ends.
pub(crate) struct Ending<'a> {
    pub state: JobState,
    pub code: &'a str,
    pub message: &'a str,
    pub end: i64,
    pub result: Option<&'a PicProcessResult>,
}

/// Moves a job from `from` to its end; false when it was not in `from` (nothing changed).
pub(crate) fn end_job(
    tx: &Transaction<'_>,
    job_id: &str,
    from: JobState,
    e: &Ending<'_>,
) -> Result<bool> {
    let changed = tx.execute(
        "UPDATE pic_jobs SET state = ?2, code = ?3, message = ?4, end_time = ?5, result_xml = ?6
         WHERE job_id = ?1 AND state = ?7",
        params![
            job_id,
            e.state.as_str(),
            e.code,
            e.message,
            e.end,
            e.result.map(PicProcessResult::to_xml),
            from.as_str()
        ],
    )?;
    Ok(changed == 1)
}

/// Puts every Running job back to Submitted (after a crash); returns how many.
pub(crate) fn requeue_running(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    let n = tx.execute(
        "UPDATE pic_jobs SET state = 'Submitted', start_time = NULL WHERE state = 'Running'",
        [],
    )?;
    tx.commit()?;
    Ok(n)
}

pub(crate) fn submitted_jobs_of_bucket(conn: &Connection, bucket_id: &str) -> Result<Vec<Job>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {JOB_COLUMNS} FROM pic_jobs WHERE bucket_id = ?1 AND state = 'Submitted' ORDER BY seq"
    ))?;
    let raws = stmt
        .query_map([bucket_id], raw_job)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter()
        .map(|r| r.into_job().map(|(_, job)| job))
        .collect()
}

/// Waiting jobs whose queue no longer exists (their bucket was closed while they ran,
/// and the process died before they ended).
pub(crate) fn orphaned_jobs(conn: &Connection) -> Result<Vec<Job>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {JOB_COLUMNS} FROM pic_jobs WHERE state = 'Submitted'
           AND queue_id NOT IN (SELECT queue_id FROM pic_queues) ORDER BY seq"
    ))?;
    let raws = stmt
        .query_map([], raw_job)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter()
        .map(|r| r.into_job().map(|(_, job)| job))
        .collect()
}

/// One page of a listing: the jobs and the `seq` of the last one when more follow.
pub(crate) fn list_jobs(
    conn: &Connection,
    bucket_id: &str,
    q: &JobQuery,
    after_seq: Option<i64>,
) -> Result<(Vec<Job>, Option<i64>)> {
    let mut sql = format!("SELECT {JOB_COLUMNS} FROM pic_jobs WHERE bucket_id = ?");
    let mut args: Vec<rusqlite::types::Value> = vec![bucket_id.to_owned().into()];
    if let Some(queue_id) = &q.queue_id {
        sql.push_str(" AND queue_id = ?");
        args.push(queue_id.clone().into());
    }
    if !q.states.is_empty() {
        sql.push_str(&format!(
            " AND state IN ({})",
            vec!["?"; q.states.len()].join(",")
        ));
        args.extend(q.states.iter().map(|s| s.as_str().to_owned().into()));
    }
    if let Some(t) = q.start_creation_time {
        sql.push_str(" AND creation_time >= ?");
        args.push(t.into());
    }
    if let Some(t) = q.end_creation_time {
        sql.push_str(" AND creation_time <= ?");
        args.push(t.into());
    }
    if let Some(object) = &q.input_object {
        sql.push_str(" AND input_object = ?");
        args.push(object.clone().into());
    }
    let (cmp, dir) = match q.order {
        Order::Asc => (">", "ASC"),
        Order::Desc => ("<", "DESC"),
    };
    if let Some(seq) = after_seq {
        sql.push_str(&format!(" AND seq {cmp} ?"));
        args.push(seq.into());
    }
    sql.push_str(&format!(" ORDER BY seq {dir} LIMIT ?"));
    args.push(i64::from(q.size + 1).into());
    let mut stmt = conn.prepare(&sql)?;
    let raws = stmt
        .query_map(params_from_iter(args), raw_job)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = raws.len() > q.size as usize;
    let mut jobs = Vec::with_capacity(raws.len());
    let mut last = None;
    for raw in raws.into_iter().take(q.size as usize) {
        let (seq, job) = raw.into_job()?;
        last = Some(seq);
        jobs.push(job);
    }
    Ok((jobs, if more { last } else { None }))
}

pub(crate) fn insert_delivery(
    tx: &Transaction<'_>,
    d: &CallbackDelivery,
    next_attempt_ms: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO pic_callbacks (job_id, url, format, body, state, attempts, next_attempt_ms,
             last_status, last_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            d.job_id,
            d.url,
            d.format.as_str(),
            d.body,
            d.state.as_str(),
            d.attempts,
            next_attempt_ms,
            d.last_status,
            d.last_error
        ],
    )?;
    Ok(())
}

fn delivery_row(row: &Row<'_>) -> rusqlite::Result<(i64, i64, CallbackDelivery)> {
    let format: String = row.get(4)?;
    let state: String = row.get(6)?;
    Ok((
        row.get(0)?,
        row.get(1)?,
        CallbackDelivery {
            job_id: row.get(2)?,
            url: row.get(3)?,
            format: CallbackFormat::parse(&format).unwrap_or(CallbackFormat::Xml),
            body: row.get(5)?,
            state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Failed),
            attempts: row.get(7)?,
            last_status: row.get(8)?,
            last_error: row.get(9)?,
        },
    ))
}

const DELIVERY_COLUMNS: &str =
    "id, next_attempt_ms, job_id, url, format, body, state, attempts, last_status, last_error";

/// The pending delivery due first: `(id, due at, delivery)`.
pub(crate) fn next_delivery(conn: &Connection) -> Result<Option<(i64, i64, CallbackDelivery)>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM pic_callbacks WHERE state = 'Pending'
                 ORDER BY next_attempt_ms, id LIMIT 1"
            ),
            [],
            delivery_row,
        )
        .optional()?)
}

/// Makes every pending delivery due at `now` at the latest.
pub(crate) fn resume_deliveries(conn: &Connection, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE pic_callbacks SET next_attempt_ms = ?1
         WHERE state = 'Pending' AND next_attempt_ms > ?1",
        [now],
    )?;
    Ok(())
}

pub(crate) fn pending_deliveries(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM pic_callbacks WHERE state = 'Pending'",
        [],
        |row| row.get(0),
    )?)
}

pub(crate) fn record_attempt(
    conn: &Connection,
    id: i64,
    state: DeliveryState,
    next_attempt_ms: i64,
    status: Option<u16>,
    error: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE pic_callbacks SET state = ?2, attempts = attempts + 1, next_attempt_ms = ?3,
             last_status = ?4, last_error = ?5
         WHERE id = ?1",
        params![id, state.as_str(), next_attempt_ms, status, error],
    )?;
    Ok(())
}

pub(crate) fn deliveries_of(conn: &Connection, job_id: &str) -> Result<Vec<CallbackDelivery>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM pic_callbacks WHERE job_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([job_id], delivery_row)?;
    Ok(rows
        .map(|r| r.map(|(_, _, d)| d))
        .collect::<rusqlite::Result<_>>()?)
}
