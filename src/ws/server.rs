//! `WsServer`: the safe Rust API of the WSServer component — a
//! [`StreamServer`] of [`WsProtocol`] — usable without the FFI. Accept,
//! TLS, timeouts, the out queue and the shared properties are the stream
//! transport's; this file adds WSServer's methods (messages, Ping, the
//! close handshake, line mode) and its own properties and settings.

use std::io::Read;
use std::time::Duration;

use super::close::CloseCode;
use super::decoder::MessageKind;
use super::props::{WsProp, TABLES};
use super::protocol::{BroadcastFrames, SendKind, WsProtocol, QUEUE_HIGH_WATER};
use crate::core::component::Declared;
use crate::core::config::Setting;
use crate::core::engine::Step;
use crate::core::error::{codes, Error, Result};
use crate::core::props::{SettingDef, Tables};
use crate::core::value::{bool_text, parse_bool, parse_int, Value};
use crate::stream::StreamServer;
use crate::tls::certinfo::{self, CertInfo};

/// The WSServer component (the WSServer reference).
pub type WsServer = StreamServer<WsProtocol>;

/// File bytes per message part of SendFile.
const FILE_CHUNK: usize = 64 * 1024;

impl StreamServer<WsProtocol> {
    /// `Send` (as the connection's DataFormat says), `SendBytes` (binary),
    /// `SendText` (text): one message, or with MessageLength the next part
    /// of one. With Timeout 0: queued whole, or 10035 while the out queue is
    /// over its high water mark (BytesSent 0; ReadyToSend fires later). With a
    /// positive Timeout: blocks, firing events, until it is out (10060 after
    /// Timeout seconds without progress).
    pub fn send_kind(&self, id: i32, kind: SendKind, data: &[u8]) -> Result<()> {
        let (fd, timeout) = {
            let mut st = self.engine().lock();
            let (fd, timeout) = st.send_target(id)?;
            if timeout == 0 {
                return st.with_protocol(id, |p, cx, c| p.send(cx, c, kind, data, false))?;
            }
            (fd, timeout)
        };
        let mut queued = false;
        self.engine().block(id as i64, Some(Duration::from_secs(timeout as u64)), fd, |t| {
            if !queued {
                match t.with_protocol(id, |p, cx, c| p.send(cx, c, kind, data, true))? {
                    Ok(()) => queued = true,
                    Err(e) if e.code == codes::WOULD_BLOCK => {}
                    Err(e) => return Err(e),
                }
            }
            match t.flush_step(id)? {
                Step::Done(()) if !queued => Ok(Step::Progress),
                s => Ok(s),
            }
        })
    }

    /// `Send`: as the connection's DataFormat says (0 and 2 binary, 1 text,
    /// 9 a Ping, 10 a Pong).
    pub fn send(&self, id: i32, data: &[u8]) -> Result<()> {
        let format = self.engine().lock().conn(id)?.proto.data_format;
        self.send_kind(id, SendKind::from_data_format(format), data)
    }

    /// `SendFile`: synchronous; the file goes out as one binary message in
    /// parts of 64 KiB (fragmented at MaxFrameSize), never read whole, the
    /// out queue kept under its high water mark. Timeout > 0 bounds
    /// inactivity.
    pub fn send_file(&self, id: i32, path: &str) -> Result<()> {
        let (fd, timeout) = self.engine().lock().send_target(id)?;
        let mut file = crate::core::files::open_regular(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut buf = vec![0u8; FILE_CHUNK];
        let mut sent = 0u64;
        let mut finished = false;
        let limit = (timeout > 0).then(|| Duration::from_secs(timeout as u64));
        let r = self.engine().block(id as i64, limit, fd, |t| {
            let mut moved = false;
            while !finished && t.conn(id)?.core.out.len() <= QUEUE_HIGH_WATER {
                let n = file.read(&mut buf).map_err(|e| Error::file(format!("Reading {path}: {e}")))?;
                let fin = n == 0 || sent + n as u64 >= size;
                t.with_protocol(id, |p, cx, c| p.send_part(cx, c, SendKind::Binary, &buf[..n], fin, true))??;
                sent += n as u64;
                finished = fin;
                moved = true;
            }
            match t.flush_step(id)? {
                Step::Done(()) if finished => Ok(Step::Done(())),
                Step::Blocked if moved => Ok(Step::Progress),
                Step::Done(()) => Ok(Step::Progress),
                s => Ok(s),
            }
        });
        self.engine().lock().set_bytes_sent(id, sent as usize);
        r
    }

    /// Broadcast (pier): one message to every open connection (`ids` empty)
    /// or to those listed, framed once — and compressed once for all
    /// connections on the shared compressor — each connection's backpressure
    /// respected. 0 when every one took it; 10035 when some could not take
    /// it now (their ConnReadyToSend is False and ReadyToSend fires for each
    /// later); 126 when a listed id is not a connection (the others still
    /// get the message).
    pub fn broadcast(&self, ids: &[i32], kind: MessageKind, data: &[u8]) -> Result<()> {
        if kind == MessageKind::Text && std::str::from_utf8(data).is_err() {
            return Err(Error::invalid_value("Broadcast: the text is not valid UTF-8"));
        }
        let mut st = self.engine().lock();
        let targets = if ids.is_empty() { st.conn_ids() } else { ids.to_vec() };
        let mut frames = BroadcastFrames::default();
        let (mut refused, mut unknown) = (0usize, 0usize);
        for &id in &targets {
            match st.with_protocol(id, |p, cx, c| p.broadcast_one(cx, c, kind, data, &mut frames)) {
                Ok(r) => {
                    if !r? {
                        refused += 1;
                    }
                }
                Err(e) if e.code == codes::INVALID_CONNECTION => unknown += 1,
                Err(_) => refused += 1,
            }
        }
        if unknown > 0 {
            return Err(Error::new(
                codes::INVALID_CONNECTION,
                format!("Broadcast: {unknown} of {} ids are not connections", targets.len()),
            ));
        }
        if refused > 0 {
            return Err(Error::new(
                codes::WOULD_BLOCK,
                format!(
                    "[10035] Broadcast: {refused} of {} connections could not take the message now (ConnReadyToSend False)",
                    targets.len()
                ),
            ));
        }
        Ok(())
    }

    /// `Ping`: sends a Ping; with Timeout > 0 waits for a Pong (10060 after
    /// Timeout seconds without one).
    pub fn ping(&self, id: i32) -> Result<()> {
        let (fd, timeout, want) = {
            let mut st = self.engine().lock();
            let (fd, timeout) = st.send_target(id)?;
            let n = st.conn(id)?.proto.pings_sent + 1;
            st.with_protocol(id, |p, cx, c| p.send_part(cx, c, SendKind::Ping, &n.to_be_bytes(), true, false))??;
            (fd, timeout, st.conn(id)?.proto.pongs_received + 1)
        };
        if timeout == 0 {
            return Ok(());
        }
        self.engine().block(id as i64, Some(Duration::from_secs(timeout as u64)), fd, |t| {
            Ok(if t.conn(id)?.proto.pongs_received >= want { Step::Done(()) } else { Step::Blocked })
        })
    }

    /// `Disconnect`: the close handshake with DisconnectStatusCode and
    /// DisconnectStatusDescription (WaitForCloseResponse decides whether the
    /// client's Close is awaited); Disconnected then reports the client's
    /// code and reason (ours if it sent none).
    pub fn disconnect(&self, id: i32) -> Result<()> {
        let mut st = self.engine().lock();
        st.conn(id)?;
        let code = st.proto.disconnect_status_code;
        let reason = st.proto.disconnect_status_description.clone();
        match st.with_protocol(id, |p, cx, c| p.start_close(cx, c, code, &reason)) {
            // Already closing at the transport: Disconnected is on its way.
            Err(e) if e.code == 10057 => Ok(()),
            r => r,
        }
    }

    /// `Shutdown`: StopListening, then Disconnect for every connection.
    pub fn shutdown(&self) -> Result<()> {
        self.stop_listening()?;
        let ids = self.engine().lock().conn_ids();
        for id in ids {
            let _ = self.disconnect(id);
        }
        Ok(())
    }

    /// `ChangeLineMode`: DataIn per line (CR, LF or CRLF; MaxLineLength
    /// bounds a line) instead of per message.
    pub fn change_line_mode(&self, id: i32, line_mode: bool) -> Result<()> {
        let mut st = self.engine().lock();
        st.conn_mut(id)?.proto.change_line_mode(line_mode);
        Ok(())
    }

    /// The fields of the selected TLS certificate ("" / 0 without one).
    fn cert_info(&self) -> (CertInfo, bool) {
        certinfo::of_spec(&self.engine().lock().ssl.cert_spec())
    }
}

impl Declared for StreamServer<WsProtocol> {
    type Key = WsProp;

    fn tables() -> &'static Tables<WsProp> {
        &TABLES
    }

    fn get_key(&self, key: WsProp, index: i32) -> Result<Value> {
        match key {
            WsProp::Stream(p) => return self.stream_get(p, index),
            WsProp::SslCertInfo(f) => {
                let (info, has_key) = self.cert_info();
                return Ok(certinfo::field_value(&info, has_key, f));
            }
            _ => {}
        }
        let st = self.engine().lock();
        Ok(match key {
            WsProp::DataFormat => Value::Int(st.conn(index)?.proto.data_format as i64),
            WsProp::Host => Value::text(st.conn(index)?.proto.request.host.clone()),
            WsProp::LineMode => Value::Bool(st.conn(index)?.proto.line_mode()),
            WsProp::Origin => Value::text(st.conn(index)?.proto.request.origin.clone()),
            WsProp::RequestHeaders => Value::text(st.conn(index)?.proto.request.headers.clone()),
            WsProp::RequestUri => Value::text(st.conn(index)?.proto.request.uri.clone()),
            WsProp::SubProtocols => Value::text(st.conn(index)?.proto.request.sub_protocols.clone()),
            WsProp::SslCertKeyPassword => Value::text(st.proto.ssl_cert_key_password.clone()),
            WsProp::UseSsl => Value::Bool(st.ssl.enabled),
            WsProp::Stream(_) | WsProp::SslCertInfo(_) => unreachable!("handled above"),
        })
    }

    fn set_key(&self, key: WsProp, index: i32, v: Value) -> Result<()> {
        if let WsProp::Stream(p) = key {
            return self.stream_set(p, index, v);
        }
        let mut st = self.engine().lock();
        match key {
            WsProp::DataFormat => {
                let f = v.as_i64()? as i32;
                if !matches!(f, 0 | 1 | 2 | 9 | 10) {
                    return Err(Error::invalid_value(format!(
                        "DataFormat {f}: 0 automatic, 1 text, 2 binary, 9 ping, 10 pong"
                    )));
                }
                st.conn_mut(index)?.proto.data_format = f;
            }
            WsProp::SslCertKeyPassword => st.proto.ssl_cert_key_password = v.into_string(),
            WsProp::UseSsl => st.ssl.enabled = v.as_bool()?,
            _ => return Err(Error::code(codes::READ_ONLY)),
        }
        Ok(())
    }

    fn config_get(&self, def: &'static SettingDef, s: &Setting) -> Result<String> {
        let st = self.engine().lock();
        let p = &st.proto;
        let b = |x: bool| bool_text(x).to_string();
        Ok(match def.name {
            "BufferMessage" => b(p.buffer_message),
            "DisconnectStatusCode" => p.disconnect_status_code.to_string(),
            "DisconnectStatusDescription" => p.disconnect_status_description.clone(),
            "EnablePermessageDeflate" => b(p.enable_permessage_deflate),
            "MaxFrameSize" => p.max_frame_size.to_string(),
            "MaxLineLength" => match s.index {
                Some(id) => st.conn(id)?.proto.max_line_length.to_string(),
                None => p.max_line_length.to_string(),
            },
            "MessageLength" => st.conn(s.index.expect("checked: per connection"))?.proto.message_length.to_string(),
            "WaitForCloseResponse" => b(p.wait_for_close_response),
            "CloseStreamAfterTransfer" => b(p.close_stream_after_transfer),
            "MaskSensitiveData" => b(p.mask_sensitive_data),
            "LogLevel" => p.log_level.to_string(),
            "MaxMessageSize" => p.max_message_size.to_string(),
            "HandshakeTimeout" => p.handshake_timeout.to_string(),
            "CloseTimeout" => p.close_timeout.to_string(),
            "PermessageDeflateLevel" => p.deflate_level.to_string(),
            "DeflateMemoryBudget" => p.deflate_memory_budget.to_string(),
            "DeflateMemoryInUse" => p.deflate_memory_in_use.to_string(),
            "DeflateTier" => (st.conn(s.index.expect("checked: per connection"))?.proto.tier as i32).to_string(),
            "PingInterval" => p.ping_interval.to_string(),
            "PingTimeout" => p.ping_timeout.to_string(),
            _ => {
                drop(st);
                return self.stream_config_get(def, s);
            }
        })
    }

    fn config_set(&self, def: &'static SettingDef, s: &Setting, v: &str) -> Result<()> {
        let mut st = self.engine().lock();
        let int = || parse_int(v);
        match def.name {
            "BufferMessage" => st.proto.buffer_message = parse_bool(v)?,
            "DisconnectStatusCode" => {
                let code = int()? as u16;
                if !CloseCode(code).is_valid_on_wire() {
                    return Err(Error::invalid_value(format!(
                        "{code} may not be sent in a Close frame (RFC 6455 §7.4)"
                    )));
                }
                st.proto.disconnect_status_code = code;
            }
            "DisconnectStatusDescription" => {
                if v.len() > super::close::MAX_REASON_LEN {
                    return Err(Error::invalid_value(
                        "DisconnectStatusDescription is at most 123 bytes (RFC 6455 §5.5)",
                    ));
                }
                st.proto.disconnect_status_description = v.to_string();
            }
            "EnablePermessageDeflate" => st.proto.enable_permessage_deflate = parse_bool(v)?,
            "MaxFrameSize" => {
                let n = int()? as usize;
                st.proto.max_frame_size = n;
            }
            "MaxLineLength" => {
                let n = int()? as usize;
                match s.index {
                    Some(id) => st.conn_mut(id)?.proto.set_max_line_length(n),
                    None => st.proto.max_line_length = n,
                }
            }
            "MessageLength" => {
                st.conn_mut(s.index.expect("checked: per connection"))?.proto.message_length = int()? as u64;
            }
            "WaitForCloseResponse" => st.proto.wait_for_close_response = parse_bool(v)?,
            "CloseStreamAfterTransfer" => st.proto.close_stream_after_transfer = parse_bool(v)?,
            "MaskSensitiveData" => st.proto.mask_sensitive_data = parse_bool(v)?,
            "LogLevel" => st.proto.log_level = int()? as i32,
            "MaxMessageSize" => st.proto.max_message_size = int()? as u64,
            "HandshakeTimeout" => st.proto.handshake_timeout = int()? as u32,
            "CloseTimeout" => st.proto.close_timeout = int()? as u32,
            "PermessageDeflateLevel" => st.proto.deflate_level = int()? as u32,
            "DeflateMemoryBudget" => st.proto.deflate_memory_budget = int()? as u64,
            "PingInterval" => st.proto.ping_interval = int()? as u32,
            "PingTimeout" => st.proto.ping_timeout = int()? as u32,
            _ => {
                drop(st);
                return self.stream_config_set(def, v);
            }
        }
        Ok(())
    }
}
