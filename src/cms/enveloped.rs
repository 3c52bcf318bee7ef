//! EnvelopedData (RFC 5652 §6) with KeyTransRecipientInfo (§6.2.1): a random
//! content-encryption key (§6.3) encrypts the content with des-ede3-cbc or
//! AES-CBC (RFC 3370 §5.1, RFC 3565 §2), and is itself encrypted to each
//! recipient's RSA key with PKCS#1 v1.5 (RFC 3370 §4.2.1), the recipient
//! named by issuerAndSerialNumber (version 0 throughout, §6.1). Encryption
//! streams the ciphertext as it is made; decryption streams the plaintext
//! one block behind (the last block carries the padding).

use super::ber::{tag, Header};
use super::cipher::{Decryptor, Encryptor};
use super::error::{garbled, CmsError};
use super::tree::Tlv;
use super::walk::{content_info_start, Action, Step, Visitor, Walker};
use super::write::{self, id, OctetStream, EOC};
use super::{oid, rsasig, Certificate, ContentCipher, Identity, Random, Sink, Stage, MAX_SIGNERS};

/// Streaming EnvelopedData encoder.
pub struct EnvelopeEncoder {
    header: Option<Vec<u8>>,
    enc: Encryptor,
    octets: OctetStream,
    out_sink: Vec<u8>,
}

impl EnvelopeEncoder {
    /// Encrypts to `recipients` with `cipher`; key and IV from `rng`.
    pub fn new(recipients: &[Certificate], cipher: ContentCipher, rng: &mut dyn Random) -> Result<Self, CmsError> {
        if recipients.is_empty() {
            return Err(CmsError::BadKey("no recipient certificate".into()));
        }
        let mut key = vec![0u8; cipher.key_len()];
        let mut iv = vec![0u8; cipher.block_len()];
        rng.fill(&mut key)?;
        rng.fill(&mut iv)?;
        let mut ris = Vec::new();
        for r in recipients {
            let ek = rsasig::encrypt_key(r.public_key(), &key, rng)?;
            ris.push(write::seq(&[
                &write::small_int(0),
                &r.issuer_and_serial(),
                &write::algorithm(oid::RSA_ENCRYPTION, Some(&write::NULL)),
                &write::tlv(id::OCTET_STRING, &ek),
            ]));
        }
        let mut h = vec![id::SEQUENCE, 0x80];
        h.extend(write::oid(oid::ENVELOPED_DATA));
        h.extend([id::CTX0_CONS, 0x80, id::SEQUENCE, 0x80]);
        h.extend(write::small_int(0));
        h.extend(write::set_of(ris));
        h.extend([id::SEQUENCE, 0x80]);
        h.extend(write::oid(oid::DATA));
        h.extend(write::algorithm(cipher.oid(), Some(&write::tlv(id::OCTET_STRING, &iv))));
        // encryptedContent [0] IMPLICIT OCTET STRING, constructed: A0 80 (04 ..)* 00 00
        h.extend([id::CTX0_CONS, 0x80]);
        let enc = Encryptor::new(cipher, &key, &iv)?;
        Ok(EnvelopeEncoder { header: Some(h), enc, octets: OctetStream::new(), out_sink: Vec::new() })
    }

    fn begin(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        if let Some(h) = self.header.take() {
            out.put(&h)?;
        }
        Ok(())
    }
}

/// The ciphertext goes through the octet-string writer; the encryptor's
/// output is staged in a buffer of at most one chunk.
fn drain(octets: &mut OctetStream, buf: &mut Vec<u8>, out: &mut dyn Sink) -> Result<(), CmsError> {
    if !buf.is_empty() {
        octets.push(buf, out)?;
        buf.clear();
    }
    Ok(())
}

impl Stage for EnvelopeEncoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        for piece in data.chunks(super::CHUNK) {
            self.enc.push(piece, &mut self.out_sink)?;
            drain(&mut self.octets, &mut self.out_sink, out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        self.enc.finish(&mut self.out_sink)?;
        drain(&mut self.octets, &mut self.out_sink, out)?;
        // The OctetStream's own 24 80 header is not used: [0] IMPLICIT
        // replaces the OCTET STRING tag, so its pieces sit right in A0 80.
        self.octets.end_pieces(out)?;
        // [0] encryptedContent, EncryptedContentInfo, EnvelopedData, [0], ContentInfo
        out.put(&[EOC, EOC, EOC, EOC, EOC].concat())
    }
}

struct State {
    me: Identity,
    rng: Box<dyn Random>,
    /// Our RecipientInfo's encrypted key, once seen.
    ek: Option<Vec<u8>>,
    recipients_seen: usize,
    cipher: Option<ContentCipher>,
    dec: Option<Decryptor>,
    has_content: bool,
}

/// Streaming EnvelopedData decoder for one recipient.
pub struct EnvelopeDecoder {
    walker: Walker,
    st: State,
}

impl EnvelopeDecoder {
    /// Decrypts what was encrypted to `me`; `rng` blinds the RSA operation.
    pub fn new(me: Identity, rng: Box<dyn Random>) -> Self {
        EnvelopeDecoder {
            walker: Walker::default(),
            st: State { me, rng, ek: None, recipients_seen: 0, cipher: None, dec: None, has_content: false },
        }
    }

    /// The content-encryption algorithm, once the header has been read
    /// (OFTPServer's ReceivedFileEncryptionAlg).
    pub fn cipher(&self) -> Option<ContentCipher> {
        self.st.cipher
    }
}

impl Stage for EnvelopeDecoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.push(data, &mut self.st, out)
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.finish()?;
        match (&mut self.st.dec, self.st.has_content) {
            (Some(d), true) => d.finish(out),
            _ => Err(garbled("EnvelopedData without encrypted content")),
        }
    }
}

impl Visitor for State {
    fn start(&mut self, path: &[Step], index: usize, hdr: &Header) -> Result<Action, CmsError> {
        if let Some(a) = content_info_start(path, index, hdr)? {
            return Ok(a);
        }
        let bad = || Err(garbled("EnvelopedData: unexpected element"));
        match path.len() {
            2 if index == 0 && hdr.is_universal(tag::SEQUENCE) => Ok(Action::Descend),
            // version, [0] originatorInfo (skipped), recipientInfos, encryptedContentInfo, [1] unprotectedAttrs
            3 => match index {
                0 if hdr.is_universal(tag::INTEGER) => Ok(Action::Collect),
                _ if hdr.is_context(0) && index == 1 => Ok(Action::Skip),
                _ if hdr.is_universal(tag::SET) && self.recipients_seen == 0 => Ok(Action::Descend),
                _ if hdr.is_universal(tag::SEQUENCE) && self.cipher.is_none() => Ok(Action::Descend),
                _ if hdr.is_context(1) => Ok(Action::Skip),
                _ => bad(),
            },
            4 if path[3].hdr.is_universal(tag::SET) => {
                self.recipients_seen += 1;
                if self.recipients_seen > 64 * MAX_SIGNERS {
                    return Err(CmsError::TooLong("too many RecipientInfos"));
                }
                // Only KeyTransRecipientInfo (a SEQUENCE) can be ours; kari,
                // kekri, pwri, ori ([1]..[4]) are skipped (§6.2).
                Ok(if hdr.is_universal(tag::SEQUENCE) && self.ek.is_none() { Action::Collect } else { Action::Skip })
            }
            4 => match index {
                0 if hdr.is_universal(tag::OID) => Ok(Action::Collect),
                1 if hdr.is_universal(tag::SEQUENCE) => Ok(Action::Collect),
                2 if hdr.is_context(0) => {
                    let cipher = self.cipher.ok_or_else(|| garbled("no content-encryption algorithm"))?;
                    let _ = cipher;
                    if self.dec.is_none() {
                        return Err(CmsError::NotForRecipient);
                    }
                    Ok(Action::Stream)
                }
                _ => bad(),
            },
            _ => bad(),
        }
    }

    fn element(&mut self, path: &[Step], index: usize, tlv: Tlv, _out: &mut dyn Sink) -> Result<(), CmsError> {
        match path.len() {
            1 => {
                let o = tlv.oid("contentType")?;
                if o != oid::ENVELOPED_DATA {
                    return Err(CmsError::WrongContentType(oid::dotted(o)));
                }
            }
            3 => {
                tlv.small_int("EnvelopedData version")?;
            }
            4 if path[3].hdr.is_universal(tag::SET) => {
                // KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm, encryptedKey }
                let rid = tlv.child(1, "rid")?;
                let named = if rid.is(tag::SEQUENCE) {
                    self.me.cert.is_named_by(Some(&rid.to_der()), None)
                } else if rid.hdr.is_context(0) {
                    self.me.cert.is_named_by(None, Some(rid.octets()))
                } else {
                    false
                };
                if named {
                    let alg = tlv.child(2, "keyEncryptionAlgorithm")?.child(0, "algorithm")?.oid("algorithm")?;
                    if alg != oid::RSA_ENCRYPTION {
                        return Err(CmsError::Unsupported(oid::dotted(alg)));
                    }
                    let ek = tlv.child(3, "encryptedKey")?.expect(tag::OCTET_STRING, "encryptedKey")?;
                    self.ek = Some(ek.octets().to_vec());
                }
            }
            4 if index == 0 => {
                tlv.oid("contentType")?;
            }
            4 => {
                let o = tlv.child(0, "contentEncryptionAlgorithm")?.oid("contentEncryptionAlgorithm")?;
                let c = ContentCipher::from_oid(o).ok_or_else(|| CmsError::Unsupported(oid::dotted(o)))?;
                let iv = tlv.child(1, "IV")?.expect(tag::OCTET_STRING, "IV")?.octets();
                if iv.len() != c.block_len() {
                    return Err(garbled("IV of the wrong length"));
                }
                self.cipher = Some(c);
                let Some(ek) = &self.ek else { return Err(CmsError::NotForRecipient) };
                let key = rsasig::decrypt_key(self.me.private_key(), ek, self.rng.as_mut())?;
                if key.len() != c.key_len() {
                    return Err(CmsError::DecryptFailed);
                }
                self.dec = Some(Decryptor::new(c, &key, iv)?);
            }
            _ => return Err(garbled("EnvelopedData: unexpected element")),
        }
        Ok(())
    }

    fn data(&mut self, chunk: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        match &mut self.dec {
            Some(d) => d.push(chunk, out),
            None => Err(CmsError::NotForRecipient),
        }
    }

    fn end(&mut self, path: &[Step], step: &Step, _out: &mut dyn Sink) -> Result<(), CmsError> {
        if path.len() == 4 && step.hdr.is_context(0) {
            self.has_content = true;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "enveloped_tests.rs"]
mod tests;
