//! WSServer as a protocol on the stream transport (docs/ARCHITECTURE.md):
//! the opening handshake (RFC 6455 §4.2) decided by the application in
//! WebSocketOpenRequest, then frames decoded into DataIn / Ping events and
//! messages encoded into the out queue, and the close handshake (§7). The
//! codec modules beside this one are pure; this file ties them to a
//! connection's life: phases, timers, the out queue and the events.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::close::{close_frame, reply_to, truncate_reason, CloseCode};
use super::decoder::{Decoder, DecoderConfig, Item, MessageKind, Payload, DEFAULT_MAX_PIECE};
use super::deflate::{negotiate, Compressor, DeflatePolicy};
use super::encoder::{control_frame, MessageEncoder, DEFAULT_MAX_FRAME_SIZE};
use super::event::WsEvent;
use super::frame::{OpCode, DEFAULT_MAX_MESSAGE_SIZE};
use super::handshake::{accept_key, accept_response, error_response, parse_request, reason_phrase, Request};
use super::ProtocolError;
use crate::core::error::{codes, Error, Result};
use crate::stream::{Ctx, Protocol, Segment};
use crate::tcp::framing::{self, Framing, InBuf};

/// Bytes the out queue may hold before an application send fails with
/// 10035: a frame goes out whole, so the queue takes a message whenever it
/// is at or under this mark, and ReadyToSend fires at half of it.
pub const QUEUE_HIGH_WATER: usize = 256 * 1024;

/// The WSServer error for a send on a connection whose WebSocket is not open.
pub const SEND_FAILED: i32 = 4202;

/// What a connection with a dedicated compressor counts against
/// DeflateMemoryBudget: zlib's deflate state at 15 window bits and memLevel 8
/// (about 256 KiB) plus an inflater that keeps the client's 32 KiB window
/// (docs/PERFORMANCE.md measures it).
pub const DEDICATED_DEFLATE_COST: u64 = 320 * 1024;
/// What a connection without context takeover counts: the inflater it
/// needs while a compressed message is coming in (freed after each one).
pub const SHARED_DEFLATE_COST: u64 = 48 * 1024;

/// How a connection's messages are compressed (DeflateTier[id]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeflateTier {
    /// No permessage-deflate (not offered, disabled, or the budget is full).
    None = 0,
    /// No context takeover either way: outgoing messages use the handle's
    /// shared compressor, incoming ones an inflater freed after each message.
    Shared = 1,
    /// Context takeover: a compressor of the connection's own.
    Dedicated = 2,
}

impl DeflateTier {
    /// What it counts against DeflateMemoryBudget.
    pub fn cost(self) -> u64 {
        match self {
            DeflateTier::None => 0,
            DeflateTier::Shared => SHARED_DEFLATE_COST,
            DeflateTier::Dedicated => DEDICATED_DEFLATE_COST,
        }
    }
}

/// Encodings of one broadcast message, made once and shared.
#[derive(Default)]
pub struct BroadcastFrames {
    plain: Option<Arc<[u8]>>,
    /// Compressed by the shared compressor of each window size (9..=15).
    shared: [Option<Arc<[u8]>>; 16],
}

/// WSServer's handle-wide settings (the WebSocket config settings, and the
/// defaults of new connections).
#[derive(Debug)]
pub struct WsProtocol {
    pub buffer_message: bool,
    pub disconnect_status_code: u16,
    pub disconnect_status_description: String,
    pub enable_permessage_deflate: bool,
    pub max_frame_size: usize,
    pub max_line_length: usize,
    pub wait_for_close_response: bool,
    pub close_stream_after_transfer: bool,
    pub mask_sensitive_data: bool,
    pub log_level: i32,
    pub max_message_size: u64,
    pub handshake_timeout: u32,
    pub close_timeout: u32,
    pub deflate_level: u32,
    /// SSLCertKeyPassword: stored and read back.
    pub ssl_cert_key_password: String,
    /// DeflateMemoryBudget, and what the open connections count against it.
    pub deflate_memory_budget: u64,
    pub deflate_memory_in_use: u64,
    /// One compressor per window size for every connection without context
    /// takeover (reset after each message, so connections can share it).
    shared_compressors: [Option<Box<Compressor>>; 16],
    /// PingInterval / PingTimeout (seconds; 0 = no keepalive pings).
    pub ping_interval: u32,
    pub ping_timeout: u32,
}

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading the opening request.
    Handshake,
    /// WebSocketOpenRequest is out; the application decides.
    Deciding,
    /// The WebSocket is open.
    Open,
    /// We sent a Close frame and wait for the client's.
    Closing,
    /// Over: a last frame or HTTP answer goes out, then the socket closes.
    Done,
}

/// What the opening request said, kept for the Conn* properties.
#[derive(Debug, Default)]
pub struct RequestInfo {
    pub uri: String,
    pub host: String,
    pub origin: String,
    pub headers: String,
    pub sub_protocols: String,
    key: String,
    extensions: Vec<String>,
}

/// Line mode (ChangeLineMode): DataIn per line.
#[derive(Debug)]
struct Lines {
    framing: Framing,
    buf: InBuf,
}

/// A connection's WebSocket state.
pub struct WsConn {
    pub phase: Phase,
    /// Input not consumed yet, from `input_start` on: the opening request,
    /// a partial control frame, or bytes behind an event.
    input: Vec<u8>,
    input_start: usize,
    pub request: Box<RequestInfo>,
    decoder: Decoder,
    encoder: MessageEncoder,
    compressor: Option<Box<Compressor>>,
    /// Events behind the one returned (log lines, further lines).
    queued: VecDeque<WsEvent>,
    /// The next data piece starts a message (DataFormat 1/2, else 0).
    first_piece: bool,
    /// BufferMessage: the message so far.
    assembling: Vec<u8>,
    lines: Option<Box<Lines>>,
    pub data_format: i32,
    pub max_line_length: usize,
    /// MessageLength: payload bytes still to come in the open message.
    pub message_length: u64,
    /// What Disconnected will report once the socket closes.
    final_status: Option<(i32, String)>,
    /// Pings sent by the Ping method, and Pongs received.
    pub pings_sent: u64,
    pub pongs_received: u64,
    /// The permessage-deflate response, when agreed (for the Log event).
    pub deflate: Option<String>,
    pub tier: DeflateTier,
    /// The server's window bits (for the shared compressor).
    server_window_bits: u8,
    /// Reads so far, and (pongs, reads) when the last keepalive Ping went out.
    reads: u64,
    keepalive_mark: (u64, u64),
}

impl WsConn {
    pub fn line_mode(&self) -> bool {
        self.lines.is_some()
    }

    /// ChangeLineMode.
    pub fn change_line_mode(&mut self, on: bool) {
        if on == self.line_mode() {
            return;
        }
        self.lines = on.then(|| {
            Box::new(Lines {
                framing: Framing {
                    eol: Vec::new(),
                    single_line: true,
                    record_length: 0,
                    max_line_length: self.max_line_length,
                    after_cr: false,
                },
                buf: InBuf::default(),
            })
        });
    }

    /// MaxLineLength[id].
    pub fn set_max_line_length(&mut self, n: usize) {
        self.max_line_length = n;
        if let Some(l) = self.lines.as_deref_mut() {
            l.framing.max_line_length = n;
        }
    }
}

/// WSServer's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WsTimer {
    /// HandshakeTimeout: the opening request has not come.
    Handshake,
    /// CloseTimeout: the client's Close, or our last bytes, have not gone through.
    Close,
    /// PingInterval: time to see whether the connection is idle.
    Keepalive,
    /// PingTimeout: the keepalive Ping should have been answered.
    PongDue,
}

/// What Send sends (the DataFormat values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendKind {
    Text,
    Binary,
    Ping,
    Pong,
}

impl SendKind {
    /// A connection's DataFormat as Send uses it (0 automatic: Send sends bytes).
    pub fn from_data_format(f: i32) -> SendKind {
        match f {
            1 => SendKind::Text,
            9 => SendKind::Ping,
            10 => SendKind::Pong,
            _ => SendKind::Binary,
        }
    }
}

/// A decoded item with its bytes owned, so the input can be drained.
enum Owned {
    Data { kind: MessageKind, bytes: Vec<u8>, fin: bool },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close { code: u16, reason: String, reply: Vec<u8> },
    Failed(ProtocolError),
}

fn own(item: Item<'_>) -> Owned {
    match item {
        Item::Data { kind, payload, fin } => {
            let bytes = match payload {
                Payload::Borrowed(b) => b.to_vec(),
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

fn kind_format(kind: MessageKind) -> i32 {
    match kind {
        MessageKind::Text => 1,
        MessageKind::Binary => 2,
    }
}

impl WsProtocol {
    fn decoder_config(&self, deflate: Option<super::deflate::DeflateParams>) -> DecoderConfig {
        DecoderConfig {
            max_message_size: self.max_message_size,
            max_frame_size: self.max_message_size,
            deflate,
            max_piece: DEFAULT_MAX_PIECE,
        }
    }

    fn log(&self, cx: &Ctx<'_, WsTimer>, c: &mut WsConn, level: i32, log_type: &str, message: String) {
        if level <= self.log_level {
            c.queued.push_back(WsEvent::Log {
                connection_id: cx.id(),
                log_level: level,
                message,
                log_type: log_type.into(),
            });
        }
    }

    /// Ends the connection once what is queued is out, reporting `status`;
    /// CloseTimeout bounds the wait.
    fn finish(&self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, status: Error, error_event: bool) {
        c.phase = Phase::Done;
        c.input = Vec::new();
        c.input_start = 0;
        c.final_status = Some((status.code, status.text.clone()));
        cx.close_when_flushed(status, error_event);
        self.arm_close_timer(cx);
    }

    fn arm_close_timer(&self, cx: &mut Ctx<'_, WsTimer>) {
        if self.close_timeout > 0 {
            cx.schedule(Instant::now() + Duration::from_secs(self.close_timeout as u64), WsTimer::Close);
        }
    }

    /// Refuses the opening request with an HTTP answer, then closes.
    fn refuse(&self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, status: u16, headers: &str, status_error: Error) {
        cx.send(Segment::Owned(error_response(status, headers, "")));
        self.log(cx, c, 1, "Info", format!("Refused the opening request: {status} {}", reason_phrase(status)));
        self.finish(cx, c, status_error, false);
    }

    /// The opening request, once whole: WebSocketOpenRequest (or a refusal).
    fn read_request(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn) -> Option<WsEvent> {
        match parse_request(&c.input) {
            Ok(None) => None,
            Ok(Some((req, used))) => {
                c.input.drain(..used);
                Some(self.open_request(cx, c, req))
            }
            Err(rej) => {
                cx.send(Segment::Owned(rej.response()));
                self.log(cx, c, 1, "Info", format!("Bad opening request: {} {}", rej.status, rej.reason));
                let text = format!("Bad opening request: {} {}", rej.status, rej.reason);
                self.finish(cx, c, Error::new(i32::from(rej.status), text), false);
                c.queued.pop_front()
            }
        }
    }

    fn open_request(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, req: Request) -> WsEvent {
        let headers = req.headers_text();
        let info = RequestInfo {
            uri: req.uri.clone(),
            host: req.host.clone(),
            origin: req.origin.clone(),
            headers: headers.clone(),
            sub_protocols: req.protocols_text(),
            key: req.key.clone(),
            extensions: req.extensions.clone(),
        };
        self.log(cx, c, 1, "Info", format!("GET {} (Host: {})", req.uri, req.host));
        self.log(cx, c, 2, "Verbose", headers.clone());
        let ev = WsEvent::WebSocketOpenRequest {
            connection_id: cx.id(),
            request_uri: info.uri.clone(),
            host_header: info.host.clone(),
            origin_header: info.origin.clone(),
            sub_protocols: info.sub_protocols.clone(),
            extensions: req.extensions_text(),
            request_headers: headers,
            status_code: 101,
            response_headers: String::new(),
        };
        *c.request = info;
        c.phase = Phase::Deciding;
        ev
    }

    /// After WebSocketOpenRequest: 101 opens the WebSocket, any other status
    /// refuses with it.
    fn decide(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        status: i32,
        protocol: &str,
        response_headers: &str,
    ) {
        if c.phase != Phase::Deciding {
            return;
        }
        if status != 101 {
            let status = u16::try_from(status).ok().filter(|s| (200..=599).contains(s)).unwrap_or(400);
            let text = format!("Refused by the application: {status} {}", reason_phrase(status));
            self.refuse(cx, c, status, response_headers, Error::new(i32::from(status), text));
            return;
        }
        // DeflateMemoryBudget: a dedicated compressor while it has room, then
        // no context takeover (the shared compressor), then no compression.
        let budget = self.deflate_memory_budget;
        let used = self.deflate_memory_in_use;
        let dedicated_room = used + DEDICATED_DEFLATE_COST <= budget;
        let agreement = if self.enable_permessage_deflate && used + SHARED_DEFLATE_COST <= budget {
            let policy = DeflatePolicy {
                level: self.deflate_level,
                server_no_context_takeover: !dedicated_room,
                client_no_context_takeover: !dedicated_room,
                ..DeflatePolicy::default()
            };
            negotiate(&c.request.extensions, &policy)
        } else {
            None
        };
        // §4.2.2: the server answers with one of the client's sub-protocols
        // or none; the unchanged list (or a name it did not offer) selects none.
        let protocol = protocol.trim();
        let chosen = c.request.sub_protocols.split(',').map(str::trim).any(|p| !p.is_empty() && p == protocol);
        if !protocol.is_empty() && !chosen {
            self.log(cx, c, 2, "Verbose", format!("No sub-protocol selected (SubProtocols was '{protocol}')"));
        }
        let accept = accept_key(c.request.key.as_bytes());
        let ext = agreement.as_ref().map(|a| a.response.as_str());
        cx.send(Segment::Owned(accept_response(&accept, chosen.then_some(protocol), ext, response_headers)));
        let params = agreement.as_ref().map(|a| a.params);
        c.decoder = Decoder::new(&self.decoder_config(params));
        c.tier = match params {
            None => DeflateTier::None,
            Some(p) if p.server_no_context_takeover => DeflateTier::Shared,
            Some(_) => DeflateTier::Dedicated,
        };
        if let Some(p) = params {
            c.server_window_bits = p.server_max_window_bits;
            if c.tier == DeflateTier::Dedicated {
                c.compressor = Some(Box::new(Compressor::new(self.deflate_level, p.server_max_window_bits, false)));
            }
        }
        self.deflate_memory_in_use += c.tier.cost();
        if self.ping_interval > 0 {
            cx.schedule(Instant::now() + Duration::from_secs(self.ping_interval as u64), WsTimer::Keepalive);
        }
        c.deflate = agreement.map(|a| a.response);
        c.phase = Phase::Open;
        let terms = c.deflate.clone().unwrap_or_else(|| "no extensions".into());
        self.log(cx, c, 1, "Info", format!("WebSocket open ({terms})"));
        cx.announce();
    }

    /// Turns one decoded item into the event it gives, if any.
    fn on_item(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, item: Owned) -> Option<WsEvent> {
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
                    return c.queued.pop_front();
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
                c.queued.pop_front()
            }
            Owned::Failed(e) => {
                self.log(cx, c, 1, "Error", format!("Protocol error: {e}"));
                if c.phase == Phase::Open {
                    cx.send(Segment::Owned(close_frame(Some(e.code), e.reason)));
                }
                self.finish(cx, c, Error::from(e), true);
                c.queued.pop_front()
            }
        }
    }

    /// Decodes `input` (the lent read buffer, or the connection's own) up to
    /// the first event; returns it and how much of `input` was consumed.
    fn decode_from(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, input: &mut [u8]) -> (usize, Option<WsEvent>) {
        let mut pos = 0;
        loop {
            if c.decoder.is_finished() {
                return (input.len(), None);
            }
            let (used, item) = c.decoder.decode(&mut input[pos..]);
            let item = item.map(own);
            pos += used;
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

    /// Starts the close handshake (Disconnect, Shutdown): a Close frame with
    /// `code` and `reason`, then, with WaitForCloseResponse, the client's
    /// Close (or CloseTimeout); without it, the socket closes once the frame
    /// is out.
    pub fn start_close(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, code: u16, reason: &str) {
        match c.phase {
            Phase::Open => {
                let reason = if reason.is_empty() {
                    CloseCode(code).default_description().unwrap_or("")
                } else {
                    truncate_reason(reason)
                };
                cx.send(Segment::Owned(close_frame(Some(CloseCode(code)), reason)));
                self.log(cx, c, 1, "Info", format!("Close sent: {code} {reason}"));
                c.final_status = Some((i32::from(code), reason.to_string()));
                if self.wait_for_close_response {
                    c.phase = Phase::Closing;
                    self.arm_close_timer(cx);
                } else {
                    self.finish(cx, c, Error::new(i32::from(code), reason), false);
                }
            }
            Phase::Handshake | Phase::Deciding => cx.close_quietly(Error::new(0, "OK")),
            // A second Disconnect does not wait any longer.
            Phase::Closing | Phase::Done => {
                let (code, text) = c.final_status.clone().unwrap_or((0, "OK".into()));
                cx.close_quietly(Error::new(code, text));
            }
        }
    }

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

    fn shared_compressor(&mut self, bits: u8) -> &mut Compressor {
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
        match c.tier {
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

    /// PingInterval: an idle open connection gets a Ping; PingTimeout later
    /// it must have answered (or sent anything), else it is closed (10060).
    fn keepalive(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, key: WsTimer) -> Option<WsEvent> {
        if c.phase != Phase::Open || self.ping_interval == 0 {
            return None;
        }
        let interval = Duration::from_secs(self.ping_interval as u64);
        let now = Instant::now();
        match key {
            WsTimer::Keepalive => {
                let due = cx.last_activity() + interval;
                if due > now {
                    cx.schedule(due, WsTimer::Keepalive);
                    return None;
                }
                if cx.queued() <= QUEUE_HIGH_WATER {
                    let ping = control_frame(OpCode::Ping, b"pier keepalive").expect("short payload");
                    cx.send(Segment::Owned(ping));
                }
                c.keepalive_mark = (c.pongs_received, c.reads);
                let timeout = if self.ping_timeout > 0 { self.ping_timeout } else { self.ping_interval };
                cx.schedule(now + Duration::from_secs(timeout as u64), WsTimer::PongDue);
                None
            }
            _ => {
                if (c.pongs_received, c.reads) == c.keepalive_mark {
                    let text = format!(
                        "[10060] No answer to a keepalive Ping within {} s (PingTimeout).",
                        if self.ping_timeout > 0 { self.ping_timeout } else { self.ping_interval }
                    );
                    self.log(cx, c, 1, "Info", text.clone());
                    c.phase = Phase::Done;
                    cx.close(Error::new(codes::TIMED_OUT, text));
                    return c.queued.pop_front();
                }
                cx.schedule(cx.last_activity() + interval, WsTimer::Keepalive);
                None
            }
        }
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

impl Protocol for WsProtocol {
    type Conn = WsConn;
    type Event = WsEvent;
    type Timer = WsTimer;
    const QUEUE_HIGH_WATER: usize = QUEUE_HIGH_WATER;

    fn new() -> Self {
        WsProtocol {
            buffer_message: false,
            disconnect_status_code: 1000,
            disconnect_status_description: String::new(),
            enable_permessage_deflate: true,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_line_length: 2048,
            wait_for_close_response: true,
            close_stream_after_transfer: true,
            mask_sensitive_data: true,
            log_level: 1,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            handshake_timeout: 30,
            close_timeout: 5,
            deflate_level: 6,
            ssl_cert_key_password: String::new(),
            deflate_memory_budget: 64 * 1024 * 1024,
            deflate_memory_in_use: 0,
            shared_compressors: Default::default(),
            ping_interval: 0,
            ping_timeout: 0,
        }
    }

    fn on_open(&mut self, _cx: &mut Ctx<'_, WsTimer>) -> WsConn {
        WsConn {
            phase: Phase::Handshake,
            input: Vec::new(),
            input_start: 0,
            request: Box::default(),
            decoder: Decoder::new(&self.decoder_config(None)),
            encoder: MessageEncoder::new(self.max_frame_size),
            compressor: None,
            queued: VecDeque::new(),
            first_piece: true,
            assembling: Vec::new(),
            lines: None,
            data_format: 0,
            max_line_length: self.max_line_length,
            message_length: 0,
            final_status: None,
            pings_sent: 0,
            pongs_received: 0,
            deflate: None,
            tier: DeflateTier::None,
            server_window_bits: 15,
            reads: 0,
            keepalive_mark: (0, 0),
        }
    }

    /// The stream is up: the opening request is awaited (HandshakeTimeout).
    fn on_established(&mut self, cx: &mut Ctx<'_, WsTimer>, _c: &mut WsConn) -> bool {
        if self.handshake_timeout > 0 {
            cx.schedule(Instant::now() + Duration::from_secs(self.handshake_timeout as u64), WsTimer::Handshake);
        }
        false
    }

    fn on_input(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, data: &mut [u8]) -> Option<WsEvent> {
        c.reads += 1;
        match c.phase {
            Phase::Open | Phase::Closing if c.input.is_empty() && c.queued.is_empty() => {
                // The common case: decode in the lent buffer, keep the rest.
                let (used, ev) = self.decode_from(cx, c, data);
                if used < data.len() && !c.decoder.is_finished() {
                    c.input.extend_from_slice(&data[used..]);
                }
                ev
            }
            Phase::Done => None,
            _ => {
                if c.input_start > 0 {
                    c.input.drain(..c.input_start);
                    c.input_start = 0;
                }
                c.input.extend_from_slice(data);
                self.next_event(cx, c)
            }
        }
    }

    fn next_event(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn) -> Option<WsEvent> {
        if let Some(ev) = c.queued.pop_front() {
            return Some(ev);
        }
        match c.phase {
            Phase::Handshake if c.input_start < c.input.len() => self.read_request(cx, c),
            Phase::Open | Phase::Closing if c.input_start < c.input.len() => {
                // Consumed input is skipped, not moved: many small messages
                // in one read cost one copy, not one per message.
                let mut input = std::mem::take(&mut c.input);
                let start = c.input_start;
                let (used, ev) = self.decode_from(cx, c, &mut input[start..]);
                c.input_start = start + used;
                if c.input_start >= input.len() || c.decoder.is_finished() {
                    input.clear();
                    c.input_start = 0;
                }
                if c.phase != Phase::Done {
                    c.input = input;
                }
                ev
            }
            _ => None,
        }
    }

    fn on_eof(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn) -> Option<WsEvent> {
        if let Some(ev) = c.queued.pop_front() {
            return Some(ev);
        }
        match c.phase {
            Phase::Open | Phase::Closing => {
                // §7.1.5: closed without a Close frame.
                c.phase = Phase::Done;
                cx.close_quietly(Error::new(
                    i32::from(CloseCode::ABNORMAL.0),
                    "The connection closed without a Close frame (1006).",
                ));
            }
            Phase::Done => {
                if let Some((code, text)) = c.final_status.clone() {
                    cx.close_quietly(Error::new(code, text));
                }
            }
            Phase::Handshake | Phase::Deciding => {}
        }
        None
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, key: WsTimer) -> Option<WsEvent> {
        match key {
            WsTimer::Handshake if c.phase == Phase::Handshake => {
                let text =
                    format!("[10060] No opening request within HandshakeTimeout ({} s).", self.handshake_timeout);
                self.refuse(cx, c, 408, "", Error::new(codes::TIMED_OUT, text));
                c.queued.pop_front()
            }
            WsTimer::Keepalive | WsTimer::PongDue => self.keepalive(cx, c, key),
            WsTimer::Close if matches!(c.phase, Phase::Closing | Phase::Done) => {
                let (code, text) = c.final_status.clone().unwrap_or((0, "OK".into()));
                cx.close_quietly(Error::new(code, text));
                None
            }
            _ => None,
        }
    }

    fn on_closed(&mut self, c: &mut WsConn) {
        self.deflate_memory_in_use = self.deflate_memory_in_use.saturating_sub(c.tier.cost());
        c.tier = DeflateTier::None;
        c.input = Vec::new();
        c.assembling = Vec::new();
        c.compressor = None;
        c.queued.clear();
    }

    fn event_done(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, ev: WsEvent) {
        if let WsEvent::WebSocketOpenRequest { status_code, sub_protocols, response_headers, .. } = ev {
            self.decide(cx, c, status_code, &sub_protocols, &response_headers);
        }
    }

    fn needs_done(ev: &WsEvent) -> bool {
        matches!(ev, WsEvent::WebSocketOpenRequest { .. })
    }
}
