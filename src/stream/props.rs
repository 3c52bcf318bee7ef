//! The properties and config settings every TCP-based component shares,
//! declared once: a component's table names them with [`StreamProp`] under
//! its own ids, and lists the shared settings tables after its own. Their
//! code is in `server.rs` (`stream_get`, `stream_set`, `stream_config_*`).

use crate::core::props::{setting, PerConn, SettingDef, I32, U32};
use crate::core::value::PropType::{Bool, Int, Text};

/// A property of the stream transport, under whatever id a component
/// gives it (TCPServer reference names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamProp {
    ConnectionBacklog,
    ConnectionCount,
    AcceptData,
    BytesSent,
    Connected,
    ConnectionId,
    DataToSend,
    IdleTimeout,
    LocalAddress,
    ReadyToSend,
    RemoteHost,
    RemotePort,
    Timeout,
    DefaultIdleTimeout,
    DefaultTimeout,
    KeepAlive,
    Linger,
    Listening,
    LocalHost,
    LocalPort,
    SslAuthenticateClients,
    SslCertEncoded,
    SslCertStore,
    SslCertStorePassword,
    SslCertStoreType,
    SslCertSubject,
    SslEnabled,
    SslProvider,
    SslStartMode,
}

/// The TCP config settings (TCPServer reference, "TCPServer Config
/// Settings"), plus pier's `Stats`.
pub static TCP_SETTINGS: &[SettingDef] = &[
    setting("AllowedClients", Text).default("*").doc(
        "Comma-separated IP literals, CIDR ranges (10.0.0.0/8, ::1/128) and `*` patterns over the address text that may connect; host names are resolved when set. Example: `AllowedClients=127.0.0.1,192.168.0.0/16`.",
    ),
    setting("BindExclusively", Bool).default("True").doc(
        "True: the port is this handle's alone. False: SO_REUSEPORT, so several handles (threads, processes) share the port and the kernel spreads connections.",
    ),
    setting("BlockedClients", Text).doc(
        "Like AllowedClients, for addresses that are refused; checked first. A refused client gets ConnectionRequest with Accept False and is closed with a FIN.",
    ),
    setting("InBufferSize", Int).default("0").range(0, I32).doc("SO_RCVBUF of the listening socket and new connections in bytes (0 = system default); reads back what was set."),
    setting("OutBufferSize", Int).default("0").range(0, I32).doc("SO_SNDBUF of new connections in bytes (0 = system default); reads back what was set."),
    setting("KeepAliveInterval", Int).default("0").range(0, U32).doc("With KeepAlive: milliseconds between keep-alive probes (rounded to seconds, at least 1 s; 0 = system default)."),
    setting("KeepAliveTime", Int).default("0").range(0, U32).doc("With KeepAlive: milliseconds of inactivity before the first probe (rounded to seconds, at least 1 s; 0 = system default)."),
    setting("MaxConnections", Int).default("1000").range(1, 100_000).doc(
        "Connections open at once; clients beyond it get ConnectionRequest with Accept False (not overridable) and a FIN. Fails with 108 while listening. pier raises its descriptor limit as needed.",
    ),
    setting("TcpNoDelay", Bool).default("False").doc("True disables Nagle's algorithm (TCP_NODELAY) on new connections: small writes go out at once."),
    setting("UseIPv6", Int).default("0").range(0, 2).doc("0 IPv4 only, 1 IPv6 only, 2 dual stack (IPv4 clients then read as plain IPv4 text, e.g. 127.0.0.1)."),
    setting("Stats", Text).read_only().doc(
        "pier: counters as `accepted=N refused=N open=N bytes_in=N bytes_out=N send_queue=N` (send_queue: bytes waiting in pier's and the kernel's send queues).",
    ),
];

/// The SSL config settings (TCPServer reference, "SSL Config Settings";
/// what each does in pier: src/tls/config.rs and docs/API-NOTES.md).
pub static SSL_SETTINGS: &[SettingDef] = &[
    setting("DefaultConnectionTimeout", Int).default("0").range(0, U32).doc("Seconds the TLS handshake may take, counted from the accept (or StartTLS) whatever the client trickles meanwhile (0 = none: IdleTimeout applies); then Error and Disconnected with 10060."),
    setting("LogSSLPackets", Bool).default("False").doc("SSLStatus lines for every TLS record sent and received."),
    setting("OpenSSLCADir", Text).doc("Accepted and stored; no effect (OpenSSL only)."),
    setting("OpenSSLCAFile", Text).doc("Accepted and stored; no effect (OpenSSL only)."),
    setting("OpenSSLCipherList", Text).doc("Accepted and stored; no effect (OpenSSL only)."),
    setting("OpenSSLPrngSeedData", Text).doc("Accepted and stored; no effect (OpenSSL only)."),
    setting("ReuseSSLSession", Bool).default("False").doc("True: TLS session resumption (session-id cache, TLS 1.3 tickets). Pair it with TcpNoDelay=True (docs/API-NOTES.md)."),
    setting("SSLCACerts", Text).doc("PEM CA certificates trusted for client certificates, and advertised in the CertificateRequest."),
    setting("SSLCheckCRL", Int).default("0").range(0, 2).doc("0 off; 1 check client certificates against SSLCRLs, unknown status allowed; 2 unknown status fails."),
    setting("SSLCheckOCSP", Int).default("0").range(0, 2).doc("0 and 1 accepted (OCSP is never available, so 1 continues); 2 fails with 910."),
    setting("SSLCipherStrength", Int).default("0").range(0, U32).doc("Minimum bulk key bits; weaker suites are not offered."),
    setting("SSLClientCACerts", Text).doc("Like SSLCACerts (WSServer reference name)."),
    setting("SSLCRLs", Text).doc("pier: PEM (`X509 CRL`) or DER CRLs that SSLCheckCRL uses; CRLs are never downloaded."),
    setting("SSLEnabledCipherSuites", Text).default("*").doc("`*` or a list of IANA suite names separated by `,` or `;`; names rustls lacks are skipped, unknown names fail with 906."),
    setting("SSLEnabledProtocols", Int).default("15360").doc("Bit mask: TLS1.3 12288, TLS1.2 3072 (older bits are dropped: rustls has no TLS 1.0/1.1; a mask with only those fails with 910)."),
    setting("SSLEnableRenegotiation", Bool).default("True").doc("Accepted; no effect (rustls never renegotiates)."),
    setting("SSLIncludeCertChain", Bool).default("False").doc("True: SSLClientAuthentication's CertEncoded carries the client's whole chain as PEM."),
    setting("SSLKeyLogFile", Text).doc("NSS key log lines are appended to this file (for Wireshark); empty = off."),
    setting("SSLNegotiatedCipher", Text).read_only().per_conn(PerConn::Required).doc("The bulk cipher of the connection, e.g. AES_256_GCM (\"\" before the handshake)."),
    setting("SSLNegotiatedCipherStrength", Text).read_only().per_conn(PerConn::Required).doc("Bulk key bits of the connection."),
    setting("SSLNegotiatedCipherSuite", Text).read_only().per_conn(PerConn::Required).doc("IANA name of the connection's cipher suite."),
    setting("SSLNegotiatedKeyExchange", Text).read_only().per_conn(PerConn::Required).doc("Key exchange of the connection, e.g. ECDHE."),
    setting("SSLNegotiatedKeyExchangeStrength", Text).read_only().per_conn(PerConn::Required).doc("Bits of the key exchange group (X25519: 255)."),
    setting("SSLNegotiatedVersion", Text).read_only().per_conn(PerConn::Required).doc("TLS1.2 or TLS1.3."),
    setting("SSLSecurityFlags", Int).default("0").doc("0x1, 0x10, 0x20, 0x100 waive the matching client-certificate failures (decimal or 0x hex); other bits no effect."),
    setting("SSLServerCACerts", Text).doc("Accepted and stored; no effect (a server verifies no server certificate)."),
    setting("SSLSNICert", Text).doc(
        "pier: `<host>,<certificate file>[,<password>]` serves that certificate to clients asking for host (exact or `*.domain`); an empty file removes it; reads back the hosts.",
    ),
    setting("TLS12SignatureAlgorithms", Text).default(crate::tls::config::DEFAULT_TLS12_SIGNATURE_ALGORITHMS).doc("At the default no restriction; changed, limits the schemes signed with and accepted (unsupported names skipped)."),
    setting("TLS12SupportedGroups", Text).default(crate::tls::config::DEFAULT_TLS12_SUPPORTED_GROUPS).doc("Key exchange groups for TLS 1.2 (after the TLS 1.3 list)."),
    setting("TLS13KeyShareGroups", Text).default(crate::tls::config::DEFAULT_TLS13_KEY_SHARE_GROUPS).doc("Validated; no effect (pre-generated key shares are a client's choice)."),
    setting("TLS13SignatureAlgorithms", Text).default(crate::tls::config::DEFAULT_TLS13_SIGNATURE_ALGORITHMS).doc("As TLS12SignatureAlgorithms, for TLS 1.3."),
    setting("TLS13SupportedGroups", Text).default(crate::tls::config::DEFAULT_TLS13_SUPPORTED_GROUPS).doc("Key exchange groups for TLS 1.3 (x448, secp521r1 and ffdhe are accepted and skipped)."),
];

/// The references' "Base Config Settings" (src/core/base.rs).
pub static BASE_SETTINGS: &[SettingDef] = &[
    setting("SelectWaitMillis", Int)
        .default("20")
        .range(0, 3_600_000)
        .doc("Milliseconds do_doevents waits when nothing is ready (0 for a host loop on get_pollfd)."),
    setting("BuildInfo", Text).read_only().doc("The library version and how it was built."),
    setting("CodePage", Int)
        .default("65001")
        .doc("pier works in UTF-8: 65001 is accepted, any other value fails with 910."),
    setting("LicenseInfo", Text).read_only().doc("A fixed text: pier needs no license."),
    setting("MaskSensitive", Bool).default("True").doc("Stored and read back; pier logs no secrets either way."),
    setting("UseInternalSecurityAPI", Bool).default("False").doc("Stored and read back; pier always uses rustls."),
];
