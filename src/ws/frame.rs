//! Base framing (RFC 6455 §5.2): the incremental header parser, masking
//! (§5.3), the §5 rules a server enforces on client frames, and the
//! server-side (unmasked) frame encoder.
//!
//! The parser copies at most [`MAX_HEADER_LEN`] bytes into its own state, so
//! a header split across reads at any byte needs nothing kept by the caller.

use super::ProtocolError;

/// The longest frame header: 2 bytes, a 64-bit length and a masking key (§5.2).
pub const MAX_HEADER_LEN: usize = 14;
/// The longest header the server writes: it never masks (§5.1), so 2 + 8 bytes.
pub const MAX_SERVER_HEADER_LEN: usize = 10;
/// Control frames carry at most 125 payload bytes (§5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The frame opcodes defined by §5.2 (§11.8); the others are reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    /// %x0: a continuation frame of a fragmented message (§5.4).
    Continuation = 0x0,
    /// %x1: the first frame of a text message.
    Text = 0x1,
    /// %x2: the first frame of a binary message.
    Binary = 0x2,
    /// %x8: connection close (§5.5.1).
    Close = 0x8,
    /// %x9: ping (§5.5.2).
    Ping = 0x9,
    /// %xA: pong (§5.5.3).
    Pong = 0xA,
}

impl OpCode {
    /// The opcode for a 4-bit value, or `None` for the reserved 3–7 and 0xB–0xF.
    pub const fn from_u8(v: u8) -> Option<OpCode> {
        match v {
            0x0 => Some(OpCode::Continuation),
            0x1 => Some(OpCode::Text),
            0x2 => Some(OpCode::Binary),
            0x8 => Some(OpCode::Close),
            0x9 => Some(OpCode::Ping),
            0xA => Some(OpCode::Pong),
            _ => None,
        }
    }

    /// Control opcodes have the most significant bit of the nibble set (§5.5).
    pub const fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the final fragment of a message (§5.2).
    pub fin: bool,
    /// RSV1: with permessage-deflate, the "Per-Message Compressed" bit (RFC 7692 §6).
    pub rsv1: bool,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present on every client frame (§5.3).
    pub mask: Option<[u8; 4]>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

/// What the server enforces on each received frame header (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameRules {
    /// Frames must be masked: true for a server reading a client (§5.1).
    pub require_mask: bool,
    /// RSV1 may be set: an extension (permessage-deflate) negotiated it (§5.2).
    pub allow_rsv1: bool,
    /// The largest payload of one frame accepted; beyond it 1009 (§7.4.1).
    pub max_frame_size: u64,
    /// The largest message accepted; a single frame beyond it already fails with 1009.
    pub max_message_size: u64,
}

/// Default largest received message: 64 MiB, a pier setting large enough for
/// the 16 MiB messages of the Autobahn suite's section 9 with room to spare.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 64 * 1024 * 1024;

impl Default for FrameRules {
    fn default() -> Self {
        FrameRules {
            require_mask: true,
            allow_rsv1: false,
            max_frame_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// The incremental header parser: 15 bytes of state.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeaderParser {
    buf: [u8; MAX_HEADER_LEN],
    have: u8,
}

/// Bytes of extended payload length after the 7-bit length field (§5.2).
const fn extended_len_bytes(len7: u8) -> usize {
    match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    }
}

/// Checks the first two header bytes as soon as they are known, so a bad
/// frame fails before its length or key arrives.
fn check_first_two(b0: u8, b1: u8, rules: &FrameRules) -> Result<OpCode, ProtocolError> {
    // §5.2: RSV2/RSV3 have no extension defined here; RSV1 only with permessage-deflate.
    if b0 & 0x30 != 0 {
        return Err(ProtocolError::protocol("reserved bits RSV2/RSV3 set"));
    }
    let opcode = OpCode::from_u8(b0 & 0x0F).ok_or(ProtocolError::protocol("reserved opcode"))?;
    let rsv1 = b0 & 0x40 != 0;
    if rsv1 && !rules.allow_rsv1 {
        return Err(ProtocolError::protocol("reserved bit RSV1 set without an extension"));
    }
    // RFC 7692 §6.1: never on control frames nor on non-first fragments.
    if rsv1 && (opcode.is_control() || opcode == OpCode::Continuation) {
        return Err(ProtocolError::protocol("RSV1 set on a control or continuation frame"));
    }
    if opcode.is_control() {
        // §5.5: control frames are never fragmented and carry ≤ 125 bytes.
        if b0 & 0x80 == 0 {
            return Err(ProtocolError::protocol("fragmented control frame"));
        }
        // The length itself is checked once read: a non-minimal 16- or
        // 64-bit form of a length ≤ 125 is accepted, as for data frames.
    }
    // §5.1: a server closes the connection on an unmasked client frame.
    if rules.require_mask && b1 & 0x80 == 0 {
        return Err(ProtocolError::protocol("client frame not masked"));
    }
    Ok(opcode)
}

impl HeaderParser {
    /// A parser with no bytes pending.
    pub const fn new() -> Self {
        HeaderParser { buf: [0; MAX_HEADER_LEN], have: 0 }
    }

    /// True when no part of a header has been received.
    pub const fn is_empty(&self) -> bool {
        self.have == 0
    }

    /// Takes header bytes from `input`. Returns how many bytes were used and
    /// the header once complete (the parser is then empty again); with `None`
    /// every byte of `input` was used and more are needed.
    pub fn feed(&mut self, input: &[u8], rules: &FrameRules) -> Result<(usize, Option<FrameHeader>), ProtocolError> {
        let mut used = 0;
        while (self.have as usize) < 2 {
            let Some(&b) = input.get(used) else { return Ok((used, None)) };
            self.buf[self.have as usize] = b;
            self.have += 1;
            used += 1;
        }
        let (b0, b1) = (self.buf[0], self.buf[1]);
        let opcode = match check_first_two(b0, b1, rules) {
            Ok(op) => op,
            Err(e) => {
                self.have = 0;
                return Err(e);
            }
        };
        let masked = b1 & 0x80 != 0;
        let ext = extended_len_bytes(b1 & 0x7F);
        let need = 2 + ext + if masked { 4 } else { 0 };
        let take = (need - self.have as usize).min(input.len() - used);
        self.buf[self.have as usize..self.have as usize + take].copy_from_slice(&input[used..used + take]);
        self.have += take as u8;
        used += take;
        if (self.have as usize) < need {
            return Ok((used, None));
        }
        self.have = 0;
        let payload_len = match ext {
            0 => u64::from(b1 & 0x7F),
            2 => u64::from(u16::from_be_bytes([self.buf[2], self.buf[3]])),
            _ => {
                let mut l = [0u8; 8];
                l.copy_from_slice(&self.buf[2..10]);
                u64::from_be_bytes(l)
            }
        };
        if opcode.is_control() && payload_len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(ProtocolError::protocol("control frame payload over 125 bytes"));
        }
        // §5.2: "the most significant bit MUST be 0" in the 64-bit form.
        if payload_len >> 63 != 0 {
            return Err(ProtocolError::protocol("64-bit payload length with the high bit set"));
        }
        if payload_len > rules.max_frame_size {
            return Err(ProtocolError::too_big("frame larger than the maximum frame size"));
        }
        if payload_len > rules.max_message_size {
            return Err(ProtocolError::too_big("message larger than the maximum message size"));
        }
        let mask = masked.then(|| {
            let k = 2 + ext;
            [self.buf[k], self.buf[k + 1], self.buf[k + 2], self.buf[k + 3]]
        });
        Ok((used, Some(FrameHeader { fin: b0 & 0x80 != 0, rsv1: b0 & 0x40 != 0, opcode, mask, payload_len })))
    }
}

/// XORs `buf` with the masking key (§5.3), where `buf` starts `offset` bytes
/// into the payload, so a payload unmasked in several pieces comes out right.
/// The aligned middle goes a 64-bit word at a time in a loop the compiler
/// vectorizes; applying it twice restores the input.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: u64) {
    let mut k = key;
    // Byte j of the payload is XORed with key[j % 4] (§5.3): start the key at offset % 4.
    k.rotate_left((offset % 4) as usize);
    // SAFETY: every bit pattern is a valid u64, and align_to_mut only hands
    // out the aligned middle of the slice as words.
    let (head, words, tail) = unsafe { buf.align_to_mut::<u64>() };
    for (i, b) in head.iter_mut().enumerate() {
        *b ^= k[i % 4];
    }
    // The words start head.len() bytes in: rotate the key to that phase.
    k.rotate_left(head.len() % 4);
    let word = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    for w in words.iter_mut() {
        *w ^= word;
    }
    // 8 is a multiple of 4: the tail starts at the same phase as the words.
    for (i, b) in tail.iter_mut().enumerate() {
        *b ^= k[i % 4];
    }
}

/// A frame header written by the server: unmasked (§5.1), at most 10 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedHeader {
    bytes: [u8; MAX_SERVER_HEADER_LEN],
    len: u8,
}

impl EncodedHeader {
    /// The header bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// Writes the header of a server frame, in the minimal length form (§5.2).
/// `rsv1` marks the first frame of a compressed message (RFC 7692 §6).
pub fn encode_header(fin: bool, rsv1: bool, opcode: OpCode, payload_len: u64) -> EncodedHeader {
    let mut bytes = [0u8; MAX_SERVER_HEADER_LEN];
    bytes[0] = (u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode as u8;
    let len = if payload_len <= 125 {
        bytes[1] = payload_len as u8;
        2
    } else if payload_len <= u64::from(u16::MAX) {
        bytes[1] = 126;
        bytes[2..4].copy_from_slice(&(payload_len as u16).to_be_bytes());
        4
    } else {
        bytes[1] = 127;
        bytes[2..10].copy_from_slice(&payload_len.to_be_bytes());
        10
    };
    EncodedHeader { bytes, len }
}

/// Appends a whole server frame (header and payload) to `out`.
pub fn encode_frame_into(out: &mut Vec<u8>, fin: bool, rsv1: bool, opcode: OpCode, payload: &[u8]) {
    let h = encode_header(fin, rsv1, opcode, payload.len() as u64);
    out.reserve(h.len as usize + payload.len());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(payload);
}

/// A whole server frame in one allocation of exactly its size.
pub fn encode_frame(fin: bool, rsv1: bool, opcode: OpCode, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_SERVER_HEADER_LEN + payload.len());
    encode_frame_into(&mut out, fin, rsv1, opcode, payload);
    out
}

/// A whole client-side (masked) frame: for tests, fuzzing and the
/// differential checks, since a server never sends one (§5.1).
pub fn encode_masked_frame(fin: bool, rsv1: bool, opcode: OpCode, key: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let h = encode_header(fin, rsv1, opcode, payload.len() as u64);
    let mut out = Vec::with_capacity(MAX_HEADER_LEN + payload.len());
    out.extend_from_slice(h.as_bytes());
    out[1] |= 0x80;
    out.extend_from_slice(&key);
    let start = out.len();
    out.extend_from_slice(payload);
    apply_mask(&mut out[start..], key, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::CloseCode;

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn parse_all(bytes: &[u8], rules: &FrameRules) -> Result<(usize, Option<FrameHeader>), ProtocolError> {
        HeaderParser::new().feed(bytes, rules)
    }

    #[test]
    fn rfc_examples_parse() {
        // §5.7: a single-frame masked text message "Hello".
        let f = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
        let (n, h) = parse_all(&f, &FrameRules::default()).unwrap();
        let h = h.unwrap();
        assert_eq!(n, 6);
        assert_eq!(h, FrameHeader { fin: true, rsv1: false, opcode: OpCode::Text, mask: Some(KEY), payload_len: 5 });
        let mut p = f[6..].to_vec();
        apply_mask(&mut p, KEY, 0);
        assert_eq!(p, b"Hello");
    }

    #[test]
    fn header_split_at_every_byte() {
        for len in [0u64, 5, 125, 126, 300, 65535, 65536, 1 << 40] {
            let mut f = encode_header(false, true, OpCode::Binary, len).as_bytes().to_vec();
            f[1] |= 0x80;
            f.extend_from_slice(&KEY);
            let rules = FrameRules {
                allow_rsv1: true,
                max_frame_size: u64::MAX,
                max_message_size: u64::MAX,
                ..Default::default()
            };
            for split in 0..=f.len() {
                let mut p = HeaderParser::new();
                let (a, h) = p.feed(&f[..split], &rules).unwrap();
                assert_eq!(a, split);
                if split < f.len() {
                    assert!(h.is_none());
                    let (b, h) = p.feed(&f[split..], &rules).unwrap();
                    assert_eq!(b, f.len() - split);
                    let h = h.unwrap();
                    assert_eq!((h.payload_len, h.fin, h.rsv1, h.mask), (len, false, true, Some(KEY)));
                } else {
                    assert_eq!(h.unwrap().payload_len, len);
                }
                assert!(p.is_empty());
            }
        }
    }

    #[test]
    fn byte_by_byte_and_trailing_bytes_untouched() {
        let mut f = encode_masked_frame(true, false, OpCode::Ping, KEY, b"abc");
        f.extend_from_slice(b"rest");
        let mut p = HeaderParser::new();
        let rules = FrameRules::default();
        for i in 0..5 {
            assert_eq!(p.feed(&f[i..i + 1], &rules).unwrap(), (1, None));
        }
        let (n, h) = p.feed(&f[5..], &rules).unwrap();
        assert_eq!(n, 1);
        assert_eq!(h.unwrap().opcode, OpCode::Ping);
    }

    #[test]
    fn non_minimal_lengths_accepted() {
        // §5.2 asks for the minimal form but a server need not insist.
        let f = [0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4];
        assert_eq!(parse_all(&f, &FrameRules::default()).unwrap().1.unwrap().payload_len, 5);
        // A control frame too (found by fuzz/ws_frames_vs_tungstenite), but
        // never over 125 bytes in whatever form.
        let f = [0x89, 0xFE, 0x00, 0x00, 1, 2, 3, 4];
        assert_eq!(parse_all(&f, &FrameRules::default()).unwrap().1.unwrap().payload_len, 0);
        let f = [0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4];
        assert_eq!(parse_all(&f, &FrameRules::default()).unwrap_err().code, CloseCode::PROTOCOL_ERROR);
        let f = [0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4];
        assert_eq!(parse_all(&f, &FrameRules::default()).unwrap().1.unwrap().payload_len, 5);
    }

    fn code_of(bytes: &[u8], rules: &FrameRules) -> CloseCode {
        parse_all(bytes, rules).unwrap_err().code
    }

    #[test]
    fn violations() {
        let r = FrameRules::default();
        let p = CloseCode::PROTOCOL_ERROR;
        assert_eq!(code_of(&[0x81, 0x05], &r), p, "unmasked");
        assert_eq!(code_of(&[0xC1, 0x80], &r), p, "RSV1 without extension");
        assert_eq!(code_of(&[0xA1, 0x80], &r), p, "RSV2");
        assert_eq!(code_of(&[0x91, 0x80], &r), p, "RSV3");
        for op in (3..=7).chain(0xB..=0xF) {
            assert_eq!(code_of(&[0x80 | op, 0x80], &r), p, "opcode {op}");
        }
        assert_eq!(code_of(&[0x09, 0x80], &r), p, "fragmented ping");
        assert_eq!(code_of(&[0x89, 0xFE, 0x00, 0x7E, 1, 2, 3, 4], &r), p, "ping of 126 bytes");
        assert_eq!(code_of(&[0x88, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4], &r), p, "close of 256 bytes");
        let r1 = FrameRules { allow_rsv1: true, ..r };
        assert!(parse_all(&[0xC1, 0x80, 0, 0, 0, 0], &r1).is_ok());
        assert_eq!(code_of(&[0xC9, 0x80], &r1), p, "RSV1 on ping");
        assert_eq!(code_of(&[0xC0, 0x80], &r1), p, "RSV1 on continuation");
        let big = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        let unlimited = FrameRules { max_frame_size: u64::MAX, max_message_size: u64::MAX, ..r };
        assert_eq!(code_of(&big, &unlimited), p, "64-bit MSB set");
        // An unmasked frame is fine when masks are not required (client side).
        let no_mask = FrameRules { require_mask: false, ..r };
        assert!(parse_all(&[0x81, 0x00], &no_mask).unwrap().1.is_some());
    }

    #[test]
    fn size_limits_give_1009() {
        let f = encode_masked_frame(true, false, OpCode::Binary, KEY, &[0; 1000]);
        let r = FrameRules { max_frame_size: 999, ..Default::default() };
        assert_eq!(code_of(&f, &r), CloseCode::MESSAGE_TOO_BIG);
        let r = FrameRules { max_message_size: 999, ..Default::default() };
        assert_eq!(code_of(&f, &r), CloseCode::MESSAGE_TOO_BIG);
        let r = FrameRules { max_frame_size: 1000, max_message_size: 1000, ..Default::default() };
        assert!(parse_all(&f, &r).is_ok());
    }

    #[test]
    fn parser_recovers_after_error_reset() {
        let mut p = HeaderParser::new();
        assert!(p.feed(&[0x81, 0x05], &FrameRules::default()).is_err());
        assert!(p.is_empty());
    }

    #[test]
    fn mask_in_pieces_at_any_offset() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut whole = data.clone();
        for (i, b) in whole.iter_mut().enumerate() {
            *b ^= KEY[i % 4];
        }
        for a in 0..20 {
            for b in a..40 {
                let mut m = data.clone();
                apply_mask(&mut m[..a], KEY, 0);
                apply_mask(&mut m[a..b], KEY, a as u64);
                apply_mask(&mut m[b..], KEY, b as u64);
                assert_eq!(m, whole, "splits {a} {b}");
            }
        }
        let mut m = whole.clone();
        apply_mask(&mut m, KEY, 0);
        assert_eq!(m, data, "masking twice restores");
    }

    #[test]
    fn encoder_length_forms() {
        assert_eq!(encode_header(true, false, OpCode::Text, 5).as_bytes(), &[0x81, 5]);
        assert_eq!(encode_header(true, false, OpCode::Text, 125).as_bytes(), &[0x81, 125]);
        assert_eq!(encode_header(false, true, OpCode::Text, 126).as_bytes(), &[0x41, 126, 0, 126]);
        assert_eq!(encode_header(true, false, OpCode::Binary, 65535).as_bytes(), &[0x82, 126, 0xFF, 0xFF]);
        assert_eq!(encode_header(true, false, OpCode::Binary, 65536).as_bytes(), &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(encode_header(true, false, OpCode::Continuation, 0).as_bytes(), &[0x80, 0]);
        // §5.7: unmasked "Hello".
        assert_eq!(encode_frame(true, false, OpCode::Text, b"Hello"), [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        let mut v = b"x".to_vec();
        encode_frame_into(&mut v, true, false, OpCode::Pong, b"Hi");
        assert_eq!(v, b"x\x8a\x02Hi");
    }

    #[test]
    fn encoded_frames_parse_back() {
        let r = FrameRules { require_mask: false, allow_rsv1: true, ..Default::default() };
        for len in [0usize, 1, 125, 126, 65535, 65536, 70000] {
            let payload = vec![0xAB; len];
            let f = encode_frame(len % 2 == 0, true, OpCode::Binary, &payload);
            let (n, h) = parse_all(&f, &r).unwrap();
            let h = h.unwrap();
            assert_eq!((h.payload_len as usize, h.fin, h.rsv1, h.mask), (len, len % 2 == 0, true, None));
            assert_eq!(&f[n..], &payload[..]);
        }
    }

    #[test]
    fn opcodes() {
        for v in 0..16u8 {
            match OpCode::from_u8(v) {
                Some(op) => {
                    assert_eq!(op as u8, v);
                    assert_eq!(op.is_control(), v >= 8);
                }
                None => assert!((3..=7).contains(&v) || v >= 0xB),
            }
        }
    }
}
