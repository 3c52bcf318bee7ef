//! `TcpServer`: the safe Rust API of the TCPServer component — a
//! [`StreamServer`] of [`TcpProtocol`] — usable without the FFI. The shared
//! methods and properties are the stream transport's; this file adds
//! TCPServer's own: framing (EOL, SingleLineMode, RecordLength,
//! ChangeRecordLength) and UserData.

use super::props::{TcpProp, PROPS, TABLES};
use super::protocol::TcpProtocol;
use crate::core::component::Declared;
use crate::core::config::Setting;
use crate::core::error::Result;
use crate::core::props::{SettingDef, Tables};
use crate::core::value::Value;
use crate::stream::StreamServer;

/// The TCPServer component (the TCPServer reference).
pub type TcpServer = StreamServer<TcpProtocol>;

impl StreamServer<TcpProtocol> {
    /// `Send` / `SendBytes` / `SendText` / `DataToSend`: the bytes as they
    /// are (Timeout 0: what the socket takes, 10035 for the rest).
    pub fn send(&self, id: i32, data: &[u8]) -> Result<()> {
        self.send_raw(id, data)
    }

    /// `SendLine`: the text followed by CRLF.
    pub fn send_line(&self, id: i32, text: &[u8]) -> Result<()> {
        let mut line = Vec::with_capacity(text.len() + 2);
        line.extend_from_slice(text);
        line.extend_from_slice(b"\r\n");
        self.send_raw(id, &line)
    }

    /// `SendFile`: synchronous, streamed in bounded memory.
    pub fn send_file(&self, id: i32, path: &str) -> Result<()> {
        self.send_file_raw(id, path)
    }

    /// `Disconnect`: closes now; Disconnected fires with 0 / "OK".
    pub fn disconnect(&self, id: i32) -> Result<()> {
        self.close_now(id)
    }

    /// `Shutdown`: StopListening, then Disconnect every connection.
    pub fn shutdown(&self) -> Result<()> {
        self.shutdown_now()
    }

    /// `ChangeRecordLength`: may be called inside DataIn; buffered bytes
    /// may form a record at once.
    pub fn change_record_length(&self, id: i32, len: i64) -> Result<()> {
        let v = self.set_checked(TcpProp::RecordLength, len)?;
        self.set_key(TcpProp::RecordLength, id, v)
    }

    fn set_checked(&self, key: TcpProp, v: i64) -> Result<Value> {
        let def = PROPS.iter().find(|d| d.key == key).expect("declared");
        def.value_from_int(v)
    }

    /// Changes a connection's framing; buffered input may then hold
    /// complete pieces.
    fn reframe(&self, id: i32, f: impl FnOnce(&mut super::framing::Framing)) -> Result<()> {
        let mut st = self.engine().lock();
        let c = st.conn_mut(id)?;
        f(&mut c.proto.framing);
        if !c.proto.inbuf.is_empty() {
            st.rework(id);
        }
        Ok(())
    }
}

impl Declared for StreamServer<TcpProtocol> {
    type Key = TcpProp;

    fn tables() -> &'static Tables<TcpProp> {
        &TABLES
    }

    fn get_key(&self, key: TcpProp, index: i32) -> Result<Value> {
        if let TcpProp::Stream(p) = key {
            return self.stream_get(p, index);
        }
        let st = self.engine().lock();
        let t = &st.proto;
        Ok(match key {
            TcpProp::Eol => Value::Bytes(st.conn(index)?.proto.framing.eol.clone()),
            TcpProp::RecordLength => Value::Int(st.conn(index)?.proto.framing.record_length as i64),
            TcpProp::SingleLineMode => Value::Bool(st.conn(index)?.proto.framing.single_line),
            TcpProp::UserData => Value::Bytes(st.conn(index)?.proto.user_data.clone()),
            TcpProp::DefaultEol => Value::Bytes(t.default_eol.clone()),
            TcpProp::DefaultMaxLineLength => Value::Int(t.default_max_line_length as i64),
            TcpProp::DefaultSingleLineMode => Value::Bool(t.default_single_line_mode),
            TcpProp::Stream(_) => unreachable!("handled above"),
        })
    }

    fn set_key(&self, key: TcpProp, index: i32, v: Value) -> Result<()> {
        match key {
            TcpProp::Stream(p) => self.stream_set(p, index, v),
            TcpProp::Eol => self.reframe(index, |f| f.eol = v.into_bytes()),
            TcpProp::SingleLineMode => {
                let b = v.as_bool()?;
                self.reframe(index, |f| f.single_line = b)
            }
            TcpProp::RecordLength => {
                let n = v.as_i64()? as usize;
                self.reframe(index, |f| f.record_length = n)
            }
            TcpProp::UserData => {
                self.engine().lock().conn_mut(index)?.proto.user_data = v.into_bytes();
                Ok(())
            }
            TcpProp::DefaultEol => {
                self.engine().lock().proto.default_eol = v.into_bytes();
                Ok(())
            }
            TcpProp::DefaultMaxLineLength => {
                self.engine().lock().proto.default_max_line_length = v.as_i64()? as usize;
                Ok(())
            }
            TcpProp::DefaultSingleLineMode => {
                self.engine().lock().proto.default_single_line_mode = v.as_bool()?;
                Ok(())
            }
        }
    }

    fn config_get(&self, def: &'static SettingDef, s: &Setting) -> Result<String> {
        self.stream_config_get(def, s)
    }

    fn config_set(&self, def: &'static SettingDef, _s: &Setting, v: &str) -> Result<()> {
        self.stream_config_set(def, v)
    }
}
