//! Signed end-to-end receipts (RFC 5024 §5.3.13 EERPSIG, §5.3.14 NERPSIG):
//! what is signed, the hash of a transmitted file, signing and checking.
//!
//! The signature is a CMS SignedData that carries its content (RFC 5024:
//! "the envelope must contain the original data"): the receipt's fields
//! "taken in their entirety, including any padding" — EERPDSN, EERPDATE,
//! EERPTIME, EERPDEST, EERPORIG, EERPHSH (NERP adds NERPCREA before
//! NERPHSH) — cut from the receipt's own 2.0 encoding, so the padding is
//! exactly what goes on the wire. Signatures go out in DER
//! (`cms::small::to_der`).

use std::io::Read;

use super::command::{Command, Eerp, FileFormat, Nerp};
use super::error::{OFTP_ERR_CRYPTO, OFTP_ERR_HASH, OFTP_ERR_SIGNATURE};
use super::record::{LineSplitter, RecordEvent};
use super::Level;
use crate::cms::{self, Certificate, DigestAlg, Identity, OsRandom};
use crate::core::error::Error;

/// The octets a receipt's signature covers.
pub fn signed_content(receipt: &Command) -> Result<Vec<u8>, Error> {
    let encoded = receipt.to_bytes(Level::V20).map_err(|e| Error::new(OFTP_ERR_CRYPTO, e.to_string()))?;
    let field = |range: std::ops::Range<usize>| encoded.get(range).map(<[u8]>::to_vec).unwrap_or_default();
    Ok(match receipt {
        // E DSN(1..27) RSV(27..30) DATE(30..38) TIME(38..48) USER(48..56) DEST(56..81) ORIG(81..106)
        Command::Eerp(e) => [field(1..27), field(30..48), field(56..106), e.hash.clone()].concat(),
        // N DSN(1..27) RSV(27..33) DATE(33..41) TIME(41..51) DEST(51..76) ORIG(76..101) CREA(101..126)
        Command::Nerp(n) => [field(1..27), field(33..126), n.hash.clone()].concat(),
        _ => return Err(Error::new(OFTP_ERR_CRYPTO, "only EERP and NERP are signed")),
    })
}

/// Signs an EERP in place: EERPSIG over its fields (its hash set first).
pub fn sign_eerp(e: &mut Eerp, me: &Identity, digest: DigestAlg) -> Result<(), Error> {
    let content = signed_content(&Command::Eerp(e.clone()))?;
    e.signature = sign(&content, me, digest)?;
    Ok(())
}

/// Signs a NERP in place.
pub fn sign_nerp(n: &mut Nerp, me: &Identity, digest: DigestAlg) -> Result<(), Error> {
    let content = signed_content(&Command::Nerp(n.clone()))?;
    n.signature = sign(&content, me, digest)?;
    Ok(())
}

fn sign(content: &[u8], me: &Identity, digest: DigestAlg) -> Result<Vec<u8>, Error> {
    let fail = |e: cms::CmsError| Error::new(OFTP_ERR_CRYPTO, format!("Signing the receipt: {e}"));
    let sig = cms::sign_message(me, digest, content, None, Box::new(OsRandom)).map_err(fail)?;
    cms::small::to_der(&sig).map_err(fail)
}

/// Checks a received receipt's signature: by one of `trusted`, over exactly
/// the receipt's fields (683 otherwise), and — when `expected_hash` is
/// known — for the file as it was sent (682).
pub fn verify(receipt: &Command, trusted: &[Certificate], expected_hash: Option<&[u8]>) -> Result<(), Error> {
    let (signature, hash) = match receipt {
        Command::Eerp(e) => (&e.signature, &e.hash),
        Command::Nerp(n) => (&n.signature, &n.hash),
        _ => return Err(Error::new(OFTP_ERR_SIGNATURE, "Invalid signature: not a receipt")),
    };
    if signature.is_empty() {
        return Err(Error::new(OFTP_ERR_SIGNATURE, "Invalid signature: the receipt is not signed"));
    }
    let (content, _) = cms::verify_message(signature, trusted)
        .map_err(|e| Error::new(OFTP_ERR_SIGNATURE, format!("Invalid signature: the receipt's: {e}")))?;
    if content != signed_content(receipt)? {
        return Err(Error::new(
            OFTP_ERR_SIGNATURE,
            "Invalid signature: it signs other fields than the receipt carries",
        ));
    }
    if let Some(want) = expected_hash.filter(|h| !h.is_empty()) {
        if hash.as_slice() != want {
            return Err(Error::new(OFTP_ERR_HASH, "Invalid hash value: the receipt acknowledges another file"));
        }
    }
    Ok(())
}

/// The hash of a Virtual File as transmitted (EERPHSH: "not the hash of the
/// original file"): a stored F/V file without its CR-LF line ends (the
/// records are what DATA carries), anything else as it is.
pub fn transmitted_hash(
    stored: &mut dyn Read,
    format: FileFormat,
    lrecl: u32,
    digest: DigestAlg,
) -> std::io::Result<Vec<u8>> {
    let mut h = cms::digest::Hasher::new(digest);
    let mut lines = format.has_records().then(|| LineSplitter::new(lrecl));
    let mut buf = vec![0u8; 256 * 1024];
    let bad = |e: super::CodecError| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string());
    loop {
        let n = stored.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match lines.as_mut() {
            Some(l) => l
                .feed(&buf[..n], |ev| {
                    if let RecordEvent::Data(d) = ev {
                        h.update(d)
                    }
                })
                .map_err(bad)?,
            None => h.update(&buf[..n]),
        }
    }
    if let Some(l) = lines.as_mut() {
        l.finish(|ev| {
            if let RecordEvent::Data(d) = ev {
                h.update(d)
            }
        })
        .map_err(bad)?;
    }
    Ok(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oftp::reason::NerpReason;
    use crate::oftp::stamp::FileStamp;

    fn identity(name: &str) -> Identity {
        let root = env!("CARGO_MANIFEST_DIR");
        let read = |f: &str| std::fs::read(format!("{root}/src/cms/testdata/{f}")).unwrap();
        Identity::from_der(&read(&format!("{name}.crt.der")), &read(&format!("{name}.key.der"))).unwrap()
    }

    fn eerp() -> Eerp {
        Eerp {
            dataset_name: "INVOICES".into(),
            stamp: FileStamp { year: 2026, month: 12, day: 8, hour: 1, minute: 2, second: 3, counter: 4 },
            user_data: "USER".into(),
            destination: "O0013CLIENT".into(),
            originator: "O0013SERVER".into(),
            hash: DigestAlg::Sha256.digest(b"the file"),
            signature: Vec::new(),
        }
    }

    #[test]
    fn the_signed_fields_are_the_rfc_s_with_their_padding() {
        let c = signed_content(&Command::Eerp(eerp())).unwrap();
        assert_eq!(c.len(), 26 + 8 + 10 + 25 + 25 + 32);
        assert_eq!(&c[..26], b"INVOICES                  ");
        assert_eq!(&c[26..44], b"202612080102030004");
        assert_eq!(&c[44..69], b"O0013CLIENT              ");
        assert_eq!(&c[69..94], b"O0013SERVER              ");
        let n = Nerp {
            dataset_name: "INVOICES".into(),
            stamp: eerp().stamp,
            destination: "O0013CLIENT".into(),
            originator: "O0013SERVER".into(),
            creator: "O0013SERVER".into(),
            reason: NerpReason::FileSignatureNotValid,
            text: "bad".into(),
            hash: vec![1, 2],
            signature: Vec::new(),
        };
        let c = signed_content(&Command::Nerp(n)).unwrap();
        assert_eq!(c.len(), 26 + 8 + 10 + 25 + 25 + 25 + 2);
        assert_eq!(&c[94..119], b"O0013SERVER              ");
    }

    #[test]
    fn a_signed_eerp_verifies_and_any_change_is_caught() {
        let alice = identity("alice");
        let mut e = eerp();
        sign_eerp(&mut e, &alice, DigestAlg::Sha256).unwrap();
        let trusted = [alice.cert.clone()];
        let hash = e.hash.clone();
        verify(&Command::Eerp(e.clone()), &trusted, Some(&hash)).unwrap();
        // Another file's hash: 682; another file's name: 683; another signer: 683.
        assert_eq!(verify(&Command::Eerp(e.clone()), &trusted, Some(b"other")).unwrap_err().code, OFTP_ERR_HASH);
        let renamed = Eerp { dataset_name: "OTHER".into(), ..e.clone() };
        assert_eq!(verify(&Command::Eerp(renamed), &trusted, None).unwrap_err().code, OFTP_ERR_SIGNATURE);
        let bob = [identity("bob").cert.clone()];
        assert_eq!(verify(&Command::Eerp(e.clone()), &bob, None).unwrap_err().code, OFTP_ERR_SIGNATURE);
        let unsigned = Eerp { signature: Vec::new(), ..e };
        assert_eq!(verify(&Command::Eerp(unsigned), &trusted, None).unwrap_err().code, OFTP_ERR_SIGNATURE);
    }

    #[test]
    fn the_transmitted_hash_of_records_leaves_out_the_line_ends() {
        let stored = b"abc\r\ndef\r\n";
        let h = transmitted_hash(&mut &stored[..], FileFormat::Variable, 80, DigestAlg::Sha1).unwrap();
        assert_eq!(h, DigestAlg::Sha1.digest(b"abcdef"));
        let h = transmitted_hash(&mut &stored[..], FileFormat::Unstructured, 0, DigestAlg::Sha1).unwrap();
        assert_eq!(h, DigestAlg::Sha1.digest(stored));
    }
}
