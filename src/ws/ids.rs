//! WSServer property and event ids: the ABI (docs/API.md §2). Generated from the
//! tables in `props.rs` by its tests; do not edit (`PIER_BLESS=1 cargo test` rewrites it).
//! cbindgen turns these into the header's constants and their doc comments.

/// WSServer property `ConnectionBacklog` (int, default SOMAXCONN, 1 to 2147483647): Maximum number of pending connections kept by the TCP/IP stack (the reference's 5 drops connections under bursts on Linux).
pub const PIER_WSSERVER_PROP_CONNECTIONBACKLOG: i32 = 1;
/// WSServer property `ConnCount` (int, read-only, default 0): Number of open connections; ConnConnectionId positions run 0..ConnCount-1.
pub const PIER_WSSERVER_PROP_CONNCOUNT: i32 = 2;
/// WSServer property `ConnAcceptData` (bool, per connection, default True): Whether data reception is on. pier: writable (the reference's PauseData/ProcessData are not in its method list): False pauses reading and DataIn, True resumes.
pub const PIER_WSSERVER_PROP_CONNACCEPTDATA: i32 = 3;
/// WSServer property `ConnBytesSent` (int, per connection, read-only, default 0): Payload bytes taken by the last send on the connection (all of it, or 0 after 10035).
pub const PIER_WSSERVER_PROP_CONNBYTESSENT: i32 = 4;
/// WSServer property `ConnConnected` (bool, per connection, read-only): Whether the connection is open (use Disconnect to close it).
pub const PIER_WSSERVER_PROP_CONNCONNECTED: i32 = 5;
/// WSServer property `ConnConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond.
pub const PIER_WSSERVER_PROP_CONNCONNECTIONID: i32 = 6;
/// WSServer property `ConnDataFormat` (int, per connection, default 0, 0 to 10): What Send sends: 0 automatic (binary: Send sends bytes), 1 text, 2 binary, 9 a Ping, 10 a Pong with the data; other values fail with 906.
pub const PIER_WSSERVER_PROP_CONNDATAFORMAT: i32 = 7;
/// WSServer property `ConnHost` (text, per connection, read-only): The Host header of the opening request.
pub const PIER_WSSERVER_PROP_CONNHOST: i32 = 8;
/// WSServer property `ConnLineMode` (bool, per connection, read-only, default False): Whether DataIn fires per line (CR, LF or CRLF) instead of per message; set with ChangeLineMode.
pub const PIER_WSSERVER_PROP_CONNLINEMODE: i32 = 9;
/// WSServer property `ConnLocalAddress` (text, per connection, read-only): Local IP address of the interface the connection uses.
pub const PIER_WSSERVER_PROP_CONNLOCALADDRESS: i32 = 10;
/// WSServer property `ConnOrigin` (text, per connection, read-only): The Origin header of the opening request.
pub const PIER_WSSERVER_PROP_CONNORIGIN: i32 = 11;
/// WSServer property `ConnReadyToSend` (bool, per connection, read-only, default True): False after a send failed with 10035 until the connection can take data again (the ReadyToSend event).
pub const PIER_WSSERVER_PROP_CONNREADYTOSEND: i32 = 12;
/// WSServer property `ConnRemoteHost` (text, per connection, read-only): IP address of the client.
pub const PIER_WSSERVER_PROP_CONNREMOTEHOST: i32 = 13;
/// WSServer property `ConnRemotePort` (int, per connection, read-only): TCP port of the client.
pub const PIER_WSSERVER_PROP_CONNREMOTEPORT: i32 = 14;
/// WSServer property `ConnRequestHeaders` (text, per connection, read-only): The headers of the opening request, one `Name: value` per line (CRLF).
pub const PIER_WSSERVER_PROP_CONNREQUESTHEADERS: i32 = 15;
/// WSServer property `ConnRequestURI` (text, per connection, read-only): The request target of the opening request (e.g. `/chat?room=1`).
pub const PIER_WSSERVER_PROP_CONNREQUESTURI: i32 = 16;
/// WSServer property `ConnSubProtocols` (text, per connection, read-only): The sub-protocols the client offered (comma-separated).
pub const PIER_WSSERVER_PROP_CONNSUBPROTOCOLS: i32 = 17;
/// WSServer property `ConnTimeout` (int, per connection, default DefaultTimeout, 0 to 4294967295): Seconds a send may block (0 = asynchronous: 10035 when the out queue is full).
pub const PIER_WSSERVER_PROP_CONNTIMEOUT: i32 = 18;
/// WSServer property `DefaultTimeout` (int, default 0, 0 to 4294967295): ConnTimeout given to each new connection.
pub const PIER_WSSERVER_PROP_DEFAULTTIMEOUT: i32 = 19;
/// WSServer property `Listening` (bool, default False): Whether the server is listening; setting it starts or stops listening.
pub const PIER_WSSERVER_PROP_LISTENING: i32 = 20;
/// WSServer property `LocalHost` (text): Local interface to listen on ("" = every interface); 107 while listening.
pub const PIER_WSSERVER_PROP_LOCALHOST: i32 = 21;
/// WSServer property `LocalPort` (int, default 0, 0 to 65535): TCP port to listen on (0 = the system picks one, readable once listening); 106 while listening.
pub const PIER_WSSERVER_PROP_LOCALPORT: i32 = 22;
/// WSServer property `SSLAuthenticateClients` (bool, default False): Ask clients for a certificate (see the SSLClientAuthentication event).
pub const PIER_WSSERVER_PROP_SSLAUTHENTICATECLIENTS: i32 = 23;
/// WSServer property `SSLCertEffectiveDate` (text, read-only): The date the selected certificate becomes valid (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_WSSERVER_PROP_SSLCERTEFFECTIVEDATE: i32 = 24;
/// WSServer property `SSLCertExpirationDate` (text, read-only): The date the selected certificate expires (`dd-MMM-yyyy HH:mm:ss`, UTC).
pub const PIER_WSSERVER_PROP_SSLCERTEXPIRATIONDATE: i32 = 25;
/// WSServer property `SSLCertExtendedKeyUsage` (text, read-only): Comma-separated extended key usage OIDs of the selected certificate.
pub const PIER_WSSERVER_PROP_SSLCERTEXTENDEDKEYUSAGE: i32 = 26;
/// WSServer property `SSLCertFingerprint` (text, read-only): MD5 hash of the selected certificate, hex bytes separated by `:`.
pub const PIER_WSSERVER_PROP_SSLCERTFINGERPRINT: i32 = 27;
/// WSServer property `SSLCertFingerprintSHA1` (text, read-only): SHA-1 hash of the selected certificate, hex bytes separated by `:`.
pub const PIER_WSSERVER_PROP_SSLCERTFINGERPRINTSHA1: i32 = 28;
/// WSServer property `SSLCertFingerprintSHA256` (text, read-only): SHA-256 hash of the selected certificate, hex bytes separated by `:`.
pub const PIER_WSSERVER_PROP_SSLCERTFINGERPRINTSHA256: i32 = 29;
/// WSServer property `SSLCertIssuer` (text, read-only): Issuer of the selected certificate (`CN=..., O=...`).
pub const PIER_WSSERVER_PROP_SSLCERTISSUER: i32 = 30;
/// WSServer property `SSLCertKeyPassword` (text): Password of the private key when it is encrypted apart from the store; stored (the store password opens pier's keys).
pub const PIER_WSSERVER_PROP_SSLCERTKEYPASSWORD: i32 = 31;
/// WSServer property `SSLCertPrivateKey` (text, read-only): Never exported: always empty (PrivateKeyAvailable says whether there is a key).
pub const PIER_WSSERVER_PROP_SSLCERTPRIVATEKEY: i32 = 32;
/// WSServer property `SSLCertPrivateKeyAvailable` (bool, read-only): Whether the selected certificate came with its private key.
pub const PIER_WSSERVER_PROP_SSLCERTPRIVATEKEYAVAILABLE: i32 = 33;
/// WSServer property `SSLCertPrivateKeyContainer` (text, read-only): No key containers on this platform: always empty.
pub const PIER_WSSERVER_PROP_SSLCERTPRIVATEKEYCONTAINER: i32 = 34;
/// WSServer property `SSLCertPublicKey` (text, read-only): The SubjectPublicKeyInfo of the selected certificate, Base64 DER.
pub const PIER_WSSERVER_PROP_SSLCERTPUBLICKEY: i32 = 35;
/// WSServer property `SSLCertPublicKeyAlgorithm` (text, read-only): RSA, ECDSA, Ed25519, or the algorithm's OID.
pub const PIER_WSSERVER_PROP_SSLCERTPUBLICKEYALGORITHM: i32 = 36;
/// WSServer property `SSLCertPublicKeyLength` (int, read-only): Bits of the public key (RSA modulus, EC field size).
pub const PIER_WSSERVER_PROP_SSLCERTPUBLICKEYLENGTH: i32 = 37;
/// WSServer property `SSLCertSerialNumber` (text, read-only): Serial number, upper-case hex.
pub const PIER_WSSERVER_PROP_SSLCERTSERIALNUMBER: i32 = 38;
/// WSServer property `SSLCertSignatureAlgorithm` (text, read-only): Signature algorithm of the certificate (e.g. sha256RSA), or its OID.
pub const PIER_WSSERVER_PROP_SSLCERTSIGNATUREALGORITHM: i32 = 39;
/// WSServer property `SSLCertStore` (binary, default MY): The certificate store: a file name or the store's bytes, per SSLCertStoreType.
pub const PIER_WSSERVER_PROP_SSLCERTSTORE: i32 = 40;
/// WSServer property `SSLCertStorePassword` (text): Password of the certificate store.
pub const PIER_WSSERVER_PROP_SSLCERTSTOREPASSWORD: i32 = 41;
/// WSServer property `SSLCertStoreType` (int, default 0, 0 to 99): Type of SSLCertStore (2 PFX file, 3 PFX blob, 6 PEM key file, 7 PEM key blob, 8/9 public key, 11/12 P7B, 99 auto).
pub const PIER_WSSERVER_PROP_SSLCERTSTORETYPE: i32 = 42;
/// WSServer property `SSLCertSubjectAltNames` (text, read-only): Comma-separated subject alternative names (DNS names, IP addresses, e-mail).
pub const PIER_WSSERVER_PROP_SSLCERTSUBJECTALTNAMES: i32 = 43;
/// WSServer property `SSLCertThumbprintMD5` (text, read-only): As SSLCertFingerprint.
pub const PIER_WSSERVER_PROP_SSLCERTTHUMBPRINTMD5: i32 = 44;
/// WSServer property `SSLCertThumbprintSHA1` (text, read-only): As SSLCertFingerprintSHA1.
pub const PIER_WSSERVER_PROP_SSLCERTTHUMBPRINTSHA1: i32 = 45;
/// WSServer property `SSLCertThumbprintSHA256` (text, read-only): As SSLCertFingerprintSHA256.
pub const PIER_WSSERVER_PROP_SSLCERTTHUMBPRINTSHA256: i32 = 46;
/// WSServer property `SSLCertUsage` (text, read-only): Key usage names, comma-separated (Digital Signature, Key Encipherment, ...).
pub const PIER_WSSERVER_PROP_SSLCERTUSAGE: i32 = 47;
/// WSServer property `SSLCertUsageFlags` (int, read-only): Key usage bits (0x80 digitalSignature ... 0x8000 decipherOnly).
pub const PIER_WSSERVER_PROP_SSLCERTUSAGEFLAGS: i32 = 48;
/// WSServer property `SSLCertVersion` (text, read-only): X.509 version of the selected certificate ("V3").
pub const PIER_WSSERVER_PROP_SSLCERTVERSION: i32 = 49;
/// WSServer property `SSLCertSubject` (text): Subject of the certificate to select (exact, then substring; "*" = the first); reads back the full subject.
pub const PIER_WSSERVER_PROP_SSLCERTSUBJECT: i32 = 50;
/// WSServer property `SSLCertEncoded` (binary): The selected certificate (PEM/Base64); setting it selects the matching certificate of the store.
pub const PIER_WSSERVER_PROP_SSLCERTENCODED: i32 = 51;
/// WSServer property `SSLProvider` (int, default 0, 0 to 2): TLS implementation (0 automatic, 1 platform, 2 internal); every value is served by rustls.
pub const PIER_WSSERVER_PROP_SSLPROVIDER: i32 = 52;
/// WSServer property `UseSSL` (bool, default False): Negotiate TLS with every client (wss://) with the SSLCert certificate.
pub const PIER_WSSERVER_PROP_USESSL: i32 = 53;

/// WSServer event `Connected` (params: `pier_wsserver_connected_params`): Fired when a WebSocket is open (after the 101 response).
pub const PIER_WSSERVER_EVENT_CONNECTED: i32 = 1;
/// WSServer event `ConnectionRequest` (params: `pier_wsserver_connectionrequest_params`): Fired when a client asks to connect (before TLS and the opening handshake); Accept is writable.
pub const PIER_WSSERVER_EVENT_CONNECTIONREQUEST: i32 = 2;
/// WSServer event `DataIn` (params: `pier_wsserver_datain_params`): Fired for each message piece (or whole message with BufferMessage, or line in line mode).
pub const PIER_WSSERVER_EVENT_DATAIN: i32 = 3;
/// WSServer event `Disconnected` (params: `pier_wsserver_disconnected_params`): Fired when a connection ends: the close code (1000 normal, 1006 closed without a Close frame, ...) and reason.
pub const PIER_WSSERVER_EVENT_DISCONNECTED: i32 = 4;
/// WSServer event `Error` (params: `pier_wsserver_error_params`): Fired for failures no return value can report (a protocol violation by the client, a failed read).
pub const PIER_WSSERVER_EVENT_ERROR: i32 = 5;
/// WSServer event `Log` (params: `pier_wsserver_log_params`): Fired for log lines at or under LogLevel (1 Info: requests and closes; 2 Verbose: request headers; 3 Debug: frames).
pub const PIER_WSSERVER_EVENT_LOG: i32 = 6;
/// WSServer event `Ping` (params: `pier_wsserver_ping_params`): Fired for a Ping (answered with a Pong already) or a Pong (Response True) from the client.
pub const PIER_WSSERVER_EVENT_PING: i32 = 7;
/// WSServer event `ReadyToSend` (params: `pier_wsserver_readytosend_params`): Fired once after the WebSocket opens and when the connection can take data again after 10035.
pub const PIER_WSSERVER_EVENT_READYTOSEND: i32 = 8;
/// WSServer event `SSLClientAuthentication` (params: `pier_wsserver_sslclientauthentication_params`): Fired when the client presents its certificate; Accept is writable.
pub const PIER_WSSERVER_EVENT_SSLCLIENTAUTHENTICATION: i32 = 9;
/// WSServer event `SSLConnectionRequest` (params: `pier_wsserver_sslconnectionrequest_params`): Fired when a TLS ClientHello arrives; the certificate fields are writable.
pub const PIER_WSSERVER_EVENT_SSLCONNECTIONREQUEST: i32 = 10;
/// WSServer event `SSLStatus` (params: `pier_wsserver_sslstatus_params`): Fired with TLS handshake progress messages.
pub const PIER_WSSERVER_EVENT_SSLSTATUS: i32 = 11;
/// WSServer event `WebSocketOpenRequest` (params: `pier_wsserver_websocketopenrequest_params`): Fired for the opening handshake; SubProtocols, StatusCode and ResponseHeaders are writable.
pub const PIER_WSSERVER_EVENT_WEBSOCKETOPENREQUEST: i32 = 12;
