//! Fixed test identities (RSA 2048, made once with `openssl req -x509`).

use super::{Certificate, Identity};

/// alice, bob or eve.
pub fn identity(name: &str) -> Identity {
    let (c, k): (&[u8], &[u8]) = match name {
        "alice" => (include_bytes!("testdata/alice.crt.der"), include_bytes!("testdata/alice.key.der")),
        "bob" => (include_bytes!("testdata/bob.crt.der"), include_bytes!("testdata/bob.key.der")),
        _ => (include_bytes!("testdata/eve.crt.der"), include_bytes!("testdata/eve.key.der")),
    };
    Identity::from_der(c, k).expect("test identity")
}

/// The certificate alone.
pub fn cert(name: &str) -> Certificate {
    identity(name).cert
}

/// A deterministic random source.
pub fn rng(seed: u64) -> Box<super::SeededRandom> {
    Box::new(super::SeededRandom::new(seed))
}

/// Feeds `input` to `stage` in pieces of `piece` bytes and finishes.
pub fn run_pieces(stage: &mut dyn super::Stage, input: &[u8], piece: usize) -> Result<Vec<u8>, super::CmsError> {
    let mut out = Vec::new();
    for p in input.chunks(piece.max(1)) {
        stage.push(p, &mut out)?;
    }
    stage.finish(&mut out)?;
    Ok(out)
}
