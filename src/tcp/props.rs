//! TCPServer's declaration: its properties (ids in the TCPServer
//! reference's order, docs/API.md §2), events and config-setting tables.
//! The id constants of the header (`ids.rs`) and docs/reference/tcpserver.md
//! are generated from these rows; the tests below keep them fresh.

pub use super::ids::*;
/// `get`, `set` and `config` of the component's server.
pub use crate::core::component::Declared;
use crate::core::props::{event, prop, EventDef, PropDef, Tables, I32, U32};
use crate::core::reference::Component;
use crate::core::value::PropType::{Binary, Bool, Int, Text};
use crate::stream::props::{BASE_SETTINGS, SSL_SETTINGS, TCP_SETTINGS};
use crate::stream::StreamProp as S;

/// TCPServer's names for its properties: the shared stream properties and
/// its own (framing and UserData).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpProp {
    Stream(S),
    Eol,
    RecordLength,
    SingleLineMode,
    UserData,
    DefaultEol,
    DefaultMaxLineLength,
    DefaultSingleLineMode,
}
use TcpProp::*;

pub static PROPS: &[PropDef<TcpProp>] = &[
    prop(1, "ConnectionBacklog", Int, Stream(S::ConnectionBacklog)).default("SOMAXCONN").range(1, I32).doc("Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux)."),
    prop(2, "ConnectionCount", Int, Stream(S::ConnectionCount)).read_only().default("0").doc("Number of open connections; ConnectionId positions run 0..ConnectionCount-1."),
    prop(3, "AcceptData", Bool, Stream(S::AcceptData)).per_conn().default("True").doc("False pauses data reception (and DataIn) for the connection; True resumes it."),
    prop(4, "BytesSent", Int, Stream(S::BytesSent)).per_conn().read_only().default("0").doc("Bytes taken by the last send on the connection (every send method, both modes)."),
    prop(5, "Connected", Bool, Stream(S::Connected)).per_conn().doc("Whether the connection is open; set False to disconnect it."),
    prop(6, "ConnectionId", Text, Stream(S::ConnectionId)).by_position().read_only().doc("The connection id (decimal text) at position index (0..ConnectionCount-1); 913 beyond."),
    prop(7, "DataToSend", Binary, Stream(S::DataToSend)).per_conn().write_only().doc("Setting it sends the bytes to the connection (as Send)."),
    prop(8, "EOL", Binary, Eol).per_conn().default("DefaultEOL").doc("End-of-line bytes that split incoming data into DataIn lines (\"\" = deliver data as received)."),
    prop(9, "IdleTimeout", Int, Stream(S::IdleTimeout)).per_conn().default("DefaultIdleTimeout").range(0, U32).doc("Seconds of inactivity after which the connection is closed with 10060 (0 = never)."),
    prop(10, "LocalAddress", Text, Stream(S::LocalAddress)).per_conn().read_only().doc("Local IP address of the interface the connection uses."),
    prop(11, "ReadyToSend", Bool, Stream(S::ReadyToSend)).per_conn().read_only().default("True").doc("False after a send failed with 10035 until the socket can take data again."),
    prop(12, "RecordLength", Int, RecordLength).per_conn().default("0").range(0, I32).doc("When positive, DataIn delivers records of exactly this many bytes."),
    prop(13, "RemoteHost", Text, Stream(S::RemoteHost)).per_conn().read_only().doc("IP address of the remote host."),
    prop(14, "RemotePort", Int, Stream(S::RemotePort)).per_conn().read_only().doc("TCP port of the remote host."),
    prop(15, "SingleLineMode", Bool, SingleLineMode).per_conn().default("DefaultSingleLineMode").doc("Split incoming data into lines ended by CR, LF or CRLF (EOL is ignored)."),
    prop(16, "Timeout", Int, Stream(S::Timeout)).per_conn().default("DefaultTimeout").range(0, U32).doc("Seconds a send may block (0 = asynchronous: fail with 10035 instead)."),
    prop(17, "UserData", Binary, UserData).per_conn().doc("Application data kept with the connection."),
    prop(18, "DefaultEOL", Binary, DefaultEol).doc("EOL given to each new connection."),
    prop(19, "DefaultIdleTimeout", Int, Stream(S::DefaultIdleTimeout)).default("0").range(0, U32).doc("IdleTimeout given to each new connection."),
    prop(20, "DefaultMaxLineLength", Int, DefaultMaxLineLength).default("2048").range(256, I32).doc("Maximum line length of new connections; longer lines arrive in pieces of exactly this length."),
    prop(21, "DefaultSingleLineMode", Bool, DefaultSingleLineMode).default("False").doc("SingleLineMode given to each new connection."),
    prop(22, "DefaultTimeout", Int, Stream(S::DefaultTimeout)).default("0").range(0, U32).doc("Timeout given to each new connection."),
    prop(23, "KeepAlive", Bool, Stream(S::KeepAlive)).default("False").doc("Enable SO_KEEPALIVE on new connections (see KeepAliveTime, KeepAliveInterval)."),
    prop(24, "Linger", Bool, Stream(S::Linger)).default("True").doc("True: close gracefully after pending data is sent; False: abortive close (RST)."),
    prop(25, "Listening", Bool, Stream(S::Listening)).default("False").doc("Whether the server is listening; setting it starts or stops listening."),
    prop(26, "LocalHost", Text, Stream(S::LocalHost)).doc("Local interface to listen on (\"\" = every interface); 107 while listening."),
    prop(27, "LocalPort", Int, Stream(S::LocalPort)).default("0").range(0, 65535).doc("TCP port to listen on (0 = the system picks one, readable once listening); 106 while listening."),
    prop(28, "SSLAuthenticateClients", Bool, Stream(S::SslAuthenticateClients)).default("False").doc("Ask clients for a certificate (see the SSLClientAuthentication event)."),
    prop(29, "SSLCertEncoded", Binary, Stream(S::SslCertEncoded)).doc("The selected certificate (PEM/Base64); setting it selects the matching certificate of the store."),
    prop(30, "SSLCertStore", Binary, Stream(S::SslCertStore)).default("MY").doc("The certificate store: a file name or the store's bytes, per SSLCertStoreType."),
    prop(31, "SSLCertStorePassword", Text, Stream(S::SslCertStorePassword)).doc("Password of the certificate store."),
    prop(32, "SSLCertStoreType", Int, Stream(S::SslCertStoreType)).default("0").range(0, 99).doc("Type of SSLCertStore (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto)."),
    prop(33, "SSLCertSubject", Text, Stream(S::SslCertSubject)).doc("Subject of the certificate to select (exact, then substring; \"*\" = the first); reads back the full subject."),
    prop(34, "SSLEnabled", Bool, Stream(S::SslEnabled)).default("False").doc("Whether TLS is enabled."),
    prop(35, "SSLProvider", Int, Stream(S::SslProvider)).default("0").range(0, 2).doc("TLS implementation (0 automatic, 1 platform, 2 internal); every value is served by rustls."),
    prop(36, "SSLStartMode", Int, Stream(S::SslStartMode)).default("3").range(0, 3).doc("0 automatic, 1 implicit, 2 explicit (StartSSL), 3 none; setting it sets SSLEnabled."),
];

pub static EVENTS: &[EventDef] = &[
    event(1, "Connected", "Fired when a connection completes (after the TLS handshake when TLS is on)."),
    event(2, "ConnectionRequest", "Fired when a client asks to connect; Accept is writable."),
    event(3, "DataIn", "Fired when data comes in, framed by EOL, SingleLineMode or RecordLength."),
    event(4, "Disconnected", "Fired when a connection is closed (status 0 / \"OK\" on a normal close)."),
    event(5, "Error", "Fired for asynchronous errors no return value can report."),
    event(6, "ReadyToSend", "Fired once after connecting and when the socket can take data again after 10035."),
    event(7, "SSLClientAuthentication", "Fired when the client presents its certificate; Accept is writable."),
    event(8, "SSLConnectionRequest", "Fired when a TLS ClientHello arrives; the certificate fields are writable."),
    event(9, "SSLStatus", "Fired with TLS handshake progress messages."),
];

/// The error codes TCPServer raises, for its reference page.
pub static ERRORS: &[i32] = &[
    0, 100, 101, 102, 104, 106, 107, 108, 112, 116, 126, 270, 271, 272, 273, 274, 275, 276, 280, 281, 282, 283, 284,
    900, 901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 911, 912, 913, 914, 10004, 10013, 10022, 10024, 10035,
    10048, 10049, 10050, 10051, 10053, 10054, 10055, 10057, 10060, 10061, 10064, 10065,
];

/// The declaration: what the checks, the header's ids and the reference
/// page come from.
pub static TABLES: Tables<TcpProp> = Tables {
    props: PROPS,
    events: EVENTS,
    settings: &[("TCP settings", TCP_SETTINGS), ("SSL settings", SSL_SETTINGS), ("Base settings", BASE_SETTINGS)],
};

/// The generators' view of the tables.
pub fn component() -> Component<'static, TcpProp> {
    Component {
        title: "TCPServer",
        prefix: "TCPSERVER",
        intro: "A TCP server (plain or TLS) for many connections: line, record or raw framing of what \
                arrives (DataIn), sends that never queue beyond the socket (10035 and ReadyToSend), \
                idle timeouts, allow/block lists, and TLS with client certificates and STARTTLS. \
                Examples: `examples-c/echo_server.c`, `examples-c/tls_echo_server.c`.",
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
        assert_eq!(PROPS.len(), 36);
        assert_eq!(EVENTS.len(), 9);
    }

    #[test]
    fn generated_ids_and_reference_page_are_fresh_and_documented() {
        check_component(&component(), "src/tcp/ids.rs", "docs/reference/tcpserver.md").unwrap();
    }
}
