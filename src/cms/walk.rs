//! The decoders' common driver: a [`Reader`] whose elements a [`Visitor`]
//! takes one way each — descend into it, collect it whole as a small
//! [`Tlv`], stream its primitive content (an OCTET STRING, or the pieces of a
//! constructed one, X.690 §8.7.3.2), or skip it. So each content type is a
//! short visitor over positions in its ASN.1 module, and the memory held is
//! the reader's frames plus at most one element being collected.

use super::ber::{tag, Event, Header, Limits, Reader};
use super::error::{garbled, CmsError};
use super::tree::{Collector, Tlv};
use super::{Sink, MAX_ELEMENT};

/// What to do with an element that starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Visit its children (a primitive is skipped).
    Descend,
    /// Hand it whole to [`Visitor::element`].
    Collect,
    /// Hand its primitive content to [`Visitor::data`] as it arrives.
    Stream,
    /// Ignore it.
    Skip,
}

/// A position: the open elements from the top, each with its index among
/// its siblings.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The element's header.
    pub hdr: Header,
    /// Its index among its parent's children.
    pub index: usize,
    children: usize,
}

/// A content type's decoder, driven by [`Walker`].
pub trait Visitor {
    /// An element starts under `path` as child number `index`.
    fn start(&mut self, path: &[Step], index: usize, hdr: &Header) -> Result<Action, CmsError>;
    /// A collected element is complete.
    fn element(&mut self, path: &[Step], index: usize, tlv: Tlv, out: &mut dyn Sink) -> Result<(), CmsError>;
    /// The next piece of a streamed content.
    fn data(&mut self, chunk: &[u8], out: &mut dyn Sink) -> Result<(), CmsError>;
    /// A descended or streamed element ended (`path` no longer includes it).
    fn end(&mut self, path: &[Step], step: &Step, out: &mut dyn Sink) -> Result<(), CmsError>;
}

#[derive(Debug)]
enum Mode {
    Normal,
    Collect(Collector, usize),
    Stream(usize),
    Skip(usize),
}

/// Drives a [`Visitor`] over one BER element pushed in pieces.
#[derive(Debug)]
pub struct Walker {
    reader: Reader,
    path: Vec<Step>,
    top: usize,
    mode: Mode,
}

impl Default for Walker {
    fn default() -> Self {
        Walker::new(Limits::default())
    }
}

impl Walker {
    /// A walker whose reader has these limits.
    pub fn new(limits: Limits) -> Self {
        Walker { reader: Reader::new(limits), path: Vec::new(), top: 0, mode: Mode::Normal }
    }

    /// True once the top-level element is complete.
    pub fn is_complete(&self) -> bool {
        self.reader.is_complete()
    }

    /// Feeds `input`, calling the visitor for what it completes.
    pub fn push<V: Visitor>(&mut self, mut input: &[u8], v: &mut V, out: &mut dyn Sink) -> Result<(), CmsError> {
        while let Some(ev) = self.reader.next(&mut input)? {
            self.event(ev, v, out)?;
        }
        Ok(())
    }

    fn event<V: Visitor>(&mut self, ev: Event<'_>, v: &mut V, out: &mut dyn Sink) -> Result<(), CmsError> {
        match &mut self.mode {
            Mode::Normal => match ev {
                Event::Start(h) => {
                    let index = match self.path.last_mut() {
                        Some(p) => {
                            p.children += 1;
                            p.children - 1
                        }
                        None => {
                            self.top += 1;
                            self.top - 1
                        }
                    };
                    let action = v.start(&self.path, index, &h)?;
                    self.path.push(Step { hdr: h, index, children: 0 });
                    self.mode = match action {
                        Action::Descend if h.constructed => Mode::Normal,
                        Action::Descend | Action::Skip => Mode::Skip(1),
                        Action::Collect => Mode::Collect(Collector::new(h, MAX_ELEMENT), 1),
                        Action::Stream => Mode::Stream(1),
                    };
                }
                Event::Data(_) => return Err(garbled("content outside a visited element")),
                Event::End(_) => {
                    let step = self.path.pop().ok_or_else(|| garbled("end without start"))?;
                    v.end(&self.path, &step, out)?;
                }
            },
            Mode::Collect(c, depth) => {
                match ev {
                    Event::Start(_) => *depth += 1,
                    Event::End(_) => *depth -= 1,
                    Event::Data(_) => {}
                }
                let done = *depth == 0;
                let t = c.event(&ev)?;
                if done {
                    let tlv = t.ok_or_else(|| garbled("collector did not finish"))?;
                    let step = self.path.pop().ok_or_else(|| garbled("end without start"))?;
                    self.mode = Mode::Normal;
                    v.element(&self.path, step.index, tlv, out)?;
                }
            }
            Mode::Stream(depth) => match ev {
                Event::Start(h) => {
                    // Inside a streamed string only OCTET STRING pieces may
                    // appear (X.690 §8.7.3.2 for constructed strings).
                    if !h.is_universal(tag::OCTET_STRING) {
                        return Err(garbled("non-OCTET STRING inside a constructed OCTET STRING"));
                    }
                    *depth += 1;
                }
                Event::Data(d) => v.data(d, out)?,
                Event::End(_) => {
                    *depth -= 1;
                    if *depth == 0 {
                        self.mode = Mode::Normal;
                        let step = self.path.pop().ok_or_else(|| garbled("end without start"))?;
                        v.end(&self.path, &step, out)?;
                    }
                }
            },
            Mode::Skip(depth) => match ev {
                Event::Start(_) => *depth += 1,
                Event::Data(_) => {}
                Event::End(_) => {
                    *depth -= 1;
                    if *depth == 0 {
                        self.mode = Mode::Normal;
                        self.path.pop();
                    }
                }
            },
        }
        Ok(())
    }

    /// Checks the element was complete.
    pub fn finish(&self) -> Result<(), CmsError> {
        self.reader.finish()
    }
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }`
/// (RFC 5652 §3): the position of the content type OID and of the `[0]`
/// wrapper, shared by every visitor. Returns `Some(action)` for positions at
/// depth 0..=1 and `None` below.
pub fn content_info_start(path: &[Step], index: usize, hdr: &Header) -> Result<Option<Action>, CmsError> {
    match path.len() {
        0 => {
            if index > 0 || !hdr.is_universal(tag::SEQUENCE) || !hdr.constructed {
                return Err(garbled("ContentInfo is not a SEQUENCE"));
            }
            Ok(Some(Action::Descend))
        }
        1 => match index {
            0 if hdr.is_universal(tag::OID) => Ok(Some(Action::Collect)),
            1 if hdr.is_context(0) && hdr.constructed => Ok(Some(Action::Descend)),
            _ => Err(garbled("ContentInfo fields")),
        },
        _ => Ok(None),
    }
}
