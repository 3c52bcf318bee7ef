//! Lingering transfers: a finished upload keeps its socket (or its route,
//! in single-port mode) a while to answer a repeated final DATA with its
//! final ACK (RFC 1350 §6 "dallying").

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use mio::{Interest, Token};

use super::transfer_io::{flush, Out};
use super::{Linger, Route, TftpCore, TimerKey, LINGER_BASE};
use crate::tftp::packet::{errcode, is_error_packet, TftpError};

impl TftpCore {
    pub(super) fn start_linger(&mut self, mut l: Linger) {
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

    pub(super) fn drop_linger(&mut self, idx: usize) {
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
    pub(super) fn flush_linger(&mut self, idx: usize) {
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

    pub(super) fn feed_linger(&mut self, idx: usize, from: SocketAddr, data: &[u8]) {
        let Some(Some(l)) = self.lingers.get_mut(idx) else {
            return;
        };
        if from != l.send_addr && from != l.peer {
            return;
        }
        l.transfer.on_datagram(data, Instant::now());
        self.flush_linger(idx);
    }

    pub(super) fn process_linger(&mut self, idx: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        while let Some(Some(l)) = self.lingers.get_mut(idx) {
            let Some(sock) = &l.sock else { break };
            match sock.recv_from(&mut scratch) {
                Ok((n, from)) => {
                    if from != l.send_addr {
                        // ERROR 5 to a wrong TID, never to an ERROR (RFC 1350 §7).
                        if is_error_packet(&scratch[..n]) {
                            continue;
                        }
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
}
