//! Job listings (filters, order, NextToken pages stable under concurrent submits), queue
//! and pic bucket descriptions.

use std::collections::HashSet;
use std::sync::Arc;

use ci_core::result::JobState;
use ci_jobs::{BucketQuery, Engine, JobQuery, Order, QueueQuery};

use crate::common::*;

/// Every page of `q` (at most 100 pages).
fn all_pages(engine: &Engine, q: &JobQuery) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut q = q.clone();
    let mut ids = Vec::new();
    for _ in 0..100 {
        let page = engine.list_jobs(BUCKET, &q)?;
        assert!(page.jobs_detail.len() <= q.size as usize);
        ids.extend(page.jobs_detail.into_iter().map(|j| j.job_id));
        if page.next_token.is_empty() {
            return Ok(ids);
        }
        q.next_token = Some(page.next_token);
    }
    Err("more than 100 pages".into())
}

fn submit_n(
    engine: &Engine,
    queue: &str,
    n: usize,
    tag: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    (0..n)
        .map(|i| {
            engine
                .submit(BUCKET, request(queue, &format!("{tag}{i}.jpg")))
                .map(|j| j.job_id)
                .map_err(Into::into)
        })
        .collect()
}

#[test]
fn pages_in_both_orders() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
    let created = submit_n(&engine, &queue, 25, "a")?;

    let first = engine.list_jobs(BUCKET, &JobQuery::default())?;
    assert_eq!(first.jobs_detail.len(), 10);
    assert_eq!(first.jobs_detail[0].job_id, created[24]);
    assert!(!first.next_token.is_empty());

    let desc = all_pages(&engine, &JobQuery::default())?;
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(desc, newest_first);
    let asc = all_pages(
        &engine,
        &JobQuery {
            order: Order::Asc,
            size: 7,
            ..Default::default()
        },
    )?;
    assert_eq!(asc, created);
    // Exactly a page left: the last page has an empty token.
    let exact = engine.list_jobs(
        BUCKET,
        &JobQuery {
            size: 25,
            ..Default::default()
        },
    )?;
    assert_eq!(
        (exact.jobs_detail.len(), exact.next_token.as_str()),
        (25, "")
    );
    assert!(engine
        .list_jobs(
            BUCKET,
            &JobQuery {
                next_token: Some("garbage".into()),
                ..Default::default()
            }
        )
        .is_err());
    Ok(())
}

#[test]
fn tokens_are_stable_under_concurrent_submits() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
    let mut existing = submit_n(&engine, &queue, 12, "a")?;
    for order in [Order::Desc, Order::Asc] {
        let mut q = JobQuery {
            order,
            size: 5,
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut added = Vec::new();
        for round in 0..100 {
            let page = engine.list_jobs(BUCKET, &q)?;
            seen.extend(page.jobs_detail.into_iter().map(|j| j.job_id));
            // Submits between pages.
            if round < 2 {
                added.extend(submit_n(&engine, &queue, 3, &format!("{order:?}{round}-"))?);
            }
            if page.next_token.is_empty() {
                break;
            }
            q.next_token = Some(page.next_token);
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{order:?}: a job was listed twice"
        );
        match order {
            // Newest first: the first page fixed the start; later jobs do not appear and
            // none of the earlier ones is skipped.
            Order::Desc => {
                let mut expected = existing.clone();
                expected.reverse();
                assert_eq!(seen, expected);
            }
            // Oldest first: jobs created meanwhile come at the end.
            Order::Asc => {
                let expected: Vec<String> = existing.iter().chain(&added).cloned().collect();
                assert_eq!(seen, expected);
            }
        }
        existing.extend(added);
    }
    Ok(())
}

#[test]
fn filters() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (engine, queue) = engine_with_bucket(&dir, config(0), Arc::new(FakeRunner::default()))?;
    let ids = submit_n(&engine, &queue, 6, "f")?;
    engine.cancel_job(BUCKET, &ids[1])?;
    engine.cancel_job(BUCKET, &ids[4])?;
    let pick = |pairs: &[(&str, &str)]| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let q = JobQuery::from_query_pairs(pairs.iter().copied())?;
        all_pages(&engine, &q)
    };
    assert_eq!(
        pick(&[("states", "Cancel"), ("orderByTime", "Asc")])?,
        vec![ids[1].clone(), ids[4].clone()]
    );
    assert_eq!(pick(&[("states", "Submitted")])?.len(), 4);
    assert_eq!(pick(&[("states", "Submitted,Cancel")])?.len(), 6);
    assert_eq!(pick(&[("states", "All")])?.len(), 6);
    assert_eq!(
        pick(&[("states", "Success,Failed,Running,Pause")])?.len(),
        0
    );
    assert_eq!(pick(&[("queueId", queue.as_str())])?.len(), 6);
    assert_eq!(pick(&[("queueId", "pnone")])?.len(), 0);
    assert_eq!(pick(&[("inputObject", "f3.jpg")])?, vec![ids[3].clone()]);
    assert_eq!(
        pick(&[("startCreationTime", "2100-01-01T00:00:00+0800")])?.len(),
        0
    );
    assert_eq!(
        pick(&[("endCreationTime", "2001-01-01T23:59:59+0800")])?.len(),
        0
    );
    assert_eq!(
        pick(&[
            ("startCreationTime", "2001-01-01T00:00:00+0800"),
            ("endCreationTime", "2100-01-01T00:00:00+0800"),
        ])?
        .len(),
        6
    );
    // Jobs of another bucket are not listed, nor found by id.
    engine.open_pic_bucket("other-1250000000", REGION)?;
    assert!(engine
        .list_jobs("other-1250000000", &JobQuery::default())?
        .jobs_detail
        .is_empty());
    assert_eq!(
        engine
            .get_jobs("other-1250000000", &[&ids[0]])?
            .non_exist_job_ids,
        vec![ids[0].clone()]
    );
    assert!(engine
        .list_jobs("closed-1250000000", &JobQuery::default())
        .is_err());
    let detail = engine.get_jobs(BUCKET, &[&ids[1]])?;
    assert_eq!(detail.jobs_detail[0].state, JobState::Cancel);
    Ok(())
}

#[test]
fn queues_and_pic_buckets_are_described() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(
        dir.path().join("jobs.sqlite3"),
        config(0),
        Arc::new(FakeRunner::default()),
    )?;
    for (bucket, region) in [
        ("demo-1250000000", "ap-chongqing"),
        ("demo1-1250000000", "ap-chongqing"),
        ("demo2-1250000000", "ap-shanghai"),
        ("photos-1250000000", "ap-shanghai"),
        ("zeta-1250000000", "ap-guangzhou"),
    ] {
        engine.open_pic_bucket(bucket, region)?;
    }
    let names = |q: &BucketQuery| -> Result<(u64, Vec<String>), Box<dyn std::error::Error>> {
        let r = engine.describe_pic_buckets(q)?;
        Ok((
            r.total_count,
            r.pic_bucket_list.into_iter().map(|b| b.bucket_id).collect(),
        ))
    };
    assert_eq!(names(&BucketQuery::default())?.0, 5);
    let q = BucketQuery::from_query_pairs([
        ("regions", "ap-chongqing,ap-shanghai"),
        ("bucketName", "demo"),
    ])?;
    assert_eq!(
        names(&q)?,
        (
            3,
            vec![
                "demo-1250000000".into(),
                "demo1-1250000000".into(),
                "demo2-1250000000".into()
            ]
        )
    );
    let q = BucketQuery::from_query_pairs([("bucketNames", "zeta-1250000000,nope-1")])?;
    assert_eq!(names(&q)?, (1, vec!["zeta-1250000000".into()]));
    let q = BucketQuery::from_query_pairs([("pageNumber", "2"), ("pageSize", "2")])?;
    assert_eq!(
        names(&q)?,
        (
            5,
            vec!["demo2-1250000000".into(), "photos-1250000000".into()]
        )
    );
    let rendered = engine.describe_pic_buckets(&q)?;
    assert_eq!((rendered.page_number, rendered.page_size), (2, 2));

    let queues = engine.describe_queues("demo-1250000000", &Default::default())?;
    assert_eq!(queues.total_count, 1);
    let id = queues.queue_list[0].queue_id.clone();
    let other = engine
        .describe_queues("demo1-1250000000", &Default::default())?
        .queue_list[0]
        .queue_id
        .clone();
    let q = QueueQuery::from_query_pairs([("queueIds", format!("{id},pX,{other}").as_str())])?;
    let found = engine.describe_queues("demo-1250000000", &q)?;
    assert_eq!(found.queue_list.len(), 1);
    // A queue of another bucket is not this bucket's.
    assert_eq!(found.non_exist_pids, vec!["pX".to_owned(), other]);
    let paused_only = engine.describe_queues(
        "demo-1250000000",
        &QueueQuery {
            state: Some("Paused".into()),
            ..Default::default()
        },
    )?;
    assert_eq!(
        (paused_only.total_count, paused_only.queue_list.len()),
        (0, 0)
    );
    Ok(())
}
