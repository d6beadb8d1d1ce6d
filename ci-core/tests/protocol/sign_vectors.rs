//! The signing test vectors of `wire.md`, reproduced exactly.

use ci_core::sign::*;

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const T: KeyTime = KeyTime {
    start: 1795377299,
    end: 1795387359,
};

fn python_creds() -> Credentials {
    Credentials::new("AKIDexample", "sk-example")
}

fn vector1_request() -> SignableRequest {
    SignableRequest::for_key("PUT", "photos/cat 1.jpg")
        .header("Host", HOST)
        .header(
            "Pic-Operations",
            r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#,
        )
        .header("Content-Length", "64")
        .header("Content-Type", "image/jpeg")
        .header("x-cos-meta-owner", "Ann Lee")
        // not in the Python SDK's list: must not be signed
        .header("Accept", "*/*")
        .header("User-Agent", "cos-python-sdk-v5.1.9.44")
}

#[test]
fn vector1_python_put_with_pic_operations() {
    let req = vector1_request();
    let hs = http_string(&req, &HeaderPolicy::Default);
    assert_eq!(
        hs,
        "put\n/photos/cat 1.jpg\n\ncontent-length=64&content-type=image%2Fjpeg&host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com&pic-operations=%7B%22is_pic_info%22%3A1%2C%22rules%22%3A%5B%7B%22fileid%22%3A%22thumb.png%22%2C%22rule%22%3A%22imageMogr2%2Fthumbnail%2F200x%2Fformat%2Fpng%22%7D%5D%7D&x-cos-meta-owner=Ann%20Lee\n"
    );
    let sts = string_to_sign(T, &hs);
    assert_eq!(
        sts,
        "sha1\n1795377299;1795387359\n5c23ffb86bef8ef85933d7cfc171bae5a21d8125\n"
    );
    let sk = sign_key("sk-example", T);
    assert_eq!(sk, "55ebea19eac67d1b8e77d3e27618bb1acea2c078");
    assert_eq!(
        signature(&sk, &sts),
        "91d20915c60a14bb095c16ed07f4e7436d80cad1"
    );

    let auth = sign(&python_creds(), &req, T, &HeaderPolicy::Default);
    assert_eq!(auth.signature, "91d20915c60a14bb095c16ed07f4e7436d80cad1");
    assert_eq!(
        auth.header_list.join(";"),
        "content-length;content-type;host;pic-operations;x-cos-meta-owner"
    );
    assert!(auth.param_list.is_empty());
    assert_eq!(
        auth.to_header_value(),
        "q-sign-algorithm=sha1&q-ak=AKIDexample&q-sign-time=1795377299;1795387359&q-key-time=1795377299;1795387359&q-header-list=content-length;content-type;host;pic-operations;x-cos-meta-owner&q-url-param-list=&q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1"
    );
    assert_eq!(Authorization::parse(&auth.to_header_value()).unwrap(), auth);
}

#[test]
fn vector1_header_order_and_case_do_not_matter() {
    let mut req = vector1_request();
    req.headers.reverse();
    for (k, _) in req.headers.iter_mut() {
        *k = k.to_ascii_uppercase();
    }
    let auth = sign(&python_creds(), &req, T, &HeaderPolicy::Default);
    assert_eq!(auth.signature, "91d20915c60a14bb095c16ed07f4e7436d80cad1");
}

#[test]
fn vector2_python_post_image_process() {
    let req = SignableRequest::for_key("POST", "photos/cat 1.jpg")
        .flag("image_process")
        .header("Host", HOST)
        .header("Content-Length", "0")
        .header(
            "Pic-Operations",
            r#"{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}"#,
        );
    let hs = http_string(&req, &HeaderPolicy::Default);
    assert_eq!(hs.lines().nth(2), Some("image_process="));
    let auth = sign(&python_creds(), &req, T, &HeaderPolicy::Default);
    assert_eq!(auth.param_list, ["image_process"]);
    assert_eq!(auth.signature, "11e550e7c777bb7eeb8296e6b67763004f28bd2b");
    assert_eq!(
        auth.header_list.join(";"),
        "content-length;host;pic-operations"
    );
    // Python sends `image_process=` (empty value), Go a bare key: same signature.
    let req2 = SignableRequest {
        params: vec![("image_process".into(), Some(String::new()))],
        ..req
    };
    assert_eq!(
        sign(&python_creds(), &req2, T, &HeaderPolicy::Default).signature,
        "11e550e7c777bb7eeb8296e6b67763004f28bd2b"
    );
}

#[test]
fn vector3_go_sdk() {
    let creds = Credentials::new(
        "QmFzZTY0IGlzIGEgZ2VuZXJp",
        "AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM",
    );
    let req = SignableRequest::new("PUT", "/testfile2")
        .header("host", "testbucket-125000000.cos.ap-guangzhou.myqcloud.com")
        .header(
            "x-cos-content-sha1",
            "db8ac1c259eb89d4a131b253bacfca5f319d54f2",
        )
        .header("x-cos-stroage-class", "nearline");
    let auth = sign(
        &creds,
        &req,
        KeyTime::new(1480932292, 1481012292),
        &HeaderPolicy::Default,
    );
    assert_eq!(auth.signature, "ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a");
    assert_eq!(
        auth.header_list.join(";"),
        "host;x-cos-content-sha1;x-cos-stroage-class"
    );
}

/// C++ SDK `unittest/src/auth_tool_test.cpp`: `AuthTool::Sign(.., "GET", "xxxx", ..)`.
/// The C++ SDK signs `in_uri` exactly as passed: the path is `xxxx`, with no leading `/`
/// (with `/xxxx` none of the three signatures match).
#[test]
fn vector4_cpp_sdk_path_as_passed() {
    let creds = Credentials::new("access_key_test", "secret_key_test");
    let t = KeyTime::new(1502493430, 1502573430);
    let full = SignableRequest::new("GET", "xxxx")
        .header("host", "hostname_test")
        .header("x-cos-meta-xx", "meta_test")
        .header("unsigned_header", "unsigned_header_content")
        .param("first_param", "first_value")
        .param("second_param", "second_value");
    let a = sign(&creds, &full, t, &HeaderPolicy::Default);
    assert_eq!(
        a.to_header_value(),
        "q-sign-algorithm=sha1&q-ak=access_key_test&q-sign-time=1502493430;1502573430&q-key-time=1502493430;1502573430&q-header-list=host;x-cos-meta-xx&q-url-param-list=first_param;second_param&q-signature=7686473b75487163d6e204d3c68e5c3b74e06164"
    );
    let no_params = SignableRequest {
        params: vec![],
        ..full.clone()
    };
    assert_eq!(
        sign(&creds, &no_params, t, &HeaderPolicy::Default).signature,
        "8e196637993353bdff2466e0d34034130c9a2aca"
    );
    let empty = SignableRequest {
        headers: vec![],
        ..no_params
    };
    let e = sign(&creds, &empty, t, &HeaderPolicy::Default);
    assert_eq!(e.signature, "122c75ad3f7c230b8cc88f4f38410b9d3d347997");
    assert!(e
        .to_header_value()
        .contains("&q-header-list=&q-url-param-list=&"));

    // With the leading slash the vector does not reproduce.
    let slashed = SignableRequest::new("GET", "/xxxx");
    assert_ne!(
        sign(&creds, &slashed, t, &HeaderPolicy::Default).signature,
        "122c75ad3f7c230b8cc88f4f38410b9d3d347997"
    );
}

#[test]
fn temporary_credentials_sign_the_token_header() {
    let creds = python_creds().with_token("tok en+1");
    let auth = sign(&creds, &vector1_request(), T, &HeaderPolicy::Default);
    assert!(auth
        .header_list
        .contains(&"x-cos-security-token".to_string()));
    assert_ne!(auth.signature, "91d20915c60a14bb095c16ed07f4e7436d80cad1");
    let explicit = vector1_request().header("x-cos-security-token", "tok en+1");
    assert_eq!(
        sign(&python_creds(), &explicit, T, &HeaderPolicy::Default),
        auth
    );
}

#[test]
fn processing_rule_key_is_signed_lowercased_and_encoded() {
    let req = SignableRequest::for_key("GET", "a.jpg")
        .flag("imageMogr2/thumbnail/200x")
        .header("Host", HOST);
    let hs = http_string(&req, &HeaderPolicy::Default);
    assert_eq!(hs.lines().nth(2), Some("imagemogr2%2fthumbnail%2f200x="));
    let auth = sign(&python_creds(), &req, T, &HeaderPolicy::Default);
    assert_eq!(auth.param_list, ["imagemogr2%2fthumbnail%2f200x"]);
}

#[test]
fn header_policy_variants() {
    assert!(HeaderPolicy::Default.signs("X-CI-Foo"));
    assert!(HeaderPolicy::Default.signs("Pic-Operations"));
    assert!(!HeaderPolicy::Default.signs("Accept"));
    assert!(!HeaderPolicy::Default.signs("content-language"));
    assert!(HeaderPolicy::All.signs("Accept"));
    assert!(HeaderPolicy::DefaultPlus(vec!["Accept".into()]).signs("accept"));
    assert!(!HeaderPolicy::Only(vec!["host".into()]).signs("x-cos-acl"));
}

#[test]
fn credentials_debug_hides_secrets() {
    let c = Credentials::new("AKIDexample", "sk-example").with_token("tok-secret");
    let d = format!("{c:?}");
    assert!(d.contains("AKIDexample"));
    assert!(!d.contains("sk-example"));
    assert!(!d.contains("tok-secret"));
}

#[test]
fn key_time_parse_and_display() {
    let t: KeyTime = "1795377299;1795387359".parse().unwrap();
    assert_eq!(t, T);
    assert_eq!(t.to_string(), "1795377299;1795387359");
    for bad in [
        "", ";", "1;", ";2", "a;b", "2;1", "1;2;3", " 1;2", "-1;2", "+1;2",
    ] {
        assert!(bad.parse::<KeyTime>().is_err(), "{bad:?}");
    }
    assert_eq!(KeyTime::python_style(1000, 3600), KeyTime::new(940, 4600));
}
