"""Finding and loading libpier.

Looked for, in this order (the first that loads wins):

1. the file named by the ``PIER_LIBRARY`` environment variable;
2. a ``libpier.so*`` next to this package (what the wheel bundles:
   scripts/build_wheel.sh);
3. the dynamic loader's search path (``libpier.so.0``, then ``libpier.so``,
   then what ``ctypes.util.find_library("pier")`` finds) — an installed
   library (``cmake --install``) or ``LD_LIBRARY_PATH``.

Every function gets its ctypes signature from the table generated from the
header (``_generated.FUNCTIONS``), so no signature is written by hand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import Any, Optional

_lock = threading.Lock()
_loaded: Optional["_Library"] = None
_per_prefix: dict = {}


class _Library:
    """The loaded library: ``lib["pier_tcpserver_open"]`` is the function."""

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        from ._generated import FUNCTIONS

        self.path = path
        self.cdll = cdll
        self._funcs: dict = {}
        for name, restype, argtypes in FUNCTIONS:
            fn = getattr(cdll, name)
            fn.restype = restype
            fn.argtypes = argtypes
            self._funcs[name] = fn

    def __getitem__(self, name: str) -> Any:
        return self._funcs[name]


def candidates() -> list:
    """Where the library is looked for, in order."""
    found = []
    env = os.environ.get("PIER_LIBRARY")
    if env:
        found.append(env)
    here = Path(__file__).resolve().parent
    found.extend(str(p) for p in sorted(here.glob("libpier.so*")))
    found.extend(["libpier.so.0", "libpier.so"])
    util = ctypes.util.find_library("pier")
    if util:
        found.append(util)
    return found


def library() -> _Library:
    """The library, loaded once per process."""
    global _loaded
    with _lock:
        if _loaded is None:
            errors = []
            for path in candidates():
                try:
                    cdll = ctypes.CDLL(path)
                except OSError as exc:
                    errors.append(f"  {path}: {exc}")
                    continue
                _loaded = _Library(cdll, path)
                _check_version(_loaded)
                break
            else:
                raise ImportError("pier: libpier not found; set PIER_LIBRARY to its path, or "
                                  "install it (cmake --install). Tried:\n" + "\n".join(errors))
        return _loaded


def _check_version(lib: _Library) -> None:
    from ._generated import HEADER_VERSION

    have = lib["pier_version"]().decode()
    if have.split(".")[0] != HEADER_VERSION.split(".")[0]:
        raise ImportError(f"pier: {lib.path} is version {have}, this package was generated "
                          f"for {HEADER_VERSION} (the major versions differ: see README, ABI)")


def functions(prefix: str) -> dict:
    """``{"open": fn, "close": fn, ...}`` for one component's prefix."""
    with _lock:
        table = _per_prefix.get(prefix)
    if table is None:
        lib = library()
        table = {name[len(prefix) + 1:]: fn for name, fn in lib._funcs.items()
                 if name.startswith(prefix + "_")}
        with _lock:
            _per_prefix[prefix] = table
    return table


def strerror(code: int) -> str:
    """The library's text for any error code."""
    return library()["pier_strerror"](code).decode("utf-8", "replace")


def version() -> str:
    """The loaded library's version (``pier_version()``)."""
    return library()["pier_version"]().decode()
