//! TCPServer events as Rust values (TCPServer reference, Event List). Fields
//! the reference marks writable are plain fields the handler may change.

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
        /// Which pending socket this request is about (internal).
        #[doc(hidden)]
        ticket: u64,
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
}

impl TcpEvent {
    /// The event id of the header (`PIER_TCPSERVER_EVENT_*`).
    pub fn id(&self) -> i32 {
        use super::props::*;
        match self {
            TcpEvent::Connected { .. } => PIER_TCPSERVER_EVENT_CONNECTED,
            TcpEvent::ConnectionRequest { .. } => PIER_TCPSERVER_EVENT_CONNECTIONREQUEST,
            TcpEvent::DataIn { .. } => PIER_TCPSERVER_EVENT_DATAIN,
            TcpEvent::Disconnected { .. } => PIER_TCPSERVER_EVENT_DISCONNECTED,
            TcpEvent::Error { .. } => PIER_TCPSERVER_EVENT_ERROR,
            TcpEvent::ReadyToSend { .. } => PIER_TCPSERVER_EVENT_READYTOSEND,
        }
    }

    pub fn connection_id(&self) -> Option<i32> {
        match self {
            TcpEvent::Connected { connection_id, .. }
            | TcpEvent::DataIn { connection_id, .. }
            | TcpEvent::Disconnected { connection_id, .. }
            | TcpEvent::Error { connection_id, .. }
            | TcpEvent::ReadyToSend { connection_id } => Some(*connection_id),
            TcpEvent::ConnectionRequest { .. } => None,
        }
    }
}
