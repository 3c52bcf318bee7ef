//! TFTPServer over real UDP sockets on 127.0.0.1, driven by a small Rust
//! client for precise protocol checks (RFC 1350, 2347–2349, 7440).

mod tftp_common;

use std::time::Duration;

use pier::core::value::Value;
use pier::tftp::props::*;
use pier::tftp::TftpEvent;
use tftp_common::*;

#[test]
fn downloads_octet_and_netascii_from_local_dir() {
    let dir = tempdir("dl");
    let content = pattern(5000, 1);
    std::fs::write(dir.join("f.bin"), &content).unwrap();
    let text = b"line 1\nline 2\r\nbare\rcr\n".repeat(40);
    std::fs::write(dir.join("t.txt"), &text).unwrap();
    std::fs::write(dir.join("empty"), b"").unwrap();
    std::fs::write(dir.join("exact"), pattern(1024, 3)).unwrap();
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    assert_eq!(c.get("f.bin", "octet", &[]).unwrap(), content);
    // netascii on the wire: LF -> CR LF, CR -> CR NUL (RFC 1350 §5).
    assert_eq!(c.get("t.txt", "NetASCII", &[]).unwrap(), to_netascii(&text));
    assert_eq!(c.get("empty", "octet", &[]).unwrap(), b"");
    // A multiple of 512 ends with an empty block.
    assert_eq!(c.get("exact", "octet", &[]).unwrap(), pattern(1024, 3));
    assert_eq!(c.get("missing", "octet", &[]).unwrap_err().0, 1);
    let evs = f.wait_disconnected(5);
    let d = disconnects(&evs);
    assert_eq!(d.iter().filter(|(_, s)| *s == 0).count(), 4, "{d:?}");
    assert!(d.iter().any(|(_, s)| *s == 127), "missing file ends with 127: {d:?}");
}

#[test]
fn uploads_octet_and_netascii_into_local_dir() {
    let dir = tempdir("ul");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    let content = pattern(3000, 7);
    c.put("up.bin", "octet", &[], &content).unwrap();
    let text = b"a\nb\rc\r\n".repeat(100);
    c.put("up.txt", "netascii", &[], &to_netascii(&text)).unwrap();
    f.wait_disconnected(2);
    assert_eq!(std::fs::read(dir.join("up.bin")).unwrap(), content);
    assert_eq!(std::fs::read(dir.join("up.txt")).unwrap(), text);
    // No temporary files are left behind.
    let names: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn events_serve_a_download_from_conn_file_data() {
    let payload = pattern(1300, 9);
    let p2 = payload.clone();
    let f = server()
        .hook(move |s, ev| match ev {
            TftpEvent::ConnectionRequest { filename, transfer_mode, operation, remote_host, .. } => {
                assert_eq!(filename, "virtual.img");
                assert_eq!(transfer_mode, "octet");
                assert_eq!(*operation, 0);
                assert_eq!(remote_host, "127.0.0.1");
            }
            TftpEvent::Connected { connection_id, .. } => {
                let id = *connection_id;
                assert_eq!(s.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap(), Value::Int(1));
                assert_eq!(s.get(PIER_TFTPSERVER_PROP_CONNCONNECTIONID, 0).unwrap(), Value::text(id.to_string()));
                assert_eq!(s.get(PIER_TFTPSERVER_PROP_CONNFILENAME, id).unwrap(), Value::text("virtual.img"));
                assert_eq!(s.get(PIER_TFTPSERVER_PROP_CONNTRANSFERMODE, id).unwrap(), Value::text("octet"));
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, id, Value::Bytes(p2.clone())).unwrap();
            }
            TftpEvent::Transfer { connection_id, .. } => {
                // Too late to change the data: the transfer has started.
                let e = s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(vec![1])).unwrap_err();
                assert_eq!(e.code, 130);
            }
            TftpEvent::Disconnected { connection_id, .. } => {
                // Still readable inside Disconnected.
                assert_eq!(
                    s.get(PIER_TFTPSERVER_PROP_CONNFILENAME, *connection_id).unwrap(),
                    Value::text("virtual.img")
                );
            }
            _ => {}
        })
        .start();
    let c = Client::new(f.addr());
    assert_eq!(c.get("virtual.img", "octet", &[("tsize", "0")]).unwrap(), payload);
    let evs = f.wait_disconnected(1);
    let kinds: Vec<i32> = evs.iter().filter(|e| !matches!(e, TftpEvent::Log { .. })).map(|e| e.id()).collect();
    // ConnectionRequest, Connected, StartTransfer, Transfer x3, EndTransfer, Disconnected.
    assert_eq!(kinds, [2, 1, 7, 8, 8, 8, 4, 3], "{evs:#?}");
    let mut text = Vec::new();
    let mut last = (0, 0);
    for e in &evs {
        if let TftpEvent::Transfer { direction, bytes_transferred, percent_done, text: t, .. } = e {
            assert_eq!(*direction, 1);
            text.extend_from_slice(t);
            assert_eq!(*bytes_transferred as usize, text.len());
            last = (*bytes_transferred, *percent_done);
        }
    }
    assert_eq!(text, payload);
    assert_eq!(last, (1300, 100));
    let id = evs.iter().find_map(|e| e.connection_id()).unwrap();
    assert_eq!(disconnects(&evs), [(id, 0)]);
    // After Disconnected the id is gone.
    assert_eq!(f.server.get(PIER_TFTPSERVER_PROP_CONNFILENAME, id).unwrap_err().code, 126);
    assert_eq!(f.server.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap(), Value::Int(0));
}

#[test]
fn events_receive_an_upload_through_transfer_text() {
    let f = server().start();
    let c = Client::new(f.addr());
    let content = pattern(2000, 4);
    c.put("incoming", "octet", &[("tsize", "2000")], &content).unwrap();
    let evs = f.wait_disconnected(1);
    let mut got = Vec::new();
    let mut pcts = Vec::new();
    for e in &evs {
        if let TftpEvent::Transfer { direction, text, percent_done, .. } = e {
            assert_eq!(*direction, 0);
            got.extend_from_slice(text);
            pcts.push(*percent_done);
        }
    }
    assert_eq!(got, content);
    assert_eq!(pcts, [25, 51, 76, 100]);
    assert!(evs.iter().any(|e| matches!(e, TftpEvent::StartTransfer { direction: 0, .. })));
    assert!(evs.iter().any(|e| matches!(e, TftpEvent::EndTransfer { direction: 0, .. })));
}

#[test]
fn refused_request_gets_access_violation_and_no_connection() {
    let f = server()
        .hook(|_, ev| {
            if let TftpEvent::ConnectionRequest { accept, .. } = ev {
                *accept = false;
            }
        })
        .start();
    let c = Client::new(f.addr());
    let (p, from) = {
        c.send_server(&request(1, "x", "octet", &[]));
        c.recv()
    };
    assert_eq!(p, Pkt::Error(2, "Access violation".into()));
    assert_eq!(from, f.addr());
    std::thread::sleep(Duration::from_millis(100));
    assert!(f.events().iter().all(|e| !matches!(e, TftpEvent::Connected { .. })));
    assert!(f.config("Stats").contains("refused=1"));
}

#[test]
fn wrong_tid_gets_error_5_and_the_transfer_goes_on() {
    let content = pattern(1500, 2);
    let c2 = content.clone();
    let f2 = server()
        .hook(move |s, ev| {
            if let TftpEvent::Connected { connection_id, .. } = ev {
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(c2.clone())).unwrap();
            }
        })
        .start();
    let c = Client::new(f2.addr());
    c.send_server(&request(1, "x", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    assert_ne!(tid, f2.addr(), "each transfer has its own port");
    // A stranger writes to the transfer's port.
    let stranger = Client::new(f2.addr());
    stranger.send_to(&ack(1), tid);
    let (e, from) = stranger.recv();
    assert_eq!(e, Pkt::Error(5, "Unknown transfer ID".into()));
    assert_eq!(from, tid);
    // The real client carries on.
    c.send_to(&ack(1), tid);
    assert_eq!(c.recv().0, Pkt::Data(2, content[512..1024].to_vec()));
    c.send_to(&ack(2), tid);
    assert_eq!(c.recv().0, Pkt::Data(3, content[1024..].to_vec()));
    c.send_to(&ack(3), tid);
    let evs = f2.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 0);
    assert!(f2.config("Stats").contains("wrong_tid=1"));
}

/// A server that serves `content` for every download from ConnFileData.
fn serving(content: Vec<u8>, configs: &[&str]) -> Fixture {
    let mut b = server().hook(move |s, ev| {
        if let TftpEvent::Connected { connection_id, .. } = ev {
            s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(content.clone())).unwrap();
        }
    });
    for c in configs {
        b = b.config(c);
    }
    b.start()
}

#[test]
fn duplicate_ack_does_not_resend_data() {
    // RFC 1123 §4.2.3.1: no Sorcerer's Apprentice re-sends.
    let content = pattern(2000, 5);
    let f = serving(content.clone(), &[]);
    let c = Client::new(f.addr());
    c.send_server(&request(1, "x", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    c.send_to(&ack(1), tid);
    assert_eq!(c.recv().0, Pkt::Data(2, content[512..1024].to_vec()));
    // The ACK of block 1 again (delayed duplicate): nothing is sent.
    c.send_to(&ack(1), tid);
    assert_eq!(c.recv_within(Duration::from_millis(1500)), None);
    c.send_to(&ack(2), tid);
    assert_eq!(c.recv().0, Pkt::Data(3, content[1024..1536].to_vec()));
    // An ACK for a block never sent is ignored too.
    c.send_to(&ack(9), tid);
    assert_eq!(c.recv_within(Duration::from_millis(300)), None);
    c.send_to(&ack(3), tid);
    assert_eq!(c.recv().0, Pkt::Data(4, content[1536..].to_vec()));
    c.send_to(&ack(4), tid);
    assert_eq!(disconnects(&f.wait_disconnected(1))[0].1, 0);
}

#[test]
fn retransmits_then_gives_up_after_max_retransmits() {
    let content = pattern(600, 8);
    let f = serving(content.clone(), &[]);
    f.server.set(PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, Value::Int(1)).unwrap();
    f.server.set(PIER_TFTPSERVER_PROP_MAXRETRANSMITS, 0, Value::Int(2)).unwrap();
    let c = Client::new(f.addr());
    c.send_server(&request(1, "x", "octet", &[]));
    // DATA 1, then two retransmissions, then nothing: the client never ACKs.
    for _ in 0..3 {
        assert_eq!(c.recv().0, Pkt::Data(1, content[..512].to_vec()));
    }
    assert_eq!(c.recv_within(Duration::from_millis(2500)), None);
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 301);
    let err = evs.iter().position(|e| matches!(e, TftpEvent::Error { error_code: 301, .. }));
    let disc = evs.iter().position(|e| matches!(e, TftpEvent::Disconnected { .. }));
    assert!(err.unwrap() < disc.unwrap(), "Error fires before Disconnected");
    assert!(evs.iter().all(|e| !matches!(e, TftpEvent::EndTransfer { .. })));
}

#[test]
fn timeout_ends_a_transfer_without_progress() {
    let f = serving(pattern(600, 8), &[]);
    f.server.set(PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, Value::Int(1)).unwrap();
    f.server.set(PIER_TFTPSERVER_PROP_MAXRETRANSMITS, 0, Value::Int(100)).unwrap();
    f.server.set(PIER_TFTPSERVER_PROP_TIMEOUT, 0, Value::Int(2)).unwrap();
    let c = Client::new(f.addr());
    c.send_server(&request(1, "x", "octet", &[]));
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 301);
    let _ = c;
}

#[test]
fn dallying_final_ack_is_repeated_for_a_repeated_final_block() {
    let dir = tempdir("dally");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    c.send_server(&request(2, "d.bin", "octet", &[]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Ack(0));
    c.send_to(&data(1, b"short"), tid);
    assert_eq!(c.recv().0, Pkt::Ack(1));
    f.wait_disconnected(1);
    // Our final ACK was "lost": the client repeats the final DATA.
    c.send_to(&data(1, b"short"), tid);
    assert_eq!(c.recv(), (Pkt::Ack(1), tid));
    assert_eq!(std::fs::read(dir.join("d.bin")).unwrap(), b"short");
}

fn rollover(rollover: u16) {
    // blksize 8 and a window of 64: 65536 + 40 blocks in ~1000 round trips.
    let blocks: usize = 65536 + 40;
    let content = pattern(blocks * 8 - 3, 11);
    let f = serving(content.clone(), &[&format!("DefaultRollOverNumber={rollover}")]);
    let c = Client::new(f.addr());
    c.send_server(&request(1, "big", "octet", &[("blksize", "8"), ("windowsize", "64")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Oack(vec![("blksize".into(), "8".into()), ("windowsize".into(), "64".into())]));
    c.send_to(&ack(0), tid);
    let mut got = Vec::new();
    let mut numbers = Vec::new();
    loop {
        let mut last = None;
        for _ in 0..64 {
            match c.recv().0 {
                Pkt::Data(b, d) => {
                    numbers.push(b);
                    got.extend_from_slice(&d);
                    last = Some((b, d.len()));
                    if d.len() < 8 {
                        break;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let (b, len) = last.unwrap();
        c.send_to(&ack(b), tid);
        if len < 8 {
            break;
        }
    }
    assert_eq!(got, content);
    assert_eq!(numbers.len(), blocks);
    assert_eq!(numbers[65534], 65535);
    assert_eq!(numbers[65535], rollover, "the block after 65535");
    assert_eq!(numbers[65536], rollover + 1);
    assert_eq!(disconnects(&f.wait_disconnected(1))[0].1, 0);
}

#[test]
fn download_rolls_over_to_zero() {
    rollover(0);
}

#[test]
fn download_rolls_over_to_one() {
    rollover(1);
}

#[test]
fn upload_rolls_over_with_default_rollover_zero() {
    let dir = tempdir("rollup");
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    let blocks = 65536 + 5;
    let content = pattern(blocks * 8 - 1, 12);
    c.send_server(&request(2, "big", "octet", &[("blksize", "8"), ("windowsize", "32")]));
    let (p, tid) = c.recv();
    assert!(matches!(p, Pkt::Oack(_)), "{p:?}");
    let chunks: Vec<&[u8]> = content.chunks(8).collect();
    assert_eq!(chunks.len(), blocks);
    for (w, window) in chunks.chunks(32).enumerate() {
        for (i, d) in window.iter().enumerate() {
            let seq = w * 32 + i + 1;
            let wire = if seq <= 65535 { seq } else { (seq - 65536) % 65536 };
            c.send_to(&data(wire as u16, d), tid);
        }
        let seq = w * 32 + window.len();
        let wire = if seq <= 65535 { seq } else { (seq - 65536) % 65536 };
        assert_eq!(c.recv().0, Pkt::Ack(wire as u16));
    }
    f.wait_disconnected(1);
    assert_eq!(std::fs::read(dir.join("big")).unwrap(), content);
}

#[test]
fn malformed_packets_are_answered_or_ignored_and_the_server_keeps_serving() {
    let dir = tempdir("malformed");
    std::fs::write(dir.join("ok.txt"), b"still serving").unwrap();
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    let cases: Vec<(&str, Vec<u8>, Option<u16>)> = vec![
        ("truncated", vec![0], Some(4)),
        ("empty", vec![], Some(4)),
        ("unknown opcode", vec![0, 9, 1, 2], Some(4)),
        ("no filename terminator", b"\x00\x01file".to_vec(), Some(4)),
        ("no mode terminator", b"\x00\x01file\x00octet".to_vec(), Some(4)),
        ("empty filename", b"\x00\x01\x00octet\x00".to_vec(), Some(4)),
        ("unknown mode", request(1, "ok.txt", "binary", &[]), Some(4)),
        ("mail mode", request(2, "ok.txt", "mail", &[]), Some(4)),
        ("option without value", b"\x00\x01ok.txt\x00octet\x00blksize\x00".to_vec(), Some(4)),
        ("duplicate option", request(1, "ok.txt", "octet", &[("blksize", "512"), ("BLKSIZE", "512")]), Some(4)),
        ("NUL inside the name", b"\x00\x01ok\x00.txt\x00octet\x00".to_vec(), Some(4)),
        ("blksize 0", request(1, "ok.txt", "octet", &[("blksize", "0")]), Some(8)),
        ("blksize not a number", request(1, "ok.txt", "octet", &[("blksize", "big")]), Some(8)),
        ("ACK to the server port", ack(1), Some(4)),
        ("DATA to the server port", data(1, b"x"), Some(4)),
        ("ERROR to the server port", error(0, "hello"), None),
    ];
    for (what, pkt, want) in cases {
        c.send_server(&pkt);
        match want {
            Some(code) => match c.recv_within(Duration::from_secs(10)) {
                Some((Pkt::Error(got, _), _)) => assert_eq!(got, code, "{what}"),
                other => panic!("{what}: expected ERROR {code}, got {other:?}"),
            },
            None => assert_eq!(c.recv_within(Duration::from_millis(300)), None, "{what}"),
        }
    }
    // Absurd but legal-looking values are capped or ignored, not fatal.
    let (p, tid) = {
        c.send_server(&request(
            1,
            "ok.txt",
            "octet",
            &[("blksize", "99999999999999999999999"), ("windowsize", "0"), ("timeout", "0"), ("color", "blue")],
        ));
        c.recv()
    };
    assert_eq!(p, Pkt::Oack(vec![("blksize".into(), "65464".into())]));
    c.send_to(&ack(0), tid);
    assert_eq!(c.recv().0, Pkt::Data(1, b"still serving".to_vec()));
    c.send_to(&ack(1), tid);
    // A malformed datagram inside a transfer ends it with ERROR 4.
    let c2 = Client::new(f.addr());
    c2.send_server(&request(1, "ok.txt", "octet", &[]));
    let (_, tid2) = c2.recv();
    c2.send_to(&[0, 4, 0], tid2);
    assert!(matches!(c2.recv().0, Pkt::Error(4, _)));
    // And the server still serves.
    assert_eq!(Client::new(f.addr()).get("ok.txt", "octet", &[]).unwrap(), b"still serving");
    let evs = f.wait_disconnected(4);
    assert!(disconnects(&evs).iter().any(|(_, s)| *s == 307), "{:?}", disconnects(&evs));
}

#[test]
fn no_request_reads_or_writes_outside_local_dir() {
    let root = tempdir("jail");
    let dir = root.join("served");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(root.join("secret"), b"secret").unwrap();
    std::fs::write(dir.join("sub/inside"), b"inside").unwrap();
    std::os::unix::fs::symlink(root.join("secret"), dir.join("link-out")).unwrap();
    std::os::unix::fs::symlink(root.clone(), dir.join("dir-out")).unwrap();
    std::os::unix::fs::symlink(dir.join("sub/inside"), dir.join("link-in")).unwrap();
    let f = server().dir(&dir).start();
    let c = Client::new(f.addr());
    for name in [
        "../secret",
        "sub/../../secret",
        "/etc/passwd",
        &format!("{}", root.join("secret").display()),
        "sub\\..\\..\\secret",
        "link-out",
        "dir-out/secret",
        "./sub/inside",
        "sub//inside",
    ] {
        let e = c.get(name, "octet", &[]).unwrap_err();
        assert!(e.0 == 2 || e.0 == 1, "{name}: {e:?}");
    }
    for name in ["../written", "dir-out/written", "link-out", "/tmp/pier-written"] {
        let e = c.put(name, "octet", &[], b"x").unwrap_err();
        assert!(e.0 == 2 || e.0 == 1, "{name}: {e:?}");
    }
    assert_eq!(std::fs::read(root.join("secret")).unwrap(), b"secret");
    assert!(!root.join("written").exists());
    // Symlinks that stay inside are fine.
    assert_eq!(c.get("link-in", "octet", &[]).unwrap(), b"inside");
    assert_eq!(c.get("sub/inside", "octet", &[]).unwrap(), b"inside");
}

#[test]
fn abandoned_upload_leaves_the_old_file_intact() {
    let dir = tempdir("abandon");
    std::fs::write(dir.join("keep.bin"), b"old version").unwrap();
    let f = server().dir(&dir).start();
    f.server.set(PIER_TFTPSERVER_PROP_RETRANSMITTIMEOUT, 0, Value::Int(1)).unwrap();
    f.server.set(PIER_TFTPSERVER_PROP_MAXRETRANSMITS, 0, Value::Int(1)).unwrap();
    let c = Client::new(f.addr());
    c.send_server(&request(2, "keep.bin", "octet", &[]));
    let (_, tid) = c.recv();
    c.send_to(&data(1, &[b'n'; 512]), tid);
    assert_eq!(c.recv().0, Pkt::Ack(1));
    c.send_to(&data(2, &[b'n'; 512]), tid);
    assert_eq!(c.recv().0, Pkt::Ack(2));
    // The client vanishes: the server gives up.
    let evs = f.wait_disconnected(1);
    assert_eq!(disconnects(&evs)[0].1, 301);
    assert_eq!(std::fs::read(dir.join("keep.bin")).unwrap(), b"old version");
    // A client that aborts with an ERROR packet: the same.
    let c = Client::new(f.addr());
    c.send_server(&request(2, "keep.bin", "octet", &[]));
    let (_, tid) = c.recv();
    c.send_to(&data(1, &[b'n'; 512]), tid);
    assert_eq!(c.recv().0, Pkt::Ack(1));
    c.send_to(&error(0, "user cancelled"), tid);
    let evs = f.wait_disconnected(2);
    assert_eq!(disconnects(&evs)[1].1, 305);
    assert_eq!(std::fs::read(dir.join("keep.bin")).unwrap(), b"old version");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
}

#[test]
fn options_blksize_tsize_timeout_windowsize_and_unknown() {
    let dir = tempdir("opts");
    let content = pattern(10_000, 13);
    std::fs::write(dir.join("f"), &content).unwrap();
    let text = b"x\ny\n".repeat(10);
    std::fs::write(dir.join("t"), &text).unwrap();
    let f = server().dir(&dir).config("MaxPacketSize=1028").start();
    let c = Client::new(f.addr());
    // blksize capped by MaxPacketSize; tsize is the real size; timeout echoed;
    // unknown options left out, order kept.
    c.send_server(&request(
        1,
        "f",
        "octet",
        &[("BlkSize", "2000"), ("x-unknown", "1"), ("tsize", "0"), ("timeout", "3")],
    ));
    let (p, tid) = c.recv();
    assert_eq!(
        p,
        Pkt::Oack(vec![
            ("BlkSize".into(), "1024".into()),
            ("tsize".into(), "10000".into()),
            ("timeout".into(), "3".into())
        ])
    );
    c.send_to(&error(0, "enough"), tid);
    // netascii tsize is the encoded size.
    c.send_server(&request(1, "t", "netascii", &[("tsize", "0")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Oack(vec![("tsize".into(), "60".into())]));
    c.send_to(&error(0, "enough"), tid);
    // Only unknown options: no OACK, plain DATA 1.
    c.send_server(&request(1, "f", "octet", &[("multicast", "")]));
    let (p, tid) = c.recv();
    assert_eq!(p, Pkt::Data(1, content[..512].to_vec()));
    c.send_to(&error(0, "enough"), tid);
    // windowsize (RFC 7440) with blksize: byte-exact.
    let got = Client::new(f.addr()).get("f", "octet", &[("blksize", "1000"), ("windowsize", "4")]).unwrap();
    assert_eq!(got, content);
    // WRQ: tsize beyond the free space is refused with error 3.
    let e = c.put("huge", "octet", &[("tsize", "18000000000000000000")], b"").unwrap_err();
    assert_eq!(e.0, 3);
    // WRQ with options: OACK, then the upload at that blksize.
    c.put("up", "octet", &[("blksize", "100"), ("tsize", "250")], &content[..250]).unwrap();
    f.wait_disconnected(6);
    assert_eq!(std::fs::read(dir.join("up")).unwrap(), &content[..250]);
    assert!(!dir.join("huge").exists());
}

#[test]
fn allow_overwrite_false_refuses_existing_files_with_error_6() {
    let dir = tempdir("overwrite");
    std::fs::write(dir.join("exists"), b"old").unwrap();
    let f = server().dir(&dir).config("AllowOverwrite=False").start();
    let c = Client::new(f.addr());
    assert_eq!(c.put("exists", "octet", &[], b"new").unwrap_err().0, 6);
    c.put("fresh", "octet", &[], b"new").unwrap();
    f.wait_disconnected(2);
    assert_eq!(std::fs::read(dir.join("exists")).unwrap(), b"old");
    assert_eq!(std::fs::read(dir.join("fresh")).unwrap(), b"new");
}

#[test]
fn conn_local_file_serves_and_receives() {
    let dir = tempdir("localfile");
    let src = dir.join("source.bin");
    let content = pattern(3333, 21);
    std::fs::write(&src, &content).unwrap();
    let (s2, d2) = (src.clone(), dir.clone());
    let f = server()
        .hook(move |s, ev| {
            if let TftpEvent::StartTransfer { connection_id, direction } = ev {
                let path = if *direction == 1 { s2.clone() } else { d2.join("received.bin") };
                s.set(PIER_TFTPSERVER_PROP_CONNLOCALFILE, *connection_id, Value::text(path.to_str().unwrap())).unwrap();
            }
        })
        .start();
    let c = Client::new(f.addr());
    assert_eq!(c.get("anything", "octet", &[]).unwrap(), content);
    c.put("whatever", "octet", &[], &content[..1000]).unwrap();
    f.wait_disconnected(2);
    assert_eq!(std::fs::read(dir.join("received.bin")).unwrap(), &content[..1000]);
}

#[test]
fn transfer_events_can_be_turned_off() {
    let dir = tempdir("noevents");
    let content = pattern(3000, 17);
    std::fs::write(dir.join("f"), &content).unwrap();
    let f = server().dir(&dir).start();
    f.server.set_transfer_events(false);
    let c = Client::new(f.addr());
    assert_eq!(c.get("f", "octet", &[]).unwrap(), content);
    c.put("g", "octet", &[], &content).unwrap();
    let evs = f.wait_disconnected(2);
    assert!(evs.iter().all(|e| !matches!(e, TftpEvent::Transfer { .. })));
    assert_eq!(evs.iter().filter(|e| matches!(e, TftpEvent::EndTransfer { .. })).count(), 2);
    assert_eq!(std::fs::read(dir.join("g")).unwrap(), content);
    // And back on.
    f.server.set_transfer_events(true);
    assert_eq!(c.get("f", "octet", &[]).unwrap(), content);
    let evs = f.wait_disconnected(3);
    let text: Vec<u8> = evs
        .iter()
        .filter_map(|e| match e {
            TftpEvent::Transfer { text, .. } => Some(text.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(text, content);
}
