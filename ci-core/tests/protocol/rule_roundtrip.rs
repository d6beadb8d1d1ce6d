//! Property tests for the processing-rule grammar: arbitrary valid ASTs print and parse
//! back to themselves; arbitrary strings never panic, and errors point into the input.

use ci_core::rule::*;
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::Union;

fn gravity() -> impl Strategy<Value = Gravity> {
    proptest::sample::select(Gravity::ALL.to_vec())
}

fn format() -> impl Strategy<Value = ImageFormat> {
    proptest::sample::select(ImageFormat::ALL.to_vec())
}

fn quality() -> impl Strategy<Value = Quality> {
    (0u8..=100, any::<bool>()).prop_map(|(value, forced)| Quality { value, forced })
}

fn side() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=9999, Just(1), Just(9999)]
}

fn big_side() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=30000, Just(30000)]
}

fn offset() -> impl Strategy<Value = u32> {
    0u32..=30000
}

fn thumbnail() -> BoxedStrategy<Thumbnail> {
    let pct = || 1u16..=1000;
    Union::new(vec![
        pct()
            .prop_map(|percent| Thumbnail::Scale { percent })
            .boxed(),
        pct()
            .prop_map(|percent| Thumbnail::ScaleWidth { percent })
            .boxed(),
        pct()
            .prop_map(|percent| Thumbnail::ScaleHeight { percent })
            .boxed(),
        side().prop_map(|w| Thumbnail::Width { w }).boxed(),
        side().prop_map(|h| Thumbnail::Height { h }).boxed(),
        (side(), side())
            .prop_map(|(w, h)| Thumbnail::Fit { w, h })
            .boxed(),
        (side(), side())
            .prop_map(|(w, h)| Thumbnail::Cover { w, h })
            .boxed(),
        (side(), side())
            .prop_map(|(w, h)| Thumbnail::Exact { w, h })
            .boxed(),
        (side(), side())
            .prop_map(|(w, h)| Thumbnail::Shrink { w, h })
            .boxed(),
        (side(), side())
            .prop_map(|(w, h)| Thumbnail::Enlarge { w, h })
            .boxed(),
        (1u32..=99_980_001)
            .prop_map(|pixels| Thumbnail::Area { pixels })
            .boxed(),
    ])
    .boxed()
}

fn crop_shift() -> impl Strategy<Value = CropShift> {
    prop_oneof![
        offset().prop_map(CropShift::Add),
        offset().prop_map(CropShift::Sub)
    ]
}

fn crop() -> impl Strategy<Value = Crop> {
    prop_oneof![
        big_side().prop_map(|w| Crop::Width { w }),
        big_side().prop_map(|h| Crop::Height { h }),
        (big_side(), big_side()).prop_map(|(w, h)| Crop::Size { w, h }),
        (big_side(), big_side(), crop_shift(), crop_shift())
            .prop_map(|(w, h, dx, dy)| Crop::Offset { w, h, dx, dy }),
    ]
}

/// A chunk of transform operations (a thumbnail may carry a following `pad`).
fn transform_chunk() -> BoxedStrategy<Vec<MogrOp>> {
    let one = |s: BoxedStrategy<MogrOp>| s.prop_map(|op| vec![op]).boxed();
    Union::new(vec![
        (thumbnail(), option::of(option::of(any::<[u8; 3]>())))
            .prop_map(|(t, pad)| {
                let mut v = vec![MogrOp::Thumbnail(t)];
                if let (true, Some(color)) = (t.allows_pad(), pad) {
                    v.push(MogrOp::Pad(color));
                }
                v
            })
            .boxed(),
        one((big_side(), big_side(), offset(), offset())
            .prop_map(|(w, h, dx, dy)| MogrOp::Cut { w, h, dx, dy })
            .boxed()),
        one(crop().prop_map(MogrOp::Crop).boxed()),
        one(gravity().prop_map(MogrOp::Gravity).boxed()),
        one((1u32..=15000).prop_map(MogrOp::IRadius).boxed()),
        one((1u32..=15000).prop_map(MogrOp::RRadius).boxed()),
        one((big_side(), big_side())
            .prop_map(|(w, h)| MogrOp::SCrop { w, h })
            .boxed()),
        one((0u16..=360).prop_map(MogrOp::Rotate).boxed()),
        one(prop_oneof![Just(Flip::Vertical), Just(Flip::Horizontal)]
            .prop_map(MogrOp::Flip)
            .boxed()),
        one((1u8..=50, 1u8..=50)
            .prop_map(|(radius, sigma)| MogrOp::Blur { radius, sigma })
            .boxed()),
        one((10u16..=300).prop_map(MogrOp::Sharpen).boxed()),
        one((-100i8..=100).prop_map(MogrOp::Bright).boxed()),
        one((-100i8..=100).prop_map(MogrOp::Contrast).boxed()),
        one(any::<bool>().prop_map(MogrOp::Grayscale).boxed()),
        one(opaque_op().boxed()),
    ])
    .boxed()
}

/// The operation names the grammar models (an opaque operation's arguments stop at one).
const KNOWN_OPS: [&str; 26] = [
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
    "color",
];

/// An `imageMogr2` operation the grammar does not model. Opaque values only come from the
/// parser, so the strategy parses `imageMogr2/<name>/<args>` and keeps what is opaque.
fn opaque_op() -> impl Strategy<Value = MogrOp> {
    (
        "[a-zA-Z][a-zA-Z0-9_-]{0,10}",
        prop::collection::vec("[A-Za-z0-9=_.!~@:,+*-]{1,12}", 0..4),
    )
        .prop_filter_map("a name or argument the grammar knows", |(name, args)| {
            let known = |s: &str| KNOWN_OPS.iter().any(|k| k.eq_ignore_ascii_case(s));
            if known(&name) || args.iter().any(|a| known(a)) {
                return None;
            }
            let text = std::iter::once(format!("imageMogr2/{name}"))
                .chain(args.iter().cloned())
                .collect::<Vec<_>>()
                .join("/");
            match ProcessingRule::parse(&text).ok()?.stages.pop()? {
                Stage::ImageMogr2(mut ops) if ops.len() == 1 => ops.pop(),
                _ => None,
            }
        })
}

fn size_limit() -> impl Strategy<Value = SizeLimit> {
    prop_oneof![
        (1u32..=32768, any::<bool>()).prop_map(|(amount, keep_smaller)| SizeLimit {
            amount,
            unit: SizeUnit::Kilo,
            keep_smaller
        }),
        (1u32..=32, any::<bool>()).prop_map(|(amount, keep_smaller)| SizeLimit {
            amount,
            unit: SizeUnit::Mega,
            keep_smaller
        }),
    ]
}

/// Output settings: each at most once, at most one of the quality family.
fn settings() -> impl Strategy<Value = Vec<MogrOp>> {
    let q = option::of(prop_oneof![
        quality().prop_map(MogrOp::Quality),
        (0u8..=100).prop_map(MogrOp::RQuality),
        (0u8..=100).prop_map(MogrOp::LQuality),
    ]);
    (
        option::of(format().prop_map(MogrOp::Format)),
        option::of(any::<bool>().prop_map(MogrOp::Interlace)),
        q,
        option::of(size_limit().prop_map(MogrOp::SizeLimit)),
        option::of((1u8..=100).prop_map(MogrOp::Cgif)),
        option::of(Just(MogrOp::Strip)),
        option::of(Just(MogrOp::AutoOrient)),
        option::of(Just(MogrOp::IgnoreError)),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| {
            [a, b, c, d, e, f, g, h].into_iter().flatten().collect()
        })
}

fn mogr() -> impl Strategy<Value = Vec<MogrOp>> {
    (prop::collection::vec(transform_chunk(), 0..5), settings())
        .prop_flat_map(|(mut chunks, settings)| {
            chunks.extend(settings.into_iter().map(|s| vec![s]));
            Just(chunks).prop_shuffle()
        })
        .prop_map(|chunks| chunks.into_iter().flatten().collect::<Vec<_>>())
        .prop_filter("at least one op", |ops| !ops.is_empty())
        // The arguments of an unknown operation run to the next known one: two unknown
        // operations in a row read back as one, so the parser never makes that AST.
        .prop_filter("no two opaque operations in a row", |ops| {
            !ops.windows(2)
                .any(|w| matches!(w, [MogrOp::Opaque(_), MogrOp::Opaque(_)]))
        })
}

fn view_mode() -> impl Strategy<Value = ViewMode> {
    (0u8..=5).prop_map(|n| ViewMode::from_number(n).unwrap_or(ViewMode::Fit))
}

fn image_view2() -> impl Strategy<Value = ImageView2> {
    let sizes = prop_oneof![
        Just((None, None, None)),
        (view_mode(), side()).prop_map(|(m, w)| (Some(m), Some(w), None)),
        (view_mode(), side()).prop_map(|(m, h)| (Some(m), None, Some(h))),
        (view_mode(), side(), side()).prop_map(|(m, w, h)| (Some(m), Some(w), Some(h))),
    ];
    let q = prop_oneof![
        Just((None, None, None)),
        quality().prop_map(|q| (Some(q), None, None)),
        (0u8..=100).prop_map(|q| (None, Some(q), None)),
        (0u8..=100).prop_map(|q| (None, None, Some(q))),
    ];
    (sizes, option::of(format()), q, any::<bool>()).prop_map(
        |((mode, w, h), format, (quality, rquality, lquality), ignore_error)| {
            let mut v = ImageView2 {
                mode,
                w,
                h,
                format,
                quality,
                rquality,
                lquality,
                ignore_error,
            };
            if v == ImageView2::default() {
                v.format = Some(ImageFormat::Png);
            }
            v
        },
    )
}

fn scale() -> impl Strategy<Value = WatermarkScale> {
    prop_oneof![
        (1u16..=1000).prop_map(|permille| WatermarkScale {
            kind: ScaleType::Width,
            permille
        }),
        (1u16..=1000).prop_map(|permille| WatermarkScale {
            kind: ScaleType::Height,
            permille
        }),
        (1u16..=250).prop_map(|permille| WatermarkScale {
            kind: ScaleType::Area,
            permille
        }),
    ]
}

fn batch_degree() -> impl Strategy<Value = (Option<bool>, Option<u16>)> {
    (option::of(any::<bool>()), option::of(0u16..=360))
        .prop_map(|(batch, degree)| (batch, if batch == Some(true) { degree } else { None }))
}

fn image_watermark() -> impl Strategy<Value = ImageWatermark> {
    (
        ("[a-z0-9-]{1,20}", "[a-z-]{1,12}", "\\PC{1,30}")
            .prop_map(|(b, r, k)| format!("http://{b}.cos.{r}.myqcloud.com/{k}")),
        option::of(gravity()),
        option::of(offset()),
        option::of(offset()),
        option::of(prop_oneof![Just(Blogo::Scale), Just(Blogo::Crop)]),
        option::of(scale()),
        option::of(1u8..=100),
        batch_degree(),
    )
        .prop_map(
            |(image, gravity, dx, dy, blogo, scale, dissolve, (batch, degree))| ImageWatermark {
                image,
                gravity,
                dx,
                dy,
                blogo,
                scale,
                dissolve,
                batch,
                degree,
            },
        )
}

fn text_watermark() -> impl Strategy<Value = TextWatermark> {
    (
        (
            "\\PC{1,30}",
            option::of("\\PC{1,20}"),
            option::of(1u16..=1000),
            option::of(any::<[u8; 3]>()),
        ),
        (
            option::of(1u8..=100),
            option::of(gravity()),
            option::of(offset()),
            option::of(offset()),
        ),
        (
            batch_degree(),
            option::of(0u8..=100),
            option::of(0u8..=100),
            option::of(scale()),
        ),
    )
        .prop_map(
            |(
                (text, font, fontsize, fill),
                (dissolve, gravity, dx, dy),
                ((batch, degree), shadow, spacing, scale),
            )| {
                TextWatermark {
                    text,
                    font,
                    fontsize,
                    fill,
                    dissolve,
                    gravity,
                    dx,
                    dy,
                    batch,
                    degree,
                    shadow,
                    spacing,
                    scale,
                }
            },
        )
}

fn matting() -> impl Strategy<Value = AiPicMatting> {
    (
        option::of(any::<bool>()),
        option::of((0u16..=1000, 0u16..=1000)),
        option::of("[^|]{1,40}"),
    )
        .prop_map(|(center_layout, padding_layout, detect_url)| AiPicMatting {
            center_layout,
            padding_layout,
            detect_url,
        })
}

fn blind_watermark() -> impl Strategy<Value = Watermark> {
    (
        any::<bool>(),
        prop_oneof![
            Just(BlindKind::HalfBlind),
            Just(BlindKind::FullyBlind),
            Just(BlindKind::Text)
        ],
        option::of("\\PC{1,30}"),
        option::of("[0-9A-Za-z]{1,20}"),
        option::of(1u8..=3),
    )
        .prop_map(|(extract, kind, image, text, level)| {
            let image = match kind {
                BlindKind::Text => image,
                _ => image.or_else(|| Some("http://b-1.cos.r.myqcloud.com/k".into())),
            };
            let text = match kind {
                BlindKind::Text if !extract => text.or_else(|| Some("Tencent".into())),
                _ => text,
            };
            let mark = BlindWatermark {
                kind,
                image,
                text,
                level,
            };
            if extract {
                Watermark::ExtractBlind(mark)
            } else {
                Watermark::Blind(mark)
            }
        })
}

fn qr_code() -> impl Strategy<Value = QrCode> {
    (
        option::of(any::<bool>()),
        option::of(prop_oneof![
            Just(BarType::Both),
            Just(BarType::QrCode),
            Just(BarType::Barcode)
        ]),
        option::of(any::<bool>()),
        option::of(500u32..),
    )
        .prop_map(|(cover, bar_type, segment, size)| QrCode {
            cover,
            bar_type,
            segment,
            size,
        })
}

/// A well-formed stage the grammar does not model: an unknown keyword, an unknown
/// `ci-process`, or a known keyword with a parameter it does not model. Built by parsing.
fn opaque_stage() -> impl Strategy<Value = Stage> {
    let segment = || "[A-Za-z0-9=_.!~@:,+*-]{1,12}";
    let text = prop_oneof![
        (
            "[a-zA-Z][a-zA-Z0-9_-]{0,12}",
            prop::collection::vec(segment(), 0..4)
        )
            .prop_map(|(k, segs)| std::iter::once(k).chain(segs).collect::<Vec<_>>().join("/")),
        (
            "[A-Za-z][A-Za-z0-9]{0,12}",
            prop::collection::vec("[a-z-]{1,8}=[A-Za-z0-9%]{0,8}", 0..3)
        )
            .prop_map(|(name, params)| {
                std::iter::once(format!("ci-process={name}"))
                    .chain(params)
                    .collect::<Vec<_>>()
                    .join("&")
            }),
        (side(), "z[a-z]{0,6}", segment())
            .prop_map(|(w, key, v)| format!("imageView2/2/w/{w}/{key}/{v}")),
        ("[5-9]", segment()).prop_map(|(kind, v)| format!("watermark/{kind}/{v}")),
        segment().prop_map(|v| format!("watermark/3/type/3/text/VGVuY2VudA==/version/{v}")),
        (any::<bool>(), segment())
            .prop_map(|(c, v)| format!("QRcode/cover/{}/zoom/{v}", u8::from(c))),
    ];
    text.prop_filter_map(
        "parses to an opaque stage",
        |t| match ProcessingRule::parse(&t).ok()?.stages.pop()? {
            s @ Stage::Opaque(_) => Some(s),
            _ => None,
        },
    )
}

fn stage() -> BoxedStrategy<Stage> {
    Union::new(vec![
        blind_watermark().prop_map(Stage::Watermark).boxed(),
        qr_code().prop_map(Stage::QrCode).boxed(),
        opaque_stage().boxed(),
        mogr().prop_map(Stage::ImageMogr2).boxed(),
        image_view2().prop_map(Stage::ImageView2).boxed(),
        image_watermark()
            .prop_map(|w| Stage::Watermark(Watermark::Image(w)))
            .boxed(),
        text_watermark()
            .prop_map(|w| Stage::Watermark(Watermark::Text(w)))
            .boxed(),
        Just(Stage::ImageInfo).boxed(),
        Just(Stage::ImageAve).boxed(),
        Just(Stage::Exif).boxed(),
        "[A-Za-z0-9_.-]{1,128}".prop_map(Stage::Style).boxed(),
        matting().prop_map(Stage::AiPicMatting).boxed(),
    ])
    .boxed()
}

/// Arbitrary valid rules: 1 to `MAX_STAGES` stages of every kind.
fn rule() -> impl Strategy<Value = ProcessingRule> {
    prop::collection::vec(stage(), 1..=MAX_STAGES).prop_map(|stages| ProcessingRule { stages })
}

/// Strings built from grammar fragments, to reach deep into the parser.
fn grammarish() -> impl Strategy<Value = String> {
    let pieces = proptest::sample::select(vec![
        "QRcode",
        "cover",
        "bar-type",
        "watermark/3",
        "watermark/4",
        "type",
        "level",
        "newop",
        "ci-process=Other",
        "imageSlim",
        "ignore-error",
        "\u{7}",
        "imageMogr2",
        "imageView2",
        "watermark",
        "imageInfo",
        "style",
        "exif",
        "imageAve",
        "ci-process=AIPicMatting",
        "&",
        "=",
        "center-layout",
        "padding-layout",
        "detect-url",
        "/",
        "/",
        "/",
        "|",
        "%7C",
        "%7",
        "%",
        "thumbnail",
        "crop",
        "cut",
        "pad",
        "color",
        "gravity",
        "rotate",
        "quality",
        "size-limit",
        "format",
        "png",
        "x",
        "!",
        "p",
        "r",
        "@",
        "<",
        ">",
        "a",
        "-",
        "1",
        "2",
        "0",
        "99999999999999999999",
        "100",
        "k",
        "m",
        "w",
        "h",
        "q",
        "text",
        "image",
        "fill",
        "I0ZGMDAwMA==",
        "6IW-6K6v5LqR",
        "=",
        "_",
        "é",
        "\u{0}",
        " ",
        "scatype",
        "spcent",
        "batch",
        "degree",
        "blur",
        "NorthWest",
    ]);
    prop::collection::vec(pieces, 0..30).prop_map(|v| v.concat())
}

fn check_any(s: &str) -> Result<(), TestCaseError> {
    match ProcessingRule::parse(s) {
        Ok(rule) => {
            // Whatever parses prints to a canonical form that parses to the same AST.
            let printed = rule.to_string();
            let again = ProcessingRule::parse(&printed);
            prop_assert_eq!(again.as_ref(), Ok(&rule), "printed {:?}", printed);
            prop_assert_eq!(again.map(|r| r.to_string()), Ok(printed));
        }
        Err(e) => {
            // The error names a real piece of the input.
            prop_assert!(
                s.get(e.offset..)
                    .is_some_and(|rest| rest.starts_with(&e.token)),
                "{:?} in {:?}",
                e,
                s
            );
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ast_round_trips(rule in rule()) {
        let printed = rule.to_string();
        let parsed = ProcessingRule::parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&rule), "printed {:?}", printed);
        // The printed form is canonical: it prints back to itself.
        prop_assert_eq!(parsed.map(|r| r.to_string()), Ok(printed));
    }

    #[test]
    fn percent_separators_are_pipes(rule in rule()) {
        let printed = rule.to_string();
        let encoded = printed.replace('|', "%7C");
        prop_assert_eq!(ProcessingRule::parse(&encoded), Ok(rule));
    }

    #[test]
    fn parse_never_panics_on_arbitrary_strings(s in any::<String>()) {
        check_any(&s)?;
    }

    #[test]
    fn parse_never_panics_on_grammar_fragments(s in grammarish()) {
        check_any(&s)?;
    }

    #[test]
    fn parse_never_panics_on_mutated_rules(rule in rule(), at in any::<prop::sample::Index>(), byte in 0x20u8..0x7f, delete in any::<bool>()) {
        let mut bytes = rule.to_string().into_bytes();
        let i = at.index(bytes.len());
        if delete { bytes.remove(i); } else { bytes.insert(i, byte); }
        check_any(&String::from_utf8_lossy(&bytes))?;
    }
}
