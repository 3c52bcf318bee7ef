//! The object identifiers the codec reads and writes, as the content octets
//! of their DER encoding (X.690 §8.19), with a dotted form for messages.

/// id-data, RFC 5652 §4.
pub const DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
/// id-signedData, RFC 5652 §5.1.
pub const SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// id-envelopedData, RFC 5652 §6.1.
pub const ENVELOPED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03];
/// id-ct-compressedData, RFC 3274 §1.1.
pub const COMPRESSED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x09];
/// id-alg-zlibCompress, RFC 3274 §2.
pub const ZLIB: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x03, 0x08];
/// id-contentType attribute, RFC 5652 §11.1.
pub const ATTR_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
/// id-messageDigest attribute, RFC 5652 §11.2.
pub const ATTR_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
/// id-signingTime attribute, RFC 5652 §11.3.
pub const ATTR_SIGNING_TIME: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05];
/// rsaEncryption, RFC 3370 §3.2 (signatures) and §4.2.1 (key transport).
pub const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// sha1WithRSAEncryption, accepted as a SignerInfo signatureAlgorithm.
pub const SHA1_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];
/// sha256WithRSAEncryption (RFC 5754 §3.2).
pub const SHA256_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
/// sha512WithRSAEncryption (RFC 5754 §3.2).
pub const SHA512_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D];
/// id-sha1, RFC 3370 §2.1.
pub const SHA1: &[u8] = &[0x2B, 0x0E, 0x03, 0x02, 0x1A];
/// id-sha256, RFC 5754 §2.2.
pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// id-sha512, RFC 5754 §2.4.
pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
/// des-ede3-cbc, RFC 3370 §5.1.
pub const DES_EDE3_CBC: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x03, 0x07];
/// id-aes128-CBC, RFC 3565 §4.1.
pub const AES128_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02];
/// id-aes192-CBC, RFC 3565 §4.1.
pub const AES192_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16];
/// id-aes256-CBC, RFC 3565 §4.1.
pub const AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A];

/// The dotted form of an OID's content octets, for error messages
/// ("?" for octets that are not a valid OID).
pub fn dotted(oid: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in oid.iter().enumerate() {
        if v > (u64::MAX >> 8) {
            return "?".into();
        }
        v = (v << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = (v / 40).min(2);
                parts.push(first);
                parts.push(v - first * 40);
            } else {
                parts.push(v);
            }
            v = 0;
        } else if i + 1 == oid.len() {
            return "?".into();
        }
    }
    if parts.is_empty() {
        return "?".into();
    }
    parts.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_forms() {
        assert_eq!(dotted(DATA), "1.2.840.113549.1.7.1");
        assert_eq!(dotted(ZLIB), "1.2.840.113549.1.9.16.3.8");
        assert_eq!(dotted(AES256_CBC), "2.16.840.1.101.3.4.1.42");
        assert_eq!(dotted(DES_EDE3_CBC), "1.2.840.113549.3.7");
        assert_eq!(dotted(SHA1), "1.3.14.3.2.26");
        assert_eq!(dotted(&[0x81]), "?");
        assert_eq!(dotted(&[]), "?");
    }
}
