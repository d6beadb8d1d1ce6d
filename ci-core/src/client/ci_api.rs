//! The cloud's image API beyond processing on upload (wire-ci.md §A, §C–§F): styles,
//! image inspection, QR codes, image information, download compression and the generic
//! `ci-process` download. Each call is the official Python SDK's method of the same name,
//! answering the typed document of [`crate::result`] instead of a dict.
//!
//! | call | request |
//! |---|---|
//! | [`CosClient::ci_put_image_style`] | `PUT /?style` with `<AddStyle>` (pic host) |
//! | [`CosClient::ci_get_image_style`] | `GET /?style` with `<GetStyle>` (pic host) |
//! | [`CosClient::ci_delete_image_style`] | `DELETE /?style` with `<DeleteStyle>` (pic host) |
//! | [`CosClient::ci_image_inspect`] | `GET /<key>?imageInspect` |
//! | [`CosClient::ci_get_object_qrcode`] | `GET /<key>?ci-process=QRcode&cover=N&bar-type=N` |
//! | [`CosClient::ci_qrcode_generate`] | `GET /?ci-process=qrcode-generate&qrcode-content=..&width=..&mode=..` |
//! | [`CosClient::ci_get_image_info`], [`CosClient::ci_get_image_exif_info`], [`CosClient::ci_get_image_ave_info`] | `GET /<key>?imageInfo` / `?exif` / `?imageAve` |
//! | [`CosClient::ci_get_object`], [`CosClient::ci_download_compress_image`] | `GET /<key>?<rule>` into a file |
//! | [`CosClient::ci_process`] | `GET /<key>?ci-process=<name>&<params>` |

use std::io::Read;
use std::path::Path;

use reqwest::Method;

use super::{check_key, ClientError, CosClient, Request, ResponseHeaders, Result, Sent};
use crate::client::{content_md5, Body, ObjectOptions};
use crate::result::{
    xml_to_dict, AddStyle, BasicImageInfo, DeleteStyle, ExifInfo, GetStyle, ImageAveResult,
    ImageInspectResult, QrCodeGenerateResult, QrCodeResponse, SdkValue, StyleList,
};
use crate::sign::ProcessParam;

/// Largest document answer read (style lists, JSON answers), bytes.
const MAX_DOCUMENT: u64 = 4 * 1024 * 1024;

/// Largest answer carrying an image (a QR-code recognition with `cover=1`: Base64 of up
/// to a 32 MB image; [`CosClient::ci_process`]), bytes.
const MAX_IMAGE_ANSWER: u64 = 64 * 1024 * 1024;

/// What [`CosClient::ci_process`] answers, decided as the official Python SDK decides it:
/// by the answer's `Content-Type`.
#[derive(Debug, Clone, PartialEq)]
pub enum CiProcessData {
    /// `Content-Type: application/xml` exactly (no parameters) with a `Content-Length`:
    /// the document as the SDK's `xml_to_dict` reads it.
    Xml(SdkValue),
    /// `Content-Type: application/json` (parameters allowed): the parsed JSON.
    Json(serde_json::Value),
    /// Anything else (an image): the bytes.
    Bytes(Vec<u8>),
}

/// Reads at most `limit` bytes of an answer; more is an error naming `what`.
fn read_bounded(sent: Sent, limit: u64, what: &str) -> Result<(ResponseHeaders, Vec<u8>)> {
    let mut data = Vec::new();
    sent.resp
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| ClientError::io(format!("reading {what}"), e))?;
    if data.len() as u64 > limit {
        return Err(
            ClientError::InvalidResponse(format!("{what} is larger than {limit} bytes")).into(),
        );
    }
    Ok((sent.headers, data))
}

fn text(data: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(data)
        .map_err(|_| ClientError::InvalidResponse(format!("{what} is not UTF-8")).into())
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> super::CosClientError {
    ClientError::InvalidResponse(format!("{what}: {e}")).into()
}

impl CosClient {
    /// The host of a bucket's style calls: `<bucket>.pic.<region>.myqcloud.com`, or, with
    /// a custom domain or endpoint, the bucket's host (a local server takes the styles
    /// on it).
    pub fn pic_host(&self, bucket: &str) -> String {
        let c = self.config();
        if c.domain.is_some() || c.endpoint.is_some() {
            return c.host(bucket);
        }
        format!("{bucket}.pic.{}.myqcloud.com", c.region)
    }

    /// Sends a request to the bucket's style API carrying `doc` (as the Go SDK sends it:
    /// `Content-Type: application/xml` and `Content-MD5`).
    fn send_style(&self, method: Method, bucket: &str, doc: String) -> Result<Sent> {
        let mut req = Request::new(method, self.pic_host(bucket), "");
        req.params.push(("style".into(), None));
        req.headers
            .push(("Content-Type".into(), "application/xml".into()));
        req.headers
            .push(("Content-MD5".into(), content_md5(doc.as_bytes())));
        // Adding, listing and deleting a style again gives the same result.
        req.retry = true;
        let mut body = Body::from_bytes(doc.into_bytes());
        req.body = Some(&mut body);
        self.send(req)
    }

    /// `PUT /?style`: adds a style (`StyleName`, `StyleBody`) to the bucket, or replaces
    /// its rule. The rule is checked first (a malformed one is a [`ClientError::Rule`]).
    ///
    /// ```no_run
    /// use ci_core::client::{CosClient, CosConfig};
    /// use ci_core::result::AddStyle;
    /// let client = CosClient::new(CosConfig::from_env()?)?;
    /// client.ci_put_image_style("examplebucket-1250000000",
    ///     &AddStyle::new("thumb", "imageMogr2/thumbnail/200x"))?;
    /// let (_, list) = client.ci_get_image_style("examplebucket-1250000000", Some("thumb"))?;
    /// assert_eq!(list.body_of("thumb"), Some("imageMogr2/thumbnail/200x"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ci_put_image_style(&self, bucket: &str, style: &AddStyle) -> Result<ResponseHeaders> {
        ProcessParam::style(&style.style_name)
            .check()
            .map_err(ClientError::from)?;
        ProcessParam::rule(&style.style_body)
            .check()
            .map_err(ClientError::from)?;
        Ok(self
            .send_style(Method::PUT, bucket, style.to_xml())?
            .headers)
    }

    /// `GET /?style`: the bucket's styles, or only `name` (an empty list when there is
    /// no such style).
    pub fn ci_get_image_style(
        &self,
        bucket: &str,
        name: Option<&str>,
    ) -> Result<(ResponseHeaders, StyleList)> {
        let doc = match name {
            Some(n) => GetStyle::named(n),
            None => GetStyle::all(),
        };
        let sent = self.send_style(Method::GET, bucket, doc.to_xml())?;
        let (headers, data) = read_bounded(sent, MAX_DOCUMENT, "the style list")?;
        let list = StyleList::from_xml(&text(data, "the style list")?)
            .map_err(|e| unreadable("StyleList", e))?;
        Ok((headers, list))
    }

    /// `DELETE /?style`: deletes the style `name`.
    pub fn ci_delete_image_style(&self, bucket: &str, name: &str) -> Result<ResponseHeaders> {
        if name.is_empty() {
            return Err(ClientError::invalid("StyleName", "a style name is required").into());
        }
        let doc = DeleteStyle::new(name).to_xml();
        Ok(self.send_style(Method::DELETE, bucket, doc)?.headers)
    }

    /// A GET of `key` with `params`, its answer read whole (at most `limit` bytes).
    fn get_small(
        &self,
        bucket: &str,
        key: &str,
        params: Vec<(String, Option<String>)>,
        limit: u64,
        what: &str,
    ) -> Result<(ResponseHeaders, Vec<u8>)> {
        let mut req = self.object_request(Method::GET, bucket, key)?;
        req.params = params;
        read_bounded(self.send(req)?, limit, what)
    }

    /// `GET /<key>?imageInspect`: what is hidden after the image's data.
    pub fn ci_image_inspect(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ResponseHeaders, ImageInspectResult)> {
        let params = vec![("imageInspect".into(), None)];
        let (headers, data) = self.get_small(bucket, key, params, MAX_DOCUMENT, "imageInspect")?;
        let report = ImageInspectResult::from_json(&text(data, "imageInspect")?)
            .map_err(|e| unreadable("imageInspect", e))?;
        Ok((headers, report))
    }

    /// `GET /<key>?ci-process=QRcode&cover=<0|1>&bar-type=<0|1|2>`: the codes found and,
    /// with `cover`, the image with a mosaic over them
    /// ([`QrCodeResponse::result_image`], Base64: see
    /// [`decode_result_image`](crate::result::decode_result_image)).
    pub fn ci_get_object_qrcode(
        &self,
        bucket: &str,
        key: &str,
        cover: bool,
        bar_type: u8,
    ) -> Result<(ResponseHeaders, QrCodeResponse)> {
        if bar_type > 2 {
            return Err(ClientError::invalid("BarType", "0, 1 or 2").into());
        }
        let params = vec![
            ("ci-process".into(), Some("QRcode".into())),
            ("cover".into(), Some(u8::from(cover).to_string())),
            ("bar-type".into(), Some(bar_type.to_string())),
        ];
        let (headers, data) =
            self.get_small(bucket, key, params, MAX_IMAGE_ANSWER, "the QRcode answer")?;
        let answer = QrCodeResponse::from_xml(&text(data, "the QRcode answer")?)
            .map_err(|e| unreadable("QRcode Response", e))?;
        Ok((headers, answer))
    }

    /// `GET /?ci-process=qrcode-generate`: a QR code (`mode` 0) or a barcode (`mode` 1)
    /// of `content`, `width` pixels wide ([`QrCodeGenerateResult::image`] decodes it).
    pub fn ci_qrcode_generate(
        &self,
        bucket: &str,
        content: &str,
        width: u32,
        mode: u32,
    ) -> Result<(ResponseHeaders, QrCodeGenerateResult)> {
        if content.is_empty() {
            return Err(ClientError::invalid("QrcodeContent", "the text is required").into());
        }
        if mode > 1 {
            return Err(ClientError::invalid("Mode", "0 (QR code) or 1 (barcode)").into());
        }
        let mut req = Request::new(Method::GET, self.config().host(bucket), "");
        req.params = vec![
            ("ci-process".into(), Some("qrcode-generate".into())),
            ("qrcode-content".into(), Some(content.to_owned())),
            ("width".into(), Some(width.to_string())),
            ("mode".into(), Some(mode.to_string())),
        ];
        let (headers, data) = read_bounded(self.send(req)?, MAX_IMAGE_ANSWER, "the code")?;
        let answer = QrCodeGenerateResult::from_xml(&text(data, "the code")?)
            .map_err(|e| unreadable("qrcode-generate Response", e))?;
        Ok((headers, answer))
    }

    /// `GET /<key>?imageInfo`: format, size and dimensions (every value a string, as the
    /// service writes them).
    pub fn ci_get_image_info(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ResponseHeaders, BasicImageInfo)> {
        let params = vec![("imageInfo".into(), None)];
        let (headers, data) = self.get_small(bucket, key, params, MAX_DOCUMENT, "imageInfo")?;
        let info = BasicImageInfo::from_json(&text(data, "imageInfo")?)
            .map_err(|e| unreadable("imageInfo", e))?;
        Ok((headers, info))
    }

    /// `GET /<key>?exif`: the EXIF tags (none, with the service's `error` text, for an
    /// image without EXIF).
    pub fn ci_get_image_exif_info(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ResponseHeaders, ExifInfo)> {
        let params = vec![("exif".into(), None)];
        let (headers, data) = self.get_small(bucket, key, params, MAX_DOCUMENT, "exif")?;
        let exif = ExifInfo::from_json(&text(data, "exif")?).map_err(|e| unreadable("exif", e))?;
        Ok((headers, exif))
    }

    /// `GET /<key>?imageAve`: the mean colour.
    pub fn ci_get_image_ave_info(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ResponseHeaders, ImageAveResult)> {
        let params = vec![("imageAve".into(), None)];
        let (headers, data) = self.get_small(bucket, key, params, MAX_DOCUMENT, "imageAve")?;
        let ave = ImageAveResult::from_json(&text(data, "imageAve")?)
            .map_err(|e| unreadable("imageAve", e))?;
        Ok((headers, ave))
    }

    /// `GET /<key>?<rule>` into the file `dest` (the Python SDK's `ci_get_object`): the
    /// rule is checked first, `style/NAME` names a style.
    pub fn ci_get_object(
        &self,
        bucket: &str,
        key: &str,
        dest: impl AsRef<Path>,
        rule: &str,
    ) -> Result<ResponseHeaders> {
        let process = match rule.strip_prefix("style/") {
            Some(name) => ProcessParam::style(name),
            None => ProcessParam::rule(rule),
        };
        self.get_object_to_file(bucket, key, Some(&process), &ObjectOptions::default(), dest)
    }

    /// `GET /<key>?imageMogr2/format/<compress_type>` into the file `dest`
    /// (`avif`, `webp`; the cloud's `tpg` and `heif` where the service encodes them).
    pub fn ci_download_compress_image(
        &self,
        bucket: &str,
        key: &str,
        dest: impl AsRef<Path>,
        compress_type: &str,
    ) -> Result<ResponseHeaders> {
        self.ci_get_object(
            bucket,
            key,
            dest,
            &format!("imageMogr2/format/{compress_type}"),
        )
    }

    /// `GET /<key>?ci-process=<ci_process>&<params>` (`key` `/` or empty: the bucket
    /// root), its answer read whole (at most 64 MiB; larger answers:
    /// [`CosClient::get_object_stream`] with [`ProcessParam::ci_process`]) and typed by
    /// its `Content-Type` as the Python SDK's `ci_process` types it ([`CiProcessData`]).
    pub fn ci_process(
        &self,
        bucket: &str,
        key: &str,
        ci_process: &str,
        params: &[(&str, &str)],
    ) -> Result<(ResponseHeaders, CiProcessData)> {
        if ci_process.is_empty() {
            return Err(ClientError::invalid("CiProcess", "a process name is required").into());
        }
        let key = key.strip_prefix('/').unwrap_or(key);
        let mut req = if key.is_empty() {
            Request::new(Method::GET, self.config().host(bucket), "")
        } else {
            check_key(key)?;
            Request::new(Method::GET, self.config().host(bucket), key)
        };
        req.params
            .push(("ci-process".into(), Some(ci_process.to_owned())));
        req.params.extend(
            params
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string()))),
        );
        let (headers, data) = read_bounded(self.send(req)?, MAX_IMAGE_ANSWER, "the answer")?;
        let content_type = headers.get("content-type").unwrap_or("").to_owned();
        let answer = if content_type == "application/xml" && headers.content_length.is_some() {
            CiProcessData::Xml(
                xml_to_dict(&text(data, "the XML answer")?)
                    .map_err(|e| unreadable("the XML answer", e))?,
            )
        } else if content_type.starts_with("application/json") {
            CiProcessData::Json(
                serde_json::from_slice(&data).map_err(|e| unreadable("the JSON answer", e))?,
            )
        } else {
            CiProcessData::Bytes(data)
        };
        Ok((headers, answer))
    }
}
