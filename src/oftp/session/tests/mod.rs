//! Session tests: a scripted Initiator against the Responder state machine.

use super::*;
use crate::oftp::command::{
    CreditCount, Eerp, Efid, Efna, Efpa, ExchangeBufferSize, FileFormat, Nerp, SecurityLevel, Sfna,
};
use crate::oftp::reason::{EfnaReason, SfnaReason};
use crate::oftp::session::AuthPolicy;
use crate::oftp::stamp::FileStamp;
use crate::oftp::subrecord::BufferFiller;

fn config() -> Config {
    Config {
        ssid_code: "O0013SERVER".into(),
        password: "SRVPW".into(),
        buffer_size: ExchangeBufferSize::new(4096).unwrap(),
        credit: CreditCount::new(10).unwrap(),
        ..Config::default()
    }
}

fn peer_ssid(lev: u8) -> Ssid {
    Ssid {
        release_level: lev,
        code: "O0013CLIENT".into(),
        password: "CLIPW".into(),
        buffer_size: ExchangeBufferSize::new(2048).unwrap(),
        send_receive: SendReceive::Both,
        compression: true,
        restart: true,
        special_logic: false,
        credit: CreditCount::new(3).unwrap(),
        secure_authentication: false,
        user_data: String::new(),
    }
}

fn sfid(level: Level, format: FileFormat, restart: u64) -> Sfid {
    Sfid {
        dataset_name: "PAYROLL".into(),
        stamp: FileStamp {
            year: 2026,
            month: 12,
            day: 7,
            hour: 6,
            minute: 0,
            second: 0,
            counter: u16::from(level.extended_stamp()),
        },
        user_data: String::new(),
        destination: "O0013SERVER".into(),
        originator: "O0013CLIENT".into(),
        format,
        max_record_size: if format.has_records() { 100 } else { 0 },
        file_size: 1,
        original_file_size: 1,
        restart_position: restart,
        security_level: SecurityLevel::None,
        cipher_suite: 0,
        compressed: false,
        enveloped: false,
        signed_eerp: false,
        description: String::new(),
    }
}

/// The STB of `cmd` at `level`, as the Initiator sends it.
fn stb(cmd: &Command, level: Level) -> Vec<u8> {
    let mut out = Vec::new();
    crate::oftp::sth::encode(&cmd.to_bytes(level).unwrap(), &mut out).unwrap();
    out
}

/// What came out, split by kind.
#[derive(Default, Debug)]
struct Out {
    sent: Vec<Command>,
    events: Vec<Event>,
    disconnect: bool,
    timer: bool,
}

fn split(actions: Vec<Action>, level: Level) -> Out {
    let mut o = Out::default();
    for a in actions {
        match a {
            Action::Send(b) => {
                let (oeb, used) = crate::oftp::sth::next_exchange_buffer(&b, 99_999).unwrap().unwrap();
                assert_eq!(used, b.len());
                o.sent.push(Command::decode(oeb, level).unwrap());
            }
            Action::Event(e) => o.events.push(e),
            Action::Disconnect => o.disconnect = true,
            Action::StartTimer => o.timer = true,
            Action::StopTimer => {}
        }
    }
    o
}

fn feed(s: &mut Session, cmd: &Command, level: Level) -> Out {
    let bytes = stb(cmd, level);
    let (used, actions) = s.on_bytes(&bytes);
    assert_eq!(used, bytes.len());
    split(actions, level)
}

fn esid_reason(o: &Out) -> Option<u8> {
    o.sent.iter().find_map(|c| match c {
        Command::Esid(e) => Some(e.reason.code()),
        _ => None,
    })
}

/// A session through SSID at `lev`, listening.
fn connected(config: Config, lev: u8) -> (Session, Level) {
    let (mut s, _) = Session::new(config);
    let o = feed(&mut s, &Command::Ssid(peer_ssid(lev)), Level::V20);
    assert!(matches!(o.events[..], [Event::ConnectRequest(_)]));
    let o = split(s.accept_connection(ConnectResponse::accept()).unwrap(), Level::V20);
    let Some(Event::Connected(n)) = o.events.first() else { panic!("{o:?}") };
    assert_eq!(s.state(), State::ListenerIdle);
    (s, n.level)
}

#[test]
fn the_responder_speaks_first_with_ssrm() {
    let (s, actions) = Session::new(config());
    let mut want = vec![0x10, 0, 0, 23];
    want.extend_from_slice(b"IODETTE FTP READY \r");
    assert_eq!(actions, [Action::Send(want), Action::StartTimer]);
    assert_eq!(s.state(), State::WaitSsid);
}

#[test]
fn ssid_negotiation_takes_the_lower_values() {
    let (mut s, _) = Session::new(config());
    feed(&mut s, &Command::Ssid(peer_ssid(5)), Level::V20);
    let o = split(s.accept_connection(ConnectResponse::accept()).unwrap(), Level::V20);
    let Command::Ssid(ours) = &o.sent[0] else { panic!() };
    assert_eq!((ours.release_level, ours.code.as_str(), ours.password.as_str()), (5, "O0013SERVER", "SRVPW"));
    assert_eq!((ours.buffer_size.get(), ours.credit.get()), (2048, 3));
    assert!(ours.compression && ours.restart && !ours.special_logic && !ours.secure_authentication);
    let n = *s.negotiated().unwrap();
    assert_eq!((n.level, n.buffer_size.get(), n.credit.get()), (Level::V20, 2048, 3));

    // Compression only when both say Y; restart likewise.
    let (mut s, _) = Session::new(Config { compression: false, ..config() });
    feed(&mut s, &Command::Ssid(Ssid { restart: false, ..peer_ssid(5) }), Level::V20);
    s.accept_connection(ConnectResponse::accept()).unwrap();
    let n = s.negotiated().unwrap();
    assert!(!n.compression && !n.restart);
}

#[test]
fn the_lowest_level_wins() {
    // A 2.0 Initiator and a 1.4 server, an RFC 2204 peer saying '1', and an
    // application that picks 1.3.
    let cases = [(5, Level::V14, None, 4), (1, Level::V20, None, 1), (5, Level::V20, Some(Level::V13), 2)];
    for (peer, ours, pick, answered) in cases {
        let (mut s, _) = Session::new(Config { level: ours, ..config() });
        feed(&mut s, &Command::Ssid(peer_ssid(peer)), Level::V20);
        let response = ConnectResponse { level: pick, ..ConnectResponse::accept() };
        let o = split(s.accept_connection(response).unwrap(), Level::V20);
        let Command::Ssid(ssid) = &o.sent[0] else { panic!() };
        assert_eq!(ssid.release_level, answered, "{peer} {ours:?} {pick:?}");
    }
}

#[test]
fn refusing_the_connection_sends_its_esid_reason() {
    let (mut s, _) = Session::new(config());
    feed(&mut s, &Command::Ssid(peer_ssid(5)), Level::V20);
    let o = split(s.accept_connection(ConnectResponse::refuse(EsidReason::InvalidPassword)).unwrap(), Level::V20);
    assert_eq!(esid_reason(&o), Some(4));
    assert!(o.disconnect);
    assert!(matches!(o.events[..], [Event::Ended { reason: EsidReason::InvalidPassword, by_peer: false, .. }]));
    assert_eq!(s.state(), State::WaitDisconnect);
}

#[test]
fn incompatible_modes_and_authentication_are_refused() {
    let (mut s, _) = Session::new(Config { send_receive: SendReceive::Receive, ..config() });
    let o = feed(&mut s, &Command::Ssid(Ssid { send_receive: SendReceive::Receive, ..peer_ssid(5) }), Level::V20);
    assert_eq!(esid_reason(&o), Some(10));

    let (mut s, _) = Session::new(config());
    feed(&mut s, &Command::Ssid(Ssid { secure_authentication: true, ..peer_ssid(5) }), Level::V20);
    let o = split(s.accept_connection(ConnectResponse::accept()).unwrap(), Level::V20);
    assert_eq!(esid_reason(&o), Some(12));
}

#[test]
fn secure_authentication_hands_the_commands_to_the_security_layer() {
    let (mut s, _) = Session::new(Config { secure_authentication: AuthPolicy::Required, ..config() });
    feed(&mut s, &Command::Ssid(Ssid { secure_authentication: true, ..peer_ssid(5) }), Level::V20);
    let o = split(s.accept_connection(ConnectResponse::accept()).unwrap(), Level::V20);
    let Command::Ssid(ours) = &o.sent[0] else { panic!() };
    assert!(ours.secure_authentication);
    assert_eq!(o.events, [Event::AuthenticationStarted]);
    let o = feed(&mut s, &Command::Secd, Level::V20);
    assert_eq!(o.events, [Event::Security(Command::Secd)]);
    let challenge = Command::Auch(crate::oftp::command::Auch { challenge: vec![1, 2, 3] });
    assert_eq!(split(s.send_security(challenge.clone()).unwrap(), Level::V20).sent, [challenge]);
    assert!(s.send_security(Command::Cd).is_err());
    let o = split(s.finish_authentication(Ok(())).unwrap(), Level::V20);
    assert!(matches!(o.events[..], [Event::Connected(_)]));
    assert_eq!(s.state(), State::ListenerIdle);
}

#[test]
fn the_authentication_policy_decides_which_ssids_go_on() {
    use crate::oftp::auth::AuthFailure;
    // (policy, Initiator's level, its SSIDAUTH) → None = ESID 12 (10 below
    // 2.0, which has no 12), Some(auth).
    let cases = [
        (AuthPolicy::Off, 5, false, Some(false)),
        (AuthPolicy::Off, 5, true, None),
        (AuthPolicy::Required, 5, false, None),
        (AuthPolicy::Required, 5, true, Some(true)),
        (AuthPolicy::Required, 4, false, None),
        (AuthPolicy::Allowed, 5, false, Some(false)),
        (AuthPolicy::Allowed, 5, true, Some(true)),
        (AuthPolicy::Allowed, 4, false, Some(false)),
    ];
    for (policy, lev, asked, want) in cases {
        let (mut s, _) = Session::new(Config { secure_authentication: policy, ..config() });
        let level = if lev == 5 { Level::V20 } else { Level::V14 };
        feed(&mut s, &Command::Ssid(Ssid { secure_authentication: asked, ..peer_ssid(lev) }), level);
        let o = split(s.accept_connection(ConnectResponse::accept()).unwrap(), level);
        match want {
            None => assert_eq!(esid_reason(&o), Some(if lev == 5 { 12 } else { 10 }), "{policy:?} {lev} {asked}"),
            Some(true) => assert_eq!(o.events, [Event::AuthenticationStarted], "{policy:?} {lev} {asked}"),
            Some(false) => assert!(matches!(o.events[..], [Event::Connected(_)]), "{policy:?} {lev} {asked}"),
        }
    }
    // A failed exchange ends with its own ESID and error.
    let (mut s, _) = Session::new(Config { secure_authentication: AuthPolicy::Allowed, ..config() });
    feed(&mut s, &Command::Ssid(Ssid { secure_authentication: true, ..peer_ssid(5) }), Level::V20);
    s.accept_connection(ConnectResponse::accept()).unwrap();
    let f = AuthFailure::missing("ConnRecipientCertStore is not set");
    let o = split(s.finish_authentication(Err(&f)).unwrap(), Level::V20);
    assert_eq!(esid_reason(&o), Some(12));
}

#[test]
fn a_whole_session_receiving_then_sending() {
    let (mut s, level) = connected(config(), 5);
    // SFID → SFPA.
    let o = feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Variable, 0)), level);
    assert!(matches!(&o.events[..], [Event::StartFile(f)] if f.dataset_name == "PAYROLL"));
    let o = split(s.accept_file(0, 0).unwrap(), level);
    assert_eq!(o.sent, [Command::Sfpa(Sfpa { answer_count: 0 })]);
    // Three DATA buffers use the credit of 3: CDT follows the third.
    let mut filler = BufferFiller::new(2048, true);
    let mut records = 0;
    for i in 0..4 {
        assert!(filler.push(format!("record {i}").as_bytes(), true).record_ended);
        let buf = filler.finish().unwrap();
        let o = feed(&mut s, &Command::Data(buf[1..].to_vec()), level);
        assert!(matches!(&o.events[..], [Event::Data(d)] if d[..] == buf[1..]));
        assert_eq!(o.sent.contains(&Command::Cdt), i == 2, "buffer {i}");
        records += 1;
    }
    // EFID with the right counts → EFPA asking for the turn.
    let efid = Efid { record_count: records, unit_count: filler.units() };
    let o = feed(&mut s, &Command::Efid(efid), level);
    assert_eq!(o.events, [Event::EndFile { efid, check: Ok(()) }]);
    let o = split(s.close_file_response(Ok(true)).unwrap(), level);
    assert_eq!(o.sent, [Command::Efpa(Efpa { change_direction: true })]);
    assert_eq!(s.state(), State::WaitCd);
    // CD: we speak. Send the EERP, get RTR.
    let o = feed(&mut s, &Command::Cd, level);
    assert_eq!(o.events, [Event::ReadyToSend]);
    let eerp = Eerp {
        dataset_name: "PAYROLL".into(),
        stamp: sfid(level, FileFormat::Variable, 0).stamp,
        user_data: String::new(),
        destination: "O0013CLIENT".into(),
        originator: "O0013SERVER".into(),
        hash: Vec::new(),
        signature: Vec::new(),
    };
    let o = split(s.send_end_response(eerp.clone()).unwrap(), level);
    assert_eq!(o.sent, [Command::Eerp(eerp)]);
    assert_eq!(feed(&mut s, &Command::Rtr, level).events, [Event::ReadyToReceive]);
    // CD back, then the Initiator ends the session.
    assert_eq!(split(s.change_direction().unwrap(), level).sent, [Command::Cd]);
    assert_eq!(s.state(), State::ListenerIdleAfterCd);
    let o = feed(&mut s, &Command::Esid(Esid { reason: EsidReason::NormalTermination, text: String::new() }), level);
    assert!(matches!(o.events[..], [Event::Ended { reason: EsidReason::NormalTermination, by_peer: true, .. }]));
    assert!(o.disconnect);
    assert_eq!(s.state(), State::WaitDisconnect);
}

#[test]
fn the_server_sends_a_file() {
    let (mut s, level) = connected(config(), 4);
    assert_eq!(level, Level::V14);
    feed(&mut s, &Command::Cd, level);
    assert_eq!(s.state(), State::SpeakerIdleAfterCd);
    assert!(s.change_direction().is_err()); // no CD right after CD
    let f = sfid(level, FileFormat::Unstructured, 0);
    assert_eq!(split(s.start_file(f.clone()).unwrap(), level).sent, [Command::Sfid(f)]);
    // SFPA opens the file (a count above SFIDREST: see refused_files_…).
    let o = feed(&mut s, &Command::Sfpa(Sfpa { answer_count: 0 }), level);
    assert_eq!(o.events, [Event::FileAccepted { restart: 0 }]);
    // Credit 3: the third buffer waits for CDT.
    for _ in 0..3 {
        assert!(s.can_send_data());
        let o = split(s.send_data(b"D\x83abc".to_vec()).unwrap(), level);
        assert_eq!(o.sent, [Command::Data(b"\x83abc".to_vec())]);
    }
    assert_eq!(s.state(), State::OpenOutWaitCredit);
    assert!(matches!(s.send_data(b"D\x00".to_vec()), Err(SessionError::WrongState { state: "OPOWFC", .. })));
    assert!(s.close_file(Efid { record_count: 0, unit_count: 9 }).is_err()); // §9.11 Note 1
    assert_eq!(feed(&mut s, &Command::Cdt, level).events, [Event::Credit]);
    assert!(s.send_data(vec![b'D'; 2049]).is_err()); // above the negotiated size
    s.close_file(Efid { record_count: 0, unit_count: 9 }).unwrap();
    // EFPA asking for CD: the session sends CD and listens.
    let o = feed(&mut s, &Command::Efpa(Efpa { change_direction: true }), level);
    assert_eq!(o.sent, [Command::Cd]);
    assert_eq!(o.events, [Event::FileDelivered(Efpa { change_direction: true })]);
    assert_eq!(s.state(), State::ListenerIdle);
}

#[test]
fn refused_files_and_failed_ends_return_to_idle() {
    let (mut s, level) = connected(config(), 5);
    feed(&mut s, &Command::Cd, level);
    s.start_file(sfid(level, FileFormat::Text, 0)).unwrap();
    let sfna = Sfna { reason: SfnaReason::DuplicateFile, retry: false, text: "dup".into() };
    assert_eq!(feed(&mut s, &Command::Sfna(sfna.clone()), level).events, [Event::FileRefused(sfna)]);
    assert_eq!(s.state(), State::SpeakerIdle);
    s.start_file(sfid(level, FileFormat::Text, 5)).unwrap();
    let o = feed(&mut s, &Command::Sfpa(Sfpa { answer_count: 6 }), level);
    assert_eq!(esid_reason(&o), Some(2));
}

#[test]
fn receiving_refusals_and_count_checks() {
    let (mut s, level) = connected(config(), 5);
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Unstructured, 0)), level);
    let sfna = Sfna { reason: SfnaReason::InvalidDestination, retry: false, text: String::new() };
    assert_eq!(split(s.refuse_file(sfna.clone()).unwrap(), level).sent, [Command::Sfna(sfna)]);
    assert_eq!(s.state(), State::ListenerIdle);
    // A restart above SFIDREST cannot be answered.
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Unstructured, 2)), level);
    assert!(s.accept_file(3, 0).is_err());
    s.accept_file(2, 2048).unwrap();
    feed(&mut s, &Command::Data(vec![0x85, 1, 2, 3, 4, 5]), level);
    let wrong = Efid { record_count: 0, unit_count: 2048 + 6 + 1 };
    let o = feed(&mut s, &Command::Efid(wrong), level);
    assert_eq!(o.events, [Event::EndFile { efid: wrong, check: Err(EfnaReason::InvalidByteCount) }]);
    let efna = Efna { reason: EfnaReason::InvalidByteCount, text: String::new() };
    assert_eq!(split(s.close_file_response(Err(efna.clone())).unwrap(), level).sent, [Command::Efna(efna)]);
}

#[test]
fn end_responses_are_answered_with_rtr() {
    let (mut s, level) = connected(config(), 5);
    let nerp = Nerp {
        dataset_name: "X".into(),
        stamp: sfid(level, FileFormat::Text, 0).stamp,
        destination: "O0013SERVER".into(),
        originator: "O0013CLIENT".into(),
        creator: "O0013CLIENT".into(),
        reason: crate::oftp::reason::NerpReason::FileProcessingFailed,
        text: String::new(),
        hash: Vec::new(),
        signature: Vec::new(),
    };
    let o = feed(&mut s, &Command::Nerp(nerp.clone()), level);
    assert_eq!(o.events, [Event::NegativeEndResponse(nerp)]);
    assert_eq!(split(s.ready_to_receive().unwrap(), level).sent, [Command::Rtr]);
    assert_eq!(s.state(), State::ListenerIdle);
}

mod errors;
