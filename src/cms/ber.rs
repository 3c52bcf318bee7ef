//! A streaming BER reader (X.690 §8.1): push byte slices of any size and get
//! events — an element's header, its primitive content in the pieces it
//! arrived in, its end — without ever holding a content. Definite and
//! indefinite lengths (§8.1.3.6, ended by end-of-contents §8.1.5) and
//! constructed strings (§8.7.3.2, as `openssl cms -stream` writes them) are
//! read; nesting is limited to a depth, lengths to a maximum, and an element
//! that overruns its parent, a primitive with an indefinite length or a stray
//! end-of-contents is an error. The reader holds at most one partial header
//! (14 bytes) and one frame per open element: memory is bounded by the depth
//! limit, independent of the content size.

use super::error::{garbled, CmsError};

/// The class bits of an identifier octet (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Universal (SEQUENCE, OCTET STRING, ...).
    Universal,
    /// Application.
    Application,
    /// Context-specific ([0], [1], ...).
    Context,
    /// Private.
    Private,
}

/// The length octets (X.690 §8.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// A definite length in octets.
    Definite(u64),
    /// The indefinite form (0x80): contents end with end-of-contents.
    Indefinite,
}

/// An element's identifier and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag class.
    pub class: Class,
    /// Constructed (true) or primitive.
    pub constructed: bool,
    /// The tag number.
    pub tag: u32,
    /// The length.
    pub len: Length,
}

impl Header {
    /// Universal tag number `tag` (any form).
    pub fn is_universal(&self, tag: u32) -> bool {
        self.class == Class::Universal && self.tag == tag
    }

    /// Context-specific tag number `tag` (any form).
    pub fn is_context(&self, tag: u32) -> bool {
        self.class == Class::Context && self.tag == tag
    }
}

/// Universal tag numbers used by CMS (X.680 §8.4).
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u32 = 2;
    /// BIT STRING.
    pub const BIT_STRING: u32 = 3;
    /// OCTET STRING.
    pub const OCTET_STRING: u32 = 4;
    /// NULL.
    pub const NULL: u32 = 5;
    /// OBJECT IDENTIFIER.
    pub const OID: u32 = 6;
    /// SEQUENCE / SEQUENCE OF.
    pub const SEQUENCE: u32 = 16;
    /// SET / SET OF.
    pub const SET: u32 = 17;
}

/// What the reader saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// An element begins.
    Start(Header),
    /// The next piece of the current primitive element's content, borrowed
    /// from the input slice.
    Data(&'a [u8]),
    /// The element most recently started and not yet ended is complete
    /// (carries its header).
    End(Header),
}

/// Limits on what the reader accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open elements at most (the top-level element counts as one).
    pub max_depth: usize,
    /// The largest definite length accepted.
    pub max_len: u64,
}

impl Default for Limits {
    /// Depth 32 (CMS needs about 10), lengths up to 2^48 bytes.
    fn default() -> Self {
        Limits { max_depth: 32, max_len: 1 << 48 }
    }
}

/// Longest header: 1 identifier octet, 4 more for a tag number below 2^28,
/// 1 length octet and 8 more for a 64-bit length.
const MAX_HEADER: usize = 14;

#[derive(Debug, Clone, Copy)]
struct Frame {
    hdr: Header,
    /// Absolute offset where a definite-length element ends.
    end: Option<u64>,
}

/// The streaming reader of one top-level BER element.
#[derive(Debug)]
pub struct Reader {
    limits: Limits,
    /// Bytes consumed so far.
    pos: u64,
    stack: Vec<Frame>,
    /// Inside a primitive: its header and the content octets still to come.
    prim: Option<(Header, u64)>,
    hbuf: [u8; MAX_HEADER],
    hlen: usize,
    started: bool,
    done: bool,
}

impl Default for Reader {
    fn default() -> Self {
        Reader::new(Limits::default())
    }
}

impl Reader {
    /// A reader with these limits.
    pub fn new(limits: Limits) -> Self {
        Reader {
            limits,
            pos: 0,
            stack: Vec::new(),
            prim: None,
            hbuf: [0; MAX_HEADER],
            hlen: 0,
            started: false,
            done: false,
        }
    }

    /// True once the top-level element has ended.
    pub fn is_complete(&self) -> bool {
        self.done
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Open elements (the current primitive included).
    pub fn depth(&self) -> usize {
        self.stack.len() + usize::from(self.prim.is_some())
    }

    /// The end of the innermost definite-length open element.
    fn limit(&self) -> Option<u64> {
        self.stack.iter().rev().find_map(|f| f.end)
    }

    /// Marks the top level done when nothing is open any more.
    fn ended(&mut self, hdr: Header) -> Event<'static> {
        if self.stack.is_empty() && self.prim.is_none() {
            self.done = true;
        }
        Event::End(hdr)
    }

    /// The next event from `input`, advancing it past what was consumed;
    /// `Ok(None)` when `input` is used up and more is needed (or the element
    /// is complete and `input` is empty). Bytes after the complete element
    /// are [`CmsError::TrailingData`].
    pub fn next<'a>(&mut self, input: &mut &'a [u8]) -> Result<Option<Event<'a>>, CmsError> {
        if let Some((hdr, left)) = self.prim {
            if left == 0 {
                self.prim = None;
                return Ok(Some(self.ended(hdr)));
            }
            if input.is_empty() {
                return Ok(None);
            }
            let n = left.min(input.len() as u64) as usize;
            let (data, rest) = input.split_at(n);
            *input = rest;
            self.pos += n as u64;
            self.prim = Some((hdr, left - n as u64));
            return Ok(Some(Event::Data(data)));
        }
        if let Some(top) = self.stack.last() {
            if top.end == Some(self.pos) {
                let hdr = top.hdr;
                self.stack.pop();
                return Ok(Some(self.ended(hdr)));
            }
        }
        if self.done {
            return if input.is_empty() { Ok(None) } else { Err(CmsError::TrailingData) };
        }
        if input.is_empty() {
            return Ok(None);
        }
        let old = self.hlen;
        let take = (MAX_HEADER - old).min(input.len());
        self.hbuf[old..old + take].copy_from_slice(&input[..take]);
        let (hdr, used) = match parse_header(&self.hbuf[..old + take])? {
            None => {
                if old + take == MAX_HEADER {
                    return Err(garbled("header too long"));
                }
                self.hlen = old + take;
                *input = &input[take..];
                self.pos += take as u64;
                // A partial header that already reaches its parent's end can
                // never fit in it (else the parent's End would hide it).
                if self.limit().is_some_and(|l| self.pos >= l) {
                    return Err(garbled("element header overruns its parent"));
                }
                return Ok(None);
            }
            Some(h) => h,
        };
        let fresh = used - old;
        *input = &input[fresh..];
        self.pos += fresh as u64;
        self.hlen = 0;
        self.started = true;
        if let Some(limit) = self.limit() {
            if self.pos > limit {
                return Err(garbled("element header overruns its parent"));
            }
        }
        if hdr.class == Class::Universal && hdr.tag == 0 && !hdr.constructed {
            if hdr.len != Length::Definite(0) {
                return Err(garbled("end-of-contents with a length"));
            }
            return match self.stack.last() {
                Some(f) if f.end.is_none() => {
                    let h = f.hdr;
                    self.stack.pop();
                    Ok(Some(self.ended(h)))
                }
                _ => Err(garbled("end-of-contents outside an indefinite-length element")),
            };
        }
        let end = match hdr.len {
            Length::Definite(n) => {
                if n > self.limits.max_len {
                    return Err(CmsError::TooLong("length above the reader's limit"));
                }
                let end = self.pos.checked_add(n).ok_or(CmsError::TooLong("length overflows"))?;
                if let Some(limit) = self.limit() {
                    if end > limit {
                        return Err(garbled("element overruns its parent"));
                    }
                }
                Some(end)
            }
            Length::Indefinite => None,
        };
        if self.stack.len() + 1 > self.limits.max_depth {
            return Err(CmsError::TooDeep);
        }
        if hdr.constructed {
            self.stack.push(Frame { hdr, end });
        } else {
            match hdr.len {
                Length::Definite(n) => self.prim = Some((hdr, n)),
                Length::Indefinite => return Err(garbled("primitive element with indefinite length")),
            }
        }
        Ok(Some(Event::Start(hdr)))
    }

    /// Checks the input ended with the element complete.
    pub fn finish(&self) -> Result<(), CmsError> {
        if self.done {
            Ok(())
        } else {
            Err(CmsError::Truncated)
        }
    }
}

/// Parses one header from the start of `b`: `Ok(None)` if `b` is a prefix
/// of a header, else the header and the octets it took.
pub fn parse_header(b: &[u8]) -> Result<Option<(Header, usize)>, CmsError> {
    let Some(&first) = b.first() else { return Ok(None) };
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut i = 1;
    let mut tag = u32::from(first & 0x1F);
    if tag == 0x1F {
        // X.690 §8.1.2.4: base-128 tag number, no leading 0x80 octet.
        tag = 0;
        loop {
            let Some(&t) = b.get(i) else { return Ok(None) };
            if i == 1 && t == 0x80 {
                return Err(garbled("tag number with a leading zero octet"));
            }
            if i > 4 {
                return Err(garbled("tag number too large"));
            }
            tag = (tag << 7) | u32::from(t & 0x7F);
            i += 1;
            if t & 0x80 == 0 {
                break;
            }
        }
    }
    let Some(&l) = b.get(i) else { return Ok(None) };
    i += 1;
    let len = if l < 0x80 {
        Length::Definite(u64::from(l))
    } else if l == 0x80 {
        if !constructed {
            return Err(garbled("primitive element with indefinite length"));
        }
        Length::Indefinite
    } else if l == 0xFF {
        return Err(garbled("reserved length octet 0xFF"));
    } else {
        let n = usize::from(l & 0x7F);
        if n > 8 {
            return Err(CmsError::TooLong("more than 8 length octets"));
        }
        if b.len() < i + n {
            return Ok(None);
        }
        let v = b[i..i + n].iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        i += n;
        Length::Definite(v)
    };
    Ok(Some((Header { class, constructed, tag, len }, i)))
}

#[cfg(test)]
#[path = "ber_tests.rs"]
mod tests;
