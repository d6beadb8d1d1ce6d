//! The legacy v4 API: `POST /files/v2/<appid>/<bucket>/<file>` on
//! `<region>.image.myqcloud.com`, `multipart/form-data`, multi-effect signature.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;

use crate::result::V4Response;
use crate::sign::{encode_key_for_url, v4_sign};

use super::{Body, ClientError, CosClient, Request, ResponseHeaders, Result, ServiceError};
use crate::ops::PicOperationsHeader;

/// The v4 API takes inputs up to 20 MB.
pub const V4_MAX_INPUT: u64 = 20 * 1024 * 1024;

fn form_field(boundary: &str, name: &str, value: &str) -> String {
    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

impl CosClient {
    fn v4_send(
        &self,
        appid: &str,
        bucket: &str,
        file_name: &str,
        form: Vec<u8>,
        boundary: &str,
        pic_operations: Option<&str>,
    ) -> Result<(ResponseHeaders, V4Response)> {
        let pic_operations = pic_operations.map(PicOperationsHeader::parse).transpose()?;
        let file_name = file_name.strip_prefix('/').unwrap_or(file_name);
        if file_name.is_empty() {
            return Err(ClientError::invalid("FileName", "the v4 file name is empty").into());
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let rand = u64::from(now.subsec_nanos()) ^ (now.as_secs().rotate_left(17));
        let secs = now.as_secs();
        let auth = v4_sign(
            appid,
            bucket,
            &self.config.secret_id,
            &self.config.secret_key,
            secs.saturating_add(self.config.sign_expire),
            secs,
            rand % 1_000_000_000,
            "",
        );
        let mut body = Body::from_bytes(form);
        let mut req = Request::new(Method::POST, self.config.v4_host(), "");
        req.raw_path = Some(format!(
            "/files/v2/{appid}/{bucket}/{}",
            encode_key_for_url(file_name)
        ));
        req.authorization = Some(auth);
        req.headers.push((
            "Content-Type".into(),
            format!("multipart/form-data; boundary={boundary}"),
        ));
        if let Some(p) = pic_operations {
            req.headers
                .push(("Pic-Operations".into(), p.as_str().to_owned()));
        }
        req.retry = true;
        req.body = Some(&mut body);
        let sent = self.send(req)?;
        let headers = sent.headers;
        let text = Self::read_text(sent.resp, "the v4 answer")?;
        let resp = V4Response::from_json(&text)
            .map_err(|e| ClientError::InvalidResponse(format!("v4 answer: {e}")))?;
        if resp.code != 0 {
            return Err(ServiceError {
                method: "POST".into(),
                status: headers.status,
                code: resp.code.to_string(),
                message: resp.message.clone(),
                request_id: resp.request_id.clone().unwrap_or_default(),
                body: text,
                ..Default::default()
            }
            .into());
        }
        Ok((headers, resp))
    }

    /// v4 upload (`op=upload`, `filecontent`, `insertOnly`) with optional processing.
    /// `insert_only`: `Some(true)` refuses to overwrite (1), `Some(false)` overwrites (0).
    /// The input is at most 20 MB ([`V4_MAX_INPUT`]).
    pub fn v4_upload(
        &self,
        appid: &str,
        bucket: &str,
        file_name: &str,
        content: Body,
        insert_only: Option<bool>,
        pic_operations: Option<&str>,
    ) -> Result<(ResponseHeaders, V4Response)> {
        let data = content.read_all_limited(V4_MAX_INPUT)?;
        let boundary = boundary();
        let mut form = form_field(&boundary, "op", "upload").into_bytes();
        if let Some(i) = insert_only {
            form.extend(form_field(&boundary, "insertOnly", if i { "1" } else { "0" }).bytes());
        }
        form.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"filecontent\"; filename=\"filecontent\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        form.extend_from_slice(&data);
        form.extend(format!("\r\n--{boundary}--\r\n").bytes());
        self.v4_send(appid, bucket, file_name, form, &boundary, pic_operations)
    }

    /// v4 processing of a stored image (`op=image_process`).
    pub fn v4_image_process(
        &self,
        appid: &str,
        bucket: &str,
        file_name: &str,
        insert_only: Option<bool>,
        pic_operations: &str,
    ) -> Result<(ResponseHeaders, V4Response)> {
        let boundary = boundary();
        let mut form = form_field(&boundary, "op", "image_process");
        if let Some(i) = insert_only {
            form.push_str(&form_field(
                &boundary,
                "insertOnly",
                if i { "1" } else { "0" },
            ));
        }
        form.push_str(&format!("--{boundary}--\r\n"));
        self.v4_send(
            appid,
            bucket,
            file_name,
            form.into_bytes(),
            &boundary,
            Some(pic_operations),
        )
    }
}

fn boundary() -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("cosci{n:032x}")
}
