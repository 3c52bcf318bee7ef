//! The parameter structs of the SSL events every stream component shares
//! (SSLClientAuthentication, SSLConnectionRequest, SSLStatus), defined once
//! with their writable fields' read-back. Each component's header names are
//! typedefs of these (`pier_tcpserver_sslstatus_params`, ...).

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, CStr};

use super::handle::{cstring, with_nul, CCallback};

/// Parameters of an SSLClientAuthentication event (every TLS-capable component).
#[repr(C)]
pub struct pier_sslclientauthentication_params {
    pub connection_id: c_int,
    /// The client's certificate (DER), followed by a NUL not counted in cert_encoded_len.
    pub cert_encoded: *const u8,
    pub cert_encoded_len: c_int,
    pub cert_subject: *const c_char,
    pub cert_issuer: *const c_char,
    /// "OK", or why verification failed.
    pub status: *const c_char,
    /// Writable: the recommendation (true when verification succeeded); it decides.
    pub accept: bool,
}

/// Parameters of an SSLConnectionRequest event (every TLS-capable component).
#[repr(C)]
pub struct pier_sslconnectionrequest_params {
    pub connection_id: c_int,
    /// Comma-separated cipher suites the client offers.
    pub supported_cipher_suites: *const c_char,
    /// Comma-separated signature algorithms the client offers.
    pub supported_signature_algs: *const c_char,
    /// Writable: store type of a certificate to use for this connection.
    /// Pointers written into the writable fields must stay valid until the
    /// callback has returned (static, heap or user_data memory, not a local
    /// of the callback); cert_store_len -1 means NUL-terminated.
    pub cert_store_type: c_int,
    /// Writable: the store (file name or bytes).
    pub cert_store: *const u8,
    pub cert_store_len: c_int,
    /// Writable: the store's password.
    pub cert_password: *const c_char,
    /// Writable: the subject to select ("" keeps the server's certificate).
    pub cert_subject: *const c_char,
}

/// Parameters of an SSLStatus event (every TLS-capable component).
#[repr(C)]
pub struct pier_sslstatus_params {
    pub connection_id: c_int,
    pub message: *const c_char,
}

/// Fires SSLClientAuthentication; `accept` reads back.
#[allow(clippy::too_many_arguments)]
pub fn client_authentication(
    cb: &CCallback,
    handle: usize,
    event_id: i32,
    connection_id: i32,
    cert_encoded: &mut Vec<u8>,
    cert_subject: &str,
    cert_issuer: &str,
    status: &str,
    accept: &mut bool,
) {
    let (subject, issuer, st) = (cstring(cert_subject), cstring(cert_issuer), cstring(status));
    with_nul(cert_encoded, |ptr, len| {
        let mut p = pier_sslclientauthentication_params {
            connection_id,
            cert_encoded: ptr,
            cert_encoded_len: len,
            cert_subject: subject.as_ptr(),
            cert_issuer: issuer.as_ptr(),
            status: st.as_ptr(),
            accept: *accept,
        };
        cb.fire(handle, event_id, &mut p);
        *accept = p.accept;
    });
}

/// The writable certificate choice of an SSLConnectionRequest.
pub struct CertChoice<'a> {
    pub store_type: &'a mut i32,
    pub store: &'a mut Vec<u8>,
    pub password: &'a mut String,
    pub subject: &'a mut String,
}

/// Fires SSLConnectionRequest; the certificate fields read back right after
/// the callback returns (what they point to must outlive the callback).
pub fn connection_request(
    cb: &CCallback,
    handle: usize,
    event_id: i32,
    connection_id: i32,
    supported_cipher_suites: &str,
    supported_signature_algs: &str,
    choice: CertChoice<'_>,
) {
    let suites = cstring(supported_cipher_suites);
    let algs = cstring(supported_signature_algs);
    let password = cstring(choice.password);
    let subject = cstring(choice.subject);
    let mut store = choice.store.clone();
    store.push(0);
    let mut p = pier_sslconnectionrequest_params {
        connection_id,
        supported_cipher_suites: suites.as_ptr(),
        supported_signature_algs: algs.as_ptr(),
        cert_store_type: *choice.store_type,
        cert_store: store.as_ptr(),
        cert_store_len: (store.len() - 1) as c_int,
        cert_password: password.as_ptr(),
        cert_subject: subject.as_ptr(),
    };
    cb.fire(handle, event_id, &mut p);
    *choice.store_type = p.cert_store_type;
    // SAFETY: NULL or pointers the callback left valid (documented).
    unsafe {
        *choice.store = match (p.cert_store.is_null(), p.cert_store_len) {
            (true, _) => Vec::new(),
            (false, -1) => CStr::from_ptr(p.cert_store as *const c_char).to_bytes().to_vec(),
            (false, n) => std::slice::from_raw_parts(p.cert_store, n.max(0) as usize).to_vec(),
        };
        *choice.password = read_cstr(p.cert_password);
        *choice.subject = read_cstr(p.cert_subject);
    }
}

/// Fires SSLStatus.
pub fn status(cb: &CCallback, handle: usize, event_id: i32, connection_id: i32, message: &str) {
    let m = cstring(message);
    let mut p = pier_sslstatus_params { connection_id, message: m.as_ptr() };
    cb.fire(handle, event_id, &mut p);
}

/// A C string field the callback may have replaced (NULL reads as "").
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
pub(super) unsafe fn read_cstr(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}
