//! One accepted connection: its socket, its copy of the defaults (API.md §8),
//! its input buffer and its send state.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use mio::net::TcpStream;

use super::framing::{Framing, InBuf};
use crate::core::error::Error;

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
}

pub enum ReadOutcome {
    Data(usize),
    WouldBlock,
    Closed,
    Failed(io::Error),
}

impl Conn {
    pub fn read_into(&mut self, buf: &mut [u8]) -> ReadOutcome {
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

    /// Writes as much as the socket takes (never queues in user space).
    /// `Ok(n)` with n < data.len() means the socket is full.
    pub fn write_some(&mut self, data: &[u8]) -> io::Result<usize> {
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
                    // Report what was taken; the error shows on the next call.
                    let _ = e;
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
