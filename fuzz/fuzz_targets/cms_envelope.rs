//! The CMS decoders (src/cms/): any bytes, in pieces of any size, through
//! the RFC 5024 decode pipeline (EnvelopedData for the test recipient →
//! CompressedData with a 1 MiB expansion limit → SignedData against the test
//! signer) or one decoder alone, end in content plus a verdict or an error —
//! never a panic, never more than the expansion limit of output.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::cms::{
    Certificate, CmsError, CompressDecoder, DecodeOptions, Decoder, EnvelopeDecoder, Identity, SeededRandom,
    SignDecoder, Sink, Stage,
};
use std::sync::OnceLock;

const LIMIT: u64 = 1 << 20;

fn bob() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        Identity::from_der(
            include_bytes!("../../src/cms/testdata/bob.crt.der"),
            include_bytes!("../../src/cms/testdata/bob.key.der"),
        )
        .unwrap()
    })
}

fn alice() -> &'static Certificate {
    static C: OnceLock<Certificate> = OnceLock::new();
    C.get_or_init(|| Certificate::from_der(include_bytes!("../../src/cms/testdata/alice.crt.der")).unwrap())
}

struct Count(u64);

impl Sink for Count {
    fn put(&mut self, d: &[u8]) -> Result<(), CmsError> {
        self.0 += d.len() as u64;
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let piece = usize::from(data[1]) * 16 + 1;
    let input = &data[2..];
    let rng = || Box::new(SeededRandom::new(1));
    let mut stage: Box<dyn Stage> = match data[0] % 4 {
        0 => Box::new(Decoder::new(DecodeOptions {
            decrypt: Some((bob().clone(), rng())),
            decompress: Some(LIMIT),
            verify: Some((vec![alice().clone()], data[0] & 0x80 != 0)),
        })),
        1 => Box::new(SignDecoder::new(vec![alice().clone()]).accept_untrusted(data[0] & 0x80 != 0)),
        2 => Box::new(CompressDecoder::new(LIMIT)),
        _ => Box::new(EnvelopeDecoder::new(bob().clone(), rng())),
    };
    let mut out = Count(0);
    let mut failed = false;
    for c in input.chunks(piece) {
        if stage.push(c, &mut out).is_err() {
            failed = true;
            break;
        }
    }
    if !failed {
        let _ = stage.finish(&mut out);
    }
    if data[0] % 4 != 1 && data[0] % 4 != 3 {
        assert!(out.0 <= LIMIT);
    }
});
