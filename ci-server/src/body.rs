//! Bodies between the wire and the store: request bodies streamed into a staging file
//! (under the size limit and the idle timeout) or read whole when small, and object
//! bodies streamed out of the store from a blocking reader.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt};
use hyper::body::{Frame, Incoming, SizeHint};

use crate::budget::Reservation;
use crate::error::ApiError;
use crate::http::{blocking, Body};
use crate::state::State;
use crate::store::{BodyReader, Staged, StoreError};

/// Bytes a streamed upload holds in memory before writing them to its staging file.
const FLUSH: usize = 1024 * 1024;

/// Bytes a streamed read holds in memory (four 256 KiB chunks in the channel, one being
/// read).
pub(crate) const STREAM_BUFFER: u64 = 5 * 256 * 1024;

/// A request body read under the idle timeout (`limits.body_idle_timeout_secs` between
/// chunks) and the total deadline (`limits.body_total_timeout_secs` for the whole body).
pub(crate) struct TimedBody {
    body: Incoming,
    idle: Duration,
    deadline: Instant,
    total_secs: u64,
}

impl TimedBody {
    /// Starts the clocks.
    pub(crate) fn new(state: &State, body: Incoming) -> Self {
        let limits = &state.config.limits;
        TimedBody {
            body,
            idle: Duration::from_secs(limits.body_idle_timeout_secs),
            deadline: Instant::now() + Duration::from_secs(limits.body_total_timeout_secs),
            total_secs: limits.body_total_timeout_secs,
        }
    }

    /// The next data chunk; `None` at the end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, ApiError> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            let (wait, total) = if left < self.idle {
                (left, true)
            } else {
                (self.idle, false)
            };
            let next = tokio::time::timeout(wait, self.body.frame())
                .await
                .map_err(|_| {
                    let why = if total {
                        format!("the body did not arrive within {} s", self.total_secs)
                    } else {
                        format!("no byte of the body arrived for {} s", self.idle.as_secs())
                    };
                    ApiError::new(
                        400,
                        "RequestTimeout",
                        format!("{why}; the request is discarded"),
                    )
                })?;
            let Some(frame) = next else { return Ok(None) };
            let frame = frame.map_err(|e| {
                ApiError::new(
                    400,
                    "IncompleteBody",
                    format!("the body was not received whole: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                return Ok(Some(data));
            }
        }
    }

    /// The body as a stream of chunks (for multer), errors wrapped in [`BodyFailure`].
    pub(crate) fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, BodyFailure>> + Send {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut body = state?;
            match body.chunk().await {
                Ok(Some(data)) => Some((Ok(data), Some(body))),
                Ok(None) => None,
                Err(e) => Some((Err(BodyFailure(e)), None)),
            }
        })
    }
}

/// A body that could not be read, carried through a stream consumer.
#[derive(Debug)]
pub(crate) struct BodyFailure(pub(crate) ApiError);

impl std::fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for BodyFailure {}

/// Receives a body into a staging file, and with `keep` also into memory (up to the
/// reservation's size, allocated once so that it never grows past it). The staging
/// buffer is drawn from the memory budget.
pub(crate) async fn receive_body(
    state: &Arc<State>,
    body: Incoming,
    max: u64,
    keep: Option<&Reservation>,
) -> Result<(Staged, Option<Vec<u8>>), ApiError> {
    let _buffer = state
        .budget
        .reserve(FLUSH as u64, "an upload's staging buffer")
        .await?;
    let store = state.store.clone();
    let mut staging = blocking(move || Ok(store.stage()?)).await?;
    let mut body = TimedBody::new(state, body);
    let limit = keep.map(Reservation::bytes);
    let mut kept = limit.map(|l| Vec::with_capacity(l as usize));
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH);
    let mut total = 0u64;
    while let Some(data) = body.chunk().await? {
        total += data.len() as u64;
        if total > max {
            return Err(ApiError::entity_too_large(max));
        }
        if let (Some(k), Some(limit)) = (kept.as_mut(), limit) {
            if total > limit {
                return Err(ApiError::image_too_large(limit));
            }
            k.extend_from_slice(&data);
        }
        buf.extend_from_slice(&data);
        if buf.len() >= FLUSH {
            let chunk = std::mem::replace(&mut buf, Vec::with_capacity(FLUSH));
            staging = blocking(move || {
                staging.write(&chunk).map_err(StoreError::from)?;
                Ok(staging)
            })
            .await?;
        }
    }
    let staged = blocking(move || {
        staging.write(&buf).map_err(StoreError::from)?;
        Ok(staging.finish().map_err(StoreError::from)?)
    })
    .await?;
    Ok((staged, kept))
}

/// Reads a small body (an XML document) whole, up to `max` bytes, within a reservation
/// of `cost_factor` times its size (what parsing it will take), which it returns with it.
pub(crate) async fn read_small_body(
    state: &Arc<State>,
    body: Incoming,
    declared: Option<u64>,
    max: u64,
    cost_factor: u64,
) -> Result<(Bytes, Reservation), ApiError> {
    let too_large = || {
        ApiError::new(
            400,
            "EntityTooLarge",
            format!("the request body exceeds the limit of {max} bytes"),
        )
    };
    if declared.is_some_and(|d| d > max) {
        return Err(too_large());
    }
    let size = declared.unwrap_or(max);
    let reservation = state
        .budget
        .reserve(size.saturating_mul(cost_factor), "a request document")
        .await?;
    let mut body = TimedBody::new(state, body);
    let mut data = Vec::with_capacity(size as usize);
    while let Some(chunk) = body.chunk().await? {
        if (data.len() + chunk.len()) as u64 > size {
            return Err(too_large());
        }
        data.extend_from_slice(&chunk);
    }
    Ok((Bytes::from(data), reservation))
}

/// A body fed by a blocking reader thread.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    remaining: u64,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.rx.poll_recv(cx) {
            std::task::Poll::Ready(Some(Ok(b))) => {
                self.remaining = self.remaining.saturating_sub(b.len() as u64);
                std::task::Poll::Ready(Some(Ok(Frame::data(b))))
            }
            std::task::Poll::Ready(Some(Err(e))) => std::task::Poll::Ready(Some(Err(e))),
            std::task::Poll::Ready(None) => std::task::Poll::Ready(None),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A body that holds a share of the memory budget until it is dropped (sent or
/// abandoned).
struct Held {
    inner: Body,
    _reservation: Reservation,
}

impl hyper::body::Body for Held {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `body`, holding `reservation` until it is sent.
pub(crate) fn held(body: Body, reservation: Reservation) -> Body {
    BoxBody::new(Held {
        inner: body,
        _reservation: reservation,
    })
}

/// Streams `len` bytes from `start` of `reader` from a blocking thread, holding
/// `reservation` (of [`STREAM_BUFFER`]) until the stream ends.
pub(crate) fn stream_body(
    mut reader: Box<dyn BodyReader>,
    start: u64,
    len: u64,
    reservation: Reservation,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let _reservation = reservation;
        if let Err(e) = reader.seek(SeekFrom::Start(start)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut reader = reader.take(len);
        loop {
            let mut chunk = vec![0u8; (256 * 1024).min(len as usize).max(1)];
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    BoxBody::new(ChannelBody { rx, remaining: len })
}

/// Reads `len` bytes from `start` of `reader` into memory.
pub(crate) fn read_inline(
    reader: &mut dyn BodyReader,
    start: u64,
    len: u64,
) -> Result<Vec<u8>, ApiError> {
    let io = |e: std::io::Error| ApiError::from(StoreError::from(e));
    reader.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut data = Vec::with_capacity(len as usize);
    reader.take(len).read_to_end(&mut data).map_err(io)?;
    Ok(data)
}
