//! The `Pic-Operations` header.
