//! DATA Exchange Buffer subrecords and buffer compression (RFC 5024 §7, RFC
//! 2204 §6).
//!
//! A DATA buffer is `'D'` followed by subrecords, each behind a 1-octet header
//!
//! ```text
//!   0   1   2 3 4 5 6 7
//! +---+---+-------------+
//! | E | C |    COUNT    |   E: the subrecord ends the current record
//! +---+---+-------------+   C: compressed: COUNT copies of the 1 octet after
//!                              the header; else COUNT literal octets (0–63)
//! ```
//!
//! Decoding ([`subrecords`]) borrows from the buffer and never allocates, so
//! a hostile buffer cannot make it grow memory; a count that runs past the end
//! of the buffer is an error, never a panic. Encoding ([`BufferFiller`]) fills
//! one buffer at a time up to the negotiated size; a subrecord is never split
//! between buffers, a run of data is cut into two subrecords instead (§7.3
//! strategy 2, "split the subrecord into two, filling the remainder of the
//! Exchange Buffer").

use super::command::code;
use super::error::{CodecError, Result};

/// The largest count 6 bits hold.
pub const MAX_COUNT: usize = 63;
/// End of Record flag (bit 0, the most significant).
pub const FLAG_END_OF_RECORD: u8 = 0x80;
/// Compression flag (bit 1).
pub const FLAG_COMPRESSED: u8 = 0x40;
/// The shortest run of one octet the encoder compresses. A compressed
/// subrecord is 2 octets, and cutting a literal subrecord for it costs a
/// header for the literal after it, so a run of 3 saves nothing and 4 is the
/// first that pays.
pub const MIN_RUN: usize = 4;

/// A subrecord header octet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubrecordHeader {
    /// E: this subrecord is the last of its record (for U files: of the file).
    pub end_of_record: bool,
    /// C: the subrecord is one octet to repeat `count` times.
    pub compressed: bool,
    /// The number of Virtual File octets the subrecord stands for (0–63).
    pub count: u8,
}

impl SubrecordHeader {
    /// Splits a header octet.
    pub fn from_byte(b: u8) -> Self {
        SubrecordHeader {
            end_of_record: b & FLAG_END_OF_RECORD != 0,
            compressed: b & FLAG_COMPRESSED != 0,
            count: b & 0x3F,
        }
    }

    /// The header octet (`count` is masked to 6 bits).
    pub fn to_byte(self) -> u8 {
        let mut b = self.count & 0x3F;
        if self.end_of_record {
            b |= FLAG_END_OF_RECORD;
        }
        if self.compressed {
            b |= FLAG_COMPRESSED;
        }
        b
    }
}

/// What one subrecord stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal octets, borrowed from the buffer.
    Literal(&'a [u8]),
    /// `count` copies of `octet` (a compressed subrecord).
    Repeat {
        /// The octet to repeat.
        octet: u8,
        /// How many times (0–63).
        count: u8,
    },
}

impl Piece<'_> {
    /// The number of Virtual File octets this piece stands for.
    pub fn len(&self) -> usize {
        match self {
            Piece::Literal(s) => s.len(),
            Piece::Repeat { count, .. } => usize::from(*count),
        }
    }

    /// Whether the piece stands for no octet (a zero-length subrecord, which
    /// §7.3 allows anywhere).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the octets the piece stands for to `out`.
    pub fn expand_into(&self, out: &mut Vec<u8>) {
        match *self {
            Piece::Literal(s) => out.extend_from_slice(s),
            Piece::Repeat { octet, count } => out.resize(out.len() + usize::from(count), octet),
        }
    }
}

/// One decoded subrecord.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subrecord<'a> {
    /// The E flag of its header.
    pub end_of_record: bool,
    /// Its content.
    pub piece: Piece<'a>,
}

/// Iterator over the subrecords of a DATABUF (the DATA buffer without its
/// `'D'`); after the first error it ends.
pub struct Subrecords<'a> {
    buf: &'a [u8],
    pos: usize,
    compression: bool,
}

/// The subrecords of `databuf`. `compression` says whether buffer compression
/// was agreed (both SSIDCMPR 'Y', RFC 5024 §5.3.2); a compressed subrecord
/// without that agreement is an error.
pub fn subrecords(databuf: &[u8], compression: bool) -> Subrecords<'_> {
    Subrecords { buf: databuf, pos: 0, compression }
}

impl<'a> Iterator for Subrecords<'a> {
    type Item = Result<Subrecord<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.pos;
        let &h = self.buf.get(at)?;
        let header = SubrecordHeader::from_byte(h);
        let body = at + 1;
        // Stop the iteration after an error: the rest cannot be framed.
        let fail = |this: &mut Self, why: String| {
            this.pos = this.buf.len();
            Some(Err(CodecError::Subrecord(why)))
        };
        if header.compressed {
            if !self.compression {
                return fail(self, format!("compressed subrecord at offset {at} without agreed compression"));
            }
            let Some(&octet) = self.buf.get(body) else {
                return fail(self, format!("compressed subrecord at offset {at} has no octet"));
            };
            self.pos = body + 1;
            Some(Ok(Subrecord {
                end_of_record: header.end_of_record,
                piece: Piece::Repeat { octet, count: header.count },
            }))
        } else {
            let end = body + usize::from(header.count);
            if end > self.buf.len() {
                return fail(
                    self,
                    format!(
                        "subrecord at offset {at} counts {} octets, {} remain",
                        header.count,
                        self.buf.len() - body
                    ),
                );
            }
            self.pos = end;
            Some(Ok(Subrecord { end_of_record: header.end_of_record, piece: Piece::Literal(&self.buf[body..end]) }))
        }
    }
}

/// What [`BufferFiller::push`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// Octets of the input now in the buffer.
    pub consumed: usize,
    /// Whether the End of Record flag was set (only when all the input was
    /// consumed and the record was to end).
    pub record_ended: bool,
}

/// Builds DATA Exchange Buffers of at most the negotiated size (command
/// octet included, RFC 5024 §5.3.2 SSIDSDEB), compressing runs of one octet
/// when compression was agreed.
///
/// Use: [`push`](Self::push) record data until it does not consume
/// everything (or [`is_full`](Self::is_full)), send [`finish`](Self::finish),
/// push the rest. It counts records and octets for EFID.
#[derive(Debug)]
pub struct BufferFiller {
    cap: usize,
    compression: bool,
    buf: Vec<u8>,
    records: u64,
    units: u64,
}

fn run_len(data: &[u8], limit: usize) -> usize {
    let Some(&first) = data.first() else { return 0 };
    data.iter().take(limit).take_while(|&&b| b == first).count()
}

impl BufferFiller {
    /// A filler for buffers of `buffer_size` octets (at least 3: the `'D'`,
    /// one header and one octet; the protocol's minimum is 128).
    pub fn new(buffer_size: usize, compression: bool) -> Self {
        let cap = buffer_size.max(3);
        let mut buf = Vec::with_capacity(cap);
        buf.push(code::DATA);
        BufferFiller { cap, compression, buf, records: 0, units: 0 }
    }

    fn space(&self) -> usize {
        self.cap - self.buf.len()
    }

    /// Whether no further octet fits (a subrecord needs a header and one).
    pub fn is_full(&self) -> bool {
        self.space() < 2
    }

    /// Whether the buffer holds no subrecord yet.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == 1
    }

    /// Appends as much of `data` as fits. When all of it fits and
    /// `end_of_record` is set, the record's last subrecord gets the E flag (a
    /// zero-length subrecord carries it if the data was empty or already
    /// sent). For U files the whole file is one record whose E flag ends the
    /// file (§7.2).
    pub fn push(&mut self, data: &[u8], end_of_record: bool) -> Pushed {
        let mut i = 0;
        let mut last_header = None;
        while i < data.len() && !self.is_full() {
            let rest = &data[i..];
            let run = if self.compression { run_len(rest, MAX_COUNT) } else { 0 };
            last_header = Some(self.buf.len());
            if run >= MIN_RUN {
                self.buf.push(FLAG_COMPRESSED | run as u8);
                self.buf.push(rest[0]);
                i += run;
                continue;
            }
            let max = MAX_COUNT.min(self.space() - 1).min(rest.len());
            let mut n = 1;
            while n < max && !(self.compression && run_len(&rest[n..], MIN_RUN) >= MIN_RUN) {
                n += 1;
            }
            self.buf.push(n as u8);
            self.buf.extend_from_slice(&rest[..n]);
            i += n;
        }
        self.units += i as u64;
        let mut record_ended = false;
        if i == data.len() && end_of_record {
            if let Some(h) = last_header {
                self.buf[h] |= FLAG_END_OF_RECORD;
                record_ended = true;
            } else if self.space() >= 1 {
                self.buf.push(FLAG_END_OF_RECORD);
                record_ended = true;
            }
        }
        if record_ended {
            self.records += 1;
        }
        Pushed { consumed: i, record_ended }
    }

    /// The DATA buffer built so far (`'D'` + subrecords), `None` if it holds
    /// no subrecord; the filler starts a new one.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let mut next = Vec::with_capacity(self.cap);
        next.push(code::DATA);
        Some(std::mem::replace(&mut self.buf, next))
    }

    /// Records ended so far (EFIDRCNT for F and V files).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Octets pushed so far, before compression (EFIDUCNT).
    pub fn units(&self) -> u64 {
        self.units
    }
}

#[cfg(test)]
mod tests;
