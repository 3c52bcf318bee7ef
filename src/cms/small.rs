//! Small CMS messages in DER (X.690 §10): what the streaming encoders write
//! with indefinite lengths (X.690 §8.1.3.6) re-encoded with definite ones.
//! The secure-authentication challenge (RFC 5024 §4.2.4) and signed receipts
//! are a few hundred octets sent to partners whose parsers may take DER
//! only (Python's `cryptography`, for one, rejects indefinite lengths), and
//! RFC 5652 §1.1 allows either encoding.

use super::ber::Class;
use super::error::garbled;
use super::tree;
use super::{run_to_vec, Certificate, CmsError, ContentCipher, EnvelopeEncoder, Random, MAX_ELEMENT};

/// The DER form of a whole BER element of at most [`MAX_ELEMENT`] octets:
/// definite lengths, constructed universal OCTET STRINGs made primitive.
/// An IMPLICIT string inside is known only from its schema (see [`seal`]).
pub fn to_der(ber: &[u8]) -> Result<Vec<u8>, CmsError> {
    Ok(tree::parse(ber, MAX_ELEMENT)?.to_der())
}

/// EnvelopedData of a small content for `recipients`, in DER: also the
/// encryptedContent `[0] IMPLICIT OCTET STRING` (RFC 5652 §6.1), which the
/// streaming encoder writes constructed, made primitive (X.690 §10.2).
pub fn seal(
    content: &[u8],
    recipients: &[Certificate],
    cipher: ContentCipher,
    rng: &mut dyn Random,
) -> Result<Vec<u8>, CmsError> {
    let mut enc = EnvelopeEncoder::new(recipients, cipher, rng)?;
    let mut t = tree::parse(&run_to_vec(&mut enc, content)?, MAX_ELEMENT)?;
    // ContentInfo { contentType, [0] EXPLICIT EnvelopedData { ..., EncryptedContentInfo { type, alg, [0] } } }
    let eci = t
        .children
        .get_mut(1)
        .and_then(|explicit| explicit.children.first_mut())
        .and_then(|env| env.children.last_mut())
        .ok_or_else(|| garbled("EnvelopedData without EncryptedContentInfo"))?;
    if let Some(ec) = eci.children.get_mut(2).filter(|c| c.hdr.class == Class::Context && c.hdr.tag == 0) {
        if ec.hdr.constructed {
            ec.content = ec.children.drain(..).flat_map(|c| c.content).collect();
            ec.hdr.constructed = false;
        }
    }
    Ok(t.to_der())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_constructed_strings_become_der() {
        // SEQUENCE (indef) { 04 (indef) { 04 01 'a', 04 02 'bc' }, [0] { 02 01 05 } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x01, b'a', 0x04, 0x02, b'b', b'c', 0x00, 0x00, 0xA0, 0x03, 0x02, 0x01, 0x05,
            0x00, 0x00,
        ];
        let der = to_der(&ber).unwrap();
        assert_eq!(der, [0x30, 0x0A, 0x04, 0x03, b'a', b'b', b'c', 0xA0, 0x03, 0x02, 0x01, 0x05]);
        assert_eq!(to_der(&der).unwrap(), der, "DER stays as it is");
        assert!(matches!(to_der(&[0x30, 0x80, 0x04, 0x01]), Err(CmsError::Truncated)));
    }

    #[test]
    fn a_sealed_challenge_is_der_and_opens() {
        use super::super::testutil::{cert, identity, rng};
        use super::super::EnvelopeDecoder;
        let sealed = seal(&[7; 20], &[cert("bob")], ContentCipher::Aes256Cbc, &mut *rng(1)).unwrap();
        // Definite lengths throughout: DER re-encodes to itself, and the
        // encryptedContent [0] is primitive (0x80).
        assert_eq!(to_der(&sealed).unwrap(), sealed);
        assert_eq!(&sealed[..2], &[0x30, 0x82]);
        let t = tree::parse(&sealed, MAX_ELEMENT).unwrap();
        let eci = t.children[1].children[0].children.last().unwrap();
        assert!(!eci.children[2].hdr.constructed);
        let mut dec = EnvelopeDecoder::new(identity("bob"), rng(2));
        assert_eq!(run_to_vec(&mut dec, &sealed).unwrap(), [7; 20]);
        let mut eve = EnvelopeDecoder::new(identity("eve"), rng(3));
        assert!(matches!(run_to_vec(&mut eve, &sealed), Err(CmsError::NotForRecipient)));
    }
}
