//! The server's turn (RFC 5024 §9.10, the Speaker): after the client's CD
//! the EERPs and NERPs it is owed go first, each answered by RTR; then
//! ReadyToSend tells the application it may send files or end the session.
//! Logoff hands the turn back (CD) or, right after the client's CD, ends the
//! session (ESID 00); ChangeDirection sends CD. ConnTimeout after
//! ReadyToSend without a request from the application is a Logoff.

use super::{OftpConn, OftpProtocol, OftpTimer};
use crate::core::error::{Error, Result};
use crate::oftp::command::{Eerp, Nerp};
use crate::oftp::event::OftpEvent;
use crate::oftp::names::format_stamp;
use crate::oftp::session::{SessionError, State};
use crate::stream::Ctx;

/// An end-to-end response the server owes the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receipt {
    Eerp(Eerp),
    Nerp(Nerp),
}

/// A request the session's state does not allow, as the error a method
/// returns (671 with the session's reason).
pub fn session_error(e: SessionError) -> Error {
    match e {
        SessionError::Codec(c) => Error::new(super::super::error::OFTP_ERR_BUILD, c.to_string()),
        e => Error::new(super::super::error::OFTP_ERR_PROTOCOL, e.to_string()),
    }
}

impl OftpProtocol {
    /// The server may speak (the client's CD, or RTR for a receipt): the
    /// next receipt, else ReadyToSend.
    pub(super) fn speak(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) {
        let id = cx.id();
        if let Some(receipt) = c.receipts.pop_front() {
            let r = match &receipt {
                Receipt::Eerp(e) => c.session.send_end_response(e.clone()),
                Receipt::Nerp(n) => c.session.send_negative_end_response(n.clone()),
            };
            if self.fire_end_response_on_send && r.is_ok() {
                c.queued.push_back(self.end_response_event(id, &receipt, 1));
            }
            return self.run_outcome(cx, c, r);
        }
        if std::mem::take(&mut c.cd_after_rtr) && c.session.state() == State::SpeakerIdle {
            // CDAfterSendEndResponse: the turn goes back to the client.
            let r = c.session.change_direction();
            return self.run_outcome(cx, c, r);
        }
        c.speaker_ready = true;
        // The session waits for nothing from the client now: its response
        // timer gives way to the wait for the application.
        self.arm_speaker_idle(cx, c);
        c.queued.push_back(OftpEvent::ReadyToSend { connection_id: id });
    }

    /// An EndResponse event for a receipt (0 received, 1 sent).
    pub(super) fn end_response_event(&self, id: i32, r: &Receipt, direction: i32) -> OftpEvent {
        let fmt = &self.virtual_file_date_format;
        match r {
            Receipt::Eerp(e) => OftpEvent::EndResponse {
                connection_id: id,
                virtual_file_name: e.dataset_name.clone(),
                virtual_file_date: format_stamp(&e.stamp, fmt),
                destination: e.destination.clone(),
                originator: e.originator.clone(),
                creator: String::new(),
                reason_code: 0,
                reason_text: String::new(),
                file_hash: e.hash.clone(),
                signature: e.signature.clone(),
                direction,
            },
            Receipt::Nerp(n) => OftpEvent::EndResponse {
                connection_id: id,
                virtual_file_name: n.dataset_name.clone(),
                virtual_file_date: format_stamp(&n.stamp, fmt),
                destination: n.destination.clone(),
                originator: n.originator.clone(),
                creator: n.creator.clone(),
                reason_code: i32::from(n.reason.code()),
                reason_text: if n.text.is_empty() { n.reason.text().to_string() } else { n.text.clone() },
                file_hash: n.hash.clone(),
                signature: n.signature.clone(),
                direction,
            },
        }
    }

    /// EERP/NERP from the client: EndResponse (RTR goes out after it).
    ///
    /// A receipt for a file sent asking for a signed one, or any signed
    /// receipt, is checked first (security.rs): its signature (683), and its
    /// hash against the file as sent (682); a failure fires Error before
    /// EndResponse. The application may write the expected hash into
    /// FileHash (an asynchronous receipt, its send forgotten): checked
    /// after the callback.
    pub(super) fn on_end_response(&mut self, c: &mut OftpConn, id: i32, r: std::result::Result<Eerp, Nerp>) {
        let receipt = match r {
            Ok(e) => Receipt::Eerp(e),
            Err(n) => Receipt::Nerp(n),
        };
        let (name, stamp, hash, signature) = match &receipt {
            Receipt::Eerp(e) => (&e.dataset_name, &e.stamp, &e.hash, &e.signature),
            Receipt::Nerp(n) => (&n.dataset_name, &n.stamp, &n.hash, &n.signature),
        };
        let expected = c.sent_receipt_hashes.remove(&super::security::receipt_key(name, stamp));
        c.pending_receipt_hash = None;
        if expected.is_some() || !signature.is_empty() {
            c.pending_receipt_hash = Some(hash.clone());
            if let Err(e) = self.check_receipt(c, &receipt, expected.as_deref()) {
                c.queued.push_back(OftpEvent::Error { connection_id: id, error_code: e.code, description: e.text });
            }
        }
        c.queued.push_back(self.end_response_event(id, &receipt, 0));
    }

    /// After EndResponse: a FileHash the application wrote must be the
    /// signed receipt's (682 otherwise).
    pub(super) fn end_response_done(&mut self, c: &mut OftpConn, id: i32, file_hash: &[u8]) {
        if let Some(hash) = c.pending_receipt_hash.take() {
            if !file_hash.is_empty() && file_hash != hash.as_slice() {
                c.queued.push_back(OftpEvent::Error {
                    connection_id: id,
                    error_code: crate::oftp::error::OFTP_ERR_HASH,
                    description: "Invalid hash value: the receipt acknowledges another file than FileHash says".into(),
                });
            }
        }
    }

    /// `Logoff`: right after the client's CD, ESID 00 (the client is done);
    /// as the Speaker after sending, CD (the client may send more).
    pub fn logoff(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Result<()> {
        c.speaker_ready = false;
        let r = match c.session.state() {
            State::SpeakerIdleAfterCd => c.session.end_session(),
            State::SpeakerIdle => c.session.change_direction(),
            _ => return Err(session_error(c.session.end_session().unwrap_err())),
        };
        let actions = r.map_err(session_error)?;
        self.run(cx, c, actions);
        Ok(())
    }

    /// `ChangeDirection`: CD, the client speaks.
    pub fn change_direction(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Result<()> {
        let actions = c.session.change_direction().map_err(session_error)?;
        c.speaker_ready = false;
        self.run(cx, c, actions);
        Ok(())
    }

    /// `SendEndResponse`: an EERP (reason 0) or NERP now when the server
    /// speaks, else once it does. Without a signature and with
    /// ConnSignedReceipt True (the file asked for one), pier signs it over
    /// the FileHash given (EndTransfer's), its digest told by its length.
    pub fn send_end_response(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        mut receipt: Receipt,
    ) -> Result<()> {
        let (hash, signature) = match &receipt {
            Receipt::Eerp(e) => (&e.hash, &e.signature),
            Receipt::Nerp(n) => (&n.hash, &n.signature),
        };
        if c.props.signed_receipt && signature.is_empty() {
            let digest = match hash.len() {
                20 => crate::cms::DigestAlg::Sha1,
                32 => crate::cms::DigestAlg::Sha256,
                64 => crate::cms::DigestAlg::Sha512,
                _ => self.receipt_digest(0),
            };
            self.sign_receipt(c, cx.id(), &mut receipt, digest)?;
        }
        if c.speaker_ready && matches!(c.session.state(), State::SpeakerIdle | State::SpeakerIdleAfterCd) {
            c.speaker_ready = false;
            let id = cx.id();
            let r = match &receipt {
                Receipt::Eerp(e) => c.session.send_end_response(e.clone()),
                Receipt::Nerp(n) => c.session.send_negative_end_response(n.clone()),
            };
            let actions = r.map_err(session_error)?;
            c.cd_after_rtr = c.opts.cd_after_send_end_response;
            if self.fire_end_response_on_send {
                c.queued.push_back(self.end_response_event(id, &receipt, 1));
            }
            self.run(cx, c, actions);
        } else {
            c.receipts.push_back(receipt);
        }
        Ok(())
    }

    /// Ends the session with ESID `reason` (an orderly end when 00) and
    /// closes once it is out; after the session ended, closes now.
    pub fn abort(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        reason: crate::oftp::reason::EsidReason,
        text: &str,
    ) -> Result<()> {
        c.speaker_ready = false;
        let actions = c.session.abort(reason, text);
        if actions.is_empty() {
            cx.close(c.end.take().unwrap_or_else(|| Error::new(0, "OK")));
        }
        self.run(cx, c, actions);
        Ok(())
    }
}
