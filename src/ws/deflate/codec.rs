//! The per-message DEFLATE codec of permessage-deflate (RFC 7692 §7.2).
//!
//! Sending (§7.2.1): compress, SYNC flush, drop the trailing `00 00 ff ff`;
//! without context takeover, reset the stream after each message.
//! Receiving (§7.2.2): append `00 00 ff ff` and inflate. Inflation always
//! runs with a bound on its output, so a small message that inflates past the
//! message limit fails with 1009 before that memory is spent.
//!
//! Memory (zlib's formulas, which zlib-rs follows): a [`Compressor`] holds
//! about `2^(w+2) + 2^(memLevel+9)` bytes, 256 KiB at w = 15 and flate2's
//! memLevel 8 (130 KiB at w = 9: the hash table does not shrink); a [`Decompressor`]
//! about `2^w` + 7 KiB, 39 KiB at w = 15. These are what a compression
//! memory budget counts per connection.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::core::error::{codes, Error};
use crate::ws::ProtocolError;

/// The empty stored block a SYNC flush ends with (§7.2.1).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output grows by at least this much per step when compressing.
const MIN_STEP: usize = 256;
/// Output grows by at most this much per step when inflating a whole message.
const INFLATE_STEP: usize = 64 * 1024;

const BAD_DATA: ProtocolError = ProtocolError::invalid_payload("invalid compressed data");
const TOO_BIG: ProtocolError = ProtocolError::too_big("message larger than the maximum message size");

/// The server's compressor for one connection (or one shared by several
/// connections with no context takeover, since it is reset after each message).
pub struct Compressor {
    inner: Compress,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor").field("no_context_takeover", &self.no_context_takeover).finish()
    }
}

impl Compressor {
    /// A raw-deflate compressor with `window_bits` (clamped to zlib's 9..=15).
    pub fn new(level: u32, window_bits: u8, no_context_takeover: bool) -> Self {
        let level = Compression::new(level.min(9));
        Compressor {
            inner: Compress::new_with_window_bits(level, false, window_bits.clamp(9, 15)),
            no_context_takeover,
        }
    }

    /// Compresses a piece of a message, appending to `out`. With `fin` the
    /// message ends: the stream is SYNC-flushed and its `00 00 ff ff` tail
    /// dropped (the tail is always in the output of this last call). Pieces
    /// before it may add nothing yet, zlib keeping the data until later.
    pub fn compress_piece(&mut self, data: &[u8], fin: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        let flush = if fin { FlushCompress::Sync } else { FlushCompress::None };
        let start = out.len();
        let mut used = 0usize;
        loop {
            if out.capacity() - out.len() < MIN_STEP {
                out.reserve(MIN_STEP.max((data.len() - used) / 2));
            }
            let before = self.inner.total_in();
            self.inner
                .compress_vec(&data[used..], out, flush)
                .map_err(|e| Error::new(codes::INTERNAL, format!("deflate failed: {e}")))?;
            used += (self.inner.total_in() - before) as usize;
            // Done when all input is in and zlib had room to spare (nothing pending).
            if used == data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if fin && out.len() == start {
            // zlib emits nothing for a second SYNC flush with no new input (an
            // empty message after another): send the lone 0x00 of §7.2.3.6,
            // which the receiver's appended tail makes an empty stored block.
            out.push(0x00);
        } else if fin {
            if out.len() - start < TAIL.len() || out[out.len() - 4..] != TAIL {
                return Err(Error::new(codes::INTERNAL, "deflate sync flush did not end with 00 00 ff ff"));
            }
            out.truncate(out.len() - 4);
            if self.no_context_takeover {
                self.inner.reset();
            }
        }
        Ok(())
    }

    /// Compresses a whole message, appending its frame payload to `out`.
    pub fn compress_message(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.compress_piece(data, true, out)
    }
}

/// The server's decompressor for one connection's incoming messages.
pub struct Decompressor {
    inner: Decompress,
    no_context_takeover: bool,
    /// Bytes of [`TAIL`] already fed at the end of the current message.
    tail_fed: u8,
    /// The client ended its DEFLATE stream (a block with BFINAL set).
    stream_ended: bool,
}

impl std::fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressor").field("no_context_takeover", &self.no_context_takeover).finish()
    }
}

impl Decompressor {
    /// A raw-inflate decompressor with `window_bits` (clamped to zlib's 9..=15;
    /// a 9-bit window also reads streams made with 8).
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Decompressor {
            inner: Decompress::new_with_window_bits(false, window_bits.clamp(9, 15)),
            no_context_takeover,
            tail_fed: 0,
            stream_ended: false,
        }
    }

    /// One inflate call writing at most `max_out` bytes at the end of `out`.
    /// Returns (input consumed, output produced).
    fn step(&mut self, input: &[u8], out: &mut Vec<u8>, max_out: usize) -> Result<(usize, usize), ProtocolError> {
        if self.stream_ended {
            // After a block with BFINAL (RFC 1951 §3.2.3) the stream is over:
            // like zlib, ignore what follows in this message (our own tail at least).
            return Ok((input.len(), 0));
        }
        let start = out.len();
        out.resize(start + max_out, 0);
        let (before_in, before_out) = (self.inner.total_in(), self.inner.total_out());
        let status = self.inner.decompress(input, &mut out[start..], FlushDecompress::Sync);
        let produced = (self.inner.total_out() - before_out) as usize;
        out.truncate(start + produced);
        match status {
            Ok(Status::StreamEnd) => self.stream_ended = true,
            Ok(_) => {}
            Err(_) => return Err(BAD_DATA),
        }
        Ok(((self.inner.total_in() - before_in) as usize, produced))
    }

    /// Inflates compressed frame payload, appending at most `max_out` bytes
    /// to `out`. Returns how many input bytes were used: fewer than given
    /// when the output bound was reached, so call again with the rest (and
    /// call with empty input to drain what zlib still holds: it is drained
    /// when fewer than `max_out` bytes come out).
    pub fn inflate(&mut self, input: &[u8], out: &mut Vec<u8>, max_out: usize) -> Result<usize, ProtocolError> {
        let mut used = 0;
        let mut room = max_out;
        // Start with room for a typical ratio and double: a small message
        // neither allocates nor zeroes the whole bound.
        let mut chunk = input.len().saturating_mul(4).max(1024);
        while room > 0 {
            let ask = chunk.min(room);
            let (i, o) = self.step(&input[used..], out, ask)?;
            used += i;
            room -= o;
            // All input taken and room to spare: zlib holds nothing more.
            if (o < ask && used == input.len()) || (i == 0 && o == 0) {
                break;
            }
            chunk = chunk.saturating_mul(2);
        }
        Ok(used)
    }

    /// Ends the message (§7.2.2): feeds the `00 00 ff ff` tail and drains,
    /// appending at most `max_out` bytes. `Ok(true)`: the message is complete;
    /// `Ok(false)`: the bound was reached, call again after taking the output.
    pub fn finish(&mut self, out: &mut Vec<u8>, max_out: usize) -> Result<bool, ProtocolError> {
        let before = out.len();
        let fed = self.inflate(&TAIL[self.tail_fed as usize..], out, max_out)?;
        self.tail_fed += fed as u8;
        if self.tail_fed < 4 || out.len() - before == max_out {
            return Ok(false);
        }
        self.tail_fed = 0;
        if self.no_context_takeover || self.stream_ended {
            self.inner.reset(false);
            self.stream_ended = false;
        }
        Ok(true)
    }

    /// Inflates a whole message into `out` (appended) with at most `limit`
    /// bytes of output: beyond it 1009, with `out` never grown past `limit + 1`
    /// bytes of capacity for this message.
    pub fn decompress_message(&mut self, data: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let base = out.len();
        let mut used = 0;
        let mut finishing = false;
        loop {
            let len = out.len() - base;
            if len > limit {
                return Err(TOO_BIG);
            }
            // Grow geometrically, but never past the limit (plus one byte to see it exceeded).
            let step = INFLATE_STEP.min(limit + 1 - len);
            if out.capacity() - out.len() < step {
                let target = ((out.capacity() - base) * 2).max(len + step).min(limit + 1);
                out.reserve_exact(target - len);
            }
            if !finishing {
                used += self.inflate(&data[used..], out, step)?;
                if used == data.len() && out.len() - base - len < step {
                    finishing = true;
                }
            } else if self.finish(out, step)? {
                return if out.len() - base > limit { Err(TOO_BIG) } else { Ok(()) };
            }
        }
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
