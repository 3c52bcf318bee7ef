//! Outgoing messages as server frames: fragmentation at the reference's
//! `MaxFrameSize`, messages sent in several calls (its `MessageLength`), and
//! permessage-deflate compression with RSV1 on the first frame only (RFC 7692
//! §6.1). Control frames are never fragmented and carry ≤ 125 bytes (RFC
//! 6455 §5.5).

use super::decoder::MessageKind;
use super::deflate::Compressor;
use super::frame::{encode_frame, encode_frame_into, OpCode, MAX_CONTROL_PAYLOAD};
use crate::core::error::Error;

/// The reference's default `MaxFrameSize`: 128 KiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 128 * 1024;

/// The outgoing message state of one connection: 16 bytes (64-bit), no heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageEncoder {
    max_frame_size: usize,
    open: Option<OpenMessage>,
}

/// A message whose last part has not been sent yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenMessage {
    kind: MessageKind,
    compressed: bool,
    /// A frame of it has been written: the next ones are continuations (§5.4).
    started: bool,
}

impl MessageEncoder {
    /// An encoder fragmenting at `max_frame_size` payload bytes (0 means no limit).
    pub fn new(max_frame_size: usize) -> Self {
        MessageEncoder { max_frame_size: if max_frame_size == 0 { usize::MAX } else { max_frame_size }, open: None }
    }

    /// Changes the fragment size for the frames written from now on.
    pub fn set_max_frame_size(&mut self, max_frame_size: usize) {
        self.max_frame_size = if max_frame_size == 0 { usize::MAX } else { max_frame_size };
    }

    /// True while a message sent in parts awaits its last part.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Appends the frames of the next part of a message to `out`. The first
    /// part fixes the kind and whether the message is compressed (with
    /// `compressor`); `fin` ends the message. A part may give no frame yet
    /// (empty, or held by the compressor); the last always gives one.
    pub fn encode(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        fin: bool,
        compressor: Option<&mut Compressor>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let open = self.open.get_or_insert(OpenMessage { kind, compressed: compressor.is_some(), started: false });
        if open.kind != kind {
            return Err(Error::invalid_value("a message sent in parts keeps its first part's type"));
        }
        let open = *open;
        let compressed;
        let payload = match (open.compressed, compressor) {
            (true, Some(c)) => {
                let mut v = Vec::with_capacity(data.len() / 2 + 16);
                c.compress_piece(data, fin, &mut v)?;
                compressed = v;
                &compressed[..]
            }
            (true, None) => return Err(Error::invalid_value("a compressed message needs its compressor to the end")),
            (false, _) => data,
        };
        let mut started = open.started;
        let mut chunks = payload.chunks(self.max_frame_size).peekable();
        if payload.is_empty() && fin {
            // The last part always ends the message with a frame, empty if need be.
            write_frame(out, &open, started, true, &[]);
        }
        while let Some(chunk) = chunks.next() {
            write_frame(out, &open, started, fin && chunks.peek().is_none(), chunk);
            started = true;
        }
        self.open = if fin { None } else { Some(OpenMessage { started, ..open }) };
        Ok(())
    }

    /// A whole message in one call, appended to `out`.
    pub fn encode_message(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        compressor: Option<&mut Compressor>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.encode(kind, data, true, compressor, out)
    }
}

fn write_frame(out: &mut Vec<u8>, open: &OpenMessage, started: bool, fin: bool, payload: &[u8]) {
    let (op, rsv1) = match (started, open.kind) {
        (true, _) => (OpCode::Continuation, false),
        (false, MessageKind::Text) => (OpCode::Text, open.compressed),
        (false, MessageKind::Binary) => (OpCode::Binary, open.compressed),
    };
    encode_frame_into(out, fin, rsv1, op, payload);
}

/// A Ping or Pong frame; a payload over 125 bytes is refused (§5.5).
pub fn control_frame(opcode: OpCode, payload: &[u8]) -> Result<Vec<u8>, Error> {
    if !matches!(opcode, OpCode::Ping | OpCode::Pong) {
        return Err(Error::invalid_value("not a Ping or Pong opcode (Close frames come from close::close_frame)"));
    }
    if payload.len() > MAX_CONTROL_PAYLOAD {
        return Err(Error::invalid_value("a control frame payload is at most 125 bytes"));
    }
    Ok(encode_frame(true, false, opcode, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::deflate::Decompressor;
    use crate::ws::frame::{FrameHeader, FrameRules, HeaderParser};

    /// Splits server frames back into (header, payload).
    fn frames(mut bytes: &[u8]) -> Vec<(FrameHeader, Vec<u8>)> {
        let rules = FrameRules { require_mask: false, allow_rsv1: true, ..Default::default() };
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (n, h) = HeaderParser::new().feed(bytes, &rules).unwrap();
            let h = h.unwrap();
            let len = h.payload_len as usize;
            out.push((h, bytes[n..n + len].to_vec()));
            bytes = &bytes[n + len..];
        }
        out
    }

    fn shape(f: &[(FrameHeader, Vec<u8>)]) -> Vec<(OpCode, bool, bool, usize)> {
        f.iter().map(|(h, p)| (h.opcode, h.fin, h.rsv1, p.len())).collect()
    }

    #[test]
    fn fragments_at_max_frame_size() {
        let mut e = MessageEncoder::new(4);
        let mut out = Vec::new();
        e.encode_message(MessageKind::Text, b"0123456789", None, &mut out).unwrap();
        let f = frames(&out);
        assert_eq!(
            shape(&f),
            [
                (OpCode::Text, false, false, 4),
                (OpCode::Continuation, false, false, 4),
                (OpCode::Continuation, true, false, 2)
            ]
        );
        assert_eq!(f.iter().flat_map(|x| x.1.clone()).collect::<Vec<u8>>(), b"0123456789");
        let mut out = Vec::new();
        MessageEncoder::new(4).encode_message(MessageKind::Binary, b"0123", None, &mut out).unwrap();
        assert_eq!(shape(&frames(&out)), [(OpCode::Binary, true, false, 4)]);
        let mut out = Vec::new();
        MessageEncoder::new(0).encode_message(MessageKind::Binary, &[1; 300_000], None, &mut out).unwrap();
        assert_eq!(shape(&frames(&out)), [(OpCode::Binary, true, false, 300_000)], "0: no limit");
    }

    #[test]
    fn message_in_parts() {
        let mut e = MessageEncoder::new(DEFAULT_MAX_FRAME_SIZE);
        let mut out = Vec::new();
        e.encode(MessageKind::Binary, b"", false, None, &mut out).unwrap();
        assert!(out.is_empty() && e.is_open(), "an empty part gives no frame");
        e.encode(MessageKind::Binary, b"ab", false, None, &mut out).unwrap();
        e.encode(MessageKind::Binary, b"cd", false, None, &mut out).unwrap();
        assert!(e.encode(MessageKind::Text, b"x", false, None, &mut out).is_err());
        e.encode(MessageKind::Binary, b"", true, None, &mut out).unwrap();
        assert!(!e.is_open());
        assert_eq!(
            shape(&frames(&out)),
            [
                (OpCode::Binary, false, false, 2),
                (OpCode::Continuation, false, false, 2),
                (OpCode::Continuation, true, false, 0)
            ]
        );
        let mut out = Vec::new();
        e.encode_message(MessageKind::Text, b"", None, &mut out).unwrap();
        assert_eq!(out, [0x81, 0x00], "an empty message is one empty frame");
    }

    #[test]
    fn compressed_rsv1_on_first_frame_only() {
        let text = "compress me, compress me, compress me. ".repeat(200);
        let mut c = Compressor::new(6, 15, false);
        let mut e = MessageEncoder::new(50);
        let mut out = Vec::new();
        e.encode_message(MessageKind::Text, text.as_bytes(), Some(&mut c), &mut out).unwrap();
        let f = frames(&out);
        assert!(f.len() > 1);
        assert!(f[0].0.rsv1 && f[0].0.opcode == OpCode::Text);
        assert!(f[1..].iter().all(|(h, _)| !h.rsv1 && h.opcode == OpCode::Continuation));
        assert!(f.last().unwrap().0.fin && f[..f.len() - 1].iter().all(|(h, _)| !h.fin));
        let payload: Vec<u8> = f.iter().flat_map(|x| x.1.clone()).collect();
        assert!(payload.len() < text.len() / 5);
        let mut d = Decompressor::new(15, false);
        let mut got = Vec::new();
        d.decompress_message(&payload, 1 << 20, &mut got).unwrap();
        assert_eq!(got, text.as_bytes());
        // Sent in parts, compressed: still one message.
        let mut out = Vec::new();
        for part in text.as_bytes().chunks(1000) {
            e.encode(MessageKind::Text, part, false, Some(&mut c), &mut out).unwrap();
        }
        e.encode(MessageKind::Text, b"", true, Some(&mut c), &mut out).unwrap();
        let f = frames(&out);
        assert!(f[0].0.rsv1 && f[1..].iter().all(|(h, _)| !h.rsv1));
        let payload: Vec<u8> = f.iter().flat_map(|x| x.1.clone()).collect();
        let mut got = Vec::new();
        d.decompress_message(&payload, 1 << 20, &mut got).unwrap();
        assert_eq!(got, text.as_bytes());
        assert!(e.encode(MessageKind::Text, b"x", false, Some(&mut c), &mut Vec::new()).is_ok());
        assert!(
            e.encode(MessageKind::Text, b"x", true, None, &mut Vec::new()).is_err(),
            "compressor needed to the end"
        );
    }

    #[test]
    fn control_frames() {
        assert_eq!(control_frame(OpCode::Ping, b"hi").unwrap(), b"\x89\x02hi");
        assert_eq!(control_frame(OpCode::Pong, &[7; 125]).unwrap().len(), 127);
        assert!(control_frame(OpCode::Ping, &[0; 126]).is_err());
        assert!(control_frame(OpCode::Text, b"").is_err());
    }
}
