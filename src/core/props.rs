//! One declaration per component: the property, event and config-setting
//! tables. Each row carries what the C API needs (id, name, type, access,
//! indexing), what the checks need (range, read-only), and what the docs
//! need (default, a doc line). From these rows come: the checks every `set`,
//! `set_int` and `do_config` goes through (here, once, for every
//! component), the id constants of `include/pier.h` with their doc comments
//! (each component's generated `ids.rs`), and `docs/reference/<component>.md`
//! (see [`super::reference`]). docs/API.md §2–§3, §6.

use super::error::{codes, Error, Result};
use super::value::{from_set_bytes, parse_bool, parse_int, PropType, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
    WriteOnly,
}

/// Whether a property is indexed, and by what (docs/API.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexed {
    /// No index; the caller passes 0 and it is ignored.
    No,
    /// Indexed by connection id.
    ByConnection,
    /// Indexed by position 0..count-1 (the ConnectionId property itself).
    ByPosition,
}

/// Integer limits for ranges.
pub const I32: i64 = i32::MAX as i64;
pub const U32: i64 = u32::MAX as i64;

/// A property: `key` is the component's own name for it (an enum), so its
/// code never matches on ids.
#[derive(Clone, Copy, Debug)]
pub struct PropDef<K: 'static> {
    pub id: i32,
    /// The reference's name, e.g. `DefaultMaxLineLength`.
    pub name: &'static str,
    pub ty: PropType,
    pub access: Access,
    pub indexed: Indexed,
    /// The default as the reference page shows it ("" when there is none).
    pub default: &'static str,
    /// Integer properties: the values `set` accepts (else 906).
    pub range: Option<(i64, i64)>,
    pub doc: &'static str,
    pub key: K,
}

/// Starts a property row; the builder methods fill in the rest.
pub const fn prop<K: Copy>(id: i32, name: &'static str, ty: PropType, key: K) -> PropDef<K> {
    PropDef { id, name, ty, access: Access::ReadWrite, indexed: Indexed::No, default: "", range: None, doc: "", key }
}

/// The builder methods a property row and a setting row share.
macro_rules! row_builders {
    () => {
        pub const fn read_only(mut self) -> Self {
            self.access = Access::ReadOnly;
            self
        }
        pub const fn default(mut self, d: &'static str) -> Self {
            self.default = d;
            self
        }
        pub const fn range(mut self, lo: i64, hi: i64) -> Self {
            self.range = Some((lo, hi));
            self
        }
        pub const fn doc(mut self, d: &'static str) -> Self {
            self.doc = d;
            self
        }
    };
}

impl<K: Copy> PropDef<K> {
    row_builders!();

    pub const fn write_only(mut self) -> Self {
        self.access = Access::WriteOnly;
        self
    }
    pub const fn per_conn(mut self) -> Self {
        self.indexed = Indexed::ByConnection;
        self
    }
    pub const fn by_position(mut self) -> Self {
        self.indexed = Indexed::ByPosition;
        self
    }
}

/// An event: id, the reference's name, and a doc line.
#[derive(Clone, Copy, Debug)]
pub struct EventDef {
    pub id: i32,
    pub name: &'static str,
    pub doc: &'static str,
}

pub const fn event(id: i32, name: &'static str, doc: &'static str) -> EventDef {
    EventDef { id, name, doc }
}

/// Whether a setting takes `[ConnectionId]` (docs/API.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerConn {
    No,
    /// `Name` is the handle-wide value, `Name[ConnectionId]` the connection's.
    Optional,
    /// Only `Name[ConnectionId]` (e.g. SSLNegotiatedCipher).
    Required,
}

/// A config setting. `ty` Int and Bool values are checked here (and `range`
/// for Int); Text values are checked by the code that applies them.
#[derive(Clone, Copy, Debug)]
pub struct SettingDef {
    pub name: &'static str,
    pub ty: PropType,
    pub access: Access,
    pub per_conn: PerConn,
    pub default: &'static str,
    pub range: Option<(i64, i64)>,
    pub doc: &'static str,
}

pub const fn setting(name: &'static str, ty: PropType) -> SettingDef {
    SettingDef { name, ty, access: Access::ReadWrite, per_conn: PerConn::No, default: "", range: None, doc: "" }
}

impl SettingDef {
    row_builders!();

    pub const fn per_conn(mut self, p: PerConn) -> Self {
        self.per_conn = p;
        self
    }
}

pub fn find_prop<K>(table: &'static [PropDef<K>], id: i32) -> Result<&'static PropDef<K>> {
    table
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| Error::new(codes::UNKNOWN_PROPERTY, format!("Unknown property id {id}")))
}

pub fn check_event(table: &'static [EventDef], id: i32) -> Result<&'static EventDef> {
    table.iter().find(|d| d.id == id).ok_or_else(|| Error::new(codes::UNKNOWN_EVENT, format!("Unknown event id {id}")))
}

/// A component's declaration: its property, event and setting tables (the
/// settings in groups with a heading each, the component's own first).
pub struct Tables<K: 'static> {
    pub props: &'static [PropDef<K>],
    pub events: &'static [EventDef],
    pub settings: &'static [(&'static str, &'static [SettingDef])],
}

/// The setting named `name` (any case) in the first group that has it.
pub fn find_setting(groups: &[(&str, &'static [SettingDef])], name: &str) -> Option<&'static SettingDef> {
    groups.iter().flat_map(|(_, t)| t.iter()).find(|d| d.name.eq_ignore_ascii_case(name))
}

fn check_range(name: &str, range: Option<(i64, i64)>, v: i64) -> Result<()> {
    match range {
        Some((lo, hi)) if v < lo || v > hi => {
            Err(Error::invalid_value(format!("{name}: {v} is out of range ({lo} to {hi})")))
        }
        _ => Ok(()),
    }
}

impl<K> PropDef<K> {
    fn check_writable(&self) -> Result<()> {
        match self.access {
            Access::ReadOnly => Err(Error::new(codes::READ_ONLY, format!("{} is read-only", self.name))),
            _ => Ok(()),
        }
    }

    /// Before a `get`: a write-only property fails with 914.
    pub fn check_readable(&self) -> Result<()> {
        match self.access {
            Access::WriteOnly => Err(Error::new(codes::WRITE_ONLY, format!("{} is write-only", self.name))),
            _ => Ok(()),
        }
    }

    /// `get_int` / `set_int` serve integer and boolean properties only.
    pub fn check_numeric(&self) -> Result<()> {
        match self.ty {
            PropType::Int | PropType::Bool => Ok(()),
            _ => Err(Error::new(codes::WRONG_TYPE, format!("{} is not an integer or boolean property", self.name))),
        }
    }

    /// The value `set` hands the component: access, type and range checked.
    pub fn value_from_bytes(&self, bytes: &[u8]) -> Result<Value> {
        self.check_writable()?;
        let v = from_set_bytes(self.ty, bytes)?;
        self.check_value(v)
    }

    /// The value `set_int` hands the component (0 is False for booleans).
    pub fn value_from_int(&self, v: i64) -> Result<Value> {
        self.check_numeric()?;
        self.check_writable()?;
        self.check_value(if self.ty == PropType::Bool { Value::Bool(v != 0) } else { Value::Int(v) })
    }

    /// Checks a value of any form against the row (the Rust API's `set`).
    pub fn check_value(&self, v: Value) -> Result<Value> {
        self.check_writable()?;
        let v = match (self.ty, v) {
            (PropType::Int, Value::Bytes(b)) => Value::Int(parse_int(&String::from_utf8_lossy(&b))?),
            (PropType::Bool, Value::Bytes(b)) => Value::Bool(parse_bool(&String::from_utf8_lossy(&b))?),
            (PropType::Bool, Value::Int(i)) => Value::Bool(i != 0),
            (PropType::Text | PropType::Binary, v) => Value::Bytes(v.into_bytes()),
            (_, v) => v,
        };
        if let Value::Int(i) = v {
            check_range(self.name, self.range, i)?;
        }
        Ok(v)
    }
}

/// A setting's number: decimal with an optional sign, or `0x` hex (the SSL
/// settings take masks in hex).
fn parse_number(s: &str) -> Result<i64> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).map_err(|_| Error::invalid_value(format!("'{t}' is not a number"))),
        None => parse_int(t),
    }
}

impl SettingDef {
    /// Checks a `Name=Value` against the row: index allowed, writable,
    /// Int/Bool values well-formed and Int values in range.
    pub fn check_set(&self, index: Option<i32>, value: &str) -> Result<()> {
        self.check_index(index)?;
        if self.access == Access::ReadOnly {
            return Err(Error::new(codes::READ_ONLY, format!("{} is read-only", self.name)));
        }
        match self.ty {
            PropType::Int => check_range(self.name, self.range, parse_number(value)?),
            PropType::Bool => parse_bool(value).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Whether `[ConnectionId]` is allowed (or required) here.
    pub fn check_index(&self, index: Option<i32>) -> Result<()> {
        match (self.per_conn, index) {
            (PerConn::No, Some(_)) => {
                Err(Error::invalid_value(format!("{} is not a per-connection setting", self.name)))
            }
            (PerConn::Required, None) => Err(Error::new(
                codes::INVALID_CONNECTION,
                format!("{} needs a connection: {}[ConnectionId]", self.name, self.name),
            )),
            _ => Ok(()),
        }
    }
}

/// The type word the docs and header comments use.
pub fn type_name(t: PropType) -> &'static str {
    match t {
        PropType::Text => "text",
        PropType::Binary => "binary",
        PropType::Int => "int",
        PropType::Bool => "bool",
    }
}

/// The header constant of a property or event: `PREFIX` + the upper-cased
/// name without separators (docs/API.md §8).
pub fn const_name(prefix: &str, kind: &str, name: &str) -> String {
    format!("PIER_{prefix}_{kind}_{}", name.to_ascii_uppercase())
}

/// Checks the API rules on a table: ids increasing, and (unless
/// `gaps_allowed`) running 1..=N in table order.
pub fn check_ids(ids: &[(i32, &str)], gaps_allowed: bool) -> std::result::Result<(), String> {
    let mut last = 0;
    for (i, (id, name)) in ids.iter().enumerate() {
        if !gaps_allowed && *id != i as i32 + 1 {
            return Err(format!("{name}: id {id}, expected {}", i + 1));
        }
        if *id <= last {
            return Err(format!("{name}: id {id} not increasing"));
        }
        last = *id;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug)]
    enum K {
        Port,
        Flag,
        Name,
    }
    static T: &[PropDef<K>] = &[
        prop(1, "Port", PropType::Int, K::Port).range(0, 65535),
        prop(2, "Flag", PropType::Bool, K::Flag).read_only(),
        prop(3, "Name", PropType::Text, K::Name).write_only(),
    ];

    #[test]
    fn set_checks_type_range_and_access_once() {
        let port = find_prop(T, 1).unwrap();
        assert_eq!(port.value_from_bytes(b" 8080 ").unwrap(), Value::Int(8080));
        assert_eq!(port.value_from_bytes(b"65536").unwrap_err().code, codes::INVALID_VALUE);
        assert_eq!(port.value_from_int(-1).unwrap_err().code, codes::INVALID_VALUE);
        assert_eq!(port.check_value(Value::text("12")).unwrap(), Value::Int(12));
        let flag = find_prop(T, 2).unwrap();
        assert_eq!(flag.value_from_int(1).unwrap_err().code, codes::READ_ONLY);
        let name = find_prop(T, 3).unwrap();
        assert_eq!(name.value_from_int(1).unwrap_err().code, codes::WRONG_TYPE);
        assert_eq!(name.check_readable().unwrap_err().code, codes::WRITE_ONLY);
        assert_eq!(find_prop(T, 9).unwrap_err().code, codes::UNKNOWN_PROPERTY);
        assert!(matches!(name.key, K::Name) && matches!(flag.key, K::Flag) && matches!(port.key, K::Port));
    }

    #[test]
    fn settings_check_index_access_and_range() {
        static S: &[SettingDef] = &[
            setting("MaxConnections", PropType::Int).range(1, 100_000),
            setting("Stats", PropType::Text).read_only(),
            setting("SSLNegotiatedCipher", PropType::Text).read_only().per_conn(PerConn::Required),
        ];
        let g = [("", S)];
        let m = find_setting(&g, "maxconnections").unwrap();
        assert!(m.check_set(None, "5").is_ok());
        assert_eq!(m.check_set(None, "0").unwrap_err().code, codes::INVALID_VALUE);
        assert_eq!(m.check_set(Some(3), "5").unwrap_err().code, codes::INVALID_VALUE);
        assert_eq!(find_setting(&g, "STATS").unwrap().check_set(None, "x").unwrap_err().code, codes::READ_ONLY);
        let n = find_setting(&g, "SSLNegotiatedCipher").unwrap();
        assert_eq!(n.check_index(None).unwrap_err().code, codes::INVALID_CONNECTION);
        assert!(find_setting(&g, "Nope").is_none());
    }

    #[test]
    fn id_rules() {
        assert!(check_ids(&[(1, "a"), (2, "b")], false).is_ok());
        assert!(check_ids(&[(1, "a"), (3, "b")], false).is_err());
        assert!(check_ids(&[(1, "a"), (3, "b")], true).is_ok());
        assert!(check_ids(&[(3, "a"), (2, "b")], true).is_err());
        assert_eq!(const_name("TCPSERVER", "PROP", "LocalPort"), "PIER_TCPSERVER_PROP_LOCALPORT");
    }
}
