//! The error type shared by every component, the references' error codes and
//! pier's own (docs/API.md §4, §8), and the mapping of OS errors to the references'
//! TCP/IP error table.

use std::fmt;
use std::io;

/// pier error 900: an internal error; a Rust panic was caught at the C boundary.
pub const PIER_ERR_INTERNAL: i32 = 900;
/// pier error 901: the handle is NULL, closed, or was never opened.
pub const PIER_ERR_INVALID_HANDLE: i32 = 901;
/// pier error 902: a required pointer argument is NULL.
pub const PIER_ERR_NULL_ARGUMENT: i32 = 902;
/// pier error 903: unknown property id.
pub const PIER_ERR_UNKNOWN_PROPERTY: i32 = 903;
/// pier error 904: unknown event id.
pub const PIER_ERR_UNKNOWN_EVENT: i32 = 904;
/// pier error 905: wrong type (e.g. set_int on a text property).
pub const PIER_ERR_WRONG_TYPE: i32 = 905;
/// pier error 906: invalid value (malformed or out of range; the value is left unchanged).
pub const PIER_ERR_INVALID_VALUE: i32 = 906;
/// pier error 907: the property or setting is read-only.
pub const PIER_ERR_READ_ONLY: i32 = 907;
/// pier error 908: unknown config setting.
pub const PIER_ERR_UNKNOWN_SETTING: i32 = 908;
/// pier error 909: do_doevents called from inside a callback of the same handle.
pub const PIER_ERR_REENTRANT: i32 = 909;
/// pier error 910: not supported on this platform or in this build.
pub const PIER_ERR_NOT_SUPPORTED: i32 = 910;
/// pier error 911: a blocking operation was ended by Interrupt.
pub const PIER_ERR_INTERRUPTED: i32 = 911;
/// pier error 912: a local file cannot be opened, read or written (the text says which and why).
pub const PIER_ERR_FILE: i32 = 912;
/// pier error 913: a position is out of range (e.g. ConnectionId at or beyond ConnectionCount).
pub const PIER_ERR_INDEX: i32 = 913;
/// pier error 914: the property is write-only (e.g. DataToSend).
pub const PIER_ERR_WRITE_ONLY: i32 = 914;
/// Reference error 104: already listening.
pub const PIER_ERR_ALREADY_LISTENING: i32 = 104;
/// Reference error 106: LocalPort cannot change while listening.
pub const PIER_ERR_LOCALPORT_LISTENING: i32 = 106;
/// Reference error 107: LocalHost cannot change while listening.
pub const PIER_ERR_LOCALHOST_LISTENING: i32 = 107;
/// Reference error 108: MaxConnections cannot change while listening.
pub const PIER_ERR_MAXCONNECTIONS_LISTENING: i32 = 108;
/// Reference error 126: invalid ConnectionId.
pub const PIER_ERR_INVALID_CONNECTION: i32 = 126;
/// TCP/IP error 10035: the operation would block; BytesSent says how much was taken.
pub const PIER_ERR_WOULD_BLOCK: i32 = 10035;
/// TCP/IP error 10048: address already in use.
pub const PIER_ERR_ADDRESS_IN_USE: i32 = 10048;
/// TCP/IP error 10054: connection reset by peer.
pub const PIER_ERR_CONNECTION_RESET: i32 = 10054;
/// TCP/IP error 10060: timed out (a blocking send, an idle timeout).
pub const PIER_ERR_TIMED_OUT: i32 = 10060;

/// Short names for the codes, for use inside the crate.
pub(crate) mod codes {
    pub(crate) const INTERNAL: i32 = super::PIER_ERR_INTERNAL;
    pub(crate) const INVALID_HANDLE: i32 = super::PIER_ERR_INVALID_HANDLE;
    pub(crate) const NULL_ARGUMENT: i32 = super::PIER_ERR_NULL_ARGUMENT;
    pub(crate) const UNKNOWN_PROPERTY: i32 = super::PIER_ERR_UNKNOWN_PROPERTY;
    pub(crate) const UNKNOWN_EVENT: i32 = super::PIER_ERR_UNKNOWN_EVENT;
    pub(crate) const WRONG_TYPE: i32 = super::PIER_ERR_WRONG_TYPE;
    pub(crate) const INVALID_VALUE: i32 = super::PIER_ERR_INVALID_VALUE;
    pub(crate) const READ_ONLY: i32 = super::PIER_ERR_READ_ONLY;
    pub(crate) const UNKNOWN_SETTING: i32 = super::PIER_ERR_UNKNOWN_SETTING;
    pub(crate) const REENTRANT: i32 = super::PIER_ERR_REENTRANT;
    pub(crate) const NOT_SUPPORTED: i32 = super::PIER_ERR_NOT_SUPPORTED;
    pub(crate) const INTERRUPTED: i32 = super::PIER_ERR_INTERRUPTED;
    pub(crate) const FILE: i32 = super::PIER_ERR_FILE;
    pub(crate) const INDEX: i32 = super::PIER_ERR_INDEX;
    pub(crate) const WRITE_ONLY: i32 = super::PIER_ERR_WRITE_ONLY;
    pub(crate) const ALREADY_LISTENING: i32 = super::PIER_ERR_ALREADY_LISTENING;
    pub(crate) const LOCALPORT_WHILE_LISTENING: i32 = super::PIER_ERR_LOCALPORT_LISTENING;
    pub(crate) const LOCALHOST_WHILE_LISTENING: i32 = super::PIER_ERR_LOCALHOST_LISTENING;
    pub(crate) const MAXCONN_WHILE_LISTENING: i32 = super::PIER_ERR_MAXCONNECTIONS_LISTENING;
    pub(crate) const INVALID_CONNECTION: i32 = super::PIER_ERR_INVALID_CONNECTION;
    pub(crate) const WOULD_BLOCK: i32 = super::PIER_ERR_WOULD_BLOCK;
    pub(crate) const TIMED_OUT: i32 = super::PIER_ERR_TIMED_OUT;
}

/// An error with one of the references' codes (or pier's own) and a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: i32,
    pub text: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: i32, text: impl Into<String>) -> Self {
        Error { code, text: text.into() }
    }

    /// An error whose text is the standard text of its code.
    pub fn code(code: i32) -> Self {
        Error { code, text: strerror(code).to_string() }
    }

    pub fn invalid_value(text: impl Into<String>) -> Self {
        Error::new(codes::INVALID_VALUE, text)
    }

    pub fn file(text: impl Into<String>) -> Self {
        Error::new(codes::FILE, text)
    }

    /// Maps an OS error to the references' TCP/IP error table.
    pub fn from_io(e: &io::Error) -> Self {
        let code = wsa_code(e);
        Error { code, text: format!("[{code}] {}", strerror(code)) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.text)
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::from_io(&e)
    }
}

/// The references' TCP/IP code (Winsock numbering) for an OS error.
pub fn wsa_code(e: &io::Error) -> i32 {
    match e.kind() {
        io::ErrorKind::WouldBlock => return 10035,
        io::ErrorKind::TimedOut => return 10060,
        _ => {}
    }
    let Some(errno) = e.raw_os_error() else {
        return match e.kind() {
            io::ErrorKind::ConnectionReset => 10054,
            io::ErrorKind::ConnectionAborted => 10053,
            io::ErrorKind::ConnectionRefused => 10061,
            io::ErrorKind::NotConnected => 10057,
            io::ErrorKind::AddrInUse => 10048,
            io::ErrorKind::AddrNotAvailable => 10049,
            io::ErrorKind::BrokenPipe => 10058,
            io::ErrorKind::InvalidInput => 10022,
            io::ErrorKind::PermissionDenied => 10013,
            io::ErrorKind::UnexpectedEof => 10054,
            _ => codes::INTERNAL,
        };
    };
    errno_to_wsa(errno)
}

/// errno -> Winsock-style code, as the references list them.
pub fn errno_to_wsa(errno: i32) -> i32 {
    match errno {
        libc::EINTR => 10004,
        libc::EBADF => 10009,
        libc::EACCES | libc::EPERM => 10013,
        libc::EFAULT => 10014,
        libc::EINVAL => 10022,
        libc::EMFILE | libc::ENFILE => 10024,
        libc::EAGAIN => 10035,
        libc::EINPROGRESS => 10036,
        libc::EALREADY => 10037,
        libc::ENOTSOCK => 10038,
        libc::EDESTADDRREQ => 10039,
        libc::EMSGSIZE => 10040,
        libc::EPROTOTYPE => 10041,
        libc::ENOPROTOOPT => 10042,
        libc::EPROTONOSUPPORT => 10043,
        libc::ESOCKTNOSUPPORT => 10044,
        libc::EOPNOTSUPP => 10045,
        libc::EPFNOSUPPORT => 10046,
        libc::EAFNOSUPPORT => 10047,
        libc::EADDRINUSE => 10048,
        libc::EADDRNOTAVAIL => 10049,
        libc::ENETDOWN => 10050,
        libc::ENETUNREACH => 10051,
        libc::ENETRESET => 10052,
        libc::ECONNABORTED => 10053,
        libc::ECONNRESET => 10054,
        libc::ENOBUFS | libc::ENOMEM => 10055,
        libc::EISCONN => 10056,
        libc::ENOTCONN => 10057,
        libc::ESHUTDOWN | libc::EPIPE => 10058,
        libc::ETOOMANYREFS => 10059,
        libc::ETIMEDOUT => 10060,
        libc::ECONNREFUSED => 10061,
        libc::ELOOP => 10062,
        libc::ENAMETOOLONG => 10063,
        libc::EHOSTDOWN => 10064,
        libc::EHOSTUNREACH => 10065,
        libc::ENOTEMPTY => 10066,
        libc::EUSERS => 10068,
        libc::EDQUOT => 10069,
        libc::ESTALE => 10070,
        libc::EREMOTE => 10071,
        _ => 10022,
    }
}

/// The standard text of any code pier returns.
pub fn strerror(code: i32) -> &'static str {
    match code {
        0 => "OK",
        // pier's own
        900 => "Internal error (a panic was caught at the C boundary)",
        901 => "Invalid handle (NULL, closed, or never opened)",
        902 => "NULL argument",
        903 => "Unknown property id",
        904 => "Unknown event id",
        905 => "Wrong type for this property",
        906 => "Invalid value",
        907 => "Read-only property or setting",
        908 => "Unknown config setting",
        909 => "Re-entrant call from inside a callback",
        910 => "Not supported on this platform",
        911 => "Interrupted",
        912 => "Local file error",
        913 => "Index out of range",
        914 => "Write-only property",
        // TCPServer / UDP
        100 => "You cannot change the RemotePort at this time. A connection is in progress.",
        101 => "You cannot change the RemoteHost at this time. A connection is in progress.",
        102 => "The RemoteHost address is invalid (0.0.0.0).",
        104 => "Already listening.",
        106 => "Cannot change LocalPort while listening.",
        107 => "Cannot change LocalHost while listening.",
        108 => "Cannot change MaxConnections while listening.",
        109 => "The component must be active for this operation.",
        112 => "You cannot change this value at this time.",
        113 => "Cannot change ShareLocalPort option while the component is active.",
        116 => "RemotePort cannot be zero.",
        117 => "Cannot change UseConnection while the component is active.",
        118 => "Message can't be longer than MaxPacketSize.",
        119 => "Message too short.",
        // TFTPServer
        122 => "Packet too large.",
        123 => "Wrong response type.",
        124 => "Server error.",
        125 => "Invalid response.",
        126 => "Invalid ConnectionId.",
        127 => "Can't open local file.",
        128 => "Can't write to local file.",
        129 => "Can't read local file.",
        130 => "Busy performing the current transfer.",
        135 => "Operation would block.",
        301 => "Timeout while waiting for peer.",
        305 => "Peer error.",
        306 => "Wrong or invalid packet type received.",
        307 => "Invalid packet received.",
        // OFTPServer (docs/OFTP.md "Errors": the reference lists 675 twice;
        // the unknown SFID takes the free 676)
        671 => "OFTP protocol error.",
        672 => "ServerSSIDCode must be set before listening.",
        673 => "ServerSFIDCode must be set before listening.",
        675 => "Session terminated by client: unknown SSID.",
        676 => "Session terminated by client: unknown SFID.",
        677 => "Session terminated by client: unknown password.",
        678 => "Error building packet to send.",
        679 => "Error reading file specified.",
        680 => "Invalid date timestamp.",
        681 => "Local file exists and overwrite is set to false.",
        682 => "Invalid hash value.",
        683 => "Invalid signature.",
        684 => "Cryptographic operation failed.",
        685 => "No encryption certificate was specified.",
        686 => "No signing certificate was specified.",
        687 => "Send failed.",
        688 => "The requested feature is only supported in OFTP version 2.0.",
        689 => "A required certificate was not provided.",
        690 => "Invalid certificate.",
        691 => "Failed to import trusted certificates.",
        // WSServer
        4202 => "Error sending data to the connected client.",
        // SSL
        270 => "Cannot load specified security library.",
        271 => "Cannot open certificate store.",
        272 => "Cannot find specified certificate.",
        273 => "Cannot acquire security credentials.",
        274 => "Cannot find certificate chain.",
        275 => "Cannot verify certificate chain.",
        276 => "Error during handshake.",
        280 => "Error verifying certificate.",
        281 => "Could not find client certificate.",
        282 => "Could not find server certificate.",
        283 => "Error encrypting data.",
        284 => "Error decrypting data.",
        // TCP/IP
        10004 => "Interrupted system call.",
        10009 => "Bad file number.",
        10013 => "Access denied.",
        10014 => "Bad address.",
        10022 => "Invalid argument.",
        10024 => "Too many open files.",
        10035 => "Operation would block.",
        10036 => "Operation now in progress.",
        10037 => "Operation already in progress.",
        10038 => "Socket operation on non-socket.",
        10039 => "Destination address required.",
        10040 => "Message too long.",
        10041 => "Protocol wrong type for socket.",
        10042 => "Bad protocol option.",
        10043 => "Protocol not supported.",
        10044 => "Socket type not supported.",
        10045 => "Operation not supported on socket.",
        10046 => "Protocol family not supported.",
        10047 => "Address family not supported by protocol family.",
        10048 => "Address already in use.",
        10049 => "Can't assign requested address.",
        10050 => "Network is down.",
        10051 => "Network is unreachable.",
        10052 => "Net dropped connection or reset.",
        10053 => "Software caused connection abort.",
        10054 => "Connection reset by peer.",
        10055 => "No buffer space available.",
        10056 => "Socket is already connected.",
        10057 => "Socket is not connected.",
        10058 => "Can't send after socket shutdown.",
        10059 => "Too many references, can't splice.",
        10060 => "Connection timed out.",
        10061 => "Connection refused.",
        10062 => "Too many levels of symbolic links.",
        10063 => "File name too long.",
        10064 => "Host is down.",
        10065 => "No route to host.",
        10066 => "Directory not empty",
        10067 => "Too many processes.",
        10068 => "Too many users.",
        10069 => "Disc Quota Exceeded.",
        10070 => "Stale NFS file handle.",
        10071 => "Too many levels of remote in path.",
        10091 => "Network subsystem is unavailable.",
        11001 => "Host not found.",
        11002 => "Non-authoritative 'Host not found' (try again or check DNS setup).",
        11003 => "Non-recoverable errors: FORMERR, REFUSED, NOTIMP.",
        11004 => "Valid name, no data record (check DNS setup).",
        _ => "Unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_map_to_the_tcpip_table() {
        assert_eq!(wsa_code(&io::Error::from_raw_os_error(::libc::ECONNRESET)), 10054);
        assert_eq!(wsa_code(&io::Error::from_raw_os_error(::libc::EADDRINUSE)), 10048);
        assert_eq!(wsa_code(&io::Error::from_raw_os_error(::libc::ECONNREFUSED)), 10061);
        assert_eq!(wsa_code(&io::ErrorKind::WouldBlock.into()), 10035);
        let e = Error::from_io(&io::Error::from_raw_os_error(::libc::EADDRINUSE));
        assert_eq!(e.text, "[10048] Address already in use.");
    }
}
