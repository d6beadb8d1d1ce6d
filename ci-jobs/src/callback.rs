//! Job-end callbacks: whom to call (job settings over the queue's), in which body, the
//! URL policy (no open relay), one attempt. The delivery thread is in `workers`.

use std::net::IpAddr;
use std::time::Duration;

use ci_core::result::{CreatePicJobsRequest, JobsDetail, PicJobCallback};
use reqwest::Url;

use crate::model::{CallbackDelivery, CallbackFormat, DeliveryState};
use crate::store::QueueRow;

/// How callbacks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackConfig {
    /// Hosts (`name` or `name:port`, compared without case) callbacks may go to besides
    /// loopback addresses and `localhost`. Empty: loopback only.
    pub allow_hosts: Vec<String>,
    /// Attempts per callback, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub first_retry: Duration,
    /// Longest wait between attempts.
    pub max_retry: Duration,
    /// Whole-request timeout of one attempt.
    pub timeout: Duration,
    /// Connect timeout of one attempt.
    pub connect_timeout: Duration,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        CallbackConfig {
            allow_hosts: Vec::new(),
            max_attempts: 5,
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl CallbackConfig {
    /// Why `url` may not be called, or `None` when it may: http(s) only, to a loopback
    /// address, `localhost`, or a host of [`CallbackConfig::allow_hosts`].
    pub fn refusal(&self, url: &str) -> Option<String> {
        let parsed = match Url::parse(url) {
            Ok(u) => u,
            Err(e) => return Some(format!("not a URL: {e}")),
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Some(format!("scheme `{}` is not http or https", parsed.scheme()));
        }
        let Some(host) = parsed.host_str() else {
            return Some("no host".to_owned());
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = bare.eq_ignore_ascii_case("localhost")
            || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return None;
        }
        let with_port = parsed
            .port_or_known_default()
            .map(|p| format!("{host}:{p}"));
        let allowed = self.allow_hosts.iter().any(|a| {
            a.eq_ignore_ascii_case(host)
                || with_port
                    .as_deref()
                    .is_some_and(|hp| a.eq_ignore_ascii_case(hp))
        });
        if allowed {
            None
        } else {
            Some(format!(
                "host `{host}` is neither loopback nor in the callback allow-list"
            ))
        }
    }

    /// The wait after `attempts` failed attempts.
    pub(crate) fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.first_retry
            .checked_mul(factor)
            .map_or(self.max_retry, |d| d.min(self.max_retry))
    }
}

/// The callback a job end produces, if any: `CallBack=no` suppresses every callback; a
/// job's `CallBack` URL overrides the queue's; otherwise the queue's `NotifyConfig` when
/// `State=On`, `Type=Url` and `Event` contains `TaskFinish`. The format is the job's
/// `CallBackFormat`, else the queue's `ResultFormat`, else XML. TDMQ targets are recorded
/// as refused: cos-ci has no message queue.
pub(crate) fn delivery_for(
    request: &CreatePicJobsRequest,
    queue: Option<&QueueRow>,
    detail: JobsDetail,
    config: &CallbackConfig,
) -> Option<CallbackDelivery> {
    let job_url = request.call_back.as_deref().map(str::trim).unwrap_or("");
    if job_url == "no" {
        return None;
    }
    let notify = queue.map(|q| &q.notify);
    let queue_format = notify
        .and_then(|n| n.result_format.as_deref())
        .and_then(CallbackFormat::parse);
    let format = request
        .call_back_format
        .as_deref()
        .and_then(CallbackFormat::parse)
        .or(queue_format)
        .unwrap_or(CallbackFormat::Xml);
    let job_tdmq = request
        .call_back_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("TDMQ"));
    let (url, tdmq) = if !job_url.is_empty() || job_tdmq {
        (job_url.to_owned(), job_tdmq)
    } else {
        let n = notify?;
        let on = n.state.as_deref() == Some("On");
        let finish = n
            .event
            .as_deref()
            .is_some_and(|e| e.split(',').any(|e| e.trim() == "TaskFinish"));
        if !on || !finish {
            return None;
        }
        let tdmq = n
            .kind
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("TDMQ"));
        let url = n.url.clone().unwrap_or_default();
        if url.is_empty() && !tdmq {
            return None;
        }
        (url, tdmq)
    };
    let callback = PicJobCallback::task_finish(detail);
    let body = match format {
        CallbackFormat::Xml => callback.to_xml(),
        CallbackFormat::Json => callback.to_json(),
    };
    let refusal = if tdmq {
        Some("TDMQ callbacks are not delivered by cos-ci".to_owned())
    } else {
        config.refusal(&url)
    };
    Some(CallbackDelivery {
        job_id: callback.jobs_detail.job_id,
        url,
        format,
        body,
        state: if refusal.is_some() {
            DeliveryState::Refused
        } else {
            DeliveryState::Pending
        },
        attempts: 0,
        last_status: None,
        last_error: refusal.unwrap_or_default(),
    })
}

/// One attempt: the answer's status, or why there was none.
pub(crate) fn post(
    client: &reqwest::blocking::Client,
    d: &CallbackDelivery,
) -> (Option<u16>, String) {
    let sent = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, d.format.content_type())
        .body(d.body.clone())
        .send();
    match sent {
        Ok(answer) => {
            let status = answer.status();
            // Read (and drop) the answer so the connection can be reused.
            let _ = answer.bytes();
            let error = if status.is_success() {
                String::new()
            } else {
                format!("answered {status}")
            };
            (Some(status.as_u16()), error)
        }
        Err(e) => (None, e.to_string()),
    }
}

/// Builds the HTTP client on the delivery thread itself (reqwest's blocking client
/// must not be built or dropped inside an async runtime, where the server may call
/// [`crate::Engine::open`]): no redirects (a redirect would relay to any host), no
/// proxies, timeouts on connect and on the whole request.
pub(crate) fn client(config: &CallbackConfig) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_policy() {
        let open = CallbackConfig::default();
        for ok in [
            "http://127.0.0.1:8080/cb",
            "http://127.9.9.9/cb",
            "https://localhost/cb",
            "http://[::1]:9/cb",
        ] {
            assert_eq!(open.refusal(ok), None, "{ok}");
        }
        for bad in [
            "http://192.0.2.1/cb",
            "http://example.com/cb",
            "http://127.0.0.1.example.com/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "not a url",
            "",
        ] {
            assert!(open.refusal(bad).is_some(), "{bad}");
        }
        let allowing = CallbackConfig {
            allow_hosts: vec!["hooks.example.com".into(), "10.0.0.5:8443".into()],
            ..Default::default()
        };
        assert_eq!(allowing.refusal("https://HOOKS.example.com/x"), None);
        assert_eq!(allowing.refusal("http://10.0.0.5:8443/x"), None);
        assert!(allowing.refusal("http://10.0.0.5:8444/x").is_some());
        assert!(allowing.refusal("http://other.example.com/x").is_some());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = CallbackConfig {
            first_retry: Duration::from_millis(100),
            max_retry: Duration::from_millis(1000),
            ..Default::default()
        };
        let waits: Vec<u128> = (1..=6).map(|n| c.backoff(n).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(c.backoff(200), Duration::from_millis(1000));
    }
}
