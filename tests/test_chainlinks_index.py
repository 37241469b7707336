"""The chain map finds each supply link's firms by Arrow look-ups (chainnet.viz._chainlinks._firm_index):
the same positions as a dictionary built in firm order, for ids of any type, missing ids and
duplicate ids (first row)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainnet.viz._chainlinks import _firm_index


def _by_dict(fid: list[str], links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    first: dict[str, int] = {}
    for i, x in enumerate(fid):
        first.setdefault(x, i)
    return tuple(np.array([first.get(str(v), -1) for v in links[c]], dtype=np.int64)
                 for c in ("source", "target"))  # type: ignore[return-value]


@pytest.mark.parametrize("case", ["str", "object", "numbers", "duplicates", "empty"])
def test_firm_index_equals_a_dict_look_up(case: str) -> None:
    fid = ["a", "b", "c", "d"]
    src, tgt = ["a", "c", "x", "d", "b"], ["b", "b", "a", "y", "d"]  # x, y: not firms of the list
    if case == "numbers":
        fid = ["1", "2", "3"]
        src, tgt = [1, 3, 7], [2, 1, 3]
    if case == "duplicates":
        fid = ["a", "b", "a", "c"]
    if case == "empty":
        fid = []
    links = pd.DataFrame({"source": src, "target": tgt})
    if case == "str":
        links = links.astype("str")
    elif case in ("object", "numbers"):
        links = links.astype(object)
    got = _firm_index(fid, links)
    want = _by_dict(fid, links)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g, w)
    if case == "str":  # worked by hand: a->0, c->2, x missing, d->3, b->1; b->1, b->1, a->0, y missing, d->3
        np.testing.assert_array_equal(got[0], [0, 2, -1, 3, 1])
        np.testing.assert_array_equal(got[1], [1, 1, 0, -1, 3])
