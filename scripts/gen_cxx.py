#!/usr/bin/env python3
"""Generates ``include/pier.hpp`` (the C++17 header) from ``include/pier.h``.

The C header is itself generated (cbindgen) from the component tables in the
Rust sources; this is the same second step as ``python/gen_bindings.py``,
whose header parser it imports (one parser for both bindings).  Generated:
every property accessor (id, type, read-only / write-only, per-connection,
doc comment), every event view class (the ``pier_<component>_<event>_params``
struct field by field, setters for the fields the header marks Writable),
every ``on_<event>`` registration and the trampoline that dispatches them,
every method (signature from the C prototype), the error-code enum, the
other constants.  Hand-written: the part of the header that knows no id —
the owner of the handle, the error type and category, the byte and text
views — which is the template ``BASE`` below.

    python3 scripts/gen_cxx.py            # rewrite include/pier.hpp
    python3 scripts/gen_cxx.py --check    # exit 1 if it is stale

``scripts/test.sh`` runs ``--check`` as one counted step.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import gen_bindings as gb  # noqa: E402  (the header parser)

HEADER = ROOT / "include" / "pier.h"
OUTPUT = ROOT / "include" / "pier.hpp"
TEMPLATE = Path(__file__).resolve().parent / "pier_hpp_base.in"


def cdoc(text: str, indent: str) -> str:
    """A ``/** ... */`` comment of ``text`` (from the C header's doc)."""
    text = text.replace("*/", "* /")
    lines = text.splitlines() or [""]
    if len(lines) == 1:
        return f"{indent}/** {lines[0]} */\n"
    body = "".join(f"{indent} *{' ' + ln if ln else ''}\n" for ln in lines)
    return f"{indent}/**\n{body}{indent} */\n"


def camel_event(name: str) -> str:
    return name  # the reference's spelling: DataIn, SSLStatus, WebSocketOpenRequest


def prop_flags_and_doc(p: gb.Prop) -> str:
    doc = re.sub(r"^.*?\): ", "", p.doc, flags=re.S)
    flags = re.match(r".*?\(([^)]*)\)", p.doc).group(1)
    return f"`{p.name}` ({flags}): {doc}"


def view_class_name(h: gb.Header, comp: str, cls: str, ev: gb.Event) -> str:
    st = h.struct_of(ev)
    if st.name == f"pier_{comp}_{ev.name.lower()}_params":
        return f"{cls}{ev.name}Event"
    return f"{ev.name}Event"  # a struct several components share (the SSL events)


class Out:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def __call__(self, s: str) -> None:
        self.parts.append(s)

    def text(self) -> str:
        return "".join(self.parts)


def emit_view(w: Out, name: str, st: gb.Struct) -> None:
    """One view class per params struct: an accessor per field (a pointer +
    ``_len`` pair is one ByteView), a setter per Writable field."""
    w(cdoc(f"{st.doc}\n\nA view on the C struct `{st.name}`: nothing is copied; "
           "valid only while the handler runs (see docs/CPP.md, Events).", ""))
    w(f"class {name} : public detail::EventView<{st.name}> {{\n public:\n")
    w(f"    using detail::EventView<{st.name}>::EventView;\n")
    names = {f.name for f in st.fields}
    for f in st.fields:
        if f.name.endswith("_len") and f.name[:-4] in names:
            continue
        paired = f"{f.name}_len" in names
        doc = f.doc or f"The event's `{f.name}` parameter."
        w("\n" + cdoc(doc, "    "))
        if paired:
            w(f"    ByteView {f.name}() const noexcept {{ return detail::bytes_of(p_->{f.name}, "
              f"p_->{f.name}_len); }}\n")
        elif f.ctype == "const char*":
            w(f"    std::string_view {f.name}() const noexcept {{ return detail::text_of(p_->{f.name}); }}\n")
        elif f.ctype == "bool":
            w(f"    bool {f.name}() const noexcept {{ return p_->{f.name}; }}\n")
        elif f.ctype == "int":
            w(f"    int {f.name}() const noexcept {{ return p_->{f.name}; }}\n")
        elif f.ctype == "int64_t":
            w(f"    std::int64_t {f.name}() const noexcept {{ return p_->{f.name}; }}\n")
        else:
            raise SystemExit(f"gen_cxx: no C++ type for field {st.name}.{f.name} ({f.ctype})")
        if f.doc.startswith("Writable"):
            if paired:
                w(f"    /** Sets `{f.name}` to a copy of `value`, kept until pier has read it. */\n")
                w(f"    void set_{f.name}(ByteView value) {{\n"
                  f"        p_->{f.name} = reinterpret_cast<const std::uint8_t *>(this->pin(value.data(), value.size()));\n"
                  f"        p_->{f.name}_len = detail::c_len(value.size());\n    }}\n")
            elif f.ctype == "const char*":
                w(f"    /** Sets `{f.name}` to a copy of `value`, kept until pier has read it. */\n")
                w(f"    void set_{f.name}(std::string_view value) {{ p_->{f.name} = this->pin(value.data(), value.size()); }}\n")
            elif f.ctype == "bool":
                w(f"    /** Sets `{f.name}`. */\n")
                w(f"    void set_{f.name}(bool value) noexcept {{ p_->{f.name} = value; }}\n")
            else:
                w(f"    /** Sets `{f.name}`. */\n")
                w(f"    void set_{f.name}(int value) noexcept {{ p_->{f.name} = value; }}\n")
    w("};\n\n")


def emit_prop(w: Out, comp: str, cls: str, p: gb.Prop, taken: set[str]) -> None:
    name = gb.snake(p.name)
    macro = f"PIER_{comp.upper()}_PROP_{p.name.upper()}"
    doc = prop_flags_and_doc(p)
    per = p.per_conn or p.by_position
    idx_param = ("int position" if p.by_position else "int connection_id") if per else ""
    idx_arg = ("position" if p.by_position else "connection_id") if per else "0"
    sep = ", " if per else ""
    typ, get_fn, set_param, set_call = {
        "int": ("std::int64_t", "get_int_", "std::int64_t value", "set_int_({m}, {i}, value{e})"),
        "bool": ("bool", "get_bool_", "bool value", "set_int_({m}, {i}, value ? 1 : 0{e})"),
        "text": ("std::string", "get_", "std::string_view value", "set_({m}, {i}, ByteView(value){e})"),
        "binary": ("std::string", "get_", "ByteView value", "set_({m}, {i}, value{e})"),
    }[p.kind]
    noexc = " noexcept" if p.kind in ("int", "bool") else ""
    if not p.write_only:
        assert name not in taken, name
        taken.add(name)
        w("\n" + cdoc(doc + "\n\nThrows pier::Error; the overload with a std::error_code "
                      "sets it instead.", "    "))
        w(f"    {typ} {name}({idx_param}) const {{ return this->{get_fn}({macro}, {idx_arg}); }}\n")
        w(f"    {typ} {name}({idx_param}{sep}std::error_code &ec) const{noexc} "
          f"{{ return this->{get_fn}({macro}, {idx_arg}, ec); }}\n")
    if not p.read_only:
        setter = f"set_{name}"
        assert setter not in taken, setter
        taken.add(setter)
        w("\n" + cdoc(f"Sets {doc}", "    "))
        w(f"    void {setter}({idx_param}{sep}{set_param}) {{ this->{set_call.format(m=macro, i=idx_arg, e='')}; }}\n")
        w(f"    void {setter}({idx_param}{sep}{set_param}, std::error_code &ec) noexcept "
          f"{{ this->{set_call.format(m=macro, i=idx_arg, e=', ec')}; }}\n")


def method_params(f: gb.Func) -> tuple[list[str], list[str]]:
    """The C++ parameters of a ``do_`` function and the C call's arguments
    (gen_bindings.method_args classifies them; a trailing ``bool*`` is the
    method's result: see emit_method)."""
    params, call = [], []
    for kind, name, ctype in gb.method_args(f)[0]:
        if kind == "bytes":
            params.append(f"ByteView {name}")
            call.append(f"{name}.data(), detail::c_len({name}.size())")
        elif kind == "ints":
            params.append(f"IntView {name}")
            call.append(f"{name}.data(), detail::c_len({name}.size())")
        elif kind == "str":
            params.append(f"CStr {name}")
            call.append(f"{name}.c_str()")
        elif kind in ("bool", "int"):
            params.append(f"{ctype} {name}")
            call.append(name)
        elif kind == "int64":
            params.append(f"std::int64_t {name}")
            call.append(name)
        else:
            raise SystemExit(f"gen_cxx: no C++ type for argument {name} ({ctype}) of {f.name}")
    return params, call


def emit_method(w: Out, f: gb.Func, mname: str) -> None:
    params, call = method_params(f)
    result = gb.method_args(f)[1]
    cargs = ", ".join(["this->h_"] + call + ([f"&{result}"] if result else []))
    w("\n" + cdoc(f"`{f.name}`: {f.doc}\n\nThrows pier::Error (and rethrows what a handler "
                  "threw meanwhile); the overload with a std::error_code sets it instead.", "    "))
    if result:
        # A trailing bool* (ValidateCert's `valid`) is the method's result.
        w(f"    bool {mname}({', '.join(params)}) {{ bool {result} = false; this->check_({f.name}({cargs})); "
          f"return {result}; }}\n")
        w(f"    bool {mname}({', '.join(params + ['std::error_code &ec'])}) noexcept "
          f"{{ bool {result} = false; ec = this->status_({f.name}({cargs})); return {result}; }}\n")
        return
    w(f"    void {mname}({', '.join(params)}) {{ this->check_({f.name}({cargs})); }}\n")
    w(f"    void {mname}({', '.join(params + ['std::error_code &ec'])}) noexcept "
      f"{{ ec = this->status_({f.name}({cargs})); }}\n")


def generate(h: gb.Header) -> str:
    w = Out()
    w("// Generated by scripts/gen_cxx.py from include/pier.h: do not edit.\n"
      "// Regenerate with `python3 scripts/gen_cxx.py` whenever the header changes\n"
      "// (scripts/test.sh checks that it is fresh).\n")
    w(TEMPLATE.read_text())
    w("namespace pier {\n\n")

    # -- errors -------------------------------------------------------------
    w("/**\n * pier's error codes (the PIER_ERR_* of pier.h), in the category pier::category():\n"
      " * `ec == pier::errc::invalid_value` compares a std::error_code with one.\n */\n")
    w("enum class errc : int {\n")
    for name, code, doc in h.errors:
        w(cdoc(doc, "    "))
        w(f"    {name.lower()} = PIER_ERR_{name},\n")
    w("};\n\n")
    w("/** A std::error_code of pier's category for `e`. */\n"
      "inline std::error_code make_error_code(errc e) noexcept {\n"
      "    return std::error_code(static_cast<int>(e), category());\n}\n\n")
    w("}  // namespace pier\n\n"
      "namespace std {\ntemplate <>\nstruct is_error_code_enum<pier::errc> : true_type {};\n"
      "}  // namespace std\n\nnamespace pier {\n\n")

    # -- event views ----------------------------------------------------------
    done: dict[str, str] = {}
    for comp, cls in gb.COMPONENTS.items():
        for ev in (e for e in h.events if e.comp == comp):
            st = h.struct_of(ev)
            if st.name in done:
                continue
            vname = view_class_name(h, comp, cls, ev)
            done[st.name] = vname
            emit_view(w, vname, st)

    # -- components -------------------------------------------------------------
    for comp, cls in gb.COMPONENTS.items():
        props = [p for p in h.props if p.comp == comp]
        events = [e for e in h.events if e.comp == comp]
        funcs = [f for f in h.funcs if f.name.startswith(f"pier_{comp}_")]
        if not props:
            continue
        pre = f"pier_{comp}"
        w(f"// {'=' * 74}\n// {cls}\n// {'=' * 74}\n\n")
        w("namespace detail {\n\n")
        w(f"/** The handlers of a {cls}, one slot per event. */\nstruct {cls}Handlers {{\n")
        for e in events:
            w(f"    Slot<{done[h.struct_of(e).name]}> on_{gb.snake(e.name)};\n")
        w("};\n\n")
        w(f"/** The C functions every component has, for {cls}. */\nstruct {cls}Traits {{\n")
        w(f"    using handle_type = {pre};\n    using handlers_type = {cls}Handlers;\n")
        for fn in ("open", "close", "register_callback", "get_last_error", "get_last_error_code",
                   "set", "get", "set_int", "get_int", "do_config", "do_doevents", "get_pollfd",
                   "get_timeout_ms"):
            w(f"    static constexpr auto {fn} = &{pre}_{fn};\n")
        w("    static int trampoline(void *handle, int event_id, void *params, void *user_data) noexcept;\n")
        w(f"    static std::vector<int> connection_ids({pre} *h, std::error_code &ec);\n")
        w("};\n\n}  // namespace detail\n\n")

        count = next((p for p in props if p.name in ("ConnectionCount", "ConnCount")), None)
        position = next((p for p in props if p.by_position), None)

        w(cdoc(f"The {cls} component (docs/reference/{comp}.md), owning one `{pre}` handle.\n\n"
               "Move-only; the destructor closes the handle. Properties are accessor pairs "
               "(`local_port()` / `set_local_port(v)`, per-connection ones take the connection "
               "id first), events are registered with `on_<event>(handler)`, methods are the "
               "reference's in snake_case. Every call that can fail throws pier::Error and has "
               "an overload taking a `std::error_code &` that never throws it (docs/CPP.md).", ""))
        w(f"class {cls} : public detail::Component<{cls}, detail::{cls}Traits> {{\n public:\n")

        w("    /** Property ids (`Prop::LocalPort`), for the generic get / set. */\n    struct Prop {\n")
        for p in props:
            w(f"        static constexpr int {p.name} = PIER_{comp.upper()}_PROP_{p.name.upper()};\n")
        w("    };\n\n    /** Event ids (`Event::DataIn`). */\n    struct Event {\n")
        for e in events:
            w(f"        static constexpr int {e.name} = PIER_{comp.upper()}_EVENT_{e.name.upper()};\n")
        w("    };\n")
        consts = [c for c in h.consts if c[0].startswith(comp.upper() + "_")]
        for name, _val, doc in consts:
            w("\n" + cdoc(doc, "    "))
            w(f"    static constexpr int {name[len(comp) + 1:].lower()} = PIER_{name};\n")
        w("\n")

        for e in events:
            vname = done[h.struct_of(e).name]
            w(f"    /** The {e.name} event's view (`{h.struct_of(e).name}`). */\n")
            w(f"    using {e.name}Event = pier::{vname};\n")

        taken: set[str] = set()
        for e in events:
            mname = f"on_{gb.snake(e.name)}"
            emacro = f"PIER_{comp.upper()}_EVENT_{e.name.upper()}"
            taken.add(mname)
            edoc = re.sub(r"^.*?\): ", "", e.doc, flags=re.S)
            w("\n" + cdoc(f"Registers the handler of the {e.name} event (replacing the previous "
                          "one; an empty function unregisters): " + edoc, "    "))
            w(f"    void {mname}(std::function<void({e.name}Event &)> handler) {{\n"
              f"        this->set_handler_(&detail::{cls}Handlers::{mname}, {emacro}, std::move(handler));\n    }}\n")
            w(f"    void {mname}(std::function<void({e.name}Event &)> handler, std::error_code &ec) {{\n"
              f"        this->set_handler_(&detail::{cls}Handlers::{mname}, {emacro}, std::move(handler), ec);\n    }}\n")

        for p in props:
            emit_prop(w, comp, cls, p, taken)

        if count and position:
            w("\n" + cdoc(f"The ids of the open connections, by position (`{count.name}` and "
                          f"`{position.name}`).", "    "))
            w("    std::vector<int> connection_ids() const {\n"
              "        std::error_code ec;\n"
              "        std::vector<int> ids = connection_ids(ec);\n"
              "        if (ec) this->throw_(ec.value());\n        return ids;\n    }\n")
            w("    std::vector<int> connection_ids(std::error_code &ec) const {\n"
              f"        return detail::{cls}Traits::connection_ids(this->h_, ec);\n    }}\n")
            taken.add("connection_ids")

        for f in funcs:
            suffix = f.name[len(f"{pre}_"):]
            if suffix in gb.COMMON_FUNCS or not suffix.startswith("do_"):
                continue
            mname = gb.method_name(suffix[3:])
            assert mname not in taken, mname
            taken.add(mname)
            emit_method(w, f, mname)
        w("};\n\n")

        # The trampoline and the ids by position, out of line.
        w(f"inline int detail::{cls}Traits::trampoline(void *, int event_id, void *params, "
          "void *user_data) noexcept {\n"
          f"    auto *st = static_cast<detail::State<{cls}Handlers> *>(user_data);\n"
          "    detail::Dispatch guard(st);\n"
          "    try {\n        switch (event_id) {\n")
        for e in events:
            w(f"        case PIER_{comp.upper()}_EVENT_{e.name.upper()}:\n"
              f"            detail::fire(st->on_{gb.snake(e.name)}, params, st);\n"
              "            break;\n")
        w("        default:\n            break;\n        }\n"
          "    } catch (...) {\n        guard.keep(std::current_exception());\n    }\n"
          "    return 0;\n}\n\n")
        w(f"inline std::vector<int> detail::{cls}Traits::connection_ids({pre} *h, std::error_code &ec) {{\n")
        if count and position:
            w(f"    return detail::ids_by_position<{cls}Traits>(h, PIER_{comp.upper()}_PROP_{count.name.upper()}, "
              f"PIER_{comp.upper()}_PROP_{position.name.upper()}, ec);\n}}\n\n")
        else:
            w("    (void)h;\n    ec.clear();\n    return {};\n}\n\n")

    w("}  // namespace pier\n\n#endif  // PIER_HPP\n")
    return w.text()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if include/pier.hpp is stale")
    ap.add_argument("--header", type=Path, default=HEADER)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    a = ap.parse_args()
    text = generate(gb.parse(a.header.read_text()))
    if a.check:
        if not a.output.exists() or a.output.read_text() != text:
            print(f"{a.output} is stale: run python3 scripts/gen_cxx.py", file=sys.stderr)
            return 1
        return 0
    a.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
