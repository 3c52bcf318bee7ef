//! The records of a secured file, back from its decoded content (RFC 5024
//! §6.5): a signed, compressed or encrypted file travels as unstructured
//! octets, so a V file carries a 2-octet big-endian length before each
//! record and an F file is its records back to back. Received F and V files
//! are stored one record per CR-LF line (docs/OFTP.md "Receiving files"),
//! as unsecured ones are; U and T content is stored as it is. Pure and
//! streaming: content in any pieces, lines out, at most one record header
//! or one F record's remainder held.

use super::command::FileFormat;

/// Why the content is not the records its format says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestructureError {
    /// A V record longer than SFIDLRECL.
    RecordTooLong { record: u64, len: usize, max: usize },
    /// The content ended inside a record header or record.
    Truncated { record: u64 },
}

impl std::fmt::Display for RestructureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestructureError::RecordTooLong { record, len, max } => {
                write!(f, "record {record} holds {len} octets, more than SFIDLRECL {max}")
            }
            RestructureError::Truncated { record } => write!(f, "the content ends inside record {record}"),
        }
    }
}

/// Turns decoded content into what the file store writes.
#[derive(Debug)]
pub struct Restructure {
    format: FileFormat,
    /// SFIDLRECL: F's record length, V's maximum (0: no maximum for V).
    lrecl: usize,
    /// V: header octets gathered (0..2) and their value.
    header: [u8; 2],
    header_len: usize,
    /// Octets of the current record still to come.
    left: usize,
    /// Whether a record is open (a header read, or an F record begun).
    in_record: bool,
    records: u64,
}

impl Restructure {
    pub fn new(format: FileFormat, lrecl: usize) -> Self {
        Restructure { format, lrecl, header: [0; 2], header_len: 0, left: 0, in_record: false, records: 0 }
    }

    /// Records completed so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The next content octets: what to store goes to `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut impl FnMut(&[u8])) -> Result<(), RestructureError> {
        match self.format {
            FileFormat::Unstructured | FileFormat::Text => {
                out(data);
                Ok(())
            }
            FileFormat::Fixed if self.lrecl == 0 => {
                out(data);
                Ok(())
            }
            FileFormat::Fixed => {
                while !data.is_empty() {
                    if !self.in_record {
                        (self.in_record, self.left) = (true, self.lrecl);
                    }
                    self.record_data(&mut data, out);
                }
                Ok(())
            }
            FileFormat::Variable => {
                while !data.is_empty() {
                    if !self.in_record {
                        let n = (2 - self.header_len).min(data.len());
                        self.header[self.header_len..self.header_len + n].copy_from_slice(&data[..n]);
                        (self.header_len, data) = (self.header_len + n, &data[n..]);
                        if self.header_len < 2 {
                            return Ok(());
                        }
                        let len = usize::from(u16::from_be_bytes(self.header));
                        if self.lrecl > 0 && len > self.lrecl {
                            return Err(RestructureError::RecordTooLong {
                                record: self.records + 1,
                                len,
                                max: self.lrecl,
                            });
                        }
                        (self.in_record, self.left, self.header_len) = (true, len, 0);
                        if len == 0 {
                            self.end_record(out);
                            continue;
                        }
                    }
                    self.record_data(&mut data, out);
                }
                Ok(())
            }
        }
    }

    /// The open record's next octets go out; the record ends when complete.
    fn record_data(&mut self, data: &mut &[u8], out: &mut impl FnMut(&[u8])) {
        let n = self.left.min(data.len());
        out(&data[..n]);
        (self.left, *data) = (self.left - n, &data[n..]);
        if self.left == 0 {
            self.end_record(out);
        }
    }

    fn end_record(&mut self, out: &mut impl FnMut(&[u8])) {
        out(b"\r\n");
        self.in_record = false;
        self.records += 1;
    }

    /// The content ended: an F file's short last record is kept as it is
    /// (RFC 5024 allows none, but losing octets would be worse); V must end
    /// between records.
    pub fn finish(&mut self, out: &mut impl FnMut(&[u8])) -> Result<(), RestructureError> {
        match self.format {
            FileFormat::Fixed if self.in_record => {
                self.end_record(out);
                Ok(())
            }
            FileFormat::Variable if self.in_record || self.header_len > 0 => {
                Err(RestructureError::Truncated { record: self.records + 1 })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(format: FileFormat, lrecl: usize, content: &[u8], piece: usize) -> Result<Vec<u8>, RestructureError> {
        let mut r = Restructure::new(format, lrecl);
        let mut out = Vec::new();
        for p in content.chunks(piece.max(1)) {
            r.push(p, &mut |d| out.extend_from_slice(d))?;
        }
        r.finish(&mut |d| out.extend_from_slice(d))?;
        Ok(out)
    }

    #[test]
    fn v_record_headers_become_lines_in_any_pieces() {
        let content = [&[0, 3][..], b"abc", &[0, 0], &[0, 2], b"de"].concat();
        for piece in 1..=content.len() {
            assert_eq!(run(FileFormat::Variable, 80, &content, piece).unwrap(), b"abc\r\n\r\nde\r\n", "{piece}");
        }
        assert_eq!(
            run(FileFormat::Variable, 2, &content, 4),
            Err(RestructureError::RecordTooLong { record: 1, len: 3, max: 2 })
        );
        assert_eq!(run(FileFormat::Variable, 80, &content[..4], 1), Err(RestructureError::Truncated { record: 1 }));
        assert_eq!(run(FileFormat::Variable, 80, &content[..6], 1), Err(RestructureError::Truncated { record: 2 }));
    }

    #[test]
    fn f_records_are_cut_at_the_record_length_and_u_t_pass_through() {
        for piece in 1..=7 {
            assert_eq!(run(FileFormat::Fixed, 3, b"abcdefg", piece).unwrap(), b"abc\r\ndef\r\ng\r\n");
        }
        assert_eq!(run(FileFormat::Unstructured, 3, b"a\r\nb", 1).unwrap(), b"a\r\nb");
        assert_eq!(run(FileFormat::Text, 0, b"line\r\n", 2).unwrap(), b"line\r\n");
    }
}
