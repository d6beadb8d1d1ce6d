//! Processing-rule strings as a typed AST.
//!
//! A rule is one or more stages joined with `|` (which may arrive percent-encoded as
//! `%7C` or `%7c`), at most [`MAX_STAGES`]:
//!
//! ```text
//! rule      := pipeline ( "|" pipeline )*
//! pipeline  := "imageMogr2" ( "/" op )+
//!            | "imageView2" [ "/" mode ] ( "/" key "/" value )*
//!            | "watermark" "/" ("1"|"2"|"3"|"4") ( "/" key "/" value )*
//!            | "QRcode" ( "/" key "/" value )*
//!            | "imageInfo" | "imageAve" | "exif"
//!            | "style/" NAME
//!            | "ci-process=AIPicMatting" ( "&" key "=" value )*
//!            | opaque
//! ```
//!
//! [`ProcessingRule::parse`] turns a string into a [`ProcessingRule`]; its `Display` prints
//! the one canonical form, and `parse(print(rule)) == rule` for every valid rule.
//!
//! # Malformed, or only unknown
//!
//! The grammar tells apart what the service would refuse from what it merely does not
//! model, so that a client never blocks a rule the cloud accepts:
//! - **malformed** — refused with the offending token and its byte offset
//!   ([`RuleError`]): bad syntax or range in a stage, operation or key this crate models,
//!   more than [`MAX_STAGES`] stages, empty stages or segments, control characters, a
//!   keyword or name that is not a name (an ASCII letter, then letters, digits, `-`,
//!   `_`), or a known one in another case (`ImageMogr2`, `Thumbnail`: typos, **ours**);
//! - **well-formed but not modelled** — kept byte for byte: an unknown stage keyword or
//!   `ci-process=<Name>` is a [`Stage::Opaque`]; an unknown `imageMogr2` operation is a
//!   [`MogrOp::Opaque`] holding every segment up to the next known operation; an unknown
//!   key in `imageView2`, `watermark/1..4`, `QRcode` or AIPicMatting makes that whole
//!   stage opaque once its known keys have been checked (what the stage means is then
//!   unknown). [`ProcessingRule::is_fully_checked`] says whether a rule holds any. The
//!   local engine runs only what it models ([`crate::process`] answers the rest with
//!   `ProcessError::UnsupportedStage`).
//!
//! # Coverage of the CI documentation
//!
//! | stage | modelled (checked) | of those, not run by the local engine |
//! |---|---|---|
//! | `imageMogr2` | `thumbnail` (all 11 forms), `pad`/`color`, `cut`, `crop` (4 forms), `gravity`, `iradius`, `rradius`, `scrop`, `rotate`, `auto-orient`, `flip`, `format` (jpg jpeg png gif webp bmp tiff avif yjpeg tpg heif heic apng psd), `interlace`, `quality`, `rquality`, `lquality`, `blur`, `sharpen`, `bright`, `contrast`, `grayscale`, `strip`, `size-limit`, `cgif`, `ignore-error` | formats yjpeg tpg heif heic apng psd (`UnsupportedFormat`) |
//! | `imageView2` | modes 0–5, `w`, `h`, `format`, `q`, `rq`, `lq`, `ignore-error` | — |
//! | `watermark` | `/1` image and `/2` text (all keys of rules.md), `/3` blind (`type`, `image`, `text`, `level`), `/4` blind extraction (`type`, `image`, `text`) | `/3`, `/4` |
//! | `QRcode` | `cover`, `bar-type`, `segment`, `size` | barcodes (`bar-type/2`) |
//! | others | `imageInfo`, `imageAve`, `exif`, `style/NAME`, `ci-process=AIPicMatting` (`center-layout`, `padding-layout`, `detect-url`) | — |
//!
//! Documented by the cloud and carried opaque (their parameter tables are not pinned
//! down here): `imageMogr2/indexcrop/...`, `imageMogr2/egif/...`, `imageMogr2/frame/...`,
//! `imageSlim`, the `/version/` key of blind watermarks, and every other `ci-process`.
//!
//! Decisions on points the spec leaves open (**ours**), documented on the types:
//! - the `imageView2` mode is optional (`imageView2/format/png`, as in the official
//!   examples); a mode needs `w` or `h` and `w`/`h` need a mode;
//! - Base64 is decoded leniently (padding optional) and printed URL-safe **with** `=`;
//!   colours print as upper-case `#RRGGBB`; gravities are read in any case and printed in
//!   lower case; `%7C` separators print as `|`; numbers print without leading zeros;
//! - output settings (`format`, `quality`, ...) appear at most once per `imageMogr2`
//!   stage, and at most one of `quality`/`rquality`/`lquality` (likewise `q`/`rq`/`lq`);
//! - `pad` only directly after a fit-inside thumbnail (`<W>x<H>`, `<W>x<H>>`, `<W>x<H><`);
//! - sizes are bounded by the service limits: thumbnail and imageView2 sides 1–9999,
//!   other sides and offsets up to 30 000.

mod ast;
mod error;
mod parse;
mod print;

pub use ast::*;
pub use error::{RuleError, RuleErrorKind};
pub(crate) use parse::names_ai_pic_matting;
pub(crate) use print::URL_ENCODE_SET;

/// The maximum number of `|`-joined stages in one rule.
pub const MAX_STAGES: usize = 10;

impl ProcessingRule {
    /// Parses a rule string.
    ///
    /// ```
    /// use ci_core::rule::{ImageFormat, MogrOp, ProcessingRule, Stage, Thumbnail};
    ///
    /// let rule = ProcessingRule::parse("imageMogr2/thumbnail/200x/format/png")?;
    /// assert_eq!(
    ///     rule.stages,
    ///     vec![Stage::ImageMogr2(vec![
    ///         MogrOp::Thumbnail(Thumbnail::Width { w: 200 }),
    ///         MogrOp::Format(ImageFormat::Png),
    ///     ])]
    /// );
    /// assert_eq!(rule.to_string(), "imageMogr2/thumbnail/200x/format/png");
    ///
    /// // Well-formed but not modelled: kept byte for byte, and flagged.
    /// let rule = ProcessingRule::parse("imageMogr2/thumbnail/200x/newop/1|QRcode/cover/1")?;
    /// assert_eq!(rule.to_string(), "imageMogr2/thumbnail/200x/newop/1|QRcode/cover/1");
    /// assert!(!rule.is_fully_checked());
    ///
    /// let err = ProcessingRule::parse("imageMogr2/rotate/400").unwrap_err();
    /// assert_eq!((err.offset, err.token.as_str()), (18, "400"));
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"invalid rule: value 400 out of range 0..=360 for "rotate" at byte 18 ("400")"#
    /// );
    /// # Ok::<(), ci_core::rule::RuleError>(())
    /// ```
    pub fn parse(input: &str) -> Result<ProcessingRule, RuleError> {
        parse::parse_rule(input)
    }
}

impl std::str::FromStr for ProcessingRule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcessingRule::parse(s)
    }
}
