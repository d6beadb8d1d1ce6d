//! Parse errors for processing rules.

/// A rule that could not be parsed: what went wrong, where, and the offending token.
///
/// `offset` is a byte offset into the string given to [`ProcessingRule::parse`]
/// (`%7C` separators count as three bytes). `token` is the smallest piece of input
/// that is wrong: a single number inside a compound value such as `200x99999`, a
/// key, or a whole stage. When something required is absent, the error points at the
/// token that needs it (the key without a value, or the stage keyword).
///
/// [`ProcessingRule::parse`]: super::ProcessingRule::parse
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("invalid rule: {kind} at byte {offset} ({token:?})")]
pub struct RuleError {
    /// Byte offset of `token` in the input.
    pub offset: usize,
    /// The offending token, as written in the input.
    pub token: String,
    /// What is wrong.
    pub kind: RuleErrorKind,
}

impl RuleError {
    pub(crate) fn new(offset: usize, token: &str, kind: RuleErrorKind) -> Self {
        RuleError {
            offset,
            token: token.to_owned(),
            kind,
        }
    }
}

/// The kind of a [`RuleError`].
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// An empty rule, an empty stage (`a||b`) or an empty `/`-segment (`imageMogr2//strip`).
    #[error("empty segment")]
    Empty,
    /// More than [`MAX_STAGES`](super::MAX_STAGES) stages joined with `|`.
    #[error("more than {max} stages")]
    TooManyStages {
        /// The limit.
        max: usize,
    },
    /// The stage starts with neither a known keyword nor a name that could be one (a name
    /// is an ASCII letter, then letters, digits, `-` or `_`; a known keyword written in
    /// another case, such as `ImageMogr2`, is not a new one).
    #[error("unknown processing stage")]
    UnknownStage,
    /// An `imageMogr2` segment in the place of an operation that cannot name one: not a
    /// name, or a known operation written in another case (`Thumbnail`). Well-formed
    /// names this crate does not model are kept as [`MogrOp::Opaque`](super::MogrOp::Opaque).
    #[error("unknown {stage} operation")]
    UnknownOperation {
        /// The stage keyword.
        stage: &'static str,
    },
    /// A segment in the place of a key that cannot name one (see
    /// [`UnknownOperation`](Self::UnknownOperation)), or a key of the other kind of
    /// watermark (`text` in `watermark/1`).
    #[error("unknown {stage} parameter")]
    UnknownKey {
        /// The stage keyword.
        stage: &'static str,
    },
    /// A key or operation was given without its value (the error points at the key).
    #[error("missing value for {key:?}")]
    MissingValue {
        /// The key or operation.
        key: &'static str,
    },
    /// A value with the wrong shape.
    #[error("invalid value for {key:?}, expected {expected}")]
    InvalidValue {
        /// The key or operation.
        key: &'static str,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A number outside its allowed range.
    #[error("value {value} out of range {min}..={max} for {key:?}")]
    OutOfRange {
        /// The key or operation.
        key: &'static str,
        /// The number as written.
        value: String,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A key or operation that may appear only once.
    #[error("duplicate {key:?}")]
    Duplicate {
        /// The key or operation.
        key: &'static str,
    },
    /// Two keys that exclude each other (e.g. `quality` and `rquality`).
    #[error("{key:?} conflicts with {other:?}")]
    Conflict {
        /// The later key (the one the error points at).
        key: &'static str,
        /// The earlier key.
        other: &'static str,
    },
    /// Something required is absent (e.g. `watermark/1` without `image`).
    #[error("missing {what}")]
    Missing {
        /// What is missing.
        what: &'static str,
    },
    /// A key that is only meaningful together with another (e.g. `degree` needs `batch/1`).
    #[error("{key:?} requires {needs}")]
    Requires {
        /// The key or operation.
        key: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// A Base64 value that is not URL-safe Base64 of the expected content
    /// (UTF-8 text, or `#RRGGBB` for colours).
    #[error("invalid URL-safe Base64 value for {key:?}, expected {expected}")]
    InvalidBase64 {
        /// The key.
        key: &'static str,
        /// What the decoded bytes should be.
        expected: &'static str,
    },
    /// Input left over after a complete stage or value.
    #[error("unexpected trailing input")]
    TrailingGarbage,
    /// A control character in a segment carried unchecked.
    #[error("control character U+{code:04X}")]
    ControlCharacter {
        /// The character's code point.
        code: u32,
    },
}
