//! Sending: straight to the socket for protocols that queue nothing
//! (TCPServer: what the socket takes, 10035 for the rest), or through the
//! out queue within the protocol's high water mark; the steps blocking
//! sends are made of; the kernel's send queues for Stats.

use std::os::fd::RawFd;
use std::time::Instant;

use super::{closed_error, Transport};
use crate::core::engine::Step;
use crate::core::error::{codes, Error, Result};
use crate::stream::outq::Segment;
use crate::stream::protocol::Protocol;

fn would_block() -> Error {
    Error::new(codes::WOULD_BLOCK, "[10035] Operation would block.")
}

impl<P: Protocol> Transport<P> {
    /// One non-blocking attempt: takes what the socket accepts. `Ok(n)` is
    /// the number of bytes taken; a write error closes the connection.
    /// `blocking`: a blocking send waits for the socket itself; it never
    /// fails with 10035, so it does not arm the ReadyToSend event.
    pub fn write_now(&mut self, id: i32, data: &[u8], blocking: bool) -> Result<usize> {
        let c = &mut self.open_conn_mut(id)?.core;
        match c.stream.write_some(data) {
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
                self.wake();
                Err(err)
            }
        }
    }

    /// `Send` with Timeout 0: everything or 10035 with BytesSent set.
    pub fn send_async(&mut self, id: i32, data: &[u8]) -> Result<()> {
        self.open_conn_mut(id)?.core.bytes_sent = 0;
        let n = self.write_now(id, data, false)?;
        self.conn_mut(id)?.core.bytes_sent = n as i64;
        if n < data.len() {
            return Err(would_block());
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
        self.conn_mut(id)?.core.bytes_sent = *off as i64;
        Ok(if *off >= data.len() {
            Step::Done(())
        } else if n > 0 {
            Step::Progress
        } else {
            Step::Blocked
        })
    }

    /// An application send through the out queue (protocols with a high
    /// water mark): a unit that must go out whole (a frame) is queued whole,
    /// or refused with 10035 while the queue is above the high mark.
    /// ReadyToSend fires when it has drained to the low mark.
    pub fn send_segment(&mut self, id: i32, seg: Segment) -> Result<()> {
        let c = &mut self.open_conn_mut(id)?.core;
        if c.out.len() > P::QUEUE_HIGH_WATER {
            c.ready_to_send = false;
            return Err(would_block());
        }
        let before = c.out.len() + seg.len();
        c.queue(seg);
        let sent = before - c.out.len();
        self.stats.bytes_out += sent as u64;
        let c = &mut self.conn_mut(id)?.core;
        if c.out.len() > P::QUEUE_HIGH_WATER {
            c.ready_to_send = false;
        }
        if let Some(e) = c.eof.as_deref().cloned() {
            // The write failed: reading ends with that status.
            self.rework(id);
            return Err(e);
        }
        Ok(())
    }

    /// A step of a blocking send through the out queue: writes what the
    /// socket takes; done once everything queued (and every TLS record) is out.
    pub fn flush_step(&mut self, id: i32) -> Result<Step<()>> {
        let c = &mut self.open_conn_mut(id)?.core;
        let before = c.out.len();
        c.flush_queue();
        let tls_done = c.stream.flush().map_err(|e| Error::from_io(&e))?;
        if let Some(e) = c.eof.as_deref().cloned() {
            if e.code != 0 {
                self.rework(id);
                return Err(e);
            }
        }
        Ok(if c.out.is_empty() && tls_done {
            Step::Done(())
        } else if c.out.len() < before {
            Step::Progress
        } else {
            Step::Blocked
        })
    }

    pub fn set_bytes_sent(&mut self, id: i32, n: usize) {
        if let Some(c) = self.conns.get_mut(id) {
            c.core.bytes_sent = n as i64;
        }
    }

    /// The socket a blocking send waits on, and the connection's Timeout.
    pub fn send_target(&self, id: i32) -> Result<(RawFd, u32)> {
        let c = &self.conn(id)?.core;
        match (c.stream.raw_fd(), c.closing) {
            (Some(fd), false) => Ok((fd, c.timeout)),
            _ => Err(closed_error()),
        }
    }

    /// Bytes waiting in the out queues and the kernel's send queues of every
    /// connection.
    pub fn send_queue_bytes(&self) -> u64 {
        self.conns
            .values()
            .map(|c| {
                let queued = c.core.out.len() as u64;
                let Some(fd) = c.core.stream.raw_fd() else { return queued };
                let mut n: libc::c_int = 0;
                // SAFETY: SIOCOUTQ writes one int.
                let r = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n) };
                queued + if r == 0 { n.max(0) as u64 } else { 0 }
            })
            .sum()
    }
}
