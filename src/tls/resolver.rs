//! Which certificate a handshake uses: the default (SSLCert*), one per host
//! name (SNI, beyond the reference), or one chosen for a single connection in
//! SSLConnectionRequest (reference: "This event provides an opportunity to
//! select an alternative certificate to the connecting client").
//!
//! The default certificate can be swapped at any time (rotation): the swap is
//! one pointer store under a lock, new handshakes use the new certificate, and
//! established connections are untouched because rustls holds the
//! certificate only while it handshakes.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};

/// The default certificate plus certificates by SNI host name.
#[derive(Debug, Default)]
pub struct CertResolver {
    default: RwLock<Option<Arc<CertifiedKey>>>,
    by_host: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl CertResolver {
    pub fn new(default: Option<Arc<CertifiedKey>>) -> Self {
        CertResolver { default: RwLock::new(default), by_host: RwLock::default() }
    }

    /// Replaces the default certificate (rotation); returns the old one.
    pub fn set_default(&self, cert: Arc<CertifiedKey>) -> Option<Arc<CertifiedKey>> {
        self.default.write().replace(cert)
    }

    pub fn default_cert(&self) -> Option<Arc<CertifiedKey>> {
        self.default.read().clone()
    }

    /// Serves `cert` to clients that ask for `host` (exact, case-insensitive;
    /// `*.example.com` serves any single label under example.com). Replaces
    /// an earlier certificate for the same host.
    pub fn add_host(&self, host: &str, cert: Arc<CertifiedKey>) {
        self.by_host.write().insert(normalize(host), cert);
    }

    /// Stops serving a host-specific certificate; true if there was one.
    pub fn remove_host(&self, host: &str) -> bool {
        self.by_host.write().remove(&normalize(host)).is_some()
    }

    /// Host names with their own certificate, sorted.
    pub fn hosts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.by_host.read().keys().cloned().collect();
        v.sort();
        v
    }

    /// The certificate for a ClientHello's server name: the host's own, then a
    /// wildcard one, then the default.
    pub fn lookup(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        if let Some(name) = server_name {
            let name = normalize(name);
            let map = self.by_host.read();
            if let Some(c) = map.get(&name) {
                return Some(c.clone());
            }
            if let Some((_, parent)) = name.split_once('.') {
                if let Some(c) = map.get(&format!("*.{parent}")) {
                    return Some(c.clone());
                }
            }
        }
        self.default_cert()
    }
}

fn normalize(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.lookup(client_hello.server_name())
    }
}

/// One certificate for one connection (SSLConnectionRequest's choice).
#[derive(Debug)]
pub struct FixedCert(pub Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// A signing key that signs only with the schemes TLS12SignatureAlgorithms /
/// TLS13SignatureAlgorithms allow.
#[derive(Debug)]
pub(crate) struct RestrictedKey {
    pub inner: Arc<dyn SigningKey>,
    pub allowed: Vec<SignatureScheme>,
}

impl SigningKey for RestrictedKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let offered: Vec<SignatureScheme> = offered.iter().copied().filter(|s| self.allowed.contains(s)).collect();
        self.inner.choose_scheme(&offered)
    }

    fn public_key(&self) -> Option<rustls::pki_types::SubjectPublicKeyInfoDer<'_>> {
        self.inner.public_key()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
}
