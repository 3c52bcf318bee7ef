//! Secure authentication as the Responder plays it (RFC 5024 §4.2.3–4.2.4,
//! §5.3.16–5.3.18, §9.8 D–K), pure: commands in, commands out. The
//! cryptography — a challenge sealed as CMS EnvelopedData for the
//! Initiator's certificate, the Initiator's challenge opened with our
//! private key — comes through [`AuthCrypto`], so this exchange holds no
//! keys and can be fuzzed with any bytes.
//!
//! ```text
//! Initiator -- SECD -->  Responder            (WaitSecd)
//!           <-- AUCH --  our sealed challenge (WaitAurp)
//!           -- AURP -->  must equal it, else ESID 11
//!           <-- SECD --                       (WaitAuch)
//!           -- AUCH -->  its sealed challenge
//!           <-- AURP --  what our key opened  (done: the Initiator speaks)
//! ```

use super::command::{Auch, Aurp, Command, AURP_RESPONSE_LEN};
use super::error::{OFTP_ERR_CERT_INVALID, OFTP_ERR_CERT_MISSING, OFTP_ERR_CRYPTO, OFTP_ERR_PROTOCOL};
use super::reason::EsidReason;

/// Length of the random challenge (AURPRSP, RFC 5024 §5.3.18).
pub const CHALLENGE_LEN: usize = AURP_RESPONSE_LEN;

/// What the exchange needs done with keys and randomness.
pub trait AuthCrypto {
    /// A fresh random challenge, unique for the session (RFC 5024 §4.2.4).
    fn challenge(&mut self) -> Result<[u8; CHALLENGE_LEN], AuthFailure>;
    /// The challenge as CMS EnvelopedData for the Initiator's certificate
    /// (the one linked to its SSID code).
    fn seal(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<Vec<u8>, AuthFailure>;
    /// The Initiator's AUCHCHAL opened with our private key.
    fn open(&mut self, envelope: &[u8]) -> Result<Vec<u8>, AuthFailure>;
}

/// Why authentication failed: the ESID the session ends with, the error the
/// application sees (code and text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFailure {
    pub esid: EsidReason,
    pub code: i32,
    pub text: String,
}

impl AuthFailure {
    /// No certificate to encrypt to, or no private key of ours (689).
    pub fn missing(text: impl Into<String>) -> Self {
        AuthFailure {
            esid: EsidReason::SecureAuthenticationRequirementsIncompatible,
            code: OFTP_ERR_CERT_MISSING,
            text: text.into(),
        }
    }

    /// A certificate that cannot be used (690).
    pub fn invalid_cert(text: impl Into<String>) -> Self {
        AuthFailure {
            esid: EsidReason::SecureAuthenticationRequirementsIncompatible,
            code: OFTP_ERR_CERT_INVALID,
            text: text.into(),
        }
    }

    /// A CMS operation that failed (684): an envelope we cannot open.
    pub fn crypto(text: impl Into<String>) -> Self {
        AuthFailure { esid: EsidReason::InvalidChallengeResponse, code: OFTP_ERR_CRYPTO, text: text.into() }
    }

    fn wrong_response() -> Self {
        AuthFailure {
            esid: EsidReason::InvalidChallengeResponse,
            code: OFTP_ERR_CERT_INVALID,
            text: "The client's AURP does not match the challenge: it does not hold the key of its certificate.".into(),
        }
    }

    fn out_of_turn(cmd: &Command) -> Self {
        AuthFailure {
            esid: EsidReason::ProtocolViolation,
            code: OFTP_ERR_PROTOCOL,
            text: format!("{} during secure authentication, out of turn", cmd.name()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    WaitSecd,
    WaitAurp([u8; CHALLENGE_LEN]),
    WaitAuch,
    Done,
}

/// What one command from the Initiator leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Send these, then wait for the next command.
    Continue(Vec<Command>),
    /// Send this last AURP: both sides are authenticated, the Initiator
    /// speaks next (§9.8 I).
    Authenticated(Command),
    /// End the session.
    Failed(AuthFailure),
}

/// The Responder's side of one authentication exchange.
#[derive(Debug)]
pub struct Exchange {
    step: Step,
}

impl Default for Exchange {
    fn default() -> Self {
        Exchange::new()
    }
}

impl Exchange {
    pub fn new() -> Self {
        Exchange { step: Step::WaitSecd }
    }

    /// Whether both sides have authenticated.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// The Initiator's next command.
    pub fn on_command(&mut self, cmd: &Command, crypto: &mut dyn AuthCrypto) -> AuthOutcome {
        let step = std::mem::replace(&mut self.step, Step::Done);
        match (step, cmd) {
            (Step::WaitSecd, Command::Secd) => {
                let sealed = crypto.challenge().and_then(|c| crypto.seal(&c).map(|s| (c, s)));
                match sealed {
                    Ok((challenge, envelope)) => {
                        self.step = Step::WaitAurp(challenge);
                        AuthOutcome::Continue(vec![Command::Auch(Auch { challenge: envelope })])
                    }
                    Err(f) => AuthOutcome::Failed(f),
                }
            }
            (Step::WaitAurp(challenge), Command::Aurp(a)) => {
                if constant_time_eq(&a.response, &challenge) {
                    self.step = Step::WaitAuch;
                    AuthOutcome::Continue(vec![Command::Secd])
                } else {
                    AuthOutcome::Failed(AuthFailure::wrong_response())
                }
            }
            (Step::WaitAuch, Command::Auch(a)) => match crypto.open(&a.challenge) {
                Ok(plain) if plain.len() == CHALLENGE_LEN => {
                    let mut response = [0; CHALLENGE_LEN];
                    response.copy_from_slice(&plain);
                    AuthOutcome::Authenticated(Command::Aurp(Aurp { response }))
                }
                Ok(plain) => AuthOutcome::Failed(AuthFailure::crypto(format!(
                    "The client's challenge holds {} octets, not {CHALLENGE_LEN}.",
                    plain.len()
                ))),
                Err(f) => AuthOutcome::Failed(f),
            },
            (_, cmd) => AuthOutcome::Failed(AuthFailure::out_of_turn(cmd)),
        }
    }
}

/// Compares without an early exit, so the time taken says nothing about
/// how much of a guessed response was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Encryption" that is a visible transform, to check what goes where.
    struct Fake {
        next: [u8; CHALLENGE_LEN],
        fail_seal: bool,
    }

    impl AuthCrypto for Fake {
        fn challenge(&mut self) -> Result<[u8; CHALLENGE_LEN], AuthFailure> {
            Ok(self.next)
        }
        fn seal(&mut self, c: &[u8; CHALLENGE_LEN]) -> Result<Vec<u8>, AuthFailure> {
            if self.fail_seal {
                return Err(AuthFailure::missing("ConnRecipientCertStore is not set"));
            }
            Ok([b"sealed:".as_slice(), c].concat())
        }
        fn open(&mut self, e: &[u8]) -> Result<Vec<u8>, AuthFailure> {
            e.strip_prefix(b"theirs:").map(<[u8]>::to_vec).ok_or_else(|| AuthFailure::crypto("not for us"))
        }
    }

    fn fake() -> Fake {
        Fake { next: [7; CHALLENGE_LEN], fail_seal: false }
    }

    #[test]
    fn the_whole_exchange_in_the_rfc_order() {
        let (mut x, mut c) = (Exchange::new(), fake());
        let AuthOutcome::Continue(out) = x.on_command(&Command::Secd, &mut c) else { panic!() };
        assert_eq!(out, vec![Command::Auch(Auch { challenge: [b"sealed:".as_slice(), &[7; 20]].concat() })]);
        let out = x.on_command(&Command::Aurp(Aurp { response: [7; 20] }), &mut c);
        assert_eq!(out, AuthOutcome::Continue(vec![Command::Secd]));
        let theirs = Command::Auch(Auch { challenge: [b"theirs:".as_slice(), &[9; 20]].concat() });
        assert_eq!(
            x.on_command(&theirs, &mut c),
            AuthOutcome::Authenticated(Command::Aurp(Aurp { response: [9; 20] }))
        );
        assert!(x.is_done());
    }

    #[test]
    fn a_wrong_response_is_esid_11_and_690() {
        let (mut x, mut c) = (Exchange::new(), fake());
        x.on_command(&Command::Secd, &mut c);
        let mut wrong = [7; 20];
        wrong[19] = 8;
        let AuthOutcome::Failed(f) = x.on_command(&Command::Aurp(Aurp { response: wrong }), &mut c) else { panic!() };
        assert_eq!((f.esid, f.code), (EsidReason::InvalidChallengeResponse, OFTP_ERR_CERT_INVALID));
    }

    #[test]
    fn no_certificate_to_seal_for_is_esid_12_and_689() {
        let mut c = Fake { fail_seal: true, ..fake() };
        let AuthOutcome::Failed(f) = Exchange::new().on_command(&Command::Secd, &mut c) else { panic!() };
        assert_eq!((f.esid, f.code), (EsidReason::SecureAuthenticationRequirementsIncompatible, OFTP_ERR_CERT_MISSING));
    }

    #[test]
    fn a_challenge_we_cannot_open_or_of_the_wrong_size_fails() {
        for envelope in [b"garbage".to_vec(), [b"theirs:".as_slice(), &[1; 19]].concat()] {
            let (mut x, mut c) = (Exchange::new(), fake());
            x.on_command(&Command::Secd, &mut c);
            x.on_command(&Command::Aurp(Aurp { response: [7; 20] }), &mut c);
            let AuthOutcome::Failed(f) = x.on_command(&Command::Auch(Auch { challenge: envelope }), &mut c) else {
                panic!()
            };
            assert_eq!((f.esid, f.code), (EsidReason::InvalidChallengeResponse, OFTP_ERR_CRYPTO));
        }
    }

    #[test]
    fn commands_out_of_turn_are_protocol_violations() {
        let aurp = Command::Aurp(Aurp { response: [7; 20] });
        let auch = Command::Auch(Auch { challenge: b"theirs:xxxxxxxxxxxxxxxxxxxx".to_vec() });
        // AURP or AUCH first; SECD twice; AUCH instead of AURP; anything after the end.
        let cases: Vec<Vec<Command>> = vec![
            vec![aurp.clone()],
            vec![auch.clone()],
            vec![Command::Secd, Command::Secd],
            vec![Command::Secd, auch.clone()],
            vec![Command::Secd, aurp.clone(), aurp.clone()],
            vec![Command::Secd, aurp.clone(), auch.clone(), Command::Secd],
            vec![Command::Cd],
        ];
        for seq in cases {
            let (mut x, mut c) = (Exchange::new(), fake());
            let (last, first) = seq.split_last().unwrap();
            for cmd in first {
                assert!(!matches!(x.on_command(cmd, &mut c), AuthOutcome::Failed(_)), "{seq:?}");
            }
            let AuthOutcome::Failed(f) = x.on_command(last, &mut c) else { panic!("{seq:?}") };
            assert_eq!(f.esid, EsidReason::ProtocolViolation, "{seq:?}");
        }
    }
}
