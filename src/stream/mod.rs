//! The stream transport every TCP-based component stands on: a `Stream`
//! (socket + optional TLS session), the incoming buffer lent to the
//! protocol, an out queue of shareable segments flushed with vectored
//! writes, the TLS handshake glue and its SSL events, the shared listening
//! and connection settings, and the [`Protocol`] trait a component
//! implements. TCPServer's framing is one protocol on it
//! (docs/ARCHITECTURE.md, "The stream transport").

pub mod conn;
pub mod event;
pub mod io;
pub mod outq;
pub mod props;
pub mod protocol;
pub mod server;
pub mod settings;
pub mod transport;

#[cfg(test)]
mod tests;

pub use event::{ProtoEvent, StreamEvent, StreamKind, Ticket};
pub use outq::Segment;
pub use props::StreamProp;
pub use protocol::{Ctx, Protocol};
pub use server::StreamServer;
pub use settings::{SslProps, StreamSettings, TlsMode};
pub use transport::{Stats, Transport};

/// Implements [`ProtoEvent`] for a component's event enum whose stream
/// events are variants of the same names and fields as [`StreamEvent`]'s
/// (`Connected`, `ConnectionRequest`, `Disconnected`, `Error`,
/// `ReadyToSend`, `SslClientAuthentication`, `SslConnectionRequest`,
/// `SslStatus`). `$own` lists the component's own variants that carry a
/// `connection_id`.
#[macro_export]
macro_rules! stream_events {
    ($ty:ident; $($own:ident),* $(,)?) => {
        impl $crate::stream::ProtoEvent for $ty {
            fn from_stream(ev: $crate::stream::StreamEvent) -> Self {
                use $crate::stream::StreamEvent as S;
                match ev {
                    S::Connected { connection_id, status_code, description } => $ty::Connected { connection_id, status_code, description },
                    S::ConnectionRequest { address, port, accept, ticket } => $ty::ConnectionRequest { address, port, accept, ticket },
                    S::Disconnected { connection_id, status_code, description } => $ty::Disconnected { connection_id, status_code, description },
                    S::Error { connection_id, error_code, description } => $ty::Error { connection_id, error_code, description },
                    S::ReadyToSend { connection_id } => $ty::ReadyToSend { connection_id },
                    S::SslClientAuthentication { connection_id, cert_encoded, cert_subject, cert_issuer, status, accept } =>
                        $ty::SslClientAuthentication { connection_id, cert_encoded, cert_subject, cert_issuer, status, accept },
                    S::SslConnectionRequest { connection_id, supported_cipher_suites, supported_signature_algs, cert_store_type, cert_store, cert_password, cert_subject } =>
                        $ty::SslConnectionRequest { connection_id, supported_cipher_suites, supported_signature_algs, cert_store_type, cert_store, cert_password, cert_subject },
                    S::SslStatus { connection_id, message } => $ty::SslStatus { connection_id, message },
                }
            }

            fn into_stream(self) -> ::std::result::Result<$crate::stream::StreamEvent, Self> {
                use $crate::stream::StreamEvent as S;
                Ok(match self {
                    $ty::Connected { connection_id, status_code, description } => S::Connected { connection_id, status_code, description },
                    $ty::ConnectionRequest { address, port, accept, ticket } => S::ConnectionRequest { address, port, accept, ticket },
                    $ty::Disconnected { connection_id, status_code, description } => S::Disconnected { connection_id, status_code, description },
                    $ty::Error { connection_id, error_code, description } => S::Error { connection_id, error_code, description },
                    $ty::ReadyToSend { connection_id } => S::ReadyToSend { connection_id },
                    $ty::SslClientAuthentication { connection_id, cert_encoded, cert_subject, cert_issuer, status, accept } =>
                        S::SslClientAuthentication { connection_id, cert_encoded, cert_subject, cert_issuer, status, accept },
                    $ty::SslConnectionRequest { connection_id, supported_cipher_suites, supported_signature_algs, cert_store_type, cert_store, cert_password, cert_subject } =>
                        S::SslConnectionRequest { connection_id, supported_cipher_suites, supported_signature_algs, cert_store_type, cert_store, cert_password, cert_subject },
                    $ty::SslStatus { connection_id, message } => S::SslStatus { connection_id, message },
                    other => return Err(other),
                })
            }

            fn stream_kind(&self) -> Option<$crate::stream::StreamKind> {
                use $crate::stream::StreamKind as K;
                Some(match self {
                    $ty::Connected { .. } => K::Connected,
                    $ty::ConnectionRequest { .. } => K::ConnectionRequest,
                    $ty::Disconnected { .. } => K::Disconnected,
                    $ty::Error { .. } => K::Error,
                    $ty::ReadyToSend { .. } => K::ReadyToSend,
                    $ty::SslClientAuthentication { .. } => K::SslClientAuthentication,
                    $ty::SslConnectionRequest { .. } => K::SslConnectionRequest,
                    $ty::SslStatus { .. } => K::SslStatus,
                    _ => return None,
                })
            }

            fn connection_id(&self) -> Option<i32> {
                match self {
                    $ty::Connected { connection_id, .. }
                    | $ty::Disconnected { connection_id, .. }
                    | $ty::Error { connection_id, .. }
                    | $ty::ReadyToSend { connection_id }
                    | $ty::SslClientAuthentication { connection_id, .. }
                    | $ty::SslConnectionRequest { connection_id, .. }
                    | $ty::SslStatus { connection_id, .. }
                    $(| $ty::$own { connection_id, .. })* => Some(*connection_id),
                    $ty::ConnectionRequest { .. } => None,
                }
            }
        }
    };
}
