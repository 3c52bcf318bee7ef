//! The opening handshake (RFC 6455 §4.2): the request read whole, WebSocketOpenRequest,
//! then the 101 with the negotiated terms, or a refusal with an HTTP status.

use super::*;

impl WsProtocol {
    /// Refuses the opening request with an HTTP answer, then closes.
    pub(super) fn refuse(
        &self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        status: u16,
        headers: &str,
        status_error: Error,
    ) {
        cx.send(Segment::Owned(error_response(status, headers, "")));
        self.log(cx, c, 1, "Info", format!("Refused the opening request: {status} {}", reason_phrase(status)));
        self.finish(cx, c, status_error, false);
    }

    /// The opening request, once whole: WebSocketOpenRequest (or a refusal).
    pub(super) fn read_request(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn) -> Option<WsEvent> {
        match parse_request(&c.input) {
            Ok(None) => None,
            Ok(Some((req, used))) => {
                c.input.drain(..used);
                Some(self.open_request(cx, c, req))
            }
            Err(rej) => {
                cx.send(Segment::Owned(rej.response()));
                self.log(cx, c, 1, "Info", format!("Bad opening request: {} {}", rej.status, rej.reason));
                let text = format!("Bad opening request: {} {}", rej.status, rej.reason);
                self.finish(cx, c, Error::new(i32::from(rej.status), text), false);
                c.next_queued()
            }
        }
    }

    pub(super) fn open_request(&mut self, cx: &mut Ctx<'_, WsTimer>, c: &mut WsConn, req: Request) -> WsEvent {
        let headers = req.headers_text();
        let info = RequestInfo {
            uri: req.uri.clone(),
            host: req.host.clone(),
            origin: req.origin.clone(),
            headers: headers.clone(),
            sub_protocols: req.protocols_text(),
            key: req.key.clone(),
            extensions: req.extensions.clone(),
        };
        self.log(cx, c, 1, "Info", format!("GET {} (Host: {})", req.uri, req.host));
        self.log(cx, c, 2, "Verbose", headers.clone());
        let ev = WsEvent::WebSocketOpenRequest {
            connection_id: cx.id(),
            request_uri: info.uri.clone(),
            host_header: info.host.clone(),
            origin_header: info.origin.clone(),
            sub_protocols: info.sub_protocols.clone(),
            extensions: req.extensions_text(),
            request_headers: headers,
            status_code: 101,
            response_headers: String::new(),
        };
        *c.request = info;
        c.phase = Phase::Deciding;
        ev
    }

    /// After WebSocketOpenRequest: 101 opens the WebSocket, any other status
    /// refuses with it.
    pub(super) fn decide(
        &mut self,
        cx: &mut Ctx<'_, WsTimer>,
        c: &mut WsConn,
        status: i32,
        protocol: &str,
        response_headers: &str,
    ) {
        if c.phase != Phase::Deciding {
            return;
        }
        if status != 101 {
            let status = u16::try_from(status).ok().filter(|s| (200..=599).contains(s)).unwrap_or(400);
            let text = format!("Refused by the application: {status} {}", reason_phrase(status));
            self.refuse(cx, c, status, response_headers, Error::new(i32::from(status), text));
            return;
        }
        // DeflateMemoryBudget: a dedicated compressor while it has room, then
        // no context takeover (the shared compressor), then no compression.
        let budget = self.deflate_memory_budget;
        let used = self.deflate_memory_in_use;
        let dedicated_room = used + DEDICATED_DEFLATE_COST <= budget;
        let agreement = if self.enable_permessage_deflate && used + SHARED_DEFLATE_COST <= budget {
            let policy = DeflatePolicy {
                level: self.deflate_level,
                server_no_context_takeover: !dedicated_room,
                client_no_context_takeover: !dedicated_room,
                ..DeflatePolicy::default()
            };
            negotiate(&c.request.extensions, &policy)
        } else {
            None
        };
        // §4.2.2: the server answers with one of the client's sub-protocols
        // or none; the unchanged list (or a name it did not offer) selects none.
        let protocol = protocol.trim();
        let chosen = c.request.sub_protocols.split(',').map(str::trim).any(|p| !p.is_empty() && p == protocol);
        if !protocol.is_empty() && !chosen {
            self.log(cx, c, 2, "Verbose", format!("No sub-protocol selected (SubProtocols was '{protocol}')"));
        }
        let accept = accept_key(c.request.key.as_bytes());
        let ext = agreement.as_ref().map(|a| a.response.as_str());
        cx.send(Segment::Owned(accept_response(&accept, chosen.then_some(protocol), ext, response_headers)));
        let params = agreement.as_ref().map(|a| a.params);
        c.decoder = Decoder::new(&self.decoder_config(params));
        c.tier = match params {
            None => DeflateTier::None,
            Some(p) if p.server_no_context_takeover => DeflateTier::Shared,
            Some(_) => DeflateTier::Dedicated,
        };
        if let Some(p) = params {
            c.server_window_bits = p.server_max_window_bits;
            c.plain_out = p.server_max_window_bits < 9;
            if c.plain_out {
                // Only the inflater is needed: the shared tier's cost.
                c.tier = DeflateTier::Shared;
            } else if c.tier == DeflateTier::Dedicated {
                c.compressor = Some(Box::new(Compressor::new(self.deflate_level, p.server_max_window_bits, false)));
            }
        }
        self.deflate_memory_in_use += c.tier.cost();
        if self.ping_interval > 0 {
            cx.schedule(Instant::now() + Duration::from_secs(self.ping_interval as u64), WsTimer::Keepalive);
        }
        let terms = agreement.map_or_else(|| "no extensions".to_string(), |a| a.response);
        c.phase = Phase::Open;
        // What only the handshake needed: an idle connection keeps none of it.
        c.request.key = String::new();
        c.request.extensions = Vec::new();
        if c.input_start >= c.input.len() {
            c.input = Vec::new();
            c.input_start = 0;
        }
        self.log(cx, c, 1, "Info", format!("WebSocket open ({terms})"));
        cx.announce();
    }
}
