//! COS documents around the upload: the `<Error>` body and the multipart upload
//! documents.

use serde::{Deserialize, Serialize};

use super::{xml, ResultError};

/// A COS error body: `<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>`.
///
/// Parsing tolerates an XML declaration, extra elements and missing ones (read as empty).
/// [`CosError::to_xml`] writes every element, empty or not; fill `code`, `message`,
/// `resource` and `request_id`: the Python SDK fails with a `TypeError` on an empty one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Error", rename_all = "PascalCase")]
pub struct CosError {
    /// Error code, e.g. `InvalidPicOperations`, `NoSuchKey`.
    #[serde(default)]
    pub code: String,
    /// Human-readable description.
    #[serde(default)]
    pub message: String,
    /// The resource addressed, e.g. `<bucket>.cos.<region>.myqcloud.com/<key>`.
    #[serde(default)]
    pub resource: String,
    /// Request id, also sent as `x-cos-request-id`.
    #[serde(default)]
    pub request_id: String,
    /// Trace id.
    #[serde(default)]
    pub trace_id: String,
}

impl CosError {
    /// Parses an `<Error>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "Error")
    }

    /// Serialises every element, in the order Code, Message, Resource, RequestId, TraceId.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "Error")
    }
}

/// The answer to `POST /<Key>?uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "InitiateMultipartUploadResult", rename_all = "PascalCase")]
pub struct InitiateMultipartUploadResult {
    /// Bucket, `<name>-<appid>`.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Upload id for the following part uploads and the completion.
    pub upload_id: String,
}

impl InitiateMultipartUploadResult {
    /// Parses an `<InitiateMultipartUploadResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "InitiateMultipartUploadResult")
    }

    /// Serialises in the order Bucket, Key, UploadId.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "InitiateMultipartUploadResult")
    }
}

/// One `<Part>` of a [`CompleteMultipartUpload`] request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompletedPart {
    /// 1-based part number.
    pub part_number: u32,
    /// The part's ETag as returned by the part upload, quotes included.
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// The request body of `POST /<Key>?uploadId=ID`:
/// `<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUpload")]
pub struct CompleteMultipartUpload {
    /// The parts, in the order sent.
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletedPart>,
}

impl CompleteMultipartUpload {
    /// Parses a `<CompleteMultipartUpload>` document (zero parts allowed here; whether
    /// that is acceptable is the server's call).
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "CompleteMultipartUpload")
    }

    /// Serialises the parts in order.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "CompleteMultipartUpload")
    }
}

/// The answer to a completed multipart upload without `Pic-Operations`. With it, the
/// same root and elements are followed by the processing results: see
/// [`CompletePicResult`](super::CompletePicResult).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUploadResult", rename_all = "PascalCase")]
pub struct CompleteMultipartUploadResult {
    /// `<bucket>.cos.<region>.myqcloud.com/<key>`.
    pub location: String,
    /// Bucket, `<name>-<appid>`.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// The multipart ETag, quotes included (`"<md5>-<parts>"`).
    #[serde(rename = "ETag")]
    pub etag: String,
}

impl CompleteMultipartUploadResult {
    /// Parses a `<CompleteMultipartUploadResult>` document.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        xml::from_xml(input, "CompleteMultipartUploadResult")
    }

    /// Serialises in the order Location, Bucket, Key, ETag.
    pub fn to_xml(&self) -> String {
        xml::to_xml(self, "CompleteMultipartUploadResult")
    }
}
