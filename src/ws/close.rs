//! Close codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry")
//! and the Close frame body (§5.5.1): a 2-byte code then a UTF-8 reason.

use super::frame::{encode_frame, OpCode, MAX_CONTROL_PAYLOAD};
use super::{utf8, ProtocolError};

/// A WebSocket close status code (§7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

/// The longest reason that fits a Close frame: 125 bytes less the code (§5.5).
pub const MAX_REASON_LEN: usize = MAX_CONTROL_PAYLOAD - 2;

impl CloseCode {
    /// 1000: normal closure.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away.
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: no status code was present (never sent on the wire, §7.4.1).
    pub const NO_STATUS: CloseCode = CloseCode(1005);
    /// 1006: closed without a Close frame (never sent on the wire).
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: data inconsistent with the message type (e.g. bad UTF-8).
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: policy violation.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: an unexpected condition on the server.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: service restart (IANA registered).
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later (IANA registered).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: bad gateway (IANA registered).
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);
    /// 1015: TLS handshake failure (never sent on the wire).
    pub const TLS_HANDSHAKE: CloseCode = CloseCode(1015);

    /// Whether a peer may send this code in a Close frame (§7.4.1, §7.4.2):
    /// the defined 1000–1003 and 1007–1011, the IANA-registered 1012–1014,
    /// and 3000–4999 (libraries, frameworks, applications). 1004 is reserved,
    /// 1005/1006/1015 are for reporting only, and 0–999, 1016–2999 and
    /// 5000+ are not assigned.
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }

    /// The description sent with a standard code when the application gives
    /// none (the reference's DisconnectStatusDescription), else `None`.
    pub const fn default_description(self) -> Option<&'static str> {
        Some(match self.0 {
            1000 => "Normal closure",
            1001 => "Going away",
            1002 => "Protocol error",
            1003 => "Unsupported data",
            1007 => "Invalid payload data",
            1008 => "Policy violation",
            1009 => "Message too big",
            1010 => "Mandatory extension",
            1011 => "Internal error",
            1012 => "Service restart",
            1013 => "Try again later",
            1014 => "Bad gateway",
            _ => return None,
        })
    }
}

impl From<u16> for CloseCode {
    fn from(v: u16) -> Self {
        CloseCode(v)
    }
}

/// A received Close frame body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseBody<'a> {
    /// The status code, or `None` for an empty body (reported as 1005, §7.1.5).
    pub code: Option<CloseCode>,
    /// The reason text (may be empty).
    pub reason: &'a str,
}

impl CloseBody<'_> {
    /// The code to report: 1005 when the peer sent none (§7.1.5).
    pub fn reported_code(&self) -> CloseCode {
        self.code.unwrap_or(CloseCode::NO_STATUS)
    }
}

/// Parses a (unmasked) Close payload (§5.5.1): empty, or a valid code and
/// a UTF-8 reason. One byte, or a code not allowed on the wire, is 1002; a
/// reason that is not UTF-8 is 1007 (§8.1).
pub fn parse_close_payload(payload: &[u8]) -> Result<CloseBody<'_>, ProtocolError> {
    match payload {
        [] => Ok(CloseBody { code: None, reason: "" }),
        [_] => Err(ProtocolError::protocol("close frame with a 1-byte payload")),
        [a, b, rest @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*a, *b]));
            if !code.is_valid_on_wire() {
                return Err(ProtocolError::protocol("invalid close code"));
            }
            let reason = utf8::validate(rest)?;
            Ok(CloseBody { code: Some(code), reason })
        }
    }
}

/// Cuts `reason` to at most [`MAX_REASON_LEN`] bytes at a character boundary.
pub fn truncate_reason(reason: &str) -> &str {
    if reason.len() <= MAX_REASON_LEN {
        return reason;
    }
    let mut end = MAX_REASON_LEN;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// The Close payload for `code` and `reason`, the reason cut to fit (§5.5).
/// `None` gives the empty body (no status code).
pub fn encode_close_payload(code: Option<CloseCode>, reason: &str) -> Vec<u8> {
    let Some(code) = code else { return Vec::new() };
    let reason = truncate_reason(reason);
    let mut v = Vec::with_capacity(2 + reason.len());
    v.extend_from_slice(&code.0.to_be_bytes());
    v.extend_from_slice(reason.as_bytes());
    v
}

/// A whole server Close frame.
pub fn close_frame(code: Option<CloseCode>, reason: &str) -> Vec<u8> {
    encode_frame(true, false, OpCode::Close, &encode_close_payload(code, reason))
}

/// The Close frame answering a received one: the same status code, as
/// §5.5.1 suggests ("typically echoing the status code it received"), or an
/// empty body when the peer sent none.
pub fn reply_to(body: &CloseBody<'_>) -> Vec<u8> {
    close_frame(body.code, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_payload(c: u16) -> [u8; 2] {
        c.to_be_bytes()
    }

    #[test]
    fn code_validity_ranges() {
        let valid: Vec<u16> = (0..=u16::MAX).filter(|&c| CloseCode(c).is_valid_on_wire()).collect();
        let expected: Vec<u16> = (1000..=1003).chain(1007..=1014).chain(3000..=4999).collect();
        assert_eq!(valid, expected);
        for c in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert_eq!(parse_close_payload(&code_payload(c)).unwrap_err().code, CloseCode::PROTOCOL_ERROR, "{c}");
        }
        for c in [1000, 1001, 1002, 1003, 1007, 1011, 1012, 1014, 3000, 3999, 4000, 4999] {
            assert_eq!(parse_close_payload(&code_payload(c)).unwrap().code, Some(CloseCode(c)));
        }
    }

    #[test]
    fn body_forms() {
        let b = parse_close_payload(&[]).unwrap();
        assert_eq!(b, CloseBody { code: None, reason: "" });
        assert_eq!(b.reported_code(), CloseCode::NO_STATUS);
        assert_eq!(parse_close_payload(&[0x03]).unwrap_err().code, CloseCode::PROTOCOL_ERROR);
        let b = parse_close_payload(b"\x03\xe8bye \xc3\xa9").unwrap();
        assert_eq!((b.code, b.reason), (Some(CloseCode::NORMAL), "bye é"));
        assert_eq!(parse_close_payload(b"\x03\xe8\xce\xba\xff").unwrap_err().code, CloseCode::INVALID_PAYLOAD);
        assert_eq!(parse_close_payload(b"\x03\xe8\xc3").unwrap_err().code, CloseCode::INVALID_PAYLOAD);
    }

    #[test]
    fn encode_and_truncate() {
        assert_eq!(encode_close_payload(None, "ignored"), b"");
        assert_eq!(encode_close_payload(Some(CloseCode::NORMAL), "ok"), b"\x03\xe8ok");
        let long = "é".repeat(100); // 200 bytes
        let p = encode_close_payload(Some(CloseCode(4000)), &long);
        assert!(p.len() <= MAX_CONTROL_PAYLOAD);
        assert_eq!(p.len(), 2 + 122, "cut at a char boundary below 123");
        assert!(parse_close_payload(&p).is_ok());
        let exact = "a".repeat(MAX_REASON_LEN);
        assert_eq!(truncate_reason(&exact).len(), MAX_REASON_LEN);
        let f = close_frame(Some(CloseCode::GOING_AWAY), "bye");
        assert_eq!(f, b"\x88\x05\x03\xe9bye");
        assert_eq!(close_frame(None, ""), b"\x88\x00");
        assert_eq!(reply_to(&CloseBody { code: Some(CloseCode(4001)), reason: "x" }), b"\x88\x02\x0f\xa1");
        assert_eq!(reply_to(&CloseBody { code: None, reason: "" }), b"\x88\x00");
    }

    #[test]
    fn descriptions() {
        assert_eq!(CloseCode::NORMAL.default_description(), Some("Normal closure"));
        assert_eq!(CloseCode::MESSAGE_TOO_BIG.default_description(), Some("Message too big"));
        assert_eq!(CloseCode(4001).default_description(), None);
        assert_eq!(CloseCode::NO_STATUS.default_description(), None);
        for c in 1000..=1014u16 {
            if let Some(d) = CloseCode(c).default_description() {
                assert!(CloseCode(c).is_valid_on_wire() && d.len() <= MAX_REASON_LEN);
            }
        }
    }
}
