"""The shortcuts that make reading a million-firm cluster fast give what the plain paths give.

Each fast path (byte scan for control characters, strip only where needed, link ends coded once,
(firm, segment) pairs in a flat table) is checked against hand-worked answers and against the
plain pandas computation it replaces, on tricky cells: blanks, spaces of every kind, control
characters, duplicates, unknown ids, missing values.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from chainnet import Cluster, _codes, _values
from chainnet import _validate as v
from chainnet._errors import DataWarning, ValidationError

META = {"id": "t", "name": "T", "template": "copper"}

# cell, refused in ids (strict), refused anywhere (loose); worked out from the code points:
# C0 controls, DEL, C1 (U+0080-U+009F), U+FFFE/U+FFFF are refused; tab, LF, CR only in ids
CELLS = [
    ("plain", False, False),
    ("a\tb", True, False),
    ("a\nb", True, False),
    ("a\rb", True, False),
    ("a\x1fb", True, True),
    ("\x00", True, True),
    ("x\x7f", True, True),
    ("x\x85", True, True),         # C1: bytes C2 85
    ("x\x9f", True, True),         # last C1: C2 9F
    ("x\xa0", False, False),       # no-break space: C2 A0, allowed
    ("x\xbf", False, False),       # C2 BF, allowed
    ("\ufffd", False, False),      # EF BF BD, allowed
    ("\uffef", False, False),      # EF BF AF, allowed
    ("\ufffe", True, True),        # EF BF BE
    ("\uffff", True, True),        # EF BF BF
    ("铜（模拟）", False, False),  # full-width brackets: EF BC 88 / EF BC 89
    ("", False, False),
    (None, False, False),
]


@pytest.mark.parametrize("strict", [True, False])
def test_control_characters_found_by_the_byte_scan_as_by_the_regex(strict: bool) -> None:
    cells = [c for c, _, _ in CELLS]
    want = [s if strict else loose for _, s, loose in CELLS]
    s = pd.Series(cells, dtype="str")
    assert _values.bad_text(s, strict=strict).tolist() == want
    # the plain path: a regex per cell of an object column
    assert _values.bad_text(s.astype(object), strict=strict).tolist() == want
    # each cell alone: the scan must not answer for the column what one cell decides
    for cell, s_bad, l_bad in CELLS:
        one = pd.Series([cell, "ok"], dtype="str")
        assert _values.bad_text(one, strict=strict).tolist() == [s_bad if strict else l_bad, False]


def test_clean_columns_are_passed_by_the_scan_without_a_regex() -> None:
    assert _values._utf8_clean(pd.Series(["f000001", "铜（模拟）", "x\xa0", None], dtype="str"), strict=True)
    assert not _values._utf8_clean(pd.Series(["f000001", "f\x01"], dtype="str"), strict=False)
    assert not _values._utf8_clean(pd.Series(["a"], dtype=object), strict=False)  # not Arrow: the regex decides


def _plain_strip(s: pd.Series) -> pd.Series:
    out = s.str.strip()
    return out.mask(out == "")


STRIP_CASES = [
    # cells, what strip + blank-as-missing gives (worked by hand)
    (["a", "b", "c"], ["a", "b", "c"]),
    ([" a", "b ", "", None, "c"], ["a", "b", None, None, "c"]),
    (["", "", ""], [None, None, None]),
    (["\u3000d", "e\xa0", "\x85f", "\t", "x y", "中文"], ["d", "e", "f", None, "x y", "中文"]),
    (["\u3000d", "g", "e\xa0"], ["d", "g", "e"]),        # only Unicode spaces to strip
    (["g", "\u3000"], ["g", None]),                      # blank once stripped
    (["a", "", "b", None], ["a", None, "b", None]),      # only blanks: validity bits, text kept
    (["中文", "铜（模拟）", "é"], ["中文", "铜（模拟）", "é"]),  # non-ASCII ends, nothing to strip
]


@pytest.mark.parametrize(("cells", "want"), STRIP_CASES)
def test_strip_gives_what_pandas_strip_and_mask_give(cells: list, want: list) -> None:
    s = pd.Series(cells, dtype="str", name="c")
    got = _values.strip_arrow(s)
    assert [None if x is np.nan or (isinstance(x, float) and x != x) else x for x in got.tolist()] == want
    pd.testing.assert_series_equal(got, _plain_strip(s), check_exact=True)


def test_strip_of_a_chunked_and_a_sliced_column() -> None:
    chunked = pa.chunked_array([pa.array(["a", ""], pa.large_string()), pa.array([" b", None, "c"], pa.large_string())])
    s = pd.Series(pd.array(chunked, dtype="str"))
    assert _values.strip_arrow(s).tolist() == ["a", np.nan, "b", np.nan, "c"]
    sliced = pd.Series(pd.array(pa.chunked_array([pa.array(["x", "", " y", "z"], pa.large_string()).slice(1)]),
                                dtype="str"))
    assert _values.strip_arrow(sliced).tolist() == [np.nan, "y", "z"]


def test_an_all_blank_number_column_is_all_missing_and_no_problem() -> None:
    x, not_number, out = _values.parse_numbers(pd.Series(["", " ", ""], dtype="str"), kind="int")
    assert x.isna().all() and str(x.dtype) == "Int64"
    assert not not_number.any() and not out.any()
    x, not_number, _ = _values.parse_numbers(pd.Series([" 2019 ", "", "2019年"], dtype="str"), kind="int")
    assert x.tolist()[0] == 2019 and x.isna().tolist() == [False, True, True]
    assert not_number.tolist() == [False, False, True]


def test_owned_pairs_by_hand() -> None:
    seg_list = ["ore", "smelting", "cathode"]
    firms = pd.DataFrame({"firm_id": pd.Series(["a", "b", "c", "a", None], dtype="str"),
                          "segments": [("ore", "smelting"), ("cathode", "zz"), (), ("cathode",), ("ore",)]})
    uniq = firms["firm_id"].drop_duplicates()          # a, b, c, NaN at positions 0..3
    got = sorted(_codes.owned_pairs(firms, uniq, seg_list).tolist())
    # a owns ore (0) and smelting (1) and, on its second row, cathode (2); b cathode; zz and the
    # firm without an id are left out: 0*3+0, 0*3+1, 0*3+2, 1*3+2
    assert got == [0, 1, 2, 5]
    unique_firms = firms.iloc[:3]
    assert sorted(_codes.owned_pairs(unique_firms, unique_firms["firm_id"], seg_list).tolist()) == [0, 1, 5]


@pytest.mark.parametrize("size", [12, 10**9])  # a flat table, and the binary search of huge products
def test_pair_lookup_both_ways(size: int) -> None:
    owned = np.array([5, 0, 1, 5, 11])
    packed = np.array([0, 2, 5, 11, 10, 1, 0])
    assert _codes.in_pairs(packed, owned, size).tolist() == [True, False, True, True, False, True, True]
    assert _codes.in_pairs(packed, owned[:0], size).tolist() == [False] * 7


def _firms() -> pd.DataFrame:
    return pd.DataFrame({"firm_id": ["m", "s", "r"], "name": ["Mine", "Smelter", "Refinery"],
                         "role": ["sme", "leader", "backbone"],
                         "segments": ["ore", "smelting", "cathode;strip"]})


def test_segment_checks_name_the_rows_a_person_would() -> None:
    links = pd.DataFrame({
        "source": ["m", "m", "s", "s", "ghost", "r"],
        "target": ["s", "s", "r", "r", "r", "m"],
        "segment_from": ["ore", "smelting", "smelting", "", "ore", "strip"],
        "segment_to": ["smelting", "", "strip", "nowhere", "cathode", "ore"],
    })
    with pytest.raises(ValidationError) as exc:
        Cluster.from_frames(_firms(), links, meta=dict(META))
    got = {(p.message, p.rows, p.column) for p in exc.value.problems}
    # row 3: m does not operate in smelting; row 5: nowhere is no segment (and not also "not the
    # target's"); row 6: the source is unknown, so its segment is not judged
    assert got == {
        ("unknown firm 'ghost'; it is not a firm_id in the firms table", (6,), "source"),
        ("segment_from is not one of the source firm's segments", (3,), "segment_from"),
        ("segment_to is not a segment id of the template", (5,), "segment_to"),
    }


def test_duplicate_links_merged_alike_with_and_without_the_end_codes() -> None:
    links = pd.DataFrame({"source": ["m", "m", "m", "s", "m"], "target": ["s", "s", "s", "m", "s"],
                          "kind": ["supply", "Supply", "rd", "supply", "supply"],
                          "weight": ["1", "2", "4", "8", "0.5"], "year": ["2019", "2015", "", "", "2021"]})
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = Cluster.from_frames(_firms(), links, meta=dict(META))
    assert any(issubclass(x.category, DataWarning) and "2 duplicate link rows" in str(x.message) for x in w)
    got = {(r.source, r.target, r.kind): (r.weight, r.year) for r in c.links.itertuples()}
    # m->s supply: rows 2, 3 and 6 merged: 1 + 2 + 0.5 = 3.5, earliest year 2015
    assert got[("m", "s", "supply")] == (3.5, 2015)
    assert got[("m", "s", "rd")][0] == 4.0 and got[("s", "m", "supply")][0] == 8.0
    assert len(c.links) == 3
    # the same merge from the ids themselves (no codes handed over)
    ldf, lp = v.normalise_links(links, c.firms, file="links", segment_ids=None)
    assert not lp
    plain, n_plain = v.merge_duplicate_links(ldf)
    ends: dict[str, np.ndarray] = {}
    ldf2, _ = v.normalise_links(links, c.firms, file="links", segment_ids=None, codes=ends)
    assert ends["source"].tolist() == [0, 0, 0, 1, 0] and ends["target"].tolist() == [1, 1, 1, 0, 1]
    fast, n_fast = v.merge_duplicate_links(ldf2, ends=ends)
    assert n_plain == n_fast == 2
    pd.testing.assert_frame_equal(plain, fast, check_exact=True)
    pd.testing.assert_frame_equal(fast, c.links, check_exact=True)


@pytest.mark.parametrize(("cells", "want"), [
    (["supply", "rd", None, ""], ["supply", "rd", None, ""]),          # nothing to lower: kept
    (["Supply", "RD", "rd"], ["supply", "rd", "rd"]),
    (["Évidence", "modeled"], ["évidence", "modeled"]),                 # a capital beyond ASCII
    (["ΣΥΝ", "x"], ["συν", "x"]),
])
def test_lower_gives_what_pandas_lower_gives(cells: list, want: list) -> None:
    s = pd.Series(cells, dtype="str", name="kind")
    got = _values.lower(s)
    assert [None if isinstance(x, float) else x for x in got.tolist()] == want
    pd.testing.assert_series_equal(got, s.str.lower(), check_exact=True)
