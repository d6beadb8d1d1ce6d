//! The local COS + CI server (`ci-server`) in-process, for tests: a test starts one on a
//! free loopback port, points its client (ours or an official SDK) at it, and frees it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ci_server::{spawn_for_tests, CredentialConfig, EngineProcessor, ServerConfig, TestServer};

use crate::ffi::*;

/// The SecretId a local server accepts when none is given.
const DEFAULT_SECRET_ID: &str = "AKIDlocal";
/// The SecretKey a local server accepts when none is given.
const DEFAULT_SECRET_KEY: &str = "sk-local";

/// A local COS + CI server running on its own threads, listening on a free port of
/// 127.0.0.1, with every well-formed `BucketName-APPID` bucket usable. Made by
/// `cos_ci_local_server_start`, stopped by `cos_ci_local_server_free`.
///
/// Thread safety: `Send` and `Sync`; every function takes it as `const`.
pub struct cos_ci_local_server {
    server: Option<TestServer>,
    /// A temporary root this handle made and removes when freed.
    temporary_root: Option<PathBuf>,
}

impl_handle!(cos_ci_local_server);

impl Drop for cos_ci_local_server {
    fn drop(&mut self) {
        // Stop first (requests in flight finish), then remove the data.
        drop(self.server.take());
        if let Some(root) = self.temporary_root.take() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// A new, empty folder under the system's temporary directory.
fn temporary_root() -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "cos-ci-local-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let root = std::env::temp_dir().join(name);
    std::fs::create_dir(&root)?;
    Ok(root)
}

/// Starts a local server and stores its handle in `*out`.
///
/// `root` is the folder for its data (created if missing, kept after `_free`); NULL
/// makes a new temporary folder that `_free` removes. `secret_id` / `secret_key` are
/// the one key pair it accepts; NULL gives `AKIDlocal` / `sk-local`. Failure to bind
/// or to open the root gives `COS_CI_RESULT_IO`.
///
/// # Safety
///
/// The text pointers are NULL or point to their lengths' bytes; `out` points to a
/// writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_local_server_start(
    root: *const u8,
    root_len: usize,
    secret_id: *const u8,
    secret_id_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    out: *mut *mut cos_ci_local_server,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees the text pointers.
        let (root, secret_id, secret_key) = unsafe {
            (
                opt_text(root, root_len)?,
                opt_text(secret_id, secret_id_len)?,
                opt_text(secret_key, secret_key_len)?,
            )
        };
        let (root, temporary_root) = match root {
            Some(r) => (PathBuf::from(r), None),
            None => {
                let r = temporary_root().map_err(|_| cos_ci_result::Io)?;
                (r.clone(), Some(r))
            }
        };
        let mut config = ServerConfig::new(&root);
        config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.credentials = vec![CredentialConfig {
            secret_id: secret_id.unwrap_or(DEFAULT_SECRET_ID).to_owned(),
            secret_key: secret_key.unwrap_or(DEFAULT_SECRET_KEY).to_owned(),
            token: None,
        }];
        let mut handle = cos_ci_local_server {
            server: None,
            temporary_root,
        };
        // On failure `handle` drops here and removes the temporary root.
        let processor = Arc::new(EngineProcessor::new());
        handle.server = Some(spawn_for_tests(config, processor).map_err(|_| cos_ci_result::Io)?);
        // SAFETY: the caller guarantees `out`.
        unsafe { give(handle, out) }
    })
}

/// Writes the server's address, `127.0.0.1:PORT`, into `buf` (see the buffer
/// conventions).
///
/// # Safety
///
/// `server` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_local_server_address(
    server: *const cos_ci_local_server,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `server`.
        let h = unsafe { handle(server) }?;
        let addr = h.server.as_ref().ok_or(cos_ci_result::NotPresent)?.addr();
        // SAFETY: the caller guarantees the buffer arguments.
        unsafe { write_out(addr.to_string().as_bytes(), buf, len, out_len) }
    })
}

/// The server's port into `*out`.
///
/// # Safety
///
/// `server` is a live handle; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_local_server_port(
    server: *const cos_ci_local_server,
    out: *mut u16,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees both pointers.
        let (h, slot) = unsafe { (handle(server)?, crate::ffi::out(out)?) };
        *slot = h
            .server
            .as_ref()
            .ok_or(cos_ci_result::NotPresent)?
            .addr()
            .port();
        Ok(())
    })
}

/// Stops the server (requests in flight finish first), removes a temporary root, and
/// frees the handle; NULL is ignored.
///
/// # Safety
///
/// `server` is NULL or a handle from `cos_ci_local_server_start`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_local_server_free(server: *mut cos_ci_local_server) {
    // SAFETY: the caller guarantees `server`.
    unsafe { free_handle(server) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_and_cleans_up() {
        let mut h: *mut cos_ci_local_server = std::ptr::null_mut();
        // SAFETY: NULL optional texts, a writable out pointer; freed once.
        unsafe {
            let r = cos_ci_local_server_start(
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                &mut h,
            );
            assert_eq!(r, cos_ci_result::Ok);
            let mut port = 0u16;
            assert_eq!(cos_ci_local_server_port(h, &mut port), cos_ci_result::Ok);
            assert_ne!(port, 0);
            let root = (*h).temporary_root.clone().unwrap();
            assert!(root.is_dir());
            // An unsigned request is refused with COS's error XML.
            use std::io::{Read, Write};
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"GET /a.txt HTTP/1.1\r\nHost: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
            assert!(answer.contains("<Code>AccessDenied</Code>"), "{answer}");
            cos_ci_local_server_free(h);
            assert!(!root.exists());
        }
    }
}
