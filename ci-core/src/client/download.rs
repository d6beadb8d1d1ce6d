//! Streaming downloads: [`ObjectStream`], a response body read as it arrives, checked
//! against `Content-Length` and `x-cos-hash-crc64ecma` at the end of the stream.

use std::io::{self, Read, Write};

use super::body::Crc64Digest;
use super::error::ClientError;
use super::transport::Response;
use super::ResponseHeaders;

/// The body of a `GET`, streamed: nothing is held beyond the caller's buffer and the
/// HTTP stack's own chunk.
///
/// Reading to the end checks what arrived:
/// * fewer or more bytes than `Content-Length` is an error (`UnexpectedEof` /
///   `InvalidData`) carrying [`ClientError::InvalidResponse`];
/// * when the answer carries `x-cos-hash-crc64ecma` and is the whole stored object (status
///   200, no download processing, no `Content-Encoding`), a different CRC-64/ECMA of the
///   bytes read is an `InvalidData` error carrying [`ClientError::Crc64Mismatch`].
///
/// Errors of [`Read::read`] wrap the [`ClientError`]: get it back with
/// `e.get_ref().and_then(|e| e.downcast_ref::<ClientError>())`, or use
/// [`ObjectStream::copy_to`], which returns it directly.
///
/// ```no_run
/// use std::io::Read;
/// use ci_core::client::{CosClient, CosConfig, ObjectOptions};
///
/// let client = CosClient::new(CosConfig::from_env()?)?;
/// let mut stream = client.get_object_stream(
///     "examplebucket-1250000000", "photos/cat.jpg", None, &ObjectOptions::default())?;
/// println!("{:?} bytes", stream.headers().content_length);
/// let mut first = [0u8; 4096];
/// let n = stream.read(&mut first)?;
/// let rest = stream.copy_to(&mut std::io::sink())?;
/// println!("{} bytes read", n as u64 + rest);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ObjectStream {
    headers: ResponseHeaders,
    resp: Response,
    /// The running CRC-64, when the answer's `x-cos-hash-crc64ecma` is to be checked.
    crc: Option<(Crc64Digest, u64)>,
    read: u64,
    /// Set once the end was reached and checked (or an error was returned).
    finished: bool,
}

impl std::fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStream")
            .field("status", &self.headers.status)
            .field("content_length", &self.headers.content_length)
            .field("read", &self.read)
            .field("crc_checked", &self.crc.is_some())
            .finish()
    }
}

impl ObjectStream {
    /// `processed`: the request asked for download processing (the CRC header, if any,
    /// is then the stored object's, not the answer's).
    pub(crate) fn new(resp: Response, headers: ResponseHeaders, processed: bool) -> Self {
        let whole_object = headers.status == 200
            && !processed
            && headers.get("content-encoding").is_none()
            && headers.get("content-range").is_none();
        let crc = match headers.crc64 {
            Some(remote) if whole_object => Some((Crc64Digest::new(), remote)),
            _ => None,
        };
        ObjectStream {
            headers,
            resp,
            crc,
            read: 0,
            finished: false,
        }
    }

    /// The answer's headers.
    pub fn headers(&self) -> &ResponseHeaders {
        &self.headers
    }

    /// Bytes of the body read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Whether the end of the body was reached (and checked).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the end of the stream is checked against `x-cos-hash-crc64ecma`.
    pub fn checks_crc64(&self) -> bool {
        self.crc.is_some()
    }

    /// Copies the rest of the body into `out` (in 256 KiB pieces): the number of bytes
    /// copied. The end-of-stream checks apply.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> Result<u64, ClientError> {
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = self
                .read(&mut buf)
                .map_err(|e| from_io(e, "reading the download"))?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n])
                .map_err(|e| ClientError::io("writing the download", e))?;
            total += n as u64;
        }
    }

    /// Fills `buf` as far as the body goes: fewer bytes than `buf.len()` only at the end.
    pub fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, ClientError> {
        let mut filled = 0;
        while filled < buf.len() {
            let n = self
                .read(&mut buf[filled..])
                .map_err(|e| from_io(e, "reading the download"))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok(filled)
    }

    fn check_end(&mut self) -> io::Result<()> {
        self.finished = true;
        if let Some(expected) = self.headers.content_length {
            if self.read != expected {
                let kind = if self.read < expected {
                    io::ErrorKind::UnexpectedEof
                } else {
                    io::ErrorKind::InvalidData
                };
                return Err(io::Error::new(
                    kind,
                    ClientError::InvalidResponse(format!(
                        "download failed with incomplete file: {} of {expected} bytes (Content-Length)",
                        self.read
                    )),
                ));
            }
        }
        if let Some((digest, remote)) = self.crc.take() {
            let local = digest.sum64();
            if local != remote {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    ClientError::Crc64Mismatch { local, remote },
                ));
            }
        }
        Ok(())
    }
}

impl Read for ObjectStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        let n = match self.resp.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.finished = true;
                return Err(e);
            }
        };
        if n == 0 {
            self.check_end()?;
            return Ok(0);
        }
        self.read += n as u64;
        if let Some((digest, _)) = &mut self.crc {
            digest.write(&buf[..n]);
        }
        Ok(n)
    }
}

/// The [`ClientError`] inside an error of [`ObjectStream`]'s `read`, or an I/O error.
fn from_io(e: io::Error, context: &str) -> ClientError {
    if !e.get_ref().is_some_and(|inner| inner.is::<ClientError>()) {
        return ClientError::io(context, e);
    }
    match e.into_inner().map(|inner| inner.downcast::<ClientError>()) {
        Some(Ok(c)) => *c,
        // Not reached (checked above); an answer error rather than a panic.
        _ => ClientError::InvalidResponse(context.to_owned()),
    }
}
