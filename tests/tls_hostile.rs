//! Hostile TLS peers against TCPServer (issue 12 part 3): garbage and
//! truncated records mid-session, handshakes that stall, renegotiation and
//! KeyUpdate. Each ends in a clean close with the documented code
//! (docs/API-NOTES.md "TCPServer over TLS") and leaves nothing behind;
//! the figures (RSS across many stalled handshakes, ...) are
//! bench/tls_hostile.py's, in docs/RELIABILITY.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::tcp::props::*;
use pier::tcp::{TcpEvent, TcpServer};
use rustls::pki_types::{CertificateDer, ServerName};

struct Certs {
    dir: PathBuf,
    cert: CertificateDer<'static>,
}

/// A self-signed certificate for localhost; key and certificate in
/// dir/server.pem.
fn certs(tag: &str) -> Certs {
    let dir = std::env::temp_dir().join(format!("pier-tls-hostile-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pem = format!("{}{}", ck.signing_key.serialize_pem(), ck.cert.pem());
    std::fs::write(dir.join("server.pem"), pem).unwrap();
    Certs { dir, cert: ck.cert.der().clone() }
}

struct Running {
    server: Arc<TcpServer>,
    port: u16,
    log: Arc<Mutex<Vec<TcpEvent>>>,
    stop: Arc<AtomicBool>,
    pump: Option<thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(p) = self.pump.take() {
            p.join().unwrap();
        }
    }
}

impl Running {
    fn events(&self) -> Vec<TcpEvent> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `f` holds over the events so far.
    fn wait_for(&self, what: &str, f: impl Fn(&[TcpEvent]) -> bool) -> Vec<TcpEvent> {
        let t = Instant::now();
        loop {
            let evs = self.events();
            if f(&evs) {
                return evs;
            }
            assert!(t.elapsed() < Duration::from_secs(20), "timed out waiting for {what}: {evs:#?}");
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn disconnects(&self) -> Vec<(i32, i32)> {
        self.events()
            .iter()
            .filter_map(|e| match e {
                TcpEvent::Disconnected { connection_id, status_code, .. } => Some((*connection_id, *status_code)),
                _ => None,
            })
            .collect()
    }

    fn wait_disconnects(&self, n: usize) -> Vec<(i32, i32)> {
        self.wait_for("Disconnected", |e| e.iter().filter(|e| matches!(e, TcpEvent::Disconnected { .. })).count() >= n);
        self.disconnects()
    }

    fn connection_count(&self) -> i64 {
        self.server.get(PIER_TCPSERVER_PROP_CONNECTIONCOUNT, 0).unwrap().as_i64().unwrap()
    }
}

/// A TLS line echo server ("echo: <line>"); `configs` before listening.
fn start(c: &Certs, configs: &[&str]) -> Running {
    let server = Arc::new(TcpServer::new().unwrap());
    server.set(PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(6)).unwrap();
    let store = c.dir.join("server.pem");
    server.set(PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(store.to_str().unwrap().as_bytes().to_vec())).unwrap();
    server.set(PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*")).unwrap();
    server.set(PIER_TCPSERVER_PROP_DEFAULTEOL, 0, Value::Bytes(b"\n".to_vec())).unwrap();
    server.set(PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, Value::Int(1)).unwrap();
    server.set(PIER_TCPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    for cfg in configs {
        server.config(cfg).unwrap();
    }
    server.start_listening().unwrap();
    let port = server.get(PIER_TCPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l2, weak) = (log.clone(), Arc::downgrade(&server));
    server.set_handler(Some(Arc::new(move |ev: &mut TcpEvent| {
        if let TcpEvent::DataIn { connection_id, text, eol: true } = ev {
            let mut line = b"echo: ".to_vec();
            line.extend_from_slice(text);
            line.push(b'\n');
            let _ = weak.upgrade().unwrap().send(*connection_id, &line);
        }
        l2.lock().unwrap().push(ev.clone());
    })));
    let stop = Arc::new(AtomicBool::new(false));
    let (s2, st2) = (server.clone(), stop.clone());
    let pump = thread::spawn(move || {
        while !st2.load(Ordering::Acquire) {
            s2.do_events().unwrap();
        }
    });
    Running { server, port, log, stop, pump: Some(pump) }
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn client_config(c: &Certs) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(c.cert.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn connect(c: &Certs, port: u16) -> Tls {
    let conn = rustls::ClientConnection::new(client_config(c), ServerName::try_from("localhost").unwrap()).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    rustls::StreamOwned::new(conn, sock)
}

/// Sends a line and reads the echo (over TLS).
fn echo(s: &mut Tls, line: &str) -> String {
    s.write_all(format!("{line}\n").as_bytes()).unwrap();
    s.flush().unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(b"\n") {
        let n = s.read(&mut b).unwrap();
        assert!(n > 0, "closed while waiting for the echo of {line:?}");
        got.push(b[0]);
    }
    String::from_utf8(got).unwrap()
}

/// Reads the raw socket until the server closes it (within 10 s); returns
/// the bytes it sent meanwhile (an alert, if any).
fn closed_by_server(sock: &mut TcpStream) -> Vec<u8> {
    let t = Instant::now();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return all,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
        assert!(t.elapsed() < Duration::from_secs(10), "the server did not close the connection");
    }
}

/// The ClientHello a rustls client sends first.
fn client_hello(c: &Certs) -> Vec<u8> {
    let mut conn = rustls::ClientConnection::new(client_config(c), ServerName::try_from("localhost").unwrap()).unwrap();
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

#[test]
fn garbage_records_after_the_handshake_end_with_284_and_others_are_served() {
    let c = certs("garbage");
    let r = start(&c, &[]);
    let mut bystander = connect(&c, r.port);
    assert_eq!(echo(&mut bystander, "before"), "echo: before\n");
    let mut ct = vec![0x17, 0x03, 0x03, 0x00, 0x40];
    ct.extend((0..64u8).map(|i| i.wrapping_mul(37)));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not TLS at all", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("application data that fails to decrypt", ct),
        ("unknown content type", vec![0x63, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5]),
        ("a record longer than TLS allows", [vec![0x17, 0x03, 0x03, 0xff, 0xff], vec![0; 1000]].concat()),
        ("a zero-length handshake record", vec![0x16, 0x03, 0x03, 0x00, 0x00]),
    ];
    for (i, (what, garbage)) in cases.iter().enumerate() {
        let mut s = connect(&c, r.port);
        assert_eq!(echo(&mut s, what), format!("echo: {what}\n"));
        s.sock.write_all(garbage).unwrap();
        let alert = closed_by_server(&mut s.sock);
        assert!(alert.is_empty() || alert[0] == 0x15 || alert[0] == 0x17, "{what}: {alert:?}");
        let d = r.wait_disconnects(i + 1);
        assert_eq!(d[i].1, 284, "{what}: {d:?}");
        let evs = r.events();
        let id = d[i].0;
        let err = evs
            .iter()
            .position(|e| matches!(e, TcpEvent::Error { connection_id, error_code: 284, .. } if *connection_id == id));
        let disc =
            evs.iter().position(|e| matches!(e, TcpEvent::Disconnected { connection_id, .. } if *connection_id == id));
        assert!(err.unwrap() < disc.unwrap(), "{what}: Error fires before Disconnected");
        // The others are served.
        assert_eq!(echo(&mut bystander, what), format!("echo: {what}\n"));
    }
    assert_eq!(r.connection_count(), 1);
}

#[test]
fn a_truncated_record_then_eof_loses_the_record_and_closes_cleanly() {
    let c = certs("truncated");
    let r = start(&c, &[]);
    let mut s = connect(&c, r.port);
    assert_eq!(echo(&mut s, "whole"), "echo: whole\n");
    // A real record, cut short, then the client goes away.
    s.conn.writer().write_all(b"this line is cut\n").unwrap();
    let mut rec = Vec::new();
    while s.conn.wants_write() {
        s.conn.write_tls(&mut rec).unwrap();
    }
    s.sock.write_all(&rec[..rec.len() / 2]).unwrap();
    s.sock.shutdown(Shutdown::Write).unwrap();
    closed_by_server(&mut s.sock);
    let d = r.wait_disconnects(1);
    assert_eq!(d[0].1, 284, "{d:?}");
    assert!(!r.events().iter().any(|e| matches!(e, TcpEvent::DataIn { text, .. } if text.starts_with(b"this line"))));
    assert_eq!(r.connection_count(), 0);
}

#[test]
fn stalled_handshakes_end_at_the_connection_timeout_and_nothing_is_left() {
    let c = certs("stall");
    let r = start(&c, &["DefaultConnectionTimeout=1"]);
    let hello = client_hello(&c);
    const N: usize = 50;
    // Half a ClientHello, a record header alone, or nothing at all.
    let mut stalled: Vec<TcpStream> = (0..N)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
            match i % 3 {
                0 => s.write_all(&hello[..hello.len() / 2]).unwrap(),
                1 => s.write_all(&hello[..5]).unwrap(),
                _ => {}
            }
            s
        })
        .collect();
    // Meanwhile a real client is served.
    let mut ok = connect(&c, r.port);
    assert_eq!(echo(&mut ok, "served"), "echo: served\n");
    let t0 = Instant::now();
    let d = r.wait_disconnects(N);
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(d.iter().all(|(_, code)| *code == 10060), "{d:?}");
    for s in &mut stalled {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        closed_by_server(s);
    }
    // No Connected for any of them; only the real client is left.
    let connected = r.events().iter().filter(|e| matches!(e, TcpEvent::Connected { .. })).count();
    assert_eq!(connected, 1);
    assert_eq!(r.connection_count(), 1);
    // The real client stayed active: the handshake timeout is not an idle timeout.
    assert_eq!(echo(&mut ok, "still"), "echo: still\n");
}

#[test]
fn a_handshake_trickled_byte_by_byte_ends_at_the_connection_timeout() {
    // DefaultConnectionTimeout bounds the whole handshake: a client that
    // sends its ClientHello one byte every 300 ms keeps being "active" but
    // never finishes.
    let c = certs("trickle");
    let r = start(&c, &["DefaultConnectionTimeout=1"]);
    let hello = client_hello(&c);
    let mut s = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    let t0 = Instant::now();
    let mut sent = 0;
    while r.disconnects().is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(5), "still handshaking after {sent} bytes");
        if s.write_all(&hello[sent..sent + 1]).is_err() {
            break;
        }
        sent += 1;
        thread::sleep(Duration::from_millis(300));
    }
    let d = r.wait_disconnects(1);
    assert_eq!(d[0].1, 10060);
    assert!(t0.elapsed() >= Duration::from_millis(900));
    assert_eq!(r.connection_count(), 0);
}

/// openssl s_client in interactive mode (so that lines "R", "K" and "k"
/// are its commands); returns it with a reader of what it prints.
fn s_client_interactive(port: u16, version: &str) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), version, "-no_ign_eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for out in [Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>, Box::new(child.stderr.take().unwrap())]
    {
        let tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    (child, rx)
}

/// Waits for a printed line satisfying `f`; returns the lines seen.
fn wait_line(rx: &std::sync::mpsc::Receiver<String>, f: impl Fn(&str) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(15) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) => {
                let done = f(&l);
                seen.push(l);
                if done {
                    return seen;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
    }
    panic!("line not seen; got {seen:#?}");
}

#[test]
fn renegotiation_is_refused_and_the_session_ends_cleanly() {
    let c = certs("reneg");
    let r = start(&c, &[]);
    let mut bystander = connect(&c, r.port);
    let (mut child, rx) = s_client_interactive(r.port, "-tls1_2");
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"before\n").unwrap();
    wait_line(&rx, |l| l == "echo: before");
    // s_client's "R": a ClientHello inside the session (RFC 5246 §7.4.1.2).
    // rustls never renegotiates: it answers no_renegotiation (RFC 5246
    // §7.2.2) and OpenSSL then aborts the session with a fatal alert.
    stdin.write_all(b"R\n").unwrap();
    let seen = wait_line(&rx, |l| l.contains("no renegotiation") || l.contains("NO_RENEGOTIATION"));
    assert!(seen.iter().any(|l| l.contains("RENEGOTIATING")), "{seen:#?}");
    let st = child.wait().unwrap();
    assert!(!st.success(), "s_client reports the failed renegotiation");
    let d = r.wait_disconnects(1);
    assert_eq!(d[0].1, 284, "{d:?}");
    let desc = r.events().iter().find_map(|e| match e {
        TcpEvent::Disconnected { description, .. } => Some(description.clone()),
        _ => None,
    });
    assert!(desc.unwrap().to_lowercase().contains("handshake"), "the reason names the client's alert");
    assert_eq!(echo(&mut bystander, "after"), "echo: after\n");
    assert_eq!(r.connection_count(), 1);
}

#[test]
fn key_updates_keep_the_session_going() {
    let c = certs("keyupdate");
    let r = start(&c, &[]);
    // s_client's "K" (KeyUpdate, update_requested: the server must update
    // its keys too) and "k" (update_not_requested), RFC 8446 §4.6.3.
    let (mut child, rx) = s_client_interactive(r.port, "-tls1_3");
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"one\n").unwrap();
    wait_line(&rx, |l| l == "echo: one");
    for (cmd, line) in [("K", "two"), ("k", "three"), ("K", "four")] {
        stdin.write_all(format!("{cmd}\n").as_bytes()).unwrap();
        wait_line(&rx, |l| l.starts_with("KEYUPDATE"));
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        wait_line(&rx, |l| l == format!("echo: {line}"));
    }
    drop(child.stdin.take());
    let _ = child.wait();
    // Many key updates in a row from a rustls client: every one is taken.
    let mut s = connect(&c, r.port);
    assert_eq!(echo(&mut s, "handshake"), "echo: handshake\n");
    for i in 0..200 {
        s.conn.refresh_traffic_keys().unwrap();
        assert_eq!(echo(&mut s, &format!("line {i}")), format!("echo: line {i}\n"));
    }
    s.conn.send_close_notify();
    s.flush().unwrap();
    let d = r.wait_disconnects(2);
    assert!(d.iter().all(|(_, code)| *code == 0), "{d:?}");
    assert_eq!(r.connection_count(), 0);
}

#[test]
fn a_flood_of_key_updates_without_data_is_ended_with_284() {
    // rustls takes 32 KeyUpdates in a row without application data
    // (BoringSSL's limit) and ends the session at the 33rd: a peer cannot
    // keep the server re-keying for nothing.
    let c = certs("keyflood");
    let r = start(&c, &[]);
    let mut s = connect(&c, r.port);
    assert_eq!(echo(&mut s, "start"), "echo: start\n");
    for _ in 0..32 {
        s.conn.refresh_traffic_keys().unwrap();
    }
    assert_eq!(echo(&mut s, "after 32"), "echo: after 32\n");
    for _ in 0..33 {
        s.conn.refresh_traffic_keys().unwrap();
    }
    s.flush().unwrap();
    closed_by_server(&mut s.sock);
    let d = r.wait_disconnects(1);
    assert_eq!(d[0].1, 284, "{d:?}");
    assert_eq!(r.connection_count(), 0);
}
