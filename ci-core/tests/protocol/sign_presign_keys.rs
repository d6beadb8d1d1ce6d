//! Pre-signed URLs and key encoding pitfalls.

use ci_core::sign::*;
use proptest::prelude::*;

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const T: KeyTime = KeyTime {
    start: 1000,
    end: 2000,
};

fn lookup(ak: &str) -> Option<Credentials> {
    match ak {
        "AKIDexample" => Some(Credentials::new("AKIDexample", "sk-example")),
        "AKIDtemp" => Some(Credentials::new("AKIDtemp", "sk-temp").with_token("tok+/=;& 1")),
        _ => None,
    }
}

fn host() -> Vec<(String, String)> {
    vec![("Host".into(), HOST.into())]
}

/// Splits a `/path?query` URL as a server would and decodes it.
fn receive(method: &str, url: &str) -> ReceivedRequest {
    let (path, query) = url.split_once('?').unwrap();
    ReceivedRequest::from_raw(method, path, Some(query), host()).unwrap()
}

fn ok(r: &ReceivedRequest) -> Result<VerifiedIdentity, VerifyError> {
    verify(r, lookup, 1500, &VerifyPolicy::default())
}

#[test]
fn presign_query_shape() {
    let c = lookup("AKIDexample").unwrap();
    let q = presign(&c, "GET", "a.jpg", &[], &host(), T, &HeaderPolicy::Default);
    let auth = sign(
        &c,
        &SignableRequest::for_key("GET", "a.jpg").header("Host", HOST),
        T,
        &HeaderPolicy::Default,
    );
    // Without params the query is the Authorization value itself.
    assert_eq!(q, auth.to_header_value());

    let t = lookup("AKIDtemp").unwrap();
    let q = presign(&t, "GET", "a.jpg", &[], &host(), T, &HeaderPolicy::Default);
    assert!(
        q.ends_with("&x-cos-security-token=tok%2B/%3D;%26%201"),
        "{q}"
    );
    assert!(q.contains("&q-header-list=host&"));
}

#[test]
fn presigned_urls_verify() {
    type Params = Vec<(String, Option<String>)>;
    let cases: Vec<(&str, Params)> = vec![
        ("photos/cat 1.jpg", vec![]),
        (
            "photos/cat 1.jpg",
            ProcessParam::rule("imageMogr2/thumbnail/200x").to_params(),
        ),
        ("a.jpg", ProcessParam::style("small").to_params()),
        (
            "a.jpg",
            ProcessParam::ci_process("AIPicMatting", &[("center-layout", "1")]).to_params(),
        ),
        (
            "图片/a+b c#?%.png",
            ProcessParam::rule("imageMogr2/thumbnail/!50p/watermark/2/text/5L2g5aW9==").to_params(),
        ),
    ];
    for who in ["AKIDexample", "AKIDtemp"] {
        let c = lookup(who).unwrap();
        for (key, params) in &cases {
            let url = presigned_url(&c, "GET", key, params, &host(), T, &HeaderPolicy::Default);
            let r = receive("GET", &url);
            assert_eq!(r.path, format!("/{key}"));
            let id = ok(&r).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(id.presigned);
            assert_eq!(id.secret_id, who);

            // tamper: another rule, another key, another method, expired
            let mut t = r.clone();
            t.params
                .insert(0, ("imageMogr2/thumbnail/9999x".into(), None));
            assert_eq!(
                ok(&t),
                Err(VerifyError::ParamNotSigned(
                    "imageMogr2/thumbnail/9999x".into()
                ))
            );
            let mut t = r.clone();
            t.path.push('x');
            assert_eq!(ok(&t), Err(VerifyError::SignatureMismatch));
            let mut t = r.clone();
            t.method = "PUT".into();
            assert_eq!(ok(&t), Err(VerifyError::SignatureMismatch));
            assert!(matches!(
                verify(&r, lookup, 5000, &VerifyPolicy::default()),
                Err(VerifyError::Expired { .. })
            ));
        }
    }
}

#[test]
fn presigned_url_examples() {
    let c = lookup("AKIDexample").unwrap();
    let url = presigned_url(
        &c,
        "GET",
        "a.jpg",
        &ProcessParam::ci_process("AIPicMatting", &[("center-layout", "1")]).to_params(),
        &host(),
        T,
        &HeaderPolicy::Default,
    );
    assert!(
        url.starts_with("/a.jpg?ci-process=AIPicMatting&center-layout=1&q-sign-algorithm=sha1&")
    );
    assert!(url.contains("&q-url-param-list=center-layout;ci-process&"));
    let url = presigned_url(
        &c,
        "GET",
        "a.jpg",
        &ProcessParam::style("small").to_params(),
        &host(),
        T,
        &HeaderPolicy::Default,
    );
    assert!(url.starts_with("/a.jpg?style/small&q-sign-algorithm=sha1&"));
    assert!(url.contains("&q-url-param-list=style%252fsmall&"));
}

#[test]
fn python_sdk_style_presigned_url_verifies() {
    // The Python SDK appends the raw Authorization (`%2f` in the list, unescaped): a
    // server decoding the query sees `imagemogr2/thumbnail/200x` in the list.
    let c = lookup("AKIDexample").unwrap();
    let req = SignableRequest::for_key("GET", "a.jpg")
        .flag("imageMogr2/thumbnail/200x")
        .header("Host", HOST);
    let auth = sign(&c, &req, T, &HeaderPolicy::Default);
    let url = format!(
        "/a.jpg?imageMogr2%2Fthumbnail%2F200x=&{}",
        auth.to_header_value()
    );
    ok(&receive("GET", &url)).unwrap();
}

#[test]
fn key_encoding_pitfalls() {
    let keys = [
        "photos/cat 1.jpg",
        "a+b.jpg",
        "100%.jpg",
        "what?.jpg",
        "tag#1.jpg",
        "中文/图片 一.png",
        "a/b/../c.jpg",
        "~user/file-name_x.y",
        "%2F.jpg",
        "plus+and space .jpg",
    ];
    let c = lookup("AKIDexample").unwrap();
    for key in keys {
        let enc = encode_key_for_url(key);
        assert!(!enc.contains(['?', '#', ' ', '+']), "{enc}");
        assert_eq!(decode_key(&enc).unwrap(), key);
        // Go SDK style: `/` encoded too; decodes the same.
        assert_eq!(decode_key(&encode_component(key)).unwrap(), key);

        // Sign with the raw key, send the encoded key, verify the decoded path.
        let req = SignableRequest::for_key("PUT", key).header("Host", HOST);
        let auth = sign(&c, &req, T, &HeaderPolicy::Default);
        let r = ReceivedRequest::from_raw(
            "PUT",
            &format!("/{enc}"),
            None,
            vec![
                ("Host".into(), HOST.into()),
                ("Authorization".into(), auth.to_header_value()),
            ],
        )
        .unwrap();
        ok(&r).unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    assert_eq!(encode_key_for_url("a+b"), "a%2Bb");
    assert_eq!(decode_key("a+b").unwrap(), "a+b");
    assert_eq!(decode_key("%E4%B8%AD").unwrap(), "中");
    assert_eq!(decode_key("%e4%b8%ad").unwrap(), "中");
    assert_eq!(decode_key("%"), Err(DecodeError::InvalidEscape(0)));
    assert_eq!(decode_key("ab%4"), Err(DecodeError::InvalidEscape(2)));
    assert_eq!(decode_key("%G0"), Err(DecodeError::InvalidEscape(0)));
    assert_eq!(decode_key("%C3%28"), Err(DecodeError::InvalidUtf8));
    assert!(ReceivedRequest::from_raw("GET", "/%zz", None, vec![]).is_err());
}

proptest! {
    #[test]
    fn encode_decode_roundtrip(key in "\\PC{0,40}") {
        prop_assert_eq!(decode_key(&encode_key_for_url(&key)).unwrap(), key.clone());
        prop_assert_eq!(decode_component(&encode_component(&key)).unwrap(), key);
    }

    #[test]
    fn decode_never_panics(s in "\\PC{0,40}|[%0-9a-fA-F+/]{0,20}") {
        let _ = decode_key(&s);
        let _ = decode_query(&s);
    }

    #[test]
    fn authorization_parser_never_panics(s in "\\PC{0,200}") {
        let _ = Authorization::parse(&s);
        let r = ReceivedRequest {
            method: "GET".into(),
            path: "/a".into(),
            params: vec![],
            headers: vec![("Authorization".into(), s.clone())],
        };
        let _ = verify(&r, lookup, 1500, &VerifyPolicy::default());
    }

    #[test]
    fn structured_authorization_never_panics(
        ak in "(AKIDexample|AKIDtemp|[a-z]{0,4})",
        t1 in "[0-9;]{0,25}", t2 in "[0-9;]{0,25}",
        hl in "[a-z;%/-]{0,30}", pl in "[a-zA-Z;%/-]{0,30}",
        sig in "[0-9a-fA-F]{38,42}",
        in_query in any::<bool>(),
    ) {
        let value = format!("q-sign-algorithm=sha1&q-ak={ak}&q-sign-time={t1}&q-key-time={t2}&q-header-list={hl}&q-url-param-list={pl}&q-signature={sig}");
        let r = if in_query {
            ReceivedRequest {
                method: "GET".into(), path: "/a".into(),
                params: value.split('&').map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (k.to_string(), Some(v.to_string()))
                }).collect(),
                headers: host(),
            }
        } else {
            ReceivedRequest {
                method: "GET".into(), path: "/a".into(), params: vec![],
                headers: vec![("Host".into(), HOST.into()), ("Authorization".into(), value)],
            }
        };
        let res = verify(&r, lookup, 1500, &VerifyPolicy::default());
        prop_assert!(res.is_err());
    }

    #[test]
    fn sign_verify_roundtrip(
        key in "\\PC{1,20}",
        pname in "[a-zA-Z0-9/ +%-]{1,10}", pval in "\\PC{0,10}",
        meta in "[ -~]{0,20}",
    ) {
        let c = lookup("AKIDexample").unwrap();
        let meta = meta.trim().to_string();
        let req = SignableRequest::for_key("PUT", &key)
            .param(pname.clone(), pval.clone())
            .header("Host", HOST)
            .header("x-cos-meta-m", meta.clone());
        let auth = sign(&c, &req, T, &HeaderPolicy::Default);
        let r = ReceivedRequest::from_raw(
            "PUT",
            &format!("/{}", encode_key_for_url(key.strip_prefix('/').unwrap_or(&key))),
            Some(&format!("{}={}", encode_component(&pname), encode_component(&pval))),
            vec![
                ("Host".into(), HOST.into()),
                ("x-cos-meta-m".into(), meta),
                ("Authorization".into(), auth.to_header_value()),
            ],
        ).unwrap();
        prop_assert!(ok(&r).is_ok());
    }
}
