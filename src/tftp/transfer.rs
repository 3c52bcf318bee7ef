//! The state machine of one TFTP transfer, seen from the server, for both
//! directions: a read (RRQ, the server sends DATA) and a write (WRQ, the
//! server receives DATA). It does no I/O: the caller feeds it datagrams and
//! clock readings, and drains the datagrams it wants sent.
//!
//! # Driving a transfer
//!
//! ```text
//! let mut x = Transfer::new(Direction::Read, cfg, now);   // after negotiation
//! loop {
//!     // 1. Read transfers: give it file bytes while it wants some.
//!     while let Some(buf) = x.read_buf() {
//!         let n = file.read(buf)?;          // n == 0 means end of file
//!         x.advance(n);
//!     }
//!     // 2. Write transfers: take the data it received.
//!     file.write_all(x.received())?;  x.clear_received();
//!     // 3. Send what it has queued.
//!     while let Some(d) = x.next_datagram() { sock.send(d)?; x.datagram_sent(); }
//!     // 4. Done?
//!     if x.is_closed() { break; }     // x.outcome() says how it ended
//!     // 5. Wait for a datagram or x.next_deadline(), then:
//!     //    x.on_datagram(bytes, now)  or  x.on_timer(now)
//! }
//! ```
//!
//! Each `on_*` call returns an [`Actions`] digest (something to send, data
//! wanted/delivered, progress for the Transfer event, completion), but the
//! state can also be polled at any time with the accessors.
//!
//! # Protocol decisions
//!
//! - Block numbers are tracked as a 64-bit sequence internally and mapped to
//!   the 16-bit wire number with the configured [`RollOver`] (0 or 1, the
//!   DefaultRollOverNumber setting), so progress and ACK matching stay exact
//!   across roll-over.
//! - Sorcerer's Apprentice (RFC 1123 §4.2.3.1): the sender never resends
//!   DATA because of a duplicate ACK — only on its retransmission timer, or
//!   when an ACK inside the window asks for a new window (RFC 7440 §4).
//! - An ACK for a block that was never sent, or an old one, is ignored, not
//!   answered with error 4: after roll-over a very late ACK aliases a future
//!   block number, and RFC 1350 §2 reserves errors for packets that "cannot
//!   be explained by a delay or duplication". The retransmission limit and
//!   the idle timeout still end a transfer with a misbehaving peer.
//! - A packet of the wrong kind for the direction (DATA on a read, ACK on a
//!   write, any RRQ/WRQ/OACK), a malformed datagram, or a DATA longer than
//!   the block size is answered with ERROR 4 and ends the transfer (RFC 1350
//!   §7).
//! - A peer ERROR ends the transfer without an answer (RFC 1350 §7: errors
//!   are not acknowledged).
//! - The retransmission interval is fixed (RetransmitTimeout, or the
//!   negotiated `timeout`, RFC 2349); after MaxRetransmits retransmissions
//!   without progress the transfer fails with pier error 301.
//! - The transfer address check (TID, RFC 1350 §4, error 5) is the socket
//!   layer's job: this machine only sees datagrams from its peer.

mod recv;
mod send;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::{Duration, Instant};

use crate::core::error::Error;

use super::options::{Direction, Negotiated, DEFAULT_BLKSIZE, MAX_BLKSIZE, MIN_BLKSIZE};
use super::packet::{self, errcode, Mode, Packet, TftpError, TftpOption};
use recv::Receiver;
use send::Sender;

/// Default retransmission interval (the RetransmitTimeout property).
pub const DEFAULT_RETRANSMIT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default retransmissions before giving up (the MaxRetransmits property).
pub const DEFAULT_MAX_RETRANSMITS: u32 = 3;
/// Default inactivity limit (the Timeout property).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The pier error codes a transfer ends with (TFTPServer error table).
pub mod codes {
    /// A DATA packet longer than the negotiated block size.
    pub const PACKET_TOO_LARGE: i32 = 122;
    /// No progress within the retransmission limit or the idle timeout.
    pub const TIMEOUT: i32 = 301;
    /// The peer sent an ERROR packet.
    pub const PEER_ERROR: i32 = 305;
    /// A packet of the wrong type for this transfer.
    pub const WRONG_PACKET: i32 = 306;
    /// A datagram that is not a valid TFTP packet.
    pub const INVALID_PACKET: i32 = 307;
}

/// What the 16-bit block number becomes after 65535 (the
/// DefaultRollOverNumber setting). RFC 1350 does not define roll-over;
/// clients disagree on whether block 0 is reused, hence the setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RollOver {
    #[default]
    Zero,
    One,
}

impl RollOver {
    /// From the setting's value (0 or 1).
    pub fn from_setting(v: i64) -> Option<RollOver> {
        match v {
            0 => Some(RollOver::Zero),
            1 => Some(RollOver::One),
            _ => None,
        }
    }

    /// The block number that follows 65535.
    pub fn first(self) -> u16 {
        match self {
            RollOver::Zero => 0,
            RollOver::One => 1,
        }
    }
}

/// The wire block number of the `seq`-th block (the first block is 1).
/// Blocks 1..=65535 are numbered as themselves; after that the numbers
/// cycle from the roll-over value up to 65535. `wire_block(0, _)` is 0, the
/// number ACK 0 uses for the request.
pub fn wire_block(seq: u64, rollover: RollOver) -> u16 {
    if seq <= 65535 {
        return seq as u16;
    }
    let first = u64::from(rollover.first());
    let period = 65536 - first;
    (first + (seq - 65536) % period) as u16
}

/// The smallest sequence number after `after` whose wire number is `block`,
/// or `None` if no later block has that number (block 0 with roll-over to 1).
/// Lets both directions match a 16-bit number to the 64-bit sequence in O(1).
pub fn next_seq_with_block(after: u64, block: u16, rollover: RollOver) -> Option<u64> {
    let b = u64::from(block);
    if b >= 1 && b > after {
        // Still in the first pass, where block numbers equal sequence numbers.
        return Some(b);
    }
    let first = u64::from(rollover.first());
    if b < first {
        return None;
    }
    let period = 65536 - first;
    let start = (after + 1).max(65536);
    let start_off = (start - 65536) % period;
    let delta = (b - first + period - start_off) % period;
    Some(start + delta)
}

/// Everything a transfer needs to know, usually built from the server's
/// settings and the negotiation result ([`TransferConfig::with_negotiated`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferConfig {
    /// Octet, or netascii (mail is treated as netascii, RFC 1350 §5; the
    /// server refuses it earlier).
    pub mode: Mode,
    /// Data bytes per block, 8..=65464 (RFC 2348); out-of-range values are
    /// clamped.
    pub blksize: u16,
    /// Blocks per window, at least 1 (RFC 7440). A read keeps up to this
    /// many blocks in memory for retransmission, so bound `blksize ×
    /// windowsize` (negotiation does, with
    /// [`Limits::max_window_bytes`](super::options::Limits::max_window_bytes)).
    pub windowsize: u16,
    /// Wait before retransmitting (RetransmitTimeout, or the negotiated
    /// `timeout` option, RFC 2349).
    pub retransmit_timeout: Duration,
    /// Retransmissions without progress before failing (MaxRetransmits).
    pub max_retransmits: u32,
    /// Fail when the peer makes no progress for this long (Timeout); `None`
    /// disables it (Timeout = 0).
    pub idle_timeout: Option<Duration>,
    /// Block number after 65535 (DefaultRollOverNumber).
    pub rollover: RollOver,
    /// How long a write lingers after its final ACK to answer a
    /// retransmitted final DATA (RFC 1350 §6 "dallying");
    /// `None` means twice the retransmission interval.
    pub dally: Option<Duration>,
    /// Total bytes the transfer will carry on the wire, if known (tsize),
    /// for PercentDone.
    pub total_size: Option<u64>,
    /// Options to acknowledge in an OACK; empty means no OACK.
    pub oack: Vec<TftpOption<'static>>,
}

impl TransferConfig {
    /// Plain RFC 1350 with the component's default settings.
    pub fn new(mode: Mode) -> Self {
        TransferConfig {
            mode,
            blksize: DEFAULT_BLKSIZE,
            windowsize: 1,
            retransmit_timeout: DEFAULT_RETRANSMIT_TIMEOUT,
            max_retransmits: DEFAULT_MAX_RETRANSMITS,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            rollover: RollOver::Zero,
            dally: None,
            total_size: None,
            oack: Vec::new(),
        }
    }

    /// Applies a negotiation result: block and window size, the client's
    /// timeout as the retransmission interval, tsize as the total, and the
    /// OACK to send. Call it after setting the server's own values: a
    /// negotiated `timeout` must override RetransmitTimeout (RFC 2349).
    pub fn with_negotiated(mut self, n: &Negotiated) -> Self {
        self.blksize = n.blksize;
        self.windowsize = n.windowsize;
        if let Some(t) = n.timeout {
            self.retransmit_timeout = Duration::from_secs(u64::from(t));
        }
        if n.tsize.is_some() {
            self.total_size = n.tsize;
        }
        self.oack = n.oack.clone();
        self
    }
}

/// Progress as reported by the Transfer event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Data bytes acknowledged by the client (read) or received in order
    /// (write), counted on the wire (netascii-encoded in netascii mode).
    pub bytes_transferred: u64,
    /// 0..=100 when the total size is known, else -1.
    pub percent_done: i32,
}

/// Why a transfer failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferError {
    /// pier error code and text (see [`codes`]).
    pub error: Error,
    /// The TFTP error code of the ERROR packet involved: the one the peer
    /// sent (`from_peer`) or the one queued for the peer. `None` when no
    /// ERROR packet was exchanged (timeouts).
    pub tftp_code: Option<u16>,
    /// Whether the peer ended the transfer with an ERROR packet.
    pub from_peer: bool,
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for TransferError {}

/// How a transfer ended.
pub type Outcome = Result<(), TransferError>;

/// What changed during one call to [`Transfer::on_packet`],
/// [`Transfer::on_datagram`], [`Transfer::on_timer`] or [`Transfer::abort`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// Datagrams are waiting: drain [`Transfer::next_datagram`].
    pub transmit: bool,
    /// A read wants file bytes: see [`Transfer::read_buf`].
    pub wants_data: bool,
    /// Bytes of received file data waiting in [`Transfer::received`].
    pub delivered: usize,
    /// Set when bytes_transferred moved (fire the Transfer event).
    pub progress: Option<Progress>,
    /// The transfer ended in this call; see [`Transfer::outcome`].
    pub finished: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Read with options: OACK sent, waiting for ACK 0 (RFC 2347).
    AwaitOackAck,
    Transferring,
    /// Write done, final ACK sent; answering a repeated final DATA until
    /// `until` (RFC 1350 §6).
    Dallying {
        until: Instant,
    },
    Closed,
}

/// State shared by both directions: timers, the control datagram, outcome.
struct Common {
    blksize: usize,
    window: u64,
    rollover: RollOver,
    rto: Duration,
    max_retransmits: u32,
    idle_timeout: Option<Duration>,
    dally: Duration,
    total: Option<u64>,

    phase: Phase,
    outcome: Option<Outcome>,
    /// The last control datagram (OACK, ACK or ERROR), kept for resending.
    ctrl: Vec<u8>,
    ctrl_pending: bool,
    retransmit_at: Option<Instant>,
    idle_at: Option<Instant>,
    retries: u32,
    bytes: u64,
}

impl Common {
    fn new(cfg: &TransferConfig, now: Instant) -> Self {
        let blksize = cfg.blksize.clamp(MIN_BLKSIZE, MAX_BLKSIZE);
        Common {
            blksize: usize::from(blksize),
            window: u64::from(cfg.windowsize.max(1)),
            rollover: cfg.rollover,
            rto: cfg.retransmit_timeout,
            max_retransmits: cfg.max_retransmits,
            idle_timeout: cfg.idle_timeout,
            dally: cfg.dally.unwrap_or(cfg.retransmit_timeout * 2),
            total: cfg.total_size,
            phase: Phase::Transferring,
            outcome: None,
            ctrl: Vec::new(),
            ctrl_pending: false,
            retransmit_at: Some(now + cfg.retransmit_timeout),
            idle_at: cfg.idle_timeout.map(|t| now + t),
            retries: 0,
            bytes: 0,
        }
    }

    fn wire(&self, seq: u64) -> u16 {
        wire_block(seq, self.rollover)
    }

    /// Queues `ctrl` (already filled) for sending.
    fn queue_ctrl(&mut self) {
        self.ctrl_pending = true;
    }

    fn set_ack(&mut self, seq: u64) {
        self.ctrl.clear();
        packet::encode_ack(self.wire(seq), &mut self.ctrl);
        self.ctrl_pending = true;
    }

    /// The peer moved the transfer forward: reset the retry budget, the idle
    /// timer and the retransmission timer.
    fn progressed(&mut self, now: Instant) {
        self.retries = 0;
        self.idle_at = self.idle_timeout.map(|t| now + t);
        self.retransmit_at = Some(now + self.rto);
    }

    /// Counts one retransmission; false when the budget is spent (and the
    /// transfer has been failed with a timeout).
    fn try_retransmit(&mut self, now: Instant) -> bool {
        if self.retries >= self.max_retransmits {
            self.fail_timeout();
            return false;
        }
        self.retries += 1;
        self.retransmit_at = Some(now + self.rto);
        true
    }

    fn succeed(&mut self) {
        self.outcome = Some(Ok(()));
        self.phase = Phase::Closed;
        self.retransmit_at = None;
        self.idle_at = None;
    }

    fn end(&mut self, err: TransferError) {
        self.outcome = Some(Err(err));
        self.phase = Phase::Closed;
        self.retransmit_at = None;
        self.idle_at = None;
    }

    fn fail_timeout(&mut self) {
        self.ctrl_pending = false;
        self.end(TransferError { error: Error::code(codes::TIMEOUT), tftp_code: None, from_peer: false });
    }

    /// Ends the transfer with `error` and queues an ERROR packet for the peer.
    fn fail_with_error_packet(&mut self, to_peer: &TftpError, error: Error) {
        self.ctrl.clear();
        to_peer.encode(&mut self.ctrl);
        self.ctrl_pending = true;
        self.end(TransferError { error, tftp_code: Some(to_peer.code), from_peer: false });
    }

    fn fail_peer(&mut self, code: u16, message: &str) {
        self.ctrl_pending = false;
        let text = format!("Peer error {code} ({}): {message}", errcode::text(code));
        self.end(TransferError { error: Error::new(codes::PEER_ERROR, text), tftp_code: Some(code), from_peer: true });
    }

    fn illegal(&mut self, code: i32, message: String) {
        let to_peer = TftpError::new(errcode::ILLEGAL_OPERATION, message.clone());
        self.fail_with_error_packet(&to_peer, Error::new(code, message));
    }

    fn progress(&self) -> Progress {
        let percent_done = match self.total {
            None => -1,
            Some(0) => {
                if matches!(self.outcome, Some(Ok(()))) {
                    100
                } else {
                    0
                }
            }
            Some(t) => (u128::from(self.bytes) * 100 / u128::from(t)).min(100) as i32,
        };
        Progress { bytes_transferred: self.bytes, percent_done }
    }
}

enum Side {
    Read(Sender),
    Write(Receiver),
}

/// One transfer. See the module documentation for how to drive it.
pub struct Transfer {
    direction: Direction,
    mode: Mode,
    c: Common,
    side: Side,
}

impl fmt::Debug for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transfer")
            .field("direction", &self.direction)
            .field("mode", &self.mode)
            .field("blksize", &self.c.blksize)
            .field("windowsize", &self.c.window)
            .field("phase", &self.c.phase)
            .field("bytes", &self.c.bytes)
            .field("retries", &self.c.retries)
            .field("outcome", &self.c.outcome)
            .finish()
    }
}

struct Snapshot {
    bytes: u64,
    finished: bool,
}

impl Transfer {
    /// Starts a transfer whose request was accepted at `now`. Queues the
    /// first datagram: the OACK when `cfg.oack` is not empty (RFC 2347), else
    /// ACK 0 for a write; a read without options starts with DATA 1 as soon
    /// as data is supplied (RFC 1350 §4).
    pub fn new(direction: Direction, cfg: TransferConfig, now: Instant) -> Self {
        let mut c = Common::new(&cfg, now);
        let has_oack = !cfg.oack.is_empty();
        if has_oack {
            packet::encode_oack(&cfg.oack, &mut c.ctrl);
            c.queue_ctrl();
        }
        let side = match direction {
            Direction::Read => {
                if has_oack {
                    c.phase = Phase::AwaitOackAck;
                }
                Side::Read(Sender::new(c.blksize, c.window, c.rollover, cfg.mode.is_text()))
            }
            Direction::Write => {
                let mut r = Receiver::new(cfg.mode.is_text());
                if !has_oack {
                    r.ack(&mut c, 0);
                }
                Side::Write(r)
            }
        };
        Transfer { direction, mode: cfg.mode, c, side }
    }

    /// Shorthand for `Transfer::new(Direction::Read, cfg, now)`.
    pub fn read(cfg: TransferConfig, now: Instant) -> Self {
        Transfer::new(Direction::Read, cfg, now)
    }

    /// Shorthand for `Transfer::new(Direction::Write, cfg, now)`.
    pub fn write(cfg: TransferConfig, now: Instant) -> Self {
        Transfer::new(Direction::Write, cfg, now)
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn blksize(&self) -> usize {
        self.c.blksize
    }

    pub fn windowsize(&self) -> u64 {
        self.c.window
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot { bytes: self.c.bytes, finished: self.c.outcome.is_some() }
    }

    fn actions(&self, before: Snapshot) -> Actions {
        Actions {
            transmit: self.next_datagram().is_some(),
            wants_data: self.wants_data(),
            delivered: self.received().len(),
            progress: (self.c.bytes != before.bytes).then(|| self.c.progress()),
            finished: !before.finished && self.c.outcome.is_some(),
        }
    }

    /// Handles one datagram from the peer: parses it and calls
    /// [`Transfer::on_packet`]. A datagram that does not parse ends the
    /// transfer with ERROR 4 (RFC 1350 §2: an "incorrectly formed packet"),
    /// unless the transfer is already over.
    pub fn on_datagram(&mut self, datagram: &[u8], now: Instant) -> Actions {
        match Packet::parse(datagram) {
            Ok(p) => self.on_packet(&p, now),
            Err(e) => {
                let before = self.snapshot();
                if matches!(self.c.phase, Phase::AwaitOackAck | Phase::Transferring) {
                    self.c.fail_with_error_packet(
                        &e.to_tftp_error(),
                        Error::new(codes::INVALID_PACKET, format!("Invalid packet received: {e}")),
                    );
                }
                self.actions(before)
            }
        }
    }

    /// Handles one parsed packet from the peer.
    pub fn on_packet(&mut self, pkt: &Packet<'_>, now: Instant) -> Actions {
        let before = self.snapshot();
        match self.c.phase {
            Phase::Closed => {}
            Phase::Dallying { .. } => {
                if let (Packet::Data { block, .. }, Side::Write(r)) = (pkt, &mut self.side) {
                    r.on_data_while_dallying(&mut self.c, *block);
                }
            }
            Phase::AwaitOackAck | Phase::Transferring => match (pkt, &mut self.side) {
                (Packet::Error { code, message }, _) => self.c.fail_peer(*code, message),
                (Packet::Ack { block }, Side::Read(s)) => s.on_ack(&mut self.c, *block, now),
                (Packet::Data { block, data }, Side::Write(r)) => r.on_data(&mut self.c, *block, data, now),
                (other, _) => {
                    let dir = match self.direction {
                        Direction::Read => "read",
                        Direction::Write => "write",
                    };
                    self.c.illegal(codes::WRONG_PACKET, format!("Unexpected {} during a {dir} transfer", other.kind()));
                }
            },
        }
        self.actions(before)
    }

    /// Handles the passage of time: call it when [`Transfer::next_deadline`]
    /// has passed (calling it early is harmless). Retransmits, fails after
    /// MaxRetransmits or the idle timeout, and ends the dally period.
    pub fn on_timer(&mut self, now: Instant) -> Actions {
        let before = self.snapshot();
        match self.c.phase {
            Phase::Closed => {}
            Phase::Dallying { until } => {
                if now >= until {
                    self.c.phase = Phase::Closed;
                }
            }
            Phase::AwaitOackAck | Phase::Transferring => {
                if self.c.idle_at.is_some_and(|t| now >= t) {
                    self.c.fail_timeout();
                } else if self.c.retransmit_at.is_some_and(|t| now >= t) {
                    match &mut self.side {
                        Side::Read(s) => s.on_retransmit_timer(&mut self.c, now),
                        Side::Write(r) => r.on_retransmit_timer(&mut self.c, now),
                    }
                }
            }
        }
        self.actions(before)
    }

    /// When [`Transfer::on_timer`] must next be called; `None` once the
    /// transfer is over and no dally period is running.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.c.phase {
            Phase::Closed => None,
            Phase::Dallying { until } => Some(until),
            _ => match (self.c.retransmit_at, self.c.idle_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// A write whose final block has arrived but whose data could not be
    /// stored: the ERROR `to_peer` replaces the final ACK (not sent yet)
    /// and the transfer fails without dallying. Does nothing once the
    /// final ACK has gone out or for a transfer not completed.
    pub fn fail_before_final_ack(&mut self, to_peer: &TftpError, error: Error) -> Actions {
        let before = self.snapshot();
        if matches!(self.c.outcome, Some(Ok(()))) && self.c.ctrl_pending {
            self.c.fail_with_error_packet(to_peer, error);
        }
        self.actions(before)
    }

    /// Ends the transfer because of a local problem (file read/write error,
    /// server shutting down...): queues an ERROR packet `to_peer` and records
    /// `error` as the outcome. No effect once the transfer is over.
    pub fn abort(&mut self, to_peer: &TftpError, error: Error) -> Actions {
        let before = self.snapshot();
        if self.c.outcome.is_none() {
            self.c.fail_with_error_packet(to_peer, error);
        }
        self.actions(before)
    }

    /// The next datagram to send, if any. It stays the same until
    /// [`Transfer::datagram_sent`] is called, so a send that would block can
    /// simply be retried later.
    pub fn next_datagram(&self) -> Option<&[u8]> {
        if self.c.ctrl_pending {
            return Some(&self.c.ctrl);
        }
        match (&self.side, self.c.phase) {
            (Side::Read(s), Phase::Transferring) => s.next_datagram(),
            _ => None,
        }
    }

    /// Marks the datagram returned by [`Transfer::next_datagram`] as sent.
    pub fn datagram_sent(&mut self) {
        if self.c.ctrl_pending {
            self.c.ctrl_pending = false;
        } else if let (Side::Read(s), Phase::Transferring) = (&mut self.side, self.c.phase) {
            s.datagram_sent();
        }
    }

    /// Read transfers: whether the machine wants more file bytes now (it has
    /// room in its window and has not seen the end of the file).
    pub fn wants_data(&self) -> bool {
        match &self.side {
            Side::Read(s) => self.c.outcome.is_none() && s.wants_data(),
            Side::Write(_) => false,
        }
    }

    /// Read transfers: a buffer to read file bytes into, when
    /// [`Transfer::wants_data`]. In octet mode this is the payload area of
    /// the next DATA packet itself, so file data is copied exactly once.
    /// Follow with [`Transfer::advance`].
    pub fn read_buf(&mut self) -> Option<&mut [u8]> {
        if !self.wants_data() {
            return None;
        }
        match &mut self.side {
            Side::Read(s) => s.read_buf(),
            Side::Write(_) => None,
        }
    }

    /// Read transfers: `n` bytes were placed at the start of the buffer from
    /// [`Transfer::read_buf`]. `n == 0` means end of file, like
    /// `std::io::Read::read`.
    pub fn advance(&mut self, n: usize) {
        if self.c.outcome.is_some() {
            return;
        }
        if let Side::Read(s) = &mut self.side {
            s.advance(n);
        }
    }

    /// Read transfers: copies as much of `data` as the machine wants now and
    /// returns how many bytes it took (the rest must be offered again after
    /// the window moves). Never signals end of file; see
    /// [`Transfer::finish_input`].
    pub fn supply(&mut self, data: &[u8]) -> usize {
        let mut used = 0;
        while used < data.len() {
            let Some(buf) = self.read_buf() else { break };
            let n = buf.len().min(data.len() - used);
            buf[..n].copy_from_slice(&data[used..used + n]);
            used += n;
            self.advance(n);
        }
        used
    }

    /// Read transfers: the file has no more bytes.
    pub fn finish_input(&mut self) {
        self.advance(0);
    }

    /// Write transfers: file data received in order since the last
    /// [`Transfer::clear_received`], already converted from netascii in
    /// netascii mode. Drain it after every `on_*` call.
    pub fn received(&self) -> &[u8] {
        match &self.side {
            Side::Write(r) => r.out(),
            Side::Read(_) => &[],
        }
    }

    /// Read transfers: keep a copy of the payload of every block the client
    /// acknowledges, for [`Transfer::acked_data`] (off by default).
    pub fn capture_acked(&mut self, on: bool) {
        if let Side::Read(s) = &mut self.side {
            s.capture_acked(on);
        }
    }

    /// Read transfers with [`Transfer::capture_acked`]: the payloads (as sent
    /// on the wire) of the blocks acknowledged since the last
    /// [`Transfer::clear_acked_data`].
    pub fn acked_data(&self) -> &[u8] {
        match &self.side {
            Side::Read(s) => s.acked_out(),
            Side::Write(_) => &[],
        }
    }

    /// Read transfers: forget the data returned by [`Transfer::acked_data`].
    pub fn clear_acked_data(&mut self) {
        if let Side::Read(s) = &mut self.side {
            s.clear_acked_out();
        }
    }

    /// Write transfers: forget the data returned by [`Transfer::received`].
    pub fn clear_received(&mut self) {
        if let Side::Write(r) = &mut self.side {
            r.clear_out();
        }
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        self.c.progress()
    }

    /// How the transfer ended, once it has. A successful write is finished
    /// at its final ACK even though it keeps dallying.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.c.outcome.as_ref()
    }

    pub fn is_finished(&self) -> bool {
        self.c.outcome.is_some()
    }

    /// Whether the transfer can be dropped: it is over, its dally period has
    /// ended and nothing remains to send.
    pub fn is_closed(&self) -> bool {
        self.c.phase == Phase::Closed && !self.c.ctrl_pending
    }
}
