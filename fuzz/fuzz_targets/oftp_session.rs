//! The Responder's session state machine (RFC 5024 §9) driven by any bytes:
//! the input is split into pieces fed to `Session::frame` /
//! `on_exchange_buffer` (or `on_exchange_buffer_with`) as the server does (the first octet picks the
//! application's answers: accept or refuse the SSID, a file, its close).
//! Must hold: no panic; every octet string the session sends is one whole
//! Stream Transmission Buffer whose header says its length and whose command
//! decodes at the session's level; no more than one buffer is ever held;
//! after an ESID no further octets are sent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::command::Command;
use pier::oftp::record::RecordEvent;
use pier::oftp::session::{Action, Config, ConnectResponse, Event, Session};
use pier::oftp::sth::{self, STH_LEN};

fn check_sent(_s: &Session, actions: &[Action], ended: &mut bool) {
    for a in actions {
        match a {
            Action::Send(stb) => {
                assert!(!*ended, "octets sent after the session ended");
                let (oeb, used) = sth::next_exchange_buffer(stb, sth::MAX_EXCHANGE_BUFFER)
                    .expect("a valid header")
                    .expect("a whole buffer");
                assert_eq!(used, stb.len(), "one buffer per send");
                if oeb.first() != Some(&b'D') {
                    // What we send must be what a peer at our level can read
                    // (the level may have been agreed by this very SSID).
                    use pier::oftp::Level::*;
                    let ok = [V12, V13, V14, V20].iter().any(|&l| Command::decode(oeb, l).is_ok());
                    assert!(ok, "undecodable command sent: {oeb:?}");
                }
            }
            Action::Event(Event::Ended { .. }) => *ended = true,
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let (mut s, actions) = Session::new(Config { auto_credit: choice & 1 == 0, ..Config::default() });
    let mut ended = false;
    check_sent(&s, &actions, &mut ended);
    let mut input: Vec<u8> = Vec::new();
    for (n, piece) in rest.chunks(1 + (choice as usize >> 4)).enumerate() {
        input.extend_from_slice(piece);
        loop {
            let total = match s.frame(&input) {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(actions) => {
                    check_sent(&s, &actions, &mut ended);
                    input.clear();
                    break;
                }
            };
            assert!(total <= STH_LEN + sth::MAX_EXCHANGE_BUFFER);
            // Both entries: the plain one, and the one that hands a DATA
            // buffer's records to a sink in the same pass (what OFTPServer
            // uses), whose literal octets can never exceed the buffer.
            let actions = if choice & 32 != 0 {
                let mut literal = 0usize;
                let a = s.on_exchange_buffer_with(&input[STH_LEN..total], |ev| {
                    if let RecordEvent::Data(d) = ev {
                        literal += d.len();
                    }
                });
                for act in &a {
                    if let Action::Event(Event::DataChecked { len }) = act {
                        assert!(literal <= *len, "more literal octets than the buffer holds");
                    }
                }
                a
            } else {
                s.on_exchange_buffer(&input[STH_LEN..total])
            };
            input.drain(..total);
            check_sent(&s, &actions, &mut ended);
            let mut answers = Vec::new();
            for a in &actions {
                match a {
                    Action::Event(Event::ConnectRequest(_)) => {
                        answers.push(if choice & 2 == 0 {
                            s.accept_connection(ConnectResponse::accept())
                        } else {
                            s.accept_connection(ConnectResponse::refuse(pier::oftp::reason::EsidReason::InvalidPassword))
                        });
                    }
                    Action::Event(Event::StartFile(_)) => answers.push(if choice & 4 == 0 {
                        s.accept_file(0, 0)
                    } else {
                        s.refuse_file(pier::oftp::command::Sfna {
                            reason: pier::oftp::reason::SfnaReason::DuplicateFile,
                            retry: false,
                            text: String::new(),
                        })
                    }),
                    Action::Event(Event::EndFile { .. }) => answers.push(s.close_file_response(Ok(choice & 8 != 0))),
                    Action::Event(Event::EndResponse(_) | Event::NegativeEndResponse(_)) => {
                        answers.push(s.ready_to_receive())
                    }
                    Action::Event(Event::ReadyToSend) => answers.push(s.end_session()),
                    Action::Event(Event::CreditExhausted) => answers.push(s.grant_credit()),
                    _ => {}
                }
            }
            for a in answers.into_iter().flatten() {
                check_sent(&s, &a, &mut ended);
            }
        }
        assert!(input.len() <= STH_LEN + sth::MAX_EXCHANGE_BUFFER + piece.len(), "more than one buffer held");
        if n % 7 == 6 {
            let a = s.on_timeout();
            check_sent(&s, &a, &mut ended);
        }
    }
});
