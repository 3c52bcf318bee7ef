//! File commands: SFID, SFPA, SFNA, CDT, EFID, EFPA, EFNA (RFC 5024 §5.3.3–
//! §5.3.10, RFC 2204 the same sections). DATA is in [`super::Command::Data`]
//! and its payload in [`crate::oftp::subrecord`].

use super::code;
use crate::oftp::error::{CodecError, Result};
use crate::oftp::field::{Reader, Writer};
use crate::oftp::reason::{EfnaReason, SfnaReason};
use crate::oftp::stamp::FileStamp;
use crate::oftp::Level;

/// SFIDFMT, the Virtual File's record format (RFC 5024 §1.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// 'F': fixed-length records.
    Fixed,
    /// 'V': variable-length records.
    Variable,
    /// 'U': unstructured, one stream.
    Unstructured,
    /// 'T': text, CR-LF delimited lines.
    Text,
}

impl FileFormat {
    /// The format for an SFIDFMT octet.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'F' => Some(FileFormat::Fixed),
            b'V' => Some(FileFormat::Variable),
            b'U' => Some(FileFormat::Unstructured),
            b'T' => Some(FileFormat::Text),
            _ => None,
        }
    }

    /// The SFIDFMT octet.
    pub fn as_byte(self) -> u8 {
        match self {
            FileFormat::Fixed => b'F',
            FileFormat::Variable => b'V',
            FileFormat::Unstructured => b'U',
            FileFormat::Text => b'T',
        }
    }

    /// Whether the file is made of records counted by EFIDRCNT and restarted
    /// on record boundaries (F, V) rather than 1K blocks (U, T), RFC 5024
    /// §1.5.4.
    pub fn has_records(self) -> bool {
        matches!(self, FileFormat::Fixed | FileFormat::Variable)
    }
}

/// SFIDSEC, the security level (2.0, RFC 5024 §5.3.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SecurityLevel {
    /// '00' no security services.
    #[default]
    None,
    /// '01' encrypted.
    Encrypted,
    /// '02' signed.
    Signed,
    /// '03' encrypted and signed.
    EncryptedAndSigned,
}

impl SecurityLevel {
    fn from_code(n: u64) -> Option<Self> {
        match n {
            0 => Some(SecurityLevel::None),
            1 => Some(SecurityLevel::Encrypted),
            2 => Some(SecurityLevel::Signed),
            3 => Some(SecurityLevel::EncryptedAndSigned),
            _ => None,
        }
    }

    /// The two-digit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// SFID, Start File (Speaker → Listener).
///
/// ```text
/// Pos Field      1.2/1.3 (RFC 2204)  1.4             2.0 (RFC 5024)
///   0 SFIDCMD    'H'                 'H'             'H'
///   1 SFIDDSN    X(26)               X(26)           X(26)
///  27 SFIDRSV1   X(9)                X(3)            X(3)
///  36 SFIDDATE   X(6) YYMMDD         (30) 9(8)       (30) 9(8) CCYYMMDD
///  42 SFIDTIME   X(6) HHMMSS         (38) 9(10)      (38) 9(10) HHMMSScccc
///  48 SFIDUSER   X(8)                X(8)            X(8)
///  56 SFIDDEST   X(25)               X(25)           X(25)
///  81 SFIDORIG   X(25)               X(25)           X(25)
/// 106 SFIDFMT    F/V/U/T             F/V/U/T         F/V/U/T
/// 107 SFIDLRECL  9(5)                9(5)            9(5)
/// 112 SFIDFSIZ   9(7)                9(7)            9(13)
/// 119 SFIDREST   9(9)  (128 octets)  9(9) (128)      (125) SFIDOSIZ 9(13)
/// 138                                                SFIDREST 9(17)
/// 155                                                SFIDSEC 9(2) 00–03
/// 157                                                SFIDCIPH 9(2)
/// 159                                                SFIDCOMP 9(1) 0/1
/// 160                                                SFIDENV 9(1) 0/1
/// 161                                                SFIDSIGN Y/N
/// 162                                                SFIDDESCL 9(3)
/// 165                                                SFIDDESC T(n) (165+n)
/// ```
///
/// 1.4 differs from 1.3 only by the extended date and time stamp (RFC 5024
/// §1.2), which takes 6 octets of the reserved field. Below 2.0 the 2.0-only
/// fields must be at their defaults to encode (an `original_file_size` is
/// ignored: 1.x has none), and decode sets `original_file_size` to
/// `file_size` (RFC 5024 §5.3.3: the same value "if no security or
/// compression services have been used").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sfid {
    /// SFIDDSN, the Virtual File dataset name.
    pub dataset_name: String,
    /// SFIDDATE and SFIDTIME.
    pub stamp: FileStamp,
    /// SFIDUSER.
    pub user_data: String,
    /// SFIDDEST, the final recipient.
    pub destination: String,
    /// SFIDORIG, the originator.
    pub originator: String,
    /// SFIDFMT.
    pub format: FileFormat,
    /// SFIDLRECL (0 for U and T files).
    pub max_record_size: u32,
    /// SFIDFSIZ, in 1K blocks.
    pub file_size: u64,
    /// SFIDOSIZ, in 1K blocks (2.0).
    pub original_file_size: u64,
    /// SFIDREST: records (F, V) or 1K blocks (U, T).
    pub restart_position: u64,
    /// SFIDSEC (2.0).
    pub security_level: SecurityLevel,
    /// SFIDCIPH (2.0; 00 none, else RFC 5024 §10.2's suites).
    pub cipher_suite: u8,
    /// SFIDCOMP (2.0): 1 = ZLIB file compression.
    pub compressed: bool,
    /// SFIDENV (2.0): 1 = CMS envelope.
    pub enveloped: bool,
    /// SFIDSIGN (2.0): a signed EERP is requested.
    pub signed_eerp: bool,
    /// SFIDDESC (2.0).
    pub description: String,
}

impl Sfid {
    /// The format the DATA of this file has on the wire: an enveloped
    /// (signed, compressed or encrypted) file "has become unstructured" and
    /// restarts as format U whatever SFIDFMT says (RFC 5024 §5.3.3
    /// SFIDREST); its records come back from the decoded content (§6.5).
    pub fn transmitted_format(&self) -> FileFormat {
        if self.enveloped {
            FileFormat::Unstructured
        } else {
            self.format
        }
    }

    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let mut r = Reader::new(buf);
        if !level.is_v2() {
            r.expect_len(128)?;
        }
        r.take(1)?;
        let dataset_name = r.alnum(26, "SFIDDSN")?;
        r.reserved(if level.extended_stamp() { 3 } else { 9 })?;
        let stamp = FileStamp::read(&mut r, level, "SFIDDATE", "SFIDTIME")?;
        let user_data = r.alnum(8, "SFIDUSER")?;
        let destination = r.alnum(25, "SFIDDEST")?;
        let originator = r.alnum(25, "SFIDORIG")?;
        let format = FileFormat::from_byte(r.one_of(b"FVUT", "SFIDFMT")?).unwrap_or(FileFormat::Unstructured);
        let max_record_size = r.numeric(5, "SFIDLRECL")? as u32;
        let mut sfid = Sfid {
            dataset_name,
            stamp,
            user_data,
            destination,
            originator,
            format,
            max_record_size,
            file_size: 0,
            original_file_size: 0,
            restart_position: 0,
            security_level: SecurityLevel::None,
            cipher_suite: 0,
            compressed: false,
            enveloped: false,
            signed_eerp: false,
            description: String::new(),
        };
        if level.is_v2() {
            sfid.file_size = r.numeric(13, "SFIDFSIZ")?;
            sfid.original_file_size = r.numeric(13, "SFIDOSIZ")?;
            sfid.restart_position = r.numeric(17, "SFIDREST")?;
            let sec = r.numeric(2, "SFIDSEC")?;
            sfid.security_level =
                SecurityLevel::from_code(sec).ok_or_else(|| CodecError::field("SFIDSEC", format!("{sec:02}")))?;
            sfid.cipher_suite = r.numeric(2, "SFIDCIPH")? as u8;
            sfid.compressed = r.one_of(b"01", "SFIDCOMP")? == b'1';
            sfid.enveloped = r.one_of(b"01", "SFIDENV")? == b'1';
            sfid.signed_eerp = r.yes_no("SFIDSIGN")?;
            sfid.description = r.text_with_len("SFIDDESCL")?;
        } else {
            sfid.file_size = r.numeric(7, "SFIDFSIZ")?;
            sfid.original_file_size = sfid.file_size;
            sfid.restart_position = r.numeric(9, "SFIDREST")?;
        }
        r.finish()?;
        Ok(sfid)
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::SFID);
        w.alnum(&self.dataset_name, 26, "SFIDDSN")?;
        w.spaces(if level.extended_stamp() { 3 } else { 9 });
        self.stamp.write(w, level, "SFIDDATE")?;
        w.alnum(&self.user_data, 8, "SFIDUSER")?;
        w.alnum(&self.destination, 25, "SFIDDEST")?;
        w.alnum(&self.originator, 25, "SFIDORIG")?;
        w.byte(self.format.as_byte());
        w.numeric(u64::from(self.max_record_size), 5, "SFIDLRECL")?;
        if level.is_v2() {
            w.numeric(self.file_size, 13, "SFIDFSIZ")?;
            w.numeric(self.original_file_size, 13, "SFIDOSIZ")?;
            w.numeric(self.restart_position, 17, "SFIDREST")?;
            w.numeric(u64::from(self.security_level.code()), 2, "SFIDSEC")?;
            w.numeric(u64::from(self.cipher_suite), 2, "SFIDCIPH")?;
            w.byte(if self.compressed { b'1' } else { b'0' });
            w.byte(if self.enveloped { b'1' } else { b'0' });
            w.yes_no(self.signed_eerp);
            w.text_with_len(&self.description, "SFIDDESCL")?;
        } else {
            let v2_only = self.security_level != SecurityLevel::None
                || self.cipher_suite != 0
                || self.compressed
                || self.enveloped
                || self.signed_eerp
                || !self.description.is_empty();
            if v2_only {
                return Err(CodecError::encode("SFID", "security, compression or description need level 2.0"));
            }
            // A file too big for 9(7) is NERP 90's case: the session decides.
            w.numeric(self.file_size, 7, "SFIDFSIZ")?;
            w.numeric(self.restart_position, 9, "SFIDREST")?;
        }
        Ok(())
    }
}

/// SFPA, Start File Positive Answer: `'2'` then SFPAACNT, the restart count
/// the Listener accepts, `9(9)` below 2.0 (10 octets) and `9(17)` at 2.0 (18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sfpa {
    /// SFPAACNT (≤ the SFID's SFIDREST; 0 without restart).
    pub answer_count: u64,
}

fn count_width(level: Level, v1: usize, v2: usize) -> usize {
    if level.is_v2() {
        v2
    } else {
        v1
    }
}

impl Sfpa {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let n = count_width(level, 9, 17);
        let mut r = Reader::new(buf);
        r.expect_len(1 + n)?;
        r.take(1)?;
        Ok(Sfpa { answer_count: r.numeric(n, "SFPAACNT")? })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::SFPA);
        w.numeric(self.answer_count, count_width(level, 9, 17), "SFPAACNT")
    }
}

/// SFNA, Start File Negative Answer.
///
/// ```text
/// Pos Field      1.2/1.3/1.4           2.0
///   0 SFNACMD    '3'                   '3'
///   1 SFNAREAS   9(2)                  9(2)
///   3 SFNARRTR   Y/N  (4 octets)       Y/N
///   4                                  SFNAREASL 9(3)
///   7                                  SFNAREAST T(n)   (7+n octets)
/// ```
///
/// 1.4 added reason 14; 2.0 added 15–20 and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sfna {
    /// SFNAREAS.
    pub reason: SfnaReason,
    /// SFNARRTR: the transmission may be retried later.
    pub retry: bool,
    /// SFNAREAST (2.0).
    pub text: String,
}

impl Sfna {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let mut r = Reader::new(buf);
        if !level.is_v2() {
            r.expect_len(4)?;
        }
        r.take(1)?;
        let n = r.numeric(2, "SFNAREAS")? as u8;
        let reason = SfnaReason::from_code(n).unwrap_or(SfnaReason::UnspecifiedReason);
        let retry = r.yes_no("SFNARRTR")?;
        let text = if level.is_v2() { r.text_with_len("SFNAREASL")? } else { String::new() };
        r.finish()?;
        Ok(Sfna { reason, retry, text })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::SFNA);
        w.numeric(u64::from(self.reason.for_level(level).code()), 2, "SFNAREAS")?;
        w.yes_no(self.retry);
        if level.is_v2() {
            w.text_with_len(&self.text, "SFNAREASL")?;
        }
        Ok(())
    }
}

/// EFID, End File: `'T'`, EFIDRCNT (records; 0 for U, T) and EFIDUCNT (octets
/// before buffer compression): `9(9)` + `9(12)` below 2.0 (22 octets),
/// `9(17)` + `9(17)` at 2.0 (35 octets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Efid {
    /// EFIDRCNT.
    pub record_count: u64,
    /// EFIDUCNT.
    pub unit_count: u64,
}

impl Efid {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let (rn, un) = (count_width(level, 9, 17), count_width(level, 12, 17));
        let mut r = Reader::new(buf);
        r.expect_len(1 + rn + un)?;
        r.take(1)?;
        Ok(Efid { record_count: r.numeric(rn, "EFIDRCNT")?, unit_count: r.numeric(un, "EFIDUCNT")? })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::EFID);
        w.numeric(self.record_count, count_width(level, 9, 17), "EFIDRCNT")?;
        w.numeric(self.unit_count, count_width(level, 12, 17), "EFIDUCNT")
    }
}

/// EFPA, End File Positive Answer: `'4'` then EFPACD `Y`/`N` (2 octets, every
/// level): whether the Listener asks the Speaker for a CD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Efpa {
    /// EFPACD.
    pub change_direction: bool,
}

impl Efpa {
    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        r.expect_len(2)?;
        r.take(1)?;
        Ok(Efpa { change_direction: r.yes_no("EFPACD")? })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>) {
        w.byte(code::EFPA);
        w.yes_no(self.change_direction);
    }
}

/// EFNA, End File Negative Answer.
///
/// ```text
/// Pos Field      1.2/1.3/1.4           2.0
///   0 EFNACMD    '5'                   '5'
///   1 EFNAREAS   9(2)  (3 octets)      9(2)
///   3                                  EFNAREASL 9(3)
///   6                                  EFNAREAST T(n)   (6+n octets)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Efna {
    /// EFNAREAS.
    pub reason: EfnaReason,
    /// EFNAREAST (2.0).
    pub text: String,
}

impl Efna {
    pub(super) fn decode(buf: &[u8], level: Level) -> Result<Self> {
        let mut r = Reader::new(buf);
        if !level.is_v2() {
            r.expect_len(3)?;
        }
        r.take(1)?;
        let n = r.numeric(2, "EFNAREAS")? as u8;
        let reason = EfnaReason::from_code(n).unwrap_or(EfnaReason::UnspecifiedReason);
        let text = if level.is_v2() { r.text_with_len("EFNAREASL")? } else { String::new() };
        r.finish()?;
        Ok(Efna { reason, text })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::EFNA);
        w.numeric(u64::from(self.reason.for_level(level).code()), 2, "EFNAREAS")?;
        if level.is_v2() {
            w.text_with_len(&self.text, "EFNAREASL")?;
        }
        Ok(())
    }
}
