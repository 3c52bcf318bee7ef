//! Certificate stores and certificate selection.
//!
//! Reference: the TCPServer reference, SSLCertStoreType (the store type enum),
//! SSLCertStore, SSLCertStorePassword, SSLCertSubject (exact match first, then
//! substring, `*` = the first certificate) and SSLCertEncoded (select the store
//! entry whose certificate is this one); the same fields are the writable
//! parameters of SSLConnectionRequest.
//!
//! Store types pier opens: 2/3 PFX (PKCS#12, AES/PBES2 as OpenSSL 3 writes it
//! and the legacy RC2/3DES form), 6/7 PEM key (private key in PKCS#8 —
//! encrypted PKCS#8 too, with the password —, PKCS#1 RSA or SEC1 EC form, plus
//! its certificate chain), 8/9 public key certificate (PEM or DER; no key, so
//! usable as a trust anchor but not as a server certificate), 11/12 P7B
//! (PKCS#7 certificate bundle, DER or PEM) and 99 auto-detect. "File" types take
//! a path; "blob" types take the bytes themselves, binary or base64.
//!
//! Store types that cannot work here fail with pier's code 910 (not supported
//! on this platform), naming the type: Windows system stores (0 user, 1
//! machine), Java stores (4/5 JKS, 21/22 BCFKS), and formats with no X.509
//! certificate or no TLS use (10/13 SSH public keys, 14/15 PPK, 16/17 XML,
//! 18/19 JWK, 20 security key, 23 PKCS#11). Any other number fails with 906.
//!
//! Errors: 271 the store cannot be read or is not of its type, 272 no entry
//! matches SSLCertSubject / SSLCertEncoded, 273 credentials cannot be acquired
//! (wrong password, key does not match its certificate, no private key, key
//! type rustls cannot sign with).

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::ring::sign::any_supported_type;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use super::codes::{CANNOT_ACQUIRE_CREDENTIALS, CANNOT_FIND_CERT, CANNOT_OPEN_STORE};
use super::pem;
use crate::core::error::{codes, Error, Result};

/// SSLCertStoreType values (the reference's `cst*` enum).
pub mod store_type {
    pub const USER: i32 = 0;
    pub const MACHINE: i32 = 1;
    pub const PFX_FILE: i32 = 2;
    pub const PFX_BLOB: i32 = 3;
    pub const JKS_FILE: i32 = 4;
    pub const JKS_BLOB: i32 = 5;
    pub const PEM_KEY_FILE: i32 = 6;
    pub const PEM_KEY_BLOB: i32 = 7;
    pub const PUBLIC_KEY_FILE: i32 = 8;
    pub const PUBLIC_KEY_BLOB: i32 = 9;
    pub const SSH_PUBLIC_KEY_BLOB: i32 = 10;
    pub const P7B_FILE: i32 = 11;
    pub const P7B_BLOB: i32 = 12;
    pub const SSH_PUBLIC_KEY_FILE: i32 = 13;
    pub const PPK_FILE: i32 = 14;
    pub const PPK_BLOB: i32 = 15;
    pub const XML_FILE: i32 = 16;
    pub const XML_BLOB: i32 = 17;
    pub const JWK_FILE: i32 = 18;
    pub const JWK_BLOB: i32 = 19;
    pub const SECURITY_KEY: i32 = 20;
    pub const BCFKS_FILE: i32 = 21;
    pub const BCFKS_BLOB: i32 = 22;
    pub const PKCS11: i32 = 23;
    pub const AUTO: i32 = 99;

    /// The reference's name of a store type, for error texts.
    pub fn name(t: i32) -> &'static str {
        match t {
            USER => "cstUser",
            MACHINE => "cstMachine",
            PFX_FILE => "cstPFXFile",
            PFX_BLOB => "cstPFXBlob",
            JKS_FILE => "cstJKSFile",
            JKS_BLOB => "cstJKSBlob",
            PEM_KEY_FILE => "cstPEMKeyFile",
            PEM_KEY_BLOB => "cstPEMKeyBlob",
            PUBLIC_KEY_FILE => "cstPublicKeyFile",
            PUBLIC_KEY_BLOB => "cstPublicKeyBlob",
            SSH_PUBLIC_KEY_BLOB => "cstSSHPublicKeyBlob",
            P7B_FILE => "cstP7BFile",
            P7B_BLOB => "cstP7BBlob",
            SSH_PUBLIC_KEY_FILE => "cstSSHPublicKeyFile",
            PPK_FILE => "cstPPKFile",
            PPK_BLOB => "cstPPKBlob",
            XML_FILE => "cstXMLFile",
            XML_BLOB => "cstXMLBlob",
            JWK_FILE => "cstJWKFile",
            JWK_BLOB => "cstJWKBlob",
            SECURITY_KEY => "cstSecurityKey",
            BCFKS_FILE => "cstBCFKSFile",
            BCFKS_BLOB => "cstBCFKSBlob",
            PKCS11 => "cstPKCS11",
            AUTO => "cstAuto",
            _ => "unknown",
        }
    }
}

/// The SSLCert* properties (or SSLConnectionRequest's Cert* parameters) that
/// name one certificate: store type, store (path or blob), password, subject,
/// and SSLCertEncoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertSpec {
    pub store_type: i32,
    pub store: Vec<u8>,
    pub password: String,
    pub subject: String,
    pub encoded: Vec<u8>,
}

/// One certificate of a store: its chain (the certificate first, then the
/// issuers found in the same store) and, if the store holds it, its key.
#[derive(Clone, Debug)]
pub struct StoreEntry {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Option<Arc<dyn SigningKey>>,
    /// The same key's DER, for what signs or decrypts outside TLS (OFTP's
    /// CMS, src/oftp/security/).
    pub key_der: Option<KeyDer>,
    /// Full subject, most specific field first ("CN=www.server.com, OU=test, C=US").
    pub subject: String,
    pub issuer: String,
}

/// An opened certificate store: entries with a private key first, in store
/// order, then the certificates without one.
#[derive(Clone, Debug, Default)]
pub struct CertStore {
    pub entries: Vec<StoreEntry>,
    /// The store held a private key that no certificate in it belongs to.
    pub orphan_key: bool,
}

/// The certificate chosen by a [`CertSpec`], ready for a server.
#[derive(Clone, Debug)]
pub struct SelectedCert {
    /// Full subject of the selected certificate (what SSLCertSubject reads
    /// back after selection).
    pub subject: String,
    pub issuer: String,
    /// The certificate first, then its issuers from the same store.
    pub chain: Vec<CertificateDer<'static>>,
    key: Option<Arc<dyn SigningKey>>,
    key_der: Option<KeyDer>,
}

/// A private key's DER as the store held it (PKCS#8, PKCS#1 or SEC1).
pub type KeyDer = Arc<PrivateKeyDer<'static>>;

impl SelectedCert {
    /// True when the store held the certificate's private key.
    pub fn has_private_key(&self) -> bool {
        self.key.is_some()
    }

    /// DER of the selected certificate.
    pub fn leaf_der(&self) -> &[u8] {
        self.chain.first().map(|c| c.as_ref()).unwrap_or_default()
    }

    /// The chain and key as rustls serves them; 273 without a private key.
    pub fn certified_key(&self) -> Result<Arc<CertifiedKey>> {
        let key = self.key.clone().ok_or_else(|| {
            Error::new(
                CANNOT_ACQUIRE_CREDENTIALS,
                format!("Cannot acquire security credentials: the store holds no private key for \"{}\"", self.subject),
            )
        })?;
        Ok(Arc::new(CertifiedKey::new(self.chain.clone(), key)))
    }

    /// The private key, if the store held it.
    pub(crate) fn signing_key(&self) -> Option<&Arc<dyn SigningKey>> {
        self.key.as_ref()
    }

    /// The private key's DER, if the store held it.
    pub fn private_key_der(&self) -> Option<&PrivateKeyDer<'static>> {
        self.key_der.as_deref()
    }
}

impl CertSpec {
    /// The same spec with an empty subject read as `*`, the store's first
    /// certificate: how OFTPServer's certificate objects are read and used
    /// (`select` itself takes the subject as given).
    pub fn first_if_unnamed(&self) -> CertSpec {
        let subject = if self.subject.is_empty() { "*".into() } else { self.subject.clone() };
        CertSpec { subject, ..self.clone() }
    }

    /// A spec for a store and a subject, with no password and no encoded cert.
    pub fn new(store_type: i32, store: impl Into<Vec<u8>>, subject: &str) -> Self {
        CertSpec { store_type, store: store.into(), subject: subject.into(), ..Default::default() }
    }

    /// Opens the store and selects the certificate, as setting SSLCertSubject
    /// (or SSLCertEncoded) does in the reference.
    ///
    /// - SSLCertEncoded set and no store: the encoded data is the certificate
    ///   (any auto-detected form; a PEM holding a key and a certificate gives
    ///   both).
    /// - SSLCertEncoded set with a store: the store entry whose certificate is
    ///   the encoded one, else 272.
    /// - Otherwise SSLCertSubject: `*` is the first entry; else an exact match
    ///   of the full subject (field order and spacing ignored, case-insensitive),
    ///   else the first subject containing the text; else 272.
    ///
    /// The key must match the certificate (273 otherwise).
    pub fn select(&self) -> Result<SelectedCert> {
        let (store, entry) = if !self.encoded.is_empty() {
            if self.store.is_empty() {
                let store = CertStore::open_blob(store_type::AUTO, &self.encoded, &self.password)?;
                let idx = store.first().ok_or_else(|| not_found("SSLCertEncoded holds no certificate"))?;
                (store, idx)
            } else {
                let wanted = first_cert(&self.encoded)?;
                let store = CertStore::open(self.store_type, &self.store, &self.password)?;
                let idx = store
                    .find_encoded(&wanted)
                    .ok_or_else(|| not_found("the certificate in SSLCertEncoded is not in the certificate store"))?;
                (store, idx)
            }
        } else {
            if self.subject.trim().is_empty() {
                return Err(not_found(
                    "no certificate selected: set SSLCertSubject (\"*\" for the first) or SSLCertEncoded",
                ));
            }
            let store = CertStore::open(self.store_type, &self.store, &self.password)?;
            if store.entries.is_empty() {
                return Err(not_found(if store.orphan_key {
                    "the store holds a private key but no certificate"
                } else {
                    "the store holds no certificate"
                }));
            }
            let idx = store.find_subject(&self.subject).ok_or_else(|| {
                not_found(&format!("no certificate in the store matches the subject \"{}\"", self.subject))
            })?;
            (store, idx)
        };
        let e = &store.entries[entry];
        if let Some(key) = &e.key {
            check_key_matches(&e.chain, key, &e.subject)?;
        }
        Ok(SelectedCert {
            subject: e.subject.clone(),
            issuer: e.issuer.clone(),
            chain: e.chain.clone(),
            key: e.key.clone(),
            key_der: e.key_der.clone(),
        })
    }
}

fn not_found(why: &str) -> Error {
    Error::new(CANNOT_FIND_CERT, format!("Cannot find specified certificate: {why}"))
}

fn cannot_open(why: impl std::fmt::Display) -> Error {
    Error::new(CANNOT_OPEN_STORE, format!("Cannot open certificate store: {why}"))
}

fn credentials(why: impl std::fmt::Display) -> Error {
    Error::new(CANNOT_ACQUIRE_CREDENTIALS, format!("Cannot acquire security credentials: {why}"))
}

fn check_key_matches(chain: &[CertificateDer<'static>], key: &Arc<dyn SigningKey>, subject: &str) -> Result<()> {
    let ck = CertifiedKey::new(chain.to_vec(), key.clone());
    match ck.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(credentials(format!("the private key does not match the certificate \"{subject}\"")))
        }
        Err(e) => Err(credentials(format!("certificate \"{subject}\": {e}"))),
    }
}

impl CertStore {
    /// Opens a store of the given SSLCertStoreType: a path for the file
    /// types, the content itself for the blob types; for 99 (auto) a path when
    /// it names an existing file, the content otherwise.
    pub fn open(kind: i32, store: &[u8], password: &str) -> Result<CertStore> {
        use store_type::*;
        match kind {
            PFX_FILE | PEM_KEY_FILE | PUBLIC_KEY_FILE | P7B_FILE => {
                let data = read_store_file(store)?;
                Self::open_blob(kind + 1, &data, password)
            }
            PFX_BLOB | PEM_KEY_BLOB | PUBLIC_KEY_BLOB | P7B_BLOB => Self::open_blob(kind, store, password),
            AUTO => match existing_file(store) {
                Some(path) => {
                    let data = std::fs::read(path).map_err(|e| cannot_open(format!("{}: {e}", path.display())))?;
                    Self::open_blob(AUTO, &data, password)
                }
                None => Self::open_blob(AUTO, store, password),
            },
            USER | MACHINE => Err(unsupported(kind, "Windows certificate stores exist only on Windows")),
            JKS_FILE | JKS_BLOB | BCFKS_FILE | BCFKS_BLOB => {
                Err(unsupported(kind, "Java key stores exist only in the Java edition; convert to PFX"))
            }
            SSH_PUBLIC_KEY_BLOB | SSH_PUBLIC_KEY_FILE | PPK_FILE | PPK_BLOB | XML_FILE | XML_BLOB | JWK_FILE
            | JWK_BLOB | SECURITY_KEY | PKCS11 => {
                Err(unsupported(kind, "this format holds no X.509 certificate pier can serve over TLS"))
            }
            _ => Err(Error::invalid_value(format!("{kind} is not an SSLCertStoreType value"))),
        }
    }

    /// Opens store content (a blob type, or 99 to detect PEM / DER / PFX / P7B).
    fn open_blob(kind: i32, data: &[u8], password: &str) -> Result<CertStore> {
        use store_type::*;
        if data.is_empty() {
            return Err(cannot_open("the store is empty"));
        }
        match kind {
            PFX_BLOB => {
                let der = if looks_like_der(data) {
                    data.to_vec()
                } else {
                    pem::decode_base64(data).ok_or_else(|| cannot_open("not a PFX (neither DER nor base64)"))?
                };
                open_pfx(&der, password)
            }
            PEM_KEY_BLOB => {
                let text = if pem::is_pem(data) {
                    data.to_vec()
                } else {
                    match pem::decode_base64(data) {
                        Some(d) if pem::is_pem(&d) => d,
                        // A bare DER private key (PKCS#8) as binary or base64.
                        Some(d) if looks_like_der(&d) => return from_der_key(&d),
                        _ if looks_like_der(data) => return from_der_key(data),
                        _ => return Err(cannot_open("not a PEM key store")),
                    }
                };
                open_pem(&text, password)
            }
            PUBLIC_KEY_BLOB => {
                let certs = certs_from(data)?;
                if certs.is_empty() {
                    return Err(cannot_open("no certificate found"));
                }
                Ok(build(Vec::new(), certs))
            }
            P7B_BLOB => {
                let der = if pem::is_pem(data) {
                    let s = pem::sections(data).map_err(cannot_open)?;
                    s.into_iter()
                        .find(|s| s.label == "PKCS7" || s.label == "CERTIFICATE CHAIN")
                        .map(|s| s.der)
                        .ok_or_else(|| cannot_open("no PKCS7 section in the PEM text"))?
                } else if looks_like_der(data) {
                    data.to_vec()
                } else {
                    pem::decode_base64(data).ok_or_else(|| cannot_open("not a P7B (neither DER nor base64)"))?
                };
                let certs =
                    p7b_certs(&der).map_err(|e| cannot_open(format!("not a PKCS#7 certificate bundle: {e}")))?;
                Ok(build(Vec::new(), certs))
            }
            AUTO => detect(data, password),
            _ => Self::open(kind, data, password),
        }
    }

    /// The entry `*` selects: the first one with a private key, else the first.
    pub fn first(&self) -> Option<usize> {
        if self.entries.is_empty() {
            None
        } else {
            Some(0)
        }
    }

    /// SSLCertSubject's rule: `*` is the first entry; then an exact match of
    /// the full subject; then the first subject containing the text.
    pub fn find_subject(&self, subject: &str) -> Option<usize> {
        let subject = subject.trim();
        if subject == "*" {
            return self.first();
        }
        let wanted = normalize_dn(subject);
        let exact = self
            .entries
            .iter()
            .position(|e| normalize_dn(&e.subject) == wanted || normalize_dn(&reverse_dn(&e.subject)) == wanted);
        if exact.is_some() {
            return exact;
        }
        let needle = compact(subject);
        self.entries
            .iter()
            .position(|e| compact(&e.subject).contains(&needle) || compact(&reverse_dn(&e.subject)).contains(&needle))
    }

    /// The entry whose certificate is `cert_der`.
    pub fn find_encoded(&self, cert_der: &[u8]) -> Option<usize> {
        self.entries.iter().position(|e| e.chain.first().map(|c| c.as_ref()) == Some(cert_der))
    }
}

fn unsupported(kind: i32, why: &str) -> Error {
    Error::new(
        codes::NOT_SUPPORTED,
        format!("SSLCertStoreType {kind} ({}) is not supported on this platform: {why}", store_type::name(kind)),
    )
}

fn read_store_file(store: &[u8]) -> Result<Vec<u8>> {
    let path = path_of(store).ok_or_else(|| cannot_open("the store file name is not valid"))?;
    std::fs::read(path).map_err(|e| cannot_open(format!("{}: {e}", path.display())))
}

fn path_of(store: &[u8]) -> Option<&Path> {
    use std::os::unix::ffi::OsStrExt;
    if store.is_empty() || store.contains(&0) {
        return None;
    }
    Some(Path::new(std::ffi::OsStr::from_bytes(store)))
}

fn existing_file(store: &[u8]) -> Option<&Path> {
    if store.len() > 4096 || store.contains(&b'\n') {
        return None;
    }
    path_of(store).filter(|p| p.is_file())
}

/// A DER SEQUENCE at the start (certificates, PFX, P7B and keys all are).
fn looks_like_der(data: &[u8]) -> bool {
    data.len() > 2 && data[0] == 0x30 && (data[1] & 0x80 == 0 || (0x81..=0x84).contains(&data[1]))
}

/// Auto-detection (store type 99): PEM text by its sections, otherwise DER
/// (or base64 of DER) tried as certificate, P7B, then PFX.
fn detect(data: &[u8], password: &str) -> Result<CertStore> {
    if pem::is_pem(data) {
        let sections = pem::sections(data).map_err(cannot_open)?;
        if sections.iter().any(|s| s.label == "PKCS7" || s.label == "CERTIFICATE CHAIN") {
            return CertStore::open_blob(store_type::P7B_BLOB, data, password);
        }
        return open_pem(data, password);
    }
    let der = if looks_like_der(data) {
        data.to_vec()
    } else {
        pem::decode_base64(data).ok_or_else(|| cannot_open("the data is neither PEM, DER nor base64"))?
    };
    if pem::is_pem(&der) {
        return detect(&der, password);
    }
    if X509Certificate::from_der(&der).is_ok() {
        return Ok(build(Vec::new(), vec![CertificateDer::from(der)]));
    }
    if let Ok(certs) = p7b_certs(&der) {
        return Ok(build(Vec::new(), certs));
    }
    if is_pfx(&der) {
        return open_pfx(&der, password);
    }
    if let Ok(store) = from_der_key(&der) {
        return Ok(store);
    }
    Err(cannot_open("unrecognized store format (expected PEM, DER certificate, PFX or P7B)"))
}

/// A PFX starts SEQUENCE { INTEGER 3, SEQUENCE { OID pkcs7-data ...
fn is_pfx(der: &[u8]) -> bool {
    const DATA_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    der.windows(3).take(8).any(|w| w == [0x02, 0x01, 0x03])
        && der.windows(DATA_OID.len()).take(24).any(|w| w == DATA_OID)
}

fn open_pfx(der: &[u8], password: &str) -> Result<CertStore> {
    use p12_keystore::error::Error as P12;
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(|e| match e {
        P12::MacError(_) => credentials("wrong password for the PFX store (its integrity check failed)"),
        P12::UnpadError | P12::Pkcs5Error(_) | P12::InvalidPrivateKey => {
            credentials(format!("cannot decrypt the PFX store, wrong password? ({e})"))
        }
        other => cannot_open(format!("not a valid PFX (PKCS#12) store: {other}")),
    })?;
    let mut keys = Vec::new();
    for bag in &archive.keys {
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(bag.key.as_der().to_vec()));
        keys.push(load_key(der)?);
    }
    let certs = archive.certs.iter().map(|c| CertificateDer::from(c.cert.as_der().to_vec())).collect();
    Ok(build(keys, certs))
}

/// A key as rustls signs with it, and its DER.
type Key = (Arc<dyn SigningKey>, KeyDer);

fn load_key(der: PrivateKeyDer<'static>) -> Result<Key> {
    let signing = any_supported_type(&der).map_err(|e| {
        credentials(format!("the private key cannot be used (RSA, ECDSA P-256/P-384 and Ed25519 are supported): {e}"))
    })?;
    Ok((signing, Arc::new(der)))
}

fn from_der_key(der: &[u8]) -> Result<CertStore> {
    let key = load_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec())))?;
    Ok(build(vec![key], Vec::new()))
}

fn open_pem(data: &[u8], password: &str) -> Result<CertStore> {
    let sections = pem::sections(data).map_err(cannot_open)?;
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for s in sections {
        if s.legacy_encrypted {
            return Err(credentials(format!(
                "the {} is encrypted in OpenSSL's legacy PEM form, which pier does not read; convert it with `openssl pkcs8 -topk8`",
                s.label
            )));
        }
        let key = match s.label.as_str() {
            "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => {
                certs.push(CertificateDer::from(s.der));
                continue;
            }
            "PRIVATE KEY" => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(s.der)),
            "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(s.der)),
            "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(s.der)),
            "ENCRYPTED PRIVATE KEY" => {
                let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(s.der.as_slice())
                    .map_err(|e| cannot_open(format!("malformed encrypted private key: {e}")))?;
                let plain = info
                    .decrypt(password.as_bytes())
                    .map_err(|e| credentials(format!("cannot decrypt the private key, wrong password? ({e})")))?;
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain.as_bytes().to_vec()))
            }
            _ => continue,
        };
        keys.push(load_key(key)?);
    }
    if keys.is_empty() && certs.is_empty() {
        return Err(cannot_open("no private key or certificate in the PEM text"));
    }
    Ok(build(keys, certs))
}

/// Certificates of a public key store: PEM (any number), DER, or base64 DER.
fn certs_from(data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    if pem::is_pem(data) {
        let s = pem::sections(data).map_err(cannot_open)?;
        return Ok(s
            .into_iter()
            .filter(|s| s.label.ends_with("CERTIFICATE"))
            .map(|s| CertificateDer::from(s.der))
            .collect());
    }
    let der = if looks_like_der(data) {
        data.to_vec()
    } else {
        match pem::decode_base64(data) {
            Some(d) if pem::is_pem(&d) => return certs_from(&d),
            Some(d) => d,
            None => return Err(cannot_open("not a PEM or DER certificate")),
        }
    };
    X509Certificate::from_der(&der).map_err(|e| cannot_open(format!("not a DER certificate: {e}")))?;
    Ok(vec![CertificateDer::from(der)])
}

/// The first certificate in SSLCertEncoded-style data (PEM, DER or base64).
pub fn first_cert(data: &[u8]) -> Result<Vec<u8>> {
    let certs = certs_from(data).map_err(|e| not_found(&format!("SSLCertEncoded: {}", e.text)))?;
    certs
        .into_iter()
        .next()
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| not_found("SSLCertEncoded holds no certificate"))
}

/// Parses PEM CA certificates (SSLCACerts and the like): every CERTIFICATE
/// section; also accepts a single DER or base64 certificate.
pub fn parse_cert_list(data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    certs_from(data)
}

/// Extracts the certificates of a PKCS#7 SignedData (a "P7B" bundle):
/// ContentInfo { signedData, [0] SignedData { version, digestAlgorithms,
/// encapContentInfo, [0] IMPLICIT certificates, ... } } (RFC 2315 §9.1).
fn p7b_certs(der: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    use x509_parser::asn1_rs::{Any, FromBer, Tag};
    const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    fn e(what: &'static str) -> impl Fn(x509_parser::nom::Err<x509_parser::asn1_rs::Error>) -> String {
        move |err| format!("{what}: {err}")
    }
    let (_, ci) = Any::from_ber(der).map_err(e("ContentInfo"))?;
    let (rest, oid) = Any::from_ber(ci.data).map_err(e("contentType"))?;
    if oid.tag() != Tag::Oid || oid.data != SIGNED_DATA {
        return Err("not a PKCS#7 signedData".into());
    }
    let (_, explicit) = Any::from_ber(rest).map_err(e("content"))?;
    let (_, signed) = Any::from_ber(explicit.data).map_err(e("SignedData"))?;
    let mut body = signed.data;
    let mut certs = Vec::new();
    while !body.is_empty() {
        let (next, item) = Any::from_ber(body).map_err(e("SignedData field"))?;
        if item.class() == x509_parser::asn1_rs::Class::ContextSpecific && item.tag() == Tag(0) {
            let mut list = item.data;
            while !list.is_empty() {
                let (after, _) = Any::from_ber(list).map_err(e("certificate"))?;
                let raw = &list[..list.len() - after.len()];
                if X509Certificate::from_der(raw).is_ok() {
                    certs.push(CertificateDer::from(raw.to_vec()));
                }
                list = after;
            }
        }
        body = next;
    }
    if certs.is_empty() {
        return Err("the bundle holds no certificate".into());
    }
    Ok(certs)
}

/// Builds store entries: each key goes with the certificate whose public key
/// is its own (or, if none, the first certificate, so that selection reports
/// the mismatch); each certificate's chain is completed from the others.
fn build(keys: Vec<Key>, certs: Vec<CertificateDer<'static>>) -> CertStore {
    /// What pairing and chaining need to know of each certificate.
    #[derive(Default)]
    struct Info {
        subject: String,
        issuer: String,
        subject_raw: Vec<u8>,
        issuer_raw: Vec<u8>,
        spki: Vec<u8>,
    }
    let infos: Vec<Info> = certs
        .iter()
        .map(|c| match X509Certificate::from_der(c.as_ref()) {
            Ok((_, x)) => Info {
                subject: format_dn(x.subject()),
                issuer: format_dn(x.issuer()),
                subject_raw: x.subject().as_raw().to_vec(),
                issuer_raw: x.issuer().as_raw().to_vec(),
                spki: x.public_key().raw.to_vec(),
            },
            Err(_) => Info::default(),
        })
        .collect();
    let chain_of = |i: usize| {
        let mut chain = vec![certs[i].clone()];
        let mut used = vec![i];
        let mut cur = i;
        while infos[cur].issuer_raw != infos[cur].subject_raw {
            let issuer = (0..certs.len()).find(|j| !used.contains(j) && infos[*j].subject_raw == infos[cur].issuer_raw);
            let Some(j) = issuer else { break };
            chain.push(certs[j].clone());
            used.push(j);
            cur = j;
        }
        chain
    };
    let mut keyed: Vec<(usize, Key)> = Vec::new();
    let mut orphan_key = false;
    for key in keys {
        let spki = key.0.public_key().map(|p| p.as_ref().to_vec());
        let by_spki = spki.and_then(|s| infos.iter().position(|i| i.spki == s));
        let idx = by_spki.or_else(|| (0..certs.len()).find(|i| !keyed.iter().any(|(k, _)| k == i)));
        match idx {
            Some(i) if !keyed.iter().any(|(k, _)| *k == i) => keyed.push((i, key)),
            _ => orphan_key = true,
        }
    }
    let mut entries = Vec::new();
    for (i, key) in &keyed {
        entries.push(StoreEntry {
            chain: chain_of(*i),
            key: Some(key.0.clone()),
            key_der: Some(key.1.clone()),
            subject: infos[*i].subject.clone(),
            issuer: infos[*i].issuer.clone(),
        });
    }
    for (i, info) in infos.iter().enumerate() {
        if !keyed.iter().any(|(k, _)| *k == i) && !info.subject_raw.is_empty() {
            entries.push(StoreEntry {
                chain: chain_of(i),
                key: None,
                key_der: None,
                subject: info.subject.clone(),
                issuer: info.issuer.clone(),
            });
        }
    }
    CertStore { entries, orphan_key }
}

/// Subject and issuer text of a DER certificate, in the reference's form.
pub fn cert_names(der: &[u8]) -> Result<(String, String)> {
    let (_, x) = X509Certificate::from_der(der).map_err(|e| {
        Error::new(super::codes::VERIFY_CERT, format!("Error verifying certificate: malformed certificate: {e}"))
    })?;
    Ok((format_dn(x.subject()), format_dn(x.issuer())))
}

/// A distinguished name as the reference writes it: most specific field
/// first, `CN=www.server.com, OU=test, C=US`, with `S` for state and `E` for
/// e-mail; a value holding a comma is quoted.
pub fn format_dn(name: &X509Name<'_>) -> String {
    let reg = x509_parser::objects::oid_registry();
    let mut fields = Vec::new();
    for rdn in name.iter_rdn().collect::<Vec<_>>().into_iter().rev() {
        for attr in rdn.iter() {
            let oid = attr.attr_type();
            let key = match x509_parser::objects::oid2abbrev(oid, reg) {
                Ok("ST") => "S".to_string(),
                Ok("emailAddress" | "Email") => "E".to_string(),
                Ok(k) => k.to_string(),
                Err(_) => oid.to_id_string(),
            };
            let value = match attr.as_str() {
                Ok(s) => s.to_string(),
                Err(_) => attr.as_slice().iter().map(|b| format!("{b:02x}")).collect(),
            };
            let value = if value.contains(',') || value.contains('"') {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value
            };
            fields.push(format!("{key}={value}"));
        }
    }
    fields.join(", ")
}

/// Splits a DN string at the commas that are not inside quotes.
fn split_dn(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in s.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

/// Canonical form for exact matching: fields trimmed, names upper-cased with
/// `ST`→`S`, `EMAILADDRESS`→`E`, values lower-cased.
fn normalize_dn(s: &str) -> String {
    split_dn(s)
        .iter()
        .map(|f| match f.split_once('=') {
            Some((k, v)) => {
                let k = k.trim().to_ascii_uppercase();
                let k = match k.as_str() {
                    "ST" => "S".to_string(),
                    "EMAILADDRESS" | "EMAIL" => "E".to_string(),
                    _ => k,
                };
                format!("{k}={}", v.trim().to_lowercase())
            }
            None => f.trim().to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn reverse_dn(s: &str) -> String {
    let mut f = split_dn(s);
    f.reverse();
    f.iter().map(|x| x.trim()).collect::<Vec<_>>().join(", ")
}

/// Lower-cased with the spaces around `,` and `=` removed, for substring matching.
fn compact(s: &str) -> String {
    normalize_dn(s)
}

#[cfg(test)]
#[path = "cert_tests.rs"]
mod tests;
