//! WSServer over real sockets on 127.0.0.1: the opening handshake and its
//! refusals, RFC 6455 violations closed with the right code, the close
//! handshake, permessage-deflate limits and backpressure. Clients are raw
//! sockets (to break the protocol on purpose) and tungstenite.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pier::core::value::Value;
use pier::ws::decoder::MessageKind;
use pier::ws::props::*;
use pier::ws::protocol::SendKind;
use pier::ws::{WsEvent, WsServer};

type Hook = Arc<dyn Fn(&WsServer, &mut WsEvent) -> bool + Send + Sync>;

/// A WSServer echoing whole messages, pumped on its own thread; every event
/// is recorded.
struct Echo {
    server: Arc<WsServer>,
    port: u16,
    events: Arc<Mutex<Vec<WsEvent>>>,
    stop: Arc<AtomicBool>,
    pump: Option<JoinHandle<()>>,
}

impl Echo {
    fn start(configs: &[&str], on_open: Option<fn(&mut WsEvent)>) -> Echo {
        Self::start_with(configs, on_open, None)
    }

    /// `hook` sees every event first; true means "handled, do not echo".
    fn start_with(configs: &[&str], on_open: Option<fn(&mut WsEvent)>, hook: Option<Hook>) -> Echo {
        let server = Arc::new(WsServer::new().unwrap());
        server.config("BufferMessage=True").unwrap();
        for c in configs {
            server.config(c).unwrap();
        }
        let events = Arc::new(Mutex::new(Vec::new()));
        let (ev2, weak) = (events.clone(), Arc::downgrade(&server));
        server.set_handler(Some(Arc::new(move |ev: &mut WsEvent| {
            if let (WsEvent::WebSocketOpenRequest { .. }, Some(f)) = (&ev, on_open) {
                f(ev);
            }
            ev2.lock().unwrap().push(ev.clone());
            let s = weak.upgrade().unwrap();
            if hook.as_ref().is_some_and(|h| h(&s, ev)) {
                return;
            }
            if let WsEvent::DataIn { connection_id, data_format, text, .. } = ev {
                let kind = if *data_format == 1 { SendKind::Text } else { SendKind::Binary };
                let _ = s.send_kind(*connection_id, kind, text);
            }
        })));
        server.set(PIER_WSSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1".to_string())).unwrap();
        server.start_listening().unwrap();
        let port = server.get(PIER_WSSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
        let stop = Arc::new(AtomicBool::new(false));
        let (s2, stop2) = (server.clone(), stop.clone());
        let pump = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                s2.do_events().unwrap();
            }
        });
        Echo { server, port, events, stop, pump: Some(pump) }
    }

    fn wait_for(&self, what: &str, f: impl Fn(&WsEvent) -> bool) -> WsEvent {
        let t = Instant::now();
        loop {
            if let Some(e) = self.events.lock().unwrap().iter().find(|e| f(e)) {
                return e.clone();
            }
            assert!(t.elapsed() < Duration::from_secs(10), "no {what}: {:?}", self.events.lock().unwrap());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn count(&self, f: impl Fn(&WsEvent) -> bool) -> usize {
        self.events.lock().unwrap().iter().filter(|e| f(e)).count()
    }

    fn disconnected(&self) -> (i32, String) {
        match self.wait_for("Disconnected", |e| matches!(e, WsEvent::Disconnected { .. })) {
            WsEvent::Disconnected { status_code, description, .. } => (status_code, description),
            _ => unreachable!(),
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(p) = self.pump.take() {
            let _ = p.join();
        }
    }
}

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn request(extra: &str) -> String {
    format!(
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads an HTTP response head.
fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).unwrap() == 0 {
            break;
        }
        head.push(b[0]);
    }
    String::from_utf8(head).unwrap()
}

fn open(port: u16, extra: &str) -> TcpStream {
    let mut s = connect(port);
    s.write_all(request(extra).as_bytes()).unwrap();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), "{head}");
    s
}

fn frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mut f = vec![(if fin { 0x80 } else { 0 }) | (rsv << 4) | opcode];
    let m = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n if n < 65536 => {
            f.push(m | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(m | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x37, 0xfa, 0x21, 0x3d];
    if masked {
        f.extend_from_slice(&key);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        f.extend_from_slice(payload);
    }
    f
}

/// Reads one server frame: (opcode, payload).
fn read_frame(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    read_frame_full(s).map(|(b0, p)| (b0 & 0x0f, p))
}

/// Reads one server frame: (first header byte: FIN, RSV, opcode; payload).
fn read_frame_full(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).ok()?;
    assert_eq!(h[1] & 0x80, 0, "server frames are never masked");
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).unwrap();
            u16::from_be_bytes(b) as usize
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).unwrap();
            u64::from_be_bytes(b) as usize
        }
        n => n as usize,
    };
    let mut p = vec![0u8; len];
    s.read_exact(&mut p).unwrap();
    Some((h[0], p))
}

/// Reads frames up to the server's Close; its code.
fn close_code(s: &mut TcpStream) -> u16 {
    loop {
        match read_frame(s) {
            Some((8, p)) => return u16::from_be_bytes([p[0], p[1]]),
            Some(_) => continue,
            None => panic!("closed without a Close frame"),
        }
    }
}

/// After the server's Close, the server ends the TCP connection.
fn assert_tcp_closed(s: &mut TcpStream) {
    let mut b = [0u8; 16];
    match s.read(&mut b) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("{n} more bytes after the Close"),
    }
}

#[test]
fn echo_with_tungstenite_text_binary_ping_and_close() {
    let e = Echo::start(&[], None);
    let (mut ws, resp) = tungstenite::connect(format!("ws://127.0.0.1:{}/room?x=1", e.port)).unwrap();
    assert_eq!(resp.status(), 101);
    use tungstenite::Message;
    ws.send(Message::text("héllo")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("héllo"));
    ws.send(Message::binary(vec![0u8, 1, 2, 255])).unwrap();
    assert_eq!(ws.read().unwrap(), Message::binary(vec![0u8, 1, 2, 255]));
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    ws.send(Message::binary(big.clone())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::binary(big));
    ws.send(Message::Ping(b"abc".to_vec().into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong(b"abc".to_vec().into()));
    e.wait_for("Ping", |e| matches!(e, WsEvent::Ping { payload, response: false, .. } if payload == b"abc"));
    let open = e.wait_for("open request", |e| matches!(e, WsEvent::WebSocketOpenRequest { .. }));
    let WsEvent::WebSocketOpenRequest { request_uri, host_header, .. } = open else { unreachable!() };
    assert_eq!(request_uri, "/room?x=1");
    assert_eq!(host_header, format!("127.0.0.1:{}", e.port));
    let id = match e.wait_for("Connected", |e| matches!(e, WsEvent::Connected { .. })) {
        WsEvent::Connected { connection_id, .. } => connection_id,
        _ => unreachable!(),
    };
    assert_eq!(e.server.get(PIER_WSSERVER_PROP_CONNREQUESTURI, id).unwrap().into_string(), "/room?x=1");
    ws.close(Some(tungstenite::protocol::CloseFrame { code: 1001.into(), reason: "bye".into() })).unwrap();
    loop {
        match ws.read() {
            Ok(_) => continue,
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(err) => panic!("{err}"),
        }
    }
    assert_eq!(e.disconnected(), (1001, "bye".to_string()));
}

#[test]
fn bad_opening_requests_get_an_http_answer_and_a_close() {
    let e = Echo::start(&[], None);
    let cases: &[(String, &str)] = &[
        (request("").replace("GET", "POST"), "HTTP/1.1 405 "),
        (request("").replace(&format!("Sec-WebSocket-Key: {KEY}\r\n"), ""), "HTTP/1.1 400 "),
        (request("").replace("Version: 13", "Version: 8"), "HTTP/1.1 426 "),
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_string(), "HTTP/1.1 426 "),
        (request(&format!("X-Big: {}\r\n", "a".repeat(9000))), "HTTP/1.1 431 "),
        ("NOT HTTP AT ALL\r\n\r\n".to_string(), "HTTP/1.1 400 "),
    ];
    for (req, want) in cases {
        let mut s = connect(e.port);
        let _ = s.write_all(req.as_bytes());
        let head = read_head(&mut s);
        assert!(head.starts_with(want), "{want} for {:?}: got {head:?}", &req[..req.len().min(40)]);
        if want.contains("426") {
            assert!(head.contains("Sec-WebSocket-Version: 13\r\n"), "{head}");
        }
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest); // the body, then the close
    }
}

#[test]
fn a_first_frame_pipelined_behind_the_request_is_not_lost() {
    let e = Echo::start(&[], None);
    let mut s = connect(e.port);
    let mut bytes = request("").into_bytes();
    bytes.extend(frame(true, 0, 1, b"early", true));
    s.write_all(&bytes).unwrap();
    assert!(read_head(&mut s).starts_with("HTTP/1.1 101 "));
    assert_eq!(read_frame(&mut s).unwrap(), (1, b"early".to_vec()));
}

#[test]
fn violations_fail_the_connection_with_their_close_code() {
    let e = Echo::start(&["MaxMessageSize=1000"], None);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("unmasked frame", frame(true, 0, 1, b"hi", false), 1002),
        ("reserved opcode", frame(true, 0, 3, b"", true), 1002),
        ("RSV2 without extension", frame(true, 2, 1, b"x", true), 1002),
        ("RSV1 without permessage-deflate", frame(true, 4, 1, b"x", true), 1002),
        ("ping over 125 bytes", frame(true, 0, 9, &[0u8; 126], true), 1002),
        ("fragmented ping", frame(false, 0, 9, b"x", true), 1002),
        ("continuation first", frame(true, 0, 0, b"x", true), 1002),
        ("close code 1005 on the wire", frame(true, 0, 8, &1005u16.to_be_bytes(), true), 1002),
        ("close code 999", frame(true, 0, 8, &999u16.to_be_bytes(), true), 1002),
        ("close body of one byte", frame(true, 0, 8, &[3], true), 1002),
        ("invalid UTF-8", frame(true, 0, 1, b"\xc3\x28", true), 1007),
        ("message over MaxMessageSize", frame(true, 0, 2, &[7u8; 1001], true), 1009),
    ];
    for (what, bytes, code) in cases {
        let mut s = open(e.port, "");
        s.write_all(&bytes).unwrap();
        assert_eq!(close_code(&mut s), code, "{what}");
        assert_tcp_closed(&mut s);
    }
    let t = Instant::now();
    while e.count(|e| matches!(e, WsEvent::Disconnected { .. })) < 12 {
        assert!(t.elapsed() < Duration::from_secs(10), "not every violation ended its connection");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(e.count(|e| matches!(e, WsEvent::Error { .. })), 12, "each violation fires Error");
}

#[test]
fn invalid_utf8_fails_as_soon_as_it_arrives_mid_message() {
    let e = Echo::start(&[], None);
    let mut s = open(e.port, "");
    // The first fragment of a text message ends in a byte no UTF-8 sequence
    // can hold: the server must not wait for the rest of the message.
    s.write_all(&frame(false, 0, 1, b"ok so far \xff", true)).unwrap();
    assert_eq!(close_code(&mut s), 1007);
    let (code, _) = e.disconnected();
    assert_eq!(code, 1007);
    assert!(e.events.lock().unwrap().iter().any(|e| matches!(e, WsEvent::Error { error_code: 1007, .. })));
}

#[test]
fn deflate_bomb_closes_with_1009_before_the_memory_is_spent() {
    let e = Echo::start(&["MaxMessageSize=100000"], None);
    let mut s = open(e.port, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    // 10 MB of zeros compress to about 10 KB.
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 10_000_000]).unwrap();
    let body = z.finish().unwrap();
    assert!(body.len() < 20_000);
    s.write_all(&frame(true, 4, 2, &body, true)).unwrap();
    assert_eq!(close_code(&mut s), 1009);
}

#[test]
fn an_offer_demanding_an_8_bit_window_is_met_with_uncompressed_messages() {
    // zlib cannot compress with an 8-bit window: the server accepts the offer
    // as asked and never sends a compressed message, while the client's
    // compressed messages are inflated.
    let e = Echo::start(&[], None);
    let mut s = connect(e.port);
    s.write_all(request("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=8\r\n").as_bytes())
        .unwrap();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(head.contains("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=8\r\n"), "{head}");
    let msg = "eight bits ".repeat(100);
    let mut z = flate2::Compress::new(flate2::Compression::default(), false);
    let mut body = Vec::with_capacity(4096);
    z.compress_vec(msg.as_bytes(), &mut body, flate2::FlushCompress::Sync).unwrap();
    assert!(body.ends_with(&[0, 0, 0xff, 0xff]));
    body.truncate(body.len() - 4);
    for _ in 0..2 {
        s.write_all(&frame(true, 4, 1, &body, true)).unwrap();
        let (b0, p) = read_frame_full(&mut s).unwrap();
        assert_eq!(b0, 0x81, "an uncompressed text frame (RSV1 clear)");
        assert_eq!(p, msg.as_bytes());
        z.reset();
    }
    let id = connected_id(&e, 0);
    e.server.broadcast(&[id], MessageKind::Text, b"to all").unwrap();
    assert_eq!(read_frame_full(&mut s).unwrap(), (0x81, b"to all".to_vec()));
}

#[test]
fn disconnect_runs_the_close_handshake() {
    let e = Echo::start(&["DisconnectStatusCode=4000", "DisconnectStatusDescription=go away"], None);
    let mut s = open(e.port, "");
    let id = match e.wait_for("Connected", |e| matches!(e, WsEvent::Connected { .. })) {
        WsEvent::Connected { connection_id, .. } => connection_id,
        _ => unreachable!(),
    };
    e.server.disconnect(id).unwrap();
    let (op, p) = read_frame(&mut s).unwrap();
    assert_eq!((op, &p[..2], &p[2..]), (8, &4000u16.to_be_bytes()[..], &b"go away"[..]));
    // The server waits for our Close (WaitForCloseResponse True).
    std::thread::sleep(Duration::from_millis(100));
    assert!(!e.events.lock().unwrap().iter().any(|e| matches!(e, WsEvent::Disconnected { .. })));
    s.write_all(&frame(true, 0, 8, &4000u16.to_be_bytes(), true)).unwrap();
    assert_tcp_closed(&mut s);
    assert_eq!(e.disconnected().0, 4000);
}

#[test]
fn a_dropped_tcp_connection_reports_1006() {
    let e = Echo::start(&[], None);
    let s = open(e.port, "");
    e.wait_for("Connected", |e| matches!(e, WsEvent::Connected { .. }));
    drop(s);
    assert_eq!(e.disconnected().0, 1006);
}

#[test]
fn the_application_refuses_with_its_status_and_headers() {
    let e = Echo::start(
        &[],
        Some(|ev| {
            if let WsEvent::WebSocketOpenRequest { status_code, response_headers, .. } = ev {
                *status_code = 401;
                *response_headers = "WWW-Authenticate: Basic realm=\"pier\"".into();
            }
        }),
    );
    let mut s = connect(e.port);
    s.write_all(request("").as_bytes()).unwrap();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 401 "), "{head}");
    assert!(head.contains("WWW-Authenticate: Basic realm=\"pier\"\r\n"), "{head}");
    assert_eq!(e.disconnected().0, 401);
    assert!(!e.events.lock().unwrap().iter().any(|e| matches!(e, WsEvent::Connected { .. })));
}

#[test]
fn a_stalled_handshake_ends_after_handshake_timeout() {
    let e = Echo::start(&["HandshakeTimeout=1"], None);
    let mut s = connect(e.port);
    s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let t = Instant::now();
    let head = read_head(&mut s);
    assert!(head.starts_with("HTTP/1.1 408 "), "{head}");
    assert!(t.elapsed() >= Duration::from_millis(800));
    assert_eq!(e.disconnected().0, 10060);
}

#[test]
fn a_client_that_never_reads_gets_10035_then_ready_to_send() {
    let e = Echo::start(&[], None);
    let mut s = open(e.port, "");
    let id = match e.wait_for("Connected", |e| matches!(e, WsEvent::Connected { .. })) {
        WsEvent::Connected { connection_id, .. } => connection_id,
        _ => unreachable!(),
    };
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 0usize;
    let err = loop {
        match e.server.send_kind(id, SendKind::Binary, &chunk) {
            Ok(()) => sent += 1,
            Err(err) => break err,
        }
        assert!(sent < 10_000, "the queue never filled");
    };
    assert_eq!(err.code, 10035);
    assert_eq!(e.server.get(PIER_WSSERVER_PROP_CONNBYTESSENT, id).unwrap().as_i64().unwrap(), 0);
    assert!(!e.server.get(PIER_WSSERVER_PROP_CONNREADYTOSEND, id).unwrap().as_bool().unwrap());
    // Memory stays bounded: the refusal queued nothing more.
    let rts = |e: &WsEvent| matches!(e, WsEvent::ReadyToSend { .. });
    let before = e.count(rts);
    for _ in 0..sent {
        assert_eq!(read_frame(&mut s).unwrap().1.len(), chunk.len());
    }
    let t = Instant::now();
    while e.count(rts) == before {
        assert!(t.elapsed() < Duration::from_secs(10), "no ReadyToSend after the client read");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(e.server.get(PIER_WSSERVER_PROP_CONNREADYTOSEND, id).unwrap().as_bool().unwrap());
}

fn connected_id(e: &Echo, nth: usize) -> i32 {
    let t = Instant::now();
    loop {
        let ids: Vec<i32> = e
            .events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                WsEvent::Connected { connection_id, .. } => Some(*connection_id),
                _ => None,
            })
            .collect();
        if ids.len() > nth {
            return ids[nth];
        }
        assert!(t.elapsed() < Duration::from_secs(10), "no Connected #{nth}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Inflates a permessage-deflate payload (RFC 7692 §7.2.2: append 00 00 ff
/// ff) with the connection's decompressor (context takeover keeps its window).
fn inflate(d: &mut flate2::Decompress, payload: &[u8]) -> Vec<u8> {
    let mut input = payload.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(1 << 20);
    d.decompress_vec(&input, &mut out, flate2::FlushDecompress::Sync).unwrap();
    out
}

#[test]
fn the_deflate_budget_gives_dedicated_then_shared_then_no_compression() {
    let budget = 320 * 1024 + 48 * 1024;
    let e = Echo::start(&[&format!("DeflateMemoryBudget={budget}")], None);
    let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    let head = |s: &mut TcpStream| {
        s.write_all(request(offer).as_bytes()).unwrap();
        read_head(s)
    };
    let mut a = connect(e.port);
    let ha = head(&mut a);
    assert!(ha.contains("Sec-WebSocket-Extensions: permessage-deflate"), "{ha}");
    assert!(!ha.contains("no_context_takeover"), "the first gets a dedicated compressor: {ha}");
    let mut b = connect(e.port);
    let hb = head(&mut b);
    assert!(hb.contains("server_no_context_takeover; client_no_context_takeover"), "then the shared tier: {hb}");
    let mut c = connect(e.port);
    let hc = head(&mut c);
    assert!(hc.starts_with("HTTP/1.1 101 ") && !hc.contains("Sec-WebSocket-Extensions"), "then none: {hc}");
    let (ia, ib, ic) = (connected_id(&e, 0), connected_id(&e, 1), connected_id(&e, 2));
    let tier = |id: i32| e.server.config(&format!("DeflateTier[{id}]")).unwrap();
    assert_eq!((tier(ia), tier(ib), tier(ic)), ("2".into(), "1".into(), "0".into()));
    assert_eq!(e.server.config("DeflateMemoryInUse").unwrap(), budget.to_string());
    // Each echoes: compressed (RSV1) on the first two, plain on the third.
    let msg = "compress me ".repeat(40);
    for (s, compressed) in [(&mut a, true), (&mut b, true), (&mut c, false)] {
        let mut d = flate2::Decompress::new(false);
        for _ in 0..2 {
            s.write_all(&frame(true, 0, 1, msg.as_bytes(), true)).unwrap();
            let (b0, p) = read_frame_full(s).unwrap();
            assert_eq!(b0 & 0x40 != 0, compressed);
            let text = if compressed { inflate(&mut d, &p) } else { p };
            assert_eq!(text, msg.as_bytes());
        }
    }
    drop(a);
    let t = Instant::now();
    while e.server.config("DeflateMemoryInUse").unwrap() != (48 * 1024).to_string() {
        assert!(t.elapsed() < Duration::from_secs(10), "the budget was not given back");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn broadcast_reaches_every_connection_and_names_bad_ids() {
    let e = Echo::start(&["DeflateMemoryBudget=0"], None);
    let mut clients: Vec<TcpStream> = (0..3).map(|_| open(e.port, "")).collect();
    let ids: Vec<i32> = (0..3).map(|i| connected_id(&e, i)).collect();
    e.server.broadcast(&[], MessageKind::Text, b"to everyone").unwrap();
    for c in clients.iter_mut() {
        assert_eq!(read_frame(c).unwrap(), (1, b"to everyone".to_vec()));
    }
    let err = e.server.broadcast(&[ids[0], 999_999, ids[2]], MessageKind::Binary, b"\x01\x02").unwrap_err();
    assert_eq!(err.code, 126);
    assert_eq!(read_frame(&mut clients[0]).unwrap(), (2, vec![1, 2]));
    assert_eq!(read_frame(&mut clients[2]).unwrap(), (2, vec![1, 2]));
    assert_eq!(e.server.broadcast(&[], MessageKind::Text, b"\xff").unwrap_err().code, 906);
}

#[test]
fn keepalive_pings_idle_clients_and_closes_silent_ones() {
    let e = Echo::start(&["PingInterval=1", "PingTimeout=1"], None);
    let mut s = open(e.port, "");
    let (op, payload) = read_frame(&mut s).unwrap();
    assert_eq!(op, 9, "a keepalive Ping");
    assert_eq!(payload, b"pier keepalive");
    // Never answered: closed, with a Disconnected that says why.
    let (code, text) = e.disconnected();
    assert_eq!(code, 10060);
    assert!(text.contains("keepalive"), "{text}");
    // A client that answers stays.
    let mut ok = open(e.port, "");
    for _ in 0..3 {
        let (op, p) = read_frame(&mut ok).unwrap();
        assert_eq!(op, 9);
        ok.write_all(&frame(true, 0, 10, &p, true)).unwrap();
    }
    assert_eq!(e.count(|e| matches!(e, WsEvent::Disconnected { .. })), 1);
}

#[test]
fn message_length_and_max_frame_size_shape_outgoing_frames() {
    let e = Echo::start(&["MaxFrameSize=4"], None);
    let mut s = open(e.port, "");
    let id = connected_id(&e, 0);
    e.server.send_kind(id, SendKind::Text, b"abcdefghij").unwrap();
    let frames: Vec<(u8, Vec<u8>)> = (0..3).map(|_| read_frame_full(&mut s).unwrap()).collect();
    assert_eq!(
        frames,
        [(0x01, b"abcd".to_vec()), (0x00, b"efgh".to_vec()), (0x80, b"ij".to_vec())],
        "text, continuation, final continuation"
    );
    e.server.config("MaxFrameSize=0").unwrap();
    e.server.config(&format!("MessageLength[{id}]=10")).unwrap();
    e.server.send_kind(id, SendKind::Binary, b"hello").unwrap();
    assert_eq!(e.server.config(&format!("MessageLength[{id}]")).unwrap(), "5");
    e.server.send_kind(id, SendKind::Binary, b"world").unwrap();
    assert_eq!(read_frame_full(&mut s).unwrap(), (0x02, b"hello".to_vec()));
    assert_eq!(read_frame_full(&mut s).unwrap(), (0x80, b"world".to_vec()));
    assert_eq!(e.server.config(&format!("MessageLength[{id}]")).unwrap(), "0");
}

#[test]
fn pieces_arrive_as_they_come_without_buffer_message() {
    let e = Echo::start_with(&["BufferMessage=False"], None, Some(Arc::new(|_: &WsServer, _: &mut WsEvent| true)));
    let mut s = open(e.port, "");
    s.write_all(&frame(false, 0, 1, b"ab", true)).unwrap();
    s.write_all(&frame(true, 0, 9, b"in between", true)).unwrap();
    s.write_all(&frame(true, 0, 0, b"cd", true)).unwrap();
    assert_eq!(read_frame(&mut s).unwrap(), (10, b"in between".to_vec()), "the Pong");
    let t = Instant::now();
    while e.count(|e| matches!(e, WsEvent::DataIn { .. })) < 2 {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    let pieces: Vec<(i32, Vec<u8>, bool)> = e
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            WsEvent::DataIn { data_format, text, eom, .. } => Some((*data_format, text.clone(), *eom)),
            _ => None,
        })
        .collect();
    assert_eq!(pieces, [(1, b"ab".to_vec(), false), (0, b"cd".to_vec(), true)]);
}

#[test]
fn line_mode_delivers_lines() {
    let hook: Hook = Arc::new(|s: &WsServer, ev: &mut WsEvent| {
        if let WsEvent::Connected { connection_id, .. } = ev {
            s.change_line_mode(*connection_id, true).unwrap();
            s.config(&format!("MaxLineLength[{connection_id}]=5")).unwrap();
        }
        matches!(ev, WsEvent::DataIn { .. })
    });
    let e = Echo::start_with(&[], None, Some(hook));
    let mut s = open(e.port, "");
    let id = connected_id(&e, 0);
    assert!(e.server.get(PIER_WSSERVER_PROP_CONNLINEMODE, id).unwrap().as_bool().unwrap());
    s.write_all(&frame(true, 0, 1, b"one\r\ntoolong\nlast", true)).unwrap();
    let t = Instant::now();
    while e.count(|e| matches!(e, WsEvent::DataIn { .. })) < 4 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", e.events.lock().unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }
    let lines: Vec<(Vec<u8>, bool, bool, i32)> = e
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            WsEvent::DataIn { text, eol, eom, data_format, .. } => Some((text.clone(), *eol, *eom, *data_format)),
            _ => None,
        })
        .collect();
    assert_eq!(
        lines,
        [
            (b"one".to_vec(), true, false, 0),
            (b"toolo".to_vec(), false, false, 0),
            (b"ng".to_vec(), true, false, 0),
            (b"last".to_vec(), false, true, 0),
        ]
    );
}

#[test]
fn send_file_and_a_blocking_send_stream_everything() {
    let dir = std::env::temp_dir().join(format!("pier-ws-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.bin");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let p = path.to_str().unwrap().to_string();
    let hook: Hook = Arc::new(move |s: &WsServer, ev: &mut WsEvent| {
        if let WsEvent::DataIn { connection_id, text, .. } = ev {
            let id = *connection_id;
            match &text[..] {
                b"file" => s.send_file(id, &p).unwrap(),
                b"block" => {
                    s.set(PIER_WSSERVER_PROP_CONNTIMEOUT, id, Value::Int(10)).unwrap();
                    s.send_kind(id, SendKind::Binary, &vec![b'z'; 2_000_000]).unwrap();
                    s.set(PIER_WSSERVER_PROP_CONNTIMEOUT, id, Value::Int(0)).unwrap();
                }
                _ => {}
            }
            return true;
        }
        false
    });
    let e = Echo::start_with(&["MaxFrameSize=100000"], None, Some(hook));
    let mut s = open(e.port, "");
    s.write_all(&frame(true, 0, 1, b"file", true)).unwrap();
    let mut got = Vec::new();
    let mut first = true;
    loop {
        let (b0, p) = read_frame_full(&mut s).unwrap();
        assert_eq!(b0 & 0x0f, if first { 2 } else { 0 }, "one binary message in fragments");
        assert!(p.len() <= 100_000);
        first = false;
        got.extend_from_slice(&p);
        if b0 & 0x80 != 0 {
            break;
        }
    }
    assert_eq!(got.len(), content.len());
    assert!(got == content, "SendFile is byte-exact");
    s.write_all(&frame(true, 0, 1, b"block", true)).unwrap();
    let mut total = 0;
    loop {
        let (b0, p) = read_frame_full(&mut s).unwrap();
        total += p.len();
        if b0 & 0x80 != 0 {
            break;
        }
    }
    assert_eq!(total, 2_000_000);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_closes_every_connection_with_the_close_handshake() {
    let e = Echo::start(&["WaitForCloseResponse=False"], None);
    let mut a = open(e.port, "");
    let mut b = open(e.port, "");
    connected_id(&e, 1);
    e.server.shutdown().unwrap();
    assert!(!e.server.get(PIER_WSSERVER_PROP_LISTENING, 0).unwrap().as_bool().unwrap());
    for s in [&mut a, &mut b] {
        assert_eq!(close_code(s), 1000);
        assert_tcp_closed(s);
    }
    let t = Instant::now();
    while e.count(|e| matches!(e, WsEvent::Disconnected { status_code: 1000, .. })) < 2 {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", e.events.lock().unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_ssl_cert_fields_describe_the_selected_certificate() {
    let dir = std::env::temp_dir().join(format!("pier-ws-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", "/CN=ws.example/O=pier", "-days", "30", "-addext", "subjectAltName=DNS:ws.example"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let fp = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let fp = String::from_utf8(fp.stdout).unwrap();
    let want = fp.trim().split('=').nth(1).unwrap().to_ascii_lowercase();
    let s = WsServer::new().unwrap();
    let text = |id: i32| s.get(id, 0).unwrap().into_string();
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTSUBJECT), "");
    let mut pem = std::fs::read(&key).unwrap();
    pem.extend(std::fs::read(&cert).unwrap());
    s.set(PIER_WSSERVER_PROP_SSLCERTSTORETYPE, 0, Value::Int(7)).unwrap();
    s.set(PIER_WSSERVER_PROP_SSLCERTSTORE, 0, Value::Bytes(pem)).unwrap();
    s.set(PIER_WSSERVER_PROP_SSLCERTSUBJECT, 0, Value::text("*".to_string())).unwrap();
    assert!(text(PIER_WSSERVER_PROP_SSLCERTSUBJECT).contains("CN=ws.example"));
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTFINGERPRINTSHA256), want);
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTTHUMBPRINTSHA256), want);
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTVERSION), "V3");
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTPUBLICKEYALGORITHM), "ECDSA");
    assert_eq!(s.get(PIER_WSSERVER_PROP_SSLCERTPUBLICKEYLENGTH, 0).unwrap().as_i64().unwrap(), 256);
    assert!(text(PIER_WSSERVER_PROP_SSLCERTSUBJECTALTNAMES).contains("ws.example"));
    assert!(s.get(PIER_WSSERVER_PROP_SSLCERTPRIVATEKEYAVAILABLE, 0).unwrap().as_bool().unwrap());
    assert_eq!(text(PIER_WSSERVER_PROP_SSLCERTPRIVATEKEY), "", "never exported");
    assert_eq!(s.set(PIER_WSSERVER_PROP_SSLCERTISSUER, 0, Value::text("x".to_string())).unwrap_err().code, 907);
    // UseSSL: wss:// with that certificate.
    s.set(PIER_WSSERVER_PROP_USESSL, 0, Value::Bool(true)).unwrap();
    s.set(PIER_WSSERVER_PROP_LOCALHOST, 0, Value::text("127.0.0.1".to_string())).unwrap();
    s.start_listening().unwrap();
    let port = s.get(PIER_WSSERVER_PROP_LOCALPORT, 0).unwrap().as_i64().unwrap() as u16;
    let mut c = connect(port);
    c.write_all(request("").as_bytes()).unwrap();
    // A plaintext request to a TLS listener gets no HTTP answer.
    let t = Instant::now();
    let mut buf = [0u8; 64];
    while t.elapsed() < Duration::from_millis(300) {
        s.do_events().unwrap();
    }
    c.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let n = c.read(&mut buf).unwrap_or(0);
    assert!(!String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 101"));
    let _ = std::fs::remove_dir_all(&dir);
}
