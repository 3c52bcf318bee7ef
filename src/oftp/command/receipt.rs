//! End-to-end receipts: EERP and NERP (RFC 5024 §5.3.13, §5.3.14; RFC 2204
//! §5.3.13). RTR, their acknowledgement, is a 1-octet command in
//! [`super::Command::Rtr`].

use super::code;
use crate::oftp::error::{CodecError, Result};
use crate::oftp::field::{Reader, Writer};
use crate::oftp::reason::NerpReason;
use crate::oftp::stamp::FileStamp;
use crate::oftp::Level;

/// EERP, End to End Response (Speaker → Listener): the final recipient has
/// the file. EERPDEST is the file's *originator* and EERPORIG its final
/// recipient (the receipt travels back).
///
/// ```text
/// Pos Field      1.2/1.3 (RFC 2204)  1.4          2.0 (RFC 5024)
///   0 EERPCMD    'E'                 'E'          'E'
///   1 EERPDSN    X(26)               X(26)        X(26)
///  27 EERPRSV1   X(9)                X(3)         X(3)
///  36 EERPDATE   X(6) YYMMDD         (30) 9(8)    (30) 9(8) CCYYMMDD
///  42 EERPTIME   X(6) HHMMSS         (38) 9(10)   (38) 9(10) HHMMSScccc
///  48 EERPUSER   X(8)                X(8)         X(8)
///  56 EERPDEST   X(25)               X(25)        X(25)
///  81 EERPORIG   X(25) (106 octets)  X(25) (106)  X(25)
/// 106                                             EERPHSHL U(2)
/// 108                                             EERPHSH U(h)
/// 108+h                                           EERPSIGL U(2)
/// 110+h                                           EERPSIG U(s) (110+h+s)
/// ```
///
/// 1.4 differs from 1.3 only by the extended date and time stamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eerp {
    /// EERPDSN.
    pub dataset_name: String,
    /// EERPDATE and EERPTIME, the file's SFID stamp.
    pub stamp: FileStamp,
    /// EERPUSER.
    pub user_data: String,
    /// EERPDEST: the file's originator.
    pub destination: String,
    /// EERPORIG: the file's final recipient.
    pub originator: String,
    /// EERPHSH (2.0; empty when not signed).
    pub hash: Vec<u8>,
    /// EERPSIG (2.0; empty when not signed).
    pub signature: Vec<u8>,
}

impl Eerp {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let mut r = Reader::new(buf);
        if !level.is_v2() {
            r.expect_len(106)?;
        }
        r.take(1)?;
        let dataset_name = r.alnum(26, "EERPDSN")?;
        r.reserved(if level.extended_stamp() { 3 } else { 9 })?;
        let stamp = FileStamp::read(&mut r, level, "EERPDATE", "EERPTIME")?;
        let user_data = r.alnum(8, "EERPUSER")?;
        let destination = r.alnum(25, "EERPDEST")?;
        let originator = r.alnum(25, "EERPORIG")?;
        let (hash, signature) =
            if level.is_v2() { (r.binary_with_len()?, r.binary_with_len()?) } else { (Vec::new(), Vec::new()) };
        r.finish()?;
        Ok(Eerp { dataset_name, stamp, user_data, destination, originator, hash, signature })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::EERP);
        w.alnum(&self.dataset_name, 26, "EERPDSN")?;
        w.spaces(if level.extended_stamp() { 3 } else { 9 });
        self.stamp.write(w, level, "EERPDATE")?;
        w.alnum(&self.user_data, 8, "EERPUSER")?;
        w.alnum(&self.destination, 25, "EERPDEST")?;
        w.alnum(&self.originator, 25, "EERPORIG")?;
        if level.is_v2() {
            w.binary_with_len(&self.hash, "EERPHSHL")?;
            w.binary_with_len(&self.signature, "EERPSIGL")?;
        } else if !self.hash.is_empty() || !self.signature.is_empty() {
            return Err(CodecError::encode("EERPHSH", "a hash or signature needs level 2.0"));
        }
        Ok(())
    }
}

/// NERP, Negative End Response (1.4 and 2.0; RFC 5024 §1.2 lists it as a 1.4
/// addition). RFC 5024 prints only the 2.0 layout; the 1.4 one is its first
/// 128 octets, up to and including NERPREAS (1.4 has no variable fields).
///
/// ```text
/// Pos Field      1.4                2.0 (RFC 5024)
///   0 NERPCMD    'N'                'N'
///   1 NERPDSN    X(26)              X(26)
///  27 NERPRSV1   X(6)               X(6)
///  33 NERPDATE   9(8) CCYYMMDD      9(8)
///  41 NERPTIME   9(10) HHMMSScccc   9(10)
///  51 NERPDEST   X(25)              X(25)
///  76 NERPORIG   X(25)              X(25)
/// 101 NERPCREA   X(25)              X(25)
/// 126 NERPREAS   9(2) (128 octets)  9(2)
/// 128                               NERPREASL 9(3)
/// 131                               NERPREAST T(n)
/// 131+n                             NERPHSHL U(2), NERPHSH U(h)
/// 133+n+h                           NERPSIGL U(2), NERPSIG U(s) (135+n+h+s)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nerp {
    /// NERPDSN.
    pub dataset_name: String,
    /// NERPDATE and NERPTIME.
    pub stamp: FileStamp,
    /// NERPDEST: the file's originator.
    pub destination: String,
    /// NERPORIG: the file's final recipient.
    pub originator: String,
    /// NERPCREA: the location that created the NERP.
    pub creator: String,
    /// NERPREAS.
    pub reason: NerpReason,
    /// NERPREAST (2.0).
    pub text: String,
    /// NERPHSH (2.0).
    pub hash: Vec<u8>,
    /// NERPSIG (2.0).
    pub signature: Vec<u8>,
}

impl Nerp {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let mut r = Reader::new(buf);
        if !level.is_v2() {
            r.expect_len(128)?;
        }
        r.take(1)?;
        let dataset_name = r.alnum(26, "NERPDSN")?;
        r.reserved(6)?;
        let stamp = FileStamp::read(&mut r, level, "NERPDATE", "NERPTIME")?;
        let destination = r.alnum(25, "NERPDEST")?;
        let originator = r.alnum(25, "NERPORIG")?;
        let creator = r.alnum(25, "NERPCREA")?;
        let n = r.numeric(2, "NERPREAS")? as u8;
        let reason = NerpReason::from_code(n).unwrap_or(NerpReason::UnspecifiedReason);
        let mut nerp = Nerp {
            dataset_name,
            stamp,
            destination,
            originator,
            creator,
            reason,
            text: String::new(),
            hash: Vec::new(),
            signature: Vec::new(),
        };
        if level.is_v2() {
            nerp.text = r.text_with_len("NERPREASL")?;
            nerp.hash = r.binary_with_len()?;
            nerp.signature = r.binary_with_len()?;
        }
        r.finish()?;
        Ok(nerp)
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::NERP);
        w.alnum(&self.dataset_name, 26, "NERPDSN")?;
        w.spaces(6);
        self.stamp.write(w, level, "NERPDATE")?;
        w.alnum(&self.destination, 25, "NERPDEST")?;
        w.alnum(&self.originator, 25, "NERPORIG")?;
        w.alnum(&self.creator, 25, "NERPCREA")?;
        w.numeric(u64::from(self.reason.for_level(level).code()), 2, "NERPREAS")?;
        if level.is_v2() {
            w.text_with_len(&self.text, "NERPREASL")?;
            w.binary_with_len(&self.hash, "NERPHSHL")?;
            w.binary_with_len(&self.signature, "NERPSIGL")?;
        } else if !self.hash.is_empty() || !self.signature.is_empty() {
            return Err(CodecError::encode("NERPHSH", "a hash or signature needs level 2.0"));
        }
        Ok(())
    }
}
