//! One accepted connection: its socket, its copy of the defaults (API.md §8),
//! its input buffer and its send state.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use mio::net::TcpStream;

use super::framing::{Framing, InBuf};
use crate::core::error::Error;
use crate::tls::session::{Progress, TlsSession};

pub struct Conn {
    pub id: i32,
    /// None once closed (the entry stays until Disconnected has fired).
    pub sock: Option<TcpStream>,
    pub remote: SocketAddr,
    pub local: SocketAddr,
    pub framing: Framing,
    pub inbuf: InBuf,
    pub idle_timeout: u32,
    pub timeout: u32,
    pub user_data: Vec<u8>,
    pub bytes_sent: i64,
    pub ready_to_send: bool,
    pub paused: bool,
    /// The socket may have unread data (edge-triggered readiness seen).
    pub readable: bool,
    /// The peer's FIN (or an error) was seen: read until end of stream.
    pub peer_closed: bool,
    /// Already read in the current round (fairness between connections).
    pub read_round: u64,
    /// Queued in the work list.
    pub in_work: bool,
    /// Reading has ended: the status to report (0 = orderly close).
    pub eof: Option<Error>,
    pub closing: bool,
    pub last_activity: Instant,
    pub linger: bool,
    /// The TLS session, once TLS started (at accept, or at StartSSL).
    pub tls: Option<Box<TlsSession>>,
    /// A writable edge arrived that the TLS layer has not used yet.
    pub writable_edge: bool,
    /// An error a write met after taking some bytes, reported next time.
    pub deferred_error: Option<io::Error>,
    /// Connected has fired for the current phase (plaintext or TLS).
    pub announced: bool,
    /// An SSL event waits for the application's decision (certificate
    /// choice, client certificate): nothing is read or delivered until then.
    pub awaiting_app: bool,
}

/// A connection's socket as the TLS layer writes to it: `send` / `sendmsg`
/// with MSG_NOSIGNAL, so that writing to a peer that has gone never raises
/// SIGPIPE in the host process. (rustls writes records with
/// `write_vectored`, which std implements with `writev`: no flags, so a
/// reset peer would kill a program that does not ignore SIGPIPE.)
pub struct SockWriter<'a>(pub &'a mut TcpStream);

impl Write for SockWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // std's TcpStream::write is send(MSG_NOSIGNAL) already.
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        // SAFETY: IoSlice is ABI-compatible with iovec on Unix; the msghdr
        // only points at `bufs`, which outlives the call.
        let n = unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
            msg.msg_iovlen = bufs.len().min(1024) as _;
            libc::sendmsg(self.0.as_raw_fd(), &msg, libc::MSG_NOSIGNAL)
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

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

impl Conn {
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
                // The peer closed the socket without close_notify.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return ReadOutcome::Closed,
                Err(e) => return ReadOutcome::Failed(e),
            }
            match tls.read_tls_from(sock) {
                Ok(0) if tls.is_handshaking() => {
                    return ReadOutcome::TlsFailed(Error::new(
                        276,
                        "Error during handshake: the client closed the connection",
                    ))
                }
                Ok(0) => return ReadOutcome::Closed,
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
    pub fn flush_tls(&mut self) -> io::Result<bool> {
        match (self.sock.as_mut(), self.tls.as_mut()) {
            (Some(sock), Some(tls)) => tls.flush_tls(&mut SockWriter(sock)),
            _ => Ok(true),
        }
    }

    /// Writes as much as the socket takes (never queues in user space).
    /// `Ok(n)` with n < data.len() means the socket is full.
    pub fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(e) = self.deferred_error.take() {
            return Err(e);
        }
        if let Some(tls) = self.tls.as_mut() {
            let Some(sock) = self.sock.as_mut() else {
                return Err(io::Error::from(io::ErrorKind::NotConnected));
            };
            // TLS: what the session's bounded buffer takes (API.md §8).
            tls.flush_tls(&mut SockWriter(sock))?;
            if tls.is_handshaking() {
                return Ok(0);
            }
            // The TLS buffer takes at most its limit per call; keep going
            // while the socket drains it. Stopping early with the socket
            // still writable would report 10035 with no writable edge to
            // come, so ReadyToSend would never fire.
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
        let Some(sock) = self.sock.as_mut() else {
            return Err(io::Error::from(io::ErrorKind::NotConnected));
        };
        let mut sent = 0;
        while sent < data.len() {
            // std's TcpStream sends with MSG_NOSIGNAL: a reset peer gives EPIPE,
            // never SIGPIPE in the host process.
            match sock.write(&data[sent..]) {
                Ok(0) => break,
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if sent > 0 => {
                    // Report what was taken; the error is kept for the next
                    // read or write (the kernel reports a reset only once).
                    self.deferred_error = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    pub fn is_raw(&self) -> bool {
        self.framing.record_length == 0 && !self.framing.single_line && self.framing.eol.is_empty()
    }
}
