//! TFTP packet codec: RFC 1350 §5 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347
//! (request options, OACK).
//!
//! Parsing borrows from the datagram ([`Packet<'a>`]), so a DATA payload is
//! never copied by the codec. Encoding appends to a caller-owned `Vec<u8>`
//! that can be reused between packets; [`write_data_header`] writes the
//! 4-byte DATA header in place for senders that keep one buffer per block.

use std::borrow::Cow;
use std::fmt;

/// Opcodes (RFC 1350 §5, RFC 2347 for OACK).
pub mod opcode {
    /// Read request.
    pub const RRQ: u16 = 1;
    /// Write request.
    pub const WRQ: u16 = 2;
    /// Data block.
    pub const DATA: u16 = 3;
    /// Acknowledgment.
    pub const ACK: u16 = 4;
    /// Error.
    pub const ERROR: u16 = 5;
    /// Option acknowledgment (RFC 2347).
    pub const OACK: u16 = 6;
}

/// TFTP error codes carried by ERROR packets (RFC 1350 appendix, RFC 2347
/// for code 8).
pub mod errcode {
    /// Not defined, see error message (if any).
    pub const NOT_DEFINED: u16 = 0;
    /// File not found.
    pub const FILE_NOT_FOUND: u16 = 1;
    /// Access violation.
    pub const ACCESS_VIOLATION: u16 = 2;
    /// Disk full or allocation exceeded.
    pub const DISK_FULL: u16 = 3;
    /// Illegal TFTP operation.
    pub const ILLEGAL_OPERATION: u16 = 4;
    /// Unknown transfer ID.
    pub const UNKNOWN_TID: u16 = 5;
    /// File already exists.
    pub const FILE_EXISTS: u16 = 6;
    /// No such user.
    pub const NO_SUCH_USER: u16 = 7;
    /// Option negotiation refused (RFC 2347).
    pub const OPTION_REFUSED: u16 = 8;

    /// The standard meaning of a code, for ERROR messages and logs.
    pub fn text(code: u16) -> &'static str {
        match code {
            NOT_DEFINED => "Not defined",
            FILE_NOT_FOUND => "File not found",
            ACCESS_VIOLATION => "Access violation",
            DISK_FULL => "Disk full or allocation exceeded",
            ILLEGAL_OPERATION => "Illegal TFTP operation",
            UNKNOWN_TID => "Unknown transfer ID",
            FILE_EXISTS => "File already exists",
            NO_SUCH_USER => "No such user",
            OPTION_REFUSED => "Option negotiation refused",
            _ => "Unknown error",
        }
    }
}

/// Length of the DATA header (opcode + block number).
pub const DATA_HEADER_LEN: usize = 4;

/// The most options a request or OACK may carry. RFC 2347 caps a request at
/// 512 octets, and an option takes at least 4 (`a\0b\0`), so a legal packet
/// never has more than 127; the cap keeps the duplicate check cheap on
/// hostile input.
pub const MAX_OPTIONS: usize = 128;

/// An error to be sent to the peer as a TFTP ERROR packet: the code (see
/// [`errcode`]) and a human-readable message. Used wherever a request or a
/// transfer is refused (option negotiation, path resolution, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TftpError {
    pub code: u16,
    pub message: String,
}

impl TftpError {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        TftpError { code, message: message.into() }
    }

    /// Appends the ERROR packet for this error to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_error(self.code, &self.message, out);
    }
}

impl fmt::Display for TftpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TFTP error {} ({}): {}", self.code, errcode::text(self.code), self.message)
    }
}

impl std::error::Error for TftpError {}

/// Transfer mode of a request (RFC 1350 §5: any combination of upper and
/// lower case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Netascii,
    Octet,
    /// Parsed so that the server can refuse it with a precise message; RFC
    /// 1123 §4.2.2.1 says mail mode SHOULD NOT be supported.
    Mail,
}

impl Mode {
    /// Case-insensitive match of the mode field.
    pub fn from_bytes(s: &[u8]) -> Option<Mode> {
        if s.eq_ignore_ascii_case(b"netascii") {
            Some(Mode::Netascii)
        } else if s.eq_ignore_ascii_case(b"octet") {
            Some(Mode::Octet)
        } else if s.eq_ignore_ascii_case(b"mail") {
            Some(Mode::Mail)
        } else {
            None
        }
    }

    /// The canonical (lower-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Netascii => "netascii",
            Mode::Octet => "octet",
            Mode::Mail => "mail",
        }
    }

    /// Whether the data on the wire is netascii (mail mode is "identical to
    /// netascii mode" apart from the recipient, RFC 1350 §5).
    pub fn is_text(self) -> bool {
        !matches!(self, Mode::Octet)
    }
}

/// One option of a request or OACK (RFC 2347). Names and values are ASCII;
/// names compare case-insensitively ([`TftpOption::is`]) but keep the
/// spelling of the sender, because the OACK copies the name "from the
/// original request".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TftpOption<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

impl<'a> TftpOption<'a> {
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        TftpOption { name: name.into(), value: value.into() }
    }

    /// Case-insensitive name comparison (RFC 2347: "case-insensitive ASCII").
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// A copy that does not borrow the datagram.
    pub fn into_owned(self) -> TftpOption<'static> {
        TftpOption { name: Cow::Owned(self.name.into_owned()), value: Cow::Owned(self.value.into_owned()) }
    }
}

/// The body of a RRQ or WRQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The requested name, as raw bytes (RFC 1350 calls it netascii; in
    /// practice clients send UTF-8 or Latin-1). Never empty, never has NUL.
    pub filename: &'a [u8],
    pub mode: Mode,
    /// Options in request order; no two share a name (case-insensitively).
    pub options: Vec<TftpOption<'a>>,
}

impl Request<'_> {
    /// The file name for display and logs (invalid UTF-8 replaced).
    pub fn filename_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.filename)
    }

    /// The value of an option, looked up case-insensitively.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|o| o.is(name)).map(|o| o.value.as_ref())
    }
}

/// A TFTP packet, borrowing from the datagram it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    Rrq(Request<'a>),
    Wrq(Request<'a>),
    Data { block: u16, data: &'a [u8] },
    Ack { block: u16 },
    Error { code: u16, message: Cow<'a, str> },
    Oack { options: Vec<TftpOption<'a>> },
}

/// Which NUL-terminated field a [`ParseError::MissingTerminator`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Filename,
    Mode,
    OptionName,
    OptionValue,
    ErrorMessage,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Filename => "file name",
            Field::Mode => "mode",
            Field::OptionName => "option name",
            Field::OptionValue => "option value",
            Field::ErrorMessage => "error message",
        }
    }
}

/// Why a datagram is not a valid TFTP packet. Every variant maps to TFTP
/// error 4 (Illegal TFTP operation) when the server chooses to answer; its
/// `Display` text is suitable as the ERROR message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Shorter than the fixed part of its packet type.
    TooShort {
        opcode: Option<u16>,
        len: usize,
    },
    UnknownOpcode(u16),
    /// A string field runs to the end of the datagram without its NUL.
    MissingTerminator(Field),
    EmptyFilename,
    /// The mode is not netascii, octet or mail (lossy copy of it).
    UnknownMode(String),
    /// A NUL where an option name was expected, followed by more non-NUL
    /// bytes (trailing NUL padding alone is tolerated, see [`Packet::parse`]).
    EmptyOptionName,
    /// An option name with its NUL but no value after it.
    MissingOptionValue(String),
    /// An option name or value that is not ASCII (RFC 2347).
    NonAsciiOption,
    /// The same option twice, compared case-insensitively (RFC 2347: "an
    /// option may only be specified once").
    DuplicateOption(String),
    TooManyOptions,
    /// An OACK that acknowledges nothing.
    EmptyOack,
    /// Bytes after the end of a fixed-size packet (ACK).
    TrailingBytes {
        opcode: u16,
        extra: usize,
    },
}

impl ParseError {
    /// The TFTP error code a server answers with (always 4, Illegal TFTP
    /// operation, RFC 1350 §7), as a ready-to-send error.
    pub fn to_tftp_error(&self) -> TftpError {
        TftpError::new(errcode::ILLEGAL_OPERATION, self.to_string())
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::TooShort { opcode: None, len } => {
                write!(f, "packet too short ({len} bytes, no opcode)")
            }
            ParseError::TooShort { opcode: Some(op), len } => {
                write!(f, "packet too short for opcode {op} ({len} bytes)")
            }
            ParseError::UnknownOpcode(op) => write!(f, "unknown opcode {op}"),
            ParseError::MissingTerminator(field) => {
                write!(f, "{} is not NUL-terminated", field.name())
            }
            ParseError::EmptyFilename => write!(f, "empty file name"),
            ParseError::UnknownMode(m) => write!(f, "unknown transfer mode \"{m}\""),
            ParseError::EmptyOptionName => write!(f, "empty option name"),
            ParseError::MissingOptionValue(n) => write!(f, "option \"{n}\" has no value"),
            ParseError::NonAsciiOption => write!(f, "option name or value is not ASCII"),
            ParseError::DuplicateOption(n) => write!(f, "option \"{n}\" given twice"),
            ParseError::TooManyOptions => write!(f, "more than {MAX_OPTIONS} options"),
            ParseError::EmptyOack => write!(f, "OACK without options"),
            ParseError::TrailingBytes { opcode, extra } => {
                write!(f, "{extra} unexpected bytes after packet with opcode {opcode}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Splits `buf` at its first NUL: (field, rest after the NUL).
fn take_cstr(buf: &[u8], field: Field) -> Result<(&[u8], &[u8]), ParseError> {
    match buf.iter().position(|&b| b == 0) {
        Some(i) => Ok((&buf[..i], &buf[i + 1..])),
        None => Err(ParseError::MissingTerminator(field)),
    }
}

fn ascii_str(b: &[u8]) -> Result<&str, ParseError> {
    if b.is_ascii() {
        // ASCII is valid UTF-8.
        std::str::from_utf8(b).map_err(|_| ParseError::NonAsciiOption)
    } else {
        Err(ParseError::NonAsciiOption)
    }
}

/// Parses `name\0value\0` pairs up to the end of `buf`. Trailing NUL bytes
/// after the last complete pair are accepted as padding: some PXE ROMs pad
/// requests with zeros, and a zero-length name can never be an option.
fn parse_options(mut buf: &[u8]) -> Result<Vec<TftpOption<'_>>, ParseError> {
    let mut options: Vec<TftpOption<'_>> = Vec::new();
    while !buf.is_empty() {
        if buf[0] == 0 {
            if buf.iter().all(|&b| b == 0) {
                break;
            }
            return Err(ParseError::EmptyOptionName);
        }
        let (name, rest) = take_cstr(buf, Field::OptionName)?;
        let name = ascii_str(name)?;
        if rest.is_empty() {
            return Err(ParseError::MissingOptionValue(name.to_string()));
        }
        let (value, rest) = take_cstr(rest, Field::OptionValue)?;
        let value = ascii_str(value)?;
        if options.iter().any(|o| o.is(name)) {
            return Err(ParseError::DuplicateOption(name.to_string()));
        }
        if options.len() == MAX_OPTIONS {
            return Err(ParseError::TooManyOptions);
        }
        options.push(TftpOption::new(name, value));
        buf = rest;
    }
    Ok(options)
}

fn parse_request(body: &[u8]) -> Result<Request<'_>, ParseError> {
    let (filename, rest) = take_cstr(body, Field::Filename)?;
    if filename.is_empty() {
        return Err(ParseError::EmptyFilename);
    }
    let (mode, rest) = take_cstr(rest, Field::Mode)?;
    let mode =
        Mode::from_bytes(mode).ok_or_else(|| ParseError::UnknownMode(String::from_utf8_lossy(mode).into_owned()))?;
    let options = parse_options(rest)?;
    Ok(Request { filename, mode, options })
}

/// Whether a datagram is a TFTP ERROR packet (by its opcode alone): one
/// is never answered, not even from a wrong TID (RFC 1350 §7).
pub fn is_error_packet(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && be16(datagram) == opcode::ERROR
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

impl<'a> Packet<'a> {
    /// Parses one datagram.
    ///
    /// Strictness: every string field must be NUL-terminated, the file name
    /// non-empty, the mode known, options well-formed, ASCII and unique, and
    /// an ACK exactly 4 bytes. The one tolerance is trailing NUL padding
    /// after the last string field of a request, OACK or ERROR, which real
    /// clients send and which cannot be mistaken for content. DATA payload
    /// length is not checked here: only the transfer knows the block size.
    pub fn parse(buf: &'a [u8]) -> Result<Packet<'a>, ParseError> {
        if buf.len() < 2 {
            return Err(ParseError::TooShort { opcode: None, len: buf.len() });
        }
        let op = be16(buf);
        let body = &buf[2..];
        match op {
            opcode::RRQ => Ok(Packet::Rrq(parse_request(body)?)),
            opcode::WRQ => Ok(Packet::Wrq(parse_request(body)?)),
            opcode::DATA => {
                if body.len() < 2 {
                    return Err(ParseError::TooShort { opcode: Some(op), len: buf.len() });
                }
                Ok(Packet::Data { block: be16(body), data: &body[2..] })
            }
            opcode::ACK => {
                if body.len() < 2 {
                    return Err(ParseError::TooShort { opcode: Some(op), len: buf.len() });
                }
                if body.len() > 2 {
                    return Err(ParseError::TrailingBytes { opcode: op, extra: body.len() - 2 });
                }
                Ok(Packet::Ack { block: be16(body) })
            }
            opcode::ERROR => {
                if body.len() < 2 {
                    return Err(ParseError::TooShort { opcode: Some(op), len: buf.len() });
                }
                let code = be16(body);
                let (msg, rest) = take_cstr(&body[2..], Field::ErrorMessage)?;
                if !rest.iter().all(|&b| b == 0) {
                    return Err(ParseError::TrailingBytes { opcode: op, extra: rest.len() });
                }
                Ok(Packet::Error { code, message: String::from_utf8_lossy(msg) })
            }
            opcode::OACK => {
                let options = parse_options(body)?;
                if options.is_empty() {
                    return Err(ParseError::EmptyOack);
                }
                Ok(Packet::Oack { options })
            }
            other => Err(ParseError::UnknownOpcode(other)),
        }
    }

    /// The opcode of this packet.
    pub fn opcode(&self) -> u16 {
        match self {
            Packet::Rrq(_) => opcode::RRQ,
            Packet::Wrq(_) => opcode::WRQ,
            Packet::Data { .. } => opcode::DATA,
            Packet::Ack { .. } => opcode::ACK,
            Packet::Error { .. } => opcode::ERROR,
            Packet::Oack { .. } => opcode::OACK,
        }
    }

    /// Short name of the packet type, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Packet::Rrq(_) => "RRQ",
            Packet::Wrq(_) => "WRQ",
            Packet::Data { .. } => "DATA",
            Packet::Ack { .. } => "ACK",
            Packet::Error { .. } => "ERROR",
            Packet::Oack { .. } => "OACK",
        }
    }

    /// Appends the wire form of this packet to `out` (which is not cleared,
    /// so several packets or a prefix can share a buffer).
    ///
    /// String fields are written up to their first NUL, if any, so the
    /// output is always a well-formed packet.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Packet::Rrq(r) | Packet::Wrq(r) => {
                out.extend_from_slice(&self.opcode().to_be_bytes());
                put_cstr(out, r.filename);
                put_cstr(out, r.mode.as_str().as_bytes());
                put_options(out, &r.options);
            }
            Packet::Data { block, data } => {
                let start = out.len();
                out.resize(start + DATA_HEADER_LEN, 0);
                write_data_header(&mut out[start..], *block);
                out.extend_from_slice(data);
            }
            Packet::Ack { block } => encode_ack(*block, out),
            Packet::Error { code, message } => encode_error(*code, message, out),
            Packet::Oack { options } => encode_oack(options, out),
        }
    }

    /// Convenience: the packet encoded into a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

fn put_cstr(out: &mut Vec<u8>, s: &[u8]) {
    let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
    out.extend_from_slice(&s[..end]);
    out.push(0);
}

fn put_options(out: &mut Vec<u8>, options: &[TftpOption<'_>]) {
    for o in options {
        put_cstr(out, o.name.as_bytes());
        put_cstr(out, o.value.as_bytes());
    }
}

/// Writes the DATA header (opcode 3 and `block`) into the first 4 bytes of
/// `buf`, for senders that keep a reusable `header + payload` buffer per
/// block and fill the payload in place. Panics if `buf` is shorter than 4.
#[inline]
pub fn write_data_header(buf: &mut [u8], block: u16) {
    buf[..2].copy_from_slice(&opcode::DATA.to_be_bytes());
    buf[2..4].copy_from_slice(&block.to_be_bytes());
}

/// Appends an ACK packet.
#[inline]
pub fn encode_ack(block: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&opcode::ACK.to_be_bytes());
    out.extend_from_slice(&block.to_be_bytes());
}

/// Appends an ERROR packet. The message is cut at its first NUL.
pub fn encode_error(code: u16, message: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&opcode::ERROR.to_be_bytes());
    out.extend_from_slice(&code.to_be_bytes());
    put_cstr(out, message.as_bytes());
}

/// Appends an OACK packet with `options` in the given order.
pub fn encode_oack(options: &[TftpOption<'_>], out: &mut Vec<u8>) {
    out.extend_from_slice(&opcode::OACK.to_be_bytes());
    put_options(out, options);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(filename: &'static [u8], mode: Mode, opts: &[(&'static str, &'static str)]) -> Request<'static> {
        Request { filename, mode, options: opts.iter().map(|(n, v)| TftpOption::new(*n, *v)).collect() }
    }

    fn round_trip(p: &Packet<'_>) -> Vec<u8> {
        let bytes = p.to_vec();
        let back = Packet::parse(&bytes).expect("round trip parses");
        assert_eq!(&back, p);
        bytes
    }

    #[test]
    fn rrq_round_trip_and_wire_layout() {
        let p = Packet::Rrq(req(b"foo.bin", Mode::Octet, &[("blksize", "1432"), ("tsize", "0")]));
        let bytes = round_trip(&p);
        assert_eq!(bytes, b"\x00\x01foo.bin\0octet\0blksize\x001432\0tsize\x000\0");
    }

    #[test]
    fn wrq_round_trip_all_modes() {
        for mode in [Mode::Netascii, Mode::Octet, Mode::Mail] {
            let p = Packet::Wrq(req(b"dir/x.txt", mode, &[]));
            let bytes = round_trip(&p);
            assert_eq!(&bytes[..2], &[0, 2]);
        }
    }

    #[test]
    fn data_round_trip_including_empty_payload() {
        let payload = [7u8; 512];
        let bytes = round_trip(&Packet::Data { block: 0xfffe, data: &payload });
        assert_eq!(&bytes[..4], &[0, 3, 0xff, 0xfe]);
        assert_eq!(bytes.len(), 516);
        let bytes = round_trip(&Packet::Data { block: 1, data: &[] });
        assert_eq!(bytes, [0, 3, 0, 1]);
    }

    #[test]
    fn ack_round_trip() {
        assert_eq!(round_trip(&Packet::Ack { block: 0 }), [0, 4, 0, 0]);
        assert_eq!(round_trip(&Packet::Ack { block: 65535 }), [0, 4, 0xff, 0xff]);
    }

    #[test]
    fn error_round_trip() {
        let p = Packet::Error { code: errcode::FILE_NOT_FOUND, message: "no such file".into() };
        assert_eq!(round_trip(&p), b"\x00\x05\x00\x01no such file\0");
        let empty = Packet::Error { code: errcode::OPTION_REFUSED, message: "".into() };
        assert_eq!(round_trip(&empty), b"\x00\x05\x00\x08\0");
    }

    #[test]
    fn oack_round_trip() {
        let p = Packet::Oack { options: vec![TftpOption::new("BlkSize", "1024"), TftpOption::new("windowsize", "8")] };
        assert_eq!(round_trip(&p), b"\x00\x06BlkSize\x001024\0windowsize\x008\0");
    }

    #[test]
    fn mode_is_case_insensitive() {
        let p = Packet::parse(b"\x00\x01f\0NetAscii\0").unwrap();
        let Packet::Rrq(r) = p else { panic!("not RRQ") };
        assert_eq!(r.mode, Mode::Netascii);
        let p = Packet::parse(b"\x00\x02f\0OCTET\0").unwrap();
        assert!(matches!(p, Packet::Wrq(Request { mode: Mode::Octet, .. })));
        let p = Packet::parse(b"\x00\x02f\0mAiL\0").unwrap();
        assert!(matches!(p, Packet::Wrq(Request { mode: Mode::Mail, .. })));
    }

    #[test]
    fn option_names_keep_spelling_and_match_case_insensitively() {
        let p = Packet::parse(b"\x00\x01f\0octet\0BLKSIZE\x00512\0TSize\x000\0").unwrap();
        let Packet::Rrq(r) = p else { panic!("not RRQ") };
        assert_eq!(r.options[0].name, "BLKSIZE");
        assert!(r.options[0].is("blksize"));
        assert_eq!(r.option("tsize"), Some("0"));
        assert_eq!(r.option("windowsize"), None);
    }

    #[test]
    fn options_keep_request_order() {
        let p = Packet::parse(b"\x00\x01f\0octet\0c\x001\0a\x002\0b\x003\0").unwrap();
        let Packet::Rrq(r) = p else { panic!("not RRQ") };
        let names: Vec<&str> = r.options.iter().map(|o| o.name.as_ref()).collect();
        assert_eq!(names, ["c", "a", "b"]);
    }

    #[test]
    fn too_short_packets() {
        assert_eq!(Packet::parse(b""), Err(ParseError::TooShort { opcode: None, len: 0 }));
        assert_eq!(Packet::parse(b"\x00"), Err(ParseError::TooShort { opcode: None, len: 1 }));
        assert_eq!(Packet::parse(b"\x00\x03\x00"), Err(ParseError::TooShort { opcode: Some(3), len: 3 }));
        assert_eq!(Packet::parse(b"\x00\x04"), Err(ParseError::TooShort { opcode: Some(4), len: 2 }));
        assert_eq!(Packet::parse(b"\x00\x05\x00"), Err(ParseError::TooShort { opcode: Some(5), len: 3 }));
    }

    #[test]
    fn unknown_opcodes() {
        assert_eq!(Packet::parse(b"\x00\x00\x00\x01"), Err(ParseError::UnknownOpcode(0)));
        assert_eq!(Packet::parse(b"\x00\x07\x00\x01"), Err(ParseError::UnknownOpcode(7)));
        assert_eq!(Packet::parse(b"\x01\x01f\0octet\0"), Err(ParseError::UnknownOpcode(257)));
    }

    #[test]
    fn request_missing_terminators() {
        assert_eq!(Packet::parse(b"\x00\x01file"), Err(ParseError::MissingTerminator(Field::Filename)));
        assert_eq!(Packet::parse(b"\x00\x01"), Err(ParseError::MissingTerminator(Field::Filename)));
        assert_eq!(Packet::parse(b"\x00\x01f\0octet"), Err(ParseError::MissingTerminator(Field::Mode)));
        assert_eq!(Packet::parse(b"\x00\x01f\0"), Err(ParseError::MissingTerminator(Field::Mode)));
        assert_eq!(Packet::parse(b"\x00\x01f\0octet\0blksize"), Err(ParseError::MissingTerminator(Field::OptionName)));
        assert_eq!(
            Packet::parse(b"\x00\x01f\0octet\0blksize\x00512"),
            Err(ParseError::MissingTerminator(Field::OptionValue))
        );
    }

    #[test]
    fn request_empty_filename_and_bad_mode() {
        assert_eq!(Packet::parse(b"\x00\x01\0octet\0"), Err(ParseError::EmptyFilename));
        assert_eq!(Packet::parse(b"\x00\x02f\0binary\0"), Err(ParseError::UnknownMode("binary".into())));
        assert_eq!(Packet::parse(b"\x00\x02f\0\0"), Err(ParseError::UnknownMode(String::new())));
    }

    #[test]
    fn request_option_without_value() {
        assert_eq!(
            Packet::parse(b"\x00\x01f\0octet\0blksize\0"),
            Err(ParseError::MissingOptionValue("blksize".into()))
        );
    }

    #[test]
    fn request_empty_option_name_followed_by_data() {
        assert_eq!(Packet::parse(b"\x00\x01f\0octet\0\0x\0"), Err(ParseError::EmptyOptionName));
    }

    #[test]
    fn request_trailing_nul_padding_is_tolerated() {
        let p = Packet::parse(b"\x00\x01f\0octet\0tsize\x000\0\0\0\0").unwrap();
        let Packet::Rrq(r) = p else { panic!("not RRQ") };
        assert_eq!(r.options, vec![TftpOption::new("tsize", "0")]);
    }

    #[test]
    fn request_duplicate_options_case_insensitive() {
        assert_eq!(
            Packet::parse(b"\x00\x01f\0octet\0blksize\x00512\0BlkSize\x001024\0"),
            Err(ParseError::DuplicateOption("BlkSize".into()))
        );
    }

    #[test]
    fn request_non_ascii_option() {
        assert_eq!(Packet::parse(b"\x00\x01f\0octet\0bl\xffk\x001\0"), Err(ParseError::NonAsciiOption));
        assert_eq!(Packet::parse(b"\x00\x01f\0octet\0blk\0\xc3\xa9\0"), Err(ParseError::NonAsciiOption));
    }

    #[test]
    fn request_too_many_options() {
        let mut p = b"\x00\x01f\0octet\0".to_vec();
        for i in 0..=MAX_OPTIONS {
            p.extend_from_slice(format!("o{i}\0v\0").as_bytes());
        }
        assert_eq!(Packet::parse(&p), Err(ParseError::TooManyOptions));
    }

    #[test]
    fn filename_may_hold_any_non_nul_byte() {
        let p = Packet::parse(b"\x00\x01caf\xe9 \xff\0octet\0").unwrap();
        let Packet::Rrq(r) = p else { panic!("not RRQ") };
        assert_eq!(r.filename, b"caf\xe9 \xff");
        assert_eq!(r.filename_lossy(), "caf\u{fffd} \u{fffd}");
    }

    #[test]
    fn ack_with_trailing_bytes() {
        assert_eq!(
            Packet::parse(b"\x00\x04\x00\x01\x00"),
            Err(ParseError::TrailingBytes { opcode: opcode::ACK, extra: 1 })
        );
    }

    #[test]
    fn error_packet_malformed() {
        assert_eq!(Packet::parse(b"\x00\x05\x00\x01oops"), Err(ParseError::MissingTerminator(Field::ErrorMessage)));
        assert_eq!(Packet::parse(b"\x00\x05\x00\x01"), Err(ParseError::MissingTerminator(Field::ErrorMessage)));
        assert_eq!(
            Packet::parse(b"\x00\x05\x00\x01oops\0junk"),
            Err(ParseError::TrailingBytes { opcode: opcode::ERROR, extra: 4 })
        );
        // NUL padding after the message is fine; a non-UTF-8 message is kept lossily.
        let p = Packet::parse(b"\x00\x05\x00\x02d\xe9nied\0\0\0").unwrap();
        assert_eq!(p, Packet::Error { code: 2, message: "d\u{fffd}nied".into() });
    }

    #[test]
    fn oack_malformed() {
        assert_eq!(Packet::parse(b"\x00\x06"), Err(ParseError::EmptyOack));
        assert_eq!(Packet::parse(b"\x00\x06\0\0"), Err(ParseError::EmptyOack));
        assert_eq!(Packet::parse(b"\x00\x06blksize\x00512"), Err(ParseError::MissingTerminator(Field::OptionValue)));
        assert_eq!(Packet::parse(b"\x00\x06a\x001\0A\x002\0"), Err(ParseError::DuplicateOption("A".into())));
    }

    #[test]
    fn parse_errors_become_tftp_error_4_with_a_reason() {
        let e = Packet::parse(b"\x00\x01\0octet\0").unwrap_err().to_tftp_error();
        assert_eq!(e.code, errcode::ILLEGAL_OPERATION);
        assert_eq!(e.message, "empty file name");
        let e = ParseError::DuplicateOption("tsize".into()).to_tftp_error();
        assert!(e.message.contains("tsize"), "{}", e.message);
    }

    #[test]
    fn encoding_cuts_strings_at_nul() {
        let mut out = Vec::new();
        encode_error(errcode::NOT_DEFINED, "bad\0tail", &mut out);
        assert_eq!(out, b"\x00\x05\x00\x00bad\0");
        assert!(Packet::parse(&out).is_ok());
    }

    #[test]
    fn encode_appends_to_existing_buffer() {
        let mut out = vec![0xaa];
        Packet::Ack { block: 3 }.encode(&mut out);
        assert_eq!(out, [0xaa, 0, 4, 0, 3]);
    }

    #[test]
    fn data_header_in_place() {
        let mut buf = [0xffu8; 8];
        write_data_header(&mut buf, 0x1234);
        assert_eq!(buf, [0, 3, 0x12, 0x34, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(Packet::parse(&buf).unwrap(), Packet::Data { block: 0x1234, data: &[0xff; 4] });
    }

    #[test]
    fn error_codes_match_the_rfcs() {
        let all = [
            (errcode::NOT_DEFINED, 0),
            (errcode::FILE_NOT_FOUND, 1),
            (errcode::ACCESS_VIOLATION, 2),
            (errcode::DISK_FULL, 3),
            (errcode::ILLEGAL_OPERATION, 4),
            (errcode::UNKNOWN_TID, 5),
            (errcode::FILE_EXISTS, 6),
            (errcode::NO_SUCH_USER, 7),
            (errcode::OPTION_REFUSED, 8),
        ];
        for (c, v) in all {
            assert_eq!(c, v);
        }
        assert_eq!(errcode::text(8), "Option negotiation refused");
        assert_eq!(errcode::text(1), "File not found");
        assert_eq!(errcode::text(99), "Unknown error");
    }

    #[test]
    fn tftp_error_encodes_as_error_packet() {
        let e = TftpError::new(errcode::ACCESS_VIOLATION, "outside root");
        let mut out = Vec::new();
        e.encode(&mut out);
        assert_eq!(Packet::parse(&out).unwrap(), Packet::Error { code: 2, message: "outside root".into() });
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every prefix of valid packets and a
        // pseudo-random corpus must parse or fail cleanly.
        let samples: [&[u8]; 4] = [
            b"\x00\x01f\0octet\0blksize\x00512\0",
            b"\x00\x05\x00\x01msg\0",
            b"\x00\x06tsize\x0010\0",
            b"\x00\x03\x00\x01data",
        ];
        for s in samples {
            for i in 0..=s.len() {
                let _ = Packet::parse(&s[..i]);
            }
        }
        let mut x: u32 = 0x1234_5678;
        for _ in 0..2000 {
            let mut buf = Vec::new();
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 24) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                buf.push(if x.is_multiple_of(3) { 0 } else { (x % 8) as u8 });
            }
            if let Ok(p) = Packet::parse(&buf) {
                // Whatever parses re-encodes to something that parses the same.
                let again = p.to_vec();
                assert_eq!(Packet::parse(&again).unwrap(), p);
            }
        }
    }
}
