//! Request signing, as the SDK's `CosS3Auth` signs.

use ci_core::sign::{Credentials, HeaderPolicy, KeyTime, KeyTimeParseError, SignableRequest};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The `Authorization` value for a request (`q-sign-algorithm=sha1&...`), as the SDK's
/// `CosS3Auth` computes it. `key_time` is `"start;end"`.
#[pyfunction]
#[pyo3(signature = (secret_id, secret_key, method, path, key_time, params=Vec::new(), headers=Vec::new(), token=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign(
    py: Python<'_>,
    secret_id: String,
    secret_key: String,
    method: String,
    path: String,
    key_time: &str,
    params: Vec<(String, Option<String>)>,
    headers: Vec<(String, String)>,
    token: Option<String>,
) -> PyResult<String> {
    let kt: KeyTime = key_time
        .parse()
        .map_err(|e: KeyTimeParseError| PyValueError::new_err(e.0))?;
    let creds = Credentials {
        secret_id,
        secret_key,
        token,
    };
    let req = SignableRequest {
        method,
        path,
        params,
        headers,
    };
    Ok(py
        .detach(|| ci_core::sign::sign(&creds, &req, kt, &HeaderPolicy::Default).to_header_value()))
}
