//! Subrecord tests, with RFC 5024 Appendix A's Exchange Buffer as the
//! reference encoding.

use super::*;

/// RFC 5024 Appendix A: the extract of 'The Rime of the Ancient Mariner', a T
/// format file with CR-LF line ends.
const MARINER: &str = "It is an ancient Mariner,\r\nAnd he stoppeth one of three.\r\n\
\"By thy long grey beard and glittering eye,\r\nNow wherefore stopp'st thou me?\r\n\r\n\
\"The Bridegroom's doors are opened wide,\r\nAnd I am next of kin;\r\n\
The guests are met, the feast is set:\r\nMay'st hear the merry din.\"\r\n\r\n\
He holds him with his skinny hand,\r\n\"There was a ship,\" quoth he.\r\n\
\"Hold off! unhand me, grey-beard loon!\"\r\nEftsoons his hand dropt he.\r\n\r\n\
He holds him with his glittering eye--\r\nThe Wedding-Guest stood still,\r\n\
And listens like a three years; child:\r\nThe Mariner hath his will.\r\n\r\n\
The Wedding-Guest sat on a stone:\r\nHe cannot chuse but hear;\r\n\
And thus spake on that ancient man,\r\nThe bright-eyed Mariner.\r\n\r\n\
The ship was cheered, the harbour cleared,\r\nMerrily did we drop\r\n\
Below the kirk, below the hill,\r\nBelow the light-house top.\r\n";

/// The Exchange Buffer printed in Appendix A (hex transcribed from the RFC).
fn appendix_a_buffer() -> Vec<u8> {
    let hex: String = include_str!("../testdata/rfc5024_appendix_a.hex").split_whitespace().collect();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

fn expand(databuf: &[u8], compression: bool) -> Result<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let mut ends = 0;
    for s in subrecords(databuf, compression) {
        let s = s?;
        s.piece.expand_into(&mut out);
        ends += usize::from(s.end_of_record);
    }
    Ok((out, ends))
}

/// Every buffer a filler makes for `data` as one record.
fn fill(data: &[u8], size: usize, compression: bool) -> Vec<Vec<u8>> {
    let mut f = BufferFiller::new(size, compression);
    let mut bufs = Vec::new();
    let mut off = 0;
    loop {
        let p = f.push(&data[off..], true);
        off += p.consumed;
        if p.record_ended {
            break;
        }
        bufs.push(f.finish().expect("a full buffer"));
    }
    bufs.extend(f.finish());
    assert_eq!((f.records(), f.units()), (1, data.len() as u64));
    bufs
}

#[test]
fn header_octet_bits() {
    let h = SubrecordHeader::from_byte(0xB3);
    assert_eq!(h, SubrecordHeader { end_of_record: true, compressed: false, count: 51 });
    assert_eq!(h.to_byte(), 0xB3);
    for b in 0..=255u8 {
        assert_eq!(SubrecordHeader::from_byte(b).to_byte(), b);
    }
    assert_eq!(SubrecordHeader { end_of_record: false, compressed: true, count: 63 }.to_byte(), 0x7F);
}

#[test]
fn appendix_a_decodes_to_the_mariner() {
    let buf = appendix_a_buffer();
    assert_eq!(buf.len(), 821);
    assert_eq!(&buf[..2], b"D?"); // the command code, then header 0x3F (63 octets)
    let (text, ends) = expand(&buf[1..], false).unwrap();
    assert_eq!(String::from_utf8(text).unwrap(), MARINER);
    // T and U files are one record: only the last subrecord (0xB3) has E.
    assert_eq!(ends, 1);
    let last = subrecords(&buf[1..], false).last().unwrap().unwrap();
    assert!(last.end_of_record && last.piece.len() == 51);
}

#[test]
fn appendix_a_is_what_the_filler_builds() {
    let bufs = fill(MARINER.as_bytes(), 4096, false);
    assert_eq!(bufs, vec![appendix_a_buffer()]);
}

#[test]
fn small_buffers_split_subrecords_and_never_exceed_the_size() {
    for size in [3, 4, 64, 128, 200] {
        let bufs = fill(MARINER.as_bytes(), size, false);
        let mut all = Vec::new();
        for b in &bufs {
            assert!(b.len() <= size && b[0] == b'D', "size {size}");
            // Each buffer frames on its own: no subrecord crosses buffers.
            all.extend(expand(&b[1..], false).unwrap().0);
        }
        assert_eq!(all, MARINER.as_bytes(), "size {size}");
    }
}

#[test]
fn compression_round_trips_and_shrinks_runs() {
    let mut data = b"header".to_vec();
    data.extend([b' '; 200]);
    data.extend(b"abcaaab");
    data.extend([0u8; 64]);
    data.extend(b"xyyyyz");
    let bufs = fill(&data, 4096, true);
    assert_eq!(bufs.len(), 1);
    let (out, ends) = expand(&bufs[0][1..], true).unwrap();
    assert_eq!((out, ends), (data.clone(), 1));
    assert!(bufs[0].len() < 40, "{} octets", bufs[0].len());
    // Runs shorter than MIN_RUN stay literal.
    assert!(subrecords(&bufs[0][1..], true).any(|s| s.unwrap().piece == Piece::Literal(b"abcaaab")));
    // 200 spaces: 63 + 63 + 63 + 11 in compressed subrecords.
    let repeats: Vec<u8> = subrecords(&bufs[0][1..], true)
        .filter_map(|s| match s.unwrap().piece {
            Piece::Repeat { octet: b' ', count } => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(repeats, [63, 63, 63, 11]);
    // Through small buffers too.
    let mut all = Vec::new();
    for b in fill(&data, 5, true) {
        assert!(b.len() <= 5);
        all.extend(expand(&b[1..], true).unwrap().0);
    }
    assert_eq!(all, data);
}

#[test]
fn empty_records_and_records_ended_later_get_a_zero_length_subrecord() {
    let mut f = BufferFiller::new(128, false);
    assert_eq!(f.push(b"", true), Pushed { consumed: 0, record_ended: true });
    assert_eq!(f.push(b"ab", false), Pushed { consumed: 2, record_ended: false });
    assert_eq!(f.push(b"", true), Pushed { consumed: 0, record_ended: true });
    assert_eq!(f.finish().unwrap(), [b'D', 0x80, 0x02, b'a', b'b', 0x80]);
    assert_eq!(f.finish(), None);
    assert_eq!(f.records(), 2);
    // A full buffer cannot take even the E flag.
    let mut f = BufferFiller::new(4, false);
    assert_eq!(f.push(b"ab", false).consumed, 2);
    assert!(f.is_full());
    assert_eq!(f.push(b"", true), Pushed { consumed: 0, record_ended: false });
}

#[test]
fn malformed_subrecords_are_errors_not_panics() {
    // A count past the end.
    let e = expand(&[0x05, b'a', b'b'], false).unwrap_err();
    assert!(matches!(e, CodecError::Subrecord(_)));
    assert_eq!(e.esid_reason().code(), 6);
    // A compressed subrecord without its octet.
    assert!(expand(&[0x01, b'a', 0x45], true).is_err());
    // A compressed subrecord when compression was not agreed.
    assert!(expand(&[0x45, b'a'], false).is_err());
    // After an error the iterator ends.
    let mut it = subrecords(&[0x3F, b'a'], false);
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
    // Zero-length subrecords and an empty buffer are fine.
    assert_eq!(expand(&[0x00, 0x00, 0x80], false).unwrap(), (vec![], 1));
    assert_eq!(expand(&[], false).unwrap(), (vec![], 0));
}

#[test]
fn arbitrary_octets_never_panic() {
    // A small LCG instead of a fuzzer: every prefix of pseudo-random buffers.
    let mut x: u32 = 0x1234_5678;
    for _ in 0..200 {
        let len = (x % 300) as usize;
        let buf: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        for compression in [false, true] {
            let mut octets = 0;
            for s in subrecords(&buf, compression) {
                match s {
                    Ok(s) => octets += s.piece.len(),
                    Err(_) => break,
                }
            }
            // Expansion is bounded: at most 63 octets per 2 octets of buffer.
            assert!(octets <= buf.len() * 32);
        }
    }
}
