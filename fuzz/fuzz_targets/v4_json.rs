#![no_main]
//! Any text as a v4 JSON answer (lenient and strict): no panic; what parses serialises
//! to strict JSON that parses to the same value.
use ci_core::result::V4Response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = V4Response::from_json_strict(text);
    if let Ok(response) = V4Response::from_json(text) {
        let again =
            V4Response::from_json_strict(&response.to_json()).expect("to_json output parses");
        assert_eq!(again, response);
    }
});
