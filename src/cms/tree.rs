//! Small elements held whole: a [`Tlv`] tree built from reader events by a
//! [`Collector`] within a byte budget ([`MAX_ELEMENT`](super::MAX_ELEMENT)),
//! with accessors for the CMS structures and a DER re-encoding — which is the
//! original octets when the element was DER (RFC 5652 §5.3 requires DER for
//! signed attributes; certificates are DER, RFC 5280 §4.1).

use super::ber::{tag, Class, Event, Header};
use super::error::{garbled, CmsError};
use super::write;

/// One element: primitive content or constructed children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// Class, constructed flag and tag number (the length is not kept).
    pub hdr: Header,
    /// A primitive's content (a constructed string's pieces concatenated).
    pub content: Vec<u8>,
    /// A constructed element's children.
    pub children: Vec<Tlv>,
}

impl Tlv {
    /// Universal tag number `t`.
    pub fn is(&self, t: u32) -> bool {
        self.hdr.is_universal(t)
    }

    /// Checks universal tag `t` and returns self.
    pub fn expect(&self, t: u32, what: &str) -> Result<&Tlv, CmsError> {
        if self.is(t) {
            Ok(self)
        } else {
            Err(garbled(format!("{what}: unexpected tag {:?} {}", self.hdr.class, self.hdr.tag)))
        }
    }

    /// Child `i`, or an error naming `what`.
    pub fn child(&self, i: usize, what: &str) -> Result<&Tlv, CmsError> {
        self.children.get(i).ok_or_else(|| garbled(format!("{what} missing")))
    }

    /// The content of a primitive OBJECT IDENTIFIER.
    pub fn oid(&self, what: &str) -> Result<&[u8], CmsError> {
        let t = self.expect(tag::OID, what)?;
        if t.hdr.constructed || t.content.is_empty() {
            return Err(garbled(format!("{what}: bad OBJECT IDENTIFIER")));
        }
        Ok(&t.content)
    }

    /// The content of an OCTET STRING (primitive or constructed) or of any
    /// implicitly tagged string.
    pub fn octets(&self) -> &[u8] {
        &self.content
    }

    /// A small INTEGER's value (version numbers).
    pub fn small_int(&self, what: &str) -> Result<i64, CmsError> {
        let t = self.expect(tag::INTEGER, what)?;
        if t.content.is_empty() || t.content.len() > 4 {
            return Err(garbled(format!("{what}: bad INTEGER")));
        }
        let mut v: i64 = if t.content[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in &t.content {
            v = (v << 8) | i64::from(b);
        }
        Ok(v)
    }

    /// The DER encoding of this element (X.690 §10): definite minimal
    /// lengths, a constructed OCTET STRING made primitive.
    pub fn to_der(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.der_into(&mut out);
        out
    }

    fn der_into(&self, out: &mut Vec<u8>) {
        let flatten = self.hdr.is_universal(tag::OCTET_STRING);
        let constructed = self.hdr.constructed && !flatten;
        identifier(out, &self.hdr, constructed);
        if constructed {
            let mut inner = Vec::new();
            for c in &self.children {
                c.der_into(&mut inner);
            }
            write::length(out, inner.len());
            out.extend_from_slice(&inner);
        } else {
            write::length(out, self.content.len());
            out.extend_from_slice(&self.content);
        }
    }

    /// The same element under another one-octet identifier (an IMPLICIT
    /// [0] SET read back as SET OF, RFC 5652 §5.4).
    pub fn der_with_id(&self, id: u8) -> Vec<u8> {
        let mut der = self.to_der();
        let skip = identifier_len(&self.hdr);
        der.splice(0..skip, [id]);
        der
    }
}

fn identifier_len(h: &Header) -> usize {
    if h.tag < 31 {
        1
    } else {
        1 + (32 - h.tag.leading_zeros() as usize).div_ceil(7)
    }
}

fn identifier(out: &mut Vec<u8>, h: &Header, constructed: bool) {
    let class = match h.class {
        Class::Universal => 0x00,
        Class::Application => 0x40,
        Class::Context => 0x80,
        Class::Private => 0xC0,
    };
    let c = if constructed { 0x20 } else { 0 };
    if h.tag < 31 {
        out.push(class | c | h.tag as u8);
    } else {
        out.push(class | c | 0x1F);
        let n = identifier_len(h) - 1;
        for i in (0..n).rev() {
            let b = ((h.tag >> (7 * i)) & 0x7F) as u8;
            out.push(if i > 0 { b | 0x80 } else { b });
        }
    }
}

/// Builds one [`Tlv`] from the reader events of an element, starting with
/// its own `Start`, within a budget of content plus 16 bytes per node.
#[derive(Debug)]
pub struct Collector {
    stack: Vec<Tlv>,
    used: usize,
    budget: usize,
    done: Option<Tlv>,
}

impl Collector {
    /// Starts collecting the element whose header is `hdr`.
    pub fn new(hdr: Header, budget: usize) -> Self {
        let mut c = Collector { stack: Vec::new(), used: 0, budget, done: None };
        c.open(hdr);
        c
    }

    fn open(&mut self, hdr: Header) {
        self.used += 16;
        self.stack.push(Tlv { hdr, content: Vec::new(), children: Vec::new() });
    }

    fn charge(&mut self, n: usize) -> Result<(), CmsError> {
        self.used += n;
        if self.used > self.budget {
            Err(CmsError::TooLong("a certificate, signer or recipient info beyond the element limit"))
        } else {
            Ok(())
        }
    }

    /// Takes the next event of the element; `Ok(Some(tlv))` when it ended.
    pub fn event(&mut self, ev: &Event<'_>) -> Result<Option<Tlv>, CmsError> {
        match *ev {
            Event::Start(h) => {
                self.charge(16)?;
                self.open(h);
            }
            Event::Data(d) => {
                self.charge(d.len())?;
                if let Some(top) = self.stack.last_mut() {
                    top.content.extend_from_slice(d);
                }
            }
            Event::End(_) => {
                let Some(node) = self.stack.pop() else { return Err(garbled("collector underflow")) };
                match self.stack.last_mut() {
                    Some(parent) => {
                        // A constructed string's pieces also become its content
                        // (X.690 §8.7.3.2), so `octets()` is one call either way.
                        if parent.hdr.constructed
                            && (parent.hdr.is_universal(tag::OCTET_STRING) || parent.hdr.class == Class::Context)
                            && !node.hdr.constructed
                            && node.hdr.is_universal(tag::OCTET_STRING)
                        {
                            parent.content.extend_from_slice(&node.content);
                            self.used += node.content.len();
                        }
                        parent.children.push(node);
                    }
                    None => {
                        self.done = Some(node);
                        return Ok(self.done.take());
                    }
                }
            }
        }
        Ok(None)
    }
}

/// Parses a whole DER/BER element held in memory (certificates given as
/// DER, tests).
pub fn parse(input: &[u8], budget: usize) -> Result<Tlv, CmsError> {
    let mut r = super::ber::Reader::default();
    let mut rest = input;
    let mut col: Option<Collector> = None;
    while let Some(ev) = r.next(&mut rest)? {
        match (&mut col, &ev) {
            (None, Event::Start(h)) => col = Some(Collector::new(*h, budget)),
            (Some(c), _) => {
                if let Some(t) = c.event(&ev)? {
                    if !rest.is_empty() {
                        return Err(CmsError::TrailingData);
                    }
                    return Ok(t);
                }
            }
            _ => return Err(garbled("unexpected event")),
        }
    }
    Err(CmsError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_round_trip_and_flatten() {
        let der = [0x30, 0x08, 0x02, 0x01, 0x05, 0xBF, 0x81, 0x00, 0x01, 0xAA];
        // [APPLICATION? no: context 128 constructed] with one content octet
        let bad = parse(&der, 1000);
        assert!(bad.is_err(), "a constructed [128] with a primitive content octet is garbled");
        let der = [0x30, 0x09, 0x02, 0x01, 0x05, 0x9F, 0x81, 0x00, 0x02, 0xAA, 0xBB];
        let t = parse(&der, 1000).unwrap();
        assert_eq!(t.children.len(), 2);
        assert_eq!(t.children[1].hdr.tag, 128);
        assert_eq!(t.to_der(), der);
        assert_eq!(t.child(0, "x").unwrap().small_int("v").unwrap(), 5);
        let ber = [0x24, 0x80, 0x04, 0x01, 0x61, 0x04, 0x02, 0x62, 0x63, 0x00, 0x00];
        let t = parse(&ber, 1000).unwrap();
        assert_eq!(t.octets(), b"abc");
        assert_eq!(t.to_der(), [0x04, 0x03, 0x61, 0x62, 0x63]);
    }

    #[test]
    fn budget_and_trailing() {
        let der = [0x04, 0x05, 1, 2, 3, 4, 5];
        assert!(matches!(parse(&der, 8), Err(CmsError::TooLong(_))));
        assert!(parse(&der, 100).is_ok());
        assert!(matches!(parse(&[0x04, 0x01, 1, 0], 100), Err(CmsError::TrailingData)));
        assert!(matches!(parse(&[0x04, 0x02, 1], 100), Err(CmsError::Truncated)));
    }
}
