//! Pure text functions of OFTPServer's file handling: the name a received
//! file gets in DownloadDirectory (ReceivedFileNameFormat and its macros),
//! made so that nothing the network sends can leave the directory, and the
//! Virtual File stamp as event text (VirtualFileDateFormat) and back.

use super::stamp::FileStamp;

/// What the ReceivedFileNameFormat macros expand to for one file.
#[derive(Clone, Debug, Default)]
pub struct NameParts<'a> {
    pub virtual_file_name: &'a str,
    pub stamp: FileStamp,
    pub originator: &'a str,
    pub destination: &'a str,
    pub user_data: &'a str,
    /// `%CurrentTime%`, already formatted (`yyyyMMddHHmmssffff`).
    pub current_time: &'a str,
    /// `%GUID%`, already formatted.
    pub guid: &'a str,
}

/// The file name ReceivedFileNameFormat gives: macros expanded
/// (`%VirtualFileName%`, `%VirtualFileDate%` or `%VirtualFileDate:format%`,
/// `%Originator%`, `%Destination%`, `%UserData%`, `%CurrentTime%`,
/// `%GUID%`; an unknown `%...%` stays as written), then made one safe path
/// component with [`safe_component`]. Never empty.
pub fn received_file_name(format: &str, p: &NameParts<'_>) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        match expand(name, p) {
            Some(v) => {
                out.push_str(&v);
                rest = &after[end + 1..];
            }
            None => {
                // Not a macro: keep the '%' and look for the next one from
                // the closing '%' on (it may open a macro).
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    safe_component(&out)
}

fn expand(name: &str, p: &NameParts<'_>) -> Option<String> {
    let (key, fmt) = match name.split_once(':') {
        Some((k, f)) => (k, Some(f)),
        None => (name, None),
    };
    Some(match key.to_ascii_lowercase().as_str() {
        "virtualfilename" => p.virtual_file_name.to_string(),
        "virtualfiledate" => format_stamp(&p.stamp, fmt.unwrap_or("yyyyMMddHHmmss")),
        "originator" => p.originator.to_string(),
        "destination" => p.destination.to_string(),
        "userdata" => p.user_data.to_string(),
        "currenttime" => p.current_time.to_string(),
        "guid" => p.guid.to_string(),
        _ => return None,
    })
}

/// One path component that stays inside its directory whatever the input:
/// `/`, `\`, NUL and control characters become `_`, leading dots become `_`
/// (no `.`, `..` or hidden names such as the partial-file directory), and at
/// most 200 bytes are kept (cut at a character boundary). Empty input gives
/// `_`.
pub fn safe_component(name: &str) -> String {
    let mut s: String = name
        .trim()
        .chars()
        .map(|c| if c == '/' || c == '\\' || c == '\0' || c.is_control() { '_' } else { c })
        .collect();
    let dots = s.len() - s.trim_start_matches('.').len();
    if dots > 0 {
        s.replace_range(..dots, &"_".repeat(dots));
    }
    if s.len() > 200 {
        let mut cut = 200;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    if s.is_empty() {
        s.push('_');
    }
    s
}

/// The stamp in a .NET-style format: `yyyy`, `yy`, `MM`, `dd`, `HH`, `mm`,
/// `ss`, `ffff` (the OFTP counter; `fff`, `ff`, `f` its leading digits);
/// other characters as they are.
pub fn format_stamp(s: &FileStamp, fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len() + 4);
    let b = fmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let run = b[i..].iter().take_while(|&&x| x == c).count();
        let n = |v: u32, w: usize| format!("{v:0w$}");
        let piece = match (c, run) {
            (b'y', 4..) => Some(n(s.year.into(), 4)),
            (b'y', 2 | 3) => Some(n(u32::from(s.year) % 100, 2)),
            (b'M', 2..) => Some(n(s.month.into(), 2)),
            (b'd', 2..) => Some(n(s.day.into(), 2)),
            (b'H', 2..) => Some(n(s.hour.into(), 2)),
            (b'm', 2..) => Some(n(s.minute.into(), 2)),
            (b's', 2..) => Some(n(s.second.into(), 2)),
            (b'f', 1..=4) => Some(n(u32::from(s.counter), 4)[..run].to_string()),
            _ => None,
        };
        match piece {
            Some(p) => {
                out.push_str(&p);
                i += match (c, run) {
                    (b'y', 3) => 2,
                    (b'y', r) if r > 4 => 4,
                    (b'f', r) => r.min(4),
                    (_, r) if c != b'y' && r > 2 => 2,
                    (_, r) => r,
                };
            }
            None => {
                // Not a token: the characters as written (one UTF-8 char).
                let ch = fmt[i..].chars().next().expect("in bounds");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Reads a stamp the application gives (ConnVirtualFileDate): `MM/dd/yyyy
/// HH:mm:ss`, `yyyyMMddHHmmss`, `yyyyMMddHHmmssffff` or `dd-MMM-yyyy
/// HH:mm:ss`. None when it is none of them or no valid date and time.
pub fn parse_stamp(text: &str) -> Option<FileStamp> {
    let t = text.trim();
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let stamp = |y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, c: u32| FileStamp {
        year: y as u16,
        month: mo as u8,
        day: d as u8,
        hour: h as u8,
        minute: mi as u8,
        second: s as u8,
        counter: c as u16,
    };
    let st = if t.len() >= 14 && t.bytes().all(|b| b.is_ascii_digit()) && (t.len() == 14 || t.len() == 18) {
        let g = |a: usize, b: usize| num(&t[a..b]);
        let c = if t.len() == 18 { g(14, 18)? } else { 0 };
        stamp(g(0, 4)?, g(4, 6)?, g(6, 8)?, g(8, 10)?, g(10, 12)?, g(12, 14)?, c)
    } else {
        let (date, time) = t.split_once(' ')?;
        let tp: Vec<&str> = time.trim().split(':').collect();
        let [h, mi, s] = tp[..] else { return None };
        let (h, mi, s) = (num(h)?, num(mi)?, num(s)?);
        if let Some((mo, rest)) = date.split_once('/') {
            let (d, y) = rest.split_once('/')?;
            stamp(num(y)?, num(mo)?, num(d)?, h, mi, s, 0)
        } else {
            let dp: Vec<&str> = date.split('-').collect();
            let [d, mon, y] = dp[..] else { return None };
            const MONTHS: [&str; 12] =
                ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
            let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
            stamp(num(y)?, mo, num(d)?, h, mi, s, 0)
        }
    };
    (st.year >= 1 && st.is_valid()).then_some(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> FileStamp {
        FileStamp { year: 2026, month: 12, day: 7, hour: 9, minute: 5, second: 3, counter: 42 }
    }

    #[test]
    fn the_default_date_format_and_the_precise_one() {
        assert_eq!(format_stamp(&stamp(), "MM/dd/yyyy HH:mm:ss"), "12/07/2026 09:05:03");
        assert_eq!(format_stamp(&stamp(), "yyyyMMddHHmmssffff"), "202612070905030042");
        assert_eq!(format_stamp(&stamp(), "yyMMdd"), "261207");
        assert_eq!(format_stamp(&stamp(), "é dd"), "é 07");
    }

    #[test]
    fn stamps_read_back_in_every_documented_form() {
        let want = FileStamp { counter: 0, ..stamp() };
        assert_eq!(parse_stamp("12/07/2026 09:05:03"), Some(want));
        assert_eq!(parse_stamp("20261207090503"), Some(want));
        assert_eq!(parse_stamp("202612070905030042"), Some(stamp()));
        assert_eq!(parse_stamp("07-Dec-2026 09:05:03"), Some(want));
        assert_eq!(parse_stamp("02/30/2026 09:05:03"), None, "no 30 February");
        assert_eq!(parse_stamp("yesterday"), None);
        assert_eq!(parse_stamp(""), None);
    }

    #[test]
    fn network_names_cannot_leave_the_directory() {
        for (input, want) in [
            ("../../etc/passwd", "___.._etc_passwd"),
            ("..", "__"),
            (".oftp-partial", "_oftp-partial"),
            ("a/b\\c", "a_b_c"),
            ("nul\0byte\x07", "nul_byte_"),
            ("", "_"),
            ("   ", "_"),
            ("PAYMENTS.DAT", "PAYMENTS.DAT"),
        ] {
            assert_eq!(safe_component(input), want, "{input:?}");
        }
        let long = "é".repeat(150);
        let s = safe_component(&long);
        assert!(s.len() <= 200 && s.chars().all(|c| c == 'é'));
    }

    #[test]
    fn macros_expand_and_the_result_is_one_component() {
        let p = NameParts {
            virtual_file_name: "INVOICE",
            stamp: stamp(),
            originator: "O0013000001",
            destination: "../up",
            user_data: "",
            current_time: "T",
            guid: "G",
        };
        assert_eq!(received_file_name("%VirtualFileName%", &p), "INVOICE");
        assert_eq!(
            received_file_name("%Originator%_%VirtualFileName%_%VirtualFileDate:yyyyMMdd%.dat", &p),
            "O0013000001_INVOICE_20261207.dat"
        );
        assert_eq!(received_file_name("%Destination%", &p), "___up");
        assert_eq!(received_file_name("100% %GUID%", &p), "100% G");
        assert_eq!(received_file_name("%Unknown%%GUID%", &p), "%Unknown%G");
        assert_eq!(received_file_name("%CurrentTime%-%UserData%", &p), "T-");
    }
}
