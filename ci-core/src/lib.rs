//! # ci-core
//!
//! The library behind cos-ci: Tencent Cloud Infinite (CI) *persistent image processing* on
//! Cloud Object Storage (COS).
//!
//! Data flows one way: text or bytes are **parsed** into a typed model, the model is
//! **validated**, and then executed or sent.
//!
//! | module | what it holds |
//! |---|---|
//! | [`ops`] | the `Pic-Operations` header: [`PicOperations`], its [`Rule`]s, validation, fileid resolution |
//! | [`rule`] | processing-rule strings (`imageMogr2/...`, `imageView2/...`, watermarks, ...) as a typed AST |
//! | [`result`] | what the service answers: `UploadResult` XML, COS error XML, the v4 JSON, the Python SDK's dict shape |
//! | [`sign`] | COS request signing (`q-sign-algorithm=sha1`) and its verifier, the v4 signature |
//!
//! ```
//! use ci_core::{PicOperations, Rule};
//!
//! let ops = PicOperations::builder()
//!     .is_pic_info(true)
//!     .rule(Rule::new("thumb.png", "imageMogr2/thumbnail/200x/format/png"))
//!     .build()?;
//! assert_eq!(
//!     ops.to_header(),
//!     r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#
//! );
//! # Ok::<(), ci_core::ops::PicOperationsError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod build_info;
#[cfg(feature = "client")]
pub mod client;
pub mod ops;
#[cfg(feature = "process")]
pub mod process;
pub mod result;
pub mod rule;
pub mod sign;

pub use build_info::{build_info, BuildInfo};
pub use ops::{PicOperations, Rule};
