//! Field formats of the command layouts (RFC 5024 §5.3, RFC 2204 §5.3):
//!
//! - `X(n)` alphanumeric: left justified, right padded with spaces. Decoded as
//!   the text without its padding. RFC 5024 §5.3 restricts strings to
//!   `0-9 A-Z / - . & ( ) space`; received fields are accepted if they are
//!   printable ISO 646 (0x20–0x7E), the robustness principle of §8.2, since
//!   passwords and user data in the field are often lower case. Control and
//!   8-bit octets are refused (ESID 06): those never come from a sane peer and
//!   would reach file names and logs.
//! - `9(n)` numeric: right justified, left padded with zeros; only digits.
//! - `U(n)` binary, unsigned, network byte order (2.0 length prefixes).
//! - `T(n)` UTF-8 (2.0 reason texts and SFIDDESC), after a `9(3)` length.
//!   Decoded lossily: the texts are informational, and a stray octet in a
//!   reason text is no reason to abort a session.
//!
//! [`Reader`] and [`Writer`] walk one Exchange Buffer; the command modules use
//! them so each layout reads like its RFC table.

use super::error::{CodecError, Result};

/// The longest `T(n)` text a `9(3)` length allows (RFC 5024 §5.3.5 etc.).
pub const MAX_TEXT: usize = 999;

/// Reads the fields of one Exchange Buffer in order.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf` (the command octet).
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn command(&self) -> u8 {
        self.buf.first().copied().unwrap_or(0)
    }

    /// Refuses a buffer that is not exactly `len` octets (ESID 07): a fixed
    /// layout's length is checked before any field, so a short or long buffer
    /// is a size error and never a field error.
    pub fn expect_len(&self, len: usize) -> Result<()> {
        if self.buf.len() != len {
            return Err(CodecError::Length { command: self.command(), expected: len, actual: self.buf.len() });
        }
        Ok(())
    }

    /// The next `n` octets; a buffer that ends first is a size error.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or(CodecError::Length {
            command: self.command(),
            expected: self.pos.saturating_add(n),
            actual: self.buf.len(),
        })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Skips a reserved field. Its content is not checked: "reserved for
    /// future use" must not break a future peer.
    pub fn reserved(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    /// An `X(n)` field without its trailing spaces.
    pub fn alnum(&mut self, n: usize, field: &'static str) -> Result<String> {
        let raw = self.take(n)?;
        if let Some(&b) = raw.iter().find(|&&b| !(0x20..=0x7E).contains(&b)) {
            return Err(CodecError::field(field, format!("octet 0x{b:02X} is not printable ISO 646")));
        }
        let end = raw.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
        Ok(String::from_utf8_lossy(&raw[..end]).into_owned())
    }

    /// A `9(n)` field (n ≤ 19).
    pub fn numeric(&mut self, n: usize, field: &'static str) -> Result<u64> {
        let raw = self.take(n)?;
        parse_digits(raw).ok_or_else(|| CodecError::field(field, format!("{:?} is not numeric", show(raw))))
    }

    /// A one-octet field whose value must be one of `allowed`.
    pub fn one_of(&mut self, allowed: &[u8], field: &'static str) -> Result<u8> {
        let b = self.take(1)?[0];
        if !allowed.contains(&b) {
            return Err(CodecError::field(field, format!("{:?} is not one of {:?}", show(&[b]), show(allowed))));
        }
        Ok(b)
    }

    /// A `Y`/`N` indicator.
    pub fn yes_no(&mut self, field: &'static str) -> Result<bool> {
        Ok(self.one_of(b"YN", field)? == b'Y')
    }

    /// A carriage return: 0x0D or 0x8D (RFC 5024 §5.3.1 SSRMCR etc.).
    pub fn carriage_return(&mut self, field: &'static str) -> Result<()> {
        self.one_of(&[0x0D, 0x8D], field).map(|_| ())
    }

    /// A `U(2)` binary number.
    pub fn binary_u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A `U(2)` length followed by that many octets.
    pub fn binary_with_len(&mut self) -> Result<Vec<u8>> {
        let n = usize::from(self.binary_u16()?);
        Ok(self.take(n)?.to_vec())
    }

    /// A `9(3)` length followed by that many octets of UTF-8 text.
    pub fn text_with_len(&mut self, len_field: &'static str) -> Result<String> {
        let n = self.numeric(3, len_field)? as usize;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    /// Octets not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Refuses trailing octets after the last field (ESID 07).
    pub fn finish(self) -> Result<()> {
        if self.pos != self.buf.len() {
            return Err(CodecError::Length { command: self.command(), expected: self.pos, actual: self.buf.len() });
        }
        Ok(())
    }
}

/// Digits as a number; `None` for an empty field, a non-digit or overflow.
pub fn parse_digits(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() {
        return None;
    }
    raw.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// A field for an error message: printable as is, others escaped.
fn show(raw: &[u8]) -> String {
    raw.escape_ascii().to_string()
}

/// Appends the fields of one Exchange Buffer.
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Writer { out }
    }

    /// One octet as is (command codes, fixed characters).
    pub fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    /// Raw octets as is.
    pub fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// `n` spaces (reserved fields, RFC 5024 §5.3: "Reserved fields should be
    /// padded with spaces").
    pub fn spaces(&mut self, n: usize) {
        self.out.resize(self.out.len() + n, b' ');
    }

    /// An `X(n)` field: printable ISO 646, at most `n` octets, space padded.
    pub fn alnum(&mut self, value: &str, n: usize, field: &'static str) -> Result<()> {
        if value.len() > n {
            return Err(CodecError::encode(field, format!("{value:?} is longer than {n} octets")));
        }
        if !value.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
            return Err(CodecError::encode(field, format!("{value:?} is not printable ISO 646")));
        }
        self.bytes(value.as_bytes());
        self.spaces(n - value.len());
        Ok(())
    }

    /// A `9(n)` field: zero padded; a value that needs more digits is refused.
    pub fn numeric(&mut self, value: u64, n: usize, field: &'static str) -> Result<()> {
        let s = value.to_string();
        if s.len() > n {
            return Err(CodecError::encode(field, format!("{value} needs more than {n} digits")));
        }
        self.out.resize(self.out.len() + n - s.len(), b'0');
        self.bytes(s.as_bytes());
        Ok(())
    }

    /// A `Y`/`N` indicator.
    pub fn yes_no(&mut self, value: bool) {
        self.byte(if value { b'Y' } else { b'N' });
    }

    /// A `U(2)` length and the octets.
    pub fn binary_with_len(&mut self, value: &[u8], field: &'static str) -> Result<()> {
        let n = u16::try_from(value.len())
            .map_err(|_| CodecError::encode(field, format!("{} octets exceed a 2-octet length", value.len())))?;
        self.bytes(&n.to_be_bytes());
        self.bytes(value);
        Ok(())
    }

    /// A `9(3)` length and the UTF-8 text (at most [`MAX_TEXT`] octets).
    pub fn text_with_len(&mut self, value: &str, field: &'static str) -> Result<()> {
        if value.len() > MAX_TEXT {
            return Err(CodecError::encode(field, format!("{} octets exceed {MAX_TEXT}", value.len())));
        }
        self.numeric(value.len() as u64, 3, field)?;
        self.bytes(value.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alnum_fields_trim_padding_and_refuse_control_octets() {
        let mut r = Reader::new(b"O0013ABC  x\x01");
        assert_eq!(r.alnum(10, "SSIDCODE").unwrap(), "O0013ABC");
        assert_eq!(r.alnum(1, "F").unwrap(), "x");
        assert!(matches!(r.alnum(1, "F"), Err(CodecError::Field { field: "F", .. })));
        assert_eq!(Reader::new(b"    ").alnum(4, "U").unwrap(), "");
    }

    #[test]
    fn numeric_fields_need_digits_only() {
        assert_eq!(Reader::new(b"00128").numeric(5, "SSIDSDEB").unwrap(), 128);
        assert_eq!(Reader::new(b"99999999999999999").numeric(17, "N").unwrap(), 99_999_999_999_999_999);
        for bad in [&b" 0128"[..], b"0012A", b"-0012", b"+0012"] {
            let e = Reader::new(bad).numeric(5, "SSIDSDEB").unwrap_err();
            assert_eq!(e.esid_reason().code(), 6, "{bad:?}");
        }
        assert_eq!(parse_digits(b""), None);
        assert_eq!(parse_digits(b"99999999999999999999"), None); // overflows u64
    }

    #[test]
    fn short_and_long_buffers_are_size_errors() {
        let mut r = Reader::new(b"X12");
        assert!(matches!(r.take(4), Err(CodecError::Length { command: b'X', expected: 4, actual: 3 })));
        let mut r = Reader::new(b"R\r");
        r.take(1).unwrap();
        assert!(matches!(r.finish(), Err(CodecError::Length { expected: 1, actual: 2, .. })));
        assert!(Reader::new(b"RR").expect_len(1).is_err());
    }

    #[test]
    fn carriage_return_accepts_both_forms() {
        assert!(Reader::new(b"\r").carriage_return("CR").is_ok());
        assert!(Reader::new(&[0x8D]).carriage_return("CR").is_ok());
        assert!(Reader::new(b"\n").carriage_return("CR").is_err());
    }

    #[test]
    fn writer_pads_and_refuses_what_does_not_fit() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.alnum("ABC", 5, "F").unwrap();
        w.numeric(42, 5, "N").unwrap();
        w.yes_no(true);
        w.spaces(2);
        w.text_with_len("héllo", "L").unwrap();
        w.binary_with_len(&[1, 2], "H").unwrap();
        assert_eq!(out, b"ABC  00042Y  006h\xC3\xA9llo\x00\x02\x01\x02");
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        assert!(w.alnum("TOOLONG", 3, "F").is_err());
        assert!(w.alnum("é", 3, "F").is_err());
        assert!(w.numeric(1000, 3, "N").is_err());
        assert!(w.text_with_len(&"x".repeat(1000), "L").is_err());
        assert!(w.binary_with_len(&vec![0; 65536], "H").is_err());
    }

    #[test]
    fn texts_and_binaries_read_their_length_prefix() {
        let mut r = Reader::new(b"003abc\x00\x01\xFFrest");
        assert_eq!(r.text_with_len("L").unwrap(), "abc");
        assert_eq!(r.binary_with_len().unwrap(), [0xFF]);
        assert_eq!(r.remaining(), 4);
        // A length that runs past the end is a size error, not a panic.
        assert!(matches!(Reader::new(b"999ab").text_with_len("L"), Err(CodecError::Length { .. })));
        assert!(matches!(Reader::new(b"\xFF\xFFab").binary_with_len(), Err(CodecError::Length { .. })));
    }
}
