//! An in-process HTTP test server on 127.0.0.1 for the client tests: records every
//! request (line, headers, body digest), verifies its COS signature with
//! `ci_core::sign::verify`, and answers with a scripted reply. Bounded: it stops when
//! dropped, and each test sends a handful of requests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ci_core::client::{crc64, CosClient, CosConfig};
use ci_core::sign::{
    verify, Credentials, ReceivedRequest, VerifiedIdentity, VerifyError, VerifyPolicy,
};

pub const AK: &str = "AKIDtest";
pub const SK: &str = "sk-test";
pub const BUCKET: &str = "examplebucket-1250000000";
pub const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
pub const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/seeds");

/// Bodies larger than this are counted and hashed but not kept.
const KEEP_BODY: usize = 1 << 20;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Raw request target: path and query as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub body_len: u64,
    pub body_crc64: u64,
    pub verified: Result<VerifiedIdentity, VerifyError>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or("")
    }
    pub fn query(&self) -> Option<&str> {
        self.url.split_once('?').map(|(_, q)| q)
    }
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A scripted answer.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok() -> Self {
        Reply {
            status: 200,
            ..Default::default()
        }
    }
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            ..Default::default()
        }
    }
    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

pub struct TestServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    server: Arc<tiny_http::Server>,
    handle: Option<JoinHandle<()>>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn lookup(ak: &str) -> Option<Credentials> {
    match ak {
        AK => Some(Credentials::new(AK, SK)),
        "AKIDtemp" => Some(Credentials::new("AKIDtemp", "sk-temp").with_token("session-token")),
        _ => None,
    }
}

impl TestServer {
    /// Starts a server whose `handler` sees each recorded request (and how many came
    /// before it) and returns the reply.
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + 'static) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let (srv, reqs) = (server.clone(), requests.clone());
        let handle = std::thread::spawn(move || {
            // Bounded: ends when the server is unblocked (on drop).
            while let Ok(mut rq) = srv.recv() {
                let method = rq.method().as_str().to_owned();
                let url = rq.url().to_owned();
                let headers: Vec<(String, String)> = rq
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.as_str().as_str().to_owned(),
                            h.value.as_str().to_owned(),
                        )
                    })
                    .collect();
                let mut body = Vec::new();
                let mut len = 0u64;
                let mut digest = ci_core::client::CRC64.digest();
                let mut buf = vec![0u8; 64 * 1024];
                let reader = rq.as_reader();
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            len += n as u64;
                            digest.update(&buf[..n]);
                            if body.len() < KEEP_BODY {
                                body.extend_from_slice(&buf[..n]);
                            }
                        }
                    }
                }
                let (path, query) = match url.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (url.as_str(), None),
                };
                let verified = ReceivedRequest::from_raw(&method, path, query, headers.clone())
                    .map_err(VerifyError::from)
                    .and_then(|r| verify(&r, lookup, now(), &VerifyPolicy::default()));
                let rec = Recorded {
                    method,
                    url,
                    headers,
                    body,
                    body_len: len,
                    body_crc64: digest.finalize(),
                    verified,
                };
                let n = {
                    let mut g = reqs.lock().unwrap();
                    g.push(rec.clone());
                    g.len() - 1
                };
                let reply = handler(&rec, n);
                let mut resp =
                    tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                for (k, v) in reply.headers {
                    resp.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                    );
                }
                let _ = rq.respond(resp);
            }
        });
        TestServer {
            port,
            requests,
            server,
            handle: Some(handle),
        }
    }

    /// A server that answers 200 with an empty body and `x-cos-request-id`.
    pub fn ok() -> Self {
        Self::start(|_, _| Reply::ok().header("x-cos-request-id", "req-ok"))
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn last(&self) -> Recorded {
        self.requests().pop().expect("a request was recorded")
    }

    pub fn config(&self) -> CosConfig {
        CosConfig::new("ap-guangzhou", AK, SK)
            .with_ip_port("127.0.0.1", self.port)
            .with_retries(2, Duration::from_millis(5))
    }

    pub fn client(&self) -> CosClient {
        CosClient::new(self.config()).expect("client")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

pub fn seed(name: &str) -> String {
    std::fs::read_to_string(format!("{SEEDS}/{name}")).expect("seed fixture")
}

pub fn crc_of(data: &[u8]) -> String {
    crc64(data).to_string()
}
