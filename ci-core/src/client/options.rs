//! Per-request options with the Python SDK's keyword names, and their header mapping.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};

use super::error::ClientError;
use crate::ops::{PicOperations, PicOperationsError, PicOperationsHeader};

/// A `Pic-Operations` header as the caller gave it. Whichever form, it is checked once,
/// when a request is built ([`PicOperationsValue::check`]): text is parsed once and sent
/// as given; a typed [`PicOperations`] is serialised once and never parsed back.
///
/// ```
/// use ci_core::client::ObjectOptions;
/// use ci_core::{PicOperations, Rule};
///
/// let ops = PicOperations::builder().rule(Rule::new("a.png", "imageMogr2/format/png")).build()?;
/// let typed = ObjectOptions::default().pic_operations(ops);
/// let text = ObjectOptions::default()
///     .pic_operations(r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"}]}"#);
/// let (a, b) = (typed.pic_operations.unwrap().check()?, text.pic_operations.unwrap().check()?);
/// assert_eq!(a.as_str(), b.as_str());
/// # Ok::<(), ci_core::ops::PicOperationsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PicOperationsValue {
    /// The header's JSON text (the Python SDK's `PicOperations` keyword).
    Text(String),
    /// The typed model.
    Typed(PicOperations),
    /// Already checked.
    Checked(PicOperationsHeader),
}

impl PicOperationsValue {
    /// The checked header (see [`PicOperationsHeader`]).
    pub fn check(&self) -> Result<PicOperationsHeader, PicOperationsError> {
        match self {
            PicOperationsValue::Text(text) => PicOperationsHeader::parse(text.as_str()),
            PicOperationsValue::Typed(ops) => PicOperationsHeader::from_ops(ops.clone()),
            PicOperationsValue::Checked(header) => Ok(header.clone()),
        }
    }
}

impl From<String> for PicOperationsValue {
    fn from(text: String) -> Self {
        PicOperationsValue::Text(text)
    }
}

impl From<&str> for PicOperationsValue {
    fn from(text: &str) -> Self {
        PicOperationsValue::Text(text.to_owned())
    }
}

impl From<PicOperations> for PicOperationsValue {
    fn from(ops: PicOperations) -> Self {
        PicOperationsValue::Typed(ops)
    }
}

impl From<PicOperationsHeader> for PicOperationsValue {
    fn from(header: PicOperationsHeader) -> Self {
        PicOperationsValue::Checked(header)
    }
}

macro_rules! header_options {
    ($( $(#[$doc:meta])* $field:ident => $kwarg:literal, $header:literal; )*) => {
        /// Request options named as the Python SDK's keyword arguments.
        ///
        /// Each string option becomes one header (the mapping of `cos_comm.maplist`, plus
        /// the SSE, tagging and content-negotiation names of `wire.md`). Build it directly,
        /// with the setters, or from `(name, value)` pairs with [`ObjectOptions::from_kwargs`].
        ///
        /// ```
        /// use ci_core::client::ObjectOptions;
        /// let o = ObjectOptions::from_kwargs(&[("ContentType", "image/jpeg"), ("ACL", "private")])?;
        /// assert_eq!(o.content_type.as_deref(), Some("image/jpeg"));
        /// assert_eq!(o.headers(), vec![
        ///     ("Content-Type".to_string(), "image/jpeg".to_string()),
        ///     ("x-cos-acl".to_string(), "private".to_string()),
        /// ]);
        /// let err = ObjectOptions::from_kwargs(&[("ContentTyp", "x")]).unwrap_err();
        /// assert_eq!(err.to_string(), "No Parameter Named ContentTyp Please Check It");
        /// # Ok::<(), ci_core::client::ClientError>(())
        /// ```
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct ObjectOptions {
            $( $(#[$doc])* pub $field: Option<String>, )*
            /// `ContentLength`: the body length, for a reader whose length is not known
            /// otherwise (then sent with `Content-Length` instead of chunked).
            pub content_length: Option<u64>,
            /// `Metadata`: headers sent as given (`x-cos-meta-*`).
            pub metadata: Vec<(String, String)>,
            /// `EnableMD5`: compute and send `Content-MD5` (base64 of the MD5 digest).
            pub enable_md5: bool,
            /// `VersionId` (query parameter `versionId`).
            pub version_id: Option<String>,
            /// `Response*` overrides of a download (query parameters `response-*`).
            pub response_params: Vec<(String, String)>,
            /// `PicOperations` → `Pic-Operations`: checked before sending (see
            /// [`PicOperationsValue`]).
            pub pic_operations: Option<PicOperationsValue>,
        }

        /// `(kwarg, header)` for every string option.
        pub(crate) const HEADER_KWARGS: &[(&str, &str)] = &[ $( ($kwarg, $header), )* ];

        impl ObjectOptions {
            fn header_slot_mut(&mut self, kwarg: &str) -> Option<&mut Option<String>> {
                match kwarg {
                    $( $kwarg => Some(&mut self.$field), )*
                    _ => None,
                }
            }

            fn header_values(&self) -> Vec<(&'static str, &Option<String>)> {
                vec![ $( ($header, &self.$field), )* ]
            }
        }
    };
}

header_options! {
    /// `ContentMD5` → `Content-MD5`.
    content_md5 => "ContentMD5", "Content-MD5";
    /// `ContentType` → `Content-Type`.
    content_type => "ContentType", "Content-Type";
    /// `CacheControl` → `Cache-Control`.
    cache_control => "CacheControl", "Cache-Control";
    /// `ContentDisposition` → `Content-Disposition`.
    content_disposition => "ContentDisposition", "Content-Disposition";
    /// `ContentEncoding` → `Content-Encoding`.
    content_encoding => "ContentEncoding", "Content-Encoding";
    /// `ContentLanguage` → `Content-Language`.
    content_language => "ContentLanguage", "Content-Language";
    /// `Expires` → `Expires`.
    expires => "Expires", "Expires";
    /// `ACL` → `x-cos-acl`.
    acl => "ACL", "x-cos-acl";
    /// `GrantFullControl` → `x-cos-grant-full-control`.
    grant_full_control => "GrantFullControl", "x-cos-grant-full-control";
    /// `GrantRead` → `x-cos-grant-read`.
    grant_read => "GrantRead", "x-cos-grant-read";
    /// `GrantWrite` → `x-cos-grant-write`.
    grant_write => "GrantWrite", "x-cos-grant-write";
    /// `StorageClass` → `x-cos-storage-class`.
    storage_class => "StorageClass", "x-cos-storage-class";
    /// `Tagging` → `x-cos-tagging`.
    tagging => "Tagging", "x-cos-tagging";
    /// `TrafficLimit` → `x-cos-traffic-limit` (bits per second).
    traffic_limit => "TrafficLimit", "x-cos-traffic-limit";
    /// `SSE` → `x-cos-server-side-encryption`.
    sse => "SSE", "x-cos-server-side-encryption";
    /// `ServerSideEncryption` → `x-cos-server-side-encryption` (the SDK's other name).
    server_side_encryption => "ServerSideEncryption", "x-cos-server-side-encryption";
    /// `SSECustomerAlgorithm` → `x-cos-server-side-encryption-customer-algorithm`.
    sse_customer_algorithm => "SSECustomerAlgorithm", "x-cos-server-side-encryption-customer-algorithm";
    /// `SSECustomerKey` → `x-cos-server-side-encryption-customer-key`.
    sse_customer_key => "SSECustomerKey", "x-cos-server-side-encryption-customer-key";
    /// `SSECustomerKeyMD5` → `x-cos-server-side-encryption-customer-key-MD5`.
    sse_customer_key_md5 => "SSECustomerKeyMD5", "x-cos-server-side-encryption-customer-key-MD5";
    /// `SSEKMSKeyId` → `x-cos-server-side-encryption-cos-kms-key-id`.
    sse_kms_key_id => "SSEKMSKeyId", "x-cos-server-side-encryption-cos-kms-key-id";
    /// `SSEContext` → `x-cos-server-side-encryption-context`.
    sse_context => "SSEContext", "x-cos-server-side-encryption-context";
    /// `SSEKMSContext` → `x-cos-server-side-encryption-context` (the SDK's other name).
    sse_kms_context => "SSEKMSContext", "x-cos-server-side-encryption-context";
    /// `Referer` → `Referer`.
    referer => "Referer", "Referer";
    /// `Accept` → `Accept`.
    accept => "Accept", "Accept";
    /// `AcceptEncoding` → `Accept-Encoding`.
    accept_encoding => "AcceptEncoding", "Accept-Encoding";
    /// `Expect` → `Expect`.
    expect => "Expect", "Expect";
    /// `Range` → `Range` (downloads).
    range => "Range", "Range";
    /// `IfMatch` → `If-Match`.
    if_match => "IfMatch", "If-Match";
    /// `IfNoneMatch` → `If-None-Match`.
    if_none_match => "IfNoneMatch", "If-None-Match";
    /// `IfModifiedSince` → `If-Modified-Since`.
    if_modified_since => "IfModifiedSince", "If-Modified-Since";
    /// `IfUnmodifiedSince` → `If-Unmodified-Since`.
    if_unmodified_since => "IfUnmodifiedSince", "If-Unmodified-Since";
}

/// `Response*` keyword names and their query parameters.
const RESPONSE_KWARGS: &[(&str, &str)] = &[
    ("ResponseContentType", "response-content-type"),
    ("ResponseContentLanguage", "response-content-language"),
    ("ResponseExpires", "response-expires"),
    ("ResponseCacheControl", "response-cache-control"),
    ("ResponseContentDisposition", "response-content-disposition"),
    ("ResponseContentEncoding", "response-content-encoding"),
];

impl ObjectOptions {
    /// Options from keyword arguments as the Python SDK takes them.
    ///
    /// Every name of the SDK's mapping is accepted; an unknown one gives
    /// [`ClientError::UnknownParameter`] whose text is the SDK's
    /// `No Parameter Named <X> Please Check It`. `Metadata` takes a JSON object
    /// (`{"x-cos-meta-owner": "Ann"}`), or `Metadata.<header>` names one entry;
    /// `ContentLength` a decimal number; `EnableMD5` `true`/`false`/`1`/`0`.
    pub fn from_kwargs(kwargs: &[(&str, &str)]) -> Result<Self, ClientError> {
        let mut o = ObjectOptions::default();
        for (name, value) in kwargs {
            o.set(name, value)?;
        }
        Ok(o)
    }

    /// Sets one option by its keyword name (see [`ObjectOptions::from_kwargs`]).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ClientError> {
        if let Some(slot) = self.header_slot_mut(name) {
            *slot = Some(value.to_owned());
            return Ok(());
        }
        if let Some((_, param)) = RESPONSE_KWARGS.iter().find(|(k, _)| *k == name) {
            self.response_params
                .push(((*param).to_owned(), value.to_owned()));
            return Ok(());
        }
        match name {
            "ContentLength" => {
                let n = value.trim().parse::<u64>().map_err(|_| {
                    ClientError::invalid(name, format!("{value:?} is not a byte count"))
                })?;
                self.content_length = Some(n);
            }
            "EnableMD5" => {
                self.enable_md5 = match value.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" | "" => false,
                    _ => return Err(ClientError::invalid(name, "expected true or false")),
                }
            }
            "VersionId" => self.version_id = Some(value.to_owned()),
            "PicOperations" => self.pic_operations = Some(value.into()),
            "Metadata" => {
                let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(value)
                    .map_err(|e| {
                    ClientError::invalid(name, format!("expected a JSON object: {e}"))
                })?;
                for (k, v) in map {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.metadata.push((k, v));
                }
            }
            _ => match name.strip_prefix("Metadata.") {
                Some(header) if !header.is_empty() => {
                    self.metadata.push((header.to_owned(), value.to_owned()))
                }
                _ => return Err(ClientError::UnknownParameter(name.to_owned())),
            },
        }
        Ok(())
    }

    /// Every keyword name [`ObjectOptions::set`] accepts (besides `Metadata.<header>`).
    pub fn known_kwargs() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = HEADER_KWARGS.iter().map(|(k, _)| *k).collect();
        v.extend(RESPONSE_KWARGS.iter().map(|(k, _)| *k));
        v.extend([
            "ContentLength",
            "EnableMD5",
            "VersionId",
            "Metadata",
            "PicOperations",
        ]);
        v
    }

    /// Sets `PicOperations`: JSON text, a typed [`PicOperations`] or a checked
    /// [`PicOperationsHeader`].
    pub fn pic_operations(mut self, header: impl Into<PicOperationsValue>) -> Self {
        self.pic_operations = Some(header.into());
        self
    }

    /// Sets `ContentType`.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }

    /// Adds a `Metadata` entry (`x-cos-meta-*` header).
    pub fn meta(mut self, header: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((header.into(), value.into()));
        self
    }

    /// Sets `EnableMD5`.
    pub fn enable_md5(mut self, yes: bool) -> Self {
        self.enable_md5 = yes;
        self
    }

    /// The headers these options send, in the SDK's mapping order, metadata last.
    /// (`Content-Length` is not among them: the client sets it from the body, nor
    /// `Pic-Operations`, which is checked first: see [`PicOperationsValue::check`].)
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .header_values()
            .into_iter()
            .filter_map(|(h, val)| val.as_ref().map(|x| (h.to_owned(), x.clone())))
            .collect();
        v.extend(self.metadata.iter().cloned());
        v
    }

    /// The query parameters these options send (`versionId`, `response-*`).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if let Some(id) = &self.version_id {
            v.push(("versionId".to_owned(), id.clone()));
        }
        v.extend(self.response_params.iter().cloned());
        v
    }
}

/// `base64(MD5(data))`, the `Content-MD5` value.
///
/// ```
/// assert_eq!(ci_core::client::content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
/// ```
pub fn content_md5(data: &[u8]) -> String {
    STANDARD.encode(Md5::digest(data))
}

pub(crate) fn md5_base64_of(hasher: Md5) -> String {
    STANDARD.encode(hasher.finalize())
}
