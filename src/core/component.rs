//! `Declared`: a component as its tables describe it. The generic `get`,
//! `set` and `config` here check ids, access, types, ranges and
//! per-connection indexes against the rows once, for every component, then
//! hand the component a checked value under its own key.

use super::config;
use super::error::{codes, Error, Result};
use super::props::{find_prop, find_setting, SettingDef, Tables};
use super::value::Value;

/// Component types implement it; `pier::<component>::props` re-exports it,
/// so `use pier::tcp::props::*` brings `get`, `set` and `config` with the ids.
pub trait Declared {
    /// The component's names for its properties (an enum).
    type Key: Copy + 'static;
    /// The component's declaration.
    fn tables() -> &'static Tables<Self::Key>;

    /// Reads a property (readable: checked).
    fn get_key(&self, key: Self::Key, index: i32) -> Result<Value>;
    /// Sets a property to a value checked against its row.
    fn set_key(&self, key: Self::Key, index: i32, v: Value) -> Result<()>;
    /// Reads a setting (index: checked).
    fn config_get(&self, def: &'static SettingDef, s: &config::Setting) -> Result<String>;
    /// Sets a setting (index, access, Int/Bool form and range: checked).
    fn config_set(&self, def: &'static SettingDef, s: &config::Setting, v: &str) -> Result<()>;

    /// `get` by id.
    fn get(&self, prop: i32, index: i32) -> Result<Value> {
        let def = find_prop(Self::tables().props, prop)?;
        def.check_readable()?;
        self.get_key(def.key, index)
    }

    /// `set` by id, with a value of any form (text forms are parsed).
    fn set(&self, prop: i32, index: i32, v: Value) -> Result<()> {
        let def = find_prop(Self::tables().props, prop)?;
        let v = def.check_value(v)?;
        self.set_key(def.key, index, v)
    }

    /// `Config("Name=Value")` sets (returns ""), `Config("Name")` reads.
    fn config(&self, text: &str) -> Result<String> {
        let s = config::parse(text)?;
        let def = find_setting(Self::tables().settings, s.name)
            .ok_or_else(|| Error::new(codes::UNKNOWN_SETTING, format!("Unknown config setting '{}'", s.name)))?;
        match s.value {
            None => {
                def.check_index(s.index)?;
                self.config_get(def, &s)
            }
            Some(v) => {
                def.check_set(s.index, v)?;
                self.config_set(def, &s, v).map(|_| String::new())
            }
        }
    }
}
