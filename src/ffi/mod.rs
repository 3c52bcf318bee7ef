//! The C ABI: the shared machinery in `handle`, one file per component.
//!
//! Exported functions take raw pointers from C and check them (NULL, handle
//! registry) before use; C callers cannot mark calls `unsafe`, so clippy's
//! `not_unsafe_ptr_arg_deref` does not apply to this layer.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod handle;
pub mod oftpserver;
pub mod ssl_events;
pub mod tcpserver;
pub mod tftpserver;
pub mod wsserver;

use std::ffi::{c_char, c_int};

/// Major version number.
pub const PIER_VERSION_MAJOR: i32 = 0;
/// Minor version number.
pub const PIER_VERSION_MINOR: i32 = 1;
/// Patch version number.
pub const PIER_VERSION_PATCH: i32 = 0;

/// The text of any error code pier returns (static; never NULL). Use it for
/// failures before a handle exists.
#[no_mangle]
pub extern "C" fn pier_strerror(code: c_int) -> *const c_char {
    handle::strerror_c(code)
}

/// The library version, e.g. "0.1.0" (static; never NULL).
#[no_mangle]
pub extern "C" fn pier_version() -> *const c_char {
    c"0.1.0".as_ptr()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_constants_match_the_crate() {
        let v = env!("CARGO_PKG_VERSION");
        let parts: Vec<i32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts, [super::PIER_VERSION_MAJOR, super::PIER_VERSION_MINOR, super::PIER_VERSION_PATCH]);
        let c = unsafe { std::ffi::CStr::from_ptr(super::pier_version()) };
        assert_eq!(c.to_str().unwrap(), v);
        let toml = include_str!("../../cbindgen.toml");
        assert!(toml.contains(&format!("#define PIER_VERSION \"{v}\"")), "cbindgen.toml's PIER_VERSION is stale");
    }
}
