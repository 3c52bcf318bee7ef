//! The ODETTE cipher suites (RFC 5024 §10.2 lists 01 and 02; ODETTE's
//! extended list adds 03–06 with SHA-256 and SHA-512), as carried in SFIDCIPH
//! and SSIDCIPH: each is a content cipher, RSA PKCS#1 v1.5 and a digest.

use super::{ContentCipher, DigestAlg};

/// An ODETTE FTP cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// 01: 3DES_EDE_CBC_3KEY, RSA_PKCS1_15, SHA-1.
    S01,
    /// 02: AES_256_CBC, RSA_PKCS1_15, SHA-1.
    S02,
    /// 03: 3DES_EDE_CBC_3KEY, RSA_PKCS1_15, SHA-256.
    S03,
    /// 04: AES_256_CBC, RSA_PKCS1_15, SHA-256.
    S04,
    /// 05: 3DES_EDE_CBC_3KEY, RSA_PKCS1_15, SHA-512.
    S05,
    /// 06: AES_256_CBC, RSA_PKCS1_15, SHA-512.
    S06,
}

const TABLE: [(CipherSuite, u8, ContentCipher, DigestAlg); 6] = [
    (CipherSuite::S01, 1, ContentCipher::Des3Cbc, DigestAlg::Sha1),
    (CipherSuite::S02, 2, ContentCipher::Aes256Cbc, DigestAlg::Sha1),
    (CipherSuite::S03, 3, ContentCipher::Des3Cbc, DigestAlg::Sha256),
    (CipherSuite::S04, 4, ContentCipher::Aes256Cbc, DigestAlg::Sha256),
    (CipherSuite::S05, 5, ContentCipher::Des3Cbc, DigestAlg::Sha512),
    (CipherSuite::S06, 6, ContentCipher::Aes256Cbc, DigestAlg::Sha512),
];

impl CipherSuite {
    /// Every suite, in code order.
    pub const ALL: [CipherSuite; 6] =
        [CipherSuite::S01, CipherSuite::S02, CipherSuite::S03, CipherSuite::S04, CipherSuite::S05, CipherSuite::S06];

    fn row(self) -> &'static (CipherSuite, u8, ContentCipher, DigestAlg) {
        TABLE.iter().find(|r| r.0 == self).expect("every suite has a row")
    }

    /// The numeric code (1..=6).
    pub fn code(self) -> u8 {
        self.row().1
    }

    /// The suite for a numeric code.
    pub fn from_code(code: u8) -> Option<Self> {
        TABLE.iter().find(|r| r.1 == code).map(|r| r.0)
    }

    /// The two-digit wire form of SFIDCIPH/SSIDCIPH ("01".."06").
    pub fn wire(self) -> [u8; 2] {
        [b'0', b'0' + self.code()]
    }

    /// The suite for a two-digit wire value.
    pub fn from_wire(w: &[u8]) -> Option<Self> {
        match w {
            [b'0', d @ b'1'..=b'6'] => Self::from_code(d - b'0'),
            _ => None,
        }
    }

    /// Its content-encryption algorithm.
    pub fn cipher(self) -> ContentCipher {
        self.row().2
    }

    /// Its digest algorithm.
    pub fn digest(self) -> DigestAlg {
        self.row().3
    }

    /// The suite with this cipher and digest, if there is one.
    pub fn from_parts(cipher: ContentCipher, digest: DigestAlg) -> Option<Self> {
        TABLE.iter().find(|r| r.2 == cipher && r.3 == digest).map(|r| r.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips() {
        for s in CipherSuite::ALL {
            assert_eq!(CipherSuite::from_code(s.code()), Some(s));
            assert_eq!(CipherSuite::from_wire(&s.wire()), Some(s));
            assert_eq!(CipherSuite::from_parts(s.cipher(), s.digest()), Some(s));
        }
        assert_eq!(CipherSuite::S04.cipher(), ContentCipher::Aes256Cbc);
        assert_eq!(CipherSuite::S04.digest(), DigestAlg::Sha256);
        assert_eq!(CipherSuite::S01.wire(), *b"01");
        assert_eq!(CipherSuite::from_wire(b"07"), None);
        assert_eq!(CipherSuite::from_wire(b"00"), None);
        assert_eq!(CipherSuite::from_parts(ContentCipher::Aes128Cbc, DigestAlg::Sha1), None);
    }
}
