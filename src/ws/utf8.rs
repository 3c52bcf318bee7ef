//! Incremental UTF-8 validation of text messages (RFC 6455 §8.1, §5.6),
//! across fragments and arbitrary splits, failing with 1007 at the first
//! byte that cannot be part of valid UTF-8 rather than at the end.
//!
//! Built on `std::str::from_utf8`: its `Utf8Error::error_len()` tells a
//! sequence that is already invalid (`Some`) from one merely cut short by the
//! end of the input (`None`), which is exactly the fail-fast test, and its
//! ASCII fast path runs at memory speed on typical text. `simdutf8` would be
//! faster on long non-ASCII text, but its "compat" API gives the same answer
//! for one more dependency; std keeps the codec lean.

use super::ProtocolError;

/// The state carried between pieces: the up-to-3-byte prefix of a sequence
/// cut by a piece boundary. 5 bytes, no heap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utf8Validator {
    partial: [u8; 4],
    len: u8,
}

const INVALID: ProtocolError = ProtocolError::invalid_payload("invalid UTF-8 in a text message");

impl Utf8Validator {
    /// A validator at the start of a message.
    pub const fn new() -> Self {
        Utf8Validator { partial: [0; 4], len: 0 }
    }

    /// True when no partial sequence is pending (a message may end here).
    pub const fn is_complete(&self) -> bool {
        self.len == 0
    }

    /// Validates the next piece of a text message. Fails as soon as a byte
    /// makes the message invalid whatever may follow (an overlong lead like
    /// 0xC0, 0xF5 and above, a surrogate 0xED 0xA0, a stray continuation).
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), ProtocolError> {
        // First finish a sequence a previous piece left open, byte by byte.
        while self.len > 0 {
            let Some((&b, rest)) = data.split_first() else { return Ok(()) };
            self.partial[self.len as usize] = b;
            self.len += 1;
            data = rest;
            match std::str::from_utf8(&self.partial[..self.len as usize]) {
                Ok(_) => self.len = 0,
                Err(e) if e.error_len().is_some() => {
                    self.len = 0;
                    return Err(INVALID);
                }
                // Still a valid prefix; with 4 bytes it would have been decided.
                Err(_) => {}
            }
        }
        match std::str::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(INVALID),
            Err(e) => {
                // A valid prefix of at most 3 bytes is cut by the end of this piece.
                let tail = &data[e.valid_up_to()..];
                self.partial[..tail.len()].copy_from_slice(tail);
                self.len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// Ends the message (FIN): a sequence still open is truncated, so invalid
    /// (§8.1). The validator is ready for the next message either way.
    pub fn finish(&mut self) -> Result<(), ProtocolError> {
        let complete = self.len == 0;
        self.len = 0;
        if complete {
            Ok(())
        } else {
            Err(INVALID)
        }
    }

    /// Forgets any partial sequence.
    pub fn reset(&mut self) {
        self.len = 0;
    }
}

/// Validates a whole text payload in one call (e.g. a Close reason).
pub fn validate(data: &[u8]) -> Result<&str, ProtocolError> {
    std::str::from_utf8(data).map_err(|_| INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(data: &[u8]) -> bool {
        let mut v = Utf8Validator::new();
        v.feed(data).is_ok() && v.finish().is_ok()
    }

    /// Index of the first failing byte when fed one byte at a time, or None.
    fn fails_at(data: &[u8]) -> Option<usize> {
        let mut v = Utf8Validator::new();
        for (i, b) in data.iter().enumerate() {
            if v.feed(std::slice::from_ref(b)).is_err() {
                return Some(i);
            }
        }
        None
    }

    #[test]
    fn valid_text_in_every_split() {
        let s = "κόσμε — Hello-µ@ßöäüàá-UTF-8!! 𝄞 \u{10FFFF} \u{FFFF} \u{E000}".as_bytes();
        assert!(whole(s));
        for a in 0..=s.len() {
            for b in a..=s.len() {
                let mut v = Utf8Validator::new();
                v.feed(&s[..a]).unwrap();
                v.feed(&s[a..b]).unwrap();
                v.feed(&s[b..]).unwrap();
                v.finish().unwrap();
            }
        }
    }

    #[test]
    fn fails_at_the_offending_byte() {
        // Autobahn 6.4.x style: "κόσμε" then an invalid sequence then more text.
        let mut s = "κόσμε".as_bytes().to_vec();
        let n = s.len();
        s.extend_from_slice(&[0xF4, 0x90, 0x80, 0x80]);
        s.extend_from_slice(b"edited");
        assert_eq!(fails_at(&s), Some(n + 1), "F4 90 is beyond U+10FFFF");
        assert_eq!(fails_at(&[b'a', 0xF5]), Some(1));
        assert_eq!(fails_at(&[0xC0, 0x80]), Some(0), "overlong lead");
        assert_eq!(fails_at(&[0xC1]), Some(0));
        assert_eq!(fails_at(&[0xED, 0xA0, 0x80]), Some(1), "surrogate");
        assert_eq!(fails_at(&[0xE0, 0x80, 0x80]), Some(1), "overlong 3-byte");
        assert_eq!(fails_at(&[0xF0, 0x80, 0x80, 0x80]), Some(1), "overlong 4-byte");
        assert_eq!(fails_at(&[0x80]), Some(0), "stray continuation");
        assert_eq!(fails_at(&[0xE2, 0x82, b'a']), Some(2));
        assert_eq!(fails_at(&[0xFF]), Some(0));
        assert_eq!(fails_at("€ok".as_bytes()), None);
    }

    #[test]
    fn fails_in_a_single_bigger_piece_too() {
        let mut v = Utf8Validator::new();
        v.feed(b"abc\xE2").unwrap();
        assert!(v.feed(b"\x28\xA1 more").is_err());
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"abc\xED\xA0").is_err(), "surrogate prefix at the end of a piece fails now");
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"abc\xF5").is_err());
    }

    #[test]
    fn truncated_sequence_fails_at_fin() {
        for t in [&[0xE2u8, 0x82][..], &[0xF0, 0x9F, 0x98], &[0xC3]] {
            let mut v = Utf8Validator::new();
            v.feed(b"ok").unwrap();
            v.feed(t).unwrap();
            assert!(!v.is_complete());
            assert_eq!(v.finish().unwrap_err().code.0, 1007);
            assert!(v.is_complete(), "ready for the next message");
            v.feed(b"next").unwrap();
            v.finish().unwrap();
        }
    }

    #[test]
    fn empty_pieces_are_fine() {
        let mut v = Utf8Validator::new();
        v.feed(b"").unwrap();
        v.feed(&[0xF0]).unwrap();
        v.feed(b"").unwrap();
        v.feed(&[0x9F, 0x98]).unwrap();
        v.feed(&[0x80]).unwrap();
        v.finish().unwrap();
        assert!(whole(b""));
    }

    #[test]
    fn exhaustive_two_byte_agrees_with_std() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let s = [a, b];
                assert_eq!(whole(&s), std::str::from_utf8(&s).is_ok(), "{a:02x} {b:02x}");
                let mut v = Utf8Validator::new();
                let split = v.feed(&s[..1]).is_ok() && v.feed(&s[1..]).is_ok() && v.finish().is_ok();
                assert_eq!(split, std::str::from_utf8(&s).is_ok(), "split {a:02x} {b:02x}");
            }
        }
    }

    #[test]
    fn whole_payload_validate() {
        assert_eq!(validate("é".as_bytes()).unwrap(), "é");
        assert_eq!(validate(&[0xC3]).unwrap_err().code.0, 1007);
    }
}
