use super::store_type::*;
use super::*;
use crate::tls::testutil::{ca, leaf, leaf_with_key, openssl, tmpdir, write};

fn spec(kind: i32, store: impl Into<Vec<u8>>, password: &str, subject: &str) -> CertSpec {
    CertSpec {
        store_type: kind,
        store: store.into(),
        password: password.into(),
        subject: subject.into(),
        encoded: vec![],
    }
}

#[test]
fn pem_key_blob_and_file_select_with_full_subject_and_chain() {
    let ca = ca("Test CA");
    let l = leaf(&ca, "www.server.com", &["www.server.com"], false, 1);
    let blob = l.pem_store(&ca.pem);
    let sel = spec(PEM_KEY_BLOB, blob.clone(), "", "*").select().unwrap();
    assert_eq!(sel.subject, "CN=www.server.com, OU=test, O=Pier Test, C=US");
    assert_eq!(sel.issuer, "CN=Test CA, O=Pier Test");
    assert_eq!(sel.chain.len(), 2, "leaf then its CA from the same PEM");
    assert_eq!(sel.leaf_der(), &l.der[..]);
    assert_eq!(sel.chain[1].as_ref(), &ca.der[..]);
    assert!(sel.has_private_key());
    sel.certified_key().unwrap().keys_match().unwrap();

    let dir = tmpdir();
    let path = write(&dir, "server.pem", &blob);
    let sel = spec(PEM_KEY_FILE, path.to_str().unwrap(), "", "www.server.com").select().unwrap();
    assert_eq!(sel.leaf_der(), &l.der[..]);

    // base64 of the PEM text is a blob form too.
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &blob);
    assert_eq!(spec(PEM_KEY_BLOB, b64, "", "*").select().unwrap().leaf_der(), &l.der[..]);
}

#[test]
fn pkcs1_rsa_sec1_ec_and_encrypted_pkcs8_keys() {
    let ca = ca("Key CA");
    let dir = tmpdir();
    let rsa8 = dir.join("rsa8.pem");
    openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa8.to_str().unwrap()]);
    let rsa1 = dir.join("rsa1.pem");
    openssl(&["pkey", "-in", rsa8.to_str().unwrap(), "-traditional", "-out", rsa1.to_str().unwrap()]);
    let key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(&rsa8).unwrap()).unwrap();
    let l = leaf_with_key(&ca, "rsa.example", &["rsa.example"], false, 2, key);
    let pkcs1 = std::fs::read_to_string(&rsa1).unwrap();
    assert!(pkcs1.contains("BEGIN RSA PRIVATE KEY"));
    let sel = spec(PEM_KEY_BLOB, format!("{pkcs1}{}", l.pem), "", "*").select().unwrap();
    assert_eq!(sel.subject, "CN=rsa.example, OU=test, O=Pier Test, C=US");
    assert!(sel.has_private_key());

    let ec8 = dir.join("ec8.pem");
    openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", ec8.to_str().unwrap()]);
    let sec1 = dir.join("sec1.pem");
    openssl(&["pkey", "-in", ec8.to_str().unwrap(), "-traditional", "-out", sec1.to_str().unwrap()]);
    let sec1_text = std::fs::read_to_string(&sec1).unwrap();
    assert!(sec1_text.contains("BEGIN EC PRIVATE KEY"));
    let key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(&ec8).unwrap()).unwrap();
    let l = leaf_with_key(&ca, "p384.example", &["p384.example"], false, 3, key);
    let sel = spec(PEM_KEY_BLOB, format!("{}{sec1_text}", l.pem), "", "*").select().unwrap();
    assert!(sel.certified_key().unwrap().keys_match().is_ok());

    let enc = dir.join("enc.pem");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        ec8.to_str().unwrap(),
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:s3cret",
        "-out",
        enc.to_str().unwrap(),
    ]);
    let enc_text = std::fs::read_to_string(&enc).unwrap();
    assert!(enc_text.contains("BEGIN ENCRYPTED PRIVATE KEY"));
    let store = format!("{enc_text}{}", l.pem);
    assert!(spec(PEM_KEY_BLOB, store.clone(), "s3cret", "*").select().unwrap().has_private_key());
    assert_eq!(spec(PEM_KEY_BLOB, store, "wrong", "*").select().unwrap_err().code, 273);
}

#[test]
fn ed25519_keys_serve() {
    let ca = ca("Ed CA");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let l = leaf_with_key(&ca, "ed.example", &["ed.example"], false, 4, key);
    let sel = spec(PEM_KEY_BLOB, l.pem_store(""), "", "*").select().unwrap();
    let ck = sel.certified_key().unwrap();
    assert_eq!(ck.key.algorithm(), rustls::SignatureAlgorithm::ED25519);
}

fn make_pfx(extra: &[&str]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ca = ca("PFX CA");
    let l = leaf(&ca, "pfx.example", &["pfx.example"], false, 5);
    let dir = tmpdir();
    let cert = write(&dir, "c.pem", &l.pem);
    let key = write(&dir, "k.pem", &l.key_pem);
    let cas = write(&dir, "ca.pem", &ca.pem);
    let out = dir.join("x.pfx");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        cert.to_str().unwrap(),
        "-inkey",
        key.to_str().unwrap(),
        "-certfile",
        cas.to_str().unwrap(),
        "-passout",
        "pass:pfxpass",
        "-out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    openssl(&args);
    (std::fs::read(&out).unwrap(), l.der, ca.der)
}

#[test]
fn pfx_openssl3_default_aes_right_and_wrong_password() {
    let (pfx, leaf_der, ca_der) = make_pfx(&[]);
    let sel = spec(PFX_BLOB, pfx.clone(), "pfxpass", "*").select().unwrap();
    assert_eq!(sel.leaf_der(), &leaf_der[..]);
    assert_eq!(sel.chain.len(), 2);
    assert_eq!(sel.chain[1].as_ref(), &ca_der[..]);
    assert!(sel.certified_key().is_ok());
    let e = spec(PFX_BLOB, pfx.clone(), "nope", "*").select().unwrap_err();
    assert_eq!(e.code, 273, "{e}");
    assert!(e.text.contains("password"), "{e}");

    let dir = tmpdir();
    let p = write(&dir, "s.pfx", &pfx);
    assert_eq!(
        spec(PFX_FILE, p.to_str().unwrap(), "pfxpass", "pfx.example").select().unwrap().leaf_der(),
        &leaf_der[..]
    );
    // Base64 blob.
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pfx);
    assert!(spec(PFX_BLOB, b64, "pfxpass", "*").select().is_ok());
}

#[test]
fn pfx_legacy_3des_and_rc2() {
    let (pfx, leaf_der, _) = make_pfx(&["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"]);
    assert_eq!(spec(PFX_BLOB, pfx.clone(), "pfxpass", "*").select().unwrap().leaf_der(), &leaf_der[..]);
    assert_eq!(spec(PFX_BLOB, pfx, "bad", "*").select().unwrap_err().code, 273);
    let (pfx, leaf_der, _) = make_pfx(&["-legacy"]);
    assert_eq!(spec(PFX_BLOB, pfx, "pfxpass", "*").select().unwrap().leaf_der(), &leaf_der[..]);
}

#[test]
fn p7b_chain_der_and_pem_has_no_key() {
    let ca = ca("P7B CA");
    let l = leaf(&ca, "p7b.example", &["p7b.example"], false, 6);
    let dir = tmpdir();
    let chain = write(&dir, "chain.pem", format!("{}{}", l.pem, ca.pem));
    let der = dir.join("x.p7b");
    openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        chain.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        der.to_str().unwrap(),
    ]);
    let pem = dir.join("x.p7b.pem");
    openssl(&["crl2pkcs7", "-nocrl", "-certfile", chain.to_str().unwrap(), "-out", pem.to_str().unwrap()]);

    let store = CertStore::open(P7B_FILE, der.to_str().unwrap().as_bytes(), "").unwrap();
    assert_eq!(store.entries.len(), 2);
    assert!(store.entries.iter().all(|e| e.key.is_none()));
    let sel = spec(P7B_FILE, der.to_str().unwrap(), "", "p7b.example").select().unwrap();
    assert_eq!(sel.chain.len(), 2, "leaf plus its issuer from the bundle");
    assert_eq!(sel.certified_key().unwrap_err().code, 273, "a P7B holds no key");
    let sel = spec(P7B_BLOB, std::fs::read(&pem).unwrap(), "", "P7B CA").select().unwrap();
    assert_eq!(sel.leaf_der(), &ca.der[..]);
    assert_eq!(spec(P7B_BLOB, l.pem.clone(), "", "*").select().unwrap_err().code, 271);
}

#[test]
fn public_key_store_pem_and_der() {
    let ca = ca("Pub CA");
    let sel = spec(PUBLIC_KEY_BLOB, ca.pem.clone(), "", "*").select().unwrap();
    assert_eq!(sel.subject, "CN=Pub CA, O=Pier Test");
    assert!(!sel.has_private_key());
    let sel = spec(PUBLIC_KEY_BLOB, ca.der.clone(), "", "*").select().unwrap();
    assert_eq!(sel.leaf_der(), &ca.der[..]);
}

#[test]
fn auto_detect_pem_der_pfx_p7b_and_paths() {
    let (pfx, pfx_leaf, _) = make_pfx(&[]);
    assert_eq!(spec(AUTO, pfx.clone(), "pfxpass", "*").select().unwrap().leaf_der(), &pfx_leaf[..]);
    let ca = ca("Auto CA");
    let l = leaf(&ca, "auto.example", &["auto.example"], false, 7);
    let sel = spec(AUTO, l.pem_store(""), "", "*").select().unwrap();
    assert!(sel.has_private_key());
    let sel = spec(AUTO, l.der.clone(), "", "*").select().unwrap();
    assert!(!sel.has_private_key());
    assert_eq!(sel.leaf_der(), &l.der[..]);
    let dir = tmpdir();
    let chain = write(&dir, "chain.pem", format!("{}{}", l.pem, ca.pem));
    let p7b = dir.join("x.p7b");
    openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        chain.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        p7b.to_str().unwrap(),
    ]);
    assert_eq!(CertStore::open(AUTO, &std::fs::read(&p7b).unwrap(), "").unwrap().entries.len(), 2);
    // A path names a file for the auto type.
    let p = write(&dir, "s.pfx", &pfx);
    assert_eq!(spec(AUTO, p.to_str().unwrap(), "pfxpass", "*").select().unwrap().leaf_der(), &pfx_leaf[..]);
    let e = spec(AUTO, "this is not a certificate", "", "*").select().unwrap_err();
    assert_eq!(e.code, 271, "{e}");
}

#[test]
fn subject_exact_then_substring_then_star_and_no_match() {
    let ca = ca("Sel CA");
    let a = leaf(&ca, "alpha.example.com", &["alpha.example.com"], false, 8);
    let b = leaf(&ca, "alpha.example", &["alpha.example"], false, 9);
    // Public store holding both (a first): exact must beat substring.
    let store = format!("{}{}", a.pem, b.pem);
    let pick = |s: &str| spec(PUBLIC_KEY_BLOB, store.clone(), "", s).select().map(|c| c.leaf_der().to_vec());
    assert_eq!(pick("CN=alpha.example, OU=test, O=Pier Test, C=US").unwrap(), b.der, "exact match");
    assert_eq!(pick("c=US,o=pier test,ou=test,cn=ALPHA.EXAMPLE").unwrap(), b.der, "DER order, any case/spacing");
    assert_eq!(pick("CN=alpha.example").unwrap(), a.der, "substring: first subject containing it");
    assert_eq!(pick("example.com").unwrap(), a.der);
    assert_eq!(pick("*").unwrap(), a.der);
    assert_eq!(pick("CN=gamma").unwrap_err().code, 272);
    assert_eq!(pick("").unwrap_err().code, 272);
}

#[test]
fn key_that_does_not_match_the_certificate_fails_273() {
    let ca = ca("Mismatch CA");
    let l = leaf(&ca, "m.example", &["m.example"], false, 10);
    let other = rcgen::KeyPair::generate().unwrap();
    let e = spec(PEM_KEY_BLOB, format!("{}{}", other.serialize_pem(), l.pem), "", "*").select().unwrap_err();
    assert_eq!(e.code, 273, "{e}");
    assert!(e.text.contains("does not match"), "{e}");
}

#[test]
fn encoded_selects_the_matching_entry_or_stands_alone() {
    let ca = ca("Enc CA");
    let a = leaf(&ca, "a.example", &["a.example"], false, 11);
    let b = leaf(&ca, "b.example", &["b.example"], false, 12);
    let (pfx, pfx_leaf, _) = make_pfx(&[]);
    let mut s = spec(PFX_BLOB, pfx.clone(), "pfxpass", "");
    s.encoded = pem::encode("CERTIFICATE", &pfx_leaf).into_bytes();
    let sel = s.select().unwrap();
    assert!(sel.has_private_key());
    assert_eq!(sel.subject, "CN=pfx.example, OU=test, O=Pier Test, C=US");
    s.encoded = a.pem.clone().into_bytes();
    assert_eq!(s.select().unwrap_err().code, 272, "not in the store");
    // No store: the encoded data is the certificate (here with its key).
    let alone = CertSpec { encoded: b.pem_store("").into_bytes(), ..Default::default() };
    let sel = alone.select().unwrap();
    assert_eq!(sel.leaf_der(), &b.der[..]);
    assert!(sel.has_private_key());
}

#[test]
fn unsupported_store_types_and_bad_stores() {
    for t in [USER, MACHINE, JKS_FILE, JKS_BLOB, BCFKS_FILE, BCFKS_BLOB, PPK_FILE, PKCS11] {
        let e = spec(t, "MY", "", "*").select().unwrap_err();
        assert_eq!(e.code, 910, "{t}: {e}");
        assert!(e.text.contains(name(t)), "{e}");
    }
    assert_eq!(spec(42, "x", "", "*").select().unwrap_err().code, 906);
    let e = spec(PEM_KEY_FILE, "/nonexistent/pier.pem", "", "*").select().unwrap_err();
    assert_eq!(e.code, 271);
    assert!(e.text.contains("/nonexistent/pier.pem"), "{e}");
    assert_eq!(spec(PFX_BLOB, "garbage!", "", "*").select().unwrap_err().code, 271);
    let key_only = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let e = spec(PEM_KEY_BLOB, key_only, "", "*").select().unwrap_err();
    assert_eq!(e.code, 272);
    assert!(e.text.contains("no certificate"), "{e}");
}

#[test]
fn subject_text_uses_s_and_e_and_quotes_commas() {
    use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};
    let mut p = CertificateParams::new(vec!["x.example".to_string()]).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CountryName, "US");
    p.distinguished_name.push(DnType::StateOrProvinceName, "NC");
    p.distinguished_name.push(DnType::OrganizationName, "Acme, Inc.");
    p.distinguished_name.push(DnType::CommonName, "x.example");
    p.distinguished_name.push(
        DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
        DnValue::Ia5String("admin@x.example".try_into().unwrap()),
    );
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    let store = format!("{}{}", key.serialize_pem(), cert.pem());
    let sel = spec(PEM_KEY_BLOB, store.clone(), "", "*").select().unwrap();
    let want = "E=admin@x.example, CN=x.example, O=\"Acme, Inc.\", S=NC, C=US";
    assert_eq!(sel.subject, want);
    assert_eq!(spec(PEM_KEY_BLOB, store.clone(), "", want).select().unwrap().subject, want);
    let alt = "C=US, ST=NC, O=\"Acme, Inc.\", CN=x.example, emailAddress=admin@x.example";
    assert_eq!(spec(PEM_KEY_BLOB, store, "", alt).select().unwrap().subject, want, "exact in DER order");
}
