//! How the subrecords of a received file make records (RFC 5024 §1.5.3,
//! §7.2), and the counts EFID is checked against (§5.3.8).
//!
//! - F (fixed) and V (variable): each record ends with a subrecord whose E
//!   flag is set; EFIDRCNT is the exact record count. A record longer than
//!   SFIDLRECL is refused at EFID with EFNA 05 rather than ending the session:
//!   the buffers were well formed, the file is not. RFC 5024 says F records
//!   all have "the same length" but makes SFIDLRECL a maximum; a short last
//!   record is accepted.
//! - U (unstructured) and T (text): the file is one record and E marks its
//!   end; EFIDRCNT is zero. Data after that E flag is accepted (some peers set
//!   E at every line of a T file) and counted.
//!
//! The send side reads F/V files stored one record per CR-LF line (how the
//! receive side stores them) with [`LineSplitter`].
//!
//! Signed, compressed or encrypted V files carry 2-octet record length
//! headers instead (§6.5): [`v_record_header`] and [`VRecordSplitter`].
//!
//! EFIDUCNT counts Virtual File octets before buffer compression, and both
//! counts are "always the total, even during restart processing": a restarted
//! reception starts from the counts of the part already kept
//! ([`RecordReader::resume`]).

use super::command::{Efid, FileFormat};
use super::error::{CodecError, Result};
use super::reason::EfnaReason;
use super::subrecord::{subrecords, Piece};

/// One thing a DATA buffer tells the receiver, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEvent<'a> {
    /// Octets of the current record (borrowed from the buffer).
    Data(&'a [u8]),
    /// `count` copies of `octet` (a compressed subrecord; at most 63).
    Repeat {
        /// The octet.
        octet: u8,
        /// How many.
        count: u8,
    },
    /// The current record ends (F, V: store a record separator; U, T: end
    /// of file).
    EndOfRecord,
}

/// Reassembles a received file's records from its DATA buffers and keeps the
/// counts for EFID. Memory is constant: events borrow from each buffer.
#[derive(Clone, Debug)]
pub struct RecordReader {
    format: FileFormat,
    max_record_size: u64,
    compression: bool,
    record_len: u64,
    records: u64,
    units: u64,
    violation: Option<EfnaReason>,
}

impl RecordReader {
    /// A reader for a file of `format` whose SFIDLRECL is `max_record_size`
    /// (0: no limit, as for U and T), with buffer compression as agreed.
    pub fn new(format: FileFormat, max_record_size: u32, compression: bool) -> Self {
        RecordReader {
            format,
            max_record_size: u64::from(max_record_size),
            compression,
            record_len: 0,
            records: 0,
            units: 0,
            violation: None,
        }
    }

    /// Continues a restarted file from the `records` and `units` already kept
    /// (the SFPAACNT position: records for F/V, `units` = 1K blocks × 1024 for
    /// U/T).
    pub fn resume(mut self, records: u64, units: u64) -> Self {
        self.records = records;
        self.units = units;
        self
    }

    /// Feeds one DATABUF (a DATA buffer without its `'D'`), calling `sink` for
    /// each piece of the file in order. A malformed subrecord is an error
    /// (ESID 06); what `sink` received before it stays received.
    pub fn feed<'a>(&mut self, databuf: &'a [u8], mut sink: impl FnMut(RecordEvent<'a>)) -> Result<()> {
        for s in subrecords(databuf, self.compression) {
            let s = s?;
            let n = s.piece.len() as u64;
            match s.piece {
                Piece::Literal(d) if !d.is_empty() => sink(RecordEvent::Data(d)),
                Piece::Repeat { octet, count } if count > 0 => sink(RecordEvent::Repeat { octet, count }),
                _ => {}
            }
            self.units += n;
            self.record_len += n;
            let limited = self.format.has_records() && self.max_record_size > 0;
            if limited && self.record_len > self.max_record_size && self.violation.is_none() {
                self.violation = Some(EfnaReason::MaximumRecordLengthNotSupported);
            }
            if s.end_of_record {
                sink(RecordEvent::EndOfRecord);
                self.records += 1;
                self.record_len = 0;
            }
        }
        Ok(())
    }

    /// Whether the file is counted in records (F, V) rather than octets.
    pub fn counts_records(&self) -> bool {
        self.format.has_records()
    }

    /// Records ended so far (restart part included).
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Octets received so far (restart part included).
    pub fn units(&self) -> u64 {
        self.units
    }

    /// Whether the last record has ended (nothing pending without its E
    /// flag): where F/V restart counts are durable.
    pub fn at_record_boundary(&self) -> bool {
        self.record_len == 0
    }

    /// Checks EFID against what arrived: `Ok` for EFPA, else the EFNA reason
    /// (05 a record above SFIDLRECL, 10 record count, 11 byte count).
    pub fn check_end(&self, efid: &Efid) -> std::result::Result<(), EfnaReason> {
        if let Some(v) = self.violation {
            return Err(v);
        }
        if self.format.has_records() && efid.record_count != self.records {
            return Err(EfnaReason::InvalidRecordCount);
        }
        if efid.unit_count != self.units {
            return Err(EfnaReason::InvalidByteCount);
        }
        Ok(())
    }
}

/// The 2-octet record length header RFC 5024 §6.5 puts before each record of
/// a V format file that is signed, compressed or encrypted (whose subrecords
/// can no longer carry the E flag): the record's data length, big endian,
/// not counting itself. A record above 65535 octets cannot be described.
pub fn v_record_header(len: usize) -> Result<[u8; 2]> {
    u16::try_from(len)
        .map(u16::to_be_bytes)
        .map_err(|_| CodecError::encode("V record length", format!("{len} octets exceed 65535")))
}

/// Splits the decrypted / decompressed content of a V format file back into
/// records by their §6.5 length headers, incrementally (the content may come
/// in any pieces) and in constant memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VRecordSplitter {
    /// The first octet of a length header when only it has arrived.
    half_header: Option<u8>,
    /// Octets of the current record still to come (`None`: a header next).
    remaining: Option<usize>,
}

impl VRecordSplitter {
    /// A splitter at the start of the file.
    pub fn new() -> Self {
        VRecordSplitter::default()
    }

    /// Feeds the next piece of content, calling `sink` with record data and
    /// record ends in order.
    pub fn feed<'a>(&mut self, mut data: &'a [u8], mut sink: impl FnMut(RecordEvent<'a>)) {
        while !data.is_empty() {
            match self.remaining {
                None => {
                    let b = data[0];
                    data = &data[1..];
                    match self.half_header.take() {
                        None => self.half_header = Some(b),
                        Some(hi) => {
                            let len = usize::from(u16::from_be_bytes([hi, b]));
                            if len == 0 {
                                sink(RecordEvent::EndOfRecord);
                            } else {
                                self.remaining = Some(len);
                            }
                        }
                    }
                }
                Some(left) => {
                    let n = left.min(data.len());
                    sink(RecordEvent::Data(&data[..n]));
                    data = &data[n..];
                    if n == left {
                        self.remaining = None;
                        sink(RecordEvent::EndOfRecord);
                    } else {
                        self.remaining = Some(left - n);
                    }
                }
            }
        }
    }

    /// Whether the content so far ends on a record boundary; at the end of
    /// the file anything else is a truncated record (EFNA 10/23's matter).
    pub fn at_record_boundary(&self) -> bool {
        self.half_header.is_none() && self.remaining.is_none()
    }
}

/// Splits a stored F or V file, one record per CR-LF line (the form the
/// receive side stores them in), back into records for sending:
/// incrementally, in constant memory, each record at most `max_record_size`
/// octets (SFIDLRECL; 0 = no limit). A CR not followed by LF is data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSplitter {
    max_record_size: u64,
    record_len: u64,
    pending_cr: bool,
    records: u64,
}

impl LineSplitter {
    /// A splitter for records of at most `max_record_size` octets.
    pub fn new(max_record_size: u32) -> Self {
        LineSplitter { max_record_size: u64::from(max_record_size), record_len: 0, pending_cr: false, records: 0 }
    }

    fn data<'a>(&mut self, d: &'a [u8], sink: &mut impl FnMut(RecordEvent<'a>)) -> Result<()> {
        if d.is_empty() {
            return Ok(());
        }
        self.record_len += d.len() as u64;
        if self.max_record_size > 0 && self.record_len > self.max_record_size {
            return Err(CodecError::encode(
                "SFIDLRECL",
                format!("record {} is longer than {} octets", self.records + 1, self.max_record_size),
            ));
        }
        sink(RecordEvent::Data(d));
        Ok(())
    }

    /// Feeds the next piece of the stored file. A record longer than the
    /// limit is an error (the file does not match its SFID).
    pub fn feed<'a>(&mut self, data: &'a [u8], mut sink: impl FnMut(RecordEvent<'a>)) -> Result<()> {
        let mut rest = data;
        if self.pending_cr {
            self.pending_cr = false;
            if rest.first() == Some(&b'\n') {
                rest = &rest[1..];
                self.end(&mut sink);
            } else {
                self.data(b"\r", &mut sink)?;
            }
        }
        while let Some(i) = rest.iter().position(|&b| b == b'\r') {
            self.data(&rest[..i], &mut sink)?;
            match rest.get(i + 1) {
                Some(b'\n') => {
                    self.end(&mut sink);
                    rest = &rest[i + 2..];
                }
                Some(_) => {
                    self.data(&rest[i..i + 1], &mut sink)?;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.pending_cr = true;
                    return Ok(());
                }
            }
        }
        self.data(rest, &mut sink)
    }

    fn end<'a>(&mut self, sink: &mut impl FnMut(RecordEvent<'a>)) {
        sink(RecordEvent::EndOfRecord);
        self.records += 1;
        self.record_len = 0;
    }

    /// The end of the stored file: a last line without CR-LF is a record too,
    /// and a lone CR at the very end is its data.
    pub fn finish(&mut self, mut sink: impl FnMut(RecordEvent<'static>)) -> Result<()> {
        if self.pending_cr {
            self.pending_cr = false;
            self.data(b"\r", &mut sink)?;
        }
        if self.record_len > 0 {
            self.end(&mut sink);
        }
        Ok(())
    }

    /// Records split so far.
    pub fn records(&self) -> u64 {
        self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oftp::subrecord::BufferFiller;

    /// The DATABUFs of `records` as a sender builds them.
    fn send(records: &[&[u8]], size: usize, compression: bool) -> Vec<Vec<u8>> {
        let mut f = BufferFiller::new(size, compression);
        let mut out = Vec::new();
        for r in records {
            let mut off = 0;
            loop {
                let p = f.push(&r[off..], true);
                off += p.consumed;
                if p.record_ended {
                    break;
                }
                out.extend(f.finish());
            }
        }
        out.extend(f.finish());
        out
    }

    /// Stores records the way the receive side does for F/V: one per line.
    fn receive(reader: &mut RecordReader, bufs: &[Vec<u8>]) -> Vec<u8> {
        let mut file = Vec::new();
        for b in bufs {
            reader
                .feed(&b[1..], |e| match e {
                    RecordEvent::Data(d) => file.extend_from_slice(d),
                    RecordEvent::Repeat { octet, count } => file.resize(file.len() + usize::from(count), octet),
                    RecordEvent::EndOfRecord => file.extend_from_slice(b"\r\n"),
                })
                .unwrap();
        }
        file
    }

    #[test]
    fn variable_records_are_reassembled_and_counted() {
        let recs: [&[u8]; 4] = [b"first record", b"", &[b'x'; 300], b"last"];
        let bufs = send(&recs, 128, true);
        let mut r = RecordReader::new(FileFormat::Variable, 300, true);
        let file = receive(&mut r, &bufs);
        let mut want = Vec::new();
        for rec in recs {
            want.extend_from_slice(rec);
            want.extend_from_slice(b"\r\n");
        }
        assert_eq!(file, want);
        assert_eq!((r.records(), r.units()), (4, 316));
        assert!(r.at_record_boundary());
        assert_eq!(r.check_end(&Efid { record_count: 4, unit_count: 316 }), Ok(()));
        assert_eq!(r.check_end(&Efid { record_count: 5, unit_count: 316 }), Err(EfnaReason::InvalidRecordCount));
        assert_eq!(r.check_end(&Efid { record_count: 4, unit_count: 317 }), Err(EfnaReason::InvalidByteCount));
    }

    #[test]
    fn a_record_above_lrecl_is_refused_at_efid() {
        let bufs = send(&[b"0123456789"], 128, false);
        let mut r = RecordReader::new(FileFormat::Fixed, 8, false);
        receive(&mut r, &bufs);
        assert_eq!(
            r.check_end(&Efid { record_count: 1, unit_count: 10 }),
            Err(EfnaReason::MaximumRecordLengthNotSupported)
        );
    }

    #[test]
    fn unstructured_files_count_no_records_and_resume_totals() {
        let bufs = send(&[&[7u8; 1000]], 256, false);
        let mut r = RecordReader::new(FileFormat::Unstructured, 0, false).resume(0, 2048);
        let file = receive(&mut r, &bufs);
        assert_eq!(file.len(), 1002); // the data and the end-of-file marker
        assert_eq!(r.check_end(&Efid { record_count: 0, unit_count: 3048 }), Ok(()));
        // EFIDRCNT is not judged for U/T (it "should" be zeros).
        assert_eq!(r.check_end(&Efid { record_count: 1, unit_count: 3048 }), Ok(()));
    }

    #[test]
    fn an_unterminated_record_is_no_record() {
        let mut r = RecordReader::new(FileFormat::Variable, 0, false);
        r.feed(&[0x03, b'a', b'b', b'c'], |_| {}).unwrap();
        assert!(!r.at_record_boundary());
        assert_eq!(r.check_end(&Efid { record_count: 1, unit_count: 3 }), Err(EfnaReason::InvalidRecordCount));
    }

    #[test]
    fn a_malformed_buffer_is_an_error_after_the_good_part() {
        let mut r = RecordReader::new(FileFormat::Text, 0, false);
        let mut got = Vec::new();
        let e = r.feed(&[0x02, b'o', b'k', 0x09, b'x'], |e| got.push(format!("{e:?}"))).unwrap_err();
        assert_eq!(e.esid_reason().code(), 6);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn v_record_headers_split_content_in_any_pieces() {
        let mut content = Vec::new();
        for rec in [&b"abc"[..], b"", &[9u8; 300]] {
            content.extend_from_slice(&v_record_header(rec.len()).unwrap());
            content.extend_from_slice(rec);
        }
        assert_eq!(&content[..2], [0, 3]);
        for piece in [1, 2, 3, 7, content.len()] {
            let mut sp = VRecordSplitter::new();
            let mut records = vec![Vec::new()];
            for chunk in content.chunks(piece) {
                sp.feed(chunk, |e| match e {
                    RecordEvent::Data(d) => records.last_mut().unwrap().extend_from_slice(d),
                    RecordEvent::EndOfRecord => records.push(Vec::new()),
                    RecordEvent::Repeat { .. } => unreachable!(),
                });
            }
            assert!(sp.at_record_boundary());
            assert_eq!(records, [b"abc".to_vec(), vec![], vec![9; 300], vec![]], "pieces of {piece}");
        }
        let mut sp = VRecordSplitter::new();
        sp.feed(&[0, 5, b'a'], |_| {});
        assert!(!sp.at_record_boundary());
        assert!(v_record_header(65_535).is_ok());
        assert_eq!(v_record_header(65_536).unwrap_err().error_code(), 678);
    }

    #[test]
    fn stored_lines_split_into_records_in_any_pieces() {
        let stored = b"one\r\n\r\nthr\ree\r\nlast";
        for piece in 1..=stored.len() {
            let mut sp = LineSplitter::new(10);
            let mut records = vec![Vec::new()];
            let mut on = |e: RecordEvent<'_>| match e {
                RecordEvent::Data(d) => records.last_mut().unwrap().extend_from_slice(d),
                RecordEvent::EndOfRecord => records.push(Vec::new()),
                RecordEvent::Repeat { .. } => unreachable!(),
            };
            for chunk in stored.chunks(piece) {
                sp.feed(chunk, &mut on).unwrap();
            }
            sp.finish(&mut on).unwrap();
            assert_eq!(sp.records(), 4);
            assert_eq!(records, [&b"one"[..], b"", b"thr\ree", b"last", b""], "pieces of {piece}");
        }
        // A trailing lone CR is data of the last record.
        let mut got = Vec::new();
        let mut sp = LineSplitter::new(0);
        sp.feed(b"ab\r", |e| got.push(format!("{e:?}"))).unwrap();
        sp.finish(|e| got.push(format!("{e:?}"))).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(sp.records(), 1);
        // A record above the limit is refused.
        let e = LineSplitter::new(3).feed(b"abcd\r\n", |_| {}).unwrap_err();
        assert_eq!(e.error_code(), 678);
    }

    #[test]
    fn lines_sent_and_received_round_trip() {
        // Stored lines → records → DATA buffers → records → stored lines.
        let stored = b"alpha\r\n\r\n0000000000000000000000beta\r\n";
        let mut sp = LineSplitter::new(100);
        let mut filler = BufferFiller::new(128, true);
        let mut bufs = Vec::new();
        let mut push = |d: &[u8], eor: bool| {
            let mut off = 0;
            loop {
                let p = filler.push(&d[off..], eor);
                off += p.consumed;
                if off == d.len() && (p.record_ended || !eor) {
                    break;
                }
                bufs.extend(filler.finish());
            }
        };
        sp.feed(stored, |e| match e {
            RecordEvent::Data(d) => push(d, false),
            RecordEvent::EndOfRecord => push(b"", true),
            RecordEvent::Repeat { .. } => unreachable!(),
        })
        .unwrap();
        bufs.extend(filler.finish());
        assert_eq!((filler.records(), filler.units()), (3, 31));
        let mut r = RecordReader::new(FileFormat::Variable, 100, true);
        assert_eq!(receive(&mut r, &bufs), stored);
        assert_eq!(r.check_end(&Efid { record_count: 3, unit_count: 31 }), Ok(()));
    }
}
