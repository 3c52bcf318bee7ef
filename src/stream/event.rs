//! The events every protocol on the stream transport inherits: the
//! connection's life (ConnectionRequest, Connected, ReadyToSend, Error,
//! Disconnected) and the TLS layer's (SSLConnectionRequest,
//! SSLClientAuthentication, SSLStatus). A protocol's own event enum carries
//! them as variants of the same names and converts with [`ProtoEvent`], so
//! each component keeps one flat event type (TcpEvent, ...).

/// Which pending client a ConnectionRequest is about. Opaque: only the
/// transport makes and reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ticket(pub(super) u64);

/// Declares an event enum with the stream events as its first variants
/// (the same names and fields as [`StreamEvent`]'s) followed by the
/// component's own, each of which must carry a `connection_id`; and, when
/// there are own variants, its [`ProtoEvent`] impl. One list of the shared
/// events for every component.
#[macro_export]
macro_rules! stream_event_enum {
    (
        $(#[$m:meta])*
        pub enum $ty:ident {
            $(
                $(#[$vm:meta])*
                $own:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }
            ),* $(,)?
        }
    ) => {
        $(#[$m])*
        pub enum $ty {
            Connected {
                connection_id: i32,
                status_code: i32,
                description: String,
            },
            ConnectionRequest {
                address: String,
                port: i32,
                /// Writable: False refuses the client.
                accept: bool,
                /// Which pending socket this request is about (the transport's).
                #[doc(hidden)]
                ticket: $crate::stream::Ticket,
            },
            Disconnected {
                connection_id: i32,
                status_code: i32,
                description: String,
            },
            Error {
                connection_id: i32,
                error_code: i32,
                description: String,
            },
            ReadyToSend {
                connection_id: i32,
            },
            SslClientAuthentication {
                connection_id: i32,
                /// The client's certificate (DER), or its chain as PEM with SSLIncludeCertChain.
                cert_encoded: Vec<u8>,
                cert_subject: String,
                cert_issuer: String,
                status: String,
                /// Writable: the recommendation; it decides.
                accept: bool,
            },
            SslConnectionRequest {
                connection_id: i32,
                supported_cipher_suites: String,
                supported_signature_algs: String,
                /// Writable (all four): a certificate for this connection instead of
                /// the server's; an empty store keeps the server's.
                cert_store_type: i32,
                cert_store: Vec<u8>,
                cert_password: String,
                cert_subject: String,
            },
            SslStatus {
                connection_id: i32,
                message: String,
            },
            $(
                $(#[$vm])*
                $own { $($(#[$fm])* $f: $t),* },
            )*
        }
        $crate::stream_event_enum!(@impl $ty; $($own),*);
    };
    (@impl $ty:ident;) => {};
    (@impl $ty:ident; $($own:ident),+) => {
        $crate::stream_events!($ty; $($own),+);
    };
}

stream_event_enum! {
    /// The events of the stream transport, as every protocol inherits them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum StreamEvent {}
}

/// The kind of a stream event, for the checks the transport makes on an
/// event without taking it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Connected,
    ConnectionRequest,
    Disconnected,
    Error,
    ReadyToSend,
    SslClientAuthentication,
    SslConnectionRequest,
    SslStatus,
}

impl StreamKind {
    /// Still delivered for a connection that is closing (its Error and
    /// Disconnected; requests and status lines are about no open connection).
    pub fn survives_close(self) -> bool {
        matches!(
            self,
            StreamKind::Disconnected | StreamKind::Error | StreamKind::ConnectionRequest | StreamKind::SslStatus
        )
    }

    /// The transport reads writable fields back (or cleans up) after these.
    pub fn needs_done(self) -> bool {
        matches!(
            self,
            StreamKind::ConnectionRequest
                | StreamKind::Disconnected
                | StreamKind::SslConnectionRequest
                | StreamKind::SslClientAuthentication
        )
    }
}

/// A protocol's event type: the stream events plus its own.
pub trait ProtoEvent: Send + Sized + 'static {
    fn from_stream(ev: StreamEvent) -> Self;
    /// The stream event back (after the callback), or the protocol's own.
    fn into_stream(self) -> Result<StreamEvent, Self>;
    /// `Some` for the stream events.
    fn stream_kind(&self) -> Option<StreamKind>;
    /// The connection the event is about (None: ConnectionRequest).
    fn connection_id(&self) -> Option<i32>;
}

impl StreamEvent {
    pub fn kind(&self) -> StreamKind {
        match self {
            StreamEvent::Connected { .. } => StreamKind::Connected,
            StreamEvent::ConnectionRequest { .. } => StreamKind::ConnectionRequest,
            StreamEvent::Disconnected { .. } => StreamKind::Disconnected,
            StreamEvent::Error { .. } => StreamKind::Error,
            StreamEvent::ReadyToSend { .. } => StreamKind::ReadyToSend,
            StreamEvent::SslClientAuthentication { .. } => StreamKind::SslClientAuthentication,
            StreamEvent::SslConnectionRequest { .. } => StreamKind::SslConnectionRequest,
            StreamEvent::SslStatus { .. } => StreamKind::SslStatus,
        }
    }
}
