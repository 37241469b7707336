"""Benchmark ``chainnet import``: placement accuracy on the labelled set, and speed on 1,000,000 rows.

1. Precision and recall of segment placement per template on the hand-labelled set
   (tests/data/import_labelled/, written independently of the importer), counted over
   (firm, segment) pairs, plus the example registry export against its answer key
   (datasets/registry_examples/: segments, institution/service roles, external flags).
2. A generated registry-style CSV of N rows (default 1,000,000; fictional names, valid and blank
   credit codes, codes and product/scope texts drawn from the copper template's vocabulary and
   from generic clauses): time of :func:`chainnet.import_firms` (read, recognise, place, validate)
   and of writing the folder (firms.csv) and review.xlsx, then of the whole ``chainnet import``
   command in a child process (CPU time from ``getrusage``, start-up and imports included).

Run:  python benchmarks/bench_import.py [--rows 1000000] [--skip-speed] [--skip-review] [--skip-cli]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import chainnet
from chainnet import DataWarning
from chainnet.creditcode import ALPHABET, check_character
from chainnet.importer import import_firms
from chainnet.importer.csvout import write_folder
from chainnet.importer.review import write_review

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "import_labelled"
EXAMPLE = ROOT / "datasets" / "registry_examples"


def _pr(pairs: list[tuple[set[str], set[str]]]) -> tuple[float, float, int, int, int]:
    tp = sum(len(p & e) for p, e in pairs)
    fp = sum(len(p - e) for p, e in pairs)
    fn = sum(len(e - p) for p, e in pairs)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def _split(s: str) -> set[str]:
    return {x for x in s.split(";") if x}


def accuracy() -> None:
    print("| data | rows | precision | recall | tp | fp | fn |\n|---|---|---|---|---|---|---|")
    allpairs = []
    for f in sorted(LABELLED.glob("*.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            labels = list(csv.DictReader(fh))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            got = import_firms(f, template=f.stem).decisions
        pairs = [(_split(g), _split(r["expected_segments"])) for r, g in zip(labels, got["segments"])]
        allpairs += pairs
        p, r, tp, fp, fn = _pr(pairs)
        print(f"| labelled {f.stem} | {len(labels)} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")
    p, r, tp, fp, fn = _pr(allpairs)
    print(f"| labelled, all | {len(allpairs)} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")
    with open(EXAMPLE / "copper_registry_answers.csv", encoding="utf-8", newline="") as fh:
        answers = list(csv.DictReader(fh))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = import_firms(EXAMPLE / "copper_registry_export.csv", template="copper", region="青禾")
    d = res.decisions
    by_row = {int(x): i for i, x in enumerate(d["row"])}
    merged = {int(r) for m in d["merged_rows"] if m for r in m.split(";")}
    pairs, roles_ok, ext_ok, n = [], 0, 0, 0
    for a in answers:
        i = by_row.get(int(a["row"]))
        if i is None:
            assert int(a["row"]) in merged
            continue
        n += 1
        pairs.append((_split(d.at[i, "segments"]), _split(a["expected_segments"])))
        hint = a["expected_role_hint"]
        roles_ok += (d.at[i, "role"] == hint) if hint else d.at[i, "role"] not in ("institution", "service")
        ext_ok += str(bool(d.at[i, "external"])).lower() == a["expected_external"]
    p, r, tp, fp, fn = _pr(pairs)
    print(f"| example export (copper) | {n} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")
    print(f"\nexample export: institution/service role right for {roles_ok}/{n} firms, external right for {ext_ok}/{n}")


def _code(rng: random.Random) -> str:
    body = "9134" + "".join(rng.choice("0123456789") for _ in range(4)) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


def make_rows(path: Path, n: int, seed: int = 5) -> None:
    """A registry-like CSV: products and scope from the copper template's words and generic clauses."""
    rng = random.Random(seed)
    t = chainnet.load_template("copper")
    words = [w for ws in t.segments["keywords"] for w in ws if not w.isascii()]
    codes = [c for cs in t.segments["codes"] for c in cs] + ["5162", "7320", "3399", "2929", ""]
    generic = ["技术服务", "技术开发", "货物进出口", "五金产品销售", "机械设备租赁", "普通货物仓储服务", "金属材料销售",
               "塑料制品制造", "包装材料销售", "电子元器件批发"]
    places = ["东区", "西区", "高新区", "外市"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["企业名称", "统一社会信用代码", "行业代码", "主营产品", "经营范围", "营业收入(万元)", "从业人员",
                    "成立日期", "所属区县"])
        for i in range(n):
            prod = "、".join(rng.sample(words, rng.randint(0, 2)))
            scope = "；".join([f"{rng.choice(words)}的生产、加工", *rng.sample(generic, 2)])
            w.writerow([f"示例{i}号企业有限公司", _code(rng) if i % 2 else "", rng.choice(codes), prod, scope,
                        f"{rng.uniform(10, 50000):.1f}", rng.randint(1, 2000), f"{rng.randint(1990, 2023)}-01-01",
                        rng.choice(places)])


def speed(n: int, *, review: bool, cli: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "registry.csv"
        t0 = time.perf_counter()
        make_rows(src, n)
        print(f"\ngenerated {n:,} rows ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        t0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            res = import_firms(src, template="copper", region="东区,西区,高新区")
        t1, c1 = time.perf_counter(), time.process_time()
        print(f"| step | wall s | CPU s |\n|---|---|---|\n| import_firms ({n:,} rows) | {t1 - t0:.1f} | {c1 - c0:.1f} |")
        write_folder(res.cluster, Path(tmp) / "out")
        t2, c2 = time.perf_counter(), time.process_time()
        print(f"| write folder ({len(res.cluster.firms):,} firms) | {t2 - t1:.1f} | {c2 - c1:.1f} |")
        if review:
            write_review(Path(tmp) / "out" / "review.xlsx", res.decisions, res.template)
            t3, c3 = time.perf_counter(), time.process_time()
            print(f"| write review.xlsx ({len(res.decisions):,} rows) | {t3 - t2:.1f} | {c3 - c2:.1f} |")
            print(f"| **in one process** | **{t3 - t0:.1f}** | **{c3 - c0:.1f}** |")
        print(f"\n{res!r}")
        del res
        if cli:  # the whole command as a user runs it: start-up, imports, read, place, write folder + review.xlsx
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "chainnet", "import", str(src), "--template", "copper",
                            "--region", "东区,西区,高新区", "-o", str(Path(tmp) / "cli")], check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.DEVNULL)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print(f"\n`chainnet import` of {n:,} rows in a child process: {time.perf_counter() - t0:.1f} s wall, "
                  f"{cpu:.1f} s CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-review", action="store_true")
    ap.add_argument("--skip-cli", action="store_true", help="do not time the whole command in a child process")
    args = ap.parse_args()
    accuracy()
    if not args.skip_speed:
        speed(args.rows, review=not args.skip_review, cli=not args.skip_cli)


if __name__ == "__main__":
    main()
