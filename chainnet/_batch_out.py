"""Writing a batch's output folder: the tables, summary.xlsx, summary.md, swapped in by rename.

Self-contained and minimal on purpose: a shared output helper (``chainnet/_output.py``) is being
written elsewhere; :func:`check_target` and :func:`_swap_in` are the two places to switch to it.
The folder is written complete beside ``out`` (``.out.tmp-*``) and renamed into place, so a crash
never leaves half a batch. A marker file (``.chainnet-batch``) says chainnet wrote the folder;
a non-empty folder without it is never replaced unless forced, and then moved aside, not deleted.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from ._batch_task import ERROR_COLUMNS, GAP_COLUMNS, SEGMENT_COLUMNS
from ._errors import ChainnetError
from ._version import __version__

MARKER = ".chainnet-batch"
FILES = ("clusters.parquet", "segments.parquet", "gaps.parquet", "errors.csv", "summary.xlsx", "summary.md")


def check_target(out: Path, *, resume: bool, force: bool) -> None:
    """Refuse an ``out`` that is a file, or a non-empty folder when neither resume nor force allows it."""
    if out.exists() and not out.is_dir():
        raise ChainnetError(f"{out} is a file; give a folder for the batch output")
    if not out.is_dir() or not any(out.iterdir()) or force:
        return
    ours = (out / MARKER).is_file()
    if not ours:
        raise ChainnetError(f"{out} is not empty and was not written by chainnet batch; choose another folder, "
                            "or use --force to replace it (its files are moved aside, not deleted)")
    if not resume:
        raise ChainnetError(f"{out} holds an earlier batch; use --resume to continue it (unchanged clusters are "
                            "skipped) or --force to start again")


def read_previous(out: Path) -> dict[str, pd.DataFrame] | None:
    """The tables of an earlier batch in ``out``, or None when there is none."""
    if not (out / MARKER).is_file() or not (out / "clusters.parquet").is_file():
        return None
    try:
        return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("clusters", "segments", "gaps")}
    except (OSError, ValueError) as exc:
        raise ChainnetError(f"{out}: cannot read the earlier batch to resume it ({exc}); use --force to start "
                            "again") from None


def write_all(out: Path, tables: dict[str, pd.DataFrame], *, lang: str, analyses: tuple[str, ...], resume: bool,
              force: bool) -> Path:
    """Write every output file into a temporary folder beside ``out``, then swap it in."""
    from ._batch_summary import summary_markdown, write_xlsx

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        tables["clusters"].to_parquet(tmp / "clusters.parquet", index=False)
        _typed(tables["segments"], SEGMENT_COLUMNS).to_parquet(tmp / "segments.parquet", index=False)
        _typed(tables["gaps"], GAP_COLUMNS).to_parquet(tmp / "gaps.parquet", index=False)
        tables["errors"].reindex(columns=list(ERROR_COLUMNS)).to_csv(tmp / "errors.csv", index=False,
                                                                    encoding="utf-8")
        write_xlsx(tmp / "summary.xlsx", tables, lang=lang)
        (tmp / "summary.md").write_text(summary_markdown(tables, lang=lang, analyses=analyses), encoding="utf-8")
        (tmp / MARKER).write_text(json.dumps({"chainnet": __version__, "analyses": list(analyses),
                                              "files": list(FILES)}, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, out, foreign_ok=force or resume)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _typed(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    """Columns in contract order; an all-empty text column stays a string column in parquet."""
    return df.reindex(columns=list(cols))


def _swap_in(tmp: Path, out: Path, *, foreign_ok: bool) -> None:
    """Rename ``tmp`` to ``out``. An earlier batch there is removed once the new one is in place; a
    folder chainnet did not write is kept under a new name (only reached with force)."""
    if not out.exists():
        tmp.rename(out)
        return
    ours = (out / MARKER).is_file() or not any(out.iterdir())
    if not ours and not foreign_ok:  # pragma: no cover - check_target refused it before any work
        raise ChainnetError(f"{out} is not empty and was not written by chainnet batch")
    aside = out.with_name(f"{out.name}.replaced-{time.strftime('%Y%m%d-%H%M%S')}" if not ours else
                          f".{out.name}.old-{tmp.name.rsplit('-', 1)[-1]}")
    out.rename(aside)
    tmp.rename(out)
    if ours:
        shutil.rmtree(aside, ignore_errors=True)
    else:
        import warnings

        from ._errors import DataWarning

        warnings.warn(f"the files that were in {out} are now in {aside}", DataWarning, stacklevel=3)
