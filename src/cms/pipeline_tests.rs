use super::*;
use crate::cms::testutil::{cert, identity, rng, run_pieces};
use crate::cms::{CipherSuite, FnSink};

fn decoder(limit: u64) -> Decoder {
    Decoder::new(DecodeOptions {
        decrypt: Some((identity("bob"), rng(8))),
        decompress: Some(limit),
        verify: Some((vec![cert("alice")], false)),
    })
}

#[test]
fn every_suite_round_trips() {
    let msg = b"sign, then compress, then encrypt (RFC 5024 6.1) ".repeat(50);
    for s in CipherSuite::ALL {
        let mut e = Encoder::new(EncodeOptions::full(identity("alice"), cert("bob"), s), rng(7)).unwrap();
        let wire = run_pieces(&mut e, &msg, 333).unwrap();
        assert!(wire.len() < msg.len(), "compressed under the encryption");
        let mut d = decoder(1 << 20);
        assert_eq!(run_pieces(&mut d, &wire, 101).unwrap(), msg, "{s:?}");
        let r = d.report();
        assert_eq!(r.cipher, Some(s.cipher()));
        let signer = r.signer.unwrap();
        assert_eq!(signer.digest, s.digest());
        assert_eq!(signer.signer, cert("alice"));
        assert_eq!(d.signer_digest(), Some(s.digest()));
    }
}

#[test]
fn layers_are_optional() {
    let msg = b"only some layers".to_vec();
    let sign_only =
        EncodeOptions { sign: Some((identity("alice"), SignOptions::new(DigestAlg::Sha256))), ..Default::default() };
    let wire = run_pieces(&mut Encoder::new(sign_only, rng(1)).unwrap(), &msg, 3).unwrap();
    let mut d = Decoder::new(DecodeOptions { verify: Some((vec![cert("alice")], false)), ..Default::default() });
    assert_eq!(run_pieces(&mut d, &wire, 3).unwrap(), msg);
    let enc_comp = EncodeOptions {
        compress: Some(9),
        encrypt: Some((vec![cert("bob")], ContentCipher::Des3Cbc)),
        ..Default::default()
    };
    let wire = run_pieces(&mut Encoder::new(enc_comp, rng(1)).unwrap(), &msg, 3).unwrap();
    let mut d = Decoder::new(DecodeOptions {
        decrypt: Some((identity("bob"), rng(2))),
        decompress: Some(100),
        ..Default::default()
    });
    assert_eq!(run_pieces(&mut d, &wire, 3).unwrap(), msg);
    assert!(d.report().signer.is_none());
    // Expecting a signature that is not there: the inner content is not BER.
    let mut d = decoder(100);
    assert!(matches!(run_pieces(&mut d, &wire, 3), Err(CmsError::Garbled(_))));
    // An identity function with no layers.
    let mut none = Encoder::new(EncodeOptions::default(), rng(1)).unwrap();
    assert_eq!(run_pieces(&mut none, &msg, 2).unwrap(), msg);
}

#[test]
fn output_streams_before_the_end() {
    let mut msg = vec![0u8; 2_000_000];
    crate::cms::Random::fill(&mut crate::cms::SeededRandom::new(9), &mut msg).unwrap();
    let mut e = Encoder::new(EncodeOptions::full(identity("alice"), cert("bob"), CipherSuite::S04), rng(3)).unwrap();
    let mut wire = Vec::new();
    e.push(&msg[..1_000_000], &mut wire).unwrap();
    assert!(wire.len() > 900_000, "the encoder wrote {} bytes for the first half", wire.len());
    e.push(&msg[1_000_000..], &mut wire).unwrap();
    e.finish(&mut wire).unwrap();
    let mut d = decoder(1 << 30);
    let mut got = 0usize;
    let mut hash = crate::cms::digest::Hasher::new(DigestAlg::Sha256);
    let mut sink = FnSink(|b: &[u8]| {
        got += b.len();
        hash.update(b);
        Ok(())
    });
    d.push(&wire[..wire.len() / 2], &mut sink).unwrap();
    d.push(&wire[wire.len() / 2..], &mut sink).unwrap();
    d.finish(&mut sink).unwrap();
    assert_eq!(got, msg.len());
    assert_eq!(hash.finish(), DigestAlg::Sha256.digest(&msg));
}

#[test]
fn bad_inputs_end_with_distinct_errors() {
    let msg = vec![0u8; 4 << 20];
    let mut e = Encoder::new(EncodeOptions::full(identity("alice"), cert("bob"), CipherSuite::S02), rng(4)).unwrap();
    let wire = run_pieces(&mut e, &msg, 1 << 16).unwrap();
    // A bomb for a small limit (the signed data inside expands past 1 MiB).
    assert_eq!(run_pieces(&mut decoder(1 << 20), &wire, 4096).err(), Some(CmsError::ExpansionLimit(1 << 20)));
    // Another recipient.
    let mut d = Decoder::new(DecodeOptions {
        decrypt: Some((identity("eve"), rng(2))),
        decompress: Some(1 << 30),
        verify: Some((vec![cert("alice")], false)),
    });
    assert_eq!(run_pieces(&mut d, &wire, 4096).err(), Some(CmsError::NotForRecipient));
    // An untrusted signer.
    let mut d = Decoder::new(DecodeOptions {
        decrypt: Some((identity("bob"), rng(2))),
        decompress: Some(1 << 30),
        verify: Some((vec![cert("eve")], false)),
    });
    assert_eq!(run_pieces(&mut d, &wire, 4096).err(), Some(CmsError::UnknownSigner));
    // Truncated.
    assert_eq!(run_pieces(&mut decoder(1 << 30), &wire[..wire.len() - 3], 4096).err(), Some(CmsError::Truncated));
}

#[test]
fn fuzz_seeds_made_by_openssl_decode() {
    // fuzz/make_seeds.py: openssl signs as alice, Python deflates, openssl encrypts to bob.
    let msg = b"ODETTE FTP secured file ".repeat(8);
    let full = &include_bytes!("../../fuzz/corpus/cms_envelope/pipeline")[2..];
    let mut d = decoder(1 << 20);
    assert_eq!(run_pieces(&mut d, full, 33).unwrap(), msg);
    assert_eq!(d.report().cipher, Some(ContentCipher::Aes256Cbc));
    assert_eq!(d.report().signer.unwrap().digest, DigestAlg::Sha256);
    let signed = &include_bytes!("../../fuzz/corpus/cms_envelope/signed-stream")[2..];
    let mut d = Decoder::new(DecodeOptions { verify: Some((vec![cert("alice")], false)), ..Default::default() });
    assert_eq!(run_pieces(&mut d, signed, 1).unwrap(), msg);
}

#[test]
fn stages_chain_through_each_other() {
    // A caller's own chain: compress into decompress, by Through.
    let msg = b"chained stages ".repeat(1000);
    let (mut enc, mut dec) = (CompressEncoder::new(6), CompressDecoder::new(1 << 20));
    let mut out = Vec::new();
    for piece in msg.chunks(999) {
        let mut t = crate::cms::Through { stage: &mut dec, out: &mut out };
        enc.push(piece, &mut t).unwrap();
    }
    let mut t = crate::cms::Through { stage: &mut dec, out: &mut out };
    enc.finish(&mut t).unwrap();
    dec.finish(&mut out).unwrap();
    assert_eq!(out, msg);
}
