//! A secured file's decoded content turned back into records (RFC 5024
//! §6.5) fed any content in any pieces, for every format: never panics,
//! the output is the same whatever the pieces, U/T pass through unchanged,
//! and F/V output is the content's record octets plus one CR-LF per record.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::command::FileFormat;
use pier::oftp::restructure::Restructure;

fn run(format: FileFormat, lrecl: usize, content: &[u8], piece: usize) -> Option<(Vec<u8>, u64)> {
    let mut r = Restructure::new(format, lrecl);
    let mut out = Vec::new();
    for p in content.chunks(piece.max(1)) {
        r.push(p, &mut |d| out.extend_from_slice(d)).ok()?;
    }
    r.finish(&mut |d| out.extend_from_slice(d)).ok()?;
    Some((out, r.records()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, content)) = data.split_first() else { return };
    let format = [FileFormat::Unstructured, FileFormat::Text, FileFormat::Fixed, FileFormat::Variable]
        [usize::from(control & 3)];
    let lrecl = usize::from(control >> 2);
    let piece = usize::from(control % 7) + 1;
    let whole = run(format, lrecl, content, content.len().max(1));
    assert_eq!(whole, run(format, lrecl, content, piece), "pieces change the output");
    if let Some((out, records)) = whole {
        match format {
            FileFormat::Unstructured | FileFormat::Text => assert_eq!(out, content),
            FileFormat::Fixed if lrecl == 0 => assert_eq!(out, content),
            FileFormat::Fixed => assert_eq!(out.len(), content.len() + 2 * records as usize),
            // Each 2-octet header became a CR-LF.
            FileFormat::Variable => assert_eq!(out.len(), content.len()),
        }
    }
});
