//! The boundary between C and Rust, used by every entry point (`use crate::ffi::*`):
//!
//! * [`result`]: `cos_ci_result`, its numbers and messages from one list ([`enums`]);
//! * [`boundary`]: no panic crosses into C;
//! * [`args`]: pointer, text and buffer arguments;
//! * [`handle`]: opaque handles (new, borrow, free, last error).

mod args;
mod boundary;
mod enums;
mod handle;
mod result;

pub use args::cos_ci_kv;
pub(crate) use args::{bytes, kv_pairs, opt_text, out, text, write_opt, write_out};
pub(crate) use boundary::{boundary, boundary_or_default};
pub(crate) use enums::U32Enum;
pub(crate) use handle::Handle;
pub(crate) use handle::{
    free_handle, give, handle, handle_mut, impl_handle, last_error_of, lend_into, new_handle,
    read_into, HasLastError, LastError,
};
pub use result::cos_ci_result;
pub(crate) use result::{FfiResult, SelectorArg};
