//! TCPServer's handle-wide properties and config settings, with the
//! reference's defaults (and API.md §8's documented deviations).

use crate::core::base::BaseSettings;
use crate::core::clients::ClientList;
use crate::core::listener::{somaxconn, IpMode};
use crate::tls::config::TlsSettings;

#[derive(Clone, Debug)]
pub struct Settings {
    pub connection_backlog: i32,
    pub default_eol: Vec<u8>,
    pub default_idle_timeout: u32,
    pub default_max_line_length: usize,
    pub default_single_line_mode: bool,
    pub default_timeout: u32,
    pub keep_alive: bool,
    pub linger: bool,
    pub local_host: String,
    pub local_port: u16,
    // SSL properties (the TLS layer gives them effect).
    pub ssl_authenticate_clients: bool,
    pub ssl_cert_encoded: Vec<u8>,
    pub ssl_cert_store: Vec<u8>,
    pub ssl_cert_store_password: String,
    pub ssl_cert_store_type: i64,
    pub ssl_cert_subject: String,
    pub ssl_enabled: bool,
    pub ssl_provider: i64,
    pub ssl_start_mode: i64,
    // Config settings.
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
    /// The SSL config settings (src/tls/config.rs).
    pub tls: TlsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connection_backlog: somaxconn(),
            default_eol: Vec::new(),
            default_idle_timeout: 0,
            default_max_line_length: 2048,
            default_single_line_mode: false,
            default_timeout: 0,
            keep_alive: false,
            linger: true,
            local_host: String::new(),
            local_port: 0,
            ssl_authenticate_clients: false,
            ssl_cert_encoded: Vec::new(),
            ssl_cert_store: b"MY".to_vec(),
            ssl_cert_store_password: String::new(),
            ssl_cert_store_type: 0,
            ssl_cert_subject: String::new(),
            ssl_enabled: false,
            ssl_provider: 0,
            ssl_start_mode: 3,
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
            tls: TlsSettings::default(),
        }
    }
}
