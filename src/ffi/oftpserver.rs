//! OFTPServer's C functions and event structs (docs/API.md §1, §8). Each
//! export delegates to `handle`; the component (src/oftp/) does the work.
//! Text fields are NUL-terminated; binary fields (`data`, `text`,
//! `file_hash`, `signature`) are a pointer and a length, followed by a NUL
//! the length does not count.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::handle::{self as h, cstring, with_nul, CallbackTable, Server};
use super::ssl_events::{
    self as ssl, pier_sslclientauthentication_params, pier_sslconnectionrequest_params, pier_sslstatus_params,
    read_cstr,
};
use crate::core::engine::Driver;
use crate::core::error::Result;
use crate::oftp::protocol::SendRequest;
use crate::oftp::server::EndResponse;
use crate::oftp::{OftpEvent, OftpServer};

/// Opaque OFTPServer handle.
pub struct pier_oftpserver {
    _private: [u8; 0],
}

/// Parameters of the AcceptConnection event (PIER_OFTPSERVER_EVENT_ACCEPTCONNECTION):
/// the client's SSID arrived. Pointers written into the writable fields must
/// stay valid until the callback has returned.
#[repr(C)]
pub struct pier_oftpserver_acceptconnection_params {
    pub connection_id: c_int,
    pub client_ssid_code: *const c_char,
    pub client_password: *const c_char,
    /// 0 OFTP 1.2, 1 1.3, 2 1.4, 3 2.0.
    pub client_version: c_int,
    /// Writable: the level to use (never above the client's).
    pub server_version: c_int,
    /// Writable: false refuses the client with ESID error_code.
    pub accept: bool,
    /// Writable: the ESID reason of a refusal (3 unknown user code, 4 invalid password, 10 incompatible, 99).
    pub error_code: c_int,
    /// Writable: the reason text (2.0).
    pub error_description: *const c_char,
}

/// Parameters of the AcceptFile event (PIER_OFTPSERVER_EVENT_ACCEPTFILE): the
/// client's SFID. Pointers written into the writable fields must stay valid
/// until the callback has returned.
#[repr(C)]
pub struct pier_oftpserver_acceptfile_params {
    pub connection_id: c_int,
    pub virtual_file_name: *const c_char,
    /// In VirtualFileDateFormat (default MM/dd/yyyy HH:mm:ss).
    pub virtual_file_date: *const c_char,
    pub destination: *const c_char,
    pub originator: *const c_char,
    /// Writable: false refuses the file with SFNA error_code.
    pub accept: bool,
    /// Writable: where the file is stored (DownloadDirectory + ReceivedFileNameFormat).
    pub file_name: *const c_char,
    /// Writable: replace an existing file of that name.
    pub overwrite: bool,
    /// Writable: the SFNA reason of a refusal (default 99).
    pub error_code: c_int,
    /// Writable: the reason text (2.0).
    pub error_description: *const c_char,
}

/// Parameters of the CertificateReceived event (PIER_OFTPSERVER_EVENT_CERTIFICATERECEIVED).
#[repr(C)]
pub struct pier_oftpserver_certificatereceived_params {
    pub connection_id: c_int,
    pub certificate_file_name: *const c_char,
    /// 0 request, 1 replace, 2 deliver.
    pub certificate_exchange_type: c_int,
}

/// Parameters of the Connected event (PIER_OFTPSERVER_EVENT_CONNECTED): the session is up.
#[repr(C)]
pub struct pier_oftpserver_connected_params {
    pub connection_id: c_int,
    pub status_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the ConnectionRequest event (PIER_OFTPSERVER_EVENT_CONNECTIONREQUEST).
#[repr(C)]
pub struct pier_oftpserver_connectionrequest_params {
    /// The client's IP address.
    pub address: *const c_char,
    pub port: c_int,
    /// Writable: set false to refuse the client (closed with a FIN, no events).
    pub accept: bool,
}

/// Parameters of the Disconnected event (PIER_OFTPSERVER_EVENT_DISCONNECTED).
#[repr(C)]
pub struct pier_oftpserver_disconnected_params {
    pub connection_id: c_int,
    /// 0 after an orderly end (ESID 00, or a refusal the application chose);
    /// else 671 protocol, 675/677 the client refused our identity, 10060 a
    /// time-out, or a TCP/IP or SSL error.
    pub status_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the EndResponse event (PIER_OFTPSERVER_EVENT_ENDRESPONSE).
#[repr(C)]
pub struct pier_oftpserver_endresponse_params {
    pub connection_id: c_int,
    pub virtual_file_name: *const c_char,
    pub virtual_file_date: *const c_char,
    pub destination: *const c_char,
    pub originator: *const c_char,
    pub creator: *const c_char,
    /// 0 for an EERP, else the NERP reason.
    pub reason_code: c_int,
    pub reason_text: *const c_char,
    /// Writable: the hash the file was sent with (binary; point it at memory
    /// valid until the callback returns and set file_hash_len).
    pub file_hash: *const u8,
    pub file_hash_len: c_int,
    pub signature: *const u8,
    pub signature_len: c_int,
    /// 0 received, 1 sent (FireEndResponseOnSend).
    pub direction: c_int,
}

/// Parameters of the EndTransfer event (PIER_OFTPSERVER_EVENT_ENDTRANSFER).
#[repr(C)]
pub struct pier_oftpserver_endtransfer_params {
    pub connection_id: c_int,
    /// 0 from the client, 1 from the server.
    pub direction: c_int,
    pub local_file: *const c_char,
    pub virtual_file_name: *const c_char,
    pub virtual_file_date: *const c_char,
    pub destination: *const c_char,
    pub originator: *const c_char,
    /// 0 when the file is in place (or delivered); else the reason (NERP codes).
    pub reason_code: c_int,
    pub reason_text: *const c_char,
    pub file_size: i64,
    pub file_hash: *const u8,
    pub file_hash_len: c_int,
    /// Writable: false keeps the EERP back (send it later with pier_oftpserver_do_sendendresponse).
    pub send_end_response: bool,
}

/// Parameters of the Error event (PIER_OFTPSERVER_EVENT_ERROR).
#[repr(C)]
pub struct pier_oftpserver_error_params {
    /// The connection the error is about (0: the listener).
    pub connection_id: c_int,
    pub error_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the Log event (PIER_OFTPSERVER_EVENT_LOG).
#[repr(C)]
pub struct pier_oftpserver_log_params {
    pub connection_id: c_int,
    /// 1 Info, 2 Verbose, 3 Debug (fired up to the LogLevel setting).
    pub log_level: c_int,
    pub message: *const c_char,
    /// "Info" or "OFTP".
    pub log_type: *const c_char,
}

/// Parameters of the PITrail event (PIER_OFTPSERVER_EVENT_PITRAIL).
#[repr(C)]
pub struct pier_oftpserver_pitrail_params {
    pub connection_id: c_int,
    /// 0 from the client, 1 from the server.
    pub direction: c_int,
    /// The Exchange Buffer (the command without its Stream Transmission Header).
    pub data: *const u8,
    pub data_len: c_int,
    /// The command octet ('X' 88 SSID, 'H' 72 SFID, 'D' 68 DATA, ...).
    pub command_id: c_int,
    pub command_description: *const c_char,
}

/// Parameters of the ReadyToSend event (PIER_OFTPSERVER_EVENT_READYTOSEND): the server speaks.
#[repr(C)]
pub struct pier_oftpserver_readytosend_params {
    pub connection_id: c_int,
}

/// Parameters of the SSLClientAuthentication event (PIER_OFTPSERVER_EVENT_SSLCLIENTAUTHENTICATION).
pub type pier_oftpserver_sslclientauthentication_params = pier_sslclientauthentication_params;

/// Parameters of the SSLConnectionRequest event (PIER_OFTPSERVER_EVENT_SSLCONNECTIONREQUEST).
pub type pier_oftpserver_sslconnectionrequest_params = pier_sslconnectionrequest_params;

/// Parameters of the SSLStatus event (PIER_OFTPSERVER_EVENT_SSLSTATUS).
pub type pier_oftpserver_sslstatus_params = pier_sslstatus_params;

/// Parameters of the StartTransfer event (PIER_OFTPSERVER_EVENT_STARTTRANSFER).
/// A pointer written into local_file must stay valid until the callback has returned.
#[repr(C)]
pub struct pier_oftpserver_starttransfer_params {
    pub connection_id: c_int,
    /// 0 from the client, 1 from the server.
    pub direction: c_int,
    /// Writable (receiving): where the file is stored.
    pub local_file: *const c_char,
    pub virtual_file_name: *const c_char,
    pub virtual_file_date: *const c_char,
    pub destination: *const c_char,
    pub originator: *const c_char,
}

/// Parameters of the Transfer event (PIER_OFTPSERVER_EVENT_TRANSFER).
#[repr(C)]
pub struct pier_oftpserver_transfer_params {
    pub connection_id: c_int,
    pub direction: c_int,
    pub local_file: *const c_char,
    pub virtual_file_name: *const c_char,
    pub virtual_file_date: *const c_char,
    pub destination: *const c_char,
    pub originator: *const c_char,
    /// File octets so far in this direction.
    pub bytes_transferred: i64,
    /// Receiving: the data just received; sending: empty.
    pub text: *const u8,
    pub text_len: c_int,
}

/// Reads back a binary field the callback may have pointed elsewhere.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes.
unsafe fn read_bytes(p: *const u8, len: c_int) -> Vec<u8> {
    if p.is_null() || len <= 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(p, len as usize).to_vec()
    }
}

fn fire(table: &CallbackTable, handle: usize, ev: &mut OftpEvent) {
    let id = ev.id();
    let Some(cb) = table.get(id) else { return };
    match ev {
        OftpEvent::AcceptConnection {
            connection_id,
            client_ssid_code,
            client_password,
            client_version,
            server_version,
            accept,
            error_code,
            error_description,
        } => {
            let (code, pw, desc) = (cstring(client_ssid_code), cstring(client_password), cstring(error_description));
            let mut p = pier_oftpserver_acceptconnection_params {
                connection_id: *connection_id,
                client_ssid_code: code.as_ptr(),
                client_password: pw.as_ptr(),
                client_version: *client_version,
                server_version: *server_version,
                accept: *accept,
                error_code: *error_code,
                error_description: desc.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
            (*server_version, *accept, *error_code) = (p.server_version, p.accept, p.error_code);
            // SAFETY: NULL or a pointer the callback left valid (documented).
            *error_description = unsafe { read_cstr(p.error_description) };
        }
        OftpEvent::AcceptFile {
            connection_id,
            virtual_file_name,
            virtual_file_date,
            destination,
            originator,
            accept,
            file_name,
            overwrite,
            error_code,
            error_description,
        } => {
            let (n, d, de, o) =
                (cstring(virtual_file_name), cstring(virtual_file_date), cstring(destination), cstring(originator));
            let (f, ed) = (cstring(file_name), cstring(error_description));
            let mut p = pier_oftpserver_acceptfile_params {
                connection_id: *connection_id,
                virtual_file_name: n.as_ptr(),
                virtual_file_date: d.as_ptr(),
                destination: de.as_ptr(),
                originator: o.as_ptr(),
                accept: *accept,
                file_name: f.as_ptr(),
                overwrite: *overwrite,
                error_code: *error_code,
                error_description: ed.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
            (*accept, *overwrite, *error_code) = (p.accept, p.overwrite, p.error_code);
            // SAFETY: NULL or pointers the callback left valid (documented).
            unsafe {
                *file_name = read_cstr(p.file_name);
                *error_description = read_cstr(p.error_description);
            }
        }
        OftpEvent::CertificateReceived { connection_id, certificate_file_name, certificate_exchange_type } => {
            let f = cstring(certificate_file_name);
            let mut p = pier_oftpserver_certificatereceived_params {
                connection_id: *connection_id,
                certificate_file_name: f.as_ptr(),
                certificate_exchange_type: *certificate_exchange_type,
            };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::Connected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_oftpserver_connected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::ConnectionRequest { address, port, accept, .. } => {
            let a = cstring(address);
            let mut p = pier_oftpserver_connectionrequest_params { address: a.as_ptr(), port: *port, accept: *accept };
            cb.fire(handle, id, &mut p);
            *accept = p.accept;
        }
        OftpEvent::Disconnected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_oftpserver_disconnected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::EndResponse {
            connection_id,
            virtual_file_name,
            virtual_file_date,
            destination,
            originator,
            creator,
            reason_code,
            reason_text,
            file_hash,
            signature,
            direction,
        } => {
            let (n, d, de, o) =
                (cstring(virtual_file_name), cstring(virtual_file_date), cstring(destination), cstring(originator));
            let (c, rt) = (cstring(creator), cstring(reason_text));
            let hash_ptr = file_hash.as_ptr();
            let mut p = pier_oftpserver_endresponse_params {
                connection_id: *connection_id,
                virtual_file_name: n.as_ptr(),
                virtual_file_date: d.as_ptr(),
                destination: de.as_ptr(),
                originator: o.as_ptr(),
                creator: c.as_ptr(),
                reason_code: *reason_code,
                reason_text: rt.as_ptr(),
                file_hash: hash_ptr,
                file_hash_len: file_hash.len() as c_int,
                signature: signature.as_ptr(),
                signature_len: signature.len() as c_int,
                direction: *direction,
            };
            cb.fire(handle, id, &mut p);
            if p.file_hash != hash_ptr || p.file_hash_len != file_hash.len() as c_int {
                // SAFETY: the callback pointed file_hash at file_hash_len bytes
                // valid until it returned (documented).
                *file_hash = unsafe { read_bytes(p.file_hash, p.file_hash_len) };
            }
        }
        OftpEvent::EndTransfer {
            connection_id,
            direction,
            local_file,
            virtual_file_name,
            virtual_file_date,
            destination,
            originator,
            reason_code,
            reason_text,
            file_size,
            file_hash,
            send_end_response,
        } => {
            let (l, n, d) = (cstring(local_file), cstring(virtual_file_name), cstring(virtual_file_date));
            let (de, o, rt) = (cstring(destination), cstring(originator), cstring(reason_text));
            with_nul(file_hash, |hash, hash_len| {
                let mut p = pier_oftpserver_endtransfer_params {
                    connection_id: *connection_id,
                    direction: *direction,
                    local_file: l.as_ptr(),
                    virtual_file_name: n.as_ptr(),
                    virtual_file_date: d.as_ptr(),
                    destination: de.as_ptr(),
                    originator: o.as_ptr(),
                    reason_code: *reason_code,
                    reason_text: rt.as_ptr(),
                    file_size: *file_size,
                    file_hash: hash,
                    file_hash_len: hash_len,
                    send_end_response: *send_end_response,
                };
                cb.fire(handle, id, &mut p);
                *send_end_response = p.send_end_response;
            })
        }
        OftpEvent::Error { connection_id, error_code, description } => {
            let d = cstring(description);
            let mut p = pier_oftpserver_error_params {
                connection_id: *connection_id,
                error_code: *error_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::Log { connection_id, log_level, message, log_type } => {
            let (m, t) = (cstring(message), cstring(log_type));
            let mut p = pier_oftpserver_log_params {
                connection_id: *connection_id,
                log_level: *log_level,
                message: m.as_ptr(),
                log_type: t.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::PiTrail { connection_id, direction, data, command_id, command_description } => {
            let desc = cstring(command_description);
            with_nul(data, |ptr, len| {
                let mut p = pier_oftpserver_pitrail_params {
                    connection_id: *connection_id,
                    direction: *direction,
                    data: ptr,
                    data_len: len,
                    command_id: *command_id,
                    command_description: desc.as_ptr(),
                };
                cb.fire(handle, id, &mut p);
            })
        }
        OftpEvent::ReadyToSend { connection_id } => {
            let mut p = pier_oftpserver_readytosend_params { connection_id: *connection_id };
            cb.fire(handle, id, &mut p);
        }
        OftpEvent::SslClientAuthentication {
            connection_id,
            cert_encoded,
            cert_subject,
            cert_issuer,
            status,
            accept,
        } => ssl::client_authentication(
            &cb,
            handle,
            id,
            *connection_id,
            cert_encoded,
            cert_subject,
            cert_issuer,
            status,
            accept,
        ),
        OftpEvent::SslConnectionRequest {
            connection_id,
            supported_cipher_suites,
            supported_signature_algs,
            cert_store_type,
            cert_store,
            cert_password,
            cert_subject,
        } => ssl::connection_request(
            &cb,
            handle,
            id,
            *connection_id,
            supported_cipher_suites,
            supported_signature_algs,
            ssl::CertChoice {
                store_type: cert_store_type,
                store: cert_store,
                password: cert_password,
                subject: cert_subject,
            },
        ),
        OftpEvent::SslStatus { connection_id, message } => ssl::status(&cb, handle, id, *connection_id, message),
        OftpEvent::StartTransfer {
            connection_id,
            direction,
            local_file,
            virtual_file_name,
            virtual_file_date,
            destination,
            originator,
        } => {
            let (l, n, d) = (cstring(local_file), cstring(virtual_file_name), cstring(virtual_file_date));
            let (de, o) = (cstring(destination), cstring(originator));
            let mut p = pier_oftpserver_starttransfer_params {
                connection_id: *connection_id,
                direction: *direction,
                local_file: l.as_ptr(),
                virtual_file_name: n.as_ptr(),
                virtual_file_date: d.as_ptr(),
                destination: de.as_ptr(),
                originator: o.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
            // SAFETY: NULL or a pointer the callback left valid (documented).
            *local_file = unsafe { read_cstr(p.local_file) };
        }
        OftpEvent::Transfer {
            connection_id,
            direction,
            local_file,
            virtual_file_name,
            virtual_file_date,
            destination,
            originator,
            bytes_transferred,
            text,
        } => {
            let (l, n, d) = (cstring(local_file), cstring(virtual_file_name), cstring(virtual_file_date));
            let (de, o) = (cstring(destination), cstring(originator));
            with_nul(text, |ptr, len| {
                let mut p = pier_oftpserver_transfer_params {
                    connection_id: *connection_id,
                    direction: *direction,
                    local_file: l.as_ptr(),
                    virtual_file_name: n.as_ptr(),
                    virtual_file_date: d.as_ptr(),
                    destination: de.as_ptr(),
                    originator: o.as_ptr(),
                    bytes_transferred: *bytes_transferred,
                    text: ptr,
                    text_len: len,
                };
                cb.fire(handle, id, &mut p);
            })
        }
    }
}

impl Server for OftpServer {
    fn create() -> Result<Self> {
        OftpServer::new()
    }

    fn install_dispatch(&self, table: Arc<CallbackTable>, handle: usize) {
        self.set_handler(Some(Arc::new(move |ev: &mut OftpEvent| fire(&table, handle, ev))));
        self.set_pitrail_events(false);
        self.set_transfer_events(false);
    }

    fn callback_registered(&self, event_id: i32, registered: bool) {
        match event_id {
            crate::oftp::props::PIER_OFTPSERVER_EVENT_PITRAIL => self.set_pitrail_events(registered),
            crate::oftp::props::PIER_OFTPSERVER_EVENT_TRANSFER => self.set_transfer_events(registered),
            _ => {}
        }
    }

    fn driver(&self) -> &dyn Driver {
        &**self.engine()
    }
}

type H = *mut pier_oftpserver;

fn cv(h: H) -> *const c_void {
    h as *const c_void
}

/// Creates an OFTPServer (LocalPort 3305, DefaultTimeout 60). Returns NULL only if out of memory.
#[no_mangle]
pub extern "C" fn pier_oftpserver_open() -> *mut pier_oftpserver {
    h::open::<OftpServer>() as *mut pier_oftpserver
}

/// Stops listening, closes every connection (no ESID) and frees the handle.
/// Fires no events. close(NULL) returns 0; a second close returns 901.
#[no_mangle]
pub extern "C" fn pier_oftpserver_close(h: *mut pier_oftpserver) -> c_int {
    h::close::<OftpServer>(cv(h))
}

/// Registers `cb` for `event_id` (PIER_OFTPSERVER_EVENT_*); `cb` NULL unregisters.
/// `params` points to the event's pier_oftpserver_<event>_params struct.
#[no_mangle]
pub extern "C" fn pier_oftpserver_register_callback(
    h: *mut pier_oftpserver,
    event_id: c_int,
    cb: h::pier_callback,
    user_data: *mut c_void,
) -> c_int {
    h::register_callback::<OftpServer>(cv(h), event_id, cb, user_data)
}

/// Text of the most recent failed call on the handle ("" after a success).
#[no_mangle]
pub extern "C" fn pier_oftpserver_get_last_error(h: *mut pier_oftpserver) -> *const c_char {
    h::last_error::<OftpServer>(cv(h))
}

/// Code of the most recent failed call on the handle (0 after a success).
#[no_mangle]
pub extern "C" fn pier_oftpserver_get_last_error_code(h: *mut pier_oftpserver) -> c_int {
    h::last_error_code::<OftpServer>(cv(h))
}

/// Sets property `prop_id` (at `index`: a connection id for Conn* properties,
/// a position for TrustedCert*, else 0) from `len` bytes (`len` -1: NUL-terminated).
/// Example: `pier_oftpserver_set(h, PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, "O0013SERVER", -1);`
#[no_mangle]
pub extern "C" fn pier_oftpserver_set(
    h: *mut pier_oftpserver,
    prop_id: c_int,
    index: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    h::set::<OftpServer>(cv(h), prop_id, index, value, len)
}

/// Reads property `prop_id` into a handle-owned, NUL-terminated buffer valid
/// until the next get or do_config on the handle; `*len` (if not NULL) gets its
/// length. NULL on failure.
#[no_mangle]
pub extern "C" fn pier_oftpserver_get(
    h: *mut pier_oftpserver,
    prop_id: c_int,
    index: c_int,
    len: *mut c_int,
) -> *const c_void {
    h::get::<OftpServer>(cv(h), prop_id, index, len)
}

/// Sets an integer or boolean property (0 = False).
#[no_mangle]
pub extern "C" fn pier_oftpserver_set_int(h: *mut pier_oftpserver, prop_id: c_int, index: c_int, value: i64) -> c_int {
    h::set_int::<OftpServer>(cv(h), prop_id, index, value)
}

/// Reads an integer or boolean property; 0 on failure (check the last error).
#[no_mangle]
pub extern "C" fn pier_oftpserver_get_int(h: *mut pier_oftpserver, prop_id: c_int, index: c_int) -> i64 {
    h::get_int::<OftpServer>(cv(h), prop_id, index)
}

/// "Name=Value" sets a config setting (returns ""), "Name" reads it;
/// "Name[ConnectionId]" for per-connection settings. NULL on failure.
/// Example: `pier_oftpserver_do_config(h, "ReceivedFileNameFormat=%Originator%_%VirtualFileName%");`
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_config(h: *mut pier_oftpserver, setting: *const c_char) -> *const c_char {
    h::do_config::<OftpServer>(cv(h), setting)
}

/// Handles ready I/O and due timers, firing events; waits up to
/// SelectWaitMillis when nothing is ready. 909 from inside a callback.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_doevents(h: *mut pier_oftpserver) -> c_int {
    h::do_events::<OftpServer>(cv(h))
}

/// Starts listening on LocalHost:LocalPort (TLS on every connection with
/// UseSSL). 672 without ServerSSIDCode, 673 without ServerSFIDCode.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_startlistening(h: *mut pier_oftpserver) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.start_listening())
}

/// Stops listening; existing connections stay.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_stoplistening(h: *mut pier_oftpserver) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.stop_listening())
}

/// Stops listening and ends every session (ESID 00, then the close).
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_shutdown(h: *mut pier_oftpserver) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.shutdown())
}

/// Ends the connection's session with ESID 00 and closes it; Disconnected reports 0.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_disconnect(h: *mut pier_oftpserver, connection_id: c_int) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.disconnect(connection_id))
}

/// Interrupts a SendFile on the connection: it fails with 911 and the session
/// ends (ESID 99; OFTP cannot withdraw a file). Callable from any thread.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_interrupt(h: *mut pier_oftpserver, connection_id: c_int) -> c_int {
    h::call_signal::<OftpServer>(cv(h), |hd| hd.server.interrupt(connection_id))
}

/// Sends CD: the client speaks (only while the server speaks after sending).
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_changedirection(h: *mut pier_oftpserver, connection_id: c_int) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.change_direction(connection_id))
}

/// Ends the session when the client is done (right after its CD: ESID 00), or
/// hands the turn back with CD (ConnReadyToSend False).
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_logoff(h: *mut pier_oftpserver, connection_id: c_int) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.logoff(connection_id))
}

/// Stops listening, closes every connection without events, and sets every
/// property and setting back to its default.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_reset(h: *mut pier_oftpserver) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.reset())
}

/// Sends an EERP (reason_code 0) or a NERP for a file received earlier: now
/// if the server speaks, else at its next turn. virtual_file_date in any form
/// ConnVirtualFileDate takes (keep VirtualFileDateFormat=yyyyMMddHHmmssffff to
/// keep the stamp exact); file_hash and signature are binary (NULL/0 for none).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn pier_oftpserver_do_sendendresponse(
    h: *mut pier_oftpserver,
    connection_id: c_int,
    virtual_file_name: *const c_char,
    virtual_file_date: *const c_char,
    destination: *const c_char,
    originator: *const c_char,
    creator: *const c_char,
    reason_code: c_int,
    reason_text: *const c_char,
    file_hash: *const u8,
    file_hash_len: c_int,
    signature: *const u8,
    signature_len: c_int,
) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated strings and `len`-byte buffers per the API contract.
        let (r, bytes) = unsafe {
            let opt = |p: *const c_char| if p.is_null() { Ok("") } else { h::arg_str(p) };
            let bin = |p: *const u8, n: c_int| {
                if p.is_null() || n == 0 {
                    Ok(&[][..])
                } else {
                    h::arg_bytes(p as *const c_void, n)
                }
            };
            (
                EndResponse {
                    virtual_file_name: h::arg_str(virtual_file_name)?,
                    virtual_file_date: h::arg_str(virtual_file_date)?,
                    destination: opt(destination)?,
                    originator: opt(originator)?,
                    creator: opt(creator)?,
                    reason_code,
                    reason_text: opt(reason_text)?,
                    file_hash: &[],
                    signature: &[],
                },
                (bin(file_hash, file_hash_len)?, bin(signature, signature_len)?),
            )
        };
        hd.server.send_end_response(connection_id, &EndResponse { file_hash: bytes.0, signature: bytes.1, ..r })
    })
}

/// Sends a file to the client as the Speaker (after ReadyToSend; also from its
/// callback), blocking until the client's EFPA; events keep firing meanwhile.
/// file_name "" reads ConnUploadStream; virtual_file_name "" uses the file's
/// name; client_sfid_code "" uses ConnSFIDCode. 687 when the client refuses it
/// (SFNA/EFNA, the reason in the last error), 679 when it cannot be read.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_sendfile(
    h: *mut pier_oftpserver,
    connection_id: c_int,
    client_sfid_code: *const c_char,
    file_name: *const c_char,
    virtual_file_name: *const c_char,
) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract (NULL reads as "").
        let (sfid, file, name) = unsafe {
            let opt = |p: *const c_char| if p.is_null() { Ok("") } else { h::arg_str(p) };
            (opt(client_sfid_code)?, opt(file_name)?, opt(virtual_file_name)?)
        };
        hd.server
            .send_file(connection_id, &SendRequest { client_sfid_code: sfid, file_name: file, virtual_file_name: name })
    })
}

/// Exchanges a certificate with the client (RFC 5024 §6.4). 910 until the
/// security layer lands (docs/OFTP.md).
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_exchangecertificate(
    h: *mut pier_oftpserver,
    connection_id: c_int,
    client_sfid_code: *const c_char,
    certificate_store: *const c_char,
    certificate_exchange_type: c_int,
) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract (NULL reads as "").
        let (sfid, store) = unsafe {
            let opt = |p: *const c_char| if p.is_null() { Ok("") } else { h::arg_str(p) };
            (opt(client_sfid_code)?, opt(certificate_store)?)
        };
        hd.server.exchange_certificate(connection_id, sfid, store, certificate_exchange_type)
    })
}

/// Imports the trusted CA certificates TrustedCertsData names (a directory,
/// a file, or PEM/DER/base64/PKCS#7 data) into TrustedCerts; 691 with the
/// reason, TrustedCerts unchanged (docs/OFTP.md, Certificates).
///
/// ```c
/// pier_oftpserver_do_config(h, "TrustedCertsData=/etc/oftp/partner-cas");
/// if (pier_oftpserver_do_importtrustedcerts(h) != 0) puts(pier_oftpserver_get_last_error(h));
/// ```
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_importtrustedcerts(h: *mut pier_oftpserver) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| hd.server.import_trusted_certs())
}

/// Validates the Certificate: its private key is there, it is within its
/// validity dates and, with TrustedCerts imported, issued by one of them
/// (self-signed skips that). `*valid` (if not NULL) gets whether it passed;
/// a failure also returns its code: 689 no certificate or key, 690 naming
/// what failed (docs/OFTP.md, Certificates).
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_validatecert(h: *mut pier_oftpserver, valid: *mut bool) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| write_validity(valid, hd.server.validate_cert()))
}

/// Validates the connection's ConnRecipientCert* as
/// pier_oftpserver_do_validatecert does the Certificate (no private key
/// needed); `*valid` (if not NULL) gets whether it passed.
#[no_mangle]
pub extern "C" fn pier_oftpserver_do_validaterecipientcert(
    h: *mut pier_oftpserver,
    connection_id: c_int,
    valid: *mut bool,
) -> c_int {
    h::call::<OftpServer>(cv(h), |hd| write_validity(valid, hd.server.validate_recipient_cert(connection_id)))
}

/// `*valid` (if not NULL) = whether the check passed; the check's result.
fn write_validity(valid: *mut bool, r: Result<()>) -> Result<()> {
    if !valid.is_null() {
        // SAFETY: a valid bool pointer or NULL per the API contract.
        unsafe { *valid = r.is_ok() };
    }
    r
}

/// A descriptor that is readable while do_doevents has work, for a host event
/// loop (set SelectWaitMillis=0, wait on it with get_timeout_ms, then call
/// do_doevents). -1 on failure.
#[no_mangle]
pub extern "C" fn pier_oftpserver_get_pollfd(h: *mut pier_oftpserver) -> c_int {
    h::get_pollfd::<OftpServer>(cv(h))
}

/// Milliseconds until the next timer is due (0: work is pending), -1 when none.
#[no_mangle]
pub extern "C" fn pier_oftpserver_get_timeout_ms(h: *mut pier_oftpserver) -> c_int {
    h::get_timeout_ms::<OftpServer>(cv(h))
}
