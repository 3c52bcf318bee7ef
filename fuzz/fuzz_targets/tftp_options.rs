//! Option negotiation (RFC 2347–2349, 7440): whatever a request asks,
//! what is acknowledged stays within the RFCs' and the server's limits.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::tftp::options::{negotiate, Context, Direction, Limits, MAX_BLKSIZE, MIN_BLKSIZE};
use pier::tftp::packet::Packet;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let max_packet = u16::from_le_bytes([data[0], data[1]]) as usize;
    let mut limits = Limits::from_max_packet_size(max_packet);
    limits.max_windowsize = (data[2] as u16).max(1);
    let (dir, req) = match Packet::parse(&data[3..]) {
        Ok(Packet::Rrq(r)) => (Direction::Read, r),
        Ok(Packet::Wrq(r)) => (Direction::Write, r),
        _ => return,
    };
    let mut ctx = Context::new(dir, limits);
    ctx.transfer_size = Some(12345);
    ctx.free_space = Some(1 << 30);
    if let Ok(n) = negotiate(&req.options, &ctx) {
        assert!((MIN_BLKSIZE..=MAX_BLKSIZE).contains(&n.blksize) && n.blksize <= limits.max_blksize.max(512));
        assert!(n.windowsize >= 1 && n.windowsize <= limits.max_windowsize.max(1));
        if let Some(t) = n.timeout {
            assert!(t >= 1);
        }
        for o in &n.oack {
            assert!(req.options.iter().any(|r| r.is(&o.name)), "an OACK option the client did not ask for");
        }
    }
});
