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
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn events_serve_a_download_from_conn_file_data() {
    let payload = pattern(1300, 9);
    let p2 = payload.clone();
    let f = server()
        .hook(move |s, ev| match ev {
            TftpEvent::ConnectionRequest {
                filename,
                transfer_mode,
                operation,
                remote_host,
                ..
            } => {
                assert_eq!(filename, "virtual.img");
                assert_eq!(transfer_mode, "octet");
                assert_eq!(*operation, 0);
                assert_eq!(remote_host, "127.0.0.1");
            }
            TftpEvent::Connected { connection_id, .. } => {
                let id = *connection_id;
                assert_eq!(s.get(PIER_TFTPSERVER_PROP_CONNCOUNT, 0).unwrap(), Value::Int(1));
                assert_eq!(
                    s.get(PIER_TFTPSERVER_PROP_CONNCONNECTIONID, 0).unwrap(),
                    Value::text(id.to_string())
                );
                assert_eq!(
                    s.get(PIER_TFTPSERVER_PROP_CONNFILENAME, id).unwrap(),
                    Value::text("virtual.img")
                );
                assert_eq!(
                    s.get(PIER_TFTPSERVER_PROP_CONNTRANSFERMODE, id).unwrap(),
                    Value::text("octet")
                );
                s.set(PIER_TFTPSERVER_PROP_CONNFILEDATA, id, Value::Bytes(p2.clone()))
                    .unwrap();
            }
            TftpEvent::Transfer { connection_id, .. } => {
                // Too late to change the data: the transfer has started.
                let e = s
                    .set(PIER_TFTPSERVER_PROP_CONNFILEDATA, *connection_id, Value::Bytes(vec![1]))
                    .unwrap_err();
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
    let kinds: Vec<i32> = evs
        .iter()
        .filter(|e| !matches!(e, TftpEvent::Log { .. }))
        .map(|e| e.id())
        .collect();
    // ConnectionRequest, Connected, StartTransfer, Transfer x3, EndTransfer, Disconnected.
    assert_eq!(kinds, [2, 1, 7, 8, 8, 8, 4, 3], "{evs:#?}");
    let mut text = Vec::new();
    let mut last = (0, 0);
    for e in &evs {
        if let TftpEvent::Transfer {
            direction,
            bytes_transferred,
            percent_done,
            text: t,
            ..
        } = e
        {
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
    assert_eq!(
        f.server.get(PIER_TFTPSERVER_PROP_CONNFILENAME, id).unwrap_err().code,
        126
    );
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
        if let TftpEvent::Transfer {
            direction,
            text,
            percent_done,
            ..
        } = e
        {
            assert_eq!(*direction, 0);
            got.extend_from_slice(text);
            pcts.push(*percent_done);
        }
    }
    assert_eq!(got, content);
    assert_eq!(pcts, [25, 51, 76, 100]);
    assert!(evs
        .iter()
        .any(|e| matches!(e, TftpEvent::StartTransfer { direction: 0, .. })));
    assert!(evs
        .iter()
        .any(|e| matches!(e, TftpEvent::EndTransfer { direction: 0, .. })));
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
    let f = server().config("LogLevel=0").start();
    let content = pattern(1500, 2);
    let c2 = content.clone();
    let f2 = server()
        .hook(move |s, ev| {
            if let TftpEvent::Connected { connection_id, .. } = ev {
                s.set(
                    PIER_TFTPSERVER_PROP_CONNFILEDATA,
                    *connection_id,
                    Value::Bytes(c2.clone()),
                )
                .unwrap();
            }
        })
        .start();
    drop(f);
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
