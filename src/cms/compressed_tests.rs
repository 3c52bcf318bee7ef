use super::*;
use crate::cms::run_to_vec;
use crate::cms::testutil::run_pieces;

fn compress(msg: &[u8]) -> Vec<u8> {
    run_pieces(&mut CompressEncoder::default(), msg, 5).unwrap()
}

fn decompress(b: &[u8], limit: u64, piece: usize) -> Result<Vec<u8>, CmsError> {
    run_pieces(&mut CompressDecoder::new(limit), b, piece)
}

#[test]
fn round_trip_and_splits() {
    let msg = b"compress me, compress me, compress me, compress me please".repeat(3);
    let c = compress(&msg);
    assert!(c.len() < msg.len());
    assert_eq!(decompress(&c, 1 << 20, 1000).unwrap(), msg);
    for split in 0..=c.len() {
        let mut d = CompressDecoder::new(1 << 20);
        let mut out = Vec::new();
        d.push(&c[..split], &mut out).unwrap();
        d.push(&c[split..], &mut out).unwrap();
        d.finish(&mut out).unwrap();
        assert_eq!(out, msg, "split {split}");
    }
    assert_eq!(decompress(&compress(b""), 10, 1).unwrap(), b"");
}

#[test]
fn large_content_in_small_pieces() {
    let msg: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let mut e = CompressEncoder::new(1);
    let c = run_pieces(&mut e, &msg, 10_000).unwrap();
    assert_eq!(decompress(&c, 3_000_000, 777).unwrap(), msg);
    assert_eq!(decompress(&c, 2_999_999, 777).err(), Some(CmsError::ExpansionLimit(2_999_999)));
}

#[test]
fn zlib_bomb_stops_at_the_limit() {
    let zeros = vec![0u8; 1 << 20];
    let mut e = CompressEncoder::new(9);
    let mut c = Vec::new();
    for _ in 0..32 {
        e.push(&zeros, &mut c).unwrap();
    }
    e.finish(&mut c).unwrap();
    assert!(c.len() < 100_000, "32 MiB of zeros compress to {} bytes", c.len());
    let mut d = CompressDecoder::new(1 << 20);
    let mut seen = 0usize;
    let mut sink = crate::cms::FnSink(|b: &[u8]| {
        seen += b.len();
        Ok(())
    });
    let r = d.push(&c, &mut sink);
    assert_eq!(r, Err(CmsError::ExpansionLimit(1 << 20)));
    assert!(seen <= 1 << 20);
}

#[test]
fn truncated_and_garbled() {
    let c = compress(b"some data some data some data");
    for cut in 0..c.len() {
        assert!(decompress(&c[..cut], 1000, 3).is_err(), "cut {cut}");
    }
    // Corrupt the zlib stream's header (first eContent octet after "04 len").
    let mut bad = c.clone();
    let at = bad.windows(2).position(|w| w == [0x78, 0x9C]).unwrap();
    bad[at] = 0x77;
    assert!(matches!(decompress(&bad, 1000, 3), Err(CmsError::Garbled(_))));
    // A different compression algorithm.
    let mut other = c.clone();
    let at = other.windows(oid::ZLIB.len()).position(|w| w == oid::ZLIB).unwrap();
    other[at + oid::ZLIB.len() - 1] = 9;
    assert!(matches!(decompress(&other, 1000, 3), Err(CmsError::Unsupported(_))));
    assert!(run_to_vec(&mut CompressDecoder::new(10), &[0x30, 0x00]).is_err());
}
