//! OFTPServer as a protocol on the stream transport (docs/ARCHITECTURE.md):
//! each connection runs one Responder [`Session`] (RFC 5024 §9); bytes read
//! are framed into Exchange Buffers and fed to it one at a time, and what it
//! asks for — octets to send, events, its timer, the disconnect — is
//! carried out here. Decisions the application makes in an event
//! (AcceptConnection, AcceptFile, StartTransfer, EndTransfer) are applied
//! after the callback returns, before the next buffer is looked at.
//!
//! This file: the state, the `Protocol` impl and the session's actions;
//! `receive` (files from the client), `speak` (the server's turn: receipts,
//! ReadyToSend, Logoff). Decisions: docs/OFTP.md.

mod receive;
mod restart;
mod secured;
mod security;
mod send;
mod speak;
mod spool;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::command::{name_of, CreditCount, ExchangeBufferSize, SendReceive, Ssid};
use super::error::{OFTP_ERR_BUILD, OFTP_ERR_NO_SFID, OFTP_ERR_NO_SSID};
use super::event::OftpEvent;
use super::reason::EsidReason;
use super::session::{Action, AuthPolicy, Config, ConnectResponse, Event, Session};
use super::sth::STH_LEN;
use super::Level;
use crate::core::error::Error;
use crate::stream::{Ctx, Protocol, Segment, StreamSettings};
use crate::tls::cert::CertSpec;

pub use receive::Incoming;
pub use send::{Outgoing, Pump, SendRequest, QUEUE_HIGH_WATER};
pub use speak::Receipt;

/// The error of a client that closed the connection while the session was
/// still open (RFC 5024 §9: N_DISC_IND outside WF_NDISC is an abort).
pub const CLOSED_WITHOUT_ESID: &str = "The client closed the connection without ending the session (no ESID)";

/// What a connection starts with, from the handle-wide settings; the
/// `[ConnectionId]` forms change the connection's copy.
#[derive(Clone, Debug)]
pub struct ConnDefaults {
    pub allow_retry: bool,
    pub cd_after_send_end_response: bool,
    /// ConnectionType: the SSIDSR sent (0 both, 1 send only, 2 receive only).
    pub connection_type: i32,
    pub credit_count: u16,
    pub exchange_buffer_size: u32,
    pub received_file_name_format: String,
    pub temp_path: String,
    pub buffer_compression: bool,
    pub enable_restart: bool,
    pub certificate_type: i32,
    pub file_hash_algorithm: i32,
}

impl Default for ConnDefaults {
    fn default() -> Self {
        ConnDefaults {
            allow_retry: false,
            cd_after_send_end_response: false,
            connection_type: 0,
            credit_count: 999,
            exchange_buffer_size: 99_999,
            received_file_name_format: "%VirtualFileName%".into(),
            temp_path: String::new(),
            buffer_compression: true,
            enable_restart: true,
            certificate_type: 0,
            file_hash_algorithm: 1,
        }
    }
}

/// OFTPServer's handle-wide state: the server's identity and the settings.
#[derive(Debug)]
pub struct OftpProtocol {
    pub server_password: String,
    pub server_sfid_code: String,
    pub server_ssid_code: String,
    pub defaults: ConnDefaults,
    pub delete_on_error: bool,
    pub disconnect_after_end_session: bool,
    pub fire_end_response_on_send: bool,
    pub friendly_log_format: bool,
    pub log_level: i32,
    pub send_cd_after_efpa: bool,
    pub virtual_file_date_format: String,
    pub allow_oftp14_over_tls: bool,
    pub close_stream_after_transfer: bool,
    pub secure_authentication: i32,
    /// Whether PITrail and Transfer events are built at all: the C boundary
    /// turns each off while no callback is registered for it (a 64 KiB
    /// copy per Exchange Buffer for an event nobody reads), as TFTPServer
    /// does for its Transfer; the Rust API keeps both on.
    pub pitrail_events: bool,
    pub transfer_events: bool,
    /// TrustedCerts (DER), as ImportTrustedCerts loaded them.
    pub trusted: Vec<Vec<u8>>,
    /// Settings that are stored and read back (those of the security issue
    /// and those without effect here), by name and connection.
    pub stored: HashMap<(String, Option<i32>), String>,
    /// The Certificate object's store fields (for the security layer), and
    /// its KeyPassword.
    pub certificate: CertSpec,
    pub certificate_key_password: String,
    /// SSLCertKeyPassword: stored and read back (the store password opens
    /// pier's keys), as in WSServer.
    pub ssl_cert_key_password: String,
}

/// Timer keys: the session's response timer (by generation, so a restarted
/// timer makes the old one stale), the wait after ReadyToSend, and the
/// bound on a TLS handshake that never completes (docs/OFTP.md, "Timers").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OftpTimer {
    Response(u64),
    SpeakerIdle(u64),
    Handshake,
}

/// What a connection's properties say beside the session.
#[derive(Debug, Default)]
pub struct ConnProps {
    pub download_directory: String,
    pub download_stream: i32,
    pub upload_stream: i32,
    pub compress: bool,
    pub encryption_algorithm: i32,
    pub max_record_size: i32,
    pub recipient_cert: CertSpec,
    pub sfid_code: String,
    pub signed_receipt: bool,
    pub ssid_code: String,
    pub version: i32,
    pub virtual_file_date: String,
    pub virtual_file_format: i32,
    pub virtual_file_security_level: i32,
    pub file_description: String,
    pub server_password: Option<String>,
    pub server_sfid_code: Option<String>,
    pub server_ssid_code: Option<String>,
    pub received_connection_type: i32,
    pub received_file_date_time: String,
    pub received_file_description: String,
    pub received_file_name: String,
    pub received_file_encryption_alg: i32,
    pub retry: bool,
}

/// A connection's OFTP state.
pub struct OftpConn {
    pub session: Session,
    /// Input not framed yet, from `input_start` on (at most one Stream
    /// Transmission Buffer and the start of the next).
    input: Vec<u8>,
    input_start: usize,
    /// Events behind the one returned.
    queued: VecDeque<OftpEvent>,
    pub opts: ConnDefaults,
    pub props: ConnProps,
    pub incoming: Option<Box<Incoming>>,
    /// The file SendFile is sending.
    pub outgoing: Option<Box<Outgoing>>,
    /// EERPs and NERPs to send once the server speaks.
    pub receipts: VecDeque<Receipt>,
    /// The server is the Speaker and told the application (ConnReadyToSend).
    pub speaker_ready: bool,
    /// The identity of the last file received, and its receipt hash (empty
    /// unless a signed receipt was asked for), for its EERP.
    last_received: Option<(super::command::Sfid, Vec<u8>)>,
    /// Files sent asking for a signed receipt: their hashes by
    /// `security::receipt_key`, to check the EERP or NERP against.
    sent_receipt_hashes: HashMap<(String, String), Vec<u8>>,
    /// A signed receipt whose EndResponse is out: its hash, to compare with
    /// the one the application may write into FileHash.
    pending_receipt_hash: Option<Vec<u8>>,
    /// Send CD once the RTR for a SendEndResponse receipt comes.
    cd_after_rtr: bool,
    timer_generation: u64,
    /// The stream is up (TLS established): the session has begun.
    established: bool,
    /// Secure authentication under way (security.rs).
    auth: Option<crate::oftp::auth::Exchange>,
    /// How the connection ends once the session asked for the disconnect.
    end: Option<Error>,
    /// The close the session asked for, once the queued events are out.
    pending_close: Option<Error>,
    /// After an ESID 00 with DisconnectAfterEndSession False: the wait for
    /// the client to close (ConnTimeout) has started.
    awaited_close: bool,
}

impl OftpConn {
    /// The server's SSID code for this connection.
    pub fn ssid_code<'a>(&'a self, p: &'a OftpProtocol) -> &'a str {
        self.props.server_ssid_code.as_deref().unwrap_or(&p.server_ssid_code)
    }

    /// The server's SFID code for this connection.
    pub fn sfid_code<'a>(&'a self, p: &'a OftpProtocol) -> &'a str {
        self.props.server_sfid_code.as_deref().unwrap_or(&p.server_sfid_code)
    }
}

impl OftpProtocol {
    /// The wait for the application after ReadyToSend (ConnTimeout, then
    /// Logoff); the session's response timer gives way to it.
    fn arm_speaker_idle(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) {
        c.timer_generation += 1;
        if cx.timeout() > 0 {
            let at = Instant::now() + Duration::from_secs(cx.timeout().into());
            cx.schedule(at, OftpTimer::SpeakerIdle(c.timer_generation));
        }
    }

    /// The session's local constants for a connection (RFC 5024 §9.7).
    fn session_config(&self, c: &OftpConn) -> Config {
        let opts = &c.opts;
        Config {
            level: Level::V20,
            ssid_code: c.ssid_code(self).to_string(),
            password: c.props.server_password.clone().unwrap_or_else(|| self.server_password.clone()),
            buffer_size: ExchangeBufferSize::new(opts.exchange_buffer_size).unwrap_or(ExchangeBufferSize::LARGEST),
            credit: CreditCount::new(opts.credit_count).unwrap_or(CreditCount::LARGEST),
            compression: opts.buffer_compression,
            restart: opts.enable_restart,
            send_receive: match opts.connection_type {
                1 => SendReceive::Send,
                2 => SendReceive::Receive,
                _ => SendReceive::Both,
            },
            secure_authentication: match self.secure_authentication {
                0 => AuthPolicy::Off,
                1 => AuthPolicy::Required,
                _ => AuthPolicy::Allowed,
            },
            user_data: String::new(),
            auto_credit: true,
        }
    }

    /// Carries out what the session asked for.
    fn run(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Send(stb) => {
                    let level = trace_level(&c.session);
                    self.trace(cx.id(), level, &mut c.queued, 1, &stb[STH_LEN..]);
                    cx.send(Segment::Owned(stb));
                }
                Action::Event(e) => self.on_session_event(cx, c, e),
                Action::StartTimer => {
                    c.timer_generation += 1;
                    // ConnTimeout is the session's response timer.
                    if cx.timeout() > 0 {
                        let at = Instant::now() + Duration::from_secs(cx.timeout().into());
                        cx.schedule(at, OftpTimer::Response(c.timer_generation));
                    }
                }
                Action::StopTimer => c.timer_generation += 1,
                Action::Disconnect => {
                    let end = c.end.clone().unwrap_or_else(|| Error::new(0, "OK"));
                    if self.disconnect_after_end_session || end.code != 0 || c.awaited_close {
                        // After the events still queued (the trace of the
                        // last command): they are about an open connection.
                        c.pending_close = Some(end);
                    } else {
                        // DisconnectAfterEndSession False: the client closes
                        // (on_eof), or after ConnTimeout the session's timer
                        // disconnects (RFC 5024 §9.9 A; the Disconnect it
                        // asks for then closes).
                        c.awaited_close = true;
                        c.timer_generation += 1;
                        if cx.timeout() > 0 {
                            let at = Instant::now() + Duration::from_secs(cx.timeout().into());
                            cx.schedule(at, OftpTimer::Response(c.timer_generation));
                        }
                    }
                }
            }
        }
        if !c.queued.is_empty() {
            cx.more_events();
        } else if let Some(end) = c.pending_close.take() {
            cx.close_when_flushed(end, true);
        }
    }

    /// The session's output events, as OFTPServer events or further actions.
    fn on_session_event(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, e: Event) {
        let id = cx.id();
        match e {
            Event::ConnectRequest(ssid) => self.on_connect_request(cx, c, ssid),
            Event::Connected(n) => {
                c.props.version = n.level.api_version();
                self.log(
                    c,
                    id,
                    1,
                    "Info",
                    format!(
                        "Session up: OFTP level {:?}, buffer {}, credit {}, compression {}, restart {}",
                        n.level,
                        n.buffer_size.get(),
                        n.credit.get(),
                        n.compression,
                        n.restart
                    ),
                );
                cx.announce();
            }
            Event::AuthenticationStarted => self.on_authentication_started(c),
            Event::Security(cmd) => self.on_security_command(cx, c, cmd),
            Event::StartFile(sfid) => self.on_start_file(cx, c, sfid),
            // DATA of the open file goes through on_exchange_buffer_with
            // (next_buffer), which reports it as DataChecked; a copy here
            // would mean no file is open, which the session never allows.
            Event::Data(_) => {
                let actions = c.session.abort(EsidReason::UnspecifiedAbortCode, "DATA without an open file");
                self.run(cx, c, actions);
            }
            Event::DataChecked { .. } => self.on_data_checked(cx, c),
            Event::EndFile { efid, check } => self.on_end_file(cx, c, efid, check),
            Event::EndResponse(eerp) => self.on_end_response(c, id, Ok(eerp)),
            Event::NegativeEndResponse(nerp) => self.on_end_response(c, id, Err(nerp)),
            Event::ReadyToSend | Event::ReadyToReceive => self.speak(cx, c),
            e @ (Event::FileAccepted { .. }
            | Event::FileRefused(_)
            | Event::Credit
            | Event::CreditExhausted
            | Event::FileDelivered(_)
            | Event::FileFailed(_)) => self.outgoing_event(cx, c, e),
            Event::Ended { reason, text, by_peer, error_code } => {
                let who = if by_peer { "client" } else { "server" };
                let what = if text.is_empty() { reason.text().to_string() } else { text };
                self.log(c, id, 1, "Info", format!("ESID {:02} from the {who}: {what}", reason.code()));
                if let Some(inc) = c.incoming.take() {
                    self.abandon(c, id, inc);
                }
                self.end_outgoing(id, c, &what);
                let description =
                    if error_code == 0 { "OK".to_string() } else { format!("ESID {:02}: {what}", reason.code()) };
                c.end = match c.end.take() {
                    // The error that made the server end it (SendFile failed
                    // or was interrupted, a value pier cannot send): the
                    // connection ends with it, not with 0.
                    Some(e) if error_code == 0 && e.code != 0 => Some(e),
                    _ => Some(Error::new(error_code, description)),
                };
            }
        }
    }

    fn on_connect_request(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, ssid: Ssid) {
        let id = cx.id();
        let level = ssid.level().unwrap_or(Level::V12);
        c.props.ssid_code = ssid.code.clone();
        c.props.received_connection_type = match ssid.send_receive {
            SendReceive::Both => 0,
            SendReceive::Send => 1,
            SendReceive::Receive => 2,
        };
        c.props.version = level.api_version();
        // Over TLS only 2.0 (the reference's UseSSL), or 1.4 when allowed.
        let over_tls_ok = level.is_v2() || (level == Level::V14 && self.allow_oftp14_over_tls);
        if cx.is_tls() && !over_tls_ok {
            self.log(
                c,
                id,
                1,
                "Info",
                format!("Refused: OFTP level {level:?} over TLS (2.0 only; see AllowOFTP14OverTLS)"),
            );
            let r = c.session.accept_connection(ConnectResponse::refuse(EsidReason::ModeOrCapabilitiesIncompatible));
            self.run_outcome(cx, c, r);
            return;
        }
        let version = level.api_version();
        c.queued.push_back(OftpEvent::AcceptConnection {
            connection_id: id,
            client_ssid_code: ssid.code,
            client_password: ssid.password,
            client_version: version,
            server_version: version,
            accept: true,
            error_code: 0,
            error_description: String::new(),
        });
    }

    /// Runs a request's actions, or reports the request's failure as an
    /// Error event and ends the session (a value pier cannot encode).
    fn run_outcome(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        r: Result<Vec<Action>, super::session::SessionError>,
    ) {
        match r {
            Ok(actions) => self.run(cx, c, actions),
            Err(e) => {
                let id = cx.id();
                c.queued.push_back(OftpEvent::Error {
                    connection_id: id,
                    error_code: OFTP_ERR_BUILD,
                    description: e.to_string(),
                });
                let actions = c.session.abort(EsidReason::UnspecifiedAbortCode, &e.to_string());
                c.end = Some(Error::new(OFTP_ERR_BUILD, e.to_string()));
                self.run(cx, c, actions);
            }
        }
    }

    /// PITrail and, at LogLevel 1+, a Log line for one command.
    fn trace(&self, id: i32, level: Level, queued: &mut VecDeque<OftpEvent>, direction: i32, oeb: &[u8]) {
        let code = oeb.first().copied().unwrap_or(0);
        let logged = self.log_level >= 1 && code != b'D' || self.log_level >= 2;
        if !logged && !self.pitrail_events {
            return;
        }
        let description = if self.friendly_log_format { friendly(oeb, level) } else { name_of(code).to_string() };
        if logged {
            let arrow = if direction == 0 { "<-" } else { "->" };
            self.log_to(queued, id, 1, "OFTP", format!("{arrow} {description}"));
        }
        if !self.pitrail_events {
            return;
        }
        // Room for the NUL the C boundary adds (no reallocation of a 64 KiB buffer).
        let mut data = Vec::with_capacity(oeb.len() + 1);
        data.extend_from_slice(oeb);
        queued.push_back(OftpEvent::PiTrail {
            connection_id: id,
            direction,
            data,
            command_id: i32::from(code),
            command_description: description,
        });
    }

    /// A setting OFTPServer keeps as text (`stored`): what was set, else
    /// its declared default (props.rs), so no caller repeats a default.
    pub(crate) fn setting(&self, name: &str, index: Option<i32>) -> &str {
        match self.stored.get(&(name.to_string(), index)) {
            Some(v) => v,
            None => super::props::OFTP_SETTINGS.iter().find(|d| d.name == name).map_or("", |d| d.default),
        }
    }

    fn log(&self, c: &mut OftpConn, id: i32, level: i32, log_type: &str, message: String) {
        self.log_to(&mut c.queued, id, level, log_type, message);
    }

    fn log_to(&self, queued: &mut VecDeque<OftpEvent>, id: i32, level: i32, log_type: &str, message: String) {
        if self.log_level >= level {
            queued.push_back(OftpEvent::Log {
                connection_id: id,
                log_level: level,
                message,
                log_type: log_type.into(),
            });
        }
    }

    /// Frames and handles the next Exchange Buffer of the input, if whole.
    /// Returns false when there is none.
    fn next_buffer(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> bool {
        let total = match c.session.frame(&c.input[c.input_start..]) {
            Ok(Some(total)) => total,
            Ok(None) => {
                compact(c);
                return false;
            }
            Err(actions) => {
                c.input.clear();
                c.input_start = 0;
                self.run(cx, c, actions);
                return true;
            }
        };
        let (start, end) = (c.input_start + STH_LEN, c.input_start + total);
        c.input_start += total;
        self.trace(cx.id(), trace_level(&c.session), &mut c.queued, 0, &c.input[start..end]);
        let actions = match c.incoming.as_mut() {
            // DATA of the open file: checked and decoded in one pass,
            // straight from the input (Event::DataChecked stores it).
            Some(inc) if c.input[start] == b'D' => {
                let mut d = receive::Decoded::new(inc, end - start);
                let actions = c.session.on_exchange_buffer_with(&c.input[start..end], |ev| d.push(ev));
                inc.decoded = Some(d);
                actions
            }
            _ => c.session.on_exchange_buffer(&c.input[start..end]),
        };
        self.run(cx, c, actions);
        true
    }
}

/// The next queued event; once the queue is empty, the close the session
/// asked for (after the events about the open connection).
fn pop_queued(cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Option<OftpEvent> {
    let ev = c.queued.pop_front();
    if !c.queued.is_empty() {
        cx.more_events();
    } else if let Some(end) = c.pending_close.take() {
        cx.close_when_flushed(end, true);
    }
    ev
}

/// The level a traced command is decoded at: the agreed one, else 2.0 (SSRM,
/// SSID and ESID decode before a level is agreed).
fn trace_level(session: &Session) -> Level {
    session.negotiated().map_or(Level::V20, |n| n.level)
}

/// Drops the input already framed once it is most of the buffer.
fn compact(c: &mut OftpConn) {
    if c.input_start == c.input.len() {
        c.input.clear();
        c.input_start = 0;
        if c.input.capacity() > 256 * 1024 {
            c.input = Vec::new();
        }
    } else if c.input_start > c.input.len() / 2 {
        c.input.drain(..c.input_start);
        c.input_start = 0;
    }
}

/// PITrail's description (and the Log line) with FriendlyLogFormat: the
/// command's name and its fields by name (`SFID DSN=PAYROLL DATE=...
/// DEST=... ORIG=...`), decoded at the session's `level`; never the SSID's
/// password. A buffer that does not decode gets its name only.
fn friendly(oeb: &[u8], level: Level) -> String {
    use super::command::Command as C;
    let code = oeb.first().copied().unwrap_or(0);
    if code == b'D' {
        return format!("DATA ({} octets)", oeb.len());
    }
    let Ok(cmd) = C::decode(oeb, level) else { return name_of(code).to_string() };
    let yn = |b: bool| if b { 'Y' } else { 'N' };
    let stamp = |s: &super::stamp::FileStamp| super::names::format_stamp(s, "yyyyMMddHHmmssffff");
    let text = |t: &str| if t.is_empty() { String::new() } else { format!(" REAST={t}") };
    let fields = match &cmd {
        C::Ssrm(_) => "MSG=ODETTE FTP READY".to_string(),
        C::Ssid(s) => format!(
            "LEV={} CODE={} SDEB={} SR={} CMPR={} REST={} CRED={} AUTH={} USER={}",
            s.release_level,
            s.code,
            s.buffer_size.get(),
            match s.send_receive {
                SendReceive::Both => 'B',
                SendReceive::Send => 'S',
                SendReceive::Receive => 'R',
            },
            yn(s.compression),
            yn(s.restart),
            s.credit.get(),
            yn(s.secure_authentication),
            s.user_data
        ),
        C::Sfid(s) => format!(
            "DSN={} DATE={} USER={} DEST={} ORIG={} FMT={} LRECL={} FSIZ={} REST={}",
            s.dataset_name,
            stamp(&s.stamp),
            s.user_data,
            s.destination,
            s.originator,
            s.format.as_byte() as char,
            s.max_record_size,
            s.file_size,
            s.restart_position
        ),
        C::Sfpa(s) => format!("ACNT={}", s.answer_count),
        C::Sfna(s) => format!("REAS={:02} RRTR={}{}", s.reason.code(), yn(s.retry), text(&s.text)),
        C::Efid(e) => format!("RCNT={} UCNT={}", e.record_count, e.unit_count),
        C::Efpa(e) => format!("CD={}", yn(e.change_direction)),
        C::Efna(e) => format!("REAS={:02}{}", e.reason.code(), text(&e.text)),
        C::Esid(e) => format!("REAS={:02}{}", e.reason.code(), text(&e.text)),
        C::Eerp(e) => {
            format!("DSN={} DATE={} DEST={} ORIG={}", e.dataset_name, stamp(&e.stamp), e.destination, e.originator)
        }
        C::Nerp(n) => format!(
            "DSN={} DATE={} DEST={} ORIG={} CREA={} REAS={:02}{}",
            n.dataset_name,
            stamp(&n.stamp),
            n.destination,
            n.originator,
            n.creator,
            n.reason.code(),
            text(&n.text)
        ),
        _ => String::new(),
    };
    format!("{} {fields}", cmd.name()).trim_end().to_string()
}

impl Protocol for OftpProtocol {
    type Conn = OftpConn;
    type Event = OftpEvent;
    type Timer = OftpTimer;
    /// ReadyToSend is the session's (the client's CD), not the out queue's.
    const ANNOUNCE_READY_TO_SEND: bool = false;

    fn new() -> Self {
        OftpProtocol {
            server_password: String::new(),
            server_sfid_code: String::new(),
            server_ssid_code: String::new(),
            defaults: ConnDefaults::default(),
            delete_on_error: true,
            disconnect_after_end_session: true,
            fire_end_response_on_send: false,
            friendly_log_format: false,
            log_level: 1,
            send_cd_after_efpa: false,
            virtual_file_date_format: "MM/dd/yyyy HH:mm:ss".into(),
            allow_oftp14_over_tls: false,
            close_stream_after_transfer: true,
            secure_authentication: 2,
            pitrail_events: true,
            transfer_events: true,
            trusted: Vec::new(),
            stored: HashMap::new(),
            certificate: CertSpec { store: b"MY".to_vec(), ..CertSpec::default() },
            certificate_key_password: String::new(),
            ssl_cert_key_password: String::new(),
        }
    }

    fn stream_defaults() -> StreamSettings {
        StreamSettings { local_port: 3305, default_timeout: 60, ..StreamSettings::default() }
    }

    fn check_listen(&self) -> crate::core::error::Result<()> {
        if self.server_ssid_code.is_empty() {
            return Err(Error::new(OFTP_ERR_NO_SSID, "ServerSSIDCode must be set before listening."));
        }
        if self.server_sfid_code.is_empty() {
            return Err(Error::new(OFTP_ERR_NO_SFID, "ServerSFIDCode must be set before listening."));
        }
        Ok(())
    }

    fn on_open(&mut self, cx: &mut Ctx<'_, OftpTimer>) -> OftpConn {
        if cx.is_tls() && cx.timeout() > 0 {
            // A client that opens TCP and never completes TLS would hold the
            // connection for ever with DefaultConnectionTimeout 0: the
            // session's own response time bounds the handshake too.
            cx.schedule(Instant::now() + Duration::from_secs(cx.timeout() as u64), OftpTimer::Handshake);
        }
        let (session, _) = Session::new(Config::default());
        OftpConn {
            session,
            input: Vec::new(),
            input_start: 0,
            queued: VecDeque::new(),
            opts: self.defaults.clone(),
            props: ConnProps {
                download_stream: -1,
                upload_stream: -1,
                version: 3,
                received_file_encryption_alg: -1,
                ..ConnProps::default()
            },
            incoming: None,
            outgoing: None,
            receipts: VecDeque::new(),
            speaker_ready: false,
            last_received: None,
            sent_receipt_hashes: HashMap::new(),
            pending_receipt_hash: None,
            cd_after_rtr: false,
            timer_generation: 0,
            established: false,
            auth: None,
            end: None,
            pending_close: None,
            awaited_close: false,
        }
    }

    /// The stream is up: SSRM goes out (RFC 5024 §9.8 B). Connected fires
    /// once the SSIDs agreed.
    fn on_established(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> bool {
        let (session, actions) = Session::new(self.session_config(c));
        c.session = session;
        c.established = true;
        self.run(cx, c, actions);
        false
    }

    fn on_input(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, data: &mut [u8]) -> Option<OftpEvent> {
        c.input.extend_from_slice(data);
        self.next_event(cx, c)
    }

    fn next_event(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Option<OftpEvent> {
        if c.outgoing.is_some() {
            // SendFile waits for SFPA, CDT or EFPA, maybe from inside a
            // callback where no event is delivered: every whole buffer is
            // handled now (none of them waits for an application decision).
            while self.next_buffer(cx, c) {}
        }
        loop {
            if !c.queued.is_empty() {
                return pop_queued(cx, c);
            }
            if !self.next_buffer(cx, c) {
                return None;
            }
        }
    }

    fn on_eof(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Option<OftpEvent> {
        if let Some(ev) = c.queued.pop_front() {
            return Some(ev);
        }
        let id = cx.id();
        if let Some(inc) = c.incoming.take() {
            self.abandon(c, id, inc);
        }
        self.end_outgoing(id, c, "the client closed the connection");
        if let Some(ev) = c.queued.pop_front() {
            return Some(ev);
        }
        match c.end.take() {
            // The session ended (ESID): the status it ended with.
            Some(end) => cx.close(end),
            None if c.session.state() == super::session::State::WaitDisconnect => {}
            None => cx.close(Error::new(super::error::OFTP_ERR_PROTOCOL, CLOSED_WITHOUT_ESID)),
        }
        None
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, key: OftpTimer) -> Option<OftpEvent> {
        match key {
            OftpTimer::Response(g) if g == c.timer_generation => {
                let id = cx.id();
                self.log(c, id, 1, "Info", format!("No response within {} s (ConnTimeout)", cx.timeout()));
                let actions = c.session.on_timeout();
                self.run(cx, c, actions);
            }
            OftpTimer::Handshake if !c.established => {
                let text = format!("[10060] TLS handshake not completed within {} s (ConnTimeout).", cx.timeout());
                cx.close(Error::new(crate::core::error::codes::TIMED_OUT, text));
                return None;
            }
            OftpTimer::SpeakerIdle(g) if g == c.timer_generation && c.speaker_ready => {
                // The application did not speak within ConnTimeout after
                // ReadyToSend: hand the turn back (Logoff), so the client
                // never waits for nothing.
                let _ = self.logoff(cx, c);
            }
            _ => {}
        }
        pop_queued(cx, c)
    }

    fn on_closed(&mut self, c: &mut OftpConn) {
        c.input = Vec::new();
        c.input_start = 0;
        if let Some(mut inc) = c.incoming.take() {
            // Kept for a restart (nothing can be reported any more).
            receive::keep_for_restart(&mut inc);
        }
    }

    fn event_done(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, ev: OftpEvent) {
        match ev {
            OftpEvent::AcceptConnection { accept, server_version, error_code, .. } => {
                let response = if accept {
                    let level = match server_version {
                        0 => Level::V12,
                        1 => Level::V13,
                        2 => Level::V14,
                        _ => Level::V20,
                    };
                    ConnectResponse { level: Some(level), ..ConnectResponse::accept() }
                } else {
                    let code = u8::try_from(error_code).unwrap_or(99);
                    ConnectResponse::refuse(EsidReason::from_code(code).unwrap_or(EsidReason::UnspecifiedAbortCode))
                };
                // What AcceptConnection set for this connection
                // (ConnectionType[id], ServerSSIDCode[id], ...).
                let cfg = self.session_config(c);
                // A refusal is an ESID the application asked for: the session
                // reports it as an orderly end (Disconnected 0).
                let r = c.session.set_config(cfg).and_then(|_| c.session.accept_connection(response));
                self.run_outcome(cx, c, r);
            }
            OftpEvent::AcceptFile { accept, file_name, overwrite, error_code, error_description, .. } => {
                self.accept_file_done(cx, c, accept, file_name, overwrite, error_code, error_description)
            }
            OftpEvent::StartTransfer { local_file, direction: 0, .. } => self.start_transfer_done(cx, c, local_file),
            OftpEvent::EndTransfer { send_end_response, direction: 0, reason_code: 0, .. } => {
                self.end_transfer_done(c, cx.id(), send_end_response)
            }
            OftpEvent::EndResponse { direction: 0, file_hash, .. } => {
                self.end_response_done(c, cx.id(), &file_hash);
                let r = c.session.ready_to_receive();
                self.run_outcome(cx, c, r);
            }
            _ => {}
        }
    }

    fn needs_done(ev: &OftpEvent) -> bool {
        matches!(
            ev,
            OftpEvent::AcceptConnection { .. }
                | OftpEvent::AcceptFile { .. }
                | OftpEvent::StartTransfer { .. }
                | OftpEvent::EndTransfer { .. }
                | OftpEvent::EndResponse { .. }
        )
    }
}
