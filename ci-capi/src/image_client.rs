//! The client's image-API calls by the official Python SDK's names (issue #17): styles,
//! image inspection, QR codes, image information, download compression and the generic
//! `ci-process`. Each returns a `cos_ci_response` as the other client calls do; the
//! typed answer is read from it with the `cos_ci_response_*` accessors below (or, for
//! an image, with `cos_ci_response_body`).
//!
//! What is left to the existing calls: `ci_get_object` (download with a rule, `style/NAME`
//! included) is `cos_ci_client_get_object` / `cos_ci_client_get_object_to_file` with a
//! rule; the local engine's `imageInfo`, `imageAve` and `exif` are `cos_ci_process` with
//! that rule, and `cos_ci_image_info_read`.

use ci_core::client::{ClientError, CosClient, CosClientError, ObjectOptions};
use ci_core::result::{decode_result_image, AddStyle, ExifInfo, StyleList};
use ci_core::sign::ProcessParam;

use crate::answer::Answer;
use crate::client::{cos_ci_client, cos_ci_response, respond};
use crate::ffi::*;
use crate::image_api::{cos_ci_inspect_result, cos_ci_qrcode_result};
use crate::process::cos_ci_image_info;

fn invalid_answer(what: &str) -> CosClientError {
    ClientError::InvalidResponse(what.to_owned()).into()
}

/// Borrows the `(client, bucket, key)` every object call starts with.
///
/// # Safety
///
/// `client` is NULL or a live handle; the texts point to their lengths in bytes.
unsafe fn object_args<'a>(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
) -> FfiResult<(&'a cos_ci_client, &'a str, &'a str)> {
    // SAFETY: forwarded from the caller.
    unsafe {
        Ok((
            handle(client)?,
            text(bucket, bucket_len)?,
            text(key, key_len)?,
        ))
    }
}

// ---------------------------------------------------------------- styles

/// `PUT /?style` on the bucket's pic host (`ci_put_image_style`): adds the style `name`
/// with the processing rule `body` (e.g. `imageMogr2/thumbnail/200x`), or replaces the
/// rule of an existing one. A malformed rule or name is refused before sending
/// (`COS_CI_RESULT_CLIENT_ERROR`, the client's last error says where). Afterwards
/// `style/NAME` works in Pic-Operations, download rules and `key!NAME` URLs.
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `out` points to
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_put_image_style(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    name: *const u8,
    name_len: usize,
    body: *const u8,
    body_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, name, body) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                text(name, name_len)?,
                text(body, body_len)?,
            )
        };
        let style = AddStyle::new(name, body);
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let h = cl.ci_put_image_style(bucket, &style)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()))
            })
        }
    })
}

/// `GET /?style` (`ci_get_image_style`): the bucket's styles, or only `name` (NULL for
/// all; no such style gives an empty list). Read them with `cos_ci_response_style_count`,
/// `_style_name` and `_style_body`.
///
/// # Safety
///
/// As for `cos_ci_client_put_image_style`; `name` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_image_style(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    name: *const u8,
    name_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, name) = unsafe {
            (
                handle(client)?,
                text(bucket, bucket_len)?,
                opt_text(name, name_len)?,
            )
        };
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, list) = cl.ci_get_image_style(bucket, name)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::Styles(list)))
            })
        }
    })
}

/// `DELETE /?style` (`ci_delete_image_style`): deletes the style `name`.
///
/// # Safety
///
/// As for `cos_ci_client_put_image_style`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_delete_image_style(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    name: *const u8,
    name_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, name) = unsafe { object_args(client, bucket, bucket_len, name, name_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let h = cl.ci_delete_image_style(bucket, name)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()))
            })
        }
    })
}

fn styles(resp: &cos_ci_response) -> FfiResult<&StyleList> {
    match &resp.answer {
        Answer::Styles(list) => Ok(list),
        _ => Err(cos_ci_result::NotPresent),
    }
}

/// Number of styles in the answer of `cos_ci_client_get_image_style` into `*out`.
/// `COS_CI_RESULT_NOT_PRESENT` for the response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_style_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(styles(h)?.style_rule.len())) }
}

/// The name (`StyleName`) of style `index`.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_style_name(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let list = styles(unsafe { handle(resp) }?)?;
        let s = list
            .style_rule
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(s.style_name.as_bytes(), buf, len, out_len) }
    })
}

/// The processing rule (`StyleBody`) of style `index`.
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_style_body(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let list = styles(unsafe { handle(resp) }?)?;
        let s = list
            .style_rule
            .get(index)
            .ok_or(cos_ci_result::IndexOutOfRange)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(s.style_body.as_bytes(), buf, len, out_len) }
    })
}

// ---------------------------------------------------------------- inspection, QR codes

/// `GET /<key>?imageInspect` (`ci_image_inspect`): what is hidden after the image's
/// data. Read the answer with `cos_ci_response_inspect_result`.
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `out` points to
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_image_inspect(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, report) = cl.ci_image_inspect(bucket, key)?;
                let answer = Answer::Inspect(cos_ci_inspect_result::wrap(report));
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(answer))
            })
        }
    })
}

/// The inspection result of `cos_ci_client_image_inspect` into `*out`: borrowed, valid
/// until the response is freed; do not free it. `COS_CI_RESULT_NOT_PRESENT` for the
/// response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_inspect_result(
    resp: *const cos_ci_response,
    out: *mut *const cos_ci_inspect_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(resp, out, |h| match &h.answer {
            Answer::Inspect(r) => Ok(r),
            _ => Err(cos_ci_result::NotPresent),
        })
    }
}

/// `GET /<key>?ci-process=QRcode&cover=<0|1>&bar-type=<n>` (`ci_get_object_qrcode`):
/// the codes in the stored image and, with `cover`, the image with a mosaic over them.
/// `bar_type`: 0 QR codes and barcodes, 1 QR codes only, 2 barcodes only (other values:
/// `COS_CI_RESULT_INVALID_ARGUMENT`). Read the answer with
/// `cos_ci_response_qrcode_result`.
///
/// # Safety
///
/// As for `cos_ci_client_image_inspect`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_object_qrcode(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    cover: bool,
    bar_type: u32,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // Out-of-range values stay out of range (refused by the client as `BarType`).
        let bar_type = u8::try_from(bar_type).unwrap_or(u8::MAX);
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, answer) = cl.ci_get_object_qrcode(bucket, key, cover, bar_type)?;
                let image = match answer.result_image.as_deref() {
                    Some(b64) => Some(
                        decode_result_image(b64)
                            .map_err(|e| invalid_answer(&format!("QRcode ResultImage: {e}")))?,
                    ),
                    None if cover => {
                        return Err(invalid_answer(
                            "the answer to cover=1 carries no ResultImage",
                        ))
                    }
                    None => None,
                };
                let result = cos_ci_qrcode_result::wrap(answer.qr_code_info, image);
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::QrCode(result)))
            })
        }
    })
}

/// The codes found by `cos_ci_client_get_object_qrcode` into `*out`: borrowed, valid
/// until the response is freed; do not free it. `COS_CI_RESULT_NOT_PRESENT` for the
/// response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_qrcode_result(
    resp: *const cos_ci_response,
    out: *mut *const cos_ci_qrcode_result,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(resp, out, |h| match &h.answer {
            Answer::QrCode(r) => Ok(r),
            _ => Err(cos_ci_result::NotPresent),
        })
    }
}

/// `GET /?ci-process=qrcode-generate` (`ci_qrcode_generate`): a QR code (`mode` 0) or a
/// barcode (`mode` 1) of `content`, `width` pixels wide. The image (decoded from the
/// answer's Base64) is the response body: `cos_ci_response_body`.
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `out` points to
/// a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_qrcode_generate(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    content: *const u8,
    content_len: usize,
    width: u32,
    mode: u32,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, content) =
            unsafe { object_args(client, bucket, bucket_len, content, content_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, answer) = cl.ci_qrcode_generate(bucket, content, width, mode)?;
                let image = answer
                    .image()
                    .map_err(|e| invalid_answer(&format!("qrcode-generate: {e}")))?;
                Ok(cos_ci_response::ok(h, None, image))
            })
        }
    })
}

// ---------------------------------------------------------------- image information

/// `GET /<key>?imageInfo` (`ci_get_image_info`): format, size and dimensions. Read them
/// with `cos_ci_response_image_info` (Format in upper case as everywhere in this
/// library, `JPEG`, where the service writes `jpg`).
///
/// # Safety
///
/// As for `cos_ci_client_image_inspect`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_image_info(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, info) = cl.ci_get_image_info(bucket, key)?;
                let answer = Answer::ImageInfo(cos_ci_image_info::from_answer(&info));
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(answer))
            })
        }
    })
}

/// The ImageInfo of `cos_ci_client_get_image_info` into `*out`: borrowed, valid until
/// the response is freed; never pass it to `cos_ci_image_info_free`. Read it with
/// `cos_ci_image_info_string` (Format, MD5) and `cos_ci_image_info_number` (Width,
/// Height, Size, FrameCount, BitDepth, VerticalDPI, HorizontalDPI, Orientation; each
/// present when the answer has it). `COS_CI_RESULT_NOT_PRESENT` for the response of
/// another call.
///
/// # Safety
///
/// `resp` is a live response; `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_image_info(
    resp: *const cos_ci_response,
    out: *mut *const cos_ci_image_info,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        lend_into(resp, out, |h| match &h.answer {
            Answer::ImageInfo(r) => Ok(r),
            _ => Err(cos_ci_result::NotPresent),
        })
    }
}

/// `GET /<key>?exif` (`ci_get_image_exif_info`): the image's EXIF tags. Read them with
/// `cos_ci_response_exif_count`, `_exif_name`, `_exif_value` or `_exif_get`; an image
/// without EXIF has none (the service answers `{"error":"no exif data"}`).
///
/// # Safety
///
/// As for `cos_ci_client_image_inspect`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_image_exif_info(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, exif) = cl.ci_get_image_exif_info(bucket, key)?;
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::Exif(exif)))
            })
        }
    })
}

fn exif(resp: &cos_ci_response) -> FfiResult<&ExifInfo> {
    match &resp.answer {
        Answer::Exif(e) => Ok(e),
        _ => Err(cos_ci_result::NotPresent),
    }
}

fn exif_tag(resp: &cos_ci_response, index: usize) -> FfiResult<(&str, &str)> {
    exif(resp)?
        .tags
        .iter()
        .nth(index)
        .map(|(name, entry)| (name.as_str(), entry.val.as_str()))
        .ok_or(cos_ci_result::IndexOutOfRange)
}

/// Number of EXIF tags in the answer of `cos_ci_client_get_image_exif_info` into `*out`
/// (tags are in name order). `COS_CI_RESULT_NOT_PRESENT` for another call's response.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_exif_count(
    resp: *const cos_ci_response,
    out: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe { read_into(resp, out, |h| Ok(exif(h)?.tags.len())) }
}

/// The name of EXIF tag `index` (`DateTime`, `Make`, ...).
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_exif_name(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let (name, _) = exif_tag(unsafe { handle(resp) }?, index)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(name.as_bytes(), buf, len, out_len) }
    })
}

/// The value of EXIF tag `index`, as the service writes it (`val`).
///
/// # Safety
///
/// `resp` is a live response; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_exif_value(
    resp: *const cos_ci_response,
    index: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp`.
        let (_, value) = exif_tag(unsafe { handle(resp) }?, index)?;
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(value.as_bytes(), buf, len, out_len) }
    })
}

/// The value of the EXIF tag named `name` (exact case); `COS_CI_RESULT_NOT_PRESENT`
/// when the image has no such tag (or for the response of another call).
///
/// # Safety
///
/// `resp` is a live response; `name` points to `name_len` bytes; `buf` is NULL or has
/// `len` writable bytes; `out_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_exif_get(
    resp: *const cos_ci_response,
    name: *const u8,
    name_len: usize,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `resp` and `name`.
        let (h, name) = unsafe { (handle(resp)?, text(name, name_len)?) };
        let value = exif(h)?.tags.get(name).map(|e| e.val.as_str());
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_opt(value, buf, len, out_len) }
    })
}

/// `GET /<key>?imageAve` (`ci_get_image_ave_info`): the image's mean colour. Read it
/// with `cos_ci_response_image_ave`.
///
/// # Safety
///
/// As for `cos_ci_client_image_inspect`.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_get_image_ave_info(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| {
                let (h, ave) = cl.ci_get_image_ave_info(bucket, key)?;
                let (r, g, b) = ave.rgb().ok_or_else(|| {
                    invalid_answer(&format!("imageAve RGB {:?} is not 0xRRGGBB", ave.rgb))
                })?;
                let rgb = u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b);
                Ok(cos_ci_response::ok(h, None, Vec::new()).with_answer(Answer::Ave(rgb)))
            })
        }
    })
}

/// The mean colour of `cos_ci_client_get_image_ave_info` into `*out` as `0xRRGGBB`
/// (the answer's `RGB`). `COS_CI_RESULT_NOT_PRESENT` for the response of another call.
///
/// # Safety
///
/// `resp` is a live response; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_response_image_ave(
    resp: *const cos_ci_response,
    out: *mut u32,
) -> cos_ci_result {
    // SAFETY: the caller guarantees both pointers.
    unsafe {
        read_into(resp, out, |h| match h.answer {
            Answer::Ave(rgb) => Ok(rgb),
            _ => Err(cos_ci_result::NotPresent),
        })
    }
}

// ---------------------------------------------------------------- downloads

/// `GET /<key>?imageMogr2/format/<compress_type>` (`ci_download_compress_image`):
/// downloads the image recompressed as `avif` or `webp` (the cloud's `tpg` and `heif`
/// where the service encodes them; the local server refuses them with a service error).
/// With `path` NULL the image is the response body (`cos_ci_response_body`); otherwise
/// it is written to the file `path` (created or truncated).
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes (`path` may be
/// NULL); `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_download_compress_image(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    compress_type: *const u8,
    compress_type_len: usize,
    path: *const u8,
    path_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: as above.
        let (kind, path) = unsafe {
            (
                text(compress_type, compress_type_len)?,
                opt_text(path, path_len)?,
            )
        };
        if kind.is_empty() {
            return Err(c
                .last_error
                .fail(cos_ci_result::InvalidArgument, "CompressType is empty"));
        }
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl| match path {
                Some(p) => {
                    let h = cl.ci_download_compress_image(bucket, key, p, kind)?;
                    Ok(cos_ci_response::ok(h, None, Vec::new()))
                }
                None => {
                    let rule = ProcessParam::rule(format!("imageMogr2/format/{kind}"));
                    let mut body = Vec::new();
                    let h = cl.get_object(
                        bucket,
                        key,
                        Some(&rule),
                        &ObjectOptions::default(),
                        &mut body,
                    )?;
                    Ok(cos_ci_response::ok(h, None, body))
                }
            })
        }
    })
}

/// `GET /<key>?ci-process=<ci_process>&<params>` (`ci_process`): any `ci-process` on a
/// stored object (`QRcode`, `ImageInspect`, `AIPicMatting`, ...), its answer kept as
/// sent: the body (`cos_ci_response_body`) and its `Content-Type`
/// (`cos_ci_response_header_get`), XML, JSON or an image. `params` are the process's
/// arguments, each with a value (`(NULL, 0)` for none). Arguments a known process does
/// not take are refused before sending (`COS_CI_RESULT_CLIENT_ERROR`). Calls on the
/// bucket itself have their own functions (`cos_ci_client_qrcode_generate`).
///
/// # Safety
///
/// `client` is a live handle; the texts point to their lengths in bytes; `params` holds
/// `params_len` pairs (or is `(NULL, 0)`); `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_client_ci_process(
    client: *const cos_ci_client,
    bucket: *const u8,
    bucket_len: usize,
    key: *const u8,
    key_len: usize,
    ci_process: *const u8,
    ci_process_len: usize,
    params: *const cos_ci_kv,
    params_len: usize,
    out: *mut *mut cos_ci_response,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all inputs.
        let (c, bucket, key) = unsafe { object_args(client, bucket, bucket_len, key, key_len) }?;
        // SAFETY: as above.
        let (name, pairs) = unsafe {
            (
                text(ci_process, ci_process_len)?,
                kv_pairs(params, params_len)?,
            )
        };
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| Ok((k, v.ok_or(cos_ci_result::NullParameter)?)))
            .collect::<FfiResult<Vec<_>>>()?;
        if name.is_empty() {
            return Err(c
                .last_error
                .fail(cos_ci_result::InvalidArgument, "CiProcess is empty"));
        }
        let process = ProcessParam::ci_process(name, &pairs);
        // SAFETY: the caller guarantees `out`.
        unsafe {
            respond(c, out, |cl: &CosClient| {
                let mut body = Vec::new();
                let h = cl.get_object(
                    bucket,
                    key,
                    Some(&process),
                    &ObjectOptions::default(),
                    &mut body,
                )?;
                Ok(cos_ci_response::ok(h, None, body))
            })
        }
    })
}
