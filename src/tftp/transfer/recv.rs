//! The receiving side (a write request): accepts DATA in sequence, hands
//! the payload out, and acknowledges per RFC 1350 and RFC 7440.
//!
//! ACK policy:
//! - every `window` in-order blocks, and at once on the final (short)
//!   block (RFC 7440 §4: "the ACK of the last data block of the window");
//! - a duplicate of the last in-order block is re-ACKed: it means our ACK
//!   was lost and the sender timed out (RFC 1350 §2). A retransmitted
//!   window contains that block once, so this cannot snowball;
//! - a block ahead of the expected one within the window (a gap) is
//!   answered with an ACK of the last in-order block, so the sender restarts
//!   the window there (RFC 7440 §4) — once per position: further blocks of
//!   the same broken window are dropped silently instead of each causing a
//!   new window;
//! - older duplicates and blocks beyond any window are dropped;
//! - on the retransmission timer, the last in-order block is ACKed (or the
//!   OACK resent if nothing arrived yet).
//!
//! Out-of-order blocks are not buffered: the sender resends them anyway.

use std::time::Instant;

use super::{codes, next_seq_with_block, Common, Phase};
use crate::core::error::Error;
use crate::tftp::netascii::Decoder;
use crate::tftp::packet::{errcode, TftpError};

pub(super) struct Receiver {
    /// Last block received in order (0: none yet).
    received: u64,
    /// In-order blocks since our last ACK.
    since_ack: u64,
    /// The block our last ACK acknowledged; `None` while only the OACK has
    /// been sent.
    acked_upto: Option<u64>,
    final_seq: Option<u64>,
    decoder: Option<Decoder>,
    out: Vec<u8>,
}

impl Receiver {
    pub(super) fn new(netascii: bool) -> Self {
        Receiver {
            received: 0,
            since_ack: 0,
            acked_upto: None,
            final_seq: None,
            decoder: netascii.then(Decoder::new),
            out: Vec::new(),
        }
    }

    pub(super) fn out(&self) -> &[u8] {
        &self.out
    }

    pub(super) fn clear_out(&mut self) {
        self.out.clear();
    }

    /// Queues an ACK for block `seq`.
    pub(super) fn ack(&mut self, c: &mut Common, seq: u64) {
        c.set_ack(seq);
        self.since_ack = 0;
        self.acked_upto = Some(seq);
    }

    pub(super) fn on_data(&mut self, c: &mut Common, block: u16, data: &[u8], now: Instant) {
        if data.len() > c.blksize {
            let msg = format!("DATA block of {} bytes exceeds the block size of {}", data.len(), c.blksize);
            c.fail_with_error_packet(
                &TftpError::new(errcode::ILLEGAL_OPERATION, msg.clone()),
                Error::new(codes::PACKET_TOO_LARGE, format!("Packet too large: {msg}")),
            );
            return;
        }
        if block == c.wire(self.received + 1) {
            self.received += 1;
            c.bytes += data.len() as u64;
            match &mut self.decoder {
                Some(d) => d.decode(data, &mut self.out),
                None => self.out.extend_from_slice(data),
            }
            c.progressed(now);
            self.since_ack += 1;
            if data.len() < c.blksize {
                // Final block (RFC 1350 §6): ACK it, succeed, and dally.
                if let Some(d) = &mut self.decoder {
                    d.finish(&mut self.out);
                }
                self.final_seq = Some(self.received);
                self.ack(c, self.received);
                c.succeed();
                c.phase = Phase::Dallying { until: now + c.dally };
            } else if self.since_ack >= c.window {
                self.ack(c, self.received);
            }
            return;
        }
        if self.received >= 1 && block == c.wire(self.received) {
            self.ack(c, self.received);
            return;
        }
        if let Some(seq) = next_seq_with_block(self.received, block, c.rollover) {
            let within_window = seq - self.received <= c.window;
            if within_window && self.acked_upto != Some(self.received) {
                self.ack(c, self.received);
            }
        }
    }

    /// During the dally period only a repeat of the final DATA matters: our
    /// final ACK was lost, so send it again (RFC 1350 §6).
    pub(super) fn on_data_while_dallying(&mut self, c: &mut Common, block: u16) {
        if let Some(f) = self.final_seq {
            if block == c.wire(f) {
                c.queue_ctrl();
            }
        }
    }

    pub(super) fn on_retransmit_timer(&mut self, c: &mut Common, now: Instant) {
        if !c.try_retransmit(now) {
            return;
        }
        if self.received > 0 || self.acked_upto.is_some() {
            self.ack(c, self.received);
        } else {
            // Nothing received and only the OACK sent: resend the OACK.
            c.queue_ctrl();
        }
    }
}
