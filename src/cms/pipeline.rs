//! The RFC 5024 §6.1 order as one streaming encoder and decoder: a file is
//! signed, the SignedData compressed, the CompressedData encrypted (each
//! layer optional, each inner layer a whole ContentInfo carried as the
//! outer layer's id-data content); decoding peels the layers in reverse. A
//! file streams through all stages at once, each holding at most
//! [`MAX_STREAM_MEMORY`](super::MAX_STREAM_MEMORY).

use super::signed::{SignEncoder, SignOptions};
use super::{
    Certificate, CmsError, CompressDecoder, CompressEncoder, ContentCipher, DigestAlg, EnvelopeDecoder,
    EnvelopeEncoder, Identity, Random, SignDecoder, SignerReport, Sink, Stage,
};

/// The layers an [`Encoder`] applies.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Sign as this identity with this digest (RFC 5024 SFIDSEC 02/03).
    pub sign: Option<(Identity, SignOptions)>,
    /// Compress (SFIDCOMP 1) at this zlib level.
    pub compress: Option<u32>,
    /// Encrypt to these certificates with this cipher (SFIDSEC 01/03).
    pub encrypt: Option<(Vec<Certificate>, ContentCipher)>,
}

impl EncodeOptions {
    /// All three layers for one recipient, cipher and digest from a suite.
    pub fn full(signer: Identity, recipient: Certificate, suite: super::CipherSuite) -> Self {
        EncodeOptions {
            sign: Some((signer, SignOptions::new(suite.digest()))),
            compress: Some(6),
            encrypt: Some((vec![recipient], suite.cipher())),
        }
    }
}

/// sign → compress → encrypt, as one [`Stage`].
pub struct Encoder {
    sign: Option<SignEncoder>,
    compress: Option<CompressEncoder>,
    encrypt: Option<EnvelopeEncoder>,
}

impl Encoder {
    /// The encoder for `opts`; `rng` gives the content key, IV and padding
    /// now and is kept for RSA blinding at the end.
    pub fn new(opts: EncodeOptions, mut rng: Box<dyn Random>) -> Result<Self, CmsError> {
        let encrypt = match opts.encrypt {
            Some((to, cipher)) => Some(EnvelopeEncoder::new(&to, cipher, rng.as_mut())?),
            None => None,
        };
        Ok(Encoder {
            sign: opts.sign.map(|(id, o)| SignEncoder::new(id, o, rng)),
            compress: opts.compress.map(CompressEncoder::new),
            encrypt,
        })
    }
}

/// Passes `data` through the optional stages in order, then into `out`.
fn through(stages: &mut [Option<&mut dyn Stage>], data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
    match stages.split_first_mut() {
        None => out.put(data),
        Some((None, rest)) => through(rest, data, out),
        Some((Some(s), rest)) => {
            let mut next = Chained { rest, out };
            s.push(data, &mut next)
        }
    }
}

struct Chained<'a, 'b> {
    rest: &'a mut [Option<&'b mut dyn Stage>],
    out: &'a mut dyn Sink,
}

impl Sink for Chained<'_, '_> {
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError> {
        through(self.rest, data, self.out)
    }
}

/// Finishes the stages in order, each one's trailer flowing through the rest.
fn finish_all(stages: &mut [Option<&mut dyn Stage>], out: &mut dyn Sink) -> Result<(), CmsError> {
    for i in 0..stages.len() {
        let (head, rest) = stages.split_at_mut(i + 1);
        if let Some(s) = head[i].as_mut() {
            let mut next = Chained { rest, out };
            s.finish(&mut next)?;
        }
    }
    Ok(())
}

impl Stage for Encoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        let mut st: [Option<&mut dyn Stage>; 3] = [
            self.sign.as_mut().map(|s| s as &mut dyn Stage),
            self.compress.as_mut().map(|s| s as &mut dyn Stage),
            self.encrypt.as_mut().map(|s| s as &mut dyn Stage),
        ];
        through(&mut st, data, out)
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        let mut st: [Option<&mut dyn Stage>; 3] = [
            self.sign.as_mut().map(|s| s as &mut dyn Stage),
            self.compress.as_mut().map(|s| s as &mut dyn Stage),
            self.encrypt.as_mut().map(|s| s as &mut dyn Stage),
        ];
        finish_all(&mut st, out)
    }
}

/// The layers a [`Decoder`] expects, outside in.
#[derive(Default)]
pub struct DecodeOptions {
    /// Decrypt as this identity (the file is EnvelopedData).
    pub decrypt: Option<(Identity, Box<dyn Random>)>,
    /// Decompress, failing beyond this many output bytes (CompressedData).
    pub decompress: Option<u64>,
    /// Verify against these certificates (SignedData); the flag accepts a
    /// signer whose certificate only the message carries.
    pub verify: Option<(Vec<Certificate>, bool)>,
}

/// What a [`Decoder`] found.
#[derive(Debug, Clone, Default)]
pub struct DecodeReport {
    /// The content-encryption algorithm, when decrypted.
    pub cipher: Option<ContentCipher>,
    /// The signer, when verified.
    pub signer: Option<SignerReport>,
}

/// decrypt → decompress → verify, as one [`Stage`].
pub struct Decoder {
    decrypt: Option<EnvelopeDecoder>,
    decompress: Option<CompressDecoder>,
    verify: Option<SignDecoder>,
}

impl Decoder {
    /// The decoder for `opts`.
    pub fn new(opts: DecodeOptions) -> Self {
        Decoder {
            decrypt: opts.decrypt.map(|(id, rng)| EnvelopeDecoder::new(id, rng)),
            decompress: opts.decompress.map(CompressDecoder::new),
            verify: opts.verify.map(|(certs, untrusted)| SignDecoder::new(certs).accept_untrusted(untrusted)),
        }
    }

    /// After a successful finish: the cipher and the signer.
    pub fn report(&self) -> DecodeReport {
        DecodeReport {
            cipher: self.decrypt.as_ref().and_then(|d| d.cipher()),
            signer: self.verify.as_ref().and_then(|v| v.report().cloned()),
        }
    }

    /// The digest the signer used, once verified.
    pub fn signer_digest(&self) -> Option<DigestAlg> {
        self.verify.as_ref().and_then(|v| v.report()).map(|r| r.digest)
    }
}

impl Stage for Decoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        let mut st: [Option<&mut dyn Stage>; 3] = [
            self.decrypt.as_mut().map(|s| s as &mut dyn Stage),
            self.decompress.as_mut().map(|s| s as &mut dyn Stage),
            self.verify.as_mut().map(|s| s as &mut dyn Stage),
        ];
        through(&mut st, data, out)
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        let mut st: [Option<&mut dyn Stage>; 3] = [
            self.decrypt.as_mut().map(|s| s as &mut dyn Stage),
            self.decompress.as_mut().map(|s| s as &mut dyn Stage),
            self.verify.as_mut().map(|s| s as &mut dyn Stage),
        ];
        finish_all(&mut st, out)
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
