#![no_main]
//! Any text as a processing rule: no panic; what parses prints to its canonical form,
//! which parses back to the same AST and prints unchanged. Opaque stages and operations
//! (well-formed, not modelled) print byte for byte as they appeared in the input.
use ci_core::rule::{MogrOp, ProcessingRule, Stage};
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
            let _ = rule.is_fully_checked();
            for stage in &rule.stages {
                match stage {
                    Stage::Opaque(o) => {
                        assert!(text.contains(o.as_str()), "opaque stage kept as written");
                        assert!(o.as_str().starts_with(o.keyword()));
                    }
                    Stage::ImageMogr2(ops) => {
                        for op in ops {
                            if let MogrOp::Opaque(o) = op {
                                let written = std::iter::once(o.name())
                                    .chain(o.args().iter().map(String::as_str))
                                    .collect::<Vec<_>>()
                                    .join("/");
                                assert!(text.contains(&written), "opaque operation kept as written");
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Err(err) => {
            assert!(err.offset <= text.len(), "offset past the end: {err}");
        }
    }
});
