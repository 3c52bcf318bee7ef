//! ODETTE FTP commands at every level (RFC 5024, RFC 2204): decode never
//! panics, and encoding is a fixed point: what decodes encodes to bytes
//! that decode and encode to the same bytes again. Decoding accepts both
//! ESID layouts at any level (docs/OFTP.md), and encoding below 2.0 drops
//! what the level cannot carry (the ESID reason text, 2.0-only reason
//! codes, and at any level a reason code unknown to it, sent as 99), so the
//! command itself need not survive unchanged; its encoding must.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::command::Command;
use pier::oftp::Level;

fuzz_target!(|data: &[u8]| {
    for level in [Level::V12, Level::V13, Level::V14, Level::V20] {
        if let Ok(cmd) = Command::decode(data, level) {
            let mut first = Vec::new();
            if cmd.encode(level, &mut first).is_ok() {
                let again = Command::decode(&first, level).expect("an encoded command decodes");
                let mut second = Vec::new();
                again.encode(level, &mut second).expect("a decoded command encodes");
                assert_eq!(first, second, "encoding is not a fixed point at {level:?}");
            }
        }
    }
});
