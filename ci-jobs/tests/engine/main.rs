//! ci-jobs integration tests: one binary, one module per area. Loopback only; every wait
//! is bounded.

mod callbacks;
mod common;
mod crash;
mod lifecycle;
mod listing;
mod pause;
