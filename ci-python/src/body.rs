//! Upload bodies: Python bytes, text and file objects as `ci-core` [`Body`]s, with the
//! SDK's `EnableMD5` (`Content-MD5`) and lengths.

use std::io::Read;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ci_core::client::{content_md5, Body};
use md5::{Digest as _, Md5};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString, PyType};

use crate::convert::Kwargs;
use crate::errors;

/// Largest piece a streamed Python file object is asked for at once (`read(n)`).
pub const CHUNK: usize = 256 * 1024;

/// The body of `ci_put_object` / `put_object`: bytes, bytearray, memoryview and str are
/// sent as they are; anything with `read` is a file object, streamed in [`CHUNK`]s from
/// its current position (with `Content-Length` when its remaining size can be told, or
/// `ContentLength` says it). With `enable_md5`, `ContentMD5` is added to `kwargs` unless
/// given (a file object is read through for it and put back where it was).
pub fn prepare(body: &Bound<'_, PyAny>, enable_md5: bool, kwargs: &mut Kwargs) -> PyResult<Body> {
    let body = supported(body)?;
    if enable_md5 && !kwargs.contains("ContentMD5") {
        kwargs.set_default("ContentMD5", md5_of(&body)?);
    }
    let length = if is_file_object(&body)? {
        let told = kwargs
            .get("ContentLength")
            .and_then(|n| n.trim().parse::<u64>().ok());
        match told {
            Some(n) => Some(n),
            None if is_text_file(&body)? => None,
            None => remaining_length(&body),
        }
    } else {
        None
    };
    from_py(&body, length)
}

/// The body of `upload_part`: as [`prepare`], except that with `enable_md5` a file
/// object is read whole first (the MD5 of a part is taken by `ci-core`, which needs a
/// body it can read twice).
pub fn prepare_part(body: &Bound<'_, PyAny>, enable_md5: bool) -> PyResult<Body> {
    let mut body = supported(body)?;
    if enable_md5 && is_file_object(&body)? {
        body = body.call_method0("read")?;
    }
    let length = if is_file_object(&body)? && !is_text_file(&body)? {
        remaining_length(&body)
    } else {
        None
    };
    from_py(&body, length)
}

/// `Content-MD5` of a local file, read in pieces.
pub fn file_md5(path: &Path) -> std::io::Result<String> {
    let mut md5 = Md5::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut md5)?;
    Ok(STANDARD.encode(md5.finalize()))
}

/// The body with a memoryview as bytes; a type that is no body is refused.
fn supported<'py>(body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if body.is_instance_of::<PyMemoryView>() {
        return body.call_method0("tobytes");
    }
    if in_memory(body) || is_file_object(body)? {
        return Ok(body.clone());
    }
    Err(errors::client_error(format!(
        "Body must be bytes, bytearray, memoryview, str or a file object, not {}",
        body.get_type().name()?
    )))
}

/// bytes, bytearray or str: sent from memory.
fn in_memory(body: &Bound<'_, PyAny>) -> bool {
    body.is_instance_of::<PyBytes>()
        || body.is_instance_of::<PyByteArray>()
        || body.is_instance_of::<PyString>()
}

/// Anything else with `read`.
fn is_file_object(body: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(!in_memory(body) && body.hasattr("read")?)
}

/// An `io.TextIOBase`: its size in characters is not its size in bytes.
fn is_text_file(body: &Bound<'_, PyAny>) -> PyResult<bool> {
    static TEXT_IO: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    body.is_instance(TEXT_IO.import(body.py(), "io", "TextIOBase")?)
}

/// What is left from the current position to the end, when the file can tell.
fn remaining_length(f: &Bound<'_, PyAny>) -> Option<u64> {
    let told = || -> PyResult<Option<u64>> {
        if f.hasattr("seekable")? && !f.call_method0("seekable")?.is_truthy()? {
            return Ok(None);
        }
        let pos: i64 = f.call_method0("tell")?.extract()?;
        let end: i64 = f.call_method1("seek", (0, 2))?.extract()?;
        f.call_method1("seek", (pos, 0))?;
        Ok(u64::try_from(end - pos).ok())
    };
    told().ok().flatten()
}

/// `Content-MD5` of a body, hashed with the GIL released; a file object is read
/// through in [`CHUNK`]s and put back where it was.
fn md5_of(body: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = body.py();
    if body.is_instance_of::<PyString>() {
        let s: PyBackedStr = body.extract()?;
        return Ok(py.detach(|| content_md5(s.as_bytes())));
    }
    if !is_file_object(body)? {
        // bytes (shared) or bytearray (copied).
        let b: PyBackedBytes = body.extract()?;
        return Ok(py.detach(|| content_md5(&b)));
    }
    let pos = body.call_method0("tell")?;
    let mut md5 = Md5::new();
    loop {
        let chunk = body.call_method1("read", (CHUNK,))?;
        if !chunk.is_truthy()? {
            break;
        }
        let piece: PyBackedBytes = match chunk.downcast::<PyString>() {
            Ok(s) => s.call_method1("encode", ("utf-8",))?.extract()?,
            Err(_) => chunk.extract()?,
        };
        py.detach(|| md5.update(&piece));
    }
    body.call_method1("seek", (pos,))
        .map_err(|_| errors::client_error("seek unsupported to calculate md5!"))?;
    Ok(STANDARD.encode(md5.finalize()))
}

/// bytes / bytearray / str are sent from memory; a file object is read in chunks
/// (`length`: its remaining size when known, sent as `Content-Length`).
fn from_py(body: &Bound<'_, PyAny>, length: Option<u64>) -> PyResult<Body> {
    if body.is_instance_of::<PyBytes>() {
        // Zero-copy: the body keeps the (immutable) bytes object alive until sent.
        let b: PyBackedBytes = body.extract()?;
        return Ok(Body::from_bytes(bytes::Bytes::from_owner(b)));
    }
    if let Ok(b) = body.downcast::<PyByteArray>() {
        // Copied: a bytearray may change while the GIL is released.
        return Ok(Body::from_bytes(b.to_vec()));
    }
    if body.is_instance_of::<PyString>() {
        let s: PyBackedStr = body.extract()?;
        return Ok(Body::from_bytes(bytes::Bytes::from_owner(s)));
    }
    if body.hasattr("read")? {
        let r = PyReader::new(body.clone().unbind());
        return Ok(match length {
            Some(n) => Body::from_reader_sized(r, n),
            None => Body::from_reader(r),
        });
    }
    // Other buffer objects (what `read()` of a part gave).
    let data: Vec<u8> = body.call_method0("tobytes")?.extract()?;
    Ok(Body::from_bytes(data))
}

/// A Python binary file object as a Rust [`Read`]: each `read` re-acquires the GIL, asks
/// the object for at most [`CHUNK`] bytes and releases the GIL again, so the upload is
/// streamed and other Python threads run in between.
struct PyReader {
    obj: Py<PyAny>,
    pending: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl PyReader {
    fn new(obj: Py<PyAny>) -> Self {
        PyReader {
            obj,
            pending: Vec::new(),
            pos: 0,
            eof: false,
        }
    }
}

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.pending.len() {
            if self.eof {
                return Ok(0);
            }
            let want = buf.len().clamp(8 * 1024, CHUNK);
            let chunk = Python::attach(|py| -> PyResult<Vec<u8>> {
                let got = self.obj.bind(py).call_method1("read", (want,))?;
                if let Ok(b) = got.downcast::<PyBytes>() {
                    Ok(b.as_bytes().to_vec())
                } else if let Ok(b) = got.downcast::<PyByteArray>() {
                    Ok(b.to_vec())
                } else if let Ok(s) = got.downcast::<PyString>() {
                    Ok(s.to_cow()?.as_bytes().to_vec())
                } else if got.is_none() {
                    Ok(Vec::new())
                } else {
                    Ok(got.call_method0("tobytes")?.extract()?)
                }
            })
            .map_err(|e| std::io::Error::other(format!("reading the Python file object: {e}")))?;
            if chunk.is_empty() {
                self.eof = true;
                return Ok(0);
            }
            self.pending = chunk;
            self.pos = 0;
        }
        let n = (self.pending.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
