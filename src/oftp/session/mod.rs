//! The Responder's session state machine (RFC 5024 §9: §9.8 session
//! connection, §9.9 errors, §9.10–§9.11 Speaker, §9.12 Listener), sans IO.
//!
//! The server accepts the TCP connection, so it is the Responder: it sends
//! SSRM, receives the Initiator's SSID, answers with its own, and listens
//! first (the Initiator is the first Speaker, §3.3.4.1). After the peer's CD
//! it speaks. Bytes go in through [`Session::on_bytes`] (or decoded commands
//! through [`Session::on_command`]); the application's requests and answers
//! are methods; everything comes out as [`Action`]s: octets to send, events,
//! timer requests, and disconnect. No socket, file or clock is touched: the
//! inactivity timer is [`Action::StartTimer`] and [`Session::on_timeout`].
//!
//! Errors follow §9.9 and the table: an unknown command is ESID 01, a
//! command the state does not expect 02, a bad field 06, a size error 07; the
//! session then waits for the disconnect and ignores further input (§9.9 H).
//! Where the RFC tables only disconnect (SSIDSR incompatible, §9.8 E; a time
//! out, §9.9 B) this session sends ESID 10 / 09 first, so the peer knows why.
//! The `…STWFCD` states (requests stored while waiting for CD) are not
//! modelled: such a request is a user error here, reported, never sent.

mod requests;
#[cfg(test)]
mod tests;
mod types;

pub use types::{Action, AuthPolicy, Config, ConnectResponse, Event, Negotiated, SessionError};

use super::command::{Command, Esid, SendReceive, Sfid, Sfpa, Ssid, Ssrm};
use super::error::{CodecError, OFTP_ERR_PROTOCOL, OFTP_ERR_UNKNOWN_PASSWORD, OFTP_ERR_UNKNOWN_SSID};
use super::field::MAX_TEXT;
use super::reason::EsidReason;
use super::record::{RecordEvent, RecordReader};
use super::sth::{self, Framing, MAX_EXCHANGE_BUFFER, STH_LEN};
use super::Level;

/// The session's state, named after RFC 5024 §9.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// A_NC_ONLY: SSRM sent, waiting for the Initiator's SSID.
    WaitSsid,
    /// A_WF_CONRS: SSID received, waiting for [`Session::accept_connection`].
    WaitConnectResponse,
    /// WF_SECD / WF_AUCH / WF_AURP: secure authentication, driven by the
    /// security layer.
    Authenticating,
    /// IDLELI: Listener, idle.
    ListenerIdle,
    /// IDLELICD: Listener after our CD (a CD back is a protocol error).
    ListenerIdleAfterCd,
    /// OPIP: SFID received, waiting for [`Session::accept_file`] or
    /// [`Session::refuse_file`].
    OpenInputPending,
    /// OPI: receiving DATA.
    OpenInput,
    /// CLIP: EFID received, waiting for [`Session::close_file_response`].
    CloseInputPending,
    /// RTRP: EERP/NERP received, waiting for [`Session::ready_to_receive`].
    RtrPending,
    /// WF_CD: EFPA with CD requested sent, waiting for the peer's CD.
    WaitCd,
    /// IDLESP: Speaker, idle.
    SpeakerIdle,
    /// IDLESPCD: Speaker just after the peer's CD (may end the session).
    SpeakerIdleAfterCd,
    /// OPOP: SFID sent, waiting for SFPA/SFNA.
    OpenOutPending,
    /// OPO: sending DATA.
    OpenOut,
    /// OPOWFC: credit used up, waiting for CDT.
    OpenOutWaitCredit,
    /// CLOP: EFID sent, waiting for EFPA/EFNA.
    CloseOutPending,
    /// WF_RTR: EERP/NERP sent, waiting for RTR.
    WaitRtr,
    /// WF_NDISC: ESID sent or received, waiting for the disconnect.
    WaitDisconnect,
}

impl State {
    /// The RFC's name of the state.
    pub fn rfc_name(self) -> &'static str {
        match self {
            State::WaitSsid => "A_NC_ONLY",
            State::WaitConnectResponse => "A_WF_CONRS",
            State::Authenticating => "WF_SECD",
            State::ListenerIdle => "IDLELI",
            State::ListenerIdleAfterCd => "IDLELICD",
            State::OpenInputPending => "OPIP",
            State::OpenInput => "OPI",
            State::CloseInputPending => "CLIP",
            State::RtrPending => "RTRP",
            State::WaitCd => "WF_CD",
            State::SpeakerIdle => "IDLESP",
            State::SpeakerIdleAfterCd => "IDLESPCD",
            State::OpenOutPending => "OPOP",
            State::OpenOut => "OPO",
            State::OpenOutWaitCredit => "OPOWFC",
            State::CloseOutPending => "CLOP",
            State::WaitRtr => "WF_RTR",
            State::WaitDisconnect => "WF_NDISC",
        }
    }
}

/// One Responder session.
#[derive(Debug)]
pub struct Session {
    config: Config,
    state: State,
    /// The level commands are decoded and encoded at: the configured one
    /// until the SSIDs agree, then the negotiated one.
    level: Level,
    negotiated: Option<Negotiated>,
    peer_ssid: Option<Ssid>,
    /// Credit_L: DATA buffers the peer may still send (§9.6).
    credit_listener: u16,
    /// Credit_S: DATA buffers we may still send.
    credit_speaker: u16,
    /// V.Restart-pos of the file being opened.
    restart_position: u64,
    reader: Option<RecordReader>,
    out: Vec<Action>,
}

type Outcome = Result<Vec<Action>, SessionError>;

impl Session {
    /// A session on a freshly accepted connection: sends SSRM (§9.8 B).
    pub fn new(config: Config) -> (Session, Vec<Action>) {
        let level = config.level;
        let mut s = Session {
            config,
            state: State::WaitSsid,
            level,
            negotiated: None,
            peer_ssid: None,
            credit_listener: 0,
            credit_speaker: 0,
            restart_position: 0,
            reader: None,
            out: Vec::new(),
        };
        s.send_infallible(&Command::Ssrm(Ssrm));
        let actions = s.take();
        (s, actions)
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// What the SSIDs agreed, once they have.
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// The Initiator's SSID, once received.
    pub fn peer_ssid(&self) -> Option<&Ssid> {
        self.peer_ssid.as_ref()
    }

    /// Whether [`send_data`](Self::send_data) may be called (OPO with credit).
    pub fn can_send_data(&self) -> bool {
        self.state == State::OpenOut
    }

    fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    fn event(&mut self, e: Event) {
        self.out.push(Action::Event(e));
    }

    fn window(&self) -> u16 {
        self.negotiated.map_or(1, |n| n.credit.get())
    }

    /// The largest Exchange Buffer an STH may announce now (see
    /// [`on_exchange_buffer`](Self::on_exchange_buffer)).
    pub fn max_exchange_buffer(&self) -> usize {
        self.frame_limit()
    }

    /// The largest DATA buffer now, command octet included (the negotiated
    /// SSIDSDEB; 99999 before the SSIDs agree).
    pub fn max_data_buffer(&self) -> usize {
        self.data_limit()
    }

    /// The largest DATA buffer now (negotiated SSIDSDEB).
    fn data_limit(&self) -> usize {
        self.negotiated.map_or(MAX_EXCHANGE_BUFFER, |n| n.buffer_size.get() as usize)
    }

    /// The largest Exchange Buffer an STH may announce now. Every 1.x command
    /// fits the 128-octet minimum, so below 2.0 it is the negotiated size; 2.0
    /// commands carry up to 999-octet texts and 65535-octet signatures that a
    /// small SSIDSDEB cannot hold (SSIDSDEB is the *Data* Exchange Buffer
    /// size, §5.3.2), so at 2.0 only DATA is held to it, judged from its first
    /// octet in [`on_bytes`](Self::on_bytes).
    fn frame_limit(&self) -> usize {
        match self.negotiated {
            Some(n) if !n.level.is_v2() => n.buffer_size.get() as usize,
            _ => MAX_EXCHANGE_BUFFER,
        }
    }

    fn send(&mut self, cmd: &Command) -> Result<(), CodecError> {
        let mut stb = vec![0; STH_LEN];
        cmd.encode(self.level, &mut stb)?;
        let header = sth::encode_header(stb.len() - STH_LEN)?;
        stb[..STH_LEN].copy_from_slice(&header);
        self.push_stb(stb);
        Ok(())
    }

    /// Queues one complete Stream Transmission Buffer and restarts the timer.
    fn push_stb(&mut self, stb: Vec<u8>) {
        self.out.push(Action::Send(stb));
        self.out.push(Action::StartTimer);
    }

    /// Sends a command whose fields are all the session's own (SSRM, CD, RTR,
    /// CDT, ESID with a capped text): encoding cannot fail.
    fn send_infallible(&mut self, cmd: &Command) {
        if let Err(e) = self.send(cmd) {
            debug_assert!(false, "{e}");
        }
    }

    /// Ends the session with our ESID (§9.9 I, §9.10 Q).
    fn end_with(&mut self, reason: EsidReason, text: impl Into<String>, error_code: i32) {
        let mut text = text.into();
        if text.len() > MAX_TEXT {
            let mut cut = MAX_TEXT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        self.send_infallible(&Command::Esid(Esid { reason, text: text.clone() }));
        self.event(Event::Ended { reason, text, by_peer: false, error_code });
        self.out.push(Action::Disconnect);
        self.state = State::WaitDisconnect;
    }

    fn protocol_violation(&mut self, what: &str) {
        let text = format!("{what} is not valid in state {}", self.state.rfc_name());
        self.end_with(EsidReason::ProtocolViolation, text, OFTP_ERR_PROTOCOL);
    }

    /// Ends the session for a bad buffer with the ESID reason and error code
    /// the codec error earns.
    fn end_with_codec_error(&mut self, e: CodecError) {
        self.end_with(e.esid_reason(), e.to_string(), e.error_code());
    }

    /// Feeds received octets. Returns how many were used (the rest is an
    /// incomplete Stream Transmission Buffer: keep it and call again with more)
    /// and the actions. Each complete buffer is decoded at the session's level
    /// and handled as [`on_command`](Self::on_command); a framing or decoding
    /// error ends the session with the ESID reason it earns. After the session
    /// ended, input is consumed and ignored (§9.9 H).
    pub fn on_bytes(&mut self, input: &[u8]) -> (usize, Vec<Action>) {
        let mut used = 0;
        while self.state != State::WaitDisconnect {
            let rest = &input[used..];
            let total = match self.frame(rest) {
                Ok(Some(total)) => total,
                Ok(None) => break,
                Err(actions) => {
                    self.out.extend(actions);
                    break;
                }
            };
            used += total;
            let actions = self.on_exchange_buffer(&rest[STH_LEN..total]);
            self.out.extend(actions);
        }
        if self.state == State::WaitDisconnect {
            used = input.len();
        }
        (used, self.take())
    }

    /// Frames the Stream Transmission Buffer at the start of `input`, for a
    /// transport that hands each Exchange Buffer to
    /// [`on_exchange_buffer`](Self::on_exchange_buffer) itself (to trace
    /// each command): `Ok(Some(total))` when the first `total` octets are a
    /// whole buffer, `Ok(None)` when more are needed, `Err(actions)` when the
    /// header is bad — judged from the header alone, a DATA buffer against
    /// the negotiated size from its first octet, so no more than one buffer
    /// is ever held — and the session ended with the ESID it earns.
    pub fn frame(&mut self, input: &[u8]) -> Result<Option<usize>, Vec<Action>> {
        if self.state == State::WaitDisconnect {
            return Ok(None);
        }
        let oeb_len = match sth::parse_header(input, self.frame_limit()) {
            Ok(Framing::NeedHeader { .. }) => return Ok(None),
            Ok(Framing::Header { oeb_len }) => oeb_len,
            Err(e) => {
                self.end_with_codec_error(e);
                return Err(self.take());
            }
        };
        if input.get(STH_LEN) == Some(&b'D') && oeb_len > self.data_limit() {
            self.end_with_codec_error(CodecError::SthLength {
                length: oeb_len + STH_LEN,
                max_buffer: self.data_limit(),
            });
            return Err(self.take());
        }
        Ok((input.len() >= STH_LEN + oeb_len).then_some(STH_LEN + oeb_len))
    }

    /// Replaces what this location offers, before the SSIDs agree (an
    /// application that chooses per connection in F_CONNECT_IND: SSIDSR,
    /// buffer size, credit, compression, restart).
    pub fn set_config(&mut self, config: Config) -> Result<(), SessionError> {
        self.expect("set_config", &[State::WaitSsid, State::WaitConnectResponse])?;
        self.config = config;
        Ok(())
    }

    /// What this location offers.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Handles one Exchange Buffer whose STH the caller removed (for a
    /// transport that frames itself, e.g. to trace each command: frame with
    /// [`sth::next_exchange_buffer`] and [`max_exchange_buffer`]). Decodes it
    /// at the session's level, holds DATA to [`max_data_buffer`], and ends
    /// the session with the ESID reason a bad buffer earns.
    ///
    /// [`max_exchange_buffer`]: Self::max_exchange_buffer
    /// [`max_data_buffer`]: Self::max_data_buffer
    pub fn on_exchange_buffer(&mut self, oeb: &[u8]) -> Vec<Action> {
        if self.state == State::WaitDisconnect {
            return Vec::new();
        }
        if oeb.first() == Some(&b'D') && oeb.len() > self.data_limit() {
            self.end_with_codec_error(CodecError::SthLength {
                length: oeb.len() + STH_LEN,
                max_buffer: self.data_limit(),
            });
            return self.take();
        }
        if self.state == State::WaitSsid {
            // Until the SSIDs agree, answer in the layouts of the level the
            // Initiator's SSID asks for, even if that SSID is malformed: a
            // 1.x peer must get a 4-octet ESID it can read.
            if let [b'X', lev, ..] = oeb {
                if let Some(l) = lev.is_ascii_digit().then(|| Level::from_ssidlev(lev - b'0')).flatten() {
                    self.level = l.min(self.config.level);
                }
            }
        }
        match Command::decode(oeb, self.level) {
            Ok(cmd) => {
                let actions = self.on_command(cmd);
                self.out.extend(actions);
            }
            Err(e) => self.end_with_codec_error(e),
        }
        self.take()
    }

    /// As [`on_exchange_buffer`](Self::on_exchange_buffer), but a DATA buffer
    /// of the open file is checked and its records handed to `sink` in the
    /// same pass, without a copy; [`Event::DataChecked`] then says it was
    /// good (the pieces `sink` got before a bad subrecord are not, and the
    /// session has ended). Other buffers go the usual way.
    pub fn on_exchange_buffer_with<'a>(&mut self, oeb: &'a [u8], sink: impl FnMut(RecordEvent<'a>)) -> Vec<Action> {
        match oeb.split_first() {
            Some((b'D', buf)) if self.state == State::OpenInput && oeb.len() <= self.data_limit() => {
                self.out.push(Action::StartTimer);
                if self.check_data(buf, sink) {
                    self.event(Event::DataChecked { len: buf.len() });
                    self.after_data();
                }
                self.take()
            }
            _ => self.on_exchange_buffer(oeb),
        }
    }

    /// Handles one command from the peer (RFC 5024 §9.8–§9.12).
    pub fn on_command(&mut self, cmd: Command) -> Vec<Action> {
        if self.state == State::WaitDisconnect {
            return Vec::new();
        }
        self.out.push(Action::StartTimer);
        if let Command::Esid(esid) = cmd {
            // ESID from the peer ends the session in every state (§9.8 F,
            // §9.12 D/F); the peer closes or we do.
            let error_code = match esid.reason {
                EsidReason::NormalTermination => 0,
                EsidReason::UserCodeNotKnown => OFTP_ERR_UNKNOWN_SSID,
                EsidReason::InvalidPassword => OFTP_ERR_UNKNOWN_PASSWORD,
                _ => OFTP_ERR_PROTOCOL,
            };
            self.event(Event::Ended { reason: esid.reason, text: esid.text, by_peer: true, error_code });
            self.out.push(Action::StopTimer);
            self.out.push(Action::Disconnect);
            self.state = State::WaitDisconnect;
            return self.take();
        }
        let name = cmd.name();
        match (self.state, cmd) {
            (State::WaitSsid, Command::Ssid(ssid)) => self.on_ssid(ssid),
            (State::Authenticating, c @ (Command::Secd | Command::Auch(_) | Command::Aurp(_))) => {
                self.event(Event::Security(c));
            }
            (State::ListenerIdle | State::ListenerIdleAfterCd, Command::Sfid(sfid)) => self.on_sfid(sfid),
            (State::ListenerIdle, Command::Cd) => {
                self.state = State::SpeakerIdleAfterCd;
                self.event(Event::ReadyToSend);
            }
            (State::ListenerIdle | State::ListenerIdleAfterCd, Command::Eerp(e)) => {
                self.state = State::RtrPending;
                self.event(Event::EndResponse(e));
            }
            (State::ListenerIdle | State::ListenerIdleAfterCd, Command::Nerp(n)) => {
                self.state = State::RtrPending;
                self.event(Event::NegativeEndResponse(n));
            }
            (State::OpenInput, Command::Data(buf)) => self.on_data(buf),
            (State::OpenInput, Command::Efid(efid)) => {
                let check = self.reader.take().map_or(Ok(()), |r| r.check_end(&efid));
                self.state = State::CloseInputPending;
                self.event(Event::EndFile { efid, check });
            }
            (State::WaitCd, Command::Cd) => {
                self.state = State::SpeakerIdle;
                self.event(Event::ReadyToSend);
            }
            (State::OpenOutPending, Command::Sfpa(Sfpa { answer_count })) => {
                if answer_count > self.restart_position {
                    // §9.10 K P2: the answer may not exceed the request.
                    let text = "SFPAACNT above the SFID restart position";
                    self.end_with(EsidReason::ProtocolViolation, text, OFTP_ERR_PROTOCOL);
                } else {
                    self.credit_speaker = self.window();
                    self.state = State::OpenOut;
                    self.event(Event::FileAccepted { restart: answer_count });
                }
            }
            (State::OpenOutPending, Command::Sfna(sfna)) => {
                self.state = State::SpeakerIdle;
                self.event(Event::FileRefused(sfna));
            }
            (State::OpenOutWaitCredit, Command::Cdt) => {
                self.credit_speaker = self.window();
                self.state = State::OpenOut;
                self.event(Event::Credit);
            }
            (State::CloseOutPending, Command::Efpa(efpa)) => {
                if efpa.change_direction {
                    // §9.11 C P1: the Listener asked for the turn.
                    self.send_infallible(&Command::Cd);
                    self.state = State::ListenerIdle;
                } else {
                    self.state = State::SpeakerIdle;
                }
                self.event(Event::FileDelivered(efpa));
            }
            (State::CloseOutPending, Command::Efna(efna)) => {
                self.state = State::SpeakerIdle;
                self.event(Event::FileFailed(efna));
            }
            (State::WaitRtr, Command::Rtr) => {
                self.state = State::SpeakerIdle;
                self.event(Event::ReadyToReceive);
            }
            _ => self.protocol_violation(name),
        }
        self.take()
    }

    fn on_ssid(&mut self, ssid: Ssid) {
        if let Some(l) = ssid.level() {
            self.level = l.min(self.config.level);
        }
        if !self.config.send_receive.compatible(ssid.send_receive) {
            self.peer_ssid = Some(ssid);
            let text = "both locations send only or receive only";
            self.end_with(EsidReason::ModeOrCapabilitiesIncompatible, text, OFTP_ERR_PROTOCOL);
            return;
        }
        self.state = State::WaitConnectResponse;
        self.peer_ssid = Some(ssid.clone());
        self.event(Event::ConnectRequest(ssid));
    }

    fn on_sfid(&mut self, sfid: Sfid) {
        let restart = self.negotiated.is_some_and(|n| n.restart);
        if (sfid.restart_position > 0 && !restart) || self.config.send_receive == SendReceive::Send {
            // §9.12 P1: restart not agreed, or we cannot receive.
            self.protocol_violation("SFID");
            return;
        }
        let compression = self.negotiated.is_some_and(|n| n.compression);
        self.reader = Some(RecordReader::new(sfid.transmitted_format(), sfid.max_record_size, compression));
        self.restart_position = sfid.restart_position;
        self.state = State::OpenInputPending;
        self.event(Event::StartFile(sfid));
    }

    fn on_data(&mut self, buf: Vec<u8>) {
        if self.check_data(&buf, |_| {}) {
            self.event(Event::Data(buf));
            self.after_data();
        }
    }

    /// A DATA buffer of the open file, checked within the credit and by the
    /// record reader; its pieces go to `sink` as they are checked. False
    /// when it ended the session.
    fn check_data<'a>(&mut self, buf: &'a [u8], sink: impl FnMut(RecordEvent<'a>)) -> bool {
        if self.credit_listener == 0 {
            // §9.12 P6: the Speaker exceeded its credit.
            self.end_with(EsidReason::ProtocolViolation, "DATA beyond the credit window", OFTP_ERR_PROTOCOL);
            return false;
        }
        if let Some(reader) = self.reader.as_mut() {
            if let Err(e) = reader.feed(buf, sink) {
                self.end_with_codec_error(e);
                return false;
            }
        }
        true
    }

    /// After a good DATA buffer: the credit, and CDT when it is used up.
    fn after_data(&mut self) {
        self.credit_listener -= 1;
        if self.credit_listener == 0 {
            // §9.12 I P7 and Note 1: new credit once the Speaker has none.
            if self.config.auto_credit {
                self.send_infallible(&Command::Cdt);
                self.credit_listener = self.window();
            } else {
                self.event(Event::CreditExhausted);
            }
        }
    }
}
