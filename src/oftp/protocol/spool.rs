//! Secured files sent (RFC 5024 §6.1): SendFile with
//! ConnVirtualFileSecurityLevel or ConnCompress set encodes the file once —
//! V record headers (§6.5), sign, compress, encrypt — into a spool file in
//! the temporary directory, and sends the spool as format U (§5.3.3).
//! The spool is named after the send's restart journal, so a resend after
//! an interrupted session (or a restarted process) finds it and resumes
//! from the receiver's restart point: the encoding cannot be made again
//! byte for byte (its content key is random). Decisions: docs/OFTP.md
//! "Security".

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::security::Use;
use super::{OftpConn, OftpProtocol};
use crate::cms::{self, CipherSuite, ContentCipher, DigestAlg, EncodeOptions, Encoder, OsRandom, SignOptions, Stage};
use crate::core::error::{Error, Result};
use crate::oftp::command::{FileFormat, SecurityLevel};
use crate::oftp::error::{OFTP_ERR_CRYPTO, OFTP_ERR_NO_ENCRYPTION_CERT, OFTP_ERR_NO_SIGNING_CERT, OFTP_ERR_V2_ONLY};
use crate::oftp::record::{LineSplitter, RecordEvent};

/// What the SFID of a secured file says (SFIDSEC, SFIDCIPH, SFIDCOMP;
/// SFIDENV is 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Secured {
    pub level: SecurityLevel,
    pub suite: u8,
    pub compressed: bool,
}

/// How an outgoing file is secured, from the connection's properties.
pub struct Plan {
    pub secured: Secured,
    options: EncodeOptions,
}

/// ConnEncryptionAlgorithm for files: the content cipher and whether it
/// has an ODETTE suite. 1, the reference's "AES with key length of 128",
/// sends AES-256: RFC 5024's suites know no AES-128 (docs/OFTP.md).
pub(super) fn file_cipher(encryption_algorithm: i32) -> Result<ContentCipher> {
    match encryption_algorithm {
        0 => Ok(ContentCipher::Des3Cbc),
        1 | 3 => Ok(ContentCipher::Aes256Cbc),
        n => Err(Error::new(
            OFTP_ERR_CRYPTO,
            format!("ConnEncryptionAlgorithm {n} (AES-192) has no ODETTE cipher suite for files; use 0 (3DES) or 3 (AES-256)"),
        )),
    }
}

/// FileHashAlgorithm: 0 SHA-1, 1 SHA-256 (the default), 2 SHA-512.
fn file_digest(file_hash_algorithm: i32) -> DigestAlg {
    match file_hash_algorithm {
        0 => DigestAlg::Sha1,
        2 => DigestAlg::Sha512,
        _ => DigestAlg::Sha256,
    }
}

impl OftpProtocol {
    /// The plan for the connection's next file, `None` for a plain one:
    /// 688 below 2.0, 685/686 when the partner's or our certificate is
    /// missing (the text says what to set).
    pub(super) fn send_plan(&self, c: &OftpConn, id: i32) -> Result<Option<Plan>> {
        let level = c.props.virtual_file_security_level;
        let (encrypt, sign) = (level == 1 || level == 3, level == 2 || level == 3);
        if !encrypt && !sign && !c.props.compress {
            return Ok(None);
        }
        if !c.session.negotiated().is_some_and(|n| n.level.is_v2()) {
            return Err(Error::new(
                OFTP_ERR_V2_ONLY,
                "The requested feature is only supported in OFTP Version 2.0: signed, encrypted and compressed files",
            ));
        }
        let cipher = file_cipher(c.props.encryption_algorithm)?;
        let digest = file_digest(c.opts.file_hash_algorithm);
        let suite = CipherSuite::from_parts(cipher, digest).expect("3DES and AES-256 have a suite for each digest");
        let encrypt = if encrypt {
            let to =
                self.partner_cert(c, Use::Encryption).map_err(|e| Error::new(OFTP_ERR_NO_ENCRYPTION_CERT, e.text))?;
            Some((vec![to], cipher))
        } else {
            None
        };
        let sign = if sign {
            let me =
                self.own_identity(c, id, Use::Signing).map_err(|e| Error::new(OFTP_ERR_NO_SIGNING_CERT, e.text))?;
            Some((me, SignOptions::new(digest)))
        } else {
            None
        };
        let security = match (encrypt.is_some(), sign.is_some()) {
            (true, true) => SecurityLevel::EncryptedAndSigned,
            (true, false) => SecurityLevel::Encrypted,
            (false, true) => SecurityLevel::Signed,
            (false, false) => SecurityLevel::None,
        };
        let with_suite = security != SecurityLevel::None;
        Ok(Some(Plan {
            secured: Secured {
                level: security,
                suite: if with_suite { suite.code() } else { 0 },
                compressed: c.props.compress,
            },
            options: EncodeOptions {
                sign,
                compress: c.props.compress.then_some(self.file_compression_level()),
                encrypt,
            },
        }))
    }
}

/// Encodes `source` (a stored file: F/V one record per CR-LF line) into
/// `spool`, synced; returns the spool open for reading, and its size.
pub(super) fn encode(
    plan: Plan,
    source: &mut dyn Read,
    format: FileFormat,
    lrecl: u32,
    spool: &Path,
) -> Result<(File, u64)> {
    let fail = |what: &str, e: &dyn std::fmt::Display| Error::new(OFTP_ERR_CRYPTO, format!("{what}: {e}"));
    let r = (|| -> Result<u64> {
        let mut o = OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.custom_flags(libc::O_NOFOLLOW);
        }
        if let Some(dir) = spool.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::file(format!("{}: {e}", dir.display())))?;
        }
        let file = o.open(spool).map_err(|e| Error::file(format!("{}: {e}", spool.display())))?;
        let mut out = SpoolSink(BufWriter::with_capacity(64 * 1024, file));
        let mut enc = Encoder::new(plan.options, Box::new(OsRandom)).map_err(|e| fail("Encoding the file", &e))?;
        let mut records = Records::new(format, lrecl);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n =
                source.read(&mut buf).map_err(|e| Error::new(crate::oftp::error::OFTP_ERR_READ_FILE, e.to_string()))?;
            if n == 0 {
                break;
            }
            records.feed(&buf[..n], &mut |d| enc.push(d, &mut out))?;
        }
        records.finish(&mut |d| enc.push(d, &mut out))?;
        enc.finish(&mut out).map_err(|e| fail("Encoding the file", &e))?;
        let file = out.0.into_inner().map_err(|e| Error::file(format!("Writing the spool: {}", e.error())))?;
        file.sync_all().map_err(|e| Error::file(format!("Syncing the spool: {e}")))?;
        Ok(file.metadata().map(|m| m.len()).unwrap_or(0))
    })();
    match r {
        Ok(size) => {
            let file = File::open(spool).map_err(|e| Error::file(format!("{}: {e}", spool.display())))?;
            Ok((file, size))
        }
        Err(e) => {
            let _ = fs::remove_file(spool);
            Err(e)
        }
    }
}

/// The spool's path for a send remembered by `journal` (or a fresh one).
pub(super) fn spool_path(journal: Option<&Path>, temp_dir: &Path) -> PathBuf {
    match journal {
        Some(j) => j.with_extension("spool"),
        None => temp_dir.join(format!("outgoing-{:016x}.spool", super::receive::fnv1a(&unique()))),
    }
}

fn unique() -> Vec<u8> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format!("{}.{}", std::process::id(), now.as_nanos()).into_bytes()
}

struct SpoolSink(BufWriter<File>);

impl cms::Sink for SpoolSink {
    fn put(&mut self, data: &[u8]) -> std::result::Result<(), cms::CmsError> {
        self.0.write_all(data).map_err(|e| cms::CmsError::Sink(format!("writing the spool: {e}")))
    }
}

impl OftpProtocol {
    /// FileCompressionLevel (pier; zlib's default 6).
    fn file_compression_level(&self) -> u32 {
        self.setting("FileCompressionLevel", None).parse().unwrap_or(6)
    }
}

/// The stored form back to what is signed (RFC 5024 §6.5): V records with
/// a 2-octet big-endian length before each, F records back to back, U and
/// T as they are.
struct Records {
    format: FileFormat,
    lines: Option<LineSplitter>,
    record: Vec<u8>,
}

impl Records {
    fn new(format: FileFormat, lrecl: u32) -> Self {
        Records { format, lines: format.has_records().then(|| LineSplitter::new(lrecl)), record: Vec::new() }
    }

    fn feed(
        &mut self,
        data: &[u8],
        out: &mut dyn FnMut(&[u8]) -> std::result::Result<(), cms::CmsError>,
    ) -> Result<()> {
        let Some(lines) = self.lines.as_mut() else {
            return out(data).map_err(|e| Error::new(OFTP_ERR_CRYPTO, e.to_string()));
        };
        let (format, record) = (self.format, &mut self.record);
        let mut failed = None;
        lines
            .feed(data, |ev| {
                if failed.is_none() {
                    failed = emit(format, record, ev, out).err();
                }
            })
            .map_err(|e| Error::new(crate::oftp::error::OFTP_ERR_READ_FILE, e.to_string()))?;
        failed.map_or(Ok(()), |e| Err(Error::new(OFTP_ERR_CRYPTO, e.to_string())))
    }

    fn finish(&mut self, out: &mut dyn FnMut(&[u8]) -> std::result::Result<(), cms::CmsError>) -> Result<()> {
        let Some(lines) = self.lines.as_mut() else { return Ok(()) };
        let (format, record) = (self.format, &mut self.record);
        let mut failed = None;
        lines
            .finish(|ev| {
                if failed.is_none() {
                    failed = emit(format, record, ev, out).err();
                }
            })
            .map_err(|e| Error::new(crate::oftp::error::OFTP_ERR_READ_FILE, e.to_string()))?;
        failed.map_or(Ok(()), |e| Err(Error::new(OFTP_ERR_CRYPTO, e.to_string())))
    }
}

/// One record event of the stored file: F data goes straight out; V data is
/// gathered (a record is at most SFIDLRECL, 99999 octets) until its end
/// gives the length to put before it.
fn emit(
    format: FileFormat,
    record: &mut Vec<u8>,
    ev: RecordEvent<'_>,
    out: &mut dyn FnMut(&[u8]) -> std::result::Result<(), cms::CmsError>,
) -> std::result::Result<(), cms::CmsError> {
    match (format, ev) {
        (FileFormat::Variable, RecordEvent::Data(d)) => {
            record.extend_from_slice(d);
            Ok(())
        }
        (FileFormat::Variable, RecordEvent::EndOfRecord) => {
            let len = u16::try_from(record.len()).map_err(|_| {
                cms::CmsError::Sink(format!("a V record of {} octets has no 2-octet length", record.len()))
            })?;
            out(&len.to_be_bytes())?;
            out(record)?;
            record.clear();
            Ok(())
        }
        (_, RecordEvent::Data(d)) => out(d),
        _ => Ok(()),
    }
}

/// Removes a spool (and never fails: it is only a cache of the encoding).
pub(super) fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(format: FileFormat, lrecl: u32, stored: &[u8]) -> Vec<u8> {
        let mut r = Records::new(format, lrecl);
        let mut out = Vec::new();
        let mut put = |d: &[u8]| {
            out.extend_from_slice(d);
            Ok(())
        };
        for piece in stored.chunks(3) {
            r.feed(piece, &mut put).unwrap();
        }
        r.finish(&mut put).unwrap();
        out
    }

    #[test]
    fn stored_records_become_what_rfc_5024_6_5_signs() {
        assert_eq!(records(FileFormat::Variable, 80, b"abc\r\n\r\ndefgh\r\n"), b"\x00\x03abc\x00\x00\x00\x05defgh");
        assert_eq!(records(FileFormat::Fixed, 3, b"abc\r\ndef\r\n"), b"abcdef");
        assert_eq!(records(FileFormat::Unstructured, 0, b"a\r\nb"), b"a\r\nb");
        // And back: what restructure makes of them is the stored form.
        let mut back = crate::oftp::restructure::Restructure::new(FileFormat::Variable, 80);
        let mut out = Vec::new();
        back.push(b"\x00\x03abc\x00\x00\x00\x05defgh", &mut |d| out.extend_from_slice(d)).unwrap();
        assert_eq!(out, b"abc\r\n\r\ndefgh\r\n");
    }
}
