//! `TcpCore`: the TCPServer state machine the engine drives — accepting,
//! reading and framing lazily, sending without user-space queues, idle
//! timers, and the events they produce.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry, Token, Waker};
use socket2::{SockRef, TcpKeepalive};

use super::conn::{Conn, ReadOutcome, SockWriter};
use super::event::TcpEvent;
use super::framing::{self, Framing, InBuf};
use super::settings::Settings;
use crate::core::clients::{admitted, normalize};
use crate::core::conntable::ConnTable;
use crate::core::engine::{Component, Step, FIRST_COMPONENT_TOKEN};
use crate::core::error::{codes, Error, Result};
use crate::core::listener::{self, BindOptions};
use crate::core::timers::Timers;
use crate::tls::cert::{CertSpec, SelectedCert};
use crate::tls::config::TlsServerContext;
use crate::tls::session::Negotiated;

const LISTENER: Token = Token(FIRST_COMPONENT_TOKEN);
const CONN_BASE: usize = FIRST_COMPONENT_TOKEN + 1;
/// Bytes read from one connection per round, and the size of the shared read buffer.
const READ_CHUNK: usize = 64 * 1024;
/// Clients accepted per round before other work gets a turn.
const ACCEPT_BUDGET: usize = 64;
/// How long to wait before accepting again after EMFILE and the like.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

struct Pending {
    sock: TcpStream,
    addr: SocketAddr,
    /// MaxConnections reached: refused whatever the callback says.
    over_limit: bool,
}

#[derive(Default, Clone, Copy)]
pub struct Stats {
    pub accepted: u64,
    pub refused: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

pub struct TcpCore {
    registry: Registry,
    waker: Arc<Waker>,
    pub settings: Settings,
    listener: Option<TcpListener>,
    listener_ready: bool,
    /// LocalPort as bound (0 until listening on an OS-picked port).
    bound_port: u16,
    pub(crate) conns: ConnTable<Conn>,
    pending: HashMap<u64, Pending>,
    next_ticket: u64,
    queue: VecDeque<TcpEvent>,
    work: VecDeque<usize>,
    next_round: Vec<usize>,
    round: u64,
    timers: Timers<i32>,
    scratch: Vec<u8>,
    pub stats: Stats,
    /// The TLS context new handshakes use (built at StartListening; replaced
    /// atomically when certificates or settings change).
    tls_ctx: Option<Arc<TlsServerContext>>,
    /// After accept failed for lack of descriptors (or memory), when to try
    /// again: the waiting clients raise no new readiness edge.
    accept_retry: Option<Instant>,
}

/// How TLS starts on a new connection (SSLEnabled, SSLStartMode).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TlsMode {
    Off,
    /// Handshake right after accept (SSLStartMode 1, and 0 "automatic": a
    /// generic TCP server has no standard plaintext port).
    Implicit,
    /// Plaintext until StartSSL (SSLStartMode 2).
    Explicit,
}

/// Deregisters and closes a connection's socket; `reset`: abortive close
/// (SO_LINGER 0, RST; pending data dropped) as Linger False asks.
fn release(registry: &Registry, mut sock: TcpStream, reset: bool) {
    let _ = registry.deregister(&mut sock);
    if reset {
        let _ = SockRef::from(&sock).set_linger(Some(Duration::ZERO));
    }
}

fn closed_error() -> Error {
    Error::new(10057, "[10057] Socket is not connected.")
}

impl TcpCore {
    pub fn new(registry: Registry, waker: Arc<Waker>) -> TcpCore {
        TcpCore {
            registry,
            waker,
            settings: Settings::default(),
            listener: None,
            listener_ready: false,
            bound_port: 0,
            conns: ConnTable::default(),
            pending: HashMap::new(),
            next_ticket: 1,
            queue: VecDeque::new(),
            work: VecDeque::new(),
            next_round: Vec::new(),
            round: 0,
            timers: Timers::default(),
            scratch: vec![0; READ_CHUNK],
            stats: Stats::default(),
            tls_ctx: None,
            accept_retry: None,
        }
    }

    pub fn tls_mode(&self) -> TlsMode {
        let s = &self.settings;
        match (s.ssl_enabled, s.ssl_start_mode) {
            (false, _) => TlsMode::Off,
            (true, 2) => TlsMode::Explicit,
            (true, _) => TlsMode::Implicit,
        }
    }

    fn cert_spec(&self) -> CertSpec {
        let s = &self.settings;
        CertSpec {
            store_type: s.ssl_cert_store_type as i32,
            store: s.ssl_cert_store.clone(),
            password: s.ssl_cert_store_password.clone(),
            subject: s.ssl_cert_subject.clone(),
            encoded: s.ssl_cert_encoded.clone(),
        }
    }

    /// Selects the certificate the SSLCert* properties name; SSLCertSubject
    /// then reads back its full subject (reference, SSLCertSubject).
    pub fn select_cert(&mut self) -> Result<SelectedCert> {
        let cert = self.cert_spec().select()?;
        self.settings.ssl_cert_subject = cert.subject.clone();
        Ok(cert)
    }

    /// Builds the TLS context from the current certificate and settings.
    pub fn build_tls(&mut self) -> Result<()> {
        let cert = self.select_cert()?;
        let ctx = TlsServerContext::new(&self.settings.tls, &cert, self.settings.ssl_authenticate_clients)?;
        self.tls_ctx = Some(ctx);
        Ok(())
    }

    /// After a change of certificate or TLS settings while listening: new
    /// handshakes use the new context; existing connections keep theirs.
    pub fn tls_changed(&mut self, cert_only: bool) -> Result<()> {
        match (&self.tls_ctx, cert_only) {
            (Some(ctx), true) => {
                let ctx = ctx.clone();
                let cert = self.select_cert()?;
                ctx.set_default_cert(&cert)
            }
            (Some(_), false) => self.build_tls(),
            (None, _) => Ok(()),
        }
    }

    /// SSLNegotiated*[ConnectionId].
    pub fn negotiated(&self, id: i32) -> Result<Option<Negotiated>> {
        Ok(self.conn(id)?.tls.as_ref().and_then(|t| t.negotiated()))
    }

    /// `StartSSL`: begins the TLS handshake on a plaintext connection
    /// (SSLStartMode explicit). Connected fires again when it completes.
    pub fn start_ssl(&mut self, id: i32) -> Result<()> {
        if self.tls_ctx.is_none() {
            self.build_tls()?;
        }
        let ctx = self.tls_ctx.clone().expect("built");
        let c = self.open_conn_mut(id)?;
        if c.tls.is_some() {
            return Err(Error::new(codes::INVALID_VALUE, "TLS has already started on this connection"));
        }
        let mut tls = Box::new(ctx.new_session());
        // Bytes already read past the STARTTLS exchange belong to the handshake.
        if !c.inbuf.is_empty() {
            let early = c.inbuf.take_all();
            let _ = tls.read_tls_from(&mut &early[..]);
        }
        c.tls = Some(tls);
        c.announced = false;
        c.readable = true;
        c.last_activity = Instant::now();
        let slot = self.conns.slot_of(id).expect("exists");
        self.schedule_work(slot);
        self.arm_idle(id);
        let _ = self.waker.wake();
        Ok(())
    }

    pub fn listening(&self) -> bool {
        self.listener.is_some()
    }

    pub fn local_port(&self) -> u16 {
        if self.listening() || self.bound_port != 0 {
            self.bound_port
        } else {
            self.settings.local_port
        }
    }

    // ----- listening -------------------------------------------------------

    pub fn start_listening(&mut self) -> Result<()> {
        if self.listener.is_some() {
            return Err(Error::code(codes::ALREADY_LISTENING));
        }
        if self.tls_mode() != TlsMode::Off {
            self.build_tls()?;
        } else {
            self.tls_ctx = None;
        }
        let s = &self.settings;
        listener::ensure_fd_limit(s.max_connections as u64 + 64)?;
        let port = if self.bound_port != 0 { self.bound_port } else { s.local_port };
        let addr = listener::local_addr(&s.local_host, port, s.use_ipv6)?;
        let opts = BindOptions {
            mode: s.use_ipv6,
            exclusive: s.bind_exclusively,
            backlog: s.connection_backlog,
            recv_buffer: s.in_buffer_size,
            send_buffer: s.out_buffer_size,
        };
        let mut l = listener::listen_tcp(addr, &opts)?;
        self.registry.register(&mut l, LISTENER, Interest::READABLE)?;
        self.bound_port = l.local_addr()?.port();
        self.listener = Some(l);
        self.listener_ready = true;
        Ok(())
    }

    /// Closes the listening socket; connections stay. LocalPort keeps the
    /// bound port so a restart binds it again (API.md §8).
    pub fn stop_listening(&mut self) {
        if let Some(mut l) = self.listener.take() {
            let _ = self.registry.deregister(&mut l);
        }
        self.listener_ready = false;
        for (_, p) in self.pending.drain() {
            drop(p.sock);
            self.stats.refused += 1;
        }
    }

    /// `Shutdown`: StopListening, then Disconnect every connection.
    pub fn shutdown(&mut self) {
        self.stop_listening();
        for id in self.conns.ids() {
            let _ = self.disconnect(id);
        }
    }

    /// `Reset`: Shutdown without events, then every property and setting back
    /// to its default.
    pub fn reset(&mut self) {
        self.close_silently();
        self.settings = Settings::default();
        self.bound_port = 0;
        self.stats = Stats::default();
    }

    pub fn set_local_port(&mut self, port: u16) -> Result<()> {
        if self.listening() {
            return Err(Error::code(codes::LOCALPORT_WHILE_LISTENING));
        }
        self.settings.local_port = port;
        self.bound_port = 0;
        Ok(())
    }

    fn accept_some(&mut self) {
        let Some(l) = self.listener.as_ref() else {
            self.listener_ready = false;
            return;
        };
        for _ in 0..ACCEPT_BUDGET {
            match l.accept() {
                Ok((sock, addr)) => {
                    let addr = SocketAddr::new(normalize(addr.ip()), addr.port());
                    let s = &self.settings;
                    let over_limit = self.conns.len() + self.pending.len() >= s.max_connections;
                    let accept = !over_limit && admitted(&s.allowed_clients, &s.blocked_clients, addr.ip());
                    let ticket = self.next_ticket;
                    self.next_ticket += 1;
                    self.pending.insert(ticket, Pending { sock, addr, over_limit });
                    self.queue.push_back(TcpEvent::ConnectionRequest {
                        address: addr.ip().to_string(),
                        port: addr.port() as i32,
                        accept,
                        ticket,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.listener_ready = false;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(e) => {
                    // EMFILE and the like: report, and try again a little later
                    // rather than spinning (waiting clients raise no new edge).
                    let err = Error::from_io(&e);
                    self.queue.push_back(TcpEvent::Error {
                        connection_id: 0,
                        error_code: err.code,
                        description: err.text,
                    });
                    self.listener_ready = false;
                    self.accept_retry = Some(Instant::now() + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    fn admit(&mut self, p: Pending) -> Result<()> {
        let s = &self.settings;
        let sref = SockRef::from(&p.sock);
        sref.set_nodelay(s.tcp_no_delay)?;
        if s.keep_alive {
            let mut ka = TcpKeepalive::new();
            if s.keep_alive_time_ms > 0 {
                ka = ka.with_time(Duration::from_millis(s.keep_alive_time_ms.max(1000) as u64));
            }
            if s.keep_alive_interval_ms > 0 {
                ka = ka.with_interval(Duration::from_millis(s.keep_alive_interval_ms.max(1000) as u64));
            }
            sref.set_tcp_keepalive(&ka)?;
        }
        if s.in_buffer_size > 0 {
            sref.set_recv_buffer_size(s.in_buffer_size)?;
        }
        if s.out_buffer_size > 0 {
            sref.set_send_buffer_size(s.out_buffer_size)?;
        }
        let local = p.sock.local_addr()?;
        let local = SocketAddr::new(normalize(local.ip()), local.port());
        let id = self.conns.next_id();
        let conn = Conn {
            id,
            sock: Some(p.sock),
            remote: p.addr,
            local,
            framing: Framing {
                eol: s.default_eol.clone(),
                single_line: s.default_single_line_mode,
                record_length: 0,
                max_line_length: s.default_max_line_length,
                after_cr: false,
            },
            inbuf: InBuf::default(),
            idle_timeout: s.default_idle_timeout,
            timeout: s.default_timeout,
            user_data: Vec::new(),
            bytes_sent: 0,
            ready_to_send: true,
            paused: false,
            readable: false,
            peer_closed: false,
            read_round: 0,
            in_work: false,
            eof: None,
            closing: false,
            last_activity: Instant::now(),
            linger: s.linger,
            tls: None,
            writable_edge: false,
            announced: false,
            awaiting_app: false,
            deferred_error: None,
        };
        let implicit = self.tls_mode() == TlsMode::Implicit;
        let mut conn = conn;
        if implicit {
            let ctx = self.tls_ctx.as_ref().ok_or_else(|| Error::new(273, "No TLS context"))?;
            conn.tls = Some(Box::new(ctx.new_session()));
        }
        let slot = self.conns.insert(id, conn);
        let conn = self.conns.by_slot_mut(slot).expect("just inserted");
        let sock = conn.sock.as_mut().expect("open");
        if let Err(e) = self.registry.register(sock, Token(slot + CONN_BASE), Interest::READABLE | Interest::WRITABLE) {
            self.conns.remove(id);
            return Err(e.into());
        }
        self.stats.accepted += 1;
        self.arm_idle(id);
        if !implicit {
            // With TLS, Connected fires when the handshake completes.
            self.announce(id);
        }
        Ok(())
    }

    /// Connected and ReadyToSend, once per phase (plaintext, then TLS).
    fn announce(&mut self, id: i32) {
        if let Some(c) = self.conns.get_mut(id) {
            c.announced = true;
            c.ready_to_send = true;
        }
        self.queue.push_back(TcpEvent::Connected { connection_id: id, status_code: 0, description: "OK".into() });
        self.queue.push_back(TcpEvent::ReadyToSend { connection_id: id });
    }

    /// Moves the TLS session's status lines into SSLStatus events.
    fn drain_tls_status(&mut self, id: i32) {
        let Some(tls) = self.conns.get_mut(id).and_then(|c| c.tls.as_mut()) else { return };
        for message in tls.take_status() {
            self.queue.push_back(TcpEvent::SslStatus { connection_id: id, message });
        }
    }

    /// The handshake moved: fire SSLConnectionRequest at the ClientHello,
    /// SSLClientAuthentication or Connected at completion.
    fn on_tls_progress(&mut self, id: i32, p: crate::tls::session::Progress) {
        self.drain_tls_status(id);
        let Some(c) = self.conns.get_mut(id) else { return };
        let Some(tls) = c.tls.as_mut() else { return };
        if p.client_hello || (p.handshake_complete && tls.client_auth().is_some()) {
            c.awaiting_app = true;
        }
        if p.client_hello {
            let hello = tls.client_hello().cloned().unwrap_or_default();
            self.queue.push_back(TcpEvent::SslConnectionRequest {
                connection_id: id,
                supported_cipher_suites: hello.cipher_suites,
                supported_signature_algs: hello.signature_algorithms,
                cert_store_type: 0,
                cert_store: Vec::new(),
                cert_password: String::new(),
                cert_subject: String::new(),
            });
        }
        if p.handshake_complete {
            match tls.client_auth() {
                Some(info) => {
                    let cert_encoded = if tls.include_cert_chain() {
                        info.chain_pem().into_bytes()
                    } else {
                        info.cert_encoded.clone()
                    };
                    self.queue.push_back(TcpEvent::SslClientAuthentication {
                        connection_id: id,
                        cert_encoded,
                        cert_subject: info.subject.clone(),
                        cert_issuer: info.issuer.clone(),
                        status: info.status.clone(),
                        accept: info.accept,
                    });
                }
                None => self.announce(id),
            }
        }
    }

    // ----- connections -----------------------------------------------------

    pub fn conn(&self, id: i32) -> Result<&Conn> {
        self.conns.get(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    pub fn conn_mut(&mut self, id: i32) -> Result<&mut Conn> {
        self.conns.get_mut(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    fn open_conn_mut(&mut self, id: i32) -> Result<&mut Conn> {
        let c = self.conn_mut(id)?;
        if c.closing || c.sock.is_none() {
            return Err(closed_error());
        }
        Ok(c)
    }

    /// Closes the socket now and queues Disconnected (and Error first when
    /// `error_event`); the entry is removed once Disconnected has fired.
    fn close_conn(&mut self, id: i32, status: Error, error_event: bool) {
        let Some(c) = self.conns.get_mut(id) else { return };
        if c.closing {
            return;
        }
        c.closing = true;
        if let (Some(tls), Some(sock), 0) = (c.tls.as_mut(), c.sock.as_mut(), status.code) {
            tls.send_close_notify();
            let _ = tls.flush_tls(&mut SockWriter(sock));
        }
        if let Some(sock) = c.sock.take() {
            // An idle timeout closes gracefully; other failures reset.
            let reset = !c.linger || (status.code != 0 && status.code != codes::TIMED_OUT);
            release(&self.registry, sock, reset);
        }
        c.inbuf = InBuf::default();
        if error_event && status.code != 0 {
            self.queue.push_back(TcpEvent::Error {
                connection_id: id,
                error_code: status.code,
                description: status.text.clone(),
            });
        }
        self.queue.push_back(TcpEvent::Disconnected {
            connection_id: id,
            status_code: status.code,
            description: status.text,
        });
    }

    /// `Disconnect`: Disconnected fires with 0 / "OK" at the next dispatch.
    pub fn disconnect(&mut self, id: i32) -> Result<()> {
        self.conn(id)?;
        self.close_conn(id, Error::new(0, "OK"), false);
        let _ = self.waker.wake();
        Ok(())
    }

    fn schedule_work(&mut self, slot: usize) {
        if let Some(c) = self.conns.by_slot_mut(slot) {
            if !c.in_work {
                c.in_work = true;
                self.work.push_back(slot);
            }
        }
    }

    pub fn pause_data(&mut self, id: i32) -> Result<()> {
        self.conn_mut(id)?.paused = true;
        Ok(())
    }

    pub fn process_data(&mut self, id: i32) -> Result<()> {
        let c = self.conn_mut(id)?;
        if c.paused {
            c.paused = false;
            let slot = self.conns.slot_of(id).expect("exists");
            self.schedule_work(slot);
            let _ = self.waker.wake();
        }
        Ok(())
    }

    pub fn change_record_length(&mut self, id: i32, len: i64) -> Result<()> {
        if !(0..=i32::MAX as i64).contains(&len) {
            return Err(Error::invalid_value("RecordLength must be 0 or positive"));
        }
        self.conn_mut(id)?.framing.record_length = len as usize;
        // Buffered bytes may now form a record.
        self.reframe(id);
        Ok(())
    }

    /// After a framing change, buffered input may hold complete pieces.
    pub fn reframe(&mut self, id: i32) {
        if let Some(slot) = self.conns.slot_of(id) {
            if self.conns.by_slot(slot).is_some_and(|c| !c.inbuf.is_empty()) {
                self.schedule_work(slot);
                let _ = self.waker.wake();
            }
        }
    }

    pub fn set_idle_timeout(&mut self, id: i32, secs: u32) -> Result<()> {
        self.conn_mut(id)?.idle_timeout = secs;
        self.arm_idle(id);
        Ok(())
    }

    fn arm_idle(&mut self, id: i32) {
        if let Some(c) = self.conns.get(id) {
            let (secs, _) = self.timeout_of(c);
            if secs > 0 && !c.closing {
                self.timers.schedule(c.last_activity + Duration::from_secs(secs as u64), id);
            }
        }
    }

    /// The application decided: reading and delivery go on.
    fn resume(&mut self, id: i32) {
        if let Some(slot) = self.conns.slot_of(id) {
            if let Some(c) = self.conns.by_slot_mut(slot) {
                c.awaiting_app = false;
            }
            self.schedule_work(slot);
        }
    }

    /// The inactivity limit in force: DefaultConnectionTimeout while a TLS
    /// handshake runs (true), else IdleTimeout (false); 0 = none.
    fn timeout_of(&self, c: &Conn) -> (u32, bool) {
        match &c.tls {
            Some(t) if t.is_handshaking() && t.handshake_timeout() > 0 => (t.handshake_timeout(), true),
            _ => (c.idle_timeout, false),
        }
    }

    /// Continues a handshake after SSLConnectionRequest, with the certificate
    /// the callback chose or the server's.
    fn continue_handshake(&mut self, id: i32, spec: Option<CertSpec>) {
        self.resume(id);
        let Some(c) = self.conns.get_mut(id) else { return };
        if c.closing {
            return;
        }
        let Some(tls) = c.tls.as_mut() else { return };
        let r = match spec {
            Some(spec) => spec.select().and_then(|cert| tls.accept_with_cert(&cert)),
            None => tls.accept(),
        };
        if let Some(sock) = c.sock.as_mut() {
            let _ = tls.flush_tls(&mut SockWriter(sock));
        }
        match r {
            Ok(p) => {
                self.on_tls_progress(id, p);
                // Records that arrived with the ClientHello may hold more.
                let slot = self.conns.slot_of(id).expect("exists");
                if let Some(c) = self.conns.by_slot_mut(slot) {
                    c.readable = true;
                }
                self.schedule_work(slot);
            }
            Err(e) => {
                self.drain_tls_status(id);
                self.close_conn(id, e, true);
            }
        }
    }

    // ----- sending ---------------------------------------------------------

    /// One non-blocking attempt: takes what the socket accepts. `Ok(n)` is
    /// the number of bytes taken; a write error closes the connection.
    /// `blocking`: a blocking send waits for the socket itself; it never
    /// fails with 10035, so it does not arm the ReadyToSend event.
    pub fn write_now(&mut self, id: i32, data: &[u8], blocking: bool) -> Result<usize> {
        let c = self.open_conn_mut(id)?;
        match c.write_some(data) {
            Ok(n) => {
                if n > 0 {
                    c.last_activity = Instant::now();
                }
                if n < data.len() && !blocking {
                    c.ready_to_send = false;
                }
                self.stats.bytes_out += n as u64;
                Ok(n)
            }
            Err(e) => {
                let err = Error::from_io(&e);
                self.close_conn(id, err.clone(), false);
                let _ = self.waker.wake();
                Err(err)
            }
        }
    }

    /// `Send` with Timeout 0: everything or 10035 with BytesSent set.
    pub fn send_async(&mut self, id: i32, data: &[u8]) -> Result<()> {
        self.open_conn_mut(id)?.bytes_sent = 0;
        let n = self.write_now(id, data, false)?;
        self.conn_mut(id)?.bytes_sent = n as i64;
        if n < data.len() {
            return Err(Error::new(codes::WOULD_BLOCK, "[10035] Operation would block."));
        }
        Ok(())
    }

    /// A step of a blocking send: moves what it can from `data[*off..]`.
    pub fn send_step(&mut self, id: i32, data: &[u8], off: &mut usize) -> Result<Step<()>> {
        if *off >= data.len() {
            return Ok(Step::Done(()));
        }
        let n = self.write_now(id, &data[*off..], true)?;
        *off += n;
        self.conn_mut(id)?.bytes_sent = *off as i64;
        Ok(if *off >= data.len() {
            Step::Done(())
        } else if n > 0 {
            Step::Progress
        } else {
            Step::Blocked
        })
    }

    pub fn set_bytes_sent(&mut self, id: i32, n: usize) {
        if let Some(c) = self.conns.get_mut(id) {
            c.bytes_sent = n as i64;
        }
    }

    /// The socket a blocking send waits on, and the connection's Timeout.
    pub fn send_target(&self, id: i32) -> Result<(std::os::fd::RawFd, u32)> {
        use std::os::fd::AsRawFd;
        let c = self.conn(id)?;
        match (&c.sock, c.closing) {
            (Some(s), false) => Ok((s.as_raw_fd(), c.timeout)),
            _ => Err(closed_error()),
        }
    }

    /// Bytes waiting in the kernel's send queues of every connection.
    pub fn send_queue_bytes(&self) -> u64 {
        use std::os::fd::AsRawFd;
        self.conns
            .values()
            .filter_map(|c| c.sock.as_ref())
            .map(|s| {
                let mut n: libc::c_int = 0;
                // SAFETY: SIOCOUTQ writes one int.
                let r = unsafe { libc::ioctl(s.as_raw_fd(), libc::TIOCOUTQ, &mut n) };
                if r == 0 {
                    n.max(0) as u64
                } else {
                    0
                }
            })
            .sum()
    }

    // ----- reading ---------------------------------------------------------

    /// Produces the next DataIn (or end-of-stream events) for the connection
    /// at the front of the work list.
    fn work_next(&mut self) -> Option<TcpEvent> {
        while let Some(&slot) = self.work.front() {
            let round = self.round;
            let Some(c) = self.conns.by_slot_mut(slot) else {
                self.work.pop_front();
                continue;
            };
            if c.closing || c.awaiting_app {
                c.in_work = false;
                self.work.pop_front();
                continue;
            }
            if c.writable_edge && c.tls.is_some() {
                // TLS records left over from a send go out now; ReadyToSend
                // fires once they have (API.md §8). This comes before the
                // PauseData check: an application that pauses reading until
                // ReadyToSend (the usual answer to 10035) must still get it.
                c.writable_edge = false;
                let id = c.id;
                match c.flush_tls() {
                    Ok(true) if !c.ready_to_send && c.announced => {
                        c.ready_to_send = true;
                        return Some(TcpEvent::ReadyToSend { connection_id: id });
                    }
                    Ok(_) => {}
                    Err(e) => {
                        c.eof = Some(Error::from_io(&e));
                        // As over plaintext, where an error edge fires
                        // ReadyToSend: a waiting sender learns of it by
                        // sending (and a paused reader is not left waiting).
                        if !c.ready_to_send && c.announced {
                            c.ready_to_send = true;
                            return Some(TcpEvent::ReadyToSend { connection_id: id });
                        }
                    }
                }
            }
            if c.paused {
                c.in_work = false;
                self.work.pop_front();
                continue;
            }
            if let Some(fr) = framing::next_frame(&mut c.inbuf, &mut c.framing) {
                return Some(TcpEvent::DataIn { connection_id: c.id, text: fr.text, eol: fr.eol });
            }
            if c.readable && c.eof.is_none() && c.read_round != round {
                c.read_round = round;
                match c.read_into(&mut self.scratch) {
                    ReadOutcome::Data(n) => {
                        c.last_activity = Instant::now();
                        self.stats.bytes_in += n as u64;
                        if n < self.scratch.len() && !c.peer_closed && c.tls.is_none() {
                            // A short read drained the socket; with edge-triggered
                            // epoll, later data raises a new edge. A FIN that came
                            // with the data raises none, hence `peer_closed`.
                            // Not so with TLS: a read gives at most what the
                            // records read so far decrypt to, however much is
                            // still in the socket, so only WouldBlock says the
                            // socket is drained.
                            c.readable = false;
                        } else {
                            // More may be waiting: read again next round, after
                            // the other connections had their turn.
                            self.next_round.push(slot);
                        }
                        if c.is_raw() && c.inbuf.is_empty() {
                            return Some(TcpEvent::DataIn {
                                connection_id: c.id,
                                text: framing::owned_with_spare(&self.scratch[..n]),
                                eol: true,
                            });
                        }
                        c.inbuf.extend(&self.scratch[..n]);
                        continue;
                    }
                    ReadOutcome::WouldBlock => c.readable = false,
                    ReadOutcome::Closed => c.eof = Some(Error::new(0, "OK")),
                    ReadOutcome::Failed(e) => c.eof = Some(Error::from_io(&e)),
                    ReadOutcome::Tls(p) => {
                        // The handshake moved; reading may go on this round.
                        c.read_round = round.wrapping_sub(1);
                        let id = c.id;
                        self.on_tls_progress(id, p);
                        if !self.queue.is_empty() {
                            return self.queue.pop_front();
                        }
                        continue;
                    }
                    ReadOutcome::TlsFailed(e) => {
                        let id = c.id;
                        c.in_work = false;
                        self.work.pop_front();
                        self.drain_tls_status(id);
                        self.close_conn(id, e, true);
                        return self.queue.pop_front();
                    }
                }
                let id = self.conns.id_of_slot(slot).expect("exists");
                self.drain_tls_status(id);
                if !self.queue.is_empty() {
                    return self.queue.pop_front();
                }
                continue;
            }
            if c.eof.is_some() {
                // Whatever is left of a partial line goes first, with EOL False.
                if let Some(fr) = framing::flush(&mut c.inbuf, &c.framing) {
                    return Some(TcpEvent::DataIn { connection_id: c.id, text: fr.text, eol: fr.eol });
                }
                let id = c.id;
                let status = c.eof.take().expect("checked");
                c.in_work = false;
                self.work.pop_front();
                self.close_conn(id, status, true);
                return self.queue.pop_front();
            }
            c.in_work = false;
            self.work.pop_front();
        }
        None
    }

    /// Events about a connection that is closing are dropped, except its
    /// Error and Disconnected.
    fn still_relevant(&self, ev: &TcpEvent) -> bool {
        match ev {
            TcpEvent::Disconnected { .. }
            | TcpEvent::Error { .. }
            | TcpEvent::ConnectionRequest { .. }
            | TcpEvent::SslStatus { .. } => true,
            other => other.connection_id().and_then(|id| self.conns.get(id)).is_some_and(|c| !c.closing),
        }
    }
}

impl Component for TcpCore {
    type Event = TcpEvent;

    fn on_ready(&mut self, ev: &mio::event::Event) {
        if ev.token() == LISTENER {
            self.listener_ready = true;
            return;
        }
        let Some(slot) = ev.token().0.checked_sub(CONN_BASE) else {
            return;
        };
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
        if readable {
            c.readable = true;
        }
        if ev.is_read_closed() || ev.is_error() {
            c.peer_closed = true;
        }
        if ev.is_writable() && c.tls.is_some() {
            c.writable_edge = true;
            self.schedule_work(slot);
            return;
        }
        if (ev.is_writable() || ev.is_error()) && !c.ready_to_send && !c.closing {
            c.ready_to_send = true;
            let id = c.id;
            self.queue.push_back(TcpEvent::ReadyToSend { connection_id: id });
        }
        if readable {
            self.schedule_work(slot);
        }
    }

    fn on_timers(&mut self, now: Instant) {
        self.round += 1;
        if self.accept_retry.is_some_and(|t| t <= now) {
            self.accept_retry = None;
            self.listener_ready = self.listener.is_some();
        }
        for slot in std::mem::take(&mut self.next_round) {
            self.schedule_work(slot);
        }
        while let Some(id) = self.timers.pop_due(now) {
            let Some(c) = self.conns.get(id) else { continue };
            if c.closing {
                continue;
            }
            let (secs, handshake) = self.timeout_of(c);
            if secs == 0 {
                continue;
            }
            let due = c.last_activity + Duration::from_secs(secs as u64);
            if due <= now {
                let (text, error_event) = if handshake {
                    ("[10060] SSL handshake timed out (DefaultConnectionTimeout).", true)
                } else {
                    ("[10060] Idle timeout.", false)
                };
                self.close_conn(id, Error::new(codes::TIMED_OUT, text), error_event);
            } else {
                self.timers.schedule(due, id);
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        match (self.timers.next_deadline(), self.accept_retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn has_pending(&self) -> bool {
        !self.queue.is_empty()
            || !self.work.is_empty()
            || !self.next_round.is_empty()
            || (self.listener_ready && self.listener.is_some())
    }

    fn next_event(&mut self) -> Option<TcpEvent> {
        loop {
            while let Some(ev) = self.queue.pop_front() {
                if self.still_relevant(&ev) {
                    return Some(ev);
                }
            }
            if self.listener_ready {
                self.accept_some();
                if !self.queue.is_empty() {
                    continue;
                }
            }
            match self.work_next() {
                Some(ev) => return Some(ev),
                None if self.queue.is_empty() => return None,
                None => continue,
            }
        }
    }

    fn event_done(&mut self, ev: TcpEvent) {
        match ev {
            TcpEvent::ConnectionRequest { accept, ticket, .. } => {
                let Some(p) = self.pending.remove(&ticket) else { return };
                // MaxConnections holds whatever the callback set.
                let full = p.over_limit || self.conns.len() >= self.settings.max_connections;
                if accept && !full {
                    let addr = p.addr;
                    if let Err(e) = self.admit(p) {
                        self.queue.push_back(TcpEvent::Error {
                            connection_id: 0,
                            error_code: e.code,
                            description: format!("Accepting {addr}: {}", e.text),
                        });
                    }
                } else {
                    // Refused: closed at once with a FIN; no id, no events.
                    self.stats.refused += 1;
                    drop(p.sock);
                }
            }
            TcpEvent::Disconnected { connection_id, .. } => {
                self.conns.remove(connection_id);
            }
            TcpEvent::SslConnectionRequest {
                connection_id,
                cert_store_type,
                cert_store,
                cert_password,
                cert_subject,
                ..
            } => {
                let spec = (!cert_store.is_empty()).then(|| CertSpec {
                    store_type: cert_store_type,
                    store: cert_store,
                    password: cert_password,
                    subject: if cert_subject.is_empty() { "*".into() } else { cert_subject },
                    encoded: Vec::new(),
                });
                self.continue_handshake(connection_id, spec);
            }
            TcpEvent::SslClientAuthentication { connection_id, accept, .. } => {
                self.resume(connection_id);
                if accept {
                    self.announce(connection_id);
                } else {
                    self.close_conn(
                        connection_id,
                        Error::new(280, "Error verifying certificate: the client's certificate was not accepted"),
                        true,
                    );
                }
            }
            _ => {}
        }
    }

    fn needs_done(ev: &TcpEvent) -> bool {
        matches!(
            ev,
            TcpEvent::ConnectionRequest { .. }
                | TcpEvent::Disconnected { .. }
                | TcpEvent::SslConnectionRequest { .. }
                | TcpEvent::SslClientAuthentication { .. }
        )
    }

    fn close_silently(&mut self) {
        self.tls_ctx = None;
        self.stop_listening();
        for mut c in self.conns.drain() {
            if let Some(sock) = c.sock.take() {
                release(&self.registry, sock, !c.linger);
            }
        }
        self.queue.clear();
        self.work.clear();
        self.next_round.clear();
        self.timers.clear();
    }

    fn select_wait(&self) -> Duration {
        self.settings.base.select_wait()
    }
}
