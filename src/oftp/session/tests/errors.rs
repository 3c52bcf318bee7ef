//! Session tests of bad input, wrong states, time-outs and the codes the end
//! carries (RFC 5024 §9.2, §9.9).

use super::*;

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
