//! The WebSocket frame/message decoder (RFC 6455 §5, with and without
//! permessage-deflate): fed arbitrary bytes in fuzzer-chosen pieces, it
//! never panics, always makes progress or asks for more, stops after Close
//! or a failure, and never hands out more than the message limit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::ws::decoder::{Decoder, DecoderConfig, Item};
use pier::ws::deflate::DeflateParams;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let config = DecoderConfig {
        max_message_size: 1 << 16,
        max_frame_size: 1 << 16,
        deflate: (flags & 1 == 1).then_some(DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: flags & 2 == 2,
            server_max_window_bits: 15,
            client_max_window_bits: 9 + (flags >> 2) % 7,
        }),
        max_piece: 4096,
    };
    let mut dec = Decoder::new(&config);
    let piece = 1 + (flags as usize >> 4);
    let mut pending: Vec<u8> = Vec::new();
    let mut delivered = 0u64;
    for chunk in rest.chunks(piece) {
        pending.extend_from_slice(chunk);
        loop {
            let len = pending.len();
            let (used, item) = dec.decode(&mut pending);
            assert!(used <= len);
            let done = match item {
                None => {
                    pending.drain(..used);
                    break;
                }
                Some(Item::Data { payload, fin, .. }) => {
                    delivered += payload.as_slice().len() as u64;
                    assert!(delivered <= 1 << 16, "more than the message limit delivered");
                    if fin {
                        delivered = 0;
                    }
                    false
                }
                Some(Item::Close(_)) | Some(Item::Failed(_)) => true,
                Some(_) => false,
            };
            pending.drain(..used);
            if done {
                return;
            }
        }
    }
});
