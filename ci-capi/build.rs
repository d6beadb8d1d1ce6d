//! Gives `libcos_ci.so` the soname `libcos_ci.so.<major>` so programs linked against it
//! keep working across compatible (same major) releases.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcos_ci.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
