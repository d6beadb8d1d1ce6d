//! Python bindings over `ci-core`: the native module `cos_ci._cos_ci` of the `cos-ci`
//! wheel.
//!
//! The work happens here, with the GIL released around I/O and image work
//! (`py.detach`); the pure-Python package `cos_ci` (`python/cos_ci`) only gives it the
//! official SDK's signatures (`CosS3Client`, `CosConfig`, `StreamBody`).
//!
//! Modules follow the data, each importing only those above it in this list:
//! * `errors`: the exception classes (created here) and `ci-core`'s errors as them;
//! * `convert`: keyword arguments in, headers and the SDK's dict shape out;
//! * `body`: upload bodies (bytes, text, file objects, `EnableMD5`);
//! * `rules`: processing rules and `Pic-Operations`;
//! * `results`: the answers, as the SDK's dict or the typed `UploadResult`;
//! * `stream`: download bodies;
//! * `jobs`: the typed asynchronous image job;
//! * `client`: the calls;
//! * `sign`, `engine`, `server`: signing, the local engine, the local server.

/// The extension's own (Rust) allocations go to mimalloc, built from the crate's vendored
/// source; Python's objects stay with Python's allocator. Why: a small upload makes a few
/// hundred short-lived allocations in the client, which glibc's malloc served more
/// slowly (the same change took ~10 µs off a Go upload through libcos_ci).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod body;
mod client;
mod convert;
mod engine;
mod errors;
mod fastdict;
mod jobs;
mod results;
mod rules;
mod server;
mod sign;
mod stream;

pub use body::CHUNK;
pub use convert::canonical_header_name;

use pyo3::prelude::*;

#[pymodule]
fn _cos_ci(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<stream::NativeStream>()?;
    m.add_class::<results::UploadResult>()?;
    m.add_class::<results::OriginalInfo>()?;
    m.add_class::<results::ImageInfo>()?;
    m.add_class::<results::ProcessResult>()?;
    m.add_class::<rules::ParsedRule>()?;
    m.add_class::<rules::Rule>()?;
    m.add_class::<rules::PicOperations>()?;
    m.add_function(wrap_pyfunction!(rules::parse_rule, m)?)?;
    m.add_function(wrap_pyfunction!(rules::resolve_fileid, m)?)?;
    m.add_function(wrap_pyfunction!(results::xml_to_dict, m)?)?;
    m.add_function(wrap_pyfunction!(sign::sign, m)?)?;
    m.add_class::<server::LocalServer>()?;
    m.add_function(wrap_pyfunction!(server::start_server, m)?)?;
    m.add_function(wrap_pyfunction!(engine::image_info, m)?)?;
    m.add_function(wrap_pyfunction!(engine::thumbnail_jpeg, m)?)?;
    m.add_function(wrap_pyfunction!(engine::process, m)?)?;
    m.add_function(wrap_pyfunction!(engine::inspect, m)?)?;
    m.add_class::<jobs::PicJob>()?;
    m.add_function(wrap_pyfunction!(engine::build_info, m)?)?;
    m.add("CHUNK", CHUNK)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
