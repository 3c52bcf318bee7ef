//! The listening port: opening and closing it (StartListening,
//! StopListening, LocalPort), reading its datagrams, passing those of
//! transfers on in single-port mode, and answering what is not a request.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

use mio::Interest;

use super::transfer_io::{send_one, Out};
use super::{log_level, Listener, Route, TftpCore, LISTENER, REQUEST_BUDGET};
use crate::core::error::{codes, Error, Result};
use crate::core::listener::{self, BindOptions};
use crate::core::service::Listens;
use crate::tftp::event::TftpEvent;
use crate::tftp::options::Direction;
use crate::tftp::packet::{errcode, Packet, TftpError};
use crate::tftp::pktinfo;

impl Listens for TftpCore {
    fn start_listening(&mut self) -> Result<()> {
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
    /// the bound port so a restart binds it again (docs/API.md §8).
    fn stop_listening(&mut self) {
        self.accepting = false;
        self.stats.refused += self.pending.len() as u64;
        self.pending.clear();
        let shared_in_use = self.listener.as_ref().is_some_and(|l| l.single_port)
            && (!self.conns.is_empty() || self.lingers.iter().any(Option::is_some));
        if !shared_in_use {
            self.close_listener();
        }
    }
}

impl TftpCore {
    pub(super) fn close_listener(&mut self) {
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
    pub(super) fn reply_from_listener(&mut self, to: SocketAddr, dst: Option<IpAddr>, err: &TftpError) {
        let Some(l) = &self.listener else { return };
        let mut pkt = Vec::with_capacity(8 + err.message.len());
        err.encode(&mut pkt);
        let out = Out::Shared(&l.sock, dst, l.pktinfo);
        if send_one(&out, &pkt, &to).is_ok() {
            self.stats.bytes_sent += pkt.len() as u64;
        }
    }

    pub(super) fn recv_requests(&mut self) {
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
}
