//! Files from the client (RFC 5024 §9.12, the Listener): SFID → AcceptFile
//! → StartTransfer → SFPA; DATA → Transfer, written to a partial file
//! outside the final name; EFID → counts checked, the file synced and
//! renamed into place (never over an existing one unless Overwrite), the
//! directory synced → EFPA → EndTransfer → an EERP queued for the server's
//! turn. Decisions: docs/OFTP.md "Receiving files".

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use super::restart::{restart_point, Durable, Journal, CHECKPOINT_BYTES};
use super::speak::Receipt;
use super::{OftpConn, OftpProtocol, OftpTimer};
use crate::core::error::Error;
use crate::oftp::command::{Eerp, Efid, Efna, FileFormat, SecurityLevel, Sfid, Sfna};
use crate::oftp::error::OFTP_ERR_FILE_EXISTS;
use crate::oftp::event::OftpEvent;
use crate::oftp::names::{format_stamp, received_file_name, safe_component, NameParts};
use crate::oftp::reason::{EfnaReason, SfnaReason};
use crate::oftp::record::RecordEvent;
use crate::stream::Ctx;

/// What small DATA buffers are gathered into before a write. Smaller than a
/// large buffer's data (up to 99999 octets), so that goes to the file
/// directly, without a copy into the BufWriter.
const WRITE_BUFFER: usize = 16 * 1024;

/// Where received data goes.
enum Sink {
    /// A partial file in the temporary directory, renamed at EFID.
    Partial { file: BufWriter<File>, path: PathBuf },
    /// ConnDownloadStream: the application's descriptor.
    Stream(StreamSink),
}

/// The application's descriptor, closed when the transfer is over only
/// with CloseStreamAfterTransfer.
struct StreamSink {
    file: ManuallyDrop<File>,
    close: bool,
}

impl Drop for StreamSink {
    fn drop(&mut self) {
        if self.close {
            // SAFETY: the descriptor was handed to pier for this transfer
            // with CloseStreamAfterTransfer True; it is closed once, here.
            unsafe { ManuallyDrop::drop(&mut self.file) }
        }
    }
}

impl Sink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::Partial { file, .. } => file.write_all(data),
            Sink::Stream(s) => (&*s.file).write_all(data),
        }
    }
}

/// A file being received.
pub struct Incoming {
    pub sfid: Sfid,
    /// The final path (AcceptFile's FileName, StartTransfer's LocalFile).
    pub local_file: String,
    overwrite: bool,
    sink: Option<Sink>,
    /// Where the file is now, and at its last record end (what a restart
    /// can keep).
    at: Durable,
    boundary: Durable,
    /// File octets since the journal was last brought up to date.
    since_checkpoint: u64,
    journal: Option<Journal>,
    /// The DATA buffer being checked by the session, decoded on the way.
    pub decoded: Option<Decoded>,
    /// The last buffer's storage, kept for the next one when no Transfer
    /// event took it (no page faults and no brk per 64 KiB buffer).
    spare: Vec<u8>,
    /// A secured file: what decoding it at EFID needs (secured.rs).
    security: Option<super::secured::Security>,
    /// EERPHSH for a file that asked for a signed receipt: the hash of the
    /// file as transmitted (RFC 5024 §5.3.13), made at EFID.
    receipt_hash: Vec<u8>,
    write_error: Option<String>,
    /// VirtualFileDate as the events show it.
    date_text: String,
}

/// A DATA buffer's records as the file stores them (F/V: one per CR-LF
/// line), and the counts they bring, applied to the file only once the
/// buffer proved good.
pub struct Decoded {
    data: Vec<u8>,
    at: Durable,
    boundary: Durable,
    records: bool,
}

impl Decoded {
    pub fn new(inc: &mut Incoming, len: usize) -> Decoded {
        // Uncompressed data is a little shorter than its buffer; +1 for the
        // NUL the C boundary adds to Transfer's text.
        let mut data = std::mem::take(&mut inc.spare);
        data.clear();
        data.reserve(len + 65);
        Decoded { data, at: inc.at, boundary: inc.boundary, records: inc.sfid.transmitted_format().has_records() }
    }

    pub fn push(&mut self, ev: RecordEvent<'_>) {
        match ev {
            RecordEvent::Data(d) => {
                self.data.extend_from_slice(d);
                self.at.units += d.len() as u64;
            }
            RecordEvent::Repeat { octet, count } => {
                self.data.resize(self.data.len() + usize::from(count), octet);
                self.at.units += u64::from(count);
            }
            // F and V records are stored one per CR-LF line (the form
            // SendFile reads back).
            RecordEvent::EndOfRecord if self.records => {
                self.data.extend_from_slice(b"\r\n");
                self.at.records += 1;
                self.at.bytes = self.at.units + 2 * self.at.records;
                self.boundary = self.at;
            }
            RecordEvent::EndOfRecord => {}
        }
    }

    /// The counts applied to the file; the data to store.
    fn finish(mut self, inc: &mut Incoming) -> Vec<u8> {
        self.at.bytes = self.at.units + 2 * self.at.records;
        if !self.records {
            self.boundary = self.at;
        }
        (inc.at, inc.boundary) = (self.at, self.boundary);
        self.data
    }
}

impl Incoming {
    /// EndTransfer (Direction 0) for this file.
    fn end_transfer(&self, id: i32, reason_code: i32, reason_text: String, send_end_response: bool) -> OftpEvent {
        OftpEvent::EndTransfer {
            connection_id: id,
            direction: 0,
            local_file: self.local_file.clone(),
            virtual_file_name: self.sfid.dataset_name.clone(),
            virtual_file_date: self.date_text.clone(),
            destination: self.sfid.destination.clone(),
            originator: self.sfid.originator.clone(),
            reason_code,
            reason_text,
            file_size: self.at.bytes as i64,
            file_hash: self.receipt_hash.clone(),
            send_end_response,
        }
    }
}

/// The NERP/EndTransfer reason for an EFNA the server sent.
fn end_transfer_reason(efna: EfnaReason) -> i32 {
    match efna {
        EfnaReason::MaximumRecordLengthNotSupported => 15,
        EfnaReason::InvalidRecordCount => 20,
        EfnaReason::InvalidByteCount => 21,
        EfnaReason::AccessMethodFailure => 22,
        EfnaReason::DuplicateFile => 23,
        EfnaReason::CipherSuiteNotSupported => 25,
        EfnaReason::InvalidFileSignature => 31,
        EfnaReason::FileDecompressionFailure => 32,
        EfnaReason::FileDecryptionFailure => 33,
        _ => 99,
    }
}

/// Renames `from` to `to`, failing with AlreadyExists rather than replacing
/// `to` (renameat2 RENAME_NOREPLACE; a link then unlink where the file
/// system lacks it).
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let (f, t) = (CString::new(from.as_os_str().as_bytes())?, CString::new(to.as_os_str().as_bytes())?);
        // SAFETY: two valid NUL-terminated paths, no other pointers.
        let r = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                f.as_ptr(),
                libc::AT_FDCWD,
                t.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

/// Syncs a directory, so a rename in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl OftpProtocol {
    /// The directory partial files of a connection go to.
    pub(super) fn temp_dir(&self, c: &OftpConn) -> PathBuf {
        if !c.opts.temp_path.is_empty() {
            return PathBuf::from(&c.opts.temp_path);
        }
        let dir = if c.props.download_directory.is_empty() { "." } else { &c.props.download_directory };
        Path::new(dir).join(".oftp-partial")
    }

    /// SFID: refuse at once what cannot be received here, else AcceptFile.
    pub(super) fn on_start_file(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, sfid: Sfid) {
        let id = cx.id();
        let date_text = format_stamp(&sfid.stamp, &self.virtual_file_date_format);
        c.props.received_file_date_time = date_text.clone();
        c.props.received_file_description = sfid.description.clone();
        c.props.sfid_code = sfid.originator.clone();
        c.props.compress = sfid.compressed;
        c.props.signed_receipt = sfid.signed_eerp;
        c.props.virtual_file_format = match sfid.format {
            FileFormat::Unstructured => 0,
            FileFormat::Text => 1,
            FileFormat::Fixed => 2,
            FileFormat::Variable => 3,
        };
        c.props.virtual_file_security_level = match sfid.security_level {
            SecurityLevel::None => 0,
            SecurityLevel::Encrypted => 1,
            SecurityLevel::Signed => 2,
            SecurityLevel::EncryptedAndSigned => 3,
        };
        // Secured files: what decoding needs, or the RFC's refusal
        // (secured.rs). Signed receipts are not available yet.
        let checked = self.secured_file_check(c, id, &sfid).and_then(|s| {
            // A signed receipt (SFIDSIGN Y) needs our key for use 4.
            if !sfid.signed_eerp {
                return Ok(s);
            }
            match self.own_identity(c, id, super::security::Use::Receipts) {
                Err(e) => Err((
                    SfnaReason::UnspecifiedReason,
                    "no certificate to sign the receipt with".into(),
                    Some(Error::new(crate::oftp::error::OFTP_ERR_NO_SIGNING_CERT, e.text)),
                )),
                Ok(_) => Ok(s),
            }
        });
        let security = match checked {
            Ok(s) => s,
            Err((reason, text, error)) => {
                if let Some(e) = error {
                    c.queued.push_back(OftpEvent::Error { connection_id: id, error_code: e.code, description: e.text });
                }
                self.log(
                    c,
                    id,
                    1,
                    "Info",
                    format!("Refused {}: SFNA {:02} {}", sfid.dataset_name, reason.code(), reason.text()),
                );
                let r = c.session.refuse_file(Sfna { reason, retry: false, text });
                return self.run_outcome(cx, c, r);
            }
        };
        let dir = if c.props.download_directory.is_empty() { "." } else { &c.props.download_directory };
        let now = now_text();
        let name = received_file_name(
            &c.opts.received_file_name_format,
            &NameParts {
                virtual_file_name: &sfid.dataset_name,
                stamp: sfid.stamp,
                originator: &sfid.originator,
                destination: &sfid.destination,
                user_data: &sfid.user_data,
                current_time: &now,
                guid: &guid(),
            },
        );
        let file_name = Path::new(dir).join(name).to_string_lossy().into_owned();
        let ours = sfid.destination == c.sfid_code(self);
        c.queued.push_back(OftpEvent::AcceptFile {
            connection_id: id,
            virtual_file_name: sfid.dataset_name.clone(),
            virtual_file_date: date_text.clone(),
            destination: sfid.destination.clone(),
            originator: sfid.originator.clone(),
            accept: ours,
            file_name: file_name.clone(),
            overwrite: false,
            error_code: if ours { 99 } else { i32::from(SfnaReason::InvalidDestination.code()) },
            error_description: String::new(),
        });
        c.incoming = Some(Box::new(Incoming {
            sfid,
            local_file: file_name,
            overwrite: false,
            sink: None,
            at: Durable::default(),
            boundary: Durable::default(),
            since_checkpoint: 0,
            journal: None,
            decoded: None,
            spare: Vec::new(),
            security,
            receipt_hash: Vec::new(),
            write_error: None,
            date_text,
        }));
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn accept_file_done(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        accept: bool,
        file_name: String,
        overwrite: bool,
        error_code: i32,
        error_description: String,
    ) {
        let id = cx.id();
        let Some(mut inc) = c.incoming.take() else { return };
        let refuse = |reason: SfnaReason, text: String| Sfna { reason, retry: false, text };
        let sfna = if !accept {
            let reason =
                u8::try_from(error_code).ok().and_then(SfnaReason::from_code).unwrap_or(SfnaReason::UnspecifiedReason);
            Some(refuse(reason, error_description))
        } else if c.props.download_stream < 0 && !overwrite && Path::new(&file_name).exists() {
            let text = format!("{file_name} exists and Overwrite is False");
            c.queued.push_back(OftpEvent::Error {
                connection_id: id,
                error_code: OFTP_ERR_FILE_EXISTS,
                description: text.clone(),
            });
            Some(refuse(SfnaReason::DuplicateFile, String::new()))
        } else {
            None
        };
        if let Some(mut sfna) = sfna {
            sfna.retry = c.opts.allow_retry;
            self.log(c, id, 1, "Info", format!("Refused {}: SFNA {:02}", inc.sfid.dataset_name, sfna.reason.code()));
            let r = c.session.refuse_file(sfna);
            return self.run_outcome(cx, c, r);
        }
        inc.local_file = file_name;
        inc.overwrite = overwrite;
        c.props.received_file_name = inc.local_file.clone();
        c.queued.push_back(OftpEvent::StartTransfer {
            connection_id: id,
            direction: 0,
            local_file: inc.local_file.clone(),
            virtual_file_name: inc.sfid.dataset_name.clone(),
            virtual_file_date: inc.date_text.clone(),
            destination: inc.sfid.destination.clone(),
            originator: inc.sfid.originator.clone(),
        });
        c.incoming = Some(inc);
        cx.more_events();
    }

    /// After StartTransfer: the partial file (or the stream), then SFPA.
    pub(super) fn start_transfer_done(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, local_file: String) {
        let id = cx.id();
        let Some(mut inc) = c.incoming.take() else { return };
        inc.local_file = local_file;
        c.props.received_file_name = inc.local_file.clone();
        let sink = if c.props.download_stream >= 0 {
            use std::os::fd::FromRawFd;
            // SAFETY: ConnDownloadStream is a descriptor the application
            // gave pier for received data; ManuallyDrop keeps it open unless
            // CloseStreamAfterTransfer says pier closes it.
            let file = unsafe { File::from_raw_fd(c.props.download_stream) };
            if self.close_stream_after_transfer {
                c.props.download_stream = -1;
            }
            Ok(Sink::Stream(StreamSink { file: ManuallyDrop::new(file), close: self.close_stream_after_transfer }))
        } else {
            self.open_partial(c, &inc).and_then(|(file, path)| self.resume_partial(&mut inc, file, path))
        };
        match sink {
            Ok(s) => {
                inc.sink = Some(s);
                // SFPAACNT: what the partial durably holds of the file, at
                // most SFIDREST (RFC 5024 §5.3.4); 0 sends it from its start.
                let records = inc.sfid.transmitted_format().has_records();
                let answer = if records { inc.at.records } else { inc.at.bytes / 1024 };
                if answer > 0 {
                    let text = format!(
                        "Restarting {} at {answer} {}",
                        inc.sfid.dataset_name,
                        if records { "records" } else { "KiB" }
                    );
                    self.log(c, id, 1, "Info", text);
                }
                let r = c.session.accept_file(answer, inc.at.units);
                c.incoming = Some(inc);
                self.run_outcome(cx, c, r);
            }
            Err(e) => {
                let text = format!("Cannot store {}: {e}", inc.local_file);
                c.queued.push_back(OftpEvent::Error {
                    connection_id: id,
                    error_code: crate::core::error::codes::FILE,
                    description: text,
                });
                let r = c.session.refuse_file(Sfna {
                    reason: SfnaReason::AccessMethodFailure,
                    retry: c.opts.allow_retry,
                    text: String::new(),
                });
                self.run_outcome(cx, c, r);
            }
        }
    }

    /// Opens the partial file: `<temp dir>/<name>.<identity>.part`, named
    /// after the Virtual File's identity (RFC 5024 §1.5.2: name, stamp,
    /// originator, destination) so a resent file finds it.
    fn open_partial(&self, c: &OftpConn, inc: &Incoming) -> io::Result<(File, PathBuf)> {
        let dir = self.temp_dir(c);
        fs::create_dir_all(&dir)?;
        let s = &inc.sfid;
        let identity = super::restart::identity(s);
        let path = dir.join(format!("{}.{:016x}.part", safe_component(&s.dataset_name), fnv1a(identity.as_bytes())));
        let mut o = OpenOptions::new();
        // Not truncated here: a restart keeps its durable part.
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.custom_flags(libc::O_NOFOLLOW);
        }
        Ok((o.open(&path)?, path))
    }

    /// The partial cut back to what a restart keeps (nothing without one):
    /// `min(SFIDREST, durable)` of its journal.
    fn resume_partial(&self, inc: &mut Incoming, mut file: File, path: PathBuf) -> io::Result<Sink> {
        use std::io::{Seek, SeekFrom};
        let journal = Journal::new(&path, &inc.sfid);
        let durable = journal.read();
        let keep = match (inc.sfid.restart_position, durable) {
            (requested, Some(durable)) if requested > 0 => {
                restart_point(inc.sfid.transmitted_format(), requested, durable, &mut file)?.1
            }
            _ => Durable::default(),
        };
        // The journal never promises more than the partial will hold: it
        // goes (a fresh start) or is cut back before the data is.
        if keep == Durable::default() {
            journal.remove();
        } else if Some(keep) != durable {
            journal.write(&keep)?;
        }
        file.set_len(keep.bytes)?;
        file.seek(SeekFrom::Start(keep.bytes))?;
        (inc.at, inc.boundary) = (keep, keep);
        inc.journal = Some(journal);
        Ok(Sink::Partial { file: BufWriter::with_capacity(WRITE_BUFFER, file), path })
    }

    /// Brings the journal up to date: the partial flushed and synced up to
    /// its last record end, then that point recorded.
    fn checkpoint(inc: &mut Incoming) -> io::Result<()> {
        inc.since_checkpoint = 0;
        if let (Some(Sink::Partial { file, .. }), Some(j)) = (inc.sink.as_mut(), inc.journal.as_ref()) {
            file.flush()?;
            file.get_ref().sync_data()?;
            j.write(&inc.boundary)?;
        }
        Ok(())
    }

    /// A good DATA buffer, decoded while the session checked it: the
    /// records go to the sink; Transfer tells the application.
    pub(super) fn on_data_checked(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn) {
        let id = cx.id();
        let Some(inc) = c.incoming.as_mut() else { return };
        let Some(d) = inc.decoded.take() else { return };
        let data = d.finish(inc);
        if inc.write_error.is_none() {
            if let Some(sink) = inc.sink.as_mut() {
                if let Err(e) = sink.write_all(&data) {
                    inc.write_error = Some(format!("Writing {}: {e}", inc.local_file));
                }
            }
        }
        inc.since_checkpoint += data.len() as u64;
        // Not on the file's last buffer (all SFIDFSIZ announced is here):
        // EFID syncs it a moment later anyway.
        let last = inc.at.units >= inc.sfid.file_size.saturating_mul(1024);
        if inc.since_checkpoint >= CHECKPOINT_BYTES && !last && inc.write_error.is_none() {
            if let Err(e) = Self::checkpoint(inc) {
                inc.write_error = Some(format!("Syncing {}: {e}", inc.local_file));
            }
        }
        if !self.transfer_events {
            inc.spare = data;
            return;
        }
        let ev = OftpEvent::Transfer {
            connection_id: id,
            direction: 0,
            local_file: inc.local_file.clone(),
            virtual_file_name: inc.sfid.dataset_name.clone(),
            virtual_file_date: inc.date_text.clone(),
            destination: inc.sfid.destination.clone(),
            originator: inc.sfid.originator.clone(),
            bytes_transferred: inc.at.bytes as i64,
            text: data,
        };
        c.queued.push_back(ev);
    }

    /// EFID: the file goes in place (or fails), EFPA or EFNA, EndTransfer.
    pub(super) fn on_end_file(
        &mut self,
        cx: &mut Ctx<'_, OftpTimer>,
        c: &mut OftpConn,
        _efid: Efid,
        check: Result<(), EfnaReason>,
    ) {
        let id = cx.id();
        let Some(mut inc) = c.incoming.take() else { return };
        let outcome = match (check, inc.write_error.take()) {
            (Err(reason), _) => Err((reason, None)),
            (Ok(()), Some(e)) => {
                Err((EfnaReason::AccessMethodFailure, Some(Error::new(crate::core::error::codes::FILE, e))))
            }
            (Ok(()), None) => self.commit(&mut inc).map(|alg| c.props.received_file_encryption_alg = alg),
        };
        let (reason_code, reason_text) = match &outcome {
            Ok(()) => (0, String::new()),
            Err((reason, error)) => {
                if let Some(e) = error {
                    c.queued.push_back(OftpEvent::Error {
                        connection_id: id,
                        error_code: e.code,
                        description: e.text.clone(),
                    });
                }
                self.discard(&mut inc);
                (end_transfer_reason(*reason), reason.text().to_string())
            }
        };
        let response = outcome.map(|_| false).map_err(|(reason, _)| Efna { reason, text: String::new() });
        let r = c.session.close_file_response(response);
        self.run_outcome(cx, c, r);
        c.queued.push_back(inc.end_transfer(id, reason_code, reason_text, reason_code == 0));
        c.last_received = Some((inc.sfid, inc.receipt_hash));
        cx.more_events();
    }

    /// Puts a complete file in place: flush, fsync, (a secured file decoded
    /// and verified, secured.rs), rename (no replace unless Overwrite), fsync
    /// the directory. Returns ReceivedFileEncryptionAlg (-1: not encrypted).
    fn commit(&self, inc: &mut Incoming) -> Result<i32, (EfnaReason, Option<Error>)> {
        let Some(sink) = inc.sink.take() else { return Ok(-1) };
        let fail = |e: io::Error, what: &str| {
            let text = format!("{what} {}: {e}", inc.local_file);
            (EfnaReason::AccessMethodFailure, Some(Error::new(crate::core::error::codes::FILE, text)))
        };
        match sink {
            Sink::Stream(_) => Ok(-1),
            Sink::Partial { file, path } => {
                let file = file.into_inner().map_err(|e| fail(e.into_error(), "Writing"))?;
                file.sync_all().map_err(|e| fail(e, "Syncing"))?;
                drop(file);
                if inc.sfid.signed_eerp {
                    // The transmitted file's hash, before a secured one is decoded.
                    let digest = self.receipt_digest(inc.sfid.cipher_suite);
                    let hashed = File::open(&path).and_then(|mut f| {
                        let format = inc.sfid.transmitted_format();
                        crate::oftp::receipts::transmitted_hash(&mut f, format, inc.sfid.max_record_size, digest)
                    });
                    inc.receipt_hash = hashed.map_err(|e| fail(e, "Hashing"))?;
                }
                // A secured file: the decoded content goes in place, the
                // envelope is removed once it is.
                let (source, alg) = match inc.security.take() {
                    Some(sec) => {
                        let lrecl = inc.sfid.max_record_size as usize;
                        match self.decode_secured(sec, &path, inc.sfid.format, lrecl) {
                            Ok(decoded) => decoded,
                            Err((reason, e)) => {
                                // As `discard`: the envelope stays only for
                                // DeleteOnError False.
                                if self.delete_on_error {
                                    let _ = fs::remove_file(&path);
                                    if let Some(j) = inc.journal.take() {
                                        j.remove();
                                    }
                                }
                                return Err((reason, Some(e)));
                            }
                        }
                    }
                    None => (path.clone(), -1),
                };
                let dest = Path::new(&inc.local_file);
                let moved = if inc.overwrite { fs::rename(&source, dest) } else { rename_no_replace(&source, dest) };
                if source != path {
                    let _ = fs::remove_file(&path);
                }
                if let Err(e) = moved {
                    let _ = fs::remove_file(&source);
                    if let Some(j) = inc.journal.take() {
                        j.remove();
                    }
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        let text = format!("{} exists and Overwrite is False", inc.local_file);
                        return Err((EfnaReason::DuplicateFile, Some(Error::new(OFTP_ERR_FILE_EXISTS, text))));
                    }
                    return Err(fail(e, "Renaming into"));
                }
                let dir = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                sync_dir(dir).map_err(|e| fail(e, "Syncing the directory of"))?;
                // The file is in place: nothing to restart any more.
                if let Some(j) = inc.journal.take() {
                    j.remove();
                }
                Ok(alg)
            }
        }
    }

    /// A file that failed at EFID (its counts, a write): its partial and
    /// journal are removed when DeleteOnError says so — the data is not the
    /// file the client meant, so there is nothing to restart from.
    fn discard(&self, inc: &mut Incoming) {
        if let Some(Sink::Partial { path, .. }) = inc.sink.take() {
            if self.delete_on_error {
                let _ = fs::remove_file(path);
                if let Some(j) = inc.journal.take() {
                    j.remove();
                }
            }
        }
    }

    /// The session ended or the connection closed mid-file: the partial and
    /// its journal are kept for a restart (docs/OFTP.md "Restart") and
    /// EndTransfer reports the failure.
    pub(super) fn abandon(&self, c: &mut OftpConn, id: i32, mut inc: Box<Incoming>) {
        if inc.sink.is_none() {
            return;
        }
        // What arrived up to the last record end becomes durable: a resent
        // file restarts there.
        keep_for_restart(&mut inc);
        inc.sink = None;
        c.queued.push_back(inc.end_transfer(id, 99, "The session ended before the file was complete".into(), false));
    }

    /// After EndTransfer of a received file: the EERP waits for the
    /// server's turn (RFC 5024 §3.3.4: the receiver speaks after the CD).
    pub(super) fn end_transfer_done(&mut self, c: &mut OftpConn, id: i32, send_end_response: bool) {
        let Some((sfid, hash)) = c.last_received.take() else { return };
        if send_end_response {
            let mut receipt = Receipt::Eerp(Eerp {
                dataset_name: sfid.dataset_name,
                stamp: sfid.stamp,
                user_data: sfid.user_data,
                destination: sfid.originator,
                originator: sfid.destination,
                hash,
                signature: Vec::new(),
            });
            if sfid.signed_eerp {
                // Signed as the client asked (SFIDSIGN); if that fails
                // (the key went away), the EERP goes unsigned and says so.
                if let Err(e) = self.sign_receipt(c, id, &mut receipt, self.receipt_digest(sfid.cipher_suite)) {
                    c.queued.push_back(OftpEvent::Error { connection_id: id, error_code: e.code, description: e.text });
                }
            }
            c.receipts.push_back(receipt);
        }
    }
}

/// A connection closed mid-file: what arrived up to the last record end is
/// made durable for a restart.
pub(super) fn keep_for_restart(inc: &mut Incoming) {
    if inc.sink.is_some() && inc.write_error.is_none() {
        let _ = OftpProtocol::checkpoint(inc);
    }
}

/// FNV-1a, 64 bits: a stable name for a file identity (not a secret).
pub(super) fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// `%CurrentTime%`: UTC as `yyyyMMddHHmmssffff`.
fn now_text() -> String {
    format_stamp(&crate::oftp::stamp::FileStamp::now(), "yyyyMMddHHmmssffff")
}

/// `%GUID%`: a random version-4 UUID from the process's hasher keys.
fn guid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut parts = [0u64; 2];
    for p in &mut parts {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        *p = h.finish();
    }
    let (a, b) = (parts[0], parts[1]);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_replace_rename_refuses_an_existing_file_and_keeps_both() {
        let dir = std::env::temp_dir().join(format!("pier-oftp-rename-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        fs::write(&a, "new").unwrap();
        fs::write(&b, "old").unwrap();
        let e = rename_no_replace(&a, &b).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&b).unwrap(), "old");
        fs::remove_file(&b).unwrap();
        rename_no_replace(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(&b).unwrap(), "new");
        assert!(!a.exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn end_transfer_reasons_are_the_nerp_codes_of_the_efna() {
        assert_eq!(end_transfer_reason(EfnaReason::InvalidRecordCount), 20);
        assert_eq!(end_transfer_reason(EfnaReason::InvalidByteCount), 21);
        assert_eq!(end_transfer_reason(EfnaReason::AccessMethodFailure), 22);
        assert_eq!(end_transfer_reason(EfnaReason::DuplicateFile), 23);
        assert_eq!(end_transfer_reason(EfnaReason::MaximumRecordLengthNotSupported), 15);
    }
}
