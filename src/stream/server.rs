//! `StreamServer<P>`: the safe Rust API every TCP-based component shares —
//! the engine, the methods of the TCPServer reference that are about
//! connections (Disconnect, PauseData, Send, SendFile, StartSSL, ...), and
//! the shared properties and config settings ([`super::props`]). A
//! component is `StreamServer<ItsProtocol>` plus its own properties.

use std::io::Read;
use std::time::Duration;

use super::props::StreamProp;
use super::protocol::Protocol;
use super::transport::Transport;
use crate::core::clients::ClientList;
use crate::core::config::Setting;
use crate::core::engine::Step;
use crate::core::error::{codes, Error, Result};
use crate::core::listener::IpMode;
use crate::core::props::SettingDef;
use crate::core::service::Service;
use crate::core::value::{bool_text, parse_bool, parse_int, Value};
use crate::tls::cert::CertSpec;
use crate::tls::session::Negotiated;

/// A server of protocol `P` on the stream transport (DoEvents,
/// StartListening, StopListening and the handler come with [`Service`]).
pub type StreamServer<P> = Service<Transport<P>>;

impl<P: Protocol> Service<Transport<P>> {
    pub fn new() -> Result<Self> {
        Service::with(|registry, waker| Transport::new(registry, waker, P::new(), P::stream_defaults()))
    }

    // ----- methods ---------------------------------------------------------

    /// Stops listening and closes every connection now (TCPServer's
    /// Shutdown; a protocol with a close handshake has its own).
    pub fn shutdown_now(&self) -> Result<()> {
        self.engine().lock().shutdown();
        Ok(())
    }

    /// `Reset`: Shutdown without events, then every property and setting
    /// back to its default.
    pub fn reset(&self) -> Result<()> {
        self.engine().lock().reset(P::new(), P::stream_defaults());
        Ok(())
    }

    /// Closes the connection now; Disconnected fires with 0 / "OK"
    /// (TCPServer's Disconnect; a protocol with a close handshake has its own).
    pub fn close_now(&self, id: i32) -> Result<()> {
        self.engine().lock().disconnect(id)
    }

    pub fn pause_data(&self, id: i32) -> Result<()> {
        self.engine().lock().pause_data(id)
    }

    pub fn process_data(&self, id: i32) -> Result<()> {
        self.engine().lock().process_data(id)
    }

    /// `StartSSL`: starts the TLS handshake on a plaintext connection.
    pub fn start_ssl(&self, id: i32) -> Result<()> {
        self.engine().lock().start_ssl(id)
    }

    /// `Interrupt`: ends a blocking send on the connection (911); callable
    /// from any thread.
    pub fn interrupt(&self, id: i32) -> Result<()> {
        self.engine().lock().conn(id)?;
        self.engine().interrupt(id as i64);
        Ok(())
    }

    /// `Send` / `SendBytes` / `SendText` / `DataToSend`: with Timeout 0 takes
    /// what the socket accepts and fails with 10035 for the rest (BytesSent
    /// says how much); with Timeout > 0 blocks, firing events, until all is
    /// taken or Timeout seconds pass without progress (10060).
    pub fn send_raw(&self, id: i32, data: &[u8]) -> Result<()> {
        let (fd, timeout) = {
            let mut st = self.engine().lock();
            let (fd, timeout) = st.send_target(id)?;
            if timeout == 0 {
                return st.send_async(id, data);
            }
            (fd, timeout)
        };
        let mut off = 0;
        let r = self
            .engine()
            .block(id as i64, Some(Duration::from_secs(timeout as u64)), fd, |t| t.send_step(id, data, &mut off));
        self.engine().lock().set_bytes_sent(id, off);
        r
    }

    /// `SendFile`: synchronous; streams the file in bounded memory, firing
    /// events while it waits. Timeout > 0 bounds inactivity.
    pub fn send_file_raw(&self, id: i32, path: &str) -> Result<()> {
        let (fd, timeout) = self.engine().lock().send_target(id)?;
        let mut file = crate::core::files::open_regular(path)?;
        let mut buf = vec![0u8; 64 * 1024];
        let (mut start, mut end) = (0usize, 0usize);
        let mut total = 0usize;
        let mut eof = false;
        let limit = (timeout > 0).then(|| Duration::from_secs(timeout as u64));
        let r = self.engine().block(id as i64, limit, fd, |t| {
            if start == end && !eof {
                let n = file.read(&mut buf).map_err(|e| Error::file(format!("Reading {path}: {e}")))?;
                (start, end) = (0, n);
                eof = n == 0;
            }
            if start == end && eof {
                return Ok(Step::Done(()));
            }
            let n = t.write_now(id, &buf[start..end], true)?;
            start += n;
            total += n;
            Ok(if n > 0 { Step::Progress } else { Step::Blocked })
        });
        self.engine().lock().set_bytes_sent(id, total);
        r
    }

    // ----- the shared properties -------------------------------------------

    pub fn stream_get(&self, p: StreamProp, index: i32) -> Result<Value> {
        use StreamProp::*;
        let st = self.engine().lock();
        let s = &st.settings;
        let ssl = &st.ssl;
        Ok(match p {
            ConnectionBacklog => Value::Int(s.connection_backlog as i64),
            ConnectionCount => Value::Int(st.conn_count() as i64),
            ConnectionId => {
                let pos = usize::try_from(index).map_err(|_| Error::code(codes::INDEX))?;
                let id = st.id_at(pos).ok_or_else(|| {
                    Error::new(
                        codes::INDEX,
                        format!("Position {index} is out of range (ConnectionCount {})", st.conn_count()),
                    )
                })?;
                Value::text(id.to_string())
            }
            AcceptData => Value::Bool(!st.conn(index)?.core.paused),
            BytesSent => Value::Int(st.conn(index)?.core.bytes_sent),
            Connected => Value::Bool(st.conn(index)?.core.is_connected()),
            IdleTimeout => Value::Int(st.conn(index)?.core.idle_timeout as i64),
            LocalAddress => Value::text(st.conn(index)?.core.local.ip().to_string()),
            ReadyToSend => Value::Bool(st.conn(index)?.core.ready_to_send),
            RemoteHost => Value::text(st.conn(index)?.core.remote.ip().to_string()),
            RemotePort => Value::Int(st.conn(index)?.core.remote.port() as i64),
            Timeout => Value::Int(st.conn(index)?.core.timeout as i64),
            DefaultIdleTimeout => Value::Int(s.default_idle_timeout as i64),
            DefaultTimeout => Value::Int(s.default_timeout as i64),
            KeepAlive => Value::Bool(s.keep_alive),
            Linger => Value::Bool(s.linger),
            Listening => Value::Bool(st.listening()),
            LocalHost => Value::text(s.local_host.clone()),
            LocalPort => Value::Int(st.local_port() as i64),
            SslAuthenticateClients => Value::Bool(ssl.authenticate_clients),
            SslCertEncoded => Value::Bytes(ssl.cert_encoded.clone()),
            SslCertStore => Value::Bytes(ssl.cert_store.clone()),
            SslCertStorePassword => Value::text(ssl.cert_store_password.clone()),
            SslCertStoreType => Value::Int(ssl.cert_store_type),
            SslCertSubject => Value::text(ssl.cert_subject.clone()),
            SslEnabled => Value::Bool(ssl.enabled),
            SslProvider => Value::Int(ssl.provider),
            SslStartMode => Value::Int(ssl.start_mode),
            DataToSend => return Err(Error::code(codes::WRITE_ONLY)),
        })
    }

    /// Sets a shared property; the value was checked against the
    /// component's table row (type, range, access) already.
    pub fn stream_set(&self, p: StreamProp, index: i32, v: Value) -> Result<()> {
        use StreamProp::*;
        match p {
            DataToSend => return self.send_raw(index, &v.into_bytes()),
            Listening => return if v.as_bool()? { self.start_listening() } else { self.stop_listening() },
            Connected => {
                if !v.as_bool()? {
                    return self.close_now(index);
                }
                self.engine().lock().conn(index)?;
                return Ok(());
            }
            AcceptData => return if v.as_bool()? { self.process_data(index) } else { self.pause_data(index) },
            _ => {}
        }
        let mut st = self.engine().lock();
        match p {
            IdleTimeout => st.set_idle_timeout(index, v.as_i64()? as u32)?,
            Timeout => st.conn_mut(index)?.core.timeout = v.as_i64()? as u32,
            ConnectionBacklog => st.settings.connection_backlog = v.as_i64()? as i32,
            DefaultIdleTimeout => st.settings.default_idle_timeout = v.as_i64()? as u32,
            DefaultTimeout => st.settings.default_timeout = v.as_i64()? as u32,
            KeepAlive => st.settings.keep_alive = v.as_bool()?,
            Linger => st.settings.linger = v.as_bool()?,
            LocalHost => {
                if st.listening() {
                    return Err(Error::code(codes::LOCALHOST_WHILE_LISTENING));
                }
                st.settings.local_host = v.into_string();
            }
            LocalPort => st.set_local_port(v.as_i64()? as u16)?,
            SslAuthenticateClients => {
                st.ssl.authenticate_clients = v.as_bool()?;
                st.tls_changed(false)?;
            }
            SslCertEncoded => {
                st.ssl.cert_encoded = v.into_bytes();
                select_now(&mut st)?;
            }
            SslCertStore => st.ssl.cert_store = v.into_bytes(),
            SslCertStorePassword => st.ssl.cert_store_password = v.into_string(),
            SslCertStoreType => st.ssl.cert_store_type = v.as_i64()?,
            SslCertSubject => {
                st.ssl.cert_subject = v.into_string();
                select_now(&mut st)?;
            }
            SslEnabled => st.ssl.enabled = v.as_bool()?,
            // Every provider value is served by rustls (docs/API-NOTES.md).
            SslProvider => st.ssl.provider = v.as_i64()?,
            SslStartMode => {
                let m = v.as_i64()?;
                st.ssl.start_mode = m;
                // Setting SSLStartMode updates SSLEnabled (reference, SSLEnabled).
                st.ssl.enabled = m != 3;
            }
            ConnectionCount | BytesSent | ConnectionId | LocalAddress | ReadyToSend | RemoteHost | RemotePort => {
                return Err(Error::code(codes::READ_ONLY))
            }
            DataToSend | Listening | Connected | AcceptData => unreachable!("handled above"),
        }
        Ok(())
    }

    // ----- the shared config settings --------------------------------------

    /// Reads a shared setting (the TCP, SSL and base tables of
    /// [`super::props`]); `def` was found in one of them.
    pub fn stream_config_get(&self, def: &SettingDef, s: &Setting) -> Result<String> {
        let st = self.engine().lock();
        let t = &st.settings;
        let b = |x: bool| bool_text(x).to_string();
        if let Some(v) = t.base.get(def.name) {
            return Ok(v);
        }
        let name = def.name.to_ascii_lowercase();
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
                    st.conn_count(),
                    x.bytes_in,
                    x.bytes_out,
                    st.send_queue_bytes()
                )
            }
            "sslsnicert" => st.ssl.tls.sni_certs.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>().join(","),
            _ if name.starts_with("sslnegotiated") => {
                let id = s.index.expect("checked: per connection");
                negotiated_value(&name, st.negotiated(id)?.as_ref())
            }
            _ => st.ssl.tls.get(def.name).ok_or_else(|| unknown_setting(def.name))?,
        })
    }

    /// Sets a shared setting; Int/Bool forms and ranges were checked
    /// against `def` already.
    pub fn stream_config_set(&self, def: &SettingDef, v: &str) -> Result<()> {
        let int = || parse_int(v);
        let mut st = self.engine().lock();
        let name = def.name.to_ascii_lowercase();
        match name.as_str() {
            "allowedclients" => st.settings.allowed_clients = ClientList::parse(v)?,
            "blockedclients" => st.settings.blocked_clients = ClientList::parse(v)?,
            "bindexclusively" => st.settings.bind_exclusively = parse_bool(v)?,
            "inbuffersize" => st.settings.in_buffer_size = int()? as usize,
            "outbuffersize" => st.settings.out_buffer_size = int()? as usize,
            "keepalivetime" => st.settings.keep_alive_time_ms = int()? as u32,
            "keepaliveinterval" => st.settings.keep_alive_interval_ms = int()? as u32,
            "maxconnections" => {
                if st.listening() {
                    return Err(Error::code(codes::MAXCONN_WHILE_LISTENING));
                }
                st.settings.max_connections = int()? as usize;
            }
            "tcpnodelay" => st.settings.tcp_no_delay = parse_bool(v)?,
            "useipv6" => st.settings.use_ipv6 = IpMode::from_i64(int()?)?,
            _ if st.settings.base.set(def.name, v)? => {}
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
                    st.ssl.tls.remove_sni_cert(host);
                } else {
                    let spec = CertSpec {
                        store_type: 99,
                        store: file.as_bytes().to_vec(),
                        password: parts.next().unwrap_or("").to_string(),
                        subject: "*".into(),
                        encoded: Vec::new(),
                    };
                    spec.select()?;
                    st.ssl.tls.add_sni_cert(host, spec);
                }
                st.tls_changed(false)?;
            }
            _ => {
                if !st.ssl.tls.set(def.name, v)? {
                    return Err(unknown_setting(def.name));
                }
                st.tls_changed(false)?;
            }
        }
        Ok(())
    }
}

/// An SSLNegotiated* value; "" before the handshake completed or without TLS.
fn negotiated_value(lower_name: &str, n: Option<&Negotiated>) -> String {
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
/// (TCPServer reference, SSLCertSubject): the subject reads back in full, or
/// "" with 272 when nothing matches. While listening, new handshakes use it.
fn select_now<P: Protocol>(st: &mut Transport<P>) -> Result<()> {
    if st.ssl.cert_store.is_empty() && st.ssl.cert_encoded.is_empty() {
        return Ok(());
    }
    if st.ssl.cert_subject.is_empty() && st.ssl.cert_encoded.is_empty() {
        return Ok(());
    }
    match st.select_cert() {
        Ok(_) => st.tls_changed(true),
        Err(e) => {
            st.ssl.cert_subject.clear();
            Err(e)
        }
    }
}

pub(crate) fn unknown_setting(name: &str) -> Error {
    Error::new(codes::UNKNOWN_SETTING, format!("Unknown config setting '{name}'"))
}
