//! Where OFTPServer's certificates come from for each use, and secure
//! authentication driven over a connection (docs/OFTP.md "Security").
//!
//! Our certificate for a use (session authentication, decryption, signing,
//! receipt signing): `CertificateStore[ConnectionId]` (with its Type,
//! Password and Subject) when set and `CertificateType[ConnectionId]` is 0
//! or that use; else the Certificate property when `CertificateType` is 0
//! or that use; else 689. The partner's: the `ConnRecipientCert*` fields
//! when `RecipientCertificateType` is 0 or that use, else 689; with
//! TrustedCerts imported and FailOnUntrustedCert True it must validate
//! (690).

use std::time::SystemTime;

use super::speak::Receipt;
use super::{OftpConn, OftpProtocol, OftpTimer};
use crate::cms::{self, ContentCipher, EnvelopeDecoder, OsRandom, Random};
use crate::core::error::Error;
use crate::oftp::auth::{AuthCrypto, AuthFailure, AuthOutcome, Exchange, CHALLENGE_LEN};
use crate::oftp::command::Command;
use crate::oftp::error::{OFTP_ERR_CERT_INVALID, OFTP_ERR_CERT_MISSING, OFTP_ERR_CRYPTO};
use crate::oftp::reason::EsidReason;
use crate::oftp::receipts;
use crate::oftp::trust::{self, Purpose};
use crate::stream::Ctx;
use crate::tls::cert::CertSpec;

/// What a certificate is used for: the values of CertificateType and
/// RecipientCertificateType beside 0 ("all operations").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// 1: session authentication (ours: we open the client's challenge;
    /// theirs: we seal ours for it).
    SessionAuthentication = 1,
    /// 2: decryption (ours) / encryption (theirs).
    Encryption = 2,
    /// 3: signing (ours) / signature verification (theirs).
    Signing = 3,
    /// 4: receipt signing (ours) / receipt verification (theirs).
    Receipts = 4,
}

impl Use {
    fn allowed_by(self, certificate_type: i32) -> bool {
        certificate_type == 0 || certificate_type == self as i32
    }

    fn purpose(self) -> Purpose {
        match self {
            Use::SessionAuthentication | Use::Encryption => Purpose::Encryption,
            Use::Signing | Use::Receipts => Purpose::Signing,
        }
    }
}

/// Which sent file a receipt is for: its name and stamp (RFC 5024 §1.5.2).
pub fn receipt_key(dataset_name: &str, stamp: &crate::oftp::stamp::FileStamp) -> (String, String) {
    (dataset_name.to_string(), crate::oftp::names::format_stamp(stamp, "yyyyMMddHHmmssffff"))
}

/// ConnEncryptionAlgorithm for what has no ODETTE suite, the
/// secure-authentication challenge: 0 3DES, 1 AES-128 (the reference),
/// 2 AES-192, 3 AES-256 (pier). Files go by their suite
/// (`spool::file_cipher`, docs/OFTP.md).
pub fn cipher_of(encryption_algorithm: i32) -> ContentCipher {
    match encryption_algorithm {
        1 => ContentCipher::Aes128Cbc,
        2 => ContentCipher::Aes192Cbc,
        3 => ContentCipher::Aes256Cbc,
        _ => ContentCipher::Des3Cbc,
    }
}

/// The reverse of [`cipher_of`]: a cipher in ConnEncryptionAlgorithm's
/// numbers (what ReceivedFileEncryptionAlg reads).
pub fn number_of(c: ContentCipher) -> i32 {
    match c {
        ContentCipher::Des3Cbc => 0,
        ContentCipher::Aes128Cbc => 1,
        ContentCipher::Aes192Cbc => 2,
        ContentCipher::Aes256Cbc => 3,
    }
}

impl OftpProtocol {
    /// Our certificate and private key for `what` on this connection.
    pub(super) fn own_identity(&self, c: &OftpConn, id: i32, what: Use) -> Result<cms::Identity, Error> {
        let per_conn = |name| self.setting(name, Some(id));
        let store = Some(per_conn("CertificateStore")).filter(|s| !s.is_empty());
        let spec = match store.filter(|_| what.allowed_by(c.opts.certificate_type)) {
            Some(store) => CertSpec {
                store_type: per_conn("CertificateStoreType").parse().unwrap_or(0),
                store: store.as_bytes().to_vec(),
                password: per_conn("CertificateStorePassword").to_string(),
                subject: per_conn("CertificateSubject").to_string(),
                encoded: Vec::new(),
            },
            None if what.allowed_by(self.defaults.certificate_type)
                && (!self.certificate.encoded.is_empty() || self.certificate.store != b"MY") =>
            {
                self.certificate.clone()
            }
            None => {
                return Err(Error::new(
                    OFTP_ERR_CERT_MISSING,
                    format!("A required certificate was not provided: set Certificate (or CertificateStore[{id}]) for {what:?}."),
                ))
            }
        };
        let selected = spec
            .first_if_unnamed()
            .select()
            .map_err(|e| Error::new(OFTP_ERR_CERT_INVALID, format!("Certificate: {}", e.text)))?;
        let key = selected.private_key_der().ok_or_else(|| {
            Error::new(OFTP_ERR_CERT_MISSING, format!("Certificate \"{}\" has no private key.", selected.subject))
        })?;
        cms::Identity::from_der(selected.leaf_der(), key.secret_der())
            .map_err(|e| Error::new(OFTP_ERR_CERT_INVALID, format!("Certificate \"{}\": {e}", selected.subject)))
    }

    /// The partner's certificate for `what` (ConnRecipientCert*).
    pub(super) fn partner_cert(&self, c: &OftpConn, what: Use) -> Result<cms::Certificate, Error> {
        let spec = &c.props.recipient_cert;
        let recipient_type = self.setting("RecipientCertificateType", None).parse().unwrap_or(0);
        if !what.allowed_by(recipient_type) || (spec.store.is_empty() || spec.store == b"MY") && spec.encoded.is_empty()
        {
            return Err(Error::new(
                OFTP_ERR_CERT_MISSING,
                format!("A required certificate was not provided: set ConnRecipientCertStore (and its Type and Subject) for {what:?}."),
            ));
        }
        let selected = spec
            .first_if_unnamed()
            .select()
            .map_err(|e| Error::new(OFTP_ERR_CERT_INVALID, format!("ConnRecipientCert: {}", e.text)))?;
        let der = selected.leaf_der();
        if self.fail_on_untrusted_cert() {
            trust::validate(der, &self.trusted, SystemTime::now(), what.purpose())?;
        }
        cms::Certificate::from_der(der)
            .map_err(|e| Error::new(OFTP_ERR_CERT_INVALID, format!("ConnRecipientCert \"{}\": {e}", selected.subject)))
    }

    /// The digest of a signed receipt for a file of SFIDCIPH `suite`: the
    /// suite's (RFC 5024 §5.3.3: SFIDCIPH also names the receipt's suite),
    /// else DefaultReceiptHashAlgorithm.
    pub(super) fn receipt_digest(&self, suite: u8) -> cms::DigestAlg {
        match cms::CipherSuite::from_code(suite) {
            Some(s) => s.digest(),
            None => match self.setting("DefaultReceiptHashAlgorithm", None) {
                "1" => cms::DigestAlg::Sha256,
                "2" => cms::DigestAlg::Sha512,
                _ => cms::DigestAlg::Sha1,
            },
        }
    }

    /// Signs a receipt the server sends (our certificate for use 4).
    pub(super) fn sign_receipt(
        &self,
        c: &OftpConn,
        id: i32,
        r: &mut Receipt,
        digest: cms::DigestAlg,
    ) -> Result<(), Error> {
        let me = self
            .own_identity(c, id, Use::Receipts)
            .map_err(|e| Error::new(crate::oftp::error::OFTP_ERR_NO_SIGNING_CERT, e.text))?;
        match r {
            Receipt::Eerp(e) => receipts::sign_eerp(e, &me, digest),
            Receipt::Nerp(n) => receipts::sign_nerp(n, &me, digest),
        }
    }

    /// Checks a signed receipt from the client (its certificate for use 4,
    /// or TrustedCerts) against the hash the file was sent with, if known.
    pub(super) fn check_receipt(&self, c: &OftpConn, r: &Receipt, expected_hash: Option<&[u8]>) -> Result<(), Error> {
        let mut trusted: Vec<cms::Certificate> = self.partner_cert(c, Use::Receipts).into_iter().collect();
        trusted.extend(self.trusted.iter().filter_map(|d| cms::Certificate::from_der(d).ok()));
        if trusted.is_empty() {
            return Err(Error::new(
                OFTP_ERR_CERT_MISSING,
                "A required certificate was not provided: set ConnRecipientCertStore to verify the signed receipt.",
            ));
        }
        let cmd = match r {
            Receipt::Eerp(e) => Command::Eerp(e.clone()),
            Receipt::Nerp(n) => Command::Nerp(n.clone()),
        };
        receipts::verify(&cmd, &trusted, expected_hash)
    }

    /// SendFile asking for a signed receipt: the client's certificate must
    /// be there to check it (689 naming what to set).
    pub(super) fn receipt_check_possible(&self, c: &OftpConn) -> Result<(), Error> {
        if !self.trusted.is_empty() {
            return Ok(());
        }
        self.partner_cert(c, Use::Receipts).map(|_| ())
    }

    /// SFIDCIPH of a plain file that asks for a signed receipt: the suite of
    /// ConnEncryptionAlgorithm's cipher and DefaultReceiptHashAlgorithm.
    pub(super) fn receipt_suite(&self, c: &OftpConn) -> Result<u8, Error> {
        let cipher = super::spool::file_cipher(c.props.encryption_algorithm)?;
        let digest = self.receipt_digest(0);
        Ok(cms::CipherSuite::from_parts(cipher, digest).expect("3DES and AES-256 have a suite per digest").code())
    }

    fn fail_on_untrusted_cert(&self) -> bool {
        crate::core::value::parse_bool(self.setting("FailOnUntrustedCert", None)).unwrap_or(true)
    }

    /// Secure authentication was agreed: the exchange begins (the client's
    /// SECD comes next).
    pub(super) fn on_authentication_started(&mut self, c: &mut OftpConn) {
        c.auth = Some(Exchange::new());
    }

    /// A SECD, AUCH or AURP of the client, while authenticating.
    pub(super) fn on_security_command(&mut self, cx: &mut Ctx<'_, OftpTimer>, c: &mut OftpConn, cmd: Command) {
        let id = cx.id();
        // Out of the connection for the call: the keys are read from it.
        let Some(mut exchange) = c.auth.take() else { return };
        let mut crypto = SessionCrypto { ours: None, theirs: None, protocol: self, conn: &*c, id, rng: OsRandom };
        let outcome = exchange.on_command(&cmd, &mut crypto);
        c.auth = Some(exchange);
        let actions = match outcome {
            AuthOutcome::Continue(cmds) => {
                let mut actions = Vec::new();
                for cmd in cmds {
                    match c.session.send_security(cmd) {
                        Ok(a) => actions.extend(a),
                        Err(e) => actions.extend(c.session.abort(EsidReason::UnspecifiedAbortCode, &e.to_string())),
                    }
                }
                actions
            }
            AuthOutcome::Authenticated(aurp) => {
                c.auth = None;
                let mut actions = c.session.send_security(aurp).unwrap_or_default();
                actions.extend(c.session.finish_authentication(Ok(())).unwrap_or_default());
                self.log(c, id, 1, "Info", "Secure authentication: both sides authenticated".into());
                actions
            }
            AuthOutcome::Failed(f) => {
                c.auth = None;
                c.session.finish_authentication(Err(&f)).unwrap_or_default()
            }
        };
        self.run(cx, c, actions);
    }
}

/// The keys of one connection's authentication, loaded when first needed.
struct SessionCrypto<'a> {
    ours: Option<cms::Identity>,
    theirs: Option<cms::Certificate>,
    protocol: &'a OftpProtocol,
    conn: &'a OftpConn,
    id: i32,
    rng: OsRandom,
}

fn failure(e: Error) -> AuthFailure {
    match e.code {
        OFTP_ERR_CERT_MISSING => AuthFailure::missing(e.text),
        OFTP_ERR_CRYPTO => AuthFailure::crypto(e.text),
        _ => AuthFailure::invalid_cert(e.text),
    }
}

impl AuthCrypto for SessionCrypto<'_> {
    fn challenge(&mut self) -> Result<[u8; CHALLENGE_LEN], AuthFailure> {
        let mut c = [0; CHALLENGE_LEN];
        self.rng.fill(&mut c).map_err(|e| AuthFailure::crypto(format!("Cryptographic operation failed: {e}")))?;
        Ok(c)
    }

    fn seal(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<Vec<u8>, AuthFailure> {
        if self.theirs.is_none() {
            self.theirs = Some(self.protocol.partner_cert(self.conn, Use::SessionAuthentication).map_err(failure)?);
        }
        let cert = self.theirs.clone().expect("just set");
        let cipher = cipher_of(self.conn.props.encryption_algorithm);
        // DER: the partner's parser may take nothing else (cms::small).
        cms::small::seal(challenge, &[cert], cipher, &mut self.rng)
            .map_err(|e| AuthFailure::crypto(format!("Cryptographic operation failed: {e}")))
    }

    fn open(&mut self, envelope: &[u8]) -> Result<Vec<u8>, AuthFailure> {
        if self.ours.is_none() {
            self.ours =
                Some(self.protocol.own_identity(self.conn, self.id, Use::SessionAuthentication).map_err(failure)?);
        }
        let me = self.ours.clone().expect("just set");
        let mut dec = EnvelopeDecoder::new(me, Box::new(OsRandom));
        cms::run_to_vec(&mut dec, envelope)
            .map_err(|e| AuthFailure::crypto(format!("Cryptographic operation failed: the client's challenge: {e}")))
    }
}
