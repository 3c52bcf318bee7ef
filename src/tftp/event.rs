//! TFTPServer events as Rust values (the TFTPServer reference,
//! Event List). Fields the reference marks writable are plain fields the
//! handler may change. The order of events for one request is documented in
//! `docs/TFTP.md`: ConnectionRequest → Connected → StartTransfer → Transfer… →
//! EndTransfer → Disconnected (Error before a Disconnected it causes).

/// `Operation` of a ConnectionRequest: the client wants to read (RRQ).
pub const OPERATION_READ: i32 = 0;
/// `Operation` of a ConnectionRequest: the client wants to write (WRQ).
pub const OPERATION_WRITE: i32 = 1;
/// `Direction`: the client sends the data (WRQ, an upload).
pub const DIRECTION_CLIENT_SENDS: i32 = 0;
/// `Direction`: the server sends the data (RRQ, a download).
pub const DIRECTION_SERVER_SENDS: i32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TftpEvent {
    Connected {
        connection_id: i32,
        status_code: i32,
        description: String,
    },
    ConnectionRequest {
        remote_host: String,
        remote_port: i32,
        filename: String,
        /// "octet" or "netascii".
        transfer_mode: String,
        /// [`OPERATION_READ`] or [`OPERATION_WRITE`].
        operation: i32,
        /// Writable: False refuses the request with TFTP ERROR 2.
        accept: bool,
        /// Which pending request this is about (internal).
        #[doc(hidden)]
        ticket: u64,
    },
    Disconnected {
        connection_id: i32,
        status_code: i32,
        description: String,
    },
    EndTransfer {
        connection_id: i32,
        direction: i32,
    },
    Error {
        error_code: i32,
        description: String,
        /// Beyond the reference: the connection the error is about (0: none).
        connection_id: i32,
    },
    Log {
        connection_id: i32,
        log_level: i32,
        message: String,
        /// "Info", "Error", "Verbose" or "Debug".
        log_type: String,
    },
    StartTransfer {
        connection_id: i32,
        direction: i32,
    },
    Transfer {
        connection_id: i32,
        direction: i32,
        bytes_transferred: i64,
        /// 0..=100, or -1 when the size is unknown.
        percent_done: i32,
        /// The data of the block(s) this event is about: for uploads as
        /// stored (netascii decoded), for downloads as sent on the wire.
        text: Vec<u8>,
    },
}

impl TftpEvent {
    /// The event id of the header (`PIER_TFTPSERVER_EVENT_*`).
    pub fn id(&self) -> i32 {
        use super::props::*;
        match self {
            TftpEvent::Connected { .. } => PIER_TFTPSERVER_EVENT_CONNECTED,
            TftpEvent::ConnectionRequest { .. } => PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST,
            TftpEvent::Disconnected { .. } => PIER_TFTPSERVER_EVENT_DISCONNECTED,
            TftpEvent::EndTransfer { .. } => PIER_TFTPSERVER_EVENT_ENDTRANSFER,
            TftpEvent::Error { .. } => PIER_TFTPSERVER_EVENT_ERROR,
            TftpEvent::Log { .. } => PIER_TFTPSERVER_EVENT_LOG,
            TftpEvent::StartTransfer { .. } => PIER_TFTPSERVER_EVENT_STARTTRANSFER,
            TftpEvent::Transfer { .. } => PIER_TFTPSERVER_EVENT_TRANSFER,
        }
    }

    /// The connection the event is about, if any.
    pub fn connection_id(&self) -> Option<i32> {
        match self {
            TftpEvent::Connected { connection_id, .. }
            | TftpEvent::Disconnected { connection_id, .. }
            | TftpEvent::EndTransfer { connection_id, .. }
            | TftpEvent::StartTransfer { connection_id, .. }
            | TftpEvent::Transfer { connection_id, .. } => Some(*connection_id),
            TftpEvent::Error { connection_id, .. } | TftpEvent::Log { connection_id, .. } => {
                (*connection_id != 0).then_some(*connection_id)
            }
            TftpEvent::ConnectionRequest { .. } => None,
        }
    }
}
