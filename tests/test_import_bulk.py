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


def _tricky_frame(n: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    pool = ["a & b", "<x>", "=SUM(A1)", "控制\x01字符", "", " lead", 'say "hi"', "a,b", "two\nlines", "cr\rhere",
            "铜箔、漆包线", "\ufffe", "plain"]
    return pd.DataFrame({
        "repeated": [rng.choice([*pool, None, np.nan]) for _ in range(n)],
        "unique": [f"{rng.choice(pool)}{i}" for i in range(n)],
        "arrow": pd.array([rng.choice([*pool, None]) for _ in range(n)], dtype="str"),
        "num": [rng.choice([1.5, np.nan, 0.1 + 0.2, 1e16, 1e-5, -0.0, 123456789.0]) for _ in range(n)],
        "int": list(range(n)),
        "nullable": pd.array([rng.choice([1, None, -7]) for _ in range(n)], dtype="Int64"),
        "flag": [rng.random() < 0.5 for _ in range(n)],
        "mixed": [rng.choice(["x", 3, 2.5, None, True]) for _ in range(n)],
    })


def test_review_rows_are_the_cells_of_the_one_value_renderer() -> None:
    """The pyarrow row writer gives, byte for byte, what rendering each value on its own gives."""
    import io

    from chainnet.importer.review import _cells, _write_rows

    df = _tricky_frame(2500, seed=3)  # 'unique' has over 1,000 distinct values in its first 2,000 rows
    buf = io.BytesIO()
    _write_rows(buf, df)
    cols = [df[c].astype(object).tolist() for c in df.columns]
    want = "".join("<row>" + "".join(_cells(list(r))) + "</row>" for r in zip(*cols))
    assert buf.getvalue().decode("utf-8") == want
    assert "&lt;x&gt;" in want and "控制字符" in want and "\ufffe" not in want  # the reference escapes and cleans


@pytest.mark.parametrize("chunk", [7, 200_000])
def test_firms_csv_writer_equals_pandas(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    import io

    from chainnet.importer import csvout

    monkeypatch.setattr(csvout, "CHUNK", chunk)
    for df in (_tricky_frame(300, seed=5), _tricky_frame(300, seed=5).drop(columns=["mixed"]),
               pd.DataFrame({"a b,c": ["x"]}), pd.DataFrame({"a": pd.array([], dtype="str")})):
        buf = io.BytesIO()
        csvout.write_table(df, buf)
        assert buf.getvalue() == df.to_csv(index=False).encode("utf-8")


def test_valid_mask_equals_the_one_code_check() -> None:
    from chainnet.creditcode import ALPHABET, check_character, problem, valid_mask

    rng = random.Random(11)
    codes = []
    for _ in range(3000):
        body = "".join(rng.choice(ALPHABET) for _ in range(17))
        c = body + check_character(body)
        k = rng.randrange(6)
        if k == 1:
            c = c[:-1] + rng.choice(ALPHABET)  # right or wrong check character
        elif k == 2:
            c = c[:5] + rng.choice("IOSVZ\u0131é铜Ａ\x00") + c[6:]  # a character outside the alphabet, same length
        elif k == 3:
            c = c[:rng.randrange(18)]
        codes.append(c)
    assert valid_mask(codes).tolist() == [problem(c) is None for c in codes]
