//! The per-connection message decoder: frames (§5.2) into message pieces,
//! with fragmentation (§5.4), control frames between fragments (§5.5),
//! UTF-8 checks on text (§8.1), size limits (1009) and permessage-deflate
//! (RFC 7692 §6.2).
//!
//! Driving it: call [`Decoder::decode`] with the received bytes not yet
//! consumed; it returns how many bytes it consumed and at most one
//! [`Item`]. Keep `input[consumed..]` and present it again, followed by the
//! next bytes read, on the next call. With `None` it needs more bytes: all
//! input is consumed, except the start of a control frame's payload (≤ 125
//! bytes), which it takes only once whole. Call again after each item; after
//! a `Close` or a `Failed` item the decoder is finished and ignores input.
//!
//! Data is unmasked in place: uncompressed pieces are borrowed from the
//! input, inflated ones are owned, at most [`DEFAULT_MAX_PIECE`] bytes each.

use super::close::{parse_close_payload, CloseBody};
use super::deflate::{Decompressor, DeflateParams};
use super::frame::{apply_mask, FrameHeader, FrameRules, HeaderParser, OpCode, DEFAULT_MAX_MESSAGE_SIZE};
use super::utf8::Utf8Validator;
use super::ProtocolError;

/// Most bytes of inflated output in one [`Item::Data`]: 64 KiB bounds the
/// memory one step of inflation can take whatever the message size.
pub const DEFAULT_MAX_PIECE: usize = 64 * 1024;

/// The decoder's settings for one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// The largest message accepted, after decompression; beyond it 1009.
    pub max_message_size: u64,
    /// The largest single frame accepted; beyond it 1009.
    pub max_frame_size: u64,
    /// The negotiated permessage-deflate terms, if any (allows RSV1).
    pub deflate: Option<DeflateParams>,
    /// Most inflated bytes per data item.
    pub max_piece: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_frame_size: DEFAULT_MAX_MESSAGE_SIZE,
            deflate: None,
            max_piece: DEFAULT_MAX_PIECE,
        }
    }
}

/// The type of a data message (its first frame's opcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// Opcode 1: UTF-8 text.
    Text,
    /// Opcode 2: binary data.
    Binary,
}

/// Payload bytes of a data piece.
#[derive(Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// Unmasked in place in the caller's input.
    Borrowed(&'a [u8]),
    /// Inflated output.
    Owned(Vec<u8>),
}

impl Payload<'_> {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Borrowed(b) => b,
            Payload::Owned(v) => v,
        }
    }
}

/// One decoded item.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A piece of a data message; `fin` marks the message's last piece.
    Data {
        /// Text or binary.
        kind: MessageKind,
        /// The bytes (text pieces may cut a UTF-8 sequence; the whole is valid).
        payload: Payload<'a>,
        /// End of message.
        fin: bool,
    },
    /// A Ping; answer with a Pong carrying the same payload (§5.5.2).
    Ping(&'a [u8]),
    /// A Pong (§5.5.3).
    Pong(&'a [u8]),
    /// A valid Close frame (§5.5.1); the decoder is finished.
    Close(CloseBody<'a>),
    /// The peer broke the protocol: close with this code (§7.1.7); the decoder is finished.
    Failed(ProtocolError),
}

/// What one decoding step found; positions index the caller's input.
enum Step {
    /// Go on with the next step.
    Continue,
    /// The input is used up (but for a partial control payload).
    NeedMore,
    /// An item that borrows nothing.
    Owned(Item<'static>),
    /// Uncompressed data from `start` to the new position.
    Borrowed { start: usize, kind: MessageKind, fin: bool },
    /// A whole, unmasked control payload from `start` to the new position.
    Control { start: usize, opcode: OpCode },
}

/// The frame being read.
#[derive(Clone, Copy, Debug)]
struct FrameState {
    opcode: OpCode,
    fin: bool,
    mask: [u8; 4],
    /// Payload bytes not yet consumed.
    remaining: u64,
    /// Payload bytes consumed, for the mask phase (§5.3).
    offset: u64,
}

/// The data message being read.
#[derive(Clone, Copy, Debug)]
struct MessageState {
    kind: MessageKind,
    compressed: bool,
    /// Frame payload bytes announced so far (compressed size when compressed).
    wire: u64,
    /// Inflated bytes delivered so far.
    inflated: u64,
    /// The last frame is read; draining the inflater (compressed only).
    finishing: bool,
}

/// Per-connection decoding state: 112 bytes inline (64-bit) and, only with
/// permessage-deflate, a boxed inflater — which a connection whose client
/// uses no context takeover drops after each message, so an idle connection
/// holds no heap memory unless the client keeps its LZ77 window.
#[derive(Debug)]
pub struct Decoder {
    rules: FrameRules,
    header: HeaderParser,
    frame: Option<FrameState>,
    message: Option<MessageState>,
    utf8: Utf8Validator,
    deflate: Option<DeflateParams>,
    inflater: Option<Box<Decompressor>>,
    max_piece: u32,
    finished: bool,
}

impl Decoder {
    /// A decoder at the start of a connection (after the handshake).
    pub fn new(config: &DecoderConfig) -> Self {
        Decoder {
            rules: FrameRules {
                require_mask: true,
                allow_rsv1: config.deflate.is_some(),
                max_frame_size: config.max_frame_size,
                max_message_size: config.max_message_size,
            },
            header: HeaderParser::new(),
            frame: None,
            message: None,
            utf8: Utf8Validator::new(),
            deflate: config.deflate,
            inflater: None,
            max_piece: config.max_piece.clamp(1, u32::MAX as usize) as u32,
            finished: false,
        }
    }

    /// True between messages, with no partial frame: nothing is pending.
    pub fn is_idle(&self) -> bool {
        self.header.is_empty() && self.frame.is_none() && self.message.is_none()
    }

    /// True inside a fragmented data message.
    pub fn in_message(&self) -> bool {
        self.message.is_some()
    }

    /// Payload bytes of the current frame not yet decoded (0 between frames):
    /// lets a caller assembling a message reserve its room once.
    pub fn frame_remaining(&self) -> u64 {
        self.frame.map_or(0, |f| f.remaining)
    }

    /// True after a `Close` or `Failed` item.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Changes the largest message accepted (e.g. a per-connection setting);
    /// applies from the next frame header on.
    pub fn set_max_message_size(&mut self, max: u64) {
        self.rules.max_message_size = max;
    }

    fn fail<'a>(&mut self, e: ProtocolError) -> Item<'a> {
        self.finished = true;
        self.frame = None;
        self.message = None;
        Item::Failed(e)
    }

    /// The fragmentation rules of §5.4 and the size of the message so far.
    fn start_frame(&mut self, h: FrameHeader) -> Result<(), ProtocolError> {
        let mask = h.mask.unwrap_or_default();
        if !h.opcode.is_control() {
            let msg = match (h.opcode, &mut self.message) {
                (OpCode::Continuation, Some(m)) => m,
                (OpCode::Continuation, None) => return Err(ProtocolError::protocol("continuation without a message")),
                (_, Some(_)) => return Err(ProtocolError::protocol("new data frame inside a fragmented message")),
                (op, None) => {
                    let kind = if op == OpCode::Text { MessageKind::Text } else { MessageKind::Binary };
                    self.utf8.reset();
                    if h.rsv1 && self.inflater.is_none() {
                        let p = self
                            .deflate
                            .ok_or(ProtocolError::protocol("compressed frame without permessage-deflate"))?;
                        self.inflater =
                            Some(Box::new(Decompressor::new(p.client_max_window_bits, p.client_no_context_takeover)));
                    }
                    self.message.insert(MessageState {
                        kind,
                        compressed: h.rsv1,
                        wire: 0,
                        inflated: 0,
                        finishing: false,
                    })
                }
            };
            msg.wire = msg.wire.saturating_add(h.payload_len);
            if msg.wire > self.rules.max_message_size {
                return Err(ProtocolError::too_big("message larger than the maximum message size"));
            }
        }
        self.frame = Some(FrameState { opcode: h.opcode, fin: h.fin, mask, remaining: h.payload_len, offset: 0 });
        Ok(())
    }

    /// Ends the current message; frees the inflater when it keeps no context.
    fn end_message(&mut self) {
        self.message = None;
        if self.deflate.is_some_and(|p| p.client_no_context_takeover) {
            self.inflater = None;
        }
    }

    /// Decodes from `input`: returns the bytes consumed and the next item,
    /// or `None` when more bytes are needed (see the module docs).
    pub fn decode<'a>(&mut self, input: &'a mut [u8]) -> (usize, Option<Item<'a>>) {
        let mut pos = 0;
        // The steps work on indices; the item borrowing `input` is built once
        // the loop is left, which keeps the borrow checker content.
        let step = loop {
            match self.step(input, &mut pos) {
                Step::Continue => continue,
                other => break other,
            }
        };
        let item = match step {
            Step::Continue | Step::NeedMore => None,
            Step::Owned(item) => Some(item),
            Step::Borrowed { start, kind, fin } => {
                Some(Item::Data { kind, payload: Payload::Borrowed(&input[start..pos]), fin })
            }
            Step::Control { start, opcode } => {
                let payload = &input[start..pos];
                Some(match opcode {
                    OpCode::Ping => Item::Ping(payload),
                    OpCode::Pong => Item::Pong(payload),
                    _ => match parse_close_payload(payload) {
                        Ok(body) => {
                            self.finished = true;
                            Item::Close(body)
                        }
                        Err(e) => self.fail(e),
                    },
                })
            }
        };
        (pos, item)
    }

    /// One step of [`Self::decode`] from `input[*pos..]`, advancing `*pos`
    /// past what it consumed.
    fn step(&mut self, input: &mut [u8], pos: &mut usize) -> Step {
        if self.finished {
            *pos = input.len();
            return Step::NeedMore;
        }
        if self.message.is_some_and(|m| m.finishing) {
            return Step::Owned(self.drain_inflater());
        }
        let Some(frame) = self.frame else {
            return match self.header.feed(&input[*pos..], &self.rules) {
                Err(e) => Step::Owned(self.fail(e)),
                Ok((n, None)) => {
                    *pos += n;
                    Step::NeedMore
                }
                Ok((n, Some(h))) => {
                    *pos += n;
                    match self.start_frame(h) {
                        Ok(()) => Step::Continue,
                        Err(e) => Step::Owned(self.fail(e)),
                    }
                }
            };
        };
        let start = *pos;
        let avail = (input.len() - start).min(usize::try_from(frame.remaining).unwrap_or(usize::MAX));
        if frame.opcode.is_control() {
            // Whole control payloads only (≤ 125 bytes): the caller keeps a partial one.
            if (avail as u64) < frame.remaining {
                return Step::NeedMore;
            }
            self.frame = None;
            apply_mask(&mut input[start..start + avail], frame.mask, 0);
            *pos += avail;
            return Step::Control { start, opcode: frame.opcode };
        }
        let msg = self.message.expect("a data frame belongs to a message");
        if msg.compressed {
            return match self.inflate_piece(&mut input[start..start + avail]) {
                Ok((used, out)) => {
                    *pos += used;
                    match out {
                        Some(item) => Step::Owned(item),
                        // The frame goes on but the input is used up: read more.
                        None if used == 0 && self.frame.is_some() && avail == 0 => Step::NeedMore,
                        None if used == 0 && self.frame.is_some() => {
                            let e = ProtocolError { code: super::CloseCode::INTERNAL_ERROR, reason: "inflate stalled" };
                            Step::Owned(self.fail(e))
                        }
                        None => Step::Continue,
                    }
                }
                Err(e) => Step::Owned(self.fail(e)),
            };
        }
        // Uncompressed: unmask in place and hand the bytes out as they are.
        let piece = &mut input[start..start + avail];
        apply_mask(piece, frame.mask, frame.offset);
        let frame_end = avail as u64 == frame.remaining;
        let fin = frame_end && frame.fin;
        if msg.kind == MessageKind::Text {
            if let Err(e) = self.utf8.feed(piece).and_then(|()| if fin { self.utf8.finish() } else { Ok(()) }) {
                return Step::Owned(self.fail(e));
            }
        }
        *pos += avail;
        if frame_end {
            self.frame = None;
            if fin {
                self.end_message();
            }
        } else if let Some(f) = &mut self.frame {
            f.remaining -= avail as u64;
            f.offset += avail as u64;
        }
        match (avail, fin, frame_end) {
            // An empty non-final fragment carries nothing.
            (0, false, true) => Step::Continue,
            (0, false, false) => Step::NeedMore,
            _ => Step::Borrowed { start, kind: msg.kind, fin },
        }
    }

    /// The output bound of one inflate step: the piece size, or one byte past
    /// the message limit so exceeding it shows without spending more.
    fn inflate_budget(&self, msg: &MessageState) -> usize {
        let left = self.rules.max_message_size.saturating_sub(msg.inflated).saturating_add(1);
        (self.max_piece as usize).min(usize::try_from(left).unwrap_or(usize::MAX))
    }

    /// Accounts inflated output: size limit, then UTF-8 (RFC 7692 §6.1: the
    /// inflated data is subject to the message type's constraints).
    fn account(&mut self, out: &[u8], fin: bool) -> Result<(), ProtocolError> {
        let msg = self.message.as_mut().expect("inside a message");
        msg.inflated += out.len() as u64;
        if msg.inflated > self.rules.max_message_size {
            return Err(ProtocolError::too_big("message larger than the maximum message size"));
        }
        if msg.kind == MessageKind::Text {
            self.utf8.feed(out)?;
            if fin {
                self.utf8.finish()?;
            }
        }
        Ok(())
    }

    /// Inflates (part of) the current compressed frame's payload in `piece`.
    /// Returns the bytes used and an item when output came out.
    fn inflate_piece<'a>(&mut self, piece: &mut [u8]) -> Result<(usize, Option<Item<'a>>), ProtocolError> {
        let mut frame = self.frame.expect("inside a frame");
        let msg = self.message.expect("inside a message");
        apply_mask(piece, frame.mask, frame.offset);
        let budget = self.inflate_budget(&msg);
        let mut out = Vec::new();
        let inflater = self.inflater.as_mut().expect("a compressed message has an inflater");
        let used = inflater.inflate(piece, &mut out, budget)?;
        // Bytes zlib did not take stay with the caller: mask them back as they came.
        apply_mask(&mut piece[used..], frame.mask, frame.offset + used as u64);
        frame.remaining -= used as u64;
        frame.offset += used as u64;
        self.account(&out, false)?;
        if frame.remaining == 0 {
            self.frame = None;
            if frame.fin {
                self.message.as_mut().expect("inside a message").finishing = true;
            }
        } else {
            self.frame = Some(frame);
        }
        // The message's last byte is in: finish it in this piece when the
        // budget has room, so the last data comes with fin set rather than
        // followed by an empty final piece (an extra DataIn with nothing in it).
        if self.message.is_some_and(|m| m.finishing) && out.len() < budget {
            let room = budget - out.len();
            if self.finish_message(&mut out, room)? {
                return Ok((used, Some(Item::Data { kind: msg.kind, payload: Payload::Owned(out), fin: true })));
            }
        }
        let item = (!out.is_empty()).then_some(Item::Data { kind: msg.kind, payload: Payload::Owned(out), fin: false });
        Ok((used, item))
    }

    /// At the end of a compressed message: the `00 00 ff ff` tail and what
    /// zlib still holds (RFC 7692 §7.2.2), one bounded piece per call.
    fn drain_inflater<'a>(&mut self) -> Item<'a> {
        let msg = self.message.expect("inside a message");
        let budget = self.inflate_budget(&msg);
        let mut out = Vec::new();
        let done = match self.finish_message(&mut out, budget) {
            Ok(d) => d,
            Err(e) => return self.fail(e),
        };
        if !done && out.is_empty() {
            return self
                .fail(ProtocolError { code: super::CloseCode::INTERNAL_ERROR, reason: "inflate made no progress" });
        }
        Item::Data { kind: msg.kind, payload: Payload::Owned(out), fin: done }
    }

    /// Feeds zlib the message's tail, appending at most `room` bytes to
    /// `out` and accounting them; true (and the message ended) once zlib
    /// holds nothing more.
    fn finish_message(&mut self, out: &mut Vec<u8>, room: usize) -> Result<bool, ProtocolError> {
        let before = out.len();
        let inflater = self.inflater.as_mut().expect("a compressed message has an inflater");
        let done = inflater.finish(out, room)?;
        self.account(&out[before..], done)?;
        if done {
            self.end_message();
        }
        Ok(done)
    }
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
pub(crate) mod tests;
