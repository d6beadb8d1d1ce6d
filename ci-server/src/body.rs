//! Bodies between the wire and the store: request bodies streamed into a staging file
//! (under the size limit and the idle timeout) or read whole when small, and object
//! bodies streamed out of the store from a blocking reader.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt};
use hyper::body::{Frame, Incoming, SizeHint};

use crate::error::ApiError;
use crate::http::{blocking, Body};
use crate::state::State;
use crate::store::{BodyReader, Staged, StoreError};

/// Receives a body into a staging file (and, with `keep`, into memory up to that size).
pub(crate) async fn receive_body(
    state: &Arc<State>,
    mut body: Incoming,
    max: u64,
    keep: Option<u64>,
) -> Result<(Staged, Option<Vec<u8>>), ApiError> {
    const FLUSH: usize = 1024 * 1024;
    let store = state.store.clone();
    let mut staging = blocking(move || Ok(store.stage()?)).await?;
    let idle = Duration::from_secs(state.config.limits.body_idle_timeout_secs);
    let mut kept = keep.map(|_| Vec::new());
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0u64;
    loop {
        let next = tokio::time::timeout(idle, body.frame())
            .await
            .map_err(|_| {
                ApiError::new(
                    400,
                    "RequestTimeout",
                    "the body did not arrive in time; the upload is discarded",
                )
            })?;
        let Some(frame) = next else { break };
        let frame = frame.map_err(|e| {
            ApiError::new(
                400,
                "IncompleteBody",
                format!("the body was not received whole: {e}"),
            )
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total += data.len() as u64;
        if total > max {
            return Err(ApiError::entity_too_large(max));
        }
        if let (Some(k), Some(limit)) = (kept.as_mut(), keep) {
            if total > limit {
                return Err(ApiError::image_too_large(limit));
            }
            k.extend_from_slice(&data);
        }
        buf.extend_from_slice(&data);
        if buf.len() >= FLUSH {
            let chunk = std::mem::take(&mut buf);
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

/// Reads a small body (an XML document) whole, up to `max` bytes.
pub(crate) async fn read_small_body(body: Incoming, max: u64) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, max as usize);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) => Err(ApiError::new(
            400,
            "MalformedXML",
            format!("cannot read the request body: {e}"),
        )),
    }
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

/// Streams `len` bytes from `start` of `reader` from a blocking thread.
pub(crate) fn stream_body(mut reader: Box<dyn BodyReader>, start: u64, len: u64) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
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
