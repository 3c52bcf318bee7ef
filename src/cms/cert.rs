//! Certificates and keys as the codec uses them: a signer or recipient is
//! named by issuerAndSerialNumber (RFC 5652 §10.2.4) or subjectKeyIdentifier
//! (RFC 5652 §5.3, §6.2.1), and carries an RSA public key. Parsed with
//! `x509-parser`, as the TLS layer does.

use super::error::CmsError;
use super::write;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};

/// An X.509 certificate with the fields CMS needs.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    issuer: Vec<u8>,
    serial: Vec<u8>,
    ski: Option<Vec<u8>>,
    subject: String,
    key: rsa::PublicKey,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").field("subject", &self.subject).finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Certificate {
    /// Parses a DER certificate with an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Self, CmsError> {
        let bad = |e: String| CmsError::BadKey(e);
        let (rest, c) = X509Certificate::from_der(der).map_err(|e| bad(format!("certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(bad("bytes after the certificate".into()));
        }
        let key = rsa::PublicKey::from_public_key_der(c.public_key().raw)
            .map_err(|e| bad(format!("not an RSA public key: {e}")))?;
        let ski = c.extensions().iter().find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
        Ok(Certificate {
            der: der[..der.len() - rest.len()].to_vec(),
            issuer: c.issuer().as_raw().to_vec(),
            serial: c.tbs_certificate.raw_serial().to_vec(),
            ski,
            subject: c.subject().to_string(),
            key,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject, as text ("CN=..., O=...").
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The RSA public key.
    pub fn public_key(&self) -> &rsa::PublicKey {
        &self.key
    }

    /// `IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber
    /// CertificateSerialNumber }` (RFC 5652 §10.2.4), DER.
    pub fn issuer_and_serial(&self) -> Vec<u8> {
        let serial = write::tlv(write::id::INTEGER, &self.serial);
        write::seq(&[&self.issuer, &serial])
    }

    /// Whether a SignerIdentifier / RecipientIdentifier names this
    /// certificate: `der` is an IssuerAndSerialNumber SEQUENCE, or `ski` the
    /// octets of a `[0]` subjectKeyIdentifier.
    pub fn is_named_by(&self, issuer_and_serial: Option<&[u8]>, ski: Option<&[u8]>) -> bool {
        match (issuer_and_serial, ski) {
            (Some(ias), _) => ias == self.issuer_and_serial().as_slice(),
            (None, Some(k)) => self.ski.as_deref() == Some(k),
            _ => false,
        }
    }
}

/// Our own certificate and its private key: the signer of what we send,
/// the recipient of what is encrypted to us.
#[derive(Clone)]
pub struct Identity {
    /// The certificate.
    pub cert: Certificate,
    key: rsa::PrivateKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("cert", &self.cert).finish_non_exhaustive()
    }
}

impl Identity {
    /// A certificate (DER) and its private key (PKCS#8 or PKCS#1 DER).
    pub fn from_der(cert_der: &[u8], key_der: &[u8]) -> Result<Self, CmsError> {
        let cert = Certificate::from_der(cert_der)?;
        let key = match rsa::PrivateKey::from_pkcs8_der(key_der) {
            Ok(k) => k,
            Err(_) => {
                use rsa::pkcs1::DecodeRsaPrivateKey;
                rsa::PrivateKey::from_pkcs1_der(key_der).map_err(|e| CmsError::BadKey(format!("private key: {e}")))?
            }
        };
        if rsa::traits::PublicKeyParts::n(&key) != rsa::traits::PublicKeyParts::n(&cert.key) {
            return Err(CmsError::BadKey("the private key does not belong to the certificate".into()));
        }
        Ok(Identity { cert, key })
    }

    /// A certificate with its private key.
    pub fn new(cert: Certificate, key: rsa::PrivateKey) -> Self {
        Identity { cert, key }
    }

    /// The private key.
    pub fn private_key(&self) -> &rsa::PrivateKey {
        &self.key
    }
}
