//! Content-encryption algorithms of EnvelopedData (RFC 5652 §6.3): des-ede3-cbc
//! (RFC 3370 §5.1, RFC 5024 §10's 3DES_EDE_CBC_3KEY) and AES-CBC (RFC 3565 §4.1),
//! with PKCS#7 padding (RFC 5652 §6.3), as streaming transforms that hold at
//! most one block between calls and work in pieces of [`CHUNK`](super::CHUNK).

use super::error::{garbled, CmsError};
use super::{oid, Sink, CHUNK};
use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

/// A content-encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentCipher {
    /// des-ede3-cbc: three-key triple DES, 8-byte IV.
    Des3Cbc,
    /// AES-128-CBC.
    Aes128Cbc,
    /// AES-192-CBC.
    Aes192Cbc,
    /// AES-256-CBC (RFC 5024 suite 02).
    Aes256Cbc,
}

impl ContentCipher {
    /// Every algorithm.
    pub const ALL: [ContentCipher; 4] =
        [ContentCipher::Des3Cbc, ContentCipher::Aes128Cbc, ContentCipher::Aes192Cbc, ContentCipher::Aes256Cbc];

    /// The AlgorithmIdentifier OID.
    pub fn oid(self) -> &'static [u8] {
        match self {
            ContentCipher::Des3Cbc => oid::DES_EDE3_CBC,
            ContentCipher::Aes128Cbc => oid::AES128_CBC,
            ContentCipher::Aes192Cbc => oid::AES192_CBC,
            ContentCipher::Aes256Cbc => oid::AES256_CBC,
        }
    }

    /// The algorithm for an OID, if supported.
    pub fn from_oid(o: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.oid() == o)
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ContentCipher::Des3Cbc => 24,
            ContentCipher::Aes128Cbc => 16,
            ContentCipher::Aes192Cbc => 24,
            ContentCipher::Aes256Cbc => 32,
        }
    }

    /// Block (and IV) length in bytes.
    pub fn block_len(self) -> usize {
        match self {
            ContentCipher::Des3Cbc => 8,
            _ => 16,
        }
    }
}

macro_rules! modes {
    ($($name:ident => $c:ty),*) => {
        #[allow(clippy::enum_variant_names)]
        enum Enc { $($name(cbc::Encryptor<$c>)),* }
        #[allow(clippy::enum_variant_names)]
        enum Dec { $($name(cbc::Decryptor<$c>)),* }

        impl Enc {
            fn new(c: ContentCipher, key: &[u8], iv: &[u8]) -> Result<Self, CmsError> {
                let bad = |_| CmsError::DecryptFailed;
                Ok(match c {
                    $(ContentCipher::$name => Enc::$name(cbc::Encryptor::<$c>::new_from_slices(key, iv).map_err(bad)?)),*
                })
            }
            /// Encrypts whole blocks in place.
            fn blocks(&mut self, buf: &mut [u8]) {
                match self {
                    $(Enc::$name(m) => {
                        let (blocks, tail) = InOutBuf::from(buf).into_chunks();
                        debug_assert!(tail.is_empty());
                        m.encrypt_blocks_inout(blocks);
                    })*
                }
            }
        }

        impl Dec {
            fn new(c: ContentCipher, key: &[u8], iv: &[u8]) -> Result<Self, CmsError> {
                let bad = |_| CmsError::DecryptFailed;
                Ok(match c {
                    $(ContentCipher::$name => Dec::$name(cbc::Decryptor::<$c>::new_from_slices(key, iv).map_err(bad)?)),*
                })
            }
            fn blocks(&mut self, buf: &mut [u8]) {
                match self {
                    $(Dec::$name(m) => {
                        let (blocks, tail) = InOutBuf::from(buf).into_chunks();
                        debug_assert!(tail.is_empty());
                        m.decrypt_blocks_inout(blocks);
                    })*
                }
            }
        }
    };
}

modes!(Des3Cbc => des::TdesEde3, Aes128Cbc => aes::Aes128, Aes192Cbc => aes::Aes192, Aes256Cbc => aes::Aes256);

/// Streaming CBC encryption with PKCS#7 padding.
pub struct Encryptor {
    mode: Enc,
    bs: usize,
    buf: Vec<u8>,
}

impl Encryptor {
    /// Encryption with `key` and `iv` (lengths as the algorithm says).
    pub fn new(c: ContentCipher, key: &[u8], iv: &[u8]) -> Result<Self, CmsError> {
        Ok(Encryptor { mode: Enc::new(c, key, iv)?, bs: c.block_len(), buf: Vec::with_capacity(CHUNK + 16) })
    }

    /// Encrypts `data`, writing whole blocks to `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        while !data.is_empty() {
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == CHUNK {
                self.mode.blocks(&mut self.buf);
                out.put(&self.buf)?;
                self.buf.clear();
            }
        }
        Ok(())
    }

    /// Pads (RFC 5652 §6.3) and writes the last blocks.
    pub fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        let pad = self.bs - self.buf.len() % self.bs;
        self.buf.extend(std::iter::repeat_n(pad as u8, pad));
        self.mode.blocks(&mut self.buf);
        out.put(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Streaming CBC decryption that withholds the last block until
/// [`finish`](Self::finish) checks and strips its padding.
pub struct Decryptor {
    mode: Dec,
    bs: usize,
    buf: Vec<u8>,
}

impl Decryptor {
    /// Decryption with `key` and `iv`.
    pub fn new(c: ContentCipher, key: &[u8], iv: &[u8]) -> Result<Self, CmsError> {
        Ok(Decryptor { mode: Dec::new(c, key, iv)?, bs: c.block_len(), buf: Vec::with_capacity(CHUNK + 16) })
    }

    /// Decrypts `data`; all but the last whole block goes to `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        while !data.is_empty() {
            let n = (CHUNK + self.bs - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == CHUNK + self.bs {
                self.mode.blocks(&mut self.buf[..CHUNK]);
                out.put(&self.buf[..CHUNK])?;
                self.buf.drain(..CHUNK);
            }
        }
        Ok(())
    }

    /// Decrypts the rest and checks the padding.
    pub fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        if self.buf.is_empty() || !self.buf.len().is_multiple_of(self.bs) {
            return Err(if self.buf.is_empty() {
                CmsError::DecryptFailed
            } else {
                garbled("encrypted content is not a whole number of blocks")
            });
        }
        self.mode.blocks(&mut self.buf);
        let pad = usize::from(*self.buf.last().unwrap_or(&0));
        let len = self.buf.len();
        if pad == 0 || pad > self.bs || self.buf[len - pad..].iter().any(|&b| usize::from(b) != pad) {
            return Err(CmsError::DecryptFailed);
        }
        out.put(&self.buf[..len - pad])?;
        self.buf.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_cipher_and_split() {
        let msg: Vec<u8> = (0..100u8).collect();
        for c in ContentCipher::ALL {
            let key = vec![7u8; c.key_len()];
            let iv = vec![9u8; c.block_len()];
            let mut ct = Vec::new();
            let mut e = Encryptor::new(c, &key, &iv).unwrap();
            e.push(&msg[..33], &mut ct).unwrap();
            e.push(&msg[33..], &mut ct).unwrap();
            e.finish(&mut ct).unwrap();
            assert_eq!(ct.len(), (100 / c.block_len() + 1) * c.block_len());
            for split in 0..=ct.len() {
                let mut pt = Vec::new();
                let mut d = Decryptor::new(c, &key, &iv).unwrap();
                d.push(&ct[..split], &mut pt).unwrap();
                d.push(&ct[split..], &mut pt).unwrap();
                d.finish(&mut pt).unwrap();
                assert_eq!(pt, msg, "{c:?} split {split}");
            }
            // wrong key: bad padding (or, rarely, wrong plaintext)
            let mut d = Decryptor::new(c, &vec![8u8; c.key_len()], &iv).unwrap();
            let mut pt = Vec::new();
            d.push(&ct, &mut pt).unwrap();
            let r = d.finish(&mut pt);
            assert!(r.is_err() || pt != msg);
            // truncated mid-block
            let mut d = Decryptor::new(c, &key, &iv).unwrap();
            d.push(&ct[..ct.len() - 1], &mut Vec::new()).unwrap();
            assert!(d.finish(&mut Vec::new()).is_err());
        }
    }

    #[test]
    fn aes128_known_answer() {
        // NIST SP 800-38A F.2.1 CBC-AES128.Encrypt, first block.
        let key = [0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c];
        let iv: Vec<u8> = (0..16).collect();
        let pt = [0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a];
        let mut ct = Vec::new();
        let mut e = Encryptor::new(ContentCipher::Aes128Cbc, &key, &iv).unwrap();
        e.push(&pt, &mut ct).unwrap();
        e.finish(&mut ct).unwrap();
        assert_eq!(&ct[..4], [0x76, 0x49, 0xab, 0xac]);
        assert_eq!(ct.len(), 32);
    }
}
