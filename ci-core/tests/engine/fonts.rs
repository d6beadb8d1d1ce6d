//! Text watermarks through caller-supplied fonts: CJK with a `FontDir`, per-character
//! fallback, refused names, parallel rules.
//!
//! The font is `tests/fixtures/fonts/DroidSansFallback-subset.ttf`: the glyphs of
//! `水印测试中文` only, no Latin (see the README beside it).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::*;
use ci_core::process::image::{ImageFormat, Rgb, RgbImage};
use ci_core::process::{execute, execute_many, ExecuteOptions, Font, FontDir, FontError};

const FIXTURE: &str = "DroidSansFallback-subset.ttf";
/// `DroidSansFallback-subset.ttf`, URL-safe base64.
const FONT_B64: &str = "RHJvaWRTYW5zRmFsbGJhY2stc3Vic2V0LnR0Zg";
/// `水印测试中文`.
const CJK_B64: &str = "5rC05Y2w5rWL6K-V5Lit5paH";
/// `中中中中中中`: another text of six ideographs.
const OTHER_CJK_B64: &str = "5Lit5Lit5Lit5Lit5Lit5Lit";
/// `Hello 水印`, `Hello `, `水印`.
const MIXED_B64: &str = "SGVsbG8g5rC05Y2w";
const LATIN_B64: &str = "SGVsbG8g";
const SHUIYIN_B64: &str = "5rC05Y2w";

fn font_dir() -> FontDir {
    FontDir::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/fonts"
    ))
    .expect("fixture font dir")
}

/// A white 480x120 PNG.
fn white() -> Vec<u8> {
    let img = RgbImage::from_pixel(480, 120, Rgb([255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("png");
    out.into_inner()
}

fn text_rule(text_b64: &str, font_b64: Option<&str>) -> String {
    let font = font_b64.map(|f| format!("/font/{f}")).unwrap_or_default();
    format!(
        "watermark/2/text/{text_b64}{font}/fontsize/40/fill/I0ZGMDAwMA/dissolve/100/gravity/northwest/dx/10/dy/10|imageMogr2/format/png"
    )
}

/// Pixels at least half covered by the red text (green below 128), after checking that
/// every pixel is white or a blend of red over white (red channel kept) and that some
/// are solid #FF0000.
fn coverage(
    input: &[u8],
    rule_text: &str,
    resolver: Option<&ci_core::process::FontResolver<'_>>,
) -> usize {
    let opts = ExecuteOptions {
        font_resolver: resolver,
        ..Default::default()
    };
    let out =
        execute(input, &rule(rule_text), &opts).unwrap_or_else(|e| panic!("{rule_text}: {e}"));
    let img = rgba(&out);
    let mut covered = 0;
    let mut solid = 0;
    for p in img.pixels() {
        assert!(
            p[0] >= 250 && p[1].abs_diff(p[2]) <= 2,
            "not red over white: {p:?}"
        );
        if p[1] < 128 {
            covered += 1;
        }
        if p[1] <= 2 {
            solid += 1;
        }
    }
    assert!(
        covered == 0 || solid > 0,
        "{rule_text}: covered {covered} but none solid"
    );
    covered
}

#[test]
fn cjk_text_needs_a_supplied_font() {
    let input = white();
    let dir = font_dir();
    let r = |n: Option<&str>| dir.resolve(n);
    let with_font = coverage(&input, &text_rule(CJK_B64, Some(FONT_B64)), Some(&r));
    // six 40 px ideographs: measured 1,487 covered pixels (750 solid #FF0000)
    assert!(
        (1_200..1_800).contains(&with_font),
        "with font: {with_font}"
    );
    // today's gap, documented: without the font DejaVu Sans has no CJK glyph and every
    // character is its `.notdef` box (tofu, measured 1,036 covered pixels): the text is
    // lost, six other ideographs give the very same pixels
    let without = coverage(&input, &text_rule(CJK_B64, Some(FONT_B64)), None);
    assert!((800..1_300).contains(&without), "without font: {without}");
    let tofu = |text: &str, r: Option<&ci_core::process::FontResolver<'_>>| {
        let opts = ExecuteOptions {
            font_resolver: r,
            ..Default::default()
        };
        execute(&input, &rule(&text_rule(text, Some(FONT_B64))), &opts)
            .expect("runs")
            .bytes
    };
    assert_eq!(tofu(CJK_B64, None), tofu(OTHER_CJK_B64, None));
    assert_ne!(tofu(CJK_B64, Some(&r)), tofu(OTHER_CJK_B64, None));
    // an unknown name is not an error: the text falls back to DejaVu Sans
    let unknown = coverage(
        &input,
        &text_rule(CJK_B64, Some("c2ltaGVp6buR5L2TLnR0Zg")),
        Some(&r),
    );
    assert_eq!(unknown, without);
}

#[test]
fn mixed_latin_and_cjk_use_both_fonts() {
    let input = white();
    let dir = font_dir();
    let r = |n: Option<&str>| dir.resolve(n);
    let mixed = coverage(&input, &text_rule(MIXED_B64, Some(FONT_B64)), Some(&r));
    // the fixture has no Latin: "Hello " comes from DejaVu Sans
    let latin = coverage(&input, &text_rule(LATIN_B64, Some(FONT_B64)), Some(&r));
    let cjk = coverage(&input, &text_rule(SHUIYIN_B64, Some(FONT_B64)), Some(&r));
    assert!(latin > 300 && cjk > 300, "latin {latin}, cjk {cjk}");
    assert!(
        mixed > latin && mixed > cjk,
        "mixed {mixed}, latin {latin}, cjk {cjk}"
    );
    // each part keeps its own advance: no overlap, the sum within 5 %
    let sum = latin + cjk;
    assert!(mixed.abs_diff(sum) * 20 <= sum, "mixed {mixed}, sum {sum}");
}

#[test]
fn default_font_serves_rules_without_a_font_name() {
    let input = white();
    let dir = font_dir().with_default(FIXTURE);
    let r = |n: Option<&str>| dir.resolve(n);
    let plain = coverage(&input, &text_rule(CJK_B64, None), Some(&r));
    let named = coverage(&input, &text_rule(CJK_B64, Some(FONT_B64)), Some(&r));
    assert_eq!(plain, named);
    // and the characters a named font lacks (the name here is unknown)
    let unknown = coverage(
        &input,
        &text_rule(CJK_B64, Some("c2ltaGVp6buR5L2TLnR0Zg")),
        Some(&r),
    );
    assert_eq!(unknown, named);
}

#[test]
fn font_dir_matches_names_case_insensitively() {
    let dir = font_dir();
    let f = dir.load("droidsansfallback-subset.TTF").expect("loads");
    assert!(f.is_some_and(|f| f.has_glyph('水') && !f.has_glyph('H')));
    // without extension
    assert!(dir
        .load("DroidSansFallback-subset")
        .expect("loads")
        .is_some());
    assert!(dir.load("no-such-font.ttf").expect("no error").is_none());
}

#[test]
fn font_dir_refuses_names_outside_it() {
    let dir = font_dir();
    for bad in [
        "../fonts/DroidSansFallback-subset.ttf",
        "../../ci-core/Cargo.toml",
        "/etc/passwd",
        "sub\\x.ttf",
        "..",
    ] {
        assert!(
            matches!(dir.load(bad), Err(FontError::InvalidName(_))),
            "{bad}"
        );
        assert!(dir.resolve(Some(bad)).is_none(), "{bad}");
    }
    // in a rule: the refused name is ignored, the text falls back (same pixels as no font)
    let input = white();
    let r = |n: Option<&str>| dir.resolve(n);
    let dotdot = "Li4vZm9udHMvRHJvaWRTYW5zRmFsbGJhY2stc3Vic2V0LnR0Zg";
    let refused = run_with(&input, &text_rule(CJK_B64, Some(dotdot)), &r);
    let none = run_with(&input, &text_rule(CJK_B64, None), &r);
    assert_eq!(refused, none);
}

#[cfg(unix)]
#[test]
fn font_dir_refuses_symlinks_leaving_it() {
    let tmp = std::env::temp_dir().join(format!("ci-core-fontdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("fonts")).expect("tmp");
    let target = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/fonts/DroidSansFallback-subset.ttf"
    );
    std::os::unix::fs::symlink(target, tmp.join("fonts/link.ttf")).expect("symlink");
    std::fs::copy(target, tmp.join("fonts/copy.ttf")).expect("copy");
    let dir = FontDir::new(tmp.join("fonts")).expect("dir");
    assert!(matches!(
        dir.load("link.ttf"),
        Err(FontError::OutsideDirectory(_))
    ));
    assert!(dir.load("copy.ttf").expect("copy loads").is_some());
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn font_dir_errors_are_typed() {
    let dir = font_dir();
    assert!(matches!(
        dir.load("README.md"),
        Err(FontError::InvalidFont { index: 0, .. })
    ));
    assert!(dir.resolve(Some("README.md")).is_none());
    assert!(matches!(
        FontDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/no-such-dir")),
        Err(FontError::Io { .. })
    ));
    assert!(matches!(
        Font::from_vec_and_index(Vec::new(), 3),
        Err(FontError::InvalidFont { index: 3, .. })
    ));
}

fn run_with(input: &[u8], r: &str, resolver: &ci_core::process::FontResolver<'_>) -> Vec<u8> {
    let opts = ExecuteOptions {
        font_resolver: Some(resolver),
        ..Default::default()
    };
    execute(input, &rule(r), &opts)
        .unwrap_or_else(|e| panic!("{r}: {e}"))
        .bytes
}

#[test]
fn resolver_serves_parallel_rules() {
    let input = white();
    let dir = font_dir();
    let calls = AtomicUsize::new(0);
    let r = |n: Option<&str>| {
        calls.fetch_add(1, Ordering::Relaxed);
        dir.resolve(n)
    };
    let opts = ExecuteOptions {
        font_resolver: Some(&r),
        ..Default::default()
    };
    let rules: Vec<_> = (0..8)
        .map(|i| {
            let text = if i % 2 == 0 { CJK_B64 } else { MIXED_B64 };
            rule(&text_rule(text, Some(FONT_B64)))
        })
        .collect();
    let outs = execute_many(&input, &rules, &opts);
    assert_eq!(outs.len(), 8);
    // every rule asks for the named font and the default
    assert_eq!(calls.load(Ordering::Relaxed), 16);
    let single = run_with(&input, &text_rule(CJK_B64, Some(FONT_B64)), &r);
    for (i, o) in outs.into_iter().enumerate() {
        let o = o.unwrap_or_else(|e| panic!("rule {i}: {e}"));
        if i % 2 == 0 {
            assert_eq!(o.bytes, single, "rule {i}");
        }
    }
    // and from plain threads: one load, shared
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert!(dir.resolve(Some(FIXTURE)).is_some()));
        }
    });
}
