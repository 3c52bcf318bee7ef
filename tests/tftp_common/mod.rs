//! Shared by the TFTP integration tests: a server fixture that pumps
//! `do_events` on a thread, and a small TFTP client over a real UDP socket
//! for precise protocol checks.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::tftp::props::*;
use pier::tftp::{TftpEvent, TftpServer};

pub type Hook = Box<dyn Fn(&TftpServer, &mut TftpEvent) + Send + Sync>;

/// A listening server on 127.0.0.1 (port 0), pumped on its own thread.
pub struct Fixture {
    pub server: Arc<TftpServer>,
    pub port: u16,
    pub events: Arc<Mutex<Vec<TftpEvent>>>,
    stop: Arc<AtomicBool>,
    pump: Option<JoinHandle<()>>,
}

pub struct Builder {
    configs: Vec<String>,
    dir: Option<PathBuf>,
    host: String,
    hook: Option<Hook>,
}

pub fn server() -> Builder {
    Builder { configs: vec!["LogLevel=3".into()], dir: None, host: "127.0.0.1".into(), hook: None }
}

impl Builder {
    pub fn dir(mut self, d: &Path) -> Self {
        self.dir = Some(d.to_path_buf());
        self
    }
    pub fn config(mut self, c: &str) -> Self {
        self.configs.push(c.into());
        self
    }
    pub fn host(mut self, h: &str) -> Self {
        self.host = h.into();
        self
    }
    pub fn hook(mut self, h: impl Fn(&TftpServer, &mut TftpEvent) + Send + Sync + 'static) -> Self {
        self.hook = Some(Box::new(h));
        self
    }
    pub fn start(self) -> Fixture {
        let server = Arc::new(TftpServer::new().unwrap());
        for c in &self.configs {
            server.config(c).unwrap_or_else(|e| panic!("config {c}: {e}"));
        }
        if let Some(d) = &self.dir {
            server.set(PIER_TFTPSERVER_PROP_LOCALDIR, 0, Value::text(d.to_str().unwrap())).unwrap();
        }
        server.set(PIER_TFTPSERVER_PROP_LOCALHOST, 0, Value::text(self.host.clone())).unwrap();
        server.set(PIER_TFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let (ev2, weak) = (events.clone(), Arc::downgrade(&server));
        let hook = self.hook;
        server.set_handler(Some(Arc::new(move |ev: &mut TftpEvent| {
            if let (Some(h), Some(s)) = (&hook, weak.upgrade()) {
                h(&s, ev);
            }
            ev2.lock().unwrap().push(ev.clone());
        })));
        server.start_listening().unwrap();
        let port = server.get(PIER_TFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
        assert_ne!(port, 0);
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, stop2) = (server.clone(), stop.clone());
        let pump = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                s2.do_events().unwrap();
            }
        });
        Fixture { server, port, events, stop, pump: Some(pump) }
    }
}

impl Fixture {
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn events(&self) -> Vec<TftpEvent> {
        self.events.lock().unwrap().clone()
    }

    /// Waits (generously) until `f` holds over the events seen so far.
    pub fn wait_for(&self, what: &str, f: impl Fn(&[TftpEvent]) -> bool) -> Vec<TftpEvent> {
        let t = Instant::now();
        loop {
            let evs = self.events();
            if f(&evs) {
                return evs;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "timed out waiting for {what}: {evs:#?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the Disconnected of `n` connections; returns the events.
    pub fn wait_disconnected(&self, n: usize) -> Vec<TftpEvent> {
        self.wait_for("Disconnected", |e| e.iter().filter(|e| matches!(e, TftpEvent::Disconnected { .. })).count() >= n)
    }

    pub fn config(&self, c: &str) -> String {
        self.server.config(c).unwrap()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.server.engine().wake();
        if let Some(p) = self.pump.take() {
            let _ = p.join();
        }
    }
}

pub fn disconnects(evs: &[TftpEvent]) -> Vec<(i32, i32)> {
    evs.iter()
        .filter_map(|e| match e {
            TftpEvent::Disconnected { connection_id, status_code, .. } => Some((*connection_id, *status_code)),
            _ => None,
        })
        .collect()
}

// ----- the client -----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pkt {
    Data(u16, Vec<u8>),
    Ack(u16),
    Error(u16, String),
    Oack(Vec<(String, String)>),
    Other(Vec<u8>),
}

pub fn parse(d: &[u8]) -> Pkt {
    if d.len() < 2 {
        return Pkt::Other(d.to_vec());
    }
    let op = u16::from_be_bytes([d[0], d[1]]);
    let block = || u16::from_be_bytes([d[2], d[3]]);
    match op {
        3 if d.len() >= 4 => Pkt::Data(block(), d[4..].to_vec()),
        4 if d.len() == 4 => Pkt::Ack(block()),
        5 if d.len() >= 5 => {
            let msg = &d[4..];
            let end = msg.iter().position(|&b| b == 0).unwrap_or(msg.len());
            Pkt::Error(block(), String::from_utf8_lossy(&msg[..end]).into_owned())
        }
        6 => {
            let mut v = Vec::new();
            let parts: Vec<&[u8]> = d[2..].split(|&b| b == 0).collect();
            let mut i = 0;
            while i + 1 < parts.len() && !parts[i].is_empty() {
                v.push((
                    String::from_utf8_lossy(parts[i]).into_owned(),
                    String::from_utf8_lossy(parts[i + 1]).into_owned(),
                ));
                i += 2;
            }
            Pkt::Oack(v)
        }
        _ => Pkt::Other(d.to_vec()),
    }
}

pub fn request(op: u16, name: &str, mode: &str, opts: &[(&str, &str)]) -> Vec<u8> {
    let mut v = op.to_be_bytes().to_vec();
    for s in [name, mode] {
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    for (k, val) in opts {
        v.extend_from_slice(k.as_bytes());
        v.push(0);
        v.extend_from_slice(val.as_bytes());
        v.push(0);
    }
    v
}

pub fn ack(b: u16) -> Vec<u8> {
    let mut v = vec![0, 4];
    v.extend_from_slice(&b.to_be_bytes());
    v
}

pub fn data(b: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 3];
    v.extend_from_slice(&b.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

pub fn error(code: u16, msg: &str) -> Vec<u8> {
    let mut v = vec![0, 5];
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(msg.as_bytes());
    v.push(0);
    v
}

/// A TFTP client socket with generous timeouts.
pub struct Client {
    pub sock: UdpSocket,
    pub server: SocketAddr,
}

impl Client {
    pub fn new(server: SocketAddr) -> Client {
        let bind = if server.is_ipv6() { "[::1]:0" } else { "127.0.0.1:0" };
        let sock = UdpSocket::bind(bind).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { sock, server }
    }

    pub fn send_to(&self, d: &[u8], to: SocketAddr) {
        self.sock.send_to(d, to).unwrap();
    }

    pub fn send_server(&self, d: &[u8]) {
        self.send_to(d, self.server);
    }

    /// The next datagram, or None after `timeout`.
    pub fn recv_within(&self, timeout: Duration) -> Option<(Pkt, SocketAddr)> {
        self.sock.set_read_timeout(Some(timeout)).unwrap();
        let mut buf = vec![0u8; 65536];
        let r = self.sock.recv_from(&mut buf);
        self.sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        match r {
            Ok((n, from)) => Some((parse(&buf[..n]), from)),
            Err(_) => None,
        }
    }

    pub fn recv(&self) -> (Pkt, SocketAddr) {
        self.recv_within(Duration::from_secs(10)).expect("no reply within 10 s")
    }

    /// Downloads with blksize `blk` (512 unless negotiated) and window
    /// `win`; returns the payload bytes (as on the wire) or the error.
    pub fn get(&self, name: &str, mode: &str, opts: &[(&str, &str)]) -> Result<Vec<u8>, (u16, String)> {
        self.send_server(&request(1, name, mode, opts));
        let mut blk = 512usize;
        let mut win = 1usize;
        let (first, tid) = self.recv();
        let mut out = Vec::new();
        let mut expect: u16 = 1;
        let mut pending = Some(first);
        let mut in_window = 0;
        loop {
            let p = match pending.take() {
                Some(p) => p,
                None => {
                    let (p, from) = self.recv();
                    assert_eq!(from, tid, "datagram from another TID");
                    p
                }
            };
            match p {
                Pkt::Oack(o) => {
                    for (k, v) in &o {
                        match k.to_ascii_lowercase().as_str() {
                            "blksize" => blk = v.parse().unwrap(),
                            "windowsize" => win = v.parse().unwrap(),
                            _ => {}
                        }
                    }
                    self.send_to(&ack(0), tid);
                }
                Pkt::Data(b, d) => {
                    if b != expect {
                        continue;
                    }
                    out.extend_from_slice(&d);
                    expect = expect.wrapping_add(1);
                    in_window += 1;
                    let last = d.len() < blk;
                    if last || in_window == win {
                        self.send_to(&ack(b), tid);
                        in_window = 0;
                    }
                    if last {
                        return Ok(out);
                    }
                }
                Pkt::Error(c, m) => return Err((c, m)),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Uploads `content` in 512-byte blocks (or the negotiated blksize).
    pub fn put(&self, name: &str, mode: &str, opts: &[(&str, &str)], content: &[u8]) -> Result<(), (u16, String)> {
        self.send_server(&request(2, name, mode, opts));
        let (first, tid) = self.recv();
        let mut blk = 512usize;
        match first {
            Pkt::Ack(0) => {}
            Pkt::Oack(o) => {
                for (k, v) in &o {
                    if k.eq_ignore_ascii_case("blksize") {
                        blk = v.parse().unwrap();
                    }
                }
            }
            Pkt::Error(c, m) => return Err((c, m)),
            other => panic!("unexpected {other:?}"),
        }
        let mut block: u16 = 1;
        let mut off = 0;
        loop {
            let end = (off + blk).min(content.len());
            self.send_to(&data(block, &content[off..end]), tid);
            match self.recv() {
                (Pkt::Ack(b), from) if b == block => assert_eq!(from, tid),
                (Pkt::Error(c, m), _) => return Err((c, m)),
                (other, _) => panic!("unexpected {other:?}"),
            }
            if end - off < blk {
                return Ok(());
            }
            off = end;
            block = block.wrapping_add(1);
        }
    }
}

pub fn tempdir(tag: &str) -> PathBuf {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0);
    let d =
        std::env::temp_dir().join(format!("pier-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Deterministic pseudo-random bytes (with CR and LF in them).
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

/// netascii encoding, for comparing what went over the wire.
pub fn to_netascii(d: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    for &b in d {
        match b {
            b'\n' => v.extend_from_slice(b"\r\n"),
            b'\r' => v.extend_from_slice(b"\r\0"),
            _ => v.push(b),
        }
    }
    v
}
