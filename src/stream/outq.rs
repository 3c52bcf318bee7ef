//! The outgoing queue of one connection: segments waiting for the socket,
//! flushed with vectored writes. A segment is shareable (`Arc<[u8]>`), so a
//! frame encoded once can sit in many connections' queues (a broadcast).
//!
//! Water marks: a protocol declares how much may wait here
//! ([`super::Protocol::QUEUE_HIGH_WATER`]). A send that leaves more than
//! that queued reports 10035 and clears ReadyToSend; the ReadyToSend event
//! fires once the queue has drained to the low mark (half the high one).
//! TCPServer's high mark is zero: nothing is ever queued beyond what the
//! socket (or the TLS layer's bounded buffer) takes, which is its exact
//! 10035 / BytesSent contract (docs/API.md §8, "Events and data").

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::Arc;

use super::io::Stream;

/// Bytes waiting to be sent: owned, or shared between connections.
#[derive(Clone, Debug)]
pub enum Segment {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Segment {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Segment::Owned(v) => v,
            Segment::Shared(a) => a,
        }
    }

    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Slices gathered per flush (IOV_MAX is 1024; a few dozen fill any socket).
const MAX_IOV: usize = 64;

/// The queue; empty, it is one null pointer, so the many connections that
/// never queue (all of TCPServer's) pay 8 bytes for it.
#[derive(Default, Debug)]
pub struct OutQueue {
    q: Option<Box<Queued>>,
}

#[derive(Default, Debug)]
struct Queued {
    segs: VecDeque<Segment>,
    /// How much of the front segment has been sent.
    front_off: usize,
    /// Bytes queued and not yet sent.
    bytes: usize,
}

impl OutQueue {
    pub fn len(&self) -> usize {
        self.q.as_ref().map_or(0, |q| q.bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_none()
    }

    /// Queues a segment after everything already queued.
    pub fn push(&mut self, seg: Segment) {
        if seg.is_empty() {
            return;
        }
        let q = self.q.get_or_insert_with(Box::default);
        q.bytes += seg.len();
        q.segs.push_back(seg);
    }

    /// Queues what is left of `data` after `sent` bytes went out directly.
    pub fn push_rest(&mut self, data: &[u8], sent: usize) {
        if sent < data.len() {
            self.push(Segment::Owned(data[sent..].to_vec()));
        }
    }

    /// Queues a segment of which the first `sent` bytes already went out
    /// directly (the queue was empty): no copy of the rest.
    pub fn push_sent(&mut self, seg: Segment, sent: usize) {
        if sent >= seg.len() {
            return;
        }
        debug_assert!(self.is_empty() || sent == 0);
        let was_empty = self.is_empty();
        self.push(seg);
        if was_empty && sent > 0 {
            let q = self.q.as_mut().expect("just pushed");
            q.front_off = sent;
            q.bytes -= sent;
        }
    }

    /// Writes as much of the queue as the stream takes; returns the bytes
    /// sent. Ok with the queue non-empty means the socket is full.
    pub fn flush(&mut self, stream: &mut Stream) -> io::Result<usize> {
        let Some(q) = self.q.as_mut() else { return Ok(0) };
        let mut total = 0;
        while !q.segs.is_empty() {
            // On the stack: a flush allocates nothing.
            let mut iov = [IoSlice::new(&[]); MAX_IOV];
            let mut k = 0;
            for (i, s) in q.segs.iter().take(MAX_IOV).enumerate() {
                let b = s.bytes();
                iov[i] = IoSlice::new(if i == 0 { &b[q.front_off..] } else { b });
                k = i + 1;
            }
            let iov = &iov[..k];
            let want: usize = iov.iter().map(|s| s.len()).sum();
            let n = stream.write_vectored(iov)?;
            q.consume(n);
            total += n;
            if n < want {
                break;
            }
        }
        if q.segs.is_empty() {
            // An idle connection keeps no queue memory.
            self.q = None;
        }
        Ok(total)
    }

    /// Drops everything (the connection closed).
    pub fn clear(&mut self) {
        self.q = None;
    }
}

impl Queued {
    /// Drops `n` sent bytes from the front.
    fn consume(&mut self, mut n: usize) {
        self.bytes -= n;
        while n > 0 {
            let front = self.segs.front().expect("bytes counted").len() - self.front_off;
            if n < front {
                self.front_off += n;
                return;
            }
            n -= front;
            self.front_off = 0;
            self.segs.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn pair() -> (Stream, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        s.set_nonblocking(true).unwrap();
        (Stream::new(mio::net::TcpStream::from_std(s)), c)
    }

    #[test]
    fn shared_and_owned_segments_go_out_in_order() {
        let (mut stream, mut peer) = pair();
        let shared: Arc<[u8]> = Arc::from(&b"shared;"[..]);
        let mut q = OutQueue::default();
        q.push(Segment::Owned(b"one;".to_vec()));
        q.push(Segment::Shared(shared.clone()));
        q.push(Segment::Owned(Vec::new()));
        q.push_rest(b"xxtwo", 2);
        assert_eq!(q.len(), 4 + 7 + 3);
        assert_eq!(q.flush(&mut stream).unwrap(), 14);
        assert!(q.is_empty());
        let mut got = vec![0u8; 14];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"one;shared;two");
        // The shared frame is still intact for other connections.
        assert_eq!(&shared[..], b"shared;");
    }

    #[test]
    fn a_full_socket_keeps_the_rest_queued_at_the_right_offset() {
        let (mut stream, mut peer) = pair();
        let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let mut q = OutQueue::default();
        q.push(Segment::Owned(big.clone()));
        let first = q.flush(&mut stream).unwrap();
        assert!(first < big.len(), "an unread socket cannot take 8 MiB");
        assert_eq!(q.len(), big.len() - first);
        // Drain the peer while flushing the rest; every byte arrives in order.
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            peer.read_to_end(&mut got).unwrap();
            got
        });
        while !q.is_empty() {
            q.flush(&mut stream).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(stream);
        assert_eq!(reader.join().unwrap(), big);
    }
}
