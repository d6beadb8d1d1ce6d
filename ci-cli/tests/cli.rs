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
fn a_well_formed_rule_the_grammar_does_not_model_is_not_checked_but_accepted() {
    let out = cos_ci(&[
        "rule",
        "imageMogr2/thumbnail/200x/newop/1|QRcode/cover/1|imageSlim",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "imageMogr2/thumbnail/200x/newop/1|QRcode/cover/1|imageSlim\n"
    );
    assert_eq!(
        stderr(&out),
        "note: not checked (well-formed, sent as written; the service decides): imageMogr2/newop/1, imageSlim\n"
    );
    // Modelled, even if the local engine does not run it: checked, no note.
    let out = cos_ci(&["rule", "watermark/3/type/3/text/VGVuY2VudA"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "watermark/3/type/3/text/VGVuY2VudA==\n");
    assert_eq!(stderr(&out), "");
    // Malformed stays malformed.
    let out = cos_ci(&["rule", "QRcode/cover/2"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("at byte 13 (\"2\")"),
        "{}",
        stderr(&out)
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

const PHOTO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/photo.jpg"
);

#[test]
fn info_reports_what_the_cloud_would() {
    let out = cos_ci(&["info", PHOTO]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "Format        JPEG",
        "Width         640",
        "Height        400",
        "Quality       90",
        "Size          55130",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let json = stdout(&cos_ci(&["info", "--json", PHOTO]));
    assert!(
        json.starts_with(r#"{"format":"jpg","width":"640","height":"400","size":"55130""#),
        "{json}"
    );
    let bad = cos_ci(&[
        "info",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/corpus/bad/not-an-image.jpg"
        ),
    ]);
    assert_eq!(bad.status.code(), Some(3));
}

#[test]
fn process_writes_the_rule_output_and_batch_names_by_format() {
    let dir = std::env::temp_dir().join(format!("cos-ci-process-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::copy(PHOTO, dir.join("in/a.jpg")).unwrap();
    std::fs::copy(PHOTO, dir.join("in/b.jpg")).unwrap();
    let single = dir.join("one.webp");
    let out = cos_ci(&[
        "process",
        "imageMogr2/thumbnail/200x/format/webp",
        PHOTO,
        single.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("(WEBP 200x125,"), "{}", stdout(&out));
    assert_eq!(&std::fs::read(&single).unwrap()[8..12], b"WEBP");

    let batch = cos_ci(&[
        "process",
        "--batch",
        "imageView2/1/w/50/h/50/format/png",
        dir.join("in").to_str().unwrap(),
        dir.join("out").to_str().unwrap(),
    ]);
    assert!(batch.status.success(), "{}", stderr(&batch));
    assert!(
        stdout(&batch).contains("processed 2 of 2 files"),
        "{}",
        stdout(&batch)
    );
    for name in ["a.png", "b.png"] {
        let png = std::fs::read(dir.join("out").join(name)).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // IHDR width and height, big-endian at bytes 16..24.
        assert_eq!(&png[16..24], &[0, 0, 0, 50, 0, 0, 0, 50]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn process_fonts_draws_cjk_text_watermarks() {
    let fonts = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/fonts");
    let dir = std::env::temp_dir().join(format!("cos-ci-fonts-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // text "水印测试中文", font "DroidSansFallback-subset.ttf"
    let rule = "watermark/2/text/5rC05Y2w5rWL6K-V5Lit5paH/font/RHJvaWRTYW5zRmFsbGJhY2stc3Vic2V0LnR0Zg/fontsize/40|imageMogr2/format/png";
    let with = dir.join("with.png");
    let without = dir.join("without.png");
    let out = cos_ci(&[
        "process",
        "--fonts",
        fonts,
        rule,
        PHOTO,
        with.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cos_ci(&["process", rule, PHOTO, without.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(
        std::fs::read(&with).unwrap(),
        std::fs::read(&without).unwrap()
    );
    // the default font serves a rule without font/
    let plain = "watermark/2/text/5rC05Y2w5rWL6K-V5Lit5paH/fontsize/40|imageMogr2/format/png";
    let defaulted = dir.join("default.png");
    let out = cos_ci(&[
        "process",
        "--fonts",
        fonts,
        "--default-font",
        "DroidSansFallback-subset.ttf",
        plain,
        PHOTO,
        defaulted.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&defaulted).unwrap(),
        std::fs::read(&with).unwrap()
    );
    // a missing folder is a usage error
    let missing = dir.join("no-such-fonts");
    let out = cos_ci(&[
        "process",
        "--fonts",
        missing.to_str().unwrap(),
        rule,
        PHOTO,
        with.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let help = cos_ci(&["process", "--help"]);
    assert!(stdout(&help).contains("--fonts <DIR>"), "{}", stdout(&help));
    assert!(stdout(&help).contains("CJK"), "{}", stdout(&help));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_prints_the_clouds_json() {
    let out = cos_ci(&["inspect", PHOTO]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"picSize\":55130,\"picType\":\"jpeg\",\"suspicious\":false}\n"
    );
    let dir = std::env::temp_dir().join(format!("cos-ci-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hidden = dir.join("hidden.jpg");
    let mut bytes = std::fs::read(PHOTO).unwrap();
    bytes.extend_from_slice(b"<?php system($_GET['c']); ?>");
    std::fs::write(&hidden, &bytes).unwrap();
    let out = cos_ci(&["inspect", hidden.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"picSize\":55158,\"picType\":\"jpeg\",\"suspicious\":true,\"suspiciousBeginByte\":55130,\
         \"suspiciousEndByte\":55157,\"suspiciousSize\":28,\"suspiciousType\":\"PHP\"}\n"
    );
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    assert_eq!(
        cos_ci(&["inspect", text.to_str().unwrap()]).status.code(),
        Some(3)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn qrcode_make_then_read_and_cover() {
    let dir = std::env::temp_dir().join(format!("cos-ci-qrcode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let code = dir.join("code.png");
    let code_arg = code.to_str().unwrap();
    let out = cos_ci(&[
        "qrcode",
        "make",
        "https://example.com/cos-ci",
        "--width",
        "210",
        code_arg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(&std::fs::read(&code).unwrap()[..8], b"\x89PNG\r\n\x1a\n");

    // 25 modules + 8 quiet ones, 6 px each, centred in 210 px: the code starts at
    // 6 + 4 × 6 = 30 px (rqrr puts the far corners one module past the last one).
    let out = cos_ci(&["qrcode", "read", code_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text,
        "https://example.com/cos-ci\t30,30 186,30 186,186 30,186\n"
    );

    let out = cos_ci(&["qrcode", "read", "--xml", code_arg]);
    let xml = stdout(&out);
    assert!(
        xml.starts_with("<Response>\n<CodeStatus>1</CodeStatus>\n<QRcodeInfo>\n<CodeUrl>https://example.com/cos-ci</CodeUrl>\n<CodeLocation>\n<Point>"),
        "{xml}"
    );

    let covered = dir.join("covered.png");
    let out = cos_ci(&[
        "qrcode",
        "read",
        code_arg,
        "--cover",
        covered.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), text, "the codes found before covering");
    let out = cos_ci(&["qrcode", "read", "--xml", covered.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "<Response>\n<CodeStatus>0</CodeStatus>\n</Response>\n"
    );

    let out = cos_ci(&["qrcode", "read", PHOTO]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no code found"), "{}", stderr(&out));

    let bar = dir.join("bar.png");
    let out = cos_ci(&[
        "qrcode",
        "make",
        "COS-CI",
        "--width",
        "300",
        "--mode",
        "1",
        bar.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for bad in [
        vec!["qrcode", "make", "x", "--width", "10", code_arg],
        vec![
            "qrcode", "make", "x", "--width", "300", "--mode", "2", code_arg,
        ],
        vec![
            "qrcode", "make", "数据", "--width", "300", "--mode", "1", code_arg,
        ],
    ] {
        assert_eq!(cos_ci(&bad).status.code(), Some(3), "{bad:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `cos-ci serve` on a free port with a temporary root, stopped (and its root removed)
/// when dropped.
struct Served {
    child: std::process::Child,
    port: String,
    root: std::path::PathBuf,
}

impl Served {
    fn start() -> Served {
        use std::io::BufRead;
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("cos-ci-cli-serve-{}-{n}", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_cos-ci"))
            .args([
                "serve",
                "--port",
                "0",
                "--secret-id",
                "AKIDcli",
                "--secret-key",
                "sk-cli",
                "--root",
            ])
            .arg(&root)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("cos-ci serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let port = (0..200)
            .find_map(|_| {
                let line = lines.next()?.ok()?;
                line.split("serving COS + CI on http://127.0.0.1:")
                    .nth(1)
                    .map(|p| p.trim().to_owned())
            })
            .expect("the server announces its address");
        // Keep draining its log so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Served { child, port, root }
    }

    /// `cos-ci ARGS` against this server.
    fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--ip",
            "127.0.0.1",
            "--port",
            &self.port,
            "--scheme",
            "http",
        ]);
        Command::new(env!("CARGO_BIN_EXE_cos-ci"))
            .args(&all)
            .env("COS_SECRET_ID", "AKIDcli")
            .env("COS_SECRET_KEY", "sk-cli")
            .output()
            .expect("cos-ci runs")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

const CLI_BUCKET: &str = "examplebucket-1250000000";

#[test]
fn style_add_list_delete_against_a_bucket() {
    let served = Served::start();
    let out = served.run(&[
        "style",
        "add",
        CLI_BUCKET,
        "thumb",
        "imageMogr2/thumbnail/64x",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = served.run(&["style", "add", CLI_BUCKET, "gray", "imageMogr2/grayscale/1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = served.run(&["style", "list", CLI_BUCKET]);
    assert_eq!(
        stdout(&out),
        "gray\timageMogr2/grayscale/1\nthumb\timageMogr2/thumbnail/64x\n"
    );
    let out = served.run(&["style", "list", CLI_BUCKET, "thumb", "--xml"]);
    assert_eq!(
        stdout(&out),
        "<StyleList>\n<StyleRule>\n<StyleName>thumb</StyleName>\n\
         <StyleBody>imageMogr2/thumbnail/64x</StyleBody>\n</StyleRule>\n</StyleList>\n"
    );
    // A malformed rule is refused before sending (exit 3); the service's refusal is 4.
    let out = served.run(&["style", "add", CLI_BUCKET, "bad", "imageMogr2/rotate/400"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = served.run(&["style", "add", CLI_BUCKET, "a b", "imageMogr2/grayscale/1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    for name in ["gray", "thumb"] {
        let out = served.run(&["style", "delete", CLI_BUCKET, name]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = served.run(&["style", "list", CLI_BUCKET]);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no style"), "{}", stderr(&out));
}

#[test]
fn inspect_and_qrcode_read_an_object_as_they_read_a_file() {
    let served = Served::start();
    let dir = std::env::temp_dir().join(format!("cos-ci-remote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut hidden = std::fs::read(PHOTO).unwrap();
    hidden.extend_from_slice(b"<?php system($_GET['c']); ?>");
    let hidden_file = dir.join("hidden.jpg");
    std::fs::write(&hidden_file, &hidden).unwrap();
    let hidden_arg = hidden_file.to_str().unwrap();
    let out = served.run(&["put", CLI_BUCKET, "in/hidden.jpg", hidden_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let local = stdout(&cos_ci(&["inspect", hidden_arg]));
    let out = served.run(&["inspect", CLI_BUCKET, "in/hidden.jpg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), local);
    assert!(local.contains("\"suspiciousType\":\"PHP\""), "{local}");

    let code = dir.join("code.png");
    let code_arg = code.to_str().unwrap();
    let made = cos_ci(&[
        "qrcode",
        "make",
        "https://example.com/cos-ci",
        "--width",
        "210",
        code_arg,
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(served
        .run(&["put", CLI_BUCKET, "qr/code.png", code_arg])
        .status
        .success());
    for extra in [&[][..], &["--xml"][..]] {
        let mut local_args = vec!["qrcode", "read", code_arg];
        local_args.extend(extra);
        let mut remote_args = vec!["qrcode", "read", CLI_BUCKET, "qr/code.png"];
        remote_args.extend(extra);
        let out = served.run(&remote_args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&cos_ci(&local_args)), "{extra:?}");
    }
    let covered = dir.join("covered.png");
    let out = served.run(&[
        "qrcode",
        "read",
        CLI_BUCKET,
        "qr/code.png",
        "--cover",
        covered.to_str().unwrap(),
    ]);
    assert_eq!(
        stdout(&out),
        "https://example.com/cos-ci\t30,30 186,30 186,186 30,186\n"
    );
    let out = cos_ci(&["qrcode", "read", covered.to_str().unwrap()]);
    assert_eq!(stdout(&out), "");
    // BUCKET KEY needs credentials; a missing object is the service's 404 (exit 4).
    let out = cos_ci(&["inspect", CLI_BUCKET, "in/hidden.jpg"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("--secret-id"), "{}", stderr(&out));
    let out = served.run(&["inspect", CLI_BUCKET, "in/missing.jpg"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `cos-ci serve` killed while pic jobs run, then restarted on the same root.
#[path = "serve_jobs/crash.rs"]
mod serve_jobs_crash;

// ---------------------------------------------------------------------------------------
// cos-ci jobs submit|get|list|wait against `cos-ci serve` (asynchronous pic jobs).
// ---------------------------------------------------------------------------------------

/// A small PNG (1.5 KB): many of them make a batch quick.
const SMALL_PNG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/corpus/alpha.png"
);

/// `cos-ci ARGS` against `served`, not yet started (to be interrupted).
fn jobs_command(served: &Served, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cos-ci"));
    command
        .args(args)
        .args([
            "--ip",
            "127.0.0.1",
            "--port",
            &served.port,
            "--scheme",
            "http",
        ])
        .env("COS_SECRET_ID", "AKIDcli")
        .env("COS_SECRET_KEY", "sk-cli")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// A temporary folder for journals, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("cos-ci-jobs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The jobs `cos-ci jobs list` prints: (job id, state, source, output) per line.
fn listed_jobs(served: &Served) -> Vec<[String; 4]> {
    let out = served.run(&["jobs", "list", "--bucket", CLI_BUCKET, "--limit", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert!(f.len() >= 4, "{line}");
            [f[0], f[1], f[2], f[3]].map(str::to_owned)
        })
        .collect()
}

/// The journal's `submitted` records: source keys, in order.
fn journaled_sources(journal: &str) -> Vec<String> {
    std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"event\":\"submitted\""))
        .map(|l| {
            l.split("\"key\":\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn jobs_submit_waits_summarises_and_get_list_wait_show_single_jobs() {
    let served = Served::start();
    let dir = TempDir::new("submit");
    for key in ["in/a.png", "in/b.png", "in/sub/c.png"] {
        let out = served.run(&["put", CLI_BUCKET, key, SMALL_PNG]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let not_an_image = dir.file("notes.png");
    std::fs::write(&not_an_image, b"not an image").unwrap();
    assert!(served
        .run(&["put", CLI_BUCKET, "in/notes.png", &not_an_image])
        .status
        .success());
    let journal = dir.file("j.jsonl");
    let submit = [
        "jobs",
        "submit",
        "--bucket",
        CLI_BUCKET,
        "--prefix",
        "in/",
        "--rule",
        "imageMogr2/thumbnail/8x/format/webp",
        "--output",
        "thumbs/${InputName}.webp",
        "--journal",
        &journal,
        "--timeout",
        "120",
    ];
    let out = served.run(&submit);
    // One job failed: exit 6, a summary, the failure named.
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("jobs 4: success 3, failed 1, cancelled 0, unfinished 0, refused 0; "),
        "{text}"
    );
    assert!(
        text.contains("\nFAILED in/notes.png -> thumbs/notes.webp: Failed "),
        "{text}"
    );
    assert!(
        stderr(&out).contains("4 objects under \"in/\": 0 already submitted"),
        "{}",
        stderr(&out)
    );
    // Each source journaled once (in the order the workers got their answers).
    let mut journaled = journaled_sources(&journal);
    journaled.sort();
    assert_eq!(
        journaled,
        ["in/a.png", "in/b.png", "in/notes.png", "in/sub/c.png"]
    );
    // The results are there: 256x256 made 8x8.
    let thumb = dir.file("c.webp");
    let out = served.run(&["get", CLI_BUCKET, "thumbs/c.webp", &thumb]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&cos_ci(&["info", &thumb]));
    assert!(
        info.contains("\nWidth         8\nHeight        8\n"),
        "{info}"
    );

    let jobs = listed_jobs(&served);
    assert_eq!(jobs.len(), 4);
    let mut sources: Vec<&str> = jobs.iter().map(|j| j[2].as_str()).collect();
    sources.sort_unstable();
    assert_eq!(
        sources,
        ["in/a.png", "in/b.png", "in/notes.png", "in/sub/c.png"]
    );
    let failed = jobs.iter().find(|j| j[2] == "in/notes.png").unwrap();
    assert_eq!(failed[1], "Failed");
    let ok = jobs.iter().find(|j| j[2] == "in/a.png").unwrap();
    assert_eq!(ok[1], "Success");
    assert_eq!(ok[3], "thumbs/a.webp");

    // get: the same line; --xml the service's answer; an unknown id exits 4.
    let out = served.run(&["jobs", "get", "--bucket", CLI_BUCKET, &ok[0]]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}\tSuccess\tin/a.png\tthumbs/a.webp\n", ok[0])
    );
    let out = served.run(&["jobs", "get", "--bucket", CLI_BUCKET, "--xml", &ok[0]]);
    let xml = stdout(&out);
    assert!(
        xml.starts_with("<Response>\n<JobsDetail>\n<Code>Success</Code>\n")
            && xml.contains(&format!(
                "\n<JobId>{}</JobId>\n<State>Success</State>\n",
                ok[0]
            )),
        "{xml}"
    );
    let unknown = "c00000000000000000000000000000000";
    let out = served.run(&["jobs", "get", "--bucket", CLI_BUCKET, unknown]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains(unknown), "{}", stderr(&out));

    // wait: 0 for a success, 6 for a failure.
    let out = served.run(&["jobs", "wait", "--bucket", CLI_BUCKET, &ok[0]]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = served.run(&["jobs", "wait", "--bucket", CLI_BUCKET, &failed[0]]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "{}\tFailed\tin/notes.png\tthumbs/notes.webp\t",
            failed[0]
        )),
        "{}",
        stdout(&out)
    );
    // list filters by state.
    let out = served.run(&["jobs", "list", "--bucket", CLI_BUCKET, "--state", "Failed"]);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));

    // The same command again submits nothing and waits for the journaled jobs.
    let out = served.run(&submit);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 objects under \"in/\": 4 already submitted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(listed_jobs(&served).len(), 4);
    // Another run's settings on the same journal are refused (exit 3).
    let mut other = submit.to_vec();
    other[7] = "imageMogr2/thumbnail/9x";
    let out = served.run(&other);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// Runs `args` until the journal holds `records` lines, then sends `signal`; answers the
/// exit code (`None` when ended by the signal).
fn interrupt_at(
    served: &Served,
    args: &[&str],
    journal: &str,
    records: usize,
    signal: &str,
) -> Option<i32> {
    let mut child = jobs_command(served, args).spawn().expect("cos-ci runs");
    for _ in 0..3000 {
        let lines = std::fs::read_to_string(journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= records || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    let _ = Command::new("kill").args([signal, &pid]).status();
    child.wait().unwrap().code()
}

#[test]
fn jobs_submit_interrupted_half_way_resumes_without_submitting_twice() {
    const N: usize = 24;
    let served = Served::start();
    let dir = TempDir::new("resume");
    for i in 0..N {
        let key = format!("batch/{i:02}.png");
        let out = served.run(&["put", CLI_BUCKET, &key, SMALL_PNG]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for (signal, output, journal) in [
        // Ctrl-C: the submissions in flight finish, then exit 130.
        ("-INT", "int/${InputName}.webp", dir.file("int.jsonl")),
        // A crash: an intent may be left without its outcome, settled by the rerun.
        ("-KILL", "kill/${InputName}.webp", dir.file("kill.jsonl")),
    ] {
        let args = [
            "jobs",
            "submit",
            "--bucket",
            CLI_BUCKET,
            "--prefix",
            "batch/",
            "--rule",
            "imageMogr2/thumbnail/8x/format/webp",
            "--output",
            output,
            "--journal",
            &journal,
            "--rate",
            "20",
            "--concurrency",
            "2",
            "--timeout",
            "120",
        ];
        // Header + about N/2 submissions (two lines each).
        let code = interrupt_at(&served, &args, &journal, N + 1, signal);
        if signal == "-INT" {
            assert_eq!(code, Some(130), "{signal}");
        } else {
            assert_eq!(code, None, "{signal}");
        }
        let before = journaled_sources(&journal).len();
        assert!(
            before > 0 && before < N,
            "{signal}: {before} of {N} before the rerun"
        );
        let out = served.run(&args);
        assert!(out.status.success(), "{signal}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!("jobs {N}: success {N}, failed 0,")),
            "{signal}: {}",
            stdout(&out)
        );
        let prefix = output.split('/').next().unwrap();
        let mut sources: Vec<String> = listed_jobs(&served)
            .into_iter()
            .filter(|j| j[3].starts_with(&format!("{prefix}/")))
            .map(|j| j[2].clone())
            .collect();
        assert_eq!(sources.len(), N, "{signal}: one job per source");
        sources.sort();
        sources.dedup();
        assert_eq!(sources.len(), N, "{signal}: no source twice");
        let mut journaled = journaled_sources(&journal);
        assert_eq!(journaled.len(), N, "{signal}");
        journaled.sort();
        journaled.dedup();
        assert_eq!(journaled.len(), N, "{signal}");
    }
}
