//! Hostile TFTP peers over real UDP sockets on 127.0.0.1 (issue 12 part 3):
//! spoofed TIDs, duplicate and out-of-window ACKs, option abuse, ERROR
//! packets mid-transfer, many concurrent requests. The 1,000-request figures
//! are bench/tftp_hostile.py's, in docs/RELIABILITY.md; an upload that hits
//! a write error is tests/tftp_write_error.rs (it needs RLIMIT_FSIZE, which
//! is per process).

mod tftp_common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::tftp::props::*;
use pier::tftp::TftpEvent;
use tftp_common::*;

/// A server that serves `content` for every download from ConnFileData.
fn serving(content: Vec<u8>) -> Fixture {
    server()
        .hook(move |s, ev| {
            if let TftpEvent::Connected { connection_id, .. } = ev {
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(content.clone())).unwrap();
            }
        })
        .start()
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

fn stat(f: &Fixture, key: &str) -> u64 {
    let s = f.config("Stats");
    let v = s.split_whitespace().find_map(|kv| kv.strip_prefix(&format!("{key}="))).unwrap();
    v.parse().unwrap()
}

#[test]
fn spoofed_tids_cannot_inject_into_or_end_an_upload() {
    // RFC 1350 §4: a datagram from a wrong TID gets ERROR 5 sent back to
    // it "while not disturbing the transfer". §7: an ERROR is never
    // answered, not even from a wrong TID (else two transfer ports could
    // answer each other's ERROR 5 forever).
    let dir = tempdir("spoof-ul");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    let content = pattern(1300, 31);
    c.send_server(&request(2, "up.bin", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Ack(0));
    c.send_to(&data(1, &content[..512]), tid);
    assert_eq!(c.recv(), (Pkt::Ack(1), tid));
    // Strangers on other ports (same host) race the real client with
    // block 2, an old block, and an ERROR that would end the transfer.
    let strangers: Vec<Client> = (0..3).map(|_| Client::new(f.addr())).collect();
    for s in &strangers {
        s.send_to(&data(2, &[b'X'; 512]), tid);
        assert_eq!(s.recv(), (Pkt::Error(5, "Unknown transfer ID".into()), tid));
        s.send_to(&data(1, &[b'X'; 512]), tid);
        assert_eq!(s.recv(), (Pkt::Error(5, "Unknown transfer ID".into()), tid));
    }
    for s in &strangers {
        s.send_to(&error(0, "spoofed abort"), tid);
    }
    for s in &strangers {
        assert_eq!(s.recv_within(Duration::from_millis(300)), None, "an ERROR from a wrong TID is not answered");
    }
    // Nothing reached the real client, and it carries on.
    assert_eq!(c.recv_within(Duration::from_millis(100)), None);
    c.send_to(&data(2, &content[512..1024]), tid);
    assert_eq!(c.recv(), (Pkt::Ack(2), tid));
    c.send_to(&data(3, &content[1024..]), tid);
    assert_eq!(c.recv(), (Pkt::Ack(3), tid));
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 0, "{evs:#?}");
    assert_eq!(std::fs::read(dir.join("up.bin")).unwrap(), content);
    assert_eq!(names_in(&dir), ["up.bin"]);
    assert_eq!(stat(&f, "wrong_tid"), 9);
}

#[test]
fn a_dallying_upload_port_answers_strangers_but_never_their_errors() {
    // After the final ACK the transfer's port lingers to re-ACK a repeated
    // final DATA (RFC 1350 §6); strangers get ERROR 5 there too, their
    // ERRORs nothing (§7).
    let dir = tempdir("spoof-dally");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    c.send_server(&request(2, "d.bin", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Ack(0));
    c.send_to(&data(1, b"short"), tid);
    assert_eq!(c.recv(), (Pkt::Ack(1), tid));
    f.wait_disconnected(1);
    let stranger = Client::new(f.addr());
    stranger.send_to(&error(0, "spoofed"), tid);
    stranger.send_to(&data(1, b"short"), tid);
    assert_eq!(stranger.recv(), (Pkt::Error(5, "Unknown transfer ID".into()), tid));
    assert_eq!(stranger.recv_within(Duration::from_millis(300)), None, "the ERROR got no answer");
    // The real client's repeated final DATA is still re-ACKed.
    c.send_to(&data(1, b"short"), tid);
    assert_eq!(c.recv(), (Pkt::Ack(1), tid));
    assert_eq!(std::fs::read(dir.join("d.bin")).unwrap(), b"short");
}

#[test]
fn a_spoofed_error_does_not_end_a_download() {
    let content = pattern(1100, 32);
    let f = serving(content.clone());
    let c = Client::new(f.addr());
    c.send_server(&request(1, "x", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    let stranger = Client::new(f.addr());
    stranger.send_to(&error(0, "spoofed abort"), tid);
    stranger.send_to(&ack(1), tid);
    // The ACK gets ERROR 5; the ERROR before it got nothing.
    assert_eq!(stranger.recv(), (Pkt::Error(5, "Unknown transfer ID".into()), tid));
    assert_eq!(stranger.recv_within(Duration::from_millis(300)), None);
    // The stranger's ACK did not move the transfer either.
    assert_eq!(c.recv_within(Duration::from_millis(100)), None);
    c.send_to(&ack(1), tid);
    assert_eq!(c.recv().0, Pkt::Data(2, content[512..1024].to_vec()));
    c.send_to(&ack(2), tid);
    assert_eq!(c.recv().0, Pkt::Data(3, content[1024..].to_vec()));
    c.send_to(&ack(3), tid);
    assert_eq!(disconnects(&f.wait_disconnected(1))[0].1, 0);
}

/// Receives datagrams until `n` have come or `within` passed with none.
fn recv_blocks(c: &Client, n: usize, within: Duration) -> Vec<u16> {
    let mut v = Vec::new();
    while v.len() < n {
        match c.recv_within(within) {
            Some((Pkt::Data(b, _), _)) => v.push(b),
            Some((other, _)) => panic!("unexpected {other:?}"),
            None => break,
        }
    }
    v
}

#[test]
fn duplicate_and_out_of_window_acks_with_windowsize() {
    // RFC 7440 §4: the sender sends a window, then waits for the ACK of
    // its last block; an ACK of an earlier block of the window restarts
    // the window after it. RFC 1123 §4.2.3.1: a duplicate ACK never causes
    // a re-send. An ACK below the window or of a block never sent is
    // ignored.
    let content = pattern(512 * 20 + 100, 33); // blocks 1..=21
    let f = serving(content.clone());
    let c = Client::new(f.addr());
    let quiet = Duration::from_millis(400);
    c.send_server(&request(1, "x", "octet", &[("windowsize", "4")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Oack(vec![("windowsize".into(), "4".into())]));
    // A duplicate ACK 0 of the OACK: one window, not two.
    c.send_to(&ack(0), tid);
    c.send_to(&ack(0), tid);
    c.send_to(&ack(0), tid);
    assert_eq!(recv_blocks(&c, 8, quiet), [1, 2, 3, 4]);
    // ACK 4 three times: the window 5..8 once.
    for _ in 0..3 {
        c.send_to(&ack(4), tid);
    }
    assert_eq!(recv_blocks(&c, 8, quiet), [5, 6, 7, 8]);
    // Old ACKs (below the window) and ACKs of blocks never sent: nothing.
    for b in [1, 2, 3, 4, 0, 9, 12, 500, 65535] {
        c.send_to(&ack(b), tid);
    }
    assert_eq!(recv_blocks(&c, 1, quiet), Vec::<u16>::new());
    // ACK 6, mid-window: the client lost 7; the window restarts at 7.
    c.send_to(&ack(6), tid);
    assert_eq!(recv_blocks(&c, 8, quiet), [7, 8, 9, 10]);
    // And the same mid-window ACK again changes nothing.
    c.send_to(&ack(6), tid);
    assert_eq!(recv_blocks(&c, 1, quiet), Vec::<u16>::new());
    // Finish normally and check the bytes.
    let mut got = content[..512 * 10].to_vec();
    let mut last = 10u16;
    loop {
        c.send_to(&ack(last), tid);
        let mut window = 0;
        let mut done = false;
        while window < 4 {
            let (p, from) = c.recv();
            assert_eq!(from, tid);
            let Pkt::Data(b, d) = p else { panic!("{p:?}") };
            assert_eq!(b, last + 1);
            got.extend_from_slice(&d);
            last = b;
            window += 1;
            if d.len() < 512 {
                done = true;
                break;
            }
        }
        if done {
            c.send_to(&ack(last), tid);
            break;
        }
    }
    assert_eq!(got, content);
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 0);
    // Every DATA sent once except the restarted 7 and 8 (21 + 2), plus the
    // OACK (opcode, "windowsize", NUL, "4", NUL).
    let sent = stat(&f, "bytes_sent");
    let oack = 2 + b"windowsize\x004\x00".len();
    assert_eq!(sent as usize, content.len() + 21 * 4 + 2 * (4 + 512) + oack);
}

#[test]
fn option_abuse_is_ignored_capped_or_refused_as_the_rfcs_say() {
    let dir = tempdir("optabuse");
    std::fs::write(dir.join("f"), pattern(700, 34)).unwrap();
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    // What the server answers a RRQ of "f" with these options: an OACK
    // (what is listed), DATA 1 (nothing acknowledged), or an ERROR.
    enum Want {
        Oack(&'static [(&'static str, &'static str)]),
        Data1,
        Error(u16),
    }
    use Want::*;
    let cases: Vec<(&str, Vec<u8>, Want)> = vec![
        // RFC 2348: 8..=65464; below 8 or not a number refused (ERROR 8,
        // RFC 2347), above capped to 65464 (the server may answer less).
        ("blksize 0", request(1, "f", "octet", &[("blksize", "0")]), Error(8)),
        ("blksize 7", request(1, "f", "octet", &[("blksize", "7")]), Error(8)),
        ("blksize 8", request(1, "f", "octet", &[("blksize", "8")]), Oack(&[("blksize", "8")])),
        ("blksize 65464", request(1, "f", "octet", &[("blksize", "65464")]), Oack(&[("blksize", "65464")])),
        ("blksize 65465", request(1, "f", "octet", &[("blksize", "65465")]), Oack(&[("blksize", "65464")])),
        ("blksize 4294967296", request(1, "f", "octet", &[("blksize", "4294967296")]), Oack(&[("blksize", "65464")])),
        ("blksize -1", request(1, "f", "octet", &[("blksize", "-1")]), Error(8)),
        ("blksize +512", request(1, "f", "octet", &[("blksize", "+512")]), Error(8)),
        ("blksize 512abc", request(1, "f", "octet", &[("blksize", "512abc")]), Error(8)),
        ("blksize empty", request(1, "f", "octet", &[("blksize", "")]), Error(8)),
        // RFC 2349: timeout 1..=255, else omitted.
        ("timeout 0", request(1, "f", "octet", &[("timeout", "0")]), Data1),
        ("timeout 256", request(1, "f", "octet", &[("timeout", "256")]), Data1),
        ("timeout -1", request(1, "f", "octet", &[("timeout", "-1")]), Data1),
        ("timeout huge", request(1, "f", "octet", &[("timeout", "99999999999999999999999")]), Data1),
        ("timeout x", request(1, "f", "octet", &[("timeout", "x")]), Data1),
        ("timeout 255", request(1, "f", "octet", &[("timeout", "255")]), Oack(&[("timeout", "255")])),
        // RFC 2349: on a RRQ the server answers tsize with the size,
        // whatever the client put there.
        ("tsize -5", request(1, "f", "octet", &[("tsize", "-5")]), Oack(&[("tsize", "700")])),
        ("tsize x", request(1, "f", "octet", &[("tsize", "x")]), Oack(&[("tsize", "700")])),
        ("tsize huge", request(1, "f", "octet", &[("tsize", "99999999999999999999999")]), Oack(&[("tsize", "700")])),
        // RFC 7440: windowsize 1..=65535; capped by the server, 0 or not a
        // number omitted.
        ("windowsize 0", request(1, "f", "octet", &[("windowsize", "0")]), Data1),
        ("windowsize -1", request(1, "f", "octet", &[("windowsize", "-1")]), Data1),
        ("windowsize x", request(1, "f", "octet", &[("windowsize", "x")]), Data1),
        ("windowsize 65536", request(1, "f", "octet", &[("windowsize", "65536")]), Oack(&[("windowsize", "64")])),
        // Repeated options are ambiguous: refused as malformed (ERROR 4),
        // whatever the case.
        ("repeated blksize", request(1, "f", "octet", &[("blksize", "1024"), ("blksize", "8")]), Error(4)),
        ("repeated timeout", request(1, "f", "octet", &[("timeout", "1"), ("TimeOut", "2")]), Error(4)),
        // Unterminated strings (RFC 2347: every string NUL-terminated).
        ("unterminated value", b"\x00\x01f\x00octet\x00blksize\x00512".to_vec(), Error(4)),
        ("unterminated name", b"\x00\x01f\x00octet\x00blksize".to_vec(), Error(4)),
        ("empty option name", b"\x00\x01f\x00octet\x00\x00512\x00".to_vec(), Error(4)),
        // More options than anyone needs (the packet decoder's bound).
        (
            "200 options",
            {
                let names: Vec<String> = (0..200).map(|i| format!("x{i}")).collect();
                let opts: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
                request(1, "f", "octet", &opts)
            },
            Error(4),
        ),
        // A huge unknown option is just unknown.
        ("unknown 8 KiB option", request(1, "f", "octet", &[("x-pad", &"p".repeat(8192))]), Data1),
    ];
    for (what, pkt, want) in &cases {
        c.send_server(pkt);
        let (p, from) = c.recv();
        match (want, p) {
            (Oack(list), Pkt::Oack(got)) => {
                let list: Vec<(String, String)> = list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                assert_eq!(got, list, "{what}");
                c.send_to(&error(0, "enough"), from);
            }
            (Data1, Pkt::Data(1, _)) => c.send_to(&error(0, "enough"), from),
            (Error(code), Pkt::Error(got, msg)) => {
                assert_eq!(got, *code, "{what}: {msg}");
                assert!(!msg.is_empty(), "{what}: the error says why");
            }
            (_, p) => panic!("{what}: got {p:?}"),
        }
    }
    // WRQ: the client's tsize is echoed when it is a number that fits the
    // free space, omitted when it is no number (RFC 2349), and a size beyond
    // the free space is ERROR 3.
    for (what, opts, want) in [
        ("tsize -1", vec![("tsize", "-1")], Ok(None)),
        ("tsize x", vec![("tsize", "x")], Ok(None)),
        ("tsize 10", vec![("tsize", "10")], Ok(Some("10"))),
        ("tsize beyond u64", vec![("tsize", "99999999999999999999999")], Err(3u16)),
        ("timeout 0, windowsize 0", vec![("timeout", "0"), ("windowsize", "0")], Ok(None)),
    ] {
        c.send_server(&request(2, "w", "octet", &opts));
        let (p, tid) = c.recv();
        match (want, p) {
            (Ok(None), Pkt::Ack(0)) => c.send_to(&error(0, "enough"), tid),
            (Ok(Some(v)), Pkt::Oack(got)) => {
                assert_eq!(got, vec![("tsize".to_string(), v.to_string())], "{what}");
                c.send_to(&error(0, "enough"), tid);
            }
            (Err(code), Pkt::Error(got, _)) => assert_eq!(got, code, "{what}"),
            (_, p) => panic!("{what}: got {p:?}"),
        }
    }
    // Options in an ACK (an ACK is exactly 4 bytes) or an OACK sent to the
    // server: the transfer ends with ERROR 4 and nothing else is sent.
    for (what, bad) in [
        ("ACK with options", b"\x00\x04\x00\x00blksize\x0065464\x00".to_vec()),
        ("OACK from the client", b"\x00\x06blksize\x008\x00".to_vec()),
    ] {
        c.send_server(&request(1, "f", "octet", &[("blksize", "100")]));
        let (p, tid) = c.recv();
        assert_eq!(p, Pkt::Oack(vec![("blksize".into(), "100".into())]));
        c.send_to(&bad, tid);
        assert!(matches!(c.recv(), (Pkt::Error(4, _), from) if from == tid), "{what}");
        assert_eq!(c.recv_within(Duration::from_millis(200)), None, "{what}");
    }
    // The server still serves.
    assert_eq!(Client::new(f.addr()).get("f", "octet", &[("blksize", "8")]).unwrap(), pattern(700, 34));
    f.wait_for("every connection gone", |_| f.server.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap() == Value::Int(0));
    assert_eq!(names_in(&dir), ["f"], "no upload was left behind");
}

#[test]
fn a_client_error_mid_download_ends_it_with_305() {
    let content = pattern(512 * 30, 35);
    let f = serving(content.clone());
    let c = Client::new(f.addr());
    c.send_server(&request(1, "x", "octet", &[("windowsize", "8")]));
    let (p, tid) = c.recv();
    assert!(matches!(p, Pkt::Oack(_)));
    c.send_to(&ack(0), tid);
    assert_eq!(recv_blocks(&c, 8, Duration::from_secs(5)), [1, 2, 3, 4, 5, 6, 7, 8]);
    c.send_to(&ack(8), tid);
    c.send_to(&error(3, "client disk full"), tid);
    let evs = f.wait_disconnected(1);
    let (id, code) = disconnects(&evs)[0];
    assert_eq!(code, 305, "{evs:#?}");
    assert!(evs
        .iter()
        .any(|e| matches!(e, TftpEvent::Error { error_code: 305, connection_id, .. } if *connection_id == id)));
    assert!(!evs.iter().any(|e| matches!(e, TftpEvent::EndTransfer { .. })));
    let desc = evs.iter().find_map(|e| match e {
        TftpEvent::Disconnected { description, .. } => Some(description.clone()),
        _ => None,
    });
    assert!(desc.unwrap().contains("client disk full"));
    // The server answered the ERROR with nothing (RFC 1350 §7); what
    // arrives is at most the window that was in flight (9..16).
    let late = recv_blocks(&c, 100, Duration::from_millis(300));
    assert!(late.iter().all(|b| (9..=16).contains(b)), "{late:?}");
    assert_eq!(f.server.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap(), Value::Int(0));
    assert_eq!(stat(&f, "failed"), 1);
}

#[test]
fn a_client_error_mid_upload_leaves_no_file() {
    let dir = tempdir("err-ul");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    c.send_server(&request(2, "new.bin", "octet", &[("windowsize", "4"), ("tsize", "40000")]));
    let (p, tid) = c.recv();
    assert!(matches!(p, Pkt::Oack(_)), "{p:?}");
    for b in 1..=8u16 {
        c.send_to(&data(b, &[b as u8; 512]), tid);
    }
    assert_eq!(c.recv().0, Pkt::Ack(4));
    assert_eq!(c.recv().0, Pkt::Ack(8));
    // While it runs, the partial upload is only a temporary file.
    let mid = names_in(&dir);
    assert_eq!(mid.len(), 1);
    assert!(mid[0].starts_with(".new.bin.pier-") && mid[0].ends_with(".tmp"), "{mid:?}");
    c.send_to(&error(0, "user cancelled"), tid);
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 305);
    assert!(evs.iter().any(|e| matches!(e, TftpEvent::Error { error_code: 305, .. })));
    assert!(!evs.iter().any(|e| matches!(e, TftpEvent::EndTransfer { .. })));
    assert_eq!(names_in(&dir), Vec::<String>::new(), "neither the file nor its temporary is left");
    // The client's late DATA goes nowhere: the transfer is gone.
    c.send_to(&data(9, &[9; 512]), tid);
    assert!(!matches!(c.recv_within(Duration::from_millis(200)), Some((Pkt::Ack(_), _))));
    assert!(!dir.join("new.bin").exists());
}

/// One download of a many-client run: a state machine over a mio socket.
struct Dl {
    sock: mio::net::UdpSocket,
    tid: Option<SocketAddr>,
    next: u16,
    got: Vec<u8>,
    last: Vec<u8>,
    last_at: Instant,
    done: bool,
}

/// `n` clients, all sending their RRQ for `name` at once from this thread;
/// each resends its last packet after 1 s of silence. Returns the payloads
/// (None for downloads not done within `limit`).
fn many_downloads(server: SocketAddr, n: usize, name: &str, limit: Duration) -> Vec<Option<Vec<u8>>> {
    use mio::{Events, Interest, Poll, Token};
    let mut poll = Poll::new().unwrap();
    let mut dls: Vec<Dl> = (0..n)
        .map(|i| {
            let mut sock = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            poll.registry().register(&mut sock, Token(i), Interest::READABLE).unwrap();
            let rrq = request(1, name, "octet", &[]);
            Dl { sock, tid: None, next: 1, got: Vec::new(), last: rrq, last_at: Instant::now(), done: false }
        })
        .collect();
    for d in &dls {
        d.sock.send_to(&d.last, server).unwrap();
    }
    let t0 = Instant::now();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 2048];
    let mut left = n;
    while left > 0 && t0.elapsed() < limit {
        poll.poll(&mut events, Some(Duration::from_millis(100))).unwrap();
        for ev in &events {
            let d = &mut dls[ev.token().0];
            while let Ok((len, from)) = d.sock.recv_from(&mut buf) {
                if d.done || d.tid.is_some_and(|t| t != from) {
                    continue;
                }
                d.tid = Some(from);
                let Pkt::Data(b, payload) = parse(&buf[..len]) else { panic!("{:?}", parse(&buf[..len])) };
                if b == d.next {
                    d.got.extend_from_slice(&payload);
                    d.next = d.next.wrapping_add(1);
                    d.last = ack(b);
                    d.last_at = Instant::now();
                    if payload.len() < 512 {
                        d.done = true;
                        left -= 1;
                    }
                }
                if b == d.next.wrapping_sub(1) {
                    // New, or a retransmission our ACK crossed: (re-)ACK it.
                    d.sock.send_to(&d.last, from).unwrap();
                }
            }
        }
        for d in dls.iter_mut().filter(|d| !d.done && d.last_at.elapsed() > Duration::from_secs(1)) {
            d.sock.send_to(&d.last, d.tid.unwrap_or(server)).unwrap();
            d.last_at = Instant::now();
        }
    }
    dls.into_iter().map(|d| d.done.then_some(d.got)).collect()
}

#[test]
fn two_hundred_concurrent_downloads_all_complete_byte_exact() {
    let dir = tempdir("many");
    let content = pattern(3000, 36);
    std::fs::write(dir.join("boot.img"), &content).unwrap();
    let f = server().dir(&dir).config("LogLevel=0").start();
    let got = many_downloads(f.addr(), 200, "boot.img", Duration::from_secs(15));
    let done = got.iter().filter(|g| g.is_some()).count();
    assert_eq!(done, 200, "{done} of 200 done");
    assert!(got.iter().all(|g| g.as_deref() == Some(&content[..])));
    let evs = f.wait_disconnected(200);
    let mut by_code: HashMap<i32, usize> = HashMap::new();
    for (_, code) in disconnects(&evs) {
        *by_code.entry(code).or_default() += 1;
    }
    assert_eq!(by_code, HashMap::from([(0, 200)]));
    assert_eq!(stat(&f, "completed"), 200);
    assert_eq!(f.server.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap(), Value::Int(0));
}
