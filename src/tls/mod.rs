//! The TLS layer: rustls server configuration from the references' SSL
//! properties and config settings, client authentication, SNI and certificate
//! rotation, and a socket-independent TLS session wrapper that the TCP and
//! WebSocket connection code drives.
//!
//! Reference: the TCPServer reference, the SSLCert* properties,
//! SSLAuthenticateClients, SSLProvider, SSLStartMode, the events
//! SSLClientAuthentication / SSLConnectionRequest / SSLStatus, the
//! "SSL Config Settings" section and the "SSL Errors" table (270–284);
//! the WSServer reference for SSLClientCACerts. docs/API.md §6 and §8 decide what a
//! setting that cannot apply here does.
//!
//! Modules:
//! - [`cert`]: certificate stores (PFX, PEM, DER, P7B, auto-detect) and the
//!   SSLCertSubject / SSLCertEncoded selection rules.
//! - [`certinfo`]: the fields of the references' Certificate type
//!   (`SSLCert<Field>`: dates, fingerprints, names, key, usages) of one certificate.
//! - [`config`]: [`TlsSettings`] (every SSL setting with the reference's
//!   defaults, parsed from config strings) and [`TlsServerContext`], which turns
//!   them into a `rustls::ServerConfig`.
//! - [`names`]: IANA names of cipher suites, groups and signature schemes.
//! - [`resolver`]: SNI certificates, atomic rotation of the default certificate.
//! - [`verify`]: client certificate verification that never rejects inside
//!   rustls, so that the application decides in SSLClientAuthentication.
//! - [`session`]: [`TlsSession`], the per-connection state machine.
//!
//! # Driving a connection (the connection layer's recipe)
//!
//! Once per server (StartListening, or when an SSL property/setting changes):
//! `let cert = CertSpec { .. }.select()?` (SSLCertSubject reads back
//! `cert.subject`), then `let ctx = TlsServerContext::new(&settings, &cert,
//! ssl_authenticate_clients)?`. Certificate rotation later:
//! `ctx.set_default_cert(&new_cert)?`; SNI: `ctx.add_sni_cert(host, &cert)?`.
//!
//! Per accepted, non-blocking `mio::net::TcpStream` (after ConnectionRequest
//! accepted it; with SSLStartMode explicit, when StartSSL is called):
//!
//! 1. `let mut tls = ctx.new_session();` — arm a timer of
//!    `tls.handshake_timeout()` seconds of inactivity if non-zero.
//! 2. On READABLE: loop `tls.read_tls_from(&mut stream)` until `WouldBlock`
//!    (`Ok(0)` = the peer closed: drop the connection, no Connected). After
//!    every successful read call `tls.process()`:
//!    - `Err(e)`: fire Error/SSLStatus with `e`, `tls.flush_tls(&mut stream)`
//!      to send the alert, close. (Connected never fired, so no Disconnected.)
//!    - `progress.client_hello`: fire SSLConnectionRequest with
//!      `tls.client_hello()` (`cipher_suites`, `signature_algorithms`) and the
//!      writable CertStoreType/CertStore/CertPassword/CertSubject preset empty.
//!      If the callback set a store: `tls.accept_with_cert(&CertSpec{..}.select()?)`,
//!      else `tls.accept()`. Both return a `Progress` too (handle it the same way).
//!    - `progress.handshake_complete`: if `tls.client_auth()` is `Some(info)`,
//!      fire SSLClientAuthentication (CertEncoded = `info.cert_encoded`, or
//!      `info.chain_pem()` when `tls.include_cert_chain()`; CertSubject,
//!      CertIssuer, Status, Accept = `info.accept`); if the callback leaves
//!      Accept False, close the connection. Otherwise fire Connected (0, "OK")
//!      and ReadyToSend; cancel the handshake timer.
//!    - `progress.plaintext`: loop `tls.read_plaintext(&mut buf)` until
//!      `WouldBlock`, feeding DataIn; `Ok(0)` = close_notify received.
//!    - `progress.peer_closed`: the peer closed in order → Disconnected (0).
//! 3. After every step: drain `tls.take_status()` into SSLStatus events, and
//!    `tls.flush_tls(&mut stream)`; `Ok(false)` means register WRITABLE
//!    interest and call it again when writable.
//! 4. Sending (Send/DataToSend): `tls.write_plaintext(data)` returns how much
//!    the bounded TLS buffer took (BytesSent); less than everything → 10035
//!    and ReadyToSend later, when `flush_tls` drained (`!tls.wants_write()`).
//! 5. Disconnect: `tls.send_close_notify()`, `flush_tls`, then close the socket.
//! 6. SSLNegotiated*[ConnectionId]: from `tls.negotiated()`.
//!
//! The layer owns no socket: every I/O method takes `&mut impl Read` /
//! `&mut impl Write`, so it works on a non-blocking `mio::net::TcpStream`, a
//! `std::net::TcpStream` or an in-memory pipe alike.

pub mod cert;
pub mod certinfo;
pub mod config;
pub mod names;
mod pem;
pub mod resolver;
pub mod session;
pub mod verify;

#[cfg(test)]
mod testutil;

pub use cert::{CertSpec, CertStore, SelectedCert};
pub use config::{build_server_config, TlsServerContext, TlsSettings};
pub use session::{ClientHelloInfo, Negotiated, Progress, TlsSession, TlsState};
pub use verify::ClientAuthInfo;

/// The references' SSL error codes ("SSL Errors" in the TCPServer reference).
pub mod codes {
    /// Cannot load specified security library.
    pub const CANNOT_LOAD_LIBRARY: i32 = 270;
    /// Cannot open certificate store: the file cannot be read, or its content
    /// is not a store of the given type.
    pub const CANNOT_OPEN_STORE: i32 = 271;
    /// Cannot find specified certificate: SSLCertSubject / SSLCertEncoded
    /// match nothing in the store.
    pub const CANNOT_FIND_CERT: i32 = 272;
    /// Cannot acquire security credentials: wrong store password, a private
    /// key that does not match its certificate, no private key, or a key type
    /// the TLS implementation cannot sign with.
    pub const CANNOT_ACQUIRE_CREDENTIALS: i32 = 273;
    /// Cannot find certificate chain.
    pub const CANNOT_FIND_CHAIN: i32 = 274;
    /// Cannot verify certificate chain.
    pub const CANNOT_VERIFY_CHAIN: i32 = 275;
    /// Error during handshake.
    pub const HANDSHAKE: i32 = 276;
    /// Error verifying certificate.
    pub const VERIFY_CERT: i32 = 280;
    /// Could not find client certificate.
    pub const NO_CLIENT_CERT: i32 = 281;
    /// Could not find server certificate.
    pub const NO_SERVER_CERT: i32 = 282;
    /// Error encrypting data.
    pub const ENCRYPT: i32 = 283;
    /// Error decrypting data.
    pub const DECRYPT: i32 = 284;
}
