//! `TftpServer`: the safe Rust API of the TFTPServer component — properties,
//! config settings and methods of the TFTPServer reference —
//! usable without the FFI.

use super::core::TftpCore;
use super::props::{TftpProp, TABLES};
use super::settings::{parse_traffic_type, ClientPolicy};
use super::transfer::RollOver;
use crate::core::component::Declared;
use crate::core::config::Setting;
use crate::core::error::{codes, Error, Result};
use crate::core::listener::IpMode;
use crate::core::props::{SettingDef, Tables};
use crate::core::service::Service;
use crate::core::value::{bool_text, parse_bool, parse_int, Value};

/// The TFTPServer component.
pub type TftpServer = Service<TftpCore>;

/// Settings of the reference that cannot apply on this platform and that
/// pier accepts, stores and reads back without effect (docs/TFTP.md).
const NO_EFFECT_BOOL: &[&str] =
    &["DelayHostResolution", "AbsoluteTimeout", "ProcessIdleEvents", "GUIAvailable", "UseDaemonThreads"];

impl Service<TftpCore> {
    pub fn new() -> Result<TftpServer> {
        Service::with(TftpCore::new)
    }

    /// Whether Transfer events are produced (default true). The C API turns
    /// them on only while a Transfer callback is registered: each one costs a
    /// copy of the block and a dispatch.
    pub fn set_transfer_events(&self, on: bool) {
        self.engine().lock().transfer_events = on;
    }
}

/// Properties and settings, checked against the tables first
/// (`get`, `set`, `config` come with [`Declared`]).
impl Declared for TftpServer {
    type Key = TftpProp;

    fn tables() -> &'static Tables<TftpProp> {
        &TABLES
    }

    fn get_key(&self, key: TftpProp, index: i32) -> Result<Value> {
        let st = self.engine().lock();
        let s = &st.settings;
        Ok(match key {
            TftpProp::ConnCount => Value::Int(st.conns.len() as i64),
            TftpProp::ConnConnectionId => {
                let pos = usize::try_from(index).map_err(|_| Error::code(codes::INDEX))?;
                let id = st.conns.id_at(pos).ok_or_else(|| {
                    Error::new(codes::INDEX, format!("Position {index} is out of range (ConnCount {})", st.conns.len()))
                })?;
                Value::text(id.to_string())
            }
            TftpProp::ConnFileData => Value::Bytes(st.conn(index)?.file_data.clone().unwrap_or_default()),
            TftpProp::ConnFilename => Value::text(st.conn(index)?.filename.clone()),
            TftpProp::ConnLocalFile => Value::text(st.conn(index)?.local_file.clone()),
            TftpProp::ConnRemoteHost => Value::text(st.conn(index)?.peer.ip().to_string()),
            TftpProp::ConnRemotePort => Value::Int(st.conn(index)?.peer.port() as i64),
            TftpProp::ConnTransferMode => Value::text(st.conn(index)?.mode.as_str()),
            TftpProp::Listening => Value::Bool(st.listening()),
            TftpProp::LocalDir => Value::text(s.local_dir.clone()),
            TftpProp::LocalHost => Value::text(s.local_host.clone()),
            TftpProp::LocalPort => Value::Int(st.local_port() as i64),
            TftpProp::MaxRetransmits => Value::Int(s.max_retransmits as i64),
            TftpProp::RetransmitTimeout => Value::Int(s.retransmit_timeout as i64),
            TftpProp::Timeout => Value::Int(s.timeout as i64),
        })
    }

    fn set_key(&self, key: TftpProp, index: i32, v: Value) -> Result<()> {
        if key == TftpProp::Listening {
            return if v.as_bool()? { self.start_listening() } else { self.stop_listening() };
        }
        let mut st = self.engine().lock();
        match key {
            TftpProp::ConnFileData => st.conn_before_start(index)?.file_data = Some(v.into_bytes()),
            TftpProp::ConnLocalFile => st.conn_before_start(index)?.local_file = v.into_string(),
            TftpProp::LocalDir => st.settings.local_dir = v.into_string(),
            TftpProp::LocalHost => {
                if st.listening() {
                    return Err(Error::code(codes::LOCALHOST_WHILE_LISTENING));
                }
                st.settings.local_host = v.into_string();
            }
            TftpProp::LocalPort => st.set_local_port(v.as_i64()? as u16)?,
            TftpProp::MaxRetransmits => st.settings.max_retransmits = v.as_i64()? as u32,
            TftpProp::RetransmitTimeout => st.settings.retransmit_timeout = v.as_i64()? as u32,
            TftpProp::Timeout => st.settings.timeout = v.as_i64()? as u32,
            TftpProp::ConnCount
            | TftpProp::ConnConnectionId
            | TftpProp::ConnFilename
            | TftpProp::ConnRemoteHost
            | TftpProp::ConnRemotePort
            | TftpProp::ConnTransferMode => return Err(Error::code(codes::READ_ONLY)),
            TftpProp::Listening => unreachable!("handled above"),
        }
        Ok(())
    }

    fn config_get(&self, _def: &'static SettingDef, s: &Setting) -> Result<String> {
        let st = self.engine().lock();
        let t = &st.settings;
        let b = |x: bool| bool_text(x).to_string();
        if let Some(n) = NO_EFFECT_BOOL.iter().find(|n| s.is(n)) {
            return Ok(b(match n.to_ascii_lowercase().as_str() {
                "delayhostresolution" => t.delay_host_resolution,
                "absolutetimeout" => t.absolute_timeout,
                "processidleevents" => t.process_idle_events,
                "guiavailable" => t.gui_available,
                _ => t.use_daemon_threads,
            }));
        }
        if let Some(v) = t.base.get(s.name) {
            return Ok(v);
        }
        let name = s.name.to_ascii_lowercase();
        Ok(match name.as_str() {
            "defaultrollovernumber" => (t.default_rollover.first()).to_string(),
            "captureippacketinfo" => b(t.capture_ip_packet_info),
            "destinationaddress" => match s.index {
                Some(id) => st.conn(id)?.local_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                None => st.last_destination.map(|ip| ip.to_string()).unwrap_or_default(),
            },
            "dontfragment" => b(t.dont_fragment),
            "localhost" => t.local_host.clone(),
            "localport" => st.local_port().to_string(),
            "maxpacketsize" => t.max_packet_size.to_string(),
            "qosdscpvalue" => t.qos_dscp_value.to_string(),
            "qostraffictype" => t.qos_traffic_type.to_string(),
            "sharelocalport" => b(t.share_local_port),
            "sourceipaddress" | "sourcemacaddress" => String::new(),
            "useconnection" => b(t.use_connection),
            "useipv6" => t.use_ipv6.as_i64().to_string(),
            "firewalldata" => t.firewall_data.clone(),
            "inbuffersize" => t.in_buffer_size.to_string(),
            "outbuffersize" => t.out_buffer_size.to_string(),
            "loglevel" => t.log_level.to_string(),
            "singleportmode" => b(t.single_port_mode),
            "clientpolicy" => t.client_policy.text().to_string(),
            "windowsize" => t.window_size.to_string(),
            "allowoverwrite" => b(t.allow_overwrite),
            "stats" => {
                let x = st.stats;
                format!(
                    "requests={} refused={} active={} completed={} failed={} bytes_sent={} bytes_received={} wrong_tid={} malformed={}",
                    x.requests,
                    x.refused,
                    st.active(),
                    x.completed,
                    x.failed,
                    x.bytes_sent,
                    x.bytes_received,
                    x.wrong_tid,
                    x.malformed
                )
            }
            _ => return Err(unknown_setting(s.name)),
        })
    }

    fn config_set(&self, _def: &'static SettingDef, s: &Setting, v: &str) -> Result<()> {
        let int = |lo: i64, hi: i64| -> Result<i64> {
            let n = parse_int(v)?;
            if n < lo || n > hi {
                return Err(Error::invalid_value(format!("{} must be between {lo} and {hi}", s.name)));
            }
            Ok(n)
        };
        let mut st = self.engine().lock();
        let listening = st.listening();
        let busy = |code: i32, what: &str| -> Result<()> {
            if listening {
                Err(Error::new(code, format!("Cannot change {what} while listening")))
            } else {
                Ok(())
            }
        };
        let t = &mut st.settings;
        let name = s.name.to_ascii_lowercase();
        match name.as_str() {
            "defaultrollovernumber" => {
                t.default_rollover = RollOver::from_setting(int(0, 1)?).expect("0 or 1");
            }
            "captureippacketinfo" => t.capture_ip_packet_info = parse_bool(v)?,
            "delayhostresolution" => t.delay_host_resolution = parse_bool(v)?,
            "dontfragment" => t.dont_fragment = parse_bool(v)?,
            "localhost" => {
                if listening {
                    return Err(Error::code(codes::LOCALHOST_WHILE_LISTENING));
                }
                t.local_host = v.to_string();
            }
            "localport" => {
                let port = int(0, 65535)? as u16;
                st.set_local_port(port)?;
            }
            "maxpacketsize" => {
                busy(112, "MaxPacketSize")?;
                t.max_packet_size = int(12, 65536)? as usize;
            }
            "qosdscpvalue" => t.qos_dscp_value = int(0, 63)? as u8,
            "qostraffictype" => t.qos_traffic_type = parse_traffic_type(v)?,
            "sharelocalport" => {
                busy(113, "ShareLocalPort")?;
                t.share_local_port = parse_bool(v)?;
            }
            "sourceipaddress" | "sourcemacaddress" => {
                // Windows + WinPcap only: pretending would send from the
                // wrong address (docs/API.md §6).
                if !v.trim().is_empty() {
                    return Err(Error::new(
                        codes::NOT_SUPPORTED,
                        format!("{} needs raw packet capture (Windows with WinPcap); not supported", s.name),
                    ));
                }
            }
            "useconnection" => {
                busy(117, "UseConnection")?;
                t.use_connection = parse_bool(v)?;
            }
            "useipv6" => {
                let mode = match v.trim() {
                    "2" => IpMode::Both,
                    other => {
                        if parse_bool(other)? {
                            IpMode::V6
                        } else {
                            IpMode::V4
                        }
                    }
                };
                t.use_ipv6 = mode;
            }
            "absolutetimeout" => t.absolute_timeout = parse_bool(v)?,
            "firewalldata" => t.firewall_data = v.to_string(),
            "inbuffersize" => t.in_buffer_size = int(0, i32::MAX as i64)? as usize,
            "outbuffersize" => t.out_buffer_size = int(0, i32::MAX as i64)? as usize,
            "processidleevents" => t.process_idle_events = parse_bool(v)?,
            "guiavailable" => t.gui_available = parse_bool(v)?,
            "usedaemonthreads" => t.use_daemon_threads = parse_bool(v)?,
            "loglevel" => t.log_level = int(0, 3)? as i32,
            "singleportmode" => t.single_port_mode = parse_bool(v)?,
            "clientpolicy" => t.client_policy = ClientPolicy::parse(v)?,
            "windowsize" => t.window_size = int(1, 65535)? as u16,
            "allowoverwrite" => t.allow_overwrite = parse_bool(v)?,
            _ if t.base.set(s.name, v)? => {}
            "stats" | "destinationaddress" => {
                return Err(Error::new(codes::READ_ONLY, format!("{} is read-only", s.name)))
            }
            _ => return Err(unknown_setting(s.name)),
        }
        Ok(())
    }
}

fn unknown_setting(name: &str) -> Error {
    Error::new(codes::UNKNOWN_SETTING, format!("Unknown config setting '{name}'"))
}
