//! The message digests of RFC 5024 §10 (SHA-1; SHA-256 and SHA-512 for the
//! later suites), their CMS identifiers (RFC 3370 §2.1, RFC 5754 §2) and a
//! running hash over a streamed content.

use super::oid;
use sha2::Digest;

/// A digest algorithm for SignedData and receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlg {
    /// SHA-1 (suites 01, 02).
    Sha1,
    /// SHA-256 (suites 03, 04).
    Sha256,
    /// SHA-512 (suites 05, 06).
    Sha512,
}

impl DigestAlg {
    /// The AlgorithmIdentifier OID.
    pub fn oid(self) -> &'static [u8] {
        match self {
            DigestAlg::Sha1 => oid::SHA1,
            DigestAlg::Sha256 => oid::SHA256,
            DigestAlg::Sha512 => oid::SHA512,
        }
    }

    /// The algorithm for an OID, if supported.
    pub fn from_oid(o: &[u8]) -> Option<Self> {
        [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512].into_iter().find(|d| d.oid() == o)
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlg::Sha1 => 20,
            DigestAlg::Sha256 => 32,
            DigestAlg::Sha512 => 64,
        }
    }

    /// Digest of `data` in one call.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A running digest.
#[derive(Debug, Clone)]
pub enum Hasher {
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-512.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh digest of `alg`.
    pub fn new(alg: DigestAlg) -> Self {
        match alg {
            DigestAlg::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            DigestAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    /// Its algorithm.
    pub fn alg(&self) -> DigestAlg {
        match self {
            Hasher::Sha1(_) => DigestAlg::Sha1,
            Hasher::Sha256(_) => DigestAlg::Sha256,
            Hasher::Sha512(_) => DigestAlg::Sha512,
        }
    }

    /// Adds data.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(DigestAlg::Sha1.digest(b"abc")[..4], [0xa9, 0x99, 0x3e, 0x36]);
        assert_eq!(DigestAlg::Sha256.digest(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(DigestAlg::Sha512.digest(b"abc")[..4], [0xdd, 0xaf, 0x35, 0xa1]);
        for d in [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512] {
            assert_eq!(DigestAlg::from_oid(d.oid()), Some(d));
            assert_eq!(d.digest(b"").len(), d.output_len());
        }
        assert_eq!(DigestAlg::from_oid(oid::DATA), None);
    }
}
