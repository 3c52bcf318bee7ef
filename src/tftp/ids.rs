//! TFTPServer property and event ids: the ABI (docs/API.md §2). Generated from the
//! tables in `props.rs` by its tests; do not edit (`PIER_BLESS=1 cargo test` rewrites it).
//! cbindgen turns these into the header's constants and their doc comments.

/// TFTPServer property `ConnCount` (int, read-only, default 0): Number of transfers in progress; ConnConnectionId positions run 0..ConnCount-1.
pub const PIER_TFTPSERVER_PROP_CONNCOUNT: i32 = 1;
/// TFTPServer property `ConnConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond.
pub const PIER_TFTPSERVER_PROP_CONNCONNECTIONID: i32 = 2;
/// TFTPServer property `ConnFileData` (binary, per connection): Data to send for a download (RRQ); set it during Connected or StartTransfer.
pub const PIER_TFTPSERVER_PROP_CONNFILEDATA: i32 = 4;
/// TFTPServer property `ConnFilename` (text, per connection, read-only): The file name the client asked for.
pub const PIER_TFTPSERVER_PROP_CONNFILENAME: i32 = 5;
/// TFTPServer property `ConnLocalFile` (text, per connection): Local file to send (RRQ) or to write (WRQ, atomically); set it during Connected or StartTransfer.
pub const PIER_TFTPSERVER_PROP_CONNLOCALFILE: i32 = 6;
/// TFTPServer property `ConnRemoteHost` (text, per connection, read-only): IP address of the client.
pub const PIER_TFTPSERVER_PROP_CONNREMOTEHOST: i32 = 7;
/// TFTPServer property `ConnRemotePort` (int, per connection, read-only): UDP port (TID) of the client.
pub const PIER_TFTPSERVER_PROP_CONNREMOTEPORT: i32 = 8;
/// TFTPServer property `ConnTransferMode` (text, per connection, read-only): "octet" or "netascii".
pub const PIER_TFTPSERVER_PROP_CONNTRANSFERMODE: i32 = 9;
/// TFTPServer property `Listening` (bool, default False): Whether the server accepts requests; setting it starts or stops listening.
pub const PIER_TFTPSERVER_PROP_LISTENING: i32 = 11;
/// TFTPServer property `LocalDir` (text): Directory to serve ("" = serve from events: ConnFileData, ConnLocalFile, Transfer).
pub const PIER_TFTPSERVER_PROP_LOCALDIR: i32 = 12;
/// TFTPServer property `LocalHost` (text): Local interface to listen on ("" = every interface); 107 while listening.
pub const PIER_TFTPSERVER_PROP_LOCALHOST: i32 = 13;
/// TFTPServer property `LocalPort` (int, default 69, 0 to 65535): UDP port to listen on (0 = the system picks one, readable once listening); 106 while listening.
pub const PIER_TFTPSERVER_PROP_LOCALPORT: i32 = 14;
/// TFTPServer property `MaxRetransmits` (int, default 3, 0 to 1000): Retransmissions without progress before a transfer fails with 301.
pub const PIER_TFTPSERVER_PROP_MAXRETRANSMITS: i32 = 15;
/// TFTPServer property `RetransmitTimeout` (int, default 5, 1 to 3600): Seconds to wait for a reply before retransmitting (a client's timeout option overrides it).
pub const PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT: i32 = 16;
/// TFTPServer property `Timeout` (int, default 60, 0 to 4294967295): Seconds without progress after which a transfer fails with 301 (0 = never).
pub const PIER_TFTPSERVER_PROP_TIMEOUT: i32 = 17;

/// TFTPServer event `Connected` (params: `pier_tftpserver_connected_params`): Fired when an accepted request becomes a connection (status 0 / "OK").
pub const PIER_TFTPSERVER_EVENT_CONNECTED: i32 = 1;
/// TFTPServer event `ConnectionRequest` (params: `pier_tftpserver_connectionrequest_params`): Fired for each RRQ/WRQ before a connection exists; Accept is writable.
pub const PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST: i32 = 2;
/// TFTPServer event `Disconnected` (params: `pier_tftpserver_disconnected_params`): Fired when a connection ends (status 0 / "OK", or the error code and text).
pub const PIER_TFTPSERVER_EVENT_DISCONNECTED: i32 = 3;
/// TFTPServer event `EndTransfer` (params: `pier_tftpserver_endtransfer_params`): Fired when a transfer has completed successfully.
pub const PIER_TFTPSERVER_EVENT_ENDTRANSFER: i32 = 4;
/// TFTPServer event `Error` (params: `pier_tftpserver_error_params`): Fired for asynchronous failures (timeouts, peer errors, local file errors) before the Disconnected they cause.
pub const PIER_TFTPSERVER_EVENT_ERROR: i32 = 5;
/// TFTPServer event `Log` (params: `pier_tftpserver_log_params`): Fired for each log message allowed by the LogLevel setting.
pub const PIER_TFTPSERVER_EVENT_LOG: i32 = 6;
/// TFTPServer event `StartTransfer` (params: `pier_tftpserver_starttransfer_params`): Fired before the first packet of a transfer; ConnFileData / ConnLocalFile may be set here.
pub const PIER_TFTPSERVER_EVENT_STARTTRANSFER: i32 = 7;
/// TFTPServer event `Transfer` (params: `pier_tftpserver_transfer_params`): Fired as data moves (per block or per window), with the data and the progress.
pub const PIER_TFTPSERVER_EVENT_TRANSFER: i32 = 8;
