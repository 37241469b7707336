"""Helpers shared by the command modules: loading a cluster, printing tables, JSON and CSV."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from .._errors import ChainnetError
from .._output import check_output, staged_output
from ..io import read_cluster
from ..model import Cluster

FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                             show_default=True, help="Output: an aligned table, JSON, or CSV.")


#: ``--force`` of every command that writes a file (the rules: docs/safety.md).
FORCE_OPTION = click.option("--force", is_flag=True,
                            help="Replace OUTPUT if it exists (a file, or a folder chainnet wrote; never a link).")


def check_figure_output(output: str | None, *, force: bool) -> None:
    """Refuse a figure path before any computation: unknown format, existing file, link, folder."""
    if output is None:
        return
    if Path(output).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise click.BadParameter(f"cannot tell the figure format of {output!r}; use a file name ending in .png, "
                                 ".svg or .pdf", param_hint="-o/--output")
    check_output(output, kind="file", force=force)
    folder = Path(output).parent
    if not folder.is_dir():
        raise ChainnetError(f"folder {str(folder)!r} does not exist; create it first")


def save_figure(fig: Any, output: str, *, force: bool, dpi: int = 200) -> str:
    """Save a figure to ``output`` through the output helper (written beside it, swapped in)."""
    from ..viz import save

    with staged_output(output, kind="file", force=force) as tmp:
        save(fig, tmp, dpi=dpi)
    return output


def load(path: str) -> Cluster:
    """A cluster from a folder, workbook, graph file or bundled dataset id."""
    return read_cluster(path)


def links_unknown_note(cluster: Cluster, *, lang: str = "en") -> str | None:
    """The line every command prints for a firm list without tie data (None when links are known)."""
    from .._i18n import t

    return None if cluster.links_known else t("links_unknown", lang)


def not_measured(cluster: Cluster, what: str, *, fmt: str, lang: str = "en") -> None:
    """Output of a command that needs tie data, for a cluster whose links are unknown: a plain note
    (or a JSON object saying so), never a table of zeros. The command then exits 0.

    ``what`` is a catalogue term (``structure``, ``position``, ``resilience``) or a plain label."""
    from .._messages import LINKS_UNKNOWN, LINKS_UNKNOWN_ZH, msg, t

    if fmt == "json":
        emit_json({"cluster": cluster.meta.get("id"), "links": "unknown", "reason": LINKS_UNKNOWN,
                   "reason_zh": LINKS_UNKNOWN_ZH})
        return
    name = cluster.meta.get("name_zh") if lang == "zh" and cluster.meta.get("name_zh") else cluster.name
    click.echo(msg("cmd.not_measured", lang, what=t(what, lang), name=name, id=cluster.id))


def cluster_argument(f: Callable) -> Callable:
    """The PATH argument every cluster command takes."""
    return click.argument("path", metavar="PATH")(f)


def width(s: str) -> int:
    """Terminal cells taken by ``s``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def format_table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """Aligned plain-text table; CJK text counts double width so columns line up in a terminal.

    >>> print(format_table(("a", "名称"), [("x", "铜"), ("yy", "b")]))
    a   名称
    --  ----
    x   铜
    yy  b
    """
    rows = [tuple("" if c is None else str(c) for c in r) for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths))] + [line(r) for r in rows])


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))


def emit_csv(df: pd.DataFrame) -> None:
    click.echo(df.to_csv(index=False), nl=False)


def split_many(first: tuple[str, ...], extra: tuple[str, ...], *, option: str) -> list[str]:
    """Values of a repeatable option that may also be written ``--opt a b c`` or ``--opt a,b,c``.

    click gives ``a`` to the option and ``b c`` to the command's trailing arguments (``extra``);
    those are only accepted when the option was given at all.

    >>> split_many(("a,b",), ("c",), option="--remove")
    ['a', 'b', 'c']
    """
    if extra and not first:
        raise click.UsageError(f"unexpected argument(s) {' '.join(extra)}; did you mean {option} {' '.join(extra)}?")
    return [x.strip() for item in (*first, *extra) for x in item.split(",") if x.strip()]
