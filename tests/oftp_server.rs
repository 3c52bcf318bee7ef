//! OFTPServer over real sockets on 127.0.0.1, driven by a minimal
//! Initiator made of pier's own codec (commands encoded and decoded by
//! `pier::oftp::command`, buffers framed by `pier::oftp::sth`): the session
//! start, a file received into the download directory only once complete,
//! the EERP at the server's turn, ReadyToSend, Logoff, and refusals.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::oftp::command::*;
use pier::oftp::props::*;
use pier::oftp::reason::{EsidReason, SfnaReason};
use pier::oftp::stamp::FileStamp;
use pier::oftp::subrecord::BufferFiller;
use pier::oftp::{sth, Level, OftpEvent, OftpServer};

const SERVER_SSID: &str = "O0013SERVER";
const SERVER_SFID: &str = "O0013SERVER";

/// A server whose event loop runs on a thread of its own (a client is
/// another party: a callback may block, e.g. in SendFile, while the client
/// answers).
struct Fixture {
    server: Arc<OftpServer>,
    port: u16,
    events: Arc<Mutex<Vec<OftpEvent>>>,
    dir: PathBuf,
    stop: Arc<AtomicBool>,
    pump: Option<std::thread::JoinHandle<()>>,
}

impl Fixture {
    /// The events so far, once `done` holds for them (10 s at most).
    fn wait(&self, done: impl Fn(&[OftpEvent]) -> bool) -> Vec<OftpEvent> {
        let t = Instant::now();
        loop {
            let ev = self.events.lock().unwrap().clone();
            if done(&ev) {
                return ev;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "events so far: {:?}", names(&ev));
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The events once the connection has ended.
    fn ended(&self) -> Vec<OftpEvent> {
        self.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { .. })))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.pump.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server receiving into a fresh directory; `decide` may change each
/// event (the writable fields) before pier reads them back.
fn server(name: &str, decide: impl Fn(&OftpServer, &mut OftpEvent) + Send + Sync + 'static) -> Fixture {
    server_with(name, |_| {}, decide)
}

/// As [`server`], `configure` running before StartListening.
fn server_with(
    name: &str,
    configure: impl FnOnce(&OftpServer),
    decide: impl Fn(&OftpServer, &mut OftpEvent) + Send + Sync + 'static,
) -> Fixture {
    let dir = std::env::temp_dir().join(format!("pier-oftp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = Arc::new(OftpServer::new().unwrap());
    s.set(PIER_OFTPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, Value::text(SERVER_SSID)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, Value::text(SERVER_SFID)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0, Value::text("SRVPW")).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let (log, weak, d) = (events.clone(), Arc::downgrade(&s), dir.clone());
    s.set_handler(Some(Arc::new(move |ev: &mut OftpEvent| {
        let srv = weak.upgrade().unwrap();
        if let OftpEvent::AcceptConnection { connection_id, .. } = ev {
            srv.set(PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, *connection_id, Value::text(d.to_string_lossy()))
                .unwrap();
        }
        decide(&srv, ev);
        log.lock().unwrap().push(ev.clone());
    })));
    configure(&s);
    s.start_listening().unwrap();
    let port = s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let stop = Arc::new(AtomicBool::new(false));
    let (srv, st) = (s.clone(), stop.clone());
    let pump = std::thread::spawn(move || {
        while !st.load(Ordering::Relaxed) {
            srv.do_events().unwrap();
        }
    });
    Fixture { server: s, port, events, dir, stop, pump: Some(pump) }
}

/// A byte stream to the server: the socket, or TLS over it.
trait Io: Read + Write + Send {}
impl<T: Read + Write + Send> Io for T {}

/// The Initiator's side of one connection.
struct Initiator {
    sock: Box<dyn Io>,
    buf: Vec<u8>,
    level: Level,
}

impl Initiator {
    fn connect(port: u16) -> Initiator {
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        Initiator { sock: Box::new(sock), buf: Vec::new(), level: Level::V20 }
    }

    /// OFTP over TLS, trusting `cert` (the server's self-signed certificate)
    /// for "localhost".
    fn connect_tls(port: u16, cert: &[u8]) -> Initiator {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(rustls::pki_types::CertificateDer::from(cert.to_vec())).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        Initiator { sock: Box::new(rustls::StreamOwned::new(conn, sock)), buf: Vec::new(), level: Level::V20 }
    }

    fn send(&mut self, cmd: &Command) {
        let oeb = cmd.to_bytes(self.level).unwrap();
        self.send_raw(&oeb);
    }

    fn send_raw(&mut self, oeb: &[u8]) {
        let mut stb = Vec::new();
        sth::encode(oeb, &mut stb).unwrap();
        self.sock.write_all(&stb).unwrap();
        self.sock.flush().unwrap();
    }

    /// The next command from the server (its loop runs on its own thread).
    fn recv(&mut self, _s: &OftpServer) -> Option<Command> {
        let t = Instant::now();
        loop {
            if let Some((oeb, used)) = sth::next_exchange_buffer(&self.buf, 99_999).unwrap() {
                let cmd = Command::decode(oeb, self.level).unwrap();
                self.buf.drain(..used);
                return Some(cmd);
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no command from the server; {} octets: {:?}",
                self.buf.len(),
                &self.buf[..self.buf.len().min(40)]
            );
            let mut b = [0u8; 65536];
            match self.sock.read(&mut b) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&b[..n]),
                // A reset after the server's last words is a close too.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
                // TLS: the server closed without close_notify.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
                Err(_) => {}
            }
        }
    }

    fn expect(&mut self, s: &OftpServer, what: &str) -> Command {
        let c = self.recv(s).unwrap_or_else(|| panic!("closed; expected {what}"));
        assert_eq!(c.name(), what, "{c:?}");
        c
    }

    /// Whether the server closed the connection (within 10 s).
    fn closed(&mut self, s: &OftpServer) -> bool {
        self.recv(s).is_none()
    }
}

fn ssid(level: u8) -> Ssid {
    Ssid {
        release_level: level,
        code: "O0013CLIENT".into(),
        password: "CLIPW".into(),
        buffer_size: ExchangeBufferSize::new(512).unwrap(),
        send_receive: SendReceive::Both,
        compression: true,
        restart: true,
        special_logic: false,
        credit: CreditCount::new(2).unwrap(),
        secure_authentication: false,
        user_data: String::new(),
    }
}

fn sfid(name: &str, format: FileFormat) -> Sfid {
    Sfid {
        dataset_name: name.into(),
        stamp: FileStamp { year: 2026, month: 12, day: 7, hour: 6, minute: 30, second: 0, counter: 1 },
        user_data: String::new(),
        destination: SERVER_SFID.into(),
        originator: "O0013CLIENT".into(),
        format,
        max_record_size: if format.has_records() { 80 } else { 0 },
        file_size: 1,
        original_file_size: 1,
        restart_position: 0,
        security_level: SecurityLevel::None,
        cipher_suite: 0,
        compressed: false,
        enveloped: false,
        signed_eerp: false,
        description: String::new(),
    }
}

/// Up to the SSIDs: SSRM, our SSID, theirs.
fn start(i: &mut Initiator, s: &OftpServer, level: u8) -> Ssid {
    i.expect(s, "SSRM");
    i.send(&Command::Ssid(ssid(level)));
    i.level = Level::from_ssidlev(level).unwrap();
    let Command::Ssid(theirs) = i.expect(s, "SSID") else { unreachable!() };
    // The lower level wins, also when the server picks it.
    i.level = i.level.min(Level::from_ssidlev(theirs.release_level).unwrap());
    theirs
}

/// Sends `records` as one file (F/V: each a record; U: one) and EFID;
/// returns the server's answer to EFID. Handles CDT as credit runs out.
fn send_file(i: &mut Initiator, s: &OftpServer, sfid: Sfid, records: &[&[u8]], compression: bool) -> Command {
    let fmt = sfid.format;
    i.send(&Command::Sfid(sfid));
    i.expect(s, "SFPA");
    let mut filler = BufferFiller::new(512, compression);
    let mut credit = 2;
    let mut buffers = Vec::new();
    for r in records {
        let mut data = *r;
        loop {
            let p = filler.push(data, fmt.has_records());
            data = &data[p.consumed..];
            if filler.is_full() {
                buffers.push(filler.finish().unwrap());
            }
            if data.is_empty() && (p.record_ended || !fmt.has_records()) {
                break;
            }
        }
    }
    if let Some(b) = filler.finish() {
        buffers.push(b);
    }
    let (rcnt, ucnt) = (filler.records(), filler.units());
    for b in buffers {
        if credit == 0 {
            i.expect(s, "CDT");
            credit = 2;
        }
        i.send_raw(&b);
        credit -= 1;
    }
    if credit == 0 {
        // The window is used up: CDT comes before EFID may go.
        i.expect(s, "CDT");
    }
    let record_count = if fmt.has_records() { rcnt } else { 0 };
    i.send(&Command::Efid(Efid { record_count, unit_count: ucnt }));
    i.recv(s).expect("an answer to EFID")
}

fn names(events: &[OftpEvent]) -> Vec<&'static str> {
    events
        .iter()
        .filter(|e| !matches!(e, OftpEvent::Log { .. } | OftpEvent::PiTrail { .. } | OftpEvent::Transfer { .. }))
        .map(|e| match e {
            OftpEvent::AcceptConnection { .. } => "AcceptConnection",
            OftpEvent::AcceptFile { .. } => "AcceptFile",
            OftpEvent::Connected { .. } => "Connected",
            OftpEvent::ConnectionRequest { .. } => "ConnectionRequest",
            OftpEvent::Disconnected { .. } => "Disconnected",
            OftpEvent::EndResponse { .. } => "EndResponse",
            OftpEvent::EndTransfer { .. } => "EndTransfer",
            OftpEvent::Error { .. } => "Error",
            OftpEvent::ReadyToSend { .. } => "ReadyToSend",
            OftpEvent::StartTransfer { .. } => "StartTransfer",
            _ => "other",
        })
        .collect()
}

fn logoff_on_ready(srv: &OftpServer, ev: &mut OftpEvent) {
    if let OftpEvent::ReadyToSend { connection_id } = ev {
        srv.logoff(*connection_id).unwrap();
    }
}

#[test]
fn a_file_is_received_whole_then_acknowledged_at_the_servers_turn() {
    let f = server("receive", logoff_on_ready);
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    let theirs = start(&mut i, s, 5);
    assert_eq!((theirs.code.as_str(), theirs.password.as_str(), theirs.release_level), (SERVER_SSID, "SRVPW", 5));
    assert_eq!((theirs.buffer_size.get(), theirs.credit.get()), (512, 2), "the smaller values");
    assert!(theirs.compression && theirs.restart);

    // A V file of five records (with runs that buffer compression shortens),
    // spread over several buffers and credit windows.
    let recs: Vec<Vec<u8>> = (0..5).map(|n| format!("record {n} {}", "x".repeat(60)).into_bytes()).collect();
    let rs: Vec<&[u8]> = recs.iter().map(|r| r.as_slice()).collect();
    let answer = send_file(&mut i, s, sfid("PAYROLL", FileFormat::Variable), &rs, true);
    assert_eq!(answer, Command::Efpa(Efpa { change_direction: false }));
    let stored = std::fs::read(f.dir.join("PAYROLL")).unwrap();
    let want: Vec<u8> = recs.iter().flat_map(|r| r.iter().copied().chain(*b"\r\n")).collect();
    assert_eq!(stored, want, "records stored one per CR-LF line");
    let partial = f.dir.join(".oftp-partial");
    assert_eq!(std::fs::read_dir(&partial).unwrap().count(), 0, "no partial file left");

    // Our turn is over: the server speaks, the EERP first.
    i.send(&Command::Cd);
    let Command::Eerp(e) = i.expect(s, "EERP") else { unreachable!() };
    assert_eq!(
        (e.dataset_name.as_str(), e.destination.as_str(), e.originator.as_str()),
        ("PAYROLL", "O0013CLIENT", SERVER_SFID)
    );
    assert_eq!(e.stamp, sfid("PAYROLL", FileFormat::Variable).stamp);
    i.send(&Command::Rtr);
    // ReadyToSend → Logoff: after an EERP the server is an ordinary Speaker,
    // so it hands the turn back (RFC 5024 §9.10: only the Speaker that just
    // got the CD may end the session); we have nothing more and end it.
    i.expect(s, "CD");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    assert!(i.closed(s));
    let ev = f.ended();
    assert_eq!(
        names(&ev),
        [
            "ConnectionRequest",
            "AcceptConnection",
            "Connected",
            "AcceptFile",
            "StartTransfer",
            "EndTransfer",
            "ReadyToSend",
            "Disconnected"
        ]
    );
    let Some(OftpEvent::EndTransfer { file_size, reason_code: 0, local_file, .. }) =
        ev.iter().find(|e| matches!(e, OftpEvent::EndTransfer { .. }))
    else {
        panic!("no EndTransfer")
    };
    assert_eq!(*file_size as usize, want.len());
    assert!(local_file.ends_with("PAYROLL"));
    let Some(OftpEvent::Disconnected { status_code, .. }) = ev.last() else { panic!() };
    assert_eq!(*status_code, 0);
    let transferred: i64 = ev
        .iter()
        .filter_map(|e| match e {
            OftpEvent::Transfer { text, .. } => Some(text.len() as i64),
            _ => None,
        })
        .sum();
    assert_eq!(transferred as usize, want.len(), "Transfer events carry the file");
    assert!(
        ev.iter().any(|e| matches!(e, OftpEvent::PiTrail { command_id: 0x58, direction: 0, .. })),
        "PITrail of our SSID"
    );
}

#[test]
fn an_unstructured_file_at_1_3_and_an_existing_name_is_refused() {
    let f = server("u13", logoff_on_ready);
    let s = &f.server;
    std::fs::write(f.dir.join("TAKEN"), b"keep me").unwrap();
    let mut i = Initiator::connect(f.port);
    let theirs = start(&mut i, s, 2);
    assert_eq!(theirs.release_level, 2, "the client's lower level");
    let data = vec![0xA5u8; 3000];
    let answer = send_file(&mut i, s, sfid("BLOB", FileFormat::Unstructured), &[&data], false);
    assert_eq!(answer.name(), "EFPA");
    assert_eq!(std::fs::read(f.dir.join("BLOB")).unwrap(), data);

    i.send(&Command::Sfid(sfid("TAKEN", FileFormat::Unstructured)));
    let Command::Sfna(sfna) = i.expect(s, "SFNA") else { unreachable!() };
    assert_eq!(sfna.reason, SfnaReason::DuplicateFile);
    assert_eq!(std::fs::read(f.dir.join("TAKEN")).unwrap(), b"keep me");
    let ev = f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Error { error_code: 681, .. })));
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::Error { error_code: 681, .. })), "681 reported");
    assert_eq!(
        s.get(PIER_OFTPSERVER_PROP_CONNVERSION, ev.iter().find_map(|e| e.connection_id()).unwrap())
            .unwrap()
            .as_i64()
            .unwrap(),
        1
    );
}

#[test]
fn a_refused_client_gets_the_esid_the_application_chose() {
    let f = server("refuse", |_, ev| {
        if let OftpEvent::AcceptConnection { accept, error_code, client_password, .. } = ev {
            if client_password != "RIGHT" {
                *accept = false;
                *error_code = 4;
            }
        }
    });
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    i.expect(s, "SSRM");
    i.send(&Command::Ssid(ssid(5)));
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::InvalidPassword);
    assert!(i.closed(s));
    let ev = f.ended();
    assert!(!names(&ev).contains(&"Connected"), "the session never came up: {:?}", names(&ev));
}

#[test]
fn a_file_for_another_destination_and_a_secured_file_are_refused_before_any_data() {
    let f = server("dest", logoff_on_ready);
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Sfid(Sfid { destination: "O0013ELSEWHERE".into(), ..sfid("X", FileFormat::Unstructured) }));
    let Command::Sfna(sfna) = i.expect(s, "SFNA") else { unreachable!() };
    assert_eq!(sfna.reason, SfnaReason::InvalidDestination);
    i.send(&Command::Sfid(Sfid {
        enveloped: true,
        cipher_suite: 1,
        security_level: SecurityLevel::Encrypted,
        ..sfid("Y", FileFormat::Unstructured)
    }));
    let Command::Sfna(sfna) = i.expect(s, "SFNA") else { unreachable!() };
    assert_eq!(sfna.reason, SfnaReason::EncryptedFileNotAllowed);
    assert_eq!(std::fs::read_dir(&f.dir).unwrap().count(), 0, "nothing stored");
}

#[test]
fn bad_input_ends_the_session_with_the_rfc_reason_and_a_partial_is_never_final() {
    let f = server("bad", |_, _| {});
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Sfid(sfid("HALF", FileFormat::Unstructured)));
    i.expect(s, "SFPA");
    let mut filler = BufferFiller::new(512, false);
    filler.push(b"only part of it", false);
    i.send_raw(&filler.finish().unwrap());
    // An unknown command: ESID 01.
    i.send_raw(b"Z");
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::CommandNotRecognised);
    assert!(i.closed(s));
    assert!(!f.dir.join("HALF").exists(), "the partial never gets the final name");
    let ev = f.ended();
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::Error { error_code: 671, .. })), "{:?}", names(&ev));
    assert!(matches!(ev.last(), Some(OftpEvent::Disconnected { status_code: 671, .. })));
}

#[test]
fn listening_needs_the_server_codes() {
    let s = OftpServer::new().unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    assert_eq!(s.start_listening().unwrap_err().code, 672);
    s.set(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, Value::text(SERVER_SSID)).unwrap();
    assert_eq!(s.start_listening().unwrap_err().code, 673);
    s.set(PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, Value::text(SERVER_SFID)).unwrap();
    s.start_listening().unwrap();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0).unwrap().into_string(), "");
    assert_eq!(s.set(PIER_OFTPSERVER_PROP_SERVERPASSWORD, 0, Value::text("NINECHARS")).unwrap_err().code, 906);
    assert!(s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() > 0);
    assert_eq!(s.config("LogLevel").unwrap(), "1");
    assert_eq!(s.config("ReceivedFileNameFormat").unwrap(), "%VirtualFileName%");
    assert_eq!(s.config("ExchangeBufferSize=100").unwrap_err().code, 906);
    assert_eq!(s.config("SecureAuthentication").unwrap(), "2");
    s.config("TrustedCertsData=/etc/ssl/certs").unwrap();
    assert_eq!(s.config("TrustedCertsData").unwrap(), "/etc/ssl/certs");
}

#[test]
fn the_turn_right_after_the_clients_cd_ends_the_session_and_an_idle_application_logs_off() {
    // Logoff right after the client's CD: ESID 00.
    let f = server("cd", logoff_on_ready);
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Cd);
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::NormalTermination);
    assert!(i.closed(s));

    // An application that never answers ReadyToSend: after ConnTimeout the
    // server logs off itself, so the client does not wait forever.
    let f = server("idle", |_, _| {});
    let s = &f.server;
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(1)).unwrap();
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let t = Instant::now();
    i.send(&Command::Cd);
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::NormalTermination);
    assert!(t.elapsed() >= Duration::from_millis(900), "{:?}", t.elapsed());
    let ev = f.ended();
    assert!(names(&ev).contains(&"ReadyToSend"));
}

/// Reads one file the server sends (SFID … EFID), granting credit, and
/// answers EFPA; returns the SFID and its records.
fn receive_file(i: &mut Initiator, s: &OftpServer) -> (Sfid, Vec<Vec<u8>>, Efid) {
    receive_file_answering(i, s, false)
}

/// As [`receive_file`], the EFPA asking for the turn (EFPACD) when `cd`.
fn receive_file_answering(i: &mut Initiator, s: &OftpServer, cd: bool) -> (Sfid, Vec<Vec<u8>>, Efid) {
    let Command::Sfid(sfid) = i.expect(s, "SFID") else { unreachable!() };
    i.send(&Command::Sfpa(Sfpa { answer_count: 0 }));
    let mut reader = pier::oftp::record::RecordReader::new(sfid.format, sfid.max_record_size, true);
    let (mut records, mut cur) = (Vec::new(), Vec::new());
    let mut credit = 2;
    loop {
        match i.recv(s).expect("DATA or EFID") {
            Command::Data(buf) => {
                reader
                    .feed(&buf, |ev| match ev {
                        pier::oftp::record::RecordEvent::Data(d) => cur.extend_from_slice(d),
                        pier::oftp::record::RecordEvent::Repeat { octet, count } => {
                            cur.resize(cur.len() + usize::from(count), octet)
                        }
                        pier::oftp::record::RecordEvent::EndOfRecord => records.push(std::mem::take(&mut cur)),
                    })
                    .unwrap();
                credit -= 1;
                if credit == 0 {
                    i.send(&Command::Cdt);
                    credit = 2;
                }
            }
            Command::Efid(efid) => {
                reader.check_end(&efid).unwrap();
                i.send(&Command::Efpa(Efpa { change_direction: cd }));
                return (sfid, records, efid);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn send_file_from_the_ready_to_send_callback_and_the_clients_eerp() {
    let src = std::env::temp_dir().join(format!("pier-oftp-out-{}.txt", std::process::id()));
    let lines: Vec<String> = (0..400).map(|n| format!("line {n:04} {}", "z".repeat(n % 70))).collect();
    std::fs::write(&src, lines.iter().map(|l| format!("{l}\r\n")).collect::<String>()).unwrap();
    let path = src.to_string_lossy().into_owned();
    let sent = Arc::new(Mutex::new(None));
    let sent2 = sent.clone();
    let f = server("send", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let id = *connection_id;
            if sent2.lock().unwrap().is_none() {
                srv.set(PIER_OFTPSERVER_PROP_CONNVIRTUALFILEFORMAT, id, Value::Int(3)).unwrap();
                srv.set(PIER_OFTPSERVER_PROP_CONNMAXRECORDSIZE, id, Value::Int(80)).unwrap();
                srv.set(PIER_OFTPSERVER_PROP_CONNVIRTUALFILEDATE, id, Value::text("12/24/2026 18:00:00")).unwrap();
                let rq = pier::oftp::protocol::SendRequest {
                    client_sfid_code: "O0013CLIENT",
                    file_name: &path,
                    virtual_file_name: "LINES",
                };
                *sent2.lock().unwrap() = Some(srv.send_file(id, &rq));
                srv.logoff(id).unwrap();
            }
        }
    });
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Cd);
    let (sfid, records, efid) = receive_file(&mut i, s);
    assert_eq!(
        (sfid.dataset_name.as_str(), sfid.destination.as_str(), sfid.originator.as_str()),
        ("LINES", "O0013CLIENT", SERVER_SFID)
    );
    assert_eq!((sfid.format, sfid.max_record_size), (FileFormat::Variable, 80));
    assert_eq!((sfid.stamp.year, sfid.stamp.month, sfid.stamp.day, sfid.stamp.hour), (2026, 12, 24, 18));
    let want: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    assert_eq!(records, want, "every record, in order");
    assert_eq!(efid.record_count, 400);
    // SendFile returned Ok, then Logoff handed the turn back.
    i.expect(s, "CD");
    assert!(matches!(*sent.lock().unwrap(), Some(Ok(()))), "{:?}", sent.lock().unwrap());
    // Our EERP for it, then we end the session.
    i.send(&Command::Eerp(Eerp {
        dataset_name: "LINES".into(),
        stamp: sfid.stamp,
        user_data: String::new(),
        destination: SERVER_SFID.into(),
        originator: "O0013CLIENT".into(),
        hash: Vec::new(),
        signature: Vec::new(),
    }));
    i.expect(s, "RTR");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    assert!(i.closed(s));
    let ev = f.ended();
    let n = names(&ev);
    let at = |name: &str| n.iter().position(|x| *x == name).unwrap_or_else(|| panic!("{name} in {n:?}"));
    assert!(
        at("ReadyToSend") < at("StartTransfer")
            && at("StartTransfer") < at("EndTransfer")
            && at("EndTransfer") < at("EndResponse"),
        "{n:?}"
    );
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::EndTransfer { direction: 1, reason_code: 0, .. })));
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::EndResponse { direction: 0, reason_code: 0, virtual_file_name, .. } if virtual_file_name == "LINES")));
    let _ = std::fs::remove_file(&src);
}

#[test]
fn send_file_is_refused_when_the_client_speaks_and_reports_an_sfna() {
    let outcome = Arc::new(Mutex::new(None));
    let out2 = outcome.clone();
    let f = server("sfna", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let id = *connection_id;
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "X",
                file_name: "/etc/hostname",
                virtual_file_name: "",
            };
            let e = srv.send_file(id, &rq).err();
            let retry = srv.config(&format!("Retry[{id}]")).unwrap();
            *out2.lock().unwrap() = Some((e, retry));
            srv.logoff(id).unwrap();
        }
    });
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    // The client speaks: no SendFile.
    let ev = f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Connected { .. })));
    let id = ev.iter().find_map(|e| e.connection_id()).unwrap();
    let rq =
        pier::oftp::protocol::SendRequest { client_sfid_code: "X", file_name: "/etc/hostname", virtual_file_name: "" };
    assert_eq!(s.send_file(id, &rq).unwrap_err().code, 687);
    i.send(&Command::Cd);
    let Command::Sfid(sfid) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(sfid.dataset_name, "hostname");
    i.send(&Command::Sfna(Sfna { reason: SfnaReason::FileDirectionRefused, retry: true, text: String::new() }));
    // SendFile failed with 687; the callback's Logoff hands the turn back
    // (the server spoke since the CD), and we end the session.
    i.expect(s, "CD");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    let (e, retry) = outcome.lock().unwrap().take().expect("SendFile ran");
    let e = e.expect("SendFile failed");
    assert_eq!(e.code, 687, "{}", e.text);
    assert!(e.text.contains("SFNA 14"), "{}", e.text);
    assert_eq!(retry, "True", "the client's SFNARRTR");
    let ev = f.ended();
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::EndTransfer { direction: 1, reason_code: 24, .. })));
}

/// Sends the first `buffers` DATA buffers of a file and drops the
/// connection (a broken transfer).
fn send_part_and_drop(f: &Fixture, sfid: Sfid, records: &[&[u8]], buffers: usize) {
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let fmt = sfid.format;
    i.send(&Command::Sfid(sfid));
    i.expect(s, "SFPA");
    let mut filler = BufferFiller::new(512, false);
    let (mut sent, mut credit) = (0, 2);
    'outer: for r in records {
        let mut data = *r;
        loop {
            let p = filler.push(data, fmt.has_records());
            data = &data[p.consumed..];
            if filler.is_full() {
                if credit == 0 {
                    i.expect(s, "CDT");
                    credit = 2;
                }
                i.send_raw(&filler.finish().unwrap());
                credit -= 1;
                sent += 1;
                if sent == buffers {
                    break 'outer;
                }
            }
            if data.is_empty() && (p.record_ended || !fmt.has_records()) {
                break;
            }
        }
    }
    drop(i);
    f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::EndTransfer { reason_code: 99, .. })));
}

#[test]
fn a_broken_file_restarts_from_what_the_partial_durably_holds() {
    let f = server("restart", |_, _| {});
    let s = &f.server;
    // U: 20 KiB, dropped after 5 buffers of 512 (about 2.5 KiB received).
    let data: Vec<u8> = (0..20_480u32).map(|n| (n * 7 % 251) as u8).collect();
    send_part_and_drop(&f, sfid("BIG", FileFormat::Unstructured), &[&data], 5);
    assert!(!f.dir.join("BIG").exists());
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Sfid(Sfid { restart_position: 9, ..sfid("BIG", FileFormat::Unstructured) }));
    let Command::Sfpa(sfpa) = i.expect(s, "SFPA") else { unreachable!() };
    assert_eq!(sfpa.answer_count, 2, "two whole KiB were kept, fewer than asked");
    let mut filler = BufferFiller::new(512, false);
    let mut rest = &data[2048..];
    let mut credit = 2;
    loop {
        let p = filler.push(rest, rest.len() <= 510);
        rest = &rest[p.consumed..];
        if filler.is_full() || rest.is_empty() {
            if credit == 0 {
                i.expect(s, "CDT");
                credit = 2;
            }
            i.send_raw(&filler.finish().unwrap());
            credit -= 1;
        }
        if rest.is_empty() {
            break;
        }
    }
    if credit == 0 {
        i.expect(s, "CDT");
    }
    // The totals include the part kept (RFC 5024 §5.3.8).
    i.send(&Command::Efid(Efid { record_count: 0, unit_count: data.len() as u64 }));
    assert_eq!(i.expect(s, "EFPA").name(), "EFPA");
    assert_eq!(std::fs::read(f.dir.join("BIG")).unwrap(), data, "the kept part and the rest make the file");
    assert_eq!(std::fs::read_dir(f.dir.join(".oftp-partial")).unwrap().count(), 0, "partial and journal gone");

    // V: 60 records, dropped mid-way; a restart asks for all of them and gets
    // the number of whole records kept.
    let recs: Vec<Vec<u8>> = (0..60).map(|n| format!("record number {n:03} {}", "v".repeat(40)).into_bytes()).collect();
    let rs: Vec<&[u8]> = recs.iter().map(|r| r.as_slice()).collect();
    send_part_and_drop(&f, sfid("RECS", FileFormat::Variable), &rs, 6);
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Sfid(Sfid { restart_position: 60, ..sfid("RECS", FileFormat::Variable) }));
    let Command::Sfpa(sfpa) = i.expect(s, "SFPA") else { unreachable!() };
    let kept = sfpa.answer_count as usize;
    assert!(kept > 0 && kept < 60, "kept {kept}");
    let answer =
        send_file_from(&mut i, s, &rs[kept..], FileFormat::Variable, 60, recs.iter().map(|r| r.len() as u64).sum());
    assert_eq!(answer.name(), "EFPA", "{answer:?}");
    let want: Vec<u8> = recs.iter().flat_map(|r| r.iter().copied().chain(*b"\r\n")).collect();
    assert_eq!(std::fs::read(f.dir.join("RECS")).unwrap(), want);
}

/// The rest of a restarted F/V file (after SFPA) and EFID with the totals.
fn send_file_from(
    i: &mut Initiator,
    s: &OftpServer,
    records: &[&[u8]],
    fmt: FileFormat,
    rcnt: u64,
    ucnt: u64,
) -> Command {
    let mut filler = BufferFiller::new(512, false);
    let mut credit = 2;
    let mut buffers = Vec::new();
    for r in records {
        let mut data = *r;
        loop {
            let p = filler.push(data, fmt.has_records());
            data = &data[p.consumed..];
            if filler.is_full() {
                buffers.push(filler.finish().unwrap());
            }
            if data.is_empty() && p.record_ended {
                break;
            }
        }
    }
    buffers.extend(filler.finish());
    for b in buffers {
        if credit == 0 {
            i.expect(s, "CDT");
            credit = 2;
        }
        i.send_raw(&b);
        credit -= 1;
    }
    if credit == 0 {
        i.expect(s, "CDT");
    }
    i.send(&Command::Efid(Efid { record_count: rcnt, unit_count: ucnt }));
    i.recv(s).expect("an answer to EFID")
}

/// A PEM file of a committed test identity (src/cms/testdata: RSA 2048,
/// `alice` or `bob`), with its key or alone.
fn test_identity_pem(dir: &std::path::Path, name: &str, with_key: bool) -> String {
    use base64::Engine;
    let pem = |label: &str, der: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let body: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", body.join("\n"))
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let cert = std::fs::read(format!("{root}/src/cms/testdata/{name}.crt.der")).unwrap();
    let mut text = pem("CERTIFICATE", &cert);
    if with_key {
        text = pem("PRIVATE KEY", &std::fs::read(format!("{root}/src/cms/testdata/{name}.key.der")).unwrap()) + &text;
    }
    let path = dir.join(format!("{name}{}.pem", if with_key { "-key" } else { "" }));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_secured_file_the_server_sends_restarts_from_its_spool() {
    // The server (alice) signs, compresses and encrypts for the client
    // (bob); the encoding is made once into a spool, and the resend after a
    // dropped session restarts inside that same encoding (docs/OFTP.md).
    let keys = std::env::temp_dir().join(format!("pier-oftp-spool-keys-{}", std::process::id()));
    std::fs::create_dir_all(&keys).unwrap();
    let (alice, bob) = (test_identity_pem(&keys, "alice", true), test_identity_pem(&keys, "bob", false));
    let src = keys.join("secret.bin");
    // Incompressible (xorshift), so the envelope is as large as the file.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<u8> = (0..3u32 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&src, &data).unwrap();
    let path = src.to_string_lossy().into_owned();
    let f = server("spool", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id: id } = ev {
            let id = *id;
            srv.set(PIER_OFTPSERVER_PROP_CONNVIRTUALFILESECURITYLEVEL, id, Value::Int(3)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNCOMPRESS, id, Value::Bool(true)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNENCRYPTIONALGORITHM, id, Value::Int(3)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORETYPE, id, Value::Int(99)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORE, id, Value::text(bob.as_str())).unwrap();
            // No subject: the store's first certificate (as for the Certificate).
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: &path,
                virtual_file_name: "SECRET",
            };
            let _ = srv.send_file(id, &rq);
            let _ = srv.logoff(id);
        }
    });
    let s = &f.server;
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0, Value::Int(99)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, Value::text(alice.as_str())).unwrap();
    let big = |i: &mut Initiator| {
        i.expect(s, "SSRM");
        i.send(&Command::Ssid(Ssid { buffer_size: ExchangeBufferSize::new(32768).unwrap(), ..ssid(5) }));
        i.expect(s, "SSID");
    };
    let take = |i: &mut Initiator, into: &mut Vec<u8>, upto: usize| -> Option<Efid> {
        let mut credit = 2;
        while into.len() < upto {
            match i.recv(s).expect("DATA or EFID") {
                Command::Data(buf) => {
                    for sr in pier::oftp::subrecord::subrecords(&buf, true) {
                        sr.unwrap().piece.expand_into(into);
                    }
                    credit -= 1;
                    if credit == 0 {
                        i.send(&Command::Cdt);
                        credit = 2;
                    }
                }
                Command::Efid(e) => return Some(e),
                other => panic!("{other:?}"),
            }
        }
        None
    };
    // First session: 2 MiB of the envelope, then the connection drops.
    let mut i = Initiator::connect(f.port);
    big(&mut i);
    i.send(&Command::Cd);
    let Command::Sfid(first) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(
        (first.security_level, first.cipher_suite, first.compressed, first.enveloped),
        (pier::oftp::command::SecurityLevel::EncryptedAndSigned, 4, true, true)
    );
    assert_eq!(first.original_file_size, 3072);
    i.send(&Command::Sfpa(Sfpa { answer_count: 0 }));
    let mut envelope = Vec::new();
    assert!(take(&mut i, &mut envelope, 2 << 20).is_none());
    drop(i);
    f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { .. })));
    let spools = || {
        std::fs::read_dir(f.dir.join(".oftp-partial"))
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "spool")).count())
            .unwrap_or(0)
    };
    assert_eq!(spools(), 1, "the spool stays for the resend");

    // Second session: the same stamp, a restart inside the same envelope.
    let mut i = Initiator::connect(f.port);
    big(&mut i);
    i.send(&Command::Cd);
    let Command::Sfid(again) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(again.stamp, first.stamp);
    assert!(again.restart_position >= 1024, "{}", again.restart_position);
    envelope.truncate(1 << 20);
    i.send(&Command::Sfpa(Sfpa { answer_count: 1024 }));
    let efid = take(&mut i, &mut envelope, usize::MAX).expect("EFID");
    assert_eq!(efid.unit_count, envelope.len() as u64);
    i.send(&Command::Efpa(Efpa { change_direction: false }));
    i.expect(s, "CD");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    assert!(i.closed(s));
    assert_eq!(spools(), 0, "delivered: the spool is gone");

    // Bob opens it and alice's signature holds.
    use pier::cms::{Certificate, DecodeOptions, Decoder, Identity, OsRandom, Stage};
    let root = env!("CARGO_MANIFEST_DIR");
    let der = |n: &str| std::fs::read(format!("{root}/src/cms/testdata/{n}")).unwrap();
    let bob_id = Identity::from_der(&der("bob.crt.der"), &der("bob.key.der")).unwrap();
    let mut dec = Decoder::new(DecodeOptions {
        decrypt: Some((bob_id, Box::new(OsRandom))),
        decompress: Some(64 << 20),
        verify: Some((vec![Certificate::from_der(&der("alice.crt.der")).unwrap()], false)),
    });
    let mut plain = Vec::new();
    dec.push(&envelope, &mut plain).unwrap();
    dec.finish(&mut plain).unwrap();
    assert!(plain == data, "the decoded file differs ({} octets)", plain.len());
    let _ = std::fs::remove_dir_all(&keys);
}

#[test]
fn a_file_the_server_sends_restarts_where_the_client_asks() {
    let src = std::env::temp_dir().join(format!("pier-oftp-resend-{}.bin", std::process::id()));
    let data: Vec<u8> = (0..3u32 << 20).map(|n| (n.wrapping_mul(2654435761) >> 24) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let path = src.to_string_lossy().into_owned();
    let f = server("resend", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: &path,
                virtual_file_name: "RESEND",
            };
            let _ = srv.send_file(*connection_id, &rq);
            let _ = srv.logoff(*connection_id);
        }
    });
    let s = &f.server;
    let big = |i: &mut Initiator| {
        i.expect(s, "SSRM");
        i.send(&Command::Ssid(Ssid { buffer_size: ExchangeBufferSize::new(32768).unwrap(), ..ssid(5) }));
        i.expect(s, "SSID");
    };
    // First session: 2 MiB of the 3 arrive, then the connection drops.
    let mut i = Initiator::connect(f.port);
    big(&mut i);
    i.send(&Command::Cd);
    let Command::Sfid(first) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(first.restart_position, 0);
    i.send(&Command::Sfpa(Sfpa { answer_count: 0 }));
    let mut got = 0usize;
    let mut credit = 2;
    while got < 2 << 20 {
        let Command::Data(buf) = i.expect(s, "DATA") else { unreachable!() };
        for sr in pier::oftp::subrecord::subrecords(&buf, true) {
            got += sr.unwrap().piece.len();
        }
        credit -= 1;
        if credit == 0 {
            i.send(&Command::Cdt);
            credit = 2;
        }
    }
    drop(i);
    f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { .. })));

    // Second session: the same file, the same stamp, a restart request at
    // least as far as the first checkpoint (1 MiB); we keep exactly 1 MiB.
    let mut i = Initiator::connect(f.port);
    big(&mut i);
    i.send(&Command::Cd);
    let Command::Sfid(again) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(again.stamp, first.stamp, "the receiver knows its partial by the stamp");
    assert!(again.restart_position >= 1024, "{}", again.restart_position);
    i.send(&Command::Sfpa(Sfpa { answer_count: 1024 }));
    let mut rest = Vec::new();
    let mut credit = 2;
    let efid = loop {
        match i.recv(s).expect("DATA or EFID") {
            Command::Data(buf) => {
                for sr in pier::oftp::subrecord::subrecords(&buf, true) {
                    sr.unwrap().piece.expand_into(&mut rest);
                }
                credit -= 1;
                if credit == 0 {
                    i.send(&Command::Cdt);
                    credit = 2;
                }
            }
            Command::Efid(e) => break e,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(rest, &data[1 << 20..], "the rest from the restart point");
    assert_eq!(efid.unit_count, data.len() as u64, "EFID counts the whole file");
    i.send(&Command::Efpa(Efpa { change_direction: false }));
    i.expect(s, "CD");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    assert!(i.closed(s));
    let _ = std::fs::remove_file(&src);
}

#[test]
fn a_stream_a_name_format_a_lower_level_and_a_later_end_response() {
    use std::os::fd::IntoRawFd;
    let out = std::env::temp_dir().join(format!("pier-oftp-stream-{}.bin", std::process::id()));
    let fd = std::fs::File::create(&out).unwrap().into_raw_fd();
    let answered = Arc::new(Mutex::new(0));
    let a2 = answered.clone();
    let f = server("stream", move |srv, ev| match ev {
        OftpEvent::AcceptConnection { server_version, .. } => *server_version = 1, // 1.3
        OftpEvent::AcceptFile { connection_id, virtual_file_name, .. } if virtual_file_name == "TOSTREAM" => {
            srv.set(PIER_OFTPSERVER_PROP_CONNDOWNLOADSTREAM, *connection_id, Value::Int(fd.into())).unwrap();
        }
        OftpEvent::EndTransfer { send_end_response, virtual_file_name, .. } if virtual_file_name == "LATER" => {
            *send_end_response = false;
        }
        OftpEvent::ReadyToSend { connection_id } => {
            let mut n = a2.lock().unwrap();
            *n += 1;
            if *n == 1 {
                // The EERP kept back at EndTransfer, now (1.3: a 12-digit stamp).
                let r = pier::oftp::server::EndResponse {
                    virtual_file_name: "LATER",
                    virtual_file_date: "20261207063000",
                    destination: "O0013CLIENT",
                    originator: SERVER_SFID,
                    ..Default::default()
                };
                srv.send_end_response(*connection_id, &r).unwrap();
            } else {
                srv.logoff(*connection_id).unwrap();
            }
        }
        _ => {}
    });
    let s = &f.server;
    s.config("ReceivedFileNameFormat=%Originator%_%VirtualFileName%.dat").unwrap();
    let mut i = Initiator::connect(f.port);
    let theirs = start(&mut i, s, 5);
    assert_eq!(theirs.release_level, 2, "AcceptConnection chose 1.3");
    let stamp13 = FileStamp { counter: 0, second: 0, ..sfid("X", FileFormat::Unstructured).stamp };
    let body = b"to the application's descriptor".to_vec();
    let answer =
        send_file(&mut i, s, Sfid { stamp: stamp13, ..sfid("TOSTREAM", FileFormat::Unstructured) }, &[&body], true);
    assert_eq!(answer.name(), "EFPA");
    assert_eq!(std::fs::read(&out).unwrap(), body, "written to ConnDownloadStream");
    // CloseStreamAfterTransfer (True): pier closed the descriptor.
    assert_eq!(unsafe { libc::fcntl(fd, libc::F_GETFD) }, -1);
    assert!(!f.dir.join("O0013CLIENT_TOSTREAM.dat").exists());

    let answer =
        send_file(&mut i, s, Sfid { stamp: stamp13, ..sfid("LATER", FileFormat::Unstructured) }, &[b"later"], true);
    assert_eq!(answer.name(), "EFPA");
    assert_eq!(std::fs::read(f.dir.join("O0013CLIENT_LATER.dat")).unwrap(), b"later", "ReceivedFileNameFormat");
    i.send(&Command::Cd);
    // Only the EERP of TOSTREAM at the turn; LATER's comes from SendEndResponse.
    let Command::Eerp(first) = i.expect(s, "EERP") else { unreachable!() };
    assert_eq!(first.dataset_name, "TOSTREAM");
    i.send(&Command::Rtr);
    let Command::Eerp(later) = i.expect(s, "EERP") else { unreachable!() };
    assert_eq!((later.dataset_name.as_str(), later.stamp), ("LATER", stamp13));
    i.send(&Command::Rtr);
    i.expect(s, "CD");
    i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
    assert!(i.closed(s));
    let _ = std::fs::remove_file(&out);
}

#[test]
fn a_silent_client_gets_esid_09_and_a_directory_that_cannot_be_written_sfna_12() {
    // No SSID within ConnTimeout: ESID 09, Disconnected 10060.
    let f = server("silent", |srv, ev| {
        if let OftpEvent::AcceptConnection { connection_id, .. } = ev {
            // After the fixture's DownloadDirectory: one that cannot be made.
            srv.set(PIER_OFTPSERVER_PROP_CONNDOWNLOADDIRECTORY, *connection_id, Value::text("/proc/pier-no-such-dir"))
                .unwrap();
        }
        logoff_on_ready(srv, ev);
    });
    let s = &f.server;
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(1)).unwrap();
    let mut i = Initiator::connect(f.port);
    i.expect(s, "SSRM");
    let t = Instant::now();
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::TimeOut);
    assert!(t.elapsed() >= Duration::from_millis(800));
    assert!(i.closed(s));
    let ev = f.ended();
    assert!(matches!(ev.last(), Some(OftpEvent::Disconnected { status_code: 10060, .. })), "{:?}", names(&ev));

    // A download directory that cannot be written: SFNA 12 and Error 912,
    // and the session goes on.
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(60)).unwrap();
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Sfid(sfid("NOWHERE", FileFormat::Unstructured)));
    let Command::Sfna(sfna) = i.expect(s, "SFNA") else { unreachable!() };
    assert_eq!(sfna.reason, SfnaReason::AccessMethodFailure);
    let ev = f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Error { error_code: 912, .. })));
    assert!(ev.iter().any(
        |e| matches!(e, OftpEvent::Error { error_code: 912, description, .. } if description.contains("NOWHERE"))
    ));
    i.send(&Command::Cd);
    i.expect(s, "ESID");
}

// ----- config settings, methods, streams and certificates -------------------

/// The first connection id among `events` other than those in `not`.
fn conn_id(events: &[OftpEvent], not: &[i32]) -> i32 {
    events.iter().filter_map(|e| e.connection_id()).find(|id| !not.contains(id)).expect("a connection")
}

fn connected(f: &Fixture, not: &[i32]) -> i32 {
    let ev = f.wait(|ev| {
        ev.iter().any(|e| matches!(e, OftpEvent::Connected { connection_id, .. } if !not.contains(connection_id)))
    });
    ev.iter()
        .find_map(|e| match e {
            OftpEvent::Connected { connection_id, .. } if !not.contains(connection_id) => Some(*connection_id),
            _ => None,
        })
        .unwrap()
}

fn disconnected(f: &Fixture, id: i32) -> (i32, String) {
    let ev = f.wait(|ev| {
        ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { connection_id, .. } if *connection_id == id))
    });
    ev.iter()
        .find_map(|e| match e {
            OftpEvent::Disconnected { connection_id, status_code, description } if *connection_id == id => {
                Some((*status_code, description.clone()))
            }
            _ => None,
        })
        .unwrap()
}

fn esid_normal() -> Command {
    Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() })
}

/// (direction, description) of each PITrail of connection `id`, and the
/// OFTP Log lines.
fn trail(events: &[OftpEvent], id: i32) -> (Vec<(i32, String)>, Vec<String>) {
    let pit = events
        .iter()
        .filter_map(|e| match e {
            OftpEvent::PiTrail { connection_id, direction, command_description, .. } if *connection_id == id => {
                Some((*direction, command_description.clone()))
            }
            _ => None,
        })
        .collect();
    let log = events
        .iter()
        .filter_map(|e| match e {
            OftpEvent::Log { connection_id, message, log_type, .. } if *connection_id == id && log_type == "OFTP" => {
                Some(message.clone())
            }
            _ => None,
        })
        .collect();
    (pit, log)
}

#[test]
fn friendly_log_format_names_the_fields_in_pitrail_and_log_and_never_a_password() {
    let f = server("friendly", logoff_on_ready);
    let s = &f.server;
    let session = |i: &mut Initiator| {
        start(i, s, 5);
        i.send(&Command::Sfid(Sfid {
            destination: "O0013ELSEWHERE".into(),
            ..sfid("PAYROLL", FileFormat::Unstructured)
        }));
        i.expect(s, "SFNA");
        i.send(&Command::Cd);
        i.expect(s, "ESID");
        assert!(i.closed(s));
    };
    // Default: the command's name.
    let mut i = Initiator::connect(f.port);
    session(&mut i);
    let plain = conn_id(&f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { .. }))), &[]);
    assert_eq!(s.config("FriendlyLogFormat").unwrap(), "False");
    s.config("FriendlyLogFormat=True").unwrap();
    let mut i = Initiator::connect(f.port);
    session(&mut i);
    let friendly = disconnected(&f, connected(&f, &[plain])).0;
    assert_eq!(friendly, 0);
    let ev = f.events.lock().unwrap().clone();
    let (pit, log) = trail(&ev, plain);
    let want = [(1, "SSRM"), (0, "SSID"), (1, "SSID"), (0, "SFID"), (1, "SFNA"), (0, "CD"), (1, "ESID")];
    assert_eq!(pit, want.map(|(d, n)| (d, n.to_string())));
    assert_eq!(log, ["-> SSRM", "<- SSID", "-> SSID", "<- SFID", "-> SFNA", "<- CD", "-> ESID"]);

    let id = conn_id(&ev, &[plain]);
    let (pit, log) = trail(&ev, id);
    let d: Vec<&str> = pit.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(d[0], "SSRM MSG=ODETTE FTP READY");
    assert!(d[1].starts_with("SSID LEV=5 CODE=O0013CLIENT SDEB=512 SR=B CMPR=Y REST=Y CRED=2"), "{}", d[1]);
    assert!(d[2].starts_with(&format!("SSID LEV=5 CODE={SERVER_SSID} SDEB=512")), "{}", d[2]);
    assert_eq!(
        d[3],
        "SFID DSN=PAYROLL DATE=202612070630000001 USER= DEST=O0013ELSEWHERE ORIG=O0013CLIENT FMT=U LRECL=0 FSIZ=1 REST=0"
    );
    assert!(d[4].starts_with("SFNA REAS=02 RRTR=N"), "{}", d[4]);
    assert_eq!((d[5], d[6]), ("CD", "ESID REAS=00"));
    // The Log lines say the same, with the direction.
    let arrows: Vec<String> =
        pit.iter().map(|(dir, d)| format!("{} {d}", if *dir == 0 { "<-" } else { "->" })).collect();
    assert_eq!(log, arrows);
    for text in d.iter().chain(log.iter().map(|l| l.as_str()).collect::<Vec<_>>().iter()) {
        assert!(!text.contains("CLIPW") && !text.contains("SRVPW"), "a password in {text:?}");
    }
}

/// A self-signed certificate for localhost: (PEM file with key and
/// certificate, the certificate's DER, a PFX of both with password "pfxpw").
fn tls_cert(dir: &std::path::Path) -> (PathBuf, Vec<u8>, PathBuf) {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    // Read back most specific field first: "CN=localhost, O=pier oftp".
    params.distinguished_name.push(rcgen::DnType::OrganizationName, "pier oftp");
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let pem = dir.join("server.pem");
    std::fs::write(&pem, format!("{}{}", key.serialize_pem(), cert.pem())).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    let pfx = dir.join("server.pfx");
    let st = std::process::Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            "server.pfx",
            "-passout",
            "pass:pfxpw",
        ])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "openssl pkcs12");
    (pem, cert.der().to_vec(), pfx)
}

fn colons(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn use_tls(s: &OftpServer, pem: &std::path::Path) {
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(6)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(pem.to_string_lossy().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_USESSL, 0, Value::Bool(true)).unwrap();
}

#[test]
fn over_tls_1_4_is_refused_unless_allow_oftp14_over_tls_and_below_1_4_always() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-tls14-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pem, der, _) = tls_cert(&dir);
    let f = server_with("tls14", |s| use_tls(s, &pem), logoff_on_ready);
    let s = &f.server;
    assert_eq!(s.config("AllowOFTP14OverTLS").unwrap(), "False");
    // 1.4 over TLS: ESID 10 in the 1.x layout, before AcceptConnection.
    let refused = |level: u8| {
        let mut i = Initiator::connect_tls(f.port, &der);
        i.expect(s, "SSRM");
        i.level = Level::from_ssidlev(level).unwrap();
        i.send(&Command::Ssid(ssid(level)));
        let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
        assert_eq!(esid.reason, EsidReason::ModeOrCapabilitiesIncompatible, "level {level}");
        assert!(i.closed(s));
    };
    refused(4);
    // 2.0 over TLS is served.
    let mut i = Initiator::connect_tls(f.port, &der);
    assert_eq!(start(&mut i, s, 5).release_level, 5);
    i.send(&Command::Cd);
    i.expect(s, "ESID");
    assert!(i.closed(s));

    s.config("AllowOFTP14OverTLS=True").unwrap();
    let mut i = Initiator::connect_tls(f.port, &der);
    assert_eq!(start(&mut i, s, 4).release_level, 4, "1.4 admitted");
    let answer = send_file(&mut i, s, sfid("TLS14", FileFormat::Unstructured), &[b"a 1.4 file over TLS"], true);
    assert_eq!(answer.name(), "EFPA");
    assert_eq!(std::fs::read(f.dir.join("TLS14")).unwrap(), b"a 1.4 file over TLS");
    i.send(&Command::Cd);
    let Command::Eerp(e) = i.expect(s, "EERP") else { unreachable!() };
    assert_eq!(e.dataset_name, "TLS14");
    i.send(&Command::Rtr);
    i.expect(s, "CD");
    i.send(&esid_normal());
    assert!(i.closed(s));
    // Below 1.4 stays refused.
    refused(2);
    let ev = f.events.lock().unwrap().clone();
    let accepted: Vec<i32> = ev
        .iter()
        .filter_map(|e| match e {
            OftpEvent::AcceptConnection { client_version, .. } => Some(*client_version),
            _ => None,
        })
        .collect();
    assert_eq!(accepted, [3, 2], "the refused levels never reach AcceptConnection");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the ReadyToSend callback saw: SendFile's result, ConnReadyToSend
/// after it, and ChangeDirection's results (the first, then a second one).
type Seen = Arc<Mutex<Vec<(Result<(), i32>, bool, Option<(Result<(), i32>, bool, Result<(), i32>)>)>>>;

#[test]
fn change_direction_send_cd_after_efpa_and_an_efpa_asking_for_the_turn() {
    let src = std::env::temp_dir().join(format!("pier-oftp-cd-{}.bin", std::process::id()));
    std::fs::write(&src, b"one small file").unwrap();
    let path = src.to_string_lossy().into_owned();
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let f = server("cdefpa", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let id = *connection_id;
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: &path,
                virtual_file_name: "SMALL",
            };
            let sent = srv.send_file(id, &rq).map_err(|e| e.code);
            let ready = srv.get(PIER_OFTPSERVER_PROP_CONNREADYTOSEND, id).unwrap().as_bool().unwrap();
            let cd = ready.then(|| {
                let first = srv.change_direction(id).map_err(|e| e.code);
                let after = srv.get(PIER_OFTPSERVER_PROP_CONNREADYTOSEND, id).unwrap().as_bool().unwrap();
                (first, after, srv.change_direction(id).map_err(|e| e.code))
            });
            seen2.lock().unwrap().push((sent, ready, cd));
        }
    });
    let s = &f.server;
    let session = |cd_in_efpa: bool| {
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        i.send(&Command::Cd);
        let (sfid, records, _) = receive_file_answering(&mut i, s, cd_in_efpa);
        assert_eq!((sfid.dataset_name.as_str(), records), ("SMALL", vec![b"one small file".to_vec()]));
        // The turn comes back: CD right after our EFPA.
        i.expect(s, "CD");
        i.send(&esid_normal());
        assert!(i.closed(s));
        let id = conn_id(&f.ended(), &[]);
        f.events.lock().unwrap().clear();
        (id, seen.lock().unwrap().pop().expect("ReadyToSend ran"))
    };
    // Default: the server still speaks after SendFile; ChangeDirection sends
    // CD, and a second one is refused (the client speaks).
    let (_, (sent, ready, cd)) = session(false);
    assert_eq!(sent, Ok(()));
    assert!(ready, "ConnReadyToSend after SendFile");
    assert_eq!(cd, Some((Ok(()), false, Err(671))));
    // SendCDAfterEFPA: the CD follows the EFPA without the application.
    s.config("SendCDAfterEFPA=True").unwrap();
    let (_, (sent, ready, cd)) = session(false);
    assert_eq!((sent, ready, cd), (Ok(()), false, None));
    // An EFPA asking for the turn (EFPACD Y) gets the CD whatever the setting.
    s.config("SendCDAfterEFPA=False").unwrap();
    let (_, (sent, ready, cd)) = session(true);
    assert_eq!((sent, ready, cd), (Ok(()), false, None));
    let _ = std::fs::remove_file(&src);
}

#[test]
fn fire_end_response_on_send_reports_each_eerp_the_server_sends() {
    let f = server("fireer", logoff_on_ready);
    let s = &f.server;
    let session = |name: &str| -> Vec<OftpEvent> {
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        assert_eq!(send_file(&mut i, s, sfid(name, FileFormat::Unstructured), &[b"data"], true).name(), "EFPA");
        i.send(&Command::Cd);
        let Command::Eerp(e) = i.expect(s, "EERP") else { unreachable!() };
        assert_eq!(e.dataset_name, name);
        i.send(&Command::Rtr);
        i.expect(s, "CD");
        i.send(&esid_normal());
        assert!(i.closed(s));
        let ev = f.ended();
        f.events.lock().unwrap().clear();
        ev
    };
    assert_eq!(s.config("FireEndResponseOnSend").unwrap(), "False");
    let ev = session("QUIET");
    assert!(!names(&ev).contains(&"EndResponse"), "{:?}", names(&ev));
    s.config("FireEndResponseOnSend=True").unwrap();
    let ev = session("TOLD");
    let n = names(&ev);
    let er = n.iter().position(|x| *x == "EndResponse").expect("EndResponse");
    assert!(n[er - 1] == "EndTransfer" && n[er + 1] == "ReadyToSend", "{n:?}");
    let Some(OftpEvent::EndResponse {
        direction,
        virtual_file_name,
        destination,
        originator,
        reason_code,
        virtual_file_date,
        ..
    }) = ev.iter().find(|e| matches!(e, OftpEvent::EndResponse { .. }))
    else {
        unreachable!()
    };
    assert_eq!(
        (*direction, virtual_file_name.as_str(), destination.as_str(), originator.as_str(), *reason_code),
        (1, "TOLD", "O0013CLIENT", SERVER_SFID, 0)
    );
    assert_eq!(virtual_file_date, "12/07/2026 06:30:00");
}

#[test]
fn cd_after_send_end_response_hands_the_turn_back_after_the_rtr() {
    let with_cd = Arc::new(AtomicBool::new(false));
    let turns: Arc<Mutex<std::collections::HashMap<i32, u32>>> = Arc::default();
    let (w2, t2) = (with_cd.clone(), turns.clone());
    let f = server("cdafter", move |srv, ev| match ev {
        OftpEvent::AcceptConnection { connection_id, .. } if w2.load(Ordering::Relaxed) => {
            srv.config(&format!("CDAfterSendEndResponse[{connection_id}]=True")).unwrap();
        }
        OftpEvent::EndTransfer { send_end_response, direction: 0, .. } => *send_end_response = false,
        OftpEvent::ReadyToSend { connection_id } => {
            let id = *connection_id;
            let mut t = t2.lock().unwrap();
            let n = t.entry(id).or_default();
            *n += 1;
            if *n == 1 {
                // The receipt kept back at EndTransfer: a NERP, now.
                let r = pier::oftp::server::EndResponse {
                    virtual_file_name: "LATE",
                    virtual_file_date: "20261207063000",
                    destination: "O0013CLIENT",
                    originator: SERVER_SFID,
                    creator: SERVER_SFID,
                    reason_code: 3,
                    reason_text: "not for us after all",
                    ..Default::default()
                };
                srv.send_end_response(id, &r).unwrap();
            } else {
                srv.logoff(id).unwrap();
            }
        }
        _ => {}
    });
    let s = &f.server;
    assert_eq!(s.config("CDAfterSendEndResponse").unwrap(), "False");
    let session = || -> i32 {
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        let name = format!("LATE{}", turns.lock().unwrap().len());
        assert_eq!(send_file(&mut i, s, sfid(&name, FileFormat::Unstructured), &[b"late"], true).name(), "EFPA");
        i.send(&Command::Cd);
        // No EERP at the turn (kept back): the NERP from SendEndResponse.
        let Command::Nerp(n) = i.expect(s, "NERP") else { unreachable!() };
        assert_eq!((n.dataset_name.as_str(), n.reason.code(), n.text.as_str()), ("LATE", 3, "not for us after all"));
        i.send(&Command::Rtr);
        i.expect(s, "CD");
        i.send(&esid_normal());
        assert!(i.closed(s));
        let id = conn_id(&f.ended(), &[]);
        f.events.lock().unwrap().clear();
        id
    };
    // Default: after the RTR the server speaks on (ReadyToSend again), and
    // the callback's Logoff sends the CD.
    let id = session();
    assert_eq!(turns.lock().unwrap()[&id], 2);
    // CDAfterSendEndResponse[id]: the CD follows the RTR, no second ReadyToSend.
    with_cd.store(true, Ordering::Relaxed);
    let id = session();
    assert_eq!(turns.lock().unwrap()[&id], 1);
}

#[test]
fn disconnect_after_end_session_false_waits_for_the_client_then_conn_timeout() {
    let f = server_with("nodisc", |s| drop(s.config("DisconnectAfterEndSession=False").unwrap()), logoff_on_ready);
    let s = &f.server;
    // The client closes after the ESID: Disconnected 0.
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id = connected(&f, &[]);
    i.send(&Command::Cd);
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::NormalTermination);
    assert!(s.get(PIER_OFTPSERVER_PROP_CONNCONNECTED, id).unwrap().as_bool().unwrap(), "the server waits");
    drop(i);
    assert_eq!(disconnected(&f, id).0, 0);
    // A client that stays: closed after ConnTimeout (1 s here), still 0.
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(1)).unwrap();
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id2 = connected(&f, &[id]);
    i.send(&Command::Cd);
    i.expect(s, "ESID");
    let t = Instant::now();
    assert!(s.get(PIER_OFTPSERVER_PROP_CONNCONNECTED, id2).unwrap().as_bool().unwrap());
    assert!(i.closed(s), "the server closes after ConnTimeout");
    assert!(t.elapsed() >= Duration::from_millis(500), "{:?}", t.elapsed());
    assert_eq!(disconnected(&f, id2).0, 0);
}

/// A U file whose EFID claims one octet more than was sent: EFNA 11.
fn send_bad_count(i: &mut Initiator, s: &OftpServer, name: &str, data: &[u8]) -> Command {
    i.send(&Command::Sfid(sfid(name, FileFormat::Unstructured)));
    i.expect(s, "SFPA");
    let mut filler = BufferFiller::new(512, false);
    filler.push(data, true);
    i.send_raw(&filler.finish().unwrap());
    i.send(&Command::Efid(Efid { record_count: 0, unit_count: data.len() as u64 + 1 }));
    i.recv(s).unwrap()
}

fn partials(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let Ok(rd) = std::fs::read_dir(dir.join(".oftp-partial")) else { return Vec::new() };
    let mut v: Vec<_> = rd.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "part")).collect();
    v.sort();
    v.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn delete_on_error_removes_a_failed_file_and_false_keeps_it() {
    let f = server("delerr", |_, _| {});
    let s = &f.server;
    assert_eq!(s.config("DeleteOnError").unwrap(), "True");
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let Command::Efna(efna) = send_bad_count(&mut i, s, "GONE", b"counted wrong") else { panic!("EFNA expected") };
    assert_eq!(efna.reason, pier::oftp::reason::EfnaReason::InvalidByteCount);
    assert!(partials(&f.dir).is_empty(), "the failed file is deleted");
    assert!(!f.dir.join("GONE").exists());
    s.config("DeleteOnError=False").unwrap();
    let Command::Efna(_) = send_bad_count(&mut i, s, "KEPT", b"kept for the application") else { panic!() };
    assert_eq!(partials(&f.dir), [b"kept for the application".to_vec()], "the partial stays");
    assert!(!f.dir.join("KEPT").exists(), "never under its final name");
    let ev = f.wait(|ev| ev.iter().filter(|e| matches!(e, OftpEvent::EndTransfer { .. })).count() == 2);
    let reasons: Vec<i32> = ev
        .iter()
        .filter_map(|e| match e {
            OftpEvent::EndTransfer { reason_code, .. } => Some(*reason_code),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [21, 21], "EndTransfer: the NERP code of EFNA 11");
}

#[test]
fn allow_retry_sets_sfnarrtr_of_a_refused_file_handle_wide_and_per_connection() {
    let per_conn_off = Arc::new(AtomicBool::new(false));
    let p2 = per_conn_off.clone();
    let f = server("retry", move |srv, ev| match ev {
        OftpEvent::AcceptConnection { connection_id, .. } if p2.load(Ordering::Relaxed) => {
            srv.config(&format!("AllowRetry[{connection_id}]=False")).unwrap();
        }
        OftpEvent::AcceptFile { accept, error_code, .. } => {
            *accept = false;
            *error_code = 12;
        }
        _ => {}
    });
    let s = &f.server;
    let refused = || -> Sfna {
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        i.send(&Command::Sfid(sfid("LATER", FileFormat::Unstructured)));
        let Command::Sfna(sfna) = i.expect(s, "SFNA") else { unreachable!() };
        sfna
    };
    assert_eq!(s.config("AllowRetry").unwrap(), "False");
    let sfna = refused();
    assert_eq!((sfna.reason, sfna.retry), (SfnaReason::AccessMethodFailure, false));
    s.config("AllowRetry=True").unwrap();
    assert!(refused().retry, "AllowRetry=True: SFNARRTR Y");
    per_conn_off.store(true, Ordering::Relaxed);
    assert!(!refused().retry, "AllowRetry[ConnectionId]=False wins for that connection");
}

#[test]
fn the_ssid_the_server_sends_follows_the_session_settings() {
    let f = server("ssidset", |srv, ev| {
        if let OftpEvent::AcceptConnection { connection_id, .. } = ev {
            let id = *connection_id;
            srv.config(&format!("ConnectionType[{id}]=2")).unwrap();
            srv.config(&format!("ServerSSIDCode[{id}]=O0013OTHER")).unwrap();
            srv.config(&format!("ServerPassword[{id}]=OTHERPW")).unwrap();
            srv.config(&format!("CreditCount[{id}]=1")).unwrap();
        }
    });
    let s = &f.server;
    s.config("ExchangeBufferSize=256").unwrap();
    s.config("BufferCompression=False").unwrap();
    s.config("EnableRestart=False").unwrap();
    let mut i = Initiator::connect(f.port);
    let theirs = start(&mut i, s, 5);
    assert_eq!((theirs.code.as_str(), theirs.password.as_str()), ("O0013OTHER", "OTHERPW"));
    assert_eq!(theirs.send_receive, SendReceive::Receive);
    assert_eq!((theirs.buffer_size.get(), theirs.credit.get()), (256, 1));
    assert!(!theirs.compression && !theirs.restart);
    let id = connected(&f, &[]);
    assert_eq!(s.config(&format!("CreditCount[{id}]")).unwrap(), "1");
    assert_eq!(s.config(&format!("ExchangeBufferSize[{id}]")).unwrap(), "256");
    assert_eq!(s.config(&format!("ReceivedConnectionType[{id}]")).unwrap(), "0");
}

#[test]
fn interrupt_ends_a_blocked_send_file_with_911_and_esid_99() {
    let outcome = Arc::new(Mutex::new(None));
    let o2 = outcome.clone();
    let f = server("interrupt", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: "/etc/hostname",
                virtual_file_name: "WAITING",
            };
            *o2.lock().unwrap() = Some(srv.send_file(*connection_id, &rq).map_err(|e| e.code));
        }
    });
    let s = &f.server;
    assert_eq!(s.interrupt(12345).unwrap_err().code, 126, "no such connection");
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id = connected(&f, &[]);
    i.send(&Command::Cd);
    let Command::Sfid(sfid) = i.expect(s, "SFID") else { unreachable!() };
    assert_eq!(sfid.dataset_name, "WAITING");
    // We never answer: SendFile waits for SFPA until interrupted (from this
    // thread, while the callback blocks the server's).
    let t = Instant::now();
    while outcome.lock().unwrap().is_none() {
        // (126 once SendFile returned and the session closed meanwhile.)
        let _ = s.interrupt(id);
        assert!(t.elapsed() < Duration::from_secs(5), "SendFile was not interrupted");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*outcome.lock().unwrap(), Some(Err(911)));
    // OFTP cannot withdraw the file: the session ends.
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::UnspecifiedAbortCode);
    assert!(esid.text.contains("Interrupt"), "{}", esid.text);
    assert!(i.closed(s));
    let (status, description) = disconnected(&f, id);
    assert_eq!(status, 687, "{description}");
    let ev = f.ended();
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::EndTransfer { direction: 1, reason_code: 99, virtual_file_name, .. } if virtual_file_name == "WAITING")));
}

#[test]
fn disconnect_ends_the_session_with_esid_00_and_keeps_a_partial_file() {
    let f = server("disconnect", |_, _| {});
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id = connected(&f, &[]);
    i.send(&Command::Sfid(sfid("HALFWAY", FileFormat::Unstructured)));
    i.expect(s, "SFPA");
    let mut filler = BufferFiller::new(512, false);
    filler.push(b"the first part", false);
    i.send_raw(&filler.finish().unwrap());
    f.wait(|ev| ev.iter().any(|e| matches!(e, OftpEvent::Transfer { .. })));
    s.disconnect(id).unwrap();
    let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
    assert_eq!(esid.reason, EsidReason::NormalTermination);
    assert_eq!(esid.text, "disconnected by the server");
    assert!(i.closed(s));
    assert_eq!(disconnected(&f, id), (0, "OK".to_string()));
    let ev = f.ended();
    assert!(ev.iter().any(|e| matches!(e, OftpEvent::EndTransfer { reason_code: 99, .. })));
    assert!(!f.dir.join("HALFWAY").exists());
    assert_eq!(partials(&f.dir), [b"the first part".to_vec()], "kept for a restart");
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CONNCOUNT, 0).unwrap().as_i64().unwrap(), 0);
    assert_eq!(s.disconnect(id).unwrap_err().code, 126);
}

#[test]
fn shutdown_stops_listening_and_ends_every_session_with_esid_00() {
    let f = server("shutdown", |_, _| {});
    let s = &f.server;
    let mut a = Initiator::connect(f.port);
    start(&mut a, s, 5);
    let ia = connected(&f, &[]);
    let mut b = Initiator::connect(f.port);
    start(&mut b, s, 2);
    let ib = connected(&f, &[ia]);
    s.shutdown().unwrap();
    assert!(!s.get(PIER_OFTPSERVER_PROP_LISTENING, 0).unwrap().as_bool().unwrap());
    for i in [&mut a, &mut b] {
        let Command::Esid(esid) = i.expect(s, "ESID") else { unreachable!() };
        assert_eq!(esid.reason, EsidReason::NormalTermination);
        assert!(i.closed(s));
    }
    assert_eq!(disconnected(&f, ia).0, 0);
    assert_eq!(disconnected(&f, ib).0, 0);
    assert!(TcpStream::connect(("127.0.0.1", f.port)).is_err(), "no longer listening");
}

#[test]
fn reset_closes_without_a_word_or_an_event_and_restores_every_default() {
    let f = server("reset", |_, _| {});
    let s = &f.server;
    s.config("DeleteOnError=False").unwrap();
    s.config("AllowRetry=True").unwrap();
    s.set(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0, Value::Int(7)).unwrap();
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id = connected(&f, &[]);
    s.reset().unwrap();
    assert!(i.closed(s), "closed");
    assert!(i.buf.is_empty(), "no ESID: {:?}", i.buf);
    // Defaults again.
    assert!(!s.get(PIER_OFTPSERVER_PROP_LISTENING, 0).unwrap().as_bool().unwrap());
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0).unwrap().into_string(), "");
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap(), 3305);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_DEFAULTTIMEOUT, 0).unwrap().as_i64().unwrap(), 60);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CONNCOUNT, 0).unwrap().as_i64().unwrap(), 0);
    assert_eq!(s.config("DeleteOnError").unwrap(), "True");
    assert_eq!(s.config("AllowRetry").unwrap(), "False");
    assert_eq!(s.start_listening().unwrap_err().code, 672);
    // Serving again, the handler kept: the old connection never reported.
    s.set(PIER_OFTPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, Value::text(SERVER_SSID)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, Value::text(SERVER_SFID)).unwrap();
    s.start_listening().unwrap();
    let port = s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let mut i = Initiator::connect(port);
    let theirs = start(&mut i, s, 5);
    assert_eq!(theirs.password, "", "ServerPassword back to empty");
    let id2 = connected(&f, &[id]);
    let ev = f.events.lock().unwrap().clone();
    assert!(
        !ev.iter().any(|e| matches!(e, OftpEvent::Disconnected { connection_id, .. } | OftpEvent::Error { connection_id, .. } if *connection_id == id)),
        "{:?}",
        names(&ev)
    );
    assert_ne!(id2, id);
}

/// A pipe holding `data`, its write end closed: the read end and its inode.
fn pipe_with(data: &[u8]) -> (i32, u64) {
    let mut fds = [0i32; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    assert_eq!(unsafe { libc::write(fds[1], data.as_ptr().cast(), data.len()) }, data.len() as isize);
    unsafe { libc::close(fds[1]) };
    (fds[0], inode(fds[0]).unwrap())
}

/// The inode of an open descriptor, None when it is closed.
fn inode(fd: i32) -> Option<u64> {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    (unsafe { libc::fstat(fd, &mut st) } == 0).then_some(st.st_ino)
}

#[test]
fn send_file_with_no_file_name_reads_conn_upload_stream_and_close_stream_after_transfer_says_who_closes() {
    let data: Vec<u8> = (0..5000u32).map(|n| (n % 253) as u8).collect();
    let fds = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (fd2, seen2, d2) = (fds.clone(), seen.clone(), data.clone());
    let f = server("upload", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let id = *connection_id;
            let rq =
                pier::oftp::protocol::SendRequest { client_sfid_code: "", file_name: "", virtual_file_name: "FROMFD" };
            // No stream yet: SendFile("") is refused.
            let none = srv.send_file(id, &rq).map_err(|e| e.code);
            let (fd, ino) = pipe_with(&d2);
            fd2.lock().unwrap().push((fd, ino));
            srv.set(PIER_OFTPSERVER_PROP_CONNUPLOADSTREAM, id, Value::Int(fd.into())).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNSFIDCODE, id, Value::text("O0013CLIENT")).unwrap();
            srv.config(&format!("FileDescription[{id}]=from the application")).unwrap();
            // A stream has no name: VirtualFileName is needed (906), and the
            // descriptor is left alone.
            let unnamed = pier::oftp::protocol::SendRequest { virtual_file_name: "", ..rq };
            assert_eq!(srv.send_file(id, &unnamed).unwrap_err().code, 906);
            assert_eq!(srv.get(PIER_OFTPSERVER_PROP_CONNUPLOADSTREAM, id).unwrap().as_i64().unwrap(), i64::from(fd));
            assert_eq!(inode(fd), Some(ino));
            let sent = srv.send_file(id, &rq).map_err(|e| e.code);
            let after = srv.get(PIER_OFTPSERVER_PROP_CONNUPLOADSTREAM, id).unwrap().as_i64().unwrap();
            seen2.lock().unwrap().push((none, sent, after));
            srv.logoff(id).unwrap();
        }
    });
    let s = &f.server;
    let session = || {
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        i.send(&Command::Cd);
        let (sfid, records, efid) = receive_file(&mut i, s);
        assert_eq!(
            (sfid.dataset_name.as_str(), sfid.destination.as_str(), sfid.description.as_str()),
            ("FROMFD", "O0013CLIENT", "from the application")
        );
        assert_eq!(records, std::slice::from_ref(&data), "the stream's bytes");
        assert_eq!(efid.unit_count, data.len() as u64);
        i.expect(s, "CD");
        i.send(&esid_normal());
        assert!(i.closed(s));
        f.ended();
        f.events.lock().unwrap().clear();
        (fds.lock().unwrap().pop().unwrap(), seen.lock().unwrap().pop().unwrap())
    };
    assert_eq!(s.config("CloseStreamAfterTransfer").unwrap(), "True");
    let ((fd, ino), (none, sent, after)) = session();
    assert_eq!((none, sent, after), (Err(906), Ok(()), -1));
    assert_ne!(inode(fd), Some(ino), "pier closed the descriptor");
    // False: the application's to close; ConnUploadStream still names it.
    s.config("CloseStreamAfterTransfer=False").unwrap();
    let ((fd, ino), (_, sent, after)) = session();
    assert_eq!((sent, after), (Ok(()), i64::from(fd)));
    assert_eq!(inode(fd), Some(ino), "still open");
    assert_eq!(unsafe { libc::close(fd) }, 0);
}

fn sha(alg: &'static ring::digest::Algorithm, d: &[u8]) -> String {
    colons(ring::digest::digest(alg, d).as_ref())
}

fn b64(d: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(d)
}

#[test]
fn ssl_cert_fields_read_the_pem_or_pfx_certificate_and_tls_serves_it() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-ssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pem, der, pfx) = tls_cert(&dir);
    let s = OftpServer::new().unwrap();
    let text = |id: i32| s.get(id, 0).unwrap().into_string();
    assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT), "");
    assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINTSHA1), "");
    let check = |s: &OftpServer| {
        let text = |id: i32| s.get(id, 0).unwrap().into_string();
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT), "CN=localhost, O=pier oftp");
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTISSUER), "CN=localhost, O=pier oftp");
        assert_eq!(
            text(PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINTSHA1),
            sha(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
        );
        assert_eq!(
            text(PIER_OFTPSERVER_PROP_SSLCERTTHUMBPRINTSHA1),
            sha(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
        );
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINTSHA256), sha(&ring::digest::SHA256, &der));
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTTHUMBPRINTSHA256), sha(&ring::digest::SHA256, &der));
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTFINGERPRINT).len(), 16 * 3 - 1, "MD5");
        assert!(text(PIER_OFTPSERVER_PROP_SSLCERTSUBJECTALTNAMES).contains("localhost"));
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTVERSION), "V3");
        assert!(s.get(PIER_OFTPSERVER_PROP_SSLCERTPRIVATEKEYAVAILABLE, 0).unwrap().as_bool().unwrap());
        assert_eq!(text(PIER_OFTPSERVER_PROP_SSLCERTPRIVATEKEY), "", "never exported");
        let encoded = s.get(PIER_OFTPSERVER_PROP_SSLCERTENCODED, 0).unwrap().into_bytes();
        assert_eq!(String::from_utf8(encoded).unwrap(), b64(&der), "the certificate, Base64 DER");
        assert_eq!(s.set(PIER_OFTPSERVER_PROP_SSLCERTISSUER, 0, Value::text("x")).unwrap_err().code, 907);
    };
    // PEM key file (6).
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(6)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(pem.to_string_lossy().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*")).unwrap();
    check(&s);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0).unwrap().as_i64().unwrap(), 6);
    // PFX file (2) with its password.
    let s = OftpServer::new().unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(2)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(pfx.to_string_lossy().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSTOREPASSWORD, 0, Value::text("pfxpw")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("pier oftp")).unwrap();
    check(&s);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SSLCERTSTOREPASSWORD, 0).unwrap().into_string(), "pfxpw");
    s.set(PIER_OFTPSERVER_PROP_SSLCERTKEYPASSWORD, 0, Value::text("kp")).unwrap();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SSLCERTKEYPASSWORD, 0).unwrap().into_string(), "kp");
    // A subject the store lacks: 272, and nothing selected.
    assert_eq!(s.set(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("CN=nobody")).unwrap_err().code, 272);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_SSLCERTSUBJECT, 0).unwrap().into_string(), "");
    // The PEM one serves OFTP over TLS: the client sees that certificate.
    let f = server_with("sslcert", |s| use_tls(s, &pem), logoff_on_ready);
    let mut i = Initiator::connect_tls(f.port, &der);
    start(&mut i, &f.server, 5);
    i.send(&Command::Cd);
    i.expect(&f.server, "ESID");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn certificate_fields_store_and_read_back_and_read_the_chosen_certificate() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-own-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pem, der, pfx) = tls_cert(&dir);
    let s = OftpServer::new().unwrap();
    let text = |id: i32| s.get(id, 0).unwrap().into_string();
    // Defaults: the reference's MY store, type 0, nothing chosen.
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0).unwrap().into_bytes(), b"MY");
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0).unwrap().as_i64().unwrap(), 0);
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT), "");
    // Stored and read back.
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0, Value::Int(2)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, Value::Bytes(pfx.to_string_lossy().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTOREPASSWORD, 0, Value::text("pfxpw")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATEKEYPASSWORD, 0, Value::text("keypw")).unwrap();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0).unwrap().as_i64().unwrap(), 2);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0).unwrap().into_bytes(), pfx.to_string_lossy().as_bytes());
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATESTOREPASSWORD), "pfxpw");
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATEKEYPASSWORD), "keypw");
    // Choosing it: the full subject reads back, the fields are the certificate's.
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT, 0, Value::text("*")).unwrap();
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT), "CN=localhost, O=pier oftp");
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATEISSUER), "CN=localhost, O=pier oftp");
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATEFINGERPRINTSHA256), sha(&ring::digest::SHA256, &der));
    assert!(s.get(PIER_OFTPSERVER_PROP_CERTIFICATEPRIVATEKEYAVAILABLE, 0).unwrap().as_bool().unwrap());
    assert_eq!(
        String::from_utf8(s.get(PIER_OFTPSERVER_PROP_CERTIFICATEENCODED, 0).unwrap().into_bytes()).unwrap(),
        b64(&der)
    );
    assert_eq!(s.set(PIER_OFTPSERVER_PROP_CERTIFICATEISSUER, 0, Value::text("x")).unwrap_err().code, 907);
    // Encoded alone (no store) chooses that certificate, without its key.
    let s = OftpServer::new().unwrap();
    let text = |id: i32| s.get(id, 0).unwrap().into_string();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, Value::Bytes(Vec::new())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATEENCODED, 0, Value::Bytes(std::fs::read(dir.join("cert.pem")).unwrap()))
        .unwrap();
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT), "CN=localhost, O=pier oftp");
    assert_eq!(
        text(PIER_OFTPSERVER_PROP_CERTIFICATEFINGERPRINTSHA1),
        sha(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
    );
    assert!(!s.get(PIER_OFTPSERVER_PROP_CERTIFICATEPRIVATEKEYAVAILABLE, 0).unwrap().as_bool().unwrap());
    // A PEM store and a subject it lacks: 272, Subject "".
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATEENCODED, 0, Value::Bytes(Vec::new())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0, Value::Int(6)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, Value::Bytes(pem.to_string_lossy().as_bytes().to_vec())).unwrap();
    assert_eq!(s.set(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT, 0, Value::text("CN=nobody")).unwrap_err().code, 272);
    assert_eq!(text(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT), "");
    // No trusted certificates before ImportTrustedCerts.
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0).unwrap().as_i64().unwrap(), 0);
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, 0).unwrap_err().code, 913);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retry_reads_the_sfnarrtr_of_each_sfna_the_client_sends() {
    let retries = Arc::new(Mutex::new(Vec::new()));
    let r2 = retries.clone();
    let f = server("retryread", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id } = ev {
            let id = *connection_id;
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: "/etc/hostname",
                virtual_file_name: "TWICE",
            };
            for _ in 0..2 {
                let code = srv.send_file(id, &rq).unwrap_err().code;
                r2.lock().unwrap().push((code, srv.config(&format!("Retry[{id}]")).unwrap()));
            }
            srv.logoff(id).unwrap();
        }
    });
    let s = &f.server;
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    i.send(&Command::Cd);
    for retry in [false, true] {
        i.expect(s, "SFID");
        i.send(&Command::Sfna(Sfna { reason: SfnaReason::AccessMethodFailure, retry, text: String::new() }));
    }
    i.expect(s, "CD");
    i.send(&esid_normal());
    assert!(i.closed(s));
    assert_eq!(*retries.lock().unwrap(), [(687, "False".to_string()), (687, "True".to_string())]);
}

#[test]
fn conn_download_stream_stays_open_with_close_stream_after_transfer_false() {
    use std::os::fd::IntoRawFd;
    let out = std::env::temp_dir().join(format!("pier-oftp-keepstream-{}.bin", std::process::id()));
    let fd = std::fs::File::create(&out).unwrap().into_raw_fd();
    let ino = inode(fd).unwrap();
    let f = server("keepstream", move |srv, ev| {
        if let OftpEvent::AcceptFile { connection_id, .. } = ev {
            srv.set(PIER_OFTPSERVER_PROP_CONNDOWNLOADSTREAM, *connection_id, Value::Int(fd.into())).unwrap();
        }
    });
    let s = &f.server;
    s.config("CloseStreamAfterTransfer=False").unwrap();
    let mut i = Initiator::connect(f.port);
    start(&mut i, s, 5);
    let id = connected(&f, &[]);
    for (name, body) in [("ONE", &b"first file, "[..]), ("TWO", &b"second file"[..])] {
        let answer = send_file(&mut i, s, sfid(name, FileFormat::Unstructured), &[body], true);
        assert_eq!(answer.name(), "EFPA");
        assert_eq!(inode(fd), Some(ino), "still the application's, open");
        assert_eq!(s.get(PIER_OFTPSERVER_PROP_CONNDOWNLOADSTREAM, id).unwrap().as_i64().unwrap(), i64::from(fd));
    }
    assert_eq!(std::fs::read(&out).unwrap(), b"first file, second file", "both files, one after the other");
    assert!(!f.dir.join("ONE").exists() && !f.dir.join("TWO").exists());
    assert_eq!(unsafe { libc::close(fd) }, 0);
    let _ = std::fs::remove_file(&out);
}

#[test]
fn a_signed_receipt_the_server_asked_for_is_checked_for_signer_fields_and_hash() {
    // ConnSignedReceipt: SFIDSIGN Y with SFIDCIPH 01 (3DES, DefaultReceiptHashAlgorithm
    // SHA-1); EndTransfer's FileHash is the file's hash; the client's EERP
    // is checked before EndResponse: a good one passes, another signer is
    // 683, another file's hash 682 (docs/OFTP.md, Signed receipts).
    use pier::cms::{DigestAlg, Identity};
    let keys = std::env::temp_dir().join(format!("pier-oftp-receipt-keys-{}", std::process::id()));
    std::fs::create_dir_all(&keys).unwrap();
    let bob = test_identity_pem(&keys, "bob", false);
    let src = keys.join("report.txt");
    let data = b"receipt wanted\r\n".repeat(100);
    std::fs::write(&src, &data).unwrap();
    let path = src.to_string_lossy().into_owned();
    let f = server("receipt", move |srv, ev| {
        if let OftpEvent::ReadyToSend { connection_id: id } = ev {
            let id = *id;
            srv.set(PIER_OFTPSERVER_PROP_CONNSIGNEDRECEIPT, id, Value::Bool(true)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORETYPE, id, Value::Int(99)).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORE, id, Value::text(bob.as_str())).unwrap();
            srv.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSUBJECT, id, Value::text("*")).unwrap();
            let rq = pier::oftp::protocol::SendRequest {
                client_sfid_code: "O0013CLIENT",
                file_name: &path,
                virtual_file_name: "REPORT",
            };
            srv.send_file(id, &rq).unwrap();
            let _ = srv.logoff(id);
        }
    });
    let s = &f.server;
    let root = env!("CARGO_MANIFEST_DIR");
    let der = |n: &str| std::fs::read(format!("{root}/src/cms/testdata/{n}")).unwrap();
    let who = |n: &str| Identity::from_der(&der(&format!("{n}.crt.der")), &der(&format!("{n}.key.der"))).unwrap();
    for (case, signer, other_hash, want_error) in
        [("good", "bob", false, None), ("forged", "eve", false, Some(683)), ("other file", "bob", true, Some(682))]
    {
        let before = f.events.lock().unwrap().len();
        let mut i = Initiator::connect(f.port);
        start(&mut i, s, 5);
        i.send(&Command::Cd);
        let (sfid, _, _) = receive_file(&mut i, s);
        assert!(sfid.signed_eerp && sfid.cipher_suite == 1, "{case}: {sfid:?}");
        i.expect(s, "CD");
        let hash = if other_hash { DigestAlg::Sha1.digest(b"another file") } else { DigestAlg::Sha1.digest(&data) };
        let mut eerp = Eerp {
            dataset_name: "REPORT".into(),
            stamp: sfid.stamp,
            user_data: String::new(),
            destination: SERVER_SFID.into(),
            originator: "O0013CLIENT".into(),
            hash,
            signature: Vec::new(),
        };
        pier::oftp::receipts::sign_eerp(&mut eerp, &who(signer), DigestAlg::Sha1).unwrap();
        i.send(&Command::Eerp(eerp));
        i.expect(s, "RTR");
        i.send(&Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }));
        assert!(i.closed(s));
        let ev = f.wait(|ev| ev[before..].iter().any(|e| matches!(e, OftpEvent::Disconnected { .. })));
        let ev = &ev[before..];
        let sent = ev.iter().find_map(|e| match e {
            OftpEvent::EndTransfer { direction: 1, file_hash, .. } => Some(file_hash.clone()),
            _ => None,
        });
        assert_eq!(sent, Some(DigestAlg::Sha1.digest(&data)), "{case}: EndTransfer's FileHash");
        let errors: Vec<i32> = ev
            .iter()
            .filter_map(|e| match e {
                OftpEvent::Error { error_code, .. } => Some(*error_code),
                _ => None,
            })
            .collect();
        assert_eq!(errors, want_error.into_iter().collect::<Vec<_>>(), "{case}: {:?}", names(ev));
        assert!(ev
            .iter()
            .any(|e| matches!(e, OftpEvent::EndResponse { direction: 0, signature, .. } if !signature.is_empty())));
    }
    let _ = std::fs::remove_dir_all(&keys);
}
