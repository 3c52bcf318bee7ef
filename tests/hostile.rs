//! Hostile peers, as behaviour (the figures are bench/hostile.py's, in
//! docs/RELIABILITY.md): slow-loris connections that trickle slower than
//! IdleTimeout are all ended with 10060 while a normal client keeps being
//! served; a peer that never reads gets 10035 and nothing queues.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::tcp::props::*;
use pier::tcp::{TcpEvent, TcpServer};

fn line_echo_server() -> (Arc<TcpServer>, u16, Arc<Mutex<Vec<TcpEvent>>>) {
    let s = Arc::new(TcpServer::new().unwrap());
    s.set(PIER_TCPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    s.set(PIER_TCPSERVER_PROP_DEFAULTEOL, 0, Value::Bytes(b"\n".to_vec())).unwrap();
    s.start_listening().unwrap();
    let port = s.get(PIER_TCPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l2, weak) = (log.clone(), Arc::downgrade(&s));
    s.set_handler(Some(Arc::new(move |ev: &mut TcpEvent| {
        if let TcpEvent::DataIn { connection_id, text, eol: true } = ev {
            let mut line = text.clone();
            line.push(b'\n');
            let _ = weak.upgrade().unwrap().send(*connection_id, &line);
        }
        if !matches!(ev, TcpEvent::DataIn { .. }) {
            l2.lock().unwrap().push(ev.clone());
        }
    })));
    (s, port, log)
}

#[test]
fn slow_loris_connections_end_at_the_idle_timeout_and_a_normal_client_is_served() {
    let (s, port, log) = line_echo_server();
    s.set(PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT, 0, Value::Int(1)).unwrap();
    const N: usize = 200;
    let mut loris: Vec<TcpStream> = (0..N).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    for c in &mut loris {
        c.write_all(b"G").unwrap(); // a request line that never ends
    }
    let normal = TcpStream::connect(("127.0.0.1", port)).unwrap();
    normal.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
    let mut reader = BufReader::new(normal.try_clone().unwrap());
    let mut normal = normal;
    let t0 = Instant::now();
    let mut echoes = 0;
    let timeouts = || {
        log.lock().unwrap().iter().filter(|e| matches!(e, TcpEvent::Disconnected { status_code: 10060, .. })).count()
    };
    while timeouts() < N {
        assert!(t0.elapsed() < Duration::from_secs(10), "only {} of {N} ended by the idle timeout", timeouts());
        // The normal client keeps talking (so it is never idle) and is answered.
        normal.write_all(b"ping\n").unwrap();
        let mut line = String::new();
        while line.is_empty() {
            s.do_events().unwrap();
            let _ = reader.read_line(&mut line);
        }
        assert_eq!(line, "ping\n");
        echoes += 1;
    }
    assert!(t0.elapsed() >= Duration::from_millis(900), "ended before IdleTimeout");
    assert!(echoes > 0);
    // Every slow-loris socket sees the server's close.
    for c in &mut loris {
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut b = [0u8; 1];
        assert!(matches!(c.read(&mut b), Ok(0) | Err(_)));
    }
    assert_eq!(s.get(PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0).unwrap(), Value::Int(1));
}

#[test]
fn a_peer_that_never_reads_gets_10035_and_nothing_queues() {
    let (s, port, log) = line_echo_server();
    let _c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let t0 = Instant::now();
    while !log.lock().unwrap().iter().any(|e| matches!(e, TcpEvent::Connected { .. })) {
        assert!(t0.elapsed() < Duration::from_secs(5));
        s.do_events().unwrap();
    }
    let id: i32 = s.get(PIER_TCPSERVER_PROP_CONNECTIONID, 0).unwrap().into_string().parse().unwrap();
    let chunk = vec![b'q'; 1 << 20];
    let mut taken = 0i64;
    let err = loop {
        match s.send(id, &chunk) {
            Ok(()) => taken += chunk.len() as i64,
            Err(e) => break e,
        }
        assert!(taken < 1 << 30, "a socket nobody reads took a GiB");
    };
    assert_eq!(err.code, 10035);
    taken += s.get(PIER_TCPSERVER_PROP_BYTESSENT, id).unwrap().as_i64().unwrap();
    assert_eq!(s.get(PIER_TCPSERVER_PROP_READYTOSEND, id).unwrap(), Value::Bool(false));
    // What was taken sits in the kernel's buffers, not in pier's.
    let stats = s.config("Stats").unwrap();
    let queued: i64 = stats.split("send_queue=").nth(1).unwrap().trim().parse().unwrap();
    assert!(queued <= taken, "send_queue {queued} > taken {taken}");
    assert!(taken < 64 << 20, "{taken} bytes taken by an unread socket");
}
