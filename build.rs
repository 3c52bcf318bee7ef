//! The shared library's SONAME: libpier.so.MAJOR (docs/API.md §8; README
//! "ABI"). Which symbols it exports is rustc's: only the `#[no_mangle]`
//! `pier_*` functions (c-tests/exports.sh checks them against the header).
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets it");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpier.so.{major}");
    }
}
