//! Session tests: a scripted Initiator against the Responder state machine.

use super::*;
use crate::oftp::command::{
    CreditCount, Eerp, Efid, Efna, Efpa, ExchangeBufferSize, FileFormat, Nerp, SecurityLevel, Sfna,
};
use crate::oftp::reason::{EfnaReason, SfnaReason};
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
    let (mut s, _) = Session::new(Config { secure_authentication: true, ..config() });
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
    let o = split(s.finish_authentication(true).unwrap(), Level::V20);
    assert!(matches!(o.events[..], [Event::Connected(_)]));
    assert_eq!(s.state(), State::ListenerIdle);
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

#[test]
fn wrong_state_is_esid_02_and_unknown_command_esid_01() {
    // SFID before SSID.
    let (mut s, _) = Session::new(config());
    let o = feed(&mut s, &Command::Sfid(sfid(Level::V20, FileFormat::Text, 0)), Level::V20);
    assert_eq!(esid_reason(&o), Some(2));
    // An unknown command code.
    let (mut s, level) = connected(config(), 5);
    let (_, actions) = s.on_bytes(&[0x10, 0, 0, 5, b'Z']);
    assert_eq!(esid_reason(&split(actions, level)), Some(1));
    // NERP from a 1.3 peer is no command at that level.
    let (mut s, level) = connected(config(), 2);
    let (_, actions) = s.on_bytes(&[0x10, 0, 0, 5, b'N']);
    assert_eq!(esid_reason(&split(actions, level)), Some(1));
    // DATA while no file is open, CD right after our CD.
    let (mut s, level) = connected(config(), 5);
    assert_eq!(esid_reason(&feed(&mut s, &Command::Data(vec![0]), level)), Some(2));
    let (mut s, level) = connected(config(), 5);
    feed(&mut s, &Command::Cd, level);
    s.change_direction().unwrap_err(); // IDLESPCD
    s.start_file(sfid(level, FileFormat::Text, 0)).unwrap();
    feed(&mut s, &Command::Sfna(Sfna { reason: SfnaReason::UnspecifiedReason, retry: true, text: "".into() }), level);
    s.change_direction().unwrap();
    assert_eq!(esid_reason(&feed(&mut s, &Command::Cd, level)), Some(2));
}

#[test]
fn restart_without_agreement_is_a_protocol_violation() {
    let (mut s, level) = connected(Config { restart: false, ..config() }, 5);
    let o = feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Fixed, 3)), level);
    assert_eq!(esid_reason(&o), Some(2));
}

#[test]
fn bad_input_earns_its_esid_reason() {
    // Bad STH version → 02.
    let (mut s, _) = Session::new(config());
    let (used, actions) = s.on_bytes(b"X5O0013");
    assert_eq!((used, esid_reason(&split(actions, Level::V20))), (7, Some(2)));
    // A bad numeric field in SSID → 06.
    let (mut s, _) = Session::new(config());
    let mut b = stb(&Command::Ssid(peer_ssid(5)), Level::V20);
    b[4 + 36] = b'x';
    assert_eq!(esid_reason(&split(s.on_bytes(&b).1, Level::V20)), Some(6));
    // CD with a trailing octet → 07.
    let (mut s, level) = connected(config(), 5);
    assert_eq!(esid_reason(&split(s.on_bytes(&[0x10, 0, 0, 6, b'R', b'R']).1, level)), Some(7));
    // A DATA buffer above the negotiated 2048 is refused from its header and
    // first octet, before the body.
    let (mut s, level) = connected(config(), 5);
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    s.accept_file(0, 0).unwrap();
    let header = crate::oftp::sth::encode_header(2049).unwrap();
    let (_, actions) = s.on_bytes(&[&header[..], b"D"].concat());
    assert_eq!(esid_reason(&split(actions, level)), Some(7));
    // A malformed subrecord → 06.
    let (mut s, level) = connected(config(), 5);
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    s.accept_file(0, 0).unwrap();
    assert_eq!(esid_reason(&feed(&mut s, &Command::Data(vec![0x3F, b'a']), level)), Some(6));
    // At 1.x the negotiated size bounds every buffer from the header alone.
    let (mut s, level) = connected(config(), 4);
    let header = crate::oftp::sth::encode_header(2049).unwrap();
    assert_eq!(esid_reason(&split(s.on_bytes(&header).1, level)), Some(7));
}

#[test]
fn data_beyond_the_credit_is_a_protocol_violation() {
    let (mut s, level) = connected(Config { auto_credit: false, ..config() }, 5);
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    s.accept_file(0, 0).unwrap();
    for i in 0..3 {
        let o = feed(&mut s, &Command::Data(vec![0x01, b'x']), level);
        assert!(!o.sent.contains(&Command::Cdt));
        assert_eq!(o.events.contains(&Event::CreditExhausted), i == 2);
    }
    assert_eq!(esid_reason(&feed(&mut s, &Command::Data(vec![0x01, b'x']), level)), Some(2));
    // Granted in time, the fourth is fine.
    let (mut s, level) = connected(Config { auto_credit: false, ..config() }, 5);
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    s.accept_file(0, 0).unwrap();
    assert!(split(s.grant_credit().unwrap(), level).sent.is_empty()); // credit left: no CDT
    for _ in 0..3 {
        feed(&mut s, &Command::Data(vec![0x01, b'x']), level);
    }
    assert_eq!(split(s.grant_credit().unwrap(), level).sent, [Command::Cdt]);
    assert!(feed(&mut s, &Command::Data(vec![0x01, b'x']), level).sent.is_empty());
}

#[test]
fn partial_input_waits_and_input_after_the_end_is_ignored() {
    let (mut s, _) = Session::new(config());
    let b = stb(&Command::Ssid(peer_ssid(5)), Level::V20);
    let (used, actions) = s.on_bytes(&b[..30]);
    assert_eq!((used, actions.len()), (0, 0));
    let (used, actions) = s.on_bytes(&b);
    assert_eq!(used, b.len());
    assert!(matches!(split(actions, Level::V20).events[..], [Event::ConnectRequest(_)]));
    // Two buffers in one read are both handled.
    let (mut s, level) = connected(config(), 5);
    let two = [stb(&Command::Cd, level), stb(&Command::Cd, level)].concat();
    let (used, actions) = s.on_bytes(&two);
    assert_eq!(used, 10);
    let o = split(actions, level);
    assert_eq!(esid_reason(&o), Some(2)); // CD in IDLESPCD
                                          // After the end everything is swallowed.
    let (used, actions) = s.on_bytes(&two);
    assert_eq!((used, actions.len()), (10, 0));
}

#[test]
fn timeouts_end_the_session() {
    let (mut s, _) = Session::new(config());
    let o = split(s.on_timeout(), Level::V20);
    assert_eq!(esid_reason(&o), Some(9));
    assert!(o.disconnect);
    // In WF_NDISC the timer only disconnects.
    assert_eq!(s.on_timeout(), [Action::Disconnect]);
    assert!(s.abort(EsidReason::UnspecifiedAbortCode, "again").is_empty());
}

#[test]
fn the_session_ends_normally_only_after_the_peers_cd() {
    let (mut s, level) = connected(config(), 5);
    assert!(s.end_session().is_err());
    feed(&mut s, &Command::Cd, level);
    let o = split(s.end_session().unwrap(), level);
    assert_eq!(esid_reason(&o), Some(0));
    assert!(o.disconnect && o.timer);
}

#[test]
fn a_nerp_needs_level_1_4() {
    let (mut s, level) = connected(config(), 2);
    feed(&mut s, &Command::Cd, level);
    let nerp = Nerp {
        dataset_name: "X".into(),
        stamp: sfid(level, FileFormat::Text, 0).stamp,
        destination: "A".into(),
        originator: "B".into(),
        creator: "B".into(),
        reason: crate::oftp::reason::NerpReason::UnspecifiedReason,
        text: String::new(),
        hash: Vec::new(),
        signature: Vec::new(),
    };
    assert!(matches!(s.send_negative_end_response(nerp), Err(SessionError::Codec(_))));
    assert_eq!(s.state(), State::SpeakerIdleAfterCd);
}

#[test]
fn arbitrary_input_never_panics() {
    let mut x: u32 = 7;
    let mut next = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (x >> 16) as u8
    };
    for round in 0..300 {
        let (mut s, level) = connected(config(), [1, 2, 4, 5][round % 4]);
        // A valid STH with a random body, then random octets.
        let len = 1 + usize::from(next()) % 200;
        let mut input = crate::oftp::sth::encode_header(len).unwrap().to_vec();
        input.extend((0..len + usize::from(next())).map(|_| next()));
        let (used, actions) = s.on_bytes(&input);
        assert!(used <= input.len());
        // Every outcome is either still running or ended by an ESID.
        if s.state() == State::WaitDisconnect {
            let o = split(actions, level);
            let peer_ended = o.events.iter().any(|e| matches!(e, Event::Ended { by_peer: true, .. }));
            assert!(o.disconnect && (esid_reason(&o).is_some() || peer_ended));
        }
    }
}

#[test]
fn a_transport_that_frames_itself_gets_the_same_checks() {
    let (mut s, level) = connected(config(), 5);
    assert_eq!((s.max_exchange_buffer(), s.max_data_buffer()), (99_999, 2048));
    feed(&mut s, &Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    s.accept_file(0, 0).unwrap();
    let stb = stb(&Command::Data(vec![0x82, b'o', b'k']), level);
    let (oeb, _) = crate::oftp::sth::next_exchange_buffer(&stb, s.max_exchange_buffer()).unwrap().unwrap();
    let o = split(s.on_exchange_buffer(oeb), level);
    assert_eq!(o.events, [Event::Data(vec![0x82, b'o', b'k'])]);
    let mut big = vec![b'D'];
    big.resize(2049, 0);
    assert_eq!(esid_reason(&split(s.on_exchange_buffer(&big), level)), Some(7));
    assert!(s.on_exchange_buffer(b"R").is_empty()); // ended: ignored
    let (s, _) = connected(config(), 4);
    assert_eq!((s.max_exchange_buffer(), s.max_data_buffer()), (2048, 2048));
}

fn ended_code(o: &Out) -> Option<i32> {
    o.events.iter().find_map(|e| match e {
        Event::Ended { error_code, .. } => Some(*error_code),
        _ => None,
    })
}

#[test]
fn the_end_carries_the_component_error_code() {
    // Received ESID 03/04/00/09 → 675/677/0/671.
    for (reason, code) in [
        (EsidReason::UserCodeNotKnown, 675),
        (EsidReason::InvalidPassword, 677),
        (EsidReason::NormalTermination, 0),
        (EsidReason::TimeOut, 671),
    ] {
        let (mut s, level) = connected(config(), 5);
        let o = feed(&mut s, &Command::Esid(Esid { reason, text: String::new() }), level);
        assert_eq!(ended_code(&o), Some(code), "{reason:?}");
    }
    // A bad date in SFID → 680; a protocol violation → 671; time-out → 10060.
    let (mut s, level) = connected(config(), 5);
    let mut b = stb(&Command::Sfid(sfid(level, FileFormat::Text, 0)), level);
    b[4 + 34..4 + 36].copy_from_slice(b"13");
    let o = split(s.on_bytes(&b).1, level);
    assert_eq!((esid_reason(&o), ended_code(&o)), (Some(6), Some(680)));
    let (mut s, level) = connected(config(), 5);
    assert_eq!(ended_code(&feed(&mut s, &Command::Rtr, level)), Some(671));
    let (mut s, _) = connected(config(), 5);
    assert_eq!(ended_code(&split(s.on_timeout(), Level::V20)), Some(10_060));
    // What the application asked for is no error.
    let (mut s, _) = connected(config(), 5);
    assert_eq!(ended_code(&split(s.abort(EsidReason::LocalSiteEmergencyCloseDown, "bye"), Level::V20)), Some(0));
}

#[test]
fn a_1_x_initiator_is_answered_in_1_x_layouts_before_negotiation() {
    // Refused after a good SSID, and after a malformed one: 4-octet ESIDs.
    let (mut s, _) = Session::new(config());
    feed(&mut s, &Command::Ssid(peer_ssid(1)), Level::V20);
    let actions = s.accept_connection(ConnectResponse::refuse(EsidReason::InvalidPassword)).unwrap();
    assert!(actions.contains(&Action::Send(vec![0x10, 0, 0, 8, b'F', b'0', b'4', b'\r'])), "{actions:?}");
    let (mut s, _) = Session::new(config());
    let mut b = stb(&Command::Ssid(peer_ssid(2)), Level::V20);
    b[4 + 36] = b'x';
    let (_, actions) = s.on_bytes(&b);
    assert!(actions.contains(&Action::Send(vec![0x10, 0, 0, 8, b'F', b'0', b'6', b'\r'])), "{actions:?}");
    // A 2.0 Initiator gets the 2.0 layout.
    let (mut s, _) = Session::new(config());
    feed(&mut s, &Command::Ssid(peer_ssid(5)), Level::V20);
    let o = split(s.accept_connection(ConnectResponse::refuse(EsidReason::UserCodeNotKnown)).unwrap(), Level::V20);
    assert_eq!(
        o.sent,
        [Command::Esid(Esid { reason: EsidReason::UserCodeNotKnown, text: "User code not known".into() })]
    );
}
