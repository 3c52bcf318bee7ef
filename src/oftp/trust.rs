//! TrustedCerts and certificate validation (the OFTPServer reference:
//! ImportTrustedCerts, ValidateCert, ValidateRecipientCert,
//! FailOnUntrustedCert; docs/OFTP.md "Certificates").
//!
//! [`import`] reads what TrustedCertsData names: a directory of certificate
//! files, one file, or the data itself — PEM (any number of certificates),
//! DER, base64 or PKCS#7 ("P7B", RFC 2315 §9.1 certificates). [`validate`]
//! is pure: the certificate, the trusted ones and the time come in, the
//! first failure goes out.

use std::path::Path;
use std::time::SystemTime;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::KeyUsage;
use x509_parser::prelude::FromDer;

use super::error::{OFTP_ERR_CERT_INVALID, OFTP_ERR_IMPORT_TRUSTED};
use crate::core::error::Error;
use crate::tls::cert::{store_type, CertStore};

/// Longest chain [`validate`] follows through the trusted certificates.
const MAX_CHAIN: usize = 8;

/// What a certificate is checked for (the key usage it must allow when the
/// certificate says, RFC 5280 §4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Any (ValidateCert's "All Operations").
    Any,
    /// Signing files or receipts, or verifying such signatures:
    /// digitalSignature or nonRepudiation.
    Signing,
    /// Key transport: files and challenges encrypted to the certificate
    /// (keyEncipherment).
    Encryption,
}

/// The certificates TrustedCertsData names, DER, in the order found (a
/// directory's files by name). Error 691 with the reason when nothing can
/// be read or a file is no certificate.
pub fn import(trusted_certs_data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let fail =
        |why: String| Error::new(OFTP_ERR_IMPORT_TRUSTED, format!("Failed to import trusted certificates: {why}"));
    let text = std::str::from_utf8(trusted_certs_data).map(str::trim).unwrap_or("");
    if trusted_certs_data.iter().all(u8::is_ascii_whitespace) {
        return Err(fail("TrustedCertsData is empty".into()));
    }
    let path = Path::new(text);
    let mut certs = Vec::new();
    if !text.is_empty() && !text.contains('\n') && path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| fail(format!("{}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).map_err(|e| fail(format!("{}: {e}", f.display())))?;
            certs.extend(certs_of(&data).map_err(|e| fail(format!("{}: {e}", f.display())))?);
        }
        if certs.is_empty() {
            return Err(fail(format!("no certificate in {}", path.display())));
        }
        return Ok(certs);
    }
    certs_of(trusted_certs_data).map_err(fail)
}

/// The certificates of one store (a path to a file, or the data itself).
fn certs_of(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let store = CertStore::open(store_type::AUTO, data, "").map_err(|e| e.text)?;
    let certs: Vec<Vec<u8>> =
        store.entries.iter().filter_map(|e| e.chain.first().map(|c| c.as_ref().to_vec())).collect();
    if certs.is_empty() {
        return Err("no certificate found".into());
    }
    Ok(certs)
}

/// Checks a certificate (DER): within its validity period at `now`, allowed
/// by its key usage for `purpose`, and — when `trusted` is not empty —
/// issued by a trusted certificate (through trusted intermediates), unless
/// it is self-signed, which the reference skips. Revocation is not checked:
/// pier fetches nothing from the network (docs/OFTP.md). Error 690 names
/// what failed.
pub fn validate(cert_der: &[u8], trusted: &[Vec<u8>], now: SystemTime, purpose: Purpose) -> Result<(), Error> {
    let bad = |why: String| Error::new(OFTP_ERR_CERT_INVALID, format!("Invalid Certificate: {why}"));
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|e| bad(format!("not a DER certificate: {e}")))?;
    let subject = cert.subject().to_string();
    let secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let validity = cert.validity();
    if secs < validity.not_before.timestamp() {
        return Err(bad(format!("\"{subject}\" is not valid before {}", validity.not_before)));
    }
    if secs > validity.not_after.timestamp() {
        return Err(bad(format!("\"{subject}\" expired on {}", validity.not_after)));
    }
    if let Ok(Some(ku)) = cert.key_usage() {
        if !allows(ku.value, purpose) {
            return Err(bad(format!("the key usage of \"{subject}\" does not allow {purpose:?}")));
        }
    }
    if trusted.is_empty() || self_signed(&cert) {
        return Ok(());
    }
    let anchors: Vec<X509Certificate<'_>> =
        trusted.iter().filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c)).collect();
    let mut current = cert;
    for _ in 0..MAX_CHAIN {
        if anchors.iter().any(|a| a.as_raw() == current.as_raw()) {
            return Ok(());
        }
        let issuer = anchors.iter().find(|a| {
            a.subject().as_raw() == current.issuer().as_raw() && current.verify_signature(Some(a.public_key())).is_ok()
        });
        match issuer {
            Some(a) if self_signed(a) => return Ok(()),
            Some(a) => current = a.clone(),
            None => break,
        }
    }
    Err(bad(format!("\"{subject}\" is not issued by a certificate of TrustedCerts")))
}

fn self_signed(c: &X509Certificate<'_>) -> bool {
    c.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(None).is_ok()
}

fn allows(ku: &KeyUsage, purpose: Purpose) -> bool {
    match purpose {
        Purpose::Any => true,
        Purpose::Signing => ku.digital_signature() || ku.non_repudiation(),
        Purpose::Encryption => ku.key_encipherment(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
    use std::time::Duration;

    struct Ca {
        key: KeyPair,
        cert: rcgen::Certificate,
        params: CertificateParams,
    }

    fn ca(name: &str) -> Ca {
        let mut params = CertificateParams::new(vec![]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let cert = params.clone().self_signed(&key).unwrap();
        Ca { key, cert, params }
    }

    fn leaf(issuer: &Ca, usage: &[KeyUsagePurpose], days: (i64, i64)) -> Vec<u8> {
        let mut params = CertificateParams::new(vec!["partner".into()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "O0013CLIENT");
        params.key_usages = usage.to_vec();
        let now = time_now();
        params.not_before = now + time::Duration::days(days.0);
        params.not_after = now + time::Duration::days(days.1);
        let issuer_params = issuer.params.clone();
        let issuer_ref = rcgen::Issuer::new(issuer_params, &issuer.key);
        params.signed_by(&KeyPair::generate().unwrap(), &issuer_ref).unwrap().der().to_vec()
    }

    fn time_now() -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    #[test]
    fn a_leaf_of_a_trusted_ca_passes_and_of_another_fails() {
        let (ours, other) = (ca("Trusted CA"), ca("Other CA"));
        let trusted = vec![ours.cert.der().to_vec()];
        let good = leaf(&ours, &[], (-1, 30));
        assert!(validate(&good, &trusted, SystemTime::now(), Purpose::Any).is_ok());
        let foreign = leaf(&other, &[], (-1, 30));
        let e = validate(&foreign, &trusted, SystemTime::now(), Purpose::Any).unwrap_err();
        assert_eq!(e.code, OFTP_ERR_CERT_INVALID);
        assert!(e.text.contains("not issued by"), "{}", e.text);
        // No trusted certificates: no chain check (the reference).
        assert!(validate(&foreign, &[], SystemTime::now(), Purpose::Any).is_ok());
    }

    #[test]
    fn validity_dates_and_key_usage_are_checked() {
        let ours = ca("Trusted CA");
        let trusted = vec![ours.cert.der().to_vec()];
        let expired = leaf(&ours, &[], (-30, -1));
        assert!(validate(&expired, &trusted, SystemTime::now(), Purpose::Any).unwrap_err().text.contains("expired"));
        let later = leaf(&ours, &[], (2, 30));
        assert!(validate(&later, &trusted, SystemTime::now(), Purpose::Any)
            .unwrap_err()
            .text
            .contains("not valid before"));
        let in_a_week = SystemTime::now() + Duration::from_secs(7 * 86400);
        assert!(validate(&later, &trusted, in_a_week, Purpose::Any).is_ok());
        let sign_only = leaf(&ours, &[KeyUsagePurpose::DigitalSignature], (-1, 30));
        assert!(validate(&sign_only, &trusted, SystemTime::now(), Purpose::Signing).is_ok());
        let e = validate(&sign_only, &trusted, SystemTime::now(), Purpose::Encryption).unwrap_err();
        assert!(e.text.contains("key usage"), "{}", e.text);
    }

    #[test]
    fn a_self_signed_certificate_skips_the_chain_check() {
        let own = ca("Partner itself");
        let trusted = vec![ca("Some CA").cert.der().to_vec()];
        assert!(validate(own.cert.der(), &trusted, SystemTime::now(), Purpose::Any).is_ok());
    }

    #[test]
    fn import_reads_a_bundle_a_file_and_a_directory() {
        let (a, b) = (ca("CA one"), ca("CA two"));
        let bundle = format!("{}{}", a.cert.pem(), b.cert.pem());
        assert_eq!(import(bundle.as_bytes()).unwrap(), vec![a.cert.der().to_vec(), b.cert.der().to_vec()]);
        let dir = std::env::temp_dir().join(format!("pier-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("1.pem"), a.cert.pem()).unwrap();
        std::fs::write(dir.join("2.cer"), b.cert.der()).unwrap();
        let file = dir.join("1.pem");
        assert_eq!(import(file.to_str().unwrap().as_bytes()).unwrap(), vec![a.cert.der().to_vec()]);
        assert_eq!(import(dir.to_str().unwrap().as_bytes()).unwrap().len(), 2);
        std::fs::write(dir.join("3.txt"), "no certificate here").unwrap();
        let e = import(dir.to_str().unwrap().as_bytes()).unwrap_err();
        assert_eq!(e.code, OFTP_ERR_IMPORT_TRUSTED);
        assert!(e.text.contains("3.txt"), "{}", e.text);
        assert_eq!(import(b"  ").unwrap_err().code, OFTP_ERR_IMPORT_TRUSTED);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
