//! Helpers shared by the engine tests.
#![allow(dead_code)]

use std::path::PathBuf;

use ci_core::process::{decode, execute, DecodeOptions, ExecuteOptions, Output, ProcessError};
use ci_core::rule::ProcessingRule;

/// `tests/fixtures/corpus/` of the workspace.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/corpus")
}

pub fn corpus(name: &str) -> Vec<u8> {
    let p = corpus_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn rule(s: &str) -> ProcessingRule {
    ProcessingRule::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn run(input: &[u8], r: &str) -> Result<Output, ProcessError> {
    execute(input, &rule(r), &ExecuteOptions::default())
}

pub fn run_ok(input: &[u8], r: &str) -> Output {
    run(input, r).unwrap_or_else(|e| panic!("{r}: {e}"))
}

/// Dimensions of the decoded output (checks the bytes, not only the info).
pub fn dims(out: &Output) -> (u32, u32) {
    let d = decode(&out.bytes, &DecodeOptions::full()).expect("output decodes");
    let i = d.image();
    assert_eq!((out.info.width, out.info.height), (i.width(), i.height()));
    (i.width(), i.height())
}

pub fn rgba(out: &Output) -> ci_core::process::image::RgbaImage {
    decode(&out.bytes, &DecodeOptions::full())
        .expect("output decodes")
        .image()
        .to_rgba8()
}
