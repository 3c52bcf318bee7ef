use super::*;
use crate::cms::testutil::{cert, identity, rng, run_pieces};
use crate::cms::{verify_detached, verify_message, Certificate, Discard, SignDecoder};

const MSG: &[u8] = b"ODETTE FTP 2 signed file content, long enough to split in many places.";

fn sign(alg: DigestAlg, detached: bool, msg: &[u8]) -> Vec<u8> {
    let mut o = SignOptions::new(alg);
    o.detached = detached;
    o.signing_time = Some(1_796_692_994);
    let mut e = SignEncoder::new(identity("alice"), o, rng(1));
    run_pieces(&mut e, msg, 7).unwrap()
}

fn verify(signed: &[u8], trusted: Vec<Certificate>, piece: usize) -> Result<(Vec<u8>, SignDecoder), CmsError> {
    let mut d = SignDecoder::new(trusted);
    let out = run_pieces(&mut d, signed, piece)?;
    Ok((out, d))
}

#[test]
fn round_trip_every_digest() {
    for alg in [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512] {
        let s = sign(alg, false, MSG);
        let (out, d) = verify(&s, vec![cert("alice")], 1000).unwrap();
        assert_eq!(out, MSG);
        let r = d.report().unwrap();
        assert_eq!(r.digest, alg);
        assert!(r.trusted);
        assert_eq!(r.signer.subject(), cert("alice").subject());
        assert_eq!(r.content_digest, alg.digest(MSG));
    }
}

#[test]
fn same_result_at_every_split_point() {
    let s = sign(DigestAlg::Sha256, false, MSG);
    for split in 0..=s.len() {
        let mut d = SignDecoder::new(vec![cert("alice")]);
        let mut out = Vec::new();
        d.push(&s[..split], &mut out).unwrap();
        d.push(&s[split..], &mut out).unwrap();
        d.finish(&mut out).unwrap();
        assert_eq!(out, MSG, "split {split}");
    }
    let (out, _) = verify(&s, vec![cert("alice")], 1).unwrap();
    assert_eq!(out, MSG);
}

#[test]
fn empty_and_large_contents() {
    let s = sign(DigestAlg::Sha1, false, b"");
    assert_eq!(verify(&s, vec![cert("alice")], 3).unwrap().0, b"");
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let s = sign(DigestAlg::Sha512, false, &big);
    assert_eq!(verify(&s, vec![cert("alice")], 4093).unwrap().0, big);
}

#[test]
fn forged_signature_and_changed_content() {
    let s = sign(DigestAlg::Sha256, false, MSG);
    let mut forged = s.clone();
    let last_sig_byte = forged.len() - 7; // before the three end-of-contents
    forged[last_sig_byte] ^= 1;
    assert_eq!(verify(&forged, vec![cert("alice")], 50).err(), Some(CmsError::BadSignature));
    let mut changed = s.clone();
    let at = changed.windows(6).position(|w| w == b"ODETTE").unwrap();
    changed[at] = b'o';
    assert_eq!(verify(&changed, vec![cert("alice")], 50).err(), Some(CmsError::DigestMismatch));
}

#[test]
fn unknown_and_untrusted_signers() {
    let s = sign(DigestAlg::Sha256, false, MSG);
    assert_eq!(verify(&s, vec![cert("eve")], 50).err(), Some(CmsError::UnknownSigner));
    assert_eq!(verify(&s, vec![], 50).err(), Some(CmsError::UnknownSigner));
    let mut d = SignDecoder::new(vec![cert("eve")]).accept_untrusted(true);
    let out = run_pieces(&mut d, &s, 50).unwrap();
    assert_eq!(out, MSG);
    let r = d.report().unwrap();
    assert!(!r.trusted);
    assert_eq!(r.signer, cert("alice"));
    // Without the certificate in the message, only the trusted list can name the signer.
    let mut o = SignOptions::new(DigestAlg::Sha1);
    o.include_certificate = false;
    let s = run_pieces(&mut SignEncoder::new(identity("alice"), o, rng(2)), MSG, 100).unwrap();
    let mut d = SignDecoder::new(vec![]).accept_untrusted(true);
    assert_eq!(run_pieces(&mut d, &s, 9).err(), Some(CmsError::UnknownSigner));
    assert_eq!(verify(&s, vec![cert("bob"), cert("alice")], 9).unwrap().0, MSG);
}

#[test]
fn truncation_and_garbage() {
    let s = sign(DigestAlg::Sha1, false, MSG);
    for cut in 0..s.len() {
        let r = verify(&s[..cut], vec![cert("alice")], 13);
        assert!(r.is_err(), "cut {cut}");
        if cut > 0 {
            assert_eq!(r.err(), Some(CmsError::Truncated), "cut {cut}");
        }
    }
    let mut extra = s.clone();
    extra.push(0);
    assert_eq!(verify(&extra, vec![cert("alice")], 13).err(), Some(CmsError::TrailingData));
    assert!(verify(b"not BER at all", vec![cert("alice")], 3).is_err());
    let mut c = crate::cms::CompressEncoder::default();
    let compressed = crate::cms::run_to_vec(&mut c, MSG).unwrap();
    assert!(matches!(verify(&compressed, vec![], 5), Err(CmsError::WrongContentType(_))));
}

#[test]
fn detached_signatures() {
    for alg in [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512] {
        let sig = sign_detached(&identity("alice"), alg, MSG, None, rng(3)).unwrap();
        assert!(sig.windows(6).all(|w| w != b"ODETTE"), "detached: no content inside");
        let r = verify_detached(MSG, &sig, &[cert("alice")]).unwrap();
        assert_eq!(r.digest, alg);
        assert_eq!(verify_detached(b"other data", &sig, &[cert("alice")]).err(), Some(CmsError::DigestMismatch));
        assert_eq!(verify_detached(MSG, &sig, &[cert("bob")]).err(), Some(CmsError::UnknownSigner));
    }
    // An enveloping signature is not a detached one.
    let env = sign(DigestAlg::Sha1, false, MSG);
    assert!(verify_detached(MSG, &env, &[cert("alice")]).is_err());
    // A detached signature with no content pushed digests the empty string.
    let sig = sign_detached(&identity("alice"), DigestAlg::Sha1, MSG, None, rng(3)).unwrap();
    let mut d = SignDecoder::new(vec![cert("alice")]);
    d.push(&sig, &mut Discard).unwrap();
    assert_eq!(d.finish(&mut Discard).err(), Some(CmsError::DigestMismatch));
}

#[test]
fn receipts_envelope_their_data() {
    let m = sign_message(&identity("bob"), DigestAlg::Sha256, b"EERP fields", Some(0), rng(4)).unwrap();
    let (content, r) = verify_message(&m, &[cert("bob")]).unwrap();
    assert_eq!(content, b"EERP fields");
    assert_eq!(r.signer, cert("bob"));
}

#[test]
fn deterministic_with_a_seed() {
    assert_eq!(sign(DigestAlg::Sha256, false, MSG), sign(DigestAlg::Sha256, false, MSG));
}
