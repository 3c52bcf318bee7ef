//! OFTPServer events as Rust values (OFTPServer reference, Event List).
//! Fields the reference marks writable are plain fields the handler may
//! change. Connected, ConnectionRequest, Disconnected, Error, ReadyToSend
//! and the SSL events are the stream transport's (src/stream/event.rs);
//! OFTPServer's ReadyToSend is the session's turn to speak (the client's
//! CD), and its Connected fires once the SSIDs agreed. Their order in a
//! session: docs/OFTP.md "Events".

use super::ids::*;

crate::stream_event_enum! {
    /// An OFTPServer event: the stream transport's, and OFTPServer's own.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum OftpEvent {
        AcceptConnection {
            connection_id: i32,
            client_ssid_code: String,
            client_password: String,
            /// 0 1.2, 1 1.3, 2 1.4, 3 2.0.
            client_version: i32,
            /// Writable: the level to answer with (never above the client's).
            server_version: i32,
            /// Writable: False refuses the client with ESID `error_code`.
            accept: bool,
            /// Writable: the ESID reason of a refusal (3 unknown user code, 4 invalid password, 10 incompatible, 99).
            error_code: i32,
            /// Writable: the ESID reason text (2.0; "" = the standard text).
            error_description: String,
        },
        AcceptFile {
            connection_id: i32,
            virtual_file_name: String,
            virtual_file_date: String,
            destination: String,
            originator: String,
            /// Writable: False refuses the file with SFNA `error_code`.
            accept: bool,
            /// Writable: where the file is stored (DownloadDirectory + ReceivedFileNameFormat).
            file_name: String,
            /// Writable: replace an existing file of that name.
            overwrite: bool,
            /// Writable: the SFNA reason of a refusal (default 99).
            error_code: i32,
            /// Writable: the SFNA reason text (2.0; "" = the standard text).
            error_description: String,
        },
        CertificateReceived {
            connection_id: i32,
            certificate_file_name: String,
            certificate_exchange_type: i32,
        },
        EndResponse {
            connection_id: i32,
            virtual_file_name: String,
            virtual_file_date: String,
            destination: String,
            originator: String,
            creator: String,
            /// 0 for an EERP, else the NERP reason.
            reason_code: i32,
            reason_text: String,
            /// Writable: the hash the file was sent with, to check a signed EERP against.
            file_hash: Vec<u8>,
            signature: Vec<u8>,
            /// 0 received, 1 sent (FireEndResponseOnSend).
            direction: i32,
        },
        EndTransfer {
            connection_id: i32,
            /// 0 from the client, 1 from the server.
            direction: i32,
            local_file: String,
            virtual_file_name: String,
            virtual_file_date: String,
            destination: String,
            originator: String,
            /// 0 when the file is in place (or delivered), else the NERP/EFNA reason.
            reason_code: i32,
            reason_text: String,
            file_size: i64,
            file_hash: Vec<u8>,
            /// Writable: False: no EERP now (send it later with SendEndResponse).
            send_end_response: bool,
        },
        Log {
            connection_id: i32,
            log_level: i32,
            message: String,
            log_type: String,
        },
        PiTrail {
            connection_id: i32,
            /// 0 from the client, 1 from the server.
            direction: i32,
            /// The Exchange Buffer (the command, without its STH).
            data: Vec<u8>,
            /// The command octet.
            command_id: i32,
            command_description: String,
        },
        StartTransfer {
            connection_id: i32,
            direction: i32,
            /// Writable (receiving): where the file is stored.
            local_file: String,
            virtual_file_name: String,
            virtual_file_date: String,
            destination: String,
            originator: String,
        },
        Transfer {
            connection_id: i32,
            direction: i32,
            local_file: String,
            virtual_file_name: String,
            virtual_file_date: String,
            destination: String,
            originator: String,
            bytes_transferred: i64,
            text: Vec<u8>,
        },
    }
}

impl OftpEvent {
    /// The event id of the header (`PIER_OFTPSERVER_EVENT_*`).
    pub fn id(&self) -> i32 {
        match self {
            OftpEvent::AcceptConnection { .. } => PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION,
            OftpEvent::AcceptFile { .. } => PIER_OFTPSERVER_EVENT_ACCEPTFILE,
            OftpEvent::CertificateReceived { .. } => PIER_OFTPSERVER_EVENT_CERTIFICATERECEIVED,
            OftpEvent::Connected { .. } => PIER_OFTPSERVER_EVENT_CONNECTED,
            OftpEvent::ConnectionRequest { .. } => PIER_OFTPSERVER_EVENT_CONNECTIONREQUEST,
            OftpEvent::Disconnected { .. } => PIER_OFTPSERVER_EVENT_DISCONNECTED,
            OftpEvent::EndResponse { .. } => PIER_OFTPSERVER_EVENT_ENDRESPONSE,
            OftpEvent::EndTransfer { .. } => PIER_OFTPSERVER_EVENT_ENDTRANSFER,
            OftpEvent::Error { .. } => PIER_OFTPSERVER_EVENT_ERROR,
            OftpEvent::Log { .. } => PIER_OFTPSERVER_EVENT_LOG,
            OftpEvent::PiTrail { .. } => PIER_OFTPSERVER_EVENT_PITRAIL,
            OftpEvent::ReadyToSend { .. } => PIER_OFTPSERVER_EVENT_READYTOSEND,
            OftpEvent::SslClientAuthentication { .. } => PIER_OFTPSERVER_EVENT_SSLCLIENTAUTHENTICATION,
            OftpEvent::SslConnectionRequest { .. } => PIER_OFTPSERVER_EVENT_SSLCONNECTIONREQUEST,
            OftpEvent::SslStatus { .. } => PIER_OFTPSERVER_EVENT_SSLSTATUS,
            OftpEvent::StartTransfer { .. } => PIER_OFTPSERVER_EVENT_STARTTRANSFER,
            OftpEvent::Transfer { .. } => PIER_OFTPSERVER_EVENT_TRANSFER,
        }
    }

    pub fn connection_id(&self) -> Option<i32> {
        crate::stream::ProtoEvent::connection_id(self)
    }
}
