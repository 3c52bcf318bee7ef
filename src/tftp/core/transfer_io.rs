//! Per-transfer I/O: scheduling a connection's work and arming its timer,
//! filling its transfer from the file and sending what it queued, feeding
//! it the peer's datagrams (Transfer events), and ending the connection
//! (EndTransfer, Error, Disconnected).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::Instant;

use mio::net::UdpSocket;
use mio::{Interest, Token};

use super::{
    direction_code, log_level, Linger, Route, Stats, TftpCore, TimerKey, CONN_BASE, DATAGRAM_BUDGET, LISTENER, SCRATCH,
};
use crate::core::error::{codes, Error};
use crate::tftp::conn::{file_codes, Sink, Source};
use crate::tftp::event::{TftpEvent, DIRECTION_CLIENT_SENDS, DIRECTION_SERVER_SENDS};
use crate::tftp::options::Direction;
use crate::tftp::packet::{errcode, is_error_packet, TftpError};
use crate::tftp::path::tftp_error_for_io;
use crate::tftp::pktinfo;
use crate::tftp::transfer::Transfer;

/// Where a transfer's datagrams leave from.
pub(super) enum Out<'a> {
    /// Its own socket; `true` when connected (UseConnection).
    Own(&'a UdpSocket, bool),
    /// The listening socket (single-port mode), with the source address to
    /// use when pktinfo is on.
    Shared(&'a UdpSocket, Option<IpAddr>, bool),
}

pub(super) fn send_one(out: &Out, data: &[u8], to: &SocketAddr) -> io::Result<usize> {
    match out {
        Out::Own(s, true) => s.send(data),
        Out::Own(s, false) => s.send_to(data, *to),
        Out::Shared(s, src, true) => pktinfo::send_to(s.as_raw_fd(), data, to, *src),
        Out::Shared(s, _, false) => s.send_to(data, *to),
    }
}

/// Sends what the transfer has queued. `Ok(false)`: the socket is full.
pub(super) fn flush(t: &mut Transfer, out: &Out, to: &SocketAddr, stats: &mut Stats) -> io::Result<bool> {
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

impl TftpCore {
    pub(super) fn schedule_work(&mut self, slot: usize) {
        if let Some(c) = self.conns.by_slot_mut(slot) {
            if !c.in_work && !c.closing {
                c.in_work = true;
                self.work.push_back(slot);
            }
        }
    }

    pub(super) fn arm(&mut self, slot: usize) {
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
            // The final block is in: store the file (flush, sync, rename)
            // before the final ACK goes out, so a client told "done" has
            // its file, and one whose data could not be stored (the last
            // buffered write failing, ENOSPC at sync) gets the ERROR
            // instead of the ACK.
            if matches!(t.outcome(), Some(Ok(()))) && matches!(c.sink, Some(Sink::File(_))) {
                let Some(Sink::File(up)) = c.sink.take() else { unreachable!("checked above") };
                let shown = up.dest_path().display().to_string();
                if let Err(e) = up.commit() {
                    let err = Error::new(file_codes::CANT_WRITE, format!("Can't write local file {shown}: {e}"));
                    c.local_error.get_or_insert(err.clone());
                    t.fail_before_final_ack(&tftp_error_for_io(&e), err);
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
    pub(super) fn process_conn(&mut self, slot: usize) {
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
                // the transfer goes on undisturbed — unless it is itself an
                // ERROR, which is never answered (§7): two transfer ports
                // answering each other's ERROR 5 (one spoofed datagram is
                // enough to start it) would loop for as long as both live.
                self.stats.wrong_tid += 1;
                let id = c.id;
                if is_error_packet(&scratch[..len]) {
                    self.log(log_level::DEBUG, id, format!("ERROR from unknown TID {from}: ignored"));
                    continue;
                }
                let mut pkt = Vec::new();
                TftpError::new(errcode::UNKNOWN_TID, errcode::text(errcode::UNKNOWN_TID)).encode(&mut pkt);
                if let Some(sock) = &c.sock {
                    let _ = sock.send_to(&pkt, from);
                }
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
    pub(super) fn finish(&mut self, slot: usize) {
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
    pub(super) fn close_conn(&mut self, slot: usize, result: std::result::Result<(), Error>) {
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
}
