//! TCPServer's C functions and event structs (docs/API.md §1, §8). Each export
//! delegates to `handle`; the component does the work.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::handle::{self as h, cstring, with_nul, CallbackTable, Server};
use super::ssl_events::{
    self as ssl, pier_sslclientauthentication_params, pier_sslconnectionrequest_params, pier_sslstatus_params,
};
use crate::core::engine::Driver;
use crate::core::error::Result;
use crate::tcp::{TcpEvent, TcpServer};

/// Opaque TCPServer handle.
pub struct pier_tcpserver {
    _private: [u8; 0],
}

/// Parameters of the Connected event (PIER_TCPSERVER_EVENT_CONNECTED).
#[repr(C)]
pub struct pier_tcpserver_connected_params {
    pub connection_id: c_int,
    /// 0 on success.
    pub status_code: c_int,
    /// "OK" on success.
    pub description: *const c_char,
}

/// Parameters of the ConnectionRequest event (PIER_TCPSERVER_EVENT_CONNECTIONREQUEST).
#[repr(C)]
pub struct pier_tcpserver_connectionrequest_params {
    /// The client's IP address (IPv4 clients of a dual-stack listener as plain IPv4).
    pub address: *const c_char,
    pub port: c_int,
    /// Writable: set false to refuse the client. Preset false when AllowedClients,
    /// BlockedClients or MaxConnections exclude it (MaxConnections cannot be overridden).
    pub accept: bool,
}

/// Parameters of the DataIn event (PIER_TCPSERVER_EVENT_DATAIN).
#[repr(C)]
pub struct pier_tcpserver_datain_params {
    pub connection_id: c_int,
    /// The data (followed by a NUL byte not counted in text_len); valid during the callback.
    pub text: *const u8,
    pub text_len: c_int,
    /// True when text ended with the EOL (or is a whole record, or EOL is "").
    pub eol: bool,
}

/// Parameters of the Disconnected event (PIER_TCPSERVER_EVENT_DISCONNECTED).
#[repr(C)]
pub struct pier_tcpserver_disconnected_params {
    pub connection_id: c_int,
    /// 0 for a normal close; 10060 for an idle timeout; the OS error otherwise.
    pub status_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the Error event (PIER_TCPSERVER_EVENT_ERROR).
#[repr(C)]
pub struct pier_tcpserver_error_params {
    /// The connection the error is about (0: the listener).
    pub connection_id: c_int,
    pub error_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the ReadyToSend event (PIER_TCPSERVER_EVENT_READYTOSEND).
#[repr(C)]
pub struct pier_tcpserver_readytosend_params {
    pub connection_id: c_int,
}

/// Parameters of the SSLClientAuthentication event (PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION).
pub type pier_tcpserver_sslclientauthentication_params = pier_sslclientauthentication_params;

/// Parameters of the SSLConnectionRequest event (PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST).
pub type pier_tcpserver_sslconnectionrequest_params = pier_sslconnectionrequest_params;

/// Parameters of the SSLStatus event (PIER_TCPSERVER_EVENT_SSLSTATUS).
pub type pier_tcpserver_sslstatus_params = pier_sslstatus_params;

fn fire(table: &CallbackTable, handle: usize, ev: &mut TcpEvent) {
    let id = ev.id();
    let Some(cb) = table.get(id) else { return };
    match ev {
        TcpEvent::Connected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_tcpserver_connected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TcpEvent::ConnectionRequest { address, port, accept, .. } => {
            let a = cstring(address);
            let mut p = pier_tcpserver_connectionrequest_params { address: a.as_ptr(), port: *port, accept: *accept };
            cb.fire(handle, id, &mut p);
            *accept = p.accept;
        }
        TcpEvent::DataIn { connection_id, text, eol } => with_nul(text, |ptr, len| {
            let mut p =
                pier_tcpserver_datain_params { connection_id: *connection_id, text: ptr, text_len: len, eol: *eol };
            cb.fire(handle, id, &mut p);
        }),
        TcpEvent::Disconnected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_tcpserver_disconnected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TcpEvent::Error { connection_id, error_code, description } => {
            let d = cstring(description);
            let mut p = pier_tcpserver_error_params {
                connection_id: *connection_id,
                error_code: *error_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TcpEvent::ReadyToSend { connection_id } => {
            let mut p = pier_tcpserver_readytosend_params { connection_id: *connection_id };
            cb.fire(handle, id, &mut p);
        }
        TcpEvent::SslClientAuthentication {
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
        TcpEvent::SslConnectionRequest {
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
        TcpEvent::SslStatus { connection_id, message } => ssl::status(&cb, handle, id, *connection_id, message),
    }
}

impl Server for TcpServer {
    fn create() -> Result<Self> {
        TcpServer::new()
    }

    fn install_dispatch(&self, table: Arc<CallbackTable>, handle: usize) {
        self.set_handler(Some(Arc::new(move |ev: &mut TcpEvent| fire(&table, handle, ev))));
    }

    fn driver(&self) -> &dyn Driver {
        &**self.engine()
    }
}

type H = *mut pier_tcpserver;

fn cv(h: H) -> *const c_void {
    h as *const c_void
}

/// Creates a TCPServer. Returns NULL only if out of memory.
#[no_mangle]
pub extern "C" fn pier_tcpserver_open() -> *mut pier_tcpserver {
    h::open::<TcpServer>() as *mut pier_tcpserver
}

/// Stops listening, closes every connection (RST if Linger is false) and frees
/// the handle. Fires no events. close(NULL) returns 0; a second close returns 901.
/// From inside a callback the handle is freed when the callback returns.
#[no_mangle]
pub extern "C" fn pier_tcpserver_close(h: *mut pier_tcpserver) -> c_int {
    h::close::<TcpServer>(cv(h))
}

/// Registers `cb` for `event_id` (PIER_TCPSERVER_EVENT_*); `cb` NULL unregisters.
/// `params` points to the event's pier_tcpserver_<event>_params struct.
#[no_mangle]
pub extern "C" fn pier_tcpserver_register_callback(
    h: *mut pier_tcpserver,
    event_id: c_int,
    cb: h::pier_callback,
    user_data: *mut c_void,
) -> c_int {
    h::register_callback::<TcpServer>(cv(h), event_id, cb, user_data)
}

/// Text of the most recent failed call on the handle ("" after a success).
#[no_mangle]
pub extern "C" fn pier_tcpserver_get_last_error(h: *mut pier_tcpserver) -> *const c_char {
    h::last_error::<TcpServer>(cv(h))
}

/// Code of the most recent failed call on the handle (0 after a success).
#[no_mangle]
pub extern "C" fn pier_tcpserver_get_last_error_code(h: *mut pier_tcpserver) -> c_int {
    h::last_error_code::<TcpServer>(cv(h))
}

/// Sets property `prop_id` (at `index`: a connection id for per-connection
/// properties, else 0) from `len` bytes (`len` -1: NUL-terminated). Integer and
/// boolean properties take their text form ("8080", "True").
/// Example: `pier_tcpserver_set(h, PIER_TCPSERVER_PROP_EOL, id, "\r\n", 2);`
#[no_mangle]
pub extern "C" fn pier_tcpserver_set(
    h: *mut pier_tcpserver,
    prop_id: c_int,
    index: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    h::set::<TcpServer>(cv(h), prop_id, index, value, len)
}

/// Reads property `prop_id` into a handle-owned, NUL-terminated buffer valid
/// until the next get or do_config on the handle; `*len` (if not NULL) gets its
/// length. NULL on failure.
#[no_mangle]
pub extern "C" fn pier_tcpserver_get(
    h: *mut pier_tcpserver,
    prop_id: c_int,
    index: c_int,
    len: *mut c_int,
) -> *const c_void {
    h::get::<TcpServer>(cv(h), prop_id, index, len)
}

/// Sets an integer or boolean property (0 = False).
#[no_mangle]
pub extern "C" fn pier_tcpserver_set_int(h: *mut pier_tcpserver, prop_id: c_int, index: c_int, value: i64) -> c_int {
    h::set_int::<TcpServer>(cv(h), prop_id, index, value)
}

/// Reads an integer or boolean property; 0 on failure (check the last error).
#[no_mangle]
pub extern "C" fn pier_tcpserver_get_int(h: *mut pier_tcpserver, prop_id: c_int, index: c_int) -> i64 {
    h::get_int::<TcpServer>(cv(h), prop_id, index)
}

/// "Name=Value" sets a config setting (returns ""), "Name" reads it;
/// "Name[ConnectionId]" for per-connection settings. NULL on failure.
/// Example: `pier_tcpserver_do_config(h, "MaxConnections=5000");`
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_config(h: *mut pier_tcpserver, setting: *const c_char) -> *const c_char {
    h::do_config::<TcpServer>(cv(h), setting)
}

/// Handles ready I/O and due timers, firing events; waits up to
/// SelectWaitMillis when nothing is ready. 909 from inside a callback.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_doevents(h: *mut pier_tcpserver) -> c_int {
    h::do_events::<TcpServer>(cv(h))
}

/// Starts listening on LocalHost:LocalPort.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_startlistening(h: *mut pier_tcpserver) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.start_listening())
}

/// Stops listening; existing connections stay.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_stoplistening(h: *mut pier_tcpserver) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.stop_listening())
}

/// Stops listening and disconnects every client (Disconnected fires for each).
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_shutdown(h: *mut pier_tcpserver) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.shutdown())
}

/// Shutdown without events, then every property and setting back to its default.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_reset(h: *mut pier_tcpserver) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.reset())
}

/// Disconnects the client; Disconnected fires with 0 / "OK".
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_disconnect(h: *mut pier_tcpserver, connection_id: c_int) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.disconnect(connection_id))
}

/// Interrupts a blocking send (SendFile, or Send with Timeout > 0) on the
/// connection; it fails with 911. Callable from any thread; a successful
/// Interrupt leaves the handle's last error as it is (the interrupted call
/// sets 911 there).
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_interrupt(h: *mut pier_tcpserver, connection_id: c_int) -> c_int {
    h::call_signal::<TcpServer>(cv(h), |hd| hd.server.interrupt(connection_id))
}

/// Starts the TLS handshake on a plaintext connection (SSLStartMode 2,
/// explicit, e.g. after a STARTTLS command). Connected fires again when the
/// handshake completes.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_startssl(h: *mut pier_tcpserver, connection_id: c_int) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.start_ssl(connection_id))
}

/// Pauses data reception (no DataIn) for the connection.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_pausedata(h: *mut pier_tcpserver, connection_id: c_int) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.pause_data(connection_id))
}

/// Resumes data reception after PauseData.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_processdata(h: *mut pier_tcpserver, connection_id: c_int) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.process_data(connection_id))
}

/// Changes the record length of the connection (0 = off); may be called inside DataIn.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_changerecordlength(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    record_length: c_int,
) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| hd.server.change_record_length(connection_id, record_length as i64))
}

/// Sends `len` bytes. With Timeout 0: all or 10035 (BytesSent tells how much was
/// taken; wait for ReadyToSend). With Timeout > 0: blocks, firing events.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_send(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    data: *const c_void,
    len: c_int,
) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| {
        // SAFETY: `data` holds `len` bytes per the API contract.
        let bytes = unsafe { h::arg_bytes(data, len)? };
        hd.server.send(connection_id, bytes)
    })
}

/// Sends `len` bytes (same as pier_tcpserver_do_send).
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_sendbytes(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    data: *const c_void,
    len: c_int,
) -> c_int {
    pier_tcpserver_do_send(h, connection_id, data, len)
}

/// Sends a NUL-terminated text.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_sendtext(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    text: *const c_char,
) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract.
        let bytes = unsafe { h::arg_bytes(text as *const c_void, -1)? };
        hd.server.send(connection_id, bytes)
    })
}

/// Sends a NUL-terminated text followed by CRLF.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_sendline(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    text: *const c_char,
) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract.
        let bytes = unsafe { h::arg_bytes(text as *const c_void, -1)? };
        hd.server.send_line(connection_id, bytes)
    })
}

/// Sends a file synchronously, streaming it with bounded memory; events keep
/// firing while it waits. A missing file, a directory or a FIFO fails with 912.
#[no_mangle]
pub extern "C" fn pier_tcpserver_do_sendfile(
    h: *mut pier_tcpserver,
    connection_id: c_int,
    filename: *const c_char,
) -> c_int {
    h::call::<TcpServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract.
        let path = unsafe { h::arg_str(filename)? };
        hd.server.send_file(connection_id, path)
    })
}

/// A descriptor that is readable while do_doevents has work, for a host event
/// loop (set SelectWaitMillis=0, wait on it with get_timeout_ms, then call
/// do_doevents). -1 on failure.
#[no_mangle]
pub extern "C" fn pier_tcpserver_get_pollfd(h: *mut pier_tcpserver) -> c_int {
    h::get_pollfd::<TcpServer>(cv(h))
}

/// Milliseconds until the next timer is due (0: work is pending), -1 when none.
#[no_mangle]
pub extern "C" fn pier_tcpserver_get_timeout_ms(h: *mut pier_tcpserver) -> c_int {
    h::get_timeout_ms::<TcpServer>(cv(h))
}
