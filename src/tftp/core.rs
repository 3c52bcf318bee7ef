//! `TftpCore`: the TFTPServer component the engine drives — the listening
//! socket, one socket (TID) per transfer or the shared listening port in
//! single-port mode, the transfer state machines of [`super::transfer`],
//! their timers, and the events they produce.
//!
//! Work is done lazily in `next_event`, like the TCPServer: readiness only
//! marks sockets, and datagrams are read, fed to their transfer and answered
//! when the engine asks for the next event, so what a callback changes
//! (ConnFileData, ConnLocalFile, Accept) applies to what follows. Each
//! transfer handles at most [`DATAGRAM_BUDGET`] datagrams per round, so 50
//! concurrent transfers share the loop fairly; a round reads at most one
//! window of file data per transfer, so the loop never waits on disk long.
//!
//! The parts, each in a module of its own: `listen` (the listening port),
//! `admit` (requests and their admission), `transfer_io` (a transfer's
//! datagrams, file data and end) and `linger` (dallying after an upload).

/// cbindgen:ignore
mod admit;
/// cbindgen:ignore
mod linger;
/// cbindgen:ignore
mod listen;
/// cbindgen:ignore
mod transfer_io;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token, Waker};

use super::conn::Conn;
use super::event::{TftpEvent, DIRECTION_CLIENT_SENDS, DIRECTION_SERVER_SENDS};
use super::options::Direction;
use super::packet::{errcode, Mode, TftpError, TftpOption};
use super::settings::Settings;
use super::transfer::Transfer;
use crate::core::conntable::ConnTable;
use crate::core::engine::{Component, FIRST_COMPONENT_TOKEN};
use crate::core::error::{codes, Error, Result};
use crate::core::timers::Timers;

const LISTENER: Token = Token(FIRST_COMPONENT_TOKEN);
const CONN_BASE: usize = FIRST_COMPONENT_TOKEN + 1;
/// Tokens of transfers that linger after their end (dallying, RFC 1350 §6).
const LINGER_BASE: usize = 1 << 30;
/// Datagrams one transfer handles per round.
pub const DATAGRAM_BUDGET: usize = 64;
/// Datagrams the listening socket handles per round.
const REQUEST_BUDGET: usize = 64;
/// The largest UDP payload, and the size of the shared receive buffer.
const SCRATCH: usize = 65536;

/// Log levels of the LogLevel setting and the Log event.
pub mod log_level {
    pub const INFO: i32 = 1;
    pub const VERBOSE: i32 = 2;
    pub const DEBUG: i32 = 3;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKey {
    Conn(i32),
    Linger(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Conn(i32),
    Linger(usize),
}

/// A request waiting for its ConnectionRequest callback.
struct Pending {
    from: SocketAddr,
    peer: SocketAddr,
    dst: Option<IpAddr>,
    raw_filename: Vec<u8>,
    mode: Mode,
    direction: Direction,
    options: Vec<TftpOption<'static>>,
}

/// A finished upload that keeps answering a repeated final DATA with its
/// final ACK for a while (RFC 1350 §6 "dallying"). It is no longer a
/// connection: Disconnected has fired.
struct Linger {
    sock: Option<UdpSocket>,
    send_addr: SocketAddr,
    peer: SocketAddr,
    local_ip: Option<IpAddr>,
    route_key: SocketAddr,
    transfer: Transfer,
    timer_at: Option<Instant>,
}

struct Listener {
    sock: UdpSocket,
    addr: SocketAddr,
    single_port: bool,
    pktinfo: bool,
}

/// Counters behind the `Stats` setting.
#[derive(Default, Clone, Copy, Debug)]
pub struct Stats {
    pub requests: u64,
    pub refused: u64,
    pub completed: u64,
    pub failed: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub wrong_tid: u64,
    pub malformed: u64,
}

fn direction_code(d: Direction) -> i32 {
    match d {
        Direction::Read => DIRECTION_SERVER_SENDS,
        Direction::Write => DIRECTION_CLIENT_SENDS,
    }
}

fn op_name(d: Direction) -> &'static str {
    match d {
        Direction::Read => "RRQ",
        Direction::Write => "WRQ",
    }
}

pub struct TftpCore {
    registry: Registry,
    pub settings: Settings,
    listener: Option<Listener>,
    /// Listening (new requests accepted). In single-port mode the socket
    /// outlives StopListening while transfers still use it.
    accepting: bool,
    listener_readable: bool,
    listener_round: u64,
    /// LocalPort as bound (0 until listening on an OS-picked port).
    bound_port: u16,
    pub(crate) conns: ConnTable<Conn>,
    pending: HashMap<u64, Pending>,
    next_ticket: u64,
    routes: HashMap<SocketAddr, Route>,
    lingers: Vec<Option<Linger>>,
    linger_free: Vec<usize>,
    linger_work: Vec<usize>,
    queue: VecDeque<TftpEvent>,
    work: VecDeque<usize>,
    next_round: Vec<usize>,
    blocked_on_listener: Vec<usize>,
    round: u64,
    timers: Timers<TimerKey>,
    scratch: Vec<u8>,
    /// The destination address of the last request (CaptureIPPacketInfo).
    pub last_destination: Option<IpAddr>,
    /// Whether Transfer events are produced: off while no one listens (a C
    /// handle without a Transfer callback), which spares a copy of every
    /// block and an event dispatch.
    pub transfer_events: bool,
    pub stats: Stats,
}

impl TftpCore {
    pub fn new(registry: Registry, _waker: Arc<Waker>) -> TftpCore {
        TftpCore {
            registry,
            settings: Settings::default(),
            listener: None,
            accepting: false,
            listener_readable: false,
            listener_round: 0,
            bound_port: 0,
            conns: ConnTable::default(),
            pending: HashMap::new(),
            next_ticket: 1,
            routes: HashMap::new(),
            lingers: Vec::new(),
            linger_free: Vec::new(),
            linger_work: Vec::new(),
            queue: VecDeque::new(),
            work: VecDeque::new(),
            next_round: Vec::new(),
            blocked_on_listener: Vec::new(),
            round: 0,
            timers: Timers::default(),
            scratch: vec![0; SCRATCH],
            last_destination: None,
            transfer_events: true,
            stats: Stats::default(),
        }
    }

    pub fn listening(&self) -> bool {
        self.accepting
    }

    pub fn local_port(&self) -> u16 {
        if self.bound_port != 0 {
            self.bound_port
        } else {
            self.settings.local_port
        }
    }

    /// Transfers in progress (for `Stats`).
    pub fn active(&self) -> usize {
        self.conns.values().filter(|c| !c.closing).count()
    }

    fn log(&mut self, level: i32, connection_id: i32, message: String) {
        if level > self.settings.log_level {
            return;
        }
        let log_type = match level {
            log_level::INFO => "Info",
            log_level::VERBOSE => "Verbose",
            _ => "Debug",
        };
        self.queue.push_back(TftpEvent::Log { connection_id, log_level: level, message, log_type: log_type.into() });
    }

    fn log_error(&mut self, connection_id: i32, message: String) {
        if self.settings.log_level >= log_level::INFO {
            self.queue.push_back(TftpEvent::Log {
                connection_id,
                log_level: log_level::INFO,
                message,
                log_type: "Error".into(),
            });
        }
    }

    // ----- connections -----------------------------------------------------

    pub(crate) fn conn(&self, id: i32) -> Result<&Conn> {
        self.conns.get(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    pub(crate) fn conn_mut(&mut self, id: i32) -> Result<&mut Conn> {
        self.conns.get_mut(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))
    }

    /// Connection properties that choose the data (ConnFileData,
    /// ConnLocalFile) can only change before the transfer starts.
    pub(crate) fn conn_before_start(&mut self, id: i32) -> Result<&mut Conn> {
        let c = self.conn_mut(id)?;
        if c.transfer.is_some() || c.closing {
            return Err(Error::new(
                130,
                "Busy performing the current transfer: set ConnFileData or ConnLocalFile during Connected or StartTransfer",
            ));
        }
        Ok(c)
    }

    // ----- shutdown ----------------------------------------------------------

    pub fn reset(&mut self) {
        self.close_silently();
        self.settings = Settings::default();
        self.bound_port = 0;
        self.stats = Stats::default();
        self.last_destination = None;
    }
}

impl Component for TftpCore {
    type Event = TftpEvent;

    fn on_ready(&mut self, ev: &mio::event::Event) {
        let token = ev.token().0;
        let readable = ev.is_readable() || ev.is_error() || ev.is_read_closed();
        if token == LISTENER.0 {
            if readable {
                self.listener_readable = true;
            }
            if ev.is_writable() && !self.blocked_on_listener.is_empty() {
                if let Some(l) = self.listener.as_mut() {
                    let _ = self.registry.reregister(&mut l.sock, LISTENER, Interest::READABLE);
                }
                for slot in std::mem::take(&mut self.blocked_on_listener) {
                    if let Some(c) = self.conns.by_slot_mut(slot) {
                        c.send_blocked = false;
                    }
                    self.schedule_work(slot);
                }
            }
            return;
        }
        if token >= LINGER_BASE {
            let idx = token - LINGER_BASE;
            if self.lingers.get(idx).is_some_and(Option::is_some) {
                self.linger_work.push(idx);
            }
            return;
        }
        let Some(slot) = token.checked_sub(CONN_BASE) else {
            return;
        };
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let mut wake = false;
        if readable {
            c.readable = true;
            wake = true;
        }
        if ev.is_writable() && c.send_blocked {
            c.send_blocked = false;
            if let Some(sock) = c.sock.as_mut() {
                let _ = self.registry.reregister(sock, Token(CONN_BASE + slot), Interest::READABLE);
            }
            wake = true;
        }
        if wake {
            self.schedule_work(slot);
        }
    }

    fn on_timers(&mut self, now: Instant) {
        self.round += 1;
        for slot in std::mem::take(&mut self.next_round) {
            if let Some(c) = self.conns.by_slot_mut(slot) {
                c.in_work = false;
            }
            self.schedule_work(slot);
        }
        while let Some(key) = self.timers.pop_due(now) {
            match key {
                TimerKey::Conn(id) => {
                    let Some(slot) = self.conns.slot_of(id) else { continue };
                    let c = self.conns.by_slot_mut(slot).expect("exists");
                    if c.timer_at.is_some_and(|x| x <= now) {
                        c.timer_at = None;
                    }
                    let Some(t) = c.transfer.as_mut() else { continue };
                    if t.next_deadline().is_some_and(|d| d <= now) {
                        t.on_timer(now);
                        self.schedule_work(slot);
                    } else {
                        self.arm(slot);
                    }
                }
                TimerKey::Linger(idx) => {
                    let Some(Some(l)) = self.lingers.get_mut(idx) else {
                        continue;
                    };
                    if l.timer_at.is_some_and(|x| x <= now) {
                        l.timer_at = None;
                    }
                    if l.transfer.next_deadline().is_some_and(|d| d <= now) {
                        l.transfer.on_timer(now);
                    }
                    self.flush_linger(idx);
                }
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    fn has_pending(&self) -> bool {
        !self.queue.is_empty()
            || !self.work.is_empty()
            || !self.next_round.is_empty()
            || !self.linger_work.is_empty()
            || (self.listener_readable && self.listener.is_some() && self.listener_round != self.round)
    }

    fn next_event(&mut self) -> Option<TftpEvent> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Some(ev);
            }
            if self.listener_readable && self.listener.is_some() && self.listener_round != self.round {
                self.listener_round = self.round;
                self.recv_requests();
                continue;
            }
            if let Some(idx) = self.linger_work.pop() {
                self.process_linger(idx);
                continue;
            }
            if let Some(slot) = self.work.pop_front() {
                self.process_conn(slot);
                continue;
            }
            return None;
        }
    }

    fn needs_done(ev: &TftpEvent) -> bool {
        matches!(
            ev,
            TftpEvent::ConnectionRequest { .. } | TftpEvent::StartTransfer { .. } | TftpEvent::Disconnected { .. }
        )
    }

    fn event_done(&mut self, ev: TftpEvent) {
        match ev {
            TftpEvent::ConnectionRequest { accept, ticket, .. } => {
                let Some(p) = self.pending.remove(&ticket) else { return };
                if accept {
                    self.admit(p);
                } else {
                    // Refused: ERROR 2 and no connection (docs/TFTP.md).
                    self.stats.refused += 1;
                    let err = TftpError::new(errcode::ACCESS_VIOLATION, errcode::text(errcode::ACCESS_VIOLATION));
                    self.reply_from_listener(p.from, p.dst, &err);
                    let m = format!("Refused {} from {} (Accept False)", op_name(p.direction), p.peer);
                    self.log(log_level::INFO, 0, m);
                }
            }
            TftpEvent::StartTransfer { connection_id, .. } => self.begin(connection_id),
            TftpEvent::Disconnected { connection_id, .. } => {
                self.conns.remove(connection_id);
                if !self.accepting && self.conns.is_empty() && self.lingers.iter().all(Option::is_none) {
                    self.close_listener();
                }
            }
            _ => {}
        }
    }

    fn close_silently(&mut self) {
        self.accepting = false;
        self.pending.clear();
        for mut c in self.conns.drain() {
            if let Some(mut s) = c.sock.take() {
                let _ = self.registry.deregister(&mut s);
            }
        }
        for idx in 0..self.lingers.len() {
            self.drop_linger(idx);
        }
        self.lingers.clear();
        self.linger_free.clear();
        self.close_listener();
        self.routes.clear();
        self.queue.clear();
        self.work.clear();
        self.next_round.clear();
        self.linger_work.clear();
        self.blocked_on_listener.clear();
        self.timers.clear();
    }

    fn select_wait(&self) -> Duration {
        self.settings.base.select_wait()
    }
}
