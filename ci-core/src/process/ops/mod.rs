//! The operation families of the rule executor, one module each.

pub(crate) mod animation;
pub(crate) mod effects;
pub(crate) mod geometry;
pub(crate) mod matting;
pub mod output;
pub(crate) mod watermark;
