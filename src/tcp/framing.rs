//! Splitting received bytes into DataIn pieces: `RecordLength` records,
//! `SingleLineMode` lines, `EOL` lines, or raw chunks (TCPServer reference,
//! DataIn, EOL, RecordLength, SingleLineMode; docs/API.md §8 "Events and data").
//!
//! Pure and incremental: bytes are appended to an [`InBuf`], and
//! [`next_frame`] takes one piece at a time, so a change of framing made in a
//! DataIn callback applies to the very next piece.

/// Received bytes not yet delivered; consumed from the front without memmove.
#[derive(Default, Debug)]
pub struct InBuf {
    data: Vec<u8>,
    start: usize,
}

impl InBuf {
    pub fn bytes(&self) -> &[u8] {
        &self.data[self.start..]
    }

    pub fn len(&self) -> usize {
        self.data.len() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn extend(&mut self, b: &[u8]) {
        if self.start > 0 && self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        } else if self.start > 4096 && self.start * 2 > self.data.len() {
            self.data.drain(..self.start);
            self.start = 0;
        }
        self.data.extend_from_slice(b);
    }

    /// Takes `n` bytes off the front, then skips `skip` more (an EOL).
    fn take(&mut self, n: usize, skip: usize) -> Vec<u8> {
        let out = owned_with_spare(&self.data[self.start..self.start + n]);
        self.start += n + skip;
        self.release_if_empty();
        out
    }

    fn skip(&mut self, n: usize) {
        self.start += n;
        self.release_if_empty();
    }

    /// An idle connection keeps no buffer memory.
    fn release_if_empty(&mut self) {
        if self.start == self.data.len() {
            self.start = 0;
            if self.data.capacity() > 16 * 1024 {
                self.data = Vec::new();
            } else {
                self.data.clear();
            }
        }
    }

    pub fn take_all(&mut self) -> Vec<u8> {
        let n = self.len();
        self.take(n, 0)
    }
}

/// Copies `b` with room for one more byte, so the C layer can append the
/// NUL that follows binary event data without reallocating.
pub fn owned_with_spare(b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(b.len() + 1);
    v.extend_from_slice(b);
    v
}

/// The framing rules in force for one connection.
#[derive(Clone, Debug, Default)]
pub struct Framing {
    pub eol: Vec<u8>,
    pub single_line: bool,
    pub record_length: usize,
    pub max_line_length: usize,
    /// SingleLineMode: the previous line ended with a CR at the end of the
    /// buffer, so an LF that starts the next read belongs to it.
    pub after_cr: bool,
}

/// One DataIn: the text and the EOL flag.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    pub text: Vec<u8>,
    pub eol: bool,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == first) {
            None => return None,
            Some(p) => {
                let at = i + p;
                if at + needle.len() > hay.len() {
                    return None;
                }
                if &hay[at..at + needle.len()] == needle {
                    return Some(at);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// True if some suffix of `buf` that starts before `limit` is a proper prefix
/// of `eol`: an EOL may be arriving across the cut, so the cut must wait.
fn eol_may_straddle(buf: &[u8], eol: &[u8], limit: usize) -> bool {
    let from = buf.len().saturating_sub(eol.len() - 1);
    (from..buf.len()).any(|q| q < limit && eol.starts_with(&buf[q..]))
}

/// The next piece, or `None` when more input is needed.
pub fn next_frame(buf: &mut InBuf, f: &mut Framing) -> Option<Frame> {
    if f.record_length > 0 {
        // RecordLength takes precedence over SingleLineMode and EOL.
        if buf.len() >= f.record_length {
            return Some(Frame { text: buf.take(f.record_length, 0), eol: true });
        }
        return None;
    }
    if f.single_line {
        return next_single_line(buf, f);
    }
    if f.eol.is_empty() {
        if buf.is_empty() {
            return None;
        }
        return Some(Frame { text: buf.take_all(), eol: true });
    }
    let max = f.max_line_length.max(1);
    let bytes = buf.bytes();
    match find(bytes, &f.eol) {
        // A line as long as the maximum fills the buffer: it is a piece
        // (EOL False) and its EOL then comes as an empty line, whatever the
        // packet boundaries were.
        Some(p) if p < max => Some(Frame { text: buf.take(p, f.eol.len()), eol: true }),
        Some(_) => Some(Frame { text: buf.take(max, 0), eol: false }),
        None if bytes.len() >= max && !eol_may_straddle(bytes, &f.eol, max) => {
            Some(Frame { text: buf.take(max, 0), eol: false })
        }
        None => None,
    }
}

fn next_single_line(buf: &mut InBuf, f: &mut Framing) -> Option<Frame> {
    if f.after_cr {
        match buf.bytes().first() {
            None => return None,
            Some(b'\n') => {
                buf.skip(1);
                f.after_cr = false;
            }
            Some(_) => f.after_cr = false,
        }
    }
    let max = f.max_line_length.max(1);
    let bytes = buf.bytes();
    match bytes.iter().position(|&b| b == b'\r' || b == b'\n') {
        Some(p) if p < max => {
            let is_cr = bytes[p] == b'\r';
            let crlf = is_cr && bytes.get(p + 1) == Some(&b'\n');
            let at_end = is_cr && p + 1 == bytes.len();
            let text = buf.take(p, if crlf { 2 } else { 1 });
            f.after_cr = at_end;
            Some(Frame { text, eol: true })
        }
        Some(_) => Some(Frame { text: buf.take(max, 0), eol: false }),
        None if bytes.len() >= max => Some(Frame { text: buf.take(max, 0), eol: false }),
        None => None,
    }
}

/// At close: whatever is left of a partial line, delivered with EOL False.
pub fn flush(buf: &mut InBuf, f: &Framing) -> Option<Frame> {
    if buf.is_empty() {
        return None;
    }
    let eol = f.record_length == 0 && !f.single_line && f.eol.is_empty();
    Some(Frame { text: buf.take_all(), eol })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(eol: &[u8], max: usize) -> Framing {
        Framing { eol: eol.to_vec(), max_line_length: max, ..Default::default() }
    }

    /// Feeds the chunks one by one, collecting every frame produced.
    fn run(f: &mut Framing, chunks: &[&[u8]]) -> Vec<(String, bool)> {
        let mut buf = InBuf::default();
        let mut out = Vec::new();
        for c in chunks {
            buf.extend(c);
            while let Some(fr) = next_frame(&mut buf, f) {
                out.push((String::from_utf8(fr.text).unwrap(), fr.eol));
            }
        }
        if let Some(fr) = flush(&mut buf, f) {
            out.push((String::from_utf8(fr.text).unwrap(), fr.eol));
        }
        out
    }

    fn s(v: &[(&str, bool)]) -> Vec<(String, bool)> {
        v.iter().map(|(t, e)| (t.to_string(), *e)).collect()
    }

    #[test]
    fn raw_mode_delivers_chunks_with_eol_true() {
        let mut f = framing(b"", 2048);
        assert_eq!(run(&mut f, &[b"ab", b"c"]), s(&[("ab", true), ("c", true)]));
    }

    #[test]
    fn lines_are_held_until_their_eol() {
        let mut f = framing(b"\r\n", 2048);
        assert_eq!(run(&mut f, &[b"he", b"llo\r\nwor", b"ld\r\n"]), s(&[("hello", true), ("world", true)]));
    }

    #[test]
    fn eol_split_across_reads() {
        let mut f = framing(b"\r\n", 2048);
        assert_eq!(run(&mut f, &[b"one\r", b"\ntwo\r", b"\n"]), s(&[("one", true), ("two", true)]));
    }

    #[test]
    fn multi_byte_eol_with_nul() {
        let mut f = framing(b"\0END\0", 2048);
        assert_eq!(run(&mut f, &[b"a\0EN", b"D\0b\0E", b"ND\0"]), s(&[("a", true), ("b", true)]));
    }

    #[test]
    fn partial_line_flushed_at_close_with_eol_false() {
        let mut f = framing(b"\n", 2048);
        assert_eq!(run(&mut f, &[b"x\ny"]), s(&[("x", true), ("y", false)]));
    }

    #[test]
    fn overlong_line_comes_in_pieces_of_exactly_the_maximum() {
        let mut f = framing(b"\r\n", 4);
        assert_eq!(run(&mut f, &[b"abcdefghij\r\n"]), s(&[("abcd", false), ("efgh", false), ("ij", true)]));
    }

    #[test]
    fn eol_right_after_a_cut_gives_empty_text_with_eol_true() {
        let mut f = framing(b"\r\n", 4);
        assert_eq!(run(&mut f, &[b"abcd", b"\r\n"]), s(&[("abcd", false), ("", true)]));
    }

    #[test]
    fn eol_straddling_the_cut_is_recognized() {
        // Max 4: "abc\r" then "\n": the CR might start an EOL, so no cut.
        let mut f = framing(b"\r\n", 4);
        assert_eq!(run(&mut f, &[b"abc\r", b"\n"]), s(&[("abc", true)]));
        // A line of exactly the maximum is a piece, wherever the reads split.
        let mut f = framing(b"\r\n", 4);
        assert_eq!(run(&mut f, &[b"abcd\r", b"\n"]), s(&[("abcd", false), ("", true)]));
        let mut f = framing(b"\r\n", 4);
        assert_eq!(run(&mut f, &[b"abcd\r\n"]), s(&[("abcd", false), ("", true)]));
    }

    #[test]
    fn buffer_stays_bounded_without_eol() {
        let mut f = framing(b"\n", 256);
        let mut buf = InBuf::default();
        let chunk = vec![b'x'; 65536];
        let mut pieces = 0;
        for _ in 0..16 {
            buf.extend(&chunk);
            while let Some(fr) = next_frame(&mut buf, &mut f) {
                assert_eq!(fr.text.len(), 256);
                assert!(!fr.eol);
                pieces += 1;
            }
            assert!(buf.len() < 256);
        }
        assert_eq!(pieces, 16 * 65536 / 256);
    }

    #[test]
    fn single_line_mode_cr_lf_crlf() {
        let mut f = Framing { single_line: true, max_line_length: 2048, ..Default::default() };
        assert_eq!(
            run(&mut f, &[b"a\rb\nc\r\nd\r", b"\ne\n"]),
            s(&[("a", true), ("b", true), ("c", true), ("d", true), ("e", true)])
        );
    }

    #[test]
    fn single_line_mode_ignores_eol_and_honours_max() {
        let mut f = Framing { single_line: true, eol: b"X".to_vec(), max_line_length: 3, ..Default::default() };
        assert_eq!(run(&mut f, &[b"aXbcd\n"]), s(&[("aXb", false), ("cd", true)]));
    }

    #[test]
    fn single_line_cr_then_other_byte() {
        let mut f = Framing { single_line: true, max_line_length: 2048, ..Default::default() };
        assert_eq!(run(&mut f, &[b"a\r", b"b\n"]), s(&[("a", true), ("b", true)]));
    }

    #[test]
    fn records_take_precedence_and_can_change_between_frames() {
        let mut f = Framing {
            record_length: 3,
            eol: b"\n".to_vec(),
            single_line: true,
            max_line_length: 256,
            ..Default::default()
        };
        let mut buf = InBuf::default();
        buf.extend(b"\x00\x02hi\x00\x05world");
        let hdr = next_frame(&mut buf, &mut Framing { record_length: 2, ..f.clone() }).unwrap();
        assert_eq!(hdr.text, b"\x00\x02");
        f.record_length = 2; // as ChangeRecordLength would inside DataIn
        assert_eq!(next_frame(&mut buf, &mut f).unwrap(), Frame { text: b"hi".to_vec(), eol: true });
        assert_eq!(next_frame(&mut buf, &mut f).unwrap().text, b"\x00\x05");
        f.record_length = 5;
        assert_eq!(next_frame(&mut buf, &mut f).unwrap().text, b"world");
        assert!(next_frame(&mut buf, &mut f).is_none());
    }

    #[test]
    fn record_not_complete_waits() {
        let mut f = Framing { record_length: 4, max_line_length: 256, ..Default::default() };
        assert_eq!(run(&mut f, &[b"ab", b"cdef"]), s(&[("abcd", true), ("ef", false)]));
    }
}
