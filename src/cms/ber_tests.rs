use super::*;

#[derive(Debug, PartialEq, Eq)]
enum Ev {
    S(u32, bool, Length),
    D(Vec<u8>),
    E(u32),
}

/// All events of `input` fed in pieces of the given sizes (cycled), data merged.
fn events(input: &[u8], pieces: &[usize], limits: Limits) -> Result<Vec<Ev>, CmsError> {
    let mut r = Reader::new(limits);
    let mut out: Vec<Ev> = Vec::new();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let n = pieces[i % pieces.len()].min(rest.len());
        i += 1;
        let mut piece = &rest[..n];
        rest = &rest[n..];
        while let Some(ev) = r.next(&mut piece)? {
            match ev {
                Event::Start(h) => out.push(Ev::S(h.tag, h.constructed, h.len)),
                Event::Data(d) => match out.last_mut() {
                    Some(Ev::D(v)) => v.extend_from_slice(d),
                    _ => out.push(Ev::D(d.to_vec())),
                },
                Event::End(h) => out.push(Ev::E(h.tag)),
            }
        }
        assert!(piece.is_empty(), "the reader consumes every piece");
    }
    // Pending ends once input is used up.
    let mut empty: &[u8] = &[];
    while let Some(ev) = r.next(&mut empty)? {
        if let Event::End(h) = ev {
            out.push(Ev::E(h.tag));
        }
    }
    r.finish()?;
    Ok(out)
}

// SEQUENCE (indefinite) { INTEGER 5, [0] constructed OCTET STRING "ab" "c", OCTET STRING (definite, empty) }
const BER: &[u8] = &[
    0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x04, 0x00, 0x00,
    0x00,
];

fn expected() -> Vec<Ev> {
    use Length::*;
    vec![
        Ev::S(16, true, Indefinite),
        Ev::S(2, false, Definite(1)),
        Ev::D(vec![5]),
        Ev::E(2),
        Ev::S(4, true, Indefinite),
        Ev::S(4, false, Definite(2)),
        Ev::D(b"ab".to_vec()),
        Ev::E(4),
        Ev::S(4, false, Definite(1)),
        Ev::D(b"c".to_vec()),
        Ev::E(4),
        Ev::E(4),
        Ev::S(4, false, Definite(0)),
        Ev::E(4),
        Ev::E(16),
    ]
}

#[test]
fn indefinite_and_constructed_strings_at_every_split() {
    let want = expected();
    assert_eq!(events(BER, &[BER.len()], Limits::default()).unwrap(), want);
    assert_eq!(events(BER, &[1], Limits::default()).unwrap(), want);
    for split in 1..BER.len() {
        assert_eq!(events(BER, &[split, BER.len()], Limits::default()).unwrap(), want, "split {split}");
    }
    assert_eq!(events(BER, &[2, 3, 1], Limits::default()).unwrap(), want);
}

#[test]
fn definite_forms_long_lengths_and_tags() {
    // SEQUENCE with a non-minimal long length (BER allows it), [PRIVATE 200] primitive.
    let b = [0x30, 0x82, 0x00, 0x05, 0xDF, 0x81, 0x48, 0x01, 0xEE];
    let ev = events(&b, &[1], Limits::default()).unwrap();
    assert_eq!(ev[0], Ev::S(16, true, Length::Definite(5)));
    assert_eq!(ev[1], Ev::S(200, false, Length::Definite(1)));
    assert_eq!(ev[2], Ev::D(vec![0xEE]));
    assert_eq!(ev.len(), 5);
    // A primitive at top level.
    assert_eq!(
        events(&[0x05, 0x00], &[1], Limits::default()).unwrap(),
        vec![Ev::S(5, false, Length::Definite(0)), Ev::E(5)]
    );
}

#[test]
fn every_truncation_is_an_error() {
    for cut in 0..BER.len() {
        let r = events(&BER[..cut], &[1], Limits::default());
        assert_eq!(r, Err(CmsError::Truncated), "cut {cut}");
    }
}

#[test]
fn garbage_is_refused() {
    let lim = Limits::default();
    let cases: &[(&[u8], &str)] = &[
        (&[0x00, 0x00], "top-level end-of-contents"),
        (&[0x04, 0x80, 0x00, 0x00], "primitive indefinite"),
        (&[0x30, 0x03, 0x04, 0x05, 1, 2, 3], "overruns parent"),
        (&[0x30, 0xFF], "reserved length"),
        (&[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9], "nine length octets"),
        (&[0x1F, 0x80, 0x01, 0x00], "leading zero tag octet"),
        (&[0x1F, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00], "tag too large"),
        (&[0x30, 0x02, 0x00, 0x00], "end-of-contents in a definite element"),
        (&[0x30, 0x80, 0x00, 0x01, 0x00], "end-of-contents with a length"),
        (&[0x04, 0x01, 0xAA, 0x04], "trailing"),
        // fuzz/cms_ber: a partial header at the very end of its definite parent.
        (&[0x26, 0x07, 0x16, 0x04, 0x0C, 0x01, 0x00, 0xF0, 0x03], "header cut by the parent's end"),
        (&[0x30, 0x02, 0x1F, 0x81], "long tag cut by the parent's end"),
    ];
    for (b, what) in cases {
        assert!(events(b, &[1], lim).is_err(), "{what}");
        assert!(events(b, &[b.len()], lim).is_err(), "{what} (one piece)");
    }
    assert_eq!(events(&[0x04, 0x01, 0xAA, 0x04], &[4], lim), Err(CmsError::TrailingData));
}

#[test]
fn depth_and_length_limits() {
    let mut deep = Vec::new();
    for _ in 0..40 {
        deep.extend([0x30, 0x80]);
    }
    for _ in 0..40 {
        deep.extend([0, 0]);
    }
    assert_eq!(events(&deep, &[7], Limits::default()), Err(CmsError::TooDeep));
    assert!(events(&deep, &[7], Limits { max_depth: 40, max_len: 1 << 48 }).is_ok());
    let big = [0x04, 0x84, 0x10, 0, 0, 0];
    assert!(matches!(events(&big, &[6], Limits { max_depth: 8, max_len: 1 << 20 }), Err(CmsError::TooLong(_))));
    // Within the limit the reader just waits for the content (never buffers it).
    let mut r = Reader::new(Limits::default());
    let mut inp: &[u8] = &big;
    assert!(matches!(r.next(&mut inp), Ok(Some(Event::Start(_)))));
    let chunk = vec![0u8; 4096];
    let mut seen = 0;
    for _ in 0..100 {
        let mut c: &[u8] = &chunk;
        while let Some(Event::Data(d)) = r.next(&mut c).unwrap() {
            seen += d.len();
        }
    }
    assert_eq!(seen, 409_600);
    assert_eq!(r.finish(), Err(CmsError::Truncated));
}

#[test]
fn parse_header_prefixes() {
    assert_eq!(parse_header(&[]).unwrap(), None);
    assert_eq!(parse_header(&[0x30]).unwrap(), None);
    assert_eq!(parse_header(&[0x30, 0x82, 0x01]).unwrap(), None);
    let (h, n) = parse_header(&[0x30, 0x82, 0x01, 0x00, 0xFF]).unwrap().unwrap();
    assert_eq!((h.len, n), (Length::Definite(256), 4));
    let (h, n) = parse_header(&[0xA0, 0x80]).unwrap().unwrap();
    assert_eq!((h.class, h.constructed, h.tag, h.len, n), (Class::Context, true, 0, Length::Indefinite, 2));
}
