//! The answer to a multipart completion that carried `Pic-Operations`:
//! `<CompleteMultipartUploadResult>` with the completion's own elements, then the
//! processing results.

use serde::{Deserialize, Serialize};

use super::upload::{de_objects, ser_objects};
use super::{
    xml, xml_to_dict, CompleteMultipartUploadResult, OriginalInfo, ProcessResult, ResultError,
    SdkValue, UploadResult,
};

/// The answer to `POST /<Key>?uploadId=ID` with a `Pic-Operations` header.
///
/// On the wire (what cos-ci serve answers):
/// `<CompleteMultipartUploadResult>` holding `Location`, `Bucket`, `Key`, `ETag` (as the
/// plain [`CompleteMultipartUploadResult`]), then `OriginalInfo` and `ProcessResults` (as
/// inside an [`UploadResult`]). That root and those four elements are what
/// cos-go-sdk-v5 reads (it reports an answer without `ETag` as an error), the picture
/// results are what the HarmonyOS and Java SDKs read from the completion, and
/// cos-python-sdk-v5 turns the whole body into its dict.
///
/// [`CompletePicResult::from_xml`] also reads a bare `<UploadResult>` (what cos-ci
/// servers answered before): [`completion`](Self::completion) is then `None`, and
/// [`to_xml`](Self::to_xml) writes that form back.
///
/// ```
/// use ci_core::result::{
///     CompleteMultipartUploadResult, CompletePicResult, ProcessResult, UploadResult,
/// };
///
/// let answer = CompletePicResult {
///     completion: Some(CompleteMultipartUploadResult {
///         location: "b-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg".into(),
///         bucket: "b-1250000000".into(),
///         key: "a.jpg".into(),
///         etag: "\"3f0c-2\"".into(),
///     }),
///     upload_result: UploadResult {
///         original_info: None,
///         process_results: vec![ProcessResult {
///             key: "t.png".into(),
///             location: "b-1250000000.cos.ap-guangzhou.myqcloud.com/t.png".into(),
///             width: Some(64),
///             etag: "\"ab\"".into(),
///             ..Default::default()
///         }],
///     },
/// };
/// let xml = answer.to_xml();
/// assert_eq!(
///     xml,
///     "<CompleteMultipartUploadResult>\n\
///      <Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg</Location>\n\
///      <Bucket>b-1250000000</Bucket>\n<Key>a.jpg</Key>\n<ETag>&quot;3f0c-2&quot;</ETag>\n\
///      <ProcessResults>\n<Object>\n<Key>t.png</Key>\n\
///      <Location>b-1250000000.cos.ap-guangzhou.myqcloud.com/t.png</Location>\n\
///      <Width>64</Width>\n<ETag>&quot;ab&quot;</ETag>\n</Object>\n</ProcessResults>\n\
///      </CompleteMultipartUploadResult>"
/// );
/// assert_eq!(CompletePicResult::from_xml(&xml)?, answer);
///
/// // The older answer: no completion elements.
/// let old = CompletePicResult::from_xml(&answer.upload_result.to_xml())?;
/// assert_eq!(old.completion, None);
/// assert_eq!(old.upload_result, answer.upload_result);
/// # Ok::<(), ci_core::result::ResultError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompletePicResult {
    /// `Location`, `Bucket`, `Key`, `ETag` of the assembled object; `None` when the
    /// answer was a bare `<UploadResult>`.
    pub completion: Option<CompleteMultipartUploadResult>,
    /// `OriginalInfo` and `ProcessResults`.
    pub upload_result: UploadResult,
}

const ROOT: &str = "CompleteMultipartUploadResult";

/// The combined document as written.
#[derive(Serialize)]
struct WireRef<'a> {
    #[serde(rename = "Location")]
    location: &'a str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "ETag")]
    etag: &'a str,
    #[serde(rename = "OriginalInfo", skip_serializing_if = "Option::is_none")]
    original_info: Option<&'a OriginalInfo>,
    #[serde(
        rename = "ProcessResults",
        skip_serializing_if = "no_objects",
        serialize_with = "ser_objects"
    )]
    process_results: &'a [ProcessResult],
}

fn no_objects(objects: &&[ProcessResult]) -> bool {
    objects.is_empty()
}

/// The combined document as read: the four completion elements are required.
#[derive(Deserialize)]
struct WireOwned {
    #[serde(rename = "Location")]
    location: String,
    #[serde(rename = "Bucket")]
    bucket: String,
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "OriginalInfo", default)]
    original_info: Option<OriginalInfo>,
    #[serde(rename = "ProcessResults", default, deserialize_with = "de_objects")]
    process_results: Vec<ProcessResult>,
}

impl CompletePicResult {
    /// Parses either form: `<CompleteMultipartUploadResult>` (`Location`, `Bucket`, `Key`
    /// and `ETag` required, `OriginalInfo` and `ProcessResults` optional) or
    /// `<UploadResult>`. Any other root is [`ResultError::UnexpectedRoot`]; unknown
    /// elements are ignored.
    pub fn from_xml(input: &str) -> Result<Self, ResultError> {
        let root = xml::parse_tree(input)?.local;
        if root == "UploadResult" {
            return Ok(CompletePicResult {
                completion: None,
                upload_result: UploadResult::from_xml(input)?,
            });
        }
        let wire: WireOwned = xml::from_xml(input, ROOT)?;
        Ok(CompletePicResult {
            completion: Some(CompleteMultipartUploadResult {
                location: wire.location,
                bucket: wire.bucket,
                key: wire.key,
                etag: wire.etag,
            }),
            upload_result: UploadResult {
                original_info: wire.original_info,
                process_results: wire.process_results,
            },
        })
    }

    /// Serialises in the service's style (see [`UploadResult::to_xml`]): with a
    /// completion, `<CompleteMultipartUploadResult>` in the order Location, Bucket, Key,
    /// ETag, OriginalInfo, ProcessResults (the last two left out when absent or empty);
    /// without one, the `<UploadResult>`.
    pub fn to_xml(&self) -> String {
        match &self.completion {
            None => self.upload_result.to_xml(),
            Some(c) => xml::to_xml(
                &WireRef {
                    location: &c.location,
                    bucket: &c.bucket,
                    key: &c.key,
                    etag: &c.etag,
                    original_info: self.upload_result.original_info.as_ref(),
                    process_results: &self.upload_result.process_results,
                },
                ROOT,
            ),
        }
    }

    /// The Python SDK's view of this answer: `xml_to_dict(self.to_xml())`, the dict
    /// cos-python-sdk-v5's `complete_multipart_upload` merges into its return value.
    pub fn to_sdk_dict(&self) -> SdkValue {
        // `to_xml` always produces well-formed XML, so the fallback is never taken.
        xml_to_dict(&self.to_xml()).unwrap_or(SdkValue::Dict(Vec::new()))
    }
}
