use super::*;

const GOOD: &str = "GET /chat?room=1 HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: keep-alive, Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Protocol: v2\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

fn reject(req: &str) -> Rejection {
    parse_request(req.as_bytes()).unwrap_err()
}

fn without(header: &str) -> String {
    GOOD.lines().filter(|l| !l.starts_with(header)).map(|l| format!("{l}\r\n")).collect::<String>()
}

#[test]
fn rfc_accept_key_example() {
    // §1.3: the sample nonce gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
    assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#[test]
fn accept_key_agrees_with_tungstenite() {
    for key in ["dGhlIHNhbXBsZSBub25jZQ==", "AQIDBAUGBwgJCgsMDQ4PEA==", "x3JJHMbDL1EzLkh9GBhXDw=="] {
        assert_eq!(accept_key(key.as_bytes()), tungstenite::handshake::derive_accept_key(key.as_bytes()));
    }
}

#[test]
fn parses_a_good_request() {
    let (r, used) = parse_request(GOOD.as_bytes()).unwrap().unwrap();
    assert_eq!(used, GOOD.len());
    assert_eq!(r.uri, "/chat?room=1");
    assert_eq!(r.host, "server.example.com");
    assert_eq!(r.origin, "http://example.com");
    assert_eq!(r.protocols, ["chat", "superchat", "v2"]);
    assert_eq!(r.protocols_text(), "chat, superchat, v2");
    assert_eq!(r.extensions, ["permessage-deflate; client_max_window_bits"]);
    assert_eq!(r.extensions_text(), "permessage-deflate; client_max_window_bits");
    assert_eq!(r.accept_key(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(r.headers.len(), 9);
    assert_eq!(r.header("sec-websocket-version"), Some("13"));
    let text = r.headers_text();
    assert!(text.starts_with("Host: server.example.com\r\nUpgrade: websocket\r\n"));
    assert!(text.ends_with("Sec-WebSocket-Version: 13"));
    assert_eq!(text.lines().count(), 9);
}

#[test]
fn incomplete_then_pipelined_bytes_kept() {
    let bytes = GOOD.as_bytes();
    for cut in 0..bytes.len() {
        assert_eq!(parse_request(&bytes[..cut]), Ok(None), "cut at {cut}");
    }
    let mut with_frame = bytes.to_vec();
    with_frame.extend_from_slice(&[0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let (_, used) = parse_request(&with_frame).unwrap().unwrap();
    assert_eq!(&with_frame[used..], &[0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

#[test]
fn tokens_are_case_insensitive() {
    let req = GOOD.replace("Upgrade: websocket", "UPGRADE: WebSocket").replace("keep-alive, Upgrade", "UPGRADE");
    assert!(parse_request(req.as_bytes()).unwrap().is_some());
    let req = without("Connection").replace("\r\n\r\n", "\r\nConnection: keep-alive\r\nconnection: upgrade\r\n\r\n");
    assert!(parse_request(req.as_bytes()).unwrap().is_some(), "token in a second Connection header");
    let req = GOOD.replace("Upgrade: websocket", "Upgrade: h2c, websocket");
    assert!(parse_request(req.as_bytes()).unwrap().is_some(), "websocket in an Upgrade list");
    let req = GOOD.replace("Upgrade: websocket", "Upgrade: websocketx");
    assert_eq!(reject(&req).status, 426, "tokens match whole");
}

#[test]
fn pipelined_first_frame_reaches_the_decoder() {
    use crate::ws::decoder::{Decoder, DecoderConfig, Item, MessageKind, Payload};
    use crate::ws::deflate::{negotiate, DeflatePolicy};
    use crate::ws::frame::{encode_masked_frame, OpCode};
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend(encode_masked_frame(true, false, OpCode::Text, [9, 8, 7, 6], b"first"));
    let (req, used) = parse_request(&bytes).unwrap().unwrap();
    let agreed = negotiate(&req.extensions, &DeflatePolicy::default()).unwrap();
    assert_eq!(agreed.response, "permessage-deflate");
    let resp = String::from_utf8(accept_response(&req.accept_key(), Some("chat"), Some(&agreed.response), "")).unwrap();
    assert!(resp.contains("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    let mut d = Decoder::new(&DecoderConfig { deflate: Some(agreed.params), ..Default::default() });
    let rest = &mut bytes[used..];
    let n = rest.len();
    let (c, item) = d.decode(rest);
    assert_eq!(c, n);
    assert_eq!(item, Some(Item::Data { kind: MessageKind::Text, payload: Payload::Borrowed(b"first"), fin: true }));
}

#[test]
fn wrong_method_is_405() {
    let r = reject(&GOOD.replace("GET /chat", "POST /chat"));
    assert_eq!(r.status, 405);
    let resp = String::from_utf8(r.response()).unwrap();
    assert!(resp.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    assert!(resp.contains("\r\nAllow: GET\r\n"));
}

#[test]
fn bad_requests_are_400() {
    assert_eq!(reject(&GOOD.replace("HTTP/1.1", "HTTP/1.0")).status, 400);
    assert_eq!(reject(&without("Host")).status, 400);
    assert_eq!(reject(&GOOD.replace("Host: server.example.com\r\n", "Host: a\r\nHost: b\r\n")).status, 400);
    assert_eq!(reject(&without("Connection")).status, 400);
    assert_eq!(reject(&without("Sec-WebSocket-Key")).status, 400);
    assert_eq!(reject(&GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ==")).status, 400, "10 bytes");
    assert_eq!(reject(&GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "not base64!!")).status, 400);
    assert_eq!(reject("GET / HTTP/1.1\r\nHo st: x\r\n\r\n").status, 400, "malformed header name");
    assert_eq!(reject("\x01\x02 garbage\r\n\r\n").status, 400);
}

#[test]
fn versions_and_plain_http_are_426() {
    for req in [GOOD.replace("Version: 13", "Version: 8"), without("Sec-WebSocket-Version")] {
        let r = reject(&req);
        assert_eq!(r.status, 426);
        assert!(String::from_utf8(r.response()).unwrap().contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }
    let plain = reject("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(plain.status, 426);
    assert!(String::from_utf8(plain.response()).unwrap().contains("\r\nUpgrade: websocket\r\n"));
}

#[test]
fn too_many_or_too_large_headers_are_431() {
    let many: String = (0..MAX_HEADERS).map(|i| format!("X-H{i}: v\r\n")).collect();
    let req = GOOD.replace("\r\n\r\n", &format!("\r\n{many}\r\n"));
    assert_eq!(reject(&req).status, 431);
    let big = format!("X-Big: {}\r\n", "a".repeat(MAX_REQUEST_BYTES));
    assert_eq!(reject(&GOOD.replace("\r\n\r\n", &format!("\r\n{big}\r\n"))).status, 431);
    // An endless head that never completes is refused once past the limit.
    let endless = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_REQUEST_BYTES + 1));
    assert_eq!(reject(&endless).status, 431);
    let fits = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(100));
    assert_eq!(parse_request(fits.as_bytes()), Ok(None));
}

#[test]
fn accept_response_form() {
    let r =
        accept_response("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Some("chat"), Some("permessage-deflate"), "X-A: 1\nX-B: 2\r\n");
    assert_eq!(
        String::from_utf8(r).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
         Sec-WebSocket-Extensions: permessage-deflate\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
    );
    let r = String::from_utf8(accept_response("k", None, Some(""), "")).unwrap();
    assert!(
        !r.contains("Sec-WebSocket-Protocol") && !r.contains("Sec-WebSocket-Extensions") && r.ends_with("k\r\n\r\n")
    );
}

#[test]
fn error_response_form() {
    let r = String::from_utf8(error_response(401, "WWW-Authenticate: Basic realm=\"Secure Realm\"", "")).unwrap();
    let (head, body) = r.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
    assert!(head.contains("\r\nWWW-Authenticate: Basic realm=\"Secure Realm\"\r\n"));
    assert!(head.contains("\r\nConnection: close"));
    assert!(head.contains(&format!("\r\nContent-Length: {}", body.len())));
    assert_eq!(body, "Unauthorized\n");
    let r = String::from_utf8(error_response(599, "", "custom")).unwrap();
    assert!(r.starts_with("HTTP/1.1 599 Error\r\n") && r.ends_with("\r\n\r\ncustom\n"));
}

#[test]
fn injected_line_breaks_cannot_end_the_head() {
    let r = String::from_utf8(accept_response("k", None, None, "X-A: 1\r\n\r\nBODY")).unwrap();
    assert!(r.ends_with("\r\nX-A: 1\r\n\r\n"), "{r:?}");
}
