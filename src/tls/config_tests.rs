use super::*;
use crate::tls::cert::store_type::PEM_KEY_BLOB;
use crate::tls::testutil::{ca, leaf};

#[test]
fn defaults_read_back_as_documented() {
    let s = TlsSettings::default();
    assert_eq!(s.get("SSLEnabledProtocols").unwrap(), "15360");
    assert_eq!(s.get("sslenabledciphersuites").unwrap(), "*");
    assert_eq!(s.get("ReuseSSLSession").unwrap(), "False");
    assert_eq!(s.get("SSLEnableRenegotiation").unwrap(), "True");
    assert_eq!(s.get("TLS12SupportedGroups").unwrap(), DEFAULT_TLS12_SUPPORTED_GROUPS);
    assert_eq!(s.get("DefaultConnectionTimeout").unwrap(), "0");
    assert_eq!(s.get("LocalPort"), None, "not an SSL setting");
    assert_eq!(s.versions().len(), 2);
    // The defaults include names rustls lacks (ffdhe, x448...), yet build.
    let groups: Vec<_> = s.kx_groups().unwrap().iter().map(|g| g.name()).collect();
    assert_eq!(groups, vec![rustls::NamedGroup::X25519, rustls::NamedGroup::secp256r1, rustls::NamedGroup::secp384r1]);
    assert_eq!(s.signature_schemes().unwrap(), None, "defaults restrict nothing");
    assert_eq!(s.cipher_suites().unwrap().len(), 9);
}

#[test]
fn enabled_protocols_mask() {
    assert_eq!(parse_protocols("4032").unwrap(), protocols::TLS12, "the reference default keeps TLS1.2 only");
    assert_eq!(parse_protocols("12288").unwrap(), protocols::TLS13);
    assert_eq!(parse_protocols("0x3C00").unwrap(), protocols::DEFAULT);
    assert_eq!(parse_protocols("0x1000").unwrap(), protocols::TLS13, "one bit of a pair enables the version");
    assert_eq!(parse_protocols("192").unwrap_err().code, 910);
    assert_eq!(parse_protocols("960").unwrap_err().code, 910, "TLS1 + TLS1.1 only");
    assert_eq!(parse_protocols("0").unwrap_err().code, 906);
    assert_eq!(parse_protocols("65536").unwrap_err().code, 906);
    assert_eq!(parse_protocols("tls").unwrap_err().code, 906);
    let mut s = TlsSettings::default();
    assert!(s.set("SSLEnabledProtocols", "4032").unwrap());
    assert_eq!(s.get("SSLEnabledProtocols").unwrap(), "3072");
    assert_eq!(s.versions(), vec![&rustls::version::TLS12]);
    assert!(s.set("SSLEnabledProtocols", "48").is_err());
    assert_eq!(s.get("SSLEnabledProtocols").unwrap(), "3072", "a failed set changes nothing");
}

#[test]
fn cipher_suite_lists() {
    let v = parse_cipher_suites("TLS_AES_128_GCM_SHA256; TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384").unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(names::suite_info(v[0]).iana, "TLS_AES_128_GCM_SHA256");
    // Known-but-unsupported names are skipped, unknown ones fail.
    let v = parse_cipher_suites("TLS_RSA_WITH_AES_128_CBC_SHA,TLS_AES_256_GCM_SHA384").unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(parse_cipher_suites("TLS_RSA_WITH_AES_128_CBC_SHA").unwrap_err().code, 910);
    let e = parse_cipher_suites("TLS_AES_128_GCM_SHA256;TLS_NOPE").unwrap_err();
    assert_eq!(e.code, 906);
    assert!(e.text.contains("TLS_NOPE"));
    // Suites of a disabled version leave nothing.
    let mut s = TlsSettings::default();
    s.set("SSLEnabledProtocols", "3072").unwrap();
    s.set("SSLEnabledCipherSuites", "TLS_AES_128_GCM_SHA256").unwrap();
    assert_eq!(s.cipher_suites().unwrap_err().code, 910);
    // SSLCipherStrength drops weaker suites.
    let mut s = TlsSettings::default();
    s.set("SSLCipherStrength", "256").unwrap();
    assert!(s.cipher_suites().unwrap().iter().all(|c| names::suite_info(*c).bits == 256));
}

#[test]
fn groups_and_signature_settings() {
    let mut s = TlsSettings::default();
    s.set("TLS13SupportedGroups", "ecdhe_secp384r1,ffdhe_2048").unwrap();
    s.set("TLS12SupportedGroups", "ecdhe_secp256r1").unwrap();
    let g: Vec<_> = s.kx_groups().unwrap().iter().map(|g| g.name()).collect();
    assert_eq!(g, vec![rustls::NamedGroup::secp384r1, rustls::NamedGroup::secp256r1]);
    assert_eq!(s.set("TLS13SupportedGroups", "ffdhe_2048").unwrap_err().code, 910);
    assert_eq!(s.set("TLS13SupportedGroups", "ecdhe_bogus").unwrap_err().code, 906);
    assert_eq!(s.set("TLS13KeyShareGroups", "nope").unwrap_err().code, 906);
    s.set("TLS13KeyShareGroups", "ecdhe_x448").unwrap();
    s.set("TLS13SignatureAlgorithms", "ecdsa_secp256r1_sha256,ed448").unwrap();
    s.set("TLS12SignatureAlgorithms", "sha384-ecdsa,sha1-dsa").unwrap();
    assert_eq!(
        s.signature_schemes().unwrap().unwrap(),
        vec![SignatureScheme::ECDSA_NISTP256_SHA256, SignatureScheme::ECDSA_NISTP384_SHA384]
    );
    assert_eq!(s.set("TLS13SignatureAlgorithms", "rsa_md5").unwrap_err().code, 906);
}

#[test]
fn other_settings_parse_store_and_refuse() {
    let mut s = TlsSettings::default();
    assert!(s.set("reusesslsession", "yes").unwrap());
    assert_eq!(s.get("ReuseSSLSession").unwrap(), "True");
    assert!(s.set("LogSSLPackets", "maybe").is_err());
    assert!(s.set("DefaultConnectionTimeout", "30").unwrap());
    assert_eq!(s.default_connection_timeout, 30);
    assert_eq!(s.set("SSLNegotiatedCipher", "x").unwrap_err().code, 907);
    assert_eq!(s.set("SSLCheckOCSP", "2").unwrap_err().code, 910);
    assert!(s.set("SSLCheckOCSP", "1").unwrap());
    assert_eq!(s.set("SSLCheckCRL", "3").unwrap_err().code, 906);
    assert!(s.set("OpenSSLCipherList", "DEFAULT").unwrap());
    assert_eq!(s.get("OpenSSLCipherList").unwrap(), "DEFAULT");
    assert!(!s.set("Linger", "True").unwrap(), "not an SSL setting");
    assert_eq!(
        s.set("SSLCACerts", "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----").unwrap_err().code,
        906
    );
    assert_eq!(s.set("SSLCRLs", "not a crl").unwrap_err().code, 906);
    let ca = ca("Cfg CA");
    assert!(s.set("SSLClientCACerts", &ca.pem).unwrap());
    assert_eq!(s.client_cas().unwrap().len(), 1);
}

#[test]
fn server_config_reflects_settings() {
    let ca = ca("Build CA");
    let l = leaf(&ca, "build.example", &["build.example"], false, 1);
    let cert = CertSpec::new(PEM_KEY_BLOB, l.pem_store(""), "*").select().unwrap();
    let mut s = TlsSettings::default();
    let cfg = build_server_config(&s, &cert, false).unwrap();
    assert_eq!(cfg.send_tls13_tickets, 0, "ReuseSSLSession off: no tickets");
    assert!(!cfg.ticketer.enabled());
    assert!(!cfg.session_storage.can_cache());
    s.set("ReuseSSLSession", "True").unwrap();
    let cfg = build_server_config(&s, &cert, true).unwrap();
    assert!(cfg.ticketer.enabled());
    assert!(cfg.session_storage.can_cache());
    // A certificate without its key cannot serve.
    let public = CertSpec::new(crate::tls::cert::store_type::PUBLIC_KEY_BLOB, l.pem.clone(), "*").select().unwrap();
    assert_eq!(build_server_config(&s, &public, false).unwrap_err().code, 273);
    // SSLCheckCRL=2 without CRLs would fail every client: refused up front.
    s.set("SSLCheckCRL", "2").unwrap();
    assert_eq!(build_server_config(&s, &cert, true).unwrap_err().code, 906);
    // An unwritable key log file is a clear file error.
    let mut s = TlsSettings::default();
    s.set("SSLKeyLogFile", "/nonexistent-dir/keys.log").unwrap();
    let e = build_server_config(&s, &cert, false).unwrap_err();
    assert_eq!(e.code, 912);
    assert!(e.text.contains("/nonexistent-dir/keys.log"));
}

#[test]
fn sni_setting_adds_and_removes() {
    let ca = ca("Sni CA");
    let l = leaf(&ca, "sni.example", &["sni.example"], false, 2);
    let mut s = TlsSettings::default();
    assert!(s.set("SSLSNICert[Sni.Example]", &l.pem_store("")).unwrap());
    assert_eq!(s.sni_certs.len(), 1);
    assert_eq!(s.sni_certs[0].0, "sni.example");
    assert_eq!(s.set("SSLSNICert[bad.example]", "garbage").unwrap_err().code, 271);
    assert!(s.set("SSLSNICert[sni.example]", "").unwrap());
    assert!(s.sni_certs.is_empty());
}

#[test]
fn ssl_provider_values() {
    assert!(check_ssl_provider(0).is_ok());
    assert!(check_ssl_provider(2).is_ok());
    assert_eq!(check_ssl_provider(1).unwrap_err().code, 910);
    assert_eq!(check_ssl_provider(3).unwrap_err().code, 906);
}

#[test]
fn context_and_session_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<TlsServerContext>();
    send_sync::<TlsSettings>();
    send::<TlsSession>();
}
