//! The application's requests and answers to the session (RFC 5024 §9.4's
//! User Monitor input events F_…_RQ and F_…_RS), each valid in the states
//! the §9.8–§9.12 tables allow; elsewhere a [`SessionError::WrongState`] (a
//! "User Error", §9.2: nothing is sent).

use super::{Action, ConnectResponse, Event, Negotiated, SessionError};
use super::{Outcome, Session, State};
use crate::oftp::command::{Command, Eerp, Efid, Efna, Efpa, Nerp, SendReceive, Sfid, Sfna, Sfpa, Ssid};
use crate::oftp::error::{OFTP_ERR_PROTOCOL, OFTP_ERR_TIMED_OUT};
use crate::oftp::reason::EsidReason;
use crate::oftp::sth;
use crate::oftp::Level;

impl Session {
    pub(super) fn expect(&self, request: &'static str, states: &[State]) -> Result<(), SessionError> {
        if states.contains(&self.state) {
            Ok(())
        } else {
            Err(SessionError::WrongState { request, state: self.state.rfc_name() })
        }
    }

    /// F_CONNECT_RS: accepts or refuses the Initiator's SSID. Accepting
    /// negotiates (§9.8 G, §5.3.2): the lower level, the smaller buffer and
    /// credit, compression and restart when both say 'Y', no special logic
    /// (TCP), and secure authentication only if both ask for it (at 2.0;
    /// otherwise ESID 12). Sends our SSID and listens.
    pub fn accept_connection(&mut self, response: ConnectResponse) -> Outcome {
        self.expect("accept_connection", &[State::WaitConnectResponse])?;
        let peer = self.peer_ssid.clone().ok_or(SessionError::Invalid("no SSID received".into()))?;
        if let Err(reason) = response.accept {
            self.end_with(reason, reason.text(), 0);
            return Ok(self.take());
        }
        let peer_level = peer.level().unwrap_or(Level::V12);
        let level = peer_level.min(self.config.level).min(response.level.unwrap_or(Level::V20));
        let Some(auth) = self.config.secure_authentication.agree(level.is_v2(), peer.secure_authentication) else {
            // ESID 12 is 2.0's; below it, "capabilities incompatible".
            self.end_with(
                if level.is_v2() {
                    EsidReason::SecureAuthenticationRequirementsIncompatible
                } else {
                    EsidReason::ModeOrCapabilitiesIncompatible
                },
                "secure authentication requirements differ (SecureAuthentication)",
                OFTP_ERR_PROTOCOL,
            );
            return Ok(self.take());
        };
        let n = Negotiated {
            level,
            buffer_size: self.config.buffer_size.negotiate(peer.buffer_size),
            credit: self.config.credit.negotiate(peer.credit),
            compression: self.config.compression && peer.compression,
            restart: self.config.restart && peer.restart,
            secure_authentication: auth,
            peer_send_receive: peer.send_receive,
        };
        let answer = Ssid {
            release_level: level.ssidlev(),
            code: response.ssid_code.unwrap_or_else(|| self.config.ssid_code.clone()),
            password: response.password.unwrap_or_else(|| self.config.password.clone()),
            buffer_size: n.buffer_size,
            send_receive: self.config.send_receive,
            compression: n.compression,
            restart: n.restart,
            special_logic: false,
            credit: n.credit,
            secure_authentication: auth,
            user_data: self.config.user_data.clone(),
        };
        let saved = self.level;
        self.level = level;
        if let Err(e) = self.send(&Command::Ssid(answer)) {
            self.level = saved;
            return Err(e.into());
        }
        self.negotiated = Some(n);
        if auth {
            self.state = State::Authenticating;
            self.event(Event::AuthenticationStarted);
        } else {
            self.state = State::ListenerIdle;
            self.event(Event::Connected(n));
        }
        Ok(self.take())
    }

    /// Sends a secure-authentication command (SECD, AUCH, AURP) for the
    /// security layer while [`State::Authenticating`].
    pub fn send_security(&mut self, cmd: Command) -> Outcome {
        self.expect("send_security", &[State::Authenticating])?;
        if !matches!(cmd, Command::Secd | Command::Auch(_) | Command::Aurp(_)) {
            return Err(SessionError::Invalid(format!("{} is no authentication command", cmd.name())));
        }
        self.send(&cmd)?;
        Ok(self.take())
    }

    /// Ends secure authentication: `Ok` listens (§9.8 I); a failure ends the
    /// session with its ESID (11 "Invalid challenge response", §9.8 K, or
    /// 12) and reports its error code and text.
    pub fn finish_authentication(&mut self, outcome: Result<(), &crate::oftp::auth::AuthFailure>) -> Outcome {
        self.expect("finish_authentication", &[State::Authenticating])?;
        match (outcome, self.negotiated) {
            (Ok(()), Some(n)) => {
                self.state = State::ListenerIdle;
                self.event(Event::Connected(n));
            }
            (Err(f), _) => self.end_with(f.esid, &f.text, f.code),
            (Ok(()), None) => {
                self.end_with(EsidReason::ProtocolViolation, "authentication without a session", OFTP_ERR_PROTOCOL)
            }
        }
        Ok(self.take())
    }

    /// F_START_FILE_RS(+): SFPA with `restart` (≤ SFIDREST; 0 without
    /// restart). `kept_units` is how many octets of the file are already kept
    /// (for U/T `restart` × 1024), so the EFID totals can be checked.
    pub fn accept_file(&mut self, restart: u64, kept_units: u64) -> Outcome {
        self.expect("accept_file", &[State::OpenInputPending])?;
        if restart > self.restart_position {
            return Err(SessionError::Invalid(format!("restart {restart} above SFIDREST {}", self.restart_position)));
        }
        self.send(&Command::Sfpa(Sfpa { answer_count: restart }))?;
        if let Some(r) = self.reader.take() {
            // The restart count is in records for F and V files (§1.5.4).
            let kept_records = if r.counts_records() { restart } else { 0 };
            self.reader = Some(r.resume(kept_records, kept_units));
        }
        self.credit_listener = self.window();
        self.state = State::OpenInput;
        Ok(self.take())
    }

    /// Sends CDT once the peer's credit is used up (with
    /// [`super::Config::auto_credit`] off); a no-op while it still has credit.
    pub fn grant_credit(&mut self) -> Outcome {
        self.expect("grant_credit", &[State::OpenInput])?;
        if self.credit_listener == 0 {
            self.send(&Command::Cdt)?;
            self.credit_listener = self.window();
        }
        Ok(self.take())
    }

    /// F_START_FILE_RS(-): SFNA.
    pub fn refuse_file(&mut self, sfna: Sfna) -> Outcome {
        self.expect("refuse_file", &[State::OpenInputPending])?;
        self.send(&Command::Sfna(sfna))?;
        self.reader = None;
        self.state = State::ListenerIdle;
        Ok(self.take())
    }

    /// F_CLOSE_FILE_RS: `Ok(change_direction)` sends EFPA (asking for the
    /// turn with `true`, then waiting for CD), `Err` sends EFNA.
    pub fn close_file_response(&mut self, response: Result<bool, Efna>) -> Outcome {
        self.expect("close_file_response", &[State::CloseInputPending])?;
        match response {
            Ok(change_direction) => {
                self.send(&Command::Efpa(Efpa { change_direction }))?;
                self.state = if change_direction { State::WaitCd } else { State::ListenerIdle };
            }
            Err(efna) => {
                self.send(&Command::Efna(efna))?;
                self.state = State::ListenerIdle;
            }
        }
        Ok(self.take())
    }

    /// F_RTR_RS: RTR for the EERP/NERP received.
    pub fn ready_to_receive(&mut self) -> Outcome {
        self.expect("ready_to_receive", &[State::RtrPending])?;
        self.send(&Command::Rtr)?;
        self.state = State::ListenerIdle;
        Ok(self.take())
    }

    /// F_START_FILE_RQ: SFID (§9.10 B).
    pub fn start_file(&mut self, sfid: Sfid) -> Outcome {
        self.expect("start_file", &[State::SpeakerIdle, State::SpeakerIdleAfterCd])?;
        let restart = self.negotiated.is_some_and(|n| n.restart);
        if sfid.restart_position > 0 && !restart {
            return Err(SessionError::Invalid("restart was not agreed".into()));
        }
        if self.config.send_receive == SendReceive::Receive {
            return Err(SessionError::Invalid("this location only receives".into()));
        }
        self.send(&Command::Sfid(sfid.clone()))?;
        self.restart_position = sfid.restart_position;
        self.state = State::OpenOutPending;
        Ok(self.take())
    }

    /// F_DATA_RQ: one DATA buffer (`'D'` + subrecords, as
    /// [`crate::oftp::subrecord::BufferFiller::finish`] makes it, at most the
    /// negotiated size). When the credit is used up the session waits for CDT
    /// ([`Event::Credit`]).
    pub fn send_data(&mut self, buffer: Vec<u8>) -> Outcome {
        self.expect("send_data", &[State::OpenOut])?;
        if buffer.first() != Some(&b'D') || buffer.len() > self.data_limit() {
            return Err(SessionError::Invalid(format!(
                "a DATA buffer of at most {} octets starting with 'D'",
                self.data_limit()
            )));
        }
        // The buffer is already the Exchange Buffer: frame it with one copy
        // rather than through Command::Data.
        let mut stb = Vec::with_capacity(sth::STH_LEN + buffer.len());
        stb.extend_from_slice(&sth::encode_header(buffer.len())?);
        stb.extend_from_slice(&buffer);
        self.push_stb(stb);
        self.credit_speaker = self.credit_speaker.saturating_sub(1);
        if self.credit_speaker == 0 {
            self.state = State::OpenOutWaitCredit;
        }
        Ok(self.take())
    }

    /// F_CLOSE_FILE_RQ: EFID (only in OPO, §9.11 Note 1).
    pub fn close_file(&mut self, efid: Efid) -> Outcome {
        self.expect("close_file", &[State::OpenOut])?;
        self.send(&Command::Efid(efid))?;
        self.credit_speaker = 0;
        self.state = State::CloseOutPending;
        Ok(self.take())
    }

    /// F_EERP_RQ: EERP, then wait for RTR.
    pub fn send_end_response(&mut self, eerp: Eerp) -> Outcome {
        self.expect("send_end_response", &[State::SpeakerIdle, State::SpeakerIdleAfterCd])?;
        self.send(&Command::Eerp(eerp))?;
        self.state = State::WaitRtr;
        Ok(self.take())
    }

    /// F_NERP_RQ: NERP (1.4 and 2.0), then wait for RTR.
    pub fn send_negative_end_response(&mut self, nerp: Nerp) -> Outcome {
        self.expect("send_negative_end_response", &[State::SpeakerIdle, State::SpeakerIdleAfterCd])?;
        self.send(&Command::Nerp(nerp))?;
        self.state = State::WaitRtr;
        Ok(self.take())
    }

    /// F_CD_RQ: CD, the peer speaks (§9.10 D). Not right after the peer's CD
    /// (IDLESPCD), which would loop CDs (§3.3.4.2); end the session instead.
    pub fn change_direction(&mut self) -> Outcome {
        self.expect("change_direction", &[State::SpeakerIdle])?;
        self.send(&Command::Cd)?;
        self.state = State::ListenerIdleAfterCd;
        Ok(self.take())
    }

    /// F_RELEASE_RQ(Ok): ESID 00, only right after the peer's CD (§9.10 E).
    pub fn end_session(&mut self) -> Outcome {
        self.expect("end_session", &[State::SpeakerIdleAfterCd])?;
        self.end_with(EsidReason::NormalTermination, "", 0);
        Ok(self.take())
    }

    /// F_RELEASE_RQ(Err) / F_ABORT_RQ: ESID `reason` in any state (§9.10 Q).
    pub fn abort(&mut self, reason: EsidReason, text: &str) -> Vec<Action> {
        if self.state != State::WaitDisconnect {
            self.end_with(reason, text, 0);
        }
        self.take()
    }

    /// The inactivity timer ran out: in WF_NDISC disconnect (§9.9 A), else end
    /// with ESID 09 "Time out" and disconnect (§9.9 B disconnects only).
    pub fn on_timeout(&mut self) -> Vec<Action> {
        if self.state == State::WaitDisconnect {
            self.out.push(Action::Disconnect);
        } else {
            self.end_with(EsidReason::TimeOut, "no response within the timeout", OFTP_ERR_TIMED_OUT);
        }
        self.take()
    }
}
