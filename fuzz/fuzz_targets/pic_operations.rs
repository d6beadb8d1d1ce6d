#![no_main]
//! Any text as a Pic-Operations header: no panic, and what parses re-serialises to a
//! header that parses to the same value; every rule that passes the grammar (opaque
//! stages and operations included) prints to a canonical form that parses back to it.
use ci_core::ops::PicOperationsHeader;
use ci_core::rule::ProcessingRule;
use ci_core::PicOperations;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ops) = PicOperations::parse(text) {
        let again = PicOperations::parse(&ops.to_header()).expect("to_header output parses");
        assert_eq!(again, ops);
        if let Ok(rules) = ops.parsed_rules() {
            for rule in rules {
                let printed = rule.to_string();
                assert_eq!(ProcessingRule::parse(&printed).as_ref(), Ok(&rule));
            }
        }
        for rule in &ops.rules {
            let _ = ci_core::ops::resolve_fileid("a/b/c.jpg", &rule.fileid);
        }
    }
    if let Ok(header) = PicOperationsHeader::parse(text) {
        assert_eq!(header.as_str(), text, "a checked header is sent as given");
        assert_eq!(header.rules().len(), header.ops().rules.len());
    }
});
