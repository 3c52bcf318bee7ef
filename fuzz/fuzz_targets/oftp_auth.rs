//! The Responder's secure authentication exchange (RFC 5024 §4.2.4) fed
//! any commands in any order: it never panics, ends at the first command
//! out of turn, and says Authenticated only after SECD, an AURP equal to
//! the challenge it sealed, and an AUCH its key opened to 20 octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pier::oftp::auth::{AuthCrypto, AuthFailure, AuthOutcome, Exchange, CHALLENGE_LEN};
use pier::oftp::command::Command;
use pier::oftp::Level;

struct Fake {
    challenge: [u8; CHALLENGE_LEN],
}

impl AuthCrypto for Fake {
    fn challenge(&mut self) -> Result<[u8; CHALLENGE_LEN], AuthFailure> {
        Ok(self.challenge)
    }
    fn seal(&mut self, c: &[u8; CHALLENGE_LEN]) -> Result<Vec<u8>, AuthFailure> {
        Ok(c.to_vec())
    }
    fn open(&mut self, e: &[u8]) -> Result<Vec<u8>, AuthFailure> {
        // "Our key" opens envelopes that start with 0x30 (as DER does).
        match e.split_first() {
            Some((0x30, rest)) => Ok(rest.to_vec()),
            _ => Err(AuthFailure::crypto("not for us")),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, mut rest)) = data.split_first() else { return };
    let mut crypto = Fake { challenge: [seed; CHALLENGE_LEN] };
    let mut x = Exchange::new();
    let (mut secd, mut good_aurp) = (false, false);
    // Each command: a length octet, then that many octets.
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (buf, next) = tail.split_at(n);
        rest = next;
        let Ok(cmd) = Command::decode(buf, Level::V20) else { continue };
        let was = (secd, good_aurp);
        match (&cmd, x.on_command(&cmd, &mut crypto)) {
            (_, AuthOutcome::Failed(_)) => return,
            (Command::Secd, AuthOutcome::Continue(out)) => {
                assert!(!was.0 && matches!(out.as_slice(), [Command::Auch(_)]));
                secd = true;
            }
            (Command::Aurp(a), AuthOutcome::Continue(out)) => {
                assert!(was.0 && !was.1 && a.response == [seed; CHALLENGE_LEN]);
                assert_eq!(out, vec![Command::Secd]);
                good_aurp = true;
            }
            (Command::Auch(a), AuthOutcome::Authenticated(Command::Aurp(r))) => {
                assert!(was.0 && was.1 && a.challenge.len() == CHALLENGE_LEN + 1 && r.response == a.challenge[1..]);
                assert!(x.is_done());
            }
            (cmd, outcome) => panic!("{cmd:?} led to {outcome:?}"),
        }
    }
});
