//! Server configuration, loadable from TOML.
//!
//! ```toml
//! root = "/var/lib/cos-ci"
//! bind = "127.0.0.1:8080"
//! region = "ap-guangzhou"
//! anonymous = false
//! strict_signature = false
//! auto_create_buckets = true
//! buckets = ["examplebucket-1250000000"]
//!
//! [[credentials]]
//! secret_id = "AKIDexample"
//! secret_key = "sk-example"
//!
//! [styles.examplebucket-1250000000]
//! thumb = "imageMogr2/thumbnail/200x"
//!
//! [style_separators]
//! examplebucket-1250000000 = "!-"
//!
//! [limits]
//! processing_concurrency = 2
//!
//! [jobs]
//! workers = 2
//! callback_allow_hosts = ["hooks.example.com", "10.0.0.5:8443"]
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ci_core::sign::Credentials;
use serde::{Deserialize, Serialize};

/// One key pair the server accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialConfig {
    /// SecretId (`q-ak`).
    pub secret_id: String,
    /// SecretKey.
    pub secret_key: String,
    /// Session token of temporary credentials (`x-cos-security-token`).
    #[serde(default)]
    pub token: Option<String>,
}

impl CredentialConfig {
    /// The signing credentials.
    pub fn to_credentials(&self) -> Credentials {
        let c = Credentials::new(&self.secret_id, &self.secret_key);
        match &self.token {
            Some(t) => c.with_token(t),
            None => c,
        }
    }
}

/// Size, concurrency and time limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest object body (PUT, part, completed multipart), bytes. Default 5 GiB.
    pub max_object_size: u64,
    /// Largest processing input, bytes. Default 32 MiB (rules.md).
    pub max_process_input: u64,
    /// Largest processing input on the v4 API, bytes. Default 20 MiB.
    pub max_v4_input: u64,
    /// Image jobs running at once. Default: the number of CPUs.
    pub processing_concurrency: usize,
    /// Time one processing request may take, seconds. Default 60.
    pub processing_timeout_secs: u64,
    /// Longest pause while receiving a body, seconds. Default 60.
    pub body_idle_timeout_secs: u64,
    /// Time to receive the request head, seconds. Default 30.
    pub header_read_timeout_secs: u64,
    /// Largest XML request body (multipart completion), bytes. Default 1 MiB.
    pub max_xml_body: u64,
    /// Time to receive a whole request body, seconds, however steadily it trickles.
    /// Default 3600 (5 GiB at 1.5 MB/s).
    pub body_total_timeout_secs: u64,
    /// The server's memory budget, bytes: buffered bodies (Pic-Operations uploads, v4
    /// forms, XML documents, processing inputs) and image decodes draw from it; a request
    /// that cannot get its share within `admission_wait_ms` is answered 503 `SlowDown`.
    /// Default: half of the machine's available memory (`MemAvailable` of
    /// /proc/meminfo), at least 256 MiB and at most 8 GiB; 1 GiB where it cannot be read.
    pub memory_budget: u64,
    /// How long a request waits for its share of the memory budget, milliseconds.
    /// Default 1000.
    pub admission_wait_ms: u64,
    /// Connections served at once; one more is answered 503 `SlowDown` and closed.
    /// Default 512.
    pub max_connections: usize,
    /// Longest lifetime of a multi-use v4 signature (`e` minus now), seconds. Default 90
    /// days.
    pub v4_max_signature_lifetime_secs: u64,
    /// How long after its signing time (`t`) a single-use v4 signature (`e=0`) is
    /// accepted, seconds; each is accepted once within it. Default 600.
    pub v4_single_use_window_secs: u64,
    /// Single-use v4 signatures remembered at once (the replay store). Default 100,000.
    pub v4_replay_capacity: usize,
}

/// Half of `MemAvailable`, within [256 MiB, 8 GiB]; 1 GiB when /proc/meminfo is not there.
pub fn default_memory_budget() -> u64 {
    const MIB: u64 = 1024 * 1024;
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().strip_suffix("kB"))
                .and_then(|kb| kb.trim().parse::<u64>().ok())
                .map(|kb| kb * 1024)
        });
    match available {
        Some(bytes) => (bytes / 2).clamp(256 * MIB, 8192 * MIB),
        None => 1024 * MIB,
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_object_size: 5 * 1024 * 1024 * 1024,
            max_process_input: 32 * 1024 * 1024,
            max_v4_input: 20 * 1024 * 1024,
            processing_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            processing_timeout_secs: 60,
            body_idle_timeout_secs: 60,
            header_read_timeout_secs: 30,
            max_xml_body: 1024 * 1024,
            body_total_timeout_secs: 3600,
            memory_budget: default_memory_budget(),
            admission_wait_ms: 1000,
            max_connections: 512,
            v4_max_signature_lifetime_secs: 90 * 24 * 3600,
            v4_single_use_window_secs: 600,
            v4_replay_capacity: 100_000,
        }
    }
}

/// Asynchronous image jobs (`/picbucket`, `/picqueue`, `/pic_jobs`): the worker pool and
/// job-end callbacks. Jobs are kept in `<root>/jobs.sqlite3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobsConfig {
    /// Worker threads running jobs; 0 (the default) means `limits.processing_concurrency`.
    /// Each job also takes a slot of the processing pool and its share of the memory
    /// budget, as a synchronous request does.
    pub workers: usize,
    /// Hosts (`name` or `name:port`, without case) job-end callbacks may be sent to besides
    /// loopback addresses and `localhost`. Empty (the default): loopback only; a callback
    /// to any other host is recorded as refused and never fetched.
    pub callback_allow_hosts: Vec<String>,
    /// Attempts per callback, the first included. Default 5.
    pub callback_max_attempts: u32,
    /// Wait before the second attempt, milliseconds; doubled for each further one.
    /// Default 1000.
    pub callback_first_retry_ms: u64,
    /// Longest wait between attempts, milliseconds. Default 60000.
    pub callback_max_retry_ms: u64,
    /// Time one attempt may take, seconds. Default 10.
    pub callback_timeout_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 0,
            callback_allow_hosts: Vec::new(),
            callback_max_attempts: 5,
            callback_first_retry_ms: 1000,
            callback_max_retry_ms: 60_000,
            callback_timeout_secs: 10,
        }
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Data directory: `meta.sqlite3`, `data/` (object bodies), `tmp/` (uploads in flight).
    pub root: PathBuf,
    /// Listening address; port 0 picks a free port. Default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// Region used in `Location`s and URLs when the `Host` does not name one.
    pub region: String,
    /// Accepted key pairs.
    pub credentials: Vec<CredentialConfig>,
    /// Serve requests without any signature (a present but wrong signature is still
    /// refused).
    pub anonymous: bool,
    /// Strict mode: `Content-Type` and `Content-Length`, when sent, must be signed.
    pub strict_signature: bool,
    /// Every query parameter must be signed (the default, as the official SDKs sign them
    /// all): an unsigned parameter could change what a pre-signed URL does
    /// (`response-content-type`, `uploads`). Off, only processing parameters must be.
    pub require_all_params_signed: bool,
    /// Clock skew tolerated on signature windows, seconds.
    pub clock_skew_secs: u64,
    /// Every well-formed `BucketName-APPID` is a usable (initially empty) bucket. The
    /// official SDKs never create buckets before CI calls, so this is the default.
    pub auto_create_buckets: bool,
    /// Buckets that exist even when `auto_create_buckets` is off.
    pub buckets: Vec<String>,
    /// The bucket of requests whose `Host` names no bucket (an IP address, `localhost`):
    /// set it for clients pointed at `http://127.0.0.1:PORT` as their bucket URL (the Go
    /// SDK's `BucketURL`); the whole path is then the key and path style is off.
    pub default_bucket: Option<String>,
    /// Styles per bucket: bucket → style name → rule. They are written into the store's
    /// database at every start (a style of that name added or changed through the API is
    /// replaced by the configuration's; other styles stay), and from then on are rows
    /// like those `PUT /?style` adds.
    pub styles: BTreeMap<String, BTreeMap<String, String>>,
    /// Style separators per bucket: bucket → the characters of `-_/!` that separate a key
    /// from a style name on download (`GET /photo.jpg!thumb`). The cloud sets them in its
    /// console only (no API): here, in the configuration, written into the database at
    /// start. A bucket not named has none.
    pub style_separators: BTreeMap<String, String>,
    /// Directory of font files for text watermarks (`watermark/2`), named as the cloud
    /// names them (`simhei黑体.ttf`, ...). Without it only the bundled DejaVu Sans draws,
    /// which has no CJK glyphs.
    pub fonts: Option<PathBuf>,
    /// Limits.
    pub limits: Limits,
    /// Asynchronous image jobs.
    pub jobs: JobsConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            root: PathBuf::from("cos-ci-data"),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            region: "ap-guangzhou".into(),
            credentials: Vec::new(),
            anonymous: false,
            strict_signature: false,
            require_all_params_signed: true,
            clock_skew_secs: 60,
            auto_create_buckets: true,
            buckets: Vec::new(),
            default_bucket: None,
            styles: BTreeMap::new(),
            style_separators: BTreeMap::new(),
            fonts: None,
            limits: Limits::default(),
            jobs: JobsConfig::default(),
        }
    }
}

/// The most styles a bucket holds (the cloud's limit).
pub const MAX_STYLES_PER_BUCKET: usize = 100;

/// Longest style rule accepted, in bytes (**ours**: the cloud states none; a rule of ten
/// stages fits well within it).
pub const MAX_STYLE_BODY: usize = 8 * 1024;

/// The style separators the cloud offers.
pub const STYLE_SEPARATORS: &str = "-_/!";

/// Checks a style name as the rule grammar reads `style/NAME`: 1 to 128 characters of
/// `A-Z a-z 0-9 - _ .`, so that every style can be named in a rule.
pub fn check_style_name(name: &str) -> Result<(), String> {
    let named = ci_core::rule::ProcessingRule::parse(&format!("style/{name}"))
        .ok()
        .and_then(|r| match r.stages.as_slice() {
            [ci_core::rule::Stage::Style(n)] => Some(n == name),
            _ => None,
        });
    match named {
        Some(true) => Ok(()),
        _ => Err(format!(
            "style name {name:?} is not 1 to 128 characters of A-Z a-z 0-9 - _ ."
        )),
    }
}

/// Checks a style's rule: it parses (rules.md), refers to no other style, and is at most
/// [`MAX_STYLE_BODY`] bytes.
pub fn check_style_body(body: &str) -> Result<(), String> {
    if body.is_empty() {
        return Err("the style's rule is empty".into());
    }
    if body.len() > MAX_STYLE_BODY {
        return Err(format!(
            "the style's rule is {} bytes; at most {MAX_STYLE_BODY} are accepted",
            body.len()
        ));
    }
    let parsed = ci_core::rule::ProcessingRule::parse(body).map_err(|e| e.to_string())?;
    if parsed.style_names().next().is_some() {
        return Err("a style's rule cannot refer to another style".into());
    }
    Ok(())
}

/// Checks a set of style separators: characters of [`STYLE_SEPARATORS`].
pub fn check_separators(separators: &str) -> Result<(), String> {
    match separators.chars().find(|c| !STYLE_SEPARATORS.contains(*c)) {
        Some(c) => Err(format!(
            "{c:?} is not a style separator (the cloud offers {STYLE_SEPARATORS})"
        )),
        None => Ok(()),
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown shapes.
    #[error("invalid configuration: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl ServerConfig {
    /// A configuration for `root` with defaults elsewhere.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ServerConfig {
            root: root.into(),
            ..ServerConfig::default()
        }
    }

    /// Parses TOML text (missing fields take their defaults) and validates it.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let cfg: ServerConfig = toml::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// Checks bucket names, style rules and limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for b in self
            .buckets
            .iter()
            .chain(self.styles.keys())
            .chain(self.style_separators.keys())
            .chain(self.default_bucket.iter())
        {
            ci_core::ops::check_bucket_name(b)
                .map_err(|why| ConfigError::Invalid(format!("bucket {b:?}: {why}")))?;
        }
        for (bucket, styles) in &self.styles {
            if styles.len() > MAX_STYLES_PER_BUCKET {
                return Err(ConfigError::Invalid(format!(
                    "{bucket} has {} styles; a bucket holds at most {MAX_STYLES_PER_BUCKET}",
                    styles.len()
                )));
            }
            for (name, rule) in styles {
                check_style_name(name)
                    .and_then(|()| check_style_body(rule))
                    .map_err(|why| {
                        ConfigError::Invalid(format!("style {name:?} of {bucket}: {why}"))
                    })?;
            }
        }
        for (bucket, separators) in &self.style_separators {
            check_separators(separators).map_err(|why| {
                ConfigError::Invalid(format!("style_separators of {bucket}: {why}"))
            })?;
        }
        if self.limits.memory_budget < 16 * 1024 * 1024 {
            return Err(ConfigError::Invalid(
                "limits.memory_budget must be at least 16 MiB".into(),
            ));
        }
        if self.limits.max_connections == 0 || self.limits.v4_replay_capacity == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_connections and limits.v4_replay_capacity must be at least 1".into(),
            ));
        }
        if self.jobs.callback_max_attempts == 0 || self.jobs.callback_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "jobs.callback_max_attempts and jobs.callback_timeout_secs must be at least 1"
                    .into(),
            ));
        }
        if self.limits.processing_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "limits.processing_concurrency must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Whether `bucket` is served.
    pub fn bucket_exists(&self, bucket: &str) -> bool {
        (self.auto_create_buckets && ci_core::ops::check_bucket_name(bucket).is_ok())
            || self.buckets.iter().any(|b| b == bucket)
    }

    /// Looks a SecretId up.
    pub fn lookup(&self, secret_id: &str) -> Option<Credentials> {
        self.credentials
            .iter()
            .find(|c| c.secret_id == secret_id)
            .map(CredentialConfig::to_credentials)
    }
}
