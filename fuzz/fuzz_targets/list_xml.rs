#![no_main]
//! Any text as a listing, a copy result or GET Service: no panic (deep nesting included:
//! refused at MAX_XML_DEPTH); what parses serialises to XML that parses to the same value.
use ci_core::result::{
    CopyObjectResult, ListAllMyBucketsResult, ListBucketResult, ListMultipartUploadsResult,
    ListPartsResult,
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
    round_trip!(ListBucketResult, text);
    round_trip!(ListPartsResult, text);
    round_trip!(ListMultipartUploadsResult, text);
    round_trip!(CopyObjectResult, text);
    round_trip!(ListAllMyBucketsResult, text);
});
