"""The cheaper random networks of large graphs (issue 15): the mixing check on the edge swaps.

The expected rounds and figures come from a plainly written reference (Python sets and dicts,
one swap proposal at a time, networkx for the figures), not from the vectorised code.
"""

from __future__ import annotations

import string

import networkx as nx
import numpy as np
import pytest

import chainnet
from chainnet import _messages
from chainnet.analysis import _sparse
from chainnet.analysis import structure as st_mod
from chainnet.analysis.structure import rewire, rewire_until_mixed, structure
from chainnet.commands.leaders import _structure_text


def reference_round(s: list[int], t: list[int], rng: np.random.Generator) -> None:
    """One round of directed Maslov-Sneppen swaps, in place, one proposal at a time."""
    m = len(s)
    h = m // 2
    perm = rng.permutation(m).tolist()
    present = set(zip(s, t))
    proposals = []
    made: dict[tuple[int, int], int] = {}
    for i, j in zip(perm[:h], perm[h:2 * h]):
        a, b, c, d = s[i], t[i], s[j], t[j]
        if a in (c, d) or b in (c, d):  # a self-loop, or two links of one seller or one buyer
            continue
        proposals.append((i, j, a, b, c, d))
        for link in ((a, d), (c, b)):
            made[link] = made.get(link, 0) + 1
    for i, j, a, b, c, d in proposals:
        if any(link in present or made[link] > 1 for link in ((a, d), (c, b))):
            continue
        t[i], t[j] = d, b


def reference_mixed(src, tgt, *, max_rounds: int, tol: float, min_rounds: int, rng):
    """Rounds until the share of observed links left stops falling by more than ``tol`` of itself."""
    s, t = [int(x) for x in src], [int(x) for x in tgt]
    observed = set(zip(s, t))
    last = 1.0
    for r in range(1, max_rounds + 1):
        reference_round(s, t, rng)
        overlap = sum((a, b) in observed for a, b in zip(s, t)) / len(s)
        if r >= min_rounds and last - overlap <= tol * last:
            return s, t, r
        last = overlap
    return s, t, max_rounds


def figures(n: int, s: list[int], t: list[int]) -> dict[str, float]:
    D = nx.DiGraph()
    D.add_nodes_from(range(n))
    D.add_edges_from(zip(s, t))
    U = nx.Graph(D.to_undirected())
    big = max(len(x) for x in nx.strongly_connected_components(D))
    return {"core_share": big / n if big >= 2 else 0.0, "reciprocity": nx.reciprocity(D),
            "assortativity": nx.degree_assortativity_coefficient(U), "transitivity": nx.transitivity(U),
            "average_clustering": nx.average_clustering(U)}


def test_one_round_equals_the_reference_and_keeps_degrees():
    rng = np.random.default_rng(5)
    n = 60
    src = rng.integers(0, n, 400)
    tgt = rng.integers(0, n, 400)
    keep = src != tgt
    pairs = sorted(set(zip(src[keep].tolist(), tgt[keep].tolist())))
    src, tgt = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    s, t = rewire(src, tgt, n, swaps_per_link=3, rng=np.random.default_rng(9))
    rs, rt = list(src.tolist()), list(tgt.tolist())
    ref_rng = np.random.default_rng(9)
    for _ in range(3):
        reference_round(rs, rt, ref_rng)
    assert s.tolist() == rs and t.tolist() == rt
    assert np.array_equal(np.bincount(t, minlength=n), np.bincount(tgt, minlength=n))
    assert len(set(zip(rs, rt))) == len(rs) and all(a != b for a, b in zip(rs, rt))


def test_mixing_check_stops_where_the_reference_stops():
    c = chainnet.load_dataset("shenzhen_battery")
    g = _sparse.supply_graph(c)
    for seed in (0, 1, 2):
        s, t, r = rewire_until_mixed(g.src, g.tgt, g.n, max_rounds=10, rng=np.random.default_rng(seed), tol=0.1)
        rs, rt, rr = reference_mixed(g.src, g.tgt, max_rounds=10, tol=0.1, min_rounds=st_mod.MIX_MIN_ROUNDS,
                                     rng=np.random.default_rng(seed))
        assert r == rr and s.tolist() == rs and t.tolist() == rt
        assert st_mod.MIX_MIN_ROUNDS <= r < 10  # 4,035 links mix well before ten rounds
    # without the check (tol=None) all rounds run and the result is rewire()'s
    s, t, r = rewire_until_mixed(g.src, g.tgt, g.n, max_rounds=4, rng=np.random.default_rng(3), tol=None)
    s2, t2 = rewire(g.src, g.tgt, g.n, swaps_per_link=4, rng=np.random.default_rng(3))
    assert r == 4 and np.array_equal(s, s2) and np.array_equal(t, t2)


def test_structure_uses_the_mixing_check_above_the_threshold(monkeypatch):
    c = chainnet.load_dataset("tongling_copper")
    g = _sparse.supply_graph(c)
    monkeypatch.setattr(st_mod, "MIX_CHECK_LINKS", 100)  # tongling's 938 links count as a large graph
    k, seed = 3, 2
    res = structure(c, null_models=k, seed=seed)
    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {}
    rounds = []
    for _ in range(k):
        s, t, r = reference_mixed(g.src, g.tgt, max_rounds=10, tol=st_mod.MIX_TOL,
                                  min_rounds=st_mod.MIX_MIN_ROUNDS, rng=rng)
        rounds.append(r)
        for f, v in figures(g.n, s, t).items():
            values.setdefault(f, []).append(v)
    nm = res.null_model
    assert nm["swap_rounds"] == rounds and all(r < 10 for r in rounds)
    assert nm["null_models"] == k and nm["mixing"].startswith("above 100 links")
    assert "stop rewiring once mixed: " + ", ".join(map(str, rounds)) + " swap rounds" in nm["note"]
    sig = res.significance.set_index("figure")
    for f, vals in values.items():
        x = np.asarray(vals)
        assert sig.at[f, "nulls"] == k
        assert abs(sig.at[f, "null_mean"] - x.mean()) <= 1e-9, f
        assert abs(sig.at[f, "null_sd"] - x.std(ddof=1)) <= 1e-9, f
    text = _structure_text(c, res)
    assert "random networks: 3 (≤10 swap rounds each, seed 2)" in text
    assert "above 100 links the random networks stop rewiring once mixed" in text
    assert "充分混合后即停止重连" in _structure_text(c, res, lang="zh")


def test_small_graphs_keep_every_round_and_say_nothing_new():
    c = chainnet.load_dataset("tongling_copper")
    res = structure(c, null_models=2, seed=0)
    nm = res.null_model
    assert nm["swap_rounds"] == [10, 10] and nm["mixing"] is None and nm["note"] == ""
    assert "mixed" not in _structure_text(c, res)


# -- the catalogue's fast path ---------------------------------------------------------------------
def _value(spec: str, count: int):
    if spec.endswith(("%", "f", "e", "g")):
        return 0.375
    if spec.endswith(("d", ",")) or spec.startswith("plural|"):
        return count
    return _messages.Both("one text", "一段文字")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("count", [1, 1234])  # plural forms: one and many
def test_msg_renders_every_sentence_as_the_full_formatter_does(lang, count):
    checked = 0
    for code, pair in _messages.MESSAGES.items():
        template = pair[_messages.LANGS.index(lang)]
        params = {}
        for _, field, spec, _ in string.Formatter().parse(template):
            if field is not None and field != "":
                params[field] = _value(spec or "", count)
        try:
            expected = _messages._Formatter(lang).format(template, **params)
        except (ValueError, TypeError, KeyError, IndexError):
            continue  # a field used with two different specs: no single sample value fits
        assert _messages.msg(code, lang, **params) == expected, code
        checked += 1
    assert checked > 0.9 * len(_messages.MESSAGES)
    assert _messages.msg("gap.opens_flows", "en", n=1) != _messages.msg("gap.opens_flows", "en", n=2)
