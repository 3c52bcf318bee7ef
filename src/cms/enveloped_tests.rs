use super::*;
use crate::cms::testutil::{cert, identity, rng, run_pieces};

const MSG: &[u8] = b"An encrypted ODETTE file, 3DES or AES, streamed block by block.";

fn encrypt(msg: &[u8], to: &[Certificate], c: ContentCipher) -> Vec<u8> {
    let mut r = crate::cms::SeededRandom::new(5);
    let mut e = EnvelopeEncoder::new(to, c, &mut r).unwrap();
    run_pieces(&mut e, msg, 11).unwrap()
}

fn decrypt(b: &[u8], who: &str, piece: usize) -> Result<(Vec<u8>, Option<ContentCipher>), CmsError> {
    let mut d = EnvelopeDecoder::new(identity(who), rng(6));
    let out = run_pieces(&mut d, b, piece)?;
    Ok((out, d.cipher()))
}

#[test]
fn round_trip_every_cipher() {
    for c in ContentCipher::ALL {
        let e = encrypt(MSG, &[cert("bob")], c);
        assert!(e.windows(5).all(|w| w != b"ODETT"));
        let (out, used) = decrypt(&e, "bob", 17).unwrap();
        assert_eq!(out, MSG);
        assert_eq!(used, Some(c));
        let empty = encrypt(b"", &[cert("bob")], c);
        assert_eq!(decrypt(&empty, "bob", 1).unwrap().0, b"");
    }
}

#[test]
fn every_split_point() {
    let e = encrypt(MSG, &[cert("bob")], ContentCipher::Aes128Cbc);
    let mut d0 = EnvelopeDecoder::new(identity("bob"), rng(6));
    // RSA decryption in every run would be slow in a debug build; split the
    // stream after the recipient infos only where the content begins, and
    // everywhere in the content.
    let content_at = e.windows(2).rposition(|w| w == [0xA0, 0x80]).unwrap();
    let mut head = Vec::new();
    d0.push(&e[..content_at], &mut head).unwrap();
    for split in content_at..=e.len() {
        let mut d = EnvelopeDecoder::new(identity("bob"), rng(6));
        let mut out = Vec::new();
        d.push(&e[..split], &mut out).unwrap();
        d.push(&e[split..], &mut out).unwrap();
        d.finish(&mut out).unwrap();
        assert_eq!(out, MSG, "split {split}");
        if split > content_at + 40 {
            break;
        }
    }
    assert_eq!(decrypt(&e, "bob", 1).unwrap().0, MSG);
}

#[test]
fn several_recipients_and_not_for_us() {
    let e = encrypt(MSG, &[cert("alice"), cert("bob")], ContentCipher::Des3Cbc);
    assert_eq!(decrypt(&e, "alice", 100).unwrap().0, MSG);
    assert_eq!(decrypt(&e, "bob", 100).unwrap().0, MSG);
    assert_eq!(decrypt(&e, "eve", 100).err(), Some(CmsError::NotForRecipient));
}

#[test]
fn corrupted_truncated_and_large() {
    let e = encrypt(MSG, &[cert("bob")], ContentCipher::Aes256Cbc);
    // The last ciphertext byte sits before "00 00" x 5; flipping it breaks the padding
    // (or, with probability 1/256, leaves a plaintext that differs).
    let mut bad = e.clone();
    let n = bad.len() - 11;
    bad[n] ^= 0x55;
    match decrypt(&bad, "bob", 50) {
        Err(err) => assert_eq!(err, CmsError::DecryptFailed),
        Ok((out, _)) => assert_ne!(out, MSG),
    }
    for cut in [0, 1, 10, 100, e.len() - 30, e.len() - 11, e.len() - 1] {
        assert!(decrypt(&e[..cut], "bob", 50).is_err(), "cut {cut}");
    }
    let big: Vec<u8> = (0..1_000_003u32).map(|i| (i % 241) as u8).collect();
    let e = encrypt(&big, &[cert("bob")], ContentCipher::Aes192Cbc);
    assert_eq!(decrypt(&e, "bob", 65_537).unwrap().0, big);
}
