//! Streaming netascii conversion (RFC 1350 §5; line endings as in the
//! Telnet NVT, RFC 764): on the wire a newline is CR LF and a bare carriage
//! return is CR NUL. Locally (Unix) a newline is LF.
//!
//! Both directions are stateful so that a pair split across two DATA blocks
//! is handled: the [`Encoder`] fills blocks exactly (a two-byte expansion
//! that does not fit puts CR at the end of this block and the LF/NUL at the
//! start of the next), and the [`Decoder`] remembers a CR at the end of one
//! block until it sees the next block's first byte.

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const NUL: u8 = 0;

/// Local bytes → netascii, producing output in caller-sized pieces.
#[derive(Clone, Debug, Default)]
pub struct Encoder {
    /// The second byte of a CR LF / CR NUL pair whose CR ended the previous
    /// output piece.
    pending: Option<u8>,
}

impl Encoder {
    pub fn new() -> Self {
        Encoder::default()
    }

    /// Encodes as much of `input` as fits into `out`, returning
    /// `(consumed, written)`. A byte whose expansion does not fit completely
    /// is still consumed: its CR fills the last byte of `out` and the rest is
    /// kept and written first on the next call. So `written == out.len()`
    /// unless all of `input` (and any pending byte) was consumed, which lets
    /// a sender produce exactly full blocks.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let mut w = 0;
        if let Some(b) = self.pending {
            if out.is_empty() {
                return (0, 0);
            }
            out[0] = b;
            w = 1;
            self.pending = None;
        }
        let mut r = 0;
        while r < input.len() && w < out.len() {
            let b = input[r];
            r += 1;
            let second = match b {
                LF => LF,
                CR => NUL,
                _ => {
                    out[w] = b;
                    w += 1;
                    continue;
                }
            };
            out[w] = CR;
            w += 1;
            if w < out.len() {
                out[w] = second;
                w += 1;
            } else {
                self.pending = Some(second);
            }
        }
        (r, w)
    }

    /// Whether a split pair is waiting for the next output piece; the
    /// stream is not complete until it has been written.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }
}

/// Netascii → local bytes.
///
/// CR LF → LF, CR NUL → CR, and a CR followed by anything else is kept as CR
/// followed by that byte (lenient: RFC 1350 does not allow it, but dropping
/// data is worse). A CR at the end of the stream is kept by [`finish`].
///
/// [`finish`]: Decoder::finish
#[derive(Clone, Debug, Default)]
pub struct Decoder {
    pending_cr: bool,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Decodes one piece of the stream, appending to `out`. A trailing CR is
    /// held back until the next piece (or [`Decoder::finish`]).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len() + 1);
        let mut i = 0;
        while i < input.len() {
            if self.pending_cr {
                self.pending_cr = false;
                self.after_cr(input[i], out);
                i += 1;
                continue;
            }
            // Copy the run up to the next CR in one go.
            let run_end = input[i..].iter().position(|&b| b == CR).map_or(input.len(), |p| i + p);
            out.extend_from_slice(&input[i..run_end]);
            if run_end == input.len() {
                break;
            }
            self.pending_cr = true;
            i = run_end + 1;
        }
    }

    /// Handles the byte after a CR (which may itself be a CR that pairs
    /// with what follows).
    fn after_cr(&mut self, b: u8, out: &mut Vec<u8>) {
        match b {
            LF => out.push(LF),
            NUL => out.push(CR),
            CR => {
                out.push(CR);
                self.pending_cr = true;
            }
            other => {
                out.push(CR);
                out.push(other);
            }
        }
    }

    /// Ends the stream: a CR still held back is emitted as CR.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.pending_cr {
            self.pending_cr = false;
            out.push(CR);
        }
    }

    /// Whether a CR is held back waiting for the next byte.
    pub fn has_pending(&self) -> bool {
        self.pending_cr
    }
}

/// The netascii-encoded size of `data`: every LF and CR becomes two bytes.
/// The mapping is per byte, so sizes of consecutive chunks simply add up
/// (e.g. to compute `tsize` for a netascii RRQ while reading a file in
/// pieces, RFC 2349).
pub fn encoded_len(data: &[u8]) -> u64 {
    let extra = data.iter().filter(|&&b| b == LF || b == CR).count();
    (data.len() + extra) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_all(input: &[u8], block: usize, chunk: usize) -> Vec<Vec<u8>> {
        // Feeds `input` in `chunk`-sized pieces and cuts the output into
        // `block`-sized blocks, as a TFTP sender does.
        let mut enc = Encoder::new();
        let mut blocks = Vec::new();
        let mut cur = vec![0u8; block];
        let mut fill = 0;
        for piece in input.chunks(chunk.max(1)) {
            let mut piece = piece;
            loop {
                let (c, w) = enc.encode(piece, &mut cur[fill..]);
                fill += w;
                piece = &piece[c..];
                if fill == block {
                    blocks.push(std::mem::replace(&mut cur, vec![0u8; block]));
                    fill = 0;
                    continue;
                }
                if piece.is_empty() {
                    break;
                }
            }
        }
        // Flush a pending half pair.
        loop {
            let (_, w) = enc.encode(&[], &mut cur[fill..]);
            fill += w;
            if fill == block {
                blocks.push(std::mem::replace(&mut cur, vec![0u8; block]));
                fill = 0;
                continue;
            }
            break;
        }
        cur.truncate(fill);
        blocks.push(cur);
        blocks
    }

    fn decode_blocks(blocks: &[&[u8]]) -> Vec<u8> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for b in blocks {
            d.decode(b, &mut out);
        }
        d.finish(&mut out);
        out
    }

    #[test]
    fn encodes_lf_and_cr() {
        let mut e = Encoder::new();
        let mut out = [0u8; 32];
        let (c, w) = e.encode(b"a\nb\rc", &mut out);
        assert_eq!((c, w), (5, 7));
        assert_eq!(&out[..w], b"a\r\nb\r\0c");
        assert!(!e.has_pending());
    }

    #[test]
    fn encoder_fills_blocks_exactly_when_lf_lands_on_last_byte() {
        // Block size 4: "abc\n" expands to "abc\r\n" (5 bytes): the CR ends
        // block 1 and the LF starts block 2.
        let blocks = encode_all(b"abc\nd", 4, 100);
        assert_eq!(blocks, vec![b"abc\r".to_vec(), b"\nd".to_vec()]);
        let blocks = encode_all(b"abc\rd", 4, 100);
        assert_eq!(blocks, vec![b"abc\r".to_vec(), b"\0d".to_vec()]);
    }

    #[test]
    fn encoder_pending_byte_waits_for_space() {
        let mut e = Encoder::new();
        let mut one = [0u8; 1];
        assert_eq!(e.encode(b"\n", &mut one), (1, 1));
        assert_eq!(one, [CR]);
        assert!(e.has_pending());
        // No room: nothing written, nothing consumed, still pending.
        assert_eq!(e.encode(b"x", &mut []), (0, 0));
        assert!(e.has_pending());
        let mut out = [0u8; 4];
        assert_eq!(e.encode(b"x", &mut out), (1, 2));
        assert_eq!(&out[..2], b"\nx");
        assert!(!e.has_pending());
    }

    #[test]
    fn encoder_output_blocks_are_all_full_but_the_last() {
        let text: Vec<u8> = (0..1000u32)
            .map(|i| {
                if i % 7 == 0 {
                    LF
                } else if i % 11 == 0 {
                    CR
                } else {
                    b'a'
                }
            })
            .collect();
        for block in [1usize, 2, 3, 8, 13, 512] {
            for chunk in [1usize, 5, 64, 1000] {
                let blocks = encode_all(&text, block, chunk);
                let (last, full) = blocks.split_last().unwrap();
                assert!(full.iter().all(|b| b.len() == block), "block {block} chunk {chunk}");
                assert!(last.len() < block);
                let total: usize = blocks.iter().map(Vec::len).sum();
                assert_eq!(total as u64, encoded_len(&text));
                let refs: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
                assert_eq!(decode_blocks(&refs), text, "block {block} chunk {chunk}");
            }
        }
    }

    #[test]
    fn decodes_crlf_and_crnul() {
        assert_eq!(decode_blocks(&[b"a\r\nb\r\0c"]), b"a\nb\rc");
    }

    #[test]
    fn decodes_crlf_split_across_blocks() {
        assert_eq!(decode_blocks(&[b"abc\r", b"\ndef"]), b"abc\ndef");
    }

    #[test]
    fn decodes_crnul_split_across_blocks() {
        assert_eq!(decode_blocks(&[b"abc\r", b"\0def"]), b"abc\rdef");
    }

    #[test]
    fn decoder_holds_cr_until_next_block() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.decode(b"x\r", &mut out);
        assert_eq!(out, b"x");
        assert!(d.has_pending());
        // An empty block changes nothing.
        d.decode(b"", &mut out);
        assert!(d.has_pending());
        d.decode(b"\n", &mut out);
        assert_eq!(out, b"x\n");
        assert!(!d.has_pending());
    }

    #[test]
    fn bare_cr_followed_by_other_byte_is_kept() {
        assert_eq!(decode_blocks(&[b"a\rb"]), b"a\rb");
        assert_eq!(decode_blocks(&[b"a\r", b"b"]), b"a\rb");
    }

    #[test]
    fn cr_cr_lf_decodes_to_cr_lf() {
        assert_eq!(decode_blocks(&[b"\r\r\n"]), b"\r\n");
        assert_eq!(decode_blocks(&[b"\r", b"\r", b"\n"]), b"\r\n");
    }

    #[test]
    fn trailing_cr_at_end_of_stream_is_kept() {
        assert_eq!(decode_blocks(&[b"end\r"]), b"end\r");
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.finish(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn encoded_len_counts_expansions() {
        assert_eq!(encoded_len(b""), 0);
        assert_eq!(encoded_len(b"abc"), 3);
        assert_eq!(encoded_len(b"a\nb\r"), 6);
        assert_eq!(encoded_len(b"\n\n"), encoded_len(b"\n") * 2);
    }

    #[test]
    fn round_trip_every_small_byte_string() {
        // All strings of length <= 4 over {a, CR, LF, NUL}, every block size.
        let alphabet = [b'a', CR, LF, NUL];
        for len in 0..=4u32 {
            for n in 0..4usize.pow(len) {
                let mut s = Vec::new();
                let mut k = n;
                for _ in 0..len {
                    s.push(alphabet[k % 4]);
                    k /= 4;
                }
                for block in 1..=5 {
                    let blocks = encode_all(&s, block, 1);
                    let refs: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
                    assert_eq!(decode_blocks(&refs), s, "{s:?} block {block}");
                }
            }
        }
    }

    /// Byte-at-a-time reference decoder for the differential test.
    fn reference_decode(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            if input[i] == CR {
                match input.get(i + 1) {
                    Some(&LF) => {
                        out.push(LF);
                        i += 2;
                    }
                    Some(&NUL) => {
                        out.push(CR);
                        i += 2;
                    }
                    _ => {
                        out.push(CR);
                        i += 1;
                    }
                }
            } else {
                out.push(input[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn decoder_matches_reference_for_any_input_and_split() {
        // Arbitrary (also non-canonical) netascii, cut at arbitrary points.
        let alphabet = [b'a', CR, LF, NUL];
        let mut x: u32 = 0x9e37_79b9;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..3000 {
            let len = (next() % 20) as usize;
            let input: Vec<u8> = (0..len).map(|_| alphabet[(next() % 4) as usize]).collect();
            let mut pieces = Vec::new();
            let mut rest = &input[..];
            while !rest.is_empty() {
                let n = 1 + (next() as usize % rest.len());
                pieces.push(&rest[..n]);
                rest = &rest[n..];
            }
            assert_eq!(decode_blocks(&pieces), reference_decode(&input), "{input:?} split {pieces:?}");
        }
    }
}
