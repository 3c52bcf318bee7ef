//! The Stream Transmission Header (RFC 5024 §8.2, RFC 2204 §7.2): on TCP every
//! Exchange Buffer (OEB) is preceded by 4 octets
//!
//! ```text
//!  0       4       8                               31
//! +-------+-------+--------------------------------+
//! |Version| Flags | Length (STH + OEB, big endian) |
//! +-------+-------+--------------------------------+
//!   0001    0000    5 ..= 100003
//! ```
//!
//! Parsing is incremental: the version/flags octet is judged as soon as it
//! arrives, and the length as soon as the 4 header octets are there, so a
//! buffer too large for the negotiated size is refused before its body is
//! read (the issue's "judged from the header before the body is read").

use super::error::{CodecError, Result};

/// Length of the Stream Transmission Header.
pub const STH_LEN: usize = 4;
/// The only version/flags octet RFC 5024 §8.2 defines: version 1, flags 0.
pub const STH_VERSION_FLAGS: u8 = 0x10;
/// The smallest Exchange Buffer (a 1-octet command such as CD).
pub const MIN_EXCHANGE_BUFFER: usize = 1;
/// The largest Exchange Buffer that can be negotiated (SSIDSDEB 99999, RFC
/// 5024 §5.3.2).
pub const MAX_EXCHANGE_BUFFER: usize = 99_999;

/// What the octets at the start of a receive buffer hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Not even a whole header yet; `needed` more octets complete it.
    NeedHeader {
        /// Octets still missing from the header.
        needed: usize,
    },
    /// A valid header announcing an Exchange Buffer of `oeb_len` octets; the
    /// whole Stream Transmission Buffer is `STH_LEN + oeb_len` octets, of
    /// which the buffer may hold only part.
    Header {
        /// Length of the Exchange Buffer after the header.
        oeb_len: usize,
    },
}

/// Judges the start of `buf` (which may hold a partial header) against the
/// largest Exchange Buffer allowed now (`max_buffer`: the negotiated SSIDSDEB,
/// or [`MAX_EXCHANGE_BUFFER`] before negotiation).
///
/// Errors: a version/flags octet other than 0x10 ([`CodecError::SthHeader`],
/// ESID 02) as soon as the first octet is there; a length below 5 or above
/// `max_buffer + 4` ([`CodecError::SthLength`], ESID 07) as soon as the header
/// is complete.
pub fn parse_header(buf: &[u8], max_buffer: usize) -> Result<Framing> {
    let Some(&first) = buf.first() else {
        return Ok(Framing::NeedHeader { needed: STH_LEN });
    };
    if first != STH_VERSION_FLAGS {
        return Err(CodecError::SthHeader(first));
    }
    if buf.len() < STH_LEN {
        return Ok(Framing::NeedHeader { needed: STH_LEN - buf.len() });
    }
    let length = (usize::from(buf[1]) << 16) | (usize::from(buf[2]) << 8) | usize::from(buf[3]);
    let max_buffer = max_buffer.min(MAX_EXCHANGE_BUFFER);
    if length < STH_LEN + MIN_EXCHANGE_BUFFER || length > STH_LEN + max_buffer {
        return Err(CodecError::SthLength { length, max_buffer });
    }
    Ok(Framing::Header { oeb_len: length - STH_LEN })
}

/// If `buf` starts with a complete Stream Transmission Buffer, returns its
/// Exchange Buffer and the number of octets it takes (header included);
/// `Ok(None)` while more octets are needed. Errors as [`parse_header`].
pub fn next_exchange_buffer(buf: &[u8], max_buffer: usize) -> Result<Option<(&[u8], usize)>> {
    match parse_header(buf, max_buffer)? {
        Framing::NeedHeader { .. } => Ok(None),
        Framing::Header { oeb_len } => {
            let total = STH_LEN + oeb_len;
            if buf.len() < total {
                Ok(None)
            } else {
                Ok(Some((&buf[STH_LEN..total], total)))
            }
        }
    }
}

/// The header for an Exchange Buffer of `oeb_len` octets.
pub fn encode_header(oeb_len: usize) -> Result<[u8; STH_LEN]> {
    if !(MIN_EXCHANGE_BUFFER..=MAX_EXCHANGE_BUFFER).contains(&oeb_len) {
        return Err(CodecError::encode("STH length", format!("Exchange Buffer of {oeb_len} octets")));
    }
    let total = oeb_len + STH_LEN;
    Ok([STH_VERSION_FLAGS, (total >> 16) as u8, (total >> 8) as u8, total as u8])
}

/// Appends the header and `oeb` to `out`.
pub fn encode(oeb: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.extend_from_slice(&encode_header(oeb.len())?);
    out.extend_from_slice(oeb);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_stb_is_a_cd_command() {
        // RFC 5024 §8.2: "The smallest STB is 5 octets consisting of a 4-octet
        // header followed by a 1-octet Exchange Buffer such as a Change
        // Direction (CD) command."
        let mut out = Vec::new();
        encode(b"R", &mut out).unwrap();
        assert_eq!(out, [0x10, 0x00, 0x00, 0x05, b'R']);
        assert_eq!(next_exchange_buffer(&out, 128).unwrap(), Some((&b"R"[..], 5)));
    }

    #[test]
    fn largest_stb_is_100003() {
        let h = encode_header(99_999).unwrap();
        assert_eq!(h, [0x10, 0x01, 0x86, 0xA3]); // 100003 = 0x0186A3
        assert_eq!(parse_header(&h, 99_999).unwrap(), Framing::Header { oeb_len: 99_999 });
        assert!(encode_header(100_000).is_err());
        assert!(encode_header(0).is_err());
    }

    #[test]
    fn partial_headers_ask_for_more() {
        let h = encode_header(61).unwrap();
        assert_eq!(parse_header(&[], 128).unwrap(), Framing::NeedHeader { needed: 4 });
        assert_eq!(parse_header(&h[..1], 128).unwrap(), Framing::NeedHeader { needed: 3 });
        assert_eq!(parse_header(&h[..3], 128).unwrap(), Framing::NeedHeader { needed: 1 });
        assert_eq!(parse_header(&h, 128).unwrap(), Framing::Header { oeb_len: 61 });
        // A complete header with a partial body is not yet a buffer.
        let mut stb = h.to_vec();
        stb.extend_from_slice(&[b'X'; 60]);
        assert_eq!(next_exchange_buffer(&stb, 128).unwrap(), None);
        stb.push(b'\r');
        stb.extend_from_slice(&[0x10, 0]); // the start of the next one
        let (oeb, used) = next_exchange_buffer(&stb, 128).unwrap().unwrap();
        assert_eq!((oeb.len(), used), (61, 65));
    }

    #[test]
    fn bad_version_or_flags_is_refused_from_the_first_octet() {
        assert_eq!(parse_header(&[0x20], 128), Err(CodecError::SthHeader(0x20)));
        assert_eq!(parse_header(&[0x11, 0, 0], 128), Err(CodecError::SthHeader(0x11)));
        // An SSRM without STH, as an X.25-minded peer might send it.
        assert_eq!(parse_header(b"IODETTE", 128), Err(CodecError::SthHeader(b'I')));
        assert_eq!(CodecError::SthHeader(0).esid_reason().code(), 2);
    }

    #[test]
    fn length_above_the_negotiated_size_is_refused_from_the_header_alone() {
        let h = encode_header(129).unwrap();
        let e = parse_header(&h, 128).unwrap_err();
        assert_eq!(e, CodecError::SthLength { length: 133, max_buffer: 128 });
        assert_eq!(e.esid_reason().code(), 7);
        assert_eq!(parse_header(&h, 129).unwrap(), Framing::Header { oeb_len: 129 });
        // Below 5 octets there is no command.
        assert!(matches!(parse_header(&[0x10, 0, 0, 4], 128), Err(CodecError::SthLength { length: 4, .. })));
        assert!(matches!(parse_header(&[0x10, 0, 0, 0], 128), Err(CodecError::SthLength { length: 0, .. })));
        // A huge length never asks for a huge buffer, whatever the caller's max.
        assert!(parse_header(&[0x10, 0xFF, 0xFF, 0xFF], usize::MAX).is_err());
    }
}
