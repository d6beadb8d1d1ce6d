//! Signs wire.md test vector 1 (PUT with Pic-Operations) in a loop for about `secs`
//! seconds and prints `<signatures per second> <signature>`.
//!
//! Each iteration does what a client does per request: build the request from its
//! headers, canonicalize, sign, and format the Authorization header.

use std::hint::black_box;
use std::time::Instant;

use ci_core::sign::{sign, Credentials, HeaderPolicy, KeyTime, SignableRequest};

const PIC_OPS: &str = r#"{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}"#;

fn one(creds: &Credentials, kt: KeyTime) -> String {
    let req = SignableRequest::for_key("PUT", "photos/cat 1.jpg")
        .header("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
        .header("Pic-Operations", PIC_OPS)
        .header("Content-Length", "64")
        .header("Content-Type", "image/jpeg")
        .header("x-cos-meta-owner", "Ann Lee");
    sign(creds, &req, kt, &HeaderPolicy::Default).to_header_value()
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let creds = Credentials::new("AKIDexample", "sk-example");
    let kt = KeyTime::new(1795377299, 1795387359);
    let auth = one(&creds, kt);
    let sig = auth.rsplit('=').next().unwrap_or_default().to_owned();
    // Warm-up, then timed batches until the time is up.
    for _ in 0..1000 {
        black_box(one(&creds, kt));
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed().as_secs_f64() < secs {
        for _ in 0..1000 {
            black_box(one(black_box(&creds), kt));
        }
        n += 1000;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!("{rate:.0} {sig}");
}
