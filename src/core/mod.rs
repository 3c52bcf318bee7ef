//! What the components share: errors, values, config parsing, the engine
//! (reactor and dispatch), connection tables, listening sockets, allow/block
//! lists and timers.

/// cbindgen:ignore
pub mod base;
pub mod clients;
/// cbindgen:ignore
pub mod component;
/// cbindgen:ignore
pub mod config;
/// cbindgen:ignore
pub mod conntable;
/// cbindgen:ignore
pub mod engine;
pub mod error;
/// cbindgen:ignore
pub mod files;
/// cbindgen:ignore
pub mod idhash;
/// cbindgen:ignore
pub mod listener;
/// cbindgen:ignore
pub mod props;
/// cbindgen:ignore
pub mod reference;
/// cbindgen:ignore
pub mod service;
/// cbindgen:ignore
pub mod timers;
/// cbindgen:ignore
pub mod value;

/// `BuildInfo`: the library version and how it was built.
pub fn build_info() -> String {
    format!(
        "pier {} ({} build, {}-{}, panic=unwind)",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}
