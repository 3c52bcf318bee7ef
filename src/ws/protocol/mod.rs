//! WSServer as a protocol on the stream transport (docs/ARCHITECTURE.md):
//! the opening handshake (RFC 6455 §4.2) decided by the application in
//! WebSocketOpenRequest, then frames decoded into DataIn / Ping events and
//! messages encoded into the out queue, and the close handshake (§7). The
//! codec modules beside this one are pure; these files tie them to a
//! connection's life: phases, timers, the out queue and the events.
//!
//! This file: the per-connection state and the `Protocol` impl; `opening`
//! (the handshake), `incoming` (frames into events), `outgoing` (sends and
//! broadcast), `closing` (the close handshake and keepalive).

mod closing;
mod incoming;
mod opening;
mod outgoing;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::close::{close_frame, reply_to, truncate_reason, CloseCode};
use super::decoder::{Decoder, DecoderConfig, Item, MessageKind, Payload, DEFAULT_MAX_PIECE};
use super::deflate::{negotiate, Compressor, DeflatePolicy};
use super::encoder::{control_frame, MessageEncoder, DEFAULT_MAX_FRAME_SIZE};
use super::event::WsEvent;
use super::frame::{encode_header, OpCode, DEFAULT_MAX_MESSAGE_SIZE};
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
    /// Boxed: rare, and every idle connection would carry its 32 bytes.
    final_status: Option<Box<(i32, String)>>,
    /// Pings sent by the Ping method, and Pongs received.
    pub pings_sent: u64,
    pub pongs_received: u64,
    pub tier: DeflateTier,
    /// The server's window bits (for the shared compressor).
    server_window_bits: u8,
    /// permessage-deflate is agreed but the client demanded a window zlib
    /// cannot make (8 bits): outgoing messages go uncompressed.
    plain_out: bool,
    /// Reads so far, and (pongs, reads) when the last keepalive Ping went out.
    reads: u64,
    keepalive_mark: (u64, u64),
}

impl WsConn {
    /// The next event behind the one returned; a drained queue gives its
    /// memory back (it held log lines of the handshake: an idle connection
    /// would keep several events' worth of capacity otherwise).
    fn next_queued(&mut self) -> Option<WsEvent> {
        let ev = self.queued.pop_front();
        if self.queued.is_empty() && self.queued.capacity() > 0 {
            self.queued = VecDeque::new();
        }
        ev
    }

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

impl WsProtocol {
    pub(super) fn decoder_config(&self, deflate: Option<super::deflate::DeflateParams>) -> DecoderConfig {
        DecoderConfig {
            max_message_size: self.max_message_size,
            max_frame_size: self.max_message_size,
            deflate,
            max_piece: DEFAULT_MAX_PIECE,
        }
    }

    pub(super) fn log(&self, cx: &Ctx<'_, WsTimer>, c: &mut WsConn, level: i32, log_type: &str, message: String) {
        if level <= self.log_level {
            c.queued.push_back(WsEvent::Log {
                connection_id: cx.id(),
                log_level: level,
                message,
                log_type: log_type.into(),
            });
        }
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
            tier: DeflateTier::None,
            server_window_bits: 15,
            plain_out: false,
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
        if let Some(ev) = c.next_queued() {
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
        if let Some(ev) = c.next_queued() {
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
                if let Some((code, text)) = c.final_status.as_deref().cloned() {
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
                c.next_queued()
            }
            WsTimer::Keepalive | WsTimer::PongDue => self.keepalive(cx, c, key),
            WsTimer::Close if matches!(c.phase, Phase::Closing | Phase::Done) => {
                let (code, text) = c.final_status.as_deref().cloned().unwrap_or((0, "OK".into()));
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
