//! The opening handshake parser (RFC 6455 §4.2): any bytes give a request,
//! "need more", or a rejection with a real HTTP status; never a panic, and
//! the bytes it says it used are within the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::ws::deflate::{negotiate, DeflatePolicy};
use pier::ws::handshake::parse_request;

fuzz_target!(|data: &[u8]| {
    match parse_request(data) {
        Ok(Some((req, used))) => {
            assert!(used <= data.len());
            let _ = req.headers_text();
            let _ = negotiate(&req.extensions, &DeflatePolicy::default());
        }
        Ok(None) => {}
        Err(rej) => {
            let r = rej.response();
            assert!(r.starts_with(b"HTTP/1.1 4"), "a rejection that is not a 4xx answer");
        }
    }
});
