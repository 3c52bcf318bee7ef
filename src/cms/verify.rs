//! SignedData (RFC 5652 §5), the streaming decoder: the encapsulated content
//! goes to the sink as it arrives (hashed with every digest the
//! `digestAlgorithms` field announces, §5.1 — which is what makes one pass
//! possible), the certificates and SignerInfos are kept (bounded by
//! [`MAX_CERTS`], [`MAX_SIGNERS`]), and `finish` verifies per §5.4 and §5.6:
//! the signer named by its SignerIdentifier among the trusted certificates
//! (or, when allowed, those in the message), contentType and messageDigest
//! attributes against the content, and the RSA signature over the DER of the
//! signed attributes. The content a caller gets before `finish` returns is
//! unverified.

use super::ber::{tag, Header};
use super::digest::Hasher;
use super::error::{garbled, CmsError};
use super::tree::Tlv;
use super::walk::{content_info_start, Action, Step, Visitor, Walker};
use super::{oid, rsasig, Certificate, DigestAlg, Discard, Sink, Stage, MAX_CERTS, MAX_SIGNERS};

/// Who signed, and how it was checked.
#[derive(Debug, Clone)]
pub struct SignerReport {
    /// The certificate whose key verified the signature.
    pub signer: Certificate,
    /// Whether that certificate is one of the trusted ones (otherwise it came
    /// from the message and [`SignDecoder::accept_untrusted`] allowed it).
    pub trusted: bool,
    /// The signer's digest algorithm.
    pub digest: DigestAlg,
    /// The content's digest under it.
    pub content_digest: Vec<u8>,
}

#[derive(Default)]
struct State {
    trusted: Vec<Certificate>,
    accept_untrusted: bool,
    hashers: Vec<Hasher>,
    econtent_type: Option<Vec<u8>>,
    has_content: bool,
    certs: Vec<Certificate>,
    signers: Vec<Tlv>,
}

/// Streaming SignedData decoder and verifier.
pub struct SignDecoder {
    walker: Walker,
    st: State,
    report: Option<SignerReport>,
}

impl SignDecoder {
    /// A decoder that accepts signatures by these certificates.
    pub fn new(trusted: Vec<Certificate>) -> Self {
        SignDecoder { walker: Walker::default(), st: State { trusted, ..State::default() }, report: None }
    }

    /// Also accept a signer whose certificate is only in the message
    /// (reported with `trusted: false`); default: such a signer is
    /// [`CmsError::UnknownSigner`].
    pub fn accept_untrusted(mut self, yes: bool) -> Self {
        self.st.accept_untrusted = yes;
        self
    }

    /// After a successful [`finish`](Stage::finish): the signer.
    pub fn report(&self) -> Option<&SignerReport> {
        self.report.as_ref()
    }

    /// The content of a detached signature, pushed after the whole signature
    /// (which names the digests to compute).
    pub fn push_detached(&mut self, data: &[u8]) -> Result<(), CmsError> {
        if self.st.has_content {
            return Err(garbled("detached content given for a signature that encapsulates its content"));
        }
        if !self.walker.is_complete() {
            return Err(garbled("detached content before the whole signature"));
        }
        for h in &mut self.st.hashers {
            h.update(data);
        }
        Ok(())
    }
}

impl Stage for SignDecoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.push(data, &mut self.st, out)
    }

    fn finish(&mut self, _out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.finish()?;
        if self.st.signers.is_empty() {
            return Err(CmsError::NoSignature);
        }
        let mut first_err = None;
        for si in &self.st.signers {
            match self.st.check(si) {
                Ok(r) => {
                    self.report = Some(r);
                    return Ok(());
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(CmsError::NoSignature))
    }
}

/// Where an element is inside SignedData (`path[2]` is the SignedData SEQUENCE).
fn field(path: &[Step]) -> Option<(usize, Header)> {
    path.get(3).map(|s| (s.index, s.hdr))
}

impl Visitor for State {
    fn start(&mut self, path: &[Step], index: usize, hdr: &Header) -> Result<Action, CmsError> {
        if let Some(a) = content_info_start(path, index, hdr)? {
            return Ok(a);
        }
        let bad = |what: &str| Err(garbled(format!("SignedData: unexpected element in {what}")));
        match path.len() {
            2 if index == 0 && hdr.is_universal(tag::SEQUENCE) => Ok(Action::Descend),
            2 => bad("content"),
            3 => match index {
                0 if hdr.is_universal(tag::INTEGER) => Ok(Action::Collect),
                1 if hdr.is_universal(tag::SET) => Ok(Action::Collect),
                2 if hdr.is_universal(tag::SEQUENCE) => Ok(Action::Descend),
                3.. if hdr.is_context(0) && hdr.constructed => Ok(Action::Descend),
                3.. if hdr.is_context(1) => Ok(Action::Skip),
                3.. if hdr.is_universal(tag::SET) && self.signers.is_empty() => Ok(Action::Descend),
                _ => bad("SignedData"),
            },
            4 => match field(path) {
                Some((2, _)) => match index {
                    0 if hdr.is_universal(tag::OID) => Ok(Action::Collect),
                    1 if hdr.is_context(0) && hdr.constructed => Ok(Action::Descend),
                    _ => bad("EncapsulatedContentInfo"),
                },
                Some((_, h)) if h.is_context(0) => {
                    if hdr.is_universal(tag::SEQUENCE) && self.certs.len() < MAX_CERTS {
                        Ok(Action::Collect)
                    } else {
                        Ok(Action::Skip)
                    }
                }
                Some((_, h)) if h.is_universal(tag::SET) => {
                    if self.signers.len() >= MAX_SIGNERS {
                        return Err(CmsError::TooLong("more SignerInfos than the decoder keeps"));
                    }
                    if hdr.is_universal(tag::SEQUENCE) {
                        Ok(Action::Collect)
                    } else {
                        bad("signerInfos")
                    }
                }
                _ => bad("SignedData"),
            },
            5 if index == 0 && hdr.is_universal(tag::OCTET_STRING) && !self.has_content => Ok(Action::Stream),
            _ => bad("eContent"),
        }
    }

    fn element(&mut self, path: &[Step], index: usize, tlv: Tlv, _out: &mut dyn Sink) -> Result<(), CmsError> {
        match path.len() {
            1 => {
                let o = tlv.oid("contentType")?;
                if o != oid::SIGNED_DATA {
                    return Err(CmsError::WrongContentType(oid::dotted(o)));
                }
            }
            3 if index == 0 => {
                tlv.small_int("SignedData version")?;
            }
            3 => {
                for alg in &tlv.children {
                    let o = alg.child(0, "digest algorithm")?.oid("digest algorithm")?;
                    if let Some(d) = DigestAlg::from_oid(o) {
                        if !self.hashers.iter().any(|h| h.alg() == d) {
                            self.hashers.push(Hasher::new(d));
                        }
                    }
                }
            }
            4 => match field(path) {
                Some((2, _)) => self.econtent_type = Some(tlv.oid("eContentType")?.to_vec()),
                Some((_, h)) if h.is_context(0) => {
                    // Certificates with other key types are not ours to use.
                    if let Ok(c) = Certificate::from_der(&tlv.to_der()) {
                        self.certs.push(c);
                    }
                }
                _ => self.signers.push(tlv),
            },
            _ => return Err(garbled("SignedData: unexpected element")),
        }
        Ok(())
    }

    fn data(&mut self, chunk: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        for h in &mut self.hashers {
            h.update(chunk);
        }
        out.put(chunk)
    }

    fn end(&mut self, path: &[Step], step: &Step, _out: &mut dyn Sink) -> Result<(), CmsError> {
        if path.len() == 5 && step.hdr.is_universal(tag::OCTET_STRING) {
            self.has_content = true;
        }
        Ok(())
    }
}

impl State {
    /// Verifies one SignerInfo (RFC 5652 §5.3, §5.4, §5.6).
    fn check(&self, si: &Tlv) -> Result<SignerReport, CmsError> {
        let mut f = si.children.iter();
        let mut next = |what: &str| f.next().ok_or_else(|| garbled(format!("SignerInfo: {what} missing")));
        next("version")?.small_int("SignerInfo version")?;
        let sid = next("sid")?;
        let (ias, ski) = if sid.is(tag::SEQUENCE) {
            (Some(sid.to_der()), None)
        } else if sid.hdr.is_context(0) {
            (None, Some(sid.octets().to_vec()))
        } else {
            return Err(garbled("SignerInfo: bad signer identifier"));
        };
        let dalg_oid = next("digestAlgorithm")?.child(0, "digestAlgorithm")?.oid("digestAlgorithm")?;
        let dalg = DigestAlg::from_oid(dalg_oid).ok_or_else(|| CmsError::Unsupported(oid::dotted(dalg_oid)))?;
        let mut item = next("signatureAlgorithm")?;
        let signed_attrs = if item.hdr.is_context(0) && item.hdr.constructed {
            let a = item;
            item = next("signatureAlgorithm")?;
            Some(a)
        } else {
            None
        };
        let salg = item.child(0, "signatureAlgorithm")?.oid("signatureAlgorithm")?;
        if ![oid::RSA_ENCRYPTION, oid::SHA1_WITH_RSA, oid::SHA256_WITH_RSA, oid::SHA512_WITH_RSA].contains(&salg) {
            return Err(CmsError::Unsupported(oid::dotted(salg)));
        }
        let sig = next("signature")?.expect(tag::OCTET_STRING, "signature")?.octets();

        let (cert, trusted) = match self.trusted.iter().find(|c| c.is_named_by(ias.as_deref(), ski.as_deref())) {
            Some(c) => (c, true),
            None => match self.certs.iter().find(|c| c.is_named_by(ias.as_deref(), ski.as_deref())) {
                Some(c) if self.accept_untrusted => (c, false),
                _ => return Err(CmsError::UnknownSigner),
            },
        };
        let content_digest = self
            .hashers
            .iter()
            .find(|h| h.alg() == dalg)
            .ok_or_else(|| garbled("SignerInfo digest not announced in digestAlgorithms"))?
            .clone()
            .finish();
        let to_sign = match signed_attrs {
            Some(attrs) => {
                let mut digest_ok = None;
                for a in &attrs.children {
                    let t = a.child(0, "attribute type")?.oid("attribute type")?;
                    let v = a.child(1, "attribute values")?;
                    if t == oid::ATTR_MESSAGE_DIGEST {
                        let d = v.child(0, "messageDigest")?.expect(tag::OCTET_STRING, "messageDigest")?;
                        digest_ok = Some(d.octets() == content_digest.as_slice());
                    } else if t == oid::ATTR_CONTENT_TYPE {
                        let ct = v.child(0, "contentType")?.oid("contentType")?;
                        if Some(ct) != self.econtent_type.as_deref() {
                            return Err(garbled("contentType attribute differs from eContentType"));
                        }
                    }
                }
                match digest_ok {
                    None => return Err(garbled("signed attributes without messageDigest")),
                    Some(false) => return Err(CmsError::DigestMismatch),
                    Some(true) => {}
                }
                dalg.digest(&attrs.der_with_id(0x31))
            }
            None => content_digest.clone(),
        };
        rsasig::verify(cert.public_key(), dalg, &to_sign, sig)?;
        Ok(SignerReport { signer: cert.clone(), trusted, digest: dalg, content_digest })
    }
}

/// Verifies a detached signature `sig` over `data`.
pub fn verify_detached(data: &[u8], sig: &[u8], trusted: &[Certificate]) -> Result<SignerReport, CmsError> {
    let mut dec = SignDecoder::new(trusted.to_vec());
    dec.push(sig, &mut Discard)?;
    dec.push_detached(data)?;
    dec.finish(&mut Discard)?;
    dec.report.ok_or(CmsError::NoSignature)
}

/// Verifies an enveloping signature (EERPSIG/NERPSIG, small) and returns
/// the signed content with the signer.
pub fn verify_message(msg: &[u8], trusted: &[Certificate]) -> Result<(Vec<u8>, SignerReport), CmsError> {
    let mut dec = SignDecoder::new(trusted.to_vec());
    let mut content = Vec::new();
    dec.push(msg, &mut content)?;
    dec.finish(&mut content)?;
    Ok((content, dec.report.ok_or(CmsError::NoSignature)?))
}
