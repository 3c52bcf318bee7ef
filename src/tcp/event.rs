//! TCPServer events as Rust values (TCPServer reference, Event List). Fields
//! the reference marks writable are plain fields the handler may change.
//! All but DataIn are the stream transport's events (src/stream/event.rs).

use super::ids::*;

crate::stream_event_enum! {
    /// A TCPServer event: the stream transport's, and DataIn.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TcpEvent {
        DataIn {
            connection_id: i32,
            text: Vec<u8>,
            eol: bool,
        },
    }
}

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
