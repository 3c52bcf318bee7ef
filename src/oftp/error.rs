//! The codec's error: what went wrong, which ESID reason the session answers
//! it with (RFC 5024 §5.3.11), and which component error code it reports.

use std::fmt;

use super::reason::EsidReason;
use super::Level;
use crate::core::error::Error;

/// Component error 671: OFTP protocol error (the reference's table).
pub const OFTP_ERR_PROTOCOL: i32 = 671;
/// Component error 675: session terminated by client, unknown SSID (a
/// received ESID 03).
pub const OFTP_ERR_UNKNOWN_SSID: i32 = 675;
/// Component error 677: session terminated by client, unknown password (a
/// received ESID 04).
pub const OFTP_ERR_UNKNOWN_PASSWORD: i32 = 677;
/// Component error 678: error building packet to send.
pub const OFTP_ERR_BUILD: i32 = 678;
/// Component error 680: invalid date timestamp.
pub const OFTP_ERR_DATE: i32 = 680;
/// Component error 672: no ServerSSIDCode at StartListening.
pub const OFTP_ERR_NO_SSID: i32 = 672;
/// Component error 673: no ServerSFIDCode at StartListening.
pub const OFTP_ERR_NO_SFID: i32 = 673;
/// Component error 679: the file to send cannot be read.
pub const OFTP_ERR_READ_FILE: i32 = 679;
/// Component error 681: the local file exists and Overwrite is False.
pub const OFTP_ERR_FILE_EXISTS: i32 = 681;
/// Component error 682: invalid hash value (a receipt's or a file's hash
/// does not match).
pub const OFTP_ERR_HASH: i32 = 682;
/// Component error 683: invalid signature.
pub const OFTP_ERR_SIGNATURE: i32 = 683;
/// Component error 684: a cryptographic operation failed (CMS that cannot
/// be decrypted or parsed).
pub const OFTP_ERR_CRYPTO: i32 = 684;
/// Component error 685: no encryption certificate was specified.
pub const OFTP_ERR_NO_ENCRYPTION_CERT: i32 = 685;
/// Component error 686: no signing certificate was specified.
pub const OFTP_ERR_NO_SIGNING_CERT: i32 = 686;
/// Component error 688: the feature is only supported in OFTP 2.0.
pub const OFTP_ERR_V2_ONLY: i32 = 688;
/// Component error 689: a required certificate was not provided (the text
/// names the property to set).
pub const OFTP_ERR_CERT_MISSING: i32 = 689;
/// Component error 690: invalid certificate (untrusted, expired, not
/// matching, or its holder failed the challenge).
pub const OFTP_ERR_CERT_INVALID: i32 = 690;
/// Component error 691: failed to import trusted certificates.
pub const OFTP_ERR_IMPORT_TRUSTED: i32 = 691;
/// Component error 687: the client refused a file the server sent (SFNA or
/// EFNA), or the session ended first.
pub const OFTP_ERR_SEND_FAILED: i32 = 687;

/// The TCP/IP table's 10060, "Connection timed out": the session's
/// inactivity timer ran out (the issue: "ConnTimeout … → ESID 09,
/// Disconnected 10060").
pub const OFTP_ERR_TIMED_OUT: i32 = 10060;

/// A malformed Exchange Buffer, Stream Transmission Header or DATA subrecord
/// received from the peer, or a value that cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// The first octet is no command of any level (ESID 01).
    UnknownCommand(u8),
    /// The command exists, but not at the session's level, e.g. NERP at 1.3
    /// or AUCH below 2.0 (ESID 01: at that level the code is not a command).
    NotAtLevel {
        /// The command octet.
        command: u8,
        /// The session's level.
        level: Level,
    },
    /// The STH length disagrees with the length the command's fields imply
    /// (ESID 07).
    Length {
        /// The command octet.
        command: u8,
        /// The length the command's layout implies.
        expected: usize,
        /// The length of the Exchange Buffer.
        actual: usize,
    },
    /// The STH version nibble is not 1 or its flags nibble is not 0 (RFC 5024
    /// §8.2): the stream cannot be trusted to be OFTP (ESID 02).
    SthHeader(u8),
    /// The STH length is below 5 or above the negotiated Exchange Buffer size
    /// plus the header (ESID 07), judged from the header alone.
    SthLength {
        /// The STB length in the header.
        length: usize,
        /// The largest Exchange Buffer allowed now.
        max_buffer: usize,
    },
    /// A field holds a value its format does not allow (ESID 06).
    Field {
        /// The RFC's field name, e.g. `SFIDLRECL`.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// A date or time stamp is not a valid date or time (ESID 06, error 680).
    Stamp {
        /// The RFC's field name, e.g. `SFIDDATE`.
        field: &'static str,
        /// The field as received.
        value: String,
    },
    /// A DATA buffer's subrecords are malformed (ESID 06), e.g. a count that
    /// runs past the end of the buffer.
    Subrecord(String),
    /// A value cannot be encoded in its field (too long, out of range, not
    /// ISO 646): a local error (678), never sent to the peer.
    Encode {
        /// The RFC's field name.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
}

impl CodecError {
    /// Shorthand for [`CodecError::Field`].
    pub fn field(field: &'static str, why: impl Into<String>) -> Self {
        CodecError::Field { field, why: why.into() }
    }

    /// Shorthand for [`CodecError::Encode`].
    pub fn encode(field: &'static str, why: impl Into<String>) -> Self {
        CodecError::Encode { field, why: why.into() }
    }

    /// The ESID reason the session ends with when it receives this error
    /// (RFC 5024 §5.3.11 and the "Bad input" table).
    pub fn esid_reason(&self) -> EsidReason {
        match self {
            CodecError::UnknownCommand(_) | CodecError::NotAtLevel { .. } => EsidReason::CommandNotRecognised,
            CodecError::Length { .. } | CodecError::SthLength { .. } => EsidReason::ExchangeBufferSizeError,
            CodecError::SthHeader(_) => EsidReason::ProtocolViolation,
            CodecError::Field { .. } | CodecError::Stamp { .. } | CodecError::Subrecord(_) => {
                EsidReason::CommandContainedInvalidData
            }
            CodecError::Encode { .. } => EsidReason::UnspecifiedAbortCode,
        }
    }

    /// The component error code (671 protocol error, 680 bad date, 678 build).
    pub fn error_code(&self) -> i32 {
        match self {
            CodecError::Stamp { .. } => OFTP_ERR_DATE,
            CodecError::Encode { .. } => OFTP_ERR_BUILD,
            _ => OFTP_ERR_PROTOCOL,
        }
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::UnknownCommand(c) => write!(f, "unknown command code 0x{c:02X}"),
            CodecError::NotAtLevel { command, level } => {
                write!(f, "command '{}' does not exist at OFTP level {level:?}", char::from(*command))
            }
            CodecError::Length { command, expected, actual } => {
                write!(f, "command '{}' is {actual} octets, its layout implies {expected}", char::from(*command))
            }
            CodecError::SthHeader(b) => write!(f, "bad Stream Transmission Header version/flags octet 0x{b:02X}"),
            CodecError::SthLength { length, max_buffer } => {
                write!(f, "Stream Transmission Buffer length {length} outside 5..={}", max_buffer + 4)
            }
            CodecError::Field { field, why } => write!(f, "{field}: {why}"),
            CodecError::Stamp { field, value } => write!(f, "{field}: invalid date/time stamp {value:?}"),
            CodecError::Subrecord(why) => write!(f, "DATA subrecords: {why}"),
            CodecError::Encode { field, why } => write!(f, "cannot encode {field}: {why}"),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<CodecError> for Error {
    fn from(e: CodecError) -> Self {
        Error::new(e.error_code(), e.to_string())
    }
}

/// The codec's result type.
pub type Result<T> = std::result::Result<T, CodecError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_earns_its_esid_reason_and_code() {
        assert_eq!(CodecError::UnknownCommand(b'Z').esid_reason().code(), 1);
        assert_eq!(CodecError::NotAtLevel { command: b'N', level: Level::V13 }.esid_reason().code(), 1);
        assert_eq!(CodecError::SthHeader(0x20).esid_reason().code(), 2);
        assert_eq!(CodecError::field("SSIDSDEB", "not numeric").esid_reason().code(), 6);
        assert_eq!(CodecError::Length { command: b'R', expected: 1, actual: 2 }.esid_reason().code(), 7);
        assert_eq!(CodecError::SthLength { length: 4, max_buffer: 128 }.esid_reason().code(), 7);
        let stamp = CodecError::Stamp { field: "SFIDDATE", value: "20261301".into() };
        assert_eq!(stamp.esid_reason().code(), 6);
        assert_eq!(stamp.error_code(), 680);
        assert_eq!(CodecError::encode("SSIDCODE", "too long").error_code(), 678);
        let e: Error = CodecError::UnknownCommand(b'Z').into();
        assert_eq!(e.code, 671);
        assert_eq!(e.text, "unknown command code 0x5A");
    }
}
