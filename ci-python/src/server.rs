//! The local COS + CI server (`ci-server`) in-process.

use pyo3::exceptions::PyIOError;
use pyo3::prelude::*;

/// The local COS + CI server (`ci-server`) running on a background thread.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
pub struct LocalServer {
    addr: std::net::SocketAddr,
    inner: std::sync::Mutex<Option<ci_server::TestServer>>,
}

#[pymethods]
impl LocalServer {
    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://host:port`.
    #[getter]
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// Stops the server (requests in flight finish first). Idempotent.
    fn close(&self, py: Python<'_>) {
        let server = self.inner.lock().ok().and_then(|mut g| g.take());
        py.detach(move || drop(server));
    }

    fn __repr__(&self) -> String {
        format!("LocalServer(url={:?})", self.url())
    }
}

/// Starts `ci-server` on `127.0.0.1:port` (0: a free port) storing into `root`.
#[pyfunction]
#[pyo3(signature = (root, port, credentials, region, anonymous, styles, default_bucket=None))]
#[allow(clippy::too_many_arguments)]
pub fn start_server(
    py: Python<'_>,
    root: std::path::PathBuf,
    port: u16,
    credentials: Vec<(String, String)>,
    region: String,
    anonymous: bool,
    styles: Vec<(String, String, String)>,
    default_bucket: Option<String>,
) -> PyResult<LocalServer> {
    let mut config = ci_server::ServerConfig::new(root);
    config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    config.region = region;
    config.anonymous = anonymous;
    config.default_bucket = default_bucket;
    config.credentials = credentials
        .into_iter()
        .map(|(secret_id, secret_key)| ci_server::CredentialConfig {
            secret_id,
            secret_key,
            token: None,
        })
        .collect();
    for (bucket, name, rule) in styles {
        config.styles.entry(bucket).or_default().insert(name, rule);
    }
    let server = py
        .detach(|| {
            ci_server::spawn_for_tests(
                config,
                std::sync::Arc::new(ci_server::EngineProcessor::new()),
            )
        })
        .map_err(|e| PyIOError::new_err(format!("starting the local server: {e}")))?;
    Ok(LocalServer {
        addr: server.addr(),
        inner: std::sync::Mutex::new(Some(server)),
    })
}
