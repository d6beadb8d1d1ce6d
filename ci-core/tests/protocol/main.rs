//! Protocol tests: Pic-Operations, rule grammar, result parsers and request signing, one
//! binary.

mod ops;
mod result_ci_api;
mod result_complete;
mod result_cos;
mod result_proptest;
mod result_qrcode;
mod result_sdk;
mod result_upload;
mod result_v4;
mod rule_roundtrip;
mod rule_table;
mod sign_presign_keys;
mod sign_v4;
mod sign_vectors;
mod sign_verify;
