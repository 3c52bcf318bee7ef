//! The sans-I/O core of the TFTP server: pure codecs and state machines over
//! bytes and time values, so they can be unit-tested and fuzzed without
//! sockets. The socket-driving component is built on top of this API.
//!
//! - [`packet`]: the wire format (RFC 1350 §5, RFC 2347 OACK) and the TFTP
//!   error codes.
//! - [`netascii`]: streaming netascii encoder/decoder (RFC 1350 §5, Telnet
//!   NVT line endings).
//! - [`options`]: option negotiation (RFC 2347, 2348, 2349, 7440).
//! - [`transfer`]: the per-transfer state machine for reads and writes.
//! - [`path`]: resolving request file names under a root directory safely,
//!   and atomic uploads.
//!
//! The TFTPServer component on top of them:
//!
//! - [`props`], [`event`], [`settings`]: ids, events, properties and config
//!   settings (the TFTPServer reference; docs/reference/tftpserver.md).
//! - [`pktinfo`]: IP_PKTINFO, IP_TOS and IP_MTU_DISCOVER through libc.
//! - [`core`]: the component the engine drives (sockets, transfers, events).
//! - [`server`]: [`TftpServer`], the safe Rust API.

/// cbindgen:ignore
mod conn;
/// cbindgen:ignore
pub mod core;
/// cbindgen:ignore
pub mod event;
pub mod ids;
/// cbindgen:ignore
pub mod netascii;
/// cbindgen:ignore
pub mod options;
/// cbindgen:ignore
pub mod packet;
/// cbindgen:ignore
pub mod path;
/// cbindgen:ignore
pub mod pktinfo;
pub mod props;
/// cbindgen:ignore
pub mod server;
/// cbindgen:ignore
pub mod settings;
/// cbindgen:ignore
pub mod transfer;

pub use event::TftpEvent;
pub use server::TftpServer;
