//! Incoming frames into events: DataIn per piece, message (BufferMessage) or
//! line, Ping / Pong, the client's Close, and protocol failures.

use super::*;

/// Most room reserved ahead for a message being assembled: what its frame
/// announces, up to this (a large announced frame grows as it arrives).
const ASSEMBLE_RESERVE_MAX: u64 = 1 << 20;

/// A decoded item with its bytes owned, so the input can be drained.
pub(super) enum Owned {
    Data { kind: MessageKind, bytes: Vec<u8>, fin: bool },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close { code: u16, reason: String, reply: Vec<u8> },
    Failed(ProtocolError),
}

pub(super) fn own(item: Item<'_>) -> Owned {
    match item {
        Item::Data { kind, payload, fin } => {
            let bytes = match payload {
                // Room for the NUL the C boundary appends: no reallocation there.
                Payload::Borrowed(b) => crate::tcp::framing::owned_with_spare(b),
                Payload::Owned(v) => v,
            };
            Owned::Data { kind, bytes, fin }
        }
        Item::Ping(p) => Owned::Ping(p.to_vec()),
        Item::Pong(p) => Owned::Pong(p.to_vec()),
        Item::Close(body) => {
            Owned::Close { code: body.reported_code().0, reason: body.reason.to_string(), reply: reply_to(&body) }
        }
        Item::Failed(e) => Owned::Failed(e),
    }
}

pub(super) fn kind_format(kind: MessageKind) -> i32 {
    match kind {
        MessageKind::Text => 1,
        MessageKind::Binary => 2,
    }
}

impl WsProtocol {
    /// Turns one decoded item into the event it gives, if any.
    pub(super) fn on_item(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, item: Owned) -> Option<WsEvent> {
        let id = cx.id();
        match item {
            Owned::Data { kind, bytes, fin } => {
                if let Some(lines) = c.lines.as_deref_mut() {
                    lines.buf.extend(&bytes);
                    while let Some(fr) = framing::next_frame(&mut lines.buf, &mut lines.framing) {
                        let eom = fin && lines.buf.is_empty();
                        c.queued.push_back(WsEvent::DataIn {
                            connection_id: id,
                            data_format: 0,
                            text: fr.text,
                            eom,
                            eol: fr.eol,
                        });
                    }
                    if fin {
                        // A message ends its last line.
                        if let Some(fr) = framing::flush(&mut lines.buf, &lines.framing) {
                            c.queued.push_back(WsEvent::DataIn {
                                connection_id: id,
                                data_format: 0,
                                text: fr.text,
                                eom: true,
                                eol: false,
                            });
                        }
                    }
                    return c.next_queued();
                }
                if self.buffer_message {
                    if c.assembling.is_empty() {
                        c.assembling = bytes;
                    } else {
                        c.assembling.extend_from_slice(&bytes);
                    }
                    if !fin {
                        return None;
                    }
                    let text = std::mem::take(&mut c.assembling);
                    return Some(WsEvent::DataIn {
                        connection_id: id,
                        data_format: kind_format(kind),
                        text,
                        eom: true,
                        eol: false,
                    });
                }
                if bytes.is_empty() && !fin {
                    return None;
                }
                let data_format = if c.first_piece { kind_format(kind) } else { 0 };
                c.first_piece = fin;
                Some(WsEvent::DataIn { connection_id: id, data_format, text: bytes, eom: fin, eol: false })
            }
            Owned::Ping(payload) => {
                if c.phase == Phase::Open {
                    let pong = control_frame(OpCode::Pong, &payload).expect("a Ping payload fits a Pong");
                    cx.send(Segment::Owned(pong));
                }
                Some(WsEvent::Ping { connection_id: id, payload, response: false })
            }
            Owned::Pong(payload) => {
                c.pongs_received += 1;
                Some(WsEvent::Ping { connection_id: id, payload, response: true })
            }
            Owned::Close { code, reason, reply } => {
                self.log(cx, c, 1, "Info", format!("Close received: {code} {reason}"));
                let status = Error::new(i32::from(code), reason);
                if c.phase == Phase::Closing {
                    // Our Close was answered: the handshake is complete.
                    c.phase = Phase::Done;
                    cx.close_quietly(status);
                } else {
                    cx.send(Segment::Owned(reply));
                    self.finish(cx, c, status, false);
                }
                c.next_queued()
            }
            Owned::Failed(e) => {
                self.log(cx, c, 1, "Error", format!("Protocol error: {e}"));
                if c.phase == Phase::Open {
                    cx.send(Segment::Owned(close_frame(Some(e.code), e.reason)));
                }
                self.finish(cx, c, Error::from(e), true);
                c.next_queued()
            }
        }
    }

    /// Decodes `input` (the lent read buffer, or the connection's own) up to
    /// the first event; returns it and how much of `input` was consumed.
    pub(super) fn decode_from(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        input: &mut [u8],
    ) -> (usize, Option<WsEvent>) {
        let mut pos = 0;
        loop {
            if c.decoder.is_finished() {
                return (input.len(), None);
            }
            let (used, item) = c.decoder.decode(&mut input[pos..]);
            pos += used;
            // BufferMessage: plain pieces go straight into the message, room
            // for the rest of the frame (and the C boundary's NUL) reserved
            // once — one copy per byte, none per piece.
            if let Some(Item::Data { kind, payload: Payload::Borrowed(b), fin }) = &item {
                if self.buffer_message && c.lines.is_none() {
                    if c.assembling.capacity() - c.assembling.len() < b.len() + 1 {
                        let rest = c.decoder.frame_remaining().min(ASSEMBLE_RESERVE_MAX) as usize;
                        c.assembling.reserve(b.len() + rest + 1);
                    }
                    c.assembling.extend_from_slice(b);
                    if *fin {
                        let text = std::mem::take(&mut c.assembling);
                        let data_format = kind_format(*kind);
                        return (
                            pos,
                            Some(WsEvent::DataIn { connection_id: cx.id(), data_format, text, eom: true, eol: false }),
                        );
                    }
                    continue;
                }
            }
            let item = item.map(own);
            match item {
                None => return (pos, None),
                Some(item) => {
                    if let Some(ev) = self.on_item(cx, c, item) {
                        return (pos, Some(ev));
                    }
                }
            }
        }
    }
}
