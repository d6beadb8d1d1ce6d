//! Image inspection (wire-ci.md §C): `GET /<key>?imageInspect` (the Python SDK) or
//! `GET /<key>?ci-process=ImageInspect` (the Go SDK): the engine's report as JSON,
//! numbers as numbers and `suspicious` a boolean.

use std::sync::Arc;

use hyper::Response;

use crate::error::ApiError;
use crate::http::{json_response, Body};
use crate::processing;
use crate::request::Ctx;
use crate::state::State;

/// Whether a download asks for inspection.
pub(crate) fn asked(ctx: &Ctx) -> bool {
    ctx.has("imageInspect") || ctx.param("ci-process") == Some("ImageInspect")
}

/// The inspection of the object (at most the processing input limit: 400
/// `ImageTooLarge` above; 400 `InvalidImageFormat` for a file that is neither an image
/// nor an MPEG-TS stream).
pub(crate) async fn inspect(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let limit = state.config.limits.max_process_input;
    let input = processing::read_object(state, &ctx.bucket, &ctx.key, limit).await?;
    let report = processing::run_engine(state, 0, move |state| {
        Ok(state.processor.inspect(&input.bytes)?)
    })
    .await?;
    Ok(json_response(report.to_json()))
}
