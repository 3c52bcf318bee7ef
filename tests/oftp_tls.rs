//! OFTP over TLS at the transport's edge: a client that opens TCP and never
//! completes the TLS handshake is ended after ConnTimeout (DefaultTimeout)
//! even with DefaultConnectionTimeout 0 (docs/OFTP.md, "Timers").

use std::io::Read;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::oftp::props::*;
use pier::oftp::{OftpEvent, OftpServer};

#[test]
fn a_client_that_never_starts_tls_is_ended_at_conn_timeout() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pem = dir.join("server.pem");
    std::fs::write(&pem, format!("{}{}", ck.signing_key.serialize_pem(), ck.cert.pem())).unwrap();

    let s = OftpServer::new().unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, Value::text("O0013SERVER")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, Value::text("O0013SERVER")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(6)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(pem.to_str().unwrap().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_USESSL, 0, Value::Bool(true)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(1)).unwrap();
    assert_eq!(s.config("DefaultConnectionTimeout").unwrap(), "0");
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    s.set_handler(Some(Arc::new(move |ev: &mut OftpEvent| log.lock().unwrap().push(ev.clone()))));
    s.start_listening().unwrap();
    let port = s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;

    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    silent.set_nonblocking(true).unwrap();
    let t = Instant::now();
    let mut closed = false;
    while t.elapsed() < Duration::from_secs(10) && !closed {
        s.do_events().unwrap();
        let mut b = [0u8; 64];
        closed = matches!(silent.read(&mut b), Ok(0));
    }
    assert!(closed, "the server never closed the silent connection");
    assert!(t.elapsed() >= Duration::from_millis(900), "closed after {:?}", t.elapsed());
    let t = Instant::now();
    let ended = |ev: &[OftpEvent]| ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { .. }));
    while !ended(&events.lock().unwrap()) && t.elapsed() < Duration::from_secs(5) {
        s.do_events().unwrap();
    }
    let ev = events.lock().unwrap().clone();
    assert!(
        ev.iter().any(|e| matches!(e, OftpEvent::Error { error_code: 10060, description, .. }
            if description.contains("TLS handshake"))),
        "{ev:?}"
    );
    assert!(matches!(ev.last(), Some(OftpEvent::Disconnected { status_code: 10060, .. })), "{ev:?}");
    // Neither the session nor its events began.
    assert!(!ev.iter().any(|e| matches!(e, OftpEvent::Connected { .. } | OftpEvent::AcceptConnection { .. })));
    let _ = std::fs::remove_dir_all(&dir);
}
