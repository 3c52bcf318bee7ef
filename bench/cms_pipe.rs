//! Drives pier's CMS codec (src/cms/) from stdin to stdout for
//! bench/cms_bench.sh: RFC 5024 §6.1's sign → compress → encrypt, or the
//! reverse, in 64 KiB reads, never holding the file.
//!
//!   cms_pipe encode SUITE LEVEL SIGNER.crt.der SIGNER.key.der RECIPIENT.crt.der  < file > file.cms
//!   cms_pipe decode LEVEL SIGNER.crt.der RECIPIENT.crt.der RECIPIENT.key.der   < file.cms > file
//!
//! SUITE is an ODETTE cipher suite code (1..6); LEVEL the zlib level, 0 for
//! no CompressedData layer. Keys are PKCS#8 DER.

use std::io::{Read, Write};

use pier::cms::signed::SignOptions;
use pier::cms::{
    Certificate, CipherSuite, CmsError, DecodeOptions, Decoder, EncodeOptions, Encoder, Identity, OsRandom, Sink, Stage,
};

struct Out<W: Write>(W);

impl<W: Write> Sink for Out<W> {
    fn put(&mut self, d: &[u8]) -> Result<(), CmsError> {
        self.0.write_all(d).map_err(|e| CmsError::Sink(e.to_string()))
    }
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let usage = "usage: cms_pipe encode SUITE LEVEL SIGNER.crt SIGNER.key RECIPIENT.crt | decode LEVEL SIGNER.crt RECIPIENT.crt RECIPIENT.key";
    let mut stage: Box<dyn Stage> = match a.get(1).map(String::as_str) {
        Some("encode") if a.len() == 7 => {
            let suite = CipherSuite::from_code(a[2].parse().expect("suite")).expect("suite 1..6");
            let level: u32 = a[3].parse().expect("level");
            let signer = Identity::from_der(&read(&a[4]), &read(&a[5])).expect("signer");
            let to = Certificate::from_der(&read(&a[6])).expect("recipient");
            let opts = EncodeOptions {
                sign: Some((signer, SignOptions::new(suite.digest()))),
                compress: (level > 0).then_some(level),
                encrypt: Some((vec![to], suite.cipher())),
            };
            Box::new(Encoder::new(opts, Box::new(OsRandom)).expect("encoder"))
        }
        Some("decode") if a.len() == 6 => {
            let level: u32 = a[2].parse().expect("level");
            let signer = Certificate::from_der(&read(&a[3])).expect("signer");
            let me = Identity::from_der(&read(&a[4]), &read(&a[5])).expect("recipient");
            Box::new(Decoder::new(DecodeOptions {
                decrypt: Some((me, Box::new(OsRandom))),
                decompress: (level > 0).then_some(u64::MAX),
                verify: Some((vec![signer], false)),
            }))
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = Out(std::io::BufWriter::with_capacity(64 * 1024, stdout.lock()));
    let mut input = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    let res = (|| {
        loop {
            let n = input.read(&mut buf).map_err(|e| CmsError::Sink(e.to_string()))?;
            if n == 0 {
                break;
            }
            stage.push(&buf[..n], &mut out)?;
        }
        stage.finish(&mut out)
    })();
    if let Err(e) = res {
        eprintln!("cms_pipe: {e}");
        std::process::exit(1);
    }
    out.0.flush().expect("flush");
}
