//! TFTPServer's C functions and event structs (docs/API.md §1, §8). Each export
//! delegates to `handle`; the component does the work.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::handle::{self as h, cstring, with_nul, CallbackTable, Server};
use crate::core::engine::Driver;
use crate::core::error::Result;
use crate::tftp::{TftpEvent, TftpServer};

/// Opaque TFTPServer handle.
pub struct pier_tftpserver {
    _private: [u8; 0],
}

/// ConnectionRequest `operation`: the client wants to read a file (RRQ).
pub const PIER_TFTPSERVER_OPERATION_READ: i32 = 0;
/// ConnectionRequest `operation`: the client wants to write a file (WRQ).
pub const PIER_TFTPSERVER_OPERATION_WRITE: i32 = 1;
/// `direction` of StartTransfer, Transfer and EndTransfer: the client sends (WRQ, an upload).
pub const PIER_TFTPSERVER_DIRECTION_CLIENT: i32 = 0;
/// `direction` of StartTransfer, Transfer and EndTransfer: the server sends (RRQ, a download).
pub const PIER_TFTPSERVER_DIRECTION_SERVER: i32 = 1;

/// Parameters of the Connected event (PIER_TFTPSERVER_EVENT_CONNECTED).
#[repr(C)]
pub struct pier_tftpserver_connected_params {
    pub connection_id: c_int,
    /// 0 on success.
    pub status_code: c_int,
    /// "OK" on success.
    pub description: *const c_char,
}

/// Parameters of the ConnectionRequest event (PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST).
/// No connection exists yet.
#[repr(C)]
pub struct pier_tftpserver_connectionrequest_params {
    /// The client's IP address (IPv4 clients of a dual-stack socket as plain IPv4).
    pub remote_host: *const c_char,
    /// The client's port (its TID).
    pub remote_port: c_int,
    /// The requested file name, as sent (invalid UTF-8 replaced).
    pub filename: *const c_char,
    /// "octet" or "netascii".
    pub transfer_mode: *const c_char,
    /// PIER_TFTPSERVER_OPERATION_READ (RRQ) or PIER_TFTPSERVER_OPERATION_WRITE (WRQ).
    pub operation: c_int,
    /// Writable: set false to refuse; the client gets TFTP ERROR 2 (Access violation).
    pub accept: bool,
}

/// Parameters of the Disconnected event (PIER_TFTPSERVER_EVENT_DISCONNECTED).
#[repr(C)]
pub struct pier_tftpserver_disconnected_params {
    pub connection_id: c_int,
    /// 0 after a successful transfer; else the error code (301 timeout, 305 the client sent
    /// an ERROR, 127/128/129 local file errors, 307 invalid packet or option, ...).
    pub status_code: c_int,
    pub description: *const c_char,
}

/// Parameters of the EndTransfer event (PIER_TFTPSERVER_EVENT_ENDTRANSFER): the
/// transfer completed successfully.
#[repr(C)]
pub struct pier_tftpserver_endtransfer_params {
    pub connection_id: c_int,
    /// PIER_TFTPSERVER_DIRECTION_CLIENT (0, upload) or PIER_TFTPSERVER_DIRECTION_SERVER (1, download).
    pub direction: c_int,
}

/// Parameters of the Error event (PIER_TFTPSERVER_EVENT_ERROR).
#[repr(C)]
pub struct pier_tftpserver_error_params {
    pub error_code: c_int,
    pub description: *const c_char,
    /// Beyond the reference: the connection the error is about (0: none).
    pub connection_id: c_int,
}

/// Parameters of the Log event (PIER_TFTPSERVER_EVENT_LOG).
#[repr(C)]
pub struct pier_tftpserver_log_params {
    /// The connection the message is about (0: none).
    pub connection_id: c_int,
    /// 1 Info, 2 Verbose, 3 Debug (the LogLevel setting filters).
    pub log_level: c_int,
    pub message: *const c_char,
    /// "Info", "Error", "Verbose" or "Debug".
    pub log_type: *const c_char,
}

/// Parameters of the StartTransfer event (PIER_TFTPSERVER_EVENT_STARTTRANSFER).
/// ConnFileData and ConnLocalFile may still be set here.
#[repr(C)]
pub struct pier_tftpserver_starttransfer_params {
    pub connection_id: c_int,
    /// PIER_TFTPSERVER_DIRECTION_CLIENT (0, upload) or PIER_TFTPSERVER_DIRECTION_SERVER (1, download).
    pub direction: c_int,
}

/// Parameters of the Transfer event (PIER_TFTPSERVER_EVENT_TRANSFER).
#[repr(C)]
pub struct pier_tftpserver_transfer_params {
    pub connection_id: c_int,
    /// PIER_TFTPSERVER_DIRECTION_CLIENT (0, upload) or PIER_TFTPSERVER_DIRECTION_SERVER (1, download).
    pub direction: c_int,
    /// Bytes moved so far, counted on the wire.
    pub bytes_transferred: i64,
    /// 0..100, or -1 when the size is unknown.
    pub percent_done: c_int,
    /// The data of this block or window (uploads: as stored, netascii decoded; downloads: as
    /// sent), followed by a NUL byte not counted in text_len.
    pub text: *const u8,
    pub text_len: c_int,
}

fn fire(table: &CallbackTable, handle: usize, ev: &mut TftpEvent) {
    let id = ev.id();
    let Some(cb) = table.get(id) else { return };
    match ev {
        TftpEvent::Connected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_tftpserver_connected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::ConnectionRequest {
            remote_host, remote_port, filename, transfer_mode, operation, accept, ..
        } => {
            let (rh, f, m) = (cstring(remote_host), cstring(filename), cstring(transfer_mode));
            let mut p = pier_tftpserver_connectionrequest_params {
                remote_host: rh.as_ptr(),
                remote_port: *remote_port,
                filename: f.as_ptr(),
                transfer_mode: m.as_ptr(),
                operation: *operation,
                accept: *accept,
            };
            cb.fire(handle, id, &mut p);
            *accept = p.accept;
        }
        TftpEvent::Disconnected { connection_id, status_code, description } => {
            let d = cstring(description);
            let mut p = pier_tftpserver_disconnected_params {
                connection_id: *connection_id,
                status_code: *status_code,
                description: d.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::EndTransfer { connection_id, direction } => {
            let mut p = pier_tftpserver_endtransfer_params { connection_id: *connection_id, direction: *direction };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::Error { error_code, description, connection_id } => {
            let d = cstring(description);
            let mut p = pier_tftpserver_error_params {
                error_code: *error_code,
                description: d.as_ptr(),
                connection_id: *connection_id,
            };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::Log { connection_id, log_level, message, log_type } => {
            let (m, t) = (cstring(message), cstring(log_type));
            let mut p = pier_tftpserver_log_params {
                connection_id: *connection_id,
                log_level: *log_level,
                message: m.as_ptr(),
                log_type: t.as_ptr(),
            };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::StartTransfer { connection_id, direction } => {
            let mut p = pier_tftpserver_starttransfer_params { connection_id: *connection_id, direction: *direction };
            cb.fire(handle, id, &mut p);
        }
        TftpEvent::Transfer { connection_id, direction, bytes_transferred, percent_done, text } => {
            with_nul(text, |ptr, len| {
                let mut p = pier_tftpserver_transfer_params {
                    connection_id: *connection_id,
                    direction: *direction,
                    bytes_transferred: *bytes_transferred,
                    percent_done: *percent_done,
                    text: ptr,
                    text_len: len,
                };
                cb.fire(handle, id, &mut p);
            })
        }
    }
}

impl Server for TftpServer {
    fn create() -> Result<Self> {
        TftpServer::new()
    }

    fn install_dispatch(&self, table: Arc<CallbackTable>, handle: usize) {
        self.set_handler(Some(Arc::new(move |ev: &mut TftpEvent| fire(&table, handle, ev))));
        self.set_transfer_events(false);
    }

    fn callback_registered(&self, event_id: i32, registered: bool) {
        if event_id == crate::tftp::props::PIER_TFTPSERVER_EVENT_TRANSFER {
            self.set_transfer_events(registered);
        }
    }

    fn driver(&self) -> &dyn Driver {
        &**self.engine()
    }
}

type H = *mut pier_tftpserver;

fn cv(h: H) -> *const c_void {
    h as *const c_void
}

/// Creates a TFTPServer (LocalPort 69 by default: set LocalPort first to run
/// without root). Returns NULL only if out of memory.
#[no_mangle]
pub extern "C" fn pier_tftpserver_open() -> *mut pier_tftpserver {
    h::open::<TftpServer>() as *mut pier_tftpserver
}

/// Stops listening, ends every transfer without events, and frees the handle.
/// close(NULL) returns 0; a second close returns 901. From inside a callback
/// the handle is freed when the callback returns.
#[no_mangle]
pub extern "C" fn pier_tftpserver_close(h: *mut pier_tftpserver) -> c_int {
    h::close::<TftpServer>(cv(h))
}

/// Registers `cb` for `event_id` (PIER_TFTPSERVER_EVENT_*); `cb` NULL unregisters.
/// `params` points to the event's pier_tftpserver_<event>_params struct.
#[no_mangle]
pub extern "C" fn pier_tftpserver_register_callback(
    h: *mut pier_tftpserver,
    event_id: c_int,
    cb: h::pier_callback,
    user_data: *mut c_void,
) -> c_int {
    h::register_callback::<TftpServer>(cv(h), event_id, cb, user_data)
}

/// Text of the most recent failed call on the handle ("" after a success).
#[no_mangle]
pub extern "C" fn pier_tftpserver_get_last_error(h: *mut pier_tftpserver) -> *const c_char {
    h::last_error::<TftpServer>(cv(h))
}

/// Code of the most recent failed call on the handle (0 after a success).
#[no_mangle]
pub extern "C" fn pier_tftpserver_get_last_error_code(h: *mut pier_tftpserver) -> c_int {
    h::last_error_code::<TftpServer>(cv(h))
}

/// Sets property `prop_id` (at `index`: a connection id for Conn* properties,
/// else 0) from `len` bytes (`len` -1: NUL-terminated). Integer and boolean
/// properties take their text form ("6969", "True").
/// Example: `pier_tftpserver_set(h, PIER_TFTPSERVER_PROP_CONNFILEDATA, id, data, n);`
#[no_mangle]
pub extern "C" fn pier_tftpserver_set(
    h: *mut pier_tftpserver,
    prop_id: c_int,
    index: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    h::set::<TftpServer>(cv(h), prop_id, index, value, len)
}

/// Reads property `prop_id` into a handle-owned, NUL-terminated buffer valid
/// until the next get or do_config on the handle; `*len` (if not NULL) gets its
/// length. NULL on failure. ConnConnectionId is indexed by position 0..ConnCount-1.
#[no_mangle]
pub extern "C" fn pier_tftpserver_get(
    h: *mut pier_tftpserver,
    prop_id: c_int,
    index: c_int,
    len: *mut c_int,
) -> *const c_void {
    h::get::<TftpServer>(cv(h), prop_id, index, len)
}

/// Sets an integer or boolean property (0 = False).
#[no_mangle]
pub extern "C" fn pier_tftpserver_set_int(h: *mut pier_tftpserver, prop_id: c_int, index: c_int, value: i64) -> c_int {
    h::set_int::<TftpServer>(cv(h), prop_id, index, value)
}

/// Reads an integer or boolean property; 0 on failure (check the last error).
#[no_mangle]
pub extern "C" fn pier_tftpserver_get_int(h: *mut pier_tftpserver, prop_id: c_int, index: c_int) -> i64 {
    h::get_int::<TftpServer>(cv(h), prop_id, index)
}

/// "Name=Value" sets a config setting (returns ""), "Name" reads it;
/// "DestinationAddress[ConnectionId]" reads a connection's. NULL on failure.
/// Example: `pier_tftpserver_do_config(h, "WindowSize=16");`
#[no_mangle]
pub extern "C" fn pier_tftpserver_do_config(h: *mut pier_tftpserver, setting: *const c_char) -> *const c_char {
    h::do_config::<TftpServer>(cv(h), setting)
}

/// Handles ready datagrams and due timers, firing events; waits up to
/// SelectWaitMillis when nothing is ready. 909 from inside a callback.
#[no_mangle]
pub extern "C" fn pier_tftpserver_do_doevents(h: *mut pier_tftpserver) -> c_int {
    h::do_events::<TftpServer>(cv(h))
}

/// Starts listening on LocalHost:LocalPort (104 if already listening).
#[no_mangle]
pub extern "C" fn pier_tftpserver_do_startlistening(h: *mut pier_tftpserver) -> c_int {
    h::call::<TftpServer>(cv(h), |hd| hd.server.start_listening())
}

/// Stops accepting requests; transfers in progress go on.
#[no_mangle]
pub extern "C" fn pier_tftpserver_do_stoplistening(h: *mut pier_tftpserver) -> c_int {
    h::call::<TftpServer>(cv(h), |hd| hd.server.stop_listening())
}

/// A descriptor that is readable while do_doevents has work, for a host event
/// loop (set SelectWaitMillis=0, wait on it with get_timeout_ms, then call
/// do_doevents). -1 on failure.
#[no_mangle]
pub extern "C" fn pier_tftpserver_get_pollfd(h: *mut pier_tftpserver) -> c_int {
    h::get_pollfd::<TftpServer>(cv(h))
}

/// Milliseconds until the next timer is due (0: work is pending), -1 when none.
#[no_mangle]
pub extern "C" fn pier_tftpserver_get_timeout_ms(h: *mut pier_tftpserver) -> c_int {
    h::get_timeout_ms::<TftpServer>(cv(h))
}
