//! The WebSocket decoder checked against tungstenite, an independent
//! implementation, on the same client bytes (RFC 6455 §5, no extensions):
//! both must deliver the same messages, and where one fails the connection
//! the other must not deliver a message more. (tungstenite checks UTF-8 when
//! a message completes, pier as soon as the bad byte arrives; either way no
//! invalid message is delivered, so the rule holds for both.)
#![no_main]
use std::io::{self, Read, Write};

use libfuzzer_sys::fuzz_target;
use pier::ws::decoder::{Decoder, DecoderConfig, Item, MessageKind};
use tungstenite::protocol::{Message, Role, WebSocket};

/// Reads the fuzz input, swallows what tungstenite writes (its pongs).
struct Input<'a>(&'a [u8]);

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.0.len()).min(7);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

impl Write for Input<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
enum Msg {
    Text(Vec<u8>),
    Binary(Vec<u8>),
}

/// (messages, failed)
fn ours(data: &[u8]) -> (Vec<Msg>, bool) {
    let mut dec = Decoder::new(&DecoderConfig::default());
    let mut input = data.to_vec();
    let mut pos = 0;
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    loop {
        let (used, item) = dec.decode(&mut input[pos..]);
        let done = match item {
            None => return (out, false),
            Some(Item::Data { kind, payload, fin }) => {
                cur.extend_from_slice(payload.as_slice());
                if fin {
                    let m = std::mem::take(&mut cur);
                    out.push(if kind == MessageKind::Text { Msg::Text(m) } else { Msg::Binary(m) });
                }
                None
            }
            Some(Item::Close(_)) => Some(false),
            Some(Item::Failed(_)) => Some(true),
            Some(_) => None,
        };
        pos += used;
        if let Some(failed) = done {
            return (out, failed);
        }
    }
}

fn theirs(data: &[u8]) -> (Vec<Msg>, bool) {
    let mut ws = WebSocket::from_raw_socket(Input(data), Role::Server, None);
    let mut out = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => out.push(Msg::Text(t.as_bytes().to_vec())),
            Ok(Message::Binary(b)) => out.push(Msg::Binary(b.to_vec())),
            Ok(Message::Close(_)) => return (out, false),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => return (out, false),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => return (out, false),
            Err(_) => return (out, true),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (a, a_failed) = ours(data);
    let (b, b_failed) = theirs(data);
    let n = a.len().min(b.len());
    assert_eq!(a[..n], b[..n], "different messages");
    if a_failed {
        assert!(b.len() <= a.len(), "pier failed the connection where tungstenite delivered {:?}", &b[a.len()..]);
    }
    if b_failed {
        assert!(a.len() <= b.len(), "tungstenite failed the connection where pier delivered {:?}", &a[b.len()..]);
    }
});
