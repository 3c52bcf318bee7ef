//! WSServer's C functions and event structs (docs/API.md §1, §8). Each export
//! delegates to `handle`; the component (src/ws/) does the work.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::handle::{self as h, cstring, with_nul, CallbackTable, Server};
use super::ssl_events::{
    self as ssl, pier_sslclientauthentication_params, pier_sslconnectionrequest_params, pier_sslstatus_params,
    read_cstr,
};
use crate::core::engine::Driver;
use crate::core::error::{Error, Result};
use crate::ws::decoder::MessageKind;
use crate::ws::protocol::SendKind;
use crate::ws::{WsEvent, WsServer};

/// Opaque WSServer handle.
pub struct pier_wsserver {
    _private: [u8; 0],
}

/// Parameters of the Connected event (PIER_WSSERVER_EVENT_CONNECTED): the WebSocket is open.
#[repr(C)]
pub struct pier_wsserver_connected_params {
    pub connection_id: c_int,
}

/// Parameters of the ConnectionRequest event (PIER_WSSERVER_EVENT_CONNECTIONREQUEST).
#[repr(C)]
pub struct pier_wsserver_connectionrequest_params {
    /// The client's IP address.
    pub address: *const c_char,
    pub port: c_int,
    /// Writable: set false to refuse the client (closed with a FIN, no events).
    pub accept: bool,
}

/// Parameters of the DataIn event (PIER_WSSERVER_EVENT_DATAIN).
#[repr(C)]
pub struct pier_wsserver_datain_params {
    pub connection_id: c_int,
    /// 1 text (UTF-8), 2 binary for a message's first piece; 0 for later pieces and in line mode.
    pub data_format: c_int,
    /// The data (followed by a NUL byte not counted in text_len); valid during the callback.
    pub text: *const u8,
    pub text_len: c_int,
    /// True on the message's last piece.
    pub eom: bool,
    /// Line mode: true when the piece ended at a line end.
    pub eol: bool,
}

/// Parameters of the Disconnected event (PIER_WSSERVER_EVENT_DISCONNECTED).
#[repr(C)]
pub struct pier_wsserver_disconnected_params {
    pub connection_id: c_int,
    /// The close code: the client's (1000 normal, 1001 going away, ...) or
    /// ours after a protocol error (1002, 1007, 1009); 1006 when the TCP
    /// connection ended without a Close frame; an HTTP status for a refused
    /// opening request; 10060 for a timeout; 0 when no WebSocket was opened.
    pub status_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the Error event (PIER_WSSERVER_EVENT_ERROR).
#[repr(C)]
pub struct pier_wsserver_error_params {
    /// The connection the error is about (0: the listener).
    pub connection_id: c_int,
    /// A close code (1002, 1007, 1009, ...) or a TCP/IP or SSL error code.
    pub error_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the Log event (PIER_WSSERVER_EVENT_LOG).
#[repr(C)]
pub struct pier_wsserver_log_params {
    pub connection_id: c_int,
    /// 1 Info, 2 Verbose, 3 Debug (fired up to the LogLevel setting).
    pub log_level: c_int,
    pub message: *const c_char,
    /// "Info", "Error", "Verbose" or "Debug".
    pub log_type: *const c_char,
}

/// Parameters of the Ping event (PIER_WSSERVER_EVENT_PING).
#[repr(C)]
pub struct pier_wsserver_ping_params {
    pub connection_id: c_int,
    /// The frame's payload (followed by a NUL not counted in payload_len).
    pub payload: *const u8,
    pub payload_len: c_int,
    /// True for a Pong from the client; false for a Ping (already answered).
    pub response: bool,
}

/// Parameters of the ReadyToSend event (PIER_WSSERVER_EVENT_READYTOSEND).
#[repr(C)]
pub struct pier_wsserver_readytosend_params {
    pub connection_id: c_int,
}

/// Parameters of the SSLClientAuthentication event (PIER_WSSERVER_EVENT_SSLCLIENTAUTHENTICATION).
pub type pier_wsserver_sslclientauthentication_params = pier_sslclientauthentication_params;

/// Parameters of the SSLConnectionRequest event (PIER_WSSERVER_EVENT_SSLCONNECTIONREQUEST).
pub type pier_wsserver_sslconnectionrequest_params = pier_sslconnectionrequest_params;

/// Parameters of the SSLStatus event (PIER_WSSERVER_EVENT_SSLSTATUS).
pub type pier_wsserver_sslstatus_params = pier_sslstatus_params;

/// Parameters of the WebSocketOpenRequest event (PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST).
/// Pointers written into the writable fields must stay valid until the
/// callback has returned (static, heap or user_data memory).
#[repr(C)]
pub struct pier_wsserver_websocketopenrequest_params {
    pub connection_id: c_int,
    pub request_uri: *const c_char,
    pub host_header: *const c_char,
    pub origin_header: *const c_char,
    /// Writable: the client's offered sub-protocols (comma-separated); set it
    /// to the one chosen. Left as the list, or a name not offered: none is chosen.
    pub sub_protocols: *const c_char,
    /// The client's Sec-WebSocket-Extensions offers.
    pub extensions: *const c_char,
    /// The request's headers, one `Name: value` per line.
    pub request_headers: *const c_char,
    /// Writable: 101 (preset) accepts; any other HTTP status refuses with it.
    pub status_code: c_int,
    /// Writable: extra response header lines, e.g. "WWW-Authenticate: Basic realm=\"x\"".
    pub response_headers: *const c_char,
}

fn fire(table: &CallbackTable, handle: usize, ev: &mut WsEvent) {
    let id = ev.id();
    let Some(cb) = table.get(id) else { return };
    match ev {
        WsEvent::Connected { connection_id, .. } => {
            let mut p = pier_wsserver_connected_params { connection_id: *connection_id };
            cb.fire(handle, id, &mut p);
        }
        WsEvent::ConnectionRequest { address, port, accept, .. } => {
            let a = cstring(address);
            let mut p = pier_wsserver_connectionrequest_params { address: a.as_ptr(), port: *port, accept: *accept };
            cb.fire(handle, id, &mut p);
            *accept = p.accept;
        }
        WsEvent::DataIn { connection_id, data_format, text, eom, eol } => with_nul(text, |ptr, len| {
            let mut p = pier_wsserver_datain_params {
                connection_id: *connection_id,
                data_format: *data_format,
                text: ptr,
                text_len: len,
                eom: *eom,
                eol: *eol,
            };
            cb.fire(handle, id, &mut p);
        }),
        WsEvent::Disconnected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_wsserver_disconnected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        WsEvent::Error { connection_id, error_code, description } => {
            let d = cstring(description);
            let mut p = pier_wsserver_error_params {
                connection_id: *connection_id,
                error_code: *error_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        WsEvent::Log { connection_id, log_level, message, log_type } => {
            let (m, t) = (cstring(message), cstring(log_type));
            let mut p = pier_wsserver_log_params {
                connection_id: *connection_id,
                log_level: *log_level,
                message: m.as_ptr(),
                log_type: t.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        WsEvent::Ping { connection_id, payload, response } => with_nul(payload, |ptr, len| {
            let mut p = pier_wsserver_ping_params {
                connection_id: *connection_id,
                payload: ptr,
                payload_len: len,
                response: *response,
            };
            cb.fire(handle, id, &mut p);
        }),
        WsEvent::ReadyToSend { connection_id } => {
            let mut p = pier_wsserver_readytosend_params { connection_id: *connection_id };
            cb.fire(handle, id, &mut p);
        }
        WsEvent::SslClientAuthentication { connection_id, cert_encoded, cert_subject, cert_issuer, status, accept } => {
            ssl::client_authentication(
                &cb,
                handle,
                id,
                *connection_id,
                cert_encoded,
                cert_subject,
                cert_issuer,
                status,
                accept,
            )
        }
        WsEvent::SslConnectionRequest {
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
        WsEvent::SslStatus { connection_id, message } => ssl::status(&cb, handle, id, *connection_id, message),
        WsEvent::WebSocketOpenRequest {
            connection_id,
            request_uri,
            host_header,
            origin_header,
            sub_protocols,
            extensions,
            request_headers,
            status_code,
            response_headers,
        } => {
            let (u, ho, o) = (cstring(request_uri), cstring(host_header), cstring(origin_header));
            let (sp, ex, rh, resp) =
                (cstring(sub_protocols), cstring(extensions), cstring(request_headers), cstring(response_headers));
            let mut p = pier_wsserver_websocketopenrequest_params {
                connection_id: *connection_id,
                request_uri: u.as_ptr(),
                host_header: ho.as_ptr(),
                origin_header: o.as_ptr(),
                sub_protocols: sp.as_ptr(),
                extensions: ex.as_ptr(),
                request_headers: rh.as_ptr(),
                status_code: *status_code,
                response_headers: resp.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
            *status_code = p.status_code;
            // SAFETY: NULL or pointers the callback left valid (documented).
            unsafe {
                *sub_protocols = read_cstr(p.sub_protocols);
                *response_headers = read_cstr(p.response_headers);
            }
        }
    }
}

impl Server for WsServer {
    fn create() -> Result<Self> {
        WsServer::new()
    }

    fn install_dispatch(&self, table: Arc<CallbackTable>, handle: usize) {
        self.set_handler(Some(Arc::new(move |ev: &mut WsEvent| fire(&table, handle, ev))));
    }

    fn driver(&self) -> &dyn Driver {
        &**self.engine()
    }
}

type H = *mut pier_wsserver;

fn cv(h: H) -> *const c_void {
    h as *const c_void
}

/// Creates a WSServer. Returns NULL only if out of memory.
#[no_mangle]
pub extern "C" fn pier_wsserver_open() -> *mut pier_wsserver {
    h::open::<WsServer>() as *mut pier_wsserver
}

/// Stops listening, closes every connection (no close handshake) and frees the
/// handle. Fires no events. close(NULL) returns 0; a second close returns 901.
#[no_mangle]
pub extern "C" fn pier_wsserver_close(h: *mut pier_wsserver) -> c_int {
    h::close::<WsServer>(cv(h))
}

/// Registers `cb` for `event_id` (PIER_WSSERVER_EVENT_*); `cb` NULL unregisters.
/// `params` points to the event's pier_wsserver_<event>_params struct.
#[no_mangle]
pub extern "C" fn pier_wsserver_register_callback(
    h: *mut pier_wsserver,
    event_id: c_int,
    cb: h::pier_callback,
    user_data: *mut c_void,
) -> c_int {
    h::register_callback::<WsServer>(cv(h), event_id, cb, user_data)
}

/// Text of the most recent failed call on the handle ("" after a success).
#[no_mangle]
pub extern "C" fn pier_wsserver_get_last_error(h: *mut pier_wsserver) -> *const c_char {
    h::last_error::<WsServer>(cv(h))
}

/// Code of the most recent failed call on the handle (0 after a success).
#[no_mangle]
pub extern "C" fn pier_wsserver_get_last_error_code(h: *mut pier_wsserver) -> c_int {
    h::last_error_code::<WsServer>(cv(h))
}

/// Sets property `prop_id` (at `index`: a connection id for Conn* properties,
/// else 0) from `len` bytes (`len` -1: NUL-terminated).
/// Example: `pier_wsserver_set(h, PIER_WSSERVER_PROP_LOCALPORT, 0, "8080", -1);`
#[no_mangle]
pub extern "C" fn pier_wsserver_set(
    h: *mut pier_wsserver,
    prop_id: c_int,
    index: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    h::set::<WsServer>(cv(h), prop_id, index, value, len)
}

/// Reads property `prop_id` into a handle-owned, NUL-terminated buffer valid
/// until the next get or do_config on the handle; `*len` (if not NULL) gets its
/// length. NULL on failure.
#[no_mangle]
pub extern "C" fn pier_wsserver_get(
    h: *mut pier_wsserver,
    prop_id: c_int,
    index: c_int,
    len: *mut c_int,
) -> *const c_void {
    h::get::<WsServer>(cv(h), prop_id, index, len)
}

/// Sets an integer or boolean property (0 = False).
#[no_mangle]
pub extern "C" fn pier_wsserver_set_int(h: *mut pier_wsserver, prop_id: c_int, index: c_int, value: i64) -> c_int {
    h::set_int::<WsServer>(cv(h), prop_id, index, value)
}

/// Reads an integer or boolean property; 0 on failure (check the last error).
#[no_mangle]
pub extern "C" fn pier_wsserver_get_int(h: *mut pier_wsserver, prop_id: c_int, index: c_int) -> i64 {
    h::get_int::<WsServer>(cv(h), prop_id, index)
}

/// "Name=Value" sets a config setting (returns ""), "Name" reads it;
/// "Name[ConnectionId]" for per-connection settings. NULL on failure.
/// Example: `pier_wsserver_do_config(h, "EnablePermessageDeflate=False");`
#[no_mangle]
pub extern "C" fn pier_wsserver_do_config(h: *mut pier_wsserver, setting: *const c_char) -> *const c_char {
    h::do_config::<WsServer>(cv(h), setting)
}

/// Handles ready I/O and due timers, firing events; waits up to
/// SelectWaitMillis when nothing is ready. 909 from inside a callback.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_doevents(h: *mut pier_wsserver) -> c_int {
    h::do_events::<WsServer>(cv(h))
}

/// Starts listening on LocalHost:LocalPort (TLS on every connection with UseSSL).
#[no_mangle]
pub extern "C" fn pier_wsserver_do_startlistening(h: *mut pier_wsserver) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.start_listening())
}

/// Stops listening; existing connections stay.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_stoplistening(h: *mut pier_wsserver) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.stop_listening())
}

/// Stops listening and starts the close handshake on every connection (as Disconnect).
#[no_mangle]
pub extern "C" fn pier_wsserver_do_shutdown(h: *mut pier_wsserver) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.shutdown())
}

/// Starts the close handshake with DisconnectStatusCode / DisconnectStatusDescription;
/// with WaitForCloseResponse (default) the client's Close is awaited (CloseTimeout).
/// Disconnected reports the client's code. A second call closes at once.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_disconnect(h: *mut pier_wsserver, connection_id: c_int) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.disconnect(connection_id))
}

/// Interrupts a blocking send, SendFile or Ping on the connection; it fails with
/// 911. Callable from any thread; a successful Interrupt leaves the last error as it is.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_interrupt(h: *mut pier_wsserver, connection_id: c_int) -> c_int {
    h::call_signal::<WsServer>(cv(h), |hd| hd.server.interrupt(connection_id))
}

/// Sends a Ping; with the connection's Timeout > 0 waits for the Pong (10060).
#[no_mangle]
pub extern "C" fn pier_wsserver_do_ping(h: *mut pier_wsserver, connection_id: c_int) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.ping(connection_id))
}

/// DataIn per line (line_mode true) or per message (false); MaxLineLength[id] bounds a line.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_changelinemode(
    h: *mut pier_wsserver,
    connection_id: c_int,
    line_mode: bool,
) -> c_int {
    h::call::<WsServer>(cv(h), |hd| hd.server.change_line_mode(connection_id, line_mode))
}

/// Sends `len` bytes as one message of the connection's DataFormat (0/2 binary,
/// 1 text, 9 Ping, 10 Pong). Timeout 0: queued whole, or 10035 while the out
/// queue is full (wait for ReadyToSend). 4202 when the WebSocket is not open.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_send(
    h: *mut pier_wsserver,
    connection_id: c_int,
    data: *const c_void,
    len: c_int,
) -> c_int {
    h::call::<WsServer>(cv(h), |hd| {
        // SAFETY: `data` holds `len` bytes per the API contract.
        let bytes = unsafe { h::arg_bytes(data, len)? };
        hd.server.send(connection_id, bytes)
    })
}

/// Sends `len` bytes as a binary message (as pier_wsserver_do_send otherwise).
#[no_mangle]
pub extern "C" fn pier_wsserver_do_sendbytes(
    h: *mut pier_wsserver,
    connection_id: c_int,
    data: *const c_void,
    len: c_int,
) -> c_int {
    h::call::<WsServer>(cv(h), |hd| {
        // SAFETY: `data` holds `len` bytes per the API contract.
        let bytes = unsafe { h::arg_bytes(data, len)? };
        hd.server.send_kind(connection_id, SendKind::Binary, bytes)
    })
}

/// Sends a NUL-terminated UTF-8 text as a text message (invalid UTF-8: 906).
#[no_mangle]
pub extern "C" fn pier_wsserver_do_sendtext(h: *mut pier_wsserver, connection_id: c_int, text: *const c_char) -> c_int {
    h::call::<WsServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract.
        let bytes = unsafe { h::arg_bytes(text as *const c_void, -1)? };
        hd.server.send_kind(connection_id, SendKind::Text, bytes)
    })
}

/// pier: sends one message to every open connection (`connection_ids` NULL or
/// `count` 0) or to the `count` listed, framed once and, for connections on the
/// shared compressor, compressed once. `data_format` 1 text, 2 binary. 0 when
/// every connection took it; 10035 when some could not now (their
/// ConnReadyToSend reads False; ReadyToSend fires for each later); 126 when a
/// listed id is not a connection (the others still get it).
/// Example: `pier_wsserver_do_broadcast(h, NULL, 0, 1, "hello all", 9);`
#[no_mangle]
pub extern "C" fn pier_wsserver_do_broadcast(
    h: *mut pier_wsserver,
    connection_ids: *const c_int,
    count: c_int,
    data_format: c_int,
    data: *const c_void,
    len: c_int,
) -> c_int {
    h::call::<WsServer>(cv(h), |hd| {
        // SAFETY: `data` holds `len` bytes per the API contract.
        let bytes = unsafe { h::arg_bytes(data, len)? };
        let ids: &[c_int] = if connection_ids.is_null() || count <= 0 {
            &[]
        } else {
            // SAFETY: `connection_ids` holds `count` ints per the API contract.
            unsafe { std::slice::from_raw_parts(connection_ids, count as usize) }
        };
        let kind = match data_format {
            1 => MessageKind::Text,
            2 => MessageKind::Binary,
            f => return Err(Error::invalid_value(format!("Broadcast data_format {f}: 1 text or 2 binary"))),
        };
        hd.server.broadcast(ids, kind, bytes)
    })
}

/// Sends a file as one binary message, synchronously and in bounded memory
/// (fragmented at MaxFrameSize); events keep firing while it waits. A missing
/// file, a directory or a FIFO fails with 912.
#[no_mangle]
pub extern "C" fn pier_wsserver_do_sendfile(
    h: *mut pier_wsserver,
    connection_id: c_int,
    filename: *const c_char,
) -> c_int {
    h::call::<WsServer>(cv(h), |hd| {
        // SAFETY: NUL-terminated per the API contract.
        let path = unsafe { h::arg_str(filename)? };
        hd.server.send_file(connection_id, path)
    })
}

/// A descriptor that is readable while do_doevents has work, for a host event
/// loop (set SelectWaitMillis=0, wait on it with get_timeout_ms, then call
/// do_doevents). -1 on failure.
#[no_mangle]
pub extern "C" fn pier_wsserver_get_pollfd(h: *mut pier_wsserver) -> c_int {
    h::get_pollfd::<WsServer>(cv(h))
}

/// Milliseconds until the next timer is due (0: work is pending), -1 when none.
#[no_mangle]
pub extern "C" fn pier_wsserver_get_timeout_ms(h: *mut pier_wsserver) -> c_int {
    h::get_timeout_ms::<WsServer>(cv(h))
}
