//! A test double for users' own tests: the local server on a free port, with a
//! temporary root and known credentials, stopped when dropped (what `moto` is for S3,
//! or `httptest` for Go's HTTP). The Python wheel's `cos_ci.testing.local_cos` (whose
//! credentials and bucket these are) and Go's `cosci.NewTestServer` have the same shape.
//!
//! ```
//! use ci_core::client::{Body, ObjectOptions};
//! use ci_server::TestServer;
//!
//! let server = TestServer::builder().style("thumb", "imageMogr2/thumbnail/64x").start()?;
//! let client = server.client()?;
//! client.put_object(server.bucket(), "a.txt", Body::from(b"hello".to_vec()), &ObjectOptions::default())?;
//! let mut read = Vec::new();
//! client.get_object(server.bucket(), "a.txt", None, &ObjectOptions::default(), &mut read)?;
//! assert_eq!(read, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ci_core::client::{CosClient, CosConfig};
use ci_core::sign::Credentials;

use crate::config::{CredentialConfig, Limits, ServerConfig};
use crate::engine::EngineProcessor;
use crate::process::Processor;
use crate::server::{Server, ServerError};

/// The bucket [`TestServer::start`] serves by default (COS's `name-appid` form).
pub const TEST_BUCKET: &str = "test-1250000000";
/// The region of [`TestServer::start`].
pub const TEST_REGION: &str = "ap-guangzhou";
/// The SecretId [`TestServer::start`] accepts.
pub const TEST_SECRET_ID: &str = "AKIDcosciTEST";
/// The SecretKey [`TestServer::start`] accepts.
pub const TEST_SECRET_KEY: &str = "cos-ci-test-secret-key";

/// A server on its own thread and runtime, stopped (gracefully) when dropped; with
/// [`TestServer::start`] or [`TestServer::builder`] its temporary root is removed too.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    root: PathBuf,
    region: String,
    bucket: String,
    credentials: Option<CredentialConfig>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    // Dropped after the server has stopped (fields drop after `Drop::drop`).
    _temp_root: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server with the real image engine, a temporary root, the known credentials
    /// [`TEST_SECRET_ID`] / [`TEST_SECRET_KEY`] and the bucket [`TEST_BUCKET`] in
    /// [`TEST_REGION`], on a free loopback port.
    pub fn start() -> Result<Self, ServerError> {
        Self::builder().start()
    }

    /// Settings for a test server (styles, limits, another bucket or processor).
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// The address to connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for clients that take a URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The data directory (objects and the database).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The region the server names in its answers.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The bucket the tests use (any well-formed `name-appid` bucket works too).
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The first key pair the server accepts (`None` for an anonymous-only server).
    pub fn credentials(&self) -> Option<Credentials> {
        self.credentials
            .as_ref()
            .map(CredentialConfig::to_credentials)
    }

    /// A client configuration for this server: its credentials and region, every request
    /// sent to [`TestServer::addr`] over HTTP with the virtual-host `Host` kept, no retries.
    pub fn cos_config(&self) -> CosConfig {
        let (id, key, token) = match &self.credentials {
            Some(c) => (c.secret_id.clone(), c.secret_key.clone(), c.token.clone()),
            None => (TEST_SECRET_ID.to_owned(), TEST_SECRET_KEY.to_owned(), None),
        };
        let mut config = CosConfig::new(&self.region, id, key)
            .with_ip_port(self.addr.ip().to_string(), self.addr.port())
            .with_retries(0, std::time::Duration::ZERO);
        config.token = token;
        config
    }

    /// cos-ci's client for this server ([`TestServer::cos_config`]).
    pub fn client(&self) -> Result<CosClient, ci_core::client::CosClientError> {
        CosClient::new(self.cos_config())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Settings of a [`TestServer`]: start from [`TestServer::builder`].
#[derive(Clone)]
pub struct TestServerBuilder {
    config: ServerConfig,
    bucket: String,
    processor: Option<Arc<dyn Processor>>,
}

impl std::fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field("config", &self.config)
            .field("bucket", &self.bucket)
            .field("processor", &self.processor.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        let mut config = ServerConfig::new(PathBuf::new());
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.region = TEST_REGION.to_owned();
        config.credentials = vec![CredentialConfig {
            secret_id: TEST_SECRET_ID.to_owned(),
            secret_key: TEST_SECRET_KEY.to_owned(),
            token: None,
        }];
        TestServerBuilder {
            config,
            bucket: TEST_BUCKET.to_owned(),
            processor: None,
        }
    }
}

impl TestServerBuilder {
    /// The bucket the test uses (default [`TEST_BUCKET`]); styles added by
    /// [`TestServerBuilder::style`] belong to it.
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = bucket.into();
        self
    }

    /// A style of the bucket, as `PUT /?style` would add it (`style/NAME` in rules).
    pub fn style(mut self, name: impl Into<String>, rule: impl Into<String>) -> Self {
        self.config
            .styles
            .entry(self.bucket.clone())
            .or_default()
            .insert(name.into(), rule.into());
        self
    }

    /// The size, concurrency and time limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Any other setting of the configuration (its `root` and `bind` are the test
    /// server's own unless changed here).
    pub fn configure(mut self, change: impl FnOnce(&mut ServerConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// Another image engine (a fake that records calls, say); default the real one.
    pub fn processor(mut self, processor: Arc<dyn Processor>) -> Self {
        self.processor = Some(processor);
        self
    }

    /// Creates the temporary root (unless one was configured) and starts the server.
    pub fn start(self) -> Result<TestServer, ServerError> {
        let TestServerBuilder {
            mut config,
            bucket,
            processor,
        } = self;
        let temp_root = if config.root.as_os_str().is_empty() {
            let dir = tempfile::Builder::new().prefix("cos-ci-test-").tempdir()?;
            config.root = dir.path().to_path_buf();
            Some(dir)
        } else {
            None
        };
        let processor = processor.unwrap_or_else(|| Arc::new(EngineProcessor::new()));
        let mut server = spawn_for_tests(config, processor)?;
        server.bucket = bucket;
        server._temp_root = temp_root;
        Ok(server)
    }
}

/// Starts a server with this configuration and engine on a background thread (a
/// two-worker runtime) and returns once it listens. Use port 0 in `config.bind` to get a
/// free port. The root is the caller's and stays; [`TestServer::builder`] makes one.
pub fn spawn_for_tests(
    config: ServerConfig,
    processor: Arc<dyn Processor>,
) -> Result<TestServer, ServerError> {
    let root = config.root.clone();
    let region = config.region.clone();
    let credentials = config.credentials.first().cloned();
    let bucket = config
        .default_bucket
        .clone()
        .or_else(|| config.buckets.first().cloned())
        .unwrap_or_else(|| TEST_BUCKET.to_owned());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ci-server-test".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(ServerError::Io(e)));
                    return;
                }
            };
            rt.block_on(async move {
                match Server::bind_with(config, processor).await {
                    Ok(server) => {
                        let _ = ready_tx.send(Ok(server.local_addr()));
                        let _ = server
                            .run_until(async {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    let addr = ready_rx
        .recv()
        .map_err(|_| ServerError::Io(std::io::Error::other("server thread died")))??;
    Ok(TestServer {
        addr,
        root,
        region,
        bucket,
        credentials,
        stop: Some(stop_tx),
        thread: Some(thread),
        _temp_root: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ci_core::client::{Body, ObjectOptions};

    #[test]
    fn a_test_server_serves_its_bucket_with_styles_and_cleans_up() {
        let server = TestServer::builder()
            .style("small", "imageMogr2/thumbnail/8x")
            .start()
            .expect("start");
        assert_eq!(server.bucket(), TEST_BUCKET);
        assert_eq!(server.region(), TEST_REGION);
        assert!(server.endpoint().starts_with("http://127.0.0.1:"));
        assert_ne!(server.addr().port(), 0);
        let creds = server.credentials().expect("credentials");
        assert_eq!(creds.secret_id, TEST_SECRET_ID);
        let root = server.root().to_path_buf();
        assert!(root.is_dir());

        let client = server.client().expect("client");
        let (_, styles) = client
            .ci_get_image_style(server.bucket(), Some("small"))
            .expect("the configured style");
        assert_eq!(styles.body_of("small"), Some("imageMogr2/thumbnail/8x"));
        client
            .put_object(
                server.bucket(),
                "a.txt",
                Body::from(b"hello".to_vec()),
                &ObjectOptions::default(),
            )
            .expect("put");
        let mut read = Vec::new();
        client
            .get_object(
                server.bucket(),
                "a.txt",
                None,
                &ObjectOptions::default(),
                &mut read,
            )
            .expect("get");
        assert_eq!(read, b"hello");

        // A wrong key is refused: the credentials are really checked.
        let mut wrong = server.cos_config();
        wrong.secret_key = "not-the-key".into();
        let err = CosClient::new(wrong)
            .expect("client")
            .head_object(server.bucket(), "a.txt", &ObjectOptions::default())
            .expect_err("a wrong key");
        assert!(err.to_string().contains("403"), "{err}");

        drop(server);
        assert!(!root.exists(), "the temporary root is removed");
    }
}
