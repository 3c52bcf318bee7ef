//! The TLS layer: rustls server configuration from the references' SSL
//! properties and config settings, client authentication, SNI and certificate
//! rotation, and a socket-independent TLS session wrapper that the TCP and
//! WebSocket connection code drives.
//!
//! Reference: tcpserver-reference.txt, the SSLCert* properties,
//! SSLAuthenticateClients, SSLProvider, SSLStartMode, the events
//! SSLClientAuthentication / SSLConnectionRequest / SSLStatus, the
//! "SSL Config Settings" section and the "SSL Errors" table (270–284);
//! wsserver-reference.txt for SSLClientCACerts. API.md §6 and §8 decide what a
//! setting that cannot apply here does.
//!
//! Modules:
//! - [`cert`]: certificate stores (PFX, PEM, DER, P7B, auto-detect) and the
//!   SSLCertSubject / SSLCertEncoded selection rules.
//! - [`config`]: [`TlsSettings`] (every SSL setting with the reference's
//!   defaults, parsed from config strings) and [`TlsServerContext`], which turns
//!   them into a `rustls::ServerConfig`.
//! - [`names`]: IANA names of cipher suites, groups and signature schemes.
//! - [`resolver`]: SNI certificates, atomic rotation of the default certificate.
//! - [`verify`]: client certificate verification that never rejects inside
//!   rustls, so that the application decides in SSLClientAuthentication.
//! - [`session`]: [`TlsSession`], the per-connection state machine.
//!
//! The layer owns no socket: every I/O method takes `&mut impl Read` /
//! `&mut impl Write`, so it works on a non-blocking `mio::net::TcpStream`, a
//! `std::net::TcpStream` or an in-memory pipe alike.

pub mod cert;
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

/// The references' SSL error codes ("SSL Errors" in tcpserver-reference.txt).
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
