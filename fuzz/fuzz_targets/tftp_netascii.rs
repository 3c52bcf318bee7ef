//! Netascii both ways: encode in fuzzer-sized pieces then decode gives the
//! input back; decoding arbitrary bytes never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::tftp::netascii::{Decoder, Encoder};

fuzz_target!(|data: &[u8]| {
    let Some((&piece, input)) = data.split_first() else { return };
    let piece = (piece as usize % 64) + 1;
    let mut enc = Encoder::new();
    let mut wire = Vec::new();
    let mut rest = input;
    let mut buf = vec![0u8; piece];
    loop {
        let (used, written) = enc.encode(rest, &mut buf);
        wire.extend_from_slice(&buf[..written]);
        rest = &rest[used..];
        if rest.is_empty() && !enc.has_pending() {
            break;
        }
        assert!(used > 0 || written > 0, "no progress");
    }
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for c in wire.chunks(piece) {
        dec.decode(c, &mut out);
    }
    dec.finish(&mut out);
    assert_eq!(out, input);
    let mut d2 = Decoder::new();
    let mut junk = Vec::new();
    d2.decode(input, &mut junk);
    d2.finish(&mut junk);
});
