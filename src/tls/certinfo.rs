//! The fields of the references' "Certificate type" (what the `SSLCert<Field>`
//! read-only properties show), taken from one X.509 certificate.
//!
//! Reference: the "Certificate Type" section of the OFTPServer and WSServer
//! references (28 fields; OFTPServer adds KeyPassword). [`parse`] turns a DER
//! certificate, or PEM text holding a CERTIFICATE block, into the fields that
//! come from the certificate itself ([`CertInfo`]); the others (KeyPassword,
//! PrivateKey*, Store*, Encoded) belong to the store the certificate was
//! selected from (see [`super::cert`]).
//!
//! This module is pure: no I/O, no global state.

use crate::core::value::Value;
use md5::{Digest, Md5};
use ring::digest;
use x509_parser::asn1_rs::{Any, FromDer, Oid, Tag};
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::OID_X509_EXT_EXTENDED_KEY_USAGE;
use x509_parser::prelude::{X509Certificate, X509Error};
use x509_parser::public_key::{PublicKey, RSAPublicKey};
use x509_parser::time::ASN1Time;

use super::cert::format_dn;
use super::codes::VERIFY_CERT;
use super::pem;
use crate::core::error::Error;

/// The fields of the references' Certificate type, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertField {
    /// [`CertInfo::effective_date`].
    EffectiveDate,
    /// [`CertInfo::expiration_date`].
    ExpirationDate,
    /// [`CertInfo::extended_key_usage`].
    ExtendedKeyUsage,
    /// The MD5 fingerprint, [`CertInfo::fingerprint_md5`].
    Fingerprint,
    /// [`CertInfo::fingerprint_sha1`].
    FingerprintSHA1,
    /// [`CertInfo::fingerprint_sha256`].
    FingerprintSHA256,
    /// [`CertInfo::issuer`].
    Issuer,
    /// The password of the private key (store-side; not in the certificate).
    KeyPassword,
    /// The private key, PEM (store-side).
    PrivateKey,
    /// Whether the store holds the private key (store-side).
    PrivateKeyAvailable,
    /// The Windows key container name (store-side; always empty here).
    PrivateKeyContainer,
    /// [`CertInfo::public_key`].
    PublicKey,
    /// [`CertInfo::public_key_algorithm`].
    PublicKeyAlgorithm,
    /// [`CertInfo::public_key_length`].
    PublicKeyLength,
    /// [`CertInfo::serial_number`].
    SerialNumber,
    /// [`CertInfo::signature_algorithm`].
    SignatureAlgorithm,
    /// The store the certificate came from (store-side).
    Store,
    /// The store's password (store-side).
    StorePassword,
    /// The store's type (store-side).
    StoreType,
    /// [`CertInfo::subject_alt_names`].
    SubjectAltNames,
    /// The same value as [`CertField::Fingerprint`].
    ThumbprintMD5,
    /// The same value as [`CertField::FingerprintSHA1`].
    ThumbprintSHA1,
    /// The same value as [`CertField::FingerprintSHA256`].
    ThumbprintSHA256,
    /// [`CertInfo::usage`].
    Usage,
    /// [`CertInfo::usage_flags`].
    UsageFlags,
    /// [`CertInfo::version`].
    Version,
    /// [`CertInfo::subject`].
    Subject,
    /// The certificate itself, PEM/Base64 (store-side: what was selected).
    Encoded,
}

impl CertField {
    /// Every field, in the references' order.
    pub const ALL: [CertField; 28] = [
        CertField::EffectiveDate,
        CertField::ExpirationDate,
        CertField::ExtendedKeyUsage,
        CertField::Fingerprint,
        CertField::FingerprintSHA1,
        CertField::FingerprintSHA256,
        CertField::Issuer,
        CertField::KeyPassword,
        CertField::PrivateKey,
        CertField::PrivateKeyAvailable,
        CertField::PrivateKeyContainer,
        CertField::PublicKey,
        CertField::PublicKeyAlgorithm,
        CertField::PublicKeyLength,
        CertField::SerialNumber,
        CertField::SignatureAlgorithm,
        CertField::Store,
        CertField::StorePassword,
        CertField::StoreType,
        CertField::SubjectAltNames,
        CertField::ThumbprintMD5,
        CertField::ThumbprintSHA1,
        CertField::ThumbprintSHA256,
        CertField::Usage,
        CertField::UsageFlags,
        CertField::Version,
        CertField::Subject,
        CertField::Encoded,
    ];

    /// The reference's name of the field ("EffectiveDate", ...): SSLCert + name
    /// is the property.
    pub fn name(self) -> &'static str {
        match self {
            CertField::EffectiveDate => "EffectiveDate",
            CertField::ExpirationDate => "ExpirationDate",
            CertField::ExtendedKeyUsage => "ExtendedKeyUsage",
            CertField::Fingerprint => "Fingerprint",
            CertField::FingerprintSHA1 => "FingerprintSHA1",
            CertField::FingerprintSHA256 => "FingerprintSHA256",
            CertField::Issuer => "Issuer",
            CertField::KeyPassword => "KeyPassword",
            CertField::PrivateKey => "PrivateKey",
            CertField::PrivateKeyAvailable => "PrivateKeyAvailable",
            CertField::PrivateKeyContainer => "PrivateKeyContainer",
            CertField::PublicKey => "PublicKey",
            CertField::PublicKeyAlgorithm => "PublicKeyAlgorithm",
            CertField::PublicKeyLength => "PublicKeyLength",
            CertField::SerialNumber => "SerialNumber",
            CertField::SignatureAlgorithm => "SignatureAlgorithm",
            CertField::Store => "Store",
            CertField::StorePassword => "StorePassword",
            CertField::StoreType => "StoreType",
            CertField::SubjectAltNames => "SubjectAltNames",
            CertField::ThumbprintMD5 => "ThumbprintMD5",
            CertField::ThumbprintSHA1 => "ThumbprintSHA1",
            CertField::ThumbprintSHA256 => "ThumbprintSHA256",
            CertField::Usage => "Usage",
            CertField::UsageFlags => "UsageFlags",
            CertField::Version => "Version",
            CertField::Subject => "Subject",
            CertField::Encoded => "Encoded",
        }
    }
}

/// What a parsed certificate says (the fields that come from the certificate itself).
///
/// Lists are joined with `", "`; a field whose extension is absent is empty (0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// notBefore as `dd-MMM-yyyy HH:mm:ss`, e.g. `23-Jan-2000 15:00:00`, in
    /// UTC (the reference says "localized to the system's time zone"; pier
    /// shows UTC so that the value does not depend on the host).
    pub effective_date: String,
    /// notAfter, in the same form as `effective_date`.
    pub expiration_date: String,
    /// The extendedKeyUsage OIDs in dotted form, in the certificate's order,
    /// e.g. `1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2`.
    pub extended_key_usage: String,
    /// MD5 of the DER certificate: 16 lower-case hex bytes separated by `:`,
    /// e.g. `bc:2a:72:...:02` (Fingerprint and ThumbprintMD5).
    pub fingerprint_md5: String,
    /// SHA-1 of the DER certificate, 20 bytes in the same form (FingerprintSHA1, ThumbprintSHA1).
    pub fingerprint_sha1: String,
    /// SHA-256 of the DER certificate, 32 bytes in the same form (FingerprintSHA256, ThumbprintSHA256).
    pub fingerprint_sha256: String,
    /// The issuer DN, most specific field first: `CN=Pier Test CA, O=Pier Test, C=US`
    /// ([`format_dn`], as SSLCertSubject shows subjects).
    pub issuer: String,
    /// Base64 (standard alphabet, padded, one line) of the SubjectPublicKeyInfo DER.
    pub public_key: String,
    /// `RSA`, `ECDSA` (id-ecPublicKey), `Ed25519`, else the algorithm's OID.
    pub public_key_algorithm: String,
    /// Bits: the RSA modulus length; for EC the curve's field size (256 for
    /// P-256, 384, 521); 256 for Ed25519; 0 when unknown.
    pub public_key_length: i64,
    /// Upper-case hex bytes without separators, the DER sign byte dropped
    /// (`8A0102030405`), as `openssl x509 -serial` prints it.
    pub serial_number: String,
    /// `sha256RSA`, `sha384RSA`, `sha256ECDSA`, `RSASSA-PSS`, `Ed25519`, ...
    /// for the common signature OIDs, else the OID.
    pub signature_algorithm: String,
    /// The subjectAltName DNS names, IP addresses (`127.0.0.1`, `::1`),
    /// e-mail addresses and URIs, without type prefixes, in the certificate's order.
    pub subject_alt_names: String,
    /// The keyUsage bits by the reference's names: `Digital Signature`,
    /// `Non-Repudiation`, `Key Encipherment`, `Data Encipherment`,
    /// `Key Agreement`, `Certificate Signing`, `CRL Signing`, `Encipher Only`,
    /// `Decipher Only` (the last is not in the reference's list).
    pub usage: String,
    /// The keyUsage bits as the reference numbers them: 0x80 Digital
    /// Signature, 0x40 Non-Repudiation, 0x20 Key Encipherment, 0x10 Data
    /// Encipherment, 0x08 Key Agreement, 0x04 Certificate Signing, 0x02 CRL
    /// Signing, 0x01 Encipher Only; 0x8000 Decipher Only (not in the
    /// reference; Windows' CERT_DECIPHER_ONLY_KEY_USAGE). 0 without keyUsage.
    pub usage_flags: i64,
    /// `V1`, `V2` or `V3`, the reference's strings.
    pub version: String,
    /// The subject DN, in the same form as `issuer`.
    pub subject: String,
}

/// Parses one certificate: DER, or PEM text whose first `CERTIFICATE` (or
/// `X509 CERTIFICATE`) block is taken. The DER must be exactly one
/// certificate, with nothing after it.
///
/// A bad certificate (empty input, no CERTIFICATE block, bad base64,
/// malformed or truncated DER, trailing bytes, a malformed keyUsage /
/// extendedKeyUsage / subjectAltName extension or public key) fails with 280,
/// `Error verifying certificate: <why>`.
pub fn parse(der_or_pem: &[u8]) -> Result<CertInfo, Error> {
    let der = certificate_der(der_or_pem)?;
    let (rest, x) = X509Certificate::from_der(&der).map_err(|e| bad(format!("malformed certificate: {e}")))?;
    if !rest.is_empty() {
        return Err(bad(format!("{} bytes after the certificate", rest.len())));
    }
    let validity = x.validity();
    let spki = x.public_key();
    let (usage, usage_flags) = key_usage(&x)?;
    Ok(CertInfo {
        effective_date: format_date(&validity.not_before),
        expiration_date: format_date(&validity.not_after),
        extended_key_usage: extended_key_usage(&x)?,
        fingerprint_md5: hex_colons(&Md5::digest(&der)),
        fingerprint_sha1: hex_colons(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref()),
        fingerprint_sha256: hex_colons(digest::digest(&digest::SHA256, &der).as_ref()),
        issuer: format_dn(x.issuer()),
        public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, spki.raw),
        public_key_algorithm: key_algorithm(&spki.algorithm.algorithm),
        public_key_length: key_length(spki)?,
        serial_number: serial(x.raw_serial()),
        signature_algorithm: signature_algorithm(&x.signature_algorithm.algorithm),
        subject_alt_names: subject_alt_names(&x)?,
        usage,
        usage_flags,
        version: format!("V{}", u64::from(x.version().0) + 1),
        subject: format_dn(x.subject()),
    })
}

fn bad(why: impl std::fmt::Display) -> Error {
    Error::new(VERIFY_CERT, format!("Error verifying certificate: {why}"))
}

/// The DER of `data`: itself, or the first CERTIFICATE block of PEM text.
fn certificate_der(data: &[u8]) -> Result<Vec<u8>, Error> {
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad("no certificate (empty input)"));
    }
    if !pem::is_pem(data) {
        return Ok(data.to_vec());
    }
    pem::sections(data)
        .map_err(|e| bad(format!("bad PEM text: {e}")))?
        .into_iter()
        .find(|s| s.label == "CERTIFICATE" || s.label == "X509 CERTIFICATE")
        .map(|s| s.der)
        .ok_or_else(|| bad("the PEM text holds no CERTIFICATE block"))
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `dd-MMM-yyyy HH:mm:ss` in UTC (civil-from-days, H. Hinnant's algorithm).
fn format_date(t: &ASN1Time) -> String {
    let secs = t.timestamp();
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mon = MONTHS[(month - 1) as usize];
    format!("{day:02}-{mon}-{year:04} {:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60)
}

fn hex_colons(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn serial(raw: &[u8]) -> String {
    let mut raw = raw;
    while raw.len() > 1 && raw[0] == 0 {
        raw = &raw[1..];
    }
    raw.iter().map(|b| format!("{b:02X}")).collect()
}

fn ext_error(which: &str, e: X509Error) -> Error {
    bad(format!("malformed {which} extension: {e}"))
}

/// The reference's names of the keyUsage bits, in bit order (RFC 5280
/// §4.2.1.3: digitalSignature(0) .. decipherOnly(8)), with their flags.
const KEY_USAGES: [(&str, i64); 9] = [
    ("Digital Signature", 0x80),
    ("Non-Repudiation", 0x40),
    ("Key Encipherment", 0x20),
    ("Data Encipherment", 0x10),
    ("Key Agreement", 0x08),
    ("Certificate Signing", 0x04),
    ("CRL Signing", 0x02),
    ("Encipher Only", 0x01),
    ("Decipher Only", 0x8000),
];

fn key_usage(x: &X509Certificate<'_>) -> Result<(String, i64), Error> {
    let Some(ku) = x.key_usage().map_err(|e| ext_error("keyUsage", e))? else {
        return Ok((String::new(), 0));
    };
    let set: Vec<_> = KEY_USAGES.iter().enumerate().filter(|(bit, _)| ku.value.flags >> bit & 1 == 1).collect();
    Ok((set.iter().map(|(_, (n, _))| *n).collect::<Vec<_>>().join(", "), set.iter().map(|(_, (_, f))| f).sum()))
}

/// The extendedKeyUsage OIDs in the certificate's order (x509-parser's
/// parsed form keeps only flags for the well-known ones, so the raw
/// extension value is read again after x509-parser checked it).
fn extended_key_usage(x: &X509Certificate<'_>) -> Result<String, Error> {
    if x.extended_key_usage().map_err(|e| ext_error("extendedKeyUsage", e))?.is_none() {
        return Ok(String::new());
    }
    let ext = x.get_extension_unique(&OID_X509_EXT_EXTENDED_KEY_USAGE).map_err(|e| ext_error("extendedKeyUsage", e));
    let value = ext?.map(|e| e.value).unwrap_or_default();
    let (_, oids) =
        <Vec<Oid>>::from_der(value).map_err(|e| bad(format!("malformed extendedKeyUsage extension: {e}")))?;
    Ok(oids.iter().map(Oid::to_id_string).collect::<Vec<_>>().join(", "))
}

fn subject_alt_names(x: &X509Certificate<'_>) -> Result<String, Error> {
    let Some(san) = x.subject_alternative_name().map_err(|e| ext_error("subjectAltName", e))? else {
        return Ok(String::new());
    };
    let names = san.value.general_names.iter().filter_map(|n| match n {
        GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => Some(s.to_string()),
        GeneralName::IPAddress(b) => Some(match *b {
            [a, b, c, d] => std::net::Ipv4Addr::new(*a, *b, *c, *d).to_string(),
            _ => match <[u8; 16]>::try_from(*b) {
                Ok(v6) => std::net::Ipv6Addr::from(v6).to_string(),
                Err(_) => hex_colons(b),
            },
        }),
        _ => None,
    });
    Ok(names.collect::<Vec<_>>().join(", "))
}

const RSA: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const EC: &str = "1.2.840.10045.2.1";
const ED25519: &str = "1.3.101.112";

fn key_algorithm(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        RSA => "RSA".into(),
        EC => "ECDSA".into(),
        ED25519 => "Ed25519".into(),
        other => other.into(),
    }
}

fn key_length(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> Result<i64, Error> {
    let malformed = |e: X509Error| bad(format!("malformed public key: {e}"));
    let bits = match spki.algorithm.algorithm.to_id_string().as_str() {
        RSA | RSA_PSS => {
            let (_, rsa) = RSAPublicKey::from_der(&spki.subject_public_key.data).map_err(|e| malformed(e.into()))?;
            let m = rsa.modulus.iter().position(|b| *b != 0).map_or(&[][..], |i| &rsa.modulus[i..]);
            m.first().map_or(0, |top| (m.len() * 8) as i64 - i64::from(top.leading_zeros()))
        }
        EC => {
            let curve = spki.algorithm.parameters.as_ref().filter(|p| p.tag() == Tag::Oid).map(curve_name);
            match curve.as_deref().and_then(curve_bits) {
                Some(bits) => bits,
                None => spki.parsed().map_err(malformed)?.key_size() as i64,
            }
        }
        ED25519 => 256,
        _ => spki.parsed().map(|k| if let PublicKey::Unknown(_) = k { 0 } else { k.key_size() as i64 }).unwrap_or(0),
    };
    Ok(bits)
}

fn curve_name(params: &Any<'_>) -> String {
    Oid::try_from(params).map(|o| o.to_id_string()).unwrap_or_default()
}

/// Field sizes of the named curves (RFC 5480, RFC 5639).
fn curve_bits(oid: &str) -> Option<i64> {
    Some(match oid {
        "1.2.840.10045.3.1.1" => 192,
        "1.3.132.0.33" => 224,
        "1.2.840.10045.3.1.7" | "1.3.132.0.10" | "1.3.36.3.3.2.8.1.1.7" => 256,
        "1.3.132.0.34" | "1.3.36.3.3.2.8.1.1.11" => 384,
        "1.3.36.3.3.2.8.1.1.13" => 512,
        "1.3.132.0.35" => 521,
        _ => return None,
    })
}

fn signature_algorithm(oid: &Oid<'_>) -> String {
    let id = oid.to_id_string();
    let name = match id.as_str() {
        "1.2.840.113549.1.1.2" => "md2RSA",
        "1.2.840.113549.1.1.4" => "md5RSA",
        "1.2.840.113549.1.1.5" => "sha1RSA",
        "1.2.840.113549.1.1.14" => "sha224RSA",
        "1.2.840.113549.1.1.11" => "sha256RSA",
        "1.2.840.113549.1.1.12" => "sha384RSA",
        "1.2.840.113549.1.1.13" => "sha512RSA",
        RSA_PSS => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "sha1ECDSA",
        "1.2.840.10045.4.3.1" => "sha224ECDSA",
        "1.2.840.10045.4.3.2" => "sha256ECDSA",
        "1.2.840.10045.4.3.3" => "sha384ECDSA",
        "1.2.840.10045.4.3.4" => "sha512ECDSA",
        "1.2.840.10040.4.3" => "sha1DSA",
        "2.16.840.1.101.3.4.3.1" => "sha224DSA",
        "2.16.840.1.101.3.4.3.2" => "sha256DSA",
        ED25519 => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return id,
    };
    name.into()
}

/// The fields of the certificate `spec` selects, and whether its store holds
/// the private key (defaults when it names none or cannot be loaded).
pub fn of_spec(spec: &super::cert::CertSpec) -> (CertInfo, bool) {
    if spec.store.is_empty() && spec.encoded.is_empty() {
        return (CertInfo::default(), false);
    }
    match spec.select() {
        Ok(sel) => (parse(sel.leaf_der()).unwrap_or_default(), sel.has_private_key()),
        Err(_) => (CertInfo::default(), false),
    }
}

/// A Certificate field read from the certificate (`has_key`: whether the
/// store held its private key); the store-side fields a component serves
/// itself read "".
pub fn field_value(info: &CertInfo, has_key: bool, f: CertField) -> Value {
    let t = |s: &str| Value::text(s.to_string());
    match f {
        CertField::EffectiveDate => t(&info.effective_date),
        CertField::ExpirationDate => t(&info.expiration_date),
        CertField::ExtendedKeyUsage => t(&info.extended_key_usage),
        CertField::Fingerprint | CertField::ThumbprintMD5 => t(&info.fingerprint_md5),
        CertField::FingerprintSHA1 | CertField::ThumbprintSHA1 => t(&info.fingerprint_sha1),
        CertField::FingerprintSHA256 | CertField::ThumbprintSHA256 => t(&info.fingerprint_sha256),
        CertField::Issuer => t(&info.issuer),
        CertField::PrivateKeyAvailable => Value::Bool(has_key),
        CertField::PublicKey => t(&info.public_key),
        CertField::PublicKeyAlgorithm => t(&info.public_key_algorithm),
        CertField::PublicKeyLength => Value::Int(info.public_key_length),
        CertField::SerialNumber => t(&info.serial_number),
        CertField::SignatureAlgorithm => t(&info.signature_algorithm),
        CertField::SubjectAltNames => t(&info.subject_alt_names),
        CertField::Usage => t(&info.usage),
        CertField::UsageFlags => Value::Int(info.usage_flags),
        CertField::Version => t(&info.version),
        // Never exported; no key containers on this platform.
        CertField::PrivateKey | CertField::PrivateKeyContainer => t(""),
        // Served by the stream properties and SSLCertKeyPassword.
        CertField::KeyPassword
        | CertField::Store
        | CertField::StorePassword
        | CertField::StoreType
        | CertField::Subject
        | CertField::Encoded => t(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::testutil::{self, openssl};
    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::path::Path;

    /// The openssl CLI's stdout.
    fn openssl_out(args: &[&str]) -> String {
        let out = std::process::Command::new("openssl").args(args).output().expect("the openssl CLI runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn x509(cert: &Path, args: &[&str]) -> String {
        let mut a = vec!["x509", "-in", cert.to_str().unwrap(), "-noout"];
        a.extend_from_slice(args);
        openssl_out(&a)
    }

    /// `key=value` lines of openssl's output (`notBefore=...`, `serial=...`).
    fn value_of(out: &str, key: &str) -> String {
        let line = out.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key} in {out}"));
        line.split_once('=').unwrap().1.trim().to_string()
    }

    /// `Jan  3 15:00:00 2000 GMT` → `03-Jan-2000 15:00:00`.
    fn openssl_date(s: &str) -> String {
        let f: Vec<&str> = s.split_whitespace().collect();
        assert_eq!(f[4], "GMT", "{s}");
        format!("{:02}-{}-{} {}", f[1].parse::<u32>().unwrap(), f[0], f[3], f[2])
    }

    /// The value line under each `X509v3 <name>:` header of `-ext` output.
    fn extensions(out: &str) -> HashMap<String, String> {
        let mut m = HashMap::new();
        let mut lines = out.lines();
        while let Some(head) = lines.next() {
            if let Some((name, _)) = head.trim().strip_prefix("X509v3 ").and_then(|h| h.split_once(':')) {
                m.insert(name.to_string(), lines.next().unwrap_or_default().trim().to_string());
            }
        }
        m
    }

    /// The text after `label` on the first `-text` line holding it.
    fn text_field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
        text.lines().find_map(|l| l.trim().strip_prefix(label)).map(str::trim)
    }

    /// openssl's key usage names, in bit order.
    const OPENSSL_USAGES: [&str; 9] = [
        "Digital Signature",
        "Non Repudiation",
        "Key Encipherment",
        "Data Encipherment",
        "Key Agreement",
        "Certificate Sign",
        "CRL Sign",
        "Encipher Only",
        "Decipher Only",
    ];

    /// openssl's name → the reference's name and flag (the bits are what is being checked).
    fn usage_from_openssl(name: &str) -> (&'static str, i64) {
        let i = OPENSSL_USAGES.iter().position(|n| *n == name);
        KEY_USAGES[i.unwrap_or_else(|| panic!("unknown openssl key usage {name}"))]
    }

    fn split(list: &str) -> Vec<String> {
        list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    }

    /// Parses `cert` (PEM file) and its DER, and checks every field against the openssl CLI.
    fn check_against_openssl(cert: &Path) -> CertInfo {
        let der_path = cert.with_extension("der");
        openssl(&["x509", "-in", s(cert), "-outform", "DER", "-out", s(&der_path)]);
        let info = parse(&std::fs::read(cert).unwrap()).unwrap();
        assert_eq!(parse(&std::fs::read(&der_path).unwrap()).unwrap(), info, "PEM and DER agree");

        let dates = x509(cert, &["-dates"]);
        assert_eq!(info.effective_date, openssl_date(&value_of(&dates, "notBefore")));
        assert_eq!(info.expiration_date, openssl_date(&value_of(&dates, "notAfter")));
        for (flag, got) in
            [("-md5", &info.fingerprint_md5), ("-sha1", &info.fingerprint_sha1), ("-sha256", &info.fingerprint_sha256)]
        {
            let out = x509(cert, &["-fingerprint", flag]);
            assert_eq!(*got, out.split_once('=').unwrap().1.trim().to_lowercase(), "{flag}");
        }
        assert_eq!(info.serial_number, value_of(&x509(cert, &["-serial"]), "serial"));

        // Subject/issuer: RFC 2253 is most specific first, like the reference;
        // the reference says S and E where openssl says ST and emailAddress.
        let names = x509(cert, &["-subject", "-issuer", "-nameopt", "RFC2253"]);
        for (key, got) in [("subject", &info.subject), ("issuer", &info.issuer)] {
            let want: Vec<String> = split(&value_of(&names, key))
                .into_iter()
                .map(|f| match f.split_once('=') {
                    Some(("ST", v)) => format!("S={v}"),
                    Some(("emailAddress", v)) => format!("E={v}"),
                    _ => f,
                })
                .collect();
            assert_eq!(split(got), want, "{key}");
        }

        let spki_pem = x509(cert, &["-pubkey"]);
        let spki_b64: String = spki_pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(info.public_key, spki_b64);

        let ext = extensions(&x509(cert, &["-ext", "subjectAltName,keyUsage,extendedKeyUsage"]));
        let sans: Vec<String> = ext.get("Subject Alternative Name").map(|s| split(s)).unwrap_or_default();
        let ours = split(&info.subject_alt_names);
        assert_eq!(ours.len(), sans.len(), "{ours:?} vs {sans:?}");
        for (got, want) in ours.iter().zip(&sans) {
            let (kind, value) = want.split_once(':').unwrap();
            match kind {
                "IP Address" => assert_eq!(got.parse::<IpAddr>().unwrap(), value.parse::<IpAddr>().unwrap()),
                "DNS" | "email" | "URI" => assert_eq!(got, value),
                _ => panic!("unexpected SAN {want}"),
            }
        }
        let usages: Vec<_> =
            ext.get("Key Usage").map(|s| split(s)).unwrap_or_default().iter().map(|n| usage_from_openssl(n)).collect();
        assert_eq!(info.usage, usages.iter().map(|u| u.0).collect::<Vec<_>>().join(", "));
        assert_eq!(info.usage_flags, usages.iter().map(|u| u.1).sum::<i64>());
        let eku: Vec<String> = ext
            .get("Extended Key Usage")
            .map(|s| split(s))
            .unwrap_or_default()
            .into_iter()
            .map(|n| match n.as_str() {
                "TLS Web Server Authentication" => "1.3.6.1.5.5.7.3.1".to_string(),
                "TLS Web Client Authentication" => "1.3.6.1.5.5.7.3.2".to_string(),
                "Code Signing" => "1.3.6.1.5.5.7.3.3".to_string(),
                _ => n, // openssl prints unnamed OIDs as they are
            })
            .collect();
        assert_eq!(split(&info.extended_key_usage), eku);

        let text = x509(cert, &["-text"]);
        let version = text_field(&text, "Version:").unwrap().split_whitespace().next().unwrap();
        assert_eq!(info.version, format!("V{version}"));
        let sig = match text_field(&text, "Signature Algorithm:").unwrap() {
            "sha256WithRSAEncryption" => "sha256RSA",
            "sha384WithRSAEncryption" => "sha384RSA",
            "ecdsa-with-SHA256" => "sha256ECDSA",
            "ED25519" => "Ed25519",
            other => panic!("add openssl's {other} to the test"),
        };
        assert_eq!(info.signature_algorithm, sig);
        let alg = match text_field(&text, "Public Key Algorithm:").unwrap() {
            "rsaEncryption" => "RSA",
            "id-ecPublicKey" => "ECDSA",
            "ED25519" => "Ed25519",
            other => panic!("add openssl's {other} to the test"),
        };
        assert_eq!(info.public_key_algorithm, alg);
        let bits = text.lines().find_map(|l| l.split_once("Public-Key: (")).map(|(_, b)| b.trim_end_matches(" bit)"));
        match bits {
            Some(b) => assert_eq!(info.public_key_length, b.parse::<i64>().unwrap()),
            None => assert_eq!((alg, info.public_key_length), ("Ed25519", 256)), // openssl prints no size for it
        }
        info
    }

    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    #[test]
    fn rsa_ca_and_leaf_with_sans_usages_and_a_high_bit_serial() {
        let dir = testutil::tmpdir();
        let (ca_key, ca, key, csr, leaf) =
            (dir.join("ca.key"), dir.join("ca.pem"), dir.join("leaf.key"), dir.join("leaf.csr"), dir.join("leaf.pem"));
        let ca_usage = "keyUsage=critical,keyCertSign,cRLSign,digitalSignature";
        let ca_subj = "/C=US/O=Pier Test/CN=Pier Test CA";
        let rsa = ["-newkey", "rsa:2048", "-nodes"];
        let ca_out = ["-keyout", s(&ca_key), "-out", s(&ca), "-subj", ca_subj, "-addext", ca_usage];
        openssl(&[&["req", "-x509", "-sha384", "-days", "30"][..], &rsa, &ca_out].concat());
        let leaf_subj = "/C=US/ST=Somewhere/L=Town/O=Pier Test/OU=test/CN=www.example.com";
        openssl(&[&["req"][..], &rsa, &["-keyout", s(&key), "-out", s(&csr), "-subj", leaf_subj]].concat());
        let ext = testutil::write(
            &dir,
            "ext.cnf",
            "subjectAltName=DNS:www.example.com,DNS:example.com,IP:127.0.0.1,IP:2001:db8::1,email:admin@example.com\n\
             keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,keyAgreement,encipherOnly,decipherOnly\n\
             extendedKeyUsage=serverAuth,clientAuth,1.2.3.4.5\n",
        );
        let sign = ["x509", "-req", "-in", s(&csr), "-CA", s(&ca), "-CAkey", s(&ca_key), "-sha256", "-days", "30"];
        openssl(&[&sign[..], &["-set_serial", "0x8A0102030405", "-extfile", s(&ext), "-out", s(&leaf)]].concat());

        let info = check_against_openssl(&leaf);
        // What the comparison checked, spelled out once (and that the lists are not empty).
        assert_eq!(info.serial_number, "8A0102030405");
        assert_eq!(info.subject, "CN=www.example.com, OU=test, O=Pier Test, L=Town, S=Somewhere, C=US");
        assert_eq!(info.issuer, "CN=Pier Test CA, O=Pier Test, C=US");
        assert_eq!(info.subject_alt_names, "www.example.com, example.com, 127.0.0.1, 2001:db8::1, admin@example.com");
        assert_eq!(info.extended_key_usage, "1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2, 1.2.3.4.5");
        assert_eq!(
            info.usage,
            "Digital Signature, Non-Repudiation, Key Encipherment, Key Agreement, Encipher Only, Decipher Only"
        );
        assert_eq!(info.usage_flags, 0x80 | 0x40 | 0x20 | 0x08 | 0x01 | 0x8000);
        assert_eq!((info.public_key_algorithm.as_str(), info.public_key_length), ("RSA", 2048));
        assert_eq!((info.signature_algorithm.as_str(), info.version.as_str()), ("sha256RSA", "V3"));
        assert_eq!(info.fingerprint_md5.len(), 16 * 3 - 1);

        let ca_info = check_against_openssl(&ca);
        assert_eq!(ca_info.usage, "Digital Signature, Certificate Signing, CRL Signing");
        assert_eq!((ca_info.usage_flags, ca_info.signature_algorithm.as_str()), (0x86, "sha384RSA"));
        assert_eq!(ca_info.subject, ca_info.issuer);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn ec_p256_leaf_from_testutil() {
        let dir = testutil::tmpdir();
        let ca = testutil::ca("Pier Test CA");
        let leaf = testutil::leaf(&ca, "localhost", &["localhost", "127.0.0.1"], false, 7);
        let info = check_against_openssl(&testutil::write(&dir, "leaf.pem", &leaf.pem));
        assert_eq!(parse(&leaf.der).unwrap(), info);
        assert_eq!((info.public_key_algorithm.as_str(), info.public_key_length), ("ECDSA", 256));
        assert_eq!((info.signature_algorithm.as_str(), info.serial_number.as_str()), ("sha256ECDSA", "1007"));
        assert_eq!((info.subject_alt_names.as_str(), info.usage.as_str()), ("localhost, 127.0.0.1", ""));
        assert_eq!(info.extended_key_usage, "1.3.6.1.5.5.7.3.1");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn ed25519_and_a_v1_certificate_without_extensions() {
        let dir = testutil::tmpdir();
        let (key, ed) = (dir.join("ed.key"), dir.join("ed.pem"));
        let ed_args = ["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", s(&key), "-out", s(&ed)];
        openssl(&[&ed_args[..], &["-subj", "/CN=ed25519 test", "-days", "2"]].concat());
        let info = check_against_openssl(&ed);
        assert_eq!((info.public_key_algorithm.as_str(), info.public_key_length), ("Ed25519", 256));
        assert_eq!(info.signature_algorithm, "Ed25519");

        let (csr, v1) = (dir.join("v1.csr"), dir.join("v1.pem"));
        openssl(&["req", "-new", "-key", s(&key), "-subj", "/CN=v1/emailAddress=a@example.com", "-out", s(&csr)]);
        openssl(&["x509", "-req", "-in", s(&csr), "-signkey", s(&key), "-days", "2", "-out", s(&v1)]);
        let info = check_against_openssl(&v1);
        assert_eq!(info.version, "V1");
        assert_eq!(info.subject, "E=a@example.com, CN=v1");
        let empty = (&info.subject_alt_names[..], &info.usage[..], info.usage_flags, &info.extended_key_usage[..]);
        assert_eq!(empty, ("", "", 0, ""));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn dates_are_utc_in_the_references_form() {
        let date = |t| format_date(&ASN1Time::from_timestamp(t).unwrap());
        assert_eq!(date(0), "01-Jan-1970 00:00:00");
        assert_eq!(date(948_639_600), "23-Jan-2000 15:00:00"); // the reference's example
        assert_eq!(date(951_782_400), "29-Feb-2000 00:00:00");
        assert_eq!(date(253_402_300_799), "31-Dec-9999 23:59:59");
        assert_eq!(date(-1), "31-Dec-1969 23:59:59");
    }

    #[test]
    fn bad_certificates_fail_with_280_and_never_panic() {
        let leaf = testutil::leaf(&testutil::ca("CA"), "x", &["x"], false, 1);
        let bad_inputs: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("blank", b" \r\n".to_vec()),
            ("garbage", b"hello, this is not a certificate".to_vec()),
            ("random bytes", (0..=255u8).rev().collect()),
            ("truncated DER", leaf.der[..leaf.der.len() / 2].to_vec()),
            ("trailing bytes", [&leaf.der[..], b"\0"].concat()),
            ("key only", leaf.key_pem.clone().into_bytes()),
            ("bad base64", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".to_vec()),
            ("no end line", leaf.pem.replace("-----END CERTIFICATE-----", "").into_bytes()),
        ];
        for (what, data) in bad_inputs {
            let e = parse(&data).expect_err(what);
            assert_eq!(e.code, VERIFY_CERT, "{what}: {e}");
            assert!(e.text.starts_with("Error verifying certificate: ") && e.text.len() > 30, "{what}: {e}");
        }
        assert!(parse(b"").unwrap_err().text.contains("empty"));
        assert!(parse(leaf.key_pem.as_bytes()).unwrap_err().text.contains("no CERTIFICATE block"));
        for n in 0..leaf.der.len() {
            assert!(parse(&leaf.der[..n]).is_err(), "prefix of {n} bytes");
        }
        // PEM with text around it and a key before the certificate is fine.
        let pem = format!("Bag Attributes\n{}{}", leaf.key_pem, leaf.pem);
        assert_eq!(parse(pem.as_bytes()).unwrap(), parse(&leaf.der).unwrap());
    }

    #[test]
    fn field_names_are_the_variant_names_in_order() {
        let names: Vec<&str> = CertField::ALL.iter().map(|f| f.name()).collect();
        for f in CertField::ALL {
            assert_eq!(f.name(), format!("{f:?}"));
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 28);
        assert_eq!((names[0], names[7], names[27]), ("EffectiveDate", "KeyPassword", "Encoded"));
    }
}
