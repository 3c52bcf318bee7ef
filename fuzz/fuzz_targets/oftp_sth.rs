//! The ODETTE FTP Stream Transmission Header (RFC 5024 §2.5): any bytes give
//! "need more", a header within the negotiated maximum, or an error; encode
//! → parse gives the length back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::sth::{encode_header, parse_header, Framing};

fuzz_target!(|data: &[u8]| {
    let max = 128 + (data.first().copied().unwrap_or(0) as usize) * 400;
    if let Ok(Framing::Header { oeb_len, .. }) = parse_header(data, max) {
        assert!(oeb_len <= max);
        let h = encode_header(oeb_len).expect("a parsed length encodes");
        assert!(matches!(parse_header(&h, max), Ok(Framing::Header { oeb_len: l, .. }) if l == oeb_len));
    }
});
