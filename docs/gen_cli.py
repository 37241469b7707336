"""Write docs/cli.md from the commands' own help, so the reference never drifts from the code.

Run ``python docs/gen_cli.py`` after changing a command; tests/test_docs.py fails when the file
is out of date.
"""

from __future__ import annotations

from pathlib import Path

import click

from chainnet.cli import main

INTRO = """# Command-line reference

Generated from the commands' `--help` by `docs/gen_cli.py`; do not edit by hand.

Every command that takes a cluster `PATH` accepts a cluster folder, an `.xlsx` workbook, a
`.graphml`/`.gexf`/`.json` file written by chainnet, or a bundled dataset id (`chainnet datasets`).
Results go to standard output, progress and warnings to standard error.

Exit codes: **0** success; **1** a data problem (every problem listed with file, row and column)
or a library error; **2** a usage error (unknown option, bad value, missing argument).

Analysis commands take `--format table|json|csv`: an aligned table for people (Chinese text lines
up), JSON with stable keys for scripts, CSV for spreadsheets.
"""


def _walk(group: click.Group, ctx: click.Context, prefix: str) -> list[tuple[str, click.Command, click.Context]]:
    out = []
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        sub = click.Context(cmd, info_name=name, parent=ctx)
        out.append((f"{prefix} {name}", cmd, sub))
        if isinstance(cmd, click.Group):
            out += _walk(cmd, sub, f"{prefix} {name}")
    return out


def render() -> str:
    settings = {**main.context_settings, "terminal_width": 100, "max_content_width": 100}
    root = click.Context(main, info_name="chainnet", **settings)
    parts = [INTRO, "## chainnet\n", "```text", main.get_help(root), "```\n"]
    for name, cmd, ctx in _walk(main, root, "chainnet"):
        ctx.terminal_width = ctx.max_content_width = 100
        parts += [f"## {name}\n", "```text", cmd.get_help(ctx), "```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).with_name("cli.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
