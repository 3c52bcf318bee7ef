//! One connection's TLS, without a socket: the connection layer moves bytes
//! between the socket and this wrapper, and plaintext between the wrapper and
//! the application. Works the same for TCPServer and WSServer.
//!
//! States: [`TlsState::AwaitingClientHello`] (a rustls `Acceptor` collects the
//! ClientHello) → [`TlsState::ClientHelloReceived`] (the application may pick a
//! certificate in SSLConnectionRequest; see the reference: "This event provides
//! an opportunity to select an alternative certificate to the connecting
//! client") → [`TlsState::Handshaking`] (a `ServerConnection`) →
//! [`TlsState::Established`]. A failure moves to [`TlsState::Failed`] after
//! queueing the alert for the peer.
//!
//! SSLStatus (reference: "fired to show the progress of the secure
//! connection") lines are collected and handed out by
//! [`TlsSession::take_status`]; with LogSSLPackets on, one line per TLS record
//! sent or received is added ("SSL packet logs are output using the SSLStatus
//! event, which will fire each time an SSL packet is sent or received").

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::server::{Accepted, Acceptor};
use rustls::{AlertDescription, HandshakeKind, ProtocolVersion, ServerConfig, ServerConnection};
use rustls_pki_types::CertificateDer;

use super::cert::SelectedCert;
use super::codes;
use super::config::TlsServerContext;
use super::names;
use super::verify::ClientAuthInfo;
use crate::core::error::{codes as core_codes, Error, Result};

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsState {
    AwaitingClientHello,
    ClientHelloReceived,
    Handshaking,
    Established,
    Failed,
}

/// What the client offered, for SSLConnectionRequest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloInfo {
    /// The SNI host name, if any.
    pub server_name: Option<String>,
    /// SupportedCipherSuites: comma-separated IANA names, client's order.
    pub cipher_suites: String,
    /// SupportedSignatureAlgs: comma-separated IANA names, client's order.
    pub signature_algorithms: String,
    /// ALPN protocols offered.
    pub alpn: Vec<Vec<u8>>,
}

/// The SSLNegotiated* values of an established session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// SSLNegotiatedVersion: "TLS1.2" or "TLS1.3".
    pub version: String,
    /// SSLNegotiatedCipherSuite: IANA name.
    pub cipher_suite: String,
    /// SSLNegotiatedCipher: bulk cipher, e.g. "AES_256_GCM".
    pub cipher: String,
    /// SSLNegotiatedCipherStrength: bulk key bits.
    pub cipher_strength: u32,
    /// SSLNegotiatedKeyExchange: "ECDHE" (TLS 1.3) or the TLS 1.2 suite's
    /// "ECDHE_RSA" / "ECDHE_ECDSA".
    pub key_exchange: String,
    /// SSLNegotiatedKeyExchangeStrength: bits of the group (X25519: 255).
    pub key_exchange_strength: u32,
    /// The group, e.g. "ecdhe_x25519" (empty for a TLS 1.2 resumption).
    pub key_exchange_group: String,
    /// True when the session was resumed.
    pub resumed: bool,
}

/// What changed in one [`TlsSession::process`] call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The ClientHello just arrived: fire SSLConnectionRequest, then call
    /// one of the `accept*` methods.
    pub client_hello: bool,
    /// The handshake just finished: fire SSLClientAuthentication if
    /// [`TlsSession::client_auth`] is `Some`, then Connected.
    pub handshake_complete: bool,
    /// Decrypted data waits in [`TlsSession::read_plaintext`].
    pub plaintext: bool,
    /// The peer sent close_notify.
    pub peer_closed: bool,
}

enum Inner {
    Hello(Box<Acceptor>),
    Accepted(Box<Accepted>),
    Conn(Box<ServerConnection>),
    Gone,
}

/// Bytes read while waiting for the application's certificate choice, at most.
const HELD_MAX: usize = 64 * 1024;

/// Ciphertext is taken from the socket in one `recv` of up to this much.
/// rustls reads in 4 KiB steps (its deframer grows by 4096 bytes per
/// `read_tls`), which costs about five system calls per full 16 KiB record;
/// reading once here and feeding rustls from memory costs one.
const RECV_CHUNK: usize = 64 * 1024;

thread_local! {
    /// Where a `recv` lands before rustls takes it: one buffer per thread
    /// that drives connections, so idle sessions hold none. Whatever rustls
    /// does not take at once moves to the session's own `staged` bytes.
    static RECV_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A TLS server session for one connection.
pub struct TlsSession {
    ctx: Arc<TlsServerContext>,
    inner: Inner,
    /// The alert to send after a failure before a connection existed.
    alert: Option<rustls::server::AcceptedAlert>,
    /// Bytes that arrived after the ClientHello, before `accept*`.
    held: Vec<u8>,
    /// Ciphertext read from the socket that rustls has not taken yet (it
    /// takes a record or so per call); `staged_pos` is where it resumes.
    /// Freed once drained, so an idle session keeps nothing here.
    staged: Vec<u8>,
    staged_pos: usize,
    /// Where the bytes read from the socket stand in the record stream, so
    /// that an end of stream inside a record is told from one between
    /// records.
    records: RecordCursor,
    hello: Option<ClientHelloInfo>,
    established: bool,
    failed: bool,
    close_reported: bool,
    client_auth: Option<ClientAuthInfo>,
    status: VecDeque<String>,
    rx: RecordTrace,
    tx: RecordTrace,
    buffer_limit: usize,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession").field("state", &self.state()).finish()
    }
}

impl TlsSession {
    pub fn new(ctx: Arc<TlsServerContext>) -> Self {
        let buffer_limit = ctx.buffer_limit;
        TlsSession {
            ctx,
            inner: Inner::Hello(Box::default()),
            alert: None,
            held: Vec::new(),
            staged: Vec::new(),
            staged_pos: 0,
            records: RecordCursor::default(),
            hello: None,
            established: false,
            failed: false,
            close_reported: false,
            client_auth: None,
            status: VecDeque::new(),
            rx: RecordTrace::new("Received"),
            tx: RecordTrace::new("Sent"),
            buffer_limit,
        }
    }

    pub fn state(&self) -> TlsState {
        if self.failed {
            return TlsState::Failed;
        }
        match &self.inner {
            Inner::Hello(_) => TlsState::AwaitingClientHello,
            Inner::Accepted(_) => TlsState::ClientHelloReceived,
            Inner::Conn(_) if self.established => TlsState::Established,
            Inner::Conn(_) => TlsState::Handshaking,
            Inner::Gone => TlsState::Failed,
        }
    }

    /// DefaultConnectionTimeout (seconds; 0 none), for the connection layer
    /// to enforce while the handshake is not complete.
    pub fn handshake_timeout(&self) -> u32 {
        self.ctx.handshake_timeout
    }

    /// Reads TLS bytes from the (non-blocking) socket. Ok(0) is end of
    /// stream; `WouldBlock` passes through. Call [`TlsSession::process`]
    /// after every successful read. Bytes kept from an earlier read are
    /// handed on first, without touching the socket.
    pub fn read_tls_from<R: Read>(&mut self, sock: &mut R) -> io::Result<usize> {
        if self.staged_pos < self.staged.len() {
            return self.feed_staged();
        }
        if matches!(self.inner, Inner::Gone) {
            return Ok(0);
        }
        if matches!(self.inner, Inner::Accepted(_)) && self.held.len() >= HELD_MAX {
            // Held until the application has chosen the certificate.
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let log = self.ctx.log_packets;
        RECV_SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            if scratch.len() < RECV_CHUNK {
                scratch.resize(RECV_CHUNK, 0);
            }
            let mut tap = Tap { inner: sock, seen: Vec::new(), log };
            let n = tap.read(&mut scratch[..])?;
            if log {
                self.rx.feed(&tap.seen, &mut self.status);
            }
            if n == 0 {
                // Let rustls see the end of stream too (it tells a missing
                // close_notify from an orderly close by it).
                self.feed(&mut &[][..])?;
                return Ok(0);
            }
            self.records.advance(&scratch[..n]);
            let mut rest = &scratch[..n];
            let fed = self.feed(&mut rest);
            // Nothing read from the socket is lost, whatever rustls said.
            self.staged.extend_from_slice(rest);
            fed.map(|()| n)
        })
    }

    /// After the end of stream: the error to report when the peer's last
    /// record was cut short (RFC 8446 §6.1, RFC 5246 §7.2.1: a truncated
    /// stream is not a close), 284; `None` when it ended between records.
    pub fn truncated_record(&self) -> Option<Error> {
        self.records.inside().map(|(have, len)| {
            let text = match len {
                Some(len) => format!("{have} of the {len} bytes of its last record"),
                None => format!("{have} of the 5 bytes of a record header"),
            };
            Error::new(codes::DECRYPT, format!("Error decrypting data: the peer closed the connection after {text}"))
        })
    }

    /// Hands on bytes kept from an earlier read.
    fn feed_staged(&mut self) -> io::Result<usize> {
        let staged = std::mem::take(&mut self.staged);
        let mut rest = &staged[self.staged_pos..];
        let before = rest.len();
        let result = self.feed(&mut rest);
        let taken = before - rest.len();
        if rest.is_empty() {
            self.staged_pos = 0;
        } else {
            self.staged_pos += taken;
            self.staged = staged;
        }
        result.map(|()| taken)
    }

    /// Gives rustls what it takes of `rest` (at least a record's worth when
    /// it has room), advancing `rest` past it. An error after some bytes
    /// were taken (rustls' buffer is full until `process`) ends the feeding
    /// quietly; it comes back, and is reported, on the next call if it lasts.
    fn feed(&mut self, rest: &mut &[u8]) -> io::Result<()> {
        let mut fed = false;
        loop {
            let r = match &mut self.inner {
                Inner::Hello(a) => a.read_tls(rest),
                Inner::Conn(c) => c.read_tls(rest),
                Inner::Accepted(_) => {
                    self.held.extend_from_slice(rest);
                    *rest = &[];
                    return Ok(());
                }
                Inner::Gone => return Ok(()),
            };
            match r {
                Ok(0) => return Ok(()),
                Ok(_) if rest.is_empty() => return Ok(()),
                Ok(_) => fed = true,
                Err(_) if fed => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Processes what was read. Errors are the references' codes (276
    /// handshake, 280 certificate, 283/284 after the handshake); after one,
    /// flush the queued alert with [`TlsSession::write_tls_to`] and close.
    pub fn process(&mut self) -> Result<Progress> {
        let mut p = Progress::default();
        if self.failed {
            return Err(Error::new(codes::HANDSHAKE, "Error during handshake: the session has already failed"));
        }
        match &mut self.inner {
            Inner::Hello(acceptor) => match acceptor.accept() {
                Ok(None) => {}
                Ok(Some(accepted)) => {
                    let info = hello_info(&accepted);
                    self.status.push_back(format!(
                        "Received ClientHello (server name: {})",
                        info.server_name.as_deref().unwrap_or("none")
                    ));
                    self.hello = Some(info);
                    self.inner = Inner::Accepted(Box::new(accepted));
                    p.client_hello = true;
                }
                Err((e, alert)) => {
                    self.alert = Some(alert);
                    return Err(self.fail(&e, true));
                }
            },
            Inner::Conn(conn) => {
                let handshaking = conn.is_handshaking();
                let state = match conn.process_new_packets() {
                    Ok(s) => s,
                    Err(e) => return Err(self.fail(&e, handshaking)),
                };
                p.plaintext = state.plaintext_bytes_to_read() > 0;
                p.peer_closed = state.peer_has_closed();
                if !self.established && !conn.is_handshaking() {
                    self.established = true;
                    p.handshake_complete = true;
                    self.on_established();
                }
                if p.peer_closed && !self.close_reported {
                    self.close_reported = true;
                    self.status.push_back("Received close_notify".into());
                }
            }
            Inner::Accepted(_) | Inner::Gone => {}
        }
        Ok(p)
    }

    /// What the client offered (after [`Progress::client_hello`]).
    pub fn client_hello(&self) -> Option<&ClientHelloInfo> {
        self.hello.as_ref()
    }

    /// Continues the handshake with the server's certificate chosen by the
    /// default rules (SNI certificates, else the default one).
    pub fn accept(&mut self) -> Result<Progress> {
        let cfg = self.ctx.server_config();
        self.accept_with_config(cfg)
    }

    /// Continues with the certificate SSLConnectionRequest chose.
    pub fn accept_with_cert(&mut self, cert: &SelectedCert) -> Result<Progress> {
        let cfg = self.ctx.config_for_cert(cert)?;
        self.accept_with_config(cfg)
    }

    /// Continues with any `ServerConfig`.
    pub fn accept_with_config(&mut self, config: Arc<ServerConfig>) -> Result<Progress> {
        let Inner::Accepted(_) = &self.inner else {
            return Err(Error::new(
                core_codes::INVALID_VALUE,
                "no ClientHello is waiting for a certificate on this connection",
            ));
        };
        let Inner::Accepted(accepted) = std::mem::replace(&mut self.inner, Inner::Gone) else {
            unreachable!("checked above")
        };
        match accepted.into_connection(config) {
            Ok(mut conn) => {
                conn.set_buffer_limit(Some(self.buffer_limit));
                let held = std::mem::take(&mut self.held);
                let mut rd = &held[..];
                while !rd.is_empty() {
                    if conn.read_tls(&mut rd).map_err(|e| Error::new(codes::HANDSHAKE, e.to_string()))? == 0 {
                        break;
                    }
                }
                self.status.push_back("Sending server handshake messages".into());
                self.inner = Inner::Conn(Box::new(conn));
                self.process()
            }
            Err((e, alert)) => {
                self.alert = Some(alert);
                Err(self.fail(&e, true))
            }
        }
    }

    /// True while TLS bytes wait to be written to the socket.
    pub fn wants_write(&self) -> bool {
        if self.alert.is_some() {
            return true;
        }
        match &self.inner {
            Inner::Conn(c) => c.wants_write(),
            _ => false,
        }
    }

    /// True while the session can use more bytes from the socket.
    pub fn wants_read(&self) -> bool {
        match &self.inner {
            Inner::Hello(_) => !self.failed,
            Inner::Accepted(_) => self.held.len() < HELD_MAX,
            Inner::Conn(c) => !self.failed && c.wants_read(),
            Inner::Gone => false,
        }
    }

    /// Writes pending TLS bytes once; `WouldBlock` passes through.
    pub fn write_tls_to<W: Write>(&mut self, sock: &mut W) -> io::Result<usize> {
        let log = self.ctx.log_packets;
        let mut tap = TapW { inner: sock, seen: Vec::new(), log };
        let n = if let Some(alert) = &mut self.alert {
            let n = alert.write(&mut tap)?;
            if n == 0 {
                self.alert = None;
            }
            n
        } else {
            match &mut self.inner {
                Inner::Conn(c) => c.write_tls(&mut tap)?,
                _ => 0,
            }
        };
        if log {
            self.tx.feed(&tap.seen, &mut self.status);
        }
        Ok(n)
    }

    /// Writes pending TLS bytes until done (Ok(true)) or the socket would
    /// block (Ok(false): wait for writability, then call again).
    pub fn flush_tls<W: Write>(&mut self, sock: &mut W) -> io::Result<bool> {
        while self.wants_write() {
            match self.write_tls_to(sock) {
                Ok(0) if self.alert.is_none() && self.wants_write() => {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Reads decrypted data: `WouldBlock` when none is waiting, Ok(0) after
    /// the peer's close_notify, `UnexpectedEof` when the peer closed the
    /// socket without one.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Conn(c) => c.reader().read(buf),
            _ => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Takes as much plaintext as the TLS layer's bounded buffer allows and
    /// returns how much (possibly 0: wait until [`TlsSession::wants_write`]
    /// is false again). Fails with 10035 before the ClientHello was accepted.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize> {
        match &mut self.inner {
            Inner::Conn(_) if self.failed => {
                Err(Error::new(codes::ENCRYPT, "Error encrypting data: the TLS session has failed"))
            }
            Inner::Conn(c) => {
                c.writer().write(data).map_err(|e| Error::new(codes::ENCRYPT, format!("Error encrypting data: {e}")))
            }
            _ => {
                Err(Error::new(core_codes::WOULD_BLOCK, "Operation would block: the TLS handshake has not started yet"))
            }
        }
    }

    /// Queues close_notify (then flush it with [`TlsSession::flush_tls`]).
    pub fn send_close_notify(&mut self) {
        if let Inner::Conn(c) = &mut self.inner {
            c.send_close_notify();
            self.status.push_back("Sending close_notify".into());
        }
    }

    /// Changes the bound on buffered outgoing data.
    pub fn set_buffer_limit(&mut self, limit: usize) {
        self.buffer_limit = limit;
        if let Inner::Conn(c) = &mut self.inner {
            c.set_buffer_limit(Some(limit));
        }
    }

    pub fn is_handshaking(&self) -> bool {
        !self.established
    }

    /// SSLNegotiated* values, once established.
    pub fn negotiated(&self) -> Option<Negotiated> {
        let Inner::Conn(c) = &self.inner else {
            return None;
        };
        if !self.established {
            return None;
        }
        let suite = c.negotiated_cipher_suite()?;
        let info = names::suite_info(suite);
        let version = match c.protocol_version() {
            Some(ProtocolVersion::TLSv1_3) => "TLS1.3".to_string(),
            Some(ProtocolVersion::TLSv1_2) => "TLS1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => String::new(),
        };
        let (group, bits) = c.negotiated_key_exchange_group().map(|g| names::group_info(g.name())).unwrap_or_default();
        Some(Negotiated {
            version,
            cipher_suite: info.iana.to_string(),
            cipher: info.cipher.to_string(),
            cipher_strength: info.bits,
            key_exchange: info.kx.to_string(),
            key_exchange_strength: bits,
            key_exchange_group: group,
            resumed: c.handshake_kind() == Some(HandshakeKind::Resumed),
        })
    }

    /// The certificate chain the client presented (empty if none).
    pub fn peer_certificates(&self) -> Vec<CertificateDer<'static>> {
        match &self.inner {
            Inner::Conn(c) => c.peer_certificates().map(|p| p.to_vec()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// SSLClientAuthentication's parameters: `Some` once established when
    /// SSLAuthenticateClients is on and the client presented a certificate.
    pub fn client_auth(&self) -> Option<&ClientAuthInfo> {
        self.client_auth.as_ref()
    }

    /// SSLIncludeCertChain, for the connection layer building CertEncoded.
    pub fn include_cert_chain(&self) -> bool {
        self.ctx.include_cert_chain
    }

    /// The SNI host name the client asked for.
    pub fn server_name(&self) -> Option<&str> {
        match &self.inner {
            Inner::Conn(c) => c.server_name(),
            _ => self.hello.as_ref().and_then(|h| h.server_name.as_deref()),
        }
    }

    /// SSLStatus messages gathered since the last call, oldest first.
    pub fn take_status(&mut self) -> Vec<String> {
        self.status.drain(..).collect()
    }

    fn on_established(&mut self) {
        let Some(n) = self.negotiated() else { return };
        self.status.push_back(format!(
            "Handshake complete: {}, {}, key exchange {} {} ({} bits){}",
            n.version,
            n.cipher_suite,
            n.key_exchange,
            n.key_exchange_group,
            n.key_exchange_strength,
            if n.resumed { ", resumed session" } else { "" }
        ));
        if let Some(policy) = self.ctx.client_auth().cloned() {
            let chain = self.peer_certificates();
            if chain.is_empty() {
                self.status.push_back("The client presented no certificate".into());
            } else {
                let info = policy.evaluate(&chain);
                self.status.push_back(format!("Client certificate: {} (verification: {})", info.subject, info.status));
                self.client_auth = Some(info);
            }
        }
    }

    fn fail(&mut self, e: &rustls::Error, handshaking: bool) -> Error {
        self.failed = true;
        let err = map_error(e, handshaking);
        self.status.push_back(err.text.clone());
        err
    }
}

/// Follows TLS record boundaries (a 5-byte header whose last two bytes are
/// the body length, RFC 8446 §5.1) over the bytes read from the socket.
#[derive(Default, Debug)]
struct RecordCursor {
    header: [u8; 5],
    header_len: usize,
    body_left: usize,
    body_len: usize,
}

impl RecordCursor {
    fn advance(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(data.len());
                self.body_left -= n;
                data = &data[n..];
                continue;
            }
            let n = (5 - self.header_len).min(data.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&data[..n]);
            self.header_len += n;
            data = &data[n..];
            if self.header_len == 5 {
                self.header_len = 0;
                self.body_len = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                self.body_left = self.body_len;
            }
        }
    }

    /// Inside a record: the bytes of it seen, and its total length when the
    /// header is complete.
    fn inside(&self) -> Option<(usize, Option<usize>)> {
        if self.body_left > 0 {
            Some((5 + self.body_len - self.body_left, Some(5 + self.body_len)))
        } else if self.header_len > 0 {
            Some((self.header_len, None))
        } else {
            None
        }
    }
}

/// Maps a rustls error to the references' SSL codes: certificate problems
/// 280, anything during the handshake 276, encryption 283, and protocol or
/// decryption failures after the handshake 284.
pub fn map_error(e: &rustls::Error, handshaking: bool) -> Error {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(ce) => Error::new(codes::VERIFY_CERT, format!("Error verifying certificate: {ce:?}")),
        E::NoCertificatesPresented => {
            Error::new(codes::NO_CLIENT_CERT, "Could not find client certificate: the client presented none")
        }
        E::EncryptError => Error::new(codes::ENCRYPT, "Error encrypting data"),
        E::AlertReceived(AlertDescription::BadCertificate | AlertDescription::UnknownCA) if handshaking => Error::new(
            codes::HANDSHAKE,
            format!("Error during handshake: the client rejected the server certificate ({e})"),
        ),
        _ if handshaking => Error::new(codes::HANDSHAKE, format!("Error during handshake: {e}")),
        _ => Error::new(codes::DECRYPT, format!("Error decrypting data: {e}")),
    }
}

fn hello_info(accepted: &Accepted) -> ClientHelloInfo {
    let ch = accepted.client_hello();
    ClientHelloInfo {
        server_name: ch.server_name().map(str::to_string),
        cipher_suites: ch.cipher_suites().iter().map(|s| names::offered_suite_name(*s)).collect::<Vec<_>>().join(","),
        signature_algorithms: ch
            .signature_schemes()
            .iter()
            .map(|s| names::signature_name(*s))
            .collect::<Vec<_>>()
            .join(","),
        alpn: ch.alpn().map(|it| it.map(|p| p.to_vec()).collect()).unwrap_or_default(),
    }
}

/// Copies what is read, for LogSSLPackets.
struct Tap<'a, R: Read> {
    inner: &'a mut R,
    seen: Vec<u8>,
    log: bool,
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.log {
            self.seen.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

/// Copies what is written, for LogSSLPackets.
struct TapW<'a, W: Write> {
    inner: &'a mut W,
    seen: Vec<u8>,
    log: bool,
}

impl<W: Write> Write for TapW<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.log {
            self.seen.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        if self.log {
            let mut left = n;
            for b in bufs {
                let take = left.min(b.len());
                self.seen.extend_from_slice(&b[..take]);
                left -= take;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Follows TLS record boundaries in one direction and describes each record.
struct RecordTrace {
    dir: &'static str,
    header: Vec<u8>,
    /// Body bytes of the current record still to skip.
    remaining: usize,
    /// A plaintext handshake record whose first body byte (its message type)
    /// is still to come.
    pending: Option<usize>,
    /// ChangeCipherSpec seen: later handshake records are encrypted.
    encrypted: bool,
    /// Not TLS: stop describing.
    lost: bool,
}

impl RecordTrace {
    fn new(dir: &'static str) -> Self {
        RecordTrace { dir, header: Vec::new(), remaining: 0, pending: None, encrypted: false, lost: false }
    }

    fn feed(&mut self, mut data: &[u8], out: &mut VecDeque<String>) {
        while !data.is_empty() && !self.lost {
            if let Some(len) = self.pending.take() {
                out.push_back(format!("{} TLS record: handshake ({}), {len} bytes", self.dir, hs_name(data[0])));
            }
            if self.remaining > 0 {
                let skip = self.remaining.min(data.len());
                self.remaining -= skip;
                data = &data[skip..];
                continue;
            }
            let need = 5 - self.header.len();
            let take = need.min(data.len());
            self.header.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.header.len() < 5 {
                break;
            }
            let kind = self.header[0];
            let len = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
            self.header.clear();
            self.remaining = len;
            let name = match kind {
                20 => {
                    self.encrypted = true;
                    "change_cipher_spec"
                }
                21 => "alert",
                22 if !self.encrypted && len > 0 => {
                    self.pending = Some(len);
                    continue;
                }
                22 => "handshake (encrypted)",
                23 => "application_data",
                _ => {
                    out.push_back(format!("{} data that is not a TLS record (type {kind})", self.dir));
                    self.lost = true;
                    return;
                }
            };
            out.push_back(format!("{} TLS record: {name}, {len} bytes", self.dir));
        }
    }
}

fn hs_name(t: u8) -> &'static str {
    match t {
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        _ => "other",
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
