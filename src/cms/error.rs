//! The errors of the CMS codec, one variant per thing a caller reacts to
//! differently (RFC 5024 §5.3.14 NERP reasons, the OFTPServer error codes).

use std::fmt;

/// Why a CMS stream could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmsError {
    /// The input ended inside an element (or before any).
    Truncated,
    /// The bytes are not BER, or not the CMS structure expected here.
    Garbled(String),
    /// Elements nested deeper than the reader's depth limit.
    TooDeep,
    /// An element longer than allowed (a length limit, or [`super::MAX_ELEMENT`]).
    TooLong(&'static str),
    /// Bytes after the end of the outer ContentInfo.
    TrailingData,
    /// A content type other than the one this stage decodes.
    WrongContentType(String),
    /// An algorithm pier does not implement (named by its OID).
    Unsupported(String),
    /// EnvelopedData with no RecipientInfo for our certificate (RFC 5652 §6.2).
    NotForRecipient,
    /// Decryption produced bad CBC padding or a content-encryption key of the
    /// wrong size: the wrong key or a corrupted file.
    DecryptFailed,
    /// No certificate (trusted or carried in the message) matches the signer.
    UnknownSigner,
    /// The messageDigest attribute, or the digest of a detached content,
    /// does not match the content (RFC 5652 §5.4, §11.2).
    DigestMismatch,
    /// The RSA signature does not verify with the signer's key.
    BadSignature,
    /// SignedData without any SignerInfo.
    NoSignature,
    /// Decompressed output beyond the expansion limit (a zlib bomb).
    ExpansionLimit(u64),
    /// A certificate or key that cannot be used.
    BadKey(String),
    /// The random source failed.
    Random(String),
    /// The sink refused the output.
    Sink(String),
}

impl fmt::Display for CmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmsError::Truncated => write!(f, "CMS data truncated"),
            CmsError::Garbled(s) => write!(f, "garbled CMS data: {s}"),
            CmsError::TooDeep => write!(f, "CMS data nested too deeply"),
            CmsError::TooLong(s) => write!(f, "CMS element too long: {s}"),
            CmsError::TrailingData => write!(f, "data after the end of the CMS content"),
            CmsError::WrongContentType(s) => write!(f, "unexpected CMS content type {s}"),
            CmsError::Unsupported(s) => write!(f, "unsupported CMS algorithm {s}"),
            CmsError::NotForRecipient => write!(f, "encrypted for another recipient"),
            CmsError::DecryptFailed => write!(f, "decryption failed (wrong key or corrupted data)"),
            CmsError::UnknownSigner => write!(f, "no certificate for the signer"),
            CmsError::DigestMismatch => write!(f, "content digest does not match the signature"),
            CmsError::BadSignature => write!(f, "signature does not verify"),
            CmsError::NoSignature => write!(f, "signed data without a signer"),
            CmsError::ExpansionLimit(n) => write!(f, "decompressed data exceeds the limit of {n} bytes"),
            CmsError::BadKey(s) => write!(f, "unusable certificate or key: {s}"),
            CmsError::Random(s) => write!(f, "random source failed: {s}"),
            CmsError::Sink(s) => write!(f, "output refused: {s}"),
        }
    }
}

impl std::error::Error for CmsError {}

/// Shorthand for a [`CmsError::Garbled`].
pub(crate) fn garbled(s: impl Into<String>) -> CmsError {
    CmsError::Garbled(s.into())
}
