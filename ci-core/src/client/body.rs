//! Request bodies: bytes, a file (or a range of one), or a one-shot reader — always
//! streamed, and hashed (CRC-64/ECMA) on the way out.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use crc::{Crc, Table, CRC_64_XZ};
use md5::{Digest as _, Md5};

use super::error::ClientError;
use super::options::md5_base64_of;

/// CRC-64/ECMA-182 as COS computes `x-cos-hash-crc64ecma` (the XZ variant: reflected,
/// initial value and final XOR all ones), with 16 tables (slicing-by-16). The client
/// itself uses the SIMD `Crc64Digest` (same values, many times faster); this table
/// form stays for callers that keep a `crc::Digest`.
pub static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_XZ);

/// `x-cos-hash-crc64ecma` of `data`.
///
/// ```
/// assert_eq!(ci_core::client::crc64(b"123456789"), 0x995dc9bbdf1939fa);
/// ```
pub fn crc64(data: &[u8]) -> u64 {
    let mut d = Crc64Digest::new();
    d.write(data);
    d.sum64()
}

/// A running `x-cos-hash-crc64ecma`: the SIMD CRC-64/XZ of `crc64fast` (carry-less
/// multiplication where the CPU has it, a table otherwise).
pub(crate) type Crc64Digest = crc64fast::Digest;

/// The body of an upload.
///
/// Bytes and files can be sent again (retries, EnableMD5 pre-pass, multipart); a reader
/// is read once, as it arrives, and never buffered whole.
///
/// ```
/// use ci_core::client::Body;
/// let b = Body::from_bytes(b"hello".to_vec());
/// assert_eq!(b.len(), Some(5));
/// assert!(b.is_replayable());
/// let r = Body::from_reader(std::io::empty());
/// assert_eq!(r.len(), None);
/// assert!(!r.is_replayable());
/// ```
pub struct Body {
    kind: Kind,
}

enum Kind {
    Bytes(Bytes),
    File {
        file: Arc<File>,
        offset: u64,
        len: u64,
    },
    Reader {
        reader: Option<Box<dyn Read + Send>>,
        len: Option<u64>,
    },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Kind::File { offset, len, .. } => write!(f, "Body::File({offset}+{len})"),
            Kind::Reader { len, .. } => write!(f, "Body::Reader({len:?})"),
        }
    }
}

impl Body {
    /// An in-memory body.
    pub fn from_bytes(data: impl Into<Bytes>) -> Self {
        Body {
            kind: Kind::Bytes(data.into()),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Body::from_bytes(Bytes::new())
    }

    /// A whole open file, read with positioned reads (its cursor is not used).
    pub fn from_file(file: File) -> Result<Self, ClientError> {
        let len = file
            .metadata()
            .map_err(|e| ClientError::io("reading file metadata", e))?
            .len();
        Ok(Body::file_range(Arc::new(file), 0, len))
    }

    /// Opens a file by path.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ClientError> {
        let path = path.as_ref();
        let file = File::open(path)
            .map_err(|e| ClientError::io(format!("opening {}", path.display()), e))?;
        Body::from_file(file)
    }

    /// `len` bytes of a shared file from `offset` (a multipart part).
    pub fn file_range(file: Arc<File>, offset: u64, len: u64) -> Self {
        Body {
            kind: Kind::File { file, offset, len },
        }
    }

    /// A one-shot reader of unknown length (sent chunked unless `ContentLength` is given).
    pub fn from_reader(reader: impl Read + Send + 'static) -> Self {
        Body {
            kind: Kind::Reader {
                reader: Some(Box::new(reader)),
                len: None,
            },
        }
    }

    /// A one-shot reader that yields exactly `len` bytes (sent with `Content-Length`).
    pub fn from_reader_sized(reader: impl Read + Send + 'static, len: u64) -> Self {
        Body {
            kind: Kind::Reader {
                reader: Some(Box::new(reader)),
                len: Some(len),
            },
        }
    }

    /// The length, when known.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            Kind::Bytes(b) => Some(b.len() as u64),
            Kind::File { len, .. } => Some(*len),
            Kind::Reader { len, .. } => *len,
        }
    }

    /// Whether the body can be sent more than once (bytes, files).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, Kind::Reader { .. })
    }

    pub(crate) fn set_len_hint(&mut self, hint: u64) {
        if let Kind::Reader { len, .. } = &mut self.kind {
            if len.is_none() {
                *len = Some(hint);
            }
        }
    }

    /// `Content-MD5` of a replayable body, read once in a streaming pass.
    pub(crate) fn md5_base64(&self) -> Result<String, ClientError> {
        match &self.kind {
            Kind::Bytes(b) => Ok(super::options::content_md5(b)),
            Kind::File { file, offset, len } => {
                let mut r = RangeReader {
                    file: file.clone(),
                    pos: *offset,
                    end: offset.saturating_add(*len),
                };
                let mut h = Md5::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = r
                        .read(&mut buf)
                        .map_err(|e| ClientError::io("reading file for Content-MD5", e))?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                Ok(md5_base64_of(h))
            }
            Kind::Reader { .. } => Err(ClientError::BodyNotReplayable("EnableMD5")),
        }
    }

    /// One attempt's reqwest body and the tracker of what was actually read.
    pub(crate) fn attempt(&mut self) -> Result<(reqwest::Body, Arc<Tracker>), ClientError> {
        match &mut self.kind {
            Kind::Bytes(b) => {
                let t = Arc::new(Tracker::default());
                t.update(b);
                Ok((reqwest::Body::from(b.clone()), t))
            }
            Kind::File { file, offset, len } => {
                let t = Arc::new(Tracker::default());
                let reader = Tracking {
                    inner: RangeReader {
                        file: file.clone(),
                        pos: *offset,
                        end: offset.saturating_add(*len),
                    },
                    tracker: t.clone(),
                };
                Ok((ReaderBody::body(Box::new(reader), Some(*len)), t))
            }
            Kind::Reader { reader, len } => {
                let inner = reader
                    .take()
                    .ok_or(ClientError::BodyNotReplayable("a second attempt"))?;
                let t = Arc::new(Tracker::default());
                let reader = Tracking {
                    inner,
                    tracker: t.clone(),
                };
                Ok((ReaderBody::body(Box::new(reader), *len), t))
            }
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::from_bytes(v)
    }
}

impl From<&'static [u8]> for Body {
    fn from(v: &'static [u8]) -> Self {
        Body::from_bytes(v)
    }
}

impl From<Bytes> for Body {
    fn from(v: Bytes) -> Self {
        Body::from_bytes(v)
    }
}

/// CRC-64 and byte count of what was read from a body.
pub(crate) struct Tracker {
    state: Mutex<(Crc64Digest, u64)>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            state: Mutex::new((Crc64Digest::new(), 0)),
        }
    }
}

impl Tracker {
    fn update(&self, data: &[u8]) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.0.write(data);
        s.1 += data.len() as u64;
    }

    /// `(crc64, bytes read)`.
    pub(crate) fn result(&self) -> (u64, u64) {
        let s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (s.0.sum64(), s.1)
    }
}

struct Tracking<R> {
    inner: R,
    tracker: Arc<Tracker>,
}

impl<R: Read> Read for Tracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tracker.update(&buf[..n]);
        Ok(n)
    }
}

/// A reader sent as a request body: read on the thread that drives the request, in
/// pieces of up to [`ReaderBody::PIECE`] bytes, never more than `left` when the length is
/// declared (as reqwest's blocking `Body::sized` did).
struct ReaderBody {
    /// In a mutex only because reqwest wants a `Sync` body; never contended (`get_mut`).
    reader: Mutex<Box<dyn Read + Send>>,
    /// Bytes still to send when the length is declared.
    left: Option<u64>,
    done: bool,
}

impl ReaderBody {
    const PIECE: usize = 64 * 1024;

    fn body(reader: Box<dyn Read + Send>, len: Option<u64>) -> reqwest::Body {
        reqwest::Body::wrap(ReaderBody {
            reader: Mutex::new(reader),
            left: len,
            done: len == Some(0),
        })
    }
}

impl http_body::Body for ReaderBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let want = match this.left {
            Some(left) => usize::try_from(left).unwrap_or(usize::MAX).min(Self::PIECE),
            None => Self::PIECE,
        };
        let mut piece = vec![0u8; want];
        let reader = this
            .reader
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let n = loop {
            match reader.read(&mut piece) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        };
        if n == 0 {
            this.done = true;
            return Poll::Ready(None);
        }
        piece.truncate(n);
        if let Some(left) = &mut this.left {
            *left = left.saturating_sub(n as u64);
            this.done = *left == 0;
        }
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(piece)))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.left {
            Some(n) => http_body::SizeHint::with_exact(n),
            None => http_body::SizeHint::default(),
        }
    }
}

/// Positioned reads of `[pos, end)` of a shared file: many readers at once, no seeking.
struct RangeReader {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        if left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let n = read_at(&self.file, &mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while being uploaded",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

impl Body {
    /// Reads the whole body into memory, refusing more than `limit` bytes.
    pub(crate) fn read_all_limited(mut self, limit: u64) -> Result<Vec<u8>, ClientError> {
        if let Some(n) = self.len() {
            if n > limit {
                return Err(ClientError::invalid(
                    "Body",
                    format!("{n} bytes is more than the {limit} allowed"),
                ));
            }
        }
        let reader: Box<dyn Read + Send> = match &mut self.kind {
            Kind::Bytes(b) => return Ok(b.to_vec()),
            Kind::File { file, offset, len } => Box::new(RangeReader {
                file: file.clone(),
                pos: *offset,
                end: offset.saturating_add(*len),
            }),
            Kind::Reader { reader, .. } => reader
                .take()
                .ok_or(ClientError::BodyNotReplayable("a second read"))?,
        };
        let mut out = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| ClientError::io("reading the body", e))?;
        if out.len() as u64 > limit {
            return Err(ClientError::invalid(
                "Body",
                format!("more than the {limit} bytes allowed"),
            ));
        }
        Ok(out)
    }
}
