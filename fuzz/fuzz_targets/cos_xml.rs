#![no_main]
//! Any text as a COS error body or a multipart document: no panic; what parses
//! serialises to XML that parses to the same value.
use ci_core::result::{
    CompleteMultipartUpload, CompleteMultipartUploadResult, CompletePicResult, CosError,
    InitiateMultipartUploadResult,
};
use libfuzzer_sys::fuzz_target;

macro_rules! round_trip {
    ($ty:ty, $text:expr) => {
        if let Ok(value) = <$ty>::from_xml($text) {
            let again = <$ty>::from_xml(&value.to_xml()).expect("to_xml output parses");
            assert_eq!(again, value);
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(CosError, text);
    round_trip!(InitiateMultipartUploadResult, text);
    round_trip!(CompleteMultipartUpload, text);
    round_trip!(CompleteMultipartUploadResult, text);
    round_trip!(CompletePicResult, text);
});
