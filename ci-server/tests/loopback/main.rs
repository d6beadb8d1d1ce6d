//! The server's loopback tests, one binary (each binary links the server and the engine,
//! so one instead of several saves build time and disk).

mod common;

mod cache;
mod ci_api;
mod engine;
mod fidelity;
mod held;
mod jobs;
mod listing;
mod load;
mod processing;
mod reads;
mod routes;
mod security;
mod styles;
