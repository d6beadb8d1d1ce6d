//! Checks of what callers send: create-job requests, queue updates, page and token
//! values.

use ci_core::result::{CreatePicJobsRequest, NotifyConfig, PIC_PROCESS_TAG};

use crate::{JobsError, Result};

/// Longest `UserData` accepted, in bytes.
pub const MAX_USER_DATA: usize = 1024;
/// Longest queue name accepted, in bytes.
pub const MAX_QUEUE_NAME: usize = 128;

/// Items of page `number` (from 1) of `size`.
pub(crate) fn page<T>(items: Vec<T>, number: u32, size: u32) -> Vec<T> {
    let skip = (number.saturating_sub(1) as usize).saturating_mul(size as usize);
    items.into_iter().skip(skip).take(size as usize).collect()
}

pub(crate) fn write_token(seq: i64) -> String {
    format!("{seq:016x}")
}

pub(crate) fn read_token(token: &str) -> Result<i64> {
    (token.len() == 16)
        .then(|| i64::from_str_radix(token, 16).ok())
        .flatten()
        .ok_or_else(|| {
            JobsError::InvalidArgument(format!("nextToken `{token}` is not one of ours"))
        })
}

fn invalid(message: impl Into<String>) -> JobsError {
    JobsError::InvalidArgument(message.into())
}

pub(crate) fn check_request(r: &CreatePicJobsRequest) -> Result<()> {
    if r.tag != PIC_PROCESS_TAG {
        return Err(invalid(format!(
            "Tag `{}`: expected {PIC_PROCESS_TAG}",
            r.tag
        )));
    }
    if r.input.object.is_empty() {
        return Err(invalid("Input.Object is required"));
    }
    let op = &r.operation;
    let template = op.template_id.as_deref().is_some_and(|t| !t.is_empty());
    let rule = op
        .pic_process
        .as_ref()
        .is_some_and(|p| !p.process_rule.is_empty());
    if template == rule {
        return Err(invalid(
            "Operation needs exactly one of TemplateId and PicProcess.ProcessRule",
        ));
    }
    let out = &op.output;
    if out.region.is_empty() || out.bucket.is_empty() || out.object.is_empty() {
        return Err(invalid("Operation.Output needs Region, Bucket and Object"));
    }
    if op.job_level.is_some_and(|l| l > 2) {
        return Err(invalid("Operation.JobLevel must be 0, 1 or 2"));
    }
    if op
        .user_data
        .as_ref()
        .is_some_and(|u| u.len() > MAX_USER_DATA)
    {
        return Err(invalid(format!(
            "Operation.UserData is longer than {MAX_USER_DATA} bytes"
        )));
    }
    if r.queue_id.is_empty() {
        return Err(invalid("QueueId is required"));
    }
    if let Some(f) = r.call_back_format.as_deref().filter(|f| !f.is_empty()) {
        if f != "XML" && f != "JSON" {
            return Err(invalid(format!(
                "CallBackFormat `{f}`: expected XML or JSON"
            )));
        }
    }
    if let Some(t) = r.call_back_type.as_deref().filter(|t| !t.is_empty()) {
        if t != "Url" && t != "TDMQ" {
            return Err(invalid(format!("CallBackType `{t}`: expected Url or TDMQ")));
        }
    }
    Ok(())
}

/// A queue's new `NotifyConfig`, defaults filled: `State` On|Off (Off), `Type` Url|TDMQ
/// (Url), `Event` a comma list of TaskFinish|WorkflowFinish (TaskFinish), `ResultFormat`
/// XML|JSON (XML); `Url` required when On with type Url.
pub(crate) fn check_notify(n: &NotifyConfig) -> Result<NotifyConfig> {
    let pick = |v: &Option<String>, default: &str, allowed: &[&str], name: &str| {
        let v = v.as_deref().filter(|v| !v.is_empty()).unwrap_or(default);
        if allowed.contains(&v) {
            Ok(v.to_owned())
        } else {
            Err(invalid(format!(
                "NotifyConfig.{name} `{v}`: expected {}",
                allowed.join(" or ")
            )))
        }
    };
    let state = pick(&n.state, "Off", &["On", "Off"], "State")?;
    let kind = pick(&n.kind, "Url", &["Url", "TDMQ"], "Type")?;
    let format = pick(&n.result_format, "XML", &["XML", "JSON"], "ResultFormat")?;
    let event = n
        .event
        .as_deref()
        .filter(|e| !e.is_empty())
        .unwrap_or("TaskFinish");
    if let Some(bad) = event
        .split(',')
        .map(str::trim)
        .find(|e| !matches!(*e, "TaskFinish" | "WorkflowFinish"))
    {
        return Err(invalid(format!(
            "NotifyConfig.Event `{bad}`: expected TaskFinish or WorkflowFinish"
        )));
    }
    let url = n.url.clone().unwrap_or_default();
    if state == "On" && kind == "Url" && url.is_empty() {
        return Err(invalid("NotifyConfig.Url is required when State is On"));
    }
    Ok(NotifyConfig {
        url: Some(url),
        event: Some(event.to_owned()),
        kind: Some(kind),
        state: Some(state),
        result_format: Some(format),
        mq_mode: n.mq_mode.clone().filter(|s| !s.is_empty()),
        mq_region: n.mq_region.clone().filter(|s| !s.is_empty()),
        mq_name: n.mq_name.clone().filter(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_pages() {
        assert_eq!(write_token(42), "000000000000002a");
        assert_eq!(read_token("000000000000002a").ok(), Some(42));
        for bad in ["", "2a", "zzzzzzzzzzzzzzzz", "000000000000002a0"] {
            assert!(read_token(bad).is_err(), "{bad}");
        }
        assert_eq!(page(vec![1, 2, 3, 4, 5], 2, 2), vec![3, 4]);
        assert_eq!(page(vec![1, 2, 3], 3, 2), Vec::<i32>::new());
    }

    #[test]
    fn notify_defaults_and_refusals() -> Result<()> {
        let n = check_notify(&NotifyConfig::default())?;
        assert_eq!(n.state.as_deref(), Some("Off"));
        assert_eq!(n.kind.as_deref(), Some("Url"));
        assert_eq!(n.event.as_deref(), Some("TaskFinish"));
        assert_eq!(n.result_format.as_deref(), Some("XML"));
        let on_without_url = NotifyConfig {
            state: Some("On".into()),
            ..Default::default()
        };
        assert!(check_notify(&on_without_url).is_err());
        let bad_event = NotifyConfig {
            event: Some("TaskFinish,Done".into()),
            ..Default::default()
        };
        assert!(check_notify(&bad_event).is_err());
        Ok(())
    }
}
