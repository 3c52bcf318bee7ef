#!/usr/bin/env python3
"""Generates ``pier/_generated.py`` from ``include/pier.h``.

The header is itself generated (cbindgen) from the component tables in the
Rust sources, so this is the second step of one chain: a property, event or
error code declared once in a component's ``props.rs`` reaches C, and from
the header Python, with its doc comment.  Nothing here is written twice by
hand: ids, property types and flags, event parameter layouts (the
``pier_<component>_<event>_params`` structs, field by field), error codes,
method signatures and every docstring come from the header.

    python3 python/gen_bindings.py            # rewrite pier/_generated.py
    python3 python/gen_bindings.py --check    # exit 1 if it is stale

The test suite runs ``--check`` (tests-python/test_package.py), so the
committed module cannot drift from the header.

``scripts/gen_cxx.py`` imports this module's parser (``parse``, ``snake``,
``method_name``, ``COMPONENTS``, ``COMMON_FUNCS``) to generate the C++
header ``include/pier.hpp``: keep them importable (no work at import time).
"""

from __future__ import annotations

import argparse
import builtins
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = HERE.parent / "include" / "pier.h"
OUTPUT = HERE / "pier" / "_generated.py"

# The components and their class names (the references' spelling).
COMPONENTS = {"tcpserver": "TCPServer", "tftpserver": "TFTPServer", "wsserver": "WSServer", "oftpserver": "OFTPServer"}

# Words the method names of the header are made of ("do_changerecordlength"
# → ChangeRecordLength → change_record_length).  A method whose name these
# words cannot spell makes the generator fail, so a new method is noticed.
METHOD_WORDS = [
    "broadcast", "bytes", "cert", "certificate", "certs", "change", "data",
    "direction", "disconnect", "end", "exchange", "file", "import", "interrupt",
    "length", "line", "listening", "logoff", "mode", "pause", "ping", "process",
    "recipient", "record", "reset", "response", "send", "shutdown", "ssl",
    "start", "stop", "text", "trusted", "validate",
]

# The calls every component has and the base class wraps itself.
COMMON_FUNCS = {
    "open", "close", "register_callback", "get_last_error", "get_last_error_code",
    "set", "get", "set_int", "get_int", "do_config", "do_doevents", "get_pollfd",
    "get_timeout_ms",
}


def snake(name: str) -> str:
    """``SSLCertStoreType`` → ``ssl_cert_store_type``, ``RequestURI`` → ``request_uri``."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return s.lower()


def doc_text(raw: str) -> str:
    """The text of a ``/** ... */`` comment, one paragraph per blank line."""
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        line = re.sub(r"^/\*\*|\*/$", "", line).strip()
        line = re.sub(r"^\* ?", "", line)
        lines.append(line.rstrip())
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


@dataclass
class Prop:
    comp: str
    name: str
    ident: int
    kind: str  # int, bool, text, binary
    per_conn: bool = False
    by_position: bool = False
    read_only: bool = False
    write_only: bool = False
    doc: str = ""


@dataclass
class Event:
    comp: str
    name: str
    ident: int
    struct: str
    doc: str = ""


@dataclass
class Field:
    name: str
    ctype: str
    doc: str = ""


@dataclass
class Struct:
    name: str
    fields: list[Field] = field(default_factory=list)
    doc: str = ""


@dataclass
class Func:
    name: str
    ret: str
    args: list[tuple[str, str]]  # (ctype, name)
    doc: str = ""


@dataclass
class Header:
    version: str = ""
    errors: list[tuple[str, int, str]] = field(default_factory=list)
    consts: list[tuple[str, int, str]] = field(default_factory=list)
    props: list[Prop] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    structs: dict[str, Struct] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # typedef struct A B: B → A

    def struct_of(self, ev: "Event") -> Struct:
        """The struct an event's params are (through a typedef alias)."""
        return self.structs[self.aliases.get(ev.struct, ev.struct)]
    funcs: list[Func] = field(default_factory=list)


PROP_DOC = re.compile(r"^(\w+) property `(\w+)` \(([^)]*)\): (.*)$", re.S)
EVENT_DOC = re.compile(r"^(\w+) event `(\w+)` \(params: `(\w+)`\): (.*)$", re.S)


def parse(text: str) -> Header:
    h = Header()
    doc = ""
    token = re.compile(
        r"(?P<doc>/\*\*.*?\*/)"
        r"|(?P<define>^#define (?P<dname>\w+) (?P<dval>[^\n]+))"
        r"|(?P<struct>^typedef struct (?P<sname>\w+) \{(?P<sbody>.*?)\n\} (?P=sname);)"
        r"|(?P<alias>^typedef struct (?P<aorig>\w+) (?P<anew>\w+);)"
        r"|(?P<func>^(?P<fret>[a-z][\w ]*?\**)\s*\b(?P<fname>pier_\w+)\((?P<fargs>[^;]*?)\);)",
        re.S | re.M,
    )
    for m in token.finditer(text):
        if m.group("doc"):
            doc = doc_text(m.group("doc"))
            continue
        if m.group("define"):
            name, val = m.group("dname"), m.group("dval").strip()
            if name == "PIER_VERSION":
                h.version = val.strip('"')
            elif name.startswith("PIER_ERR_"):
                h.errors.append((name[len("PIER_ERR_"):], int(val), doc))
            elif re.fullmatch(r"PIER_\w+", name) and re.fullmatch(r"-?\d+", val):
                pm, em = PROP_DOC.match(doc), EVENT_DOC.match(doc)
                if "_PROP_" in name and pm:
                    flags = [f.strip() for f in pm.group(3).split(",")]
                    h.props.append(Prop(
                        comp=pm.group(1).lower(), name=pm.group(2), ident=int(val),
                        kind={"int": "int", "bool": "bool", "text": "text",
                              "binary": "binary"}[flags[0]],
                        per_conn="per connection" in flags,
                        by_position="by position" in flags,
                        read_only="read-only" in flags,
                        write_only="write-only" in flags,
                        doc=doc))
                elif "_EVENT_" in name and em:
                    h.events.append(Event(comp=em.group(1).lower(), name=em.group(2),
                                          ident=int(val), struct=em.group(3), doc=doc))
                elif not name.startswith("PIER_VERSION_"):
                    h.consts.append((name[len("PIER_"):], int(val), doc))
            doc = ""
        elif m.group("struct"):
            st = Struct(m.group("sname"), doc=doc)
            fdoc = ""
            for fm in re.finditer(r"(/\*\*.*?\*/)|^[ \t]*([A-Za-z][^;]*?)\s*\b(\w+);",
                                  m.group("sbody"), re.S | re.M):
                if fm.group(1):
                    fdoc = doc_text(fm.group(1))
                else:
                    ctype = " ".join(fm.group(2).split()).replace(" *", "*")
                    st.fields.append(Field(fm.group(3), ctype, fdoc))
                    fdoc = ""
            h.structs[st.name] = st
            doc = ""
        elif m.group("alias"):
            if m.group("aorig") in h.structs:  # else an opaque handle type
                h.aliases[m.group("anew")] = m.group("aorig")
            doc = ""
        elif m.group("func"):
            args = []
            raw = " ".join(m.group("fargs").split())
            if raw != "void":
                for a in raw.split(","):
                    am = re.fullmatch(r"(.*?)\s*(\w+)", a.strip())
                    args.append((am.group(1).replace(" *", "*").strip(), am.group(2)))
            h.funcs.append(Func(m.group("fname"), " ".join(m.group("fret").split()), args, doc))
            doc = ""
    return h


def method_name(suffix: str) -> str:
    """``changerecordlength`` → ``change_record_length`` (from METHOD_WORDS)."""
    words, rest = [], suffix
    while rest:
        for w in sorted(METHOD_WORDS, key=len, reverse=True):
            if rest.startswith(w):
                words.append(w)
                rest = rest[len(w):]
                break
        else:
            raise SystemExit(f"gen_bindings: cannot spell method do_{suffix}: "
                             "add its words to METHOD_WORDS")
    return "_".join(words)


def pydoc(text: str, indent: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines() or [""]
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""\n'
    body = "\n".join((indent + ln) if ln else "" for ln in lines)
    return f'{indent}"""{body.lstrip()}\n{indent}"""\n'


CTYPES = {
    "int": "ctypes.c_int", "bool": "ctypes.c_bool", "int64_t": "ctypes.c_int64",
    "const char*": "ctypes.c_char_p", "const uint8_t*": "ctypes.c_void_p",
    "const void*": "ctypes.c_void_p", "const int*": "ctypes.POINTER(ctypes.c_int)",
    "void*": "ctypes.c_void_p", "pier_callback": "CALLBACK", "int*": "ctypes.POINTER(ctypes.c_int)",
    "bool*": "ctypes.POINTER(ctypes.c_bool)",
}


def ctype_of(c: str) -> str:
    c = c.replace(" *", "*")
    if c.startswith("struct pier_"):
        return "ctypes.c_void_p"
    return CTYPES[c]


def conn_field_name(p: Prop) -> str:
    """A per-connection property's attribute on a Connection object."""
    name = p.name
    if name.startswith("Conn") and not name.startswith("Connect"):
        name = name[len("Conn"):]
    return snake(name)


def generate(h: Header) -> str:
    out: list[str] = []
    w = out.append
    w('"""Generated by python/gen_bindings.py from include/pier.h: do not edit.\n\n'
      "Regenerate with ``python3 python/gen_bindings.py`` whenever the header\n"
      'changes (the tests check that it is fresh)."""\n\n')
    w("# ruff: noqa\n# fmt: off\nfrom __future__ import annotations\n\n")
    w("import ctypes\nfrom typing import Sequence, Union\n\n")
    w("from ._base import CALLBACK, Component, Connection, Error, Event, _bytes_arg, _text_arg\n\n")
    w(f'HEADER_VERSION = "{h.version}"\n"""The version of the header this module was generated from."""\n\n')

    # -- errors ---------------------------------------------------------------
    w("# --- error codes (PIER_ERR_*) and their exception classes ----------------\n\n")
    for name, code, doc in h.errors:
        w(f"ERR_{name} = {code}\n")
        w(pydoc(doc, ""))
    w("\n")
    classes = []
    for name, code, doc in h.errors:
        cls = "".join(p.capitalize() for p in name.split("_")) + "Error"
        if hasattr(builtins, cls):  # IndexError, InterruptedError, ...: never shadow
            cls = "Pier" + cls
        classes.append((cls, code))
        w(f"\nclass {cls}(Error):\n")
        w(pydoc(f"Raised for error {code} (PIER_ERR_{name}): " +
                re.sub(r"^pier error \d+: ", "", doc), "    "))
        w(f"    code_value = {code}\n\n")
    w("\nERROR_CLASSES: dict[int, type[Error]] = {\n")
    for cls, code in classes:
        w(f"    {code}: {cls},\n")
    w("}\n\n")

    w("# --- other constants ----------------------------------------------------\n\n")
    for name, val, doc in h.consts:
        w(f"{name} = {val}\n")
        w(pydoc(doc, ""))
    w("\n")

    # -- functions --------------------------------------------------------------
    w("# --- every exported function: (name, restype, argtypes) -------------------\n\n")
    w("FUNCTIONS = [\n")
    for f in h.funcs:
        args = ", ".join(ctype_of(t) for t, _ in f.args)
        w(f'    ("{f.name}", {ctype_of(f.ret)}, [{args}]),\n')
    w("]\n\n")

    # -- event structs ------------------------------------------------------------
    w("# --- event parameter structs (pier_<component>_<event>_params), and a view\n"
      "# --- of each: its fields as typed attributes (one per struct, shared by the\n"
      "# --- events of every component that use it, e.g. the SSL events) -----------\n\n")
    done = set()
    for ev in h.events:
        st = h.struct_of(ev)
        if st.name not in done:
            done.add(st.name)
            emit_struct_view(w, st)
    w("\n")

    for comp, cls in COMPONENTS.items():
        props = [p for p in h.props if p.comp == comp]
        events = [e for e in h.events if e.comp == comp]
        funcs = [f for f in h.funcs if f.name.startswith(f"pier_{comp}_")]
        if not props:
            continue
        w(f"\n# === {cls} {'=' * (70 - len(cls))}\n\n")
        for p in props:
            w(f"{cls.upper()}_PROP_{p.name.upper()} = {p.ident}\n")
        for e in events:
            w(f"{cls.upper()}_EVENT_{e.name.upper()} = {e.ident}\n")
        w("\n")

        # events
        for e in events:
            st = h.struct_of(e)
            w(f"\nclass {cls}{e.name}Event(_{st.name}_view):\n")
            w(pydoc(f"{cls}'s {e.name} event: " + re.sub(r"^.*?\): ", "", e.doc, flags=re.S)
                    + "\n\nValid only while the handler runs (reading it later raises"
                    " RuntimeError).", "    "))
            w(f'    __slots__ = ()\n    name = "{e.name}"\n    event_id = {e.ident}\n')

        # connection class
        conn_props = [p for p in props if p.per_conn]
        count = next((p for p in props if p.name in ("ConnectionCount", "ConnCount")), None)
        position = next((p for p in props if p.by_position), None)
        w(f"\n\nclass {cls}Connection(Connection):\n")
        w(pydoc(f"One connection of a {cls}: its per-connection properties as attributes "
                "(``server.connections[connection_id].remote_host``).\n\n"
                "Reading a field of a connection that is gone raises the error the "
                "library gives (e.g. 126, invalid ConnectionId).", "    "))
        w("    __slots__ = ()\n")
        seen: set[str] = set()
        for p in conn_props:
            attr = conn_field_name(p)
            assert attr not in seen, attr
            seen.add(attr)
            emit_prop(w, cls, p, attr, per_conn=True)
        w("\n\n")

        # component
        w(f"class {cls}(Component):\n")
        w(pydoc(f"The {cls} component (docs/reference/{comp}.md).\n\n"
                "Properties are attributes in snake_case, per-connection ones live on "
                "``connections[connection_id]``; events are registered with "
                "``@server.on(\"EventName\")``; methods raise a pier.Error subclass "
                "on failure.", "    "))
        w(f'    _prefix = "pier_{comp}"\n')
        w(f"    _connection_class = {cls}Connection\n")
        w(f"    _count_prop = {count.ident if count else 0}\n")
        w(f"    _position_prop = {position.ident if position else 0}\n")
        w("    _events: dict[str, type[Event]] = {\n")
        for e in events:
            w(f'        "{e.name}": {cls}{e.name}Event,\n')
        w("    }\n")
        taken = set()
        for p in props:
            if p.per_conn or p.by_position:
                continue
            attr = snake(p.name)
            assert attr not in taken, attr
            taken.add(attr)
            emit_prop(w, cls, p, attr, per_conn=False)
        for f in funcs:
            suffix = f.name[len(f"pier_{comp}_"):]
            if suffix in COMMON_FUNCS or not suffix.startswith("do_"):
                continue
            mname = method_name(suffix[3:])
            assert mname not in taken, mname
            taken.add(mname)
            emit_method(w, f, mname)
        w("\n")
    return "".join(out)


def emit_struct_view(w, st: Struct) -> None:
    """The ctypes struct ``_<name>`` and its view ``_<name>_view``: a typed
    attribute per field (a pointer + ``_len`` pair is one ``bytes``), setters
    for the fields the header marks Writable."""
    fields = ", ".join(f'("{f.name}", {ctype_of(f.ctype)})' for f in st.fields)
    w(f"\nclass _{st.name}(ctypes.Structure):\n    _fields_ = [{fields}]\n\n")
    w(f"\nclass _{st.name}_view(Event):\n    __slots__ = ()\n    _struct = _{st.name}\n")
    names = {f.name for f in st.fields}
    shown = []
    for f in st.fields:
        if f.name.endswith("_len") and f.name[:-4] in names:
            continue
        paired = f"{f.name}_len" in names
        if paired:
            typ, getter = "bytes", f"self._blob('{f.name}')"
        elif f.ctype == "const char*":
            typ, getter = "str", f"self._str('{f.name}')"
        elif f.ctype == "bool":
            typ, getter = "bool", f"bool(self._s().{f.name})"
        else:
            typ, getter = "int", f"self._s().{f.name}"
        shown.append(f.name)
        w(f"\n    @property\n    def {f.name}(self) -> {typ}:\n")
        w(pydoc(f.doc or f"The event's {f.name} parameter.", "        "))
        w(f"        return {getter}\n")
        if f.doc.startswith("Writable"):
            w(f"\n    @{f.name}.setter\n")
            w(f"    def {f.name}(self, value: {'Union[bytes, str]' if typ == 'bytes' else typ}) -> None:\n")
            if paired:
                w(f"        self._set_blob('{f.name}', value)\n")
            elif typ == "str":
                w(f"        self._set_str('{f.name}', value)\n")
            else:
                w(f"        setattr(self._s(), '{f.name}', value)\n")
    w(f"\n    fields = {tuple(shown)!r}\n\n")


def emit_prop(w, cls: str, p: Prop, attr: str, per_conn: bool) -> None:
    typ = {"int": "int", "bool": "bool", "text": "str", "binary": "bytes"}[p.kind]
    idx = "self._id" if per_conn else "0"
    target = "self._server" if per_conn else "self"
    doc = re.sub(r"^.*?\): ", "", p.doc, flags=re.S)
    flags = re.match(r".*?\(([^)]*)\)", p.doc).group(1)
    doc = f"``{p.name}`` ({flags}): {doc}"
    w("\n    @property\n")
    w(f"    def {attr}(self) -> {typ}:\n")
    w(pydoc(doc, "        "))
    if p.write_only:
        w(f'        raise AttributeError("{p.name} is write-only")\n')
    else:
        w(f'        return {target}._get_{p.kind}({p.ident}, {idx})\n')
    if not p.read_only:
        arg = "Union[bytes, str]" if p.kind == "binary" else typ
        w(f"\n    @{attr}.setter\n    def {attr}(self, value: {arg}) -> None:\n")
        w(f"        {target}._set_{p.kind}({p.ident}, {idx}, value)\n")


def method_args(f: Func) -> tuple[list[tuple[str, str, str]], str | None]:
    """The arguments of a ``do_`` function after the handle, as the bindings
    see them: ``(kind, name, ctype)`` with kind ``bytes`` (a pointer + length
    pair), ``ints`` (an int array + count), ``str``, ``bool``, ``int64`` or
    ``int``; and the name of a trailing ``bool*``, the method's result
    (ValidateCert's ``valid``).  scripts/gen_cxx.py walks the same list."""
    args = f.args[1:]
    result = args[-1][1] if args and args[-1][0] == "bool*" else None
    if result:
        args = args[:-1]
    out, i = [], 0
    while i < len(args):
        ctype, name = args[i]
        paired = i + 1 < len(args) and args[i + 1][0] == "int"
        if ctype in ("const void*", "const uint8_t*") and paired:
            out.append(("bytes", name, ctype))
            i += 2
            continue
        if ctype == "const int*" and paired:
            out.append(("ints", name, ctype))
            i += 2
            continue
        kind = {"const char*": "str", "bool": "bool", "int64_t": "int64", "int": "int"}.get(ctype, "other")
        out.append((kind, name, ctype))
        i += 1
    return out, result


def emit_method(w, f: Func, mname: str) -> None:
    params, call = [], []
    args, result = method_args(f)
    for kind, name, _ in args:
        if kind == "bytes":
            params.append(f"{name}: Union[bytes, str]")
            call.append(f"*_bytes_arg({name})")
        elif kind == "ints":
            params.append(f"{name}: Sequence[int]")
            call.append(f"*self._int_array({name})")
        elif kind == "str":
            params.append(f"{name}: str")
            call.append(f"_text_arg({name})")
        elif kind == "bool":
            params.append(f"{name}: bool")
            call.append(f"bool({name})")
        else:
            params.append(f"{name}: int")
            call.append(name)
    sig = ", ".join(["self"] + params)
    w(f"\n    def {mname}({sig}) -> {'bool' if result else 'None'}:\n")
    w(pydoc(f"``{f.name}``: {f.doc}", "        "))
    if result:
        w(f"        {result} = ctypes.c_bool(False)\n")
        call.append(f"ctypes.byref({result})")
    w(f'        self._call("{f.name}"{"".join(", " + c for c in call)})\n')
    if result:
        w(f"        return {result}.value\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the module is stale")
    ap.add_argument("--header", type=Path, default=HEADER)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    a = ap.parse_args()
    text = generate(parse(a.header.read_text()))
    if a.check:
        if not a.output.exists() or a.output.read_text() != text:
            print(f"{a.output} is stale: run python3 python/gen_bindings.py", file=sys.stderr)
            return 1
        return 0
    a.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
