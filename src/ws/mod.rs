//! The WSServer component (the WSServer reference; docs/reference/wsserver.md):
//! a protocol on the stream transport ([`protocol`], [`server`], its
//! declaration in [`props`] and events in [`event`]) over a WebSocket codec
//! (RFC 6455, RFC 7692) of pure, sans-IO code with no sockets, files or
//! clocks: the protocol feeds received bytes to a [`decoder::Decoder`] and
//! queues the frames that [`encoder`] makes.
//!
//! The codec, one concern per module, named after the RFC's terms:
//! - [`frame`]: base framing (§5.2), masking (§5.3), the server-side encoder;
//! - [`utf8`]: incremental UTF-8 validation of text messages (§8.1);
//! - [`close`]: close codes and the Close frame body (§5.5.1, §7.4);
//! - [`handshake`]: the opening handshake (§4.2);
//! - [`extensions`]: the `Sec-WebSocket-Extensions` grammar (§9.1);
//! - [`deflate`]: permessage-deflate negotiation and codec (RFC 7692);
//! - [`decoder`]: per-connection message decoding tying these together;
//! - [`encoder`]: outgoing messages as frames (fragmentation, compression).

// Every module but `ids` is kept out of the C header.
/// cbindgen:ignore
pub mod close;
/// cbindgen:ignore
pub mod decoder;
/// cbindgen:ignore
pub mod deflate;
/// cbindgen:ignore
pub mod encoder;
/// cbindgen:ignore
pub mod event;
/// cbindgen:ignore
pub mod extensions;
/// cbindgen:ignore
pub mod frame;
/// cbindgen:ignore
pub mod handshake;
pub mod ids;
/// cbindgen:ignore
pub mod props;
/// cbindgen:ignore
pub mod protocol;
/// cbindgen:ignore
pub mod server;
#[cfg(test)]
mod tungstenite_tests;
/// cbindgen:ignore
pub mod utf8;

use crate::core::error::Error;
pub use close::CloseCode;
pub use event::WsEvent;
pub use protocol::WsProtocol;
pub use server::WsServer;

/// A violation by the peer that fails the WebSocket connection (RFC 6455
/// §7.1.7): the close code to send and a short reason for the Close frame
/// and the `Disconnected` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    /// The status code of the Close frame the server sends (1002, 1007, 1009...).
    pub code: CloseCode,
    /// A short, static description (fits in a Close frame: ≤ 123 bytes).
    pub reason: &'static str,
}

impl ProtocolError {
    /// A protocol error (1002, §7.4.1).
    pub const fn protocol(reason: &'static str) -> Self {
        ProtocolError { code: CloseCode::PROTOCOL_ERROR, reason }
    }

    /// Invalid payload data, e.g. bad UTF-8 in a text message (1007).
    pub const fn invalid_payload(reason: &'static str) -> Self {
        ProtocolError { code: CloseCode::INVALID_PAYLOAD, reason }
    }

    /// A frame or message too big to process (1009).
    pub const fn too_big(reason: &'static str) -> Self {
        ProtocolError { code: CloseCode::MESSAGE_TOO_BIG, reason }
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.0, self.reason)
    }
}

impl std::error::Error for ProtocolError {}

/// Where a protocol failure leaves the codec as a pier [`Error`], its code is
/// the WebSocket close code (what `Disconnected` reports as StatusCode) and
/// its text the reason.
impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::new(i32::from(e.code.0), e.reason)
    }
}
