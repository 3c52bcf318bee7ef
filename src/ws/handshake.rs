//! The server's side of the opening handshake (RFC 6455 §4.2): parsing and
//! validating the client's upgrade request (§4.2.1), the 101 response with
//! `Sec-WebSocket-Accept` (§4.2.2), and real HTTP error answers otherwise.
//!
//! Parsing takes whatever bytes have arrived: an incomplete request asks for
//! more, and a complete one reports how many bytes it used, so a first frame
//! pipelined in the same segment stays for the frame decoder.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha1::{Digest, Sha1};

/// Most request header fields accepted; more get 431 (RFC 6585 §5).
pub const MAX_HEADERS: usize = 64;
/// Most bytes of request line and header fields accepted (8 KiB, what common
/// servers allow); a larger request head gets 431.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// The GUID the accept key is derived with (§1.3, §4.2.2).
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A validated upgrade request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The Request-URI of the request line (the reference's RequestURI).
    pub uri: String,
    /// The `Host` header value (HostHeader).
    pub host: String,
    /// The `Origin` header value, empty when absent (OriginHeader, §10.2).
    pub origin: String,
    /// `Sec-WebSocket-Key` as sent (base64 of 16 bytes).
    pub key: String,
    /// The offered sub-protocols in order, from every `Sec-WebSocket-Protocol` header.
    pub protocols: Vec<String>,
    /// Every `Sec-WebSocket-Extensions` header value, in order (parse with [`super::extensions`]).
    pub extensions: Vec<String>,
    /// All header fields in order of arrival, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The reference's SubProtocols text: the offered sub-protocols joined by ", ".
    pub fn protocols_text(&self) -> String {
        self.protocols.join(", ")
    }

    /// The reference's Extensions text: the extension header values joined by ", ".
    pub fn extensions_text(&self) -> String {
        self.extensions.join(", ")
    }

    /// The reference's RequestHeaders text: one `Name: value` line per header
    /// field in order of arrival, lines separated by CRLF, no trailing CRLF.
    pub fn headers_text(&self) -> String {
        let mut s = String::new();
        for (i, (n, v)) in self.headers.iter().enumerate() {
            if i > 0 {
                s.push_str("\r\n");
            }
            s.push_str(n);
            s.push_str(": ");
            s.push_str(v);
        }
        s
    }

    /// The first value of a header field (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Sec-WebSocket-Accept` value for this request.
    pub fn accept_key(&self) -> String {
        accept_key(self.key.as_bytes())
    }
}

/// Why a request is refused: the HTTP status, a short text for the body and
/// the `Disconnected`/`Log` text, and header lines the status calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status code (400, 405, 426, 431).
    pub status: u16,
    /// Why, in a few words.
    pub reason: &'static str,
    /// Extra header lines, each ending in CRLF (e.g. `Allow: GET\r\n`).
    pub headers: &'static str,
}

impl Rejection {
    const fn bad(reason: &'static str) -> Self {
        Rejection { status: 400, reason, headers: "" }
    }

    /// The whole HTTP response for this rejection.
    pub fn response(&self) -> Vec<u8> {
        error_response(self.status, self.headers, self.reason)
    }
}

/// `Sec-WebSocket-Version: 13` is the only version (§4.2.2 item 4 when another is asked).
const VERSION_HEADERS: &str = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
const TOO_LARGE: Rejection = Rejection { status: 431, reason: "request header fields too large", headers: "" };

/// Parses the request head in `buf`. `Ok(None)`: incomplete, read more and
/// call again with all bytes so far. `Ok(Some((request, used)))`: the head
/// took `used` bytes; the rest belongs to the frame decoder.
pub fn parse_request(buf: &[u8]) -> Result<Option<(Request, usize)>, Rejection> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let used = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_REQUEST_BYTES => return Err(TOO_LARGE),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(TOO_LARGE),
        Err(_) => return Err(Rejection::bad("malformed HTTP request")),
    };
    if used > MAX_REQUEST_BYTES {
        return Err(TOO_LARGE);
    }
    validate(&req).map(|r| Some((r, used)))
}

/// True when the comma-separated values of every `name` header hold `token`
/// (case-insensitive, §4.2.1 items 3–4 and RFC 7230 §7).
fn has_token(headers: &[httparse::Header<'_>], name: &str, token: &str) -> bool {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .flat_map(|h| h.value.split(|&b| b == b','))
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// The single value of a header that must appear once; `Err` if repeated.
fn single<'h>(headers: &'h [httparse::Header<'h>], name: &str) -> Result<Option<&'h [u8]>, ()> {
    let mut it = headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name));
    let first = it.next().map(|h| h.value);
    if it.next().is_some() {
        return Err(());
    }
    Ok(first)
}

fn validate(req: &httparse::Request<'_, '_>) -> Result<Request, Rejection> {
    // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
    if req.method != Some("GET") {
        return Err(Rejection { status: 405, reason: "method not allowed", headers: "Allow: GET\r\n" });
    }
    if req.version != Some(1) {
        return Err(Rejection::bad("HTTP/1.1 required"));
    }
    let h: &[httparse::Header<'_>] = req.headers;
    // Item 2: a Host header field (exactly one, RFC 7230 §5.4).
    let host = match single(h, "Host") {
        Ok(Some(v)) => text(v),
        _ => return Err(Rejection::bad("missing or repeated Host header")),
    };
    // Items 3-4. Without `Upgrade: websocket` this is a plain HTTP request:
    // 426 says which protocol to upgrade to (RFC 7231 §6.5.15).
    if !has_token(h, "Upgrade", "websocket") {
        return Err(Rejection { status: 426, reason: "WebSocket upgrade required", headers: VERSION_HEADERS });
    }
    if !has_token(h, "Connection", "upgrade") {
        return Err(Rejection::bad("Connection header without the upgrade token"));
    }
    // Item 6 and §4.2.2 item 4: only version 13; anything else gets 426 naming it.
    match single(h, "Sec-WebSocket-Version") {
        Ok(Some(v)) if v.trim_ascii() == b"13" => {}
        _ => return Err(Rejection { status: 426, reason: "unsupported WebSocket version", headers: VERSION_HEADERS }),
    }
    // Item 5: a nonce that base64-decodes to 16 bytes.
    let key = match single(h, "Sec-WebSocket-Key") {
        Ok(Some(v)) => v.trim_ascii(),
        _ => return Err(Rejection::bad("missing or repeated Sec-WebSocket-Key")),
    };
    if !matches!(B64.decode(key), Ok(k) if k.len() == 16) {
        return Err(Rejection::bad("Sec-WebSocket-Key is not 16 bytes in base64"));
    }
    let list = |name: &str| -> Vec<String> {
        h.iter()
            .filter(|x| x.name.eq_ignore_ascii_case(name))
            .flat_map(|x| x.value.split(|&b| b == b','))
            .map(|t| text(t.trim_ascii()))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let extensions = h
        .iter()
        .filter(|x| x.name.eq_ignore_ascii_case("Sec-WebSocket-Extensions"))
        .map(|x| text(x.value.trim_ascii()))
        .filter(|t| !t.is_empty())
        .collect();
    Ok(Request {
        uri: req.path.unwrap_or_default().to_string(),
        host,
        origin: h.iter().find(|x| x.name.eq_ignore_ascii_case("Origin")).map(|x| text(x.value)).unwrap_or_default(),
        key: text(key),
        protocols: list("Sec-WebSocket-Protocol"),
        extensions,
        headers: h.iter().map(|x| (x.name.to_string(), text(x.value))).collect(),
    })
}

/// `Sec-WebSocket-Accept`: base64(SHA-1(key + GUID)) (§4.2.2 item 5.4).
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(WS_GUID.as_bytes());
    B64.encode(sha.finalize())
}

/// Appends the application's header text (the reference's ResponseHeaders:
/// lines separated by CRLF or LF), each ending in CRLF. Lines are cut at any
/// CR or LF and those that are not `Name: value` are dropped, so no text can
/// end the head early or inject a body.
fn push_extra_headers(out: &mut String, extra: &str) {
    for line in extra.split(['\r', '\n']).map(str::trim).filter(|l| l.contains(':')) {
        out.push_str(line);
        out.push_str("\r\n");
    }
}

/// The 101 response accepting the upgrade (§4.2.2 item 5), with the chosen
/// sub-protocol, the negotiated extensions and the application's headers.
pub fn accept_response(accept: &str, protocol: Option<&str>, extensions: Option<&str>, extra_headers: &str) -> Vec<u8> {
    let mut s = String::with_capacity(160);
    s.push_str(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
    );
    s.push_str(accept);
    s.push_str("\r\n");
    if let Some(p) = protocol.map(str::trim).filter(|p| !p.is_empty()) {
        s.push_str("Sec-WebSocket-Protocol: ");
        s.push_str(p);
        s.push_str("\r\n");
    }
    if let Some(e) = extensions.map(str::trim).filter(|e| !e.is_empty()) {
        s.push_str("Sec-WebSocket-Extensions: ");
        s.push_str(e);
        s.push_str("\r\n");
    }
    push_extra_headers(&mut s, extra_headers);
    s.push_str("\r\n");
    s.into_bytes()
}

/// The standard reason phrase of an HTTP status (RFC 7231 §6, RFC 6585).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// A refusing response: status line, the given header lines, a short text
/// body with its `Content-Length`, and `Connection: close` since the server
/// closes after it (§4.2.2: "the server... SHOULD" send an HTTP error).
pub fn error_response(status: u16, extra_headers: &str, body: &str) -> Vec<u8> {
    let body = if body.is_empty() { reason_phrase(status) } else { body };
    let mut s = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    push_extra_headers(&mut s, extra_headers);
    s.push_str("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n");
    s.push_str(&format!("Content-Length: {}\r\n\r\n", body.len() + 1));
    s.push_str(body);
    s.push('\n');
    s.into_bytes()
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
