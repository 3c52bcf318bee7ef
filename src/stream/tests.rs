//! The transport's services that TCPServer does not use, checked with a
//! small protocol over real sockets on 127.0.0.1: an opening handshake of the
//! protocol's own (on_established false, then Ctx::announce), protocol
//! output through the out queue, protocol timers, a close the protocol asks
//! for, application sends through the out queue with water marks and
//! ReadyToSend, and one shared segment in several connections' queues.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::core::error::{codes, Error};

/// Lines ending in '\n'. "HELLO" opens the session (Connected fires then),
/// "PING" is answered "PONG" by the protocol itself, "TICK" arms a timer
/// that fires a Tick event, "BYE" makes the protocol close with 4000;
/// other lines are delivered.
struct Lines;

#[derive(Default)]
struct LinesConn {
    buf: Vec<u8>,
}

crate::stream_event_enum! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Ev {
        Line { connection_id: i32, text: Vec<u8> },
        Tick { connection_id: i32 },
    }
}

const HIGH: usize = 256 * 1024;

impl Protocol for Lines {
    type Conn = LinesConn;
    type Event = Ev;
    type Timer = u8;
    const QUEUE_HIGH_WATER: usize = HIGH;

    fn new() -> Self {
        Lines
    }

    fn on_open(&mut self, _cx: &mut Ctx<'_, u8>) -> LinesConn {
        LinesConn::default()
    }

    fn on_established(&mut self, _cx: &mut Ctx<'_, u8>, _c: &mut LinesConn) -> bool {
        false
    }

    fn on_input(&mut self, cx: &mut Ctx<'_, u8>, c: &mut LinesConn, data: &mut [u8]) -> Option<Ev> {
        c.buf.extend_from_slice(data);
        self.next_event(cx, c)
    }

    fn next_event(&mut self, cx: &mut Ctx<'_, u8>, c: &mut LinesConn) -> Option<Ev> {
        while let Some(p) = c.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = c.buf.drain(..=p).take(p).collect();
            match &line[..] {
                b"HELLO" => cx.announce(),
                b"PING" => cx.send(Segment::Owned(b"PONG\n".to_vec())),
                b"TICK" => cx.schedule(Instant::now() + Duration::from_millis(30), 7),
                b"BYE" => {
                    // Nothing after it is delivered.
                    cx.close(Error::new(4000, "bye"));
                    return None;
                }
                _ => return Some(Ev::Line { connection_id: cx.id(), text: line }),
            }
        }
        None
    }

    fn on_eof(&mut self, _cx: &mut Ctx<'_, u8>, _c: &mut LinesConn) -> Option<Ev> {
        None
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_, u8>, _c: &mut LinesConn, key: u8) -> Option<Ev> {
        assert_eq!(key, 7);
        Some(Ev::Tick { connection_id: cx.id() })
    }
}

type Srv = StreamServer<Lines>;

fn server() -> (Arc<Srv>, Arc<Mutex<Vec<Ev>>>, u16) {
    let s = Arc::new(Srv::new().unwrap());
    s.engine().lock().settings.local_host = "127.0.0.1".into();
    s.start_listening().unwrap();
    let port = s.engine().lock().local_port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = log.clone();
    s.set_handler(Some(Arc::new(move |ev: &mut Ev| l2.lock().unwrap().push(ev.clone()))));
    (s, log, port)
}

fn pump_until(s: &Srv, what: &str, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        s.do_events().unwrap();
    }
}

fn count(log: &Mutex<Vec<Ev>>, f: impl Fn(&Ev) -> bool) -> usize {
    log.lock().unwrap().iter().filter(|e| f(e)).count()
}

fn read_exact_pumping(s: &Srv, c: &mut TcpStream, n: usize) -> Vec<u8> {
    c.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
    let mut got = Vec::new();
    pump_until(s, "the bytes", || {
        let mut b = [0u8; 65536];
        if let Ok(k) = c.read(&mut b) {
            got.extend_from_slice(&b[..k]);
        }
        got.len() >= n
    });
    got
}

#[test]
fn the_protocol_announces_answers_times_and_closes() {
    let (s, log, port) = server();
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    pump_until(&s, "ConnectionRequest", || count(&log, |e| matches!(e, Ev::ConnectionRequest { .. })) == 1);
    // Accepted, but no Connected until the protocol's own handshake.
    for _ in 0..20 {
        s.do_events().unwrap();
    }
    assert_eq!(count(&log, |e| matches!(e, Ev::Connected { .. })), 0);
    c.write_all(b"HELLO\nfirst line\nPING\n").unwrap();
    pump_until(&s, "Connected", || count(&log, |e| matches!(e, Ev::Connected { .. })) == 1);
    pump_until(&s, "the line", || count(&log, |e| matches!(e, Ev::Line { .. })) == 1);
    {
        let log = log.lock().unwrap();
        let i = log.iter().position(|e| matches!(e, Ev::Connected { .. })).unwrap();
        assert!(matches!(log[i + 1], Ev::ReadyToSend { .. }), "ReadyToSend follows Connected: {log:?}");
        assert!(log.iter().any(|e| matches!(e, Ev::Line { text, .. } if text == b"first line")));
    }
    assert_eq!(read_exact_pumping(&s, &mut c, 5), b"PONG\n");

    c.write_all(b"TICK\n").unwrap();
    let t0 = Instant::now();
    pump_until(&s, "Tick", || count(&log, |e| matches!(e, Ev::Tick { .. })) == 1);
    assert!(t0.elapsed() >= Duration::from_millis(25), "the timer fired early");

    c.write_all(b"BYE\nnot delivered\n").unwrap();
    pump_until(&s, "Disconnected", || count(&log, |e| matches!(e, Ev::Disconnected { .. })) == 1);
    let log = log.lock().unwrap();
    let n = log.len();
    assert!(
        matches!(&log[n - 2], Ev::Error { error_code: 4000, .. })
            && matches!(&log[n - 1], Ev::Disconnected { status_code: 4000, description, .. } if description == "bye"),
        "{log:?}"
    );
    assert!(!log.iter().any(|e| matches!(e, Ev::Line { text, .. } if text == b"not delivered")));
    assert_eq!(s.engine().lock().conn_count(), 0);
}

#[test]
fn application_sends_queue_up_to_the_high_mark_then_ready_to_send() {
    let (s, log, port) = server();
    let mut a = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut b = TcpStream::connect(("127.0.0.1", port)).unwrap();
    a.write_all(b"HELLO\n").unwrap();
    b.write_all(b"HELLO\n").unwrap();
    pump_until(&s, "two connections", || count(&log, |e| matches!(e, Ev::Connected { .. })) == 2);
    let ids = s.engine().lock().conn_ids();

    // One 64 KiB frame, shared by both queues, sent until the queues pass
    // the high mark: the sends that are taken are taken whole.
    let frame: Arc<[u8]> = (0..65536u32).map(|i| (i % 253) as u8).collect::<Vec<u8>>().into();
    let mut taken = [0usize; 2];
    for (k, &id) in ids.iter().enumerate() {
        loop {
            match s.engine().lock().send_segment(id, Segment::Shared(frame.clone())) {
                Ok(()) => taken[k] += 1,
                Err(e) => {
                    assert_eq!(e.code, codes::WOULD_BLOCK);
                    break;
                }
            }
            assert!(taken[k] < 10_000, "the queue never filled");
        }
        let st = s.engine().lock();
        let c = &st.conn(id).unwrap().core;
        assert!(!c.ready_to_send && c.out.len() > HIGH, "queued {} bytes", c.out.len());
        assert!(c.out.len() <= HIGH + frame.len(), "at most one frame beyond the mark");
    }
    // The readers drain: every frame arrives whole and in order, and
    // ReadyToSend fires once per connection.
    for (k, c) in [&mut a, &mut b].into_iter().enumerate() {
        let got = read_exact_pumping(&s, c, taken[k] * frame.len());
        assert_eq!(got.len(), taken[k] * frame.len());
        assert!(got.chunks(frame.len()).all(|ch| ch == &frame[..]));
    }
    pump_until(&s, "ReadyToSend", || count(&log, |e| matches!(e, Ev::ReadyToSend { .. })) == 4);
    for &id in &ids {
        assert!(s.engine().lock().conn(id).unwrap().core.ready_to_send);
    }
}

#[test]
fn an_idle_tcp_connection_stays_small() {
    use crate::tcp::TcpProtocol;
    // The per-connection entry TCPServer keeps (docs/PERFORMANCE.md, idle
    // RSS per connection): a regression here costs every idle connection.
    let size = std::mem::size_of::<conn::Conn<TcpProtocol>>();
    assert!(size <= 272, "Conn<TcpProtocol> is {size} bytes");
    assert_eq!(std::mem::size_of::<outq::OutQueue>(), 8);
}
