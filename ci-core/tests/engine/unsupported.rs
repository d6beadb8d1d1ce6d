//! Well-formed rules the engine cannot run (opaque stages and operations, the blind
//! watermark, unknown output formats) fail with a typed error naming the stage, before any
//! decoding; the same rules in `execute_many` fail alone.

use ci_core::process::{execute, execute_many, ExecuteOptions, Limits, ProcessError};

use crate::support::*;

#[test]
fn unsupported_stages_are_named_and_answer_501() {
    let photo = corpus("photo.jpg");
    let cases = [
        ("imageMogr2/thumbnail/100x/newop/1", "imageMogr2/newop"),
        (
            "imageMogr2/indexcrop/width/100/index/1",
            "imageMogr2/indexcrop",
        ),
        ("imageSlim", "imageSlim"),
        (
            "imageView2/2/w/100/interlace/1",
            "imageView2/2/w/100/interlace/1",
        ),
        (
            "imageMogr2/thumbnail/100x|ci-process=ImageRepair&a=1",
            "ci-process=ImageRepair&a=1",
        ),
        ("watermark/3/type/3/text/VGVuY2VudA==", "watermark/3"),
        ("watermark/4/type/3", "watermark/4"),
        ("imageInfo|imageSlim", "imageSlim"),
    ];
    for (r, stage) in cases {
        match run(&photo, r) {
            Err(e @ ProcessError::UnsupportedStage { .. }) => {
                assert_eq!(
                    e.to_string(),
                    format!("{stage} is not implemented by the local engine")
                );
                assert_eq!((e.code(), e.http_status()), ("NotImplemented", 501));
            }
            other => panic!("{r}: {other:?}"),
        }
    }
    // Checked before decoding: not an image at all, still the stage error.
    assert!(matches!(
        run(b"not an image", "imageSlim"),
        Err(ProcessError::UnsupportedStage { .. })
    ));
    // ignore-error does not hide it (it only covers limit errors).
    assert!(matches!(
        run(&photo, "imageMogr2/ignore-error/1/newop/1"),
        Err(ProcessError::UnsupportedStage { .. })
    ));
}

#[test]
fn formats_without_an_encoder_are_unsupported_formats() {
    let photo = corpus("photo.jpg");
    for f in ["apng", "heic", "psd", "tpg", "heif", "yjpeg"] {
        match run(&photo, &format!("imageMogr2/format/{f}")) {
            Err(e @ ProcessError::UnsupportedFormat(_)) => {
                assert_eq!(
                    e.to_string(),
                    format!("unsupported format: no {f} encoder in this build")
                )
            }
            other => panic!("{f}: {other:?}"),
        }
    }
}

#[test]
fn one_unsupported_rule_fails_alone_in_execute_many() {
    let photo = corpus("photo.jpg");
    let rules = [
        rule("imageMogr2/thumbnail/64x"),
        rule("imageSlim"),
        rule("imageInfo"),
    ];
    let outs = execute_many(&photo, &rules, &ExecuteOptions::default());
    assert_eq!(outs.len(), 3);
    assert_eq!(dims(outs[0].as_ref().expect("thumbnail")), (64, 40));
    assert!(
        matches!(outs[1], Err(ProcessError::UnsupportedStage { ref stage }) if stage == "imageSlim")
    );
    assert!(outs[2].is_ok());
}

#[test]
fn image_view2_ignore_error_returns_the_input_on_a_limit_error() {
    let photo = corpus("photo.jpg");
    let opts = ExecuteOptions {
        limits: Limits {
            max_output_side: 100,
            ..Limits::default()
        },
        ..ExecuteOptions::default()
    };
    assert!(matches!(
        execute(&photo, &rule("imageView2/2/w/200"), &opts),
        Err(ProcessError::ImageResolutionExceed(_))
    ));
    let out = execute(&photo, &rule("imageView2/2/w/200/ignore-error/1"), &opts).unwrap();
    assert_eq!(out.bytes, photo);
}
