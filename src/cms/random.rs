//! Randomness as a parameter: content-encryption keys and IVs (RFC 5652
//! §6.3), PKCS#1 v1.5 padding (RFC 8017 §7.2.1) and RSA blinding. Production
//! uses [`OsRandom`]; tests pass a [`SeededRandom`] so runs are repeatable.

use super::CmsError;

/// A source of random bytes.
pub trait Random: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CmsError>;
}

/// The operating system's CSPRNG (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CmsError> {
        getrandom::fill(buf).map_err(|e| CmsError::Random(e.to_string()))
    }
}

/// A deterministic stream from a seed (SHA-256 in counter mode) — for tests
/// only: anyone knowing the seed knows the keys.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    seed: [u8; 32],
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl SeededRandom {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        use sha2::Digest;
        let seed = sha2::Sha256::digest(seed.to_be_bytes()).into();
        SeededRandom { seed, counter: 0, buf: [0; 32], used: 32 }
    }
}

impl Random for SeededRandom {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CmsError> {
        use sha2::Digest;
        for b in out {
            if self.used == 32 {
                let mut h = sha2::Sha256::new();
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.buf = h.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *b = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

/// Lends a [`Random`] to the `rsa` crate as a `TryCryptoRng`.
pub(crate) struct RngAdapter<'a>(pub &'a mut dyn Random);

/// The adapter's error (the message of the [`CmsError`]).
#[derive(Debug)]
pub(crate) struct RngError(String);

impl std::fmt::Display for RngError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RngError {}

impl rsa::rand_core::TryRng for RngAdapter<'_> {
    type Error = RngError;

    fn try_next_u32(&mut self) -> Result<u32, RngError> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RngError> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RngError> {
        self.0.fill(dst).map_err(|e| RngError(e.to_string()))
    }
}

impl rsa::rand_core::TryCryptoRng for RngAdapter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_repeatable_and_distinct() {
        let (mut a, mut b, mut c) = (SeededRandom::new(1), SeededRandom::new(1), SeededRandom::new(2));
        let (mut x, mut y, mut z) = ([0u8; 70], [0u8; 70], [0u8; 70]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y[..10]).unwrap();
        b.fill(&mut y[10..]).unwrap();
        c.fill(&mut z).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, z);
        let mut o = [0u8; 32];
        OsRandom.fill(&mut o).unwrap();
        assert_ne!(o, [0u8; 32]);
    }
}
