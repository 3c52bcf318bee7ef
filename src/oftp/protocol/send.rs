//! Files to the client (RFC 5024 §9.10–§9.11, the Speaker): SendFile sends
//! SFID and waits for SFPA (StartTransfer) or SFNA; the file is read in
//! 64 KiB pieces — F and V files one record per CR-LF line, as they are
//! stored when received — and goes out as DATA buffers filled to the
//! negotiated size, never more than the credit window ahead and never more
//! than [`QUEUE_HIGH_WATER`] queued; EFID carries the counts; EFPA or EFNA
//! ends it (EndTransfer). The method blocks; [`OftpProtocol::pump`] is its
//! step, driven by the engine's blocking loop.

use std::fs::File;
use std::io::Read;
use std::mem::ManuallyDrop;

use super::{OftpConn, OftpProtocol, OftpTimer};
use crate::core::error::{Error, Result};
use crate::oftp::command::{Efid, FileFormat, SecurityLevel, Sfid};
use crate::oftp::error::{OFTP_ERR_READ_FILE, OFTP_ERR_SEND_FAILED};
use crate::oftp::event::OftpEvent;
use crate::oftp::names::{format_stamp, parse_stamp};
use crate::oftp::reason::EsidReason;
use crate::oftp::record::{LineSplitter, RecordEvent};
use crate::oftp::session::State;
use crate::oftp::stamp::FileStamp;
use crate::oftp::subrecord::BufferFiller;
use crate::stream::Ctx;

use super::restart::{restart_point, Durable, OutJournal, CHECKPOINT_BYTES};
use super::security::receipt_key;
use super::spool;

/// Bytes the out queue may hold before SendFile waits for the socket.
pub const QUEUE_HIGH_WATER: usize = 256 * 1024;
/// File bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// Where SendFile reads.
enum Source {
    File(File),
    /// ConnUploadStream: closed after the transfer only with
    /// CloseStreamAfterTransfer.
    Stream {
        file: ManuallyDrop<File>,
        close: bool,
    },
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::File(f) => f.read(buf),
            Source::Stream { file, .. } => (&**file).read(buf),
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Source::Stream { file, close: true } = self {
            // SAFETY: the application handed the descriptor to pier for this
            // transfer with CloseStreamAfterTransfer True; closed once, here.
            unsafe { ManuallyDrop::drop(file) }
        }
    }
}

/// Where an outgoing file is.
#[derive(Debug, PartialEq, Eq)]
enum Phase {
    /// SFID sent; SFPA or SFNA to come.
    Answer,
    /// Sending DATA.
    Data,
    /// EFID sent; EFPA or EFNA to come.
    Closing,
    Done(std::result::Result<(), Error>),
}

/// A file being sent.
pub struct Outgoing {
    sfid: Sfid,
    local_file: String,
    date_text: String,
    source: Source,
    phase: Phase,
    filler: BufferFiller,
    lines: Option<LineSplitter>,
    /// DATA buffers filled and not sent yet (at most one chunk's worth).
    ready: std::collections::VecDeque<Vec<u8>>,
    chunk: Vec<u8>,
    eof: bool,
    /// File octets read so far.
    bytes: i64,
    /// The counts of the part a restart skipped (EFID carries totals).
    base: Durable,
    /// Where this send is remembered for a restart (files only).
    journal: Option<OutJournal>,
    /// A secured file's encoded form, which is what is sent (spool.rs).
    spool: Option<std::path::PathBuf>,
    /// The transmitted file's hash when a signed receipt was asked for.
    receipt_hash: Vec<u8>,
    /// File octets read since the journal was last written.
    since_checkpoint: u64,
}

impl Outgoing {
    /// Skips what the receiver kept (SFPAACNT): `count` records of an F/V
    /// file (one per CR-LF line), or KiB of a U/T file.
    fn skip(&mut self, count: u64) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let Source::File(f) = &mut self.source else {
            return Err(std::io::Error::other("a stream cannot restart"));
        };
        let size = f.metadata()?.len();
        let all = Durable { records: u64::MAX, units: size, bytes: size };
        let (found, keep) = restart_point(self.sfid.transmitted_format(), count, all, f)?;
        if found != count {
            return Err(std::io::Error::other(format!("the file has no {count} records/KiB to skip")));
        }
        f.seek(SeekFrom::Start(keep.bytes))?;
        self.base = keep;
        self.bytes = keep.bytes as i64;
        Ok(())
    }
}

/// What the step of SendFile found.
pub enum Pump {
    Done(Result<()>),
    /// Buffers went out.
    Progress,
    /// The out queue is full: wait for the socket.
    Blocked,
    /// Waiting for SFPA, CDT or EFPA.
    AwaitingPeer,
}

/// What SendFile is asked to send.
pub struct SendRequest<'a> {
    pub client_sfid_code: &'a str,
    pub file_name: &'a str,
    pub virtual_file_name: &'a str,
}

impl OftpProtocol {
    /// Starts SendFile: checks the turn and the file, sends SFID.
    pub fn start_outgoing(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        rq: &SendRequest<'_>,
    ) -> Result<()> {
        if c.outgoing.is_some() {
            return Err(Error::new(OFTP_ERR_SEND_FAILED, "Send failed: a file is being sent on this connection"));
        }
        if !matches!(c.session.state(), State::SpeakerIdle | State::SpeakerIdleAfterCd) {
            return Err(Error::new(
                OFTP_ERR_SEND_FAILED,
                format!(
                    "Send failed: the server is not the Speaker (state {}); wait for ReadyToSend",
                    c.session.state().rfc_name()
                ),
            ));
        }
        // A secured file: what it needs is checked before anything is read.
        let plan = self.send_plan(c, cx.id())?;
        let (mut source, local_file, size) = if rq.file_name.is_empty() {
            if c.props.upload_stream < 0 {
                return Err(Error::invalid_value("SendFile: FileName is empty and ConnUploadStream is not set"));
            }
            if rq.virtual_file_name.is_empty() {
                // A stream has no name to take SFIDDSN from.
                return Err(Error::invalid_value("SendFile: reading ConnUploadStream needs a VirtualFileName"));
            }
            use std::os::fd::FromRawFd;
            // SAFETY: ConnUploadStream is a descriptor the application gave
            // pier to read; ManuallyDrop keeps it open unless
            // CloseStreamAfterTransfer says pier closes it.
            let file = unsafe { File::from_raw_fd(c.props.upload_stream) };
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            if self.close_stream_after_transfer {
                c.props.upload_stream = -1;
            }
            (
                Source::Stream { file: ManuallyDrop::new(file), close: self.close_stream_after_transfer },
                String::new(),
                size,
            )
        } else {
            let f =
                crate::core::files::open_regular(rq.file_name).map_err(|e| Error::new(OFTP_ERR_READ_FILE, e.text))?;
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            (Source::File(f), rq.file_name.to_string(), size)
        };
        let name = if rq.virtual_file_name.is_empty() {
            std::path::Path::new(rq.file_name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        } else {
            rq.virtual_file_name.to_string()
        };
        if name.is_empty() {
            return Err(Error::invalid_value(format!(
                "SendFile: no VirtualFileName, and '{}' has no file name",
                rq.file_name
            )));
        }
        let stamp = match parse_stamp(&c.props.virtual_file_date) {
            Some(s) => s,
            None => FileStamp::now(),
        };
        let format = match c.props.virtual_file_format {
            1 => FileFormat::Text,
            2 => FileFormat::Fixed,
            3 => FileFormat::Variable,
            _ => FileFormat::Unstructured,
        };
        let max_record_size = if format.has_records() { c.props.max_record_size.max(0) as u32 } else { 0 };
        if format.has_records() && max_record_size == 0 {
            return Err(Error::invalid_value("SendFile: F and V files need ConnMaxRecordSize > 0"));
        }
        let destination =
            if rq.client_sfid_code.is_empty() { c.props.sfid_code.clone() } else { rq.client_sfid_code.to_string() };
        // A file sent before and not delivered: the same stamp and a restart
        // request where it got to (docs/OFTP.md "Restart").
        let mut stamp = stamp;
        let mut restart_position = 0;
        let restart = c.session.negotiated().is_some_and(|n| n.restart);
        let journal = match &source {
            Source::File(f) if restart && c.props.virtual_file_date.is_empty() => f
                .metadata()
                .ok()
                .map(|m| OutJournal::new(&self.temp_dir(c), std::path::Path::new(rq.file_name), &m, &destination)),
            _ => None,
        };
        if let Some((text, position)) = journal.as_ref().and_then(|j| j.read()) {
            if let Some(s) = parse_stamp(&text) {
                (stamp, restart_position) = (s, position);
            }
        }
        // A secured file goes out as its spool (spool.rs): the one of an
        // interrupted send when it restarts, else made now.
        let mut secured = None;
        let mut spool = None;
        let original_blocks = size.div_ceil(1024).max(1);
        let mut size = size;
        if let Some(plan) = plan {
            let path = spool::spool_path(journal.as_ref().map(OutJournal::path), &self.temp_dir(c));
            secured = Some(plan.secured);
            let reuse = if restart_position > 0 { File::open(&path).ok() } else { None };
            let (file, spool_size) = match reuse {
                Some(f) => {
                    let n = f.metadata().map(|m| m.len()).unwrap_or(0);
                    (f, n)
                }
                None => {
                    // Another encoding: nothing the receiver kept matches it.
                    restart_position = 0;
                    spool::encode(plan, &mut source, format, max_record_size, &path)?
                }
            };
            (source, size) = (Source::File(file), spool_size);
            spool = Some(path);
        }
        // A signed receipt (ConnSignedReceipt): SFIDSIGN Y and SFIDCIPH
        // naming the receipt's suite.
        let mut cipher_suite = secured.map_or(0, |s| s.suite);
        if c.props.signed_receipt {
            self.receipt_check_possible(c)?;
            if cipher_suite == 0 {
                cipher_suite = self.receipt_suite(c)?;
            }
        }
        if let Some(j) = &journal {
            let text = format_stamp(&stamp, "yyyyMMddHHmmssffff");
            j.write(&text, restart_position).map_err(|e| Error::file(format!("SendFile: the restart journal: {e}")))?;
        }
        let blocks = size.div_ceil(1024).max(1);
        let sfid = Sfid {
            dataset_name: name,
            stamp,
            user_data: String::new(),
            destination,
            originator: c.sfid_code(self).to_string(),
            format,
            max_record_size,
            file_size: blocks,
            original_file_size: original_blocks,
            restart_position,
            security_level: secured.map_or(SecurityLevel::None, |s| s.level),
            cipher_suite,
            compressed: secured.is_some_and(|s| s.compressed),
            enveloped: secured.is_some(),
            signed_eerp: c.props.signed_receipt,
            description: c.props.file_description.clone(),
        };
        // The transmitted file's hash, to check the EERP against (a stream
        // cannot be read twice: none).
        let mut receipt_hash = Vec::new();
        if let (true, Source::File(f)) = (sfid.signed_eerp, &mut source) {
            use std::io::{Seek, SeekFrom};
            let digest = self.receipt_digest(sfid.cipher_suite);
            let hashed = crate::oftp::receipts::transmitted_hash(f, sfid.transmitted_format(), max_record_size, digest)
                .and_then(|h| f.seek(SeekFrom::Start(0)).map(|_| h));
            receipt_hash = hashed.map_err(|e| Error::new(OFTP_ERR_READ_FILE, format!("Hashing the file: {e}")))?;
        }
        let n = *c.session.negotiated().expect("the session speaks, so it is up");
        let actions = c.session.start_file(sfid.clone()).map_err(super::speak::session_error)?;
        c.speaker_ready = false;
        let date_text = format_stamp(&sfid.stamp, &self.virtual_file_date_format);
        if c.props.signed_receipt {
            c.sent_receipt_hashes.insert(receipt_key(&sfid.dataset_name, &sfid.stamp), receipt_hash.clone());
        }
        c.outgoing = Some(Box::new(Outgoing {
            receipt_hash,
            lines: sfid.transmitted_format().has_records().then(|| LineSplitter::new(max_record_size)),
            sfid,
            local_file,
            date_text,
            source,
            phase: Phase::Answer,
            filler: BufferFiller::new(n.buffer_size.get() as usize, n.compression),
            ready: std::collections::VecDeque::new(),
            chunk: vec![0; CHUNK],
            eof: false,
            bytes: 0,
            base: Durable::default(),
            journal,
            spool,
            since_checkpoint: 0,
        }));
        self.run(cx, c, actions);
        Ok(())
    }

    /// The step of SendFile: sends what the credit and the out queue allow.
    pub fn pump(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) -> Pump {
        let Some(out) = c.outgoing.as_mut() else {
            return Pump::Done(Err(Error::new(OFTP_ERR_SEND_FAILED, "Send failed: no file is being sent")));
        };
        match out.phase {
            Phase::Answer | Phase::Closing => return Pump::AwaitingPeer,
            Phase::Done(_) => {
                let out = c.outgoing.take().expect("checked");
                let Phase::Done(r) = out.phase else { unreachable!() };
                self.after_outgoing(cx, c);
                return Pump::Done(r);
            }
            Phase::Data => {}
        }
        let mut moved = false;
        loop {
            let out = c.outgoing.as_mut().expect("checked");
            if !c.session.can_send_data() {
                return if moved { Pump::Progress } else { Pump::AwaitingPeer };
            }
            if cx.queued() > QUEUE_HIGH_WATER {
                return if moved { Pump::Progress } else { Pump::Blocked };
            }
            if let Some(buf) = out.ready.pop_front() {
                match c.session.send_data(buf) {
                    Ok(actions) => self.run(cx, c, actions),
                    Err(e) => return self.fail_outgoing(cx, c, super::speak::session_error(e)),
                }
                moved = true;
                continue;
            }
            if out.eof {
                let has_records = out.sfid.transmitted_format().has_records();
                let efid = Efid {
                    record_count: if has_records { out.base.records + out.filler.records() } else { 0 },
                    unit_count: out.base.units + out.filler.units(),
                };
                out.phase = Phase::Closing;
                match c.session.close_file(efid) {
                    Ok(actions) => self.run(cx, c, actions),
                    Err(e) => return self.fail_outgoing(cx, c, super::speak::session_error(e)),
                }
                return Pump::Progress;
            }
            if let Err(e) = self.fill(cx.id(), c) {
                return self.fail_outgoing(cx, c, e);
            }
            moved = true;
        }
    }

    /// Reads the next chunk into DATA buffers (`ready`), and the last
    /// buffer at the end of the file.
    fn fill(&mut self, id: i32, c: &mut OftpConn) -> Result<()> {
        let out = c.outgoing.as_mut().expect("checked");
        let n = out.source.read(&mut out.chunk).map_err(|e| {
            Error::new(
                OFTP_ERR_READ_FILE,
                format!(
                    "Reading {}: {e}",
                    if out.local_file.is_empty() { "ConnUploadStream" } else { &out.local_file }
                ),
            )
        })?;
        let Outgoing { filler, lines, ready, chunk, .. } = &mut **out;
        let mut push = |ev: RecordEvent<'_>| match ev {
            RecordEvent::Data(mut d) => {
                while !d.is_empty() {
                    let p = filler.push(d, false);
                    d = &d[p.consumed..];
                    if filler.is_full() {
                        ready.extend(filler.finish());
                    }
                }
            }
            RecordEvent::EndOfRecord => {
                while !filler.push(&[], true).record_ended {
                    ready.extend(filler.finish());
                }
            }
            RecordEvent::Repeat { .. } => unreachable!("splitters give data and record ends"),
        };
        if n == 0 {
            out_end(lines, &mut push)?;
            ready.extend(filler.finish());
            out.eof = true;
            return Ok(());
        }
        let data = &chunk[..n];
        match lines {
            Some(l) => l
                .feed(data, &mut push)
                .map_err(|e| Error::new(OFTP_ERR_READ_FILE, format!("{}: {e}", out.local_file)))?,
            None => push(RecordEvent::Data(data)),
        }
        out.bytes += n as i64;
        out.since_checkpoint += n as u64;
        if out.since_checkpoint >= CHECKPOINT_BYTES {
            out.since_checkpoint = 0;
            if let Some(j) = &out.journal {
                // How far the file got (an upper bound of what the receiver
                // holds: its SFPAACNT decides).
                let position = if out.sfid.transmitted_format().has_records() {
                    out.base.records + out.lines.as_ref().map_or(0, |l| l.records())
                } else {
                    (out.base.units + out.filler.units()) / 1024
                };
                let _ = j.write(&format_stamp(&out.sfid.stamp, "yyyyMMddHHmmssffff"), position);
            }
        }
        if !self.transfer_events {
            return Ok(());
        }
        let ev = OftpEvent::Transfer {
            connection_id: id,
            direction: 1,
            local_file: out.local_file.clone(),
            virtual_file_name: out.sfid.dataset_name.clone(),
            virtual_file_date: out.date_text.clone(),
            destination: out.sfid.destination.clone(),
            originator: out.sfid.originator.clone(),
            bytes_transferred: out.bytes,
            text: Vec::new(),
        };
        c.queued.push_back(ev);
        Ok(())
    }

    /// Ends SendFile with an error the server ran into (the file cannot be
    /// read, a value cannot be encoded): OFTP cannot withdraw a file once
    /// its SFID went out (RFC 5024 §9.11), so the session ends (ESID 99).
    pub(super) fn fail_outgoing(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, e: Error) -> Pump {
        let actions = c.session.abort(EsidReason::UnspecifiedAbortCode, &e.text);
        drop_spool_unless_restartable(c);
        c.end = Some(e.clone());
        self.finish_outgoing(cx.id(), c, Err(e.clone()), 99, e.text.clone());
        c.outgoing = None;
        self.run(cx, c, actions);
        Pump::Done(Err(e))
    }

    /// SendFile gave up (Interrupt, a timeout): the session ends (ESID 99).
    pub fn abort_outgoing(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, text: &str) {
        if c.outgoing.is_some() {
            self.fail_outgoing(cx, c, Error::new(OFTP_ERR_SEND_FAILED, text.to_string()));
        }
    }

    /// The session's answers about the outgoing file.
    pub(super) fn outgoing_event(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        e: crate::oftp::session::Event,
    ) {
        use crate::oftp::session::Event;
        let id = cx.id();
        if c.outgoing.is_none() {
            let actions = c.session.abort(EsidReason::ProtocolViolation, "an answer to a file the server did not send");
            return self.run(cx, c, actions);
        }
        match e {
            Event::FileAccepted { restart } => {
                let out = c.outgoing.as_mut().expect("checked");
                out.phase = Phase::Data;
                if restart > 0 {
                    if let Err(e) = out.skip(restart) {
                        let e = Error::new(OFTP_ERR_READ_FILE, format!("Restarting {}: {e}", out.local_file));
                        self.fail_outgoing(cx, c, e);
                        return;
                    }
                }
                let out = c.outgoing.as_mut().expect("checked");
                c.queued.push_back(OftpEvent::StartTransfer {
                    connection_id: id,
                    direction: 1,
                    local_file: out.local_file.clone(),
                    virtual_file_name: out.sfid.dataset_name.clone(),
                    virtual_file_date: out.date_text.clone(),
                    destination: out.sfid.destination.clone(),
                    originator: out.sfid.originator.clone(),
                });
            }
            Event::FileRefused(sfna) => {
                c.props.retry = sfna.retry;
                self.refused(id, c, "SFNA", sfna.reason.code(), sfna.reason.text(), &sfna.text);
            }
            Event::FileDelivered(efpa) => {
                self.answered(id, c, Ok(()), 0, String::new());
                if !efpa.change_direction && self.send_cd_after_efpa {
                    if let Ok(actions) = c.session.change_direction() {
                        self.run(cx, c, actions);
                    }
                }
            }
            Event::FileFailed(efna) => self.refused(id, c, "EFNA", efna.reason.code(), efna.reason.text(), &efna.text),
            // CDT: the pump sends on.
            _ => {}
        }
    }

    /// SFNA or EFNA: SendFile fails with 687 and the reason; EndTransfer's
    /// reason is the NERP code that stands for it (10 + the SFNA/EFNA code).
    fn refused(&mut self, id: i32, c: &mut OftpConn, command: &str, code: u8, standard: &str, text: &str) {
        let text = format!("Send failed: {command} {code:02} {}", if text.is_empty() { standard } else { text });
        let reason = 10 + i32::from(code);
        let r = Err(Error::new(OFTP_ERR_SEND_FAILED, text.clone()));
        self.answered(id, c, r, if reason <= 36 { reason } else { 99 }, text);
    }

    /// The client answered the file (EFPA, SFNA, EFNA): nothing is left to
    /// restart, and SendFile returns `r`.
    fn answered(&mut self, id: i32, c: &mut OftpConn, r: Result<()>, reason_code: i32, reason_text: String) {
        if let Some(out) = c.outgoing.as_mut() {
            if let Some(j) = out.journal.take() {
                j.remove();
            }
            if let Some(s) = out.spool.take() {
                spool::remove(&s);
            }
        }
        self.finish_outgoing(id, c, r, reason_code, reason_text);
    }

    /// EndTransfer for the outgoing file; SendFile returns `r`.
    fn finish_outgoing(&mut self, id: i32, c: &mut OftpConn, r: Result<()>, reason_code: i32, reason_text: String) {
        let Some(out) = c.outgoing.as_mut() else { return };
        c.queued.push_back(OftpEvent::EndTransfer {
            connection_id: id,
            direction: 1,
            local_file: out.local_file.clone(),
            virtual_file_name: out.sfid.dataset_name.clone(),
            virtual_file_date: out.date_text.clone(),
            destination: out.sfid.destination.clone(),
            originator: out.sfid.originator.clone(),
            reason_code,
            reason_text,
            file_size: out.bytes,
            file_hash: out.receipt_hash.clone(),
            send_end_response: false,
        });
        out.phase = Phase::Done(r);
    }

    /// The session ended while a file was going out.
    pub(super) fn end_outgoing(&mut self, id: i32, c: &mut OftpConn, text: &str) {
        drop_spool_unless_restartable(c);
        if c.outgoing.as_ref().is_some_and(|o| !matches!(o.phase, Phase::Done(_))) {
            let t = format!("Send failed: the session ended ({text})");
            self.finish_outgoing(id, c, Err(Error::new(OFTP_ERR_SEND_FAILED, t.clone())), 99, t);
        }
    }

    /// SendFile is over: if the server still speaks, the wait for the
    /// application starts again (ConnTimeout, then Logoff).
    fn after_outgoing(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) {
        if c.session.state() == State::SpeakerIdle {
            c.speaker_ready = true;
            self.arm_speaker_idle(cx, c);
        }
    }
}

/// A send that did not finish keeps its spool only if its journal can
/// resume it (a restart needs the same encoding, spool.rs).
fn drop_spool_unless_restartable(c: &mut OftpConn) {
    if let Some(out) = c.outgoing.as_mut().filter(|o| o.journal.is_none()) {
        if let Some(s) = out.spool.take() {
            spool::remove(&s);
        }
    }
}

fn out_end(lines: &mut Option<LineSplitter>, push: &mut impl FnMut(RecordEvent<'_>)) -> Result<()> {
    match lines {
        Some(l) => l.finish(&mut *push).map_err(|e| Error::new(OFTP_ERR_READ_FILE, e.to_string())),
        // U and T files are one record: E on the last subrecord.
        None => {
            push(RecordEvent::EndOfRecord);
            Ok(())
        }
    }
}
