//! TLS through TCPServer with real clients: openssl s_client (TLS 1.2 and 1.3,
//! client certificates, STARTTLS-style explicit mode). Certificates are made
//! at test time with the openssl CLI.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::tcp::props::*;
use pier::tcp::{TcpEvent, TcpServer};

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl").args(args).current_dir(dir).stderr(Stdio::null()).status().unwrap();
    assert!(st.success(), "openssl {args:?}");
}

/// A CA, a server certificate for localhost signed by it (key + chain in
/// server.pem), and a client certificate (client.pem / client.key).
fn make_certs(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pier-tcp-tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let days = "2";
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=pier test CA",
            "-days",
            days,
        ],
    );
    // v3 certificates with a subjectAltName, as real ones are.
    std::fs::write(dir.join("v3.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        .unwrap();
    for (name, cn) in [("server", "localhost"), ("client", "pier client")] {
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/O=pier/CN={cn}"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.crt"),
                "-days",
                days,
                "-extfile",
                "v3.ext",
            ],
        );
    }
    let pem = [std::fs::read(dir.join("server.key")).unwrap(), std::fs::read(dir.join("server.crt")).unwrap()].concat();
    std::fs::write(dir.join("server.pem"), pem).unwrap();
    dir
}

struct Running {
    server: Arc<TcpServer>,
    port: u16,
    stop: Arc<AtomicBool>,
    pump: Option<thread::JoinHandle<()>>,
    log: Arc<Mutex<Vec<TcpEvent>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(p) = self.pump.take() {
            p.join().unwrap();
        }
    }
}

/// A TLS line echo server; `configure` runs before StartListening.
fn start(
    dir: &Path,
    configure: impl FnOnce(&TcpServer),
    on_event: impl Fn(&TcpServer, &mut TcpEvent) + Send + Sync + 'static,
) -> Running {
    let server = Arc::new(TcpServer::new().unwrap());
    server.set(PIER_TCPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(6)).unwrap();
    let store = dir.join("server.pem");
    server.set(PIER_TCPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(store.to_str().unwrap().as_bytes().to_vec())).unwrap();
    server.set(PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*")).unwrap();
    server.set(PIER_TCPSERVER_PROP_DEFAULTEOL, 0, Value::Bytes(b"\n".to_vec())).unwrap();
    server.set(PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, Value::Int(1)).unwrap();
    configure(&server);
    server.start_listening().unwrap();
    let port = server.get(PIER_TCPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let log = Arc::new(Mutex::new(Vec::new()));
    let (l2, weak) = (log.clone(), Arc::downgrade(&server));
    server.set_handler(Some(Arc::new(move |ev: &mut TcpEvent| {
        let srv = weak.upgrade().unwrap();
        on_event(&srv, ev);
        l2.lock().unwrap().push(ev.clone());
    })));
    let stop = Arc::new(AtomicBool::new(false));
    let (s2, st2) = (server.clone(), stop.clone());
    let pump = thread::spawn(move || {
        while !st2.load(Ordering::Acquire) {
            s2.do_events().unwrap();
        }
    });
    Running { server, port, stop, pump: Some(pump), log }
}

fn echo(srv: &TcpServer, ev: &mut TcpEvent) {
    if let TcpEvent::DataIn { connection_id, text, eol: true } = ev {
        let mut line = b"echo: ".to_vec();
        line.extend_from_slice(text);
        srv.send_line(*connection_id, &line).unwrap();
    }
}

fn s_client(port: u16, extra: &[&str]) -> Child {
    Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-quiet", "-no_ign_eof"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends one line through s_client and returns the first line it prints back.
fn exchange(mut child: Child, line: &str) -> String {
    child.stdin.as_mut().unwrap().write_all(line.as_bytes()).unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(out).read_line(&mut first);
        let _ = tx.send(first);
    });
    let got = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    got
}

fn wait_for(log: &Mutex<Vec<TcpEvent>>, what: impl Fn(&TcpEvent) -> bool) -> TcpEvent {
    let t = Instant::now();
    loop {
        if let Some(e) = log.lock().unwrap().iter().find(|e| what(e)) {
            return e.clone();
        }
        assert!(t.elapsed() < Duration::from_secs(20), "event not seen");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn echo_over_tls13_and_tls12_with_s_client() {
    let dir = make_certs("echo");
    let r = start(&dir, |_| {}, echo);
    assert_eq!(r.server.get(PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0).unwrap().into_string(), "CN=localhost, O=pier");
    for version in ["-tls1_3", "-tls1_2"] {
        let got = exchange(s_client(r.port, &[version]), "hello tls\n");
        assert_eq!(got.trim_end(), "echo: hello tls", "{version}");
    }
    let connected = r.log.lock().unwrap().iter().filter(|e| matches!(e, TcpEvent::Connected { .. })).count();
    assert_eq!(connected, 2);
    // The events of a TLS connection come in the documented order.
    let log = r.log.lock().unwrap();
    let first_id = log.iter().find_map(|e| e.connection_id()).unwrap();
    let kinds: Vec<i32> = log.iter().filter(|e| e.connection_id() == Some(first_id)).map(|e| e.id()).collect();
    let pos = |id| kinds.iter().position(|k| *k == id).unwrap();
    assert!(pos(PIER_TCPSERVER_EVENT_SSLCONNECTIONREQUEST) < pos(PIER_TCPSERVER_EVENT_CONNECTED));
    assert!(pos(PIER_TCPSERVER_EVENT_CONNECTED) < pos(PIER_TCPSERVER_EVENT_DATAIN));
    assert!(kinds.contains(&PIER_TCPSERVER_EVENT_SSLSTATUS));
}

#[test]
fn negotiated_values_per_connection() {
    let dir = make_certs("neg");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let r = start(
        &dir,
        |_| {},
        move |srv, ev| {
            if let TcpEvent::DataIn { connection_id, .. } = ev {
                for n in ["SSLNegotiatedVersion", "SSLNegotiatedCipherSuite", "SSLNegotiatedCipherStrength"] {
                    s2.lock().unwrap().push(srv.config(&format!("{n}[{connection_id}]")).unwrap());
                }
                srv.send_line(*connection_id, b"ok").unwrap();
            }
        },
    );
    let got = exchange(s_client(r.port, &["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"]), "x\n");
    assert_eq!(got.trim_end(), "ok");
    assert_eq!(*seen.lock().unwrap(), ["TLS1.3", "TLS_AES_256_GCM_SHA384", "256"]);
    assert_eq!(r.server.config("SSLNegotiatedVersion").unwrap_err().code, 126);
}

#[test]
fn client_certificates_accepted_and_rejected() {
    let dir = make_certs("client");
    let ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    let decision = Arc::new(Mutex::new(true));
    let d2 = decision.clone();
    let r = start(
        &dir,
        |s| {
            s.set(PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS, 0, Value::Bool(true)).unwrap();
            s.config(&format!("SSLCACerts={ca}")).unwrap();
        },
        move |srv, ev| {
            if let TcpEvent::SslClientAuthentication { accept, .. } = ev {
                *accept = *accept && *d2.lock().unwrap();
            }
            echo(srv, ev);
        },
    );
    let cert = dir.join("client.crt");
    let key = dir.join("client.key");
    let with_cert = ["-cert", cert.to_str().unwrap(), "-key", key.to_str().unwrap()];
    let got = exchange(s_client(r.port, &with_cert), "signed\n");
    assert_eq!(got.trim_end(), "echo: signed");
    let auth = wait_for(&r.log, |e| matches!(e, TcpEvent::SslClientAuthentication { .. }));
    let TcpEvent::SslClientAuthentication { cert_subject, cert_issuer, status, accept, cert_encoded, .. } = auth else {
        unreachable!()
    };
    assert_eq!(cert_subject, "CN=pier client, O=pier");
    assert_eq!(cert_issuer, "CN=pier test CA");
    assert_eq!(status, "OK");
    assert!(accept);
    assert!(cert_encoded.starts_with(&[0x30]), "DER certificate");

    // The first connection ends before the second starts.
    wait_for(&r.log, |e| matches!(e, TcpEvent::Disconnected { .. }));

    // The application says no: the connection ends with 280, no Connected.
    *decision.lock().unwrap() = false;
    let before = r.log.lock().unwrap().len();
    let got = exchange(s_client(r.port, &with_cert), "refused\n");
    assert_eq!(got, "");
    let t = Instant::now();
    loop {
        let log = r.log.lock().unwrap();
        if let Some(TcpEvent::Disconnected { status_code, .. }) =
            log[before..].iter().find(|e| matches!(e, TcpEvent::Disconnected { .. }))
        {
            assert_eq!(*status_code, 280);
            assert!(!log[before..].iter().any(|e| matches!(e, TcpEvent::Connected { .. })));
            break;
        }
        drop(log);
        assert!(t.elapsed() < Duration::from_secs(20));
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn explicit_mode_starts_tls_after_a_plaintext_exchange() {
    let dir = make_certs("starttls");
    let r = start(
        &dir,
        |s| s.set(PIER_TCPSERVER_PROP_SSLSTARTMODE, 0, Value::Int(2)).unwrap(),
        |srv, ev| {
            if let TcpEvent::DataIn { connection_id, text, .. } = ev {
                if text.as_slice() == b"STARTTLS" {
                    srv.send_line(*connection_id, b"220 go ahead").unwrap();
                    srv.start_ssl(*connection_id).unwrap();
                } else {
                    echo(srv, ev);
                }
            }
        },
    );
    // Plaintext first, by hand.
    let mut sock = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    sock.write_all(b"plain\n").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 64];
    let n = sock.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"echo: plain\r\n");
    drop(sock);
    // Then the STARTTLS-style upgrade: the command in plaintext, then
    // openssl s_client speaks TLS over the same TCP connection, through a
    // small relay that hands it the already-open socket.
    let mut sock = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    sock.write_all(b"STARTTLS\n").unwrap();
    let n = sock.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"220 go ahead\r\n");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = listener.local_addr().unwrap().port();
    let upstream = sock.try_clone().unwrap();
    upstream.set_read_timeout(None).unwrap();
    thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let (mut c_r, mut c_w) = (client.try_clone().unwrap(), client);
        let (mut u_r, mut u_w) = (upstream.try_clone().unwrap(), upstream);
        let a = thread::spawn(move || {
            let _ = std::io::copy(&mut c_r, &mut u_w);
        });
        let _ = std::io::copy(&mut u_r, &mut c_w);
        let _ = a.join();
    });
    let got = exchange(s_client(proxy_port, &[]), "secret\n");
    assert_eq!(got.trim_end(), "echo: secret");
    let connected = r.log.lock().unwrap().iter().filter(|e| matches!(e, TcpEvent::Connected { .. })).count();
    assert_eq!(connected, 3, "plaintext twice, then again after the handshake");
}

#[test]
fn garbage_instead_of_a_client_hello_ends_with_276() {
    let dir = make_certs("garbage");
    let r = start(&dir, |_| {}, |_, _| {});
    let mut sock = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    sock.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let d = wait_for(&r.log, |e| matches!(e, TcpEvent::Disconnected { .. }));
    let TcpEvent::Disconnected { status_code, .. } = d else { unreachable!() };
    assert_eq!(status_code, 276);
    let e = wait_for(&r.log, |e| matches!(e, TcpEvent::Error { .. }));
    assert!(matches!(e, TcpEvent::Error { error_code: 276, .. }));
    assert!(!r.log.lock().unwrap().iter().any(|e| matches!(e, TcpEvent::Connected { .. })));
}

#[test]
fn stalled_handshake_times_out() {
    let dir = make_certs("stall");
    let r = start(
        &dir,
        |s| {
            s.config("DefaultConnectionTimeout=1").unwrap();
        },
        |_, _| {},
    );
    let _sock = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    let d = wait_for(&r.log, |e| matches!(e, TcpEvent::Disconnected { .. }));
    assert!(matches!(d, TcpEvent::Disconnected { status_code: 10060, .. }));
}

#[test]
fn certificate_rotation_while_listening() {
    let dir = make_certs("rotate");
    let dir2 = make_certs("rotate2");
    // A second certificate with another subject.
    openssl(
        &dir2,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.crt",
            "-subj",
            "/CN=rotated",
            "-days",
            "2",
        ],
    );
    let pem = [std::fs::read(dir2.join("ec.key")).unwrap(), std::fs::read(dir2.join("ec.crt")).unwrap()].concat();
    std::fs::write(dir2.join("ec.pem"), pem).unwrap();
    let r = start(&dir, |_| {}, echo);
    let subject_of = |port: u16| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo | openssl s_client -connect 127.0.0.1:{port} 2>/dev/null | openssl x509 -noout -subject"
            ))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert!(subject_of(r.port).contains("localhost"));
    r.server
        .set(
            PIER_TCPSERVER_PROP_SSLCERTSTORE,
            0,
            Value::Bytes(dir2.join("ec.pem").to_str().unwrap().as_bytes().to_vec()),
        )
        .unwrap();
    r.server.set(PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("rotated")).unwrap();
    assert_eq!(r.server.get(PIER_TCPSERVER_PROP_SSLCERTSUBJECT, 0).unwrap().into_string(), "CN=rotated");
    assert!(subject_of(r.port).contains("rotated"));
}
