#![no_main]
//! Any text as an Authorization header or a query string: parsing and verifying never
//! panic.
use ci_core::sign::{verify, Authorization, Credentials, ReceivedRequest, VerifyPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Authorization::parse(text);
    let (path, query) = match text.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (text, None),
    };
    let headers = vec![("authorization".to_string(), text.to_string())];
    if let Ok(request) = ReceivedRequest::from_raw("GET", path, query, headers) {
        let lookup =
            |id: &str| (id == "AKIDexample").then(|| Credentials::new("AKIDexample", "sk-example"));
        let _ = verify(&request, lookup, 1_795_377_300, &VerifyPolicy::default());
    }
});
