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

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token, Waker};

use super::conn::{file_codes, Conn, Refusal, Sink, Source};
use super::event::{TftpEvent, DIRECTION_CLIENT_SENDS, DIRECTION_SERVER_SENDS, OPERATION_READ, OPERATION_WRITE};
use super::options::{negotiate, Context, Direction};
use super::packet::{errcode, Mode, Packet, TftpError, TftpOption};
use super::path::tftp_error_for_io;
use super::pktinfo;
use super::settings::Settings;
use super::transfer::{codes as tcodes, Transfer, TransferConfig};
use crate::core::clients::normalize;
use crate::core::conntable::ConnTable;
use crate::core::engine::{Component, FIRST_COMPONENT_TOKEN};
use crate::core::error::{codes, Error, Result};
use crate::core::listener::{self, BindOptions, IpMode};
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

/// Where a transfer's datagrams leave from.
enum Out<'a> {
    /// Its own socket; `true` when connected (UseConnection).
    Own(&'a UdpSocket, bool),
    /// The listening socket (single-port mode), with the source address to
    /// use when pktinfo is on.
    Shared(&'a UdpSocket, Option<IpAddr>, bool),
}

fn send_one(out: &Out, data: &[u8], to: &SocketAddr) -> io::Result<usize> {
    match out {
        Out::Own(s, true) => s.send(data),
        Out::Own(s, false) => s.send_to(data, *to),
        Out::Shared(s, src, true) => pktinfo::send_to(s.as_raw_fd(), data, to, *src),
        Out::Shared(s, _, false) => s.send_to(data, *to),
    }
}

/// Sends what the transfer has queued. `Ok(false)`: the socket is full.
fn flush(t: &mut Transfer, out: &Out, to: &SocketAddr, stats: &mut Stats) -> io::Result<bool> {
    while let Some(d) = t.next_datagram() {
        match send_one(out, d, to) {
            Ok(_) => {
                stats.bytes_sent += d.len() as u64;
                t.datagram_sent();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Gives a read transfer the file bytes it wants (one window at most).
fn fill(t: &mut Transfer, src: &mut Source) -> std::result::Result<(), io::Error> {
    while let Some(buf) = t.read_buf() {
        let n = src.read(buf)?;
        t.advance(n);
    }
    Ok(())
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

fn unspecified_like(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

fn options_text(options: &[TftpOption<'_>]) -> String {
    if options.is_empty() {
        return "no options".into();
    }
    options.iter().map(|o| format!("{}={}", o.name, o.value)).collect::<Vec<_>>().join(" ")
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

    // ----- listening -------------------------------------------------------

    pub fn start_listening(&mut self) -> Result<()> {
        if self.accepting {
            return Err(Error::code(codes::ALREADY_LISTENING));
        }
        if self.listener.is_some() {
            // Single-port mode kept the socket for its transfers.
            self.accepting = true;
            self.listener_readable = true;
            return Ok(());
        }
        let s = &self.settings;
        let port = if self.bound_port != 0 { self.bound_port } else { s.local_port };
        let addr = listener::local_addr(&s.local_host, port, s.use_ipv6)?;
        let opts = BindOptions {
            mode: s.use_ipv6,
            exclusive: !s.share_local_port,
            backlog: 0,
            recv_buffer: s.in_buffer_size,
            send_buffer: s.out_buffer_size,
        };
        let mut sock = listener::bind_udp(addr, &opts)?;
        let fd = sock.as_raw_fd();
        let v6 = addr.is_ipv6();
        if s.capture_ip_packet_info {
            pktinfo::enable_pktinfo(fd, v6)?;
        }
        pktinfo::set_tos(fd, v6, s.tos())?;
        pktinfo::set_dont_fragment(fd, v6, s.dont_fragment)?;
        self.registry.register(&mut sock, LISTENER, Interest::READABLE)?;
        let bound = sock.local_addr()?;
        self.bound_port = bound.port();
        self.listener =
            Some(Listener { sock, addr: bound, single_port: s.single_port_mode, pktinfo: s.capture_ip_packet_info });
        self.accepting = true;
        self.listener_readable = true;
        Ok(())
    }

    /// Stops accepting requests; transfers in progress go on. LocalPort keeps
    /// the bound port so a restart binds it again (API.md §8).
    pub fn stop_listening(&mut self) {
        self.accepting = false;
        self.stats.refused += self.pending.len() as u64;
        self.pending.clear();
        let shared_in_use = self.listener.as_ref().is_some_and(|l| l.single_port)
            && (!self.conns.is_empty() || self.lingers.iter().any(Option::is_some));
        if !shared_in_use {
            self.close_listener();
        }
    }

    fn close_listener(&mut self) {
        if let Some(mut l) = self.listener.take() {
            let _ = self.registry.deregister(&mut l.sock);
        }
        self.listener_readable = false;
    }

    pub fn set_local_port(&mut self, port: u16) -> Result<()> {
        if self.accepting {
            return Err(Error::code(codes::LOCALPORT_WHILE_LISTENING));
        }
        self.settings.local_port = port;
        self.bound_port = 0;
        Ok(())
    }

    /// Sends one datagram from the listening socket (errors, refusals),
    /// from the address the client asked when pktinfo is on.
    fn reply_from_listener(&mut self, to: SocketAddr, dst: Option<IpAddr>, err: &TftpError) {
        let Some(l) = &self.listener else { return };
        let mut pkt = Vec::with_capacity(8 + err.message.len());
        err.encode(&mut pkt);
        let out = Out::Shared(&l.sock, dst, l.pktinfo);
        if send_one(&out, &pkt, &to).is_ok() {
            self.stats.bytes_sent += pkt.len() as u64;
        }
    }

    fn recv_requests(&mut self) {
        let mut scratch = std::mem::take(&mut self.scratch);
        for _ in 0..REQUEST_BUDGET {
            let Some(l) = &self.listener else {
                self.listener_readable = false;
                break;
            };
            let r = match pktinfo::recv_from(l.sock.as_raw_fd(), &mut scratch) {
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.listener_readable = false;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // An ICMP error reported on the socket, or worse: report
                    // it and wait for the next readiness edge.
                    let err = Error::from_io(&e);
                    self.queue.push_back(TftpEvent::Error {
                        error_code: err.code,
                        description: format!("Receiving on the listening socket: {}", err.text),
                        connection_id: 0,
                    });
                    self.listener_readable = false;
                    break;
                }
            };
            self.stats.bytes_received += r.len as u64;
            if r.dst.is_some() {
                self.last_destination = r.dst;
            }
            if r.truncated || r.len > self.settings.max_packet_size {
                self.stats.malformed += 1;
                self.log(log_level::DEBUG, 0, format!("Dropped a datagram from {} longer than MaxPacketSize", r.from));
                continue;
            }
            self.on_listener_datagram(r.from, r.dst, &scratch[..r.len]);
        }
        self.scratch = scratch;
    }

    fn on_listener_datagram(&mut self, from: SocketAddr, dst: Option<IpAddr>, data: &[u8]) {
        let parsed = Packet::parse(data);
        let is_request = matches!(parsed, Ok(Packet::Rrq(_)) | Ok(Packet::Wrq(_)));
        let single = self.listener.as_ref().is_some_and(|l| l.single_port);
        if single && !is_request {
            match self.routes.get(&from).copied() {
                Some(Route::Conn(id)) => {
                    if let Some(slot) = self.conns.slot_of(id) {
                        if let Some(c) = self.conns.by_slot_mut(slot) {
                            c.inbox.push_back(data.to_vec());
                        }
                        self.schedule_work(slot);
                    }
                    return;
                }
                Some(Route::Linger(idx)) => {
                    self.feed_linger(idx, from, data);
                    return;
                }
                None => {}
            }
        }
        match parsed {
            Ok(Packet::Rrq(req)) => self.on_request(from, dst, req, Direction::Read),
            Ok(Packet::Wrq(req)) => self.on_request(from, dst, req, Direction::Write),
            Ok(Packet::Error { code, message }) => {
                // RFC 1350 §7: errors are never answered.
                let m = format!("Ignored ERROR {code} ({message}) from {from}: no transfer");
                self.log(log_level::DEBUG, 0, m);
            }
            Ok(other) => {
                let err = if single {
                    self.stats.wrong_tid += 1;
                    TftpError::new(errcode::UNKNOWN_TID, errcode::text(errcode::UNKNOWN_TID))
                } else {
                    self.stats.malformed += 1;
                    TftpError::new(
                        errcode::ILLEGAL_OPERATION,
                        format!("{} sent to the server port; expected RRQ or WRQ", other.kind()),
                    )
                };
                let m = format!("{} from {from} outside any transfer: answered with error {}", other.kind(), err.code);
                self.log(log_level::VERBOSE, 0, m);
                self.reply_from_listener(from, dst, &err);
            }
            Err(e) => {
                self.stats.malformed += 1;
                let m = format!("Malformed datagram from {from}: {e}");
                self.log(log_level::VERBOSE, 0, m);
                self.reply_from_listener(from, dst, &e.to_tftp_error());
            }
        }
    }

    fn on_request(&mut self, from: SocketAddr, dst: Option<IpAddr>, req: super::packet::Request<'_>, dir: Direction) {
        self.stats.requests += 1;
        let name = req.filename_lossy().into_owned();
        if !self.accepting {
            self.log(log_level::DEBUG, 0, format!("Ignored {} from {from}: not listening", op_name(dir)));
            return;
        }
        if req.mode == Mode::Mail {
            // RFC 1123 §4.2.2.1: mail mode SHOULD NOT be supported.
            self.stats.refused += 1;
            let err = TftpError::new(errcode::ILLEGAL_OPERATION, "mail mode is not supported");
            self.log(log_level::INFO, 0, format!("Refused {} from {from} for '{name}': mail mode", op_name(dir)));
            self.reply_from_listener(from, dst, &err);
            return;
        }
        // A retransmitted request (the client did not hear us yet) is
        // ignored; a different request from the same port means the client
        // gave up on the transfer it had.
        match self.routes.get(&from).copied() {
            Some(Route::Conn(id)) => {
                // The transfer's own socket may hold the datagram that ends
                // it (a final ACK sent just before this request): handle
                // that first, so a client that fetches again from the same
                // port is not mistaken for one repeating its request.
                if let Some(slot) = self.conns.slot_of(id) {
                    let c = self.conns.by_slot_mut(slot).expect("exists");
                    if c.sock.is_some() && !c.closing {
                        c.readable = true;
                        self.process_conn(slot);
                    }
                }
                if let Some(c) = self.conns.get(id) {
                    if !c.closing && c.direction == dir && c.raw_filename == req.filename {
                        let m = format!("Ignored a repeated {} from {from} for '{name}'", op_name(dir));
                        self.log(log_level::DEBUG, id, m);
                        return;
                    }
                    if !c.closing && c.sock.is_none() {
                        // Single-port mode: the port's datagrams are ours in
                        // order, so the client has given up on the old one.
                        self.abandon(id);
                    }
                }
            }
            Some(Route::Linger(idx)) => self.drop_linger(idx),
            None => {}
        }
        if self.pending.values().any(|p| p.from == from && p.direction == dir && p.raw_filename == req.filename) {
            return;
        }
        let peer = SocketAddr::new(normalize(from.ip()), from.port());
        let m = format!(
            "{} from {peer} for '{name}' ({}, {})",
            op_name(dir),
            req.mode.as_str(),
            options_text(&req.options)
        );
        self.log(log_level::INFO, 0, m);
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.pending.insert(
            ticket,
            Pending {
                from,
                peer,
                dst,
                raw_filename: req.filename.to_vec(),
                mode: req.mode,
                direction: dir,
                options: req.options.into_iter().map(TftpOption::into_owned).collect(),
            },
        );
        self.queue.push_back(TftpEvent::ConnectionRequest {
            remote_host: peer.ip().to_string(),
            remote_port: peer.port() as i32,
            filename: name,
            transfer_mode: req.mode.as_str().into(),
            operation: match dir {
                Direction::Read => OPERATION_READ,
                Direction::Write => OPERATION_WRITE,
            },
            accept: true,
            ticket,
        });
    }

    /// A transfer's own socket: bound to the address the client asked
    /// (pktinfo), or LocalHost, on a new port (its TID, RFC 1350 §4).
    fn transfer_socket(&self, p: &Pending) -> Result<UdpSocket> {
        let s = &self.settings;
        let peer_ip = p.peer.ip();
        let listen_ip = self.listener.as_ref().map(|l| normalize(l.addr.ip())).filter(|ip| !ip.is_unspecified());
        let ip = p
            .dst
            .map(normalize)
            .or(listen_ip)
            .filter(|ip| ip.is_ipv4() == peer_ip.is_ipv4())
            .unwrap_or_else(|| unspecified_like(peer_ip));
        let opts = BindOptions {
            mode: if ip.is_ipv6() { IpMode::V6 } else { IpMode::V4 },
            exclusive: true,
            backlog: 0,
            recv_buffer: s.in_buffer_size,
            send_buffer: s.out_buffer_size,
        };
        let sock = listener::bind_udp(SocketAddr::new(ip, 0), &opts)?;
        let fd = sock.as_raw_fd();
        pktinfo::set_tos(fd, ip.is_ipv6(), s.tos())?;
        pktinfo::set_dont_fragment(fd, ip.is_ipv6(), s.dont_fragment)?;
        if s.use_connection {
            sock.connect(p.peer)?;
        }
        Ok(sock)
    }

    /// Accepted: the request becomes a connection (Connected, StartTransfer).
    fn admit(&mut self, p: Pending) {
        let single = self.listener.as_ref().is_some_and(|l| l.single_port);
        let sock = if single {
            None
        } else {
            match self.transfer_socket(&p) {
                Ok(s) => Some(s),
                Err(e) => {
                    self.stats.failed += 1;
                    let err = TftpError::new(errcode::NOT_DEFINED, format!("server cannot open a socket: {}", e.text));
                    self.reply_from_listener(p.from, p.dst, &err);
                    self.queue.push_back(TftpEvent::Error {
                        error_code: e.code,
                        description: format!("Opening a transfer socket for {}: {}", p.peer, e.text),
                        connection_id: 0,
                    });
                    return;
                }
            }
        };
        let id = self.conns.next_id();
        let filename = String::from_utf8_lossy(&p.raw_filename).into_owned();
        let limits = self.settings.limits_for(p.peer.ip());
        let conn = Conn {
            id,
            peer: p.peer,
            send_addr: if single { p.from } else { p.peer },
            local_ip: p.dst.map(normalize),
            sock,
            filename,
            raw_filename: p.raw_filename,
            mode: p.mode,
            direction: p.direction,
            options: p.options,
            limits,
            file_data: None,
            local_file: String::new(),
            transfer: None,
            source: None,
            sink: None,
            inbox: VecDeque::new(),
            readable: false,
            send_blocked: false,
            in_work: false,
            closing: false,
            timer_at: None,
            started: Instant::now(),
            route_key: p.from,
            local_error: None,
            capturing: false,
        };
        let slot = self.conns.insert(id, conn);
        let c = self.conns.by_slot_mut(slot).expect("just inserted");
        if let Some(sock) = c.sock.as_mut() {
            if let Err(e) = self.registry.register(sock, Token(CONN_BASE + slot), Interest::READABLE) {
                self.conns.remove(id);
                let err = Error::from_io(&e);
                self.queue.push_back(TftpEvent::Error {
                    error_code: err.code,
                    description: err.text,
                    connection_id: 0,
                });
                return;
            }
        }
        let direction = direction_code(p.direction);
        self.routes.insert(p.from, Route::Conn(id));
        self.queue.push_back(TftpEvent::Connected { connection_id: id, status_code: 0, description: "OK".into() });
        self.queue.push_back(TftpEvent::StartTransfer { connection_id: id, direction });
    }

    /// After StartTransfer: opens the data source or sink, negotiates the
    /// options and starts the transfer.
    fn begin(&mut self, id: i32) {
        let Some(slot) = self.conns.slot_of(id) else { return };
        let s = &self.settings;
        let (local_dir, allow_overwrite) = (s.local_dir.clone(), s.allow_overwrite);
        let c = self.conns.by_slot_mut(slot).expect("exists");
        if c.closing || c.transfer.is_some() {
            return;
        }
        let mut ctx = Context::new(c.direction, c.limits);
        let mut total = None;
        match c.direction {
            Direction::Read => match c.open_source(&local_dir) {
                Ok((src, size)) => {
                    ctx.transfer_size = size;
                    total = size;
                    c.source = Some(src);
                }
                Err(r) => return self.refuse_started(slot, r),
            },
            Direction::Write => match c.open_sink(&local_dir, allow_overwrite) {
                Ok((sink, free)) => {
                    ctx.free_space = free;
                    c.sink = Some(sink);
                }
                Err(r) => return self.refuse_started(slot, r),
            },
        }
        let negotiated = match negotiate(&c.options, &ctx) {
            Ok(n) => n,
            Err(te) => {
                let code = if te.code == errcode::DISK_FULL { file_codes::CANT_WRITE } else { tcodes::INVALID_PACKET };
                let text = format!("Refused '{}': {}", c.filename, te);
                c.sink = None;
                return self.refuse_started(slot, Refusal::new(te, code, text));
            }
        };
        let s = &self.settings;
        let mut cfg = TransferConfig::new(c.mode);
        cfg.retransmit_timeout = Duration::from_secs(u64::from(s.retransmit_timeout.max(1)));
        cfg.max_retransmits = s.max_retransmits;
        cfg.idle_timeout = (s.timeout > 0).then(|| Duration::from_secs(u64::from(s.timeout)));
        cfg.rollover = s.default_rollover;
        cfg.total_size = total;
        let cfg = cfg.with_negotiated(&negotiated);
        let mut t = Transfer::new(c.direction, cfg, Instant::now());
        if c.direction == Direction::Read && self.transfer_events {
            t.capture_acked(true);
            c.capturing = true;
        }
        let m = format!(
            "Transfer of '{}' ({}): blksize {}, windowsize {}{}",
            c.filename,
            c.mode.as_str(),
            t.blksize(),
            t.windowsize(),
            if negotiated.has_oack() { format!(", OACK {}", options_text(&negotiated.oack)) } else { String::new() }
        );
        c.transfer = Some(t);
        self.log(log_level::VERBOSE, id, m);
        self.schedule_work(slot);
    }

    /// The request was accepted but cannot start: ERROR to the client, then
    /// Error and Disconnected.
    fn refuse_started(&mut self, slot: usize, r: Refusal) {
        let single_sock = self.listener.as_ref().map(|l| (&l.sock, l.pktinfo));
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let mut pkt = Vec::new();
        r.to_peer.encode(&mut pkt);
        let out = match (&c.sock, single_sock) {
            (Some(s), _) => Some(Out::Own(s, self.settings.use_connection)),
            (None, Some((l, pi))) => Some(Out::Shared(l, c.local_ip, pi)),
            (None, None) => None,
        };
        if let Some(out) = out {
            if send_one(&out, &pkt, &c.send_addr).is_ok() {
                self.stats.bytes_sent += pkt.len() as u64;
            }
        }
        self.close_conn(slot, Err(r.error));
    }

    /// A new, different request came from the client's port: it gave up on
    /// this transfer. It ends at once, silently (the port is the client's
    /// new transfer now).
    fn abandon(&mut self, id: i32) {
        let Some(slot) = self.conns.slot_of(id) else { return };
        let c = self.conns.by_slot_mut(slot).expect("exists");
        if c.closing {
            return;
        }
        c.local_error =
            Some(Error::new(tcodes::PEER_ERROR, "The client abandoned the transfer: a new request came from its port"));
        self.finish(slot);
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

    fn schedule_work(&mut self, slot: usize) {
        if let Some(c) = self.conns.by_slot_mut(slot) {
            if !c.in_work && !c.closing {
                c.in_work = true;
                self.work.push_back(slot);
            }
        }
    }

    fn arm(&mut self, slot: usize) {
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let Some(t) = &c.transfer else { return };
        if c.closing {
            return;
        }
        if let Some(d) = t.next_deadline() {
            if c.timer_at.is_none_or(|x| d < x) {
                c.timer_at = Some(d);
                self.timers.schedule(d, TimerKey::Conn(c.id));
            }
        }
    }

    /// Fills the transfer from its source and sends what it has queued.
    fn pump(&mut self, slot: usize) {
        let single_sock = self.listener.as_ref().map(|l| (&l.sock, l.pktinfo));
        let use_conn = self.settings.use_connection;
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let Some(t) = c.transfer.as_mut() else { return };
        if let Some(src) = c.source.as_mut() {
            if let Err(e) = fill(t, src) {
                let text = format!("Can't read local file for '{}': {e}", c.filename);
                t.abort(&tftp_error_for_io(&e), Error::new(file_codes::CANT_READ, text));
            }
        }
        if c.send_blocked {
            return;
        }
        let out = match (&c.sock, single_sock) {
            (Some(s), _) => Out::Own(s, use_conn),
            (None, Some((l, pi))) => Out::Shared(l, c.local_ip, pi),
            (None, None) => {
                t.abort(
                    &TftpError::new(errcode::NOT_DEFINED, "server closed"),
                    Error::new(codes::INVALID_CONNECTION, "The listening socket was closed"),
                );
                while t.next_datagram().is_some() {
                    t.datagram_sent();
                }
                return;
            }
        };
        let shared = matches!(out, Out::Shared(..));
        match flush(t, &out, &c.send_addr, &mut self.stats) {
            Ok(true) => {
                if let Some(src) = c.source.as_mut() {
                    if !t.is_finished() && !t.wants_data() {
                        src.prefetch(t.blksize() * t.windowsize() as usize);
                    }
                }
            }
            Ok(false) => {
                // Writability is watched only while a send is blocked: with
                // edge-triggered epoll every datagram sent would otherwise
                // raise a writable event (an extra loop round per block).
                c.send_blocked = true;
                if shared {
                    if self.blocked_on_listener.is_empty() {
                        if let Some(l) = self.listener.as_mut() {
                            let _ = self.registry.reregister(
                                &mut l.sock,
                                LISTENER,
                                Interest::READABLE | Interest::WRITABLE,
                            );
                        }
                    }
                    self.blocked_on_listener.push(slot);
                } else if let Some(sock) = c.sock.as_mut() {
                    let _ = self.registry.reregister(
                        sock,
                        Token(CONN_BASE + slot),
                        Interest::READABLE | Interest::WRITABLE,
                    );
                }
            }
            Err(e) => {
                let err = Error::from_io(&e);
                c.local_error.get_or_insert(Error::new(err.code, format!("Sending to {}: {}", c.peer, err.text)));
                t.abort(&TftpError::new(errcode::NOT_DEFINED, "send failed"), err);
                while t.next_datagram().is_some() {
                    t.datagram_sent();
                }
            }
        }
    }

    /// Feeds one datagram from the peer to its transfer and turns what
    /// happened into Transfer events.
    fn feed(&mut self, slot: usize, data: &[u8], now: Instant) {
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let Some(t) = c.transfer.as_mut() else { return };
        let a = t.on_datagram(data, now);
        let id = c.id;
        if c.direction == Direction::Read && (a.transmit || a.wants_data) {
            // Answer first (the next DATA), then report.
            self.pump(slot);
        }
        let events = self.transfer_events;
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        let Some(t) = c.transfer.as_mut() else { return };
        if c.capturing != events && c.direction == Direction::Read {
            // A Transfer callback came or went during the transfer.
            t.capture_acked(events);
            c.capturing = events;
        }
        if a.delivered > 0 {
            if let Some(Sink::File(up)) = &mut c.sink {
                if let Err(e) = up.write(t.received()) {
                    let text = format!("Can't write local file for '{}': {e}", c.filename);
                    let err = Error::new(file_codes::CANT_WRITE, text);
                    c.local_error.get_or_insert(err.clone());
                    t.abort(&tftp_error_for_io(&e), err);
                }
            }
            let p = t.progress();
            let text = if events { t.received().to_vec() } else { Vec::new() };
            t.clear_received();
            if !events {
                return;
            }
            self.queue.push_back(TftpEvent::Transfer {
                connection_id: id,
                direction: DIRECTION_CLIENT_SENDS,
                bytes_transferred: p.bytes_transferred as i64,
                percent_done: p.percent_done,
                text,
            });
        } else if let (Some(p), Direction::Read, true) = (a.progress, c.direction, events) {
            let text = t.acked_data().to_vec();
            t.clear_acked_data();
            self.queue.push_back(TftpEvent::Transfer {
                connection_id: id,
                direction: DIRECTION_SERVER_SENDS,
                bytes_transferred: p.bytes_transferred as i64,
                percent_done: p.percent_done,
                text,
            });
        }
    }

    /// Handles one connection's datagrams (up to the budget), sends, and
    /// ends the connection when its transfer is over.
    fn process_conn(&mut self, slot: usize) {
        let now = Instant::now();
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        c.in_work = false;
        if c.closing || c.transfer.is_none() {
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        if scratch.is_empty() {
            // Called while the listener holds the shared buffer.
            scratch = vec![0; SCRATCH];
        }
        let mut budget = DATAGRAM_BUDGET;
        loop {
            self.pump(slot);
            let c = self.conns.by_slot_mut(slot).expect("exists");
            let t = c.transfer.as_ref().expect("started");
            if t.is_finished() {
                break;
            }
            if budget == 0 {
                if c.readable || !c.inbox.is_empty() {
                    c.in_work = true;
                    self.next_round.push(slot);
                }
                break;
            }
            budget -= 1;
            let (len, from) = if let Some(sock) = &c.sock {
                if !c.readable {
                    break;
                }
                match sock.recv_from(&mut scratch) {
                    Ok((n, from)) => (n, from),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        c.readable = false;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // ECONNREFUSED and the like (connected sockets).
                        let err = Error::from_io(&e);
                        c.local_error.get_or_insert(err.clone());
                        let t = c.transfer.as_mut().expect("started");
                        t.abort(&TftpError::new(errcode::NOT_DEFINED, "receive failed"), err);
                        while t.next_datagram().is_some() {
                            t.datagram_sent();
                        }
                        break;
                    }
                }
            } else {
                match c.inbox.pop_front() {
                    Some(d) => {
                        let n = d.len();
                        scratch[..n].copy_from_slice(&d);
                        (n, c.route_key)
                    }
                    None => break,
                }
            };
            self.stats.bytes_received += len as u64;
            if c.sock.is_some() && from != c.send_addr {
                // RFC 1350 §4: a packet from a wrong TID gets ERROR 5 and
                // the transfer goes on undisturbed.
                self.stats.wrong_tid += 1;
                let mut pkt = Vec::new();
                TftpError::new(errcode::UNKNOWN_TID, errcode::text(errcode::UNKNOWN_TID)).encode(&mut pkt);
                if let Some(sock) = &c.sock {
                    let _ = sock.send_to(&pkt, from);
                }
                let id = c.id;
                self.log(log_level::DEBUG, id, format!("Datagram from unknown TID {from}: answered with error 5"));
                continue;
            }
            self.feed(slot, &scratch[..len], now);
        }
        self.scratch = scratch;
        self.pump(slot);
        let c = self.conns.by_slot_mut(slot).expect("exists");
        if c.transfer.as_ref().is_some_and(Transfer::is_finished) {
            self.finish(slot);
        } else {
            self.arm(slot);
        }
    }

    /// The transfer is over: commit an upload, queue EndTransfer (success)
    /// or Error, then Disconnected; keep the socket a while if the transfer
    /// still dallies.
    fn finish(&mut self, slot: usize) {
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        if c.closing {
            return;
        }
        let t = c.transfer.take();
        let outcome = t.as_ref().and_then(|t| t.outcome().cloned());
        let result = match (c.local_error.take(), outcome) {
            (Some(e), _) => Err(e),
            (None, Some(Ok(()))) => match c.sink.take() {
                Some(Sink::File(up)) => {
                    let shown = up.dest_path().display().to_string();
                    up.commit()
                        .map_err(|e| Error::new(file_codes::CANT_WRITE, format!("Can't write local file {shown}: {e}")))
                }
                _ => Ok(()),
            },
            (None, Some(Err(te))) => Err(te.error),
            (None, None) => Err(Error::new(codes::INTERNAL, "Transfer ended without an outcome")),
        };
        c.sink = None;
        c.source = None;
        let id = c.id;
        let direction = direction_code(c.direction);
        let elapsed = c.started.elapsed();
        let bytes = t.as_ref().map_or(0, |t| t.progress().bytes_transferred);
        let keep = match (&t, &result) {
            (Some(t), Ok(())) => !t.is_closed(),
            _ => false,
        };
        if keep {
            let t = t.expect("checked");
            let sock = c.sock.take();
            let (send_addr, peer, local_ip, route_key) = (c.send_addr, c.peer, c.local_ip, c.route_key);
            self.start_linger(Linger { sock, send_addr, peer, local_ip, route_key, transfer: t, timer_at: None });
        } else {
            self.release_socket(slot);
        }
        match result {
            Ok(()) => {
                self.stats.completed += 1;
                let secs = elapsed.as_secs_f64();
                let m = format!("Transfer complete: {bytes} bytes in {secs:.3} s");
                self.log(log_level::INFO, id, m);
                self.queue.push_back(TftpEvent::EndTransfer { connection_id: id, direction });
                self.close_conn(slot, Ok(()));
            }
            Err(e) => self.close_conn(slot, Err(e)),
        }
    }

    /// Drops a connection's socket and its route.
    fn release_socket(&mut self, slot: usize) {
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        if let Some(mut s) = c.sock.take() {
            let _ = self.registry.deregister(&mut s);
        }
        let (key, id) = (c.route_key, c.id);
        if self.routes.get(&key) == Some(&Route::Conn(id)) {
            self.routes.remove(&key);
        }
    }

    /// Marks the connection closing and queues Error (on failure) and
    /// Disconnected; the entry is removed once Disconnected has fired.
    fn close_conn(&mut self, slot: usize, result: std::result::Result<(), Error>) {
        self.release_socket(slot);
        let Some(c) = self.conns.by_slot_mut(slot) else { return };
        if c.closing {
            return;
        }
        c.closing = true;
        c.transfer = None;
        c.sink = None;
        c.source = None;
        c.inbox.clear();
        let id = c.id;
        match result {
            Ok(()) => self.queue.push_back(TftpEvent::Disconnected {
                connection_id: id,
                status_code: 0,
                description: "OK".into(),
            }),
            Err(e) => {
                self.stats.failed += 1;
                self.log_error(id, format!("Transfer failed: {} {}", e.code, e.text));
                self.queue.push_back(TftpEvent::Error {
                    error_code: e.code,
                    description: e.text.clone(),
                    connection_id: id,
                });
                self.queue.push_back(TftpEvent::Disconnected {
                    connection_id: id,
                    status_code: e.code,
                    description: e.text,
                });
            }
        }
    }

    // ----- lingering transfers --------------------------------------------

    fn start_linger(&mut self, mut l: Linger) {
        let idx = match self.linger_free.pop() {
            Some(i) => i,
            None => {
                self.lingers.push(None);
                self.lingers.len() - 1
            }
        };
        if let Some(s) = l.sock.as_mut() {
            if self.registry.reregister(s, Token(LINGER_BASE + idx), Interest::READABLE).is_err() {
                let _ = self.registry.deregister(s);
                self.linger_free.push(idx);
                return;
            }
        }
        self.routes.insert(l.route_key, Route::Linger(idx));
        self.lingers[idx] = Some(l);
        self.arm_linger(idx);
    }

    fn arm_linger(&mut self, idx: usize) {
        let Some(Some(l)) = self.lingers.get_mut(idx) else {
            return;
        };
        if let Some(d) = l.transfer.next_deadline() {
            if l.timer_at.is_none_or(|x| d < x) {
                l.timer_at = Some(d);
                self.timers.schedule(d, TimerKey::Linger(idx));
            }
        }
    }

    fn drop_linger(&mut self, idx: usize) {
        let Some(slot) = self.lingers.get_mut(idx) else { return };
        let Some(mut l) = slot.take() else { return };
        if let Some(s) = l.sock.as_mut() {
            let _ = self.registry.deregister(s);
        }
        if self.routes.get(&l.route_key) == Some(&Route::Linger(idx)) {
            self.routes.remove(&l.route_key);
        }
        self.linger_free.push(idx);
        if !self.accepting && self.conns.is_empty() && self.lingers.iter().all(Option::is_none) {
            self.close_listener();
        }
    }

    /// Sends what a lingering transfer queued; drops it once it is closed.
    fn flush_linger(&mut self, idx: usize) {
        let single_sock = self.listener.as_ref().map(|l| (&l.sock, l.pktinfo));
        let use_conn = self.settings.use_connection;
        let Some(Some(l)) = self.lingers.get_mut(idx) else {
            return;
        };
        let out = match (&l.sock, single_sock) {
            (Some(s), _) => Some(Out::Own(s, use_conn)),
            (None, Some((s, pi))) => Some(Out::Shared(s, l.local_ip, pi)),
            (None, None) => None,
        };
        if let Some(out) = out {
            let _ = flush(&mut l.transfer, &out, &l.send_addr, &mut self.stats);
        }
        if l.transfer.is_closed() {
            self.drop_linger(idx);
        } else {
            self.arm_linger(idx);
        }
    }

    fn feed_linger(&mut self, idx: usize, from: SocketAddr, data: &[u8]) {
        let Some(Some(l)) = self.lingers.get_mut(idx) else {
            return;
        };
        if from != l.send_addr && from != l.peer {
            return;
        }
        l.transfer.on_datagram(data, Instant::now());
        self.flush_linger(idx);
    }

    fn process_linger(&mut self, idx: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        while let Some(Some(l)) = self.lingers.get_mut(idx) {
            let Some(sock) = &l.sock else { break };
            match sock.recv_from(&mut scratch) {
                Ok((n, from)) => {
                    if from != l.send_addr {
                        let mut pkt = Vec::new();
                        TftpError::new(errcode::UNKNOWN_TID, errcode::text(errcode::UNKNOWN_TID)).encode(&mut pkt);
                        let _ = sock.send_to(&pkt, from);
                        continue;
                    }
                    self.feed_linger(idx, from, &scratch[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        self.scratch = scratch;
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
