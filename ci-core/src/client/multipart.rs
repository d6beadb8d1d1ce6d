//! Multipart upload: initiate, upload parts (concurrently, from a file), complete with
//! `Pic-Operations` — returning the processing results along with the completion.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Method;

use crate::result::{
    CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePicResult, CompletedPart,
    InitiateMultipartUploadResult, UploadResult,
};

use super::{Body, ClientError, CosClient, ObjectOptions, ResponseHeaders, Result};

/// The answer to a completed multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one value per completed upload; a Box would only burden matching"
)]
pub enum CompleteOutcome {
    /// The answer carried processing results (`OriginalInfo` or `ProcessResults`, as a
    /// completion with `Pic-Operations` answers), or was a bare `<UploadResult>`.
    Processed(CompletePicResult),
    /// A plain completion.
    Completed(CompleteMultipartUploadResult),
}

impl CompleteOutcome {
    /// The processing results (`OriginalInfo`, `ProcessResults`), when the answer held
    /// them.
    pub fn upload_result(&self) -> Option<&UploadResult> {
        match self {
            CompleteOutcome::Processed(r) => Some(&r.upload_result),
            CompleteOutcome::Completed(_) => None,
        }
    }

    /// `Location`, `Bucket`, `Key` and `ETag` of the assembled object; `None` only when
    /// the server answered a bare `<UploadResult>` (cos-ci servers before the combined
    /// answer).
    pub fn completion(&self) -> Option<&CompleteMultipartUploadResult> {
        match self {
            CompleteOutcome::Processed(r) => r.completion.as_ref(),
            CompleteOutcome::Completed(c) => Some(c),
        }
    }
}

/// A part that was uploaded: its number and ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedPart {
    /// 1-based part number.
    pub part_number: u32,
    /// ETag returned by the part upload, quotes included.
    pub etag: String,
}

/// COS allows at most 10000 parts.
const MAX_PARTS: u64 = 10_000;

impl CosClient {
    /// `POST /<key>?uploads`: starts a multipart upload (options such as `ContentType`,
    /// `Metadata`, `ACL` apply to the final object).
    pub fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        opts: &ObjectOptions,
    ) -> Result<InitiateMultipartUploadResult> {
        let mut req = self.object_request(Method::POST, bucket, key)?;
        req.params.push(("uploads".into(), None));
        let mut o = opts.clone();
        o.pic_operations = None; // processing belongs to the completion
        req.headers = self.option_headers(&o, None)?;
        let sent = self.send(req)?;
        let text = Self::read_text(sent.resp, "InitiateMultipartUploadResult")?;
        InitiateMultipartUploadResult::from_xml(&text).map_err(|e| {
            ClientError::InvalidResponse(format!("InitiateMultipartUploadResult: {e}")).into()
        })
    }

    /// `PUT /<key>?partNumber=N&uploadId=ID`: uploads one part; the part's CRC-64 is
    /// checked when the service sends it.
    pub fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        mut body: Body,
        enable_md5: bool,
    ) -> Result<(UploadedPart, ResponseHeaders)> {
        let mut req = self.object_request(Method::PUT, bucket, key)?;
        req.params
            .push(("partNumber".into(), Some(part_number.to_string())));
        req.params.push(("uploadId".into(), Some(upload_id.into())));
        if enable_md5 {
            req.headers.push(("Content-MD5".into(), body.md5_base64()?));
        }
        req.check_crc = true;
        req.body = Some(&mut body);
        let sent = self.send(req)?;
        let etag = sent.headers.etag.clone().ok_or_else(|| {
            ClientError::InvalidResponse(format!("part {part_number}: no ETag in the answer"))
        })?;
        Ok((UploadedPart { part_number, etag }, sent.headers))
    }

    /// `POST /<key>?uploadId=ID` with the part list. With `opts.pic_operations`, the
    /// header is validated and sent, and the answer is [`CompleteOutcome::Processed`]:
    /// the completion's elements and the processing results, read from either the
    /// combined `<CompleteMultipartUploadResult>` or a bare `<UploadResult>`.
    pub fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[UploadedPart],
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, CompleteOutcome)> {
        let mut sorted = parts.to_vec();
        sorted.sort_by_key(|p| p.part_number);
        let doc = CompleteMultipartUpload {
            parts: sorted
                .into_iter()
                .map(|p| CompletedPart {
                    part_number: p.part_number,
                    etag: p.etag,
                })
                .collect(),
        };
        let mut body = Body::from_bytes(doc.to_xml().into_bytes());
        let mut req = self.object_request(Method::POST, bucket, key)?;
        req.params.push(("uploadId".into(), Some(upload_id.into())));
        let o = ObjectOptions {
            pic_operations: opts.pic_operations.clone(),
            ..Default::default()
        };
        req.headers = self.option_headers(&o, None)?;
        req.headers
            .push(("Content-Type".into(), "application/xml".into()));
        // Completing twice with the same parts is harmless: retry.
        req.retry = true;
        req.body = Some(&mut body);
        let sent = self.send(req)?;
        let headers = sent.headers;
        let text = Self::read_text(sent.resp, "the completion answer")?;
        // Either root; a plain completion is the combined form without results.
        let parsed = CompletePicResult::from_xml(&text)
            .map_err(|e| ClientError::InvalidResponse(format!("the completion answer: {e}")))?;
        let outcome = match parsed {
            CompletePicResult {
                completion: Some(c),
                upload_result,
            } if upload_result == UploadResult::default() => CompleteOutcome::Completed(c),
            processed => CompleteOutcome::Processed(processed),
        };
        Ok((headers, outcome))
    }

    /// `DELETE /<key>?uploadId=ID`: abandons a multipart upload.
    pub fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<ResponseHeaders> {
        let mut req = self.object_request(Method::DELETE, bucket, key)?;
        req.params.push(("uploadId".into(), Some(upload_id.into())));
        Ok(self.send(req)?.headers)
    }

    /// Uploads a local file in parts of `config.part_size` bytes with up to
    /// `config.upload_threads` concurrent part uploads, then completes with `opts`
    /// (`PicOperations` there gives [`CompleteOutcome::Processed`]). On failure the
    /// upload is aborted. Memory stays bounded: parts are streamed from the file.
    pub fn multipart_upload_file(
        &self,
        bucket: &str,
        key: &str,
        path: impl AsRef<Path>,
        opts: &ObjectOptions,
    ) -> Result<(ResponseHeaders, CompleteOutcome)> {
        let path = path.as_ref();
        // Checked once, before anything is sent; the completion sends the checked value.
        let mut opts = opts.clone();
        if let Some(p) = &opts.pic_operations {
            opts.pic_operations = Some(p.check()?.into());
        }
        let opts = &opts;
        let file = File::open(path)
            .map_err(|e| ClientError::io(format!("opening {}", path.display()), e))?;
        let size = file
            .metadata()
            .map_err(|e| ClientError::io(format!("reading {}", path.display()), e))?
            .len();
        let mut part_size = self.config.part_size.max(1);
        while size.div_ceil(part_size) > MAX_PARTS {
            part_size = part_size.saturating_mul(2);
        }
        let count = size.div_ceil(part_size).max(1);
        let file = Arc::new(file);
        let init = self.create_multipart_upload(bucket, key, opts)?;
        let upload_id = init.upload_id;
        let next = AtomicU64::new(0);
        let failed = AtomicBool::new(false);
        let parts: Mutex<Vec<UploadedPart>> = Mutex::new(Vec::new());
        let first_error: Mutex<Option<super::CosClientError>> = Mutex::new(None);
        let threads = (self.config.upload_threads as u64).clamp(1, count) as usize;
        std::thread::scope(|s| {
            // Joined one by one (the scope's own wait ends when the closures return, and
            // leaves the threads detached, still exiting, after this call returns).
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| loop {
                        if failed.load(Ordering::Relaxed) {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            return;
                        }
                        let offset = i * part_size;
                        let len = part_size.min(size - offset);
                        let body = Body::file_range(file.clone(), offset, len);
                        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        match self.upload_part(
                            bucket,
                            key,
                            &upload_id,
                            number,
                            body,
                            opts.enable_md5,
                        ) {
                            Ok((p, _)) => {
                                parts.lock().unwrap_or_else(PoisonError::into_inner).push(p)
                            }
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                first_error
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .get_or_insert(e);
                                return;
                            }
                        }
                    })
                })
                .collect();
            for worker in workers {
                if let Err(panic) = worker.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        });
        if let Some(e) = first_error
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            let _ = self.abort_multipart_upload(bucket, key, &upload_id);
            return Err(e);
        }
        let parts = parts.into_inner().unwrap_or_else(PoisonError::into_inner);
        self.complete_multipart_upload(bucket, key, &upload_id, &parts, opts)
    }
}
