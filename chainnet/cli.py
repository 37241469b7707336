"""The ``chainnet`` command line: a thin layer over the library.

Exit codes: 0 ok, 1 bad data (with every problem listed), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

import click

import chainnet.datasets as _datasets

from ._errors import ChainnetError, DataWarning
from ._output import check_output
from ._version import __version__
from .commands._common import FORCE_OPTION, cluster_argument, format_table, load
from .io import FORMATS, write_cluster
from .template import builtin_templates, load_template

CLUSTER_HELP = "PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or a bundled dataset id."


#: Warnings meant for developers, not for someone running a command (Python hides them by default too).
_DEVELOPER_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning, ResourceWarning)
#: Distinct warnings printed per run; any further ones are counted, not listed.
MAX_WARNINGS_SHOWN = 20


class _WarningSink:
    """Collects the warnings of one command, each distinct message once, to print when it ends.

    Installed as ``warnings.showwarning`` inside ``catch_warnings``: it only stores, never
    re-emits, so printing can neither recurse nor loop, and memory stays bounded by the
    number of distinct messages.
    """

    def __init__(self) -> None:
        self.seen: dict[tuple[type, str], None] = {}
        self.dropped = 0

    def __call__(self, message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
        if issubclass(category, _DEVELOPER_WARNINGS) or _ignorable(str(message), filename):
            return
        key = (category, str(message))
        if key in self.seen or len(self.seen) < MAX_WARNINGS_SHOWN:
            self.seen[key] = None
        else:
            self.dropped += 1

    def lines(self) -> list[str]:
        out = []
        for category, text in self.seen:
            kind = "" if issubclass(category, DataWarning) or category is UserWarning else f"{category.__name__}: "
            out.append(f"warning: {kind}{text}")
        if self.dropped:
            out.append(f"warning: ... and {self.dropped:,} more warnings")
        return out


def _ignorable(text: str, filename: str) -> bool:
    """openpyxl's notes on workbook features chainnet does not read (drop-down lists, formatting).

    chainnet reads cell values only and never writes the user's workbook back, so "... is not
    supported and will be removed" changes nothing for the user.
    """
    return "openpyxl" in filename and ("not supported and will be removed" in text
                                       or "conditional formatting" in text or "DrawingML" in text)


class _Group(click.Group):
    """Turns library errors into a readable message and exit code 1, never a traceback.

    Warnings raised while a command runs are printed once each on standard error as
    ``warning: ...`` when it ends.
    """

    def invoke(self, ctx: click.Context) -> Any:
        sink = _WarningSink()
        try:
            try:
                with warnings.catch_warnings():
                    # library warnings (a missing glyph, an unsupported workbook feature, numpy) are
                    # collected, not raised, even where an outer filter turns warnings into errors
                    warnings.filterwarnings("default", category=UserWarning)
                    warnings.filterwarnings("default", category=RuntimeWarning)
                    warnings.simplefilter("always", DataWarning)
                    warnings.showwarning = sink
                    return super().invoke(ctx)
            finally:
                for line in sink.lines():
                    click.echo(line, err=True)
        except ChainnetError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:  # the machine said no (permission, full disk): a message, not a traceback
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="chainnet")
def main() -> None:
    """chainnet: industrial clusters as networks of firms.

    Audit a cluster against its reference industry chain (chain completeness, gaps to fill,
    extend, connect and strengthen) and measure how central its leader firms are.

    \b
    Examples:
      chainnet datasets
      chainnet validate demo_copper
      chainnet export demo_copper --to xlsx -o demo.xlsx
    """


@main.command()
@cluster_argument
def validate(path: str) -> None:
    """Check a cluster against the data contract and print a one-line summary.

    Every problem is listed at once with its file, row and column; the exit code is 1 when
    there is any. PATH is a cluster folder, an .xlsx workbook, a .graphml/.gexf/.json file or
    a bundled dataset id.

    \b
    Example:
      chainnet validate datasets/demo_copper
    """
    c = load(path)
    s = c.summary()
    tpl = ", ".join(f"{t.id} ({len(t.segments)} segments)" for t in c.templates)
    click.echo(f"ok: {s['id']}: {s['firms']:,} firms ({s['local_firms']:,} local, {s['external_firms']:,} external), "
               f"{s['links']:,} links, {s['segments']} template segments [{tpl}]"
               + ("" if c.links_known else "; links unknown: link figures not measured"))


@main.command()
@cluster_argument
@click.option("--to", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(), help="Output file or folder.")
@FORCE_OPTION
def export(path: str, fmt: str, output: str, force: bool) -> None:
    """Write a cluster as a folder (CSV + TOML), an Excel workbook, GraphML, GEXF or node-link JSON.

    \b
    Example:
      chainnet export demo_copper --to gexf -o demo.gexf     # open in Gephi
    """
    check_output(output, kind="folder" if fmt == "folder" else "file", force=force)
    c = load(path)
    out = write_cluster(c, output, to=fmt, overwrite=force)
    click.echo(f"wrote {out}", err=True)


@main.group(invoke_without_command=True)
@click.pass_context
def templates(ctx: click.Context) -> None:
    """List the built-in reference chains; `templates show ID` prints one.

    \b
    Example:
      chainnet templates show copper
    """
    if ctx.invoked_subcommand is None:
        rows = []
        for tid in builtin_templates():
            t = load_template(tid)
            rows.append((t.id, str(len(t.segments)), str(len(t.flows)), t.name, t.name_zh or ""))
        click.echo(format_table(("id", "segments", "flows", "name", "name_zh"), rows))


@templates.command("show")
@click.argument("template_id", metavar="ID_OR_PATH")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "toml"]), default="table", show_default=True)
def templates_show(template_id: str, fmt: str) -> None:
    """Show one template's segments (upstream to downstream) and flows."""
    t = load_template(template_id)
    if fmt == "toml":
        click.echo(t.to_toml())
        return
    if fmt == "json":
        click.echo(json.dumps(t.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{t.id}: {t.name}" + (f" / {t.name_zh}" if t.name_zh else ""))
    seg = t.segments.set_index("id")
    rows = [(s, seg.at[s, "stage"], f"{seg.at[s, 'weight']:g}", seg.at[s, "name"], seg.at[s, "name_zh"] or "")
            for s in t.order]
    click.echo(format_table(("segment", "stage", "weight", "name", "name_zh"), rows))
    click.echo("")
    flows = t.flows.rename(columns={"from": "a", "to": "b", "weight": "w"})
    click.echo(format_table(("from", "to", "weight"), [(f.a, f.b, f"{f.w:g}") for f in flows.itertuples()]))


@main.command("datasets")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def datasets_cmd(fmt: str) -> None:
    """List the bundled datasets (use their id wherever a command takes PATH)."""
    rows = _datasets.info()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(format_table(("id", "firms", "links", "templates", "year", "name"),
                            [(r["id"], str(r["firms"]), str(r["links"]), "+".join(r["templates"]),
                              str(r["year"] or ""), r["name"]) for r in rows]))


def _register_command_modules() -> None:
    """Add the commands of every module in :mod:`chainnet.commands` (each has ``register(main)``)."""
    import importlib
    import pkgutil

    from . import commands

    for mod in sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")):
        importlib.import_module(f"chainnet.commands.{mod}").register(main)


_register_command_modules()


def run() -> None:  # pragma: no cover - console entry point
    main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
