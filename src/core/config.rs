//! Parsing of `do_config` strings: `Name=Value`, `Name`, `Name[ConnectionId]=Value`
//! (docs/API.md §6; names case-insensitive, whitespace ignored).

use super::error::{codes, Error, Result};

#[derive(Debug, PartialEq, Eq)]
pub struct Setting<'a> {
    pub name: &'a str,
    pub index: Option<i32>,
    /// `None` for a query.
    pub value: Option<&'a str>,
}

impl Setting<'_> {
    /// Case-insensitive name comparison.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

pub fn parse(s: &str) -> Result<Setting<'_>> {
    let (lhs, value) = match s.find('=') {
        Some(p) => (&s[..p], Some(s[p + 1..].trim())),
        None => (s, None),
    };
    let lhs = lhs.trim();
    let (name, index) = match lhs.find('[') {
        Some(p) => {
            let rest = lhs[p + 1..].trim_end();
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| Error::new(codes::INVALID_VALUE, format!("Missing ']' in '{lhs}'")))?;
            let idx = inner
                .trim()
                .parse::<i32>()
                .map_err(|_| Error::new(codes::INVALID_VALUE, format!("Bad index in '{lhs}'")))?;
            (lhs[..p].trim(), Some(idx))
        }
        None => (lhs, None),
    };
    if name.is_empty() {
        return Err(Error::new(codes::UNKNOWN_SETTING, "Empty setting name"));
    }
    Ok(Setting { name, index, value })
}

/// Splits a comma-separated list, trimming items and dropping empty ones.
pub fn split_list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse("MaxConnections=5").unwrap(),
            Setting { name: "MaxConnections", index: None, value: Some("5") }
        );
        assert_eq!(parse("  tcpnodelay  ").unwrap(), Setting { name: "tcpnodelay", index: None, value: None });
        assert_eq!(
            parse(" SSLNegotiatedCipher[ 12 ] ").unwrap(),
            Setting { name: "SSLNegotiatedCipher", index: Some(12), value: None }
        );
        assert_eq!(parse("A = b=c ").unwrap().value, Some("b=c"));
        assert_eq!(parse("X=").unwrap().value, Some(""));
        assert!(parse("X[1=2").is_err());
        assert!(parse("=3").is_err());
        assert!(parse("Name").unwrap().is("NAME"));
    }

    #[test]
    fn lists() {
        assert_eq!(split_list(" a, b ,,c ").collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}
