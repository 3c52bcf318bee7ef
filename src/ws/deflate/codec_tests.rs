use super::*;
use crate::ws::CloseCode;

fn text(n: usize) -> Vec<u8> {
    (0..n).map(|i| b"the quick brown fox jumps over the lazy dog "[i % 44]).collect()
}

fn compress(c: &mut Compressor, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    c.compress_message(data, &mut out).unwrap();
    out
}

fn inflate_all(d: &mut Decompressor, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    d.decompress_message(data, usize::MAX / 2, &mut out).unwrap();
    out
}

#[test]
fn rfc7692_hello_example() {
    // §7.2.3.1: "Hello" compressed is c1 48 cd c9 c9 07 00 (written 0xf2 0x48... with RSV1).
    let mut d = Decompressor::new(15, false);
    assert_eq!(inflate_all(&mut d, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), b"Hello");
    // §7.2.3.2: the second "Hello" with context takeover is f2 00 11 00 00.
    assert_eq!(inflate_all(&mut d, &[0xf2, 0x00, 0x11, 0x00, 0x00]), b"Hello");
    let mut c = Compressor::new(6, 15, false);
    let p = compress(&mut c, b"Hello");
    assert!(!p.ends_with(&TAIL), "tail stripped");
    assert_eq!(inflate_all(&mut Decompressor::new(15, false), &p), b"Hello");
}

#[test]
fn rfc7692_bfinal_and_no_compression_blocks() {
    // §7.2.3.3: a stored (uncompressed) block: 00 05 00 fa ff "Hello" 00.
    let mut d = Decompressor::new(15, false);
    let stored = [0x00, 0x05, 0x00, 0xfa, 0xff, b'H', b'e', b'l', b'l', b'o', 0x00];
    assert_eq!(inflate_all(&mut d, &stored), b"Hello");
    // §7.2.3.4: a final block (BFINAL=1): f3 48 cd c9 c9 07 00 00; then the next message restarts.
    assert_eq!(inflate_all(&mut d, &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]), b"Hello");
    assert_eq!(inflate_all(&mut d, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), b"Hello");
}

#[test]
fn context_takeover_shrinks_repeats_and_round_trips() {
    let msg = text(500);
    let mut c = Compressor::new(6, 15, false);
    let mut d = Decompressor::new(15, false);
    let first = compress(&mut c, &msg);
    let second = compress(&mut c, &msg);
    assert!(second.len() < first.len(), "{} vs {}", second.len(), first.len());
    assert_eq!(inflate_all(&mut d, &first), msg);
    assert_eq!(inflate_all(&mut d, &second), msg);
}

#[test]
fn no_context_takeover_makes_messages_independent() {
    let msg = text(500);
    let mut c = Compressor::new(6, 15, true);
    let first = compress(&mut c, &msg);
    let second = compress(&mut c, &msg);
    assert_eq!(first, second);
    // Each decodes on a fresh decompressor, and one that resets decodes both.
    assert_eq!(inflate_all(&mut Decompressor::new(15, false), &second), msg);
    let mut d = Decompressor::new(15, true);
    assert_eq!(inflate_all(&mut d, &first), msg);
    assert_eq!(inflate_all(&mut d, &second), msg);
}

#[test]
fn small_windows_round_trip() {
    for bits in 9..=15u8 {
        let msg: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8 % 16 + b'a').collect();
        let mut c = Compressor::new(9, bits, false);
        let mut d = Decompressor::new(bits, false);
        for _ in 0..3 {
            assert_eq!(inflate_all(&mut d, &compress(&mut c, &msg)), msg, "bits {bits}");
        }
    }
}

#[test]
fn empty_message() {
    let mut c = Compressor::new(6, 15, false);
    let p = compress(&mut c, b"");
    let mut d = Decompressor::new(15, false);
    assert_eq!(inflate_all(&mut d, &p), b"");
    assert_eq!(inflate_all(&mut d, &[0x00]), b"", "§7.2.3.6: a lone 0x00 is an empty message too");
    assert_eq!(inflate_all(&mut d, &compress(&mut c, b"after")), b"after");
    // A second empty message right after: zlib's flush adds nothing, we send 0x00.
    assert_eq!(compress(&mut c, b""), [0x00]);
    assert_eq!(inflate_all(&mut d, &compress(&mut c, b"")), b"");
    assert_eq!(inflate_all(&mut d, &compress(&mut c, b"again")), b"again");
}

#[test]
fn streaming_compress_in_pieces() {
    let msg = text(100_000);
    let mut c = Compressor::new(6, 15, false);
    let mut out = Vec::new();
    for (i, piece) in msg.chunks(7_000).enumerate() {
        c.compress_piece(piece, (i + 1) * 7_000 >= msg.len(), &mut out).unwrap();
    }
    assert_eq!(inflate_all(&mut Decompressor::new(15, false), &out), msg);
}

#[test]
fn streaming_inflate_with_small_bounds_and_split_input() {
    let msg = text(50_000);
    let mut c = Compressor::new(6, 15, false);
    let compressed = compress(&mut c, &msg);
    for (piece, bound) in [(1usize, 1usize), (3, 100), (1000, 7), (compressed.len(), 4096)] {
        let mut d = Decompressor::new(15, false);
        let mut got = Vec::new();
        for chunk in compressed.chunks(piece) {
            let mut used = 0;
            while used < chunk.len() {
                let before = got.len();
                used += d.inflate(&chunk[used..], &mut got, bound).unwrap();
                assert!(got.len() - before <= bound, "output bound respected");
            }
        }
        loop {
            let before = got.len();
            let done = d.finish(&mut got, bound).unwrap();
            assert!(got.len() - before <= bound);
            if done {
                break;
            }
        }
        assert_eq!(got, msg, "piece {piece} bound {bound}");
    }
}

#[test]
fn deflate_bomb_fails_with_1009_having_allocated_only_the_limit() {
    let zeros = vec![0u8; 10 * 1024 * 1024];
    let mut c = Compressor::new(9, 15, false);
    let bomb = compress(&mut c, &zeros);
    drop(zeros);
    assert!(bomb.len() < 20 * 1024, "10 MiB of zeros compress to {} bytes", bomb.len());
    let limit = 1024 * 1024;
    let mut d = Decompressor::new(15, false);
    let mut out = Vec::new();
    let e = d.decompress_message(&bomb, limit, &mut out).unwrap_err();
    assert_eq!(e.code, CloseCode::MESSAGE_TOO_BIG);
    assert!(out.capacity() <= limit + 1, "capacity {} for a limit of {limit}", out.capacity());
    // Exactly at the limit is fine.
    let mut c = Compressor::new(6, 15, false);
    let exact = compress(&mut c, &vec![7u8; limit]);
    let mut out = Vec::new();
    Decompressor::new(15, false).decompress_message(&exact, limit, &mut out).unwrap();
    assert_eq!(out.len(), limit);
    assert!(out.capacity() <= limit + 1);
}

#[test]
fn corrupt_data_is_1007() {
    let mut d = Decompressor::new(15, false);
    let mut out = Vec::new();
    // BTYPE=11 is reserved (RFC 1951 §3.2.3).
    assert_eq!(
        d.decompress_message(&[0xff, 0xff, 0xff], 1 << 20, &mut out).unwrap_err().code,
        CloseCode::INVALID_PAYLOAD
    );
}

#[test]
fn agrees_with_plain_flate2() {
    // An independent raw-deflate stream (flate2 directly), sync-flushed and tail-stripped.
    let msg = text(3000);
    let mut z = flate2::Compress::new(flate2::Compression::fast(), false);
    let mut out = Vec::with_capacity(8192);
    z.compress_vec(&msg, &mut out, flate2::FlushCompress::Sync).unwrap();
    assert!(out.ends_with(&TAIL));
    out.truncate(out.len() - 4);
    assert_eq!(inflate_all(&mut Decompressor::new(15, false), &out), msg);
    // And ours inflates with plain flate2 once the tail is put back.
    let mut ours = compress(&mut Compressor::new(6, 15, false), &msg);
    ours.extend_from_slice(&TAIL);
    let mut z = flate2::Decompress::new(false);
    let mut plain = Vec::with_capacity(8192);
    z.decompress_vec(&ours, &mut plain, flate2::FlushDecompress::Sync).unwrap();
    assert_eq!(plain, msg);
}
