//! Certificate stores from bytes (PEM, DER, PFX/PKCS#12 with a password,
//! encrypted PKCS#8, P7B, auto) and subject selection: errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::tls::cert::{parse_cert_list, CertSpec, CertStore};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    // The blob store types (PFX blob 3, PEM key blob 7, public key blob 9,
    // P7B blob 12, auto 99): never file names, which would touch the disk.
    let kind = [3, 7, 9, 12, 99][sel as usize % 5];
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (password, store) =
        (String::from_utf8_lossy(&rest[..split.min(16)]).into_owned(), &rest[split.min(rest.len())..]);
    let _ = CertStore::open(kind, store, &password);
    let spec = CertSpec { store_type: kind, store: store.to_vec(), password, subject: "*".into(), encoded: Vec::new() };
    let _ = spec.select();
    let _ = parse_cert_list(store);
});
