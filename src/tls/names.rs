//! Names of cipher suites, key exchange groups and signature schemes as the
//! reference's config settings spell them, mapped to what rustls (with the
//! *ring* provider) implements.
//!
//! Reference: "SSL Config Settings" → SSLEnabledCipherSuites (IANA suite names),
//! TLS12SupportedGroups / TLS13SupportedGroups / TLS13KeyShareGroups
//! (`ecdhe_x25519`, `ffdhe_2048`, ...), TLS12SignatureAlgorithms (`sha256-rsa`)
//! and TLS13SignatureAlgorithms (`rsa_pss_sha256`).
//!
//! Every lookup answers with a [`Lookup`]: the name is known and rustls
//! implements it; the name is one the reference lists but rustls does not
//! implement (CBC, RSA key transport, DHE, 3DES, RC4, secp521r1, x448, ffdhe,
//! ed448, DSA, SHA-1/SHA-224 signatures); or the name is unknown (a typo).

use rustls::crypto::ring::cipher_suite as cs;
use rustls::crypto::SupportedKxGroup;
use rustls::{CipherSuite, NamedGroup, SignatureScheme, SupportedCipherSuite};

/// The answer of a name lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Known and implemented.
    Supported(T),
    /// Known (the reference lists it) but not implemented by rustls/ring.
    Unsupported,
    /// Not a name of this kind.
    Unknown,
}

impl<T> From<Option<T>> for Lookup<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Lookup::Unsupported, Lookup::Supported)
    }
}

/// What the read-only SSLNegotiated* settings report for a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteInfo {
    /// IANA name, e.g. `TLS_AES_256_GCM_SHA384` (SSLNegotiatedCipherSuite).
    pub iana: &'static str,
    /// Bulk cipher, e.g. `AES_256_GCM` (SSLNegotiatedCipher).
    pub cipher: &'static str,
    /// Bulk cipher key bits (SSLNegotiatedCipherStrength).
    pub bits: u32,
    /// Key exchange as the TLS 1.2 suite names it (`ECDHE_RSA`,
    /// `ECDHE_ECDSA`); TLS 1.3 suites report `ECDHE`.
    pub kx: &'static str,
}

const SUPPORTED: &[(SuiteInfo, SupportedCipherSuite)] = &[
    (info("TLS_AES_256_GCM_SHA384", "AES_256_GCM", 256, "ECDHE"), cs::TLS13_AES_256_GCM_SHA384),
    (info("TLS_AES_128_GCM_SHA256", "AES_128_GCM", 128, "ECDHE"), cs::TLS13_AES_128_GCM_SHA256),
    (info("TLS_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, "ECDHE"), cs::TLS13_CHACHA20_POLY1305_SHA256),
    (
        info("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "AES_256_GCM", 256, "ECDHE_ECDSA"),
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        info("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "AES_128_GCM", 128, "ECDHE_ECDSA"),
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        info("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, "ECDHE_ECDSA"),
        cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        info("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "AES_256_GCM", 256, "ECDHE_RSA"),
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        info("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "AES_128_GCM", 128, "ECDHE_RSA"),
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        info("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "CHACHA20_POLY1305", 256, "ECDHE_RSA"),
        cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

const fn info(iana: &'static str, cipher: &'static str, bits: u32, kx: &'static str) -> SuiteInfo {
    SuiteInfo { iana, cipher, bits, kx }
}

/// Suites the reference lists for its internal provider that rustls does not
/// implement; naming one is not a typo, so lists holding them are accepted.
const KNOWN_UNSUPPORTED_SUITE_PARTS: &[&str] = &[
    "_CBC_",
    "_RC4_",
    "_3DES_",
    "_DES_",
    "TLS_RSA_WITH_",
    "TLS_DHE_",
    "TLS_DH_",
    "TLS_ECDH_ECDSA_",
    "TLS_ECDH_RSA_",
    "_CCM",
    "TLS_AES_128_CCM",
];

/// Looks up an IANA cipher suite name (case-insensitive). The `TLS13_`
/// spelling rustls uses is accepted too.
pub fn cipher_suite(name: &str) -> Lookup<SupportedCipherSuite> {
    let upper = name.trim().to_ascii_uppercase().replace("TLS13_", "TLS_");
    if let Some((_, s)) = SUPPORTED.iter().find(|(i, _)| i.iana == upper) {
        return Lookup::Supported(*s);
    }
    if upper.starts_with("TLS_")
        && (upper.contains("_WITH_") || upper.starts_with("TLS_AES_"))
        && KNOWN_UNSUPPORTED_SUITE_PARTS.iter().any(|p| upper.contains(p))
    {
        return Lookup::Unsupported;
    }
    Lookup::Unknown
}

/// The reference's names for a suite rustls negotiated.
pub fn suite_info(suite: SupportedCipherSuite) -> SuiteInfo {
    let id = suite.suite();
    SUPPORTED.iter().find(|(_, s)| s.suite() == id).map(|(i, _)| *i).unwrap_or(SuiteInfo {
        iana: "UNKNOWN",
        cipher: "UNKNOWN",
        bits: 0,
        kx: "UNKNOWN",
    })
}

/// Every suite pier can offer, in its default preference order.
pub fn all_suites() -> Vec<SupportedCipherSuite> {
    SUPPORTED.iter().map(|(_, s)| *s).collect()
}

/// IANA name of any suite a client offers (SSLConnectionRequest's
/// SupportedCipherSuites); unnamed ones as `0x1301`-style hex.
pub fn offered_suite_name(suite: CipherSuite) -> String {
    match suite.as_str() {
        Some(s) => s.replace("TLS13_", "TLS_"),
        None => format!("0x{:04X}", u16::from(suite)),
    }
}

/// Key exchange groups by the reference's names (`ecdhe_x25519`, ...).
const GROUPS: &[(&str, NamedGroup)] = &[
    ("ecdhe_x25519", NamedGroup::X25519),
    ("ecdhe_x448", NamedGroup::X448),
    ("ecdhe_secp256r1", NamedGroup::secp256r1),
    ("ecdhe_secp384r1", NamedGroup::secp384r1),
    ("ecdhe_secp521r1", NamedGroup::secp521r1),
    ("ffdhe_2048", NamedGroup::FFDHE2048),
    ("ffdhe_3072", NamedGroup::FFDHE3072),
    ("ffdhe_4096", NamedGroup::FFDHE4096),
    ("ffdhe_6144", NamedGroup::FFDHE6144),
    ("ffdhe_8192", NamedGroup::FFDHE8192),
];

/// Looks up a group name (case-insensitive; `x25519`, `secp256r1` without the
/// `ecdhe_` prefix are accepted).
pub fn group(name: &str) -> Lookup<&'static dyn SupportedKxGroup> {
    let lower = name.trim().to_ascii_lowercase();
    let found = GROUPS.iter().find(|(n, _)| *n == lower || n.strip_prefix("ecdhe_") == Some(lower.as_str()));
    let Some((_, named)) = found else {
        return Lookup::Unknown;
    };
    rustls::crypto::ring::ALL_KX_GROUPS.iter().copied().find(|g| g.name() == *named).into()
}

/// The reference's name of a group, and its strength in bits
/// (SSLNegotiatedKeyExchangeStrength).
pub fn group_info(group: NamedGroup) -> (String, u32) {
    let name =
        GROUPS.iter().find(|(_, g)| *g == group).map(|(n, _)| n.to_string()).unwrap_or_else(|| format!("{group:?}"));
    let bits = match group {
        NamedGroup::X25519 => 255,
        NamedGroup::secp256r1 => 256,
        NamedGroup::secp384r1 => 384,
        NamedGroup::secp521r1 => 521,
        NamedGroup::X448 => 448,
        NamedGroup::FFDHE2048 => 2048,
        NamedGroup::FFDHE3072 => 3072,
        NamedGroup::FFDHE4096 => 4096,
        NamedGroup::FFDHE6144 => 6144,
        NamedGroup::FFDHE8192 => 8192,
        _ => 0,
    };
    (name, bits)
}

/// TLS 1.3 signature algorithm names (TLS13SignatureAlgorithms), which are
/// also the IANA names used when listing what a client offers.
const SIG13: &[(&str, SignatureScheme, bool)] = &[
    ("ed25519", SignatureScheme::ED25519, true),
    ("ed448", SignatureScheme::ED448, false),
    ("ecdsa_secp256r1_sha256", SignatureScheme::ECDSA_NISTP256_SHA256, true),
    ("ecdsa_secp384r1_sha384", SignatureScheme::ECDSA_NISTP384_SHA384, true),
    ("ecdsa_secp521r1_sha512", SignatureScheme::ECDSA_NISTP521_SHA512, false),
    ("rsa_pkcs1_sha256", SignatureScheme::RSA_PKCS1_SHA256, true),
    ("rsa_pkcs1_sha384", SignatureScheme::RSA_PKCS1_SHA384, true),
    ("rsa_pkcs1_sha512", SignatureScheme::RSA_PKCS1_SHA512, true),
    ("rsa_pss_sha256", SignatureScheme::RSA_PSS_SHA256, true),
    ("rsa_pss_sha384", SignatureScheme::RSA_PSS_SHA384, true),
    ("rsa_pss_sha512", SignatureScheme::RSA_PSS_SHA512, true),
    ("rsa_pkcs1_sha1", SignatureScheme::RSA_PKCS1_SHA1, false),
    ("ecdsa_sha1", SignatureScheme::ECDSA_SHA1_Legacy, false),
];

/// Looks up a TLS13SignatureAlgorithms name (`rsa_pss_rsae_sha256`, the IANA
/// spelling, is accepted for `rsa_pss_sha256`).
pub fn tls13_signature(name: &str) -> Lookup<SignatureScheme> {
    let lower = name.trim().to_ascii_lowercase().replace("rsa_pss_rsae_", "rsa_pss_");
    match SIG13.iter().find(|(n, _, _)| *n == lower) {
        Some((_, s, ok)) => ok.then_some(*s).into(),
        None => Lookup::Unknown,
    }
}

/// Looks up a TLS12SignatureAlgorithms name: `hash-signature`, e.g.
/// `sha256-rsa`, `sha384-ecdsa`, `sha1-dsa`.
pub fn tls12_signature(name: &str) -> Lookup<SignatureScheme> {
    let lower = name.trim().to_ascii_lowercase();
    let Some((hash, sig)) = lower.split_once('-') else {
        return Lookup::Unknown;
    };
    if !["sha1", "sha224", "sha256", "sha384", "sha512", "md5"].contains(&hash)
        || !["rsa", "dsa", "ecdsa"].contains(&sig)
    {
        return Lookup::Unknown;
    }
    match (hash, sig) {
        ("sha256", "rsa") => Some(SignatureScheme::RSA_PKCS1_SHA256),
        ("sha384", "rsa") => Some(SignatureScheme::RSA_PKCS1_SHA384),
        ("sha512", "rsa") => Some(SignatureScheme::RSA_PKCS1_SHA512),
        ("sha256", "ecdsa") => Some(SignatureScheme::ECDSA_NISTP256_SHA256),
        ("sha384", "ecdsa") => Some(SignatureScheme::ECDSA_NISTP384_SHA384),
        _ => None,
    }
    .into()
}

/// IANA-style name of a signature scheme a client offers
/// (SSLConnectionRequest's SupportedSignatureAlgs).
pub fn signature_name(scheme: SignatureScheme) -> String {
    if let Some((n, _, _)) = SIG13.iter().find(|(_, s, _)| *s == scheme) {
        return match *n {
            "rsa_pss_sha256" => "rsa_pss_rsae_sha256".into(),
            "rsa_pss_sha384" => "rsa_pss_rsae_sha384".into(),
            "rsa_pss_sha512" => "rsa_pss_rsae_sha512".into(),
            other => other.into(),
        };
    }
    match scheme.as_str() {
        Some(s) => s.to_ascii_lowercase(),
        None => format!("0x{:04x}", u16::from(scheme)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kx(l: Lookup<&'static dyn SupportedKxGroup>) -> Option<NamedGroup> {
        match l {
            Lookup::Supported(g) => Some(g.name()),
            Lookup::Unsupported => None,
            Lookup::Unknown => panic!("unknown"),
        }
    }

    #[test]
    fn suites_known_supported_unsupported_and_unknown() {
        use Lookup::*;
        assert_eq!(cipher_suite("TLS_AES_256_GCM_SHA384"), Supported(cs::TLS13_AES_256_GCM_SHA384));
        assert_eq!(cipher_suite("tls13_aes_128_gcm_sha256"), Supported(cs::TLS13_AES_128_GCM_SHA256));
        assert_eq!(
            cipher_suite(" TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "),
            Supported(cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
        );
        assert_eq!(cipher_suite("TLS_RSA_WITH_AES_128_CBC_SHA"), Unsupported);
        assert_eq!(cipher_suite("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"), Unsupported);
        assert_eq!(cipher_suite("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"), Unsupported);
        assert_eq!(cipher_suite("TLS_FOO_BAR"), Unknown);
        assert_eq!(cipher_suite("CALG_AES_256"), Unknown);
        let i = suite_info(cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256);
        assert_eq!((i.cipher, i.bits, i.kx), ("CHACHA20_POLY1305", 256, "ECDHE_ECDSA"));
        assert_eq!(offered_suite_name(CipherSuite::TLS13_AES_128_GCM_SHA256), "TLS_AES_128_GCM_SHA256");
        assert_eq!(offered_suite_name(CipherSuite::Unknown(0xabcd)), "0xABCD");
    }

    #[test]
    fn groups_and_signatures() {
        use Lookup::*;
        assert_eq!(kx(group("ecdhe_x25519")), Some(NamedGroup::X25519));
        assert_eq!(kx(group("secp384r1")), Some(NamedGroup::secp384r1));
        assert_eq!(kx(group("ffdhe_2048")), None);
        assert_eq!(kx(group("ecdhe_secp521r1")), None);
        assert!(matches!(group("ecdhe_curve9"), Unknown));
        assert_eq!(group_info(NamedGroup::secp256r1), ("ecdhe_secp256r1".to_string(), 256));
        assert_eq!(tls13_signature("rsa_pss_rsae_sha384"), Supported(SignatureScheme::RSA_PSS_SHA384));
        assert_eq!(tls13_signature("ed448"), Unsupported);
        assert_eq!(tls13_signature("rsa_md5"), Unknown);
        assert_eq!(tls12_signature("sha384-ecdsa"), Supported(SignatureScheme::ECDSA_NISTP384_SHA384));
        assert_eq!(tls12_signature("sha1-dsa"), Unsupported);
        assert_eq!(tls12_signature("sha256rsa"), Unknown);
        assert_eq!(signature_name(SignatureScheme::RSA_PSS_SHA256), "rsa_pss_rsae_sha256");
        assert_eq!(signature_name(SignatureScheme::ECDSA_NISTP256_SHA256), "ecdsa_secp256r1_sha256");
    }
}
