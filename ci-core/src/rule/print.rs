//! The canonical printer: `Display` for every AST type.
//!
//! Canonical choices **(ours)**: stages joined with a literal `|`; Base64 values are
//! URL-safe **with** `=` padding (as in the cloud's own examples); colours are
//! `#RRGGBB` with upper-case hex before encoding; gravities lower case; numbers without
//! leading zeros; keyed parameters in the field order of their struct.

use std::fmt::{self, Display, Formatter, Write};

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::ast::*;

/// Bytes of a `detect-url` that stay literal: `A-Z a-z 0-9 - . _ ~`.
pub(crate) const URL_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(crate) fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(s.as_bytes())
}

pub(crate) fn color_hex(c: [u8; 3]) -> String {
    format!("#{:02X}{:02X}{:02X}", c[0], c[1], c[2])
}

impl Display for ProcessingRule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, stage) in self.stages.iter().enumerate() {
            if i > 0 {
                f.write_char('|')?;
            }
            write!(f, "{stage}")?;
        }
        Ok(())
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stage::ImageMogr2(ops) => {
                f.write_str("imageMogr2")?;
                for op in ops {
                    write!(f, "/{op}")?;
                }
                Ok(())
            }
            Stage::ImageView2(v) => write!(f, "{v}"),
            Stage::Watermark(w) => write!(f, "{w}"),
            Stage::ImageInfo => f.write_str("imageInfo"),
            Stage::ImageAve => f.write_str("imageAve"),
            Stage::Exif => f.write_str("exif"),
            Stage::Style(name) => write!(f, "style/{name}"),
            Stage::AiPicMatting(m) => write!(f, "{m}"),
            Stage::QrCode(q) => write!(f, "{q}"),
            Stage::Opaque(o) => f.write_str(o.as_str()),
        }
    }
}

impl Display for MogrOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self {
            MogrOp::Thumbnail(t) => write!(f, "{name}/{t}"),
            MogrOp::Pad(None) => write!(f, "{name}/1"),
            MogrOp::Pad(Some(c)) => write!(f, "{name}/1/color/{}", b64(&color_hex(*c))),
            MogrOp::Cut { w, h, dx, dy } => write!(f, "{name}/{w}x{h}x{dx}x{dy}"),
            MogrOp::Crop(c) => write!(f, "{name}/{c}"),
            MogrOp::Gravity(g) => write!(f, "{name}/{g}"),
            MogrOp::IRadius(r) | MogrOp::RRadius(r) => write!(f, "{name}/{r}"),
            MogrOp::SCrop { w, h } => write!(f, "{name}/{w}x{h}"),
            MogrOp::Rotate(d) => write!(f, "{name}/{d}"),
            MogrOp::AutoOrient | MogrOp::Strip => f.write_str(name),
            MogrOp::Flip(Flip::Vertical) => write!(f, "{name}/vertical"),
            MogrOp::Flip(Flip::Horizontal) => write!(f, "{name}/horizontal"),
            MogrOp::Format(fmt) => write!(f, "{name}/{fmt}"),
            MogrOp::Interlace(b) | MogrOp::Grayscale(b) => write!(f, "{name}/{}", u8::from(*b)),
            MogrOp::Quality(q) => write!(f, "{name}/{q}"),
            MogrOp::RQuality(q) | MogrOp::LQuality(q) | MogrOp::Cgif(q) => {
                write!(f, "{name}/{q}")
            }
            MogrOp::Blur { radius, sigma } => write!(f, "{name}/{radius}x{sigma}"),
            MogrOp::Sharpen(v) => write!(f, "{name}/{v}"),
            MogrOp::Bright(v) | MogrOp::Contrast(v) => write!(f, "{name}/{v}"),
            MogrOp::SizeLimit(s) => write!(f, "{name}/{s}"),
            MogrOp::IgnoreError => write!(f, "{name}/1"),
            MogrOp::Opaque(op) => {
                f.write_str(op.name())?;
                for arg in op.args() {
                    write!(f, "/{arg}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Thumbnail {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Thumbnail::Scale { percent } => write!(f, "!{percent}p"),
            Thumbnail::ScaleWidth { percent } => write!(f, "!{percent}px"),
            Thumbnail::ScaleHeight { percent } => write!(f, "!x{percent}p"),
            Thumbnail::Width { w } => write!(f, "{w}x"),
            Thumbnail::Height { h } => write!(f, "x{h}"),
            Thumbnail::Fit { w, h } => write!(f, "{w}x{h}"),
            Thumbnail::Cover { w, h } => write!(f, "!{w}x{h}r"),
            Thumbnail::Exact { w, h } => write!(f, "{w}x{h}!"),
            Thumbnail::Shrink { w, h } => write!(f, "{w}x{h}>"),
            Thumbnail::Enlarge { w, h } => write!(f, "{w}x{h}<"),
            Thumbnail::Area { pixels } => write!(f, "{pixels}@"),
        }
    }
}

impl Display for Crop {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Crop::Width { w } => write!(f, "{w}x"),
            Crop::Height { h } => write!(f, "x{h}"),
            Crop::Size { w, h } => write!(f, "{w}x{h}"),
            Crop::Offset { w, h, dx, dy } => write!(f, "!{w}x{h}{dx}{dy}"),
        }
    }
}

impl Display for CropShift {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CropShift::Add(d) => write!(f, "a{d}"),
            CropShift::Sub(d) => write!(f, "-{d}"),
        }
    }
}

impl Display for Gravity {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for ImageFormat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for Quality {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, if self.forced { "!" } else { "" })
    }
}

impl Display for SizeLimit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            SizeUnit::Kilo => 'k',
            SizeUnit::Mega => 'm',
        };
        write!(f, "{}{unit}", self.amount)?;
        if self.keep_smaller {
            f.write_char('!')?;
        }
        Ok(())
    }
}

impl Display for ImageView2 {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("imageView2")?;
        if let Some(m) = self.mode {
            write!(f, "/{}", m.number())?;
        }
        if let Some(w) = self.w {
            write!(f, "/w/{w}")?;
        }
        if let Some(h) = self.h {
            write!(f, "/h/{h}")?;
        }
        if let Some(fmt) = self.format {
            write!(f, "/format/{fmt}")?;
        }
        if let Some(q) = self.quality {
            write!(f, "/q/{q}")?;
        }
        if let Some(q) = self.rquality {
            write!(f, "/rq/{q}")?;
        }
        if let Some(q) = self.lquality {
            write!(f, "/lq/{q}")?;
        }
        if self.ignore_error {
            f.write_str("/ignore-error/1")?;
        }
        Ok(())
    }
}

fn opt<T: Display>(f: &mut Formatter<'_>, key: &str, v: &Option<T>) -> fmt::Result {
    match v {
        Some(v) => write!(f, "/{key}/{v}"),
        None => Ok(()),
    }
}

fn opt_bool(f: &mut Formatter<'_>, key: &str, v: Option<bool>) -> fmt::Result {
    opt(f, key, &v.map(u8::from))
}

fn opt_scale(f: &mut Formatter<'_>, v: &Option<WatermarkScale>) -> fmt::Result {
    match v {
        Some(s) => write!(f, "/scatype/{}/spcent/{}", s.kind as u8, s.permille),
        None => Ok(()),
    }
}

impl Display for Watermark {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Watermark::Image(w) => {
                write!(f, "watermark/1/image/{}", b64(&w.image))?;
                opt(f, "gravity", &w.gravity)?;
                opt(f, "dx", &w.dx)?;
                opt(f, "dy", &w.dy)?;
                opt(f, "blogo", &w.blogo.map(|b| b as u8))?;
                opt_scale(f, &w.scale)?;
                opt(f, "dissolve", &w.dissolve)?;
                opt_bool(f, "batch", w.batch)?;
                opt(f, "degree", &w.degree)
            }
            Watermark::Text(w) => {
                write!(f, "watermark/2/text/{}", b64(&w.text))?;
                opt(f, "font", &w.font.as_deref().map(b64))?;
                opt(f, "fontsize", &w.fontsize)?;
                opt(f, "fill", &w.fill.map(|c| b64(&color_hex(c))))?;
                opt(f, "dissolve", &w.dissolve)?;
                opt(f, "gravity", &w.gravity)?;
                opt(f, "dx", &w.dx)?;
                opt(f, "dy", &w.dy)?;
                opt_bool(f, "batch", w.batch)?;
                opt(f, "degree", &w.degree)?;
                opt(f, "shadow", &w.shadow)?;
                opt(f, "spacing", &w.spacing)?;
                opt_scale(f, &w.scale)
            }
            Watermark::Blind(w) | Watermark::ExtractBlind(w) => {
                write!(f, "watermark/{}/type/{}", self.kind(), w.kind as u8)?;
                opt(f, "image", &w.image.as_deref().map(b64))?;
                opt(f, "text", &w.text.as_deref().map(b64))?;
                opt(f, "level", &w.level)
            }
        }
    }
}

impl Display for QrCode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("QRcode")?;
        opt_bool(f, "cover", self.cover)?;
        opt(f, "bar-type", &self.bar_type.map(|b| b as u8))?;
        opt_bool(f, "segment", self.segment)?;
        opt(f, "size", &self.size)
    }
}

impl Display for AiPicMatting {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ci-process=AIPicMatting")?;
        if let Some(c) = self.center_layout {
            write!(f, "&center-layout={}", u8::from(c))?;
        }
        if let Some((dx, dy)) = self.padding_layout {
            write!(f, "&padding-layout={dx}x{dy}")?;
        }
        if let Some(u) = &self.detect_url {
            write!(f, "&detect-url={}", utf8_percent_encode(u, URL_ENCODE_SET))?;
        }
        Ok(())
    }
}
