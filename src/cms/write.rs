//! Writing: DER for the small structures (X.690 §10: definite, minimal
//! lengths) and the streaming form for a large content — an
//! indefinite-length constructed OCTET STRING (X.690 §8.7.3.2) of definite
//! pieces of at most [`CHUNK`](super::CHUNK) bytes, ended by end-of-contents.

use super::{CmsError, Sink, CHUNK};

/// Identifier octets used here (universal, or context-specific [n]).
pub mod id {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// OCTET STRING, primitive.
    pub const OCTET_STRING: u8 = 0x04;
    /// OCTET STRING, constructed.
    pub const OCTET_STRING_CONS: u8 = 0x24;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// UTCTime.
    pub const UTC_TIME: u8 = 0x17;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// SEQUENCE.
    pub const SEQUENCE: u8 = 0x30;
    /// SET.
    pub const SET: u8 = 0x31;
    /// [0] constructed.
    pub const CTX0_CONS: u8 = 0xA0;
    /// [0] primitive.
    pub const CTX0: u8 = 0x80;
}

/// End-of-contents (X.690 §8.1.5).
pub const EOC: [u8; 2] = [0, 0];

/// Appends a one-octet identifier and the DER length octets of `len`.
pub fn header(out: &mut Vec<u8>, id: u8, len: usize) {
    out.push(id);
    length(out, len);
}

/// Appends DER length octets (X.690 §10.1).
pub fn length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// One DER element.
pub fn tlv(id: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    header(&mut out, id, content.len());
    out.extend_from_slice(content);
    out
}

/// A DER element whose content is the concatenation of `parts`.
pub fn cons(id: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    header(&mut out, id, len);
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// SEQUENCE of `parts`.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    cons(id::SEQUENCE, parts)
}

/// DER SET OF (X.690 §11.6): the encodings sorted as octet strings.
pub fn set_of(mut items: Vec<Vec<u8>>) -> Vec<u8> {
    items.sort();
    let parts: Vec<&[u8]> = items.iter().map(|v| v.as_slice()).collect();
    cons(id::SET, &parts)
}

/// OBJECT IDENTIFIER from its content octets (see [`super::oid`]).
pub fn oid(content: &[u8]) -> Vec<u8> {
    tlv(id::OID, content)
}

/// A small non-negative INTEGER.
pub fn small_int(v: u8) -> Vec<u8> {
    if v < 0x80 {
        vec![id::INTEGER, 1, v]
    } else {
        vec![id::INTEGER, 2, 0, v]
    }
}

/// AlgorithmIdentifier (RFC 5280 §4.1.1.2) with optional DER parameters.
pub fn algorithm(oid_content: &[u8], params: Option<&[u8]>) -> Vec<u8> {
    let o = oid(oid_content);
    match params {
        Some(p) => seq(&[&o, p]),
        None => seq(&[&o]),
    }
}

/// NULL.
pub const NULL: [u8; 2] = [id::NULL, 0];

/// Streams a content as an indefinite-length constructed OCTET STRING:
/// [`begin`](Self::begin) writes `24 80`, [`push`](Self::push) buffers up to
/// [`CHUNK`] bytes and writes full pieces (large pushes go out without a
/// copy), [`end`](Self::end) writes the last piece and end-of-contents.
#[derive(Debug, Default)]
pub struct OctetStream {
    buf: Vec<u8>,
}

impl OctetStream {
    /// A new stream (nothing written yet).
    pub fn new() -> Self {
        OctetStream { buf: Vec::with_capacity(CHUNK) }
    }

    /// Writes the constructed OCTET STRING's header (`24 80`).
    pub fn begin(&self, out: &mut dyn Sink) -> Result<(), CmsError> {
        out.put(&[id::OCTET_STRING_CONS, 0x80])
    }

    fn piece(out: &mut dyn Sink, data: &[u8]) -> Result<(), CmsError> {
        let mut h = Vec::with_capacity(6);
        header(&mut h, id::OCTET_STRING, data.len());
        out.put(&h)?;
        out.put(data)
    }

    /// Adds content.
    pub fn push(&mut self, mut data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        if !self.buf.is_empty() {
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == CHUNK {
                Self::piece(out, &self.buf)?;
                self.buf.clear();
            }
        }
        while data.len() >= CHUNK {
            Self::piece(out, &data[..CHUNK])?;
            data = &data[CHUNK..];
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Writes what is buffered and the end-of-contents.
    pub fn end(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        self.end_pieces(out)?;
        out.put(&EOC)
    }

    /// Writes what is buffered, without an end-of-contents (for a caller
    /// that wrote its own implicitly tagged header and ends it itself).
    pub fn end_pieces(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        if !self.buf.is_empty() {
            Self::piece(out, &self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal() {
        let mut v = Vec::new();
        length(&mut v, 0x7F);
        assert_eq!(v, [0x7F]);
        v.clear();
        length(&mut v, 0x80);
        assert_eq!(v, [0x81, 0x80]);
        v.clear();
        length(&mut v, 0x1234);
        assert_eq!(v, [0x82, 0x12, 0x34]);
        v.clear();
        length(&mut v, 1 << 24);
        assert_eq!(v, [0x84, 1, 0, 0, 0]);
    }

    #[test]
    fn set_of_sorts() {
        let s = set_of(vec![vec![0x04, 1, 9], vec![0x02, 1, 1]]);
        assert_eq!(s, [0x31, 6, 0x02, 1, 1, 0x04, 1, 9]);
        assert_eq!(small_int(200), [2, 2, 0, 200]);
    }

    #[test]
    fn octet_stream_pieces() {
        let mut out = Vec::new();
        let mut s = OctetStream::new();
        s.begin(&mut out).unwrap();
        s.push(b"ab", &mut out).unwrap();
        s.push(&vec![7u8; CHUNK + 3], &mut out).unwrap();
        s.end(&mut out).unwrap();
        assert_eq!(&out[..2], [0x24, 0x80]);
        // first piece: "ab" + CHUNK-2 sevens, then 5 sevens, then EOC
        assert_eq!(&out[2..6], [0x04, 0x82, 0x40, 0x00]);
        assert_eq!(&out[6..8], b"ab");
        let rest = &out[6 + CHUNK..];
        assert_eq!(rest, [0x04, 5, 7, 7, 7, 7, 7, 0, 0]);
    }
}
