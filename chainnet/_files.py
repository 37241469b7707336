"""Reading small structured files safely: regular files of bounded size, TOML and JSON parsed
without tracebacks, template paths kept inside the folder of the data that names them.

A path named inside a data file (``template = "..."`` in cluster.toml, a workbook's meta
sheet, a graph's attributes) may only point into the folder tree of that file: a shared
cluster folder must not make chainnet read ``/etc/passwd``, ``/dev/zero`` or a FIFO. A path
a user gives on the command line or in Python is trusted.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from ._errors import Problem, ValidationError

#: the largest TOML file (cluster.toml, a template) read, in bytes
MAX_TOML_BYTES = 8 * 2**20
#: the largest nesting of arrays/tables accepted in TOML and JSON metadata
MAX_DEPTH = 64


def _error(label: str, message: str) -> ValidationError:
    return ValidationError([Problem(label, message)], subject=label)


def read_bounded(path: Path, *, label: str, limit: int | None = MAX_TOML_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (None: any size); anything else is a clear error.

    The file is opened without blocking, so a FIFO never hangs, and its type is checked on
    the open descriptor, so a directory, a device (``/dev/zero``) or a socket is refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _error(label, f"file not found: {path}") from None
    except IsADirectoryError:
        raise _error(label, "is a folder, not a file") from None
    except OSError as exc:
        raise _error(label, f"cannot open the file ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _error(label, "is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise _error(label, "is not a regular file (a device, pipe or socket); give a file")
        if limit is not None and st.st_size > limit:
            raise _error(label, f"is {st.st_size:,} bytes; files of this kind are at most {limit:,} bytes")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:
        raise _error(label, f"is larger than {limit:,} bytes; files of this kind are at most {limit:,} bytes")
    return data


def parse_toml(text: str, *, label: str) -> dict[str, Any]:
    """TOML text as a mapping; syntax errors, deep nesting and NUL characters become a ValidationError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _error(label, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise _error(label, f"not valid TOML: nested more than {MAX_DEPTH} levels deep") from None
    if _depth(data) > MAX_DEPTH:
        raise _error(label, f"not valid TOML: nested more than {MAX_DEPTH} levels deep")
    return data


def parse_json(text: str | bytes, *, label: str) -> Any:
    """JSON text as Python values; syntax errors and deep nesting become a ValidationError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(label, f"not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise _error(label, "not valid JSON: the file is not UTF-8 text") from None
    except RecursionError:
        raise _error(label, f"not valid JSON: nested more than {MAX_DEPTH} levels deep") from None
    if _depth(data) > MAX_DEPTH:
        raise _error(label, f"not valid JSON: nested more than {MAX_DEPTH} levels deep")
    return data


def _depth(value: Any) -> int:
    """Nesting depth of lists and dicts, iteratively (a recursive walk is what breaks)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((x, d + 1) for x in v if isinstance(x, (list, dict)))
    return deepest


def inside(path: Path, base: Path) -> Path | None:
    """``path`` (relative to ``base``) resolved, if it lies in ``base``'s folder tree, else None.

    Symbolic links are followed before the check, so a link cannot lead out of the tree.
    """
    try:
        root = base.resolve()
        full = (base / path).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return full if full == root or root in full.parents else None
