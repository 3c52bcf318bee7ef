//! Differential tests against `tungstenite`, an independent implementation:
//! its client-side (masked) frames go through our decoder split at random
//! points, and our server frames go through its client reader; both sides
//! must see the same messages.

use std::io::{self, Cursor, Read, Write};

use tungstenite::protocol::frame::coding::{CloseCode as TCloseCode, Control, Data, OpCode as TOpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame, FrameHeader};
use tungstenite::protocol::{Message, Role, WebSocket};

use super::close::close_frame;
use super::decoder::tests::{drive, messages, Got};
use super::decoder::{Decoder, DecoderConfig, MessageKind};
use super::encoder::{MessageEncoder, DEFAULT_MAX_FRAME_SIZE};
use super::frame::{encode_frame_into, OpCode};
use super::CloseCode;

/// xorshift64*: deterministic test randomness without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A random message: valid UTF-8 text with multi-byte characters, or binary.
fn random_message(rng: &mut Rng) -> (MessageKind, Vec<u8>) {
    let len = match rng.below(10) {
        0 => 0,
        1..=6 => rng.below(200),
        7 | 8 => 126 + rng.below(70_000),
        _ => 65_536 + rng.below(200_000),
    };
    if rng.below(2) == 0 {
        let alphabet = ['a', 'Z', ' ', 'é', 'ß', '€', 'κ', '😀', '\u{10FFFF}', '\u{7F}'];
        let mut s = String::new();
        while s.len() < len {
            s.push(alphabet[rng.below(alphabet.len())]);
        }
        (MessageKind::Text, s.into_bytes())
    } else {
        (MessageKind::Binary, (0..len).map(|_| rng.next() as u8).collect())
    }
}

/// Fragment sizes summing to `len`: one piece, or several of random sizes.
fn fragments(rng: &mut Rng, len: usize) -> Vec<usize> {
    if len == 0 || rng.below(3) == 0 {
        return vec![len];
    }
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        let n = 1 + rng.below(left.min(20_000));
        out.push(n);
        left -= n;
    }
    out
}

/// Any frame, even one tungstenite would not build as a message (reserved opcodes).
fn raw(opcode: TOpCode, payload: Vec<u8>) -> Frame {
    Frame::from_payload(FrameHeader { opcode, ..FrameHeader::default() }, payload.into())
}

fn tung_masked(rng: &mut Rng, mut f: Frame, out: &mut Vec<u8>) {
    f.header_mut().mask = Some((rng.next() as u32).to_ne_bytes());
    f.format(out).unwrap();
}

#[test]
fn tungstenite_client_frames_through_our_decoder() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..12 {
        let mut wire = Vec::new();
        let mut want = Vec::new();
        for _ in 0..1 + rng.below(12) {
            let (kind, data) = random_message(&mut rng);
            let mut at = 0;
            let sizes = fragments(&mut rng, data.len());
            for (i, n) in sizes.iter().enumerate() {
                let op = match (i, kind) {
                    (0, MessageKind::Text) => TOpCode::Data(Data::Text),
                    (0, MessageKind::Binary) => TOpCode::Data(Data::Binary),
                    _ => TOpCode::Data(Data::Continue),
                };
                let piece = data[at..at + n].to_vec();
                at += n;
                tung_masked(&mut rng, Frame::message(piece, op, i + 1 == sizes.len()), &mut wire);
                if i + 1 == sizes.len() {
                    want.push(Got::Data(kind, data.clone(), true));
                }
                // Control frames may come between fragments (§5.4); a ping
                // between fragments comes out before the message is whole.
                if rng.below(4) == 0 {
                    let p: Vec<u8> = (0..rng.below(126)).map(|_| rng.next() as u8).collect();
                    want.push(Got::Ping(p.clone()));
                    tung_masked(&mut rng, Frame::ping(p), &mut wire);
                }
            }
        }
        let close = CloseFrame { code: TCloseCode::Library(4000), reason: "done".into() };
        tung_masked(&mut rng, Frame::close(Some(close)), &mut wire);
        want.push(Got::Close(Some(4000), "done".into()));
        // Random reads: from one byte to a few KiB each.
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < wire.len() {
            let max = if rng.below(2) == 0 { 16 } else { 9000 };
            let n = (1 + rng.below(max)).min(wire.len() - at);
            chunks.push(&wire[at..at + n]);
            at += n;
        }
        let got = messages(drive(&mut Decoder::new(&DecoderConfig::default()), &chunks));
        assert_eq!(got.len(), want.len(), "round {round}");
        assert!(got == want, "round {round}: messages differ");
    }
}

#[test]
fn tungstenite_invalid_frames_fail_ours_too() {
    let mut rng = Rng(42);
    let cases: Vec<(Frame, u16)> = vec![
        (
            Frame::message(
                b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80".to_vec(),
                TOpCode::Data(Data::Text),
                true,
            ),
            1007,
        ),
        (Frame::message(b"x".to_vec(), TOpCode::Data(Data::Continue), true), 1002),
        (raw(TOpCode::Control(Control::Reserved(0xB)), vec![]), 1002),
        (raw(TOpCode::Control(Control::Ping), vec![0u8; 126]), 1002),
        (raw(TOpCode::Control(Control::Close), vec![0x03, 0xED]), 1002),
    ];
    for (f, code) in cases {
        let mut wire = Vec::new();
        tung_masked(&mut rng, f, &mut wire);
        let got = drive(&mut Decoder::new(&DecoderConfig::default()), &[&wire]);
        assert_eq!(got.last(), Some(&Got::Failed(code)));
    }
}

/// Reads from a buffer; writes (tungstenite's automatic pongs) go nowhere.
struct Wire(Cursor<Vec<u8>>);

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Short reads exercise tungstenite's own reassembly.
        let n = buf.len().min(1 + (self.0.position() as usize % 1500));
        self.0.read(&mut buf[..n])
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn our_server_frames_through_tungstenite_client() {
    let mut rng = Rng(7);
    let mut wire = Vec::new();
    let mut want = Vec::new();
    for _ in 0..60 {
        let (kind, data) = random_message(&mut rng);
        let sizes = fragments(&mut rng, data.len());
        let mut at = 0;
        for (i, n) in sizes.iter().enumerate() {
            let op = match (i, kind) {
                (0, MessageKind::Text) => OpCode::Text,
                (0, MessageKind::Binary) => OpCode::Binary,
                _ => OpCode::Continuation,
            };
            encode_frame_into(&mut wire, i + 1 == sizes.len(), false, op, &data[at..at + n]);
            at += n;
            if i + 1 == sizes.len() {
                want.push(match kind {
                    MessageKind::Text => Message::Text(String::from_utf8(data.clone()).unwrap().into()),
                    MessageKind::Binary => Message::Binary(data.clone().into()),
                });
            }
            if rng.below(5) == 0 {
                encode_frame_into(&mut wire, true, false, OpCode::Ping, b"are you there");
                want.push(Message::Ping(b"are you there".to_vec().into()));
            }
        }
    }
    wire.extend(close_frame(Some(CloseCode::GOING_AWAY), "bye"));
    let mut ws = WebSocket::from_raw_socket(Wire(Cursor::new(wire)), Role::Client, None);
    for (i, w) in want.iter().enumerate() {
        let got = ws.read().unwrap();
        assert!(&got == w, "message {i} differs");
    }
    match ws.read().unwrap() {
        Message::Close(Some(c)) => assert_eq!((u16::from(c.code), c.reason.as_str()), (1001, "bye")),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[test]
fn our_message_encoder_through_tungstenite_client() {
    let mut rng = Rng(99);
    let mut wire = Vec::new();
    let mut want = Vec::new();
    let mut enc = MessageEncoder::new(DEFAULT_MAX_FRAME_SIZE);
    for _ in 0..40 {
        let (kind, data) = random_message(&mut rng);
        enc.set_max_frame_size(1 + rng.below(5000));
        // Sent in parts (the reference's MessageLength) or whole.
        let mut at = 0;
        for n in fragments(&mut rng, data.len()) {
            enc.encode(kind, &data[at..at + n], at + n == data.len(), None, &mut wire).unwrap();
            at += n;
        }
        want.push(match kind {
            MessageKind::Text => Message::Text(String::from_utf8(data).unwrap().into()),
            MessageKind::Binary => Message::Binary(data.into()),
        });
    }
    let mut ws = WebSocket::from_raw_socket(Wire(Cursor::new(wire)), Role::Client, None);
    for (i, w) in want.iter().enumerate() {
        assert!(&ws.read().unwrap() == w, "message {i} differs");
    }
}
