//! TCPServer framing (EOL, SingleLineMode, RecordLength): the same pieces
//! come out whatever the split of the input, and they obey a simple model:
//! records are exactly RecordLength bytes, lines never hold their EOL and
//! never exceed the maximum line length, and no byte is lost or invented.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::tcp::framing::{flush, next_frame, Frame, Framing, InBuf};

fn run(input: &[u8], cuts: &[usize], mut f: Framing) -> Vec<Frame> {
    let mut buf = InBuf::default();
    let mut out = Vec::new();
    let mut prev = 0;
    for &c in cuts.iter().chain(std::iter::once(&input.len())) {
        let c = c.clamp(prev, input.len());
        buf.extend(&input[prev..c]);
        prev = c;
        while let Some(fr) = next_frame(&mut buf, &mut f) {
            out.push(fr);
        }
    }
    if let Some(fr) = flush(&mut buf, &f) {
        out.push(fr);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let mode = data[0] % 4;
    let max = 1 + (data[1] as usize % 40);
    let eol: &[u8] = match data[2] % 3 {
        0 => b"\r\n",
        1 => b"\n",
        _ => b"ab",
    };
    let n_cuts = data[3] as usize % 8;
    let (cut_bytes, input) = data[4..].split_at((n_cuts).min(data.len() - 4));
    let mut cuts: Vec<usize> = cut_bytes.iter().map(|&b| b as usize).collect();
    cuts.sort_unstable();
    let framing = Framing {
        eol: if mode == 1 { eol.to_vec() } else { Vec::new() },
        single_line: mode == 2,
        record_length: if mode == 3 { max } else { 0 },
        max_line_length: max,
        after_cr: false,
    };
    let whole = run(input, &[], framing.clone());
    let split = run(input, &cuts, framing.clone());
    // Without framing (mode 0) data is delivered as it arrives, so only the
    // bytes must agree; every framed mode must give the same pieces.
    if mode != 0 {
        assert_eq!(whole, split, "the split changed the pieces");
    } else {
        assert_eq!(split.iter().flat_map(|f| f.text.clone()).collect::<Vec<u8>>(), input);
    }
    let total: usize = whole.iter().map(|f| f.text.len()).sum();
    match mode {
        0 => assert_eq!(whole.iter().flat_map(|f| f.text.clone()).collect::<Vec<u8>>(), input),
        3 => {
            for (i, f) in whole.iter().enumerate() {
                assert!(f.text.len() == max || i + 1 == whole.len(), "a short record before the end");
            }
            assert_eq!(total, input.len());
        }
        _ => {
            for f in &whole {
                assert!(f.text.len() <= max, "a line longer than the maximum");
                if mode == 1 {
                    assert!(!f.text.windows(eol.len()).any(|w| w == eol), "a line holds its EOL");
                }
            }
            assert!(total <= input.len());
        }
    }
});
