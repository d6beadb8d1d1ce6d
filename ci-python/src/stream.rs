//! Downloads: the body of a `GET`, read as the caller asks for it.

use ci_core::client::{ClientError, ObjectStream};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;

/// The body of a download, read as the caller asks (`cos_ci.StreamBody` wraps it). Every
/// read releases the GIL; the lock is taken with the GIL released too, so two threads
/// reading one stream cannot deadlock.
#[pyclass(module = "cos_ci._cos_ci", frozen)]
pub struct NativeStream {
    inner: std::sync::Mutex<Option<ObjectStream>>,
    content_length: Option<u64>,
}

impl NativeStream {
    pub fn new(stream: ObjectStream) -> Self {
        NativeStream {
            content_length: stream.headers().content_length,
            inner: std::sync::Mutex::new(Some(stream)),
        }
    }

    /// Runs `f` on the open stream with the GIL released; `None` once closed.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut ObjectStream) -> Result<T, ClientError> + Send,
    ) -> PyResult<Option<T>> {
        py.detach(|| {
            let mut guard = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            guard.as_mut().map(f).transpose()
        })
        .map_err(|e| errors::from_client(&e))
    }
}

#[pymethods]
impl NativeStream {
    /// Up to `size` bytes (fewer only at the end; `b""` at the end); `size < 0`: the rest.
    #[pyo3(signature = (size=-1))]
    fn read<'py>(&self, py: Python<'py>, size: i64) -> PyResult<Bound<'py, PyBytes>> {
        let Ok(size) = usize::try_from(size) else {
            let rest = self.with(py, |s| {
                let mut v = Vec::new();
                s.copy_to(&mut v)?;
                Ok(v)
            })?;
            return Ok(PyBytes::new(py, &rest.unwrap_or_default()));
        };
        // No bigger buffer than what is left to come.
        let left = self
            .content_length
            .map(|n| n.saturating_sub(self.bytes_read()));
        let want = match left {
            Some(l) => size.min(usize::try_from(l).unwrap_or(usize::MAX)),
            None => size,
        };
        if want == 0 {
            // Still reach the end (and its checks) when nothing is left.
            self.with(py, |s| s.read_full(&mut [0u8; 1]))?;
            return Ok(PyBytes::new(py, b""));
        }
        let mut filled = 0usize;
        // Read straight into the new bytes object (no copy); it is not shared yet, so the
        // GIL can be released while it is filled.
        let full = PyBytes::new_with(py, want, |buf| {
            filled = self
                .with(py, |s| {
                    let n = s.read_full(buf)?;
                    if want < size && n == want {
                        // All that Content-Length announced: reach the end now, so that
                        // its checks (CRC-64) report on this read, as a short read would.
                        s.read_full(&mut [0u8; 1])?;
                    }
                    Ok(n)
                })?
                .unwrap_or(0);
            Ok(())
        })?;
        if filled == want {
            Ok(full)
        } else {
            Ok(PyBytes::new(py, &full.as_bytes()[..filled]))
        }
    }

    /// Writes the rest of the body to `path` (created or truncated), never holding it
    /// whole: the number of bytes written.
    fn copy_to_file(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<u64> {
        let n = self.with(py, |s| {
            let io = |what: &str, source| ClientError::Io {
                context: format!("{what} {}", path.display()),
                source,
            };
            let mut f = std::fs::File::create(&path).map_err(|e| io("creating", e))?;
            let n = s.copy_to(&mut f)?;
            std::io::Write::flush(&mut f).map_err(|e| io("writing", e))?;
            Ok(n)
        })?;
        Ok(n.unwrap_or(0))
    }

    /// Closes the connection (the rest of the body is not read).
    fn close(&self, py: Python<'_>) {
        let stream = py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        });
        drop(stream);
    }

    /// `Content-Length`, when the answer had one.
    #[getter]
    fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Bytes read so far.
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.inner
            .try_lock()
            .ok()
            .and_then(|g| g.as_ref().map(ObjectStream::bytes_read))
            .unwrap_or(0)
    }

    /// Whether the end was reached, or the stream closed.
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .try_lock()
            .map(|g| g.as_ref().is_none_or(ObjectStream::is_finished))
            .unwrap_or(false)
    }

    /// Whether the end of the stream is checked against `x-cos-hash-crc64ecma`.
    #[getter]
    fn checks_crc64(&self) -> bool {
        self.inner
            .try_lock()
            .map(|g| g.as_ref().is_some_and(ObjectStream::checks_crc64))
            .unwrap_or(false)
    }
}
