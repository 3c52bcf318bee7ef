//! Command codec tests: hand-written buffers after the RFC tables, and
//! encode → decode round trips of every command at every level.

use super::*;
use crate::oftp::reason::{EfnaReason, EsidReason, NerpReason, SfnaReason};
use crate::oftp::stamp::FileStamp;

const LEVELS: [Level; 4] = [Level::V12, Level::V13, Level::V14, Level::V20];

fn pad(s: &str, n: usize) -> String {
    format!("{s:<n$}")
}

fn stamp() -> FileStamp {
    FileStamp { year: 2026, month: 12, day: 7, hour: 6, minute: 15, second: 2, counter: 1 }
}

/// The stamp as a level carries it (1.x has no counter).
fn stamp_at(level: Level) -> FileStamp {
    FileStamp { counter: if level.extended_stamp() { 1 } else { 0 }, ..stamp() }
}

fn ssid(release_level: u8) -> Ssid {
    Ssid {
        release_level,
        code: "O0013000001TESTSITE".into(),
        password: "SECRET".into(),
        buffer_size: ExchangeBufferSize::new(4096).unwrap(),
        send_receive: SendReceive::Both,
        compression: true,
        restart: true,
        special_logic: false,
        credit: CreditCount::new(99).unwrap(),
        secure_authentication: release_level >= 5,
        user_data: "".into(),
    }
}

fn sfid(level: Level) -> Sfid {
    let v2 = level.is_v2();
    Sfid {
        dataset_name: "INVOICES.2026".into(),
        stamp: stamp_at(level),
        user_data: "USER".into(),
        destination: "O0013000002DEST".into(),
        originator: "O0013000001ORIG".into(),
        format: FileFormat::Variable,
        max_record_size: 2048,
        file_size: 1234,
        original_file_size: if v2 { 2000 } else { 1234 },
        restart_position: 7,
        security_level: if v2 { SecurityLevel::EncryptedAndSigned } else { SecurityLevel::None },
        cipher_suite: if v2 { 1 } else { 0 },
        compressed: v2,
        enveloped: v2,
        signed_eerp: v2,
        description: if v2 { "Rechnungen für Dezember".into() } else { String::new() },
    }
}

fn all_commands(level: Level) -> Vec<Command> {
    let v2 = level.is_v2();
    let text = |s: &str| if v2 { s.to_string() } else { String::new() };
    let bin = |b: &[u8]| if v2 { b.to_vec() } else { Vec::new() };
    let mut cmds = vec![
        Command::Ssrm(Ssrm),
        Command::Ssid(ssid(level.ssidlev())),
        Command::Sfid(sfid(level)),
        Command::Sfpa(Sfpa { answer_count: 7 }),
        Command::Sfna(Sfna { reason: SfnaReason::DuplicateFile, retry: true, text: text("exists") }),
        Command::Data(vec![0x83, b'a', b'b', b'c']),
        Command::Cdt,
        Command::Efid(Efid { record_count: 10, unit_count: 20_480 }),
        Command::Efpa(Efpa { change_direction: true }),
        Command::Efna(Efna { reason: EfnaReason::InvalidRecordCount, text: text("10 ≠ 11") }),
        Command::Esid(Esid { reason: EsidReason::ProtocolViolation, text: text("SFID before SSID") }),
        Command::Cd,
        Command::Eerp(Eerp {
            dataset_name: "INVOICES.2026".into(),
            stamp: stamp_at(level),
            user_data: "".into(),
            destination: "O0013000001ORIG".into(),
            originator: "O0013000002DEST".into(),
            hash: bin(&[0xAB; 32]),
            signature: bin(&[1, 2, 3]),
        }),
        Command::Rtr,
    ];
    if level.has_nerp() {
        cmds.push(Command::Nerp(Nerp {
            dataset_name: "INVOICES.2026".into(),
            stamp: stamp_at(level),
            destination: "O0013000001ORIG".into(),
            originator: "O0013000002DEST".into(),
            creator: "O0013000002DEST".into(),
            reason: NerpReason::FileProcessingFailed,
            text: text("mapping failed"),
            hash: bin(&[7; 20]),
            signature: bin(&[]),
        }));
    }
    if v2 {
        cmds.push(Command::Secd);
        cmds.push(Command::Auch(Auch { challenge: vec![0x30, 0x82, 0x01, 0x00] }));
        cmds.push(Command::Aurp(Aurp { response: [0x5A; AURP_RESPONSE_LEN] }));
    }
    cmds
}

#[test]
fn every_command_round_trips_at_every_level() {
    for level in LEVELS {
        for cmd in all_commands(level) {
            let bytes = cmd.to_bytes(level).unwrap_or_else(|e| panic!("{level:?} {}: {e}", cmd.name()));
            assert_eq!(bytes[0], cmd.code());
            let back = Command::decode(&bytes, level).unwrap_or_else(|e| panic!("{level:?} {}: {e}", cmd.name()));
            assert_eq!(back, cmd, "{level:?} {}", cmd.name());
        }
    }
}

#[test]
fn fixed_lengths_per_level_are_the_rfc_tables() {
    // (command, 1.2/1.3 length, 1.4 length, 2.0 length with the test values)
    let expect: &[(&str, usize, usize, usize)] = &[
        ("SSRM", 19, 19, 19),
        ("SSID", 61, 61, 61),
        ("SFID", 128, 128, 165 + "Rechnungen für Dezember".len()),
        ("SFPA", 10, 10, 18),
        ("SFNA", 4, 4, 7 + 6),
        ("DATA", 5, 5, 5),
        ("CDT", 3, 3, 3),
        ("EFID", 22, 22, 35),
        ("EFPA", 2, 2, 2),
        ("EFNA", 3, 3, 6 + "10 ≠ 11".len()),
        ("ESID", 4, 4, 7 + 16),
        ("CD", 1, 1, 1),
        ("EERP", 106, 106, 110 + 32 + 3),
        ("RTR", 1, 1, 1),
        ("NERP", 0, 128, 135 + 14 + 20),
        ("SECD", 0, 0, 1),
        ("AUCH", 0, 0, 3 + 4),
        ("AURP", 0, 0, 21),
    ];
    for level in LEVELS {
        for cmd in all_commands(level) {
            let &(_, l13, l14, l20) = expect.iter().find(|e| e.0 == cmd.name()).unwrap();
            let want = match level {
                Level::V12 | Level::V13 => l13,
                Level::V14 => l14,
                Level::V20 => l20,
            };
            assert_eq!(cmd.to_bytes(level).unwrap().len(), want, "{level:?} {}", cmd.name());
        }
    }
}

#[test]
fn ssrm_from_the_rfc_layout() {
    assert_eq!(Command::decode(b"IODETTE FTP READY \r", Level::V12).unwrap(), Command::Ssrm(Ssrm));
    assert_eq!(Command::decode(b"IODETTE FTP READY \x8D", Level::V20).unwrap(), Command::Ssrm(Ssrm));
    assert_eq!(Command::Ssrm(Ssrm).to_bytes(Level::V20).unwrap(), b"IODETTE FTP READY \r");
    let e = Command::decode(b"IODETTE FTP READY!\r", Level::V20).unwrap_err();
    assert_eq!(e.esid_reason(), EsidReason::CommandContainedInvalidData);
}

/// An SSID written field by field after RFC 5024 §5.3.2.
fn ssid_bytes(lev: char, auth_and_rsv: &str) -> Vec<u8> {
    format!(
        "X{lev}{}{}{}B{}{}{}{}{}{}\r",
        pad("O0013000001TESTSITE", 25),
        pad("SECRET", 8),
        "04096",
        "Y",
        "Y",
        "N",
        "099",
        auth_and_rsv,
        pad("", 8)
    )
    .into_bytes()
}

#[test]
fn ssid_from_the_rfc_layouts() {
    let v2 = ssid_bytes('5', "Y    ");
    assert_eq!(v2.len(), 61);
    assert_eq!(Command::decode(&v2, Level::V20).unwrap(), Command::Ssid(ssid(5)));
    // RFC 2204: SSIDLEV '1' and SSIDRSV1 X(5) where 2.0 has SSIDAUTH.
    let v13 = ssid_bytes('1', "     ");
    let Command::Ssid(s) = Command::decode(&v13, Level::V20).unwrap() else { panic!() };
    assert_eq!((s.level(), s.secure_authentication, s.credit.get()), (Some(Level::V12), false, 99));
    assert_eq!(Command::Ssid(s).to_bytes(Level::V12).unwrap(), v13);
    // Below 2.0 the SSIDAUTH octet is reserved and not read as a flag.
    let Command::Ssid(s) = Command::decode(&ssid_bytes('4', "Y    "), Level::V20).unwrap() else { panic!() };
    assert!(!s.secure_authentication);
}

#[test]
fn ssid_field_errors_are_invalid_data() {
    let base = ssid_bytes('5', "N    ");
    let cases: &[(usize, u8, &str)] = &[
        (1, b'0', "SSIDLEV"),
        (1, b'A', "SSIDLEV"),
        (37, b'X', "SSIDSDEB"),
        (40, b'X', "SSIDSR"),
        (41, b'y', "SSIDCMPR"),
        (45, b' ', "SSIDCRED"),
        (47, b'X', "SSIDAUTH"),
        (60, b'\n', "SSIDCR"),
        (5, 0x07, "SSIDCODE"),
    ];
    for &(pos, b, field) in cases {
        let mut buf = base.clone();
        buf[pos] = b;
        let e = Command::decode(&buf, Level::V20).unwrap_err();
        assert_eq!(e.esid_reason(), EsidReason::CommandContainedInvalidData, "{field}: {e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    // Buffer size and credit out of range.
    let mut buf = base.clone();
    buf[35..40].copy_from_slice(b"00127");
    assert!(Command::decode(&buf, Level::V20).unwrap_err().to_string().contains("SSIDSDEB"));
    let mut buf = base.clone();
    buf[44..47].copy_from_slice(b"000");
    assert!(Command::decode(&buf, Level::V20).unwrap_err().to_string().contains("SSIDCRED"));
    // One octet short or long: a size error, judged before the fields.
    for len in [60, 62] {
        let mut buf = base.clone();
        buf.resize(len, b' ');
        assert_eq!(Command::decode(&buf, Level::V20).unwrap_err().esid_reason(), EsidReason::ExchangeBufferSizeError);
    }
}

#[test]
fn sfid_1_3_from_the_rfc_2204_layout() {
    let buf = format!(
        "H{}{}970301120000{}{}{}U00000{}{}",
        pad("PAYROLL", 26),
        pad("", 9),
        pad("", 8),
        pad("O0013000002DEST", 25),
        pad("O0013000001ORIG", 25),
        "0000042",
        "000000003"
    );
    assert_eq!(buf.len(), 128);
    let Command::Sfid(s) = Command::decode(buf.as_bytes(), Level::V13).unwrap() else { panic!() };
    assert_eq!(s.dataset_name, "PAYROLL");
    assert_eq!((s.stamp.year, s.stamp.month, s.stamp.day, s.stamp.hour), (1997, 3, 1, 12));
    assert_eq!((s.format, s.max_record_size, s.file_size, s.restart_position), (FileFormat::Unstructured, 0, 42, 3));
    assert_eq!(s.original_file_size, 42);
    assert_eq!(Command::Sfid(s).to_bytes(Level::V13).unwrap(), buf.as_bytes());
}

#[test]
fn sfid_2_0_from_the_rfc_5024_layout() {
    let buf = format!(
        "H{}   202612070615020001{}{}{}T00000{}{}{}000101Y005hello",
        pad("PAYROLL", 26),
        pad("", 8),
        pad("O0013000002DEST", 25),
        pad("O0013000001ORIG", 25),
        "0000000000042",
        "0000000000084",
        "00000000000000003"
    );
    assert_eq!(buf.len(), 165 + 5);
    let Command::Sfid(s) = Command::decode(buf.as_bytes(), Level::V20).unwrap() else { panic!() };
    assert_eq!(s.stamp, stamp());
    assert_eq!((s.file_size, s.original_file_size, s.restart_position), (42, 84, 3));
    assert_eq!((s.security_level, s.cipher_suite, s.compressed, s.enveloped), (SecurityLevel::None, 1, false, true));
    assert_eq!((s.signed_eerp, s.description.as_str()), (true, "hello"));
    assert_eq!(Command::Sfid(s).to_bytes(Level::V20).unwrap(), buf.as_bytes());

    // SFIDDESCL larger than what follows: a size error; shorter: trailing
    // octets, also a size error.
    let mut long = buf.clone().into_bytes();
    long[164] = b'6';
    assert_eq!(Command::decode(&long, Level::V20).unwrap_err().esid_reason(), EsidReason::ExchangeBufferSizeError);
    let mut short = buf.clone().into_bytes();
    short[164] = b'4';
    assert_eq!(Command::decode(&short, Level::V20).unwrap_err().esid_reason(), EsidReason::ExchangeBufferSizeError);
    // A bad date is a stamp error (680), a bad SFIDSEC or format invalid data.
    let mut bad = buf.clone().into_bytes();
    bad[34..36].copy_from_slice(b"13");
    assert_eq!(Command::decode(&bad, Level::V20).unwrap_err().error_code(), 680);
    let mut bad = buf.clone().into_bytes();
    bad[155..157].copy_from_slice(b"04");
    assert!(Command::decode(&bad, Level::V20).unwrap_err().to_string().contains("SFIDSEC"));
    let mut bad = buf.into_bytes();
    bad[106] = b'X';
    assert!(Command::decode(&bad, Level::V20).unwrap_err().to_string().contains("SFIDFMT"));
}

#[test]
fn sfid_1_4_has_the_extended_stamp_in_the_1_3_layout() {
    let s = sfid(Level::V14);
    let b = Command::Sfid(s).to_bytes(Level::V14).unwrap();
    assert_eq!(b.len(), 128);
    assert_eq!(&b[27..30], b"   ");
    assert_eq!(&b[30..48], b"202612070615020001");
    assert_eq!(&b[112..119], b"0001234"); // SFIDFSIZ 9(7) as in 1.3
    let b13 = Command::Sfid(sfid(Level::V13)).to_bytes(Level::V13).unwrap();
    assert_eq!(&b13[27..48], b"         261207061502");
}

#[test]
fn sfid_values_a_level_cannot_carry_are_not_encoded() {
    let mut s = sfid(Level::V13);
    s.file_size = 10_000_000; // 9(7) at 1.3: NERP 90's case
    assert!(Command::Sfid(s).to_bytes(Level::V13).is_err());
    let s = sfid(Level::V20); // signed, compressed, with a description
    let mut out = b"keep".to_vec();
    assert_eq!(Command::Sfid(s).encode(Level::V14, &mut out).unwrap_err().error_code(), 678);
    assert_eq!(out, b"keep"); // untouched on error
}

#[test]
fn short_answers_from_the_rfc_layouts() {
    let d = |b: &[u8], l| Command::decode(b, l).unwrap();
    assert_eq!(d(b"2000000042", Level::V13), Command::Sfpa(Sfpa { answer_count: 42 }));
    assert_eq!(d(b"200000000000000042", Level::V20), Command::Sfpa(Sfpa { answer_count: 42 }));
    let sfna = d(b"313Y", Level::V14);
    assert_eq!(sfna, Command::Sfna(Sfna { reason: SfnaReason::DuplicateFile, retry: true, text: String::new() }));
    let sfna = d(b"314N012no receiving", Level::V20);
    assert_eq!(
        sfna,
        Command::Sfna(Sfna { reason: SfnaReason::FileDirectionRefused, retry: false, text: "no receiving".into() })
    );
    assert_eq!(d(b"C  ", Level::V12), Command::Cdt);
    assert_eq!(d(b"T000000010000000020480", Level::V13), Command::Efid(Efid { record_count: 10, unit_count: 20_480 }));
    assert_eq!(d(b"4N", Level::V20), Command::Efpa(Efpa { change_direction: false }));
    assert_eq!(d(b"511", Level::V12), Command::Efna(Efna { reason: EfnaReason::InvalidByteCount, text: "".into() }));
    assert_eq!(
        d(b"523000", Level::V20),
        Command::Efna(Efna { reason: EfnaReason::FileDecompressionFailure, text: "".into() })
    );
    assert_eq!(d(b"F00\r", Level::V13), Command::Esid(Esid { reason: EsidReason::NormalTermination, text: "".into() }));
    assert_eq!(
        d(b"F09004late\r", Level::V20),
        Command::Esid(Esid { reason: EsidReason::TimeOut, text: "late".into() })
    );
    assert_eq!(d(b"R", Level::V12), Command::Cd);
    assert_eq!(d(b"P", Level::V12), Command::Rtr);
    assert_eq!(d(b"J", Level::V20), Command::Secd);
    assert_eq!(d(b"A\x00\x02\x30\x00", Level::V20), Command::Auch(Auch { challenge: vec![0x30, 0] }));
    assert_eq!(d(b"D\x00", Level::V12), Command::Data(vec![0]));
}

#[test]
fn esid_is_understood_in_either_layout_whatever_the_level() {
    // A 2.0 peer's ESID before the level is agreed, and a 1.x ESID at 2.0.
    let e = Command::decode(b"F10000\r", Level::V13).unwrap();
    assert_eq!(e, Command::Esid(Esid { reason: EsidReason::ModeOrCapabilitiesIncompatible, text: "".into() }));
    let e = Command::decode(b"F03\r", Level::V20).unwrap();
    assert_eq!(e, Command::Esid(Esid { reason: EsidReason::UserCodeNotKnown, text: "".into() }));
    // Reason 12 is 2.0's; at 1.4 it is sent as 99.
    let esid =
        Command::Esid(Esid { reason: EsidReason::SecureAuthenticationRequirementsIncompatible, text: "x".into() });
    assert_eq!(esid.to_bytes(Level::V14).unwrap(), b"F99\r");
    assert_eq!(esid.to_bytes(Level::V20).unwrap(), b"F12001x\r");
    // An unknown reason is kept on decode.
    let e = Command::decode(b"F42\r", Level::V13).unwrap();
    assert_eq!(e, Command::Esid(Esid { reason: EsidReason::Other(42), text: "".into() }));
}

#[test]
fn eerp_and_nerp_from_the_rfc_layouts() {
    let mut eerp = format!(
        "E{}   202612070615020001{}{}{}",
        pad("PAYROLL", 26),
        pad("", 8),
        pad("O0013000001ORIG", 25),
        pad("O0013000002DEST", 25)
    )
    .into_bytes();
    assert_eq!(eerp.len(), 106);
    eerp.extend_from_slice(b"\x00\x02\xAB\xCD\x00\x00");
    let Command::Eerp(e) = Command::decode(&eerp, Level::V20).unwrap() else { panic!() };
    assert_eq!(Command::Eerp(e.clone()).to_bytes(Level::V20).unwrap(), eerp);
    assert_eq!((e.hash.as_slice(), e.signature.len()), (&[0xAB, 0xCD][..], 0));
    assert_eq!(e.destination, "O0013000001ORIG");
    let nerp = format!(
        "N{}{}202612070615020001{}{}{}34000\x00\x00\x00\x00",
        pad("PAYROLL", 26),
        pad("", 6),
        pad("O0013000001ORIG", 25),
        pad("O0013000002DEST", 25),
        pad("O0013000002DEST", 25)
    );
    let Command::Nerp(n) = Command::decode(nerp.as_bytes(), Level::V20).unwrap() else { panic!() };
    assert_eq!(n.reason, NerpReason::FileProcessingFailed);
    assert_eq!(Command::Nerp(n.clone()).to_bytes(Level::V20).unwrap(), nerp.as_bytes());
    // 1.4: the first 128 octets.
    let b = Command::Nerp(n).to_bytes(Level::V14).unwrap();
    assert_eq!(b, &nerp.as_bytes()[..128]);
}

#[test]
fn commands_outside_the_level_are_not_recognised() {
    let nerp = Command::decode(b"N", Level::V13).unwrap_err();
    assert_eq!(nerp, CodecError::NotAtLevel { command: b'N', level: Level::V13 });
    assert_eq!(nerp.esid_reason(), EsidReason::CommandNotRecognised);
    for c in [b"J", b"A", b"S"] {
        assert_eq!(Command::decode(c, Level::V14).unwrap_err().esid_reason(), EsidReason::CommandNotRecognised);
    }
    assert!(Command::Secd.to_bytes(Level::V14).is_err());
    assert_eq!(Command::decode(b"Z", Level::V20).unwrap_err(), CodecError::UnknownCommand(b'Z'));
    assert_eq!(Command::decode(b"", Level::V20).unwrap_err().esid_reason(), EsidReason::ExchangeBufferSizeError);
}

#[test]
fn one_octet_commands_with_extra_octets_are_size_errors() {
    for c in [&b"RR"[..], b"P ", b"J\r", b"C ", b"4NN", b"S12345"] {
        let e = Command::decode(c, Level::V20).unwrap_err();
        assert_eq!(e.esid_reason(), EsidReason::ExchangeBufferSizeError, "{c:?}");
    }
}

#[test]
fn every_truncation_of_every_command_is_an_error_not_a_panic() {
    for level in LEVELS {
        for cmd in all_commands(level) {
            let bytes = cmd.to_bytes(level).unwrap();
            for n in 1..bytes.len() {
                if cmd.code() == code::DATA || (cmd.code() == code::ESID && n == 4) {
                    continue; // any DATA length is a DATA; "F09\r"-like prefixes are 1.x ESIDs
                }
                assert!(Command::decode(&bytes[..n], level).is_err(), "{level:?} {} cut at {n}", cmd.name());
            }
        }
    }
}

#[test]
fn arbitrary_buffers_never_panic_and_errors_carry_a_reason() {
    // A small LCG instead of a fuzzer: buffers starting with every command
    // code, of every length up to 300, with pseudo-random bodies.
    let mut x: u32 = 0xC0FF_EE00;
    let mut next = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (x >> 16) as u8
    };
    let codes = b"IXH23DCT45FRENPJASZ\x00\xFF";
    for level in LEVELS {
        for &c in codes {
            for len in 1..300 {
                let mut buf = vec![c];
                buf.extend((1..len).map(|_| next()));
                match Command::decode(&buf, level) {
                    Ok(cmd) => assert_eq!(cmd.code(), c),
                    Err(e) => assert!(matches!(e.esid_reason().code(), 1 | 6 | 7), "{e:?}"),
                }
            }
        }
    }
}

#[test]
fn valid_commands_with_one_octet_changed_never_panic() {
    for level in LEVELS {
        for cmd in all_commands(level) {
            let bytes = cmd.to_bytes(level).unwrap();
            for i in 0..bytes.len() {
                for b in [0x00, b' ', b'0', b'9', b'A', 0x7F, 0xFF] {
                    let mut m = bytes.clone();
                    m[i] = b;
                    if let Ok(back) = Command::decode(&m, level) {
                        // Whatever decodes must encode again (or be refused
                        // for a value it cannot carry), never panic.
                        let _ = back.to_bytes(level).map(|b| assert_eq!(b[0], m[0]));
                    }
                }
            }
        }
    }
}
