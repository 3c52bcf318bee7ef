//! What is generated from a component's tables (src/core/props.rs): the
//! `ids.rs` that cbindgen turns into the header's id constants with their
//! doc comments, and the component's reference page `docs/reference/<c>.md`.
//! Both are committed; each component's tests check them fresh
//! ([`check_fresh`]), and `PIER_BLESS=1 cargo test` rewrites them.

use std::fmt::Write;

use super::error::strerror;
use super::props::{const_name, type_name, Access, Indexed, PerConn, PropDef, Tables};
use super::value::PropType;

/// A component's tables, as the generators see them.
pub struct Component<'a, K: 'static> {
    /// The reference's name, e.g. "TCPServer".
    pub title: &'a str,
    /// The C prefix word, e.g. "TCPSERVER" (constants) / "tcpserver" (functions).
    pub prefix: &'a str,
    /// One paragraph for the top of the reference page.
    pub intro: &'a str,
    pub tables: &'static Tables<K>,
    /// The error codes the component raises (texts from `strerror`).
    pub errors: &'a [i32],
}

fn attrs<K>(p: &PropDef<K>) -> String {
    let mut a = vec![type_name(p.ty).to_string()];
    match p.indexed {
        Indexed::No => {}
        Indexed::ByConnection => a.push("per connection".into()),
        Indexed::ByPosition => a.push("by position".into()),
    }
    match p.access {
        Access::ReadWrite => {}
        Access::ReadOnly => a.push("read-only".into()),
        Access::WriteOnly => a.push("write-only".into()),
    }
    if !p.default.is_empty() {
        a.push(format!("default {}", p.default));
    }
    if let Some((lo, hi)) = p.range {
        a.push(format!("{lo} to {hi}"));
    }
    a.join(", ")
}

/// The `ids.rs` of a component: one documented constant per property and event.
pub fn render_ids<K>(c: &Component<'_, K>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "//! {} property and event ids: the ABI (docs/API.md §2). Generated from the", c.title);
    let _ = writeln!(s, "//! tables in `props.rs` by its tests; do not edit (`PIER_BLESS=1 cargo test` rewrites it).");
    let _ = writeln!(s, "//! cbindgen turns these into the header's constants and their doc comments.");
    s.push('\n');
    for p in c.tables.props {
        let _ = writeln!(s, "/// {} property `{}` ({}): {}", c.title, p.name, attrs(p), p.doc);
        let _ = writeln!(s, "pub const {}: i32 = {};", const_name(c.prefix, "PROP", p.name), p.id);
    }
    s.push('\n');
    for e in c.tables.events {
        let _ = writeln!(
            s,
            "/// {} event `{}` (params: `pier_{}_{}_params`): {}",
            c.title,
            e.name,
            c.prefix.to_ascii_lowercase(),
            e.name.to_ascii_lowercase(),
            e.doc
        );
        let _ = writeln!(s, "pub const {}: i32 = {};", const_name(c.prefix, "EVENT", e.name), e.id);
    }
    s
}

/// A default as the page shows it: `""` for empty text, "—" where a number
/// or boolean has none to state (read-only values, per-connection ones).
fn shown_default(d: &str, ty: PropType) -> String {
    match (d.is_empty(), ty) {
        (false, _) => format!("`{}`", cell(d)),
        (true, PropType::Text | PropType::Binary) => "\"\"".into(),
        (true, _) => "—".into(),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The component's reference page (Markdown).
pub fn render_page<K>(c: &Component<'_, K>) -> String {
    let lower = c.prefix.to_ascii_lowercase();
    let mut s = String::new();
    let _ = writeln!(s, "# {} reference\n", c.title);
    let _ =
        writeln!(s, "<!-- Generated from the component's tables (src/*/props.rs) by `cargo test`; do not edit. -->\n");
    let _ = writeln!(s, "{}\n", c.intro);
    let _ = writeln!(s, "Functions, values, errors and threading are the same for every component: docs/API.md.\n");

    let _ = writeln!(s, "## Properties\n");
    let _ = writeln!(
        s,
        "Set with `pier_{lower}_set(h, id, index, value, len)` (text forms of numbers and booleans \
         accepted) or `pier_{lower}_set_int`; read with `pier_{lower}_get` / `pier_{lower}_get_int`. \
         Per-connection properties take the connection id as `index`; \"by position\" ones a position \
         `0 .. count-1`; the others ignore it (pass 0). A value out of range fails with 906 and changes \
         nothing; a read-only property fails with 907, a write-only one with 914 on `get`.\n"
    );
    let _ = writeln!(s, "| id | name | type | access | index | default | range | description |");
    let _ = writeln!(s, "|---:|---|---|---|---|---|---|---|");
    for p in c.tables.props {
        let access = match p.access {
            Access::ReadWrite => "read/write",
            Access::ReadOnly => "read-only",
            Access::WriteOnly => "write-only",
        };
        let index = match p.indexed {
            Indexed::No => "—",
            Indexed::ByConnection => "connection id",
            Indexed::ByPosition => "position",
        };
        let range = p.range.map(|(lo, hi)| format!("{lo} to {hi}")).unwrap_or_else(|| "—".into());
        let default = shown_default(p.default, p.ty);
        let _ = writeln!(
            s,
            "| {} | `{}` (`{}`) | {} | {} | {} | {} | {} | {} |",
            p.id,
            p.name,
            const_name(c.prefix, "PROP", p.name),
            type_name(p.ty),
            access,
            index,
            default,
            range,
            cell(p.doc)
        );
    }
    if let Some(p) = c.tables.props.iter().find(|p| p.range.is_some() && p.indexed == Indexed::No) {
        let example = p.default.parse::<i64>().unwrap_or(p.range.map(|r| r.0).unwrap_or(0));
        let _ = writeln!(
            s,
            "\nExample:\n\n```c\nif (pier_{lower}_set_int(h, {}, 0, {example}) != 0)\n    fprintf(stderr, \"%s\\n\", pier_{lower}_get_last_error(h));\n```\n",
            const_name(c.prefix, "PROP", p.name)
        );
    }

    let _ = writeln!(s, "\n## Events\n");
    let _ = writeln!(
        s,
        "Register with `pier_{lower}_register_callback(h, id, cb, user_data)`; `params` points to \
         `pier_{lower}_<event>_params` (see `include/pier.h`). The callback's return value is \
         reserved: return 0.\n"
    );
    let _ = writeln!(s, "| id | event | params struct | description |");
    let _ = writeln!(s, "|---:|---|---|---|");
    for e in c.tables.events {
        let _ = writeln!(
            s,
            "| {} | `{}` (`{}`) | `pier_{lower}_{}_params` | {} |",
            e.id,
            e.name,
            const_name(c.prefix, "EVENT", e.name),
            e.name.to_ascii_lowercase(),
            cell(e.doc)
        );
    }

    let _ = writeln!(s, "\n## Config settings\n");
    let _ = writeln!(
        s,
        "`pier_{lower}_do_config(h, \"Name=Value\")` sets (returns \"\"), `pier_{lower}_do_config(h, \"Name\")` \
         reads; names are case-insensitive; per-connection settings take `Name[ConnectionId]`. \
         Example: `pier_{lower}_do_config(h, \"SelectWaitMillis=5\");`\n"
    );
    for (heading, rows) in c.tables.settings {
        let _ = writeln!(s, "### {heading}\n");
        let _ = writeln!(s, "| name | type | access | default | range | description |");
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for d in rows.iter() {
            let name = match d.per_conn {
                PerConn::No => format!("`{}`", d.name),
                PerConn::Optional => format!("`{}` and `{}[ConnectionId]`", d.name, d.name),
                PerConn::Required => format!("`{}[ConnectionId]`", d.name),
            };
            let access = if d.access == Access::ReadOnly { "read-only" } else { "read/write" };
            let range = d.range.map(|(lo, hi)| format!("{lo} to {hi}")).unwrap_or_else(|| "—".into());
            let default = shown_default(d.default, d.ty);
            let _ = writeln!(s, "| {name} | {} | {access} | {default} | {range} | {} |", type_name(d.ty), cell(d.doc));
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## Error codes\n");
    let _ = writeln!(
        s,
        "Every function returning `int` returns 0 or one of these; `pier_strerror(code)` gives the text.\n"
    );
    let _ = writeln!(s, "| code | meaning |");
    let _ = writeln!(s, "|---:|---|");
    for code in c.errors {
        let _ = writeln!(s, "| {code} | {} |", cell(strerror(*code)));
    }
    s
}

/// Items without documentation (a row with an empty doc line).
pub fn undocumented<K>(c: &Component<'_, K>) -> Vec<String> {
    let mut out: Vec<String> =
        c.tables.props.iter().filter(|p| p.doc.trim().is_empty()).map(|p| p.name.to_string()).collect();
    out.extend(c.tables.events.iter().filter(|e| e.doc.trim().is_empty()).map(|e| e.name.to_string()));
    for (_, rows) in c.tables.settings {
        out.extend(rows.iter().filter(|d| d.doc.trim().is_empty()).map(|d| d.name.to_string()));
    }
    out.extend(c.errors.iter().filter(|&&code| strerror(code) == "Unknown error").map(|c| c.to_string()));
    out
}

/// The checks every component's tests make on its declaration: `ids.rs`
/// and the reference page are fresh, and nothing lacks a doc line.
pub fn check_component<K>(c: &Component<'_, K>, ids_path: &str, page_path: &str) -> std::result::Result<(), String> {
    check_fresh(ids_path, &render_ids(c))?;
    check_fresh(page_path, &render_page(c))?;
    match undocumented(c) {
        u if u.is_empty() => Ok(()),
        u => Err(format!("undocumented: {}", u.join(", "))),
    }
}

/// Compares a generated file with the committed one (relative to the crate
/// root); with `PIER_BLESS=1` writes it instead. Returns an error that says
/// how to regenerate when they differ.
pub fn check_fresh(rel_path: &str, content: &str) -> std::result::Result<(), String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel_path);
    if std::env::var_os("PIER_BLESS").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, content).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old != content {
        return Err(format!("{rel_path} is stale: regenerate it with `PIER_BLESS=1 cargo test --lib generated`"));
    }
    Ok(())
}
