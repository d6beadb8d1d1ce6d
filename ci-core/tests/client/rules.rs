//! Rules the cloud accepts but the grammar does not fully model (QR codes, the blind
//! watermark, a future `imageMogr2` operation, unknown stages) build, canonicalise and are
//! sent unchanged, upload and download alike; malformed rules are refused before sending,
//! with the offending token and its byte offset.

use crate::support::*;
use ci_core::client::{Body, ClientError, CosClient, MattingSource, ObjectOptions};
use ci_core::rule::{ProcessingRule, RuleErrorKind};
use ci_core::sign::ProcessParam;
use ci_core::{PicOperations, Rule};

/// `http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/shuiyin_2.png`.
const IMG: &str = "aHR0cDovL2V4YW1wbGVidWNrZXQtMTI1MDAwMDAwMC5jb3MuYXAtZ3Vhbmd6aG91Lm15cWNsb3VkLmNvbS9zaHVpeWluXzIucG5n";

fn accepted_rules() -> Vec<(String, bool)> {
    // (rule, fully checked by the grammar)
    vec![
        ("QRcode/cover/0".into(), true),
        ("QRcode/cover/1/bar-type/1".into(), true),
        ("watermark/3/type/3/text/VGVuY2VudA==".into(), true),
        (format!("watermark/3/type/2/image/{IMG}/level/3"), true),
        (format!("watermark/4/type/2/image/{IMG}"), true),
        ("imageMogr2/newop/1".into(), false),
        ("imageMogr2/thumbnail/200x/newop/1/format/png".into(), false),
        ("imageSlim".into(), false),
        ("imageView2/2/w/100/interlace/1".into(), false),
        (
            "watermark/3/type/3/text/VGVuY2VudA==/version/2.0".into(),
            false,
        ),
        ("imageMogr2/thumbnail/100x|QRcode/cover/1".into(), true),
    ]
}

fn header_of(rule: &str) -> String {
    format!(r#"{{"rules":[{{"fileid":"out.jpg","rule":"{rule}"}}]}}"#)
}

#[test]
fn rules_the_cloud_accepts_build_canonicalise_and_are_sent() {
    let srv = TestServer::ok();
    let client = srv.client();
    for (rule, checked) in accepted_rules() {
        let parsed = ProcessingRule::parse(&rule).unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert_eq!(parsed.to_string(), rule, "canonical form");
        assert_eq!(parsed.is_fully_checked(), checked, "{rule}");

        // Typed, through the builder: serialised once and sent.
        let ops = PicOperations::builder()
            .rule(Rule::new("out.jpg", rule.as_str()))
            .build()
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        client
            .ci_put_object(
                BUCKET,
                "in.jpg",
                Body::from_bytes(&b"x"[..]),
                &ObjectOptions::default().pic_operations(ops),
            )
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        let sent = srv.last();
        assert_eq!(
            sent.header("Pic-Operations"),
            Some(header_of(&rule).as_str())
        );
        assert!(sent.verified.is_ok(), "{rule}");

        // As text: sent exactly as given.
        let text = header_of(&rule).replace(r#"{"rules""#, r#"{ "rules""#);
        client
            .ci_image_process(
                BUCKET,
                "in.jpg",
                &ObjectOptions::default().pic_operations(text.as_str()),
            )
            .expect_err("the test server's empty answer is no UploadResult");
        assert_eq!(srv.last().header("Pic-Operations"), Some(text.as_str()));
    }
    assert_eq!(srv.requests().len(), 2 * accepted_rules().len());
}

#[test]
fn malformed_rules_are_refused_before_sending_with_the_offset() {
    let srv = TestServer::ok();
    let client = srv.client();
    let six = (0..6)
        .map(|i| format!(r#"{{"fileid":"o{i}.jpg","rule":"QRcode/cover/0"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let eleven = ["QRcode/cover/1"; 11].join("|");
    let cases = [
        (header_of("QRcode/cover/2"), "at byte 13 (\"2\")"),
        (header_of("watermark/3/type/4"), "at byte 17 (\"4\")"),
        (
            header_of("watermark/3/type/3"),
            "\"type\" requires text with type 3 at byte 12",
        ),
        (header_of("imageMogr2/newop//1"), "empty segment at byte 17"),
        (
            header_of("imageMogr2/Thumbnail/100x"),
            "unknown imageMogr2 operation at byte 11",
        ),
        (
            header_of("ImageMogr2/strip"),
            "unknown processing stage at byte 0",
        ),
        (header_of(&eleven), "more than 10 stages at byte 150"),
        (format!(r#"{{"rules":[{six}]}}"#), "has 6 rules; at most 5"),
        (
            r#"{"rules":[{"fileid":"dir/","rule":"QRcode/cover/0"}]}"#.into(),
            "ends with '/'",
        ),
        (
            header_of(r"imageMogr2/newop/a\u0001"),
            "control character U+0001",
        ),
    ];
    for (ops, needle) in &cases {
        let err = client
            .ci_put_object(
                BUCKET,
                "a.jpg",
                Body::from_bytes(&b"x"[..]),
                &ObjectOptions::default().pic_operations(ops.as_str()),
            )
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{ops}: {err}");
        assert!(matches!(
            err.as_client(),
            Some(ClientError::PicOperations(_))
        ));
    }
    assert!(srv.requests().is_empty(), "nothing may be sent");
}

#[test]
fn download_rules_get_the_same_checks() {
    let srv = TestServer::start(|_, _| Reply::ok().body(b"IMG".to_vec()));
    let client = srv.client();
    let get = |p: ProcessParam| {
        let mut out = Vec::new();
        client
            .get_object(
                BUCKET,
                "a.jpg",
                Some(&p),
                &ObjectOptions::default(),
                &mut out,
            )
            .map(|_| out)
    };

    // Malformed: refused before sending, the rule's own offsets.
    for (param, offset, token) in [
        (ProcessParam::rule("imageMogr2/rotate/400"), 18, "400"),
        (ProcessParam::rule("imageMogr2/newop//1"), 17, ""),
        (ProcessParam::rule("QRcode/cover/2"), 13, "2"),
        (ProcessParam::style("a b"), 6, "a b"),
        (
            ProcessParam::ci_process("AIPicMatting", &[("center-layout", "2")]),
            38,
            "2",
        ),
    ] {
        let err = get(param.clone()).unwrap_err();
        match err.as_client() {
            Some(ClientError::Rule(e)) => {
                assert_eq!((e.offset, e.token.as_str()), (offset, token), "{param:?}")
            }
            other => panic!("{param:?}: {other:?}"),
        }
        let presigned = client.get_presigned_download_url(BUCKET, "a.jpg", 60, Some(&param));
        assert!(presigned.is_err(), "{param:?}");
    }
    let err = client
        .ai_pic_matting(
            BUCKET,
            MattingSource::Key("a.jpg"),
            &[("padding-layout", "2000x1")],
            &mut Vec::new(),
        )
        .unwrap_err();
    assert!(
        matches!(err.as_client(), Some(ClientError::Rule(_))),
        "{err}"
    );
    let err = get(ProcessParam::ci_process("QRcode", &[("cover", "1\u{1}")])).unwrap_err();
    match err.as_client() {
        Some(ClientError::Rule(e)) => {
            assert_eq!(e.kind, RuleErrorKind::ControlCharacter { code: 1 });
            assert_eq!(e.offset, "ci-process=QRcode&cover=1".len());
        }
        other => panic!("{other:?}"),
    }
    assert!(srv.requests().is_empty(), "nothing may be sent");

    // Well-formed, modelled or not: sent as given.
    for (param, url) in [
        (
            ProcessParam::rule("imageMogr2/newop/1"),
            "/a.jpg?imageMogr2%2Fnewop%2F1=",
        ),
        (
            ProcessParam::rule("imageMogr2/thumbnail/100x|imageSlim"),
            "/a.jpg?imageMogr2%2Fthumbnail%2F100x%7CimageSlim=",
        ),
        (
            ProcessParam::ci_process("QRcode", &[("cover", "1"), ("bar-type", "0")]),
            "/a.jpg?ci-process=QRcode&cover=1&bar-type=0",
        ),
    ] {
        assert_eq!(get(param.clone()).unwrap(), b"IMG", "{param:?}");
        let sent = srv.last();
        assert_eq!(sent.url, url);
        assert!(sent.verified.is_ok());
        assert!(client
            .get_presigned_download_url(BUCKET, "a.jpg", 60, Some(&param))
            .is_ok());
    }
}

#[test]
fn the_last_checked_pic_operations_is_reused_and_a_bad_one_is_still_refused() {
    let srv = TestServer::ok();
    let client = srv.client();
    let good = header_of("imageMogr2/thumbnail/200x");
    let bad = header_of("imageMogr2/Thumbnail/200x");
    let put = |c: &CosClient, ops: &str| {
        c.ci_put_object(
            BUCKET,
            "a.jpg",
            Body::from_bytes(&b"x"[..]),
            &ObjectOptions::default().pic_operations(ops),
        )
    };
    let clone = client.clone();
    for (c, ops, ok) in [
        (&client, &good, true),
        (&client, &good, true), // the checked text, not checked again
        (&client, &bad, false),
        (&clone, &bad, false), // a refused text is never remembered
        (&clone, &good, true),
        (&client, &bad, false), // nor does a good one let a bad one through
    ] {
        let out = put(c, ops);
        assert_eq!(out.is_ok(), ok, "{ops}: {out:?}");
        if let Err(e) = out {
            assert!(
                e.to_string()
                    .contains("unknown imageMogr2 operation at byte 11"),
                "{e}"
            );
        }
    }
    let sent: Vec<String> = srv
        .requests()
        .iter()
        .map(|r| r.header("Pic-Operations").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent, [good.clone(), good.clone(), good]);
}
