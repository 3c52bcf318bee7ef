//! TCPServer property and event ids: the ABI (API.md §2), declared once.
//! The constants land in `pier.h`; the tables feed the generic FFI checks.

use crate::{event_table, prop_table};

/// TCPServer property `ConnectionBacklog` (int): Maximum number of pending connections kept by the TCP/IP stack (default: the system's SOMAXCONN).
pub const PIER_TCPSERVER_PROP_CONNECTIONBACKLOG: i32 = 1;
/// TCPServer property `ConnectionCount` (int, read-only): Number of open connections; ConnectionId positions run 0..ConnectionCount-1.
pub const PIER_TCPSERVER_PROP_CONNECTIONCOUNT: i32 = 2;
/// TCPServer property `AcceptData` (bool, per connection): False pauses data reception (and DataIn) for the connection; True resumes it.
pub const PIER_TCPSERVER_PROP_ACCEPTDATA: i32 = 3;
/// TCPServer property `BytesSent` (int, per connection, read-only): Bytes taken by the last send on the connection.
pub const PIER_TCPSERVER_PROP_BYTESSENT: i32 = 4;
/// TCPServer property `Connected` (bool, per connection): Whether the connection is open; set False to disconnect it.
pub const PIER_TCPSERVER_PROP_CONNECTED: i32 = 5;
/// TCPServer property `ConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnectionCount-1).
pub const PIER_TCPSERVER_PROP_CONNECTIONID: i32 = 6;
/// TCPServer property `DataToSend` (binary, per connection, write-only): Write-only: setting it sends the bytes to the connection.
pub const PIER_TCPSERVER_PROP_DATATOSEND: i32 = 7;
/// TCPServer property `EOL` (binary, per connection): End-of-line bytes that split incoming data into DataIn lines ("" = deliver data as received).
pub const PIER_TCPSERVER_PROP_EOL: i32 = 8;
/// TCPServer property `IdleTimeout` (int, per connection): Seconds of inactivity after which the connection is closed (0 = never).
pub const PIER_TCPSERVER_PROP_IDLETIMEOUT: i32 = 9;
/// TCPServer property `LocalAddress` (text, per connection, read-only): Local IP address of the interface the connection uses.
pub const PIER_TCPSERVER_PROP_LOCALADDRESS: i32 = 10;
/// TCPServer property `ReadyToSend` (bool, per connection, read-only): False after a send failed with 10035 until the socket can take data again.
pub const PIER_TCPSERVER_PROP_READYTOSEND: i32 = 11;
/// TCPServer property `RecordLength` (int, per connection): When positive, DataIn delivers records of exactly this many bytes.
pub const PIER_TCPSERVER_PROP_RECORDLENGTH: i32 = 12;
/// TCPServer property `RemoteHost` (text, per connection, read-only): IP address of the remote host.
pub const PIER_TCPSERVER_PROP_REMOTEHOST: i32 = 13;
/// TCPServer property `RemotePort` (int, per connection, read-only): TCP port of the remote host.
pub const PIER_TCPSERVER_PROP_REMOTEPORT: i32 = 14;
/// TCPServer property `SingleLineMode` (bool, per connection): Split incoming data into lines ended by CR, LF or CRLF (EOL is ignored).
pub const PIER_TCPSERVER_PROP_SINGLELINEMODE: i32 = 15;
/// TCPServer property `Timeout` (int, per connection): Seconds a send may block (0 = asynchronous: fail with 10035 instead).
pub const PIER_TCPSERVER_PROP_TIMEOUT: i32 = 16;
/// TCPServer property `UserData` (binary, per connection): Application data kept with the connection.
pub const PIER_TCPSERVER_PROP_USERDATA: i32 = 17;
/// TCPServer property `DefaultEOL` (binary): EOL given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTEOL: i32 = 18;
/// TCPServer property `DefaultIdleTimeout` (int): IdleTimeout given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT: i32 = 19;
/// TCPServer property `DefaultMaxLineLength` (int): Maximum line length of new connections (minimum 256, default 2048).
pub const PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH: i32 = 20;
/// TCPServer property `DefaultSingleLineMode` (bool): SingleLineMode given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE: i32 = 21;
/// TCPServer property `DefaultTimeout` (int): Timeout given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTTIMEOUT: i32 = 22;
/// TCPServer property `KeepAlive` (bool): Enable SO_KEEPALIVE on new connections.
pub const PIER_TCPSERVER_PROP_KEEPALIVE: i32 = 23;
/// TCPServer property `Linger` (bool): True: close gracefully after pending data is sent; False: abortive close (RST).
pub const PIER_TCPSERVER_PROP_LINGER: i32 = 24;
/// TCPServer property `Listening` (bool): Whether the server is listening; setting it starts or stops listening.
pub const PIER_TCPSERVER_PROP_LISTENING: i32 = 25;
/// TCPServer property `LocalHost` (text): Local interface to listen on ("" = every interface).
pub const PIER_TCPSERVER_PROP_LOCALHOST: i32 = 26;
/// TCPServer property `LocalPort` (int): TCP port to listen on (0 = the system picks one, readable once listening).
pub const PIER_TCPSERVER_PROP_LOCALPORT: i32 = 27;
/// TCPServer property `SSLAuthenticateClients` (bool): Ask clients for a certificate (see the SSLClientAuthentication event).
pub const PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS: i32 = 28;
/// TCPServer property `SSLCertEncoded` (binary): The selected certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_TCPSERVER_PROP_SSLCERTENCODED: i32 = 29;
/// TCPServer property `SSLCertStore` (binary): The certificate store: a file name or the store's bytes, per SSLCertStoreType.
pub const PIER_TCPSERVER_PROP_SSLCERTSTORE: i32 = 30;
/// TCPServer property `SSLCertStorePassword` (text): Password of the certificate store.
pub const PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD: i32 = 31;
/// TCPServer property `SSLCertStoreType` (int): Type of SSLCertStore (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_TCPSERVER_PROP_SSLCERTSTORETYPE: i32 = 32;
/// TCPServer property `SSLCertSubject` (text): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_TCPSERVER_PROP_SSLCERTSUBJECT: i32 = 33;
/// TCPServer property `SSLEnabled` (bool): Whether TLS is enabled.
pub const PIER_TCPSERVER_PROP_SSLENABLED: i32 = 34;
/// TCPServer property `SSLProvider` (int): TLS implementation (0 automatic, 1 platform, 2 internal); every value is served by rustls.
pub const PIER_TCPSERVER_PROP_SSLPROVIDER: i32 = 35;
/// TCPServer property `SSLStartMode` (int): 0 automatic, 1 implicit, 2 explicit (StartSSL), 3 none (default).
pub const PIER_TCPSERVER_PROP_SSLSTARTMODE: i32 = 36;

/// TCPServer event `Connected`: Fired when a connection completes (after the TLS handshake when TLS is on).
pub const PIER_TCPSERVER_EVENT_CONNECTED: i32 = 1;
/// TCPServer event `ConnectionRequest`: Fired when a client asks to connect; Accept is writable.
pub const PIER_TCPSERVER_EVENT_CONNECTIONREQUEST: i32 = 2;
/// TCPServer event `DataIn`: Fired when data comes in, framed by EOL, SingleLineMode or RecordLength.
pub const PIER_TCPSERVER_EVENT_DATAIN: i32 = 3;
/// TCPServer event `Disconnected`: Fired when a connection is closed (status 0 / "OK" on a normal close).
pub const PIER_TCPSERVER_EVENT_DISCONNECTED: i32 = 4;
/// TCPServer event `Error`: Fired for asynchronous errors no return value can report.
pub const PIER_TCPSERVER_EVENT_ERROR: i32 = 5;
/// TCPServer event `ReadyToSend`: Fired once after connecting and when the socket can take data again after 10035.
pub const PIER_TCPSERVER_EVENT_READYTOSEND: i32 = 6;
/// TCPServer event `SSLClientAuthentication`: Fired when the client presents its certificate; Accept is writable.
pub const PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION: i32 = 7;
/// TCPServer event `SSLConnectionRequest`: Fired when a TLS ClientHello arrives; the certificate fields are writable.
pub const PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST: i32 = 8;
/// TCPServer event `SSLStatus`: Fired with TLS handshake progress messages.
pub const PIER_TCPSERVER_EVENT_SSLSTATUS: i32 = 9;

prop_table!(PROPS;
    (PIER_TCPSERVER_PROP_CONNECTIONBACKLOG, "ConnectionBacklog", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_CONNECTIONCOUNT, "ConnectionCount", Int, ReadOnly, No),
    (PIER_TCPSERVER_PROP_ACCEPTDATA, "AcceptData", Bool, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_BYTESSENT, "BytesSent", Int, ReadOnly, ByConnection),
    (PIER_TCPSERVER_PROP_CONNECTED, "Connected", Bool, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_CONNECTIONID, "ConnectionId", Text, ReadOnly, ByPosition),
    (PIER_TCPSERVER_PROP_DATATOSEND, "DataToSend", Binary, WriteOnly, ByConnection),
    (PIER_TCPSERVER_PROP_EOL, "EOL", Binary, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_IDLETIMEOUT, "IdleTimeout", Int, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_LOCALADDRESS, "LocalAddress", Text, ReadOnly, ByConnection),
    (PIER_TCPSERVER_PROP_READYTOSEND, "ReadyToSend", Bool, ReadOnly, ByConnection),
    (PIER_TCPSERVER_PROP_RECORDLENGTH, "RecordLength", Int, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_REMOTEHOST, "RemoteHost", Text, ReadOnly, ByConnection),
    (PIER_TCPSERVER_PROP_REMOTEPORT, "RemotePort", Int, ReadOnly, ByConnection),
    (PIER_TCPSERVER_PROP_SINGLELINEMODE, "SingleLineMode", Bool, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_TIMEOUT, "Timeout", Int, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_USERDATA, "UserData", Binary, ReadWrite, ByConnection),
    (PIER_TCPSERVER_PROP_DEFAULTEOL, "DefaultEOL", Binary, ReadWrite, No),
    (PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, "DefaultIdleTimeout", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH, "DefaultMaxLineLength", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE, "DefaultSingleLineMode", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_DEFAULTTIMEOUT, "DefaultTimeout", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_KEEPALIVE, "KeepAlive", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_LINGER, "Linger", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_LISTENING, "Listening", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_LOCALHOST, "LocalHost", Text, ReadWrite, No),
    (PIER_TCPSERVER_PROP_LOCALPORT, "LocalPort", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS, "SSLAuthenticateClients", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLCERTENCODED, "SSLCertEncoded", Binary, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLCERTSTORE, "SSLCertStore", Binary, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD, "SSLCertStorePassword", Text, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, "SSLCertStoreType", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLCERTSUBJECT, "SSLCertSubject", Text, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLENABLED, "SSLEnabled", Bool, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLPROVIDER, "SSLProvider", Int, ReadWrite, No),
    (PIER_TCPSERVER_PROP_SSLSTARTMODE, "SSLStartMode", Int, ReadWrite, No),
);

event_table!(EVENTS;
    (PIER_TCPSERVER_EVENT_CONNECTED, "Connected"),
    (PIER_TCPSERVER_EVENT_CONNECTIONREQUEST, "ConnectionRequest"),
    (PIER_TCPSERVER_EVENT_DATAIN, "DataIn"),
    (PIER_TCPSERVER_EVENT_DISCONNECTED, "Disconnected"),
    (PIER_TCPSERVER_EVENT_ERROR, "Error"),
    (PIER_TCPSERVER_EVENT_READYTOSEND, "ReadyToSend"),
    (PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION, "SSLClientAuthentication"),
    (PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST, "SSLConnectionRequest"),
    (PIER_TCPSERVER_EVENT_SSLSTATUS, "SSLStatus"),
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::props::check_table_naming;

    #[test]
    fn ids_follow_the_reference_order_and_names() {
        let p: Vec<_> = PROPS.iter().map(|d| (d.id, d.name, d.const_name)).collect();
        check_table_naming("PIER_TCPSERVER_PROP_", &p, false).unwrap();
        let e: Vec<_> = EVENTS.iter().map(|d| (d.id, d.name, d.const_name)).collect();
        check_table_naming("PIER_TCPSERVER_EVENT_", &e, false).unwrap();
        assert_eq!(PROPS.len(), 36);
        assert_eq!(EVENTS.len(), 9);
    }
}
