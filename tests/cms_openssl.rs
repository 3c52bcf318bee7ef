//! Interop of pier's CMS codec (src/cms/) with OpenSSL's `openssl cms`, both
//! directions: what pier signs verifies with `openssl cms -verify`, what it
//! encrypts decrypts with `openssl cms -decrypt` (3DES, AES-128/192/256;
//! SHA-1/256/512), and what `openssl cms -sign` / `-encrypt` writes (DER,
//! with and without `-stream`, enveloping and detached) pier decodes and
//! verifies — also a file of several MiB pushed in small pieces. Debian's
//! openssl has no zlib, so CompressedData is checked against Python's
//! `asn1crypto` + `zlib` in both directions. Keys and certificates are made
//! with `openssl req -x509` in a temporary directory at test time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pier::cms::{
    run_to_vec, verify_detached, Certificate, CipherSuite, CmsError, CompressDecoder, CompressEncoder, ContentCipher,
    DecodeOptions, Decoder, DigestAlg, EncodeOptions, Encoder, EnvelopeDecoder, EnvelopeEncoder, Identity, OsRandom,
    Random, SeededRandom, SignDecoder, SignEncoder, SignOptions, Sink, Stage,
};

struct Party {
    cert_pem: PathBuf,
    key_pem: PathBuf,
    id: Identity,
}

struct Fixture {
    dir: PathBuf,
    alice: Party,
    bob: Party,
    eve: Party,
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (apt-get install openssl python3)"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn openssl(args: &[&str]) -> Vec<u8> {
    run(Command::new("openssl").args(args))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn party(dir: &Path, name: &str) -> Party {
    let cert_pem = dir.join(format!("{name}.crt.pem"));
    let key_pem = dir.join(format!("{name}.key.pem"));
    let (cder, kder) = (dir.join(format!("{name}.crt.der")), dir.join(format!("{name}.key.der")));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        p(&key_pem),
        "-out",
        p(&cert_pem),
        "-days",
        "2",
        "-subj",
        &format!("/CN={name}/O=pier cms interop"),
    ]);
    openssl(&["x509", "-in", p(&cert_pem), "-outform", "DER", "-out", p(&cder)]);
    openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", p(&key_pem), "-outform", "DER", "-out", p(&kder)]);
    let id = Identity::from_der(&std::fs::read(&cder).unwrap(), &std::fs::read(&kder).unwrap()).unwrap();
    Party { cert_pem, key_pem, id }
}

fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pier-cms-openssl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fixture { alice: party(&dir, "alice"), bob: party(&dir, "bob"), eve: party(&dir, "eve"), dir }
    })
}

/// A fresh file name in the fixture directory.
fn tmp(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    fx().dir.join(format!("{}-{name}", N.fetch_add(1, Ordering::Relaxed)))
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SeededRandom::new(seed).fill(&mut v).unwrap();
    v
}

/// Pushes `input` into `stage` in pieces of `piece` bytes.
fn stream(stage: &mut dyn Stage, input: &[u8], piece: usize) -> Result<Vec<u8>, CmsError> {
    let mut out = Vec::new();
    for c in input.chunks(piece) {
        stage.push(c, &mut out)?;
    }
    stage.finish(&mut out)?;
    Ok(out)
}

fn md_name(d: DigestAlg) -> &'static str {
    match d {
        DigestAlg::Sha1 => "sha1",
        DigestAlg::Sha256 => "sha256",
        DigestAlg::Sha512 => "sha512",
    }
}

const DIGESTS: [DigestAlg; 3] = [DigestAlg::Sha1, DigestAlg::Sha256, DigestAlg::Sha512];

#[test]
fn pier_signed_data_verifies_with_openssl() {
    let f = fx();
    let msg = data(100_000, 1);
    for d in DIGESTS {
        let mut e = SignEncoder::new(f.alice.id.clone(), SignOptions::new(d), Box::new(OsRandom));
        let signed = stream(&mut e, &msg, 1000).unwrap();
        let (inp, out) = (tmp("signed.der"), tmp("content.bin"));
        std::fs::write(&inp, &signed).unwrap();
        openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            p(&inp),
            "-CAfile",
            p(&f.alice.cert_pem),
            "-out",
            p(&out),
        ]);
        assert_eq!(std::fs::read(&out).unwrap(), msg, "{d:?}");
        let printed =
            String::from_utf8(openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", p(&inp)])).unwrap();
        assert!(printed.contains(md_name(d)), "{d:?} digest in {printed}");
        // A CA that did not issue alice's certificate: openssl refuses.
        let st = Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                p(&inp),
                "-CAfile",
                p(&f.bob.cert_pem),
                "-out",
                "/dev/null",
            ])
            .output()
            .unwrap();
        assert!(!st.status.success());
    }
}

#[test]
fn pier_detached_signature_verifies_with_openssl() {
    let f = fx();
    let msg = b"EERPDSN EERPDATE EERPTIME EERPDEST EERPORIG EERPHSH";
    for d in DIGESTS {
        let sig = pier::cms::sign_detached(&f.alice.id, d, msg, Some(1_796_692_994), Box::new(OsRandom)).unwrap();
        let (s, c) = (tmp("sig.der"), tmp("data.bin"));
        std::fs::write(&s, &sig).unwrap();
        std::fs::write(&c, msg).unwrap();
        openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            p(&s),
            "-content",
            p(&c),
            "-CAfile",
            p(&f.alice.cert_pem),
            "-out",
            "/dev/null",
        ]);
        let printed =
            String::from_utf8(openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", p(&s)])).unwrap();
        assert!(printed.contains("signingTime"), "{printed}");
        assert!(printed.contains("UTCTIME:Dec  8 01:23:14 2026 GMT"), "{printed}");
    }
}

#[test]
fn pier_enveloped_data_decrypts_with_openssl() {
    let f = fx();
    let msg = data(70_001, 2);
    for c in ContentCipher::ALL {
        let mut e = EnvelopeEncoder::new(&[f.alice.id.cert.clone(), f.bob.id.cert.clone()], c, &mut OsRandom).unwrap();
        let enc = stream(&mut e, &msg, 999).unwrap();
        let (inp, out) = (tmp("enc.der"), tmp("dec.bin"));
        std::fs::write(&inp, &enc).unwrap();
        for who in [&f.alice, &f.bob] {
            openssl(&[
                "cms",
                "-decrypt",
                "-binary",
                "-inform",
                "DER",
                "-in",
                p(&inp),
                "-recip",
                p(&who.cert_pem),
                "-inkey",
                p(&who.key_pem),
                "-out",
                p(&out),
            ]);
            assert_eq!(std::fs::read(&out).unwrap(), msg, "{c:?}");
        }
        let printed =
            String::from_utf8(openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", p(&inp)])).unwrap();
        let name = match c {
            ContentCipher::Des3Cbc => "des-ede3-cbc",
            ContentCipher::Aes128Cbc => "aes-128-cbc",
            ContentCipher::Aes192Cbc => "aes-192-cbc",
            ContentCipher::Aes256Cbc => "aes-256-cbc",
        };
        assert!(printed.contains(name), "{c:?}: {printed}");
    }
}

fn openssl_sign(msg_file: &Path, d: DigestAlg, extra: &[&str]) -> Vec<u8> {
    let f = fx();
    let out = tmp("ossl-signed.der");
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-in",
        p(msg_file),
        "-signer",
        p(&f.alice.cert_pem),
        "-inkey",
        p(&f.alice.key_pem),
        "-md",
        md_name(d),
        "-outform",
        "DER",
        "-out",
        p(&out),
    ];
    args.extend_from_slice(extra);
    openssl(&args);
    std::fs::read(&out).unwrap()
}

#[test]
fn openssl_signed_data_verifies_with_pier() {
    let f = fx();
    let msg = data(50_000, 3);
    let mf = tmp("msg.bin");
    std::fs::write(&mf, &msg).unwrap();
    for d in DIGESTS {
        for extra in [&["-nodetach"][..], &["-nodetach", "-stream"][..]] {
            let signed = openssl_sign(&mf, d, extra);
            if extra.contains(&"-stream") {
                assert_eq!(&signed[..2], [0x30, 0x80], "-stream writes indefinite lengths");
            }
            for piece in [1, 7, 4096, signed.len()] {
                let mut dec = SignDecoder::new(vec![f.alice.id.cert.clone()]);
                assert_eq!(stream(&mut dec, &signed, piece).unwrap(), msg, "{d:?} {extra:?} piece {piece}");
                let r = dec.report().unwrap();
                assert_eq!(r.digest, d);
                assert!(r.trusted);
                assert_eq!(r.signer, f.alice.id.cert);
            }
            let mut dec = SignDecoder::new(vec![f.bob.id.cert.clone()]);
            assert_eq!(stream(&mut dec, &signed, 4096).err(), Some(CmsError::UnknownSigner));
            let mut forged = signed.clone();
            let at = forged.windows(64).position(|w| w == &msg[1000..1064]).unwrap();
            forged[at] ^= 0x80;
            let mut dec = SignDecoder::new(vec![f.alice.id.cert.clone()]);
            assert_eq!(stream(&mut dec, &forged, 4096).err(), Some(CmsError::DigestMismatch));
        }
        // Detached (openssl's default without -nodetach).
        let sig = openssl_sign(&mf, d, &[]);
        let r = verify_detached(&msg, &sig, std::slice::from_ref(&f.alice.id.cert)).unwrap();
        assert_eq!(r.digest, d);
        assert_eq!(
            verify_detached(&msg[1..], &sig, std::slice::from_ref(&f.alice.id.cert)).err(),
            Some(CmsError::DigestMismatch)
        );
        // Without the certificate in the message, the trusted list names the signer.
        let bare = openssl_sign(&mf, d, &["-nodetach", "-nocerts"]);
        let mut dec = SignDecoder::new(vec![f.eve.id.cert.clone(), f.alice.id.cert.clone()]);
        assert_eq!(stream(&mut dec, &bare, 333).unwrap(), msg);
    }
}

fn openssl_encrypt(msg_file: &Path, cipher: &str, stream_flag: bool, to: &[&Party]) -> Vec<u8> {
    let out = tmp("ossl-enc.der");
    let mut args = vec!["cms", "-encrypt", "-binary", "-in", p(msg_file), "-outform", "DER", "-out", p(&out), cipher];
    if stream_flag {
        args.push("-stream");
    }
    for t in to {
        args.push(p(&t.cert_pem));
    }
    openssl(&args);
    std::fs::read(&out).unwrap()
}

#[test]
fn openssl_enveloped_data_decrypts_with_pier() {
    let f = fx();
    let msg = data(40_000, 4);
    let mf = tmp("msg.bin");
    std::fs::write(&mf, &msg).unwrap();
    let ciphers = [
        ("-des3", ContentCipher::Des3Cbc),
        ("-aes128", ContentCipher::Aes128Cbc),
        ("-aes192", ContentCipher::Aes192Cbc),
        ("-aes256", ContentCipher::Aes256Cbc),
    ];
    for (flag, c) in ciphers {
        for s in [false, true] {
            let enc = openssl_encrypt(&mf, flag, s, &[&f.alice, &f.bob]);
            for piece in [5, 4096, enc.len()] {
                let mut dec = EnvelopeDecoder::new(f.bob.id.clone(), Box::new(OsRandom));
                assert_eq!(stream(&mut dec, &enc, piece).unwrap(), msg, "{flag} stream {s} piece {piece}");
                assert_eq!(dec.cipher(), Some(c));
            }
            let mut dec = EnvelopeDecoder::new(f.eve.id.clone(), Box::new(OsRandom));
            assert_eq!(stream(&mut dec, &enc, 4096).err(), Some(CmsError::NotForRecipient));
        }
    }
}

/// A sink that only counts and hashes (a large content is never kept).
struct Digesting(u64, pier::cms::digest::Hasher);

impl Sink for Digesting {
    fn put(&mut self, d: &[u8]) -> Result<(), CmsError> {
        self.0 += d.len() as u64;
        self.1.update(d);
        Ok(())
    }
}

#[test]
fn several_mib_stream_both_ways_in_small_pieces() {
    let f = fx();
    let msg = data(6 << 20, 5);
    let mf = tmp("big.bin");
    std::fs::write(&mf, &msg).unwrap();
    // OpenSSL: sign (streamed, enveloping), then encrypt the SignedData (streamed).
    let signed = tmp("big.signed.der");
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-stream",
        "-in",
        p(&mf),
        "-signer",
        p(&f.alice.cert_pem),
        "-inkey",
        p(&f.alice.key_pem),
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-out",
        p(&signed),
    ]);
    let enc = openssl_encrypt(&signed, "-aes256", true, &[&f.bob]);
    let mut dec = Decoder::new(DecodeOptions {
        decrypt: Some((f.bob.id.clone(), Box::new(OsRandom))),
        decompress: None,
        verify: Some((vec![f.alice.id.cert.clone()], false)),
    });
    let mut sink = Digesting(0, pier::cms::digest::Hasher::new(DigestAlg::Sha256));
    for c in enc.chunks(1500) {
        dec.push(c, &mut sink).unwrap();
    }
    dec.finish(&mut sink).unwrap();
    assert_eq!(sink.0, msg.len() as u64);
    assert_eq!(sink.1.finish(), DigestAlg::Sha256.digest(&msg));
    let r = dec.report();
    assert_eq!(r.cipher, Some(ContentCipher::Aes256Cbc));
    assert_eq!(r.signer.unwrap().signer, f.alice.id.cert);

    // pier: sign + encrypt (suite 04 without compression, which openssl lacks), in 1 KiB pushes.
    let opts = EncodeOptions {
        sign: Some((f.alice.id.clone(), SignOptions::new(CipherSuite::S04.digest()))),
        compress: None,
        encrypt: Some((vec![f.bob.id.cert.clone()], CipherSuite::S04.cipher())),
    };
    let mut e = Encoder::new(opts, Box::new(OsRandom)).unwrap();
    let wire = stream(&mut e, &msg, 1024).unwrap();
    let (w, inner, out) = (tmp("pier-big.der"), tmp("pier-big.signed.der"), tmp("pier-big.out"));
    std::fs::write(&w, &wire).unwrap();
    openssl(&[
        "cms",
        "-decrypt",
        "-binary",
        "-inform",
        "DER",
        "-in",
        p(&w),
        "-recip",
        p(&f.bob.cert_pem),
        "-inkey",
        p(&f.bob.key_pem),
        "-out",
        p(&inner),
    ]);
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        p(&inner),
        "-CAfile",
        p(&f.alice.cert_pem),
        "-out",
        p(&out),
    ]);
    assert!(std::fs::read(&out).unwrap() == msg);
    // The MiB-sized files go now (the small ones stay in the fixture directory).
    for big in [&mf, &signed, &w, &inner, &out] {
        let _ = std::fs::remove_file(big);
    }
}

fn python(script: &str, args: &[&str]) -> Vec<u8> {
    let ok = Command::new("python3").args(["-c", "import asn1crypto"]).status().map(|s| s.success()).unwrap_or(false);
    if !ok {
        // The test's own setup: asn1crypto from PyPI when the system lacks it.
        let _ = Command::new("python3").args(["-m", "pip", "install", "--quiet", "asn1crypto"]).status();
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--break-system-packages", "asn1crypto"])
            .status();
    }
    run(Command::new("python3").arg("-c").arg(script).args(args))
}

const PY_DECODE: &str = r#"
import sys, zlib
from asn1crypto import cms
ci = cms.ContentInfo.load(open(sys.argv[1], 'rb').read())
assert ci['content_type'].native == 'compressed_data', ci['content_type'].native
cd = ci['content']
assert cd['version'].native == 'v0'
assert cd['compression_algorithm']['algorithm'].native == 'zlib'
eci = cd['encap_content_info']
assert eci['content_type'].native == 'data'
open(sys.argv[2], 'wb').write(zlib.decompress(eci['content'].native))
"#;

const PY_ENCODE: &str = r#"
import sys, zlib
from asn1crypto import cms
data = open(sys.argv[1], 'rb').read()
ci = cms.ContentInfo({
    'content_type': 'compressed_data',
    'content': cms.CompressedData({
        'version': 'v0',
        'compression_algorithm': {'algorithm': 'zlib'},
        'encap_content_info': {'content_type': 'data', 'content': zlib.compress(data, 9)},
    }),
})
open(sys.argv[2], 'wb').write(ci.dump())
"#;

#[test]
fn compressed_data_against_python_asn1crypto() {
    let msg: Vec<u8> = b"ODETTE file compression, RFC 3274 zlib. ".repeat(20_000);
    // pier -> Python.
    let mut e = CompressEncoder::default();
    let c = stream(&mut e, &msg, 3000).unwrap();
    assert!(c.len() < msg.len() / 10);
    let (cf, out) = (tmp("pier.cmpr.der"), tmp("py.out"));
    std::fs::write(&cf, &c).unwrap();
    python(PY_DECODE, &[p(&cf), p(&out)]);
    assert!(std::fs::read(&out).unwrap() == msg);
    // Python -> pier.
    let (mf, pf) = (tmp("msg.bin"), tmp("py.cmpr.der"));
    std::fs::write(&mf, &msg).unwrap();
    python(PY_ENCODE, &[p(&mf), p(&pf)]);
    let py = std::fs::read(&pf).unwrap();
    for piece in [1, 100, py.len()] {
        let mut d = CompressDecoder::new(msg.len() as u64);
        assert!(stream(&mut d, &py, piece).unwrap() == msg, "piece {piece}");
    }
    let mut d = CompressDecoder::new(1000);
    assert_eq!(run_to_vec(&mut d, &py).err(), Some(CmsError::ExpansionLimit(1000)));
}

#[test]
fn full_pipeline_layers_check_against_both_tools() {
    // pier's sign -> compress -> encrypt: openssl decrypts the outer layer,
    // Python inflates the middle one, openssl verifies the inner SignedData.
    let f = fx();
    let msg = data(300_000, 6);
    let mut e = Encoder::new(
        EncodeOptions::full(f.alice.id.clone(), f.bob.id.cert.clone(), CipherSuite::S06),
        Box::new(OsRandom),
    )
    .unwrap();
    let wire = stream(&mut e, &msg, 4096).unwrap();
    let (w, compressed, signed, out) = (tmp("full.der"), tmp("full.cmpr"), tmp("full.signed"), tmp("full.out"));
    std::fs::write(&w, &wire).unwrap();
    openssl(&[
        "cms",
        "-decrypt",
        "-binary",
        "-inform",
        "DER",
        "-in",
        p(&w),
        "-recip",
        p(&f.bob.cert_pem),
        "-inkey",
        p(&f.bob.key_pem),
        "-out",
        p(&compressed),
    ]);
    python(PY_DECODE, &[p(&compressed), p(&signed)]);
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        p(&signed),
        "-CAfile",
        p(&f.alice.cert_pem),
        "-out",
        p(&out),
    ]);
    assert!(std::fs::read(&out).unwrap() == msg);
    // And back through pier's decoder.
    let mut d = Decoder::new(DecodeOptions {
        decrypt: Some((f.bob.id.clone(), Box::new(OsRandom))),
        decompress: Some(1 << 30),
        verify: Some((vec![f.alice.id.cert.clone()], false)),
    });
    assert!(stream(&mut d, &wire, 777).unwrap() == msg);
    assert_eq!(d.report().signer.unwrap().digest, DigestAlg::Sha512);
    let _ = Certificate::from_der(f.eve.id.cert.der()).unwrap();
}
