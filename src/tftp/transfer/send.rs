//! The sending side (a read request): a window of DATA blocks kept as ready
//! datagrams, filled from the caller's file bytes and resent from memory.
//!
//! Sequence numbers (1 = first block) relate as
//! `acked < send_next <= formed + 1` and `formed <= acked + window`:
//! blocks `acked+1..=formed` are ready datagrams in the ring; those below
//! `send_next` have been sent at least once.

use std::time::Instant;

use super::{next_seq_with_block, wire_block, Common, Phase, RollOver};
use crate::tftp::netascii::Encoder;
use crate::tftp::packet::{write_data_header, DATA_HEADER_LEN};

/// Netascii staging: raw file bytes waiting to be encoded into blocks.
struct TextInput {
    enc: Encoder,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

pub(super) struct Sender {
    blksize: usize,
    window: u64,
    rollover: RollOver,
    /// Ring of `window` datagram buffers (header + blksize), allocated as the
    /// window first grows, so small files with large windows stay small.
    slots: Vec<Box<[u8]>>,
    /// Datagram length of each slot's block.
    lens: Vec<usize>,
    /// Payload bytes already in block `formed + 1`.
    fill: usize,
    acked: u64,
    formed: u64,
    send_next: u64,
    /// The last block (shorter than blksize), once formed.
    final_seq: Option<u64>,
    final_len: usize,
    eof: bool,
    text: Option<TextInput>,
    /// When set, the payloads of newly acknowledged blocks are copied here
    /// (for the Transfer event's Text) before their slots are reused.
    acked_out: Option<Vec<u8>>,
}

impl Sender {
    pub(super) fn new(blksize: usize, window: u64, rollover: RollOver, netascii: bool) -> Self {
        Sender {
            blksize,
            window,
            rollover,
            slots: Vec::new(),
            lens: Vec::new(),
            fill: 0,
            acked: 0,
            formed: 0,
            send_next: 1,
            final_seq: None,
            final_len: 0,
            eof: false,
            text: netascii.then(|| TextInput {
                enc: Encoder::new(),
                buf: vec![0u8; blksize].into_boxed_slice(),
                start: 0,
                end: 0,
            }),
            acked_out: None,
        }
    }

    pub(super) fn capture_acked(&mut self, on: bool) {
        self.acked_out = on.then(Vec::new);
    }

    pub(super) fn acked_out(&self) -> &[u8] {
        self.acked_out.as_deref().unwrap_or(&[])
    }

    pub(super) fn clear_acked_out(&mut self) {
        if let Some(v) = &mut self.acked_out {
            v.clear();
        }
    }

    fn slot_index(&self, seq: u64) -> usize {
        ((seq - 1) % self.window) as usize
    }

    fn ensure_slot(&mut self, idx: usize) {
        while self.slots.len() <= idx {
            self.slots.push(vec![0u8; DATA_HEADER_LEN + self.blksize].into_boxed_slice());
            self.lens.push(0);
        }
    }

    /// Room for another block in the window, and the file not yet complete.
    fn can_fill(&self) -> bool {
        self.final_seq.is_none() && self.formed < self.acked + self.window
    }

    pub(super) fn wants_data(&self) -> bool {
        self.can_fill() && !self.eof && self.text.as_ref().is_none_or(|t| t.start == t.end)
    }

    pub(super) fn read_buf(&mut self) -> Option<&mut [u8]> {
        if !self.wants_data() {
            return None;
        }
        let idx = self.slot_index(self.formed + 1);
        self.ensure_slot(idx);
        match &mut self.text {
            Some(t) => Some(&mut t.buf[..]),
            None => Some(&mut self.slots[idx][DATA_HEADER_LEN + self.fill..]),
        }
    }

    pub(super) fn advance(&mut self, n: usize) {
        if n == 0 {
            self.eof = true;
        } else if self.wants_data() {
            match &mut self.text {
                Some(t) => t.end = n.min(t.buf.len()),
                None => {
                    self.fill += n.min(self.blksize - self.fill);
                    if self.fill == self.blksize {
                        self.form();
                    }
                }
            }
        }
        self.pump();
    }

    /// Turns buffered input (netascii staging, end of file) into blocks while
    /// the window has room.
    fn pump(&mut self) {
        while self.can_fill() {
            let idx = self.slot_index(self.formed + 1);
            self.ensure_slot(idx);
            if let Some(t) = &mut self.text {
                let out = &mut self.slots[idx][DATA_HEADER_LEN + self.fill..];
                let (used, written) = t.enc.encode(&t.buf[t.start..t.end], out);
                t.start += used;
                self.fill += written;
                if t.start == t.end {
                    t.start = 0;
                    t.end = 0;
                }
                if self.fill == self.blksize {
                    self.form();
                    continue;
                }
                // Not full: the staged input is used up and nothing is pending.
            }
            if self.eof {
                self.form();
            }
            return;
        }
    }

    /// Closes block `formed + 1` with its current fill; a short block is the
    /// last one (RFC 1350 §6, RFC 2348).
    fn form(&mut self) {
        let seq = self.formed + 1;
        let idx = self.slot_index(seq);
        self.ensure_slot(idx);
        write_data_header(&mut self.slots[idx], wire_block(seq, self.rollover));
        self.lens[idx] = DATA_HEADER_LEN + self.fill;
        if self.fill < self.blksize {
            self.final_seq = Some(seq);
            self.final_len = self.fill;
        }
        self.formed = seq;
        self.fill = 0;
    }

    pub(super) fn next_datagram(&self) -> Option<&[u8]> {
        if self.send_next > self.formed {
            return None;
        }
        let idx = self.slot_index(self.send_next);
        Some(&self.slots[idx][..self.lens[idx]])
    }

    pub(super) fn datagram_sent(&mut self) {
        if self.send_next <= self.formed {
            self.send_next += 1;
        }
    }

    /// Bytes in blocks `1..=seq`: every block but the last is full.
    fn bytes_through(&self, seq: u64) -> u64 {
        match self.final_seq {
            Some(f) if f == seq => (seq - 1) * self.blksize as u64 + self.final_len as u64,
            _ => seq * self.blksize as u64,
        }
    }

    pub(super) fn on_ack(&mut self, c: &mut Common, block: u16, now: Instant) {
        if c.phase == Phase::AwaitOackAck {
            // RFC 2347: ACK 0 confirms the OACK; anything else is stray.
            if block == 0 {
                c.phase = Phase::Transferring;
                c.progressed(now);
            }
            return;
        }
        // A duplicate of the last ACK never triggers a resend: that is the
        // Sorcerer's Apprentice bug (RFC 1123 §4.2.3.1).
        if block == c.wire(self.acked) {
            return;
        }
        let Some(k) = next_seq_with_block(self.acked, block, c.rollover) else {
            return;
        };
        if k >= self.send_next {
            // Never sent: ignored (see the module documentation).
            return;
        }
        if let Some(out) = &mut self.acked_out {
            for seq in self.acked + 1..=k {
                let idx = ((seq - 1) % self.window) as usize;
                out.extend_from_slice(&self.slots[idx][DATA_HEADER_LEN..self.lens[idx]]);
            }
        }
        self.acked = k;
        c.bytes = self.bytes_through(k);
        c.progressed(now);
        if self.final_seq == Some(k) {
            c.succeed();
            return;
        }
        // RFC 7440 §4: the next window starts right after the acknowledged
        // block; an ACK inside the window means the client lost what follows.
        self.send_next = k + 1;
        self.pump();
    }

    pub(super) fn on_retransmit_timer(&mut self, c: &mut Common, now: Instant) {
        if c.phase == Phase::AwaitOackAck {
            if c.try_retransmit(now) {
                c.queue_ctrl();
            }
            return;
        }
        if self.send_next == self.acked + 1 {
            // Nothing in flight: we are waiting for the caller's file data,
            // not for the peer, so this is not a retransmission.
            c.retransmit_at = Some(now + c.rto);
            return;
        }
        // RFC 7440 §4: on timeout the last ACK received sets the start of
        // the window to resend.
        if c.try_retransmit(now) {
            self.send_next = self.acked + 1;
        }
    }
}
