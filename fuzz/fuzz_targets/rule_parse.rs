#![no_main]
//! Any text as a processing rule: no panic; what parses prints to its canonical form,
//! which parses back to the same AST and prints unchanged.
use ci_core::rule::ProcessingRule;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ProcessingRule::parse(text) {
        Ok(rule) => {
            let canonical = rule.to_string();
            let again = ProcessingRule::parse(&canonical).expect("canonical form parses");
            assert_eq!(again, rule);
            assert_eq!(again.to_string(), canonical);
        }
        Err(err) => {
            assert!(err.offset <= text.len(), "offset past the end: {err}");
        }
    }
});
