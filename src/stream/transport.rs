//! `Transport<P>`: the state machine the engine drives for every TCP-based
//! component — accepting (allow/block lists, MaxConnections,
//! ConnectionRequest), reading lazily into one shared buffer lent to the
//! protocol, the out queue and ReadyToSend, idle and handshake timeouts,
//! protocol timers, the TLS glue, and the shared events. The protocol `P`
//! turns input into its own events (docs/ARCHITECTURE.md).

mod read;
mod send;
mod tls;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Registry, Token, Waker};
use socket2::{SockRef, TcpKeepalive};

use super::conn::{Conn, ConnCore};
use super::event::{ProtoEvent, StreamEvent, Ticket};
use super::io::Stream;
use super::protocol::{Ctx, Protocol, Requests};
use super::settings::{SslProps, StreamSettings, TlsMode};
use crate::core::clients::{admitted, normalize};
use crate::core::conntable::ConnTable;
use crate::core::engine::{Component, FIRST_COMPONENT_TOKEN};
use crate::core::error::{codes, Error, Result};
use crate::core::listener::{self, BindOptions};
use crate::core::service::Listens;
use crate::core::timers::Timers;
use crate::tls::config::TlsServerContext;

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

/// The `Stats` config setting's counters (beyond the reference).
#[derive(Default, Clone, Copy)]
pub struct Stats {
    pub accepted: u64,
    pub refused: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// What a timer entry is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKey<T> {
    /// IdleTimeout, or DefaultConnectionTimeout while a TLS handshake runs.
    Idle,
    Proto(T),
}

pub struct Transport<P: Protocol> {
    registry: Registry,
    waker: Arc<Waker>,
    /// The protocol and its handle-wide settings.
    pub proto: P,
    pub settings: StreamSettings,
    pub ssl: SslProps,
    listener: Option<TcpListener>,
    listener_ready: bool,
    /// LocalPort as bound (0 until listening on an OS-picked port).
    bound_port: u16,
    conns: ConnTable<Conn<P>>,
    pending: HashMap<u64, Pending>,
    next_ticket: u64,
    queue: VecDeque<P::Event>,
    work: VecDeque<usize>,
    next_round: Vec<usize>,
    round: u64,
    timers: Timers<(i32, TimerKey<P::Timer>)>,
    /// What a protocol asked for during one call (see `Ctx`).
    requests: Requests<P::Timer>,
    scratch: Vec<u8>,
    pub stats: Stats,
    /// The TLS context new handshakes use (built at StartListening; replaced
    /// atomically when certificates or settings change).
    tls_ctx: Option<Arc<TlsServerContext>>,
    /// After accept failed for lack of descriptors (or memory), when to try
    /// again: the waiting clients raise no new readiness edge.
    accept_retry: Option<Instant>,
    /// Connections to close once their out queue has drained, with the
    /// status and whether an Error event goes first (Ctx::close_when_flushed;
    /// rare, so kept here rather than in every connection).
    close_after_flush: HashMap<i32, (Error, bool)>,
}

fn closed_error() -> Error {
    Error::new(10057, "[10057] Socket is not connected.")
}

/// Runs one protocol call with a context over the connection's core;
/// timers and a close it asks for are applied by `Transport::after_call`.
macro_rules! proto_call {
    ($t:ident, $conn:expr, |$p:ident, $cx:ident, $pc:ident| $body:expr) => {{
        let conn = &mut *$conn;
        let mut $cx = Ctx { core: &mut conn.core, req: &mut $t.requests };
        let $p = &mut $t.proto;
        let $pc = &mut conn.proto;
        $body
    }};
}
pub(super) use proto_call;

impl<P: Protocol> Transport<P> {
    pub fn new(registry: Registry, waker: Arc<Waker>, proto: P, settings: StreamSettings) -> Self {
        Transport {
            registry,
            waker,
            proto,
            settings,
            ssl: SslProps::default(),
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
            requests: Requests::default(),
            scratch: vec![0; READ_CHUNK],
            stats: Stats::default(),
            tls_ctx: None,
            accept_retry: None,
            close_after_flush: HashMap::new(),
        }
    }

    pub fn wake(&self) {
        let _ = self.waker.wake();
    }

    fn push(&mut self, ev: StreamEvent) {
        self.queue.push_back(P::Event::from_stream(ev));
    }

    /// Applies what the last protocol call asked for (on the hot path,
    /// usually nothing: one check).
    #[inline]
    fn after_call(&mut self, id: i32) {
        if !self.requests.is_empty() {
            self.apply_requests(id);
        }
    }

    #[inline(never)]
    fn apply_requests(&mut self, id: i32) {
        self.requests.any = false;
        for (at, key) in self.requests.timers.drain(..) {
            self.timers.schedule(at, (id, TimerKey::Proto(key)));
        }
        if std::mem::take(&mut self.requests.announce) {
            self.announce(id);
        }
        if std::mem::take(&mut self.requests.more_events) {
            self.rework(id);
        }
        if let Some((status, error_event)) = self.requests.close.take() {
            self.close_conn_by_protocol(id, status, error_event);
        }
        if let Some(close) = self.requests.close_when_flushed.take() {
            if self.conns.get(id).is_some_and(|c| !c.core.closing) {
                self.close_after_flush.insert(id, close);
                self.close_if_flushed(id);
            }
        }
    }

    /// A close waiting for the out queue (and TLS records) to drain happens
    /// now if they have.
    fn close_if_flushed(&mut self, id: i32) {
        let Some(c) = self.conns.get_mut(id) else { return };
        if c.core.closing || !self.close_after_flush.contains_key(&id) {
            return;
        }
        c.core.flush_queue();
        let tls_done = c.core.stream.flush().unwrap_or(true);
        if c.core.out.is_empty() && tls_done {
            let (status, error_event) = self.close_after_flush.remove(&id).expect("checked");
            self.close_conn_by_protocol(id, status, error_event);
        }
    }

    /// Runs an application method's protocol part on a connection (a
    /// WebSocket send or close handshake): the protocol's state and a
    /// context over the connection, as in the transport's own calls.
    pub fn with_protocol<R>(
        &mut self,
        id: i32,
        f: impl FnOnce(&mut P, &mut Ctx<'_, P::Timer>, &mut P::Conn) -> R,
    ) -> Result<R> {
        let slot = self.conns.slot_of(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))?;
        let conn = self.conns.by_slot_mut(slot).expect("exists");
        if !conn.core.is_connected() {
            return Err(closed_error());
        }
        let r = proto_call!(self, conn, |p, cx, pc| f(p, &mut cx, pc));
        self.after_call(id);
        self.wake();
        Ok(r)
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

    /// `Shutdown`: StopListening, then Disconnect every connection.
    pub fn shutdown(&mut self) {
        self.stop_listening();
        for id in self.conns.ids() {
            let _ = self.disconnect(id);
        }
    }

    /// `Reset`: Shutdown without events, then every property and setting
    /// back to its default.
    pub fn reset(&mut self, proto: P, settings: StreamSettings) {
        self.close_silently();
        self.proto = proto;
        self.settings = settings;
        self.ssl = SslProps::default();
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
                    self.queue.push_back(P::Event::from_stream(StreamEvent::ConnectionRequest {
                        address: addr.ip().to_string(),
                        port: addr.port() as i32,
                        accept,
                        ticket: Ticket(ticket),
                    }));
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
                    self.push(StreamEvent::Error { connection_id: 0, error_code: err.code, description: err.text });
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
        let mut core = ConnCore::new(id, Stream::new(p.sock), p.addr, local);
        core.idle_timeout = s.default_idle_timeout;
        core.timeout = s.default_timeout;
        core.linger = s.linger;
        let implicit = self.ssl.tls_mode() == TlsMode::Implicit;
        if implicit {
            let ctx = self.tls_ctx.as_ref().ok_or_else(|| Error::new(273, "No TLS context"))?;
            core.stream.start_tls(Box::new(ctx.new_session()), &[]);
        }
        let mut cx = Ctx { core: &mut core, req: &mut self.requests };
        let proto = self.proto.on_open(&mut cx);
        let slot = self.conns.insert(id, Conn { core, proto });
        let conn = self.conns.by_slot_mut(slot).expect("just inserted");
        let sock = conn.core.stream.socket_mut().expect("open");
        if let Err(e) = self.registry.register(sock, Token(slot + CONN_BASE), Interest::READABLE | Interest::WRITABLE) {
            self.conns.remove(id);
            self.requests = Requests::default();
            return Err(e.into());
        }
        self.stats.accepted += 1;
        self.after_call(id);
        self.arm_idle(id);
        if !implicit {
            // With TLS, Connected fires when the handshake completes.
            self.established(id);
        }
        Ok(())
    }

    /// The stream is up (accepted, or its TLS handshake completed): Connected
    /// and ReadyToSend, once per phase, unless the protocol announces the
    /// connection itself after a handshake of its own.
    fn established(&mut self, id: i32) {
        let Some(slot) = self.conns.slot_of(id) else { return };
        let conn = self.conns.by_slot_mut(slot).expect("exists");
        if conn.core.closing {
            return;
        }
        let announce = proto_call!(self, conn, |p, cx, pc| p.on_established(&mut cx, pc));
        self.after_call(id);
        if announce {
            self.announce(id);
        }
    }

    /// Connected and ReadyToSend.
    pub fn announce(&mut self, id: i32) {
        if let Some(c) = self.conns.get_mut(id) {
            c.core.announced = true;
            c.core.ready_to_send = true;
        }
        self.push(StreamEvent::Connected { connection_id: id, status_code: 0, description: "OK".into() });
        if P::ANNOUNCE_READY_TO_SEND {
            self.push(StreamEvent::ReadyToSend { connection_id: id });
        }
    }

    // ----- connections -----------------------------------------------------

    pub fn conn_count(&self) -> usize {
        self.conns.len()
    }

    /// The connection id at a position (0..count-1).
    pub fn id_at(&self, pos: usize) -> Option<i32> {
        self.conns.id_at(pos)
    }

    pub fn conn_ids(&self) -> Vec<i32> {
        self.conns.ids()
    }

    pub fn conn(&self, id: i32) -> Result<&Conn<P>> {
        self.conns.get(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    pub fn conn_mut(&mut self, id: i32) -> Result<&mut Conn<P>> {
        self.conns.get_mut(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    #[inline]
    fn open_conn_mut(&mut self, id: i32) -> Result<&mut Conn<P>> {
        let c = self.conn_mut(id)?;
        if !c.core.is_connected() {
            return Err(closed_error());
        }
        Ok(c)
    }

    /// Closes the socket now and queues Disconnected (and Error first when
    /// `error_event`); the entry is removed once Disconnected has fired.
    fn close_conn(&mut self, id: i32, status: Error, error_event: bool) {
        // An idle timeout closes gracefully; other failures reset.
        let failed = status.code != 0 && status.code != codes::TIMED_OUT;
        let notify = status.code == 0;
        self.close_conn_as(id, status, error_event, failed, notify);
    }

    /// A close the protocol asked for (after its last words, e.g. a
    /// WebSocket Close frame): graceful whatever the status, so a reset
    /// cannot discard what was just sent.
    fn close_conn_by_protocol(&mut self, id: i32, status: Error, error_event: bool) {
        self.close_conn_as(id, status, error_event, false, true);
    }

    /// `reset`: abortive close (RST) unless Linger is off anyway; `notify`:
    /// a TLS close_notify goes first.
    fn close_conn_as(&mut self, id: i32, status: Error, error_event: bool, reset: bool, notify: bool) {
        let Some(c) = self.conns.get_mut(id) else { return };
        if c.core.closing {
            return;
        }
        c.core.closing = true;
        if !self.close_after_flush.is_empty() {
            self.close_after_flush.remove(&id);
        }
        let reset = !c.core.linger || reset;
        c.core.stream.close(&self.registry, reset, notify);
        c.core.out.clear();
        self.proto.on_closed(&mut c.proto);
        if error_event && status.code != 0 {
            self.push(StreamEvent::Error {
                connection_id: id,
                error_code: status.code,
                description: status.text.clone(),
            });
        }
        self.push(StreamEvent::Disconnected { connection_id: id, status_code: status.code, description: status.text });
    }

    /// `Disconnect`: Disconnected fires with 0 / "OK" at the next dispatch.
    pub fn disconnect(&mut self, id: i32) -> Result<()> {
        self.conn(id)?;
        self.close_conn(id, Error::new(0, "OK"), false);
        self.wake();
        Ok(())
    }

    fn schedule_work(&mut self, slot: usize) {
        if let Some(c) = self.conns.by_slot_mut(slot) {
            if !c.core.in_work {
                c.core.in_work = true;
                self.work.push_back(slot);
            }
        }
    }

    /// Makes the connection's buffered input (or a change that may let it
    /// form events) get looked at in the next dispatch.
    pub fn rework(&mut self, id: i32) {
        if let Some(slot) = self.conns.slot_of(id) {
            self.schedule_work(slot);
            self.wake();
        }
    }

    pub fn pause_data(&mut self, id: i32) -> Result<()> {
        self.conn_mut(id)?.core.paused = true;
        Ok(())
    }

    pub fn process_data(&mut self, id: i32) -> Result<()> {
        let c = self.conn_mut(id)?;
        if c.core.paused {
            c.core.paused = false;
            self.rework(id);
        }
        Ok(())
    }

    pub fn set_idle_timeout(&mut self, id: i32, secs: u32) -> Result<()> {
        self.conn_mut(id)?.core.idle_timeout = secs;
        self.arm_idle(id);
        Ok(())
    }

    fn arm_idle(&mut self, id: i32) {
        if let Some(c) = self.conns.get(id) {
            let (secs, _) = timeout_of(&c.core);
            if secs > 0 && !c.core.closing {
                self.timers.schedule(c.core.last_activity + Duration::from_secs(secs as u64), (id, TimerKey::Idle));
            }
        }
    }

    /// Events about a connection that is closing are dropped, except its
    /// Error and Disconnected.
    fn still_relevant(&self, ev: &P::Event) -> bool {
        if ev.stream_kind().is_some_and(|k| k.survives_close()) {
            return true;
        }
        ev.connection_id().and_then(|id| self.conns.get(id)).is_some_and(|c| !c.core.closing)
    }

    fn idle_timer_due(&mut self, id: i32, now: Instant) {
        let Some(c) = self.conns.get(id) else { return };
        if c.core.closing {
            return;
        }
        let (secs, handshake) = timeout_of(&c.core);
        if secs == 0 {
            return;
        }
        let due = c.core.last_activity + Duration::from_secs(secs as u64);
        if due <= now {
            let (text, error_event) = if handshake {
                ("[10060] SSL handshake timed out (DefaultConnectionTimeout).", true)
            } else {
                ("[10060] Idle timeout.", false)
            };
            self.close_conn(id, Error::new(codes::TIMED_OUT, text), error_event);
        } else {
            self.timers.schedule(due, (id, TimerKey::Idle));
        }
    }

    fn proto_timer_due(&mut self, id: i32, key: P::Timer) {
        let Some(slot) = self.conns.slot_of(id) else { return };
        let conn = self.conns.by_slot_mut(slot).expect("exists");
        if conn.core.closing {
            return;
        }
        let ev = proto_call!(self, conn, |p, cx, pc| p.on_timer(&mut cx, pc, key));
        if let Some(ev) = ev {
            self.queue.push_back(ev);
        }
        self.after_call(id);
    }
}

impl<P: Protocol> Listens for Transport<P> {
    fn start_listening(&mut self) -> Result<()> {
        if self.listener.is_some() {
            return Err(Error::code(codes::ALREADY_LISTENING));
        }
        self.proto.check_listen()?;
        if self.ssl.tls_mode() != TlsMode::Off {
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
    /// bound port so a restart binds it again (docs/API.md §8).
    fn stop_listening(&mut self) {
        if let Some(mut l) = self.listener.take() {
            let _ = self.registry.deregister(&mut l);
        }
        self.listener_ready = false;
        for (_, p) in self.pending.drain() {
            drop(p.sock);
            self.stats.refused += 1;
        }
    }
}

/// The inactivity limit in force: DefaultConnectionTimeout while a TLS
/// handshake runs (true), else IdleTimeout (false); 0 = none.
fn timeout_of(c: &ConnCore) -> (u32, bool) {
    match c.stream.tls() {
        Some(t) if t.is_handshaking() && t.handshake_timeout() > 0 => (t.handshake_timeout(), true),
        _ => (c.idle_timeout, false),
    }
}

impl<P: Protocol> Component for Transport<P> {
    type Event = P::Event;

    fn on_ready(&mut self, ev: &mio::event::Event) {
        if ev.token() == LISTENER {
            self.listener_ready = true;
            return;
        }
        let Some(slot) = ev.token().0.checked_sub(CONN_BASE) else {
            return;
        };
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let c = &mut c.core;
        let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
        if readable {
            c.readable = true;
        }
        if ev.is_read_closed() || ev.is_error() {
            c.peer_closed = true;
        }
        if ev.is_writable() && (c.stream.has_tls() || !c.out.is_empty()) {
            // TLS records or queued segments wait: the work list sends them
            // and fires ReadyToSend once they are out.
            c.writable_edge = true;
            self.schedule_work(slot);
            return;
        }
        if (ev.is_writable() || ev.is_error()) && !c.ready_to_send && !c.closing {
            c.ready_to_send = true;
            let id = c.id;
            self.push(StreamEvent::ReadyToSend { connection_id: id });
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
        while let Some((id, key)) = self.timers.pop_due(now) {
            match key {
                TimerKey::Idle => self.idle_timer_due(id, now),
                TimerKey::Proto(k) => self.proto_timer_due(id, k),
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

    fn next_event(&mut self) -> Option<P::Event> {
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

    fn event_done(&mut self, ev: P::Event) {
        let ev = match ev.into_stream() {
            Ok(sev) => return self.stream_event_done(sev),
            Err(ev) => ev,
        };
        let Some(id) = ev.connection_id() else { return };
        let Some(slot) = self.conns.slot_of(id) else { return };
        let conn = self.conns.by_slot_mut(slot).expect("exists");
        proto_call!(self, conn, |p, cx, pc| p.event_done(&mut cx, pc, ev));
        self.after_call(id);
    }

    fn needs_done(ev: &P::Event) -> bool {
        match ev.stream_kind() {
            Some(k) => k.needs_done(),
            None => P::needs_done(ev),
        }
    }

    fn close_silently(&mut self) {
        self.tls_ctx = None;
        self.stop_listening();
        for mut c in self.conns.drain() {
            c.core.stream.close(&self.registry, !c.core.linger, false);
        }
        self.queue.clear();
        self.work.clear();
        self.next_round.clear();
        self.timers.clear();
        self.close_after_flush.clear();
    }

    fn select_wait(&self) -> Duration {
        self.settings.base.select_wait()
    }
}

impl<P: Protocol> Transport<P> {
    /// After a stream event's callback: accept or refuse a client, forget a
    /// closed connection, go on with a handshake.
    fn stream_event_done(&mut self, ev: StreamEvent) {
        match ev {
            StreamEvent::ConnectionRequest { accept, ticket, .. } => {
                let Some(p) = self.pending.remove(&ticket.0) else { return };
                // MaxConnections holds whatever the callback set.
                let full = p.over_limit || self.conns.len() >= self.settings.max_connections;
                if accept && !full {
                    let addr = p.addr;
                    if let Err(e) = self.admit(p) {
                        self.push(StreamEvent::Error {
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
            StreamEvent::Disconnected { connection_id, .. } => {
                self.conns.remove(connection_id);
            }
            StreamEvent::SslConnectionRequest {
                connection_id,
                cert_store_type,
                cert_store,
                cert_password,
                cert_subject,
                ..
            } => {
                self.ssl_connection_request_done(
                    connection_id,
                    cert_store_type,
                    cert_store,
                    cert_password,
                    cert_subject,
                );
            }
            StreamEvent::SslClientAuthentication { connection_id, accept, .. } => {
                self.client_authentication_done(connection_id, accept);
            }
            _ => {}
        }
    }
}
