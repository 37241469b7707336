"""The content key of cached cluster tables (chainnet._fingerprint), Arrow digests remembered per array."""

import gc
import weakref

import pandas as pd
import pyarrow as pa

from chainnet import _fingerprint
from chainnet._fingerprint import fingerprint


def _frame():
    return pd.DataFrame({"firm_id": pd.Series(["F1", "F2", "F3"], dtype="str"), "w": [1.0, 2.0, 3.0]})


def test_in_place_edit_of_a_string_column_changes_the_key():
    df = _frame()
    before = fingerprint(df, ["firm_id", "w"])
    assert fingerprint(df, ["firm_id", "w"]) == before  # remembered digest, same content
    df.loc[1, "firm_id"] = "F9"
    assert fingerprint(df, ["firm_id", "w"]) != before
    df.loc[1, "firm_id"] = "F2"  # back to the first content: the same key again
    assert fingerprint(df, ["firm_id", "w"]) == before


def test_equal_content_in_other_frames_gives_equal_keys():
    assert fingerprint(_frame(), ["firm_id", "w"]) == fingerprint(_frame(), ["firm_id", "w"])
    other = _frame()
    other["firm_id"] = pd.Series(["F1", "F2", "F4"], dtype="str")
    assert fingerprint(other, ["firm_id", "w"]) != fingerprint(_frame(), ["firm_id", "w"])


def test_a_digest_leaves_with_its_array():
    arr = pa.chunked_array([["a", "b", "c"]])
    _fingerprint._arrow_digest(arr)
    key = id(arr)
    assert key in _fingerprint._ARROW_DIGESTS
    ref = weakref.ref(arr)
    del arr
    gc.collect()
    assert ref() is None and key not in _fingerprint._ARROW_DIGESTS


def test_a_reused_id_is_not_served_another_arrays_digest(monkeypatch):
    a = pa.chunked_array([["x", "y"]])
    b = pa.chunked_array([["x", "z"]])
    # an entry for b's id whose reference points elsewhere (as after a dead array's id was reused)
    monkeypatch.setitem(_fingerprint._ARROW_DIGESTS, id(b), (weakref.ref(a), _fingerprint._arrow_digest(a)))
    assert _fingerprint._arrow_digest(b) != _fingerprint._arrow_digest(a)
