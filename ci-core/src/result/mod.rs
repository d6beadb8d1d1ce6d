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
//! * [`QrCodeInfo`] (in a [`ProcessResult`]) and [`QrCodeResponse`]: QR-code recognition;
//!   [`QrCodeGenerateResult`]: QR-code generation.
//! * [`AddStyle`], [`GetStyle`], [`DeleteStyle`], [`StyleList`]: image styles (`?style`).
//! * [`BasicImageInfo`], [`ImageAveResult`], [`ExifInfo`]: the `imageInfo`, `imageAve` and
//!   `exif` JSON answers.
//! * [`xml_to_dict`] and [`SdkValue`]: the dict cos-python-sdk-v5 returns.
//! * [`CreatePicJobsRequest`], [`JobsDetail`], [`PicJobCallback`] and the other pic bucket,
//!   queue and job documents of asynchronous processing.
//!
//! Every parser returns [`ResultError`] and never panics. Every `to_xml` writes the
//! service's style: one element per line, no indentation, no XML declaration, `"` as
//! `&quot;`.

mod ci_api;
mod complete;
mod cos;
mod error;
mod image_info;
mod inspect;
mod list;
mod pic_jobs;
mod qrcode;
mod sdk;
mod style;
mod upload;
mod v4;
mod xml;

pub use ci_api::{
    decode_result_image, BasicImageInfo, ExifEntry, ExifInfo, ImageAveResult, QrCodeGenerateResult,
};
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
pub use pic_jobs::{
    CallBackMqConfig, ClosePicBucketResponse, CreatePicJobsRequest, CreatePicJobsResponse,
    DescribePicBucketsResponse, DescribePicJobsResponse, DescribePicQueuesResponse, JobInput,
    JobOutput, JobState, JobsDetail, JobsDetailOperation, JobsDetailOutput, ListPicJobsResponse,
    NotifyConfig, OpenPicBucketResponse, PicBucket, PicImageInfo, PicJobCallback, PicJobProduct,
    PicJobRequestOperation, PicJobSource, PicOriginalInfo, PicProcess, PicProcessResult, PicQueue,
    PicResultInfo, PicUploadImageInfo, PicUploadObject, PicUploadObjects, PicUploadOriginal,
    PicUploadResult, UnknownJobState, UpdatePicQueueRequest, UpdatePicQueueResponse,
    PIC_PROCESS_TAG, TASK_FINISH, UNSET_TIME,
};
pub use qrcode::{CodeLocation, QrCodeInfo, QrCodeResponse};
pub use sdk::{xml_to_dict, SdkValue};
pub use style::{AddStyle, DeleteStyle, GetStyle, StyleList, StyleRule};
pub use upload::{OriginalInfo, ProcessResult, UploadResult};
pub use v4::{V4Data, V4ImageInfo, V4OriginalInfo, V4ProcessResult, V4Response};
pub use xml::MAX_XML_DEPTH;

#[cfg(test)]
mod depth_tests {
    //! Every parser of this module refuses deep nesting with an error, never recursion on
    //! the input: the XML ones at [`MAX_XML_DEPTH`], the JSON one at serde_json's own
    //! recursion limit (128).
    use super::*;

    fn deep_xml(root: &str, levels: usize) -> String {
        format!(
            "<{root}>{}{}</{root}>",
            "<Unknown>".repeat(levels),
            "</Unknown>".repeat(levels)
        )
    }

    #[test]
    fn every_xml_parser_refuses_40000_levels() {
        let n = 40_000;
        assert!(
            CompleteMultipartUpload::from_xml(&deep_xml("CompleteMultipartUpload", n)).is_err()
        );
        assert!(CosError::from_xml(&deep_xml("Error", n)).is_err());
        assert!(UploadResult::from_xml(&deep_xml("UploadResult", n)).is_err());
        assert!(
            CompletePicResult::from_xml(&deep_xml("CompleteMultipartUploadResult", n)).is_err()
        );
        assert!(ListBucketResult::from_xml(&deep_xml("ListBucketResult", n)).is_err());
        assert!(ListPartsResult::from_xml(&deep_xml("ListPartsResult", n)).is_err());
        assert!(
            ListMultipartUploadsResult::from_xml(&deep_xml("ListMultipartUploadsResult", n))
                .is_err()
        );
        assert!(CopyObjectResult::from_xml(&deep_xml("CopyObjectResult", n)).is_err());
        assert!(ListAllMyBucketsResult::from_xml(&deep_xml("ListAllMyBucketsResult", n)).is_err());
        InitiateMultipartUploadResult::from_xml(&deep_xml("InitiateMultipartUploadResult", n))
            .expect_err("too deep");
        let err = xml_to_dict(&deep_xml("R", n)).expect_err("too deep");
        assert!(matches!(err, ResultError::XmlSyntax { .. }), "{err}");
    }

    #[test]
    fn shallow_unknown_elements_still_parse() {
        let doc = "<CompleteMultipartUpload><X><Y/></X><Part><PartNumber>1</PartNumber>\
                   <ETag>\"e\"</ETag></Part></CompleteMultipartUpload>";
        let parsed = CompleteMultipartUpload::from_xml(doc).expect("shallow");
        assert_eq!(parsed.parts.len(), 1);
    }

    #[test]
    fn v4_json_depth_is_bounded_by_serde_json() {
        for n in [129, 100_000] {
            let (open, close) = ("[".repeat(n), "]".repeat(n));
            // A typed field refuses the first wrong token; an unknown field is skipped
            // by serde_json without recursion; a free-form value (serde_json::Value)
            // stops at serde_json's recursion limit of 128.
            let typed = format!("{{\"code\":0,\"data\":{open}{close}}}");
            assert!(V4Response::from_json(&typed).is_err());
            let unknown = format!("{{\"code\":0,\"unknown\":{open}{close}}}");
            assert_eq!(V4Response::from_json(&unknown).map(|r| r.code), Ok(0));
            let err = serde_json::from_str::<serde_json::Value>(&format!("{open}{close}"))
                .expect_err("too deep");
            assert!(err.to_string().contains("recursion limit"), "{err}");
        }
    }
}
