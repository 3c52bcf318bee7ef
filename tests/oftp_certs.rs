//! OFTPServer's certificates (docs/OFTP.md, Certificates): ImportTrustedCerts
//! from TrustedCertsData, TrustedCertCount and TrustedCert<Field>,
//! ValidateCert and ValidateRecipientCert.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use pier::core::value::Value;
use pier::oftp::props::*;
use pier::oftp::OftpServer;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

struct Ca {
    key: KeyPair,
    params: CertificateParams,
    cert: rcgen::Certificate,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(vec![]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.clone().self_signed(&key).unwrap();
    Ca { key, params, cert }
}

/// A leaf of `issuer` valid from `from` to `to` days from now, as a PEM file
/// with its key (`with_key`) or alone.
fn leaf(dir: &Path, file: &str, issuer: &Ca, (from, to): (i64, i64), with_key: bool) -> PathBuf {
    let mut params = CertificateParams::new(vec!["partner.example".into()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, file);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from);
    params.not_after = now + time::Duration::days(to);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &Issuer::new(issuer.params.clone(), &issuer.key)).unwrap();
    let pem = if with_key { format!("{}{}", key.serialize_pem(), cert.pem()) } else { cert.pem() };
    let path = dir.join(file);
    std::fs::write(&path, pem).unwrap();
    path
}

fn server() -> OftpServer {
    let s = OftpServer::new().unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_LOCALPORT, 0, Value::Int(0)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSSIDCODE, 0, Value::text("O0013SERVER")).unwrap();
    s.set(PIER_OFTPSERVER_PROP_SERVERSFIDCODE, 0, Value::text("O0013SERVER")).unwrap();
    s
}

fn use_certificate(s: &OftpServer, path: &Path) {
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORETYPE, 0, Value::Int(99)).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESTORE, 0, Value::Bytes(path.to_str().unwrap().as_bytes().to_vec())).unwrap();
    s.set(PIER_OFTPSERVER_PROP_CERTIFICATESUBJECT, 0, Value::text("*")).unwrap();
}

#[test]
fn trusted_certs_are_imported_and_read_by_position() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-a-{}", std::process::id()));
    let cas = dir.join("cas");
    std::fs::create_dir_all(&cas).unwrap();
    let (one, two) = (ca("CA one"), ca("CA two"));
    std::fs::write(cas.join("1.pem"), one.cert.pem()).unwrap();
    std::fs::write(cas.join("2.der"), two.cert.der()).unwrap();
    let s = server();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0).unwrap().as_i64().unwrap(), 0);
    assert!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, 0).is_err());
    // Nothing named: 691 and TrustedCerts unchanged.
    let e = s.import_trusted_certs().unwrap_err();
    assert_eq!(e.code, 691, "{}", e.text);
    s.config(&format!("TrustedCertsData={}", dir.join("missing.pem").display())).unwrap();
    assert_eq!(s.import_trusted_certs().unwrap_err().code, 691);

    s.config(&format!("TrustedCertsData={}", cas.display())).unwrap();
    s.import_trusted_certs().unwrap();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0).unwrap().as_i64().unwrap(), 2);
    let subject = |i| s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, i).unwrap().into_string();
    assert!(subject(0).contains("CA one") && subject(1).contains("CA two"), "{} / {}", subject(0), subject(1));
    let encoded = s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTENCODED, 1).unwrap().into_bytes();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap(), two.cert.der().to_vec());
    assert!(!s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTPRIVATEKEYAVAILABLE, 0).unwrap().as_bool().unwrap());
    let e = s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, 2).unwrap_err();
    assert!(e.text.contains("TrustedCertCount is 2"), "{}", e.text);
    assert!(s.set(PIER_OFTPSERVER_PROP_TRUSTEDCERTSUBJECT, 0, Value::text("x")).is_err());

    // A bundle replaces them.
    s.config(&format!("TrustedCertsData={}", one.cert.pem())).unwrap();
    s.import_trusted_certs().unwrap();
    assert_eq!(s.get(PIER_OFTPSERVER_PROP_TRUSTEDCERTCOUNT, 0).unwrap().as_i64().unwrap(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn validate_cert_checks_key_dates_and_chain() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-b-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (trusted, other) = (ca("Trusted CA"), ca("Other CA"));
    let s = server();
    let e = s.validate_cert().unwrap_err();
    assert_eq!(e.code, 689, "{}", e.text);

    let good = leaf(&dir, "good.pem", &trusted, (-1, 30), true);
    use_certificate(&s, &good);
    // No TrustedCerts: no chain check.
    s.validate_cert().unwrap();
    s.config(&format!("TrustedCertsData={}", trusted.cert.pem())).unwrap();
    s.import_trusted_certs().unwrap();
    s.validate_cert().unwrap();

    use_certificate(&s, &leaf(&dir, "foreign.pem", &other, (-1, 30), true));
    let e = s.validate_cert().unwrap_err();
    assert_eq!(e.code, 690);
    assert!(e.text.contains("not issued by"), "{}", e.text);
    use_certificate(&s, &leaf(&dir, "expired.pem", &trusted, (-30, -1), true));
    let e = s.validate_cert().unwrap_err();
    assert!(e.code == 690 && e.text.contains("expired"), "{}", e.text);
    use_certificate(&s, &leaf(&dir, "nokey.pem", &trusted, (-1, 30), false));
    let e = s.validate_cert().unwrap_err();
    assert!(e.code == 689 && e.text.contains("private key"), "{}", e.text);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn validate_recipient_cert_checks_the_connection_s_partner_certificate() {
    let dir = std::env::temp_dir().join(format!("pier-oftp-certs-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (trusted, other) = (ca("Trusted CA"), ca("Other CA"));
    let s = server();
    s.start_listening().unwrap();
    let port = s.get(PIER_OFTPSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let t = Instant::now();
    while s.get(PIER_OFTPSERVER_PROP_CONNCOUNT, 0).unwrap().as_i64().unwrap() == 0 {
        assert!(t.elapsed() < Duration::from_secs(5));
        s.do_events().unwrap();
    }
    let id: i32 = s.get(PIER_OFTPSERVER_PROP_CONNCONNECTIONID, 0).unwrap().into_string().parse().unwrap();
    assert_eq!(s.validate_recipient_cert(id + 100).unwrap_err().code, 126);
    let e = s.validate_recipient_cert(id).unwrap_err();
    assert!(e.code == 689 && e.text.contains("ConnRecipientCertStore"), "{}", e.text);

    let partner = |file: &Path| {
        s.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORETYPE, id, Value::Int(99)).unwrap();
        s.set(
            PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSTORE,
            id,
            Value::Bytes(file.to_str().unwrap().as_bytes().to_vec()),
        )
        .unwrap();
        s.set(PIER_OFTPSERVER_PROP_CONNRECIPIENTCERTSUBJECT, id, Value::text("*")).unwrap();
    };
    s.config(&format!("TrustedCertsData={}", trusted.cert.pem())).unwrap();
    s.import_trusted_certs().unwrap();
    partner(&leaf(&dir, "partner.crt", &trusted, (-1, 30), false));
    s.validate_recipient_cert(id).unwrap();
    partner(&leaf(&dir, "stranger.crt", &other, (-1, 30), false));
    assert_eq!(s.validate_recipient_cert(id).unwrap_err().code, 690);
    let _ = std::fs::remove_dir_all(&dir);
}
