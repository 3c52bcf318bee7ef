//! DATA exchange buffers (RFC 5024 §7: subrecord headers, buffer
//! compression): any bytes give subrecords or an error, never a panic or an
//! unbounded expansion.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::subrecord::subrecords;

fuzz_target!(|data: &[u8]| {
    for compression in [false, true] {
        let mut n = 0usize;
        for s in subrecords(data, compression) {
            match s {
                Ok(_) => n += 1,
                Err(_) => break,
            }
            assert!(n <= data.len(), "more subrecords than bytes");
        }
    }
});
