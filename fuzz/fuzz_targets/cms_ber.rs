//! The CMS codec's streaming BER reader (src/cms/ber.rs, X.690 §8.1): any
//! bytes, pushed in pieces of any size, give events or an error, never a
//! panic; the content bytes reported never exceed the input, the depth never
//! exceeds the limit, and the in-memory parse (src/cms/tree.rs) agrees with
//! the streaming one on whether the input is one complete element.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::cms::ber::{Event, Limits, Reader};
use pier::cms::tree;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let piece = usize::from(data[0]) + 1;
    let limits = Limits { max_depth: usize::from(data[1] % 40) + 1, max_len: 1 << 32 };
    let input = &data[2..];
    let mut r = Reader::new(limits);
    let mut content = 0usize;
    let mut ok = true;
    'outer: for chunk in input.chunks(piece) {
        let mut c = chunk;
        loop {
            match r.next(&mut c) {
                Ok(Some(Event::Data(d))) => content += d.len(),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    ok = false;
                    break 'outer;
                }
            }
            assert!(r.depth() <= limits.max_depth);
        }
        assert!(c.is_empty());
    }
    assert!(content <= input.len());
    if ok {
        let mut empty: &[u8] = &[];
        while let Ok(Some(_)) = r.next(&mut empty) {}
        let streamed = r.finish().is_ok();
        if limits.max_depth >= 32 {
            // tree::parse uses the default limits (depth 32).
            let whole = tree::parse(input, 1 << 20);
            if streamed && input.len() * 20 + 64 < 1 << 20 {
                assert!(whole.is_ok(), "streaming accepted what the tree parse refused: {whole:?}");
            }
        }
    }
});
