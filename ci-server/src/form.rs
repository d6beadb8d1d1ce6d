//! The v4 API's `multipart/form-data` body, parsed as it streams with `multer` (linear in
//! the body: its boundary search is memchr's `memmem`, each byte looked at a bounded
//! number of times), under the body's clocks and size limits.

use bytes::Bytes;
use futures_util::Stream;

use crate::body::BodyFailure;
use crate::error::ApiError;

/// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
pub(crate) const MAX_BOUNDARY: usize = 70;

/// Room for the form's own fields and framing besides the file.
pub(crate) const FORM_OVERHEAD: u64 = 64 * 1024;

/// Most parts a v4 form may have (it uses three).
const MAX_PARTS: usize = 16;

/// Largest text field (`op`, `insertOnly`, ...).
const MAX_TEXT_FIELD: u64 = 1024;

/// The fields of a v4 request.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct V4Form {
    /// `op`: `upload` or `image_process`.
    pub(crate) op: String,
    /// `insertOnly=1`: refuse to replace an existing file.
    pub(crate) insert_only: bool,
    /// `filecontent`, when sent.
    pub(crate) file: Option<Vec<u8>>,
}

fn malformed(why: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_argument(format!("malformed multipart/form-data: {why}"))
}

/// The boundary of a `multipart/form-data` content type, at most [`MAX_BOUNDARY`] long.
pub(crate) fn boundary(content_type: &str) -> Result<String, ApiError> {
    let b = multer::parse_boundary(content_type).map_err(malformed)?;
    if b.is_empty() || b.len() > MAX_BOUNDARY {
        return Err(malformed(format!(
            "the boundary is {} characters long; RFC 2046 allows 1 to {MAX_BOUNDARY}",
            b.len()
        )));
    }
    Ok(b)
}

fn from_multer(e: multer::Error, max_file: u64) -> ApiError {
    use std::error::Error as _;
    match e {
        multer::Error::StreamReadFailed(inner) => match inner.downcast::<BodyFailure>() {
            Ok(failure) => failure.0,
            Err(other) => malformed(other),
        },
        multer::Error::StreamSizeExceeded { .. } => ApiError::image_too_large(max_file),
        multer::Error::FieldSizeExceeded { field_name, .. }
            if field_name.as_deref() == Some("filecontent") =>
        {
            ApiError::image_too_large(max_file)
        }
        other => match other.source() {
            Some(src) => malformed(format!("{other}: {src}")),
            None => malformed(other),
        },
    }
}

/// Reads a v4 form from `body` (`content_type` names its boundary): the file at most
/// `max_file` bytes, kept in a buffer of `file_capacity` allocated once.
pub(crate) async fn read_v4_form<S>(
    body: S,
    content_type: &str,
    max_file: u64,
    file_capacity: u64,
) -> Result<V4Form, ApiError>
where
    S: Stream<Item = Result<Bytes, BodyFailure>> + Send + 'static,
{
    let boundary = boundary(content_type)?;
    let limits = multer::SizeLimit::new()
        .whole_stream(max_file + FORM_OVERHEAD)
        .per_field(max_file)
        .for_field("op", MAX_TEXT_FIELD)
        .for_field("insertOnly", MAX_TEXT_FIELD);
    let constraints = multer::Constraints::new().size_limit(limits);
    let mut multipart = multer::Multipart::with_constraints(body, boundary, constraints);
    let mut form = V4Form::default();
    let mut parts = 0;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| from_multer(e, max_file))?
    {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(malformed(format!("more than {MAX_PARTS} parts")));
        }
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "filecontent" => {
                let mut file = Vec::with_capacity(file_capacity as usize);
                while let Some(chunk) = field.chunk().await.map_err(|e| from_multer(e, max_file))? {
                    if (file.len() + chunk.len()) as u64 > max_file {
                        return Err(ApiError::image_too_large(max_file));
                    }
                    file.extend_from_slice(&chunk);
                }
                form.file = Some(file);
            }
            "op" | "insertOnly" => {
                let text = field.text().await.map_err(|e| from_multer(e, max_file))?;
                let text = text.trim().to_owned();
                if name == "op" {
                    form.op = text;
                } else {
                    form.insert_only = text == "1";
                }
            }
            // Other fields (`sha`, `biz_attr`, ...) are read past and dropped.
            _ => {
                while field
                    .chunk()
                    .await
                    .map_err(|e| from_multer(e, max_file))?
                    .is_some()
                {}
            }
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn once(body: &'static [u8]) -> impl Stream<Item = Result<Bytes, BodyFailure>> + Send {
        futures_util::stream::iter([Ok(Bytes::from_static(body))])
    }

    #[tokio::test(flavor = "current_thread")]
    async fn reads_the_fields() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nupload\r\n--XX\r\nContent-Disposition: form-data; name=\"extra\"\r\n\r\nignored\r\n--XX\r\nContent-Disposition: form-data; name=\"filecontent\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\r\n\x01\r\n--XX--\r\n";
        let f = read_v4_form(once(body), "multipart/form-data; boundary=XX", 100, 10)
            .await
            .expect("well-formed");
        assert_eq!(f.op, "upload");
        assert!(!f.insert_only);
        assert_eq!(f.file.as_deref(), Some(&b"\x00\r\n\x01"[..]));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refuses_long_boundaries_big_files_and_garbage() {
        let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
        let err = read_v4_form(once(b""), &long, 100, 0)
            .await
            .expect_err("71");
        assert!(err.message.contains("RFC 2046"), "{}", err.message);
        let ok70 = format!("multipart/form-data; boundary={}", "b".repeat(70));
        assert!(boundary(&ok70).is_ok());
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"filecontent\"\r\n\r\n0123456789ABCDEF\r\n--XX--\r\n";
        let err = read_v4_form(once(body), "multipart/form-data; boundary=XX", 8, 8)
            .await
            .expect_err("too big");
        assert_eq!(err.code, "ImageTooLarge");
        let err = read_v4_form(
            once(b"no form at all"),
            "multipart/form-data; boundary=XX",
            8,
            0,
        )
        .await
        .expect_err("garbage");
        assert_eq!(err.code, "InvalidArgument");
    }
}
