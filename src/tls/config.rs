//! The SSL config settings and the rustls `ServerConfig` they make.
//!
//! Reference: the TCPServer reference, "SSL Config Settings" (and
//! the WSServer reference for SSLClientCACerts). Every setting there is
//! recognized by [`TlsSettings::set`]. What pier does with each:
//!
//! | setting | pier |
//! |---|---|
//! | SSLEnabledProtocols | TLS1.3 (12288) and TLS1.2 (3072) only. Default **15360** (TLS 1.2 + 1.3), not the reference's 4032 (TLS 1.0–1.2): rustls has no TLS 1.0/1.1. Older bits in a mask that also has 1.2 or 1.3 are dropped (4032 reads back 3072); a mask with only older versions fails with 910. |
//! | SSLEnabledCipherSuites | `*` or a `;`/`,` list of IANA names. Unknown names fail (906); names the reference lists that rustls lacks (CBC, RSA key transport, DHE, 3DES, RC4) are skipped; a list left empty fails (910). |
//! | SSLCipherStrength | minimum bulk key bits; suites below it are dropped. |
//! | TLS12SupportedGroups, TLS13SupportedGroups | rustls has one group list for both versions: pier uses the TLS 1.3 list then the TLS 1.2 one (for the versions enabled). secp521r1, x448 and ffdhe names are accepted and skipped (rustls/ring lack them). |
//! | TLS13KeyShareGroups | validated; no effect (pre-generated key shares are a client's choice). |
//! | TLS12SignatureAlgorithms, TLS13SignatureAlgorithms | at their defaults, no restriction; changed, the union (for the versions enabled) limits both the schemes the server signs with and those it accepts from clients. ed448, DSA, SHA-1/SHA-224 and secp521r1 names are accepted and skipped. |
//! | SSLCACerts, SSLClientCACerts | PEM CA certificates: the trust anchors for client certificates, advertised in the CertificateRequest. |
//! | SSLCRLs (pier) | PEM (`X509 CRL`) or DER CRLs that SSLCheckCRL checks client certificates against. |
//! | SSLCheckCRL | 0 off; 1 check, unknown status allowed; 2 check, unknown status fails (and needs SSLCRLs). CRLs are never downloaded. |
//! | SSLCheckOCSP | 0/1 accepted (1: "continue if not supported" — OCSP is never available); 2 fails with 910. |
//! | SSLSecurityFlags | 0x1, 0x10, 0x20, 0x100 waive the matching client-certificate failures; other bits no effect. |
//! | ReuseSSLSession | default False: no resumption. True: session-id cache and TLS 1.3 tickets (stateful) plus stateless tickets. |
//! | SSLKeyLogFile | NSS key log lines appended to the file. |
//! | SSLIncludeCertChain | whether SSLClientAuthentication's CertEncoded carries the whole chain (as PEM). |
//! | DefaultConnectionTimeout | stored; the connection layer enforces it. |
//! | LogSSLPackets | SSLStatus lines for every TLS record sent and received. |
//! | SSLEnableRenegotiation | accepted; no effect: rustls never renegotiates and always sends renegotiation_info. |
//! | SSLServerCACerts, OpenSSLCADir, OpenSSLCAFile, OpenSSLCipherList, OpenSSLPrngSeedData | accepted and stored; no effect (client-side, or OpenSSL-only). |
//! | SSLNegotiated* | read-only, per connection: [`crate::tls::TlsSession::negotiated`]. |

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache};
use rustls::sign::CertifiedKey;
use rustls::{KeyLog, ServerConfig, SignatureScheme, SupportedCipherSuite, SupportedProtocolVersion};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};

use super::cert::{parse_cert_list, CertSpec, SelectedCert};
use super::names::{self, Lookup};
use super::pem;
use super::resolver::{CertResolver, FixedCert, RestrictedKey};
use super::session::TlsSession;
use super::verify::{ClientAuthPolicy, DeferredClientVerifier};
use crate::core::error::{codes, Error, Result};

/// SSLEnabledProtocols bits.
pub mod protocols {
    pub const TLS13: u32 = 0x3000;
    pub const TLS12: u32 = 0x0C00;
    pub const TLS11: u32 = 0x0300;
    pub const TLS10: u32 = 0x00C0;
    pub const SSL3: u32 = 0x0030;
    pub const SSL2: u32 = 0x000C;
    /// pier's default: TLS 1.2 and TLS 1.3 (15360).
    pub const DEFAULT: u32 = TLS13 | TLS12;
}

pub const DEFAULT_TLS12_SIGNATURE_ALGORITHMS: &str = "sha512-ecdsa,sha512-rsa,sha512-dsa,sha384-ecdsa,sha384-rsa,sha384-dsa,sha256-ecdsa,sha256-rsa,sha256-dsa,sha224-ecdsa,sha224-rsa,sha224-dsa,sha1-ecdsa,sha1-rsa,sha1-dsa";
pub const DEFAULT_TLS12_SUPPORTED_GROUPS: &str = "ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1";
pub const DEFAULT_TLS13_KEY_SHARE_GROUPS: &str = "ecdhe_x25519,ecdhe_secp256r1,ecdhe_secp384r1,ffdhe_2048,ffdhe_3072";
pub const DEFAULT_TLS13_SIGNATURE_ALGORITHMS: &str = "rsa_pss_sha256,rsa_pss_sha384,rsa_pss_sha512,rsa_pkcs1_sha256,rsa_pkcs1_sha384,rsa_pkcs1_sha512,ecdsa_secp256r1_sha256,ecdsa_secp384r1_sha384,ecdsa_secp521r1_sha512,ed25519,ed448";
pub const DEFAULT_TLS13_SUPPORTED_GROUPS: &str = "ecdhe_x25519,ecdhe_x448,ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1,ffdhe_2048,ffdhe_3072,ffdhe_4096,ffdhe_6144,ffdhe_8192";

/// How much plaintext plus TLS output one connection may hold before
/// `write_plaintext` takes no more (rustls' buffer limit).
pub const DEFAULT_BUFFER_LIMIT: usize = 64 * 1024;

/// The read-only, per-connection settings (answered by the session).
pub const NEGOTIATED_SETTINGS: &[&str] = &[
    "SSLNegotiatedCipher",
    "SSLNegotiatedCipherStrength",
    "SSLNegotiatedCipherSuite",
    "SSLNegotiatedKeyExchange",
    "SSLNegotiatedKeyExchangeStrength",
    "SSLNegotiatedVersion",
];

/// Every SSL config setting of the reference, with the reference's defaults
/// (except SSLEnabledProtocols, see the module table), plus pier's SSLCRLs
/// and the SNI certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// Effective SSLEnabledProtocols mask (only TLS1.2/TLS1.3 bits).
    pub enabled_protocols: u32,
    pub enabled_cipher_suites: String,
    pub cipher_strength: u32,
    pub ca_certs: String,
    pub client_ca_certs: String,
    pub crls: String,
    pub check_crl: i32,
    pub check_ocsp: i32,
    pub security_flags: u32,
    pub reuse_session: bool,
    pub key_log_file: String,
    pub include_cert_chain: bool,
    pub enable_renegotiation: bool,
    pub tls12_signature_algorithms: String,
    pub tls12_supported_groups: String,
    pub tls13_key_share_groups: String,
    pub tls13_signature_algorithms: String,
    pub tls13_supported_groups: String,
    /// Seconds of client inactivity allowed during the handshake; 0 = none.
    pub default_connection_timeout: u32,
    pub log_ssl_packets: bool,
    pub server_ca_certs: String,
    pub openssl_ca_dir: String,
    pub openssl_ca_file: String,
    pub openssl_cipher_list: String,
    pub openssl_prng_seed_data: String,
    /// Bytes one connection's TLS layer may buffer (not a reference setting).
    pub buffer_limit: usize,
    /// Certificates served by SNI host name (beyond the reference).
    pub sni_certs: Vec<(String, CertSpec)>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            enabled_protocols: protocols::DEFAULT,
            enabled_cipher_suites: "*".into(),
            cipher_strength: 0,
            ca_certs: String::new(),
            client_ca_certs: String::new(),
            crls: String::new(),
            check_crl: 0,
            check_ocsp: 0,
            security_flags: 0,
            reuse_session: false,
            key_log_file: String::new(),
            include_cert_chain: false,
            enable_renegotiation: true,
            tls12_signature_algorithms: DEFAULT_TLS12_SIGNATURE_ALGORITHMS.into(),
            tls12_supported_groups: DEFAULT_TLS12_SUPPORTED_GROUPS.into(),
            tls13_key_share_groups: DEFAULT_TLS13_KEY_SHARE_GROUPS.into(),
            tls13_signature_algorithms: DEFAULT_TLS13_SIGNATURE_ALGORITHMS.into(),
            tls13_supported_groups: DEFAULT_TLS13_SUPPORTED_GROUPS.into(),
            default_connection_timeout: 0,
            log_ssl_packets: false,
            server_ca_certs: String::new(),
            openssl_ca_dir: String::new(),
            openssl_ca_file: String::new(),
            openssl_cipher_list: String::new(),
            openssl_prng_seed_data: String::new(),
            buffer_limit: DEFAULT_BUFFER_LIMIT,
            sni_certs: Vec::new(),
        }
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::invalid_value(format!("{name}: \"{v}\" is not a boolean"))),
    }
}

fn parse_int(name: &str, v: &str) -> Result<i64> {
    let t = v.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => t.parse::<i64>(),
    };
    parsed.map_err(|_| Error::invalid_value(format!("{name}: \"{v}\" is not a number")))
}

fn parse_u32(name: &str, v: &str) -> Result<u32> {
    u32::try_from(parse_int(name, v)?).map_err(|_| Error::invalid_value(format!("{name}: {v} is out of range")))
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split([';', ',']).map(str::trim).filter(|s| !s.is_empty())
}

/// Checks an SSLProvider value (reference: 0 Automatic, 1 Platform, 2
/// Internal). pier's only implementation is rustls, its "internal" one:
/// Automatic and Internal select it; Platform (SChannel) exists only on
/// Windows and fails with 910 rather than silently using rustls.
pub fn check_ssl_provider(value: i64) -> Result<()> {
    match value {
        0 | 2 => Ok(()),
        1 => Err(Error::new(
            codes::NOT_SUPPORTED,
            "SSLProvider 1 (Platform) is not supported on this platform: pier's TLS implementation is rustls (Internal)",
        )),
        _ => Err(Error::invalid_value(format!("SSLProvider: {value} is not 0, 1 or 2"))),
    }
}

/// Parses an SSLEnabledProtocols mask to the effective TLS1.2/1.3 mask.
pub fn parse_protocols(v: &str) -> Result<u32> {
    use protocols::*;
    let mask = parse_u32("SSLEnabledProtocols", v)?;
    let known = TLS13 | TLS12 | TLS11 | TLS10 | SSL3 | SSL2;
    if mask & !known != 0 {
        return Err(Error::invalid_value(format!(
            "SSLEnabledProtocols: {mask} has bits that name no protocol (TLS1.3 12288, TLS1.2 3072, TLS1.1 768, TLS1 192)"
        )));
    }
    if mask == 0 {
        return Err(Error::invalid_value("SSLEnabledProtocols: 0 enables no protocol"));
    }
    let mut eff = 0;
    if mask & TLS13 != 0 {
        eff |= TLS13;
    }
    if mask & TLS12 != 0 {
        eff |= TLS12;
    }
    if eff == 0 {
        return Err(Error::new(
            codes::NOT_SUPPORTED,
            format!("SSLEnabledProtocols: {mask} enables only protocols older than TLS 1.2, which pier does not support (use 3072 for TLS1.2, 12288 for TLS1.3)"),
        ));
    }
    Ok(eff)
}

/// Parses SSLEnabledCipherSuites (see the module table).
pub fn parse_cipher_suites(v: &str) -> Result<Vec<SupportedCipherSuite>> {
    let t = v.trim();
    if t.is_empty() || t == "*" {
        return Ok(names::all_suites());
    }
    let mut out = Vec::new();
    for name in list(t) {
        match names::cipher_suite(name) {
            Lookup::Supported(s) => {
                if !out.contains(&s) {
                    out.push(s)
                }
            }
            Lookup::Unsupported => {}
            Lookup::Unknown => {
                return Err(Error::invalid_value(format!("SSLEnabledCipherSuites: unknown cipher suite \"{name}\"")))
            }
        }
    }
    if out.is_empty() {
        let all: Vec<&str> = names::all_suites().into_iter().map(|s| names::suite_info(s).iana).collect();
        return Err(Error::new(
            codes::NOT_SUPPORTED,
            format!("SSLEnabledCipherSuites: none of \"{t}\" is supported by pier; supported: {}", all.join(", ")),
        ));
    }
    Ok(out)
}

/// Parses a group list setting; empty means every group pier has.
pub fn parse_groups(setting: &str, v: &str) -> Result<Vec<&'static dyn SupportedKxGroup>> {
    if v.trim().is_empty() {
        return Ok(rustls::crypto::ring::ALL_KX_GROUPS.to_vec());
    }
    let mut out: Vec<&'static dyn SupportedKxGroup> = Vec::new();
    for name in list(v) {
        match names::group(name) {
            Lookup::Supported(g) => {
                if !out.iter().any(|x| x.name() == g.name()) {
                    out.push(g)
                }
            }
            Lookup::Unsupported => {}
            Lookup::Unknown => return Err(Error::invalid_value(format!("{setting}: unknown group \"{name}\""))),
        }
    }
    if out.is_empty() {
        return Err(Error::new(
            codes::NOT_SUPPORTED,
            format!(
                "{setting}: none of \"{v}\" is supported by pier (ecdhe_x25519, ecdhe_secp256r1, ecdhe_secp384r1 are)"
            ),
        ));
    }
    Ok(out)
}

/// Parses a signature algorithm setting; `None` = no restriction (empty, or
/// the reference's default).
pub fn parse_signatures(setting: &str, v: &str, tls13: bool) -> Result<Option<Vec<SignatureScheme>>> {
    let default = if tls13 { DEFAULT_TLS13_SIGNATURE_ALGORITHMS } else { DEFAULT_TLS12_SIGNATURE_ALGORITHMS };
    let mut out = Vec::new();
    for name in list(v) {
        let r = if tls13 { names::tls13_signature(name) } else { names::tls12_signature(name) };
        match r {
            Lookup::Supported(s) => {
                if !out.contains(&s) {
                    out.push(s)
                }
            }
            Lookup::Unsupported => {}
            Lookup::Unknown => {
                return Err(Error::invalid_value(format!("{setting}: unknown signature algorithm \"{name}\"")))
            }
        }
    }
    if v.trim().is_empty() || v.trim() == default {
        return Ok(None);
    }
    if out.is_empty() {
        return Err(Error::new(codes::NOT_SUPPORTED, format!("{setting}: none of \"{v}\" is supported by pier")));
    }
    Ok(Some(out))
}

/// Parses SSLCRLs: PEM `X509 CRL` sections, or one DER (or base64) CRL.
pub fn parse_crls(v: &[u8]) -> Result<Vec<CertificateRevocationListDer<'static>>> {
    if v.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    let bad = |why: String| Error::invalid_value(format!("SSLCRLs: {why}"));
    let ders = if pem::is_pem(v) {
        pem::sections(v).map_err(bad)?.into_iter().filter(|s| s.label == "X509 CRL").map(|s| s.der).collect()
    } else if v.first() == Some(&0x30) {
        vec![v.to_vec()]
    } else {
        vec![pem::decode_base64(v).ok_or_else(|| bad("neither PEM, DER nor base64".into()))?]
    };
    for d in &ders {
        x509_parser::parse_x509_crl(d).map_err(|e| bad(format!("not a CRL: {e}")))?;
    }
    if ders.is_empty() {
        return Err(bad("no X509 CRL section".into()));
    }
    Ok(ders.into_iter().map(CertificateRevocationListDer::from).collect())
}

impl TlsSettings {
    /// Sets one config setting (`do_config("Name=Value")`), name
    /// case-insensitive. Ok(false): not an SSL setting (the component handles
    /// it). Invalid values fail and leave the setting unchanged; the
    /// SSLNegotiated* settings fail with 907.
    ///
    /// `SSLSNICert[host]=value` adds a certificate for an SNI host name: the
    /// value is a file path or the content of a PEM (key + chain), PFX without
    /// password, or other auto-detected store; an empty value removes it. For
    /// stores needing a password or a subject, use [`TlsSettings::add_sni_cert`].
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        let key = name.trim().to_ascii_lowercase();
        if let Some(host) = key.strip_prefix("sslsnicert[").and_then(|h| h.strip_suffix(']')) {
            if value.trim().is_empty() {
                self.remove_sni_cert(host);
            } else {
                let spec = CertSpec::new(super::cert::store_type::AUTO, value.trim().as_bytes(), "*");
                spec.select()?;
                self.add_sni_cert(host, spec);
            }
            return Ok(true);
        }
        if NEGOTIATED_SETTINGS.iter().any(|n| n.eq_ignore_ascii_case(&key)) {
            return Err(Error::new(codes::READ_ONLY, format!("{} is read-only", name.trim())));
        }
        let v = value.trim();
        match key.as_str() {
            "sslenabledprotocols" => self.enabled_protocols = parse_protocols(v)?,
            "sslenabledciphersuites" => {
                parse_cipher_suites(v)?;
                self.enabled_cipher_suites = if v.is_empty() { "*".into() } else { v.into() };
            }
            "sslcipherstrength" => self.cipher_strength = parse_u32(name, v)?,
            "sslcacerts" => {
                parse_cert_list(value.as_bytes())
                    .map_err(|e| Error::invalid_value(format!("SSLCACerts: {}", e.text)))?;
                self.ca_certs = value.into();
            }
            "sslclientcacerts" => {
                parse_cert_list(value.as_bytes())
                    .map_err(|e| Error::invalid_value(format!("SSLClientCACerts: {}", e.text)))?;
                self.client_ca_certs = value.into();
            }
            "sslcrls" => {
                parse_crls(value.as_bytes())?;
                self.crls = value.into();
            }
            "sslcheckcrl" => {
                let n = parse_int(name, v)?;
                if !(0..=2).contains(&n) {
                    return Err(Error::invalid_value("SSLCheckCRL: 0, 1 or 2"));
                }
                self.check_crl = n as i32;
            }
            "sslcheckocsp" => match parse_int(name, v)? {
                n @ (0 | 1) => self.check_ocsp = n as i32,
                2 => {
                    return Err(Error::new(
                        codes::NOT_SUPPORTED,
                        "SSLCheckOCSP=2: pier cannot check OCSP, so it would fail every connection",
                    ))
                }
                _ => return Err(Error::invalid_value("SSLCheckOCSP: 0, 1 or 2")),
            },
            "sslsecurityflags" => self.security_flags = parse_u32(name, v)?,
            "reusesslsession" => self.reuse_session = parse_bool(name, v)?,
            "sslkeylogfile" => self.key_log_file = v.into(),
            "sslincludecertchain" => self.include_cert_chain = parse_bool(name, v)?,
            "sslenablerenegotiation" => self.enable_renegotiation = parse_bool(name, v)?,
            "tls12signaturealgorithms" => {
                parse_signatures("TLS12SignatureAlgorithms", v, false)?;
                self.tls12_signature_algorithms = v.into();
            }
            "tls13signaturealgorithms" => {
                parse_signatures("TLS13SignatureAlgorithms", v, true)?;
                self.tls13_signature_algorithms = v.into();
            }
            "tls12supportedgroups" => {
                parse_groups("TLS12SupportedGroups", v)?;
                self.tls12_supported_groups = v.into();
            }
            "tls13supportedgroups" => {
                parse_groups("TLS13SupportedGroups", v)?;
                self.tls13_supported_groups = v.into();
            }
            "tls13keysharegroups" => {
                for g in list(v) {
                    if let Lookup::Unknown = names::group(g) {
                        return Err(Error::invalid_value(format!("TLS13KeyShareGroups: unknown group \"{g}\"")));
                    }
                }
                self.tls13_key_share_groups = v.into();
            }
            "defaultconnectiontimeout" => self.default_connection_timeout = parse_u32(name, v)?,
            "logsslpackets" => self.log_ssl_packets = parse_bool(name, v)?,
            "sslservercacerts" => self.server_ca_certs = value.into(),
            "opensslcadir" => self.openssl_ca_dir = v.into(),
            "opensslcafile" => self.openssl_ca_file = v.into(),
            "opensslcipherlist" => self.openssl_cipher_list = v.into(),
            "opensslprngseeddata" => self.openssl_prng_seed_data = value.into(),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads one setting's value as text; `None` if it is not an SSL
    /// setting (the SSLNegotiated* ones are answered per connection).
    pub fn get(&self, name: &str) -> Option<String> {
        let key = name.trim().to_ascii_lowercase();
        if let Some(host) = key.strip_prefix("sslsnicert[").and_then(|h| h.strip_suffix(']')) {
            return Some(
                self.sni_certs
                    .iter()
                    .find(|(h, _)| h == host)
                    .map(|(_, s)| String::from_utf8_lossy(&s.store).into_owned())
                    .unwrap_or_default(),
            );
        }
        let b = |x: bool| {
            if x {
                "True".to_string()
            } else {
                "False".to_string()
            }
        };
        Some(match key.as_str() {
            "sslenabledprotocols" => self.enabled_protocols.to_string(),
            "sslenabledciphersuites" => self.enabled_cipher_suites.clone(),
            "sslcipherstrength" => self.cipher_strength.to_string(),
            "sslcacerts" => self.ca_certs.clone(),
            "sslclientcacerts" => self.client_ca_certs.clone(),
            "sslcrls" => self.crls.clone(),
            "sslcheckcrl" => self.check_crl.to_string(),
            "sslcheckocsp" => self.check_ocsp.to_string(),
            "sslsecurityflags" => self.security_flags.to_string(),
            "reusesslsession" => b(self.reuse_session),
            "sslkeylogfile" => self.key_log_file.clone(),
            "sslincludecertchain" => b(self.include_cert_chain),
            "sslenablerenegotiation" => b(self.enable_renegotiation),
            "tls12signaturealgorithms" => self.tls12_signature_algorithms.clone(),
            "tls13signaturealgorithms" => self.tls13_signature_algorithms.clone(),
            "tls12supportedgroups" => self.tls12_supported_groups.clone(),
            "tls13supportedgroups" => self.tls13_supported_groups.clone(),
            "tls13keysharegroups" => self.tls13_key_share_groups.clone(),
            "defaultconnectiontimeout" => self.default_connection_timeout.to_string(),
            "logsslpackets" => b(self.log_ssl_packets),
            "sslservercacerts" => self.server_ca_certs.clone(),
            "opensslcadir" => self.openssl_ca_dir.clone(),
            "opensslcafile" => self.openssl_ca_file.clone(),
            "opensslcipherlist" => self.openssl_cipher_list.clone(),
            "opensslprngseeddata" => self.openssl_prng_seed_data.clone(),
            _ => return None,
        })
    }

    /// Adds (or replaces) the certificate served to clients asking for `host`.
    pub fn add_sni_cert(&mut self, host: &str, spec: CertSpec) {
        let host = host.trim().to_ascii_lowercase();
        self.sni_certs.retain(|(h, _)| *h != host);
        self.sni_certs.push((host, spec));
    }

    /// Removes the certificate for `host`; true if there was one.
    pub fn remove_sni_cert(&mut self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let before = self.sni_certs.len();
        self.sni_certs.retain(|(h, _)| *h != host);
        before != self.sni_certs.len()
    }

    /// The rustls protocol versions enabled.
    pub fn versions(&self) -> Vec<&'static SupportedProtocolVersion> {
        let mut v = Vec::new();
        if self.enabled_protocols & protocols::TLS13 != 0 {
            v.push(&rustls::version::TLS13);
        }
        if self.enabled_protocols & protocols::TLS12 != 0 {
            v.push(&rustls::version::TLS12);
        }
        v
    }

    /// The cipher suites offered: SSLEnabledCipherSuites of the enabled
    /// versions, at least SSLCipherStrength bits.
    pub fn cipher_suites(&self) -> Result<Vec<SupportedCipherSuite>> {
        let versions = self.versions();
        let suites: Vec<_> = parse_cipher_suites(&self.enabled_cipher_suites)?
            .into_iter()
            .filter(|s| versions.contains(&s.version()))
            .filter(|s| names::suite_info(*s).bits >= self.cipher_strength)
            .collect();
        if suites.is_empty() {
            return Err(Error::new(
                codes::NOT_SUPPORTED,
                format!(
                    "no cipher suite left for the enabled protocols (SSLEnabledProtocols={}, SSLEnabledCipherSuites={}, SSLCipherStrength={})",
                    self.enabled_protocols, self.enabled_cipher_suites, self.cipher_strength
                ),
            ));
        }
        Ok(suites)
    }

    /// The key exchange groups: TLS13SupportedGroups then TLS12SupportedGroups,
    /// for the enabled versions.
    pub fn kx_groups(&self) -> Result<Vec<&'static dyn SupportedKxGroup>> {
        let mut out: Vec<&'static dyn SupportedKxGroup> = Vec::new();
        let mut add = |gs: Vec<&'static dyn SupportedKxGroup>| {
            for g in gs {
                if !out.iter().any(|x| x.name() == g.name()) {
                    out.push(g);
                }
            }
        };
        if self.enabled_protocols & protocols::TLS13 != 0 {
            add(parse_groups("TLS13SupportedGroups", &self.tls13_supported_groups)?);
        }
        if self.enabled_protocols & protocols::TLS12 != 0 {
            add(parse_groups("TLS12SupportedGroups", &self.tls12_supported_groups)?);
        }
        Ok(out)
    }

    /// The signature schemes allowed, `None` for no restriction.
    pub fn signature_schemes(&self) -> Result<Option<Vec<SignatureScheme>>> {
        let mut out = Vec::new();
        if self.enabled_protocols & protocols::TLS13 != 0 {
            match parse_signatures("TLS13SignatureAlgorithms", &self.tls13_signature_algorithms, true)? {
                None => return Ok(None),
                Some(v) => out.extend(v),
            }
        }
        if self.enabled_protocols & protocols::TLS12 != 0 {
            match parse_signatures("TLS12SignatureAlgorithms", &self.tls12_signature_algorithms, false)? {
                None => return Ok(None),
                Some(v) => out.extend(v.into_iter().filter(|s| !out.contains(s)).collect::<Vec<_>>()),
            }
        }
        Ok(Some(out))
    }

    /// SSLCACerts and SSLClientCACerts together.
    pub fn client_cas(&self) -> Result<Vec<CertificateDer<'static>>> {
        let mut v = parse_cert_list(self.ca_certs.as_bytes())?;
        for c in parse_cert_list(self.client_ca_certs.as_bytes())? {
            if !v.contains(&c) {
                v.push(c);
            }
        }
        Ok(v)
    }
}

/// Writes NSS key log lines (`LABEL <client_random hex> <secret hex>`) to
/// SSLKeyLogFile, appending.
struct KeyLogFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl std::fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyLogFile").field("path", &self.path).finish()
    }
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        if let Ok(mut f) = self.file.lock() {
            // A debugging aid: a failed write must not break the connection.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Everything one server needs to run TLS: the `ServerConfig` built from
/// [`TlsSettings`] and the selected certificate, the certificate resolver
/// (SNI, rotation), and the client-authentication policy. Shared by all of the
/// server's connections; [`TlsServerContext::new_session`] starts one.
#[derive(Debug)]
pub struct TlsServerContext {
    base: Arc<ServerConfig>,
    resolver: Arc<CertResolver>,
    client_auth: Option<Arc<ClientAuthPolicy>>,
    allowed_schemes: Option<Vec<SignatureScheme>>,
    /// LogSSLPackets.
    pub log_packets: bool,
    /// SSLIncludeCertChain.
    pub include_cert_chain: bool,
    /// DefaultConnectionTimeout, seconds.
    pub handshake_timeout: u32,
    /// Per-connection TLS buffer limit.
    pub buffer_limit: usize,
}

impl TlsServerContext {
    /// Builds the server's TLS context. `client_auth` is SSLAuthenticateClients.
    /// Fails with 273 when `cert` has no usable private key, 906/910 for
    /// settings that leave nothing to negotiate, 912 when SSLKeyLogFile
    /// cannot be opened.
    pub fn new(settings: &TlsSettings, cert: &SelectedCert, client_auth: bool) -> Result<Arc<Self>> {
        let provider = Arc::new(CryptoProvider {
            cipher_suites: settings.cipher_suites()?,
            kx_groups: settings.kx_groups()?,
            ..rustls::crypto::ring::default_provider()
        });
        let allowed_schemes = settings.signature_schemes()?;
        let client_auth = if client_auth {
            Some(Arc::new(ClientAuthPolicy::new(
                settings.client_cas()?,
                if settings.check_crl > 0 { parse_crls(settings.crls.as_bytes())? } else { Vec::new() },
                settings.check_crl,
                settings.security_flags,
                provider.clone(),
            )?))
        } else {
            None
        };
        let resolver = Arc::new(CertResolver::new(Some(certified(&allowed_schemes, cert)?)));
        for (host, spec) in &settings.sni_certs {
            let sel = spec.select().map_err(|e| Error::new(e.code, format!("SSLSNICert[{host}]: {}", e.text)))?;
            resolver.add_host(host, certified(&allowed_schemes, &sel)?);
        }
        let versions = settings.versions();
        let builder = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| Error::invalid_value(format!("TLS configuration: {e}")))?;
        let builder = match &client_auth {
            Some(policy) => builder
                .with_client_cert_verifier(Arc::new(DeferredClientVerifier::new(policy, allowed_schemes.as_deref()))),
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_cert_resolver(resolver.clone());
        if settings.reuse_session {
            config.session_storage = ServerSessionMemoryCache::new(1024);
            config.ticketer = rustls::crypto::ring::Ticketer::new()
                .map_err(|e| Error::new(codes::INTERNAL, format!("TLS session tickets: {e}")))?;
        } else {
            config.session_storage = Arc::new(NoServerSessionStorage {});
            config.send_tls13_tickets = 0;
        }
        if !settings.key_log_file.is_empty() {
            let path = PathBuf::from(&settings.key_log_file);
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| Error::file(format!("SSLKeyLogFile: cannot open {}: {e}", path.display())))?;
            config.key_log = Arc::new(KeyLogFile { path, file: Mutex::new(file) });
        }
        Ok(Arc::new(TlsServerContext {
            base: Arc::new(config),
            resolver,
            client_auth,
            allowed_schemes,
            log_packets: settings.log_ssl_packets,
            include_cert_chain: settings.include_cert_chain,
            handshake_timeout: settings.default_connection_timeout,
            buffer_limit: settings.buffer_limit,
        }))
    }

    /// The `ServerConfig` every connection uses unless SSLConnectionRequest
    /// chose another certificate.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.base.clone()
    }

    /// A selected certificate as rustls serves it, its key limited to the
    /// allowed signature schemes. 273 without a private key.
    pub fn certified_key(&self, cert: &SelectedCert) -> Result<Arc<CertifiedKey>> {
        certified(&self.allowed_schemes, cert)
    }

    /// The same configuration serving one given certificate (the
    /// certificate SSLConnectionRequest picked for a connection).
    pub fn config_for_cert(&self, cert: &SelectedCert) -> Result<Arc<ServerConfig>> {
        let mut cfg = (*self.base).clone();
        cfg.cert_resolver = Arc::new(FixedCert(self.certified_key(cert)?));
        Ok(Arc::new(cfg))
    }

    /// Certificate rotation: later handshakes use `cert`; connections already
    /// established keep theirs.
    pub fn set_default_cert(&self, cert: &SelectedCert) -> Result<()> {
        self.resolver.set_default(self.certified_key(cert)?);
        Ok(())
    }

    /// Serves `cert` to clients whose SNI names `host` (see [`CertResolver::add_host`]).
    pub fn add_sni_cert(&self, host: &str, cert: &SelectedCert) -> Result<()> {
        self.resolver.add_host(host, self.certified_key(cert)?);
        Ok(())
    }

    /// Stops serving a host's own certificate; true if there was one.
    pub fn remove_sni_cert(&self, host: &str) -> bool {
        self.resolver.remove_host(host)
    }

    pub fn resolver(&self) -> &Arc<CertResolver> {
        &self.resolver
    }

    /// The client-authentication policy, when SSLAuthenticateClients is on.
    pub fn client_auth(&self) -> Option<&Arc<ClientAuthPolicy>> {
        self.client_auth.as_ref()
    }

    /// A new connection's TLS session, waiting for the ClientHello.
    pub fn new_session(self: &Arc<Self>) -> TlsSession {
        TlsSession::new(self.clone())
    }
}

fn certified(allowed: &Option<Vec<SignatureScheme>>, cert: &SelectedCert) -> Result<Arc<CertifiedKey>> {
    let ck = cert.certified_key()?;
    match (allowed, cert.signing_key()) {
        (Some(allowed), Some(key)) => Ok(Arc::new(CertifiedKey::new(
            ck.cert.clone(),
            Arc::new(RestrictedKey { inner: key.clone(), allowed: allowed.clone() }),
        ))),
        _ => Ok(ck),
    }
}

/// The `ServerConfig` for settings, a selected certificate and
/// SSLAuthenticateClients, for callers that need nothing else.
pub fn build_server_config(
    settings: &TlsSettings,
    cert: &SelectedCert,
    client_auth: bool,
) -> Result<Arc<ServerConfig>> {
    Ok(TlsServerContext::new(settings, cert, client_auth)?.server_config())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
