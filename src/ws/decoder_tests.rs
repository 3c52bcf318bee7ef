use super::*;
use crate::ws::close::encode_close_payload;
use crate::ws::deflate::{negotiate, Compressor, DeflatePolicy};
use crate::ws::frame::encode_masked_frame;
use crate::ws::CloseCode;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// An owned copy of an item, to outlive the input buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Got {
    Data(MessageKind, Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
    Failed(u16),
}

impl From<Item<'_>> for Got {
    fn from(i: Item<'_>) -> Self {
        match i {
            Item::Data { kind, payload, fin } => Got::Data(kind, payload.as_slice().to_vec(), fin),
            Item::Ping(p) => Got::Ping(p.to_vec()),
            Item::Pong(p) => Got::Pong(p.to_vec()),
            Item::Close(b) => Got::Close(b.code.map(|c| c.0), b.reason.to_string()),
            Item::Failed(e) => Got::Failed(e.code.0),
        }
    }
}

/// Feeds `chunks` as the transport does: keeps what was not consumed and
/// appends the next read to it.
pub(crate) fn drive(dec: &mut Decoder, chunks: &[&[u8]]) -> Vec<Got> {
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        loop {
            let len = buf.len();
            let (n, item) = dec.decode(&mut buf);
            assert!(n <= len);
            let got = item.map(Got::from);
            buf.drain(..n);
            match got {
                Some(g) => out.push(g),
                None => {
                    assert!(buf.len() <= 125, "only a partial control payload may be left, not {}", buf.len());
                    break;
                }
            }
        }
    }
    out
}

/// Joins data pieces into whole messages; other items stay as they are.
pub(crate) fn messages(items: Vec<Got>) -> Vec<Got> {
    let mut out: Vec<Got> = Vec::new();
    let mut open: Option<(MessageKind, Vec<u8>)> = None;
    for g in items {
        match g {
            Got::Data(k, d, fin) => {
                let m = open.get_or_insert_with(|| (k, Vec::new()));
                assert_eq!(m.0, k);
                m.1.extend_from_slice(&d);
                if fin {
                    let (k, d) = open.take().unwrap();
                    out.push(Got::Data(k, d, true));
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn frame(fin: bool, op: OpCode, payload: &[u8]) -> Vec<u8> {
    encode_masked_frame(fin, false, op, KEY, payload)
}

fn decoder() -> Decoder {
    Decoder::new(&DecoderConfig::default())
}

fn text(s: &str) -> Got {
    Got::Data(MessageKind::Text, s.as_bytes().to_vec(), true)
}

#[test]
fn single_frame_text_borrowed() {
    let mut d = decoder();
    let mut f = frame(true, OpCode::Text, b"Hello");
    let (n, item) = d.decode(&mut f);
    assert_eq!(n, 11);
    assert_eq!(item, Some(Item::Data { kind: MessageKind::Text, payload: Payload::Borrowed(b"Hello"), fin: true }));
    assert!(d.is_idle());
}

#[test]
fn fragments_with_control_frames_between() {
    let mut bytes = frame(false, OpCode::Text, b"Hel");
    bytes.extend(frame(true, OpCode::Ping, b"ping!"));
    bytes.extend(frame(false, OpCode::Continuation, b""));
    bytes.extend(frame(true, OpCode::Pong, b""));
    bytes.extend(frame(true, OpCode::Continuation, b"lo"));
    bytes.extend(frame(true, OpCode::Binary, &[0, 1, 2]));
    let got = drive(&mut decoder(), &[&bytes]);
    assert_eq!(
        got,
        [
            Got::Data(MessageKind::Text, b"Hel".to_vec(), false),
            Got::Ping(b"ping!".to_vec()),
            Got::Pong(vec![]),
            Got::Data(MessageKind::Text, b"lo".to_vec(), true),
            Got::Data(MessageKind::Binary, vec![0, 1, 2], true),
        ]
    );
}

#[test]
fn empty_messages() {
    let mut bytes = frame(true, OpCode::Text, b"");
    bytes.extend(frame(true, OpCode::Binary, b""));
    let got = drive(&mut decoder(), &[&bytes]);
    assert_eq!(got, [text(""), Got::Data(MessageKind::Binary, vec![], true)]);
}

fn sample_stream() -> (Vec<u8>, Vec<Got>) {
    let long: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
    let mut bytes = frame(true, OpCode::Text, "κόσμε".as_bytes());
    bytes.extend(frame(false, OpCode::Text, &"😀 split".as_bytes()[..2]));
    bytes.extend(frame(true, OpCode::Ping, b"x"));
    bytes.extend(frame(true, OpCode::Continuation, &"😀 split".as_bytes()[2..]));
    bytes.extend(frame(true, OpCode::Binary, &long[..300]));
    bytes.extend(frame(true, OpCode::Binary, &long));
    bytes.extend(frame(true, OpCode::Close, &encode_close_payload(Some(CloseCode::NORMAL), "bye")));
    let want = vec![
        text("κόσμε"),
        Got::Ping(b"x".to_vec()),
        text("😀 split"),
        Got::Data(MessageKind::Binary, long[..300].to_vec(), true),
        Got::Data(MessageKind::Binary, long, true),
        Got::Close(Some(1000), "bye".into()),
    ];
    (bytes, want)
}

#[test]
fn every_split_point_gives_the_same_messages() {
    let (bytes, want) = sample_stream();
    // All single split points near frame boundaries, and a stride through the rest.
    let points: Vec<usize> = (0..bytes.len()).filter(|i| *i < 400 || i % 997 == 0 || *i > bytes.len() - 200).collect();
    for &a in &points {
        let got = messages(drive(&mut decoder(), &[&bytes[..a], &bytes[a..]]));
        assert_eq!(got, want, "split at {a}");
    }
    // Byte by byte.
    let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(messages(drive(&mut decoder(), &chunks)), want);
    let chunks: Vec<&[u8]> = bytes.chunks(7).collect();
    assert_eq!(messages(drive(&mut decoder(), &chunks)), want);
}

#[test]
fn partial_control_payload_is_left_to_the_caller() {
    let mut d = decoder();
    let f = frame(true, OpCode::Ping, b"abcdef");
    let mut part = f[..9].to_vec();
    let (n, item) = d.decode(&mut part);
    assert_eq!((n, item), (6, None), "header taken, payload left");
    let mut rest = f[6..].to_vec();
    let (n, item) = d.decode(&mut rest);
    assert_eq!((n, item), (6, Some(Item::Ping(b"abcdef"))));
}

fn first_failure(bytes: &[u8]) -> Option<u16> {
    drive(&mut decoder(), &[bytes]).into_iter().find_map(|g| if let Got::Failed(c) = g { Some(c) } else { None })
}

#[test]
fn fragmentation_violations_are_1002() {
    assert_eq!(first_failure(&frame(true, OpCode::Continuation, b"x")), Some(1002));
    let mut b = frame(false, OpCode::Text, b"a");
    b.extend(frame(true, OpCode::Text, b"b"));
    assert_eq!(first_failure(&b), Some(1002));
    let mut b = frame(false, OpCode::Binary, b"a");
    b.extend(frame(true, OpCode::Binary, b"b"));
    assert_eq!(first_failure(&b), Some(1002));
    assert_eq!(first_failure(&encode_masked_frame(false, false, OpCode::Ping, KEY, b"")), Some(1002));
    assert_eq!(first_failure(&[0x81, 0x01, b'a']), Some(1002), "unmasked");
    assert_eq!(
        first_failure(&encode_masked_frame(true, true, OpCode::Text, KEY, b"a")),
        Some(1002),
        "RSV1, no deflate"
    );
    assert_eq!(first_failure(&frame(true, OpCode::Close, &[3])), Some(1002));
    assert_eq!(first_failure(&frame(true, OpCode::Close, &1005u16.to_be_bytes())), Some(1002));
}

#[test]
fn invalid_utf8_fails_at_once_mid_fragment() {
    let mut d = decoder();
    // A non-final fragment whose invalid byte arrives in the second read: failure
    // comes with that read, long before the message would end.
    let f = frame(false, OpCode::Text, b"valid then \xF5 and more");
    let got = drive(&mut d, &[&f[..12], &f[12..]]);
    assert_eq!(got.last(), Some(&Got::Failed(1007)));
    assert!(d.is_finished());
    // A truncated sequence at FIN.
    let mut b = frame(false, OpCode::Text, b"ok \xE2\x82");
    b.extend(frame(true, OpCode::Continuation, b""));
    assert_eq!(first_failure(&b), Some(1007));
    // A sequence split across fragments is fine.
    let mut b = frame(false, OpCode::Text, b"\xE2\x82");
    b.extend(frame(true, OpCode::Continuation, b"\xAC"));
    assert_eq!(messages(drive(&mut decoder(), &[&b])), [text("€")]);
    // Invalid close reason.
    assert_eq!(first_failure(&frame(true, OpCode::Close, b"\x03\xe8\xff")), Some(1007));
}

#[test]
fn size_limits_are_1009() {
    let cfg = DecoderConfig { max_message_size: 10, ..Default::default() };
    let mut b = frame(false, OpCode::Binary, &[0; 6]);
    b.extend(frame(true, OpCode::Continuation, &[0; 5]));
    let got = drive(&mut Decoder::new(&cfg), &[&b]);
    assert_eq!(got.last(), Some(&Got::Failed(1009)));
    let got = drive(&mut Decoder::new(&cfg), &[&frame(true, OpCode::Binary, &[0; 11])]);
    assert_eq!(got, [Got::Failed(1009)]);
    let got = drive(&mut Decoder::new(&cfg), &[&frame(true, OpCode::Binary, &[0; 10])]);
    assert_eq!(got, [Got::Data(MessageKind::Binary, vec![0; 10], true)]);
    let cfg = DecoderConfig { max_frame_size: 4, ..Default::default() };
    assert_eq!(drive(&mut Decoder::new(&cfg), &[&frame(true, OpCode::Binary, &[0; 5])]), [Got::Failed(1009)]);
}

#[test]
fn finished_after_close_or_failure() {
    let mut d = decoder();
    let mut b = frame(true, OpCode::Close, b"");
    b.extend(frame(true, OpCode::Text, b"after"));
    assert_eq!(drive(&mut d, &[&b]), [Got::Close(None, String::new())]);
    assert!(d.is_finished());
    let mut more = frame(true, OpCode::Text, b"x");
    let n = more.len();
    assert_eq!(d.decode(&mut more), (n, None));
}

fn deflate_decoder(offer: &str, max: u64) -> Decoder {
    let a = negotiate(&[offer], &DeflatePolicy::default()).unwrap();
    Decoder::new(&DecoderConfig { deflate: Some(a.params), max_message_size: max, ..Default::default() })
}

/// A compressed message as a client sends it, in fragments of `frag` bytes.
fn compressed_frames(c: &mut Compressor, op: OpCode, data: &[u8], frag: usize) -> Vec<u8> {
    let mut payload = Vec::new();
    c.compress_message(data, &mut payload).unwrap();
    let pieces: Vec<&[u8]> = if payload.is_empty() { vec![&[][..]] } else { payload.chunks(frag).collect() };
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let op = if i == 0 { op } else { OpCode::Continuation };
        out.extend(encode_masked_frame(i + 1 == pieces.len(), i == 0, op, KEY, p));
    }
    out
}

#[test]
fn compressed_messages_with_context_takeover_in_any_split() {
    let body = "permessage-deflate text, repeated. ".repeat(400);
    let mut c = Compressor::new(6, 15, false);
    let mut bytes = compressed_frames(&mut c, OpCode::Text, body.as_bytes(), 1000);
    bytes.extend(frame(true, OpCode::Text, b"plain in between"));
    bytes.extend(compressed_frames(&mut c, OpCode::Text, body.as_bytes(), 7));
    bytes.extend(compressed_frames(&mut c, OpCode::Binary, b"", 10));
    let want = [text(&body), text("plain in between"), text(&body), Got::Data(MessageKind::Binary, vec![], true)];
    for split in [1, 2, 3, 50, 333, bytes.len()] {
        let chunks: Vec<&[u8]> = bytes.chunks(split).collect();
        let mut d = deflate_decoder("permessage-deflate", 1 << 20);
        assert_eq!(messages(drive(&mut d, &chunks)), want, "chunks of {split}");
        assert!(d.is_idle());
    }
}

#[test]
fn a_small_compressed_message_is_one_final_piece() {
    // Its last data carries fin: no empty final piece after it (which the
    // server would deliver as an extra, empty DataIn with EOM).
    let mut c = Compressor::new(6, 15, false);
    let mut bytes = compressed_frames(&mut c, OpCode::Text, b"hi", 1000);
    bytes.extend(compressed_frames(&mut c, OpCode::Binary, b"again", 1000));
    let mut d = deflate_decoder("permessage-deflate", 1 << 20);
    assert_eq!(drive(&mut d, &[&bytes]), [text("hi"), Got::Data(MessageKind::Binary, b"again".to_vec(), true)]);
}

#[test]
fn inflated_pieces_are_bounded() {
    let body = vec![b'z'; 300_000];
    let mut c = Compressor::new(6, 15, true);
    let bytes = compressed_frames(&mut c, OpCode::Binary, &body, 100_000);
    let mut d = deflate_decoder("permessage-deflate; client_no_context_takeover", 1 << 20);
    let got = drive(&mut d, &[&bytes]);
    assert!(got.iter().all(|g| matches!(g, Got::Data(_, p, _) if p.len() <= DEFAULT_MAX_PIECE)));
    assert!(got.len() >= 300_000 / DEFAULT_MAX_PIECE);
    assert_eq!(messages(got), [Got::Data(MessageKind::Binary, body, true)]);
    assert!(d.inflater.is_none(), "no context takeover: the inflater is dropped between messages");
}

#[test]
fn deflate_bomb_is_1009_before_the_memory_is_spent() {
    let mut c = Compressor::new(9, 15, false);
    let bytes = compressed_frames(&mut c, OpCode::Binary, &vec![0u8; 10 << 20], 1 << 20);
    assert!(bytes.len() < 20 << 10);
    let limit = 1 << 20;
    let got = drive(&mut deflate_decoder("permessage-deflate", limit), &[&bytes]);
    assert_eq!(got.last(), Some(&Got::Failed(1009)));
    let delivered: usize = got.iter().map(|g| if let Got::Data(_, p, _) = g { p.len() } else { 0 }).sum();
    assert!(delivered as u64 <= limit, "only the limit came out: {delivered}");
}

#[test]
fn compressed_text_is_utf8_checked_after_inflate() {
    let mut c = Compressor::new(6, 15, false);
    let bytes = compressed_frames(&mut c, OpCode::Text, b"bad \xC0\x80 text", 100);
    assert_eq!(first_failure_with(&mut deflate_decoder("permessage-deflate", 1 << 20), &bytes), Some(1007));
    let mut b = encode_masked_frame(true, true, OpCode::Text, KEY, &[0xff, 0xff, 0xff]);
    b.truncate(b.len());
    assert_eq!(first_failure_with(&mut deflate_decoder("permessage-deflate", 1 << 20), &b), Some(1007));
}

fn first_failure_with(d: &mut Decoder, bytes: &[u8]) -> Option<u16> {
    drive(d, &[bytes]).into_iter().find_map(|g| if let Got::Failed(c) = g { Some(c) } else { None })
}

#[test]
fn rsv1_on_continuation_is_1002_even_with_deflate() {
    let mut b = encode_masked_frame(false, true, OpCode::Text, KEY, &[0xf2, 0x48]);
    b.extend(encode_masked_frame(true, true, OpCode::Continuation, KEY, &[0xcd]));
    assert_eq!(first_failure_with(&mut deflate_decoder("permessage-deflate", 1 << 20), &b), Some(1002));
}

#[test]
fn state_is_small_and_idle_holds_no_heap() {
    // The sizes the docs state, on 64-bit targets.
    if cfg!(target_pointer_width = "64") {
        assert_eq!(std::mem::size_of::<Decoder>(), 112);
        assert_eq!(std::mem::size_of::<crate::ws::encoder::MessageEncoder>(), 16);
    }
    assert_eq!(std::mem::size_of::<crate::ws::frame::HeaderParser>(), 15);
    assert_eq!(std::mem::size_of::<crate::ws::utf8::Utf8Validator>(), 5);
    let d = decoder();
    assert!(d.is_idle() && d.inflater.is_none());
}

#[test]
fn compressed_with_tiny_pieces_random_reads_and_pings() {
    // A small output bound forces inflate to stop mid-input, so unconsumed
    // (already unmasked) bytes must be masked back for the next call.
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut rnd = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let a = negotiate(&["permessage-deflate"], &DeflatePolicy::default()).unwrap();
    let cfg = DecoderConfig { deflate: Some(a.params), max_piece: 37, ..Default::default() };
    let mut c = Compressor::new(6, 15, false);
    let mut bytes = Vec::new();
    let mut want = Vec::new();
    for i in 0..30 {
        let body: String =
            (0..rnd(3000)).map(|j| ['a', 'é', '€', '😀', ' '][(j * 7 + i) % 5 * (rnd(2) + 1) % 5]).collect();
        let frag = 1 + rnd(400);
        let mut payload = Vec::new();
        c.compress_message(body.as_bytes(), &mut payload).unwrap();
        let pieces: Vec<&[u8]> = if payload.is_empty() { vec![&[][..]] } else { payload.chunks(frag).collect() };
        for (k, p) in pieces.iter().enumerate() {
            let op = if k == 0 { OpCode::Text } else { OpCode::Continuation };
            let key = [rnd(256) as u8, rnd(256) as u8, rnd(256) as u8, rnd(256) as u8];
            bytes.extend(encode_masked_frame(k + 1 == pieces.len(), k == 0, op, key, p));
            if k + 1 < pieces.len() && rnd(3) == 0 {
                bytes.extend(frame(true, OpCode::Ping, b"p"));
                want.push(Got::Ping(b"p".to_vec()));
            }
        }
        want.push(text(&body));
    }
    for _ in 0..5 {
        let mut chunks = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let n = (1 + rnd(300)).min(bytes.len() - at);
            chunks.push(&bytes[at..at + n]);
            at += n;
        }
        let got = drive(&mut Decoder::new(&cfg), &chunks);
        assert!(got.iter().all(|g| !matches!(g, Got::Data(_, p, _) if p.len() > 37)));
        assert_eq!(messages(got), want);
    }
}
