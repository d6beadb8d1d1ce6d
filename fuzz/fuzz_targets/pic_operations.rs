#![no_main]
//! Any text as a Pic-Operations header: no panic, and what parses re-serialises to a
//! header that parses to the same value.
use ci_core::PicOperations;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ops) = PicOperations::parse(text) {
        let again = PicOperations::parse(&ops.to_header()).expect("to_header output parses");
        assert_eq!(again, ops);
        let _ = ops.parsed_rules();
        for rule in &ops.rules {
            let _ = ci_core::ops::resolve_fileid("a/b/c.jpg", &rule.fileid);
        }
    }
});
