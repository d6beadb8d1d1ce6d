//! The `cos-ci` binary: outputs and exit codes scripts rely on.

use std::process::{Command, Output};

fn cos_ci(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cos-ci"))
        .args(args)
        .env_remove("COS_SECRET_ID")
        .env_remove("COS_SECRET_KEY")
        .output()
        .expect("cos-ci runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn rule_prints_the_canonical_form() {
    let out = cos_ci(&[
        "rule",
        "imageMogr2/thumbnail/200x/gravity/SouthEast%7cimageInfo",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "imageMogr2/thumbnail/200x/gravity/southeast|imageInfo\n"
    );
}

#[test]
fn a_bad_rule_exits_3_and_points_at_the_token() {
    let out = cos_ci(&["rule", "imageMogr2/rotate/400"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("at byte 18 (\"400\")"), "{err}");
    assert!(err.contains("\n                    ^^^"), "{err}");
}

#[test]
fn ops_build_makes_the_seed_header() {
    let out = cos_ci(&[
        "ops",
        "build",
        "--pic-info",
        "--dest-bucket",
        "examplebucket-1250000000",
        "--rule",
        "test.png=imageMogr2/format/png",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"is_pic_info\":1,\"rules\":[{\"bucket\":\"examplebucket-1250000000\",\"fileid\":\"test.png\",\"rule\":\"imageMogr2/format/png\"}]}\n"
    );
}

#[test]
fn ops_check_resolves_destinations_and_refuses_bad_headers() {
    let out = cos_ci(&[
        "ops",
        "check",
        r#"{"rules":[{"fileid":"p2/test2.jpg","rule":"imageMogr2/format/png"},{"fileid":"/p3/x.png","rule":"imageInfo"}]}"#,
        "--source-key",
        "p1/test1.jpg",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "valid: is_pic_info=0\n(source bucket)/p1/p2/test2.jpg <- imageMogr2/format/png\n(source bucket)/p3/x.png <- imageInfo\n"
    );
    let bad = cos_ci(&[
        "ops",
        "check",
        r#"{"rules":[{"fileid":"dir/","rule":"imageInfo"}]}"#,
    ]);
    assert_eq!(bad.status.code(), Some(3));
    assert!(stderr(&bad).contains("ends with '/'"), "{}", stderr(&bad));
}

#[test]
fn sign_reproduces_test_vector_1() {
    let out = cos_ci(&[
        "sign",
        "--method",
        "PUT",
        "--key",
        "photos/cat 1.jpg",
        "-H",
        "Host: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        "-H",
        r#"Pic-Operations: {"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#,
        "-H",
        "Content-Length: 64",
        "-H",
        "Content-Type: image/jpeg",
        "-H",
        "x-cos-meta-owner: Ann Lee",
        "--key-time",
        "1795377299;1795387359",
        "--secret-id",
        "AKIDexample",
        "--secret-key",
        "sk-example",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "q-header-list=content-length;content-type;host;pic-operations;x-cos-meta-owner"
        ),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2_and_missing_credentials_are_refused() {
    assert_eq!(cos_ci(&["no-such-command"]).status.code(), Some(2));
    let out = cos_ci(&["serve", "--port", "0"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("no credentials"), "{}", stderr(&out));
}

#[test]
fn help_teaches_by_example() {
    let out = cos_ci(&["put", "--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    assert!(help.contains("Example: cos-ci put"), "{help}");
    assert!(help.contains("COS_SECRET_ID"), "{help}");
}

#[test]
fn demo_uploads_with_two_rules_and_fetches_a_thumbnail() {
    let out_file =
        std::env::temp_dir().join(format!("cos-ci-demo-test-{}.jpg", std::process::id()));
    let out_arg = out_file.to_string_lossy().into_owned();
    let out = cos_ci(&["demo", "--out", &out_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // The bundled photo is 640x400: thumbnail/200x gives 200x125, imageView2/1 160x160.
    for expected in [
        "<Key>photos/thumb/photo-200.webp</Key>",
        "<Format>webp</Format>\n<Md5>",
        "<Width>200</Width>\n<Height>125</Height>",
        "<Key>square/photo.png</Key>",
        "<Width>160</Width>\n<Height>160</Height>",
        "<Format>JPEG</Format>\n<Width>640</Width>\n<Height>400</Height>\n<Quality>90</Quality>",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let fetched = std::fs::read(&out_file).expect("the thumbnail was written");
    let _ = std::fs::remove_file(&out_file);
    assert_eq!(&fetched[..3], b"\xff\xd8\xff", "a JPEG");
    assert!(text.contains("image/jpeg"), "{text}");
}
