//! Image styles (wire-ci.md §A) byte for byte, as the two SDKs send them; styles applied
//! in Pic-Operations, download rules, pre-signed URLs and through style separators; the
//! configuration's styles as rows; CI paths vs objects that look like them.

use std::sync::Arc;

use ci_core::result::{StyleList, UploadResult};

use crate::common::*;

const DECL: &str = "<?xml version='1.0' encoding='utf-8' ?>\n";

/// The Python SDK's body: `xmltodict.unparse` with its declaration, no Content-Type.
fn python_body(root: &str, inner: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root}>{inner}</{root}>")
}

fn add_python(a: std::net::SocketAddr, name: &str, body: &str) -> Resp {
    Req::new("PUT", "")
        .param("style", "")
        .body(python_body(
            "AddStyle",
            &format!("<StyleName>{name}</StyleName><StyleBody>{body}</StyleBody>"),
        ))
        .send(a)
}

fn list(a: std::net::SocketAddr, body: &str) -> Resp {
    Req::new("GET", "").param("style", "").body(body).send(a)
}

#[test]
fn styles_are_added_listed_and_deleted_as_the_cloud_answers() {
    let (srv, _dir) = server();
    let a = srv.addr();
    // Nothing yet: `<StyleList/>` with nothing inside (the Python SDK reads
    // {'StyleList': None}).
    let r = list(a, &python_body("GetStyle", ""));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    assert_eq!(r.text(), format!("{DECL}<StyleList/>"));

    let r = add_python(a, "small", "imageMogr2/thumbnail/100x");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"");
    assert_eq!(r.header("Content-Type"), Some("application/xml"));
    assert_eq!(r.header("Content-Length"), Some("0"));
    // The Go SDK: `?style` without `=`, Content-Type and Content-MD5, no declaration.
    let go = "<AddStyle><StyleName>gray.v2</StyleName><StyleBody>imageMogr2/grayscale/1|imageMogr2/format/png</StyleBody></AddStyle>";
    let r = Req::new("PUT", "")
        .flag("style")
        .header("Content-Type", "application/xml")
        .header("Content-MD5", &ci_core::client::content_md5(go.as_bytes()))
        .body(go)
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());

    let all = format!(
        "{DECL}<StyleList>\n<StyleRule>\n<StyleName>gray.v2</StyleName>\n\
         <StyleBody>imageMogr2/grayscale/1|imageMogr2/format/png</StyleBody>\n</StyleRule>\n\
         <StyleRule>\n<StyleName>small</StyleName>\n<StyleBody>imageMogr2/thumbnail/100x</StyleBody>\n\
         </StyleRule>\n</StyleList>"
    );
    // All of them: with an empty GetStyle (Python), an empty name, or no body (Go, nil).
    for body in [
        python_body("GetStyle", ""),
        "<GetStyle><StyleName></StyleName></GetStyle>".to_owned(),
        String::new(),
    ] {
        let r = list(a, &body);
        assert_eq!(r.text(), all, "{body:?}");
    }
    let r = list(a, "<GetStyle><StyleName>small</StyleName></GetStyle>");
    assert_eq!(
        r.text(),
        format!(
            "{DECL}<StyleList>\n<StyleRule>\n<StyleName>small</StyleName>\n\
             <StyleBody>imageMogr2/thumbnail/100x</StyleBody>\n</StyleRule>\n</StyleList>"
        )
    );
    let r = list(a, "<GetStyle><StyleName>nope</StyleName></GetStyle>");
    assert_eq!(r.text(), format!("{DECL}<StyleList/>"));

    // Adding an existing name replaces its rule.
    assert_eq!(
        add_python(a, "small", "imageMogr2/thumbnail/50x").status,
        200
    );
    let listed = StyleList::from_xml(&list(a, "").text()).unwrap();
    assert_eq!(listed.body_of("small"), Some("imageMogr2/thumbnail/50x"));
    assert_eq!(listed.style_rule.len(), 2);

    // Delete (the Python SDK's body); an unknown name succeeds too.
    for name in ["small", "small", "never"] {
        let r = Req::new("DELETE", "")
            .param("style", "")
            .body(python_body(
                "DeleteStyle",
                &format!("<StyleName>{name}</StyleName>"),
            ))
            .send(a);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.body, b"");
    }
    let listed = StyleList::from_xml(&list(a, "").text()).unwrap();
    assert_eq!(listed.style_rule.len(), 1);
    assert_eq!(listed.style_rule[0].style_name, "gray.v2");
}

#[test]
fn bad_style_requests_are_refused_and_change_nothing() {
    let (srv, _dir) = server();
    let a = srv.addr();
    assert_eq!(
        add_python(a, "keep", "imageMogr2/thumbnail/100x").status,
        200
    );
    let before = list(a, "").text();
    for (name, body, code) in [
        ("a b", "imageMogr2/thumbnail/100x", "InvalidArgument"),
        (
            "x".repeat(129).as_str(),
            "imageMogr2/thumbnail/100x",
            "InvalidArgument",
        ),
        ("bad", "imageMogr2/rotate/400", "InvalidArgument"),
        ("nested", "style/keep", "InvalidArgument"),
        ("", "imageMogr2/thumbnail/100x", "InvalidArgument"),
        ("empty", "", "InvalidArgument"),
    ] {
        let err = assert_error(&add_python(a, name, body), 400, code);
        assert!(!err.message.is_empty());
    }
    let r = Req::new("PUT", "")
        .param("style", "")
        .body("<AddStyle><StyleName>x</StyleName>")
        .send(a);
    assert_error(&r, 400, "MalformedXML");
    let r = Req::new("PUT", "")
        .param("style", "")
        .body("<Other/>")
        .send(a);
    assert_error(&r, 400, "MalformedXML");
    // Content-MD5 that does not match the body.
    let go = "<AddStyle><StyleName>x</StyleName><StyleBody>imageInfo</StyleBody></AddStyle>";
    let r = Req::new("PUT", "")
        .flag("style")
        .header("Content-MD5", &ci_core::client::content_md5(b"other"))
        .body(go)
        .send(a);
    assert_error(&r, 400, "BadDigest");
    // A document over 64 KiB, and deep nesting.
    let r = Req::new("PUT", "")
        .param("style", "")
        .body(vec![b' '; 64 * 1024 + 1])
        .send(a);
    assert_error(&r, 400, "EntityTooLarge");
    let deep = format!(
        "<GetStyle>{}{}</GetStyle>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    assert_error(&list(a, &deep), 400, "MalformedXML");
    let r = Req::new("DELETE", "")
        .param("style", "")
        .body("<DeleteStyle/>")
        .send(a);
    assert_error(&r, 400, "InvalidArgument");
    // ?style addresses the bucket, not an object; POST is not a style call.
    assert_error(
        &Req::new("GET", "photo.jpg").param("style", "").send(a),
        400,
        "InvalidArgument",
    );
    assert_error(
        &Req::new("POST", "").param("style", "").send(a),
        405,
        "MethodNotAllowed",
    );
    assert_eq!(list(a, "").text(), before);
}

#[test]
fn a_bucket_holds_at_most_100_styles() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for i in 0..100 {
        let r = add_python(a, &format!("s{i:03}"), "imageMogr2/thumbnail/100x");
        assert_eq!(r.status, 200, "{i}: {}", r.text());
    }
    let err = assert_error(
        &add_python(a, "s100", "imageMogr2/thumbnail/100x"),
        400,
        "InvalidArgument",
    );
    assert!(
        err.message.contains("at most 100 styles"),
        "{}",
        err.message
    );
    // Replacing one of the 100 is still allowed.
    assert_eq!(
        add_python(a, "s000", "imageMogr2/thumbnail/90x").status,
        200
    );
    let listed = StyleList::from_xml(&list(a, "").text()).unwrap();
    assert_eq!(listed.style_rule.len(), 100);
    assert_eq!(listed.body_of("s000"), Some("imageMogr2/thumbnail/90x"));
}

#[test]
fn styles_apply_in_rules_downloads_presigned_urls_and_separators() {
    let (srv, _dir) = server_with(|c| {
        c.style_separators.insert(BUCKET.into(), "!-".into());
    });
    let a = srv.addr();
    assert_eq!(
        add_python(a, "small", "imageMogr2/thumbnail/100x").status,
        200
    );
    assert_eq!(Req::new("PUT", "img.jpg").body("IMG").send(a).status, 200);
    let small = fake_output(b"IMG", "imageMogr2/thumbnail/100x");

    // Download rule, with and without `=`.
    assert_eq!(
        Req::new("GET", "img.jpg").flag("style/small").send(a).body,
        small
    );
    assert_eq!(
        Req::new("GET", "img.jpg")
            .param("style/small", "")
            .send(a)
            .body,
        small
    );
    // Pic-Operations on upload.
    let ops = r#"{"is_pic_info":0,"rules":[{"fileid":"up-small.jpg","rule":"style/small"}]}"#;
    let r = Req::new("PUT", "up.jpg")
        .header("Pic-Operations", ops)
        .body("IMG")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let ur = UploadResult::from_xml(&r.text()).unwrap();
    assert_eq!(ur.process_results[0].key, "up-small.jpg");
    assert_eq!(Req::new("GET", "up-small.jpg").send(a).body, small);
    // A pre-signed URL with the style among its signed parameters.
    let n = now();
    let url = ci_core::sign::presigned_url(
        &creds(),
        "GET",
        "img.jpg",
        &[("style/small".to_owned(), Some(String::new()))],
        &[("Host".into(), vhost())],
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let r = send(a, "GET", &url, &[("Host".to_owned(), vhost())], b"");
    assert_eq!(
        (r.status, r.body.clone()),
        (200, small.clone()),
        "{}",
        r.text()
    );

    // Separators: the key names the object and the style.
    for key in ["img.jpg!small", "img.jpg-small"] {
        let r = Req::new("GET", key).send(a);
        assert_eq!(r.status, 200, "{key}: {}", r.text());
        assert_eq!(r.body, small, "{key}");
        assert_eq!(r.header("Content-Type"), Some("image/jpg"));
    }
    // Signed over the whole path, as a pre-signed URL of `img.jpg!small` is.
    let url = ci_core::sign::presigned_url(
        &creds(),
        "GET",
        "img.jpg!small",
        &[],
        &[("Host".into(), vhost())],
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let r = send(a, "GET", &url, &[("Host".to_owned(), vhost())], b"");
    assert_eq!(
        (r.status, r.body.clone()),
        (200, small.clone()),
        "{}",
        r.text()
    );
    // A separator not enabled, an unknown style, a missing object: NoSuchKey.
    for key in ["img.jpg_small", "img.jpg!nope", "other.jpg!small"] {
        assert_error(&Req::new("GET", key).send(a), 404, "NoSuchKey");
    }
    // An object named by the whole key wins.
    assert_eq!(
        Req::new("PUT", "img.jpg!small")
            .body("LITERAL")
            .send(a)
            .status,
        200
    );
    assert_eq!(Req::new("GET", "img.jpg!small").send(a).body, b"LITERAL");
    // An unknown style in a rule names it.
    let err = assert_error(
        &Req::new("GET", "img.jpg").flag("style/nope").send(a),
        400,
        "InvalidArgument",
    );
    assert!(err.message.contains("\"nope\""), "{}", err.message);
}

#[test]
fn configured_styles_are_rows_of_the_database() {
    let dir = tempdir::Dir::new();
    let start = |dir: &tempdir::Dir| {
        let mut config = test_config(dir);
        config.styles.insert(
            BUCKET.into(),
            [("conf".to_owned(), "imageMogr2/thumbnail/100x".to_owned())]
                .into_iter()
                .collect(),
        );
        ci_server::spawn_for_tests(config, Arc::new(FakeEngine)).expect("server starts")
    };
    let srv = start(&dir);
    let a = srv.addr();
    let listed = StyleList::from_xml(&list(a, "").text()).unwrap();
    assert_eq!(listed.body_of("conf"), Some("imageMogr2/thumbnail/100x"));
    // Changed and added through the API, like any row.
    assert_eq!(
        add_python(a, "conf", "imageMogr2/thumbnail/50x").status,
        200
    );
    assert_eq!(add_python(a, "api", "imageMogr2/thumbnail/70x").status, 200);
    drop(srv);
    // At the next start the configuration's style is the configuration's again; the
    // API's stays.
    let srv = start(&dir);
    let listed = StyleList::from_xml(&list(srv.addr(), "").text()).unwrap();
    assert_eq!(listed.body_of("conf"), Some("imageMogr2/thumbnail/100x"));
    assert_eq!(listed.body_of("api"), Some("imageMogr2/thumbnail/70x"));
    // A configuration with a bad style or separator does not start.
    let mut bad = test_config(&dir);
    bad.style_separators.insert(BUCKET.into(), "!.".into());
    assert!(bad.validate().is_err());
    let mut bad = test_config(&dir);
    bad.styles.insert(
        BUCKET.into(),
        [("a b".to_owned(), "imageInfo".to_owned())]
            .into_iter()
            .collect(),
    );
    assert!(bad.validate().is_err());
}

#[test]
fn objects_named_like_ci_paths_are_objects_on_the_buckets_host() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for key in [
        "jobs/photo.jpg",
        "template/a.png",
        "picqueue/p0123",
        "image/cat.jpg",
        "jobs",
    ] {
        let r = Req::new("PUT", key).body(key.as_bytes().to_vec()).send(a);
        assert_eq!(r.status, 200, "{key}: {}", r.text());
        let r = Req::new("GET", key).send(a);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, key.as_bytes()),
            "{key}"
        );
    }
    // Path style too.
    let mut put = Req::new("PUT", "workflow/w.png").body("W");
    put.path_style = true;
    assert_eq!(put.send(a).status, 200);
    assert_eq!(Req::new("GET", "workflow/w.png").send(a).body, b"W");
    // The CI API's own shape is refused: a job id (a letter, 32 hex digits), the bare
    // root with POST, a listing with the API's query.
    let id = "c0123456789abcdef0123456789abcdef";
    let r = Req::new("GET", &format!("doc_jobs/{id}")).send(a);
    let err = assert_error(&r, 501, "NotImplemented");
    assert!(err.message.contains("/doc_jobs"), "{}", err.message);
    assert_error(&Req::new("POST", "doc_jobs").send(a), 501, "NotImplemented");
    let r = Req::new("GET", "jobs")
        .param("queueId", "")
        .param("tag", "Transcode")
        .send(a);
    assert_error(&r, 501, "NotImplemented");
    let mut path_style = Req::new("GET", &format!("doc_jobs/{id}"));
    path_style.path_style = true;
    assert_error(&path_style.send(a), 501, "NotImplemented");
    // On the CI host (`<bucket>.ci.<region>`) every path under a CI root is the API's.
    let mut on_ci = Req::new("PUT", "jobs/photo.jpg").body("x");
    on_ci.host = format!("{BUCKET}.ci.{REGION}.myqcloud.com");
    assert_error(&on_ci.send(a), 501, "NotImplemented");
    // Nothing of it was stored.
    assert_error(
        &Req::new("GET", &format!("doc_jobs/{id}")).send(a),
        501,
        "NotImplemented",
    );
    let listing = Req::new("GET", "")
        .param("prefix", "doc_jobs")
        .send(a)
        .text();
    assert!(!listing.contains("<Key>"), "{listing}");
}

#[test]
fn a_signed_content_length_the_request_leaves_out_counts_as_zero() {
    // The Go SDK's GetStyle(nil): `content-length` (0) in q-header-list, no header sent.
    let (srv, _dir) = server();
    let a = srv.addr();
    let n = now();
    let mut signed = ci_core::sign::SignableRequest::for_key("GET", "");
    signed.params = vec![("style".into(), None)];
    signed.headers = vec![
        ("Host".into(), vhost()),
        ("Content-Length".into(), "0".into()),
    ];
    let auth = ci_core::sign::sign(
        &creds(),
        &signed,
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let headers = vec![
        ("Host".to_owned(), vhost()),
        ("Authorization".to_owned(), auth.to_header_value()),
    ];
    let r = send(a, "GET", "/?style", &headers, b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), format!("{DECL}<StyleList/>"));
    // Signed as 7: the request's empty body does not match.
    signed.headers[1].1 = "7".into();
    let auth = ci_core::sign::sign(
        &creds(),
        &signed,
        ci_core::sign::KeyTime::new(n - 60, n + 600),
        &ci_core::sign::HeaderPolicy::Default,
    );
    let headers = vec![
        ("Host".to_owned(), vhost()),
        ("Authorization".to_owned(), auth.to_header_value()),
    ];
    assert_error(
        &send(a, "GET", "/?style", &headers, b""),
        403,
        "SignatureDoesNotMatch",
    );
}
