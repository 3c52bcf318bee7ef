//! OFTP commands: one Command Exchange Buffer each (RFC 5024 §5.2: "A Command
//! Exchange Buffer contains a single command starting at the beginning of the
//! buffer"), decoded and encoded for a protocol [`Level`].
//!
//! The first octet selects the command. A code no level defines is
//! [`CodecError::UnknownCommand`] (ESID 01); one the session's level lacks
//! (NERP below 1.4, SECD/AUCH/AURP below 2.0) is [`CodecError::NotAtLevel`]
//! (ESID 01 too). A buffer whose length differs from the one its layout
//! implies is [`CodecError::Length`] (ESID 07), and a bad field
//! [`CodecError::Field`] or [`CodecError::Stamp`] (ESID 06).
//!
//! Layouts of each command and level are documented on its type: [`Ssrm`],
//! [`Ssid`], [`Sfid`], [`Sfpa`], [`Sfna`], [`Efid`], [`Efpa`], [`Efna`],
//! [`Esid`], [`Eerp`], [`Nerp`], [`Auch`], [`Aurp`]; the 1-octet ones below.

mod file;
mod receipt;
mod security;
mod session;
#[cfg(test)]
mod tests;

pub use file::{Efid, Efna, Efpa, FileFormat, SecurityLevel, Sfid, Sfna, Sfpa};
pub use receipt::{Eerp, Nerp};
pub use security::{Auch, Aurp, AURP_RESPONSE_LEN};
pub use session::{CreditCount, Esid, ExchangeBufferSize, SendReceive, Ssid, Ssrm, SSRM_MESSAGE};

use super::error::{CodecError, Result};
use super::field::{Reader, Writer};
use super::Level;

/// Command codes, the first octet of each Command Exchange Buffer (RFC 5024
/// §5.3).
pub mod code {
    /// SSRM, Start Session Ready Message.
    pub const SSRM: u8 = b'I';
    /// SSID, Start Session.
    pub const SSID: u8 = b'X';
    /// SFID, Start File.
    pub const SFID: u8 = b'H';
    /// SFPA, Start File Positive Answer.
    pub const SFPA: u8 = b'2';
    /// SFNA, Start File Negative Answer.
    pub const SFNA: u8 = b'3';
    /// DATA, Data Exchange Buffer.
    pub const DATA: u8 = b'D';
    /// CDT, Set Credit.
    pub const CDT: u8 = b'C';
    /// EFID, End File.
    pub const EFID: u8 = b'T';
    /// EFPA, End File Positive Answer.
    pub const EFPA: u8 = b'4';
    /// EFNA, End File Negative Answer.
    pub const EFNA: u8 = b'5';
    /// ESID, End Session.
    pub const ESID: u8 = b'F';
    /// CD, Change Direction.
    pub const CD: u8 = b'R';
    /// EERP, End to End Response.
    pub const EERP: u8 = b'E';
    /// NERP, Negative End Response (1.4+).
    pub const NERP: u8 = b'N';
    /// RTR, Ready To Receive.
    pub const RTR: u8 = b'P';
    /// SECD, Security Change Direction (2.0).
    pub const SECD: u8 = b'J';
    /// AUCH, Authentication Challenge (2.0).
    pub const AUCH: u8 = b'A';
    /// AURP, Authentication Response (2.0).
    pub const AURP: u8 = b'S';
}

/// One OFTP command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// SSRM (§5.3.1).
    Ssrm(Ssrm),
    /// SSID (§5.3.2).
    Ssid(Ssid),
    /// SFID (§5.3.3).
    Sfid(Sfid),
    /// SFPA (§5.3.4).
    Sfpa(Sfpa),
    /// SFNA (§5.3.5).
    Sfna(Sfna),
    /// DATA (§5.3.6): `'D'` then DATABUF, the subrecords of
    /// [`crate::oftp::subrecord`] (every level; the buffer is at most the
    /// negotiated SSIDSDEB, command octet included). Holds DATABUF only.
    Data(Vec<u8>),
    /// CDT (§5.3.7): `'C'` then CDTRSV1, 2 reserved octets (3 octets, every
    /// level).
    Cdt,
    /// EFID (§5.3.8).
    Efid(Efid),
    /// EFPA (§5.3.9).
    Efpa(Efpa),
    /// EFNA (§5.3.10).
    Efna(Efna),
    /// ESID (§5.3.11).
    Esid(Esid),
    /// CD (§5.3.12): `'R'` (1 octet, every level).
    Cd,
    /// EERP (§5.3.13).
    Eerp(Eerp),
    /// NERP (§5.3.14, 1.4+).
    Nerp(Nerp),
    /// RTR (§5.3.15): `'P'` (1 octet, every level).
    Rtr,
    /// SECD (§5.3.16): `'J'` (1 octet, 2.0).
    Secd,
    /// AUCH (§5.3.17, 2.0).
    Auch(Auch),
    /// AURP (§5.3.18, 2.0).
    Aurp(Aurp),
}

/// The lowest level at which a command code exists, or `None` for a code that
/// is no command.
pub fn since_level(command: u8) -> Option<Level> {
    match command {
        code::SSRM
        | code::SSID
        | code::SFID
        | code::SFPA
        | code::SFNA
        | code::DATA
        | code::CDT
        | code::EFID
        | code::EFPA
        | code::EFNA
        | code::ESID
        | code::CD
        | code::EERP
        | code::RTR => Some(Level::V12),
        code::NERP => Some(Level::V14),
        code::SECD | code::AUCH | code::AURP => Some(Level::V20),
        _ => None,
    }
}

fn exactly_one(buf: &[u8]) -> Result<()> {
    Reader::new(buf).expect_len(1)
}

impl Command {
    /// The command octet.
    pub fn code(&self) -> u8 {
        match self {
            Command::Ssrm(_) => code::SSRM,
            Command::Ssid(_) => code::SSID,
            Command::Sfid(_) => code::SFID,
            Command::Sfpa(_) => code::SFPA,
            Command::Sfna(_) => code::SFNA,
            Command::Data(_) => code::DATA,
            Command::Cdt => code::CDT,
            Command::Efid(_) => code::EFID,
            Command::Efpa(_) => code::EFPA,
            Command::Efna(_) => code::EFNA,
            Command::Esid(_) => code::ESID,
            Command::Cd => code::CD,
            Command::Eerp(_) => code::EERP,
            Command::Nerp(_) => code::NERP,
            Command::Rtr => code::RTR,
            Command::Secd => code::SECD,
            Command::Auch(_) => code::AUCH,
            Command::Aurp(_) => code::AURP,
        }
    }

    /// The RFC's four-letter name, for logs (e.g. "SFID").
    pub fn name(&self) -> &'static str {
        name_of(self.code())
    }

    /// Decodes one Exchange Buffer (the STH already removed) at `level`.
    /// SSID follows its own SSIDLEV and ESID is told apart by length, so both
    /// decode before a level is agreed; pass the level offered so far.
    pub fn decode(buf: &[u8], level: Level) -> Result<Command> {
        let &first = buf.first().ok_or(CodecError::Length { command: 0, expected: 1, actual: 0 })?;
        let since = since_level(first).ok_or(CodecError::UnknownCommand(first))?;
        if since > level {
            return Err(CodecError::NotAtLevel { command: first, level });
        }
        Ok(match first {
            code::SSRM => Command::Ssrm(Ssrm::decode(buf)?),
            code::SSID => Command::Ssid(Ssid::decode(buf)?),
            code::SFID => Command::Sfid(Sfid::decode(buf, level)?),
            code::SFPA => Command::Sfpa(Sfpa::decode(buf, level)?),
            code::SFNA => Command::Sfna(Sfna::decode(buf, level)?),
            code::DATA => Command::Data(buf[1..].to_vec()),
            code::CDT => {
                // CDTRSV1 is reserved: its content is not checked.
                Reader::new(buf).expect_len(3)?;
                Command::Cdt
            }
            code::EFID => Command::Efid(Efid::decode(buf, level)?),
            code::EFPA => Command::Efpa(Efpa::decode(buf)?),
            code::EFNA => Command::Efna(Efna::decode(buf, level)?),
            code::ESID => Command::Esid(Esid::decode(buf)?),
            code::CD => exactly_one(buf).map(|_| Command::Cd)?,
            code::EERP => Command::Eerp(Eerp::decode(buf, level)?),
            code::NERP => Command::Nerp(Nerp::decode(buf, level)?),
            code::RTR => exactly_one(buf).map(|_| Command::Rtr)?,
            code::SECD => exactly_one(buf).map(|_| Command::Secd)?,
            code::AUCH => Command::Auch(Auch::decode(buf)?),
            _ => Command::Aurp(Aurp::decode(buf)?),
        })
    }

    /// Appends the command's Exchange Buffer for `level` to `out` (no STH; see
    /// [`crate::oftp::sth::encode`]). On error `out` is left as it was.
    pub fn encode(&self, level: Level, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let r = self.encode_inner(level, out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_inner(&self, level: Level, out: &mut Vec<u8>) -> Result<()> {
        let command = self.code();
        if since_level(command).is_some_and(|since| since > level) {
            return Err(CodecError::encode(self.name(), format!("not defined at level {level:?}")));
        }
        let mut w = Writer::new(out);
        match self {
            Command::Ssrm(c) => c.encode(&mut w),
            Command::Ssid(c) => c.encode(&mut w)?,
            Command::Sfid(c) => c.encode(&mut w, level)?,
            Command::Sfpa(c) => c.encode(&mut w, level)?,
            Command::Sfna(c) => c.encode(&mut w, level)?,
            Command::Data(buf) => {
                w.byte(command);
                w.bytes(buf);
            }
            Command::Cdt => {
                w.byte(command);
                w.spaces(2);
            }
            Command::Efid(c) => c.encode(&mut w, level)?,
            Command::Efpa(c) => c.encode(&mut w),
            Command::Efna(c) => c.encode(&mut w, level)?,
            Command::Esid(c) => c.encode(&mut w, level)?,
            Command::Eerp(c) => c.encode(&mut w, level)?,
            Command::Nerp(c) => c.encode(&mut w, level)?,
            Command::Auch(c) => c.encode(&mut w)?,
            Command::Aurp(c) => c.encode(&mut w),
            Command::Cd | Command::Rtr | Command::Secd => w.byte(command),
        }
        Ok(())
    }

    /// The encoded Exchange Buffer as a new vector.
    pub fn to_bytes(&self, level: Level) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.encode(level, &mut out)?;
        Ok(out)
    }
}

/// The RFC's four-letter name of a command code ("?" for none).
pub fn name_of(command: u8) -> &'static str {
    match command {
        code::SSRM => "SSRM",
        code::SSID => "SSID",
        code::SFID => "SFID",
        code::SFPA => "SFPA",
        code::SFNA => "SFNA",
        code::DATA => "DATA",
        code::CDT => "CDT",
        code::EFID => "EFID",
        code::EFPA => "EFPA",
        code::EFNA => "EFNA",
        code::ESID => "ESID",
        code::CD => "CD",
        code::EERP => "EERP",
        code::NERP => "NERP",
        code::RTR => "RTR",
        code::SECD => "SECD",
        code::AUCH => "AUCH",
        code::AURP => "AURP",
        _ => "?",
    }
}
