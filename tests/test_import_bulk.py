"""The vectorised import paths give what the per-firm reference gives.

``bulk.place_all`` must decide every firm exactly as ``Matcher.place`` and ``body_kind`` (the
readable one-firm rules, pinned by the hand-worked cases of test_import.py), and the fast
review.xlsx writer must store every value as it is.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from chainnet.importer.bulk import place_all
from chainnet.importer.classify import GENERIC, Matcher, body_kind
from chainnet.importer.review import write_xlsx
from chainnet.template import load_template

NAME_WORDS = ["", "大学", "研究院", "大学科技园", "银行", "物流", "销售", "贸易", "制造", "检测", "孵化", "商行",
              " Bank ", " INSTITUTE ", " Trading "]
GLUE = ["", "用", "专用", "废料", "废旧", "的生产", "销售", "加工", "、", "；", "技术服务", "货物进出口"]
CODES = ["", "32", "3251", "3211", "3831", "3985", "5162", "7320", "8341", "6621", "2929", "3841", "3099"]


def rows(tid: str, n: int, seed: int) -> tuple[list, list, list, list]:
    rng = random.Random(seed)
    t = load_template(tid)
    words = [w for ws in t.segments["keywords"] for w in ws] + sorted(GENERIC)[:8]
    codes = CODES + [c for cs in t.segments["codes"] for c in cs]

    def text(k: int) -> str:
        return "".join(rng.choice(words) + rng.choice(GLUE) for _ in range(rng.randint(0, k)))

    names = [f"{rng.choice(NAME_WORDS)}{text(1)}{rng.choice(NAME_WORDS)}有限公司" for _ in range(n)]
    prods = [text(2) if rng.random() < 0.5 else "" for _ in range(n)]
    scopes = [text(3) for _ in range(n)]
    cds = [rng.choice(codes) or None for _ in range(n)]
    return cds, prods, scopes, names


@pytest.mark.parametrize("tid", ["copper", "li_battery", "aluminium", "rare_earth_magnet"])
def test_place_all_equals_the_one_firm_rules(tid: str) -> None:
    cds, prods, scopes, names = rows(tid, 3000, seed=len(tid))
    m = Matcher(load_template(tid))
    got = place_all(m, codes=cds, products=prods, scopes=scopes, names=names)
    notes = set()
    for i, (c, p, s, nm) in enumerate(zip(cds, prods, scopes, names)):
        ref = m.place(code=c, products=p, scope=s, name=nm)
        kind, kbasis = body_kind(nm, c)
        assert (got["segments"][i], got["basis"][i], got["note"][i]) == (ref.segments, ";".join(ref.basis),
                                                                         ref.note), (c, p, s, nm)
        assert got["confidence"][i] == pytest.approx(ref.confidence)
        assert (got["kind"][i], got["kind_basis"][i]) == (kind or "", kbasis or "")
        notes.add(ref.note)
    # the generated rows reach every branch of the rules
    assert notes >= {"", "trade", "no_match", "code_ambiguous", "code_over_scope", "code_disagrees"}


def test_place_all_on_no_rows() -> None:
    got = place_all(Matcher(load_template("copper")), codes=[], products=[], scopes=[], names=[])
    assert all(v == [] for v in got.values())


def test_review_writer_stores_values_as_they_are(tmp_path: Path) -> None:
    df = pd.DataFrame({
        "text": ["a & b", "<x>", "=SUM(A1)", "控制\x01字符", None, "a & b", " lead"],
        "num": [1.5, np.nan, 0.1, 2.0, 3.0, 1.5, -4.25],
        "int": [1, 2, 3, 4, 5, 6, 7],
        "flag": [True, False, True, True, False, True, False],
        "same": ["x"] * 7,
    })
    write_xlsx(tmp_path / "r.xlsx", [("decisions", df), ("empty", df.iloc[:0])])
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    got = list(wb["decisions"].iter_rows(values_only=True))
    assert got[0] == ("text", "num", "int", "flag", "same")
    assert [r[0] for r in got[1:]] == ["a & b", "<x>", "=SUM(A1)", "控制字符", None, "a & b", " lead"]
    assert [r[1] for r in got[1:]] == [1.5, None, 0.1, 2.0, 3.0, 1.5, -4.25]
    assert [r[2] for r in got[1:]] == [1, 2, 3, 4, 5, 6, 7]
    assert [r[3] for r in got[1:]] == [True, False, True, True, False, True, False]
    assert wb["decisions"]["A4"].data_type == "s"            # a formula-looking text stays text
    assert list(wb["empty"].iter_rows(values_only=True)) == [("text", "num", "int", "flag", "same")]
