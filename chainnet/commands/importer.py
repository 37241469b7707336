"""``chainnet import``: a registry firm list (企业名录) to a cluster folder plus review.xlsx."""

from __future__ import annotations

import click

from ._common import split_many


def register(main: click.Group) -> None:
    """Add ``import`` to the ``chainnet`` command group."""

    @main.command("import", context_settings={"ignore_unknown_options": False})
    @click.argument("file", metavar="FILE", required=False, type=click.Path(dir_okay=False))
    @click.argument("extra", nargs=-1, metavar="")
    @click.option("--template", required=True, metavar="ID_OR_PATH", help="Chain the firms are placed in: a built-in id or a .toml file.")
    @click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Output cluster folder.")
    @click.option("--sheet", default=None, help="Sheet of an .xlsx file (default: the first).")
    @click.option("--region", default=None, metavar="TEXT",
                  help="The cluster's area (e.g. 铜陵); firms whose region/address lack it are external. Several: 'A,B'.")
    @click.option("--leaders", multiple=True, metavar="NAME_OR_CODE",
                  help="Leader firms by name or credit code (--leaders A B, or repeat); leaders are never guessed.")
    @click.option("--backbone-revenue", type=click.FloatRange(min=0), default=0.2, show_default=True,
                  help="Revenue (亿元) from which a firm is backbone; 0.2 = 2000万元, the 规上 threshold.")
    @click.option("--backbone-employees", type=click.IntRange(min=0), default=300, show_default=True,
                  help="Employees from which a firm is backbone when its revenue is unknown.")
    @click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
                  help="Override column recognition, e.g. --map '营收(万元)=revenue' (repeatable).")
    @click.option("--links", default=None, type=click.Path(dir_okay=False),
                  help="Ties (CSV/XLSX with source, target as names, credit codes or ids) to write as links.csv.")
    @click.option("--review", default=None, type=click.Path(dir_okay=False),
                  help="An edited review.xlsx: its manual segments and roles win.")
    @click.option("--id", "cluster_id", default=None, help="Cluster id (default: from the file name).")
    @click.option("--name", default=None, help="Cluster name (default: the file name).")
    @click.option("--year", type=int, default=None, help="Snapshot year of the list.")
    @click.option("--evidence", type=click.Choice(["reported", "modeled"]), default="reported", show_default=True,
                  help="reported: the registry states the firms; modeled: fictional or constructed firms.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of the notes in review.xlsx and of the summary.")
    @click.option("--force", is_flag=True, help="Replace OUTPUT if it holds an earlier import (hand edits there win).")
    @click.option("--example", is_flag=True,
                  help="Import the registry export shipped with chainnet (fictional copper firms, GBK CSV; evidence "
                       "modeled) instead of FILE; its path is printed.")
    def import_cmd(file: str, extra: tuple[str, ...], template: str, output: str, sheet: str | None,
                   region: str | None, leaders: tuple[str, ...], backbone_revenue: float, backbone_employees: int,
                   maps: tuple[str, ...], links: str | None, review: str | None, cluster_id: str | None,
                   name: str | None, year: int | None, evidence: str, lang: str, force: bool, example: bool) -> None:
        """Import a registry firm list (CSV or XLSX) as a cluster: segments by code and product words.

        Writes OUTPUT/cluster.toml, firms.csv (with basis, industry_code, credit_code), links.csv
        and review.xlsx (every decision and why, the unplaced firms, the template's codes and
        words). Edit segments/role in review.xlsx and re-run with --review, or in firms.csv and
        re-run with --force: manual choices win, as do filled cells of a segments (环节) or role
        (角色) column in FILE. Then run `chainnet analyze OUTPUT`.

        \b
        Examples:
          chainnet import 名录.xlsx --template copper --region 铜陵 --leaders 某某铜业集团 -o tongling
          chainnet import firms.csv --template li_battery --map '营收(万元)=revenue' -o out --force
          chainnet import --example --template copper --region 青禾 -o qinghe
        """
        from pathlib import Path

        from ..importer import example_export, import_firms

        if example:
            if file is not None and not leaders:
                raise click.UsageError(f"give FILE or --example, not both (got FILE {file!r})")
            extra = (file, *extra) if file is not None else extra  # `--leaders A B --example`: B is a leader
            file = str(example_export())
            evidence = "modeled"  # its firms are fictional
            click.echo(f"example registry export: {file}", err=True)
        elif file is None:
            raise click.UsageError("Missing argument 'FILE' (or use --example for the shipped example export).")
        lead = split_many(leaders, extra, option="--leaders")
        out = Path(output)
        previous = out if force and out.is_dir() and (out / "review.xlsx").exists() else None
        result = import_firms(file, template=template, sheet=sheet, region=region, leaders=lead,
                              backbone_revenue=backbone_revenue, backbone_employees=backbone_employees,
                              column_map=list(maps), id=cluster_id, name=name, year=year, links=links,
                              review=review, previous=previous, evidence=evidence, lang=lang)
        result.write(out, force=force)
        f = result.figures
        if lang == "zh":
            click.echo(f"已写入 {out}：输入 {f['input_firms']} 家，入链 {f['firms']} 家，未归入环节 {f['unplaced']} 家，"
                       f"人工指定 {f['manual']} 家；请查看 {out / 'review.xlsx'}", err=True)
        else:
            click.echo(f"wrote {out}: {f['input_firms']} input firms, {f['firms']} in the cluster, {f['unplaced']} "
                       f"unplaced, {f['manual']} set by hand; check {out / 'review.xlsx'}", err=True)
