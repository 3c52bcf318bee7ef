//! TFTPServer's declaration: properties (ids are the procedural
//! reference's own, gaps included: 3 and 10 belong to the reference's
//! stream fields, which have no procedural form), events and config
//! settings. The header's id constants (`ids.rs`) and
//! docs/reference/tftpserver.md are generated from these rows; the tests
//! below keep them fresh.

pub use super::ids::*;
/// `get`, `set` and `config` of the component's server.
pub use crate::core::component::Declared;
use crate::core::props::{event, prop, setting, EventDef, PerConn, PropDef, SettingDef, Tables, I32, U32};
use crate::core::reference::Component;
use crate::core::value::PropType::{Binary, Bool, Int, Text};
use crate::stream::props::BASE_SETTINGS;

/// TFTPServer's names for its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TftpProp {
    ConnCount,
    ConnConnectionId,
    ConnFileData,
    ConnFilename,
    ConnLocalFile,
    ConnRemoteHost,
    ConnRemotePort,
    ConnTransferMode,
    Listening,
    LocalDir,
    LocalHost,
    LocalPort,
    MaxRetransmits,
    RetransmitTimeout,
    Timeout,
}
use TftpProp as P;

pub static PROPS: &[PropDef<TftpProp>] = &[
    prop(1, "ConnCount", Int, P::ConnCount)
        .read_only()
        .default("0")
        .doc("Number of transfers in progress; ConnConnectionId positions run 0..ConnCount-1."),
    prop(2, "ConnConnectionId", Text, P::ConnConnectionId)
        .by_position()
        .read_only()
        .doc("The connection id (decimal text) at position index (0..ConnCount-1); 913 beyond."),
    prop(4, "ConnFileData", Binary, P::ConnFileData)
        .per_conn()
        .doc("Data to send for a download (RRQ); set it during Connected or StartTransfer."),
    prop(5, "ConnFilename", Text, P::ConnFilename).per_conn().read_only().doc("The file name the client asked for."),
    prop(6, "ConnLocalFile", Text, P::ConnLocalFile)
        .per_conn()
        .doc("Local file to send (RRQ) or to write (WRQ, atomically); set it during Connected or StartTransfer."),
    prop(7, "ConnRemoteHost", Text, P::ConnRemoteHost).per_conn().read_only().doc("IP address of the client."),
    prop(8, "ConnRemotePort", Int, P::ConnRemotePort).per_conn().read_only().doc("UDP port (TID) of the client."),
    prop(9, "ConnTransferMode", Text, P::ConnTransferMode).per_conn().read_only().doc("\"octet\" or \"netascii\"."),
    prop(11, "Listening", Bool, P::Listening)
        .default("False")
        .doc("Whether the server accepts requests; setting it starts or stops listening."),
    prop(12, "LocalDir", Text, P::LocalDir)
        .doc("Directory to serve (\"\" = serve from events: ConnFileData, ConnLocalFile, Transfer)."),
    prop(13, "LocalHost", Text, P::LocalHost)
        .doc("Local interface to listen on (\"\" = every interface); 107 while listening."),
    prop(14, "LocalPort", Int, P::LocalPort)
        .default("69")
        .range(0, 65535)
        .doc("UDP port to listen on (0 = the system picks one, readable once listening); 106 while listening."),
    prop(15, "MaxRetransmits", Int, P::MaxRetransmits)
        .default("3")
        .range(0, 1000)
        .doc("Retransmissions without progress before a transfer fails with 301."),
    prop(16, "RetransmitTimeout", Int, P::RetransmitTimeout)
        .default("5")
        .range(1, 3600)
        .doc("Seconds to wait for a reply before retransmitting (a client's timeout option overrides it)."),
    prop(17, "Timeout", Int, P::Timeout)
        .default("60")
        .range(0, U32)
        .doc("Seconds without progress after which a transfer fails with 301 (0 = never)."),
];

pub static EVENTS: &[EventDef] = &[
    event(1, "Connected", "Fired when an accepted request becomes a connection (status 0 / \"OK\")."),
    event(2, "ConnectionRequest", "Fired for each RRQ/WRQ before a connection exists; Accept is writable."),
    event(3, "Disconnected", "Fired when a connection ends (status 0 / \"OK\", or the error code and text)."),
    event(4, "EndTransfer", "Fired when a transfer has completed successfully."),
    event(5, "Error", "Fired for asynchronous failures (timeouts, peer errors, local file errors) before the Disconnected they cause."),
    event(6, "Log", "Fired for each log message allowed by the LogLevel setting."),
    event(7, "StartTransfer", "Fired before the first packet of a transfer; ConnFileData / ConnLocalFile may be set here."),
    event(8, "Transfer", "Fired as data moves (per block or per window), with the data and the progress."),
];

/// TFTPServer, UDP and socket settings of the reference, and pier's own
/// (docs/TFTP.md says what each does).
pub static TFTP_SETTINGS: &[SettingDef] = &[
    setting("DefaultRollOverNumber", Int).default("0").range(0, 1).doc("The block number after 65535: 0 (default) or 1."),
    setting("CaptureIPPacketInfo", Bool).default("False").doc("True: replies leave from the address each request was sent to (IP_PKTINFO), for multi-homed hosts; takes effect at StartListening."),
    setting("DestinationAddress", Text).read_only().per_conn(PerConn::Optional).doc("With CaptureIPPacketInfo: the destination address of the last request, or of a connection's."),
    setting("DontFragment", Bool).default("False").doc("True sets the Don't Fragment flag on outgoing packets."),
    setting("LocalHost", Text).doc("As the LocalHost property; 107 while listening."),
    setting("LocalPort", Int).default("69").range(0, 65535).doc("As the LocalPort property; 106 while listening."),
    setting("MaxPacketSize", Int).default("65468").range(12, 65536).doc("The largest datagram accepted; blksize ≤ MaxPacketSize − 4; 112 while listening."),
    setting("QOSDSCPValue", Int).default("0").range(0, 63).doc("DSCP of every packet (IP_TOS); wins over QOSTrafficType."),
    setting("QOSTrafficType", Text).default("0").doc("BestEffort 0, Background 1, ExcellentEffort 2, AudioVideo 3, Voice 4, Control 5 (names or numbers), mapped to qWAVE's DSCP."),
    setting("ShareLocalPort", Bool).default("False").doc("SO_REUSEPORT: several handles on one port; 113 while listening."),
    setting("SourceIPAddress", Text).doc("Windows + WinPcap only: \"\" is accepted, any other value fails with 910."),
    setting("SourceMacAddress", Text).doc("Windows + WinPcap only: \"\" is accepted, any other value fails with 910."),
    setting("UseConnection", Bool).default("False").doc("True connects each transfer's socket to its client (other TIDs are dropped by the kernel); 117 while listening."),
    setting("UseIPv6", Text).default("0").doc("False/0 IPv4, True/1 IPv6, 2 both (dual stack); reads back 0, 1 or 2."),
    setting("AbsoluteTimeout", Bool).default("False").doc("Accepted, stored, read back; no effect (not valid for UDP)."),
    setting("FirewallData", Text).doc("Accepted, stored, read back; no effect."),
    setting("InBufferSize", Int).default("0").range(0, I32).doc("SO_RCVBUF of every socket (0 = system default)."),
    setting("OutBufferSize", Int).default("0").range(0, I32).doc("SO_SNDBUF of every socket (0 = system default)."),
    setting("DelayHostResolution", Bool).default("False").doc("Accepted, stored, read back; no effect (nothing to resolve)."),
    setting("ProcessIdleEvents", Bool).default("True").doc("Accepted, stored, read back; no effect."),
    setting("GUIAvailable", Bool).default("True").doc("Accepted, stored, read back; no effect."),
    setting("UseDaemonThreads", Bool).default("False").doc("Accepted, stored, read back; no effect (pier starts no threads)."),
    setting("LogLevel", Int).default("1").range(0, 3).doc("Log events: 0 none, 1 info, 2 verbose, 3 debug."),
    setting("SinglePortMode", Bool).default("False").doc("pier: every transfer is answered from the listening port (for clients behind NAT); takes effect at StartListening."),
    setting("ClientPolicy", Text).doc("pier: caps blksize and windowsize per client: `<clients>:<key>=<value>[,...]` rules separated by `;` (docs/TFTP.md). Example: `ClientPolicy=10.1.0.0/16:blksize=512,windowsize=1`."),
    setting("WindowSize", Int).default("64").range(1, 65535).doc("pier: the largest windowsize (RFC 7440) acknowledged."),
    setting("AllowOverwrite", Bool).default("True").doc("pier: False refuses uploads over existing files under LocalDir with ERROR 6."),
    setting("Stats", Text).read_only().doc("pier: `requests=N refused=N active=N completed=N failed=N bytes_sent=N bytes_received=N wrong_tid=N malformed=N`."),
];

/// The error codes TFTPServer raises, for its reference page.
pub static ERRORS: &[i32] = &[
    0, 104, 106, 107, 112, 113, 117, 118, 119, 122, 123, 124, 125, 126, 127, 128, 129, 130, 135, 301, 305, 306, 307,
    900, 901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 911, 912, 913, 914, 10013, 10022, 10024, 10048, 10049,
    10055,
];

/// The declaration: what the checks, the header's ids and the reference
/// page come from.
pub static TABLES: Tables<TftpProp> = Tables {
    props: PROPS,
    events: EVENTS,
    settings: &[("TFTPServer, UDP and socket settings", TFTP_SETTINGS), ("Base settings", BASE_SETTINGS)],
};

/// The generators' view of the tables.
pub fn component() -> Component<'static, TftpProp> {
    Component {
        title: "TFTPServer",
        prefix: "TFTPSERVER",
        intro: "A TFTP server (RFC 1350 with the option extensions of RFC 2347–2349 and windowsize, \
                RFC 7440) that serves a directory (LocalDir) or data the application provides from \
                its events; every transfer is a connection with its own port (TID). Decisions: \
                docs/TFTP.md. Example: `examples-c/tftp_server.c`.",
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
    fn ids_are_the_procedural_references_own() {
        let p: Vec<_> = PROPS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&p, true).unwrap();
        let ids: Vec<i32> = PROPS.iter().map(|d| d.id).collect();
        assert_eq!(ids, [1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17]);
        let e: Vec<_> = EVENTS.iter().map(|d| (d.id, d.name)).collect();
        check_ids(&e, false).unwrap();
        assert_eq!(EVENTS.len(), 8);
    }

    #[test]
    fn generated_ids_and_reference_page_are_fresh_and_documented() {
        check_component(&component(), "src/tftp/ids.rs", "docs/reference/tftpserver.md").unwrap();
    }
}
