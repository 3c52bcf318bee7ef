//! One accepted request: what the application and the client asked for,
//! where the data comes from or goes to, and the transfer state machine.
//! Also the data-source and data-sink rules of `docs/TFTP.md`:
//! downloads read ConnFileData, else ConnLocalFile, else LocalDir/Filename;
//! uploads write ConnLocalFile, else LocalDir/Filename (both atomically),
//! else only the Transfer events carry the data.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Instant;

use mio::net::UdpSocket;

use super::netascii;
use super::options::{Direction, Limits};
use super::packet::{errcode, Mode, TftpError, TftpOption};
use super::path::{self, tftp_error_for_io, AtomicUpload};
use super::transfer::Transfer;
use crate::core::error::Error;

/// pier codes for local file problems (TFTPServer error table).
pub(crate) mod file_codes {
    pub(crate) const CANT_OPEN: i32 = 127;
    pub(crate) const CANT_WRITE: i32 = 128;
    pub(crate) const CANT_READ: i32 = 129;
}

/// Netascii downloads announce their encoded size (tsize) only for files up
/// to this size: computing it means reading the file once more.
const MAX_NETASCII_TSIZE_SCAN: u64 = 16 * 1024 * 1024;

pub(crate) enum Source {
    Memory { data: Vec<u8>, pos: usize },
    File(FileSource),
}

/// A file with a read-ahead buffer: the next window is read while the
/// client is busy acknowledging this one, so an ACK is answered without a
/// disk read on the critical path (tftpd-hpa's read_ahead does the same).
pub(crate) struct FileSource {
    file: File,
    ahead: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    error: Option<io::Error>,
}

/// The most a transfer reads ahead.
const MAX_READ_AHEAD: usize = 256 * 1024;

impl FileSource {
    fn new(file: File) -> Self {
        FileSource { file, ahead: Vec::new(), start: 0, end: 0, eof: false, error: None }
    }

    fn read_file(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match file.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

impl Source {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Memory { data, pos } => {
                let n = buf.len().min(data.len() - *pos);
                buf[..n].copy_from_slice(&data[*pos..*pos + n]);
                *pos += n;
                Ok(n)
            }
            Source::File(f) => {
                if f.start < f.end {
                    let n = buf.len().min(f.end - f.start);
                    buf[..n].copy_from_slice(&f.ahead[f.start..f.start + n]);
                    f.start += n;
                    return Ok(n);
                }
                if let Some(e) = f.error.take() {
                    return Err(e);
                }
                if f.eof {
                    return Ok(0);
                }
                FileSource::read_file(&mut f.file, buf)
            }
        }
    }

    /// Reads up to `want` bytes ahead (bounded), when nothing is buffered.
    pub(crate) fn prefetch(&mut self, want: usize) {
        let Source::File(f) = self else { return };
        if f.start < f.end || f.eof || f.error.is_some() {
            return;
        }
        let want = want.clamp(1, MAX_READ_AHEAD);
        if f.ahead.len() < want {
            f.ahead.resize(want, 0);
        }
        match FileSource::read_file(&mut f.file, &mut f.ahead[..want]) {
            Ok(0) => f.eof = true,
            Ok(n) => {
                f.start = 0;
                f.end = n;
            }
            Err(e) => f.error = Some(e),
        }
    }
}

pub(crate) enum Sink {
    /// Only the Transfer events carry the data.
    Events,
    File(AtomicUpload),
}

/// Why a request cannot start: what the client is told, and the pier error
/// for the Error and Disconnected events.
pub(crate) struct Refusal {
    pub to_peer: TftpError,
    pub error: Error,
}

impl Refusal {
    pub(crate) fn new(to_peer: TftpError, code: i32, text: impl Into<String>) -> Refusal {
        Refusal { to_peer, error: Error::new(code, text) }
    }
}

pub(crate) struct Conn {
    pub id: i32,
    /// The client's address (IPv4-mapped addresses shown as IPv4).
    pub peer: SocketAddr,
    /// Where datagrams are sent: the peer as the sending socket knows it.
    pub send_addr: SocketAddr,
    /// The address the request was sent to (pktinfo), if known.
    pub local_ip: Option<IpAddr>,
    /// The transfer's own socket (its TID); None in single-port mode.
    pub sock: Option<UdpSocket>,
    pub filename: String,
    pub raw_filename: Vec<u8>,
    pub mode: Mode,
    pub direction: Direction,
    pub options: Vec<TftpOption<'static>>,
    pub limits: Limits,
    pub file_data: Option<Vec<u8>>,
    pub local_file: String,
    pub transfer: Option<Transfer>,
    pub source: Option<Source>,
    pub sink: Option<Sink>,
    /// Single-port mode: datagrams the listener routed to this transfer.
    pub inbox: VecDeque<Vec<u8>>,
    pub readable: bool,
    pub send_blocked: bool,
    pub in_work: bool,
    /// Disconnected is queued; the entry goes once it has fired.
    pub closing: bool,
    pub timer_at: Option<Instant>,
    pub started: Instant,
    /// The key of this transfer in the routing table: the client's address
    /// exactly as the listening socket saw it.
    pub route_key: SocketAddr,
    /// A local failure (file write, send) that decides the outcome even if
    /// the protocol finished.
    pub local_error: Option<Error>,
    /// The transfer keeps the acknowledged payloads for Transfer events.
    pub capturing: bool,
}

impl Conn {
    /// The download's data and its size on the wire (for tsize and
    /// PercentDone), following the order of the data sources.
    pub(crate) fn open_source(&mut self, local_dir: &str) -> Result<(Source, Option<u64>), Refusal> {
        let text = self.mode.is_text();
        if let Some(data) = self.file_data.take() {
            let size = if text { netascii::encoded_len(&data) } else { data.len() as u64 };
            return Ok((Source::Memory { data, pos: 0 }, Some(size)));
        }
        let path = if !self.local_file.is_empty() {
            let p = Path::new(&self.local_file).to_path_buf();
            match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => p,
                Ok(_) => {
                    return Err(Refusal::new(
                        TftpError::new(errcode::ACCESS_VIOLATION, "not a regular file"),
                        file_codes::CANT_OPEN,
                        format!("Can't open local file {}: not a regular file", self.local_file),
                    ))
                }
                Err(e) => return Err(open_refusal(&self.local_file, &e)),
            }
        } else if !local_dir.is_empty() {
            path::resolve_read(Path::new(local_dir), &self.raw_filename).map_err(|t| {
                let text = format!("Can't open local file for '{}': {}", self.filename, t.message);
                Refusal { to_peer: t, error: Error::new(file_codes::CANT_OPEN, text) }
            })?
        } else {
            return Err(Refusal::new(
                TftpError::new(errcode::FILE_NOT_FOUND, errcode::text(errcode::FILE_NOT_FOUND)),
                file_codes::CANT_OPEN,
                format!("No data for '{}': set ConnFileData or ConnLocalFile, or LocalDir", self.filename),
            ));
        };
        let shown = path.display().to_string();
        let mut f = File::open(&path).map_err(|e| open_refusal(&shown, &e))?;
        let len = f.metadata().map_err(|e| open_refusal(&shown, &e))?.len();
        let size = if !text {
            Some(len)
        } else if len <= MAX_NETASCII_TSIZE_SCAN {
            let mut total = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match f.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => total += netascii::encoded_len(&buf[..n]),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(read_refusal(&shown, &e)),
                }
            }
            f.rewind().map_err(|e| read_refusal(&shown, &e))?;
            Some(total)
        } else {
            None
        };
        Ok((Source::File(FileSource::new(f)), size))
    }

    /// The upload's destination and the free space there, following the
    /// order of the data sinks.
    pub(crate) fn open_sink(&mut self, local_dir: &str, allow_overwrite: bool) -> Result<(Sink, Option<u64>), Refusal> {
        let dest = if !self.local_file.is_empty() {
            Path::new(&self.local_file).to_path_buf()
        } else if !local_dir.is_empty() {
            let p = path::resolve_write(Path::new(local_dir), &self.raw_filename).map_err(|t| {
                let text = format!("Can't write local file for '{}': {}", self.filename, t.message);
                Refusal { to_peer: t, error: Error::new(file_codes::CANT_WRITE, text) }
            })?;
            if !allow_overwrite && p.exists() {
                return Err(Refusal::new(
                    TftpError::new(errcode::FILE_EXISTS, errcode::text(errcode::FILE_EXISTS)),
                    file_codes::CANT_WRITE,
                    format!("'{}' exists and AllowOverwrite is False", self.filename),
                ));
            }
            p
        } else {
            return Ok((Sink::Events, None));
        };
        let shown = dest.display().to_string();
        let up = AtomicUpload::create(&dest).map_err(|e| {
            Refusal::new(tftp_error_for_io(&e), file_codes::CANT_WRITE, format!("Can't write local file {shown}: {e}"))
        })?;
        let free = up.temp_path().parent().and_then(free_space);
        Ok((Sink::File(up), free))
    }
}

fn open_refusal(path: &str, e: &io::Error) -> Refusal {
    Refusal::new(tftp_error_for_io(e), file_codes::CANT_OPEN, format!("Can't open local file {path}: {e}"))
}

fn read_refusal(path: &str, e: &io::Error) -> Refusal {
    Refusal::new(tftp_error_for_io(e), file_codes::CANT_READ, format!("Can't read local file {path}: {e}"))
}

/// Bytes available to an unprivileged writer on the file system of `dir`.
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path and a zeroed statvfs to fill.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return None;
        }
        Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
}
