//! QR codes (wire-ci.md §D): recognition on download (`GET /<key>?ci-process=QRcode&cover=
//! <0|1>[&bar-type=<0|1|2>]`) and generation (`GET /?ci-process=qrcode-generate`). The
//! upload-time `QRcode/cover/<0|1>` rule runs through Pic-Operations like any rule.

use std::sync::Arc;

use base64::Engine as _;
use ci_core::result::{QrCodeGenerateResult, QrCodeResponse};
use ci_core::rule::ProcessingRule;
use hyper::Response;

use crate::error::ApiError;
use crate::http::{xml_response, Body};
use crate::processing;
use crate::request::Ctx;
use crate::state::State;

/// Longest `qrcode-content`, bytes: the most a QR code holds (version 40, 8-bit mode,
/// low error correction, 2953 bytes), rounded up.
const MAX_CONTENT: usize = 4096;

/// A parameter that must be one of `allowed` when given (empty counts as absent).
fn choice<'a>(ctx: &'a Ctx, name: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    match ctx.param(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(ApiError::invalid_argument(format!(
            "{name}={v:?}: expected one of {}",
            allowed.join(", ")
        ))),
    }
}

/// `GET /<key>?ci-process=QRcode&cover=<0|1>`: the codes found, and with `cover=1` the
/// image with a mosaic over them (`<ResultImage>`, Base64). Runs the rule
/// `QRcode/cover/<N>[/bar-type/<N>]` on the object.
pub(crate) async fn recognise(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let cover = choice(ctx, "cover", &["0", "1"])?.unwrap_or("0");
    let mut text = format!("QRcode/cover/{cover}");
    if let Some(bar_type) = choice(ctx, "bar-type", &["0", "1", "2"])? {
        text.push_str("/bar-type/");
        text.push_str(bar_type);
    }
    let rule =
        ProcessingRule::parse(&text).map_err(|e| ApiError::invalid_argument(e.to_string()))?;
    let limit = state.config.limits.max_process_input;
    let input = processing::read_object(state, &ctx.bucket, &ctx.key, limit).await?;
    let out = processing::process(state, &ctx.bucket, &ctx.key, &ctx.region, input, rule).await?;
    let codes = out.qr_codes.unwrap_or_default();
    let answer = QrCodeResponse {
        code_status: u32::from(!codes.is_empty()),
        qr_code_info: codes,
        result_image: (cover == "1")
            .then(|| base64::engine::general_purpose::STANDARD.encode(&out.bytes)),
    };
    Ok(xml_response(answer.to_xml()))
}

/// `GET /?ci-process=qrcode-generate&qrcode-content=..&width=..[&mode=0|1]`: a QR code
/// (mode 0, the default) or a Code 128 barcode (mode 1) as a PNG, Base64 in
/// `<Response><ResultImage>`.
pub(crate) async fn generate(state: &Arc<State>, ctx: &Ctx) -> Result<Response<Body>, ApiError> {
    let content = ctx
        .param("qrcode-content")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::invalid_argument("qrcode-content is required"))?
        .to_owned();
    if content.len() > MAX_CONTENT {
        return Err(ApiError::invalid_argument(format!(
            "qrcode-content is {} bytes; a code holds at most {MAX_CONTENT}",
            content.len()
        )));
    }
    let width = ctx
        .param("width")
        .and_then(|w| w.parse::<u32>().ok())
        .filter(|w| *w > 0)
        .ok_or_else(|| ApiError::invalid_argument("width must be a positive whole number"))?;
    let mode: u32 = match choice(ctx, "mode", &["0", "1"])? {
        Some("1") => 1,
        _ => 0,
    };
    // The image is width × width grey bytes at most, plus its PNG.
    let cost = u64::from(width)
        .saturating_mul(u64::from(width))
        .saturating_mul(2);
    let png = processing::run_engine(state, cost, move |state| {
        Ok(state.processor.generate_code(&content, width, mode)?)
    })
    .await?;
    Ok(xml_response(
        QrCodeGenerateResult::from_image(&png).to_xml(),
    ))
}
