//! permessage-deflate (RFC 7692): negotiation of the extension's parameters
//! ([`mod@negotiate`]) and the per-message DEFLATE codec ([`codec`]).
//!
//! Compression runs on `flate2` with its pure-Rust `zlib-rs` backend (raw
//! deflate with a chosen window size). zlib cannot compress with an 8-bit
//! window (it silently uses 9), so an offer demanding
//! `server_max_window_bits=8` is accepted as asked and answered with
//! uncompressed messages (RFC 7692 §6), never with a stream that needs a
//! bigger window than the client allows.

pub mod codec;
pub mod negotiate;

pub use codec::{Compressor, Decompressor};
pub use negotiate::{negotiate, Agreement, DeflateParams, DeflatePolicy};
