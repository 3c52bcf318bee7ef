//! ODETTE FTP (OFTP) 1.2, 1.3, 1.4 and 2.0 as a pure sans-IO codec: RFC 5024
//! (2.0) and RFC 2204 (1.3).
//!
//! Nothing in this module touches a socket, a file or a clock. Bytes go in,
//! typed values come out, and the reverse:
//!
//! - [`sth`]: the Stream Transmission Header that frames every Exchange Buffer
//!   on TCP (RFC 5024 §8, RFC 2204 §7), judged from the header alone.
//! - [`command`]: every command of every protocol level, encode and decode
//!   (RFC 5024 §5.3, RFC 2204 §5.3).
//! - [`reason`]: the reason codes of ESID, SFNA, EFNA and NERP with their texts.
//! - [`subrecord`]: DATA subrecords and buffer compression (RFC 5024 §7), and
//!   [`record`]: how the subrecords of a file make records (RFC 5024 §1.5.3).
//! - [`session`]: the responder's session state machine (RFC 5024 §9), and
//!   [`auth`]: its secure authentication exchange (§4.2.3), keys abstracted.
//! - [`field`], [`stamp`]: the fixed-width field formats and the Virtual File
//!   date/time stamp the command layouts are made of.
//! - [`error`]: the codec's typed error and the ESID reason each one earns.
//!
//! Decisions, the layouts of every level side by side, and the RFC
//! ambiguities met on the way: `docs/OFTP.md`.

// Every module but `ids` is kept out of the C header.
/// cbindgen:ignore
pub mod auth;
/// cbindgen:ignore
pub mod command;
/// cbindgen:ignore
pub mod error;
/// cbindgen:ignore
pub mod event;
/// cbindgen:ignore
pub mod field;
pub mod ids;
/// cbindgen:ignore
pub mod names;
/// cbindgen:ignore
pub mod props;
/// cbindgen:ignore
pub mod protocol;
/// cbindgen:ignore
pub mod reason;
/// cbindgen:ignore
pub mod receipts;
/// cbindgen:ignore
pub mod record;
/// cbindgen:ignore
pub mod restructure;
/// cbindgen:ignore
pub mod server;
/// cbindgen:ignore
pub mod session;
/// cbindgen:ignore
pub mod stamp;
/// cbindgen:ignore
pub mod sth;
/// cbindgen:ignore
pub mod subrecord;
/// cbindgen:ignore
pub mod trust;

pub use error::CodecError;
pub use event::OftpEvent;
pub use protocol::OftpProtocol;
pub use server::OftpServer;

/// An OFTP protocol level. The order is the protocol's: the session uses the
/// lowest level both sides offer (RFC 5024 §5.3.2 SSIDLEV).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Revision 1.2 (SSIDLEV '1').
    V12,
    /// Revision 1.3, RFC 2204. RFC 2204 §5.3.2 sends SSIDLEV '1' like 1.2; RFC
    /// 5024 §5.3.2 assigns '2'. Both have the same command layouts, so a peer
    /// that says '1' is served the RFC 2204 layouts either way.
    V13,
    /// Revision 1.4 (SSIDLEV '4'): the 1.3 layouts plus the changes RFC 5024
    /// §1.2 lists (NERP, extended date and time stamp, reason code 14).
    V14,
    /// Revision 2.0, RFC 5024 (SSIDLEV '5').
    V20,
}

impl Level {
    /// The SSIDLEV digit this level sends (RFC 5024 §5.3.2).
    pub fn ssidlev(self) -> u8 {
        match self {
            Level::V12 => 1,
            Level::V13 => 2,
            Level::V14 => 4,
            Level::V20 => 5,
        }
    }

    /// The level a received SSIDLEV digit asks for. `0` is no level. `3` was
    /// never assigned; it is read as the highest defined level below it (1.3)
    /// so that the "lowest level wins" rule still holds. Anything above `5` is
    /// a future release, which this implementation answers with 2.0 (RFC 5024
    /// §5.3.2: "Future release levels will have higher numbers").
    pub fn from_ssidlev(digit: u8) -> Option<Level> {
        match digit {
            0 => None,
            1 => Some(Level::V12),
            2 | 3 => Some(Level::V13),
            4 => Some(Level::V14),
            _ => Some(Level::V20),
        }
    }

    /// Whether this level uses the 1.4/2.0 extended date and time stamp
    /// (CCYYMMDD + HHMMSScccc) rather than 1.3's YYMMDD + HHMMSS.
    pub fn extended_stamp(self) -> bool {
        self >= Level::V14
    }

    /// Whether this level has the NERP command (added in 1.4, RFC 5024 §1.2).
    pub fn has_nerp(self) -> bool {
        self >= Level::V14
    }

    /// Whether this level is 2.0 (variable-length fields, security commands).
    pub fn is_v2(self) -> bool {
        self == Level::V20
    }

    /// The `ConnVersion` number of the component's API (0 1.2 … 3 2.0).
    pub fn api_version(self) -> i32 {
        match self {
            Level::V12 => 0,
            Level::V13 => 1,
            Level::V14 => 2,
            Level::V20 => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssidlev_round_trips_and_orders() {
        for l in [Level::V12, Level::V13, Level::V14, Level::V20] {
            assert_eq!(Level::from_ssidlev(l.ssidlev()), Some(l));
        }
        assert_eq!(Level::from_ssidlev(0), None);
        assert_eq!(Level::from_ssidlev(3), Some(Level::V13));
        assert_eq!(Level::from_ssidlev(9), Some(Level::V20));
        assert!(Level::V12 < Level::V13 && Level::V13 < Level::V14 && Level::V14 < Level::V20);
        assert!(!Level::V13.extended_stamp() && Level::V14.extended_stamp());
        assert!(!Level::V13.has_nerp() && Level::V14.has_nerp() && Level::V20.is_v2());
        assert_eq!(Level::V14.api_version(), 2);
    }
}
