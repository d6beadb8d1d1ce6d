#![no_main]
//! Any text as an UploadResult: no panic; what parses serialises to XML that parses to
//! the same value.
use ci_core::result::UploadResult;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(result) = UploadResult::from_xml(text) {
        let again = UploadResult::from_xml(&result.to_xml()).expect("to_xml output parses");
        assert_eq!(again, result);
        let _ = result.to_sdk_dict();
    }
});
