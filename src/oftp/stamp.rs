//! The Virtual File date and time stamp of SFID, EERP and NERP.
//!
//! - 1.2/1.3 (RFC 2204 §5.3.3): `SFIDDATE X(6)` 'YYMMDD' and `SFIDTIME X(6)`
//!   'HHMMSS', after a 9-octet reserved field.
//! - 1.4 and 2.0 (RFC 5024 §5.3.3; "Extended Date and Time stamp" is a 1.4
//!   change, §1.2): `9(8)` 'CCYYMMDD' and `9(10)` 'HHMMSScccc', the counter
//!   giving "higher resolution", after a 3-octet reserved field. Both layouts
//!   are 21 octets, so the fields after them keep their positions.
//!
//! A stamp that is no calendar date or clock time is [`CodecError::Stamp`]
//! (ESID 06, error 680). Liberal where peers differ: the counter may be 0000
//! although RFC 5024 says 0001–9999, and second 60 (a leap second) passes.

use super::error::{CodecError, Result};
use super::field::{parse_digits, Reader, Writer};
use super::Level;

/// The century a 1.3 two-digit year belongs to: 70–99 are 19YY, 00–69 20YY
/// (RFC 2204 gives no rule; OFTP 1.x predates 1970 by nothing it could date).
pub const TWO_DIGIT_YEAR_PIVOT: u16 = 70;

/// A Virtual File date and time stamp (RFC 5024 §1.5.2: with the dataset
/// name, originator and destination it identifies a file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileStamp {
    /// Full year (a 1.3 'YY' is expanded with [`TWO_DIGIT_YEAR_PIVOT`]).
    pub year: u16,
    /// 1–12.
    pub month: u8,
    /// 1–31, valid for the month.
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–60.
    pub second: u8,
    /// The 2.0/1.4 counter 'cccc' (0–9999); 0 at 1.2/1.3, which have none.
    pub counter: u16,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

impl FileStamp {
    /// Now, UTC, the counter in tenths of a millisecond (the stamp of a file
    /// SendFile announces, and `%CurrentTime%`).
    pub fn now() -> FileStamp {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        FileStamp::from_unix(d.as_secs() as i64, (d.subsec_micros() / 100) as u16)
    }

    /// The UTC date and time of a Unix time (seconds since 1970), with the
    /// given counter (days to a civil date: H. Hinnant's `civil_from_days`).
    pub fn from_unix(secs: i64, counter: u16) -> FileStamp {
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        FileStamp {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            counter: counter.min(9999),
        }
    }

    /// Whether every part is in range (the calendar's, and 0–9999 for the
    /// counter).
    pub fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second <= 60
            && self.year <= 9999
            && self.counter <= 9999
    }

    /// Reads the date and time fields of `level`'s layout at the reader's
    /// position (the caller reads the reserved field before them, whose
    /// length differs by command).
    pub fn read(r: &mut Reader<'_>, level: Level, date_field: &'static str, time_field: &'static str) -> Result<Self> {
        let bad = |field: &'static str, raw: &[u8]| CodecError::Stamp { field, value: raw.escape_ascii().to_string() };
        let digits = |field: &'static str, raw: &[u8], from: usize, to: usize| {
            parse_digits(&raw[from..to]).ok_or_else(|| bad(field, raw))
        };
        let (date, time);
        let mut s = FileStamp::default();
        if level.extended_stamp() {
            date = r.take(8)?;
            time = r.take(10)?;
            s.year = digits(date_field, date, 0, 4)? as u16;
            s.month = digits(date_field, date, 4, 6)? as u8;
            s.day = digits(date_field, date, 6, 8)? as u8;
            s.counter = digits(time_field, time, 6, 10)? as u16;
        } else {
            date = r.take(6)?;
            time = r.take(6)?;
            let yy = digits(date_field, date, 0, 2)? as u16;
            s.year = if yy >= TWO_DIGIT_YEAR_PIVOT { 1900 + yy } else { 2000 + yy };
            s.month = digits(date_field, date, 2, 4)? as u8;
            s.day = digits(date_field, date, 4, 6)? as u8;
        }
        s.hour = digits(time_field, time, 0, 2)? as u8;
        s.minute = digits(time_field, time, 2, 4)? as u8;
        s.second = digits(time_field, time, 4, 6)? as u8;
        let date_ok = (1..=12).contains(&s.month) && s.day >= 1 && s.day <= days_in_month(s.year, s.month);
        if !date_ok {
            return Err(bad(date_field, date));
        }
        if !s.is_valid() {
            return Err(bad(time_field, time));
        }
        Ok(s)
    }

    /// Writes the date and time fields of `level`'s layout. At 1.2/1.3 the
    /// year is written modulo 100 and the counter is dropped.
    pub fn write(&self, w: &mut Writer<'_>, level: Level, date_field: &'static str) -> Result<()> {
        if !self.is_valid() {
            return Err(CodecError::encode(date_field, format!("{self:?} is no valid date and time")));
        }
        let text = if level.extended_stamp() {
            format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}{:04}",
                self.year, self.month, self.day, self.hour, self.minute, self.second, self.counter
            )
        } else {
            format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}",
                self.year % 100,
                self.month,
                self.day,
                self.hour,
                self.minute,
                self.second
            )
        };
        w.bytes(text.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_utc_stamps() {
        let s = FileStamp::from_unix(0, 0);
        assert_eq!((s.year, s.month, s.day, s.hour), (1970, 1, 1, 0));
        // 2024-02-29 23:59:59 UTC, a leap day.
        let s = FileStamp::from_unix(1_709_251_199, 12);
        assert_eq!((s.year, s.month, s.day, s.hour, s.minute, s.second, s.counter), (2024, 2, 29, 23, 59, 59, 12));
        assert!(s.is_valid());
    }

    fn read(level: Level, raw: &[u8]) -> Result<FileStamp> {
        FileStamp::read(&mut Reader::new(raw), level, "SFIDDATE", "SFIDTIME")
    }

    fn write(s: &FileStamp, level: Level) -> Vec<u8> {
        let mut out = Vec::new();
        s.write(&mut Writer::new(&mut out), level, "SFIDDATE").unwrap();
        out
    }

    #[test]
    fn extended_stamp_round_trips() {
        let s = read(Level::V20, b"202612071530450001").unwrap();
        assert_eq!(s, FileStamp { year: 2026, month: 12, day: 7, hour: 15, minute: 30, second: 45, counter: 1 });
        assert_eq!(write(&s, Level::V20), b"202612071530450001");
        assert_eq!(write(&s, Level::V14), b"202612071530450001");
    }

    #[test]
    fn short_stamp_of_1_3_expands_the_year() {
        let s = read(Level::V13, b"970301235959").unwrap();
        assert_eq!((s.year, s.month, s.day, s.hour, s.minute, s.second, s.counter), (1997, 3, 1, 23, 59, 59, 0));
        assert_eq!(read(Level::V12, b"260229000000").unwrap_err().error_code(), 680); // 2026 is no leap year
        assert_eq!(read(Level::V12, b"240229000000").unwrap().year, 2024);
        assert_eq!(write(&read(Level::V13, b"051231120000").unwrap(), Level::V13), b"051231120000");
    }

    #[test]
    fn invalid_dates_and_times_are_stamp_errors() {
        for bad in [
            &b"202613011200000001"[..], // month 13
            b"202600011200000001",      // month 0
            b"202604311200000001",      // 31 April
            b"20261201240000000A",      // counter not numeric
            b"202612012400000001",      // hour 24
            b"202612011260000001",      // minute 60
            b"2026120 1200000001",      // space in the date
        ] {
            let e = read(Level::V20, bad).unwrap_err();
            assert!(matches!(e, CodecError::Stamp { .. }), "{bad:?}: {e:?}");
            assert_eq!(e.esid_reason().code(), 6);
        }
        // The counter may be 0000 and a leap second passes.
        assert!(read(Level::V20, b"202612311259600000").is_ok());
        assert!(read(Level::V20, b"2026123112").is_err()); // short: a size error
    }

    #[test]
    fn an_invalid_stamp_is_not_encoded() {
        let s = FileStamp { year: 2026, month: 2, day: 30, ..FileStamp::default() };
        let mut out = Vec::new();
        assert_eq!(s.write(&mut Writer::new(&mut out), Level::V20, "SFIDDATE").unwrap_err().error_code(), 678);
    }
}
