//! The work list: for the connection at its front, TLS records and queued
//! segments go out, buffered input becomes the protocol's next event, or
//! one read (per connection per round, for fairness) brings more.

use std::time::Instant;

use super::{proto_call, Ctx, Transport};
use crate::core::error::Error;
use crate::stream::event::StreamEvent;
use crate::stream::io::ReadOutcome;
use crate::stream::protocol::Protocol;
use crate::stream::ProtoEvent;

impl<P: Protocol> Transport<P> {
    /// Produces the next event for the connection at the front of the work
    /// list (or moves on when it has none).
    pub(super) fn work_next(&mut self) -> Option<P::Event> {
        while let Some(&slot) = self.work.front() {
            let round = self.round;
            let Some(conn) = self.conns.by_slot_mut(slot) else {
                self.work.pop_front();
                continue;
            };
            if conn.core.closing || conn.core.awaiting_app {
                conn.core.in_work = false;
                self.work.pop_front();
                continue;
            }
            if conn.core.writable_edge {
                // Before the PauseData check: an application that pauses
                // reading until ReadyToSend (the usual answer to 10035) must
                // still get it.
                if let Some(ev) = self.writable_edge(slot) {
                    return Some(ev);
                }
                continue;
            }
            if conn.core.paused {
                conn.core.in_work = false;
                self.work.pop_front();
                continue;
            }
            let id = conn.core.id;
            let ev = proto_call!(self, conn, |p, cx, pc| p.next_event(&mut cx, pc));
            if ev.is_some() || !self.requests.is_empty() {
                self.after_call(id);
                if ev.is_some() {
                    return ev;
                }
                continue;
            }
            let c = &mut conn.core;
            if c.readable && c.eof.is_none() && c.read_round != round {
                c.read_round = round;
                match c.stream.read_into(&mut self.scratch) {
                    ReadOutcome::Data(n) => {
                        c.last_activity = Instant::now();
                        self.stats.bytes_in += n as u64;
                        if n < self.scratch.len() && !c.peer_closed && !c.stream.has_tls() {
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
                        let data = &mut self.scratch[..n];
                        let mut cx = Ctx { core: &mut conn.core, req: &mut self.requests };
                        let ev = self.proto.on_input(&mut cx, &mut conn.proto, data);
                        self.after_call(id);
                        if ev.is_some() {
                            return ev;
                        }
                        continue;
                    }
                    ReadOutcome::WouldBlock => c.readable = false,
                    ReadOutcome::Closed => c.eof = Some(Box::new(Error::new(0, "OK"))),
                    ReadOutcome::Failed(e) => c.eof = Some(Box::new(Error::from_io(&e))),
                    ReadOutcome::Tls(p) => {
                        // The handshake moved; reading may go on this round.
                        c.read_round = round.wrapping_sub(1);
                        self.on_tls_progress(id, p);
                        if !self.queue.is_empty() {
                            return self.queue.pop_front();
                        }
                        continue;
                    }
                    ReadOutcome::TlsFailed(e) => {
                        c.in_work = false;
                        self.work.pop_front();
                        self.drain_tls_status(id);
                        self.close_conn(id, e, true);
                        return self.queue.pop_front();
                    }
                }
                self.drain_tls_status(id);
                if !self.queue.is_empty() {
                    return self.queue.pop_front();
                }
                continue;
            }
            if c.eof.is_some() {
                // Whatever the protocol still holds (a partial line) goes first.
                let ev = proto_call!(self, conn, |p, cx, pc| p.on_eof(&mut cx, pc));
                self.after_call(id);
                if ev.is_some() {
                    return ev;
                }
                let Some(conn) = self.conns.by_slot_mut(slot) else { continue };
                let c = &mut conn.core;
                let Some(status) = c.eof.take() else { continue };
                c.in_work = false;
                self.work.pop_front();
                self.close_conn(id, *status, true);
                return self.queue.pop_front();
            }
            c.in_work = false;
            self.work.pop_front();
        }
        None
    }

    /// A writable edge on a connection with TLS records or queued segments
    /// left over from a send: they go out now; ReadyToSend fires once they
    /// have (docs/API.md §8 "Events and data"), then the protocol may send
    /// more (`on_writable`).
    fn writable_edge(&mut self, slot: usize) -> Option<P::Event> {
        let conn = self.conns.by_slot_mut(slot)?;
        let c = &mut conn.core;
        c.writable_edge = false;
        let id = c.id;
        match c.stream.flush() {
            Ok(true) => {
                c.flush_queue();
                if c.out.is_empty() && self.close_after_flush.contains_key(&id) {
                    self.close_if_flushed(id);
                    return self.queue.pop_front();
                }
                if c.out.is_empty() {
                    let ev = proto_call!(self, conn, |p, cx, pc| p.on_writable(&mut cx, pc));
                    self.after_call(id);
                    if ev.is_some() {
                        return ev;
                    }
                }
                let c = &mut self.conns.by_slot_mut(slot)?.core;
                if c.out.len() <= P::QUEUE_HIGH_WATER / 2 && !c.ready_to_send && c.announced && !c.closing {
                    c.ready_to_send = true;
                    return Some(P::Event::from_stream(StreamEvent::ReadyToSend { connection_id: id }));
                }
            }
            Ok(false) => {}
            Err(e) => {
                c.eof = Some(Box::new(Error::from_io(&e)));
                // As over plaintext, where an error edge fires ReadyToSend:
                // a waiting sender learns of it by sending (and a paused
                // reader is not left waiting).
                if !c.ready_to_send && c.announced {
                    c.ready_to_send = true;
                    return Some(P::Event::from_stream(StreamEvent::ReadyToSend { connection_id: id }));
                }
            }
        }
        None
    }

    /// Reads what the socket holds for one connection now and hands it to
    /// the protocol, outside the work list: for a blocking method that waits
    /// for the peer from inside a callback (an OFTP SendFile waiting for
    /// SFPA or CDT), where no round runs to read it. An event the protocol
    /// returns waits in the queue for the round after the callback. Returns
    /// whether anything was read.
    pub fn read_now(&mut self, id: i32) -> Result<bool, Error> {
        let slot = self.conns.slot_of(id).ok_or_else(|| Error::code(crate::core::error::codes::INVALID_CONNECTION))?;
        let conn = self.conns.by_slot_mut(slot).expect("exists");
        let c = &mut conn.core;
        if c.closing || c.eof.is_some() || c.awaiting_app {
            return Ok(false);
        }
        match c.stream.read_into(&mut self.scratch) {
            ReadOutcome::Data(n) => {
                c.last_activity = Instant::now();
                self.stats.bytes_in += n as u64;
                let data = &mut self.scratch[..n];
                let mut cx = Ctx { core: &mut conn.core, req: &mut self.requests };
                let ev = self.proto.on_input(&mut cx, &mut conn.proto, data);
                self.after_call(id);
                if let Some(ev) = ev {
                    self.queue.push_back(ev);
                }
                self.rework(id);
                Ok(true)
            }
            ReadOutcome::WouldBlock => Ok(false),
            ReadOutcome::Closed => {
                c.eof = Some(Box::new(Error::new(0, "OK")));
                self.rework(id);
                Ok(false)
            }
            ReadOutcome::Failed(e) => {
                c.eof = Some(Box::new(Error::from_io(&e)));
                self.rework(id);
                Ok(false)
            }
            ReadOutcome::Tls(p) => {
                self.on_tls_progress(id, p);
                Ok(true)
            }
            ReadOutcome::TlsFailed(e) => {
                self.drain_tls_status(id);
                self.close_conn(id, e, true);
                Ok(false)
            }
        }
    }
}
