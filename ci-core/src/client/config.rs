//! [`CosConfig`]: where and as whom the client talks.

use std::time::Duration;

use crate::sign::Credentials;

use super::error::ClientError;

/// Client configuration, mirroring the Python SDK's `CosConfig`.
///
/// ```
/// use ci_core::client::CosConfig;
/// let cfg = CosConfig::new("ap-guangzhou", "AKIDexample", "sk-example")
///     .with_ip_port("127.0.0.1", 8080);
/// assert_eq!(cfg.host("examplebucket-1250000000"), "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com");
/// assert_eq!(cfg.base_url("examplebucket-1250000000"), "http://127.0.0.1:8080");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CosConfig {
    /// Region, e.g. `ap-guangzhou`.
    pub region: String,
    /// SecretId.
    pub secret_id: String,
    /// SecretKey.
    pub secret_key: String,
    /// Session token of temporary credentials (`x-cos-security-token`).
    pub token: Option<String>,
    /// `https` (default) or `http`.
    pub scheme: String,
    /// Endpoint replacing `cos.<region>.myqcloud.com`; the host is `<bucket>.<endpoint>`.
    pub endpoint: Option<String>,
    /// A custom domain: the whole host, used as is for every bucket.
    pub domain: Option<String>,
    /// Connect to this IP (or host name) instead of resolving the virtual host; the
    /// `Host` header keeps the virtual-host name (private endpoints, a local server).
    pub ip: Option<String>,
    /// Port for [`CosConfig::ip`] (default: the scheme's).
    pub port: Option<u16>,
    /// Whole-request timeout (`None`: none, so that large transfers are not cut off).
    pub timeout: Option<Duration>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// How many times a failed idempotent request (5xx or connection error) is retried.
    pub retries: u32,
    /// First retry delay; doubled on each further retry.
    pub retry_backoff: Duration,
    /// Proxy URL for all requests (`http://host:port`).
    pub proxy: Option<String>,
    /// Whether the `HTTP(S)_PROXY` environment variables apply when `proxy` is unset.
    pub env_proxy: bool,
    /// Signature validity in seconds (the Python SDK's `Expired`, default 10000).
    pub sign_expire: u64,
    /// Short region of the legacy v4 host `<v4_region>.image.myqcloud.com` (default: the
    /// region).
    pub v4_region: Option<String>,
    /// Multipart part size in bytes (default 8 MiB; COS needs at least 1 MiB but the last).
    pub part_size: u64,
    /// Threads uploading parts concurrently (default 4).
    pub upload_threads: usize,
    /// `User-Agent`.
    pub user_agent: String,
}

impl std::fmt::Debug for CosConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosConfig")
            .field("region", &self.region)
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("scheme", &self.scheme)
            .field("endpoint", &self.endpoint)
            .field("domain", &self.domain)
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl CosConfig {
    /// A configuration for `region` with permanent credentials, over HTTPS.
    pub fn new(
        region: impl Into<String>,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        CosConfig {
            region: region.into(),
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
            scheme: "https".into(),
            endpoint: None,
            domain: None,
            ip: None,
            port: None,
            timeout: None,
            connect_timeout: Duration::from_secs(10),
            retries: 3,
            retry_backoff: Duration::from_millis(200),
            proxy: None,
            env_proxy: true,
            sign_expire: 10000,
            v4_region: None,
            part_size: 8 * 1024 * 1024,
            upload_threads: 4,
            user_agent: concat!("cos-ci-rust/", env!("CARGO_PKG_VERSION")).into(),
        }
    }

    /// Reads the configuration from the environment: `COS_REGION`, `COS_SECRET_ID`,
    /// `COS_SECRET_KEY` (required), `COS_TOKEN`, `COS_SCHEME`, `COS_ENDPOINT`,
    /// `COS_DOMAIN`, `COS_IP`, `COS_PORT`, `COS_TIMEOUT` (seconds), `COS_RETRIES`,
    /// `COS_PROXY` (optional).
    pub fn from_env() -> Result<Self, ClientError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`CosConfig::from_env`] with another source of variables (for tests and bindings).
    ///
    /// ```
    /// use ci_core::client::CosConfig;
    /// let vars = [("COS_REGION", "ap-beijing"), ("COS_SECRET_ID", "AKID"),
    ///             ("COS_SECRET_KEY", "sk"), ("COS_PORT", "9000"), ("COS_IP", "127.0.0.1")];
    /// let cfg = CosConfig::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))?;
    /// assert_eq!(cfg.port, Some(9000));
    /// assert!(CosConfig::from_lookup(|_| None).is_err());
    /// # Ok::<(), ci_core::client::ClientError>(())
    /// ```
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ClientError> {
        let need = |k: &str| {
            get(k)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ClientError::Config(format!("environment variable {k} is not set")))
        };
        let opt = |k: &str| get(k).filter(|v| !v.is_empty());
        let num = |k: &str| -> Result<Option<u64>, ClientError> {
            opt(k)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| ClientError::Config(format!("{k}={v:?} is not a number")))
                })
                .transpose()
        };
        let mut cfg = CosConfig::new(
            need("COS_REGION")?,
            need("COS_SECRET_ID")?,
            need("COS_SECRET_KEY")?,
        );
        cfg.token = opt("COS_TOKEN");
        if let Some(s) = opt("COS_SCHEME") {
            cfg.scheme = s;
        }
        cfg.endpoint = opt("COS_ENDPOINT");
        cfg.domain = opt("COS_DOMAIN");
        cfg.ip = opt("COS_IP");
        cfg.port = num("COS_PORT")?
            .map(|p| {
                u16::try_from(p).map_err(|_| ClientError::Config(format!("COS_PORT={p} too large")))
            })
            .transpose()?;
        cfg.timeout = num("COS_TIMEOUT")?.map(Duration::from_secs);
        if let Some(r) = num("COS_RETRIES")? {
            cfg.retries = u32::try_from(r).unwrap_or(u32::MAX);
        }
        cfg.proxy = opt("COS_PROXY");
        Ok(cfg)
    }

    /// Temporary credentials: adds the session token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends every request to `ip:port` over plain HTTP, keeping the virtual-host `Host`
    /// (a local server); environment proxies are ignored.
    pub fn with_ip_port(mut self, ip: impl Into<String>, port: u16) -> Self {
        self.ip = Some(ip.into());
        self.port = Some(port);
        self.scheme = "http".into();
        self.env_proxy = false;
        self
    }

    /// Sets the endpoint (`<bucket>.<endpoint>`).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the retry count and the first backoff delay.
    pub fn with_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.retry_backoff = backoff;
        self
    }

    /// The credentials used for signing.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            secret_id: self.secret_id.clone(),
            secret_key: self.secret_key.clone(),
            token: self.token.clone(),
        }
    }

    /// The `Host` of a bucket: the custom domain, `<bucket>.<endpoint>`, or
    /// `<bucket>.cos.<region>.myqcloud.com`.
    pub fn host(&self, bucket: &str) -> String {
        if let Some(d) = &self.domain {
            return d.clone();
        }
        match &self.endpoint {
            Some(e) => format!("{bucket}.{e}"),
            None => format!("{bucket}.cos.{}.myqcloud.com", self.region),
        }
    }

    /// The legacy v4 API host `<region>.image.myqcloud.com`.
    pub fn v4_host(&self) -> String {
        format!(
            "{}.image.myqcloud.com",
            self.v4_region.as_deref().unwrap_or(&self.region)
        )
    }

    /// `scheme://authority` the connection goes to: the IP override if set, else `host`.
    pub fn base_url(&self, bucket: &str) -> String {
        self.base_url_for_host(&self.host(bucket))
    }

    pub(crate) fn base_url_for_host(&self, host: &str) -> String {
        match (&self.ip, self.port) {
            (Some(ip), Some(port)) => format!("{}://{ip}:{port}", self.scheme),
            (Some(ip), None) => format!("{}://{ip}", self.scheme),
            (None, Some(port)) => format!("{}://{host}:{port}", self.scheme),
            (None, None) => format!("{}://{host}", self.scheme),
        }
    }

    pub(crate) fn check(&self) -> Result<(), ClientError> {
        if self.region.is_empty() && self.endpoint.is_none() && self.domain.is_none() {
            return Err(ClientError::Config("Region or Endpoint is required".into()));
        }
        if self.secret_id.is_empty() || self.secret_key.is_empty() {
            return Err(ClientError::Config(
                "SecretId and SecretKey are required".into(),
            ));
        }
        if self.scheme != "http" && self.scheme != "https" {
            return Err(ClientError::Config(format!(
                "Scheme must be http or https, not {:?}",
                self.scheme
            )));
        }
        if self.part_size == 0 || self.upload_threads == 0 {
            return Err(ClientError::Config(
                "part_size and upload_threads must be positive".into(),
            ));
        }
        Ok(())
    }
}
