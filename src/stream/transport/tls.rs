//! The TLS glue every protocol inherits: the server's TLS context from the
//! SSL properties, StartSSL, and the handshake's progress turned into
//! SSLConnectionRequest, SSLClientAuthentication, SSLStatus and Connected.

use std::time::Instant;

use super::Transport;
use crate::core::error::{codes, Error, Result};
use crate::stream::event::StreamEvent;
use crate::stream::protocol::Protocol;
use crate::tls::cert::{CertSpec, SelectedCert};
use crate::tls::config::TlsServerContext;
use crate::tls::session::{Negotiated, Progress};

impl<P: Protocol> Transport<P> {
    /// Selects the certificate the SSLCert* properties name; SSLCertSubject
    /// then reads back its full subject (TCPServer reference, SSLCertSubject).
    pub fn select_cert(&mut self) -> Result<SelectedCert> {
        let cert = self.ssl.cert_spec().select()?;
        self.ssl.cert_subject = cert.subject.clone();
        Ok(cert)
    }

    /// Builds the TLS context from the current certificate and settings.
    pub fn build_tls(&mut self) -> Result<()> {
        let cert = self.select_cert()?;
        let ctx = TlsServerContext::new(&self.ssl.tls, &cert, self.ssl.authenticate_clients)?;
        self.tls_ctx = Some(ctx);
        Ok(())
    }

    /// After a change of certificate or TLS settings while listening: new
    /// handshakes use the new context; existing connections keep theirs.
    pub fn tls_changed(&mut self, cert_only: bool) -> Result<()> {
        match (&self.tls_ctx, cert_only) {
            (Some(ctx), true) => {
                let ctx = ctx.clone();
                let cert = self.select_cert()?;
                ctx.set_default_cert(&cert)
            }
            (Some(_), false) => self.build_tls(),
            (None, _) => Ok(()),
        }
    }

    /// SSLNegotiated*[ConnectionId].
    pub fn negotiated(&self, id: i32) -> Result<Option<Negotiated>> {
        Ok(self.conn(id)?.core.stream.tls().and_then(|t| t.negotiated()))
    }

    /// `StartSSL`: begins the TLS handshake on a plaintext connection
    /// (SSLStartMode explicit). Connected fires again when it completes.
    /// Bytes the protocol had already read past the STARTTLS exchange
    /// belong to the handshake ([`Protocol::take_buffered`]).
    pub fn start_ssl(&mut self, id: i32) -> Result<()> {
        if self.tls_ctx.is_none() {
            self.build_tls()?;
        }
        let ctx = self.tls_ctx.clone().expect("built");
        let c = self.conns.get_mut(id).ok_or_else(|| Error::code(codes::INVALID_CONNECTION))?;
        if !c.core.is_connected() {
            return Err(super::closed_error());
        }
        if c.core.stream.has_tls() {
            return Err(Error::new(codes::INVALID_VALUE, "TLS has already started on this connection"));
        }
        let early = self.proto.take_buffered(&mut c.proto);
        c.core.stream.start_tls(Box::new(ctx.new_session()), &early);
        c.core.announced = false;
        c.core.readable = true;
        c.core.last_activity = Instant::now();
        let slot = self.conns.slot_of(id).expect("exists");
        self.schedule_work(slot);
        self.arm_idle(id);
        self.wake();
        Ok(())
    }

    /// Moves the TLS session's status lines into SSLStatus events.
    pub(super) fn drain_tls_status(&mut self, id: i32) {
        let Some(tls) = self.conns.get_mut(id).and_then(|c| c.core.stream.tls_mut()) else { return };
        for message in tls.take_status() {
            self.push(StreamEvent::SslStatus { connection_id: id, message });
        }
    }

    /// The handshake moved: fire SSLConnectionRequest at the ClientHello,
    /// SSLClientAuthentication or Connected at completion.
    pub(super) fn on_tls_progress(&mut self, id: i32, p: Progress) {
        self.drain_tls_status(id);
        let Some(c) = self.conns.get_mut(id) else { return };
        let c = &mut c.core;
        let Some(tls) = c.stream.tls() else { return };
        if p.client_hello || (p.handshake_complete && tls.client_auth().is_some()) {
            c.awaiting_app = true;
        }
        let mut events = Vec::new();
        if p.client_hello {
            let hello = tls.client_hello().cloned().unwrap_or_default();
            events.push(StreamEvent::SslConnectionRequest {
                connection_id: id,
                supported_cipher_suites: hello.cipher_suites,
                supported_signature_algs: hello.signature_algorithms,
                cert_store_type: 0,
                cert_store: Vec::new(),
                cert_password: String::new(),
                cert_subject: String::new(),
            });
        }
        let mut established = false;
        if p.handshake_complete {
            match tls.client_auth() {
                Some(info) => {
                    let cert_encoded = if tls.include_cert_chain() {
                        info.chain_pem().into_bytes()
                    } else {
                        info.cert_encoded.clone()
                    };
                    events.push(StreamEvent::SslClientAuthentication {
                        connection_id: id,
                        cert_encoded,
                        cert_subject: info.subject.clone(),
                        cert_issuer: info.issuer.clone(),
                        status: info.status.clone(),
                        accept: info.accept,
                    });
                }
                None => established = true,
            }
        }
        for ev in events {
            self.push(ev);
        }
        if established {
            self.established(id);
        }
    }

    /// The application decided: reading and delivery go on.
    fn resume(&mut self, id: i32) {
        if let Some(slot) = self.conns.slot_of(id) {
            if let Some(c) = self.conns.by_slot_mut(slot) {
                c.core.awaiting_app = false;
            }
            self.schedule_work(slot);
        }
    }

    /// After SSLConnectionRequest: the handshake goes on with the
    /// certificate the callback chose, or the server's.
    pub(super) fn ssl_connection_request_done(
        &mut self,
        id: i32,
        store_type: i32,
        store: Vec<u8>,
        password: String,
        subject: String,
    ) {
        let spec = (!store.is_empty()).then(|| CertSpec {
            store_type,
            store,
            password,
            subject: if subject.is_empty() { "*".into() } else { subject },
            encoded: Vec::new(),
        });
        self.resume(id);
        let Some(c) = self.conns.get_mut(id) else { return };
        let c = &mut c.core;
        if c.closing {
            return;
        }
        let Some(tls) = c.stream.tls_mut() else { return };
        let r = match spec {
            Some(spec) => spec.select().and_then(|cert| tls.accept_with_cert(&cert)),
            None => tls.accept(),
        };
        let _ = c.stream.flush();
        match r {
            Ok(p) => {
                self.on_tls_progress(id, p);
                // Records that arrived with the ClientHello may hold more.
                let slot = self.conns.slot_of(id).expect("exists");
                if let Some(c) = self.conns.by_slot_mut(slot) {
                    c.core.readable = true;
                }
                self.schedule_work(slot);
            }
            Err(e) => {
                self.drain_tls_status(id);
                self.close_conn(id, e, true);
            }
        }
    }

    /// After SSLClientAuthentication: Accept decides.
    pub(super) fn client_authentication_done(&mut self, id: i32, accept: bool) {
        self.resume(id);
        if accept {
            self.established(id);
        } else {
            self.close_conn(
                id,
                Error::new(280, "Error verifying certificate: the client's certificate was not accepted"),
                true,
            );
        }
    }
}
