//! Secured files received (RFC 5024 §6): signed, compressed and/or
//! encrypted, always a CMS envelope (SFIDENV 1). The envelope is stored as
//! it arrives, in the partial file, so a restart works on the transmitted
//! octets (RFC 5024 §5.3.3 SFIDREST: a secured file restarts as format U).
//! Once EFID says it is complete and the partial is synced, it is decoded
//! — decrypt, decompress, verify, in the reverse of §6.1's order — through
//! `cms::Decoder` into `<partial>.decoded`, with bounded memory, and only
//! a file that decoded and verified goes under the final name. Decisions:
//! docs/OFTP.md "Security".

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::security::Use;
use super::{OftpConn, OftpProtocol};
use crate::cms::{self, CipherSuite, CmsError, DecodeOptions, Decoder, OsRandom, Stage};
use crate::core::error::Error;
use crate::oftp::command::{FileFormat, SecurityLevel, Sfid};
use crate::oftp::error::{OFTP_ERR_CERT_INVALID, OFTP_ERR_CRYPTO, OFTP_ERR_SIGNATURE};
use crate::oftp::reason::{EfnaReason, SfnaReason};
use crate::oftp::restructure::Restructure;
use crate::oftp::trust;

/// What decoding a received secured file needs, found at its SFID.
pub struct Security {
    suite: Option<CipherSuite>,
    compressed: bool,
    /// Our key, when the file is encrypted.
    identity: Option<cms::Identity>,
    /// Whose signatures count, when the file is signed.
    verify: Option<Vec<cms::Certificate>>,
    /// The most octets the content may expand to (DecompressionLimit).
    decompression_limit: u64,
}

/// A refusal at SFID: the SFNA reason, its text, and the Error event to
/// fire (code, description) when the application has something to fix.
pub type Refusal = (SfnaReason, String, Option<Error>);

/// A failure at EFID: the EFNA reason and the Error event.
pub type Failure = (EfnaReason, Error);

/// DecompressionLimit 0: twice SFIDOSIZ (the original size, an estimate,
/// RFC 5024 §5.3.3) plus a MiB; with SFIDOSIZ 0 ("not known") this many
/// times SFIDFSIZ plus a MiB — zlib's own limit is about 1032:1.
const UNKNOWN_SIZE_EXPANSION: u64 = 1032;

impl OftpProtocol {
    /// At SFID: `Ok(None)` for a plain file, `Ok(Some)` for a secured one
    /// this server can decode, else the RFC's refusal (RFC 5024 §5.3.5).
    pub(super) fn secured_file_check(&self, c: &OftpConn, id: i32, sfid: &Sfid) -> Result<Option<Security>, Refusal> {
        let encrypted = matches!(sfid.security_level, SecurityLevel::Encrypted | SecurityLevel::EncryptedAndSigned);
        let signed = matches!(sfid.security_level, SecurityLevel::Signed | SecurityLevel::EncryptedAndSigned);
        if !sfid.enveloped {
            if encrypted || signed || sfid.compressed {
                let text = "a signed, compressed or encrypted file must be enveloped (SFIDENV 1, RFC 5024 §6.1)";
                return Err((SfnaReason::UnspecifiedReason, text.into(), None));
            }
            return Ok(None);
        }
        if !encrypted && !signed && !sfid.compressed {
            // An envelope without services: a certificate exchange file (§6.4 of the issue).
            let text = "enveloped files without security services (certificate exchange) are not accepted";
            return Err((SfnaReason::UnspecifiedReason, text.into(), None));
        }
        let suite = if encrypted || signed {
            match CipherSuite::from_code(sfid.cipher_suite) {
                Some(s) => Some(s),
                None => {
                    let text = format!("cipher suite {:02} is not one of RFC 5024's 01-06", sfid.cipher_suite);
                    return Err((SfnaReason::CipherSuiteNotSupported, text, None));
                }
            }
        } else {
            None
        };
        let identity = if encrypted {
            match self.own_identity(c, id, Use::Encryption) {
                Ok(i) => Some(i),
                Err(e) => return Err((SfnaReason::EncryptedFileNotAllowed, String::new(), Some(e))),
            }
        } else {
            None
        };
        let verify = if signed {
            let mut certs = Vec::new();
            match self.partner_cert(c, Use::Signing) {
                Ok(cert) => certs.push(cert),
                // With TrustedCerts the envelope may bring its signer.
                Err(e) if self.trusted.is_empty() => {
                    return Err((SfnaReason::SignedFileNotAllowed, String::new(), Some(e)));
                }
                Err(_) => {}
            }
            certs.extend(self.trusted.iter().filter_map(|d| cms::Certificate::from_der(d).ok()));
            Some(certs)
        } else {
            None
        };
        let decompression_limit = match self.setting("DecompressionLimit", None).parse().unwrap_or(0u64) {
            0 if sfid.original_file_size > 0 => sfid.original_file_size.saturating_mul(2048).saturating_add(1 << 20),
            0 => sfid.file_size.saturating_mul(1024 * UNKNOWN_SIZE_EXPANSION).saturating_add(1 << 20),
            n => n,
        };
        Ok(Some(Security { suite, compressed: sfid.compressed, identity, verify, decompression_limit }))
    }

    /// At EFID, the envelope complete and synced in `raw`: decodes it into
    /// `<raw>.decoded` (synced), stored as `format` stores (F/V records as
    /// lines). Returns that path and ReceivedFileEncryptionAlg's value.
    pub(super) fn decode_secured(
        &self,
        sec: Security,
        raw: &Path,
        format: FileFormat,
        lrecl: usize,
    ) -> Result<(PathBuf, i32), Failure> {
        let decoded = raw.with_extension("decoded");
        // TrustedCerts validate a signer the envelope brought.
        let r = decode_into(&sec, &self.trusted, raw, &decoded, format, lrecl);
        if r.is_err() {
            let _ = fs::remove_file(&decoded);
        }
        r.map(|alg| (decoded, alg))
    }
}

/// The failure of the layer that failed, or of the outermost one when the
/// envelope itself is garbled (RFC 5024 §5.3.10 EFNA 21-23).
fn failure(sec: &Security, e: &CmsError) -> Failure {
    let (reason, code) = match e {
        CmsError::NotForRecipient | CmsError::DecryptFailed => (EfnaReason::FileDecryptionFailure, OFTP_ERR_CRYPTO),
        CmsError::UnknownSigner | CmsError::DigestMismatch | CmsError::BadSignature | CmsError::NoSignature => {
            (EfnaReason::InvalidFileSignature, OFTP_ERR_SIGNATURE)
        }
        CmsError::ExpansionLimit(_) => (EfnaReason::FileDecompressionFailure, OFTP_ERR_CRYPTO),
        _ if sec.identity.is_some() => (EfnaReason::FileDecryptionFailure, OFTP_ERR_CRYPTO),
        _ if sec.compressed => (EfnaReason::FileDecompressionFailure, OFTP_ERR_CRYPTO),
        _ => (EfnaReason::InvalidFileSignature, OFTP_ERR_SIGNATURE),
    };
    (reason, Error::new(code, format!("{}: {e}", reason.text())))
}

/// The start of the error text when decoded content is not the records its
/// format says.
const NOT_RECORDS: &str = "The decoded file is not records of its format";

/// Decoded content, its records restored, into the decoded file.
struct Store {
    records: Restructure,
    out: BufWriter<File>,
}

impl cms::Sink for Store {
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError> {
        let mut write = Ok(());
        let Store { records, out } = self;
        records
            .push(data, &mut |piece| {
                if write.is_ok() {
                    write = out.write_all(piece);
                }
            })
            .map_err(|e| CmsError::Sink(format!("{NOT_RECORDS}: {e}")))?;
        write.map_err(|e| CmsError::Sink(e.to_string()))
    }
}

fn decode_into(
    sec: &Security,
    trusted: &[Vec<u8>],
    raw: &Path,
    decoded: &Path,
    format: FileFormat,
    lrecl: usize,
) -> Result<i32, Failure> {
    let io_fail = |what: &str, e: io::Error| {
        (EfnaReason::AccessMethodFailure, Error::new(crate::core::error::codes::FILE, format!("{what}: {e}")))
    };
    let mut input = File::open(raw).map_err(|e| io_fail("Opening the received envelope", e))?;
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let out = o.open(decoded).map_err(|e| io_fail("Creating the decoded file", e))?;
    let mut store = Store { records: Restructure::new(format, lrecl), out: BufWriter::with_capacity(64 * 1024, out) };
    let mut dec = Decoder::new(DecodeOptions {
        decrypt: sec.identity.clone().map(|i| (i, Box::new(OsRandom) as Box<dyn cms::Random>)),
        decompress: sec.compressed.then_some(sec.decompression_limit),
        verify: sec.verify.clone().map(|certs| (certs, !trusted.is_empty())),
    });
    let mut buf = vec![0u8; 256 * 1024];
    let run = (|| -> Result<(), CmsError> {
        loop {
            let n = input.read(&mut buf).map_err(|e| CmsError::Sink(format!("reading the envelope: {e}")))?;
            if n == 0 {
                break;
            }
            dec.push(&buf[..n], &mut store)?;
        }
        dec.finish(&mut store)
    })();
    match run {
        Err(CmsError::Sink(text)) if text.starts_with(NOT_RECORDS) => {
            return Err((EfnaReason::UnspecifiedReason, Error::new(OFTP_ERR_CRYPTO, text)));
        }
        Err(CmsError::Sink(text)) => return Err(io_fail("Writing the decoded file", io::Error::other(text))),
        Err(e) => return Err(failure(sec, &e)),
        Ok(()) => {}
    }
    let Store { mut records, mut out } = store;
    let mut tail = Vec::new();
    records
        .finish(&mut |piece| tail.extend_from_slice(piece))
        .map_err(|e| (EfnaReason::UnspecifiedReason, Error::new(OFTP_ERR_CRYPTO, format!("{NOT_RECORDS}: {e}"))))?;
    out.write_all(&tail).map_err(|e| io_fail("Writing the decoded file", e))?;
    let file = out.into_inner().map_err(|e| io_fail("Writing the decoded file", e.into_error()))?;
    file.sync_all().map_err(|e| io_fail("Syncing the decoded file", e))?;
    let report = dec.report();
    if let (Some(suite), Some(cipher)) = (sec.suite, report.cipher) {
        if sec.identity.is_some() && cipher != suite.cipher() {
            let text = format!("the envelope is {cipher:?}, SFIDCIPH {:02} says {:?}", suite.code(), suite.cipher());
            return Err((EfnaReason::CipherSuiteNotSupported, Error::new(OFTP_ERR_CRYPTO, text)));
        }
    }
    if let (Some(suite), Some(signer)) = (sec.suite, &report.signer) {
        if signer.digest != suite.digest() {
            let text =
                format!("the signature is {:?}, SFIDCIPH {:02} says {:?}", signer.digest, suite.code(), suite.digest());
            return Err((EfnaReason::CipherSuiteNotSupported, Error::new(OFTP_ERR_CRYPTO, text)));
        }
    }
    if let Some(signer) = &report.signer {
        if !signer.trusted {
            // The envelope brought its signer: it must chain to TrustedCerts.
            trust::validate(signer.signer.der(), trusted, SystemTime::now(), trust::Purpose::Signing)
                .map_err(|e| (EfnaReason::InvalidFileSignature, Error::new(OFTP_ERR_CERT_INVALID, e.text)))?;
        }
    }
    Ok(report.cipher.map_or(-1, super::security::number_of))
}
