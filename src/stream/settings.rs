//! The listening and connection settings every TCP-based component shares
//! (TCPServer's reference: ConnectionBacklog, DefaultIdleTimeout,
//! DefaultTimeout, KeepAlive, Linger, LocalHost, LocalPort and the TCP
//! config settings), and the SSL properties (`SslProps`), with the
//! references' defaults and docs/API.md §8's documented deviations.

use crate::core::base::BaseSettings;
use crate::core::clients::ClientList;
use crate::core::listener::{somaxconn, IpMode};
use crate::tls::cert::CertSpec;
use crate::tls::config::TlsSettings;

#[derive(Clone, Debug)]
pub struct StreamSettings {
    pub connection_backlog: i32,
    pub default_idle_timeout: u32,
    pub default_timeout: u32,
    pub keep_alive: bool,
    pub linger: bool,
    pub local_host: String,
    pub local_port: u16,
    pub allowed_clients: ClientList,
    pub blocked_clients: ClientList,
    pub bind_exclusively: bool,
    pub in_buffer_size: usize,
    pub out_buffer_size: usize,
    pub keep_alive_time_ms: u32,
    pub keep_alive_interval_ms: u32,
    pub max_connections: usize,
    pub tcp_no_delay: bool,
    pub use_ipv6: IpMode,
    pub base: BaseSettings,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            connection_backlog: somaxconn(),
            default_idle_timeout: 0,
            default_timeout: 0,
            keep_alive: false,
            linger: true,
            local_host: String::new(),
            local_port: 0,
            allowed_clients: ClientList::parse("*").expect("'*' parses"),
            blocked_clients: ClientList::parse("").expect("'' parses"),
            bind_exclusively: true,
            in_buffer_size: 0,
            out_buffer_size: 0,
            keep_alive_time_ms: 0,
            keep_alive_interval_ms: 0,
            max_connections: 1000,
            tcp_no_delay: false,
            use_ipv6: IpMode::V4,
            base: BaseSettings::new(false),
        }
    }
}

/// How TLS starts on a new connection (SSLEnabled, SSLStartMode).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TlsMode {
    Off,
    /// Handshake right after accept (SSLStartMode 1, and 0 "automatic": a
    /// generic TCP server has no standard plaintext port).
    Implicit,
    /// Plaintext until StartSSL (SSLStartMode 2).
    Explicit,
}

/// The SSL properties (SSLAuthenticateClients, SSLCert*, SSLEnabled,
/// SSLProvider, SSLStartMode) and the SSL config settings, one type for
/// every component.
#[derive(Clone, Debug)]
pub struct SslProps {
    pub authenticate_clients: bool,
    pub cert_encoded: Vec<u8>,
    pub cert_store: Vec<u8>,
    pub cert_store_password: String,
    pub cert_store_type: i64,
    pub cert_subject: String,
    pub enabled: bool,
    pub provider: i64,
    pub start_mode: i64,
    /// The SSL config settings (src/tls/config.rs).
    pub tls: TlsSettings,
}

impl Default for SslProps {
    fn default() -> Self {
        SslProps {
            authenticate_clients: false,
            cert_encoded: Vec::new(),
            cert_store: b"MY".to_vec(),
            cert_store_password: String::new(),
            cert_store_type: 0,
            cert_subject: String::new(),
            enabled: false,
            provider: 0,
            start_mode: 3,
            tls: TlsSettings::default(),
        }
    }
}

impl SslProps {
    pub fn tls_mode(&self) -> TlsMode {
        match (self.enabled, self.start_mode) {
            (false, _) => TlsMode::Off,
            (true, 2) => TlsMode::Explicit,
            (true, _) => TlsMode::Implicit,
        }
    }

    /// The certificate the SSLCert* properties name.
    pub fn cert_spec(&self) -> CertSpec {
        CertSpec {
            store_type: self.cert_store_type as i32,
            store: self.cert_store.clone(),
            password: self.cert_store_password.clone(),
            subject: self.cert_subject.clone(),
            encoded: self.cert_encoded.clone(),
        }
    }
}
