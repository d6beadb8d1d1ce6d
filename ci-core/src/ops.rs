//! The `Pic-Operations` header: what to do with an image on upload (`PUT`), on
//! `POST ?image_process`, on a multipart Complete, and in the v4 API.
//!
//! The header is compact JSON:
//! `{"is_pic_info":1,"rules":[{"bucket":"b-1250000000","fileid":"out.png","rule":"imageMogr2/format/png"}]}`.
//!
//! Three levels of checking, from cheap to complete:
//! - [`PicOperations::parse`] / [`PicOperationsBuilder::build`]: the JSON shape and what the
//!   service rejects as `InvalidPicOperations` (rule count, fileid, bucket name);
//! - [`PicOperations::parsed_rules`]: every `rule` string through the rule grammar
//!   (what the service rejects as `InvalidArgument`);
//! - [`resolve_fileid`]: where a result is stored, given the source key.
//!
//! ```
//! use ci_core::ops::{PicOperations, resolve_fileid};
//!
//! let ops = PicOperations::parse(
//!     r#"{"is_pic_info":1,"rules":[{"fileid":"p2/test2.jpg","rule":"imageMogr2/format/png"}]}"#,
//! )?;
//! assert!(ops.is_pic_info);
//! assert_eq!(resolve_fileid("p1/test1.jpg", &ops.rules[0].fileid)?, "p1/p2/test2.jpg");
//! # Ok::<(), ci_core::ops::PicOperationsError>(())
//! ```

use std::fmt::Write as _;

use serde::{Deserialize, Deserializer, Serialize};

use crate::rule::{ProcessingRule, RuleError};

/// Most rules one header may carry.
pub const MAX_RULES: usize = 5;
/// Most rules one header may carry when one of them is `ci-process=AIPicMatting`.
pub const MAX_RULES_WITH_AI_PIC_MATTING: usize = 1;

/// A parsed and validated `Pic-Operations` header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PicOperations {
    /// Whether the answer carries `OriginalInfo/ImageInfo` (`is_pic_info: 1`).
    pub is_pic_info: bool,
    /// Processing rules; one result each. Empty means: store the upload, process nothing.
    pub rules: Vec<Rule>,
}

/// One entry of `rules`: what to make and where to store it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Destination bucket (`BucketName-APPID`); `None` stores into the source bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Destination key: absolute when it starts with `/`, else relative to the source
    /// key's folder; URL-encoded. See [`resolve_fileid`].
    pub fileid: String,
    /// The processing rule, e.g. `imageMogr2/thumbnail/200x`, or `style/NAME`.
    pub rule: String,
}

impl Rule {
    /// A rule storing into the source bucket.
    ///
    /// ```
    /// let rule = ci_core::Rule::new("thumb.png", "imageMogr2/thumbnail/200x/format/png");
    /// assert_eq!(rule.bucket, None);
    /// ```
    pub fn new(fileid: impl Into<String>, rule: impl Into<String>) -> Self {
        Rule {
            bucket: None,
            fileid: fileid.into(),
            rule: rule.into(),
        }
    }

    /// The same rule, storing into `bucket` (`BucketName-APPID`).
    pub fn with_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = Some(bucket.into());
        self
    }

    /// The rule string parsed into its AST.
    pub fn parse_rule(&self) -> Result<ProcessingRule, RuleError> {
        ProcessingRule::parse(&self.rule)
    }

    fn is_ai_pic_matting(&self) -> bool {
        crate::rule::names_ai_pic_matting(&self.rule)
    }
}

/// What is wrong with a `Pic-Operations` header. `rule` is the 0-based index into `rules`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PicOperationsError {
    /// Not JSON of the expected shape.
    #[error("Pic-Operations is not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// More rules than the service takes.
    #[error("Pic-Operations has {count} rules; at most {max} are allowed")]
    TooManyRules {
        /// How many rules there are.
        count: usize,
        /// The limit that applies (5, or 1 with AIPicMatting).
        max: usize,
    },
    /// An AIPicMatting rule shares the header with others.
    #[error("rule {rule}: ci-process=AIPicMatting must be the only rule, but there are {count}")]
    AiPicMattingNotAlone {
        /// Index of the AIPicMatting rule.
        rule: usize,
        /// How many rules there are.
        count: usize,
    },
    /// `fileid` is empty.
    #[error("rule {rule}: fileid is empty")]
    EmptyFileid {
        /// Index of the rule.
        rule: usize,
    },
    /// `fileid` ends in `/` (the service would store an object with an empty name).
    #[error("rule {rule}: fileid {fileid:?} ends with '/', which names no file")]
    FileidEndsWithSlash {
        /// Index of the rule.
        rule: usize,
        /// The fileid as given.
        fileid: String,
    },
    /// `fileid` climbs above the bucket's root with `..`.
    #[error("rule {rule}: fileid {fileid:?} uses '..' to leave the bucket")]
    FileidEscapesBucket {
        /// Index of the rule.
        rule: usize,
        /// The fileid as given.
        fileid: String,
    },
    /// `fileid` has a bad `%` escape or decodes to something that is not UTF-8.
    #[error("rule {rule}: fileid {fileid:?} is not a valid URL-encoded name")]
    FileidEncoding {
        /// Index of the rule.
        rule: usize,
        /// The fileid as given.
        fileid: String,
    },
    /// A control character, which no header may carry once decoded.
    #[error("rule {rule}: {field} contains control character U+{code:04X} at byte {offset}")]
    ControlCharacter {
        /// Index of the rule.
        rule: usize,
        /// `fileid`, `rule` or `bucket`.
        field: &'static str,
        /// The character's code point.
        code: u32,
        /// Byte offset of the character in the field.
        offset: usize,
    },
    /// `bucket` is not of the form `BucketName-APPID`.
    #[error("rule {rule}: bucket {bucket:?} is not of the form BucketName-APPID ({reason})")]
    InvalidBucket {
        /// Index of the rule.
        rule: usize,
        /// The bucket as given.
        bucket: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `rule` is empty.
    #[error("rule {rule}: the rule string is empty")]
    EmptyRule {
        /// Index of the rule.
        rule: usize,
    },
    /// The header value carries a control character, which no HTTP header may.
    #[error("control character U+{code:04X} at byte {offset}: not allowed in a header")]
    HeaderControlCharacter {
        /// The character's code point.
        code: u32,
        /// Byte offset of the character in the header value.
        offset: usize,
    },
    /// `rule` does not parse (see [`PicOperations::parsed_rules`]).
    #[error("rule {rule}: {source}")]
    InvalidRule {
        /// Index of the rule.
        rule: usize,
        /// The grammar error, with the offending token and its byte offset.
        source: RuleError,
    },
}

impl PicOperationsError {
    /// The COS error code the service answers with for this problem.
    pub fn cos_code(&self) -> &'static str {
        match self {
            PicOperationsError::InvalidRule { .. } => "InvalidArgument",
            _ => "InvalidPicOperations",
        }
    }
}

impl PicOperations {
    /// Starts a builder; [`PicOperationsBuilder::build`] validates.
    pub fn builder() -> PicOperationsBuilder {
        PicOperationsBuilder::default()
    }

    /// Parses and validates a header value.
    ///
    /// Accepts what the service accepts: unknown fields are ignored, `is_pic_info` may be
    /// a number, a boolean or a numeric string, `rules` may be missing, and white space
    /// between tokens is free.
    ///
    /// ```
    /// use ci_core::PicOperations;
    /// let ops = PicOperations::parse(r#"{ "rules": [ {"fileid": "a.png", "rule": "imageMogr2/format/png", "x": 1} ] }"#)?;
    /// assert!(!ops.is_pic_info);
    /// assert!(PicOperations::parse(r#"{"rules":[{"fileid":"dir/","rule":"imageInfo"}]}"#).is_err());
    /// # Ok::<(), ci_core::ops::PicOperationsError>(())
    /// ```
    pub fn parse(header: &str) -> Result<Self, PicOperationsError> {
        let wire: WireOps = serde_json::from_str(header).map_err(|e| PicOperationsError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let ops = PicOperations {
            is_pic_info: wire.is_pic_info,
            rules: wire.rules,
        };
        ops.validate()?;
        Ok(ops)
    }

    /// The header value: compact JSON with the seeds' key order (`is_pic_info`, `rules`;
    /// in a rule `bucket`, `fileid`, `rule`). `is_pic_info` is written only when set (its
    /// default is 0, and the service's own examples omit it). Non-ASCII characters are
    /// written as `\uXXXX` escapes so the value is always a valid HTTP header.
    pub fn to_header(&self) -> String {
        let wire = WireOpsOut {
            is_pic_info: self.is_pic_info.then_some(1),
            rules: &self.rules,
        };
        // Serialising plain strings and integers into a String cannot fail.
        let json = serde_json::to_string(&wire).unwrap_or_default();
        escape_non_ascii(&json)
    }

    /// Checks what the service checks before processing: the rule count, each fileid,
    /// bucket name and rule string being present and free of control characters.
    pub fn validate(&self) -> Result<(), PicOperationsError> {
        let count = self.rules.len();
        if let Some(rule) = self.rules.iter().position(Rule::is_ai_pic_matting) {
            if count > MAX_RULES_WITH_AI_PIC_MATTING {
                return Err(PicOperationsError::AiPicMattingNotAlone { rule, count });
            }
        }
        if count > MAX_RULES {
            return Err(PicOperationsError::TooManyRules {
                count,
                max: MAX_RULES,
            });
        }
        for (index, rule) in self.rules.iter().enumerate() {
            validate_rule(index, rule)?;
        }
        Ok(())
    }

    /// Parses every rule string, for a check as complete as the service's: an unknown or
    /// malformed rule gives [`PicOperationsError::InvalidRule`] naming the rule's index,
    /// the offending token and its byte offset.
    pub fn parsed_rules(&self) -> Result<Vec<ProcessingRule>, PicOperationsError> {
        self.rules
            .iter()
            .enumerate()
            .map(|(rule, entry)| {
                entry
                    .parse_rule()
                    .map_err(|source| PicOperationsError::InvalidRule { rule, source })
            })
            .collect()
    }
}

impl std::str::FromStr for PicOperations {
    type Err = PicOperationsError;
    fn from_str(header: &str) -> Result<Self, Self::Err> {
        PicOperations::parse(header)
    }
}

impl std::fmt::Display for PicOperations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_header())
    }
}

/// A `Pic-Operations` header checked as completely as the service checks it, holding
/// both the text that goes on the wire and the model it was checked as: each header is
/// parsed once (a string) or serialised once (a typed [`PicOperations`]), never both.
///
/// ```
/// use ci_core::ops::{PicOperations, PicOperationsHeader, Rule};
///
/// // From text: sent exactly as given, after one parse.
/// let text = r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"}]}"#;
/// let header = PicOperationsHeader::parse(text)?;
/// assert_eq!(header.as_str(), text);
/// assert_eq!(header.rules()[0].to_string(), "imageMogr2/format/png");
///
/// // From the typed model: serialised once, not parsed back.
/// let ops = PicOperations::builder().rule(Rule::new("a.png", "imageMogr2/format/png")).build()?;
/// assert_eq!(PicOperationsHeader::from_ops(ops)?.as_str(), text);
///
/// let e = PicOperationsHeader::parse(r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/rotate/400"}]}"#).unwrap_err();
/// assert!(e.to_string().starts_with("rule 0: invalid rule"));
/// assert!(PicOperationsHeader::parse(r#"{"rules":[{"fileid":"a\u0001.png","rule":"imageInfo"}]}"#).is_err());
/// // Well-formed rules the grammar does not model are accepted and sent as given.
/// let header = PicOperationsHeader::parse(r#"{"rules":[{"fileid":"q.jpg","rule":"QRcode/cover/1"},{"fileid":"n.jpg","rule":"imageMogr2/newop/1"}]}"#)?;
/// assert!(header.rules()[0].is_fully_checked());
/// assert!(!header.rules()[1].is_fully_checked());
/// # Ok::<(), ci_core::ops::PicOperationsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PicOperationsHeader {
    text: String,
    ops: PicOperations,
    rules: Vec<ProcessingRule>,
}

impl PicOperationsHeader {
    /// Checks a header value: no control characters, the JSON and its shape
    /// ([`PicOperations::parse`]) and every rule through the grammar.
    pub fn parse(text: impl Into<String>) -> Result<Self, PicOperationsError> {
        let text = text.into();
        if let Some((offset, c)) = text.char_indices().find(|(_, c)| c.is_control()) {
            return Err(PicOperationsError::HeaderControlCharacter {
                code: u32::from(c),
                offset,
            });
        }
        let ops = PicOperations::parse(&text)?;
        let rules = ops.parsed_rules()?;
        Ok(PicOperationsHeader { text, ops, rules })
    }

    /// Checks a typed header ([`PicOperations::validate`] and every rule through the
    /// grammar) and serialises it once ([`PicOperations::to_header`]).
    pub fn from_ops(ops: PicOperations) -> Result<Self, PicOperationsError> {
        ops.validate()?;
        let rules = ops.parsed_rules()?;
        Ok(PicOperationsHeader {
            text: ops.to_header(),
            ops,
            rules,
        })
    }

    /// The header value as sent.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The model the value was checked as.
    pub fn ops(&self) -> &PicOperations {
        &self.ops
    }

    /// Each rule's AST, in the order of [`PicOperations::rules`].
    pub fn rules(&self) -> &[ProcessingRule] {
        &self.rules
    }
}

impl std::fmt::Display for PicOperationsHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Builds a [`PicOperations`]; `build` validates it.
#[derive(Debug, Clone, Default)]
pub struct PicOperationsBuilder {
    ops: PicOperations,
}

impl PicOperationsBuilder {
    /// Asks for `OriginalInfo/ImageInfo` in the answer.
    pub fn is_pic_info(mut self, yes: bool) -> Self {
        self.ops.is_pic_info = yes;
        self
    }

    /// Adds a rule.
    pub fn rule(mut self, rule: Rule) -> Self {
        self.ops.rules.push(rule);
        self
    }

    /// Validates (see [`PicOperations::validate`]) and returns the header model.
    pub fn build(self) -> Result<PicOperations, PicOperationsError> {
        self.ops.validate()?;
        Ok(self.ops)
    }
}

/// Where the result of a rule is stored, given the source object's key.
///
/// The fileid is URL-decoded (`%XX`; `+` stays `+`). One starting with `/` is absolute
/// (`/p2/x.jpg` → `p2/x.jpg`); any other is relative to the folder of `source_key`
/// (`p2/x.jpg` next to `p1/a.jpg` → `p1/p2/x.jpg`). `.` segments are dropped and `..`
/// climbs one folder; climbing above the bucket's root is an error, and so is a name
/// that ends with `/` or decodes to nothing. The error's rule index is 0.
///
/// ```
/// use ci_core::ops::resolve_fileid;
/// assert_eq!(resolve_fileid("p1/test1.jpg", "/p2/test2.jpg")?, "p2/test2.jpg");
/// assert_eq!(resolve_fileid("p1/test1.jpg", "p2/test2.jpg")?, "p1/p2/test2.jpg");
/// assert_eq!(resolve_fileid("test1.jpg", "%E7%BC%A9%E7%95%A5.png")?, "缩略.png");
/// assert!(resolve_fileid("test1.jpg", "../x.png").is_err());
/// # Ok::<(), ci_core::ops::PicOperationsError>(())
/// ```
pub fn resolve_fileid(source_key: &str, fileid: &str) -> Result<String, PicOperationsError> {
    resolve_indexed(0, source_key, fileid)
}

fn resolve_indexed(
    rule: usize,
    source_key: &str,
    fileid: &str,
) -> Result<String, PicOperationsError> {
    let decoded = decode_fileid(rule, fileid)?;
    if decoded.is_empty() {
        return Err(PicOperationsError::EmptyFileid { rule });
    }
    if decoded.ends_with('/') {
        return Err(PicOperationsError::FileidEndsWithSlash {
            rule,
            fileid: fileid.to_owned(),
        });
    }
    let (base, relative) = match decoded.strip_prefix('/') {
        Some(absolute) => ("", absolute),
        None => {
            let source = source_key.trim_start_matches('/');
            let folder_end = source.rfind('/').map_or(0, |slash| slash + 1);
            (&source[..folder_end], decoded.as_str())
        }
    };
    let mut segments: Vec<&str> = base.split_terminator('/').collect();
    for segment in relative.split('/') {
        match segment {
            "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(PicOperationsError::FileidEscapesBucket {
                        rule,
                        fileid: fileid.to_owned(),
                    });
                }
            }
            other => segments.push(other),
        }
    }
    let key = segments.join("/");
    if key.is_empty() || key.ends_with('/') {
        return Err(PicOperationsError::FileidEndsWithSlash {
            rule,
            fileid: fileid.to_owned(),
        });
    }
    Ok(key)
}

fn decode_fileid(rule: usize, fileid: &str) -> Result<String, PicOperationsError> {
    let bad = || PicOperationsError::FileidEncoding {
        rule,
        fileid: fileid.to_owned(),
    };
    // percent_decode passes a lone or malformed '%' through; the service refuses it.
    let bytes = fileid.as_bytes();
    for (at, _) in fileid.match_indices('%') {
        let hex = bytes.get(at + 1..at + 3).ok_or_else(bad)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(bad());
        }
    }
    percent_encoding::percent_decode_str(fileid)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| bad())
}

fn validate_rule(index: usize, rule: &Rule) -> Result<(), PicOperationsError> {
    check_controls(index, "fileid", &rule.fileid)?;
    check_controls(index, "rule", &rule.rule)?;
    if rule.fileid.is_empty() {
        return Err(PicOperationsError::EmptyFileid { rule: index });
    }
    let decoded = decode_fileid(index, &rule.fileid)?;
    check_controls(index, "fileid", &decoded)?;
    if decoded.starts_with('/') {
        // Absolute names resolve the same for every source key: check them fully now.
        resolve_indexed(index, "", &rule.fileid)?;
    } else if decoded.ends_with('/') {
        return Err(PicOperationsError::FileidEndsWithSlash {
            rule: index,
            fileid: rule.fileid.clone(),
        });
    }
    if rule.rule.trim().is_empty() {
        return Err(PicOperationsError::EmptyRule { rule: index });
    }
    if let Some(bucket) = &rule.bucket {
        check_controls(index, "bucket", bucket)?;
        check_bucket_name(bucket).map_err(|reason| PicOperationsError::InvalidBucket {
            rule: index,
            bucket: bucket.clone(),
            reason,
        })?;
    }
    Ok(())
}

fn check_controls(rule: usize, field: &'static str, value: &str) -> Result<(), PicOperationsError> {
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((offset, c)) => Err(PicOperationsError::ControlCharacter {
            rule,
            field,
            code: u32::from(c),
            offset,
        }),
        None => Ok(()),
    }
}

/// Checks the `BucketName-APPID` shape: a name of 1–50 characters from `a-z`, `0-9` and
/// `-` that neither starts nor ends with `-`, a dash, and an APPID of 1–10 digits (today's
/// APPIDs have 10; the official SDKs' own tests use older, shorter ones).
///
/// ```
/// use ci_core::ops::check_bucket_name;
/// assert!(check_bucket_name("examplebucket-1250000000").is_ok());
/// assert!(check_bucket_name("ExampleBucket-1250000000").is_err());
/// assert!(check_bucket_name("examplebucket").is_err());
/// ```
pub fn check_bucket_name(bucket: &str) -> Result<(), &'static str> {
    let (name, appid) = bucket.rsplit_once('-').ok_or("no '-' before the APPID")?;
    if appid.is_empty() || appid.len() > 10 || !appid.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the APPID after the last '-' must be 1 to 10 digits");
    }
    if name.is_empty() || name.len() > 50 {
        return Err("the name before the APPID must be 1 to 50 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("the name may only hold a-z, 0-9 and '-'");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("the name may not start or end with '-'");
    }
    Ok(())
}

/// The JSON as the service reads it.
#[derive(Deserialize)]
struct WireOps {
    #[serde(default, deserialize_with = "lenient_flag")]
    is_pic_info: bool,
    #[serde(default, deserialize_with = "null_as_empty")]
    rules: Vec<Rule>,
}

/// The JSON as we write it.
#[derive(Serialize)]
struct WireOpsOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    is_pic_info: Option<u8>,
    rules: &'a [Rule],
}

/// `is_pic_info` as `1`, `0`, `true`, `false`, `"1"`, `"0"` or `null`.
fn lenient_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(false),
        serde_json::Value::Bool(flag) => Ok(flag),
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(D::Error::custom(format!(
                "is_pic_info must be 0 or 1, not {n}"
            ))),
        },
        serde_json::Value::String(s) => match s.trim() {
            "0" | "" => Ok(false),
            "1" => Ok(true),
            _ => Err(D::Error::custom(format!(
                "is_pic_info must be 0 or 1, not {s:?}"
            ))),
        },
        other => Err(D::Error::custom(format!(
            "is_pic_info must be 0 or 1, not {other}"
        ))),
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Rule>, D::Error> {
    Ok(Option::<Vec<Rule>>::deserialize(deserializer)?.unwrap_or_default())
}

/// serde_json writes non-ASCII characters raw and has no option to escape them, and HTTP
/// header values must be ASCII: rewrite them as JSON `\uXXXX` escapes (UTF-16 units).
/// Outside strings serde_json only writes ASCII, so every non-ASCII char is in a string.
fn escape_non_ascii(json: &str) -> String {
    if json.is_ascii() {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_is_escaped_and_parses_back() {
        let ops = PicOperations::builder()
            .rule(Rule::new("缩略图😀.png", "imageMogr2/format/png"))
            .build()
            .expect("valid");
        let header = ops.to_header();
        assert!(header.is_ascii());
        assert!(header.contains(r"\u7f29\u7565\u56fe\ud83d\ude00.png"));
        assert_eq!(PicOperations::parse(&header).expect("parses"), ops);
    }
}
