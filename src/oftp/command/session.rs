//! Session commands: SSRM, SSID, ESID, CD (RFC 5024 §5.3.1, §5.3.2, §5.3.11,
//! §5.3.12; RFC 2204 the same sections).

use super::code;
use crate::oftp::error::{CodecError, Result};
use crate::oftp::field::{Reader, Writer};
use crate::oftp::reason::EsidReason;
use crate::oftp::Level;

/// SSRMMSG, the ready message (RFC 5024 §5.3.1).
pub const SSRM_MESSAGE: &[u8; 17] = b"ODETTE FTP READY ";

/// SSRM, Start Session Ready Message (Responder → Initiator). Every level:
///
/// ```text
/// Pos Field    Format
///   0 SSRMCMD  'I'
///   1 SSRMMSG  X(17) 'ODETTE FTP READY '
///  18 SSRMCR   X(1)  0x0D or 0x8D            (19 octets)
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ssrm;

impl Ssrm {
    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        r.expect_len(19)?;
        r.take(1)?;
        if r.take(17)? != SSRM_MESSAGE {
            return Err(CodecError::field("SSRMMSG", "not 'ODETTE FTP READY '"));
        }
        r.carriage_return("SSRMCR")?;
        Ok(Ssrm)
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>) {
        w.byte(code::SSRM);
        w.bytes(SSRM_MESSAGE);
        w.byte(b'\r');
    }
}

/// SSIDSDEB, the largest Data Exchange Buffer a location accepts, command
/// octet included and STH excluded: 128–99999 (RFC 5024 §5.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExchangeBufferSize(u32);

impl ExchangeBufferSize {
    /// The smallest size (RFC 5024 §5.3.2 "Minimum: 128").
    pub const MIN: u32 = 128;
    /// The largest size ("Maximum: 99999").
    pub const MAX: u32 = 99_999;
    /// The largest size as a value.
    pub const LARGEST: ExchangeBufferSize = ExchangeBufferSize(Self::MAX);

    /// A size in range, else `None`.
    pub fn new(octets: u32) -> Option<Self> {
        (Self::MIN..=Self::MAX).contains(&octets).then_some(ExchangeBufferSize(octets))
    }

    /// The size in octets.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The negotiated size: "After negotiation, the smallest size will be
    /// selected."
    pub fn negotiate(self, other: Self) -> Self {
        self.min(other)
    }
}

/// SSIDCRED, the credit window: how many DATA buffers the Speaker may send
/// before it waits for a CDT; 1–999 (RFC 5024 §5.3.2, §9.7 Max-window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditCount(u16);

impl CreditCount {
    /// The largest window ("Maximum: 999").
    pub const MAX: u16 = 999;
    /// The largest window as a value.
    pub const LARGEST: CreditCount = CreditCount(Self::MAX);

    /// A window in range (1–999), else `None`.
    pub fn new(buffers: u16) -> Option<Self> {
        (1..=Self::MAX).contains(&buffers).then_some(CreditCount(buffers))
    }

    /// The window in buffers.
    pub fn get(self) -> u16 {
        self.0
    }

    /// The negotiated window: the Responder answers the smaller one.
    pub fn negotiate(self, other: Self) -> Self {
        self.min(other)
    }
}

/// SSIDSR, send / receive capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendReceive {
    /// 'S': the location can only send files.
    Send,
    /// 'R': the location can only receive files.
    Receive,
    /// 'B': the location can both send and receive.
    Both,
}

impl SendReceive {
    fn from_byte(b: u8) -> Self {
        match b {
            b'S' => SendReceive::Send,
            b'R' => SendReceive::Receive,
            _ => SendReceive::Both,
        }
    }

    /// The octet on the wire.
    pub fn as_byte(self) -> u8 {
        match self {
            SendReceive::Send => b'S',
            SendReceive::Receive => b'R',
            SendReceive::Both => b'B',
        }
    }

    /// Whether two adjacent locations can work together: "An error occurs if
    /// adjacent locations both specify the send or receive capability."
    pub fn compatible(self, other: Self) -> bool {
        !matches!((self, other), (SendReceive::Send, SendReceive::Send) | (SendReceive::Receive, SendReceive::Receive))
    }
}

/// SSID, Start Session (Initiator ↔ Responder). Its layout follows its own
/// SSIDLEV, not the session's level (it is what sets that level):
///
/// ```text
/// Pos Field     1.2/1.3/1.4 (RFC 2204)   2.0 (RFC 5024)
///   0 SSIDCMD   'X'                      'X'
///   1 SSIDLEV   9(1) '1' ('2', '4')      9(1) '5'
///   2 SSIDCODE  X(25)                    X(25)
///  27 SSIDPSWD  X(8)                     X(8)
///  35 SSIDSDEB  9(5) 128–99999           9(5)
///  40 SSIDSR    'S'/'R'/'B'              'S'/'R'/'B'
///  41 SSIDCMPR  'Y'/'N'                  'Y'/'N'
///  42 SSIDREST  'Y'/'N'                  'Y'/'N'
///  43 SSIDSPEC  'Y'/'N' (TCP: 'N')       'Y'/'N'
///  44 SSIDCRED  9(3) 1–999               9(3)
///  47 SSIDRSV1  X(5)                     SSIDAUTH 'Y'/'N'
///  48                                    SSIDRSV1 X(4)
///  52 SSIDUSER  X(8)                     X(8)
///  60 SSIDCR    0x0D/0x8D                0x0D/0x8D      (61 octets)
/// ```
///
/// 1.4 did not change SSID (RFC 5024 §1.2 lists no SSID change for 1.4).
/// SSIDSPEC 'Y' is accepted although RFC 2204 says 'N' is the only TCP value:
/// the session answers 'N', which turns special logic off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ssid {
    /// SSIDLEV as received or to send (see [`Level::from_ssidlev`]).
    pub release_level: u8,
    /// SSIDCODE, the sender's identification code (RFC 5024 §5.4).
    pub code: String,
    /// SSIDPSWD.
    pub password: String,
    /// SSIDSDEB.
    pub buffer_size: ExchangeBufferSize,
    /// SSIDSR.
    pub send_receive: SendReceive,
    /// SSIDCMPR: buffer compression (RFC 5024 §7.2) supported.
    pub compression: bool,
    /// SSIDREST: restart supported.
    pub restart: bool,
    /// SSIDSPEC: special logic (X.25 only, RFC 5024 Appendix C.2).
    pub special_logic: bool,
    /// SSIDCRED.
    pub credit: CreditCount,
    /// SSIDAUTH (2.0 only; `false` below 2.0, where the octet is reserved).
    pub secure_authentication: bool,
    /// SSIDUSER.
    pub user_data: String,
}

impl Ssid {
    /// The level this SSID asks for.
    pub fn level(&self) -> Option<Level> {
        Level::from_ssidlev(self.release_level)
    }

    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        r.expect_len(61)?;
        r.take(1)?;
        let release_level = r.numeric(1, "SSIDLEV")? as u8;
        let level = Level::from_ssidlev(release_level).ok_or_else(|| CodecError::field("SSIDLEV", "level 0"))?;
        let code = r.alnum(25, "SSIDCODE")?;
        let password = r.alnum(8, "SSIDPSWD")?;
        let sdeb = r.numeric(5, "SSIDSDEB")?;
        let buffer_size = ExchangeBufferSize::new(sdeb as u32)
            .ok_or_else(|| CodecError::field("SSIDSDEB", format!("{sdeb} is outside 128..=99999")))?;
        let send_receive = SendReceive::from_byte(r.one_of(b"SRB", "SSIDSR")?);
        let compression = r.yes_no("SSIDCMPR")?;
        let restart = r.yes_no("SSIDREST")?;
        let special_logic = r.yes_no("SSIDSPEC")?;
        let cred = r.numeric(3, "SSIDCRED")?;
        let credit = CreditCount::new(cred as u16).ok_or_else(|| CodecError::field("SSIDCRED", "credit 0"))?;
        let secure_authentication = if level.is_v2() {
            let auth = r.yes_no("SSIDAUTH")?;
            r.reserved(4)?;
            auth
        } else {
            r.reserved(5)?;
            false
        };
        let user_data = r.alnum(8, "SSIDUSER")?;
        r.carriage_return("SSIDCR")?;
        r.finish()?;
        Ok(Ssid {
            release_level,
            code,
            password,
            buffer_size,
            send_receive,
            compression,
            restart,
            special_logic,
            credit,
            secure_authentication,
            user_data,
        })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        let level = self.level().ok_or_else(|| CodecError::encode("SSIDLEV", "level 0"))?;
        w.byte(code::SSID);
        w.numeric(u64::from(self.release_level), 1, "SSIDLEV")?;
        w.alnum(&self.code, 25, "SSIDCODE")?;
        w.alnum(&self.password, 8, "SSIDPSWD")?;
        w.numeric(u64::from(self.buffer_size.get()), 5, "SSIDSDEB")?;
        w.byte(self.send_receive.as_byte());
        w.yes_no(self.compression);
        w.yes_no(self.restart);
        w.yes_no(self.special_logic);
        w.numeric(u64::from(self.credit.get()), 3, "SSIDCRED")?;
        if level.is_v2() {
            w.yes_no(self.secure_authentication);
            w.spaces(4);
        } else if self.secure_authentication {
            return Err(CodecError::encode("SSIDAUTH", "secure authentication needs level 2.0"));
        } else {
            w.spaces(5);
        }
        w.alnum(&self.user_data, 8, "SSIDUSER")?;
        w.byte(b'\r');
        Ok(())
    }
}

/// ESID, End Session.
///
/// ```text
/// Pos Field      1.2/1.3/1.4 (RFC 2204)   2.0 (RFC 5024)
///   0 ESIDCMD    'F'                      'F'
///   1 ESIDREAS   9(2)                     9(2)
///   3 ESIDCR     0x0D/0x8D  (4 octets)    ESIDREASL 9(3)
///   6                                     ESIDREAST T(n), n ≤ 999
/// 6+n                                     ESIDCR 0x0D/0x8D  (7+n octets)
/// ```
///
/// Below 2.0 the text is not sent. Decoding tells the layouts apart by
/// length, whatever the level. Reasons 11 and 12 exist only at 2.0; a
/// reason the level lacks is sent as 99 (see [`EsidReason::for_level`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Esid {
    /// ESIDREAS.
    pub reason: EsidReason,
    /// ESIDREAST (2.0; empty below).
    pub text: String,
}

impl Esid {
    /// Decodes either layout, told apart by length (4 octets is the 1.x one,
    /// a 2.0 ESID has at least 7): an ESID may come before the level is agreed
    /// (a 2.0 Initiator refusing our SSID) and must still be understood.
    pub(super) fn decode(buf: &[u8]) -> Result<Self> {
        let mut r = Reader::new(buf);
        let long = buf.len() != 4;
        r.take(1)?;
        let reason = read_esid_reason(&mut r)?;
        let text = if long { r.text_with_len("ESIDREASL")? } else { String::new() };
        r.carriage_return("ESIDCR")?;
        r.finish()?;
        Ok(Esid { reason, text })
    }

    pub(super) fn encode(&self, w: &mut Writer<'_>, level: Level) -> Result<()> {
        w.byte(code::ESID);
        w.numeric(u64::from(self.reason.for_level(level).code()), 2, "ESIDREAS")?;
        if level.is_v2() {
            w.text_with_len(&self.text, "ESIDREASL")?;
        }
        w.byte(b'\r');
        Ok(())
    }
}

fn read_esid_reason(r: &mut Reader<'_>) -> Result<EsidReason> {
    let n = r.numeric(2, "ESIDREAS")?;
    Ok(EsidReason::from_code(n as u8).unwrap_or(EsidReason::UnspecifiedAbortCode))
}
