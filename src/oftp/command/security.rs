//! The 2.0 secure authentication commands AUCH and AURP (RFC 5024 §5.3.17,
//! §5.3.18). SECD (§5.3.16) is a 1-octet command in
//! [`super::Command::Secd`]. This module only frames them; the challenge's
//! CMS encryption and its check belong to the security layer.

use super::code;
use crate::oftp::error::Result;
use crate::oftp::field::{Reader, Writer};

/// Length of AURPRSP, the decrypted 20-octet challenge.
pub const AURP_RESPONSE_LEN: usize = 20;

/// AUCH, Authentication Challenge (2.0 only):
///
/// ```text
/// Pos Field     Format
///   0 AUCHCMD   'A'
///   1 AUCHCHLL  U(2) challenge length
///   3 AUCHCHAL  U(n) CMS-encrypted 20-octet random number   (3+n octets)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auch {
    /// AUCHCHAL.
    pub challenge: Vec<u8>,
}

impl Auch {
    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        r.take(1)?;
        let challenge = r.binary_with_len()?;
        r.finish()?;
        Ok(Auch { challenge })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.byte(code::AUCH);
        w.binary_with_len(&self.challenge, "AUCHCHLL")
    }
}

/// AURP, Authentication Response (2.0 only): `'S'` then AURPRSP, `U(20)`, the
/// decrypted challenge (21 octets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aurp {
    /// AURPRSP.
    pub response: [u8; AURP_RESPONSE_LEN],
}

impl Aurp {
    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        r.expect_len(1 + AURP_RESPONSE_LEN)?;
        r.take(1)?;
        let mut response = [0; AURP_RESPONSE_LEN];
        response.copy_from_slice(r.take(AURP_RESPONSE_LEN)?);
        Ok(Aurp { response })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>) {
        w.byte(code::AURP);
        w.bytes(&self.response);
    }
}
