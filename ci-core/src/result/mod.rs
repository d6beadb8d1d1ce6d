//! What the service answers: `UploadResult` XML, COS error XML, the legacy v4 JSON and the
//! Python SDK's `xml_to_dict` shape.

mod image_info;

pub use image_info::ImageInfo;
