//! CMS (RFC 5652) for ODETTE FTP 2.0 secured files (RFC 5024 §6): a pure,
//! sans-IO, streaming codec for the three content types RFC 5024 §6.1 uses —
//! SignedData (RFC 5652 §5), CompressedData (RFC 3274) and EnvelopedData with
//! key transport (RFC 5652 §6, RSA per RFC 3370 §4.2, AES-CBC per RFC 3565,
//! des-ede3-cbc per RFC 3370 §5.1) — and the cipher suites of RFC 5024 §10.
//!
//! Nothing here touches a socket, a file or a clock: bytes go in with
//! [`Stage::push`], come out through a [`Sink`], and randomness comes from a
//! [`Random`] the caller passes ([`OsRandom`] in production). A stream of any
//! length is handled in memory bounded by [`MAX_STREAM_MEMORY`]: contents are
//! never held, only the small structures around them (certificates, signer and
//! recipient infos), each at most [`MAX_ELEMENT`] bytes and few in number.
//!
//! Layers, inside out: [`ber`] reads BER events from pushed slices, [`write`]
//! writes DER and the indefinite-length form, [`tree`]/[`walk`] turn events
//! into small owned elements or streamed contents; [`signed`], [`compressed`]
//! and [`enveloped`] are one stage each; [`pipeline`] chains them in RFC 5024
//! §6.1's order (sign → compress → encrypt, decoded in reverse).

pub mod ber;
pub mod cert;
pub mod cipher;
pub mod compressed;
pub mod digest;
pub mod enveloped;
pub mod error;
pub mod oid;
pub mod pipeline;
pub mod random;
mod rsasig;
pub mod signed;
pub mod small;
pub mod suite;
pub mod tree;
pub mod verify;
pub mod walk;
pub mod write;

#[cfg(test)]
mod testutil;

pub use cert::{Certificate, Identity};
pub use cipher::ContentCipher;
pub use compressed::{CompressDecoder, CompressEncoder};
pub use digest::DigestAlg;
pub use enveloped::{EnvelopeDecoder, EnvelopeEncoder};
pub use error::CmsError;
pub use pipeline::{DecodeOptions, DecodeReport, Decoder, EncodeOptions, Encoder};
pub use random::{OsRandom, Random, SeededRandom};
pub use signed::{sign_detached, sign_message, SignEncoder, SignOptions};
pub use suite::CipherSuite;
pub use verify::{verify_detached, verify_message, SignDecoder, SignerReport};

/// The largest small structure (one certificate, one SignerInfo, one
/// RecipientInfo, an algorithm identifier) a decoder collects in memory.
pub const MAX_ELEMENT: usize = 64 * 1024;

/// Certificates a SignedData decoder keeps from the `certificates` field
/// (RFC 5652 §5.1); more are skipped, not stored.
pub const MAX_CERTS: usize = 16;

/// SignerInfos a SignedData decoder keeps (RFC 5024 §6.2: "signed more than
/// once" for certificate changeover); more are an error.
pub const MAX_SIGNERS: usize = 8;

/// Contents are written as definite-length OCTET STRING pieces of at most
/// this size inside an indefinite-length constructed OCTET STRING
/// (X.690 §8.7.3.2), and transformed in pieces of at most this size.
pub const CHUNK: usize = 16 * 1024;

/// An upper bound on the memory one stage holds for a stream, whatever the
/// content size: the collected certificates and signer infos, a zlib state
/// (~300 KiB) and the chunk buffers. Three stages of a pipeline stay under
/// three times this.
pub const MAX_STREAM_MEMORY: usize = (MAX_CERTS + MAX_SIGNERS + 4) * MAX_ELEMENT + 512 * 1024;

/// Where a stage writes its output: the next stage, a file, a buffer.
pub trait Sink {
    /// Takes the next bytes of output. An error stops the stage that wrote.
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError>;
}

impl Sink for Vec<u8> {
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError> {
        self.extend_from_slice(data);
        Ok(())
    }
}

/// A [`Sink`] from a closure.
pub struct FnSink<F: FnMut(&[u8]) -> Result<(), CmsError>>(pub F);

impl<F: FnMut(&[u8]) -> Result<(), CmsError>> Sink for FnSink<F> {
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError> {
        (self.0)(data)
    }
}

/// A sink that drops everything (a decoder run only for its verdict).
pub struct Discard;

impl Sink for Discard {
    fn put(&mut self, _: &[u8]) -> Result<(), CmsError> {
        Ok(())
    }
}

/// One streaming transformation: bytes in by [`push`](Stage::push) in pieces
/// of any size, output to the sink as it becomes available, and
/// [`finish`](Stage::finish) once at the end (which writes the trailer, or
/// checks the stream was complete and, for a decoder, verifies it). After an
/// error the stage is unusable.
pub trait Stage {
    /// Feeds the next input bytes.
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError>;
    /// Ends the input.
    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError>;
}

/// A sink that is a stage followed by a sink: what lets stages chain.
pub struct Through<'a> {
    /// The stage the bytes go into.
    pub stage: &'a mut dyn Stage,
    /// Where that stage writes.
    pub out: &'a mut dyn Sink,
}

impl Sink for Through<'_> {
    fn put(&mut self, data: &[u8]) -> Result<(), CmsError> {
        self.stage.push(data, self.out)
    }
}

/// Runs a whole input through a stage into a `Vec` (small inputs and tests).
pub fn run_to_vec(stage: &mut dyn Stage, input: &[u8]) -> Result<Vec<u8>, CmsError> {
    let mut out = Vec::new();
    stage.push(input, &mut out)?;
    stage.finish(&mut out)?;
    Ok(out)
}
