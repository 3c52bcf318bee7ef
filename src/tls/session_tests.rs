//! Handshakes between a TlsSession and a rustls client, over in-memory pipes
//! (and once over a real 127.0.0.1 socket).

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, SupportedProtocolVersion};

use super::*;
use crate::tls::cert::store_type::PEM_KEY_BLOB;
use crate::tls::config::TlsSettings;
use crate::tls::testutil::{ca, leaf, tmpdir, Ca, Leaf, Pipe};
use crate::tls::CertSpec;

fn select(l: &Leaf) -> SelectedCert {
    CertSpec::new(PEM_KEY_BLOB, l.pem_store(""), "*").select().unwrap()
}

fn client_config(
    trust: &Ca,
    client_cert: Option<&Leaf>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(trust.der.clone().into()).unwrap();
    let b = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match client_cert {
        Some(l) => {
            let key = PrivateKeyDer::from_pem_slice(l.key_pem.as_bytes()).unwrap();
            b.with_client_auth_cert(vec![l.der.clone().into()], key).unwrap()
        }
        None => b.with_no_client_auth(),
    })
}

const BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

struct Pair {
    server: TlsSession,
    client: ClientConnection,
    c2s: Pipe,
    s2c: Pipe,
}

impl Pair {
    fn new(ctx: &Arc<TlsServerContext>, cfg: Arc<ClientConfig>, sni: &str) -> Pair {
        let name = ServerName::try_from(sni.to_string()).unwrap();
        Pair {
            server: ctx.new_session(),
            client: ClientConnection::new(cfg, name).unwrap(),
            c2s: Pipe::default(),
            s2c: Pipe::default(),
        }
    }

    /// Moves bytes both ways until nothing moves; `on_hello` plays the
    /// application in SSLConnectionRequest. Client errors come back as code 0.
    fn pump(&mut self, on_hello: &mut dyn FnMut(&mut TlsSession) -> Result<Progress>) -> Result<()> {
        for _ in 0..50 {
            let mut moved = false;
            while self.client.wants_write() {
                self.client.write_tls(&mut self.c2s).unwrap();
                moved = true;
            }
            loop {
                match self.server.read_tls_from(&mut self.c2s) {
                    Ok(0) => break,
                    Ok(_) => {
                        moved = true;
                        let p = self.server.process()?;
                        if p.client_hello {
                            on_hello(&mut self.server)?;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            self.server.flush_tls(&mut self.s2c).unwrap();
            while !self.s2c.0.is_empty() {
                moved = true;
                self.client.read_tls(&mut self.s2c).unwrap();
                self.client.process_new_packets().map_err(|e| Error::new(0, format!("client: {e}")))?;
            }
            if !moved {
                return Ok(());
            }
        }
        panic!("the exchange did not settle");
    }

    fn handshake(&mut self) -> Result<()> {
        self.pump(&mut |s| s.accept())?;
        assert_eq!(self.server.state(), TlsState::Established);
        assert!(!self.client.is_handshaking());
        Ok(())
    }

    fn client_to_server(&mut self, data: &[u8]) -> Vec<u8> {
        self.client.writer().write_all(data).unwrap();
        self.pump(&mut |_| unreachable!()).unwrap();
        let mut buf = vec![0u8; 65536];
        let n = self.server.read_plaintext(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    fn server_to_client(&mut self, data: &[u8]) -> Vec<u8> {
        assert_eq!(self.server.write_plaintext(data).unwrap(), data.len());
        self.pump(&mut |_| unreachable!()).unwrap();
        let mut buf = vec![0u8; 65536];
        let n = self.client.reader().read(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    fn served_cert(&self) -> Vec<u8> {
        self.client.peer_certificates().unwrap()[0].as_ref().to_vec()
    }
}

struct Fixture {
    ca: Ca,
    server: Leaf,
}

fn fixture() -> Fixture {
    let ca = ca("Server CA");
    let server = leaf(&ca, "localhost", &["localhost", "default.example"], false, 1);
    Fixture { ca, server }
}

fn context(f: &Fixture, settings: &TlsSettings, client_auth: bool) -> Arc<TlsServerContext> {
    TlsServerContext::new(settings, &select(&f.server), client_auth).unwrap()
}

#[test]
fn tls13_handshake_negotiated_values_data_close_status_and_key_log() {
    let f = fixture();
    let dir = tmpdir();
    let keylog = dir.join("keys.log");
    let mut s = TlsSettings::default();
    s.set("LogSSLPackets", "True").unwrap();
    s.set("SSLKeyLogFile", keylog.to_str().unwrap()).unwrap();
    let ctx = context(&f, &s, false);
    let mut p = Pair::new(&ctx, client_config(&f.ca, None, BOTH), "localhost");
    assert_eq!(p.server.state(), TlsState::AwaitingClientHello);
    p.handshake().unwrap();
    let n = p.server.negotiated().unwrap();
    assert_eq!(n.version, "TLS1.3");
    assert_eq!(n.cipher_suite, "TLS_AES_256_GCM_SHA384");
    assert_eq!((n.cipher.as_str(), n.cipher_strength), ("AES_256_GCM", 256));
    assert_eq!(n.key_exchange, "ECDHE");
    assert_eq!((n.key_exchange_group.as_str(), n.key_exchange_strength), ("ecdhe_x25519", 255));
    assert!(!n.resumed);
    assert_eq!(p.server.server_name(), Some("localhost"));
    assert_eq!(p.served_cert(), f.server.der);

    assert_eq!(p.client_to_server(b"hello"), b"hello");
    assert_eq!(p.server_to_client(b"world"), b"world");

    let status = p.server.take_status();
    let has = |s: &str| status.iter().any(|l| l.contains(s));
    assert!(has("Received ClientHello (server name: localhost)"), "{status:#?}");
    assert!(has("Handshake complete: TLS1.3, TLS_AES_256_GCM_SHA384"), "{status:#?}");
    assert!(has("Received TLS record: handshake (ClientHello)"), "{status:#?}");
    assert!(has("Sent TLS record: handshake (ServerHello)"), "{status:#?}");
    assert!(has("Received TLS record: application_data"), "{status:#?}");

    p.client.send_close_notify();
    p.pump(&mut |_| unreachable!()).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(p.server.read_plaintext(&mut buf).unwrap(), 0, "close_notify reads as end of data");
    assert!(p.server.take_status().iter().any(|l| l == "Received close_notify"));

    let log = std::fs::read_to_string(&keylog).unwrap();
    let line = log.lines().find(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")).expect("NSS key log line");
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[1].len(), 64, "client random, hex");
    assert!(log.lines().any(|l| l.starts_with("SERVER_TRAFFIC_SECRET_0 ")));
}

#[test]
fn tls12_only_and_suite_restriction() {
    let f = fixture();
    let mut s = TlsSettings::default();
    s.set("SSLEnabledProtocols", "4032").unwrap();
    let mut p = Pair::new(&context(&f, &s, false), client_config(&f.ca, None, BOTH), "localhost");
    p.handshake().unwrap();
    let n = p.server.negotiated().unwrap();
    assert_eq!(n.version, "TLS1.2");
    assert_eq!(n.key_exchange, "ECDHE_ECDSA");
    assert!(n.cipher_suite.starts_with("TLS_ECDHE_ECDSA_WITH_"), "{}", n.cipher_suite);

    let mut s = TlsSettings::default();
    s.set("SSLEnabledCipherSuites", "TLS_AES_128_GCM_SHA256").unwrap();
    let mut p = Pair::new(&context(&f, &s, false), client_config(&f.ca, None, BOTH), "localhost");
    p.handshake().unwrap();
    let n = p.server.negotiated().unwrap();
    assert_eq!((n.cipher_suite.as_str(), n.cipher_strength), ("TLS_AES_128_GCM_SHA256", 128));
}

#[test]
fn signature_restriction_applies_to_the_server_key() {
    let f = fixture();
    let mut s = TlsSettings::default();
    s.set("SSLEnabledProtocols", "12288").unwrap();
    s.set("TLS13SignatureAlgorithms", "rsa_pss_sha256").unwrap();
    let mut p = Pair::new(&context(&f, &s, false), client_config(&f.ca, None, BOTH), "localhost");
    let e = p.handshake().unwrap_err();
    assert_eq!(e.code, 276, "an ECDSA key may not sign when only rsa_pss_sha256 is allowed: {e}");
    assert!(e.text.contains("NoSignatureSchemesInCommon"), "{e}");
    assert_eq!(p.server.state(), TlsState::Failed);
}

#[test]
fn garbage_instead_of_client_hello_is_276() {
    let f = fixture();
    let ctx = context(&f, &TlsSettings::default(), false);
    let mut s = ctx.new_session();
    let mut sock = Pipe::default();
    sock.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(s.read_tls_from(&mut sock).unwrap() > 0);
    let e = s.process().unwrap_err();
    assert_eq!(e.code, 276);
    assert!(e.text.starts_with("Error during handshake: "), "{e}");
    assert!(e.text.contains("corrupt message"), "rustls' own words: {e}");
    assert!(e.text.len() > "Error during handshake: ".len() + 5, "rustls says why: {e}");
    assert_eq!(s.state(), TlsState::Failed);
    assert!(s.take_status().iter().any(|l| l == &e.text));
    // The alert (if rustls queued one) drains and the session stays failed.
    let mut out = Pipe::default();
    assert!(s.flush_tls(&mut out).unwrap());
    assert!(!s.wants_write());
    assert_eq!(s.process().unwrap_err().code, 276);
}

#[test]
fn misuse_before_the_client_hello() {
    let f = fixture();
    let ctx = context(&f, &TlsSettings::default(), false);
    let mut s = ctx.new_session();
    assert_eq!(s.write_plaintext(b"x").unwrap_err().code, 10035);
    assert_eq!(s.accept().unwrap_err().code, 906);
    assert!(s.negotiated().is_none());
    let mut buf = [0u8; 4];
    assert_eq!(s.read_plaintext(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

struct AuthFixture {
    f: Fixture,
    client_ca: Ca,
    alice: Leaf,
    mallory: Leaf,
}

fn auth_fixture() -> AuthFixture {
    let client_ca = ca("Client CA");
    let alice = leaf(&client_ca, "alice", &[], true, 0x21);
    let rogue = ca("Rogue CA");
    let mallory = leaf(&rogue, "mallory", &[], true, 0x22);
    AuthFixture { f: fixture(), client_ca, alice, mallory }
}

fn auth_connect(a: &AuthFixture, s: &TlsSettings, client: Option<&Leaf>) -> Pair {
    let ctx = context(&a.f, s, true);
    let mut p = Pair::new(&ctx, client_config(&a.f.ca, client, BOTH), "localhost");
    p.handshake().unwrap();
    p
}

#[test]
fn client_auth_trusted_untrusted_and_absent() {
    let a = auth_fixture();
    let mut s = TlsSettings::default();
    s.set("SSLClientCACerts", &a.client_ca.pem).unwrap();

    let p = auth_connect(&a, &s, Some(&a.alice));
    let info = p.server.client_auth().expect("SSLClientAuthentication fires");
    assert!(info.accept);
    assert_eq!(info.status, "OK");
    assert_eq!(info.subject, "CN=alice, OU=test, O=Pier Test, C=US");
    assert_eq!(info.issuer, "CN=Client CA, O=Pier Test");
    assert_eq!(info.cert_encoded, a.alice.der);
    assert_eq!(p.server.peer_certificates()[0].as_ref(), &a.alice.der[..]);
    assert!(info.chain_pem().starts_with("-----BEGIN CERTIFICATE-----"));

    // Not trusted: the handshake still completes, the recommendation is no.
    let p = auth_connect(&a, &s, Some(&a.mallory));
    let info = p.server.client_auth().unwrap();
    assert!(!info.accept);
    assert!(info.status.contains("not trusted"), "{}", info.status);
    assert_eq!(info.subject, "CN=mallory, OU=test, O=Pier Test, C=US");

    // SSLSecurityFlags 0x10 (allow unknown CA) waives that.
    let mut lax = s.clone();
    lax.set("SSLSecurityFlags", "0x10").unwrap();
    let p = auth_connect(&a, &lax, Some(&a.mallory));
    assert!(p.server.client_auth().unwrap().accept);

    // No certificate: connected, nothing to authenticate.
    let mut p = auth_connect(&a, &s, None);
    assert!(p.server.client_auth().is_none());
    assert!(p.server.take_status().iter().any(|l| l == "The client presented no certificate"));

    // SSLCACerts serves as trust anchors too.
    let mut s2 = TlsSettings::default();
    s2.set("SSLCACerts", &a.client_ca.pem).unwrap();
    assert!(auth_connect(&a, &s2, Some(&a.alice)).server.client_auth().unwrap().accept);

    // No CA configured at all: never recommended.
    let p = auth_connect(&a, &TlsSettings::default(), Some(&a.alice));
    let info = p.server.client_auth().unwrap();
    assert!(!info.accept);
    assert!(info.status.contains("SSLClientCACerts"), "{}", info.status);
}

#[test]
fn client_auth_checks_crls_when_asked() {
    let a = auth_fixture();
    let crl = rcgen::CertificateRevocationListParams {
        this_update: rcgen::date_time_ymd(2024, 1, 1),
        next_update: rcgen::date_time_ymd(2099, 1, 1),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![rcgen::RevokedCertParams {
            serial_number: rcgen::SerialNumber::from_slice(&[0x10, 0x21]),
            revocation_time: rcgen::date_time_ymd(2024, 6, 1),
            reason_code: Some(rcgen::RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
    .signed_by(&a.client_ca.issuer)
    .unwrap();
    let mut s = TlsSettings::default();
    s.set("SSLClientCACerts", &a.client_ca.pem).unwrap();
    s.set("SSLCRLs", &crl.pem().unwrap()).unwrap();
    // SSLCheckCRL=0: the CRL is not consulted.
    assert!(auth_connect(&a, &s, Some(&a.alice)).server.client_auth().unwrap().accept);
    s.set("SSLCheckCRL", "1").unwrap();
    let p = auth_connect(&a, &s, Some(&a.alice));
    let info = p.server.client_auth().unwrap();
    assert!(!info.accept);
    assert_eq!(info.status, "the certificate has been revoked");
    // A certificate the CRL does not list passes.
    let bob = leaf(&a.client_ca, "bob", &[], true, 0x23);
    assert!(auth_connect(&a, &s, Some(&bob)).server.client_auth().unwrap().accept);
}

#[test]
fn sni_selects_host_certificates_with_default_fallback() {
    let f = fixture();
    let b = leaf(&f.ca, "b.example", &["b.example"], false, 2);
    let w = leaf(&f.ca, "wild", &["*.wild.example"], false, 3);
    let mut s = TlsSettings::default();
    s.add_sni_cert("B.example", CertSpec::new(PEM_KEY_BLOB, b.pem_store(""), "*"));
    let ctx = context(&f, &s, false);
    ctx.add_sni_cert("*.wild.example", &select(&w)).unwrap();
    assert_eq!(ctx.resolver().hosts(), vec!["*.wild.example".to_string(), "b.example".to_string()]);
    let cfg = client_config(&f.ca, None, BOTH);
    let mut p = Pair::new(&ctx, cfg.clone(), "b.example");
    p.handshake().unwrap();
    assert_eq!(p.served_cert(), b.der);
    let mut p = Pair::new(&ctx, cfg.clone(), "x.wild.example");
    p.handshake().unwrap();
    assert_eq!(p.served_cert(), w.der);
    let mut p = Pair::new(&ctx, cfg.clone(), "default.example");
    p.handshake().unwrap();
    assert_eq!(p.served_cert(), f.server.der);
    assert!(ctx.remove_sni_cert("b.example"));
    let mut p = Pair::new(&ctx, cfg, "b.example");
    assert!(p.handshake().is_err(), "the default certificate does not name b.example");
}

#[test]
fn rotation_changes_new_handshakes_only() {
    let f = fixture();
    let next = leaf(&f.ca, "localhost", &["localhost"], false, 4);
    let ctx = context(&f, &TlsSettings::default(), false);
    let cfg = client_config(&f.ca, None, BOTH);
    let mut first = Pair::new(&ctx, cfg.clone(), "localhost");
    first.handshake().unwrap();
    assert_eq!(first.served_cert(), f.server.der);
    ctx.set_default_cert(&select(&next)).unwrap();
    let mut second = Pair::new(&ctx, cfg, "localhost");
    second.handshake().unwrap();
    assert_eq!(second.served_cert(), next.der);
    // The first connection goes on undisturbed.
    assert_eq!(first.server_to_client(b"still here"), b"still here");
    assert_eq!(first.client_to_server(b"yes"), b"yes");
}

#[test]
fn connection_request_sees_the_hello_and_picks_a_certificate() {
    let f = fixture();
    let alt = leaf(&f.ca, "localhost", &["localhost"], false, 5);
    let alt_sel = select(&alt);
    let ctx = context(&f, &TlsSettings::default(), false);
    let mut p = Pair::new(&ctx, client_config(&f.ca, None, BOTH), "localhost");
    let mut seen = None;
    p.pump(&mut |s| {
        assert_eq!(s.state(), TlsState::ClientHelloReceived);
        seen = s.client_hello().cloned();
        s.accept_with_cert(&alt_sel)
    })
    .unwrap();
    let hello = seen.unwrap();
    assert_eq!(hello.server_name.as_deref(), Some("localhost"));
    assert!(hello.cipher_suites.split(',').any(|c| c == "TLS_AES_128_GCM_SHA256"), "{}", hello.cipher_suites);
    assert!(hello.cipher_suites.split(',').any(|c| c == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert!(
        hello.signature_algorithms.split(',').any(|c| c == "ecdsa_secp256r1_sha256"),
        "{}",
        hello.signature_algorithms
    );
    assert!(hello.signature_algorithms.split(',').any(|c| c == "rsa_pss_rsae_sha256"));
    assert_eq!(p.server.state(), TlsState::Established);
    assert_eq!(p.served_cert(), alt.der);
}

fn resumed_twice(versions: &[&'static SupportedProtocolVersion], reuse: bool) -> (bool, bool) {
    let f = fixture();
    let mut s = TlsSettings::default();
    s.set("ReuseSSLSession", if reuse { "True" } else { "False" }).unwrap();
    let ctx = context(&f, &s, false);
    let cfg = client_config(&f.ca, None, versions);
    let mut one = Pair::new(&ctx, cfg.clone(), "localhost");
    one.handshake().unwrap();
    // Exchange data so the client takes TLS 1.3 tickets in.
    assert_eq!(one.server_to_client(b"t"), b"t");
    let mut two = Pair::new(&ctx, cfg, "localhost");
    two.handshake().unwrap();
    (one.server.negotiated().unwrap().resumed, two.server.negotiated().unwrap().resumed)
}

#[test]
fn session_resumption_follows_reuse_ssl_session() {
    assert_eq!(resumed_twice(&[&rustls::version::TLS13], true), (false, true));
    assert_eq!(resumed_twice(&[&rustls::version::TLS12], true), (false, true));
    assert_eq!(resumed_twice(&[&rustls::version::TLS13], false), (false, false));
    assert_eq!(resumed_twice(&[&rustls::version::TLS12], false), (false, false));
}

#[test]
fn plaintext_writes_are_bounded() {
    let f = fixture();
    let ctx = context(&f, &TlsSettings::default(), false);
    let mut p = Pair::new(&ctx, client_config(&f.ca, None, BOTH), "localhost");
    p.handshake().unwrap();
    p.server.set_buffer_limit(16 * 1024);
    let big = vec![7u8; 1 << 20];
    let n = p.server.write_plaintext(&big).unwrap();
    assert!(n > 0 && n <= 16 * 1024, "took {n}");
    assert_eq!(p.server.write_plaintext(&big).unwrap(), 0, "full until flushed");
    assert!(p.server.wants_write());
    let mut sink = Pipe::default();
    assert!(p.server.flush_tls(&mut sink).unwrap());
    assert!(p.server.write_plaintext(&big).unwrap() > 0, "room again after the flush");
}

#[test]
fn over_a_real_socket_pair() {
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};
    let f = fixture();
    let ctx = context(&f, &TlsSettings::default(), false);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let cfg = client_config(&f.ca, None, BOTH);
    let client = std::thread::spawn(move || {
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = ClientConnection::new(cfg, ServerName::try_from("localhost").unwrap()).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, sock);
        tls.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).unwrap();
        tls.conn.send_close_notify();
        let _ = tls.flush();
        buf
    });
    let (mut sock, _) = listener.accept().unwrap();
    sock.set_nonblocking(true).unwrap();
    let mut s = ctx.new_session();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    let mut replied = false;
    while Instant::now() < deadline {
        match s.read_tls_from(&mut sock) {
            Ok(0) => break,
            Ok(_) => {
                let prog = s.process().unwrap();
                if prog.client_hello {
                    s.accept().unwrap();
                }
                let mut buf = [0u8; 64];
                while let Ok(n) = s.read_plaintext(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                if got == b"ping" && !replied {
                    assert_eq!(s.write_plaintext(b"pong").unwrap(), 4);
                    replied = true;
                }
                if prog.peer_closed {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("{e}"),
        }
        while !s.flush_tls(&mut sock).unwrap() {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert_eq!(&client.join().unwrap(), b"pong");
    assert_eq!(got, b"ping");
    assert_eq!(s.negotiated().unwrap().version, "TLS1.3");
}

#[test]
fn client_hello_arriving_one_byte_at_a_time() {
    let f = fixture();
    let mut st = TlsSettings::default();
    st.set("LogSSLPackets", "True").unwrap();
    let ctx = context(&f, &st, false);
    let mut p = Pair::new(&ctx, client_config(&f.ca, None, BOTH), "localhost");
    let mut hello = Vec::new();
    p.client.write_tls(&mut hello).unwrap();
    let mut hellos = 0;
    for b in &hello {
        let mut one: &[u8] = std::slice::from_ref(b);
        assert_eq!(p.server.read_tls_from(&mut one).unwrap(), 1);
        if p.server.process().unwrap().client_hello {
            hellos += 1;
        }
    }
    assert_eq!(hellos, 1);
    assert_eq!(p.server.state(), TlsState::ClientHelloReceived);
    let logged = p.server.take_status();
    let n = logged.iter().filter(|l| l.starts_with("Received TLS record: handshake (ClientHello)")).count();
    assert_eq!(n, 1, "{logged:#?}");
    p.server.accept().unwrap();
    p.handshake().unwrap();
}

/// Counts the reads the session makes of its source.
struct Counting<'a>(&'a mut Pipe, usize);

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 += 1;
        self.0.read(buf)
    }
}

#[test]
fn ciphertext_is_read_in_large_chunks_and_none_is_lost() {
    // Seven full records wait in the "socket": the session reads them with
    // two reads (64 KiB each at most) where rustls alone would take about
    // 30 (4 KiB each), keeps what rustls cannot take yet, and hands on every
    // plaintext byte in order — read the way the connection layer does:
    // plaintext first, then more ciphertext, then process.
    let f = fixture();
    let ctx = context(&f, &TlsSettings::default(), false);
    let mut p = Pair::new(&ctx, client_config(&f.ca, None, BOTH), "localhost");
    p.handshake().unwrap();
    let data: Vec<u8> = (0..7 * 16384u32).map(|i| (i * 7 + i / 251) as u8).collect();
    for record in data.chunks(16384) {
        p.client.writer().write_all(record).unwrap();
        while p.client.wants_write() {
            p.client.write_tls(&mut p.c2s).unwrap();
        }
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    let mut src = Counting(&mut p.c2s, 0);
    loop {
        match p.server.read_plaintext(&mut buf) {
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                continue;
            }
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
        }
        match p.server.read_tls_from(&mut src) {
            Ok(n) => assert!(n > 0),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
        p.server.process().unwrap();
    }
    assert_eq!(got.len(), data.len());
    assert!(got == data, "plaintext differs");
    // Two reads take the ~115 KiB, one more finds the source empty.
    assert_eq!(src.1, 3);
    assert!(p.server.staged.is_empty(), "drained staging is freed");
}

#[test]
fn the_record_cursor_tells_an_end_inside_a_record_from_one_between_records() {
    let mut r = RecordCursor::default();
    assert_eq!(r.inside(), None);
    // Two whole records, fed in odd pieces.
    let stream = [&[0x17, 3, 3, 0, 3, 1, 2, 3][..], &[0x15, 3, 3, 0, 2, 9, 9]].concat();
    for piece in stream.chunks(3) {
        r.advance(piece);
    }
    assert_eq!(r.inside(), None);
    r.advance(&[0x17, 3]);
    assert_eq!(r.inside(), Some((2, None)), "inside a header");
    r.advance(&[3, 1, 0, 7]);
    assert_eq!(r.inside(), Some((6, Some(261))), "inside a body of 256");
    r.advance(&[0; 255]);
    assert_eq!(r.inside(), None);
    // An empty record is whole at its header.
    r.advance(&[0x16, 3, 3, 0, 0]);
    assert_eq!(r.inside(), None);
}
