//! The typed answer a `cos_ci_response` carries, by the call that made it: below the
//! client and the calls that fill it, so that none of them imports another back.

use ci_core::result::{ExifInfo, PicBucket, PicQueue, StyleList};

use crate::image_api::{cos_ci_inspect_result, cos_ci_qrcode_result};
use crate::jobs::job::PicJobsAnswer;
use crate::process::cos_ci_image_info;

/// The typed answer a response carries, by the call that made it.
#[derive(Default)]
pub(crate) enum Answer {
    /// A call without one (uploads, downloads, service errors).
    #[default]
    None,
    /// `cos_ci_client_get_image_style`.
    Styles(StyleList),
    /// `cos_ci_client_image_inspect`.
    Inspect(cos_ci_inspect_result),
    /// `cos_ci_client_get_object_qrcode`.
    QrCode(cos_ci_qrcode_result),
    /// `cos_ci_client_get_image_info`.
    ImageInfo(cos_ci_image_info),
    /// `cos_ci_client_get_image_exif_info`: tags by name (sorted).
    Exif(ExifInfo),
    /// `cos_ci_client_get_image_ave_info`: `0xRRGGBB`.
    Ave(u32),
    /// `cos_ci_client_create_pic_jobs`, `_get_pic_jobs`, `_list_pic_jobs` (`jobs.rs`).
    PicJobs(PicJobsAnswer),
    /// `cos_ci_client_get_pic_queue`, `_update_pic_queue`.
    PicQueues(Vec<PicQueue>),
    /// `cos_ci_client_get_pic_buckets`, `_open_pic_bucket` (`jobs/queue.rs`).
    PicBuckets(Vec<PicBucket>),
}
