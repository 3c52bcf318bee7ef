//! One accepted connection as the transport keeps it: the stream, its out
//! queue, the transport's per-connection properties and flags, and the
//! protocol's own state beside them.

use std::net::SocketAddr;
use std::time::Instant;

use super::io::Stream;
use super::outq::{OutQueue, Segment};
use super::protocol::Protocol;
use crate::core::error::Error;

/// The transport's part of a connection.
pub struct ConnCore {
    pub id: i32,
    pub stream: Stream,
    pub remote: SocketAddr,
    pub local: SocketAddr,
    pub out: OutQueue,
    /// IdleTimeout (seconds; 0 = never).
    pub idle_timeout: u32,
    /// Timeout: how long a blocking send may wait (0 = asynchronous).
    pub timeout: u32,
    pub bytes_sent: i64,
    pub ready_to_send: bool,
    pub paused: bool,
    /// The socket may have unread data (edge-triggered readiness seen).
    pub(super) readable: bool,
    /// The peer's FIN (or an error) was seen: read until end of stream.
    pub(super) peer_closed: bool,
    /// Already read in the current round (fairness between connections).
    pub(super) read_round: u64,
    /// Queued in the work list.
    pub(super) in_work: bool,
    /// Reading has ended: the status to report (0 = orderly close). Boxed:
    /// rare, and every idle connection would carry its 32 bytes.
    pub(super) eof: Option<Box<Error>>,
    pub closing: bool,
    pub last_activity: Instant,
    pub linger: bool,
    /// A writable edge arrived that the TLS layer or the out queue has not
    /// used yet.
    pub(super) writable_edge: bool,
    /// Connected has fired for the current phase (plaintext or TLS).
    pub(super) announced: bool,
    /// An SSL event waits for the application's decision (certificate
    /// choice, client certificate): nothing is read or delivered until then.
    pub(super) awaiting_app: bool,
}

impl ConnCore {
    pub(super) fn new(id: i32, stream: Stream, remote: SocketAddr, local: SocketAddr) -> ConnCore {
        ConnCore {
            id,
            stream,
            remote,
            local,
            out: OutQueue::default(),
            idle_timeout: 0,
            timeout: 0,
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
            linger: true,
            writable_edge: false,
            announced: false,
            awaiting_app: false,
        }
    }

    /// Open: the socket is there and no close has begun.
    pub fn is_connected(&self) -> bool {
        !self.closing && self.stream.is_open()
    }

    /// Queues a segment behind what waits and writes what the socket takes.
    /// A write error ends reading with that status (the connection then
    /// closes through the usual end-of-stream path).
    pub(super) fn queue(&mut self, seg: Segment) {
        if !self.out.is_empty() {
            self.out.push(seg);
            return;
        }
        // Nothing waits: straight to the socket, and only the rest is queued.
        match self.stream.write_some(seg.bytes()) {
            Ok(n) => {
                if n > 0 {
                    self.last_activity = Instant::now();
                }
                self.out.push_sent(seg, n);
            }
            Err(e) => self.write_failed(e),
        }
    }

    /// Sends a frame given as header and payload with one vectored write
    /// when nothing waits, queueing a copy of only what the socket did not
    /// take: the payload is not copied on the way.
    pub(super) fn queue_parts(&mut self, header: &[u8], payload: &[u8]) {
        let total = header.len() + payload.len();
        let mut sent = 0;
        if self.out.is_empty() {
            let iov = [std::io::IoSlice::new(header), std::io::IoSlice::new(payload)];
            match self.stream.write_vectored(&iov) {
                Ok(n) => {
                    if n > 0 {
                        self.last_activity = Instant::now();
                    }
                    sent = n;
                }
                Err(e) => return self.write_failed(e),
            }
        }
        if sent < total {
            let mut rest = Vec::with_capacity(total - sent);
            if sent < header.len() {
                rest.extend_from_slice(&header[sent..]);
                rest.extend_from_slice(payload);
            } else {
                rest.extend_from_slice(&payload[sent - header.len()..]);
            }
            self.out.push(Segment::Owned(rest));
        }
    }

    fn write_failed(&mut self, e: std::io::Error) {
        self.out.clear();
        if self.eof.is_none() {
            self.eof = Some(Box::new(Error::from_io(&e)));
        }
        self.readable = true;
    }

    /// Writes what the socket takes of the out queue.
    pub(super) fn flush_queue(&mut self) {
        if self.out.is_empty() {
            return;
        }
        match self.out.flush(&mut self.stream) {
            Ok(n) if n > 0 => self.last_activity = Instant::now(),
            Ok(_) => {}
            Err(e) => self.write_failed(e),
        }
    }
}

/// A connection: the transport's part and the protocol's.
pub struct Conn<P: Protocol> {
    pub core: ConnCore,
    pub proto: P::Conn,
}
