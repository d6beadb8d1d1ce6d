//! The legacy v4 API's JSON answer (`POST /files/v2/<appid>/<bucket>/<file>`).

use serde::{Deserialize, Serialize};

use super::ResultError;

/// A v4 API answer: `{code, message, request_id, data}`; `code` 0 is success.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4Response {
    /// 0 on success.
    pub code: i64,
    /// `SUCCESS` or an error description.
    #[serde(default)]
    pub message: String,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The payload (absent on errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<V4Data>,
}

/// `data` of a [`V4Response`]. The URL fields are present for `op=upload` and absent for
/// `op=image_process` in the documented examples.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4Data {
    /// `http://<bucket>-<appid>.file.myqcloud.com/<file>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_url: Option<String>,
    /// `/<appid>/<bucket>/<file>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_path: Option<String>,
    /// The COS origin URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The v4 API URL of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Processing time in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timecost: Option<u64>,
    /// Input facts and processing results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_info: Option<V4ImageInfo>,
}

/// `data.image_info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4ImageInfo {
    /// Facts about the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_info: Option<V4OriginalInfo>,
    /// One entry per rule.
    #[serde(default)]
    pub process_results: Vec<V4ProcessResult>,
}

/// `data.image_info.original_info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4OriginalInfo {
    /// Format name (`JPEG`); any case accepted.
    pub format: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Mean colour, `0xrrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ave: Option<String>,
    /// EXIF orientation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u32>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u32>,
}

/// One entry of `data.image_info.process_results`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4ProcessResult {
    /// The rule's `fileid`.
    pub file_id: String,
    /// Output format name (`PNG`); any case accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u32>,
    /// `http://<bucket>-<appid>.file.myqcloud.com/<fileid>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_url: Option<String>,
    /// `/<appid>/<bucket>/<fileid>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_path: Option<String>,
    /// The COS origin URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The v4 API URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Version id (`"value"` in the documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vid: Option<String>,
}

impl V4Response {
    /// Parses a v4 answer, leniently as the documented examples need: trailing commas
    /// before `}` / `]` are accepted (`"quality":100,}`), and containers still open at the
    /// end of the input are closed (both documented answers lack their final `}`). Use
    /// [`V4Response::from_json_strict`] to reject both, e.g. to detect a truncated body.
    pub fn from_json(input: &str) -> Result<Self, ResultError> {
        Self::from_json_strict(&lenient_to_strict(input))
    }

    /// Parses strict JSON (RFC 8259) only.
    pub fn from_json_strict(input: &str) -> Result<Self, ResultError> {
        serde_json::from_str(input).map_err(|e| ResultError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// Strict, compact JSON (no trailing commas, no whitespace); absent fields are left
    /// out.
    pub fn to_json(&self) -> String {
        // Only strings, integers, options and vectors: serde_json cannot fail on these.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Turns the documented v4 answers into strict JSON for serde_json, which rejects trailing
/// commas. No JSON5-style crate is a dependency: this string-aware pass is all the
/// leniency the v4 answers need.
///
/// * Every trailing comma (a `,` after a value, followed only by whitespace and then `}` or
///   `]`) outside strings becomes a space, so error positions stay those of the input.
/// * If the input ends outside a string, right after a value, with `{` / `[` still open,
///   the matching closers are appended.
fn lenient_to_strict(input: &str) -> String {
    let bytes = input.as_bytes();
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut out = String::with_capacity(input.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut last_significant: Option<u8> = None;
    let mut open: Vec<char> = Vec::new();
    for (i, c) in input.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                last_significant = Some(b'"');
            }
            out.push(c);
            continue;
        }
        if c == ',' {
            let next = bytes[i + 1..].iter().copied().find(|&b| !is_ws(b));
            let closes = matches!(next, Some(b'}' | b']'));
            let after_value = !matches!(last_significant, None | Some(b',' | b'[' | b'{' | b':'));
            if closes && after_value {
                out.push(' ');
                continue;
            }
        }
        match c {
            '"' => in_string = true,
            '{' => open.push('}'),
            '[' => open.push(']'),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
        if c.is_ascii() && !is_ws(c as u8) {
            last_significant = Some(c as u8);
        } else if !c.is_ascii() {
            last_significant = Some(b'x');
        }
        out.push(c);
    }
    let after_value = !matches!(last_significant, None | Some(b',' | b'[' | b'{' | b':'));
    if !in_string && after_value {
        out.extend(open.iter().rev());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::lenient_to_strict;

    #[test]
    fn trailing_commas() {
        assert_eq!(lenient_to_strict(r#"{"a":1,}"#), r#"{"a":1 }"#);
        assert_eq!(lenient_to_strict("[1,\n]"), "[1 \n]");
        assert_eq!(lenient_to_strict(r#"{"a":",}"}"#), r#"{"a":",}"}"#);
        assert_eq!(lenient_to_strict(r#"{"a":"\",}",}"#), r#"{"a":"\",}" }"#);
        assert_eq!(lenient_to_strict("[,]"), "[,]");
        assert_eq!(lenient_to_strict("[1,,]"), "[1,,]");
        assert_eq!(lenient_to_strict("[1,2]"), "[1,2]");
        assert_eq!(
            lenient_to_strict("{\"a\":[{\"b\":1}"),
            "{\"a\":[{\"b\":1}]}"
        );
        assert_eq!(lenient_to_strict("{\"a\":"), "{\"a\":");
        assert_eq!(lenient_to_strict("{\"a\":\"x"), "{\"a\":\"x");
    }
}
