//! End-to-end checks of the Rust API over real sockets on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pier::tcp::props::*;
use pier::tcp::{TcpEvent, TcpServer};

fn listening_server() -> (Arc<TcpServer>, u16) {
    let s = Arc::new(TcpServer::new().unwrap());
    s.start_listening().unwrap();
    let port = s.get(PIER_TCPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    assert_ne!(port, 0);
    (s, port)
}

fn pump_until(s: &TcpServer, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(10), "timed out");
        s.do_events().unwrap();
    }
}

#[test]
fn line_echo_over_a_real_socket() {
    let (s, port) = listening_server();
    s.set(PIER_TCPSERVER_PROP_DEFAULTEOL, 0, pier::core::value::Value::Bytes(b"\n".to_vec())).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l2, weak) = (log.clone(), Arc::downgrade(&s));
    s.set_handler(Some(Arc::new(move |ev: &mut TcpEvent| {
        l2.lock().unwrap().push(ev.clone());
        if let TcpEvent::DataIn { connection_id, text, .. } = ev {
            let srv = weak.upgrade().unwrap();
            srv.send_line(*connection_id, text).unwrap();
        }
    })));
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(b"hello\nwor").unwrap();
    c.write_all(b"ld\n").unwrap();
    c.set_read_timeout(Some(Duration::from_millis(10))).unwrap();
    let mut got = Vec::new();
    pump_until(&s, || {
        let mut b = [0u8; 64];
        if let Ok(n) = c.read(&mut b) {
            got.extend_from_slice(&b[..n]);
        }
        got == b"hello\r\nworld\r\n"
    });
    drop(c);
    pump_until(&s, || log.lock().unwrap().iter().any(|e| matches!(e, TcpEvent::Disconnected { .. })));
    let log = log.lock().unwrap();
    let kinds: Vec<i32> = log.iter().map(|e| e.id()).collect();
    assert_eq!(
        kinds,
        [
            PIER_TCPSERVER_EVENT_CONNECTIONREQUEST,
            PIER_TCPSERVER_EVENT_CONNECTED,
            PIER_TCPSERVER_EVENT_READYTOSEND,
            PIER_TCPSERVER_EVENT_DATAIN,
            PIER_TCPSERVER_EVENT_DATAIN,
            PIER_TCPSERVER_EVENT_DISCONNECTED
        ]
    );
    assert!(matches!(&log[5], TcpEvent::Disconnected { status_code: 0, description, .. } if description == "OK"));
}
