//! The bucket itself: HEAD and PUT Bucket. Buckets are the configured ones (or made by
//! their first write), so both only confirm that it exists, which the router has checked.

use hyper::Response;

use crate::error::ApiError;
use crate::http::{empty, Body};

/// HEAD Bucket: 200, no body.
pub(crate) fn head_bucket() -> Result<Response<Body>, ApiError> {
    Ok(Response::new(empty()))
}

/// PUT Bucket: 200, no body (the bucket exists already).
pub(crate) fn put_bucket() -> Result<Response<Body>, ApiError> {
    Ok(Response::new(empty()))
}
