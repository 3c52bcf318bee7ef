//! The `Protocol` trait: what a component plugs into the stream transport
//! (TCPServer's framing today; WebSocket and ODETTE FTP next). The transport
//! owns sockets, TLS, accept, timeouts, the out queue and the shared
//! events; a protocol turns input into its own events, one at a time and
//! lazily, so that what a callback changes (framing, pause, disconnect)
//! applies to what comes next.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Instant;

use super::conn::ConnCore;
use super::event::ProtoEvent;
use super::outq::Segment;
use super::settings::StreamSettings;
use crate::core::error::Error;

/// What a protocol asked for during one call; the transport carries it
/// out when the call returns.
pub(super) struct Requests<T> {
    pub timers: Vec<(Instant, T)>,
    /// The status, and whether an Error event goes before Disconnected.
    pub close: Option<(Error, bool)>,
    /// Close once the out queue has drained (a last frame, an HTTP answer).
    pub close_when_flushed: Option<(Error, bool)>,
    pub announce: bool,
    /// The protocol holds more events (queued during a timer or an
    /// application method): look at the connection again.
    pub more_events: bool,
    /// Any of the above was asked for: the one check on the hot path.
    pub any: bool,
}

impl<T> Requests<T> {
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.any
    }
}

impl<T> Default for Requests<T> {
    fn default() -> Self {
        Requests {
            timers: Vec::new(),
            close: None,
            close_when_flushed: None,
            announce: false,
            more_events: false,
            any: false,
        }
    }
}

/// What a protocol asks of the transport from inside one of its calls.
pub struct Ctx<'a, T> {
    pub(super) core: &'a mut ConnCore,
    pub(super) req: &'a mut Requests<T>,
}

impl<T> Ctx<'_, T> {
    /// The connection's id.
    pub fn id(&self) -> i32 {
        self.core.id
    }

    /// Queues bytes after whatever is queued and writes what the socket
    /// takes now. Unlike an application's `Send`, a protocol's own output
    /// (a pong, a protocol reply) is never refused: it counts towards the
    /// high water mark, which then holds back the application's sends.
    pub fn send(&mut self, seg: Segment) {
        self.core.queue(seg);
    }

    /// Sends a frame given as its header and payload: one vectored write
    /// when nothing waits, so the payload is copied only if the socket
    /// cannot take it all now. Like [`Ctx::send`], never refused.
    pub fn send_parts(&mut self, header: &[u8], payload: &[u8]) {
        self.core.queue_parts(header, payload);
    }

    /// Shares one encoded frame with other connections (a broadcast).
    pub fn send_shared(&mut self, bytes: Arc<[u8]>) {
        self.send(Segment::Shared(bytes));
    }

    /// Bytes waiting in the out queue.
    pub fn queued(&self) -> usize {
        self.core.out.len()
    }

    /// Arms a protocol timer: `on_timer(key)` runs at `at` (or soon after)
    /// unless the connection has closed.
    pub fn schedule(&mut self, at: Instant, key: T) {
        self.req.timers.push((at, key));
        self.req.any = true;
    }

    /// Ends the connection with this status after the current call: Error
    /// (unless the status is 0) then Disconnected fire.
    pub fn close(&mut self, status: Error) {
        let error_event = status.code != 0;
        self.close_as(status, error_event);
    }

    /// Ends the connection with this status and no Error event (an orderly
    /// end the protocol itself reports, e.g. a WebSocket close handshake).
    pub fn close_quietly(&mut self, status: Error) {
        self.close_as(status, false);
    }

    fn close_as(&mut self, status: Error, error_event: bool) {
        if self.req.close.is_none() {
            self.req.close = Some((status, error_event));
            self.req.any = true;
        }
    }

    /// Ends the connection once what is queued has gone out (a Close frame,
    /// an HTTP error answer), as [`Ctx::close`] would; the protocol bounds
    /// the wait with a timer of its own against a peer that never reads.
    pub fn close_when_flushed(&mut self, status: Error, error_event: bool) {
        if self.req.close_when_flushed.is_none() {
            self.req.close_when_flushed = Some((status, error_event));
            self.req.any = true;
        }
    }

    /// An application send the out queue cannot take now: ReadyToSend
    /// reads False and fires once the queue has drained to half the high
    /// water mark. The error to return (10035).
    pub fn refuse_send(&mut self) -> Error {
        self.core.ready_to_send = false;
        Error::new(crate::core::error::codes::WOULD_BLOCK, "[10035] Operation would block.")
    }

    /// BytesSent of the connection (what the last send took).
    pub fn set_bytes_sent(&mut self, n: usize) {
        self.core.bytes_sent = n as i64;
    }

    /// Fires Connected and ReadyToSend now: for a protocol whose
    /// `on_established` returned false, once its own handshake is done.
    pub fn announce(&mut self) {
        self.req.announce = true;
        self.req.any = true;
    }

    /// AcceptData False: no more input until [`Ctx::resume`].
    pub fn pause(&mut self) {
        self.core.paused = true;
    }

    pub fn resume(&mut self) {
        self.core.paused = false;
    }

    pub fn last_activity(&self) -> Instant {
        self.core.last_activity
    }

    /// The connection's Timeout (seconds; 0 = none).
    pub fn timeout(&self) -> u32 {
        self.core.timeout
    }

    /// Whether the connection runs TLS.
    pub fn is_tls(&self) -> bool {
        self.core.stream.has_tls()
    }

    /// The protocol has events to give ([`Protocol::next_event`]) that no
    /// input will bring: the transport asks for them in its next round.
    pub fn more_events(&mut self) {
        self.req.more_events = true;
        self.req.any = true;
    }
}

/// A protocol on the stream transport.
pub trait Protocol: Send + Sized + 'static {
    /// Per-connection state.
    type Conn: Send;
    /// The component's event type: the stream events plus its own.
    type Event: ProtoEvent;
    /// Protocol-defined timer keys.
    type Timer: Copy + Ord + Send + Debug;
    /// Bytes the out queue may hold before an application send fails with
    /// 10035. 0 (TCPServer): nothing beyond what the socket takes.
    const QUEUE_HIGH_WATER: usize = 0;
    /// Whether [`Ctx::announce`] (and an accepted connection) fires
    /// ReadyToSend after Connected. False for a protocol whose ReadyToSend
    /// means something of its own (OFTP: the session's turn to speak).
    const ANNOUNCE_READY_TO_SEND: bool = true;

    /// Before listening starts: what the protocol needs set (OFTPServer's
    /// ServerSSIDCode, 672).
    fn check_listen(&self) -> Result<(), Error> {
        Ok(())
    }

    /// A connection was admitted: its state, from the protocol's defaults.
    fn on_open(&mut self, cx: &mut Ctx<'_, Self::Timer>) -> Self::Conn;

    /// The stream is up (accepted, or TLS established). True: the
    /// transport fires Connected and ReadyToSend now; a protocol with an
    /// opening handshake of its own returns false and announces the
    /// connection itself once that is done.
    fn on_established(&mut self, _cx: &mut Ctx<'_, Self::Timer>, _conn: &mut Self::Conn) -> bool {
        true
    }

    /// Bytes just read, lent for this call only (the protocol may change
    /// them in place, e.g. unmask): keep what is needed, return the first
    /// event they produce, if any.
    fn on_input(
        &mut self,
        cx: &mut Ctx<'_, Self::Timer>,
        conn: &mut Self::Conn,
        data: &mut [u8],
    ) -> Option<Self::Event>;

    /// The next event from input buffered earlier, without reading.
    fn next_event(&mut self, cx: &mut Ctx<'_, Self::Timer>, conn: &mut Self::Conn) -> Option<Self::Event>;

    /// Input has ended (the peer closed, or reading failed): what is left
    /// (a partial line, ...). Called until it returns None; then the
    /// connection closes and Disconnected fires.
    fn on_eof(&mut self, cx: &mut Ctx<'_, Self::Timer>, conn: &mut Self::Conn) -> Option<Self::Event>;

    /// The socket took everything queued: a file pump or a credit window
    /// may send more.
    fn on_writable(&mut self, _cx: &mut Ctx<'_, Self::Timer>, _conn: &mut Self::Conn) -> Option<Self::Event> {
        None
    }

    /// A timer armed with [`Ctx::schedule`] is due.
    fn on_timer(
        &mut self,
        _cx: &mut Ctx<'_, Self::Timer>,
        _conn: &mut Self::Conn,
        _key: Self::Timer,
    ) -> Option<Self::Event> {
        None
    }

    /// StartSSL: input read but not consumed yet, which belongs to the TLS
    /// handshake (a ClientHello pipelined after a STARTTLS command).
    fn take_buffered(&mut self, _conn: &mut Self::Conn) -> Vec<u8> {
        Vec::new()
    }

    /// The protocol and its handle-wide settings at their defaults (also
    /// what `Reset` goes back to).
    fn new() -> Self;

    /// The shared settings at this component's defaults (e.g. its LocalPort).
    fn stream_defaults() -> StreamSettings {
        StreamSettings::default()
    }

    /// The socket has closed: drop what the connection buffers.
    fn on_closed(&mut self, _conn: &mut Self::Conn) {}

    /// Applies the writable fields of one of the protocol's own events
    /// after its callback returned.
    fn event_done(&mut self, _cx: &mut Ctx<'_, Self::Timer>, _conn: &mut Self::Conn, _ev: Self::Event) {}

    /// Whether [`Protocol::event_done`] has anything to do for this event
    /// (saves a lock per event on the hot path, e.g. for DataIn).
    fn needs_done(_ev: &Self::Event) -> bool {
        false
    }
}
