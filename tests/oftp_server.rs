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

/// The Initiator's side of one connection.
struct Initiator {
    sock: TcpStream,
    buf: Vec<u8>,
    level: Level,
}

impl Initiator {
    fn connect(port: u16) -> Initiator {
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
        Initiator { sock, buf: Vec::new(), level: Level::V20 }
    }

    fn send(&mut self, cmd: &Command) {
        let oeb = cmd.to_bytes(self.level).unwrap();
        self.send_raw(&oeb);
    }

    fn send_raw(&mut self, oeb: &[u8]) {
        let mut stb = Vec::new();
        sth::encode(oeb, &mut stb).unwrap();
        self.sock.write_all(&stb).unwrap();
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
                i.send(&Command::Efpa(Efpa { change_direction: false }));
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
