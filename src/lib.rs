//! pier: embeddable, event-driven network servers with a C ABI.
//!
//! See `docs/ARCHITECTURE.md` for the layers and `include/pier.h` for the C API.

/// cbindgen:ignore
pub mod cms;
pub mod core;
pub mod ffi;
pub mod oftp;
/// cbindgen:ignore
pub mod stream;
pub mod tcp;
pub mod tftp;
/// cbindgen:ignore
pub mod tls;
pub mod ws;
