//! RSA PKCS#1 v1.5 (RFC 8017 §8.2) as CMS uses it: signatures over a digest
//! computed elsewhere (RFC 3370 §3.2) and key transport of the
//! content-encryption key (RFC 3370 §4.2.1).

use super::random::RngAdapter;
use super::{CmsError, DigestAlg, Random};

/// Signs `hash` (a digest of `alg`) with `key`, blinded with `rng`.
pub fn sign(key: &rsa::PrivateKey, alg: DigestAlg, hash: &[u8], rng: &mut dyn Random) -> Result<Vec<u8>, CmsError> {
    let mut r = RngAdapter(rng);
    let res = match alg {
        DigestAlg::Sha1 => key.pkcs1v15_sign_prehash_with_rng::<sha1::Sha1, _>(&mut r, hash),
        DigestAlg::Sha256 => key.pkcs1v15_sign_prehash_with_rng::<sha2::Sha256, _>(&mut r, hash),
        DigestAlg::Sha512 => key.pkcs1v15_sign_prehash_with_rng::<sha2::Sha512, _>(&mut r, hash),
    };
    res.map_err(|e| CmsError::BadKey(format!("RSA signing: {e}")))
}

/// Verifies a signature over `hash` (a digest of `alg`).
pub fn verify(key: &rsa::PublicKey, alg: DigestAlg, hash: &[u8], sig: &[u8]) -> Result<(), CmsError> {
    let res = match alg {
        DigestAlg::Sha1 => key.pkcs1v15_verify_prehash::<sha1::Sha1>(hash, sig),
        DigestAlg::Sha256 => key.pkcs1v15_verify_prehash::<sha2::Sha256>(hash, sig),
        DigestAlg::Sha512 => key.pkcs1v15_verify_prehash::<sha2::Sha512>(hash, sig),
    };
    res.map_err(|_| CmsError::BadSignature)
}

/// Encrypts a content-encryption key to `key`.
pub fn encrypt_key(key: &rsa::PublicKey, cek: &[u8], rng: &mut dyn Random) -> Result<Vec<u8>, CmsError> {
    key.pkcs1v15_encrypt_with_rng(&mut RngAdapter(rng), cek)
        .map_err(|e| CmsError::BadKey(format!("RSA key transport: {e}")))
}

/// Decrypts an encrypted content-encryption key. The `rsa` crate answers a
/// bad padding with a synthetic key (implicit rejection, against
/// Bleichenbacher-style oracles), so a wrong key shows later as
/// [`CmsError::DecryptFailed`] from the content's padding.
pub fn decrypt_key(key: &rsa::PrivateKey, ek: &[u8], rng: &mut dyn Random) -> Result<Vec<u8>, CmsError> {
    key.pkcs1v15_decrypt_with_rng(&mut RngAdapter(rng), ek).map_err(|_| CmsError::DecryptFailed)
}
