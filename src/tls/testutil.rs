//! Test certificates made at test time (rcgen, and the openssl CLI for PFX,
//! P7B and RSA keys), and an in-memory socket pair. No private key is ever
//! committed.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};

/// A test CA.
pub struct Ca {
    pub issuer: Issuer<'static, KeyPair>,
    pub pem: String,
    pub der: Vec<u8>,
}

/// A certificate and its key.
pub struct Leaf {
    pub pem: String,
    pub der: Vec<u8>,
    /// PKCS#8 PEM.
    pub key_pem: String,
}

impl Leaf {
    /// Key then certificate then `extra` (a CA), as a PEM key store.
    pub fn pem_store(&self, extra: &str) -> String {
        format!("{}{}{}", self.key_pem, self.pem, extra)
    }
}

pub fn ca(cn: &str) -> Ca {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::OrganizationName, "Pier Test");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    Ca { pem: cert.pem(), der: cert.der().to_vec(), issuer: Issuer::new(p, key) }
}

/// An ECDSA P-256 leaf: subject CN=`cn`, OU=test, O=Pier Test, C=US;
/// SANs `sans`; server or client usage; serial `serial`.
pub fn leaf(ca: &Ca, cn: &str, sans: &[&str], client: bool, serial: u8) -> Leaf {
    leaf_with_key(ca, cn, sans, client, serial, KeyPair::generate().unwrap())
}

pub fn leaf_with_key(ca: &Ca, cn: &str, sans: &[&str], client: bool, serial: u8, key: KeyPair) -> Leaf {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CountryName, "US");
    p.distinguished_name.push(DnType::OrganizationName, "Pier Test");
    p.distinguished_name.push(DnType::OrganizationalUnitName, "test");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.serial_number = Some(SerialNumber::from_slice(&[0x10, serial]));
    p.extended_key_usages =
        vec![if client { ExtendedKeyUsagePurpose::ClientAuth } else { ExtendedKeyUsagePurpose::ServerAuth }];
    let cert = p.signed_by(&key, &ca.issuer).unwrap();
    Leaf { pem: cert.pem(), der: cert.der().to_vec(), key_pem: key.serialize_pem() }
}

/// A fresh directory under the system temp dir.
pub fn tmpdir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d =
        std::env::temp_dir().join(format!("pier-tls-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Runs the openssl CLI; panics with its stderr on failure.
pub fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().expect("the openssl CLI runs");
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A byte pipe that says WouldBlock when empty, like a non-blocking socket.
#[derive(Default)]
pub struct Pipe(pub VecDeque<u8>);

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.0.len());
        for (i, b) in self.0.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
