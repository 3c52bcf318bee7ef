//! WSServer's declaration: its properties (ids in the WSServer reference's
//! order after flattening, docs/API.md §2: Connections → ConnCount +
//! Conn<Field>, SSLCert → SSLCert<Field>), events and config settings. The
//! header's ids (`ids.rs`) and docs/reference/wsserver.md are generated
//! from these rows; the tests below keep them fresh.

pub use super::ids::*;
/// `get`, `set` and `config` of the component's server.
pub use crate::core::component::Declared;
use crate::core::props::{event, prop, setting, EventDef, PerConn, PropDef, SettingDef, Tables, I32, U32};
use crate::core::reference::Component;
use crate::core::value::PropType::{Binary, Bool, Int, Text};
use crate::stream::props::{BASE_SETTINGS, SSL_SETTINGS, TCP_SETTINGS};
use crate::stream::StreamProp as S;
use crate::tls::certinfo::CertField;

/// WSServer's names for its properties: the shared stream properties and
/// its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsProp {
    Stream(S),
    DataFormat,
    Host,
    LineMode,
    Origin,
    RequestHeaders,
    RequestUri,
    SubProtocols,
    /// A field read from the selected TLS certificate.
    SslCertInfo(CertField),
    SslCertKeyPassword,
    UseSsl,
}
use WsProp::*;

pub static PROPS: &[PropDef<WsProp>] = &[
    prop(1, "ConnectionBacklog", Int, Stream(S::ConnectionBacklog)).default("SOMAXCONN").range(1, I32).doc("Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux)."),
    prop(2, "ConnCount", Int, Stream(S::ConnectionCount)).read_only().default("0").doc("Number of open connections; ConnConnectionId positions run 0..ConnCount-1."),
    prop(3, "ConnAcceptData", Bool, Stream(S::AcceptData)).per_conn().default("True").doc("Whether data reception is on. pier: writable (the reference's PauseData/ProcessData are not in its method list): False pauses reading and DataIn, True resumes."),
    prop(4, "ConnBytesSent", Int, Stream(S::BytesSent)).per_conn().read_only().default("0").doc("Payload bytes taken by the last send on the connection (all of it, or 0 after 10035)."),
    prop(5, "ConnConnected", Bool, Stream(S::Connected)).per_conn().read_only().doc("Whether the connection is open (use Disconnect to close it)."),
    prop(6, "ConnConnectionId", Text, Stream(S::ConnectionId)).by_position().read_only().doc("The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond."),
    prop(7, "ConnDataFormat", Int, DataFormat).per_conn().default("0").range(0, 10).doc("What Send sends: 0 automatic (binary: Send sends bytes), 1 text, 2 binary, 9 a Ping, 10 a Pong with the data; other values fail with 906."),
    prop(8, "ConnHost", Text, Host).per_conn().read_only().doc("The Host header of the opening request."),
    prop(9, "ConnLineMode", Bool, LineMode).per_conn().read_only().default("False").doc("Whether DataIn fires per line (CR, LF or CRLF) instead of per message; set with ChangeLineMode."),
    prop(10, "ConnLocalAddress", Text, Stream(S::LocalAddress)).per_conn().read_only().doc("Local IP address of the interface the connection uses."),
    prop(11, "ConnOrigin", Text, Origin).per_conn().read_only().doc("The Origin header of the opening request."),
    prop(12, "ConnReadyToSend", Bool, Stream(S::ReadyToSend)).per_conn().read_only().default("True").doc("False after a send failed with 10035 until the connection can take data again (the ReadyToSend event)."),
    prop(13, "ConnRemoteHost", Text, Stream(S::RemoteHost)).per_conn().read_only().doc("IP address of the client."),
    prop(14, "ConnRemotePort", Int, Stream(S::RemotePort)).per_conn().read_only().doc("TCP port of the client."),
    prop(15, "ConnRequestHeaders", Text, RequestHeaders).per_conn().read_only().doc("The headers of the opening request, one `Name: value` per line (CRLF)."),
    prop(16, "ConnRequestURI", Text, RequestUri).per_conn().read_only().doc("The request target of the opening request (e.g. `/chat?room=1`)."),
    prop(17, "ConnSubProtocols", Text, SubProtocols).per_conn().read_only().doc("The sub-protocols the client offered (comma-separated)."),
    prop(18, "ConnTimeout", Int, Stream(S::Timeout)).per_conn().default("DefaultTimeout").range(0, U32).doc("Seconds a send may block (0 = asynchronous: 10035 when the out queue is full)."),
    prop(19, "DefaultTimeout", Int, Stream(S::DefaultTimeout)).default("0").range(0, U32).doc("ConnTimeout given to each new connection."),
    prop(20, "Listening", Bool, Stream(S::Listening)).default("False").doc("Whether the server is listening; setting it starts or stops listening."),
    prop(21, "LocalHost", Text, Stream(S::LocalHost)).doc("Local interface to listen on (\"\" = every interface); 107 while listening."),
    prop(22, "LocalPort", Int, Stream(S::LocalPort)).default("0").range(0, 65535).doc("TCP port to listen on (0 = the system picks one, readable once listening); 106 while listening."),
    prop(23, "SSLAuthenticateClients", Bool, Stream(S::SslAuthenticateClients)).default("False").doc("Ask clients for a certificate (see the SSLClientAuthentication event)."),
    prop(24, "SSLCertEffectiveDate", Text, SslCertInfo(CertField::EffectiveDate)).read_only().doc("The date the selected certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC)."),
    prop(25, "SSLCertExpirationDate", Text, SslCertInfo(CertField::ExpirationDate)).read_only().doc("The date the selected certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC)."),
    prop(26, "SSLCertExtendedKeyUsage", Text, SslCertInfo(CertField::ExtendedKeyUsage)).read_only().doc("Comma-separated extended key usage OIDs of the selected certificate."),
    prop(27, "SSLCertFingerprint", Text, SslCertInfo(CertField::Fingerprint)).read_only().doc("MD5 hash of the selected certificate, hex bytes separated by `:`."),
    prop(28, "SSLCertFingerprintSHA1", Text, SslCertInfo(CertField::FingerprintSHA1)).read_only().doc("SHA-1 hash of the selected certificate, hex bytes separated by `:`."),
    prop(29, "SSLCertFingerprintSHA256", Text, SslCertInfo(CertField::FingerprintSHA256)).read_only().doc("SHA-256 hash of the selected certificate, hex bytes separated by `:`."),
    prop(30, "SSLCertIssuer", Text, SslCertInfo(CertField::Issuer)).read_only().doc("Issuer of the selected certificate (`CN=..., O=...`)."),
    prop(31, "SSLCertKeyPassword", Text, SslCertKeyPassword).doc("Password of the private key when it is encrypted apart from the store; stored (the store password opens pier's keys)."),
    prop(32, "SSLCertPrivateKey", Text, SslCertInfo(CertField::PrivateKey)).read_only().doc("Never exported: always empty (PrivateKeyAvailable says whether there is a key)."),
    prop(33, "SSLCertPrivateKeyAvailable", Bool, SslCertInfo(CertField::PrivateKeyAvailable)).read_only().doc("Whether the selected certificate came with its private key."),
    prop(34, "SSLCertPrivateKeyContainer", Text, SslCertInfo(CertField::PrivateKeyContainer)).read_only().doc("No key containers on this platform: always empty."),
    prop(35, "SSLCertPublicKey", Text, SslCertInfo(CertField::PublicKey)).read_only().doc("The SubjectPublicKeyInfo of the selected certificate, Base64 DER."),
    prop(36, "SSLCertPublicKeyAlgorithm", Text, SslCertInfo(CertField::PublicKeyAlgorithm)).read_only().doc("RSA, ECDSA, Ed25519, or the algorithm's OID."),
    prop(37, "SSLCertPublicKeyLength", Int, SslCertInfo(CertField::PublicKeyLength)).read_only().doc("Bits of the public key (RSA modulus, EC field size)."),
    prop(38, "SSLCertSerialNumber", Text, SslCertInfo(CertField::SerialNumber)).read_only().doc("Serial number, upper-case hex."),
    prop(39, "SSLCertSignatureAlgorithm", Text, SslCertInfo(CertField::SignatureAlgorithm)).read_only().doc("Signature algorithm of the certificate (e.g. sha256RSA), or its OID."),
    prop(40, "SSLCertStore", Binary, Stream(S::SslCertStore)).default("MY").doc("The certificate store: a file name or the store's bytes, per SSLCertStoreType."),
    prop(41, "SSLCertStorePassword", Text, Stream(S::SslCertStorePassword)).doc("Password of the certificate store."),
    prop(42, "SSLCertStoreType", Int, Stream(S::SslCertStoreType)).default("0").range(0, 99).doc("Type of SSLCertStore (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto)."),
    prop(43, "SSLCertSubjectAltNames", Text, SslCertInfo(CertField::SubjectAltNames)).read_only().doc("Comma-separated subject alternative names (DNS names, IP addresses, e-mail)."),
    prop(44, "SSLCertThumbprintMD5", Text, SslCertInfo(CertField::ThumbprintMD5)).read_only().doc("As SSLCertFingerprint."),
    prop(45, "SSLCertThumbprintSHA1", Text, SslCertInfo(CertField::ThumbprintSHA1)).read_only().doc("As SSLCertFingerprintSHA1."),
    prop(46, "SSLCertThumbprintSHA256", Text, SslCertInfo(CertField::ThumbprintSHA256)).read_only().doc("As SSLCertFingerprintSHA256."),
    prop(47, "SSLCertUsage", Text, SslCertInfo(CertField::Usage)).read_only().doc("Key usage names, comma-separated (Digital Signature, Key Encipherment, ...)."),
    prop(48, "SSLCertUsageFlags", Int, SslCertInfo(CertField::UsageFlags)).read_only().doc("Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly)."),
    prop(49, "SSLCertVersion", Text, SslCertInfo(CertField::Version)).read_only().doc("X.509 version of the selected certificate (\"V3\")."),
    prop(50, "SSLCertSubject", Text, Stream(S::SslCertSubject)).doc("Subject of the certificate to select (exact, then substring; \"*\" = the first); reads back the full subject."),
    prop(51, "SSLCertEncoded", Binary, Stream(S::SslCertEncoded)).doc("The selected certificate (PEM/Base64); setting it selects the matching certificate of the store."),
    prop(52, "SSLProvider", Int, Stream(S::SslProvider)).default("0").range(0, 2).doc("TLS implementation (0 automatic, 1 platform, 2 internal); every value is served by rustls."),
    prop(53, "UseSSL", Bool, UseSsl).default("False").doc("Negotiate TLS with every client (wss://) with the SSLCert certificate."),
];

pub static EVENTS: &[EventDef] = &[
    event(1, "Connected", "Fired when a WebSocket is open (after the 101 response)."),
    event(2, "ConnectionRequest", "Fired when a client asks to connect (before TLS and the opening handshake); Accept is writable."),
    event(3, "DataIn", "Fired for each message piece (or whole message with BufferMessage, or line in line mode)."),
    event(4, "Disconnected", "Fired when a connection ends: the close code (1000 normal, 1006 closed without a Close frame, ...) and reason."),
    event(5, "Error", "Fired for failures no return value can report (a protocol violation by the client, a failed read)."),
    event(6, "Log", "Fired for log lines at or under LogLevel (1 Info: requests and closes; 2 Verbose: request headers; 3 Debug: frames)."),
    event(7, "Ping", "Fired for a Ping (answered with a Pong already) or a Pong (Response True) from the client."),
    event(8, "ReadyToSend", "Fired once after the WebSocket opens and when the connection can take data again after 10035."),
    event(9, "SSLClientAuthentication", "Fired when the client presents its certificate; Accept is writable."),
    event(10, "SSLConnectionRequest", "Fired when a TLS ClientHello arrives; the certificate fields are writable."),
    event(11, "SSLStatus", "Fired with TLS handshake progress messages."),
    event(12, "WebSocketOpenRequest", "Fired for the opening handshake; SubProtocols, StatusCode and ResponseHeaders are writable."),
];

/// The WebSocket config settings (WSServer reference, "WebSocketServer
/// Config Settings"), then pier's own.
pub static WS_SETTINGS: &[SettingDef] = &[
    setting("BufferMessage", Bool).default("False").doc("True: DataIn fires once per whole message (assembled up to MaxMessageSize). False: once per piece as it arrives, EOM True on the last."),
    setting("DisconnectStatusCode", Int).default("1000").range(1000, 4999).doc("The close code Disconnect and Shutdown send (1005, 1006 and 1015 may not be sent: 906)."),
    setting("DisconnectStatusDescription", Text).doc("The reason sent with DisconnectStatusCode (at most 123 bytes; \"\" = the standard text of a standard code)."),
    setting("EnablePermessageDeflate", Bool).default("True").doc("Accept a client's permessage-deflate offer (RFC 7692); False declines every offer."),
    setting("MaxFrameSize", Int).default("131072").range(0, I32).doc("Largest payload of an outgoing frame: longer messages go out in fragments (0 = never fragment)."),
    setting("MaxLineLength", Int).per_conn(PerConn::Optional).default("2048").range(1, I32).doc("In line mode, lines longer than this arrive in pieces of this length with EOL False. `MaxLineLength` sets it for new connections, `MaxLineLength[id]` for one."),
    setting("MessageLength", Int).per_conn(PerConn::Required).default("0").range(0, i64::MAX).doc("When positive, the next MessageLength bytes sent on the connection form one message over several sends (only the last part ends it); counts down to 0."),
    setting("WaitForCloseResponse", Bool).default("True").doc("True: Disconnect sends a Close frame and waits (up to CloseTimeout) for the client's before closing. False: closes once the Close frame is out."),
    setting("CloseStreamAfterTransfer", Bool).default("True").doc("Accepted and read back; no effect (the C API has no streams)."),
    setting("MaskSensitiveData", Bool).default("True").doc("Stored and read back; pier logs no secrets either way."),
    setting("LogLevel", Int).default("1").range(0, 3).doc("Which Log events fire: 0 none, 1 Info, 2 Verbose, 3 Debug."),
    setting("MaxMessageSize", Int).default("67108864").range(1, 1 << 40).doc("pier: the largest incoming message (after decompression) in bytes; beyond it the connection closes with 1009."),
    setting("HandshakeTimeout", Int).default("30").range(0, U32).doc("pier: seconds a client has to complete its opening request (0 = no limit); then 408 and a close."),
    setting("CloseTimeout", Int).default("5").range(0, U32).doc("pier: seconds to wait for the client's Close frame, or for a last frame to go out, before the socket is closed anyway."),
    setting("PermessageDeflateLevel", Int).default("6").range(0, 9).doc("pier: zlib level of outgoing compressed messages (1 fastest ... 9 smallest)."),
    setting("DeflateMemoryBudget", Int).default("67108864").range(0, i64::MAX).doc(
        "pier: bytes of compression state all connections may hold. While there is room a new connection gets a dedicated compressor with context takeover (counted as 320 KiB); then no context takeover and the shared compressor (48 KiB, the inflater a message in flight needs); when even that is full, no compression. Example: `DeflateMemoryBudget=16777216`.",
    ),
    setting("DeflateMemoryInUse", Int).read_only().doc("pier: what the open connections count against DeflateMemoryBudget, in bytes."),
    setting("DeflateTier", Int).read_only().per_conn(PerConn::Required).doc("pier: the connection's compression: 2 dedicated compressor, 1 shared (no context takeover), 0 none."),
    setting("PingInterval", Int).default("0").range(0, U32).doc("pier keepalive: seconds of silence after which an open connection is sent a Ping (0 = never)."),
    setting("PingTimeout", Int).default("0").range(0, U32).doc("pier keepalive: seconds the client has to answer (or send anything) before the connection is closed with Error and Disconnected 10060 (0 = PingInterval)."),
];

/// The error codes WSServer raises, for its reference page.
pub static ERRORS: &[i32] = &[
    0, 104, 106, 107, 108, 112, 126, 270, 271, 272, 273, 274, 275, 276, 280, 281, 282, 283, 284, 900, 901, 902, 903,
    904, 905, 906, 907, 908, 909, 910, 911, 912, 913, 914, 4202, 10004, 10013, 10022, 10024, 10035, 10048, 10049,
    10050, 10051, 10053, 10054, 10055, 10057, 10060, 10061, 10064, 10065,
];

/// The declaration: what the checks, the header's ids and the reference
/// page come from.
pub static TABLES: Tables<WsProp> = Tables {
    props: PROPS,
    events: EVENTS,
    settings: &[
        ("WebSocket settings", WS_SETTINGS),
        ("TCP settings", TCP_SETTINGS),
        ("SSL settings", SSL_SETTINGS),
        ("Base settings", BASE_SETTINGS),
    ],
};

/// The generators' view of the tables.
pub fn component() -> Component<'static, WsProp> {
    Component {
        title: "WSServer",
        prefix: "WSSERVER",
        intro: "A WebSocket server (RFC 6455; ws:// and wss://) for many connections: the opening \
                handshake decided by the application (WebSocketOpenRequest), text and binary messages \
                whole or in pieces, permessage-deflate (RFC 7692), pings, the close handshake, \
                backpressure (10035 and ReadyToSend) and TLS with client certificates. \
                Example: `examples-c/ws_echo_server.c`.",
        tables: &TABLES,
        errors: ERRORS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::props::check_ids;
    use crate::core::reference::check_component;

    #[test]
    fn ids_follow_the_reference_order() {
        let p: Vec<_> = PROPS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&p, false).unwrap();
        let e: Vec<_> = EVENTS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&e, false).unwrap();
        assert_eq!(PROPS.len(), 53);
        assert_eq!(EVENTS.len(), 12);
        // The 28 Certificate fields, in the Certificate type's order.
        let cert: Vec<_> = PROPS[23..51].iter().map(|d| d.name.trim_start_matches("SSLCert")).collect();
        let want: Vec<_> = CertField::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(cert, want);
    }

    #[test]
    fn generated_ids_and_reference_page_are_fresh_and_documented() {
        check_component(&component(), "src/ws/ids.rs", "docs/reference/wsserver.md").unwrap();
    }
}
