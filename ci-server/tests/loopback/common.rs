//! Test helpers: a raw HTTP/1.1 client over loopback, request signing, a fake engine.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ci_core::process::ProcessError as EngineError;
use ci_core::result::CosError;
use ci_core::result::ImageInfo;
use ci_core::rule::{MogrOp, ProcessingRule, Stage};
use ci_core::sign::{
    encode_component, encode_key_for_url, sign, Credentials, HeaderPolicy, KeyTime, SignableRequest,
};
use ci_server::{
    spawn_for_tests, ProcessContext, ProcessError, Processed, Processor, ServerConfig, TestServer,
};

pub const AK: &str = "AKIDtest";
pub const SK: &str = "sk-test";
pub const BUCKET: &str = "examplebucket-1250000000";
pub const REGION: &str = "ap-guangzhou";

pub fn vhost() -> String {
    format!("{BUCKET}.cos.{REGION}.myqcloud.com")
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// A header by its exact name as sent (the cloud's case: `ETag`, `x-cos-request-id`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let has_len = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    if !has_len && (!body.is_empty() || method == "PUT" || method == "POST") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head: bool) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let text = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = text.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = if head {
        Vec::new()
    } else {
        raw[end + 4..].to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn creds() -> Credentials {
    Credentials::new(AK, SK)
}

/// The query string of `params` as the Python SDK encodes it.
pub fn query(params: &[(&str, Option<&str>)]) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", encode_component(k), encode_component(v)),
            None => encode_component(k),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request builder that signs like the SDKs.
pub struct Req<'a> {
    pub method: &'a str,
    pub key: String,
    pub params: Vec<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub host: String,
    pub key_time: KeyTime,
    pub policy: HeaderPolicy,
    pub creds: Credentials,
    pub path_style: bool,
    pub sign: bool,
}

impl<'a> Req<'a> {
    pub fn new(method: &'a str, key: &str) -> Self {
        let n = now();
        Req {
            method,
            key: key.to_owned(),
            params: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            host: vhost(),
            key_time: KeyTime::new(n - 60, n + 3600),
            policy: HeaderPolicy::Default,
            creds: creds(),
            path_style: false,
            sign: true,
        }
    }

    pub fn param(mut self, k: &str, v: &str) -> Self {
        self.params.push((k.into(), Some(v.into())));
        self
    }

    pub fn flag(mut self, k: &str) -> Self {
        self.params.push((k.into(), None));
        self
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }

    /// The raw request target.
    pub fn target(&self) -> String {
        let mut t = if self.path_style {
            format!("/{BUCKET}/{}", encode_key_for_url(&self.key))
        } else {
            format!("/{}", encode_key_for_url(&self.key))
        };
        if !self.params.is_empty() {
            t.push('?');
            let p: Vec<(&str, Option<&str>)> = self
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            t.push_str(&query(&p));
        }
        t
    }

    pub fn send(self, addr: SocketAddr) -> Resp {
        let target = self.target();
        self.send_to(addr, &target)
    }

    /// Sends with an explicit raw target (the signature covers `self.key`).
    pub fn send_to(self, addr: SocketAddr, target: &str) -> Resp {
        let host = if self.path_style {
            addr.to_string()
        } else {
            self.host.clone()
        };
        let mut headers = vec![("Host".to_owned(), host.clone())];
        headers.extend(self.headers.iter().cloned());
        let has_len = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
        if !has_len && (!self.body.is_empty() || self.method == "PUT" || self.method == "POST") {
            headers.push(("Content-Length".into(), self.body.len().to_string()));
        }
        if self.sign {
            // Path style signs the bucket in the path (bound to it); virtual host style
            // signs the Host that names it.
            let mut sr = if self.path_style {
                SignableRequest::new(self.method, format!("/{BUCKET}/{}", self.key))
            } else {
                SignableRequest::for_key(self.method, &self.key)
            };
            sr.params = self.params.clone();
            sr.headers = headers.clone();
            let auth = sign(&self.creds, &sr, self.key_time, &self.policy);
            headers.push(("Authorization".into(), auth.to_header_value()));
        }
        send(addr, self.method, target, &headers, &self.body)
    }
}

/// The tests' server settings: loopback on any port, the test credentials, two image
/// workers, storage in `dir`.
pub fn test_config(dir: &tempdir::Dir) -> ServerConfig {
    let mut config = ServerConfig::new(dir.path());
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.credentials = vec![ci_server::CredentialConfig {
        secret_id: AK.into(),
        secret_key: SK.into(),
        token: None,
    }];
    config.limits.processing_concurrency = 2;
    config
}

/// A server with the test credentials and the fake engine.
pub fn server_with(cfg: impl FnOnce(&mut ServerConfig)) -> (TestServer, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let mut config = test_config(&dir);
    cfg(&mut config);
    let server = spawn_for_tests(config, Arc::new(FakeEngine)).expect("server starts");
    (server, dir)
}

pub fn server() -> (TestServer, tempdir::Dir) {
    server_with(|_| {})
}

/// A temporary directory removed on drop.
pub mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Self {
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let p = std::env::temp_dir().join(format!(
                "ci-server-test-{}-{}-{n}",
                std::process::id(),
                super::now()
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The test double: output = input + `|` + the canonical rule; fixed ImageInfo.
pub struct FakeEngine;

pub fn fake_output(input: &[u8], rule: &str) -> Vec<u8> {
    let mut v = input.to_vec();
    v.push(b'|');
    v.extend_from_slice(rule.as_bytes());
    v
}

impl Processor for FakeEngine {
    fn process(
        &self,
        input: &[u8],
        rule: &ProcessingRule,
        _ctx: &ProcessContext<'_>,
    ) -> Result<Processed, ProcessError> {
        if input.starts_with(b"NOTANIMAGE") {
            return Err(ProcessError::Engine(EngineError::InvalidImageFormat(
                "not an image".into(),
            )));
        }
        // A rule the fake cannot run: `quality/1` (to fail one rule of several).
        if rule.to_string().contains("quality/1/") || rule.to_string().ends_with("quality/1") {
            return Err(ProcessError::Engine(EngineError::InvalidArgument(
                "the fake engine fails quality/1".into(),
            )));
        }
        let format = rule
            .stages
            .iter()
            .find_map(|s| match s {
                Stage::ImageMogr2(ops) => ops.iter().find_map(|o| match o {
                    MogrOp::Format(f) => Some(f.name().to_owned()),
                    _ => None,
                }),
                _ => None,
            })
            .unwrap_or_else(|| "jpg".into());
        Ok(Processed {
            bytes: fake_output(input, &rule.to_string()),
            content_type: format!("image/{format}"),
            format,
            info: ImageInfo {
                format: "png".into(),
                width: 10,
                height: 20,
                quality: Some(90),
                ..Default::default()
            },
            qr_codes: None,
        })
    }

    fn image_info(&self, input: &[u8]) -> Result<ImageInfo, ProcessError> {
        if input.starts_with(b"NOTANIMAGE") {
            return Err(ProcessError::Engine(EngineError::InvalidImageFormat(
                "not an image".into(),
            )));
        }
        Ok(ImageInfo {
            format: "JPEG".into(),
            width: 640,
            height: 427,
            quality: Some(74),
            ave: Some("0x102030".into()),
            orientation: Some(0),
            ..Default::default()
        })
    }
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(data))
}

pub fn crc64_xz(data: &[u8]) -> u64 {
    crc::Crc::<u64>::new(&crc::CRC_64_XZ).checksum(data)
}

/// Asserts a COS error answer: status, code, and every element of the XML filled.
pub fn assert_error(resp: &Resp, status: u16, code: &str) -> CosError {
    assert_eq!(resp.status, status, "body: {}", resp.text());
    let rid = resp
        .header("x-cos-request-id")
        .expect("request id")
        .to_owned();
    let err = CosError::from_xml(&resp.text()).expect("error XML");
    assert_eq!(err.code, code, "{err:?}");
    assert!(!err.message.is_empty());
    assert!(!err.resource.is_empty());
    assert_eq!(err.request_id, rid);
    assert!(!err.trace_id.is_empty());
    err
}

/// Initiates a multipart upload; its id.
pub fn initiate(a: std::net::SocketAddr, key: &str) -> String {
    let r = Req::new("POST", key).flag("uploads").send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    ci_core::result::InitiateMultipartUploadResult::from_xml(&r.text())
        .unwrap()
        .upload_id
}

/// Uploads one part; its ETag.
pub fn upload_part(a: std::net::SocketAddr, key: &str, id: &str, n: u32, data: &[u8]) -> String {
    let r = Req::new("PUT", key)
        .param("partNumber", &n.to_string())
        .param("uploadId", id)
        .body(data.to_vec())
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let crc = crc64_xz(data).to_string();
    assert_eq!(r.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    r.header("ETag").unwrap().to_owned()
}

/// The CompleteMultipartUpload document of `parts`.
pub fn complete_body(parts: &[(u32, String)]) -> String {
    ci_core::result::CompleteMultipartUpload {
        parts: parts
            .iter()
            .map(|(n, e)| ci_core::result::CompletedPart {
                part_number: *n,
                etag: e.clone(),
            })
            .collect(),
    }
    .to_xml()
}

/// A v4 multipart/form-data body: (Content-Type, body).
pub fn v4_form(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----cosciboundary";
    let mut body = Vec::new();
    for (name, data) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if *name == "filecontent" {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"f\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
