"""Writing outputs safely: one helper for every file and folder chainnet writes.

The rules (documented in ``docs/safety.md``):

* the target is checked before any computation (:func:`check_output`), and again just before
  it is replaced;
* the output is written into a hidden temporary sibling (``.chainnet-tmp-...``) and swapped in
  by rename: a file by one atomic ``os.replace``; a folder by renaming the old one aside
  (``.chainnet-old-...``), renaming the new one in, then deleting the old one;
* a folder is replaced only when it is empty or chainnet wrote it (it holds the marker file
  :data:`MARKER`), and only with ``force``; a file only with ``force``;
* ``.``, ``..``, the working folder and its ancestors, the home folder and ``/`` are never
  targets; a symbolic link is never written through; a file where a folder is expected (or
  the other way round) is an error;
* leftovers of interrupted runs beside the target are finished or removed first: a complete
  new output whose target is missing is moved in, an old output set aside is put back when
  its target is missing and deleted otherwise, anything else is deleted. Leftovers of a run
  that is still going (its process id is alive) are left alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from ._errors import ChainnetError

#: File inside every folder chainnet writes; only such folders (or empty ones) are replaced.
MARKER = ".chainnet-output"
MARKER_TEXT = "This folder was written by chainnet; chainnet may replace it (--force).\n"
_TMP = ".chainnet-tmp-"
_OLD = ".chainnet-old-"
#: Longest target name carried in a temporary name (file names are limited to 255 bytes).
_NAME_MAX = 200
KINDS = ("file", "folder")


def check_output(path: str | os.PathLike, *, kind: str, force: bool = False) -> Path:
    """Check that ``path`` may receive an output of ``kind`` (``"file"`` or ``"folder"``).

    Called before any computation, so a wrong ``-o`` costs nothing. Leftovers of interrupted
    earlier runs beside ``path`` are finished or removed first (see the module docstring).

    Parameters
    ----------
    path : the output file or folder
    kind : ``"file"`` or ``"folder"``
    force : allow replacing an existing file, or a non-empty folder chainnet wrote

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    ChainnetError
        With a message saying what is wrong and what to do.
    """
    target = Path(path)
    _clean_stale(_parent(target))
    _check(target, kind=kind, force=force)
    return target


@contextlib.contextmanager
def staged_output(path: str | os.PathLike, *, kind: str, force: bool = False) -> Iterator[Path]:
    """Write an output beside its target and swap it in only when the ``with`` block succeeds.

    Yields the temporary path to write into: for a ``"folder"`` an existing empty folder, for a
    ``"file"`` a path that does not exist yet and has the target's suffix (writers that pick
    the format from the suffix keep working). On error nothing is left behind and the old
    output is untouched.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with staged_output(Path(d) / "a.txt", kind="file") as tmp:
    ...         _ = tmp.write_text("new")
    ...     sorted(p.name for p in Path(d).iterdir())
    ['a.txt']
    """
    target = check_output(path, kind=kind, force=force)
    parent = _parent(target)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / _temp_name(_TMP, target.name, target.suffix if kind == "file" else "")
    if kind == "folder":
        tmp.mkdir()
    try:
        yield tmp
        if kind == "folder":
            (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        elif not os.path.lexists(tmp):
            raise ChainnetError(f"nothing was written for {target}")
        _check(target, kind=kind, force=force)  # it may have changed while we computed
        if kind == "folder":
            _swap_folder(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        _remove(tmp)


def _check(target: Path, *, kind: str, force: bool) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    what = "folder" if kind == "folder" else "file"
    _refuse_special(target)
    if os.path.islink(target):
        raise ChainnetError(f"{target} is a symbolic link; chainnet does not write through links: give the "
                            f"real path or a new {what} name")
    above = _parent(target)
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise ChainnetError(f"cannot write {target}: {above} is a file, not a folder")
    if not os.path.lexists(target):
        return
    if kind == "folder":
        if not target.is_dir():
            raise ChainnetError(f"{target} is a file, not a folder; give a folder name for the output")
        with os.scandir(target) as entries:
            empty = next(entries, None) is None
        if empty:
            return
        if not _has_marker(target):
            raise ChainnetError(f"{target} is not empty and was not written by chainnet (it has no {MARKER} "
                                "file); chainnet replaces only folders it wrote, or empty ones, even with --force: "
                                "choose a new folder, or empty this one yourself")
        if not force:
            raise ChainnetError(f"{target} already exists and is not empty; choose a new folder or pass --force "
                                "to replace it")
        return
    if target.is_dir():
        raise ChainnetError(f"{target} is a folder, not a file; give a file name for the output")
    if not target.is_file():
        raise ChainnetError(f"{target} is not a regular file (a device or a pipe); choose another file name")
    if not force:
        raise ChainnetError(f"{target} already exists; choose another file name or pass --force to replace it")


def _refuse_special(target: Path) -> None:
    real = Path(os.path.realpath(target))
    cwd = Path(os.path.realpath(os.getcwd()))
    why = None
    if real == Path(real.anchor):
        why = "the root folder"
    elif real == _home():
        why = "your home folder"
    elif real == cwd:
        why = "the working folder"
    elif real in cwd.parents:
        why = "a folder that contains the working folder"
    if why:
        raise ChainnetError(f"{target} is {why}; chainnet never writes an output over it: give a new folder "
                            "name, e.g. -o report")


def _home() -> Path | None:
    try:
        return Path(os.path.realpath(Path.home()))
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return None


def _parent(target: Path) -> Path:
    return Path(os.path.abspath(target)).parent


def _has_marker(folder: Path) -> bool:
    m = folder / MARKER
    return os.path.isfile(m) and not os.path.islink(m)


def _temp_name(prefix: str, name: str, suffix: str = "") -> str:
    carried = name if len(name.encode("utf-8")) <= _NAME_MAX else ""
    return f"{prefix}{os.getpid()}-{secrets.token_hex(4)}-{carried}" + ("" if carried else suffix)


def _swap_folder(tmp: Path, target: Path) -> None:
    aside = None
    if os.path.lexists(target):
        aside = target.parent / _temp_name(_OLD, target.name)
        os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except OSError:
        if aside is not None:
            os.rename(aside, target)
        raise
    if aside is not None:
        _remove(aside)


def _remove(path: Path) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with contextlib.suppress(OSError):
            os.unlink(path)


def _parse_temp(name: str) -> tuple[str, int, str] | None:
    """(prefix, pid, target name or '') of a temporary name chainnet made, else None."""
    for prefix in (_TMP, _OLD):
        if name.startswith(prefix):
            parts = name[len(prefix):].split("-", 2)
            if len(parts) == 3 and parts[0].isdigit() and len(parts[1]) == 8:
                return prefix, int(parts[0]), parts[2]
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission to signal it, or a platform without signals: assume it runs
        return True
    return True


def _clean_stale(parent: Path) -> None:
    """Finish or remove what interrupted runs left in ``parent`` (see the module docstring)."""
    try:
        entries = sorted(os.scandir(parent), key=lambda e: e.name)
    except OSError:
        return
    stale = [(e, p) for e in entries if (p := _parse_temp(e.name)) is not None and not _alive(p[1])]
    # new outputs first: a complete one whose target is missing was killed just before its swap
    for entry, (prefix, _, name) in sorted(stale, key=lambda s: s[1][0] != _TMP):
        path = Path(entry.path)
        target = parent / name if name else None
        missing = target is not None and not os.path.lexists(target)
        if missing and (prefix == _OLD or _has_marker(path)):
            os.rename(path, target)  # finish the swap, or put the old output back
        elif prefix == _OLD and target is None:
            continue  # an old output whose name we cannot tell: never delete it
        else:
            _remove(path)
