//! `TcpServer`: the safe Rust API of the TCPServer component — properties,
//! config settings and methods of the reference — usable without the FFI.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use super::core::TcpCore;
use super::event::TcpEvent;
use super::props::*;
use crate::core::clients::ClientList;
use crate::core::config::{self, Setting};
use crate::core::engine::{Engine, Handler, Step};
use crate::core::error::{codes, Error, Result};
use crate::core::listener::IpMode;
use crate::core::value::{bool_text, parse_bool, parse_int, Value};
use crate::tls::cert::CertSpec;
use crate::tls::config::NEGOTIATED_SETTINGS;

/// The TCPServer component (tcpserver-reference.txt).
pub struct TcpServer {
    engine: Arc<Engine<TcpCore>>,
}

impl TcpServer {
    pub fn new() -> Result<TcpServer> {
        Ok(TcpServer { engine: Engine::new(TcpCore::new)? })
    }

    /// Sets the function every event is passed to. It runs with no lock held
    /// and may call any method of this server.
    pub fn set_handler(&self, handler: Option<Handler<TcpEvent>>) {
        self.engine.set_handler(handler);
    }

    pub fn engine(&self) -> &Arc<Engine<TcpCore>> {
        &self.engine
    }

    // ----- methods ---------------------------------------------------------

    pub fn do_events(&self) -> Result<()> {
        self.engine.do_events()
    }

    pub fn start_listening(&self) -> Result<()> {
        self.engine.lock().start_listening()
    }

    pub fn stop_listening(&self) -> Result<()> {
        self.engine.lock().stop_listening();
        Ok(())
    }

    pub fn shutdown(&self) -> Result<()> {
        self.engine.lock().shutdown();
        Ok(())
    }

    pub fn reset(&self) -> Result<()> {
        self.engine.lock().reset();
        Ok(())
    }

    pub fn disconnect(&self, id: i32) -> Result<()> {
        self.engine.lock().disconnect(id)
    }

    pub fn pause_data(&self, id: i32) -> Result<()> {
        self.engine.lock().pause_data(id)
    }

    pub fn process_data(&self, id: i32) -> Result<()> {
        self.engine.lock().process_data(id)
    }

    pub fn change_record_length(&self, id: i32, len: i64) -> Result<()> {
        self.engine.lock().change_record_length(id, len)
    }

    /// `StartSSL`: starts the TLS handshake on a plaintext connection.
    pub fn start_ssl(&self, id: i32) -> Result<()> {
        self.engine.lock().start_ssl(id)
    }

    pub fn interrupt(&self, id: i32) -> Result<()> {
        self.engine.lock().conn(id)?;
        self.engine.interrupt(id as i64);
        Ok(())
    }

    /// `Send` / `SendBytes` / `SendText` / `DataToSend`: with Timeout 0 takes
    /// what the socket accepts and fails with 10035 for the rest (BytesSent
    /// says how much); with Timeout > 0 blocks, firing events, until all is
    /// taken or Timeout seconds pass without progress (10060).
    pub fn send(&self, id: i32, data: &[u8]) -> Result<()> {
        let (fd, timeout) = {
            let mut st = self.engine.lock();
            let (fd, timeout) = st.send_target(id)?;
            if timeout == 0 {
                return st.send_async(id, data);
            }
            (fd, timeout)
        };
        let mut off = 0;
        let r = self
            .engine
            .block(id as i64, Some(Duration::from_secs(timeout as u64)), fd, |core| core.send_step(id, data, &mut off));
        self.engine.lock().set_bytes_sent(id, off);
        r
    }

    /// `SendLine`: the text followed by CRLF.
    pub fn send_line(&self, id: i32, text: &[u8]) -> Result<()> {
        let mut line = Vec::with_capacity(text.len() + 2);
        line.extend_from_slice(text);
        line.extend_from_slice(b"\r\n");
        self.send(id, &line)
    }

    /// `SendFile`: synchronous; streams the file in bounded memory, firing
    /// events while it waits. Timeout > 0 bounds inactivity.
    pub fn send_file(&self, id: i32, path: &str) -> Result<()> {
        let (fd, timeout) = self.engine.lock().send_target(id)?;
        let mut file = open_regular(path)?;
        let mut buf = vec![0u8; 64 * 1024];
        let (mut start, mut end) = (0usize, 0usize);
        let mut total = 0usize;
        let mut eof = false;
        let limit = (timeout > 0).then(|| Duration::from_secs(timeout as u64));
        let r = self.engine.block(id as i64, limit, fd, |core| {
            if start == end && !eof {
                let n = file.read(&mut buf).map_err(|e| Error::file(format!("Reading {path}: {e}")))?;
                (start, end) = (0, n);
                eof = n == 0;
            }
            if start == end && eof {
                return Ok(Step::Done(()));
            }
            let n = core.write_now(id, &buf[start..end], true)?;
            start += n;
            total += n;
            Ok(if n > 0 { Step::Progress } else { Step::Blocked })
        });
        self.engine.lock().set_bytes_sent(id, total);
        r
    }

    // ----- properties ------------------------------------------------------

    pub fn get(&self, prop: i32, index: i32) -> Result<Value> {
        let st = self.engine.lock();
        let s = &st.settings;
        Ok(match prop {
            PIER_TCPSERVER_PROP_CONNECTIONBACKLOG => Value::Int(s.connection_backlog as i64),
            PIER_TCPSERVER_PROP_CONNECTIONCOUNT => Value::Int(st.conns.len() as i64),
            PIER_TCPSERVER_PROP_CONNECTIONID => {
                let pos = usize::try_from(index).map_err(|_| Error::code(codes::INDEX))?;
                let id = st.conns.id_at(pos).ok_or_else(|| {
                    Error::new(
                        codes::INDEX,
                        format!("Position {index} is out of range (ConnectionCount {})", st.conns.len()),
                    )
                })?;
                Value::text(id.to_string())
            }
            PIER_TCPSERVER_PROP_ACCEPTDATA => Value::Bool(!st.conn(index)?.paused),
            PIER_TCPSERVER_PROP_BYTESSENT => Value::Int(st.conn(index)?.bytes_sent),
            PIER_TCPSERVER_PROP_CONNECTED => {
                let c = st.conn(index)?;
                Value::Bool(!c.closing && c.sock.is_some())
            }
            PIER_TCPSERVER_PROP_EOL => Value::Bytes(st.conn(index)?.framing.eol.clone()),
            PIER_TCPSERVER_PROP_IDLETIMEOUT => Value::Int(st.conn(index)?.idle_timeout as i64),
            PIER_TCPSERVER_PROP_LOCALADDRESS => Value::text(st.conn(index)?.local.ip().to_string()),
            PIER_TCPSERVER_PROP_READYTOSEND => Value::Bool(st.conn(index)?.ready_to_send),
            PIER_TCPSERVER_PROP_RECORDLENGTH => Value::Int(st.conn(index)?.framing.record_length as i64),
            PIER_TCPSERVER_PROP_REMOTEHOST => Value::text(st.conn(index)?.remote.ip().to_string()),
            PIER_TCPSERVER_PROP_REMOTEPORT => Value::Int(st.conn(index)?.remote.port() as i64),
            PIER_TCPSERVER_PROP_SINGLELINEMODE => Value::Bool(st.conn(index)?.framing.single_line),
            PIER_TCPSERVER_PROP_TIMEOUT => Value::Int(st.conn(index)?.timeout as i64),
            PIER_TCPSERVER_PROP_USERDATA => Value::Bytes(st.conn(index)?.user_data.clone()),
            PIER_TCPSERVER_PROP_DEFAULTEOL => Value::Bytes(s.default_eol.clone()),
            PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT => Value::Int(s.default_idle_timeout as i64),
            PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH => Value::Int(s.default_max_line_length as i64),
            PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE => Value::Bool(s.default_single_line_mode),
            PIER_TCPSERVER_PROP_DEFAULTTIMEOUT => Value::Int(s.default_timeout as i64),
            PIER_TCPSERVER_PROP_KEEPALIVE => Value::Bool(s.keep_alive),
            PIER_TCPSERVER_PROP_LINGER => Value::Bool(s.linger),
            PIER_TCPSERVER_PROP_LISTENING => Value::Bool(st.listening()),
            PIER_TCPSERVER_PROP_LOCALHOST => Value::text(s.local_host.clone()),
            PIER_TCPSERVER_PROP_LOCALPORT => Value::Int(st.local_port() as i64),
            PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS => Value::Bool(s.ssl_authenticate_clients),
            PIER_TCPSERVER_PROP_SSLCERTENCODED => Value::Bytes(s.ssl_cert_encoded.clone()),
            PIER_TCPSERVER_PROP_SSLCERTSTORE => Value::Bytes(s.ssl_cert_store.clone()),
            PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD => Value::text(s.ssl_cert_store_password.clone()),
            PIER_TCPSERVER_PROP_SSLCERTSTORETYPE => Value::Int(s.ssl_cert_store_type),
            PIER_TCPSERVER_PROP_SSLCERTSUBJECT => Value::text(s.ssl_cert_subject.clone()),
            PIER_TCPSERVER_PROP_SSLENABLED => Value::Bool(s.ssl_enabled),
            PIER_TCPSERVER_PROP_SSLPROVIDER => Value::Int(s.ssl_provider),
            PIER_TCPSERVER_PROP_SSLSTARTMODE => Value::Int(s.ssl_start_mode),
            PIER_TCPSERVER_PROP_DATATOSEND => return Err(Error::code(codes::WRITE_ONLY)),
            _ => return Err(Error::code(codes::UNKNOWN_PROPERTY)),
        })
    }

    /// Sets a property. Values arrive already converted to the property's type
    /// (the FFI and `do_config` parse text forms).
    pub fn set(&self, prop: i32, index: i32, v: Value) -> Result<()> {
        match prop {
            PIER_TCPSERVER_PROP_DATATOSEND => return self.send(index, &v.into_bytes()),
            PIER_TCPSERVER_PROP_LISTENING => {
                return if v.as_bool()? { self.start_listening() } else { self.stop_listening() };
            }
            PIER_TCPSERVER_PROP_CONNECTED => {
                if !v.as_bool()? {
                    return self.disconnect(index);
                }
                self.engine.lock().conn(index)?;
                return Ok(());
            }
            PIER_TCPSERVER_PROP_ACCEPTDATA => {
                return if v.as_bool()? { self.process_data(index) } else { self.pause_data(index) };
            }
            PIER_TCPSERVER_PROP_RECORDLENGTH => return self.change_record_length(index, v.int_in(0, i32::MAX as i64)?),
            _ => {}
        }
        let mut st = self.engine.lock();
        match prop {
            PIER_TCPSERVER_PROP_EOL => {
                st.conn_mut(index)?.framing.eol = v.into_bytes();
                st.reframe(index);
            }
            PIER_TCPSERVER_PROP_IDLETIMEOUT => {
                let secs = v.int_in(0, u32::MAX as i64)? as u32;
                st.set_idle_timeout(index, secs)?;
            }
            PIER_TCPSERVER_PROP_SINGLELINEMODE => {
                let b = v.as_bool()?;
                st.conn_mut(index)?.framing.single_line = b;
                st.reframe(index);
            }
            PIER_TCPSERVER_PROP_TIMEOUT => st.conn_mut(index)?.timeout = v.int_in(0, u32::MAX as i64)? as u32,
            PIER_TCPSERVER_PROP_USERDATA => st.conn_mut(index)?.user_data = v.into_bytes(),
            PIER_TCPSERVER_PROP_CONNECTIONBACKLOG => {
                st.settings.connection_backlog = v.int_in(1, i32::MAX as i64)? as i32
            }
            PIER_TCPSERVER_PROP_DEFAULTEOL => st.settings.default_eol = v.into_bytes(),
            PIER_TCPSERVER_PROP_DEFAULTIDLETIMEOUT => {
                st.settings.default_idle_timeout = v.int_in(0, u32::MAX as i64)? as u32
            }
            PIER_TCPSERVER_PROP_DEFAULTMAXLINELENGTH => {
                st.settings.default_max_line_length = v.int_in(256, i32::MAX as i64)? as usize
            }
            PIER_TCPSERVER_PROP_DEFAULTSINGLELINEMODE => st.settings.default_single_line_mode = v.as_bool()?,
            PIER_TCPSERVER_PROP_DEFAULTTIMEOUT => st.settings.default_timeout = v.int_in(0, u32::MAX as i64)? as u32,
            PIER_TCPSERVER_PROP_KEEPALIVE => st.settings.keep_alive = v.as_bool()?,
            PIER_TCPSERVER_PROP_LINGER => st.settings.linger = v.as_bool()?,
            PIER_TCPSERVER_PROP_LOCALHOST => {
                if st.listening() {
                    return Err(Error::code(codes::LOCALHOST_WHILE_LISTENING));
                }
                st.settings.local_host = v.into_string();
            }
            PIER_TCPSERVER_PROP_LOCALPORT => {
                if st.listening() {
                    return Err(Error::code(codes::LOCALPORT_WHILE_LISTENING));
                }
                st.set_local_port(v.int_in(0, 65535)? as u16)?;
            }
            PIER_TCPSERVER_PROP_SSLAUTHENTICATECLIENTS => {
                st.settings.ssl_authenticate_clients = v.as_bool()?;
                st.tls_changed(false)?;
            }
            PIER_TCPSERVER_PROP_SSLCERTENCODED => {
                st.settings.ssl_cert_encoded = v.into_bytes();
                select_now(&mut st)?;
            }
            PIER_TCPSERVER_PROP_SSLCERTSTORE => st.settings.ssl_cert_store = v.into_bytes(),
            PIER_TCPSERVER_PROP_SSLCERTSTOREPASSWORD => st.settings.ssl_cert_store_password = v.into_string(),
            PIER_TCPSERVER_PROP_SSLCERTSTORETYPE => st.settings.ssl_cert_store_type = v.int_in(0, 99)?,
            PIER_TCPSERVER_PROP_SSLCERTSUBJECT => {
                st.settings.ssl_cert_subject = v.into_string();
                select_now(&mut st)?;
            }
            PIER_TCPSERVER_PROP_SSLENABLED => st.settings.ssl_enabled = v.as_bool()?,
            // Every provider value is served by rustls (docs/API-NOTES.md).
            PIER_TCPSERVER_PROP_SSLPROVIDER => st.settings.ssl_provider = v.int_in(0, 2)?,
            PIER_TCPSERVER_PROP_SSLSTARTMODE => {
                let m = v.int_in(0, 3)?;
                st.settings.ssl_start_mode = m;
                // Setting SSLStartMode updates SSLEnabled (reference, SSLEnabled).
                st.settings.ssl_enabled = m != 3;
            }
            PIER_TCPSERVER_PROP_CONNECTIONCOUNT
            | PIER_TCPSERVER_PROP_BYTESSENT
            | PIER_TCPSERVER_PROP_CONNECTIONID
            | PIER_TCPSERVER_PROP_LOCALADDRESS
            | PIER_TCPSERVER_PROP_READYTOSEND
            | PIER_TCPSERVER_PROP_REMOTEHOST
            | PIER_TCPSERVER_PROP_REMOTEPORT => return Err(Error::code(codes::READ_ONLY)),
            _ => return Err(Error::code(codes::UNKNOWN_PROPERTY)),
        }
        Ok(())
    }

    // ----- config ----------------------------------------------------------

    /// `Config("Name=Value")` sets (returns ""), `Config("Name")` reads.
    pub fn config(&self, text: &str) -> Result<String> {
        let s = config::parse(text)?;
        if s.index.is_some() && !is_per_connection_setting(s.name) {
            return Err(Error::invalid_value(format!("{} is not a per-connection setting", s.name)));
        }
        match s.value {
            None => self.config_get(&s),
            Some(v) => self.config_set(&s, v).map(|_| String::new()),
        }
    }

    fn config_get(&self, s: &Setting) -> Result<String> {
        let st = self.engine.lock();
        let t = &st.settings;
        let b = |x: bool| bool_text(x).to_string();
        if let Some(v) = t.base.get(s.name) {
            return Ok(v);
        }
        let name = s.name.to_ascii_lowercase();
        Ok(match name.as_str() {
            "allowedclients" => t.allowed_clients.text().to_string(),
            "blockedclients" => t.blocked_clients.text().to_string(),
            "bindexclusively" => b(t.bind_exclusively),
            "inbuffersize" => t.in_buffer_size.to_string(),
            "outbuffersize" => t.out_buffer_size.to_string(),
            "keepalivetime" => t.keep_alive_time_ms.to_string(),
            "keepaliveinterval" => t.keep_alive_interval_ms.to_string(),
            "maxconnections" => t.max_connections.to_string(),
            "tcpnodelay" => b(t.tcp_no_delay),
            "useipv6" => t.use_ipv6.as_i64().to_string(),
            "stats" => {
                let x = st.stats;
                format!(
                    "accepted={} refused={} open={} bytes_in={} bytes_out={} send_queue={}",
                    x.accepted,
                    x.refused,
                    st.conns.len(),
                    x.bytes_in,
                    x.bytes_out,
                    st.send_queue_bytes()
                )
            }
            "sslsnicert" => t.tls.sni_certs.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>().join(","),
            _ if is_negotiated(s.name) => {
                let id = s.index.ok_or_else(|| {
                    Error::new(
                        codes::INVALID_CONNECTION,
                        format!("{} needs a connection: {}[ConnectionId]", s.name, s.name),
                    )
                })?;
                let n = st.negotiated(id)?;
                negotiated_value(&name, n.as_ref())
            }
            _ => t.tls.get(s.name).ok_or_else(|| unknown_setting(s.name))?,
        })
    }

    fn config_set(&self, s: &Setting, v: &str) -> Result<()> {
        let int = |lo: i64, hi: i64| -> Result<i64> {
            let n = parse_int(v)?;
            if n < lo || n > hi {
                return Err(Error::invalid_value(format!("{} must be between {lo} and {hi}", s.name)));
            }
            Ok(n)
        };
        let mut st = self.engine.lock();
        let name = s.name.to_ascii_lowercase();
        match name.as_str() {
            "allowedclients" => st.settings.allowed_clients = ClientList::parse(v)?,
            "blockedclients" => st.settings.blocked_clients = ClientList::parse(v)?,
            "bindexclusively" => st.settings.bind_exclusively = parse_bool(v)?,
            "inbuffersize" => st.settings.in_buffer_size = int(0, i32::MAX as i64)? as usize,
            "outbuffersize" => st.settings.out_buffer_size = int(0, i32::MAX as i64)? as usize,
            "keepalivetime" => st.settings.keep_alive_time_ms = int(0, u32::MAX as i64)? as u32,
            "keepaliveinterval" => st.settings.keep_alive_interval_ms = int(0, u32::MAX as i64)? as u32,
            "maxconnections" => {
                if st.listening() {
                    return Err(Error::code(codes::MAXCONN_WHILE_LISTENING));
                }
                st.settings.max_connections = int(1, 100_000)? as usize;
            }
            "tcpnodelay" => st.settings.tcp_no_delay = parse_bool(v)?,
            "useipv6" => st.settings.use_ipv6 = IpMode::from_i64(int(0, 2)?)?,
            _ if st.settings.base.set(s.name, v)? => {}
            "stats" => return Err(Error::new(codes::READ_ONLY, format!("{} is read-only", s.name))),
            "sslsnicert" => {
                // SSLSNICert=<host>,<file>[,<password>]: a certificate for that
                // host name (exact or *.domain); an empty file removes it.
                let mut parts = v.splitn(3, ',').map(str::trim);
                let host = parts
                    .next()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| Error::invalid_value("SSLSNICert=<host>,<certificate file>[,<password>]"))?;
                let file = parts.next().unwrap_or("");
                if file.is_empty() {
                    st.settings.tls.remove_sni_cert(host);
                } else {
                    let spec = CertSpec {
                        store_type: 99,
                        store: file.as_bytes().to_vec(),
                        password: parts.next().unwrap_or("").to_string(),
                        subject: "*".into(),
                        encoded: Vec::new(),
                    };
                    spec.select()?;
                    st.settings.tls.add_sni_cert(host, spec);
                }
                st.tls_changed(false)?;
            }
            _ => {
                if !st.settings.tls.set(s.name, v)? {
                    return Err(unknown_setting(s.name));
                }
                st.tls_changed(false)?;
            }
        }
        Ok(())
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.engine.close();
    }
}

fn is_negotiated(name: &str) -> bool {
    NEGOTIATED_SETTINGS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

fn is_per_connection_setting(name: &str) -> bool {
    is_negotiated(name)
}

/// An SSLNegotiated* value; "" before the handshake completed or without TLS.
fn negotiated_value(lower_name: &str, n: Option<&crate::tls::session::Negotiated>) -> String {
    let Some(n) = n else { return String::new() };
    match lower_name {
        "sslnegotiatedcipher" => n.cipher.clone(),
        "sslnegotiatedcipherstrength" => n.cipher_strength.to_string(),
        "sslnegotiatedciphersuite" => n.cipher_suite.clone(),
        "sslnegotiatedkeyexchange" => n.key_exchange.clone(),
        "sslnegotiatedkeyexchangestrength" => n.key_exchange_strength.to_string(),
        _ => n.version.clone(),
    }
}

/// Setting SSLCertSubject or SSLCertEncoded selects the certificate now
/// (reference, SSLCertSubject): the subject reads back in full, or "" with
/// 272 when nothing matches. While listening, new handshakes use it.
fn select_now(st: &mut TcpCore) -> Result<()> {
    if st.settings.ssl_cert_store.is_empty() && st.settings.ssl_cert_encoded.is_empty() {
        return Ok(());
    }
    if st.settings.ssl_cert_subject.is_empty() && st.settings.ssl_cert_encoded.is_empty() {
        return Ok(());
    }
    match st.select_cert() {
        Ok(_) => st.tls_changed(true),
        Err(e) => {
            st.settings.ssl_cert_subject.clear();
            Err(e)
        }
    }
}

fn unknown_setting(name: &str) -> Error {
    Error::new(codes::UNKNOWN_SETTING, format!("Unknown config setting '{name}'"))
}

/// Opens a file for SendFile: a missing file, a directory or a FIFO fails
/// with 912 (API.md §8).
fn open_regular(path: &str) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::file(format!("Cannot open {path}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::file(format!("Cannot send {path}: not a regular file")));
    }
    File::open(path).map_err(|e| Error::file(format!("Cannot open {path}: {e}")))
}
