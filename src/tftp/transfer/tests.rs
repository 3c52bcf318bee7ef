use std::time::{Duration, Instant};

use super::*;
use crate::tftp::packet::{errcode, Mode, Packet, TftpError, TftpOption};

const RTO: Duration = Duration::from_secs(5);

fn cfg(mode: Mode, blksize: u16, window: u16) -> TransferConfig {
    let mut c = TransferConfig::new(mode);
    c.blksize = blksize;
    c.windowsize = window;
    c
}

fn octet(blksize: u16, window: u16) -> TransferConfig {
    cfg(Mode::Octet, blksize, window)
}

/// Drains every queued datagram.
fn sent(x: &mut Transfer) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(d) = x.next_datagram() {
        out.push(d.to_vec());
        x.datagram_sent();
        assert!(out.len() < 1_000_000, "runaway transmit queue");
    }
    out
}

fn data(block: u16, payload: &[u8]) -> Vec<u8> {
    Packet::Data { block, data: payload }.to_vec()
}

fn ack(block: u16) -> Vec<u8> {
    Packet::Ack { block }.to_vec()
}

/// (block, payload) of DATA datagrams; panics on anything else.
fn blocks(d: &[Vec<u8>]) -> Vec<(u16, Vec<u8>)> {
    d.iter()
        .map(|b| match Packet::parse(b).unwrap() {
            Packet::Data { block, data } => (block, data.to_vec()),
            other => panic!("expected DATA, got {other:?}"),
        })
        .collect()
}

fn block_numbers(d: &[Vec<u8>]) -> Vec<u16> {
    blocks(d).into_iter().map(|(b, _)| b).collect()
}

/// A file being read: feeds the transfer while it wants data.
struct Src {
    data: Vec<u8>,
    pos: usize,
}

impl Src {
    fn new(data: &[u8]) -> Src {
        Src { data: data.to_vec(), pos: 0 }
    }

    fn feed(&mut self, x: &mut Transfer) {
        while let Some(buf) = x.read_buf() {
            let n = buf.len().min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            x.advance(n);
        }
    }
}

fn at(t0: Instant, secs: u64) -> Instant {
    t0 + Duration::from_secs(secs)
}

fn err_of(x: &Transfer) -> &TransferError {
    match x.outcome() {
        Some(Err(e)) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

// ---- block numbering ----

#[test]
fn wire_numbers_roll_over_to_zero_or_one() {
    assert_eq!(wire_block(1, RollOver::Zero), 1);
    assert_eq!(wire_block(65535, RollOver::Zero), 65535);
    assert_eq!(wire_block(65536, RollOver::Zero), 0);
    assert_eq!(wire_block(65537, RollOver::Zero), 1);
    assert_eq!(wire_block(65536 + 65535, RollOver::Zero), 65535);
    assert_eq!(wire_block(65536 * 2, RollOver::Zero), 0);
    assert_eq!(wire_block(65536, RollOver::One), 1);
    assert_eq!(wire_block(65536 + 65534, RollOver::One), 65535);
    assert_eq!(wire_block(65536 + 65535, RollOver::One), 1);
}

#[test]
fn next_seq_with_block_finds_the_first_later_match() {
    for r in [RollOver::Zero, RollOver::One] {
        // Brute force around the first and second wrap.
        for after in (65500..65600).chain(131_000..131_100) {
            for block in [0u16, 1, 2, 30, 65534, 65535] {
                let brute = (after + 1..after + 140_000).find(|&s| wire_block(s, r) == block);
                assert_eq!(next_seq_with_block(after, block, r), brute, "{r:?} after {after} block {block}");
            }
        }
        assert_eq!(next_seq_with_block(0, 1, r), Some(1));
        assert_eq!(next_seq_with_block(5, 6, r), Some(6));
    }
    assert_eq!(next_seq_with_block(10, 0, RollOver::One), None);
    assert_eq!(next_seq_with_block(10, 0, RollOver::Zero), Some(65536));
}

#[test]
fn rollover_setting_values() {
    assert_eq!(RollOver::from_setting(0), Some(RollOver::Zero));
    assert_eq!(RollOver::from_setting(1), Some(RollOver::One));
    assert_eq!(RollOver::from_setting(2), None);
    assert_eq!(RollOver::default(), RollOver::Zero);
}

// ---- read (server sends) ----

#[test]
fn read_without_options_sends_data_1_and_completes() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(512, 1), t0);
    assert!(x.next_datagram().is_none(), "nothing to send before data is supplied");
    assert!(x.wants_data());
    Src::new(b"hello").feed(&mut x);
    assert!(!x.wants_data());
    assert_eq!(blocks(&sent(&mut x)), vec![(1, b"hello".to_vec())]);
    let a = x.on_packet(&Packet::Ack { block: 1 }, t0);
    assert!(a.finished);
    assert_eq!(a.progress, Some(Progress { bytes_transferred: 5, percent_done: -1 }));
    assert_eq!(x.outcome(), Some(&Ok(())));
    assert!(x.is_closed());
    assert_eq!(x.next_deadline(), None);
}

#[test]
fn read_of_exact_multiple_ends_with_empty_block() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    let mut src = Src::new(b"0123456789abcdef");
    src.feed(&mut x);
    assert_eq!(blocks(&sent(&mut x)), vec![(1, b"01234567".to_vec())]);
    x.on_packet(&Packet::Ack { block: 1 }, t0);
    src.feed(&mut x);
    assert_eq!(blocks(&sent(&mut x)), vec![(2, b"89abcdef".to_vec())]);
    x.on_packet(&Packet::Ack { block: 2 }, t0);
    src.feed(&mut x);
    assert_eq!(blocks(&sent(&mut x)), vec![(3, Vec::new())]);
    assert!(!x.is_finished());
    x.on_packet(&Packet::Ack { block: 3 }, t0);
    assert_eq!(x.outcome(), Some(&Ok(())));
    assert_eq!(x.progress().bytes_transferred, 16);
}

#[test]
fn next_datagram_is_stable_until_marked_sent() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 2), t0);
    Src::new(b"0123456789").feed(&mut x);
    let first = x.next_datagram().unwrap().to_vec();
    assert_eq!(x.next_datagram().unwrap(), &first[..]);
    x.datagram_sent();
    assert_ne!(x.next_datagram().unwrap(), &first[..]);
}

#[test]
fn read_with_oack_waits_for_ack_0() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.oack = vec![TftpOption::new("blksize", "8")];
    let mut x = Transfer::read(c, t0);
    let mut src = Src::new(b"abcdefghij");
    src.feed(&mut x);
    let d = sent(&mut x);
    assert_eq!(d.len(), 1);
    assert_eq!(Packet::parse(&d[0]).unwrap(), Packet::Oack { options: vec![TftpOption::new("blksize", "8")] });
    // A stray ACK is not the OACK's confirmation.
    let a = x.on_packet(&Packet::Ack { block: 3 }, t0);
    assert!(!a.transmit);
    let a = x.on_packet(&Packet::Ack { block: 0 }, at(t0, 1));
    assert!(a.transmit);
    assert_eq!(blocks(&sent(&mut x)), vec![(1, b"abcdefgh".to_vec())]);
    assert_eq!(x.next_deadline(), Some(at(t0, 1) + RTO));
}

#[test]
fn oack_is_retransmitted_then_times_out() {
    let t0 = Instant::now();
    let mut c = octet(512, 1);
    c.oack = vec![TftpOption::new("tsize", "3")];
    let mut x = Transfer::read(c, t0);
    assert_eq!(sent(&mut x).len(), 1);
    assert_eq!(x.next_deadline(), Some(at(t0, 5)));
    // Early timer calls do nothing.
    let a = x.on_timer(at(t0, 4));
    assert!(!a.transmit);
    for i in 1..=3u64 {
        let a = x.on_timer(at(t0, 5 * i));
        assert!(a.transmit, "retransmission {i}");
        let d = sent(&mut x);
        assert!(matches!(Packet::parse(&d[0]).unwrap(), Packet::Oack { .. }));
        assert_eq!(x.next_deadline(), Some(at(t0, 5 * (i + 1))));
    }
    let a = x.on_timer(at(t0, 20));
    assert!(a.finished);
    assert!(!a.transmit, "no ERROR on timeout");
    let e = err_of(&x);
    assert_eq!(e.error.code, codes::TIMEOUT);
    assert_eq!(e.error.text, "Timeout while waiting for peer.");
    assert_eq!(e.tftp_code, None);
    assert!(x.is_closed());
}

#[test]
fn duplicate_ack_does_not_resend_data() {
    // RFC 1123 §4.2.3.1 (Sorcerer's Apprentice).
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    let mut src = Src::new(&[7u8; 20]);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [1]);
    x.on_packet(&Packet::Ack { block: 1 }, t0);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [2]);
    let a = x.on_packet(&Packet::Ack { block: 1 }, t0);
    assert!(!a.transmit);
    assert_eq!(a.progress, None);
    assert!(sent(&mut x).is_empty());
    x.on_packet(&Packet::Ack { block: 2 }, t0);
    src.feed(&mut x);
    assert_eq!(blocks(&sent(&mut x)), vec![(3, vec![7u8; 4])]);
}

#[test]
fn data_is_retransmitted_on_timer_then_fails() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    Src::new(b"abc").feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [1]);
    for i in 1..=3u64 {
        x.on_timer(at(t0, 5 * i));
        assert_eq!(blocks(&sent(&mut x)), vec![(1, b"abc".to_vec())], "retransmission {i}");
    }
    let a = x.on_timer(at(t0, 20));
    assert!(a.finished);
    assert_eq!(err_of(&x).error.code, codes::TIMEOUT);
    assert!(sent(&mut x).is_empty());
    // Late ACKs change nothing.
    let a = x.on_packet(&Packet::Ack { block: 1 }, at(t0, 21));
    assert!(!a.finished && a.progress.is_none());
    assert_eq!(err_of(&x).error.code, codes::TIMEOUT);
}

#[test]
fn progress_resets_the_retransmission_budget() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    let mut src = Src::new(&[1u8; 12]);
    src.feed(&mut x);
    sent(&mut x);
    for i in 1..=3u64 {
        x.on_timer(at(t0, 5 * i));
        assert_eq!(block_numbers(&sent(&mut x)), [1]);
    }
    x.on_packet(&Packet::Ack { block: 1 }, at(t0, 16));
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [2]);
    for i in 1..=3u64 {
        x.on_timer(at(t0, 16 + 5 * i));
        assert_eq!(block_numbers(&sent(&mut x)), [2]);
    }
    assert!(!x.is_finished());
    x.on_timer(at(t0, 36));
    assert_eq!(err_of(&x).error.code, codes::TIMEOUT);
}

#[test]
fn timer_without_data_in_flight_is_not_a_retransmission() {
    // The caller has not supplied data yet: nothing is outstanding, so the
    // timer neither sends nor spends the retry budget.
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.idle_timeout = None;
    let mut x = Transfer::read(c, t0);
    for i in 1..=10u64 {
        let a = x.on_timer(at(t0, 5 * i));
        assert!(!a.transmit && !a.finished);
    }
    Src::new(b"x").feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [1]);
}

#[test]
fn window_sends_w_blocks_then_slides() {
    let t0 = Instant::now();
    let content: Vec<u8> = (0..83u8).collect();
    let mut x = Transfer::read(octet(8, 4), t0);
    let mut src = Src::new(&content);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [1, 2, 3, 4]);
    assert!(!x.wants_data(), "window full");
    let a = x.on_packet(&Packet::Ack { block: 4 }, t0);
    assert!(a.wants_data);
    assert_eq!(a.progress.unwrap().bytes_transferred, 32);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [5, 6, 7, 8]);
    // Partial ACK: the client lost 7; the window restarts at 7 (RFC 7440 §4).
    x.on_packet(&Packet::Ack { block: 6 }, t0);
    src.feed(&mut x);
    let d = sent(&mut x);
    assert_eq!(block_numbers(&d), [7, 8, 9, 10]);
    assert_eq!(blocks(&d)[0].1, content[48..56].to_vec());
    x.on_packet(&Packet::Ack { block: 10 }, t0);
    src.feed(&mut x);
    assert_eq!(blocks(&sent(&mut x)), vec![(11, content[80..].to_vec())]);
    x.on_packet(&Packet::Ack { block: 11 }, t0);
    assert_eq!(x.outcome(), Some(&Ok(())));
    assert_eq!(x.progress().bytes_transferred, 83);
}

#[test]
fn ack_for_unsent_or_old_blocks_is_ignored() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 4), t0);
    let mut src = Src::new(&[0u8; 100]);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [1, 2, 3, 4]);
    for b in [5u16, 7, 100, 65535] {
        let a = x.on_packet(&Packet::Ack { block: b }, t0);
        assert_eq!(a, Actions::default(), "ACK {b}");
    }
    x.on_packet(&Packet::Ack { block: 4 }, t0);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [5, 6, 7, 8]);
    // Old ACKs after the slide: no resend, no progress.
    for b in [2u16, 3, 4] {
        let a = x.on_packet(&Packet::Ack { block: b }, t0);
        assert!(!a.transmit && a.progress.is_none(), "ACK {b}");
    }
    assert_eq!(x.progress().bytes_transferred, 32);
}

#[test]
fn ack_for_a_block_formed_but_not_yet_sent_is_ignored() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 4), t0);
    Src::new(&[0u8; 100]).feed(&mut x);
    // Send only blocks 1 and 2.
    x.datagram_sent();
    x.datagram_sent();
    let a = x.on_packet(&Packet::Ack { block: 3 }, t0);
    assert_eq!(a.progress, None);
    assert_eq!(block_numbers(&sent(&mut x)), [3, 4]);
}

#[test]
fn timeout_resends_the_unacknowledged_window() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 4), t0);
    let mut src = Src::new(&[3u8; 100]);
    src.feed(&mut x);
    sent(&mut x);
    x.on_packet(&Packet::Ack { block: 2 }, t0);
    src.feed(&mut x);
    assert_eq!(block_numbers(&sent(&mut x)), [3, 4, 5, 6]);
    x.on_timer(at(t0, 5));
    assert_eq!(block_numbers(&sent(&mut x)), [3, 4, 5, 6]);
}

/// Runs a whole read of `content` with a client that ACKs the last block of
/// every window; returns the wire block numbers seen, in order.
fn run_read(c: TransferConfig, content: &[u8]) -> (Vec<u16>, Vec<u8>) {
    let t0 = Instant::now();
    let blksize = usize::from(c.blksize);
    let mut x = Transfer::read(c, t0);
    let mut src = Src::new(content);
    let mut numbers = Vec::new();
    let mut got = Vec::new();
    loop {
        src.feed(&mut x);
        let d = sent(&mut x);
        assert!(!d.is_empty(), "stalled after {} blocks", numbers.len());
        let mut last = 0;
        let mut short = false;
        for (b, p) in blocks(&d) {
            numbers.push(b);
            short = p.len() < blksize;
            got.extend_from_slice(&p);
            last = b;
        }
        let a = x.on_packet(&Packet::Ack { block: last }, t0);
        if short {
            assert!(a.finished);
            break;
        }
    }
    assert_eq!(x.outcome(), Some(&Ok(())));
    // Progress counts wire bytes (the netascii-encoded size in netascii mode).
    assert_eq!(x.progress().bytes_transferred, got.len() as u64);
    (numbers, got)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

#[test]
fn read_rolls_over_to_zero() {
    let content = pattern(8 * 70_000 + 5);
    let mut c = octet(8, 16);
    c.rollover = RollOver::Zero;
    let (numbers, got) = run_read(c, &content);
    assert_eq!(got, content);
    assert_eq!(numbers.len(), 70_001);
    assert_eq!(&numbers[65_533..65_538], &[65534, 65535, 0, 1, 2]);
    for (i, n) in numbers.iter().enumerate() {
        assert_eq!(*n, wire_block(i as u64 + 1, RollOver::Zero));
    }
}

#[test]
fn read_rolls_over_to_one() {
    let content = pattern(8 * 70_000 + 5);
    let mut c = octet(8, 1);
    c.rollover = RollOver::One;
    let (numbers, got) = run_read(c, &content);
    assert_eq!(got, content);
    assert_eq!(&numbers[65_533..65_538], &[65534, 65535, 1, 2, 3]);
    assert!(!numbers.contains(&0));
}

#[test]
fn read_streams_a_large_file_in_bounded_pieces() {
    // 8 MiB through a 1428-byte, 8-block window: every read buffer and every
    // datagram is at most one block, and the data arrives intact.
    let content = pattern(8 * 1024 * 1024 + 77);
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(1428, 8), t0);
    let mut pos = 0;
    let mut got = Vec::with_capacity(content.len());
    loop {
        while let Some(buf) = x.read_buf() {
            assert!(buf.len() <= 1428);
            let n = buf.len().min(content.len() - pos);
            buf[..n].copy_from_slice(&content[pos..pos + n]);
            pos += n;
            x.advance(n);
        }
        let mut last = None;
        while let Some(d) = x.next_datagram() {
            assert!(d.len() <= 4 + 1428);
            got.extend_from_slice(&d[4..]);
            last = Some(u16::from_be_bytes([d[2], d[3]]));
            x.datagram_sent();
        }
        let a = x.on_packet(&Packet::Ack { block: last.unwrap() }, t0);
        if a.finished {
            break;
        }
    }
    assert!(got == content, "streamed content differs");
    assert_eq!(x.progress().bytes_transferred, content.len() as u64);
}

#[test]
fn read_percent_done_follows_tsize() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.total_size = Some(20);
    let mut x = Transfer::read(c, t0);
    let mut src = Src::new(&[1u8; 20]);
    let mut percents = Vec::new();
    for b in 1..=3u16 {
        src.feed(&mut x);
        sent(&mut x);
        let a = x.on_packet(&Packet::Ack { block: b }, t0);
        percents.push(a.progress.unwrap().percent_done);
    }
    assert_eq!(percents, [40, 80, 100]);
    assert!(x.is_finished());
}

#[test]
fn empty_file_with_zero_tsize_is_100_percent_when_done() {
    let t0 = Instant::now();
    let mut c = octet(512, 1);
    c.total_size = Some(0);
    let mut x = Transfer::read(c, t0);
    x.finish_input();
    assert_eq!(blocks(&sent(&mut x)), vec![(1, Vec::new())]);
    assert_eq!(x.progress().percent_done, 0);
    x.on_packet(&Packet::Ack { block: 1 }, t0);
    assert_eq!(x.progress().percent_done, 100);
}

#[test]
fn supply_takes_only_what_fits_in_the_window() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 2), t0);
    let content = [5u8; 40];
    let used = x.supply(&content);
    assert_eq!(used, 16, "two blocks of 8");
    assert_eq!(block_numbers(&sent(&mut x)), [1, 2]);
    x.on_packet(&Packet::Ack { block: 2 }, t0);
    assert_eq!(x.supply(&content[16..]), 16);
    assert_eq!(block_numbers(&sent(&mut x)), [3, 4]);
    x.on_packet(&Packet::Ack { block: 4 }, t0);
    assert_eq!(x.supply(&content[32..]), 8);
    // 40 = 5 full blocks: the end of input makes an empty final block.
    x.finish_input();
    assert_eq!(blocks(&sent(&mut x)).last().unwrap(), &(6, Vec::new()));
}

#[test]
fn end_of_input_with_a_full_window_is_kept_for_later() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    assert_eq!(x.supply(&[1u8; 8]), 8);
    x.finish_input();
    assert_eq!(block_numbers(&sent(&mut x)), [1]);
    x.on_packet(&Packet::Ack { block: 1 }, t0);
    assert!(!x.wants_data());
    assert_eq!(blocks(&sent(&mut x)), vec![(2, Vec::new())]);
}

#[test]
fn netascii_read_encodes_across_block_boundary() {
    let t0 = Instant::now();
    let mut c = cfg(Mode::Netascii, 8, 4);
    c.total_size = Some(crate::tftp::netascii::encoded_len(b"1234567\nab"));
    let mut x = Transfer::read(c, t0);
    Src::new(b"1234567\nab").feed(&mut x);
    let d = sent(&mut x);
    assert_eq!(blocks(&d), vec![(1, b"1234567\r".to_vec()), (2, b"\nab".to_vec())]);
    x.on_packet(&Packet::Ack { block: 2 }, t0);
    assert_eq!(x.progress(), Progress { bytes_transferred: 11, percent_done: 100 });
}

#[test]
fn netascii_read_of_many_lines_round_trips() {
    let text: Vec<u8> = (0..5000)
        .map(|i| {
            if i % 9 == 8 {
                b'\n'
            } else if i % 13 == 0 {
                b'\r'
            } else {
                b'a'
            }
        })
        .collect();
    let (_, wire) = run_read(cfg(Mode::Netascii, 16, 4), &text);
    assert_eq!(wire.len() as u64, crate::tftp::netascii::encoded_len(&text));
    let mut d = crate::tftp::netascii::Decoder::new();
    let mut back = Vec::new();
    d.decode(&wire, &mut back);
    d.finish(&mut back);
    assert_eq!(back, text);
}

// ---- write (server receives) ----

#[test]
fn write_without_options_acks_0_then_each_block() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    assert_eq!(sent(&mut x), vec![ack(0)]);
    let a = x.on_datagram(&data(1, b"abcdefgh"), at(t0, 1));
    assert_eq!(a.delivered, 8);
    assert_eq!(a.progress.unwrap().bytes_transferred, 8);
    assert_eq!(x.received(), b"abcdefgh");
    x.clear_received();
    assert_eq!(sent(&mut x), vec![ack(1)]);
    let a = x.on_datagram(&data(2, b"ij"), at(t0, 2));
    assert!(a.finished);
    assert_eq!(x.received(), b"ij");
    assert_eq!(sent(&mut x), vec![ack(2)]);
    assert_eq!(x.outcome(), Some(&Ok(())));
    assert!(!x.is_closed(), "dallying");
}

#[test]
fn write_with_oack_starts_with_oack() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.oack = vec![TftpOption::new("blksize", "8"), TftpOption::new("tsize", "10")];
    c.total_size = Some(10);
    let mut x = Transfer::write(c, t0);
    let d = sent(&mut x);
    assert_eq!(d, vec![b"\x00\x06blksize\x008\0tsize\x0010\0".to_vec()]);
    // Lost OACK: resent on the timer.
    x.on_timer(at(t0, 5));
    assert_eq!(sent(&mut x), d);
    let a = x.on_datagram(&data(1, b"12345678"), at(t0, 6));
    assert_eq!(a.progress.unwrap().percent_done, 80);
    assert_eq!(sent(&mut x), vec![ack(1)]);
}

#[test]
fn write_duplicate_data_is_reacked_not_redelivered() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    x.on_datagram(&data(1, b"abcdefgh"), t0);
    x.clear_received();
    assert_eq!(sent(&mut x), vec![ack(1)]);
    let a = x.on_datagram(&data(1, b"abcdefgh"), t0);
    assert_eq!(a.delivered, 0);
    assert_eq!(a.progress, None);
    assert_eq!(sent(&mut x), vec![ack(1)]);
    assert_eq!(x.progress().bytes_transferred, 8);
}

#[test]
fn write_window_acks_every_w_blocks_and_on_gaps() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 4), t0);
    assert_eq!(sent(&mut x), vec![ack(0)]);
    for b in 1..=3 {
        x.on_datagram(&data(b, &[b as u8; 8]), t0);
        assert!(sent(&mut x).is_empty(), "no ACK inside the window (block {b})");
    }
    x.on_datagram(&data(4, &[4; 8]), t0);
    assert_eq!(sent(&mut x), vec![ack(4)]);
    x.on_datagram(&data(5, &[5; 8]), t0);
    assert!(sent(&mut x).is_empty());
    // 6 lost: 7 reveals the gap, ACK 5 once (RFC 7440 §4).
    x.on_datagram(&data(7, &[7; 8]), t0);
    assert_eq!(sent(&mut x), vec![ack(5)]);
    x.on_datagram(&data(8, &[8; 8]), t0);
    assert!(sent(&mut x).is_empty(), "the same gap is reported once");
    // Sender restarts at 6.
    for b in 6..=8 {
        x.on_datagram(&data(b, &[b as u8; 8]), t0);
        assert!(sent(&mut x).is_empty());
    }
    x.on_datagram(&data(9, &[9; 8]), t0);
    assert_eq!(sent(&mut x), vec![ack(9)]);
    // Duplicate of the last block: our ACK was lost.
    x.on_datagram(&data(9, &[9; 8]), t0);
    assert_eq!(sent(&mut x), vec![ack(9)]);
    // Older duplicates are dropped silently.
    x.on_datagram(&data(7, &[7; 8]), t0);
    assert!(sent(&mut x).is_empty());
    // Final short block is ACKed at once, mid-window.
    x.on_datagram(&data(10, b"end"), t0);
    assert_eq!(sent(&mut x), vec![ack(10)]);
    assert_eq!(x.outcome(), Some(&Ok(())));
    let mut want = Vec::new();
    for b in 1..=9u8 {
        want.extend_from_slice(&[b; 8]);
    }
    want.extend_from_slice(b"end");
    assert_eq!(x.received(), &want[..]);
}

#[test]
fn write_gap_beyond_the_window_is_ignored() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 4), t0);
    sent(&mut x);
    x.on_datagram(&data(1, &[0; 8]), t0);
    let a = x.on_datagram(&data(9, &[0; 8]), t0);
    assert!(!a.transmit);
}

#[test]
fn write_gap_at_start_after_oack_acks_block_0() {
    let t0 = Instant::now();
    let mut c = octet(8, 4);
    c.oack = vec![TftpOption::new("windowsize", "4")];
    let mut x = Transfer::write(c, t0);
    sent(&mut x);
    x.on_datagram(&data(2, &[0; 8]), t0);
    assert_eq!(sent(&mut x), vec![ack(0)]);
}

#[test]
fn write_dallies_and_reacks_a_repeated_final_block() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_datagram(&data(1, b"last"), at(t0, 1));
    assert!(a.finished);
    assert_eq!(sent(&mut x), vec![ack(1)]);
    assert_eq!(x.next_deadline(), Some(at(t0, 1) + RTO * 2));
    x.clear_received();
    // The client did not get our ACK and resends the final block.
    let a = x.on_datagram(&data(1, b"last"), at(t0, 6));
    assert!(!a.finished, "finished is reported once");
    assert_eq!(a.delivered, 0);
    assert_eq!(sent(&mut x), vec![ack(1)]);
    // Anything else during the dally is ignored, including errors.
    let a = x.on_datagram(&ack(1), at(t0, 7));
    assert!(!a.transmit);
    x.on_datagram(&Packet::Error { code: 0, message: "bye".into() }.to_vec(), at(t0, 7));
    assert_eq!(x.outcome(), Some(&Ok(())));
    x.on_timer(at(t0, 10));
    assert!(!x.is_closed());
    x.on_timer(at(t0, 11));
    assert!(x.is_closed());
    assert_eq!(x.next_deadline(), None);
    let a = x.on_datagram(&data(1, b"last"), at(t0, 12));
    assert!(!a.transmit, "closed: nothing answered");
}

#[test]
fn a_final_block_that_cannot_be_stored_gets_the_error_instead_of_the_final_ack() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_datagram(&data(1, b"last"), at(t0, 1));
    assert!(a.finished);
    // The file could not be stored before the ACK went out.
    let disk_full = TftpError::new(errcode::DISK_FULL, "Disk full or allocation exceeded");
    x.fail_before_final_ack(&disk_full, crate::core::error::Error::code(128));
    assert_eq!(
        sent(&mut x),
        vec![Packet::Error { code: 3, message: "Disk full or allocation exceeded".into() }.to_vec()]
    );
    assert!(matches!(x.outcome(), Some(Err(e)) if e.error.code == 128 && e.tftp_code == Some(3)));
    assert!(x.is_closed(), "no dally after a failure");
    // Once the final ACK is out it is too late: nothing changes.
    let mut y = Transfer::write(octet(8, 1), t0);
    sent(&mut y);
    y.on_datagram(&data(1, b"last"), at(t0, 1));
    assert_eq!(sent(&mut y), vec![ack(1)]);
    let a = y.fail_before_final_ack(&disk_full, crate::core::error::Error::code(128));
    assert!(!a.transmit);
    assert_eq!(y.outcome(), Some(&Ok(())));
    // Nor for a transfer still running.
    let mut z = Transfer::write(octet(8, 1), t0);
    sent(&mut z);
    z.on_datagram(&data(1, b"12345678"), at(t0, 1));
    sent(&mut z);
    z.fail_before_final_ack(&disk_full, crate::core::error::Error::code(128));
    assert_eq!(z.outcome(), None);
}

#[test]
fn write_dally_duration_is_configurable() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.dally = Some(Duration::from_secs(1));
    let mut x = Transfer::write(c, t0);
    x.on_datagram(&data(1, b""), t0);
    assert_eq!(x.next_deadline(), Some(at(t0, 1)));
}

#[test]
fn write_reacks_on_timer_then_fails() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    assert_eq!(sent(&mut x), vec![ack(0)]);
    for i in 1..=3u64 {
        x.on_timer(at(t0, 5 * i));
        assert_eq!(sent(&mut x), vec![ack(0)], "retransmission {i}");
    }
    let a = x.on_timer(at(t0, 20));
    assert!(a.finished);
    assert_eq!(err_of(&x).error.code, codes::TIMEOUT);
    assert!(x.is_closed());
}

#[test]
fn write_timer_mid_window_acks_what_arrived() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 4), t0);
    sent(&mut x);
    x.on_datagram(&data(1, &[0; 8]), t0);
    x.on_datagram(&data(2, &[0; 8]), t0);
    assert!(sent(&mut x).is_empty());
    x.on_timer(at(t0, 5));
    assert_eq!(sent(&mut x), vec![ack(2)]);
}

#[test]
fn write_data_larger_than_blksize_is_refused() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_datagram(&data(1, &[0; 9]), t0);
    assert!(a.finished);
    assert_eq!(a.delivered, 0);
    let d = sent(&mut x);
    assert!(matches!(Packet::parse(&d[0]).unwrap(), Packet::Error { code: errcode::ILLEGAL_OPERATION, .. }));
    let e = err_of(&x);
    assert_eq!(e.error.code, codes::PACKET_TOO_LARGE);
    assert_eq!(e.tftp_code, Some(errcode::ILLEGAL_OPERATION));
}

/// Runs a whole write of `content` with a client that sends `window`
/// blocks and waits for the ACK; returns the ACK numbers seen.
fn run_write(c: TransferConfig, content: &[u8]) -> (Vec<u16>, Vec<u8>) {
    let t0 = Instant::now();
    let blksize = usize::from(c.blksize);
    let window = usize::from(c.windowsize);
    let rollover = c.rollover;
    let mut x = Transfer::write(c, t0);
    assert_eq!(sent(&mut x), vec![ack(0)]);
    let chunks: Vec<&[u8]> = if content.len().is_multiple_of(blksize) {
        content.chunks(blksize).chain(std::iter::once(&[][..])).collect()
    } else {
        content.chunks(blksize).collect()
    };
    let mut acks = Vec::new();
    let mut got = Vec::new();
    for (w, group) in chunks.chunks(window).enumerate() {
        for (i, chunk) in group.iter().enumerate() {
            let seq = (w * window + i + 1) as u64;
            x.on_datagram(&data(wire_block(seq, rollover), chunk), t0);
            got.extend_from_slice(x.received());
            x.clear_received();
        }
        for d in sent(&mut x) {
            match Packet::parse(&d).unwrap() {
                Packet::Ack { block } => acks.push(block),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(x.outcome(), Some(&Ok(())));
    assert_eq!(x.progress().bytes_transferred, content.len() as u64);
    (acks, got)
}

#[test]
fn write_rolls_over_to_zero() {
    let content = pattern(8 * 70_000);
    let mut c = octet(8, 1);
    c.rollover = RollOver::Zero;
    let (acks, got) = run_write(c, &content);
    assert_eq!(got, content);
    assert_eq!(acks.len(), 70_001);
    assert_eq!(&acks[65_534..65_537], &[65535, 0, 1]);
}

#[test]
fn write_rolls_over_to_one_with_a_window() {
    let content = pattern(8 * 70_000 + 3);
    let mut c = octet(8, 16);
    c.rollover = RollOver::One;
    let (acks, got) = run_write(c, &content);
    assert_eq!(got, content);
    // ACK every 16 blocks: 65536 = 16 * 4096 is the first wrapped block.
    let i = acks.iter().position(|&a| a == 65520).unwrap();
    assert_eq!(acks[i + 1], wire_block(65536, RollOver::One));
    assert_eq!(acks[i + 1], 1);
    assert_eq!(acks[i + 2], 17);
    assert!(!acks.contains(&0));
}

#[test]
fn write_with_rollover_to_one_ignores_block_0() {
    // Drive a transfer to block 65535, then send block 0: not the next block.
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.rollover = RollOver::One;
    let mut x = Transfer::write(c, t0);
    sent(&mut x);
    for seq in 1..=65535u64 {
        x.on_datagram(&data(seq as u16, &[0; 8]), t0);
    }
    sent(&mut x);
    x.clear_received();
    let a = x.on_datagram(&data(0, &[1; 8]), t0);
    assert_eq!(a.delivered, 0);
    assert!(!a.transmit);
    let a = x.on_datagram(&data(1, &[1; 8]), t0);
    assert_eq!(a.delivered, 8);
    assert_eq!(sent(&mut x), vec![ack(1)]);
}

#[test]
fn netascii_write_decodes_across_blocks() {
    let t0 = Instant::now();
    let mut x = Transfer::write(cfg(Mode::Netascii, 8, 1), t0);
    sent(&mut x);
    let mut out = Vec::new();
    x.on_datagram(&data(1, b"abcdefg\r"), t0);
    out.extend_from_slice(x.received());
    x.clear_received();
    assert_eq!(out, b"abcdefg", "CR held back until the next block");
    x.on_datagram(&data(2, b"\nxy\r\0z\r\n"), t0);
    out.extend_from_slice(x.received());
    x.clear_received();
    x.on_datagram(&data(3, b"end\r"), t0);
    out.extend_from_slice(x.received());
    assert_eq!(out, b"abcdefg\nxy\rz\nend\r");
    assert_eq!(x.progress().bytes_transferred, 20);
    assert_eq!(x.outcome(), Some(&Ok(())));
}

// ---- errors common to both directions ----

fn expect_illegal(x: &mut Transfer, a: Actions, pier_code: i32) {
    assert!(a.finished);
    let d = sent(x);
    assert_eq!(d.len(), 1);
    match Packet::parse(&d[0]).unwrap() {
        Packet::Error { code, .. } => assert_eq!(code, errcode::ILLEGAL_OPERATION),
        other => panic!("expected ERROR, got {other:?}"),
    }
    let e = err_of(x);
    assert_eq!(e.error.code, pier_code);
    assert_eq!(e.tftp_code, Some(errcode::ILLEGAL_OPERATION));
    assert!(!e.from_peer);
    assert!(x.is_closed());
}

#[test]
fn wrong_packet_kinds_end_the_transfer_with_error_4() {
    let t0 = Instant::now();
    let rrq = Packet::Rrq(crate::tftp::packet::Request { filename: b"f", mode: Mode::Octet, options: vec![] });
    let oack = Packet::Oack { options: vec![TftpOption::new("blksize", "8")] };

    let mut x = Transfer::read(octet(8, 1), t0);
    Src::new(b"abc").feed(&mut x);
    sent(&mut x);
    let a = x.on_packet(&Packet::Data { block: 1, data: b"x" }, t0);
    expect_illegal(&mut x, a, codes::WRONG_PACKET);

    let mut x = Transfer::read(octet(8, 1), t0);
    let a = x.on_packet(&rrq, t0);
    expect_illegal(&mut x, a, codes::WRONG_PACKET);

    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_packet(&Packet::Ack { block: 0 }, t0);
    expect_illegal(&mut x, a, codes::WRONG_PACKET);

    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_packet(&oack, t0);
    expect_illegal(&mut x, a, codes::WRONG_PACKET);
    assert!(err_of(&x).error.text.contains("OACK"));
}

#[test]
fn malformed_datagram_ends_the_transfer_with_error_4() {
    let t0 = Instant::now();
    let mut x = Transfer::write(octet(8, 1), t0);
    sent(&mut x);
    let a = x.on_datagram(b"\x00\x09junk", t0);
    expect_illegal(&mut x, a, codes::INVALID_PACKET);
    let mut x = Transfer::read(octet(8, 1), t0);
    let a = x.on_datagram(b"\x00\x04\x00\x01\x00", t0);
    expect_illegal(&mut x, a, codes::INVALID_PACKET);
}

#[test]
fn peer_error_ends_the_transfer_silently() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.oack = vec![TftpOption::new("tsize", "100")];
    let mut x = Transfer::read(c, t0);
    sent(&mut x);
    let a = x.on_packet(&Packet::Error { code: errcode::OPTION_REFUSED, message: "no thanks".into() }, t0);
    assert!(a.finished);
    assert!(!a.transmit, "errors are not answered");
    let e = err_of(&x);
    assert_eq!(e.error.code, codes::PEER_ERROR);
    assert!(e.error.text.contains("no thanks"), "{}", e.error.text);
    assert_eq!(e.tftp_code, Some(errcode::OPTION_REFUSED));
    assert!(e.from_peer);
    assert!(x.is_closed());
}

#[test]
fn abort_sends_the_given_error_and_stops() {
    let t0 = Instant::now();
    let mut x = Transfer::read(octet(8, 1), t0);
    let mut src = Src::new(&[0u8; 30]);
    src.feed(&mut x);
    sent(&mut x);
    let a = x.abort(&TftpError::new(errcode::NOT_DEFINED, "read error"), crate::core::error::Error::code(129));
    assert!(a.finished);
    assert!(!a.wants_data);
    let d = sent(&mut x);
    assert_eq!(d, vec![Packet::Error { code: 0, message: "read error".into() }.to_vec()]);
    assert_eq!(err_of(&x).error.code, 129);
    assert!(x.read_buf().is_none());
    // A second abort or late packets change nothing.
    let a = x.abort(&TftpError::new(3, "x"), crate::core::error::Error::code(128));
    assert!(!a.finished && !a.transmit);
    x.on_packet(&Packet::Ack { block: 1 }, t0);
    assert_eq!(err_of(&x).error.code, 129);
}

#[test]
fn idle_timeout_ends_a_transfer_without_progress() {
    let t0 = Instant::now();
    let mut c = octet(8, 1);
    c.max_retransmits = 100;
    c.idle_timeout = Some(Duration::from_secs(12));
    let mut x = Transfer::read(c, t0);
    Src::new(b"abc").feed(&mut x);
    sent(&mut x);
    assert_eq!(x.next_deadline(), Some(at(t0, 5)));
    x.on_timer(at(t0, 5));
    x.on_timer(at(t0, 10));
    // Stale ACKs do not count as activity.
    x.on_packet(&Packet::Ack { block: 0 }, at(t0, 11));
    assert_eq!(x.next_deadline(), Some(at(t0, 12)));
    let a = x.on_timer(at(t0, 12));
    assert!(a.finished);
    assert_eq!(err_of(&x).error.code, codes::TIMEOUT);
}

#[test]
fn config_from_negotiation() {
    let n = Negotiated {
        blksize: 1024,
        windowsize: 4,
        timeout: Some(2),
        tsize: Some(5000),
        oack: vec![TftpOption::new("blksize", "1024")],
    };
    let c = TransferConfig::new(Mode::Octet).with_negotiated(&n);
    assert_eq!(c.blksize, 1024);
    assert_eq!(c.windowsize, 4);
    assert_eq!(c.retransmit_timeout, Duration::from_secs(2));
    assert_eq!(c.total_size, Some(5000));
    assert_eq!(c.oack, n.oack);
    let t0 = Instant::now();
    let x = Transfer::read(c, t0);
    assert_eq!((x.blksize(), x.windowsize()), (1024, 4));
    assert_eq!(x.next_deadline(), Some(at(t0, 2)));
    // Defaults of the component.
    let d = TransferConfig::new(Mode::Octet);
    assert_eq!(d.retransmit_timeout, Duration::from_secs(5));
    assert_eq!(d.max_retransmits, 3);
    assert_eq!(d.idle_timeout, Some(Duration::from_secs(60)));
}

#[test]
fn out_of_range_config_is_clamped() {
    let t0 = Instant::now();
    let x = Transfer::read(octet(2, 0), t0);
    assert_eq!((x.blksize(), x.windowsize()), (8, 1));
}

#[test]
fn random_input_never_breaks_invariants() {
    // A deterministic fuzz of both directions: random packets (valid and
    // not), timers and data. Nothing may panic; datagrams stay within
    // header + blksize; once finished, no data is wanted or delivered and
    // only the final control datagram (if any) goes out.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let t0 = Instant::now();
    for case in 0..300 {
        let dir = if case % 2 == 0 { Direction::Read } else { Direction::Write };
        let mode = if case % 3 == 0 { Mode::Netascii } else { Mode::Octet };
        let mut c = cfg(mode, 8 + (rnd() % 8) as u16, 1 + (rnd() % 4) as u16);
        c.rollover = if rnd() % 2 == 0 { RollOver::Zero } else { RollOver::One };
        if rnd() % 2 == 0 {
            c.oack = vec![TftpOption::new("blksize", c.blksize.to_string())];
        }
        let blksize = usize::from(c.blksize);
        let mut x = Transfer::new(dir, c, t0);
        let mut now = t0;
        let mut finished_seen = false;
        for _ in 0..200 {
            let a = match rnd() % 6 {
                0 => {
                    now += Duration::from_secs(rnd() % 7);
                    x.on_timer(now)
                }
                1 => x.on_packet(&Packet::Ack { block: (rnd() % 12) as u16 }, now),
                2 => {
                    let payload = vec![b'\r'; (rnd() % (blksize as u64 + 2)) as usize];
                    x.on_packet(&Packet::Data { block: (rnd() % 12) as u16, data: &payload }, now)
                }
                3 => {
                    let junk: Vec<u8> = (0..rnd() % 8).map(|_| (rnd() % 7) as u8).collect();
                    x.on_datagram(&junk, now)
                }
                4 => {
                    let chunk = vec![b'\n'; (rnd() % 20) as usize];
                    if chunk.is_empty() {
                        x.finish_input();
                    } else {
                        x.supply(&chunk);
                    }
                    Actions::default()
                }
                _ => Actions::default(),
            };
            assert!(!(a.finished && finished_seen), "finished reported twice");
            finished_seen |= a.finished;
            if x.is_finished() {
                assert!(!x.wants_data());
                assert!(x.read_buf().is_none());
            }
            x.clear_received();
            let mut n = 0;
            while let Some(d) = x.next_datagram() {
                assert!(d.len() <= 4 + blksize.max(512), "datagram of {} bytes", d.len());
                assert!(Packet::parse(d).is_ok(), "we only send valid packets");
                x.datagram_sent();
                n += 1;
                assert!(n <= 8, "more datagrams than a window plus control");
            }
        }
        assert_eq!(finished_seen, x.is_finished());
    }
}

#[test]
fn acknowledged_payloads_are_captured_for_the_transfer_event() {
    // Window of 3, blksize 8, netascii: the captured text is what the client
    // acknowledged, as sent, in order and once per block, even when a
    // partial ACK restarts the window and slots are reused.
    let t0 = Instant::now();
    let content: Vec<u8> = b"line one\nline two\nline three\n".repeat(3);
    let mut x = Transfer::read(cfg(Mode::Netascii, 8, 3), t0);
    x.capture_acked(true);
    let mut src = Src::new(&content);
    let mut by_block = std::collections::BTreeMap::new();
    let mut captured = Vec::new();
    let mut partial = true;
    while !x.is_finished() {
        src.feed(&mut x);
        let d = blocks(&sent(&mut x));
        assert!(!d.is_empty(), "stalled");
        for (b, p) in &d {
            by_block.insert(*b, p.clone());
        }
        // Alternate a partial ACK (first block of the window, then its
        // duplicate, which is ignored) with a full one.
        let b = if partial { d[0].0 } else { d.last().unwrap().0 };
        let a = x.on_packet(&Packet::Ack { block: b }, t0);
        assert!(a.progress.is_some() || x.is_finished());
        assert!(x.on_packet(&Packet::Ack { block: b }, t0).progress.is_none());
        captured.extend_from_slice(x.acked_data());
        x.clear_acked_data();
        partial = !partial;
    }
    assert_eq!(x.outcome(), Some(&Ok(())));
    let wire: Vec<u8> = by_block.values().flatten().copied().collect();
    assert_eq!(captured, wire);
    assert_eq!(captured.len() as u64, x.progress().bytes_transferred);
    // Off by default.
    let mut y = Transfer::read(octet(8, 1), t0);
    Src::new(b"abc").feed(&mut y);
    sent(&mut y);
    y.on_packet(&Packet::Ack { block: 1 }, t0);
    assert!(y.acked_data().is_empty());
}
