//! permessage-deflate inflation with its limit (RFC 7692 §7.2.2): whatever
//! the compressed bytes, the output never passes the limit (a deflate bomb
//! fails with 1009 before the memory is spent).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::ws::deflate::Decompressor;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let limit = 1 + (flags as usize) * 64;
    let mut d = Decompressor::new(9 + flags % 7, flags & 0x80 != 0);
    for msg in rest.split(|&b| b == 0xAA).take(8) {
        let mut out = Vec::new();
        // Within the limit on success; on 1009 at most one byte past it
        // (how the limit is seen exceeded, src/ws/deflate/codec.rs).
        let bound = if d.decompress_message(msg, limit, &mut out).is_ok() { limit } else { limit + 1 };
        assert!(out.len() <= bound, "{} bytes out with a limit of {limit}", out.len());
    }
});
