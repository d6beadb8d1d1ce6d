//! Verifier: sign -> verify round trips and tamper tests.

use ci_core::sign::*;

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const PIC: &str = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;
const T: KeyTime = KeyTime {
    start: 1000,
    end: 2000,
};
const NOW: u64 = 1500;

fn creds() -> Credentials {
    Credentials::new("AKIDexample", "sk-example")
}

fn temp_creds() -> Credentials {
    Credentials::new("AKIDtemp", "sk-temp").with_token("token+/= 1")
}

fn lookup(ak: &str) -> Option<Credentials> {
    match ak {
        "AKIDexample" => Some(creds()),
        "AKIDtemp" => Some(temp_creds()),
        _ => None,
    }
}

fn put_request(key: &str) -> SignableRequest {
    SignableRequest::for_key("PUT", key)
        .header("Host", HOST)
        .header("Pic-Operations", PIC)
        .header("Content-Length", "64")
        .header("Content-Type", "image/jpeg")
        .header("x-cos-meta-owner", "Ann Lee")
}

/// What the server receives for a signed request: the URL is encoded, then decoded.
fn transmit(req: &SignableRequest, auth: Option<&Authorization>) -> ReceivedRequest {
    let key = req.path.strip_prefix('/').unwrap_or(&req.path);
    let raw_path = format!("/{}", encode_key_for_url(key));
    let raw_query: Vec<String> = req
        .params
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", encode_component(k), encode_component(v)),
            None => encode_component(k),
        })
        .collect();
    let mut headers = req.headers.clone();
    headers.push(("Accept".into(), "*/*".into()));
    if let Some(a) = auth {
        headers.push(("Authorization".into(), a.to_header_value()));
    }
    ReceivedRequest::from_raw(
        req.method.clone(),
        &raw_path,
        Some(&raw_query.join("&")),
        headers,
    )
    .unwrap()
}

fn signed(req: &SignableRequest, c: &Credentials) -> ReceivedRequest {
    let auth = sign(c, req, T, &HeaderPolicy::Default);
    let mut r = transmit(req, Some(&auth));
    if let Some(t) = &c.token {
        r.headers.push(("x-cos-security-token".into(), t.clone()));
    }
    r
}

fn check(r: &ReceivedRequest) -> Result<VerifiedIdentity, VerifyError> {
    verify(r, lookup, NOW, &VerifyPolicy::default())
}

fn set_header(r: &mut ReceivedRequest, name: &str, value: &str) {
    for (k, v) in r.headers.iter_mut() {
        if k.eq_ignore_ascii_case(name) {
            *v = value.to_string();
        }
    }
}

#[test]
fn roundtrip_put() {
    let r = signed(&put_request("photos/cat 1.jpg"), &creds());
    let id = check(&r).unwrap();
    assert_eq!(id.secret_id, "AKIDexample");
    assert_eq!(id.token, None);
    assert!(!id.presigned);
    assert_eq!(id.key_time, T);
}

#[test]
fn roundtrip_with_params_and_rule_keys() {
    let req = SignableRequest::for_key("GET", "a b/c.jpg")
        .flag("imageMogr2/thumbnail/!50p")
        .param("ci-process", "AIPicMatting")
        .param("center-layout", "1")
        .param("weird key+", "v a+l/ue%")
        .header("Host", HOST);
    check(&signed(&req, &creds())).unwrap();
    // Go form (bare key) and Python form (key=) are accepted alike.
    let auth = sign(&creds(), &req, T, &HeaderPolicy::Default);
    let mut r = transmit(&req, Some(&auth));
    r.params[0].1 = Some(String::new());
    check(&r).unwrap();
}

#[test]
fn roundtrip_temporary_credentials() {
    let r = signed(&put_request("x.jpg"), &temp_creds());
    let id = check(&r).unwrap();
    assert_eq!(id.token.as_deref(), Some("token+/= 1"));
}

#[test]
fn token_mismatch() {
    // Go SDK style: token header sent but not signed; a wrong one is a token mismatch.
    let c = temp_creds();
    let req = put_request("x.jpg");
    let auth = sign(
        &Credentials {
            token: None,
            ..c.clone()
        },
        &req,
        T,
        &HeaderPolicy::Default,
    );
    let mut r = transmit(&req, Some(&auth));
    r.headers
        .push(("x-cos-security-token".into(), "token+/= 1".into()));
    check(&r).unwrap();
    set_header(&mut r, "x-cos-security-token", "other");
    assert_eq!(check(&r), Err(VerifyError::TokenMismatch));
    // missing token for temporary credentials
    let r = transmit(&req, Some(&auth));
    assert_eq!(check(&r), Err(VerifyError::TokenMismatch));
    // token sent with permanent credentials
    let mut r = signed(&put_request("x.jpg"), &creds());
    r.headers.push(("x-cos-security-token".into(), "t".into()));
    assert_eq!(check(&r), Err(VerifyError::TokenMismatch));
    // a signed token that was altered: the signature breaks first
    let mut r = signed(&put_request("x.jpg"), &temp_creds());
    set_header(&mut r, "x-cos-security-token", "other");
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));
}

#[test]
fn tampered_header_path_method_param() {
    let base = signed(&put_request("photos/cat 1.jpg"), &creds());

    let mut r = base.clone();
    set_header(&mut r, "Pic-Operations", &PIC.replace("200x", "2000x"));
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));

    let mut r = base.clone();
    set_header(&mut r, "x-cos-meta-owner", "Bob");
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));

    let mut r = base.clone();
    r.path = "/photos/cat 2.jpg".into();
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));

    let mut r = base.clone();
    r.method = "POST".into();
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));

    // method case does not matter
    let mut r = base.clone();
    r.method = "put".into();
    check(&r).unwrap();

    // an extra, unsigned header not required to be signed is fine
    let mut r = base.clone();
    r.headers.push(("User-Agent".into(), "curl".into()));
    check(&r).unwrap();

    // a signed header removed
    let mut r = base.clone();
    r.headers.retain(|(k, _)| k != "x-cos-meta-owner");
    assert_eq!(
        check(&r),
        Err(VerifyError::SignedHeaderMissing("x-cos-meta-owner".into()))
    );

    // params
    let req = SignableRequest::for_key("POST", "a.jpg")
        .flag("image_process")
        .header("Host", HOST);
    let base = signed(&req, &creds());
    check(&base).unwrap();
    let mut r = base.clone();
    r.params[0].0 = "image_processx".into();
    assert_eq!(
        check(&r),
        Err(VerifyError::SignedParamMissing("image_process".into()))
    );
    let mut r = base.clone();
    r.params.push(("imageMogr2/thumbnail/10x".into(), None));
    assert_eq!(
        check(&r),
        Err(VerifyError::ParamNotSigned(
            "imageMogr2/thumbnail/10x".into()
        ))
    );
    let mut r = base.clone();
    r.params[0].1 = Some("x".into());
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));
}

#[test]
fn relaxed_param_policy_only_requires_processing_params() {
    let req = SignableRequest::for_key("GET", "a.jpg").header("Host", HOST);
    let mut r = signed(&req, &creds());
    r.params.push(("cachebust".into(), Some("1".into())));
    assert_eq!(
        check(&r),
        Err(VerifyError::ParamNotSigned("cachebust".into()))
    );
    let relaxed = VerifyPolicy {
        require_all_params_signed: false,
        ..VerifyPolicy::default()
    };
    verify(&r, lookup, NOW, &relaxed).unwrap();
    r.params
        .push(("ci-process".into(), Some("AIPicMatting".into())));
    assert_eq!(
        verify(&r, lookup, NOW, &relaxed),
        Err(VerifyError::ParamNotSigned("ci-process".into()))
    );
}

#[test]
fn time_window() {
    let r = signed(&put_request("x.jpg"), &creds());
    let p = VerifyPolicy::default(); // 60 s skew
    assert!(verify(&r, lookup, 1000, &p).is_ok());
    assert!(verify(&r, lookup, 2000, &p).is_ok());
    assert!(verify(&r, lookup, 940, &p).is_ok());
    assert!(verify(&r, lookup, 2060, &p).is_ok());
    assert_eq!(
        verify(&r, lookup, 939, &p),
        Err(VerifyError::NotYetValid {
            start: 1000,
            now: 939
        })
    );
    assert_eq!(
        verify(&r, lookup, 2061, &p),
        Err(VerifyError::Expired {
            end: 2000,
            now: 2061
        })
    );
    let exact = VerifyPolicy { clock_skew: 0, ..p };
    assert!(matches!(
        verify(&r, lookup, 2001, &exact),
        Err(VerifyError::Expired { .. })
    ));

    // Editing q-sign-time to extend the window breaks the signature.
    let mut r2 = r.clone();
    for (k, v) in r2.headers.iter_mut() {
        if k == "Authorization" {
            *v = v.replace("q-sign-time=1000;2000", "q-sign-time=1000;9000");
        }
    }
    assert_eq!(
        verify(&r2, lookup, 1500, &exact),
        Err(VerifyError::SignatureMismatch)
    );
    // Editing q-key-time changes the SignKey.
    let mut r3 = r.clone();
    for (k, v) in r3.headers.iter_mut() {
        if k == "Authorization" {
            *v = v.replace("q-key-time=1000;2000", "q-key-time=1000;9000");
        }
    }
    assert_eq!(check(&r3), Err(VerifyError::SignatureMismatch));
}

#[test]
fn unknown_key_and_malformed() {
    let mut r = signed(&put_request("x.jpg"), &creds());
    check(&r).unwrap();
    for (k, v) in r.headers.iter_mut() {
        if k == "Authorization" {
            *v = v.replace("q-ak=AKIDexample", "q-ak=AKIDnobody");
        }
    }
    assert_eq!(
        check(&r),
        Err(VerifyError::UnknownAccessKey("AKIDnobody".into()))
    );

    let mut r = transmit(&put_request("x.jpg"), None);
    assert!(matches!(check(&r), Err(VerifyError::Malformed(_))));
    for bad in [
        "garbage",
        "q-sign-algorithm=md5&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0123456789abcdef0123456789abcdef01234567",
        "q-sign-algorithm=sha1&q-ak=a&q-sign-time=2;1&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0123456789abcdef0123456789abcdef01234567",
        "q-sign-algorithm=sha1&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=xyz",
        "q-sign-algorithm=sha1&q-ak=a&q-ak=b&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=0123456789abcdef0123456789abcdef01234567",
    ] {
        r.headers.retain(|(k, _)| k != "Authorization");
        r.headers.push(("Authorization".into(), bad.into()));
        assert!(matches!(check(&r), Err(VerifyError::Malformed(_))), "{bad}");
    }
}

#[test]
fn required_headers_must_be_signed() {
    let only = |names: &[&str]| HeaderPolicy::Only(names.iter().map(|s| s.to_string()).collect());
    let req = put_request("x.jpg");
    let lax = VerifyPolicy {
        strict: false,
        ..VerifyPolicy::default()
    };

    // pic-operations unsigned: always rejected
    let auth = sign(
        &creds(),
        &req,
        T,
        &only(&["host", "content-type", "content-length"]),
    );
    let r = transmit(&req, Some(&auth));
    assert_eq!(
        check(&r),
        Err(VerifyError::HeaderNotSigned("pic-operations".into()))
    );
    assert_eq!(
        verify(&r, lookup, NOW, &lax),
        Err(VerifyError::HeaderNotSigned("pic-operations".into()))
    );

    // content-type unsigned: rejected in strict mode only
    let auth = sign(
        &creds(),
        &req,
        T,
        &only(&["host", "pic-operations", "content-length"]),
    );
    let r = transmit(&req, Some(&auth));
    assert_eq!(
        check(&r),
        Err(VerifyError::HeaderNotSigned("content-type".into()))
    );
    verify(&r, lookup, NOW, &lax).unwrap();

    // content-length unsigned
    let auth = sign(
        &creds(),
        &req,
        T,
        &only(&["host", "pic-operations", "content-type"]),
    );
    let r = transmit(&req, Some(&auth));
    assert_eq!(
        check(&r),
        Err(VerifyError::HeaderNotSigned("content-length".into()))
    );

    // absent headers are not required
    let get = SignableRequest::for_key("GET", "x.jpg").header("Host", HOST);
    check(&signed(&get, &creds())).unwrap();

    // extra required headers
    let p = VerifyPolicy {
        required_headers: vec!["Host".into()],
        ..VerifyPolicy::default()
    };
    let auth = sign(&creds(), &get, T, &only(&[]));
    assert_eq!(
        verify(&transmit(&get, Some(&auth)), lookup, NOW, &p),
        Err(VerifyError::HeaderNotSigned("host".into()))
    );
}

#[test]
fn host_with_or_without_port() {
    // Python SDK: signs the host without port; the Host header carries one.
    let req = SignableRequest::for_key("GET", "x.jpg").header("Host", HOST);
    let mut r = signed(&req, &creds());
    set_header(&mut r, "Host", &format!("{HOST}:8080"));
    check(&r).unwrap();
    // Go SDK: signs the host with the port as sent.
    let req = SignableRequest::for_key("GET", "x.jpg").header("Host", "127.0.0.1:8080");
    check(&signed(&req, &creds())).unwrap();
    // a different host is rejected
    let mut r = signed(&req, &creds());
    set_header(&mut r, "Host", "127.0.0.2:8080");
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));
    // signed with port, received without: rejected (the port was signed)
    let mut r = signed(&req, &creds());
    set_header(&mut r, "Host", "127.0.0.1");
    assert_eq!(check(&r), Err(VerifyError::SignatureMismatch));
}

#[test]
fn python_and_go_list_forms_verify() {
    // A header-borne list uses canonical names; verifying does not depend on list order.
    let req = SignableRequest::for_key("GET", "x.jpg")
        .flag("imageMogr2/thumbnail/200x")
        .header("Host", HOST);
    let mut auth = sign(&creds(), &req, T, &HeaderPolicy::Default);
    auth.header_list.reverse();
    check(&transmit(&req, Some(&auth))).unwrap();
}
