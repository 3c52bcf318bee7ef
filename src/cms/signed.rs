//! SignedData (RFC 5652 §5), the streaming encoder: the content goes out as
//! it is pushed (enveloping: inside `eContent`, RFC 5024 §6.2 "both the
//! original file data and signature are stored within the CMS package") or
//! not at all (detached, for [`sign_detached`]), hashed on the way; `finish`
//! appends the optional signer certificate and one SignerInfo (§5.3) with the
//! signed attributes contentType (§11.1), messageDigest (§11.2) and, when
//! given, signingTime (§11.3), signed with RSA PKCS#1 v1.5 (RFC 3370 §3.2).

use super::digest::Hasher;
use super::write::{self, id, OctetStream, EOC};
use super::{oid, rsasig, CmsError, DigestAlg, Identity, Random, Sink, Stage};

/// What a [`SignEncoder`] writes besides the content.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The digest (RFC 5024 §10: SHA-1 for suites 01/02, ...).
    pub digest: DigestAlg,
    /// Whether the content is left out (a detached signature).
    pub detached: bool,
    /// Whether the signer's certificate goes into `certificates` (RFC 5024
    /// §6.2 recommends leaving it out between known partners).
    pub include_certificate: bool,
    /// The signingTime attribute, in seconds since 1970 (the codec has no clock).
    pub signing_time: Option<u64>,
}

impl SignOptions {
    /// Enveloping, with the certificate, no signing time.
    pub fn new(digest: DigestAlg) -> Self {
        SignOptions { digest, detached: false, include_certificate: true, signing_time: None }
    }
}

/// Streaming SignedData encoder.
pub struct SignEncoder {
    id: Identity,
    opts: SignOptions,
    hasher: Hasher,
    octets: OctetStream,
    started: bool,
    rng: Box<dyn Random>,
}

impl SignEncoder {
    /// Signs as `id` with these options, randomness (RSA blinding) from `rng`.
    pub fn new(id: Identity, opts: SignOptions, rng: Box<dyn Random>) -> Self {
        SignEncoder { hasher: Hasher::new(opts.digest), id, opts, octets: OctetStream::new(), started: false, rng }
    }

    fn begin(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let mut h = vec![id::SEQUENCE, 0x80];
        h.extend(write::oid(oid::SIGNED_DATA));
        h.extend([id::CTX0_CONS, 0x80, id::SEQUENCE, 0x80]);
        // version 1: issuerAndSerialNumber signer, id-data content (§5.1).
        h.extend(write::small_int(1));
        h.extend(write::set_of(vec![write::algorithm(self.opts.digest.oid(), None)]));
        if self.opts.detached {
            h.extend(write::seq(&[&write::oid(oid::DATA)]));
            out.put(&h)
        } else {
            h.extend([id::SEQUENCE, 0x80]);
            h.extend(write::oid(oid::DATA));
            h.extend([id::CTX0_CONS, 0x80]);
            out.put(&h)?;
            self.octets.begin(out)
        }
    }
}

impl Stage for SignEncoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        self.hasher.update(data);
        if !self.opts.detached {
            self.octets.push(data, out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        if !self.opts.detached {
            self.octets.end(out)?;
            out.put(&[0, 0, 0, 0])?; // ends eContent [0] and EncapsulatedContentInfo
        }
        let digest = std::mem::replace(&mut self.hasher, Hasher::new(self.opts.digest)).finish();
        let mut t = Vec::new();
        if self.opts.include_certificate {
            t.extend(write::tlv(id::CTX0_CONS, self.id.cert.der()));
        }
        let si = signer_info(&self.id, &self.opts, &digest, self.rng.as_mut())?;
        t.extend(write::set_of(vec![si]));
        t.extend(EOC);
        t.extend(EOC);
        t.extend(EOC);
        out.put(&t)
    }
}

/// One SignerInfo (RFC 5652 §5.3) over a content whose digest is `digest`.
pub fn signer_info(
    id: &Identity,
    opts: &SignOptions,
    digest: &[u8],
    rng: &mut dyn Random,
) -> Result<Vec<u8>, CmsError> {
    let attr = |o: &[u8], v: Vec<u8>| write::seq(&[&write::oid(o), &write::set_of(vec![v])]);
    let mut attrs = vec![
        attr(oid::ATTR_CONTENT_TYPE, write::oid(oid::DATA)),
        attr(oid::ATTR_MESSAGE_DIGEST, write::tlv(id::OCTET_STRING, digest)),
    ];
    if let Some(t) = opts.signing_time {
        attrs.push(attr(oid::ATTR_SIGNING_TIME, time(t)));
    }
    // §5.4: the signature is over the DER of the attributes as a SET OF;
    // the SignerInfo carries the same octets under [0] IMPLICIT.
    let mut signed_attrs = write::set_of(attrs);
    let hash = opts.digest.digest(&signed_attrs);
    let sig = rsasig::sign(id.private_key(), opts.digest, &hash, rng)?;
    signed_attrs[0] = id::CTX0_CONS;
    Ok(write::seq(&[
        &write::small_int(1),
        &id.cert.issuer_and_serial(),
        &write::algorithm(opts.digest.oid(), None),
        &signed_attrs,
        &write::algorithm(oid::RSA_ENCRYPTION, Some(&write::NULL)),
        &write::tlv(id::OCTET_STRING, &sig),
    ]))
}

/// `Time` for signingTime (RFC 5652 §11.3): UTCTime for 1950–2049,
/// GeneralizedTime otherwise.
fn time(unix: u64) -> Vec<u8> {
    let days = (unix / 86400) as i64;
    let secs = unix % 86400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let hms = format!("{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60);
    if (1950..2050).contains(&y) {
        write::tlv(id::UTC_TIME, format!("{:02}{m:02}{d:02}{hms}", y % 100).as_bytes())
    } else {
        write::tlv(id::GENERALIZED_TIME, format!("{y:04}{m:02}{d:02}{hms}").as_bytes())
    }
}

/// A detached SignedData over `data` (a signature without the content; the
/// content travels beside it). Small data, one call.
pub fn sign_detached(
    id: &Identity,
    digest: DigestAlg,
    data: &[u8],
    signing_time: Option<u64>,
    rng: Box<dyn Random>,
) -> Result<Vec<u8>, CmsError> {
    let opts = SignOptions { digest, detached: true, include_certificate: true, signing_time };
    let mut enc = SignEncoder::new(id.clone(), opts, rng);
    super::run_to_vec(&mut enc, data)
}

/// An enveloping SignedData of small `data` in one call: what RFC 5024
/// §5.3.13 EERPSIG and §5.3.14 NERPSIG carry ("the envelope must contain the
/// original data, not just the signature"; content type id-data).
pub fn sign_message(
    id: &Identity,
    digest: DigestAlg,
    data: &[u8],
    signing_time: Option<u64>,
    rng: Box<dyn Random>,
) -> Result<Vec<u8>, CmsError> {
    let opts = SignOptions { digest, detached: false, include_certificate: true, signing_time };
    let mut enc = SignEncoder::new(id.clone(), opts, rng);
    super::run_to_vec(&mut enc, data)
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn signing_time_forms() {
        assert_eq!(time(0), write::tlv(id::UTC_TIME, b"700101000000Z"));
        // 2026-12-08 01:23:14 UTC
        assert_eq!(time(1_796_692_994), write::tlv(id::UTC_TIME, b"261208012314Z"));
        // 2050-01-01 00:00:00 UTC
        assert_eq!(time(2_524_608_000), write::tlv(id::GENERALIZED_TIME, b"20500101000000Z"));
    }
}

#[cfg(test)]
#[path = "signed_tests.rs"]
mod tests;
