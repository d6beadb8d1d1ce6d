//! The client's integration tests against an in-process loopback server, one binary.
#![cfg(feature = "client")]

mod support;

mod download;
mod errors;
mod jobs;
mod multipart;
mod pending;
mod requests;
mod rules;
mod stream;
mod threads;
mod v4;
