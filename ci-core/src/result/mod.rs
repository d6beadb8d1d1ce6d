//! What the service answers: `UploadResult` XML, COS error XML, the legacy v4 JSON and the
//! Python SDK's `xml_to_dict` shape.
//!
//! * [`UploadResult`] (with [`OriginalInfo`], [`ProcessResult`] and [`ImageInfo`]): the
//!   answer to an upload or `?image_process` request carrying `Pic-Operations`.
//! * [`CosError`]: the `<Error>` body of a failed request.
//! * [`InitiateMultipartUploadResult`], [`CompleteMultipartUpload`],
//!   [`CompleteMultipartUploadResult`]: the multipart upload documents;
//!   [`CompletePicResult`]: the completion's answer when it carried `Pic-Operations`.
//! * [`ListBucketResult`], [`ListPartsResult`], [`ListMultipartUploadsResult`],
//!   [`CopyObjectResult`], [`ListAllMyBucketsResult`]: listings, copies and GET Service.
//! * [`V4Response`]: the legacy v4 API's JSON answer.
//! * [`ImageInspectResult`]: the `imageInspect` JSON answer.
//! * [`QrCodeInfo`] (in a [`ProcessResult`]) and [`QrCodeResponse`]: QR-code recognition.
//! * [`xml_to_dict`] and [`SdkValue`]: the dict cos-python-sdk-v5 returns.
//!
//! Every parser returns [`ResultError`] and never panics. Every `to_xml` writes the
//! service's style: one element per line, no indentation, no XML declaration, `"` as
//! `&quot;`.

mod complete;
mod cos;
mod error;
mod image_info;
mod inspect;
mod list;
mod qrcode;
mod sdk;
mod upload;
mod v4;
mod xml;

pub use complete::CompletePicResult;
pub use cos::{
    CompleteMultipartUpload, CompleteMultipartUploadResult, CompletedPart, CosError,
    InitiateMultipartUploadResult,
};
pub use error::ResultError;
pub use image_info::ImageInfo;
pub use inspect::ImageInspectResult;
pub use list::{
    BucketEntry, BucketList, CommonPrefix, CopyObjectResult, ListAllMyBucketsResult,
    ListBucketResult, ListMultipartUploadsResult, ListPartsResult, ListedObject, ListedPart,
    ListedUpload, Owner,
};
pub use qrcode::{CodeLocation, QrCodeInfo, QrCodeResponse};
pub use sdk::{xml_to_dict, SdkValue};
pub use upload::{OriginalInfo, ProcessResult, UploadResult};
pub use v4::{V4Data, V4ImageInfo, V4OriginalInfo, V4ProcessResult, V4Response};
