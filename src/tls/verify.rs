//! Client authentication that leaves the decision to the application.
//!
//! Reference: the TCPServer reference, SSLAuthenticateClients ("the server asks
//! the client(s) for a certificate") and the SSLClientAuthentication event:
//! "The Accept parameter is a recommendation on whether to continue or to close
//! the connection ... When Accept is False, Status shows why the verification
//! failed (otherwise, Status contains the string "OK")."
//!
//! So rustls must not reject a client certificate itself. [`DeferredClientVerifier`]
//! requests a certificate, checks only the client's proof of possession (the
//! CertificateVerify signature, which no application can judge), and lets the
//! handshake finish. The trust decision is then made by
//! [`ClientAuthPolicy::evaluate`] — a real webpki chain verification against
//! SSLCACerts + SSLClientCACerts (and CRLs when SSLCheckCRL is on) — whose
//! result the connection layer reports in SSLClientAuthentication.
//!
//! pier does not consult a system trust store for client certificates (the
//! reference mentions one); only the configured CA certificates are trusted.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use super::cert::cert_names;
use super::pem;
use crate::core::error::{Error, Result};

/// SSLSecurityFlags bits pier honours for client certificates.
pub mod security_flags {
    /// Ignore time validity status of certificate.
    pub const IGNORE_TIME: u32 = 0x0000_0001;
    /// Allow unknown Certificate Authority.
    pub const ALLOW_UNKNOWN_CA: u32 = 0x0000_0010;
    /// Ignore wrong certificate usage.
    pub const IGNORE_USAGE: u32 = 0x0000_0020;
    /// Ignore unknown certificate revocation status.
    pub const IGNORE_UNKNOWN_REVOCATION: u32 = 0x0000_0100;
}

/// What SSLClientAuthentication reports about the client's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAuthInfo {
    /// The chain the client sent, its own certificate first.
    pub chain: Vec<CertificateDer<'static>>,
    /// DER of the client's certificate (CertEncoded).
    pub cert_encoded: Vec<u8>,
    /// CertSubject, in the reference's form ("CN=client, O=Org").
    pub subject: String,
    /// CertIssuer.
    pub issuer: String,
    /// "OK", or why verification failed.
    pub status: String,
    /// The recommendation: true when verification succeeded.
    pub accept: bool,
}

impl ClientAuthInfo {
    /// The whole chain as PEM text, for SSLIncludeCertChain=True.
    pub fn chain_pem(&self) -> String {
        self.chain.iter().map(|c| pem::encode("CERTIFICATE", c.as_ref())).collect()
    }
}

/// The `ClientCertVerifier` installed in the `ServerConfig` when
/// SSLAuthenticateClients is True: asks for a certificate (optional, so a
/// client without one still connects), advertises the configured CAs, verifies
/// handshake signatures, and accepts any chain.
#[derive(Debug)]
pub struct DeferredClientVerifier {
    hints: Vec<DistinguishedName>,
    schemes: Vec<SignatureScheme>,
    provider: Arc<CryptoProvider>,
}

impl DeferredClientVerifier {
    pub(crate) fn new(policy: &ClientAuthPolicy, allowed: Option<&[SignatureScheme]>) -> Self {
        let all = policy.provider.signature_verification_algorithms.supported_schemes();
        let schemes = match allowed {
            Some(a) => all.into_iter().filter(|s| a.contains(s)).collect(),
            None => all,
        };
        DeferredClientVerifier { hints: policy.hints.clone(), schemes, provider: policy.provider.clone() }
    }
}

impl ClientCertVerifier for DeferredClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> std::result::Result<ClientCertVerified, rustls::Error> {
        // The trust decision is the application's (SSLClientAuthentication);
        // ClientAuthPolicy::evaluate computes the recommendation after the
        // handshake.
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        if !self.schemes.contains(&dss.scheme) {
            return Err(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into());
        }
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        if !self.schemes.contains(&dss.scheme) {
            return Err(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme.into());
        }
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// The real verification of a client chain against the configured CAs.
#[derive(Debug)]
pub struct ClientAuthPolicy {
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    hints: Vec<DistinguishedName>,
    flags: u32,
    provider: Arc<CryptoProvider>,
}

impl ClientAuthPolicy {
    /// `check_crl` is SSLCheckCRL: 0 no revocation check, 1 check with the
    /// given CRLs and accept an unknown status, 2 check and treat an unknown
    /// status as a failure (2 without any CRL fails: pier does not download
    /// CRLs from distribution points).
    pub fn new(
        cas: Vec<CertificateDer<'static>>,
        crls: Vec<CertificateRevocationListDer<'static>>,
        check_crl: i32,
        flags: u32,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self> {
        if check_crl == 2 && crls.is_empty() {
            return Err(Error::invalid_value(
                "SSLCheckCRL=2 requires CRLs in SSLCRLs: pier does not download CRLs from distribution points",
            ));
        }
        let mut roots = RootCertStore::empty();
        for ca in &cas {
            roots.add(ca.clone()).map_err(|e| {
                Error::invalid_value(format!("SSLCACerts/SSLClientCACerts: certificate cannot be a trust anchor: {e}"))
            })?;
        }
        let hints = roots.subjects();
        let webpki = if roots.is_empty() {
            None
        } else {
            let mut b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            if check_crl > 0 {
                b = b.with_crls(crls);
                if check_crl == 1 {
                    b = b.allow_unknown_revocation_status();
                }
            }
            Some(b.build().map_err(|e| Error::invalid_value(format!("client certificate verification: {e}")))?)
        };
        Ok(ClientAuthPolicy { webpki, hints, flags, provider })
    }

    /// Verifies the chain a client presented and says what
    /// SSLClientAuthentication should report.
    pub fn evaluate(&self, chain: &[CertificateDer<'static>]) -> ClientAuthInfo {
        let leaf = chain.first().map(|c| c.as_ref().to_vec()).unwrap_or_default();
        let (subject, issuer) = cert_names(&leaf).unwrap_or_default();
        let failure = match (&self.webpki, chain.split_first()) {
            (_, None) => Some(("no certificate presented".to_string(), 0)),
            (None, Some(_)) => Some((
                "no CA certificates to verify the client certificate against (set SSLClientCACerts or SSLCACerts)"
                    .to_string(),
                security_flags::ALLOW_UNKNOWN_CA,
            )),
            (Some(v), Some((ee, rest))) => match v.verify_client_cert(ee, rest, UnixTime::now()) {
                Ok(_) => None,
                Err(e) => Some(describe(&e)),
            },
        };
        let (status, accept) = match failure {
            None => ("OK".to_string(), true),
            Some((_, bit)) if bit != 0 && self.flags & bit != 0 => ("OK".to_string(), true),
            Some((why, _)) => (why, false),
        };
        ClientAuthInfo { chain: chain.to_vec(), cert_encoded: leaf, subject, issuer, status, accept }
    }
}

/// Status text for a failed verification, and the SSLSecurityFlags bit that
/// waives it (0: none does).
fn describe(e: &rustls::Error) -> (String, u32) {
    use security_flags::*;
    let rustls::Error::InvalidCertificate(ce) = e else {
        return (format!("certificate verification failed: {e}"), 0);
    };
    match ce {
        CertificateError::UnknownIssuer => (
            "the certificate's issuer is not trusted (not among SSLCACerts / SSLClientCACerts)".into(),
            ALLOW_UNKNOWN_CA,
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            ("the certificate has expired".into(), IGNORE_TIME)
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            ("the certificate is not valid yet".into(), IGNORE_TIME)
        }
        CertificateError::Revoked => ("the certificate has been revoked".into(), 0),
        CertificateError::UnknownRevocationStatus => (
            "the certificate's revocation status is unknown (no CRL of its issuer in SSLCRLs)".into(),
            IGNORE_UNKNOWN_REVOCATION,
        ),
        CertificateError::ExpiredRevocationList | CertificateError::ExpiredRevocationListContext { .. } => {
            ("the CRL of the certificate's issuer has expired".into(), IGNORE_UNKNOWN_REVOCATION)
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            ("the certificate is not valid for client authentication (extended key usage)".into(), IGNORE_USAGE)
        }
        CertificateError::BadSignature => ("the certificate's signature is invalid".into(), 0),
        other => (format!("certificate verification failed: {other:?}"), 0),
    }
}
