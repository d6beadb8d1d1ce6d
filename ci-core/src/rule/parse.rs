//! The parser: rule string → AST, with byte-precise errors.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use super::ast::*;
use super::error::{RuleError, RuleErrorKind as K};
use super::MAX_STAGES;

type Result<T> = std::result::Result<T, RuleError>;

/// URL-safe Base64, `=` padding optional on input.
const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const MAX_SIDE: i64 = 30_000;
const MAX_OUT_SIDE: i64 = 9_999;
const FORMATS: &str = "jpg, jpeg, png, gif, webp, bmp, yjpeg, tpg, heif, avif or tiff";
const THUMB_EXPECTED: &str =
    "!<P>p, !<P>px, !x<P>p, <W>x, x<H>, <W>x<H>, <W>x<H>!, <W>x<H>>, <W>x<H><, !<W>x<H>r or <A>@";
const WM_URL: &str = "base64 of http://<bucket>.cos.<region>.myqcloud.com/<key>";

/// A piece of the input with its byte offset.
#[derive(Clone, Copy, Debug)]
struct Tok<'a> {
    s: &'a str,
    off: usize,
}

impl<'a> Tok<'a> {
    fn err(self, kind: K) -> RuleError {
        RuleError::new(self.off, self.s, kind)
    }

    /// Bytes `a..b` of this token. Callers only cut at ASCII bytes.
    fn sub(self, a: usize, b: usize) -> Tok<'a> {
        Tok {
            s: self.s.get(a..b).unwrap_or(""),
            off: self.off + a,
        }
    }

    fn len(self) -> usize {
        self.s.len()
    }

    fn split(self, sep: u8) -> Vec<Tok<'a>> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, b) in self.s.bytes().enumerate() {
            if b == sep {
                out.push(self.sub(start, i));
                start = i + 1;
            }
        }
        out.push(self.sub(start, self.len()));
        out
    }

    /// Splits at the first `sep` into (before, after).
    fn split_once(self, sep: u8) -> Option<(Tok<'a>, Tok<'a>)> {
        let i = self.s.bytes().position(|b| b == sep)?;
        Some((self.sub(0, i), self.sub(i + 1, self.len())))
    }

    fn strip_suffix(self, suffix: &str) -> Option<Tok<'a>> {
        self.s
            .strip_suffix(suffix)
            .map(|rest| self.sub(0, rest.len()))
    }
}

/// Parses a number `part` (inside the value `whole`) in `min..=max`. A malformed number
/// is an `InvalidValue` on the whole value; an out-of-range one points at the number.
fn num_in(
    whole: Tok,
    part: Tok,
    key: &'static str,
    expected: &'static str,
    min: i64,
    max: i64,
) -> Result<i64> {
    let (neg, digits) = match part.s.strip_prefix('-') {
        Some(d) if min < 0 => (true, d),
        _ => (false, part.s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(whole.err(K::InvalidValue { key, expected }));
    }
    let out_of_range = || {
        part.err(K::OutOfRange {
            key,
            value: part.s.to_owned(),
            min,
            max,
        })
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(out_of_range)?;
    }
    if neg {
        v = -v;
    }
    if v < min || v > max {
        return Err(out_of_range());
    }
    Ok(v)
}

fn num(t: Tok, key: &'static str, min: i64, max: i64) -> Result<i64> {
    num_in(t, t, key, "an integer", min, max)
}

fn num_u32(t: Tok, key: &'static str, min: i64, max: i64) -> Result<u32> {
    num(t, key, min, max).map(|v| v as u32)
}

fn num_u16(t: Tok, key: &'static str, min: i64, max: i64) -> Result<u16> {
    num(t, key, min, max).map(|v| v as u16)
}

fn num_u8(t: Tok, key: &'static str, min: i64, max: i64) -> Result<u8> {
    num(t, key, min, max).map(|v| v as u8)
}

fn boolean(t: Tok, key: &'static str) -> Result<bool> {
    match t.s {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(t.err(K::InvalidValue {
            key,
            expected: "0 or 1",
        })),
    }
}

fn gravity(t: Tok, key: &'static str) -> Result<Gravity> {
    Gravity::from_name(t.s).ok_or_else(|| {
        t.err(K::InvalidValue {
            key,
            expected:
                "northwest, north, northeast, west, center, east, southwest, south or southeast",
        })
    })
}

fn format(t: Tok, key: &'static str) -> Result<ImageFormat> {
    ImageFormat::from_name(t.s).ok_or_else(|| {
        t.err(K::InvalidValue {
            key,
            expected: FORMATS,
        })
    })
}

fn quality(t: Tok, key: &'static str) -> Result<Quality> {
    let (part, forced) = match t.strip_suffix("!") {
        Some(p) => (p, true),
        None => (t, false),
    };
    let value = num_in(t, part, key, "<Q> or <Q>! with Q in 0..=100", 0, 100)? as u8;
    Ok(Quality { value, forced })
}

fn b64_text(t: Tok, key: &'static str, expected: &'static str) -> Result<String> {
    B64_LENIENT
        .decode(t.s)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| t.err(K::InvalidBase64 { key, expected }))
}

fn b64_color(t: Tok, key: &'static str) -> Result<[u8; 3]> {
    let expected = "#RRGGBB";
    let bad = || t.err(K::InvalidBase64 { key, expected });
    let s = b64_text(t, key, expected)?;
    let hex = s.strip_prefix('#').ok_or_else(bad)?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut c = [0u8; 3];
    for (i, out) in c.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *out = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(c)
}

/// Two numbers `<a>x<b>` (both required).
fn pair(
    t: Tok,
    key: &'static str,
    expected: &'static str,
    min: i64,
    max: i64,
) -> Result<(i64, i64)> {
    let parts = t.split(b'x');
    match parts.as_slice() {
        [a, b] => Ok((
            num_in(t, *a, key, expected, min, max)?,
            num_in(t, *b, key, expected, min, max)?,
        )),
        _ => Err(t.err(K::InvalidValue { key, expected })),
    }
}

/// Sets an optional field once.
fn set<T>(slot: &mut Option<T>, value: T, key_tok: Tok, key: &'static str) -> Result<()> {
    if slot.is_some() {
        return Err(key_tok.err(K::Duplicate { key }));
    }
    *slot = Some(value);
    Ok(())
}

/// The `/`-separated segments of a stage after its keyword.
struct Cursor<'a> {
    segs: Vec<Tok<'a>>,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn next(&mut self) -> Option<Tok<'a>> {
        let t = self.segs.get(self.i).copied();
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn peek(&self) -> Option<Tok<'a>> {
        self.segs.get(self.i).copied()
    }

    /// The value after `key_tok`; absent or empty is `MissingValue` at the key.
    fn value(&mut self, key_tok: Tok, key: &'static str) -> Result<Tok<'a>> {
        match self.next() {
            Some(v) if !v.s.is_empty() => Ok(v),
            _ => Err(key_tok.err(K::MissingValue { key })),
        }
    }

    /// The next key; an empty segment is an error.
    fn key(&mut self) -> Result<Option<Tok<'a>>> {
        match self.next() {
            Some(t) if t.s.is_empty() => Err(t.err(K::Empty)),
            other => Ok(other),
        }
    }
}

/// Splits a rule at its `|` (or `%7C`/`%7c`) separators, keeping byte offsets.
fn split_stages(input: &str) -> Vec<Tok<'_>> {
    let whole = Tok { s: input, off: 0 };
    let bytes = input.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut toks = Vec::new();
    while i < bytes.len() {
        if bytes[i] == b'|' {
            toks.push(whole.sub(start, i));
            i += 1;
            start = i;
        } else if bytes[i] == b'%'
            && bytes.get(i + 1) == Some(&b'7')
            && matches!(bytes.get(i + 2), Some(b'C' | b'c'))
        {
            toks.push(whole.sub(start, i));
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    toks.push(whole.sub(start, bytes.len()));
    toks
}

/// Whether a stage of `input` is `ci-process=AIPicMatting`, without parsing the rule:
/// the rule-count check of a `Pic-Operations` header needs only this.
pub(crate) fn names_ai_pic_matting(input: &str) -> bool {
    split_stages(input)
        .iter()
        .any(|t| t.s.split('&').next() == Some(AI_PIC_MATTING))
}

const AI_PIC_MATTING: &str = "ci-process=AIPicMatting";

pub(crate) fn parse_rule(input: &str) -> Result<ProcessingRule> {
    let mut stages = Vec::new();
    for (n, tok) in split_stages(input).into_iter().enumerate() {
        if n >= MAX_STAGES {
            return Err(tok.err(K::TooManyStages { max: MAX_STAGES }));
        }
        stages.push(parse_stage(tok)?);
    }
    Ok(ProcessingRule { stages })
}

fn parse_stage(tok: Tok) -> Result<Stage> {
    if tok.s.is_empty() {
        return Err(tok.err(K::Empty));
    }
    if tok.s.starts_with("ci-process=") {
        return parse_ci_process(tok);
    }
    let segs = tok.split(b'/');
    let head = segs[0];
    let rest = || tok.sub(head.len(), tok.len());
    let mut cur = Cursor { segs, i: 1 };
    match head.s {
        "imageMogr2" => parse_mogr(head, &mut cur).map(Stage::ImageMogr2),
        "imageView2" => parse_view(tok, head, &mut cur),
        "watermark" => parse_watermark(tok, head, &mut cur),
        "QRcode" => parse_qrcode(tok, &mut cur),
        "imageInfo" | "imageAve" | "exif" => {
            if cur.peek().is_some() {
                return Err(rest().err(K::TrailingGarbage));
            }
            Ok(match head.s {
                "imageInfo" => Stage::ImageInfo,
                "imageAve" => Stage::ImageAve,
                _ => Stage::Exif,
            })
        }
        "style" => {
            let name = cur.value(head, "style")?;
            let ok = name.len() <= 128
                && name
                    .s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !ok {
                return Err(name.err(K::InvalidValue {
                    key: "style",
                    expected: "a style name of 1 to 128 characters from A-Z a-z 0-9 - _ .",
                }));
            }
            if cur.peek().is_some() {
                let end = name.off + name.len() - tok.off;
                return Err(tok.sub(end, tok.len()).err(K::TrailingGarbage));
            }
            Ok(Stage::Style(name.s.to_owned()))
        }
        other if is_new_name(other, &STAGES) => {
            while let Some(seg) = cur.next() {
                check_opaque_segment(seg)?;
            }
            Ok(opaque_stage(other, tok))
        }
        _ => Err(head.err(K::UnknownStage)),
    }
}

/// The stage keywords this crate models (besides `ci-process=`).
const STAGES: [&str; 8] = [
    "imageMogr2",
    "imageView2",
    "watermark",
    "QRcode",
    "imageInfo",
    "imageAve",
    "exif",
    "style",
];

/// The `imageMogr2` operations this crate models.
const MOGR_OPS: [&str; 25] = [
    "thumbnail",
    "pad",
    "cut",
    "crop",
    "gravity",
    "iradius",
    "rradius",
    "scrop",
    "rotate",
    "auto-orient",
    "flip",
    "format",
    "interlace",
    "quality",
    "rquality",
    "lquality",
    "blur",
    "sharpen",
    "bright",
    "contrast",
    "grayscale",
    "strip",
    "size-limit",
    "cgif",
    "ignore-error",
];

/// Whether `s` is a name: an ASCII letter, then ASCII letters, digits, `-` or `_`.
fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Whether `s` may name something this crate does not model: a name that is not one of
/// `known` written in another case (**ours**: `Thumbnail` or `ImageMogr2` is a typo, not a
/// new operation or stage).
fn is_new_name(s: &str, known: &[&str]) -> bool {
    is_name(s) && !known.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// A segment carried unchecked: non-empty and free of control characters.
fn check_opaque_segment(t: Tok) -> Result<()> {
    if t.s.is_empty() {
        return Err(t.err(K::Empty));
    }
    match t.s.char_indices().find(|(_, c)| c.is_control()) {
        Some((i, c)) => Err(t
            .sub(i, i + c.len_utf8())
            .err(K::ControlCharacter { code: u32::from(c) })),
        None => Ok(()),
    }
}

/// Skips the segments of a parameter this crate does not model: every segment up to the
/// next name in `known` (the arity of an unknown parameter cannot be known).
fn skip_unknown<'a>(cur: &mut Cursor<'a>, known: &[&str]) -> Result<Vec<Tok<'a>>> {
    let mut args = Vec::new();
    while let Some(next) = cur.peek() {
        if known.contains(&next.s) {
            break;
        }
        check_opaque_segment(next)?;
        args.push(next);
        cur.next();
    }
    Ok(args)
}

fn opaque_stage(keyword: &str, tok: Tok) -> Stage {
    Stage::Opaque(OpaqueStage {
        keyword: keyword.to_owned(),
        raw: tok.s.to_owned(),
    })
}

/// `ci-process=<Name>&...`: AIPicMatting is modelled, any other well-formed name is
/// carried as an opaque stage.
fn parse_ci_process(tok: Tok) -> Result<Stage> {
    let parts = tok.split(b'&');
    let head = parts[0];
    if head.s == AI_PIC_MATTING {
        return parse_matting(tok);
    }
    let name = head.sub("ci-process=".len(), head.len());
    if !is_new_name(name.s, &["AIPicMatting"]) {
        return Err(head.err(K::UnknownStage));
    }
    for p in &parts[1..] {
        check_opaque_segment(*p)?;
    }
    Ok(opaque_stage(head.s, tok))
}

/// The keys of an `imageMogr2` operation that may appear only once per stage, and the
/// mutually exclusive quality keys.
fn once_key(op: &MogrOp) -> (Option<&'static str>, Option<&'static str>) {
    match op {
        MogrOp::Format(_) => (Some("format"), None),
        MogrOp::Interlace(_) => (Some("interlace"), None),
        MogrOp::SizeLimit(_) => (Some("size-limit"), None),
        MogrOp::Cgif(_) => (Some("cgif"), None),
        MogrOp::Strip => (Some("strip"), None),
        MogrOp::AutoOrient => (Some("auto-orient"), None),
        MogrOp::IgnoreError => (Some("ignore-error"), None),
        MogrOp::Quality(_) => (None, Some("quality")),
        MogrOp::RQuality(_) => (None, Some("rquality")),
        MogrOp::LQuality(_) => (None, Some("lquality")),
        _ => (None, None),
    }
}

fn parse_mogr(head: Tok, cur: &mut Cursor) -> Result<Vec<MogrOp>> {
    let mut ops: Vec<MogrOp> = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut quality_key: Option<&'static str> = None;
    while let Some(k) = cur.key()? {
        let op = match k.s {
            "thumbnail" => MogrOp::Thumbnail(thumbnail(cur.value(k, "thumbnail")?)?),
            "pad" => {
                let v = cur.value(k, "pad")?;
                if !matches!(ops.last(), Some(MogrOp::Thumbnail(t)) if t.allows_pad()) {
                    return Err(k.err(K::Requires {
                        key: "pad",
                        needs: "a thumbnail <W>x<H>, <W>x<H>> or <W>x<H>< directly before it",
                    }));
                }
                if v.s != "1" {
                    return Err(v.err(K::InvalidValue {
                        key: "pad",
                        expected: "1",
                    }));
                }
                let color = match cur.peek() {
                    Some(c) if c.s == "color" => {
                        cur.next();
                        Some(b64_color(cur.value(c, "color")?, "color")?)
                    }
                    _ => None,
                };
                MogrOp::Pad(color)
            }
            "color" => {
                return Err(k.err(K::Requires {
                    key: "color",
                    needs: "pad/1 directly before it",
                }))
            }
            "cut" => {
                let v = cur.value(k, "cut")?;
                let e = "<W>x<H>x<dx>x<dy>";
                match v.split(b'x').as_slice() {
                    [w, h, dx, dy] => MogrOp::Cut {
                        w: num_in(v, *w, "cut", e, 1, MAX_SIDE)? as u32,
                        h: num_in(v, *h, "cut", e, 1, MAX_SIDE)? as u32,
                        dx: num_in(v, *dx, "cut", e, 0, MAX_SIDE)? as u32,
                        dy: num_in(v, *dy, "cut", e, 0, MAX_SIDE)? as u32,
                    },
                    _ => {
                        return Err(v.err(K::InvalidValue {
                            key: "cut",
                            expected: e,
                        }))
                    }
                }
            }
            "crop" => MogrOp::Crop(crop(cur.value(k, "crop")?)?),
            "gravity" => MogrOp::Gravity(gravity(cur.value(k, "gravity")?, "gravity")?),
            "iradius" => MogrOp::IRadius(num_u32(
                cur.value(k, "iradius")?,
                "iradius",
                1,
                MAX_SIDE / 2,
            )?),
            "rradius" => MogrOp::RRadius(num_u32(
                cur.value(k, "rradius")?,
                "rradius",
                1,
                MAX_SIDE / 2,
            )?),
            "scrop" => {
                let (w, h) = pair(cur.value(k, "scrop")?, "scrop", "<W>x<H>", 1, MAX_SIDE)?;
                MogrOp::SCrop {
                    w: w as u32,
                    h: h as u32,
                }
            }
            "rotate" => MogrOp::Rotate(num_u16(cur.value(k, "rotate")?, "rotate", 0, 360)?),
            "auto-orient" => MogrOp::AutoOrient,
            "flip" => {
                let v = cur.value(k, "flip")?;
                MogrOp::Flip(match v.s {
                    "vertical" => Flip::Vertical,
                    "horizontal" => Flip::Horizontal,
                    _ => {
                        return Err(v.err(K::InvalidValue {
                            key: "flip",
                            expected: "vertical or horizontal",
                        }))
                    }
                })
            }
            "format" => MogrOp::Format(format(cur.value(k, "format")?, "format")?),
            "interlace" => MogrOp::Interlace(boolean(cur.value(k, "interlace")?, "interlace")?),
            "quality" => MogrOp::Quality(quality(cur.value(k, "quality")?, "quality")?),
            "rquality" => MogrOp::RQuality(num_u8(cur.value(k, "rquality")?, "rquality", 0, 100)?),
            "lquality" => MogrOp::LQuality(num_u8(cur.value(k, "lquality")?, "lquality", 0, 100)?),
            "blur" => {
                let (radius, sigma) = pair(cur.value(k, "blur")?, "blur", "<r>x<s>", 1, 50)?;
                MogrOp::Blur {
                    radius: radius as u8,
                    sigma: sigma as u8,
                }
            }
            "sharpen" => MogrOp::Sharpen(num_u16(cur.value(k, "sharpen")?, "sharpen", 10, 300)?),
            "bright" => MogrOp::Bright(num(cur.value(k, "bright")?, "bright", -100, 100)? as i8),
            "contrast" => {
                MogrOp::Contrast(num(cur.value(k, "contrast")?, "contrast", -100, 100)? as i8)
            }
            "grayscale" => MogrOp::Grayscale(boolean(cur.value(k, "grayscale")?, "grayscale")?),
            "strip" => MogrOp::Strip,
            "size-limit" => MogrOp::SizeLimit(size_limit(cur.value(k, "size-limit")?)?),
            "cgif" => MogrOp::Cgif(num_u8(cur.value(k, "cgif")?, "cgif", 1, 100)?),
            "ignore-error" => {
                let v = cur.value(k, "ignore-error")?;
                if v.s != "1" {
                    return Err(v.err(K::InvalidValue {
                        key: "ignore-error",
                        expected: "1",
                    }));
                }
                MogrOp::IgnoreError
            }
            other if is_new_name(other, &MOGR_OPS) => {
                let args = skip_unknown(cur, &MOGR_OPS)?;
                MogrOp::Opaque(OpaqueOp {
                    name: other.to_owned(),
                    args: args.iter().map(|t| t.s.to_owned()).collect(),
                })
            }
            _ => {
                return Err(k.err(K::UnknownOperation {
                    stage: "imageMogr2",
                }))
            }
        };
        match once_key(&op) {
            (_, Some(name)) => {
                if let Some(other) = quality_key {
                    return Err(if other == name {
                        k.err(K::Duplicate { key: name })
                    } else {
                        k.err(K::Conflict { key: name, other })
                    });
                }
                quality_key = Some(name);
            }
            (Some(name), _) => {
                if seen.contains(&name) {
                    return Err(k.err(K::Duplicate { key: name }));
                }
                seen.push(name);
            }
            (None, None) => {}
        }
        ops.push(op);
    }
    if ops.is_empty() {
        return Err(head.err(K::Missing {
            what: "imageMogr2 operation",
        }));
    }
    Ok(ops)
}

fn thumbnail(t: Tok) -> Result<Thumbnail> {
    let key = "thumbnail";
    let e = THUMB_EXPECTED;
    let bad = || t.err(K::InvalidValue { key, expected: e });
    let pct = |p: Tok| num_in(t, p, key, e, 1, 1000).map(|v| v as u16);
    let side = |p: Tok| num_in(t, p, key, e, 1, MAX_OUT_SIDE).map(|v| v as u32);
    let n = t.len();
    if let Some(a) = t.strip_suffix("@") {
        let pixels = num_in(t, a, key, e, 1, MAX_OUT_SIDE * MAX_OUT_SIDE)? as u32;
        return Ok(Thumbnail::Area { pixels });
    }
    if t.s.starts_with('!') {
        if t.s.starts_with("!x") && t.s.ends_with('p') && n >= 3 {
            return Ok(Thumbnail::ScaleHeight {
                percent: pct(t.sub(2, n - 1))?,
            });
        }
        if t.s.ends_with("px") && n >= 3 {
            return Ok(Thumbnail::ScaleWidth {
                percent: pct(t.sub(1, n - 2))?,
            });
        }
        if t.s.ends_with('p') {
            return Ok(Thumbnail::Scale {
                percent: pct(t.sub(1, n - 1))?,
            });
        }
        if t.s.ends_with('r') {
            let (w, h) = t.sub(1, n - 1).split_once(b'x').ok_or_else(bad)?;
            return Ok(Thumbnail::Cover {
                w: side(w)?,
                h: side(h)?,
            });
        }
        return Err(bad());
    }
    let (body, suffix) = match t.s.as_bytes().last() {
        Some(c @ (b'!' | b'>' | b'<')) => (t.sub(0, n - 1), Some(*c)),
        _ => (t, None),
    };
    let (w, h) = body.split_once(b'x').ok_or_else(bad)?;
    match (w.s.is_empty(), h.s.is_empty(), suffix) {
        (false, true, None) => Ok(Thumbnail::Width { w: side(w)? }),
        (true, false, None) => Ok(Thumbnail::Height { h: side(h)? }),
        (false, false, _) => {
            let (w, h) = (side(w)?, side(h)?);
            Ok(match suffix {
                None => Thumbnail::Fit { w, h },
                Some(b'!') => Thumbnail::Exact { w, h },
                Some(b'>') => Thumbnail::Shrink { w, h },
                _ => Thumbnail::Enlarge { w, h },
            })
        }
        _ => Err(bad()),
    }
}

fn crop(t: Tok) -> Result<Crop> {
    let key = "crop";
    let e = "<W>x, x<H>, <W>x<H> or !<W>x<H>a<dx>a<dy> (a<d> or -<d>)";
    let bad = || t.err(K::InvalidValue { key, expected: e });
    let side = |p: Tok| num_in(t, p, key, e, 1, MAX_SIDE).map(|v| v as u32);
    if t.s.starts_with('!') {
        let n = t.len();
        let (w, rest) = t.sub(1, n).split_once(b'x').ok_or_else(bad)?;
        // rest = H (a|-) DX (a|-) DY
        let signs: Vec<usize> = rest
            .s
            .bytes()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'a' | b'-'))
            .map(|(i, _)| i)
            .collect();
        let [s1, s2] = signs.as_slice() else {
            return Err(bad());
        };
        let h = rest.sub(0, *s1);
        let dx = rest.sub(s1 + 1, *s2);
        let dy = rest.sub(s2 + 1, rest.len());
        let shift = |sign: usize, p: Tok| -> Result<CropShift> {
            let d = num_in(t, p, key, e, 0, MAX_SIDE)? as u32;
            Ok(if rest.s.as_bytes().get(sign) == Some(&b'a') {
                CropShift::Add(d)
            } else {
                CropShift::Sub(d)
            })
        };
        return Ok(Crop::Offset {
            w: side(w)?,
            h: side(h)?,
            dx: shift(*s1, dx)?,
            dy: shift(*s2, dy)?,
        });
    }
    let (w, h) = t.split_once(b'x').ok_or_else(bad)?;
    match (w.s.is_empty(), h.s.is_empty()) {
        (false, true) => Ok(Crop::Width { w: side(w)? }),
        (true, false) => Ok(Crop::Height { h: side(h)? }),
        (false, false) => Ok(Crop::Size {
            w: side(w)?,
            h: side(h)?,
        }),
        (true, true) => Err(bad()),
    }
}

fn size_limit(t: Tok) -> Result<SizeLimit> {
    let key = "size-limit";
    let e = "<n>k or <n>m, optionally followed by !";
    let (body, keep_smaller) = match t.strip_suffix("!") {
        Some(b) => (b, true),
        None => (t, false),
    };
    let (amount, unit, max) = if let Some(a) = body.strip_suffix("k") {
        (a, SizeUnit::Kilo, 32 * 1024)
    } else if let Some(a) = body.strip_suffix("m") {
        (a, SizeUnit::Mega, 32)
    } else {
        return Err(t.err(K::InvalidValue { key, expected: e }));
    };
    Ok(SizeLimit {
        amount: num_in(t, amount, key, e, 1, max)? as u32,
        unit,
        keep_smaller,
    })
}

/// The keys of `imageView2`.
const VIEW_KEYS: [&str; 7] = ["w", "h", "format", "q", "rq", "lq", "ignore-error"];

fn parse_view(tok: Tok, head: Tok, cur: &mut Cursor) -> Result<Stage> {
    let mut v = ImageView2::default();
    let mut opaque = false;
    let mut ignore_error = None;
    let mut mode_tok = None;
    if let Some(m) = cur.peek() {
        if !m.s.is_empty() && m.s.bytes().all(|b| b.is_ascii_digit()) {
            cur.next();
            v.mode = ViewMode::from_number(num_u8(m, "imageView2", 0, 5)?);
            mode_tok = Some(m);
        }
    }
    let mut size_tok = None;
    let mut quality_key: Option<&'static str> = None;
    while let Some(k) = cur.key()? {
        let mut quality_check = |name: &'static str| match quality_key {
            Some(other) if other != name => Err(k.err(K::Conflict { key: name, other })),
            _ => {
                quality_key = Some(name);
                Ok(())
            }
        };
        match k.s {
            "w" => {
                set(
                    &mut v.w,
                    num_u32(cur.value(k, "w")?, "w", 1, MAX_OUT_SIDE)?,
                    k,
                    "w",
                )?;
                size_tok = size_tok.or(Some(k));
            }
            "h" => {
                set(
                    &mut v.h,
                    num_u32(cur.value(k, "h")?, "h", 1, MAX_OUT_SIDE)?,
                    k,
                    "h",
                )?;
                size_tok = size_tok.or(Some(k));
            }
            "format" => set(
                &mut v.format,
                format(cur.value(k, "format")?, "format")?,
                k,
                "format",
            )?,
            "q" => {
                let q = quality(cur.value(k, "q")?, "q")?;
                quality_check("q")?;
                set(&mut v.quality, q, k, "q")?;
            }
            "rq" => {
                let q = num_u8(cur.value(k, "rq")?, "rq", 0, 100)?;
                quality_check("rq")?;
                set(&mut v.rquality, q, k, "rq")?;
            }
            "lq" => {
                let q = num_u8(cur.value(k, "lq")?, "lq", 0, 100)?;
                quality_check("lq")?;
                set(&mut v.lquality, q, k, "lq")?;
            }
            "ignore-error" => {
                let value = cur.value(k, "ignore-error")?;
                if value.s != "1" {
                    return Err(value.err(K::InvalidValue {
                        key: "ignore-error",
                        expected: "1",
                    }));
                }
                set(&mut ignore_error, true, k, "ignore-error")?;
            }
            other if is_new_name(other, &VIEW_KEYS) => {
                skip_unknown(cur, &VIEW_KEYS)?;
                opaque = true;
            }
            _ => {
                return Err(k.err(K::UnknownKey {
                    stage: "imageView2",
                }))
            }
        }
    }
    v.ignore_error = ignore_error.unwrap_or(false);
    if opaque {
        // What the unknown key means is unknown: whether a mode needs it, for one.
        return Ok(opaque_stage("imageView2", tok));
    }
    match (mode_tok, size_tok) {
        (Some(m), None) => Err(m.err(K::Requires {
            key: "imageView2",
            needs: "w or h after the mode",
        })),
        (None, Some(k)) => Err(k.err(K::Requires {
            key: if k.s == "w" { "w" } else { "h" },
            needs: "an imageView2 mode (0-5) before it",
        })),
        _ if v == ImageView2::default() => Err(head.err(K::Missing {
            what: "imageView2 mode or parameters",
        })),
        _ => Ok(Stage::ImageView2(v)),
    }
}

/// Keys shared by both watermark kinds.
#[derive(Default)]
struct WmCommon<'a> {
    gravity: Option<Gravity>,
    dx: Option<u32>,
    dy: Option<u32>,
    dissolve: Option<u8>,
    batch: Option<bool>,
    degree: Option<(u16, Tok<'a>)>,
    scatype: Option<(ScaleType, Tok<'a>)>,
    spcent: Option<(u16, Tok<'a>, Tok<'a>)>,
}

impl<'a> WmCommon<'a> {
    /// Handles a shared key; `Ok(false)` if the key is not a shared one.
    fn key(&mut self, k: Tok<'a>, cur: &mut Cursor<'a>) -> Result<bool> {
        match k.s {
            "gravity" => set(
                &mut self.gravity,
                gravity(cur.value(k, "gravity")?, "gravity")?,
                k,
                "gravity",
            )?,
            "dx" => set(
                &mut self.dx,
                num_u32(cur.value(k, "dx")?, "dx", 0, MAX_SIDE)?,
                k,
                "dx",
            )?,
            "dy" => set(
                &mut self.dy,
                num_u32(cur.value(k, "dy")?, "dy", 0, MAX_SIDE)?,
                k,
                "dy",
            )?,
            "dissolve" => set(
                &mut self.dissolve,
                num_u8(cur.value(k, "dissolve")?, "dissolve", 1, 100)?,
                k,
                "dissolve",
            )?,
            "batch" => set(
                &mut self.batch,
                boolean(cur.value(k, "batch")?, "batch")?,
                k,
                "batch",
            )?,
            "degree" => {
                let d = num_u16(cur.value(k, "degree")?, "degree", 0, 360)?;
                set(&mut self.degree, (d, k), k, "degree")?;
            }
            "scatype" => {
                let v = cur.value(k, "scatype")?;
                let t = match v.s {
                    "1" => ScaleType::Width,
                    "2" => ScaleType::Height,
                    "3" => ScaleType::Area,
                    _ => {
                        return Err(v.err(K::InvalidValue {
                            key: "scatype",
                            expected: "1, 2 or 3",
                        }))
                    }
                };
                set(&mut self.scatype, (t, k), k, "scatype")?;
            }
            "spcent" => {
                let v = cur.value(k, "spcent")?;
                let p = num_u16(v, "spcent", 1, 1000)?;
                set(&mut self.spcent, (p, k, v), k, "spcent")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(&self) -> Result<(Option<WatermarkScale>, Option<u16>)> {
        let scale = match (self.scatype, self.spcent) {
            (None, None) => None,
            (Some((_, k)), None) => {
                return Err(k.err(K::Requires {
                    key: "scatype",
                    needs: "spcent",
                }))
            }
            (None, Some((_, k, _))) => {
                return Err(k.err(K::Requires {
                    key: "spcent",
                    needs: "scatype",
                }))
            }
            (Some((kind, _)), Some((permille, _, v))) => {
                if kind == ScaleType::Area && permille > 250 {
                    return Err(v.err(K::OutOfRange {
                        key: "spcent",
                        value: v.s.to_owned(),
                        min: 1,
                        max: 250,
                    }));
                }
                Some(WatermarkScale { kind, permille })
            }
        };
        let degree = match self.degree {
            Some((_, k)) if self.batch != Some(true) => {
                return Err(k.err(K::Requires {
                    key: "degree",
                    needs: "batch/1",
                }))
            }
            d => d.map(|(d, _)| d),
        };
        Ok((scale, degree))
    }
}

fn valid_cos_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let Some((host, key)) = rest.split_once('/') else {
        return false;
    };
    let Some(host) = host.strip_suffix(".myqcloud.com") else {
        return false;
    };
    let Some((bucket, region)) = host.split_once(".cos.") else {
        return false;
    };
    !key.is_empty()
        && !bucket.is_empty()
        && !region.is_empty()
        && !region.contains('.')
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Keys shared by `watermark/1` and `watermark/2`.
const WM_COMMON_KEYS: [&str; 8] = [
    "gravity", "dx", "dy", "dissolve", "batch", "degree", "scatype", "spcent",
];
/// Keys of `watermark/1` only.
const WM_IMAGE_KEYS: [&str; 2] = ["image", "blogo"];
/// Keys of `watermark/2` only.
const WM_TEXT_KEYS: [&str; 6] = ["text", "font", "fontsize", "fill", "shadow", "spacing"];
/// Keys of `watermark/3` and `watermark/4`.
const WM_BLIND_KEYS: [&str; 4] = ["type", "image", "text", "level"];

/// An unknown key of `watermark/<kind>`: skipped when it may name a parameter this crate
/// does not model, an error when it cannot (or belongs to the other kind, `others`).
fn wm_unknown_key(cur: &mut Cursor, k: Tok, kind: &[&str], others: &[&str]) -> Result<()> {
    let known: Vec<&str> = WM_COMMON_KEYS.iter().chain(kind).copied().collect();
    if others.contains(&k.s) || !is_new_name(k.s, &known) {
        let stage = if kind == WM_IMAGE_KEYS {
            "watermark/1"
        } else {
            "watermark/2"
        };
        return Err(k.err(K::UnknownKey { stage }));
    }
    skip_unknown(cur, &known)?;
    Ok(())
}

fn parse_watermark(tok: Tok, head: Tok, cur: &mut Cursor) -> Result<Stage> {
    let kind = cur.value(head, "watermark")?;
    let mut common = WmCommon::default();
    let mut opaque = false;
    let watermark = match kind.s {
        "1" => {
            let mut image = None;
            let mut blogo = None;
            while let Some(k) = cur.key()? {
                if common.key(k, cur)? {
                    continue;
                }
                match k.s {
                    "image" => {
                        let v = cur.value(k, "image")?;
                        let url = b64_text(v, "image", WM_URL)?;
                        if !valid_cos_url(&url) {
                            return Err(v.err(K::InvalidValue {
                                key: "image",
                                expected: WM_URL,
                            }));
                        }
                        set(&mut image, url, k, "image")?;
                    }
                    "blogo" => {
                        let v = cur.value(k, "blogo")?;
                        let b = match v.s {
                            "1" => Blogo::Scale,
                            "2" => Blogo::Crop,
                            _ => {
                                return Err(v.err(K::InvalidValue {
                                    key: "blogo",
                                    expected: "1 or 2",
                                }))
                            }
                        };
                        set(&mut blogo, b, k, "blogo")?;
                    }
                    _ => {
                        wm_unknown_key(cur, k, &WM_IMAGE_KEYS, &WM_TEXT_KEYS)?;
                        opaque = true;
                    }
                }
            }
            if opaque {
                return Ok(opaque_stage("watermark", tok));
            }
            let (scale, degree) = common.finish()?;
            let image = image.ok_or_else(|| {
                head.err(K::Missing {
                    what: "watermark/1 image",
                })
            })?;
            Ok(Watermark::Image(ImageWatermark {
                image,
                gravity: common.gravity,
                dx: common.dx,
                dy: common.dy,
                blogo,
                scale,
                dissolve: common.dissolve,
                batch: common.batch,
                degree,
            }))
        }
        "2" => {
            let mut text = None;
            let mut font = None;
            let mut fontsize = None;
            let mut fill = None;
            let mut shadow = None;
            let mut spacing = None;
            while let Some(k) = cur.key()? {
                if common.key(k, cur)? {
                    continue;
                }
                match k.s {
                    "text" => {
                        let t = b64_text(cur.value(k, "text")?, "text", "UTF-8 text")?;
                        set(&mut text, t, k, "text")?;
                    }
                    "font" => {
                        let t = b64_text(cur.value(k, "font")?, "font", "a UTF-8 font name")?;
                        set(&mut font, t, k, "font")?;
                    }
                    "fontsize" => set(
                        &mut fontsize,
                        num_u16(cur.value(k, "fontsize")?, "fontsize", 1, 1000)?,
                        k,
                        "fontsize",
                    )?,
                    "fill" => set(
                        &mut fill,
                        b64_color(cur.value(k, "fill")?, "fill")?,
                        k,
                        "fill",
                    )?,
                    "shadow" => set(
                        &mut shadow,
                        num_u8(cur.value(k, "shadow")?, "shadow", 0, 100)?,
                        k,
                        "shadow",
                    )?,
                    "spacing" => set(
                        &mut spacing,
                        num_u8(cur.value(k, "spacing")?, "spacing", 0, 100)?,
                        k,
                        "spacing",
                    )?,
                    _ => {
                        wm_unknown_key(cur, k, &WM_TEXT_KEYS, &WM_IMAGE_KEYS)?;
                        opaque = true;
                    }
                }
            }
            if opaque {
                return Ok(opaque_stage("watermark", tok));
            }
            let (scale, degree) = common.finish()?;
            let text = text.ok_or_else(|| {
                head.err(K::Missing {
                    what: "watermark/2 text",
                })
            })?;
            Ok(Watermark::Text(TextWatermark {
                text,
                font,
                fontsize,
                fill,
                dissolve: common.dissolve,
                gravity: common.gravity,
                dx: common.dx,
                dy: common.dy,
                batch: common.batch,
                degree,
                shadow,
                spacing,
                scale,
            }))
        }
        "3" | "4" => return parse_blind(tok, head, kind, cur),
        other if other.len() <= 3 && other.bytes().all(|b| b.is_ascii_digit()) => {
            // A kind this crate does not model.
            while let Some(seg) = cur.next() {
                check_opaque_segment(seg)?;
            }
            return Ok(opaque_stage("watermark", tok));
        }
        _ => Err(kind.err(K::InvalidValue {
            key: "watermark",
            expected: "1 (image), 2 (text), 3 (blind) or 4 (blind extraction)",
        })),
    };
    watermark.map(Stage::Watermark)
}

/// `watermark/3` (add a blind watermark) and `watermark/4` (extract one).
fn parse_blind(tok: Tok, head: Tok, kind: Tok, cur: &mut Cursor) -> Result<Stage> {
    let extract = kind.s == "4";
    let mut blind_kind = None;
    let mut image = None;
    let mut text = None;
    let mut level = None;
    let mut opaque = false;
    while let Some(k) = cur.key()? {
        match k.s {
            "type" => {
                let v = cur.value(k, "type")?;
                let t = match v.s {
                    "1" => BlindKind::HalfBlind,
                    "2" => BlindKind::FullyBlind,
                    "3" => BlindKind::Text,
                    _ => {
                        return Err(v.err(K::InvalidValue {
                            key: "type",
                            expected: "1 (half blind), 2 (fully blind) or 3 (text)",
                        }))
                    }
                };
                set(&mut blind_kind, (t, k), k, "type")?;
            }
            "image" => {
                let url = b64_text(cur.value(k, "image")?, "image", "a base64 URL")?;
                set(&mut image, url, k, "image")?;
            }
            "text" => {
                let t = b64_text(cur.value(k, "text")?, "text", "UTF-8 text")?;
                set(&mut text, t, k, "text")?;
            }
            "level" => set(
                &mut level,
                num_u8(cur.value(k, "level")?, "level", 1, 3)?,
                k,
                "level",
            )?,
            other if is_new_name(other, &WM_BLIND_KEYS) => {
                skip_unknown(cur, &WM_BLIND_KEYS)?;
                opaque = true;
            }
            _ => {
                return Err(k.err(K::UnknownKey {
                    stage: if extract {
                        "watermark/4"
                    } else {
                        "watermark/3"
                    },
                }))
            }
        }
    }
    if opaque {
        return Ok(opaque_stage("watermark", tok));
    }
    let (blind_kind, type_tok) = blind_kind.ok_or_else(|| {
        head.err(K::Missing {
            what: "blind watermark type",
        })
    })?;
    match blind_kind {
        BlindKind::HalfBlind | BlindKind::FullyBlind if image.is_none() => {
            return Err(type_tok.err(K::Requires {
                key: "type",
                needs: "image with type 1 or 2",
            }))
        }
        BlindKind::Text if text.is_none() && !extract => {
            return Err(type_tok.err(K::Requires {
                key: "type",
                needs: "text with type 3",
            }))
        }
        _ => {}
    }
    let mark = BlindWatermark {
        kind: blind_kind,
        image,
        text,
        level,
    };
    Ok(Stage::Watermark(if extract {
        Watermark::ExtractBlind(mark)
    } else {
        Watermark::Blind(mark)
    }))
}

/// The keys of `QRcode`.
const QR_KEYS: [&str; 4] = ["cover", "bar-type", "segment", "size"];

fn parse_qrcode(tok: Tok, cur: &mut Cursor) -> Result<Stage> {
    let mut q = QrCode::default();
    let mut opaque = false;
    while let Some(k) = cur.key()? {
        match k.s {
            "cover" => set(
                &mut q.cover,
                boolean(cur.value(k, "cover")?, "cover")?,
                k,
                "cover",
            )?,
            "bar-type" => {
                let v = cur.value(k, "bar-type")?;
                let b = match v.s {
                    "0" => BarType::Both,
                    "1" => BarType::QrCode,
                    "2" => BarType::Barcode,
                    _ => {
                        return Err(v.err(K::InvalidValue {
                            key: "bar-type",
                            expected: "0 (both), 1 (QR codes) or 2 (barcodes)",
                        }))
                    }
                };
                set(&mut q.bar_type, b, k, "bar-type")?;
            }
            "segment" => set(
                &mut q.segment,
                boolean(cur.value(k, "segment")?, "segment")?,
                k,
                "segment",
            )?,
            "size" => set(
                &mut q.size,
                num_u32(cur.value(k, "size")?, "size", 500, i64::from(u32::MAX))?,
                k,
                "size",
            )?,
            other if is_new_name(other, &QR_KEYS) => {
                skip_unknown(cur, &QR_KEYS)?;
                opaque = true;
            }
            _ => return Err(k.err(K::UnknownKey { stage: "QRcode" })),
        }
    }
    if opaque {
        return Ok(opaque_stage("QRcode", tok));
    }
    Ok(Stage::QrCode(q))
}

fn percent_decode_strict(t: Tok, key: &'static str) -> Result<String> {
    let bytes = t.s.as_bytes();
    let expected = "a percent-encoded UTF-8 URL without |";
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Err(t
                    .sub(i, (i + 3).min(bytes.len()))
                    .err(K::InvalidValue { key, expected }));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let s = percent_encoding::percent_decode_str(t.s)
        .decode_utf8()
        .map_err(|_| t.err(K::InvalidValue { key, expected }))?;
    if s.contains('|') {
        return Err(t.err(K::InvalidValue { key, expected }));
    }
    Ok(s.into_owned())
}

/// The parameters of AIPicMatting.
const MATTING_KEYS: [&str; 3] = ["center-layout", "padding-layout", "detect-url"];

fn parse_matting(tok: Tok) -> Result<Stage> {
    let parts = tok.split(b'&');
    let mut m = AiPicMatting::default();
    let mut opaque = false;
    for p in &parts[1..] {
        if p.s.is_empty() {
            return Err(p.err(K::Empty));
        }
        let (k, v) = match p.split_once(b'=') {
            Some((k, v)) => (k, Some(v)),
            None => (*p, None),
        };
        let key: &'static str = match k.s {
            "center-layout" => "center-layout",
            "padding-layout" => "padding-layout",
            "detect-url" => "detect-url",
            other if is_new_name(other, &MATTING_KEYS) => {
                check_opaque_segment(*p)?;
                opaque = true;
                continue;
            }
            _ => {
                return Err(k.err(K::UnknownKey {
                    stage: "AIPicMatting",
                }))
            }
        };
        let v = match v {
            Some(v) if !v.s.is_empty() => v,
            _ => return Err(k.err(K::MissingValue { key })),
        };
        match key {
            "center-layout" => set(&mut m.center_layout, boolean(v, key)?, k, key)?,
            "padding-layout" => {
                let (dx, dy) = pair(v, key, "<dx>x<dy>", 0, 1000)?;
                set(&mut m.padding_layout, (dx as u16, dy as u16), k, key)?;
            }
            _ => set(&mut m.detect_url, percent_decode_strict(v, key)?, k, key)?,
        }
    }
    if opaque {
        return Ok(opaque_stage(AI_PIC_MATTING, tok));
    }
    Ok(Stage::AiPicMatting(m))
}
