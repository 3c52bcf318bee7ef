//! WSServer events as Rust values (WSServer reference, Event List). Fields
//! the reference marks writable are plain fields the handler may change.
//! Connected, ConnectionRequest, Disconnected, Error, ReadyToSend and the
//! SSL events are the stream transport's (src/stream/event.rs); WSServer's
//! Disconnected carries the WebSocket close code (1000, 1006, ...).

use super::ids::*;

crate::stream_event_enum! {
    /// A WSServer event: the stream transport's, and WSServer's own.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum WsEvent {
        DataIn {
            connection_id: i32,
            /// 1 text, 2 binary for a message's first piece; 0 for the
            /// pieces after it, and always in line mode.
            data_format: i32,
            text: Vec<u8>,
            /// End of message.
            eom: bool,
            /// In line mode: the piece ended at a line end.
            eol: bool,
        },
        Log {
            connection_id: i32,
            log_level: i32,
            message: String,
            log_type: String,
        },
        Ping {
            connection_id: i32,
            payload: Vec<u8>,
            /// True for a Pong (an answer), False for a Ping (answered already).
            response: bool,
        },
        WebSocketOpenRequest {
            connection_id: i32,
            request_uri: String,
            host_header: String,
            origin_header: String,
            /// Writable: the sub-protocol chosen from the client's list ("" = none).
            sub_protocols: String,
            extensions: String,
            request_headers: String,
            /// Writable: 101 accepts; any other HTTP status refuses with it.
            status_code: i32,
            /// Writable: extra response header lines (e.g. `WWW-Authenticate: Basic`).
            response_headers: String,
        },
    }
}

impl WsEvent {
    /// The event id of the header (`PIER_WSSERVER_EVENT_*`).
    pub fn id(&self) -> i32 {
        match self {
            WsEvent::Connected { .. } => PIER_WSSERVER_EVENT_CONNECTED,
            WsEvent::ConnectionRequest { .. } => PIER_WSSERVER_EVENT_CONNECTIONREQUEST,
            WsEvent::DataIn { .. } => PIER_WSSERVER_EVENT_DATAIN,
            WsEvent::Disconnected { .. } => PIER_WSSERVER_EVENT_DISCONNECTED,
            WsEvent::Error { .. } => PIER_WSSERVER_EVENT_ERROR,
            WsEvent::Log { .. } => PIER_WSSERVER_EVENT_LOG,
            WsEvent::Ping { .. } => PIER_WSSERVER_EVENT_PING,
            WsEvent::ReadyToSend { .. } => PIER_WSSERVER_EVENT_READYTOSEND,
            WsEvent::SslClientAuthentication { .. } => PIER_WSSERVER_EVENT_SSLCLIENTAUTHENTICATION,
            WsEvent::SslConnectionRequest { .. } => PIER_WSSERVER_EVENT_SSLCONNECTIONREQUEST,
            WsEvent::SslStatus { .. } => PIER_WSSERVER_EVENT_SSLSTATUS,
            WsEvent::WebSocketOpenRequest { .. } => PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST,
        }
    }

    pub fn connection_id(&self) -> Option<i32> {
        crate::stream::ProtoEvent::connection_id(self)
    }
}
