//! The typed AST of a processing rule.
//!
//! Every type prints its canonical form through `Display` (see `print.rs`), and the
//! parser accepts exactly what the printer produces (plus documented variants such as
//! unpadded Base64 or upper-case gravities).

/// A whole rule string: one or more stages joined with `|`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcessingRule {
    /// The stages in order (1 to [`MAX_STAGES`](super::MAX_STAGES)).
    pub stages: Vec<Stage>,
}

impl ProcessingRule {
    /// Whether any stage is `ci-process=AIPicMatting` (modelled, or opaque because of a
    /// parameter this crate does not model).
    pub fn is_ai_pic_matting(&self) -> bool {
        self.stages
            .iter()
            .any(|s| s.keyword() == "ci-process=AIPicMatting")
    }

    /// Whether every stage is modelled and checked by this crate (see
    /// [`Stage::is_checked`]): a rule for which this is false was found well-formed but
    /// carries something this crate passes on without checking.
    pub fn is_fully_checked(&self) -> bool {
        self.stages.iter().all(Stage::is_checked)
    }

    /// The names of the `style/NAME` stages, in order.
    pub fn style_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.stages.iter().filter_map(|s| match s {
            Stage::Style(name) => Some(name.as_str()),
            _ => None,
        })
    }
}

/// One pipeline stage of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stage {
    /// `imageMogr2/op/...`: at least one operation, applied in order.
    ImageMogr2(Vec<MogrOp>),
    /// `imageView2/<mode>/w/<W>/h/<H>/...`.
    ImageView2(ImageView2),
    /// `watermark/1/...` (image) or `watermark/2/...` (text).
    Watermark(Watermark),
    /// `imageInfo`: basic image information as JSON.
    ImageInfo,
    /// `imageAve`: the mean colour as JSON.
    ImageAve,
    /// `exif`: the EXIF tags as JSON.
    Exif,
    /// `style/NAME`: a style of the bucket. **(ours)** NAME is 1–128 characters from
    /// `A-Z a-z 0-9 - _ .`.
    Style(String),
    /// `ci-process=AIPicMatting&...`.
    AiPicMatting(AiPicMatting),
    /// `QRcode/cover/<0|1>/...`: find QR codes (and barcodes), optionally covering them
    /// with a mosaic.
    QrCode(QrCode),
    /// A well-formed stage this crate does not model: a keyword it does not know
    /// (`imageSlim`, `ci-process=ImageRepair&...`), or a known keyword with a parameter it
    /// does not know (`imageView2/2/w/100/interlace/1`). Carried unchanged: it prints
    /// byte for byte as it was parsed. See [`OpaqueStage`].
    Opaque(OpaqueStage),
}

impl Stage {
    /// The stage keyword as written in a rule (`imageMogr2`, `style`, `ci-process=AIPicMatting`, ...).
    pub fn keyword(&self) -> &str {
        match self {
            Stage::ImageMogr2(_) => "imageMogr2",
            Stage::ImageView2(_) => "imageView2",
            Stage::Watermark(_) => "watermark",
            Stage::ImageInfo => "imageInfo",
            Stage::ImageAve => "imageAve",
            Stage::Exif => "exif",
            Stage::Style(_) => "style",
            Stage::AiPicMatting(_) => "ci-process=AIPicMatting",
            Stage::QrCode(_) => "QRcode",
            Stage::Opaque(o) => o.keyword(),
        }
    }

    /// Whether every part of the stage is modelled (and so checked) by this crate: false
    /// for [`Stage::Opaque`] and for an `imageMogr2` stage holding a [`MogrOp::Opaque`].
    pub fn is_checked(&self) -> bool {
        match self {
            Stage::Opaque(_) => false,
            Stage::ImageMogr2(ops) => !ops.iter().any(|op| matches!(op, MogrOp::Opaque(_))),
            _ => true,
        }
    }
}

/// A well-formed stage that this crate does not model, kept as written.
///
/// Only the parser makes one, so its text always parses back to the same value:
/// `parse(print(rule)) == rule` holds for rules with opaque stages too. What "well-formed"
/// means **(ours)**: the keyword is a name (an ASCII letter, then letters, digits, `-`
/// or `_`) that is not a known keyword in another case (`ImageMogr2` is a typo, not a new
/// stage); the `/`-separated segments are non-empty; no control characters; a
/// `ci-process=<Name>` stage has non-empty `&`-separated parameters. Inside a known
/// stage, every parameter the crate does model is checked as usual before the stage is
/// kept opaque because of one it does not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpaqueStage {
    pub(super) keyword: String,
    pub(super) raw: String,
}

impl OpaqueStage {
    /// The keyword (`imageSlim`, `imageView2`, `ci-process=ImageRepair`, ...).
    pub fn keyword(&self) -> &str {
        &self.keyword
    }

    /// The whole stage as written, e.g. `imageView2/2/w/100/interlace/1`.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// An `imageMogr2` operation this crate does not model (`imageMogr2/indexcrop/...`,
/// `imageMogr2/egif/...`, a future `imageMogr2/newop/1`), kept as written.
///
/// Its name is followed by every segment up to the next operation name this crate knows
/// (the arity of an unknown operation cannot be known); the name obeys the rules of
/// [`OpaqueStage`]'s keyword. Only the parser makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpaqueOp {
    pub(super) name: String,
    pub(super) args: Vec<String>,
}

impl OpaqueOp {
    /// The operation name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The segments after the name, as written.
    pub fn args(&self) -> &[String] {
        &self.args
    }
}

/// One `imageMogr2` operation.
///
/// Ranges are checked at parse time. Where the spec bounds a value by the image
/// (radii, offsets), the parser checks the static limits of the service
/// (a side ≤ 30 000 px; thumbnail output side ≤ 9 999 px) and the engine checks the rest.
///
/// **(ours)** Output settings may appear at most once per stage: `format`, `interlace`,
/// `quality`/`rquality`/`lquality` (at most one of the three), `size-limit`, `cgif`,
/// `strip`, `auto-orient` and `ignore-error`. Transforms (`thumbnail`, `crop`, `cut`,
/// `rotate`, ...) and `gravity` may repeat and apply in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MogrOp {
    /// `thumbnail/<geometry>`.
    Thumbnail(Thumbnail),
    /// `pad/1[/color/<b64url #RRGGBB>]`. **(ours)** Only directly after a thumbnail of
    /// the form `<W>x<H>`, `<W>x<H>>` or `<W>x<H><` (the fit-inside forms); `None` means
    /// the default white.
    Pad(Option<[u8; 3]>),
    /// `cut/<W>x<H>x<dx>x<dy>`: W, H in 1–30000; **(ours)** dx, dy in 0–30000 (an
    /// offset of 0 is the image edge).
    Cut {
        /// Width.
        w: u32,
        /// Height.
        h: u32,
        /// Left offset.
        dx: u32,
        /// Top offset.
        dy: u32,
    },
    /// `crop/<geometry>`, placed by the preceding `gravity` (default center).
    Crop(Crop),
    /// `gravity/<g>`: the anchor for later crops.
    Gravity(Gravity),
    /// `iradius/<r>`: inscribed circle, r in 1–15000.
    IRadius(u32),
    /// `rradius/<r>`: rounded corners, r in 1–15000.
    RRadius(u32),
    /// `scrop/<W>x<H>`: face-aware crop, W, H in 1–30000.
    SCrop {
        /// Width.
        w: u32,
        /// Height.
        h: u32,
    },
    /// `rotate/<deg>`: 0–360 clockwise.
    Rotate(u16),
    /// `auto-orient` (no value).
    AutoOrient,
    /// `flip/vertical` or `flip/horizontal`.
    Flip(Flip),
    /// `format/<f>`.
    Format(ImageFormat),
    /// `interlace/0|1`.
    Interlace(bool),
    /// `quality/<Q>[!]`.
    Quality(Quality),
    /// `rquality/<R>`: 0–100.
    RQuality(u8),
    /// `lquality/<Q>`: 0–100.
    LQuality(u8),
    /// `blur/<r>x<s>`: radius 1–50, sigma **(ours)** 1–50.
    Blur {
        /// Radius.
        radius: u8,
        /// Sigma.
        sigma: u8,
    },
    /// `sharpen/<v>`: 10–300.
    Sharpen(u16),
    /// `bright/<v>`: −100–100.
    Bright(i8),
    /// `contrast/<v>`: −100–100.
    Contrast(i8),
    /// `grayscale/0|1`.
    Grayscale(bool),
    /// `strip` (no value).
    Strip,
    /// `size-limit/<n>k|m[!]`.
    SizeLimit(SizeLimit),
    /// `cgif/<n>`: 1–100.
    Cgif(u8),
    /// `ignore-error/1`.
    IgnoreError,
    /// An operation this crate does not model, kept as written (see [`OpaqueOp`]).
    Opaque(OpaqueOp),
}

impl MogrOp {
    /// The operation name as written in a rule.
    pub fn name(&self) -> &str {
        match self {
            MogrOp::Thumbnail(_) => "thumbnail",
            MogrOp::Pad(_) => "pad",
            MogrOp::Cut { .. } => "cut",
            MogrOp::Crop(_) => "crop",
            MogrOp::Gravity(_) => "gravity",
            MogrOp::IRadius(_) => "iradius",
            MogrOp::RRadius(_) => "rradius",
            MogrOp::SCrop { .. } => "scrop",
            MogrOp::Rotate(_) => "rotate",
            MogrOp::AutoOrient => "auto-orient",
            MogrOp::Flip(_) => "flip",
            MogrOp::Format(_) => "format",
            MogrOp::Interlace(_) => "interlace",
            MogrOp::Quality(_) => "quality",
            MogrOp::RQuality(_) => "rquality",
            MogrOp::LQuality(_) => "lquality",
            MogrOp::Blur { .. } => "blur",
            MogrOp::Sharpen(_) => "sharpen",
            MogrOp::Bright(_) => "bright",
            MogrOp::Contrast(_) => "contrast",
            MogrOp::Grayscale(_) => "grayscale",
            MogrOp::Strip => "strip",
            MogrOp::SizeLimit(_) => "size-limit",
            MogrOp::Cgif(_) => "cgif",
            MogrOp::IgnoreError => "ignore-error",
            MogrOp::Opaque(op) => op.name(),
        }
    }
}

/// A `thumbnail` geometry. Percentages are **(ours)** 1–1000; sides 1–9999 (the output
/// side limit); areas 1–99 980 001 (9999²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thumbnail {
    /// `!<P>p`: scale both sides by P %.
    Scale {
        /// Percentage.
        percent: u16,
    },
    /// `!<P>px`: scale the width by P %, keep the height.
    ScaleWidth {
        /// Percentage.
        percent: u16,
    },
    /// `!x<P>p`: scale the height by P %, keep the width.
    ScaleHeight {
        /// Percentage.
        percent: u16,
    },
    /// `<W>x`: set the width, keep the ratio.
    Width {
        /// Width.
        w: u32,
    },
    /// `x<H>`: set the height, keep the ratio.
    Height {
        /// Height.
        h: u32,
    },
    /// `<W>x<H>`: fit inside W×H, keep the ratio (may enlarge).
    Fit {
        /// Width bound.
        w: u32,
        /// Height bound.
        h: u32,
    },
    /// `!<W>x<H>r`: cover W×H, keep the ratio.
    Cover {
        /// Width bound.
        w: u32,
        /// Height bound.
        h: u32,
    },
    /// `<W>x<H>!`: exactly W×H.
    Exact {
        /// Width.
        w: u32,
        /// Height.
        h: u32,
    },
    /// `<W>x<H>>`: like `Fit` but only ever shrinks.
    Shrink {
        /// Width bound.
        w: u32,
        /// Height bound.
        h: u32,
    },
    /// `<W>x<H><`: like `Fit` but only ever enlarges.
    Enlarge {
        /// Width bound.
        w: u32,
        /// Height bound.
        h: u32,
    },
    /// `<A>@`: the largest size with w·h ≤ A, keep the ratio.
    Area {
        /// Pixel budget.
        pixels: u32,
    },
}

impl Thumbnail {
    /// Whether `pad` may follow this thumbnail (the fit-inside `<W>x<H>` forms).
    pub fn allows_pad(&self) -> bool {
        matches!(
            self,
            Thumbnail::Fit { .. } | Thumbnail::Shrink { .. } | Thumbnail::Enlarge { .. }
        )
    }
}

/// A `crop` geometry. Sides 1–30000, offsets 0–30000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crop {
    /// `<W>x`: full height, width W.
    Width {
        /// Width.
        w: u32,
    },
    /// `x<H>`: full width, height H.
    Height {
        /// Height.
        h: u32,
    },
    /// `<W>x<H>`.
    Size {
        /// Width.
        w: u32,
        /// Height.
        h: u32,
    },
    /// `!<W>x<H>a<dx>a<dy>` (each `a<d>` may be `-<d>`).
    Offset {
        /// Width.
        w: u32,
        /// Height.
        h: u32,
        /// Horizontal offset.
        dx: CropShift,
        /// Vertical offset.
        dy: CropShift,
    },
}

/// One offset of a `crop/!WxHaDXaDY` geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CropShift {
    /// `a<d>`: move the region d px from the gravity anchor.
    Add(u32),
    /// `-<d>`: shrink that side of the region by d px.
    Sub(u32),
}

/// A gravity (anchor). Parsed in any case; **(ours)** printed in lower case, as in
/// Tencent's examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gravity {
    /// `northwest`.
    NorthWest,
    /// `north`.
    North,
    /// `northeast`.
    NorthEast,
    /// `west`.
    West,
    /// `center`.
    Center,
    /// `east`.
    East,
    /// `southwest`.
    SouthWest,
    /// `south`.
    South,
    /// `southeast`.
    SouthEast,
}

impl Gravity {
    /// All nine gravities.
    pub const ALL: [Gravity; 9] = [
        Gravity::NorthWest,
        Gravity::North,
        Gravity::NorthEast,
        Gravity::West,
        Gravity::Center,
        Gravity::East,
        Gravity::SouthWest,
        Gravity::South,
        Gravity::SouthEast,
    ];

    /// The canonical (lower-case) name.
    pub fn name(self) -> &'static str {
        match self {
            Gravity::NorthWest => "northwest",
            Gravity::North => "north",
            Gravity::NorthEast => "northeast",
            Gravity::West => "west",
            Gravity::Center => "center",
            Gravity::East => "east",
            Gravity::SouthWest => "southwest",
            Gravity::South => "south",
            Gravity::SouthEast => "southeast",
        }
    }

    /// Parses a gravity name in any case.
    pub fn from_name(s: &str) -> Option<Gravity> {
        Gravity::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s))
    }
}

/// `flip` direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flip {
    /// `vertical`: top-bottom mirror.
    Vertical,
    /// `horizontal`: left-right mirror.
    Horizontal,
}

/// An output format name. Case-sensitive. `jpg` and `jpeg` are kept apart so that a
/// rule prints back as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// `jpg`.
    Jpg,
    /// `jpeg`: **(ours)** alias of `jpg`.
    Jpeg,
    /// `png`.
    Png,
    /// `gif`.
    Gif,
    /// `webp`.
    Webp,
    /// `bmp`.
    Bmp,
    /// `yjpeg`.
    Yjpeg,
    /// `tpg`.
    Tpg,
    /// `heif`.
    Heif,
    /// `avif`.
    Avif,
    /// `tiff`: **(ours)**.
    Tiff,
    /// `apng`: animated PNG.
    Apng,
    /// `heic`: the HEIF container's other name.
    Heic,
    /// `psd`: Photoshop (the cloud writes it only when processing in the cloud).
    Psd,
}

impl ImageFormat {
    /// All formats.
    pub const ALL: [ImageFormat; 14] = [
        ImageFormat::Jpg,
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Gif,
        ImageFormat::Webp,
        ImageFormat::Bmp,
        ImageFormat::Yjpeg,
        ImageFormat::Tpg,
        ImageFormat::Heif,
        ImageFormat::Avif,
        ImageFormat::Tiff,
        ImageFormat::Apng,
        ImageFormat::Heic,
        ImageFormat::Psd,
    ];

    /// The name as written in a rule (lower case).
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpg => "jpg",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
            ImageFormat::Bmp => "bmp",
            ImageFormat::Yjpeg => "yjpeg",
            ImageFormat::Tpg => "tpg",
            ImageFormat::Heif => "heif",
            ImageFormat::Avif => "avif",
            ImageFormat::Tiff => "tiff",
            ImageFormat::Apng => "apng",
            ImageFormat::Heic => "heic",
            ImageFormat::Psd => "psd",
        }
    }

    /// Parses a format name (case-sensitive, lower case).
    pub fn from_name(s: &str) -> Option<ImageFormat> {
        ImageFormat::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// A quality value 0–100; `forced` is the `!` suffix (use Q even if the input is worse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quality {
    /// 0–100.
    pub value: u8,
    /// Written with `!`.
    pub forced: bool,
}

/// `size-limit/<n>k|m[!]`. **(ours)** `k` is KiB (1024 bytes) and `m` MiB; the total is
/// at most 32 MiB (n ≤ 32768 for `k`, ≤ 32 for `m`), n ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SizeLimit {
    /// The number n.
    pub amount: u32,
    /// The unit suffix.
    pub unit: SizeUnit,
    /// The `!` suffix: return the output only if it is smaller than the input.
    pub keep_smaller: bool,
}

impl SizeLimit {
    /// The limit in bytes.
    pub fn bytes(&self) -> u64 {
        u64::from(self.amount)
            * match self.unit {
                SizeUnit::Kilo => 1024,
                SizeUnit::Mega => 1024 * 1024,
            }
    }
}

/// Unit of a [`SizeLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeUnit {
    /// `k`: 1024 bytes.
    Kilo,
    /// `m`: 1024² bytes.
    Mega,
}

/// `imageView2`: `imageView2[/<mode>][/w/<W>][/h/<H>][/format/<f>][/q/<Q>[!]][/rq/<R>][/lq/<Q>][/ignore-error/1]`.
///
/// The mode is optional (the official examples use `imageView2/format/png`): `None`
/// means no resize. **(ours)** A mode needs `w` or `h`; `w`/`h` need a mode; W, H are
/// 1–9999; keys may come in any order on input and print in the order above; each key
/// at most once and at most one of `q`, `rq`, `lq`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ImageView2 {
    /// The resize mode.
    pub mode: Option<ViewMode>,
    /// `w`.
    pub w: Option<u32>,
    /// `h`.
    pub h: Option<u32>,
    /// `format`.
    pub format: Option<ImageFormat>,
    /// `q` (with optional `!`).
    pub quality: Option<Quality>,
    /// `rq`: 0–100.
    pub rquality: Option<u8>,
    /// `lq`: 0–100.
    pub lquality: Option<u8>,
    /// `ignore-error/1`: on a limit error, answer the input unchanged.
    pub ignore_error: bool,
}

/// The `imageView2` modes 0–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewMode {
    /// 0: long side ≤ W, short side ≤ H, keep ratio.
    LongShortMax = 0,
    /// 1: cover W×H, then centre-crop to exactly W×H.
    CoverCrop = 1,
    /// 2: fit inside W×H.
    Fit = 2,
    /// 3: cover W×H, no crop.
    Cover = 3,
    /// 4: long side ≥ W and short side ≥ H, keep ratio, no crop.
    LongShortMin = 4,
    /// 5: long side ≤ W and short side ≤ H, then centre-crop.
    LongShortMaxCrop = 5,
}

impl ViewMode {
    /// The mode number 0–5.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The mode for a number 0–5.
    pub fn from_number(n: u8) -> Option<ViewMode> {
        Some(match n {
            0 => ViewMode::LongShortMax,
            1 => ViewMode::CoverCrop,
            2 => ViewMode::Fit,
            3 => ViewMode::Cover,
            4 => ViewMode::LongShortMin,
            5 => ViewMode::LongShortMaxCrop,
            _ => return None,
        })
    }
}

/// A `watermark` stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Watermark {
    /// `watermark/1/...`.
    Image(ImageWatermark),
    /// `watermark/2/...`.
    Text(TextWatermark),
    /// `watermark/3/...`: add a blind (invisible) watermark.
    Blind(BlindWatermark),
    /// `watermark/4/...`: extract a blind watermark.
    ExtractBlind(BlindWatermark),
}

impl Watermark {
    /// The kind number after `watermark/` (1 image, 2 text, 3 blind, 4 blind extraction).
    pub fn kind(&self) -> u8 {
        match self {
            Watermark::Image(_) => 1,
            Watermark::Text(_) => 2,
            Watermark::Blind(_) => 3,
            Watermark::ExtractBlind(_) => 4,
        }
    }
}

/// `watermark/3/type/<1|2|3>[/image/<b64url URL>][/text/<b64url>][/level/<1|2|3>]` (add)
/// and `watermark/4/type/<1|2|3>[/image/<b64url URL>][/text/<b64url>]` (extract).
///
/// Type 1 (half blind) and 2 (fully blind) need `image`; adding a type 3 (text) mark
/// needs `text`. `level` matters only for type 2 (default 1). Keys print in field order.
/// **(ours)** The image URL is only checked to be Base64 of UTF-8 text: the documents of
/// the blind watermark name other hosts than those of `watermark/1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindWatermark {
    /// `type`.
    pub kind: BlindKind,
    /// `image` (decoded URL).
    pub image: Option<String>,
    /// `text` (decoded).
    pub text: Option<String>,
    /// `level`: 1–3.
    pub level: Option<u8>,
}

/// The `type` of a blind watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlindKind {
    /// `1`: half blind (the original image is needed to extract it).
    HalfBlind = 1,
    /// `2`: fully blind.
    FullyBlind = 2,
    /// `3`: text.
    Text = 3,
}

/// `QRcode[/cover/<0|1>][/bar-type/<0|1|2>][/segment/<0|1>][/size/<n>]`: recognise QR codes
/// and barcodes (upload or cloud processing). Keys may come in any order and print in
/// field order; each at most once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct QrCode {
    /// `cover`: paint a mosaic over every code found (default 0).
    pub cover: Option<bool>,
    /// `bar-type`: what to look for (default both).
    pub bar_type: Option<BarType>,
    /// `segment`: recognise tile by tile (default 0).
    pub segment: Option<bool>,
    /// `size`: the tile size with `segment/1`, ≥ 500 px (default 1000).
    pub size: Option<u32>,
}

impl QrCode {
    /// Whether `cover/1` was given.
    pub fn covers(&self) -> bool {
        self.cover == Some(true)
    }
}

/// `bar-type` of a [`QrCode`] stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarType {
    /// `0`: QR codes and barcodes.
    Both = 0,
    /// `1`: QR codes only.
    QrCode = 1,
    /// `2`: barcodes only.
    Barcode = 2,
}

/// `watermark/1`: an image mark. Absent keys are `None` (the engine applies the
/// defaults: gravity southeast, dx = dy = 0, dissolve 90). Keys print in field order.
///
/// **(ours)** dx, dy are 0–30000; `degree` requires `batch/1`; `scatype` and `spcent`
/// come together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageWatermark {
    /// `image`: the decoded URL of the mark,
    /// `http://<bucket>.cos.<region>.myqcloud.com/<key>` (checked at parse time).
    pub image: String,
    /// `gravity`.
    pub gravity: Option<Gravity>,
    /// `dx`.
    pub dx: Option<u32>,
    /// `dy`.
    pub dy: Option<u32>,
    /// `blogo`.
    pub blogo: Option<Blogo>,
    /// `scatype` + `spcent`.
    pub scale: Option<WatermarkScale>,
    /// `dissolve`: 1–100.
    pub dissolve: Option<u8>,
    /// `batch`: tile the mark.
    pub batch: Option<bool>,
    /// `degree`: 0–360, only with `batch/1`.
    pub degree: Option<u16>,
}

/// `blogo`: what to do with a mark larger than the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blogo {
    /// `1`: scale the mark down.
    Scale = 1,
    /// `2`: crop the mark.
    Crop = 2,
}

/// `scatype/<1|2|3>/spcent/<‰>`: scale the mark relative to the base image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatermarkScale {
    /// `scatype`.
    pub kind: ScaleType,
    /// `spcent`: 1–1000 (1–250 for [`ScaleType::Area`]).
    pub permille: u16,
}

/// `scatype` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleType {
    /// `1`: relative to the base width.
    Width = 1,
    /// `2`: relative to the base height.
    Height = 2,
    /// `3`: relative to the base area.
    Area = 3,
}

/// `watermark/2`: a text mark. Absent keys are `None` (engine defaults: fontsize 13,
/// fill `#3D3D3D`, dissolve 90, gravity southeast, dx = dy = 0, shadow 0, spacing 10).
/// Keys print in field order.
///
/// **(ours)** fontsize is 1–1000 pt; dx, dy 0–30000; `degree` requires `batch/1`;
/// `scatype` and `spcent` come together; text is non-empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextWatermark {
    /// `text` (decoded).
    pub text: String,
    /// `font` (decoded font name).
    pub font: Option<String>,
    /// `fontsize`.
    pub fontsize: Option<u16>,
    /// `fill` as RGB.
    pub fill: Option<[u8; 3]>,
    /// `dissolve`: 1–100.
    pub dissolve: Option<u8>,
    /// `gravity`.
    pub gravity: Option<Gravity>,
    /// `dx`.
    pub dx: Option<u32>,
    /// `dy`.
    pub dy: Option<u32>,
    /// `batch`.
    pub batch: Option<bool>,
    /// `degree`: 0–360, only with `batch/1`.
    pub degree: Option<u16>,
    /// `shadow`: 0–100.
    pub shadow: Option<u8>,
    /// `spacing`: 0–100 %.
    pub spacing: Option<u8>,
    /// `scatype` + `spcent`.
    pub scale: Option<WatermarkScale>,
}

/// `ci-process=AIPicMatting[&center-layout=0|1][&padding-layout=<dx>x<dy>][&detect-url=<url>]`.
///
/// Parameters may come in any order, each at most once, and print in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AiPicMatting {
    /// `center-layout`.
    pub center_layout: Option<bool>,
    /// `padding-layout`: (dx, dy), each 0–1000.
    pub padding_layout: Option<(u16, u16)>,
    /// `detect-url`, percent-decoded once. **(ours)** It is printed with every byte
    /// outside `A-Z a-z 0-9 - . _ ~` percent-encoded (upper-case hex); it must be
    /// non-empty UTF-8 and must not contain `|` (which would read as a stage separator).
    pub detect_url: Option<String>,
}
