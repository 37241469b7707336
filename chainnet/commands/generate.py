"""``chainnet generate``: a synthetic cluster with the gaps asked for (none by default) and its ground truth."""

from __future__ import annotations

import json

import click

from .._output import check_output
from ..io import FORMATS, output_format, write_cluster
from ._common import FORCE_OPTION


def _generate_structures() -> tuple[str, ...]:
    from ..generate import STRUCTURES

    return STRUCTURES


def register(main: click.Group) -> None:
    """Add ``generate`` to the ``chainnet`` command group."""

    @main.command("generate")
    @click.option("--template", "templates", multiple=True, metavar="ID_OR_PATH",
                  help="Reference chain: a built-in id or a .toml file; repeat it for a cluster of several chains "
                       "(required, except with --batch where it limits the templates drawn from).")
    @click.option("--batch", "batch", type=click.IntRange(min=1), default=None, metavar="K",
                  help="Write K varied clusters (template, structure, size from --firms to --firms-max, gaps) as "
                       "folders OUTPUT/synthetic_0000 ... and their ground truth as OUTPUT/truth.json.")
    @click.option("--firms-max", "firms_max", type=click.IntRange(min=1), default=None,
                  help="With --batch: the largest cluster (default 5 × --firms).")
    @click.option("--firms", type=click.IntRange(min=1), default=200, show_default=True,
                  help="Firms (leader, backbone, SME), local and external; institutions and services come on top.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Random seed; the same seed gives the same cluster.")
    @click.option("-o", "--output", required=True, type=click.Path(), help="Output folder or file.")
    @click.option("--leaders", type=click.IntRange(min=0), default=3, show_default=True, help="Local leader firms.")
    @click.option("--backbone-share", type=click.FloatRange(0, 1), default=0.15, show_default=True,
                  help="Share of backbone firms among the local non-leader firms.")
    @click.option("--structure", type=click.Choice(_generate_structures()), default="hub_and_spoke", show_default=True,
                  help="Network structure (Markusen's typology of industrial districts).")
    @click.option("--missing", multiple=True, metavar="SEG", help="A segment no local firm holds (repeatable, or comma-separated).")
    @click.option("--broken", multiple=True, metavar="A->B", help="A flow left unlinked although both segments are held.")
    @click.option("--weak", multiple=True, metavar="SEG", help="A segment held by exactly one local firm.")
    @click.option("--external-share", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True,
                  help="Share of the firms outside the cluster boundary.")
    @click.option("--links-per-firm", type=click.FloatRange(min=0), default=5.0, show_default=True,
                  help="Links of all kinds per firm.")
    @click.option("--id", "cluster_id", default=None, help="Cluster id (default synthetic_<template>_<seed>).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                  help="Output format (default: from the suffix of OUTPUT, else folder).")
    @click.option("--validate", is_flag=True, help="Build the cluster through full validation (slower).")
    @FORCE_OPTION
    def generate_cmd(templates: tuple[str, ...], batch: int | None, firms_max: int | None, firms: int, seed: int, output: str, leaders: int, backbone_share: float,
                     structure: str, missing: tuple[str, ...], broken: tuple[str, ...], weak: tuple[str, ...],
                     external_share: float, links_per_firm: float, cluster_id: str | None, fmt: str | None,
                     validate: bool, force: bool) -> None:
        """Generate a synthetic cluster with the gaps you place (none by default), write it, print its ground truth.

        Gaps are made only where --missing, --weak or --broken ask for them: every other segment is
        held by two or more local firms and every other flow realised by two or more firm pairs, so
        `chainnet audit` on the output finds exactly the gaps given here, and none without them. The
        ground truth is printed as JSON. Progress goes to stderr for large clusters.

        \b
        Examples:
          chainnet generate --template copper --firms 500 --missing hvac --broken "scrap->rod" --weak tube -o synth
          chainnet generate --template steel --template petrochemical --structure state_anchored -o fused.xlsx
          chainnet generate --batch 300 --firms 1000 --firms-max 5000 -o clusters/
        """
        import time

        if batch is not None:
            _write_batch(batch, templates, firms=firms, firms_max=firms_max or 5 * firms, seed=seed, output=output,
                         force=force)
            return
        if not templates:
            raise click.UsageError("give --template (or --batch K for many varied clusters)")
        from ..generate import generate

        start = time.perf_counter()

        def progress(msg: str) -> None:
            click.echo(f"[{time.perf_counter() - start:6.1f}s] {msg}", err=True)

        def split(items: tuple[str, ...]) -> list[str]:
            return [x.strip() for item in items for x in item.split(",") if x.strip()]

        check_output(output, kind="folder" if output_format(output, fmt) == "folder" else "file", force=force)
        g = generate(list(templates), firms=firms, leaders=leaders, backbone_share=backbone_share, structure=structure,
                     missing=split(missing), broken=split(broken), weak=split(weak), external_share=external_share,
                     links_per_firm=links_per_firm, seed=seed, id=cluster_id, validate=validate,
                     progress=progress if firms >= 100_000 else None)
        out = write_cluster(g.cluster, output, to=fmt, overwrite=force)
        if firms >= 100_000:
            progress(f"wrote {out}")
        else:
            click.echo(f"wrote {out}", err=True)
        click.echo(json.dumps(g.truth, ensure_ascii=False, indent=2))


def _write_batch(k: int, templates: tuple[str, ...], *, firms: int, firms_max: int, seed: int, output: str,
                 force: bool) -> None:
    """K generated clusters as folders in ``output``, with every ground truth in ``output/truth.json``."""
    import sys
    from pathlib import Path

    from .._generate_batch import generate_batch
    from .._output import staged_output

    if firms_max < firms:
        raise click.BadParameter(f"{firms_max} is below --firms {firms}", param_hint="--firms-max")
    out = Path(output)
    with staged_output(out, kind="folder", force=force) as tmp:
        truths = []
        for i, g in enumerate(generate_batch(k, firms=(firms, firms_max), templates=list(templates) or None,
                                             seed=seed), 1):
            write_cluster(g.cluster, tmp / g.cluster.meta["id"], to="folder")
            truths.append({"id": g.cluster.meta["id"], **g.truth})
            if sys.stderr.isatty():
                click.echo(f"\r{i}/{k} clusters", err=True, nl=i == k)
        (tmp / "truth.json").write_text(json.dumps(truths, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    click.echo(f"wrote {k} clusters to {out}", err=True)
