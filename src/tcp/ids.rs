//! TCPServer property and event ids: the ABI (docs/API.md §2). Generated from the
//! tables in `props.rs` by its tests; do not edit (`PIER_BLESS=1 cargo test` rewrites it).
//! cbindgen turns these into the header's constants and their doc comments.

/// TCPServer property `ConnectionBacklog` (int, default SOMAXCONN, 1 to 2147483647): Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux).
pub const PIER_TCPSERVER_PROP_CONNECTIONBACKLOG: i32 = 1;
/// TCPServer property `ConnectionCount` (int, read-only, default 0): Number of open connections; ConnectionId positions run 0..ConnectionCount-1.
pub const PIER_TCPSERVER_PROP_CONNECTIONCOUNT: i32 = 2;
/// TCPServer property `AcceptData` (bool, per connection, default True): False pauses data reception (and DataIn) for the connection; True resumes it.
pub const PIER_TCPSERVER_PROP_ACCEPTDATA: i32 = 3;
/// TCPServer property `BytesSent` (int, per connection, read-only, default 0): Bytes taken by the last send on the connection (every send method, both modes).
pub const PIER_TCPSERVER_PROP_BYTESSENT: i32 = 4;
/// TCPServer property `Connected` (bool, per connection): Whether the connection is open; set False to disconnect it.
pub const PIER_TCPSERVER_PROP_CONNECTED: i32 = 5;
/// TCPServer property `ConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnectionCount-1); 913 beyond.
pub const PIER_TCPSERVER_PROP_CONNECTIONID: i32 = 6;
/// TCPServer property `DataToSend` (binary, per connection, write-only): Setting it sends the bytes to the connection (as Send).
pub const PIER_TCPSERVER_PROP_DATATOSEND: i32 = 7;
/// TCPServer property `EOL` (binary, per connection, default DefaultEOL): End-of-line bytes that split incoming data into DataIn lines ("" = deliver data as received).
pub const PIER_TCPSERVER_PROP_EOL: i32 = 8;
/// TCPServer property `IdleTimeout` (int, per connection, default DefaultIdleTimeout, 0 to 4294967295): Seconds of inactivity after which the connection is closed with 10060 (0 = never).
pub const PIER_TCPSERVER_PROP_IDLETIMEOUT: i32 = 9;
/// TCPServer property `LocalAddress` (text, per connection, read-only): Local IP address of the interface the connection uses.
pub const PIER_TCPSERVER_PROP_LOCALADDRESS: i32 = 10;
/// TCPServer property `ReadyToSend` (bool, per connection, read-only, default True): False after a send failed with 10035 until the socket can take data again.
pub const PIER_TCPSERVER_PROP_READYTOSEND: i32 = 11;
/// TCPServer property `RecordLength` (int, per connection, default 0, 0 to 2147483647): When positive, DataIn delivers records of exactly this many bytes.
pub const PIER_TCPSERVER_PROP_RECORDLENGTH: i32 = 12;
/// TCPServer property `RemoteHost` (text, per connection, read-only): IP address of the remote host.
pub const PIER_TCPSERVER_PROP_REMOTEHOST: i32 = 13;
/// TCPServer property `RemotePort` (int, per connection, read-only): TCP port of the remote host.
pub const PIER_TCPSERVER_PROP_REMOTEPORT: i32 = 14;
/// TCPServer property `SingleLineMode` (bool, per connection, default DefaultSingleLineMode): Split incoming data into lines ended by CR, LF or CRLF (EOL is ignored).
pub const PIER_TCPSERVER_PROP_SINGLELINEMODE: i32 = 15;
/// TCPServer property `Timeout` (int, per connection, default DefaultTimeout, 0 to 4294967295): Seconds a send may block (0 = asynchronous: fail with 10035 instead).
pub const PIER_TCPSERVER_PROP_TIMEOUT: i32 = 16;
/// TCPServer property `UserData` (binary, per connection): Application data kept with the connection.
pub const PIER_TCPSERVER_PROP_USERDATA: i32 = 17;
/// TCPServer property `DefaultEOL` (binary): EOL given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTEOL: i32 = 18;
/// TCPServer property `DefaultIdleTimeout` (int, default 0, 0 to 4294967295): IdleTimeout given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT: i32 = 19;
/// TCPServer property `DefaultMaxLineLength` (int, default 2048, 256 to 2147483647): Maximum line length of new connections; longer lines arrive in pieces of exactly this length.
pub const PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH: i32 = 20;
/// TCPServer property `DefaultSingleLineMode` (bool, default False): SingleLineMode given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE: i32 = 21;
/// TCPServer property `DefaultTimeout` (int, default 0, 0 to 4294967295): Timeout given to each new connection.
pub const PIER_TCPSERVER_PROP_DEFAULTTIMEOUT: i32 = 22;
/// TCPServer property `KeepAlive` (bool, default False): Enable SO_KEEPALIVE on new connections (see KeepAliveTime, KeepAliveInterval).
pub const PIER_TCPSERVER_PROP_KEEPALIVE: i32 = 23;
/// TCPServer property `Linger` (bool, default True): True: close gracefully after pending data is sent; False: abortive close (RST).
pub const PIER_TCPSERVER_PROP_LINGER: i32 = 24;
/// TCPServer property `Listening` (bool, default False): Whether the server is listening; setting it starts or stops listening.
pub const PIER_TCPSERVER_PROP_LISTENING: i32 = 25;
/// TCPServer property `LocalHost` (text): Local interface to listen on ("" = every interface); 107 while listening.
pub const PIER_TCPSERVER_PROP_LOCALHOST: i32 = 26;
/// TCPServer property `LocalPort` (int, default 0, 0 to 65535): TCP port to listen on (0 = the system picks one, readable once listening); 106 while listening.
pub const PIER_TCPSERVER_PROP_LOCALPORT: i32 = 27;
/// TCPServer property `SSLAuthenticateClients` (bool, default False): Ask clients for a certificate (see the SSLClientAuthentication event).
pub const PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS: i32 = 28;
/// TCPServer property `SSLCertEncoded` (binary): The selected certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_TCPSERVER_PROP_SSLCERTENCODED: i32 = 29;
/// TCPServer property `SSLCertStore` (binary, default MY): The certificate store: a file name or the store's bytes, per SSLCertStoreType.
pub const PIER_TCPSERVER_PROP_SSLCERTSTORE: i32 = 30;
/// TCPServer property `SSLCertStorePassword` (text): Password of the certificate store.
pub const PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD: i32 = 31;
/// TCPServer property `SSLCertStoreType` (int, default 0, 0 to 99): Type of SSLCertStore (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_TCPSERVER_PROP_SSLCERTSTORETYPE: i32 = 32;
/// TCPServer property `SSLCertSubject` (text): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_TCPSERVER_PROP_SSLCERTSUBJECT: i32 = 33;
/// TCPServer property `SSLEnabled` (bool, default False): Whether TLS is enabled.
pub const PIER_TCPSERVER_PROP_SSLENABLED: i32 = 34;
/// TCPServer property `SSLProvider` (int, default 0, 0 to 2): TLS implementation (0 automatic, 1 platform, 2 internal); every value is served by rustls.
pub const PIER_TCPSERVER_PROP_SSLPROVIDER: i32 = 35;
/// TCPServer property `SSLStartMode` (int, default 3, 0 to 3): 0 automatic, 1 implicit, 2 explicit (StartSSL), 3 none; setting it sets SSLEnabled.
pub const PIER_TCPSERVER_PROP_SSLSTARTMODE: i32 = 36;

/// TCPServer event `Connected` (params: `pier_tcpserver_connected_params`): Fired when a connection completes (after the TLS handshake when TLS is on).
pub const PIER_TCPSERVER_EVENT_CONNECTED: i32 = 1;
/// TCPServer event `ConnectionRequest` (params: `pier_tcpserver_connectionrequest_params`): Fired when a client asks to connect; Accept is writable.
pub const PIER_TCPSERVER_EVENT_CONNECTIONREQUEST: i32 = 2;
/// TCPServer event `DataIn` (params: `pier_tcpserver_datain_params`): Fired when data comes in, framed by EOL, SingleLineMode or RecordLength.
pub const PIER_TCPSERVER_EVENT_DATAIN: i32 = 3;
/// TCPServer event `Disconnected` (params: `pier_tcpserver_disconnected_params`): Fired when a connection is closed (status 0 / "OK" on a normal close).
pub const PIER_TCPSERVER_EVENT_DISCONNECTED: i32 = 4;
/// TCPServer event `Error` (params: `pier_tcpserver_error_params`): Fired for asynchronous errors no return value can report.
pub const PIER_TCPSERVER_EVENT_ERROR: i32 = 5;
/// TCPServer event `ReadyToSend` (params: `pier_tcpserver_readytosend_params`): Fired once after connecting and when the socket can take data again after 10035.
pub const PIER_TCPSERVER_EVENT_READYTOSEND: i32 = 6;
/// TCPServer event `SSLClientAuthentication` (params: `pier_tcpserver_sslclientauthentication_params`): Fired when the client presents its certificate; Accept is writable.
pub const PIER_TCPSERVER_EVENT_SSLCLIENTAUTHENTICATION: i32 = 7;
/// TCPServer event `SSLConnectionRequest` (params: `pier_tcpserver_sslconnectionrequest_params`): Fired when a TLS ClientHello arrives; the certificate fields are writable.
pub const PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST: i32 = 8;
/// TCPServer event `SSLStatus` (params: `pier_tcpserver_sslstatus_params`): Fired with TLS handshake progress messages.
pub const PIER_TCPSERVER_EVENT_SSLSTATUS: i32 = 9;
