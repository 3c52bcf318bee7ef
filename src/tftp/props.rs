//! TFTPServer property and event ids: the ABI (API.md §2), declared once.
//! The ids are the procedural reference's own (tftpserver-procedural-interface.txt),
//! gaps included: 3 and 10 belong to the reference's stream fields, which have
//! no procedural form. The constants land in `pier.h`; the tables feed the
//! generic FFI checks.

use crate::{event_table, prop_table};

/// TFTPServer property `ConnCount` (int, read-only): Number of transfers in progress; ConnConnectionId positions run 0..ConnCount-1.
pub const PIER_TFTPSERVER_PROP_CONNCOUNT: i32 = 1;
/// TFTPServer property `ConnConnectionId` (text, by position, read-only): The connection id (decimal text) at position index (0..ConnCount-1).
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
/// TFTPServer property `Listening` (bool): Whether the server accepts requests; setting it starts or stops listening.
pub const PIER_TFTPSERVER_PROP_LISTENING: i32 = 11;
/// TFTPServer property `LocalDir` (text): Directory to serve ("" = serve from events: ConnFileData, ConnLocalFile, Transfer).
pub const PIER_TFTPSERVER_PROP_LOCALDIR: i32 = 12;
/// TFTPServer property `LocalHost` (text): Local interface to listen on ("" = every interface).
pub const PIER_TFTPSERVER_PROP_LOCALHOST: i32 = 13;
/// TFTPServer property `LocalPort` (int): UDP port to listen on (default 69; 0 = the system picks one, readable once listening).
pub const PIER_TFTPSERVER_PROP_LOCALPORT: i32 = 14;
/// TFTPServer property `MaxRetransmits` (int): Retransmissions without progress before a transfer fails with 301 (default 3).
pub const PIER_TFTPSERVER_PROP_MAXRETRANSMITS: i32 = 15;
/// TFTPServer property `RetransmitTimeout` (int): Seconds to wait for a reply before retransmitting (default 5; a client's timeout option overrides it).
pub const PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT: i32 = 16;
/// TFTPServer property `Timeout` (int): Seconds without progress after which a transfer fails with 301 (default 60; 0 = never).
pub const PIER_TFTPSERVER_PROP_TIMEOUT: i32 = 17;

/// TFTPServer event `Connected`: Fired when an accepted request becomes a connection (status 0 / "OK").
pub const PIER_TFTPSERVER_EVENT_CONNECTED: i32 = 1;
/// TFTPServer event `ConnectionRequest`: Fired for each RRQ/WRQ before a connection exists; Accept is writable.
pub const PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST: i32 = 2;
/// TFTPServer event `Disconnected`: Fired when a connection ends (status 0 / "OK", or the error code and text).
pub const PIER_TFTPSERVER_EVENT_DISCONNECTED: i32 = 3;
/// TFTPServer event `EndTransfer`: Fired when a transfer has completed successfully.
pub const PIER_TFTPSERVER_EVENT_ENDTRANSFER: i32 = 4;
/// TFTPServer event `Error`: Fired for asynchronous failures (timeouts, peer errors, local file errors) before the Disconnected they cause.
pub const PIER_TFTPSERVER_EVENT_ERROR: i32 = 5;
/// TFTPServer event `Log`: Fired for each log message allowed by the LogLevel setting.
pub const PIER_TFTPSERVER_EVENT_LOG: i32 = 6;
/// TFTPServer event `StartTransfer`: Fired before the first packet of a transfer; ConnFileData / ConnLocalFile may be set here.
pub const PIER_TFTPSERVER_EVENT_STARTTRANSFER: i32 = 7;
/// TFTPServer event `Transfer`: Fired as data moves (per block or per window), with the data and the progress.
pub const PIER_TFTPSERVER_EVENT_TRANSFER: i32 = 8;

prop_table!(PROPS;
    (PIER_TFTPSERVER_PROP_CONNCOUNT, "ConnCount", Int, ReadOnly, No),
    (PIER_TFTPSERVER_PROP_CONNCONNECTIONID, "ConnConnectionId", Text, ReadOnly, ByPosition),
    (PIER_TFTPSERVER_PROP_CONNFILEDATA, "ConnFileData", Binary, ReadWrite, ByConnection),
    (PIER_TFTPSERVER_PROP_CONNFILENAME, "ConnFilename", Text, ReadOnly, ByConnection),
    (PIER_TFTPSERVER_PROP_CONNLOCALFILE, "ConnLocalFile", Text, ReadWrite, ByConnection),
    (PIER_TFTPSERVER_PROP_CONNREMOTEHOST, "ConnRemoteHost", Text, ReadOnly, ByConnection),
    (PIER_TFTPSERVER_PROP_CONNREMOTEPORT, "ConnRemotePort", Int, ReadOnly, ByConnection),
    (PIER_TFTPSERVER_PROP_CONNTRANSFERMODE, "ConnTransferMode", Text, ReadOnly, ByConnection),
    (PIER_TFTPSERVER_PROP_LISTENING, "Listening", Bool, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_LOCALDIR, "LocalDir", Text, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_LOCALHOST, "LocalHost", Text, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_LOCALPORT, "LocalPort", Int, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_MAXRETRANSMITS, "MaxRetransmits", Int, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, "RetransmitTimeout", Int, ReadWrite, No),
    (PIER_TFTPSERVER_PROP_TIMEOUT, "Timeout", Int, ReadWrite, No),
);

event_table!(EVENTS;
    (PIER_TFTPSERVER_EVENT_CONNECTED, "Connected"),
    (PIER_TFTPSERVER_EVENT_CONNECTIONREQUEST, "ConnectionRequest"),
    (PIER_TFTPSERVER_EVENT_DISCONNECTED, "Disconnected"),
    (PIER_TFTPSERVER_EVENT_ENDTRANSFER, "EndTransfer"),
    (PIER_TFTPSERVER_EVENT_ERROR, "Error"),
    (PIER_TFTPSERVER_EVENT_LOG, "Log"),
    (PIER_TFTPSERVER_EVENT_STARTTRANSFER, "StartTransfer"),
    (PIER_TFTPSERVER_EVENT_TRANSFER, "Transfer"),
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::props::check_table_naming;

    #[test]
    fn ids_are_the_procedural_references_own() {
        let p: Vec<_> = PROPS.iter().map(|d| (d.id, d.name, d.const_name)).collect();
        check_table_naming("PIER_TFTPSERVER_PROP_", &p, true).unwrap();
        let ids: Vec<i32> = PROPS.iter().map(|d| d.id).collect();
        assert_eq!(ids, [1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17]);
        let e: Vec<_> = EVENTS.iter().map(|d| (d.id, d.name, d.const_name)).collect();
        check_table_naming("PIER_TFTPSERVER_EVENT_", &e, false).unwrap();
        assert_eq!(EVENTS.len(), 8);
    }
}
