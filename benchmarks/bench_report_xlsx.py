"""Time ``report.xlsx`` for a large generated cluster: the workbook as written, and without its row cap.

The cluster is ``chainnet generate --template copper --firms N --seed 1`` (generated into
``--folder`` when it is not there yet). Every analysis of the report runs once (``compute``,
no figures, no random networks); then the workbook is written twice: with the default cap of
10,000 rows per sheet (what ``chainnet analyze`` writes) and with no cap (every firm in every
per-firm sheet). Wall and CPU seconds, cells written (rows x columns, notes and contents included)
and file size are printed.

Usage::

    python benchmarks/bench_report_xlsx.py                     # 100,000 firms
    python benchmarks/bench_report_xlsx.py --firms 20000 --no-uncapped
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

import chainnet
from chainnet.generate import generate
from chainnet.report.compute import compute
from chainnet.report.render_xlsx import write_workbook
from chainnet.report.workbook import ROW_CAP


def cells(path: Path) -> int:
    """Cells of a workbook: rows x columns of every sheet as a reader sees them."""
    wb = openpyxl.load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()  # a streamed sheet carries no size: count its rows
        n += sum(len(row) for row in ws.iter_rows(values_only=True))
    wb.close()
    return n


def timed(result: object, path: Path, cap: int) -> str:
    t0, c0 = time.perf_counter(), time.process_time()
    write_workbook(result, path, cap=cap)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return (f"cap {cap:,}: wall {wall:.1f} s, CPU {cpu:.1f} s, {cells(path):,} cells, "
            f"{path.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "chainnet_bench_report_xlsx")
    ap.add_argument("--no-uncapped", action="store_true", help="only the workbook as analyze writes it")
    args = ap.parse_args()
    folder = args.folder / f"copper_{args.firms}"
    if not (folder / "cluster.toml").exists():
        chainnet.write_cluster(generate("copper", firms=args.firms, seed=1).cluster, folder)
    cluster = chainnet.read_cluster(folder)
    t0 = time.perf_counter()
    result = compute(cluster, lang="en", null_models=0, seed=1)
    print(f"{args.firms:,} firms: analyses {time.perf_counter() - t0:.1f} s (not part of the workbook)")
    with tempfile.TemporaryDirectory() as tmp:
        print(timed(result, Path(tmp) / "capped.xlsx", ROW_CAP))
        if not args.no_uncapped:
            print(timed(result, Path(tmp) / "uncapped.xlsx", 10**9))


if __name__ == "__main__":
    main()
