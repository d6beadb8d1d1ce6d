//! The engine's integration tests, one binary (each binary links the whole engine, so
//! one instead of many saves build time and gigabytes of disk).
#![cfg(feature = "process")]

mod support;

mod corpus;
mod fonts;
mod formats;
mod geometry;
mod inspect;
mod output;
mod pixels;
mod qrcode;
mod robustness;
mod unsupported;
mod webp_decode;
