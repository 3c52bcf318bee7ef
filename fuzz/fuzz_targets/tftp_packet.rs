//! TFTP packet decode, and decode → encode → decode giving the same packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::tftp::packet::Packet;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Packet::parse(data) {
        let bytes = p.to_vec();
        let again = Packet::parse(&bytes).expect("an encoded packet parses");
        assert_eq!(p, again);
    }
});
