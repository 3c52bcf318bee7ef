//! Outgoing messages: one send (whole or a part, MessageLength), the shared
//! compressor of connections without context takeover, and broadcast.

use super::*;

impl WsProtocol {
    /// One part of an outgoing message (`fin` ends it), or a Ping / Pong.
    /// With the out queue over its high water mark: 10035 (and ReadyToSend
    /// later), or for a blocking send (`blocking`) 10035 without it.
    pub fn send_part(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        kind: SendKind,
        data: &[u8],
        fin: bool,
        blocking: bool,
    ) -> Result<()> {
        if c.phase != Phase::Open {
            return Err(Error::new(SEND_FAILED, "[4202] The WebSocket is not open: cannot send."));
        }
        cx.set_bytes_sent(0);
        if cx.queued() > QUEUE_HIGH_WATER {
            return Err(if blocking {
                Error::new(codes::WOULD_BLOCK, "[10035] Operation would block.")
            } else {
                cx.refuse_send()
            });
        }
        // The common case: a whole uncompressed message in one frame goes out
        // as header + payload in one vectored write, without a copy.
        let plain = match kind {
            SendKind::Text | SendKind::Binary => {
                fin && !c.encoder.is_open()
                    && (c.tier == DeflateTier::None || c.plain_out)
                    && (self.max_frame_size == 0 || data.len() <= self.max_frame_size)
            }
            _ => false,
        };
        if plain {
            if kind == SendKind::Text && std::str::from_utf8(data).is_err() {
                return Err(Error::invalid_value("SendText: the text is not valid UTF-8"));
            }
            let op = if kind == SendKind::Text { OpCode::Text } else { OpCode::Binary };
            let header = encode_header(true, false, op, data.len() as u64);
            cx.send_parts(header.as_bytes(), data);
            cx.set_bytes_sent(data.len());
            return Ok(());
        }
        let frames = match kind {
            SendKind::Ping => control_frame(OpCode::Ping, data)?,
            SendKind::Pong => control_frame(OpCode::Pong, data)?,
            SendKind::Text | SendKind::Binary => {
                if kind == SendKind::Text && !c.encoder.is_open() && std::str::from_utf8(data).is_err() && fin {
                    return Err(Error::invalid_value("SendText: the text is not valid UTF-8"));
                }
                let mk = if kind == SendKind::Text { MessageKind::Text } else { MessageKind::Binary };
                if !c.encoder.is_open() {
                    c.encoder.set_max_frame_size(self.max_frame_size);
                }
                let whole = fin && !c.encoder.is_open();
                let compressor = match c.tier {
                    _ if c.plain_out => None,
                    DeflateTier::Dedicated => c.compressor.as_deref_mut(),
                    // The shared compressor serves whole messages only: a message
                    // sent in parts goes out uncompressed (RFC 7692 §6: per message).
                    DeflateTier::Shared if whole => Some(self.shared_compressor(c.server_window_bits)),
                    _ => None,
                };
                let mut out = Vec::with_capacity(data.len() + 16);
                c.encoder.encode(mk, data, fin, compressor, &mut out)?;
                out
            }
        };
        if kind == SendKind::Ping {
            c.pings_sent += 1;
        }
        if !frames.is_empty() {
            cx.send(Segment::Owned(frames));
        }
        cx.set_bytes_sent(data.len());
        Ok(())
    }

    pub(super) fn shared_compressor(&mut self, bits: u8) -> &mut Compressor {
        let level = self.deflate_level;
        let bits = bits.clamp(9, 15);
        self.shared_compressors[bits as usize].get_or_insert_with(|| Box::new(Compressor::new(level, bits, true)))
    }

    /// One connection's part of a broadcast: the frames made once for every
    /// connection on the same terms (plain, or by the shared compressor of a
    /// window size), or per connection with a dedicated compressor. False:
    /// the connection cannot take it now (out queue full: ReadyToSend fires
    /// later; or a message sent in parts is open, or it is not open).
    pub fn broadcast_one(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        kind: MessageKind,
        data: &[u8],
        frames: &mut BroadcastFrames,
    ) -> Result<bool> {
        if c.phase != Phase::Open || c.encoder.is_open() {
            return Ok(false);
        }
        if cx.queued() > QUEUE_HIGH_WATER {
            cx.refuse_send();
            return Ok(false);
        }
        let max_frame = self.max_frame_size;
        let encode = |compressor: Option<&mut Compressor>| -> Result<Vec<u8>> {
            let mut out = Vec::with_capacity(data.len() + 16);
            MessageEncoder::new(max_frame).encode(kind, data, true, compressor, &mut out)?;
            Ok(out)
        };
        let tier = if c.plain_out { DeflateTier::None } else { c.tier };
        match tier {
            DeflateTier::Dedicated => cx.send(Segment::Owned(encode(c.compressor.as_deref_mut())?)),
            DeflateTier::Shared => {
                let bits = c.server_window_bits.clamp(9, 15);
                let f = match &frames.shared[bits as usize] {
                    Some(f) => f.clone(),
                    None => {
                        let f: Arc<[u8]> = encode(Some(self.shared_compressor(bits)))?.into();
                        frames.shared[bits as usize] = Some(f.clone());
                        f
                    }
                };
                cx.send_shared(f);
            }
            DeflateTier::None => {
                let f = match &frames.plain {
                    Some(f) => f.clone(),
                    None => {
                        let f: Arc<[u8]> = encode(None)?.into();
                        frames.plain = Some(f.clone());
                        f
                    }
                };
                cx.send_shared(f);
            }
        }
        cx.set_bytes_sent(data.len());
        Ok(true)
    }

    /// A whole Send: one message, or with MessageLength the next part of one.
    pub fn send(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        kind: SendKind,
        data: &[u8],
        blocking: bool,
    ) -> Result<()> {
        let control = matches!(kind, SendKind::Ping | SendKind::Pong);
        let fin = control || c.message_length == 0 || c.message_length <= data.len() as u64;
        self.send_part(cx, c, kind, data, fin, blocking)?;
        if !control && c.message_length > 0 {
            c.message_length = c.message_length.saturating_sub(data.len() as u64);
        }
        Ok(())
    }
}
