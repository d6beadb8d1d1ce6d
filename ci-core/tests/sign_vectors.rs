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
