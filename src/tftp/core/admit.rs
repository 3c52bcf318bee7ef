//! Requests and their admission: an RRQ or WRQ becomes a ConnectionRequest;
//! an accepted one a connection with its own socket (TID); after
//! StartTransfer, its data source or sink and the negotiated options; and
//! the refusals on the way.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Interest, Token};

use super::transfer_io::{send_one, Out};
use super::{direction_code, log_level, op_name, Pending, Route, TftpCore, CONN_BASE};
use crate::core::clients::normalize;
use crate::core::error::{Error, Result};
use crate::core::listener::{self, BindOptions, IpMode};
use crate::tftp::conn::{file_codes, Conn, Refusal};
use crate::tftp::event::{TftpEvent, OPERATION_READ, OPERATION_WRITE};
use crate::tftp::options::{negotiate, Context, Direction};
use crate::tftp::packet::{errcode, Mode, Request, TftpError, TftpOption};
use crate::tftp::pktinfo;
use crate::tftp::transfer::{codes as tcodes, Transfer, TransferConfig};

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

impl TftpCore {
    pub(super) fn on_request(&mut self, from: SocketAddr, dst: Option<IpAddr>, req: Request<'_>, dir: Direction) {
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
    pub(super) fn admit(&mut self, p: Pending) {
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
    pub(super) fn begin(&mut self, id: i32) {
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
}
