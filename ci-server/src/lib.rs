//! # ci-server
//!
//! A local COS + Cloud Infinite server that speaks the COS wire protocol, so that the
//! official SDKs (cos-python-sdk-v5, cos-go-sdk-v5), curl and cos-ci's own client work
//! against it offline.
//!
//! | module | what it holds |
//! |---|---|
//! | [`config`] | [`ServerConfig`] (TOML), credentials, initial styles and style separators, [`Limits`], [`JobsConfig`] |
//! | [`server`] | [`Server`]: bind, serve, graceful shutdown |
//! | [`testing`] | [`TestServer`]: the server for one test (free port, temporary root, known credentials, styles) |
//! | [`store`] | the [`ObjectStore`] trait and [`LocalStore`] (files + SQLite: objects, uploads, styles) |
//! | [`process`] | the [`Processor`] seam to the image engine |
//! | [`log`] | [`BufferedLog`](log::BufferedLog): log lines batched per thread, no system call per request |
//!
//! Inside, modules import downward only: [`server`] accepts connections and hands each
//! request to the router (`routes`), which addresses, authenticates and names one handler
//! per route, in one module per resource family (objects, multipart, listings, CI
//! processing, styles, image inspection, QR codes, asynchronous pic jobs, v4); handlers use the layers below: parsing (`request`, `address`, pure),
//! `auth`, bodies, CI processing, HTTP answers (`http`), the shared state, and at the
//! bottom the store, the [`process`] seam, the configuration and [`util`].
//!
//! Asynchronous image jobs (`/picbucket`, `/picqueue`, `/pic_jobs`) run on the
//! [`ci_jobs`] engine, its store at `<root>/jobs.sqlite3`, started and stopped with the
//! server; each job is processed as a synchronous request is (same engine, limits, memory
//! budget and all-or-nothing publish).
//!
//! Requests are routed by virtual host (`<bucket>-<appid>.cos.<region>.myqcloud.com`, or
//! any host whose first label is a bucket name) or path style (`/<bucket>/<key>`), every
//! signature (header or pre-signed query, or v4) is verified with
//! [`ci_core::sign`], and errors are COS error XML with every element filled.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ci_server::ServerError> {
//! let mut config = ci_server::ServerConfig::new("/tmp/cos-ci-data");
//! config.bind = "127.0.0.1:0".parse().unwrap();
//! let server = ci_server::Server::bind(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.run_until(std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
mod auth;
mod body;
mod budget;
pub mod config;
pub mod engine;
mod error;
mod form;
mod header_case;
mod http;
mod job_runner;
mod job_service;
pub mod log;
pub mod process;
mod processing;
mod replay;
mod request;
mod routes;
pub mod server;
mod state;
pub mod store;
pub mod testing;
pub mod util;

/// Entry points for the fuzz targets (`fuzz/`): not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses a v4 `multipart/form-data` body as the server does (all of it in one
    /// chunk): `(op, insertOnly, filecontent)` or the refusal's message.
    pub fn parse_v4_form(
        content_type: &str,
        body: &[u8],
        max_file: u64,
    ) -> Result<(String, bool, Option<Vec<u8>>), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        let chunk = bytes::Bytes::copy_from_slice(body);
        let stream = futures_util::stream::iter([Ok(chunk)]);
        runtime
            .block_on(crate::form::read_v4_form(stream, content_type, max_file, 0))
            .map(|f| (f.op, f.insert_only, f.file))
            .map_err(|e| e.message)
    }
}

pub use config::{ConfigError, CredentialConfig, JobsConfig, Limits, ServerConfig};
pub use engine::EngineProcessor;
pub use error::ApiError;
pub use process::{
    ObjectSource, ProcessContext, ProcessError, Processed, Processor, UnavailableProcessor,
};
pub use server::{Server, ServerError};
pub use store::{LocalStore, ObjectStore};
pub use testing::{spawn_for_tests, TestServer, TestServerBuilder};
