//! The client configuration handle: named values, optionally from the environment.

use super::*;

/// Names `cos_ci_config_set` accepts (the environment variable names of
/// `cos_ci_config_use_env`).
const CONFIG_NAMES: &[&str] = &[
    "COS_REGION",
    "COS_SECRET_ID",
    "COS_SECRET_KEY",
    "COS_TOKEN",
    "COS_SCHEME",
    "COS_ENDPOINT",
    "COS_DOMAIN",
    "COS_IP",
    "COS_PORT",
    "COS_TIMEOUT",
    "COS_RETRIES",
    "COS_PROXY",
    "COS_PART_SIZE",
    "COS_UPLOAD_THREADS",
];

/// Client configuration: named values, optionally completed from the process
/// environment. Read by `cos_ci_client_new`.
///
/// Thread safety: `Send` and `Sync`; `const` functions may run concurrently, the setters
/// need exclusive access.
#[derive(Default)]
pub struct cos_ci_config {
    vars: Vec<(String, String)>,
    use_env: bool,
    pub(super) last_error: LastError,
}

impl_handle!(cos_ci_config, last_error: last_error);

/// Creates an empty configuration in `*out` (environment not used).
///
/// # Safety
///
/// `out` points to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_config_new(out: *mut *mut cos_ci_config) -> cos_ci_result {
    // SAFETY: the caller guarantees `out`.
    unsafe { new_handle(out) }
}

/// Frees a configuration; NULL is ignored.
///
/// # Safety
///
/// `config` is NULL or a handle from `cos_ci_config_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_config_free(config: *mut cos_ci_config) {
    // SAFETY: the caller guarantees `config`.
    unsafe { free_handle(config) }
}

/// Sets a value by its environment variable name: `COS_REGION`, `COS_SECRET_ID`,
/// `COS_SECRET_KEY` (required, here or from the environment), `COS_TOKEN`,
/// `COS_SCHEME` (`https` default, or `http`), `COS_ENDPOINT`, `COS_DOMAIN`, `COS_IP`,
/// `COS_PORT`, `COS_TIMEOUT` (seconds), `COS_RETRIES`, `COS_PROXY`, `COS_PART_SIZE`
/// (multipart part bytes), `COS_UPLOAD_THREADS`. Values are checked by
/// `cos_ci_client_new`. `COS_CI_RESULT_INVALID_ARGUMENT` for another name.
///
/// # Safety
///
/// `config` is a live handle used by no other thread; text pointers point to their
/// lengths in bytes.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_config_set(
    config: *mut cos_ci_config,
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees all pointers.
        let (h, name, value) = unsafe {
            (
                handle_mut(config)?,
                text(name, name_len)?,
                text(value, value_len)?,
            )
        };
        if !CONFIG_NAMES.contains(&name) {
            return Err(h.last_error.fail(
                cos_ci_result::InvalidArgument,
                format!("unknown configuration name {name:?}"),
            ));
        }
        h.vars.retain(|(k, _)| k != name);
        h.vars.push((name.to_owned(), value.to_owned()));
        Ok(())
    })
}

/// Whether values not set with `cos_ci_config_set` are read from the process
/// environment (`COS_REGION`, `COS_SECRET_ID`, ...) when the client is created.
///
/// # Safety
///
/// `config` is a live handle used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_config_use_env(
    config: *mut cos_ci_config,
    use_env: bool,
) -> cos_ci_result {
    boundary(|| {
        // SAFETY: the caller guarantees `config`.
        unsafe { handle_mut(config) }?.use_env = use_env;
        Ok(())
    })
}

/// Writes the last error text of `config` (set by `cos_ci_client_new` on
/// `COS_CI_RESULT_CONFIG`).
///
/// # Safety
///
/// `config` is a live handle; `buf` is NULL or has `len` writable bytes; `out_len` is
/// writable.
#[no_mangle]
pub unsafe extern "C" fn cos_ci_config_last_error(
    config: *const cos_ci_config,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> cos_ci_result {
    // SAFETY: the caller guarantees all pointers.
    unsafe { last_error_of(config, buf, len, out_len) }
}

pub(super) fn build_config(h: &cos_ci_config) -> Result<CosConfig, String> {
    let get = |k: &str| {
        h.vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                if h.use_env {
                    std::env::var(k).ok()
                } else {
                    None
                }
            })
    };
    let mut cfg = CosConfig::from_lookup(get).map_err(|e| e.to_string())?;
    let num = |k: &str| -> Result<Option<u64>, String> {
        get(k)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{k}={v:?} is not a number"))
            })
            .transpose()
    };
    if let Some(p) = num("COS_PART_SIZE")? {
        cfg.part_size = p.max(1);
    }
    if let Some(t) = num("COS_UPLOAD_THREADS")? {
        cfg.upload_threads = usize::try_from(t).unwrap_or(usize::MAX).max(1);
    }
    Ok(cfg)
}
