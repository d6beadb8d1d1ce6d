#![no_main]
//! Any text through the Python SDK's xml_to_dict port: no panic.
use ci_core::result::xml_to_dict;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = xml_to_dict(text) {
        let _ = value.to_python_repr();
    }
});
