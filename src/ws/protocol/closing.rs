//! Ending a connection: the close handshake (RFC 6455 §7), the last words
//! flushed before the socket closes, and keepalive pings for silent clients.

use super::*;

impl WsProtocol {
    /// Ends the connection once what is queued is out, reporting `status`;
    /// CloseTimeout bounds the wait.
    pub(super) fn finish(&self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, status: Error, error_event: bool) {
        c.phase = Phase::Done;
        c.input = Vec::new();
        c.input_start = 0;
        c.final_status = Some(Box::new((status.code, status.text.clone())));
        cx.close_when_flushed(status, error_event);
        self.arm_close_timer(cx);
    }

    pub(super) fn arm_close_timer(&self, cx: &mut Ctx<'_, WsTimer>) {
        if self.close_timeout > 0 {
            cx.schedule(Instant::now() + Duration::from_secs(self.close_timeout as u64), WsTimer::Close);
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
                c.final_status = Some(Box::new((i32::from(code), reason.to_string())));
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
                let (code, text) = c.final_status.as_deref().cloned().unwrap_or((0, "OK".into()));
                cx.close_quietly(Error::new(code, text));
            }
        }
    }

    /// PingInterval: an idle open connection gets a Ping; PingTimeout later
    /// it must have answered (or sent anything), else it is closed (10060).
    pub(super) fn keepalive(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, key: WsTimer) -> Option<WsEvent> {
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
                    return c.next_queued();
                }
                cx.schedule(cx.last_activity() + interval, WsTimer::Keepalive);
                None
            }
        }
    }
}
