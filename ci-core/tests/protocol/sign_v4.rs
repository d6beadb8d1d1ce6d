//! The legacy v4 "multi-effect" signature.

use ci_core::sign::*;

// Computed independently:
// python3 -c "import hmac,hashlib,base64; o=b'a=1250000000&b=examplebucket&k=AKIDexample&e=1795387359&t=1795377299&r=12345&f=';
//             print(base64.b64encode(hmac.new(b'sk-example',o,hashlib.sha1).digest()+o).decode())"
const MULTI: &str = "T4ztjKzMCLvAQT+QxQwtTfIDFG9hPTEyNTAwMDAwMDAmYj1leGFtcGxlYnVja2V0Jms9QUtJRGV4YW1wbGUmZT0xNzk1Mzg3MzU5JnQ9MTc5NTM3NzI5OSZyPTEyMzQ1JmY9";
// Same, single-effect: e=0, r=7, f=/1250000000/examplebucket/a.jpg
const SINGLE: &str = "gMXmx2x08+aMt2IwyD/PKjCpZJNhPTEyNTAwMDAwMDAmYj1leGFtcGxlYnVja2V0Jms9QUtJRGV4YW1wbGUmZT0wJnQ9MTc5NTM3NzI5OSZyPTcmZj0vMTI1MDAwMDAwMC9leGFtcGxlYnVja2V0L2EuanBn";

fn lookup(id: &str) -> Option<Credentials> {
    (id == "AKIDexample").then(|| Credentials::new("AKIDexample", "sk-example"))
}

#[test]
fn v4_sign_matches_python() {
    let s = v4_sign(
        "1250000000",
        "examplebucket",
        "AKIDexample",
        "sk-example",
        1795387359,
        1795377299,
        12345,
        "",
    );
    assert_eq!(s, MULTI);
    let s = v4_sign(
        "1250000000",
        "examplebucket",
        "AKIDexample",
        "sk-example",
        0,
        1795377299,
        7,
        "/1250000000/examplebucket/a.jpg",
    );
    assert_eq!(s, SINGLE);
}

#[test]
fn v4_verify_roundtrip_and_rejections() {
    let c = v4_verify(MULTI, lookup, "1250000000", "examplebucket", 1795380000).unwrap();
    assert_eq!(
        c,
        V4Claims {
            appid: "1250000000".into(),
            bucket: "examplebucket".into(),
            secret_id: "AKIDexample".into(),
            expire: 1795387359,
            now: 1795377299,
            rand: 12345,
            fileid: String::new(),
        }
    );
    assert_eq!(
        v4_verify(MULTI, lookup, "1250000000", "examplebucket", 1795387360),
        Err(V4Error::Expired {
            expire: 1795387359,
            now: 1795387360
        })
    );
    assert!(matches!(
        v4_verify(MULTI, lookup, "1250000000", "otherbucket", 1795380000),
        Err(V4Error::WrongBucket { .. })
    ));
    assert!(matches!(
        v4_verify(MULTI, lookup, "1250000001", "examplebucket", 1795380000),
        Err(V4Error::WrongBucket { .. })
    ));
    assert_eq!(
        v4_verify(MULTI, |_| None, "1250000000", "examplebucket", 1795380000),
        Err(V4Error::UnknownAccessKey("AKIDexample".into()))
    );
    let wrong_key = |_: &str| Some(Credentials::new("AKIDexample", "other"));
    assert_eq!(
        v4_verify(MULTI, wrong_key, "1250000000", "examplebucket", 1795380000),
        Err(V4Error::SignatureMismatch)
    );
    // single-effect: no expiry
    let c = v4_verify(SINGLE, lookup, "1250000000", "examplebucket", u64::MAX).unwrap();
    assert_eq!(c.fileid, "/1250000000/examplebucket/a.jpg");
}

#[test]
fn v4_tampered_orig_is_rejected() {
    use base64::Engine;
    let e = base64::engine::general_purpose::STANDARD;
    let mut raw = e.decode(MULTI).unwrap();
    let n = raw.len();
    raw[n - 5] = b'9'; // r=12345 -> r=12395
    assert_eq!(
        v4_verify(
            &e.encode(raw),
            lookup,
            "1250000000",
            "examplebucket",
            1795380000
        ),
        Err(V4Error::SignatureMismatch)
    );
    for bad in ["", "!!!", "AAAA", &e.encode(b"x".repeat(25))] {
        assert!(matches!(
            v4_verify(bad, lookup, "1250000000", "examplebucket", 0),
            Err(V4Error::Malformed(_))
        ));
    }
}
