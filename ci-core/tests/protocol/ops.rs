//! Pic-Operations: the seeds' headers, validation errors, fileid resolution.

use ci_core::ops::{resolve_fileid, PicOperationsError as E};
use ci_core::{PicOperations, Rule};
use proptest::prelude::*;

/// Every compact header the seeds and wire.md show, byte for byte.
const SEED_HEADERS: &[&str] = &[
    // seeds 000, 001 (Python SDK page) and 003 (v4 API)
    r#"{"is_pic_info":1,"rules":[{"fileid":"format.png","rule":"imageView2/format/png"}]}"#,
    r#"{"is_pic_info":1,"rules":[{"fileid":"test1.png","rule":"imageView2/format/png"}]}"#,
    // seed 002 (persistent image processing API)
    r#"{"is_pic_info":1,"rules":[{"bucket":"examplebucket-1250000000","fileid":"test.png","rule":"imageMogr2/format/png"}]}"#,
    // wire.md signature vectors 1 and 2
    r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#,
    r#"{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}"#,
];

#[test]
fn seed_headers_round_trip_byte_for_byte() {
    for header in SEED_HEADERS {
        let ops = PicOperations::parse(header).expect(header);
        assert_eq!(&ops.to_header(), header);
        assert_eq!(&ops.to_string(), header);
        ops.parsed_rules().expect(header);
    }
}

#[test]
fn seed_004_pretty_headers_parse_and_compact() {
    // seed 004, processing during upload (with is_pic_info) and in the cloud (without)
    let upload = "{\n\"is_pic_info\": 1,\n\"rules\": [{\n\"fileid\": \"exampleobject\",\n\"rule\": \"ci-process=AIPicMatting\"\n}]\n}";
    let ops = PicOperations::parse(upload).unwrap();
    assert!(ops.is_pic_info);
    assert_eq!(
        ops.to_header(),
        r#"{"is_pic_info":1,"rules":[{"fileid":"exampleobject","rule":"ci-process=AIPicMatting"}]}"#
    );
    let in_cloud = "{\n\"rules\": [{\n\"fileid\": \"exampleobject\",\n\"rule\": \"ci-process=AIPicMatting\"\n}]\n}";
    let ops = PicOperations::parse(in_cloud).unwrap();
    assert!(!ops.is_pic_info);
    assert_eq!(
        ops.to_header(),
        r#"{"rules":[{"fileid":"exampleobject","rule":"ci-process=AIPicMatting"}]}"#
    );
}

#[test]
fn builder_makes_the_seed_header() {
    let ops = PicOperations::builder()
        .is_pic_info(true)
        .rule(
            Rule::new("test.png", "imageMogr2/format/png").with_bucket("examplebucket-1250000000"),
        )
        .build()
        .unwrap();
    assert_eq!(ops.to_header(), SEED_HEADERS[2]);
}

#[test]
fn lenient_where_the_service_is() {
    for (header, is_pic_info) in [
        (
            r#"{"is_pic_info":"1","rules":[{"fileid":"a","rule":"imageInfo"}]}"#,
            true,
        ),
        (
            r#"{"is_pic_info":true,"rules":[{"fileid":"a","rule":"imageInfo"}]}"#,
            true,
        ),
        (
            r#"{"is_pic_info":0,"rules":[{"fileid":"a","rule":"imageInfo"}]}"#,
            false,
        ),
        (r#"{"is_pic_info":null,"rules":null}"#, false),
        (r#"{"is_pic_info":1}"#, true),
        (
            r#"{"rules":[{"fileid":"a","rule":"imageInfo","note":"x","priority":2}],"extra":{"k":[1]}}"#,
            false,
        ),
        ("  {\"rules\" : [ ] }  ", false),
    ] {
        let ops = PicOperations::parse(header).expect(header);
        assert_eq!(ops.is_pic_info, is_pic_info, "{header}");
    }
}

fn rules(n: usize) -> String {
    let rules: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"fileid":"r{i}.png","rule":"imageMogr2/format/png"}}"#))
        .collect();
    format!(r#"{{"rules":[{}]}}"#, rules.join(","))
}

#[test]
fn at_most_five_rules() {
    assert_eq!(PicOperations::parse(&rules(5)).unwrap().rules.len(), 5);
    assert_eq!(
        PicOperations::parse(&rules(6)),
        Err(E::TooManyRules { count: 6, max: 5 })
    );
}

#[test]
fn ai_pic_matting_must_be_alone() {
    let header = r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"},{"fileid":"m.png","rule":"ci-process=AIPicMatting"}]}"#;
    assert_eq!(
        PicOperations::parse(header),
        Err(E::AiPicMattingNotAlone { rule: 1, count: 2 })
    );
    let err = PicOperations::parse(header).unwrap_err();
    assert_eq!(err.cos_code(), "InvalidPicOperations");
    assert!(err.to_string().contains("rule 1"), "{err}");
    let alone =
        r#"{"rules":[{"fileid":"m.png","rule":"ci-process=AIPicMatting&center-layout=1"}]}"#;
    assert!(PicOperations::parse(alone).is_ok());
}

#[test]
fn invalid_headers_say_what_and_where() {
    let cases: &[(&str, E)] = &[
        (
            r#"{"rules":[{"fileid":"","rule":"imageInfo"}]}"#,
            E::EmptyFileid { rule: 0 },
        ),
        (
            r#"{"rules":[{"fileid":"a","rule":"imageInfo"},{"fileid":"dir/","rule":"imageInfo"}]}"#,
            E::FileidEndsWithSlash {
                rule: 1,
                fileid: "dir/".into(),
            },
        ),
        (
            r#"{"rules":[{"fileid":"dir%2F","rule":"imageInfo"}]}"#,
            E::FileidEndsWithSlash {
                rule: 0,
                fileid: "dir%2F".into(),
            },
        ),
        (
            r#"{"rules":[{"fileid":"/a/../../x.png","rule":"imageInfo"}]}"#,
            E::FileidEscapesBucket {
                rule: 0,
                fileid: "/a/../../x.png".into(),
            },
        ),
        (
            r#"{"rules":[{"fileid":"a%zz.png","rule":"imageInfo"}]}"#,
            E::FileidEncoding {
                rule: 0,
                fileid: "a%zz.png".into(),
            },
        ),
        (
            r#"{"rules":[{"fileid":"a%ff.png","rule":"imageInfo"}]}"#,
            E::FileidEncoding {
                rule: 0,
                fileid: "a%ff.png".into(),
            },
        ),
        (
            r#"{"rules":[{"fileid":"a\u0007.png","rule":"imageInfo"}]}"#,
            E::ControlCharacter {
                rule: 0,
                field: "fileid",
                code: 7,
                offset: 1,
            },
        ),
        (
            r#"{"rules":[{"fileid":"a%0A.png","rule":"imageInfo"}]}"#,
            E::ControlCharacter {
                rule: 0,
                field: "fileid",
                code: 10,
                offset: 1,
            },
        ),
        (
            r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/\r\nX: y"}]}"#,
            E::ControlCharacter {
                rule: 0,
                field: "rule",
                code: 13,
                offset: 11,
            },
        ),
        (
            r#"{"rules":[{"fileid":"a.png","rule":" "}]}"#,
            E::EmptyRule { rule: 0 },
        ),
        (
            r#"{"rules":[{"bucket":"Example-1250000000","fileid":"a.png","rule":"imageInfo"}]}"#,
            E::InvalidBucket {
                rule: 0,
                bucket: "Example-1250000000".into(),
                reason: "the name may only hold a-z, 0-9 and '-'",
            },
        ),
        (
            r#"{"rules":[{"bucket":"example","fileid":"a.png","rule":"imageInfo"}]}"#,
            E::InvalidBucket {
                rule: 0,
                bucket: "example".into(),
                reason: "no '-' before the APPID",
            },
        ),
    ];
    for (header, expected) in cases {
        assert_eq!(
            &PicOperations::parse(header).unwrap_err(),
            expected,
            "{header}"
        );
    }
}

#[test]
fn malformed_json_reports_line_and_column() {
    for header in [
        r#"{"rules":[{"rule":"imageInfo"}]}"#,        // fileid missing
        r#"{"rules":[{"fileid":"a.png"}]}"#,          // rule missing
        r#"{"is_pic_info":2}"#,                       // not 0/1
        r#"{"rules":{"fileid":"a.png","rule":"x"}}"#, // not an array
        "{\"rules\":[\n{\"fileid\":\"a\",}]}",        // trailing comma
        "",
        "null",
    ] {
        match PicOperations::parse(header) {
            Err(E::Json { line, message, .. }) => {
                assert!(line >= 1 && !message.is_empty(), "{header}: {message}");
            }
            other => panic!("{header}: expected a JSON error, got {other:?}"),
        }
    }
    let Err(E::Json { line, column, .. }) =
        PicOperations::parse("{\"rules\":[\n{\"fileid\":\"a\",}]}")
    else {
        panic!("expected a JSON error");
    };
    assert_eq!((line, column), (2, 15));
}

#[test]
fn parsed_rules_reports_the_rule_index() {
    let ops = PicOperations::parse(
        r#"{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"},{"fileid":"b.png","rule":"imageMogr2/rotate/400"}]}"#,
    )
    .unwrap();
    match ops.parsed_rules() {
        Err(err @ E::InvalidRule { rule: 1, .. }) => {
            assert_eq!(err.cos_code(), "InvalidArgument")
        }
        other => panic!("expected InvalidRule for rule 1, got {other:?}"),
    }
}

#[test]
fn well_formed_rules_the_grammar_does_not_model_are_accepted() {
    let header = r#"{"rules":[{"fileid":"a.jpg","rule":"QRcode/cover/0"},{"fileid":"b.jpg","rule":"watermark/3/type/3/text/VGVuY2VudA=="},{"fileid":"c.jpg","rule":"imageMogr2/newop/1/thumbnail/10x"},{"fileid":"d.jpg","rule":"imageSlim"}]}"#;
    let ops = PicOperations::parse(header).unwrap();
    let rules = ops.parsed_rules().unwrap();
    let checked: Vec<bool> = rules.iter().map(|r| r.is_fully_checked()).collect();
    assert_eq!(checked, [true, true, false, false]);
    assert_eq!(ops.to_header(), header);
}

#[test]
fn fileid_resolution() {
    let cases = [
        ("p1/test1.jpg", "/p2/test2.jpg", "p2/test2.jpg"),
        ("p1/test1.jpg", "p2/test2.jpg", "p1/p2/test2.jpg"),
        ("/p1/test1.jpg", "p2/test2.jpg", "p1/p2/test2.jpg"),
        ("test1.jpg", "test2.jpg", "test2.jpg"),
        ("a/b/c.jpg", "../x.png", "a/x.png"),
        ("a/b/c.jpg", "./x.png", "a/b/x.png"),
        ("a/b/c.jpg", "/x/./y/../z.png", "x/z.png"),
        ("a.jpg", "sp%20ace+plus.png", "sp ace+plus.png"),
        ("a.jpg", "%E4%B8%AD%E6%96%87.png", "中文.png"),
        ("a.jpg", "dir%2Fx.png", "dir/x.png"),
        ("exampleobject", "exampleobject", "exampleobject"),
    ];
    for (source, fileid, expected) in cases {
        assert_eq!(
            resolve_fileid(source, fileid).as_deref(),
            Ok(expected),
            "{source} + {fileid}"
        );
    }
    for (source, fileid) in [
        ("a.jpg", "../x.png"),
        ("a/b.jpg", "../../x.png"),
        ("a.jpg", "/.."),
        ("a.jpg", ""),
        ("a.jpg", "x/"),
        ("a.jpg", "/"),
        ("a.jpg", "x/.."),
        ("a.jpg", "%"),
    ] {
        assert!(
            resolve_fileid(source, fileid).is_err(),
            "{source} + {fileid} must fail"
        );
    }
}

fn fileid_strategy() -> impl Strategy<Value = String> {
    "/?([a-z0-9 _.~中+-]{1,8}/){0,3}[a-z0-9_~中+-]{1,8}\\.(png|jpg)"
}

proptest! {
    #[test]
    fn builder_header_parse_round_trip(
        is_pic_info in any::<bool>(),
        entries in prop::collection::vec(
            (prop::option::of("[a-z0-9]{1,20}-[0-9]{10}"), fileid_strategy(), "imageMogr2/thumbnail/[1-9][0-9]{0,3}x"),
            0..=5,
        ),
    ) {
        let mut builder = PicOperations::builder().is_pic_info(is_pic_info);
        for (bucket, fileid, rule) in entries {
            let mut entry = Rule::new(fileid, rule);
            entry.bucket = bucket;
            builder = builder.rule(entry);
        }
        // A generated absolute fileid may still climb out with "..": skip those.
        let Ok(ops) = builder.build() else { return Ok(()) };
        let header = ops.to_header();
        prop_assert!(header.is_ascii());
        prop_assert_eq!(PicOperations::parse(&header).unwrap(), ops);
    }

    #[test]
    fn parse_never_panics(header in ".{0,200}") {
        let _ = PicOperations::parse(&header);
    }

    #[test]
    fn resolved_keys_stay_inside_the_bucket(
        source in "([a-z]{1,3}/){0,3}[a-z]{1,3}",
        fileid in "/?((\\.\\.|\\.|[a-z]{1,2})/){0,4}[a-z]{1,3}",
    ) {
        if let Ok(key) = resolve_fileid(&source, &fileid) {
            prop_assert!(!key.starts_with('/') && !key.ends_with('/') && !key.is_empty());
            prop_assert!(!key.split('/').any(|s| s == ".." || s == "."), "{}", key);
        }
    }
}
