//! `Stream`: one connection's socket and, once TLS started, its TLS session.
//! Every TCP-based protocol reads and writes through it, so plaintext and
//! TLS behave alike above this line (docs/ARCHITECTURE.md, "The stream
//! transport").

use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use mio::net::TcpStream;
use mio::Registry;
use socket2::SockRef;

use crate::core::error::Error;
use crate::tls::session::{Progress, TlsSession};

/// A connection's socket as the TLS layer (and vectored writes) write to it:
/// `send` / `sendmsg` with MSG_NOSIGNAL, so that writing to a peer that has
/// gone never raises SIGPIPE in the host process. (rustls writes records
/// with `write_vectored`, which std implements with `writev`: no flags, so a
/// reset peer would kill a program that does not ignore SIGPIPE.)
pub struct SockWriter<'a>(pub &'a mut TcpStream);

impl Write for SockWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // std's TcpStream::write is send(MSG_NOSIGNAL) already.
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        sendmsg(self.0.as_raw_fd(), bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `sendmsg(MSG_NOSIGNAL)` of up to 1024 slices (IOV_MAX).
fn sendmsg(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: IoSlice is ABI-compatible with iovec on Unix; the msghdr only
    // points at `bufs`, which outlives the call.
    let n = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
        msg.msg_iovlen = bufs.len().min(1024) as _;
        libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL)
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// What one read produced.
pub enum ReadOutcome {
    Data(usize),
    WouldBlock,
    Closed,
    Failed(io::Error),
    /// TLS: the handshake moved (ClientHello arrived, handshake complete).
    Tls(Progress),
    /// TLS: the session failed (alert already flushed where possible).
    TlsFailed(Error),
}

/// The socket (None once closed) and the TLS session (once TLS started).
#[derive(Default)]
pub struct Stream {
    sock: Option<TcpStream>,
    tls: Option<Box<TlsSession>>,
    /// An error a write met after taking some bytes, reported next time
    /// (the kernel reports a reset only once).
    deferred_error: Option<io::Error>,
}

impl Stream {
    pub fn new(sock: TcpStream) -> Stream {
        Stream { sock: Some(sock), tls: None, deferred_error: None }
    }

    pub fn is_open(&self) -> bool {
        self.sock.is_some()
    }

    pub fn socket_mut(&mut self) -> Option<&mut TcpStream> {
        self.sock.as_mut()
    }

    pub fn raw_fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.as_raw_fd())
    }

    pub fn tls(&self) -> Option<&TlsSession> {
        self.tls.as_deref()
    }

    pub fn tls_mut(&mut self) -> Option<&mut TlsSession> {
        self.tls.as_deref_mut()
    }

    pub fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Starts TLS on this stream; `early` are bytes already read that belong
    /// to the handshake (a ClientHello pipelined after STARTTLS).
    pub fn start_tls(&mut self, mut session: Box<TlsSession>, early: &[u8]) {
        if !early.is_empty() {
            let _ = session.read_tls_from(&mut &early[..]);
        }
        self.tls = Some(session);
    }

    /// Reads what is available into `buf` (plaintext, decrypted if TLS).
    pub fn read_into(&mut self, buf: &mut [u8]) -> ReadOutcome {
        if let Some(e) = self.deferred_error.take() {
            return ReadOutcome::Failed(e);
        }
        if self.tls.is_some() {
            return self.read_tls(buf);
        }
        let Some(sock) = self.sock.as_mut() else {
            return ReadOutcome::Closed;
        };
        loop {
            return match sock.read(buf) {
                Ok(0) => ReadOutcome::Closed,
                Ok(n) => ReadOutcome::Data(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => ReadOutcome::WouldBlock,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => ReadOutcome::Failed(e),
            };
        }
    }

    /// Plaintext from the TLS session: what is already decrypted first, then
    /// more records from the socket.
    fn read_tls(&mut self, buf: &mut [u8]) -> ReadOutcome {
        let (Some(sock), Some(tls)) = (self.sock.as_mut(), self.tls.as_mut()) else {
            return ReadOutcome::Closed;
        };
        loop {
            match tls.read_plaintext(buf) {
                Ok(0) => return ReadOutcome::Closed,
                Ok(n) => return ReadOutcome::Data(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed the socket without close_notify: a close,
                // unless it cut its last record short.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return tls.truncated_record().map_or(ReadOutcome::Closed, ReadOutcome::TlsFailed)
                }
                Err(e) => return ReadOutcome::Failed(e),
            }
            match tls.read_tls_from(sock) {
                Ok(0) if tls.is_handshaking() => {
                    return ReadOutcome::TlsFailed(Error::new(
                        276,
                        "Error during handshake: the client closed the connection",
                    ))
                }
                Ok(0) => return tls.truncated_record().map_or(ReadOutcome::Closed, ReadOutcome::TlsFailed),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return ReadOutcome::WouldBlock,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return ReadOutcome::Failed(e),
            }
            match tls.process() {
                Err(e) => {
                    let _ = tls.flush_tls(&mut SockWriter(sock));
                    return ReadOutcome::TlsFailed(e);
                }
                Ok(p) if p.client_hello || p.handshake_complete => {
                    let _ = tls.flush_tls(&mut SockWriter(sock));
                    return ReadOutcome::Tls(p);
                }
                Ok(_) => {
                    if let Err(e) = tls.flush_tls(&mut SockWriter(sock)) {
                        return ReadOutcome::Failed(e);
                    }
                }
            }
        }
    }

    /// Writes pending TLS records; true when nothing is left to write.
    pub fn flush(&mut self) -> io::Result<bool> {
        match (self.sock.as_mut(), self.tls.as_mut()) {
            (Some(sock), Some(tls)) => tls.flush_tls(&mut SockWriter(sock)),
            _ => Ok(true),
        }
    }

    /// Writes as much as the socket takes (never queues in user space).
    /// `Ok(n)` with n < data.len() means the socket is full.
    #[inline]
    pub fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.tls.is_some() || self.deferred_error.is_some() {
            return self.write_vectored(&[IoSlice::new(data)]);
        }
        let Some(sock) = self.sock.as_mut() else {
            return Err(io::Error::from(io::ErrorKind::NotConnected));
        };
        // std's TcpStream sends with MSG_NOSIGNAL: a reset peer gives EPIPE,
        // never SIGPIPE in the host process.
        send_loop(&mut self.deferred_error, data.len(), |sent| sock.write(&data[sent..]))
    }

    /// Vectored [`Stream::write_some`]: the slices go out in order, as one
    /// `sendmsg` in plaintext (as the TLS session's input under TLS).
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Some(e) = self.deferred_error.take() {
            return Err(e);
        }
        let Some(sock) = self.sock.as_mut() else {
            return Err(io::Error::from(io::ErrorKind::NotConnected));
        };
        if let Some(tls) = self.tls.as_mut() {
            let mut taken = 0;
            for b in bufs {
                let n = write_tls(sock, tls, b)?;
                taken += n;
                if n < b.len() {
                    break;
                }
            }
            return Ok(taken);
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let fd = sock.as_raw_fd();
        send_loop(&mut self.deferred_error, total, |sent| sendmsg(fd, &remaining(bufs, sent)))
    }

    /// Sends close_notify (TLS) and closes the socket: `reset` makes it an
    /// abortive close (SO_LINGER 0, RST; pending data dropped).
    pub fn close(&mut self, registry: &Registry, reset: bool, notify: bool) {
        if let (Some(tls), Some(sock), true) = (self.tls.as_mut(), self.sock.as_mut(), notify) {
            tls.send_close_notify();
            let _ = tls.flush_tls(&mut SockWriter(sock));
        }
        if let Some(mut sock) = self.sock.take() {
            let _ = registry.deregister(&mut sock);
            if reset {
                let _ = SockRef::from(&sock).set_linger(Some(Duration::ZERO));
            }
        }
    }
}

/// Sends until `total` bytes are taken or the socket is full; `send(sent)`
/// sends from offset `sent`. An error after some bytes were taken is kept
/// in `deferred` for the next read or write (the kernel reports a reset
/// only once) and what was taken is reported.
/// Always inlined: each caller's closure is its own send, and with the out
/// queue as a further caller LLVM stopped inlining it into TCPServer's send
/// path (bench/ab.sh: about 45 instructions per message).
#[inline(always)]
fn send_loop(
    deferred: &mut Option<io::Error>,
    total: usize,
    mut send: impl FnMut(usize) -> io::Result<usize>,
) -> io::Result<usize> {
    let mut sent = 0;
    while sent < total {
        match send(sent) {
            Ok(0) => break,
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if sent > 0 => {
                *deferred = Some(e);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// The slices of `bufs` after the first `skip` bytes.
fn remaining<'a>(bufs: &'a [IoSlice<'a>], mut skip: usize) -> Vec<IoSlice<'a>> {
    let mut out = Vec::with_capacity(bufs.len());
    for b in bufs {
        if skip >= b.len() {
            skip -= b.len();
            continue;
        }
        out.push(IoSlice::new(&b[skip..]));
        skip = 0;
    }
    out
}

/// TLS: what the session's bounded buffer takes (docs/API.md §8).
fn write_tls(sock: &mut TcpStream, tls: &mut TlsSession, data: &[u8]) -> io::Result<usize> {
    tls.flush_tls(&mut SockWriter(sock))?;
    if tls.is_handshaking() {
        return Ok(0);
    }
    // The TLS buffer takes at most its limit per call; keep going while the
    // socket drains it. Stopping early with the socket still writable would
    // report 10035 with no writable edge to come, so ReadyToSend would
    // never fire.
    let mut taken = 0;
    loop {
        let n = tls.write_plaintext(&data[taken..]).map_err(io::Error::other)?;
        taken += n;
        let drained = tls.flush_tls(&mut SockWriter(sock))?;
        if taken == data.len() || !drained || n == 0 {
            return Ok(taken);
        }
    }
}
