//! Property and event tables: one declaration per component, from which the
//! generic FFI checks ids, types and access (API.md §2, §3).

use super::error::{codes, Error, Result};
use super::value::PropType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
    WriteOnly,
}

/// Whether a property is indexed, and by what (API.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexed {
    /// No index; the caller passes 0 and it is ignored.
    No,
    /// Indexed by connection id.
    ByConnection,
    /// Indexed by position 0..count-1 (the ConnectionId property itself).
    ByPosition,
}

#[derive(Clone, Copy, Debug)]
pub struct PropDef {
    pub id: i32,
    /// The reference's name, e.g. `DefaultMaxLineLength`.
    pub name: &'static str,
    /// The name of the header constant that carries `id`, checked by tests.
    pub const_name: &'static str,
    pub ty: PropType,
    pub access: Access,
    pub indexed: Indexed,
}

#[derive(Clone, Copy, Debug)]
pub struct EventDef {
    pub id: i32,
    pub name: &'static str,
    pub const_name: &'static str,
}

/// Declares a property table from header constants, so the table and the
/// constants cannot disagree about an id: `prop_table!(TABLE; (CONST, "Name", Int, ReadWrite, No), ...)`.
#[macro_export]
macro_rules! prop_table {
    ($table:ident; $(($c:ident, $name:literal, $ty:ident, $acc:ident, $idx:ident)),* $(,)?) => {
        pub static $table: &[$crate::core::props::PropDef] = &[
            $($crate::core::props::PropDef {
                id: $c,
                name: $name,
                const_name: stringify!($c),
                ty: $crate::core::value::PropType::$ty,
                access: $crate::core::props::Access::$acc,
                indexed: $crate::core::props::Indexed::$idx,
            }),*
        ];
    };
}

/// The event counterpart of [`prop_table!`].
#[macro_export]
macro_rules! event_table {
    ($table:ident; $(($c:ident, $name:literal)),* $(,)?) => {
        pub static $table: &[$crate::core::props::EventDef] = &[
            $($crate::core::props::EventDef { id: $c, name: $name, const_name: stringify!($c) }),*
        ];
    };
}

pub fn find_prop(table: &'static [PropDef], id: i32) -> Result<&'static PropDef> {
    table
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| Error::new(codes::UNKNOWN_PROPERTY, format!("Unknown property id {id}")))
}

pub fn check_event(table: &'static [EventDef], id: i32) -> Result<&'static EventDef> {
    table.iter().find(|d| d.id == id).ok_or_else(|| Error::new(codes::UNKNOWN_EVENT, format!("Unknown event id {id}")))
}

/// Checks a table against the API.md §2/§8 naming rules: constant names are
/// `PREFIX` + the upper-cased name, and (unless `gaps_allowed`) ids run 1..=N
/// in table order. Used by each component's tests.
pub fn check_table_naming(
    prefix: &str,
    entries: &[(i32, &str, &str)],
    gaps_allowed: bool,
) -> std::result::Result<(), String> {
    let mut last = 0;
    for (i, (id, name, cname)) in entries.iter().enumerate() {
        let want = format!("{prefix}{}", name.to_ascii_uppercase());
        if *cname != want {
            return Err(format!("{name}: constant {cname}, expected {want}"));
        }
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
