//! TCPServer as a protocol on the stream transport: incoming bytes become
//! DataIn pieces framed by RecordLength, SingleLineMode or EOL (framing.rs),
//! or raw chunks as they arrived when no framing is set.

use super::event::TcpEvent;
use super::framing::{self, Framing, InBuf};
use crate::stream::{Ctx, Protocol};

/// TCPServer's handle-wide defaults for new connections (docs/API.md §8:
/// each connection starts with copies).
#[derive(Clone, Debug)]
pub struct TcpProtocol {
    pub default_eol: Vec<u8>,
    pub default_max_line_length: usize,
    pub default_single_line_mode: bool,
}

/// A connection's framing state, its undelivered input and UserData.
pub struct TcpConn {
    pub framing: Framing,
    pub inbuf: InBuf,
    pub user_data: Vec<u8>,
}

impl TcpConn {
    fn is_raw(&self) -> bool {
        self.framing.record_length == 0 && !self.framing.single_line && self.framing.eol.is_empty()
    }
}

impl Protocol for TcpProtocol {
    type Conn = TcpConn;
    type Event = TcpEvent;
    type Timer = ();

    fn new() -> Self {
        TcpProtocol { default_eol: Vec::new(), default_max_line_length: 2048, default_single_line_mode: false }
    }

    fn on_open(&mut self, _cx: &mut Ctx<'_, ()>) -> TcpConn {
        TcpConn {
            framing: Framing {
                eol: self.default_eol.clone(),
                single_line: self.default_single_line_mode,
                record_length: 0,
                max_line_length: self.default_max_line_length,
                after_cr: false,
            },
            inbuf: InBuf::default(),
            user_data: Vec::new(),
        }
    }

    #[inline]
    fn on_input(&mut self, cx: &mut Ctx<'_, ()>, c: &mut TcpConn, data: &mut [u8]) -> Option<TcpEvent> {
        if c.is_raw() && c.inbuf.is_empty() {
            // No framing: the bytes as they arrived, one copy.
            return Some(TcpEvent::DataIn { connection_id: cx.id(), text: framing::owned_with_spare(data), eol: true });
        }
        c.inbuf.extend(data);
        self.next_event(cx, c)
    }

    #[inline]
    fn next_event(&mut self, cx: &mut Ctx<'_, ()>, c: &mut TcpConn) -> Option<TcpEvent> {
        let fr = framing::next_frame(&mut c.inbuf, &mut c.framing)?;
        Some(TcpEvent::DataIn { connection_id: cx.id(), text: fr.text, eol: fr.eol })
    }

    fn on_eof(&mut self, cx: &mut Ctx<'_, ()>, c: &mut TcpConn) -> Option<TcpEvent> {
        // Whatever is left of a partial line goes first, with EOL False.
        let fr = framing::flush(&mut c.inbuf, &c.framing)?;
        Some(TcpEvent::DataIn { connection_id: cx.id(), text: fr.text, eol: fr.eol })
    }

    fn take_buffered(&mut self, c: &mut TcpConn) -> Vec<u8> {
        c.inbuf.take_all()
    }

    fn on_closed(&mut self, c: &mut TcpConn) {
        c.inbuf = InBuf::default();
    }
}
