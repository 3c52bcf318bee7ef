//! TCPServer events as Rust values (TCPServer reference, Event List). Fields
//! the reference marks writable are plain fields the handler may change.
//! All but DataIn are the stream transport's events (src/stream/event.rs).

use super::ids::*;
use crate::stream::Ticket;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpEvent {
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
        ticket: Ticket,
    },
    DataIn {
        connection_id: i32,
        text: Vec<u8>,
        eol: bool,
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
}

crate::stream_events!(TcpEvent; DataIn);

impl TcpEvent {
    /// The event id of the header (`PIER_TCPSERVER_EVENT_*`).
    pub fn id(&self) -> i32 {
        match self {
            TcpEvent::Connected { .. } => PIER_TCPSERVER_EVENT_CONNECTED,
            TcpEvent::ConnectionRequest { .. } => PIER_TCPSERVER_EVENT_CONNECTIONREQUEST,
            TcpEvent::DataIn { .. } => PIER_TCPSERVER_EVENT_DATAIN,
            TcpEvent::Disconnected { .. } => PIER_TCPSERVER_EVENT_DISCONNECTED,
            TcpEvent::Error { .. } => PIER_TCPSERVER_EVENT_ERROR,
            TcpEvent::ReadyToSend { .. } => PIER_TCPSERVER_EVENT_READYTOSEND,
            TcpEvent::SslClientAuthentication { .. } => PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION,
            TcpEvent::SslConnectionRequest { .. } => PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST,
            TcpEvent::SslStatus { .. } => PIER_TCPSERVER_EVENT_SSLSTATUS,
        }
    }

    pub fn connection_id(&self) -> Option<i32> {
        crate::stream::ProtoEvent::connection_id(self)
    }
}
