//! What the components share: errors, values, config parsing, the engine
//! (reactor and dispatch), connection tables, listening sockets, allow/block
//! lists and timers.

pub mod clients;
pub mod config;
pub mod conntable;
pub mod engine;
pub mod error;
pub mod listener;
pub mod props;
pub mod timers;
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
