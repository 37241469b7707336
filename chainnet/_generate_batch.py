"""Many varied synthetic clusters for benchmarks and tests (``chainnet generate --batch K``).

Each cluster draws its template, structure, size and gaps from one seeded generator, so the same
``k`` and ``seed`` give the same clusters. Every cluster is fictional: generic names,
``evidence = modeled`` (as :func:`chainnet.generate.generate` writes them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ._errors import ChainnetError
from .generate import STRUCTURES, GeneratedCluster, generate
from .template import builtin_templates, load_template

#: Leaders per structure: Marshallian districts have none, the others a few.
_LEADERS = {"hub_and_spoke": (1, 4), "marshallian": (0, 0), "satellite": (0, 2), "state_anchored": (2, 4)}


def generate_batch(k: int, *, firms: tuple[int, int] = (1000, 5000), templates: Sequence[str] | None = None,
                   seed: int = 0) -> Iterator[GeneratedCluster]:
    """``k`` synthetic clusters of varied size, structure and gaps, one at a time.

    Parameters
    ----------
    k : how many clusters
    firms : smallest and largest number of firms (each cluster draws uniformly in between)
    templates : templates to draw from (default: every built-in one)
    seed : seed of the whole batch

    Yields
    ------
    GeneratedCluster
        ids ``synthetic_0000``, ``synthetic_0001`` ...; ``truth`` as for :func:`generate`, with
        the drawn parameters

    Examples
    --------
    >>> gs = list(generate_batch(2, firms=(300, 400), seed=1))
    >>> [g.cluster.meta["id"] for g in gs], all(300 <= g.truth["parameters"]["firms"] <= 400 for g in gs)
    (['synthetic_0000', 'synthetic_0001'], True)
    """
    lo, hi = firms
    if k < 0 or lo < 1 or hi < lo:
        raise ChainnetError(f"k={k}, firms={firms}: need k >= 0 and 1 <= smallest <= largest")
    pool = list(templates or builtin_templates())
    tpls = {t: load_template(t) for t in pool}
    rng = np.random.default_rng(seed)
    for i in range(k):
        tid = pool[int(rng.integers(len(pool)))]
        t = tpls[tid]
        structure = STRUCTURES[int(rng.integers(len(STRUCTURES)))]
        n = int(rng.integers(lo, hi + 1))
        segs = list(t.order)
        picked = rng.permutation(len(segs))
        n_missing, n_weak = int(rng.integers(0, 4)), int(rng.integers(0, 3))
        missing = [segs[j] for j in picked[:n_missing]]
        weak = [segs[j] for j in picked[n_missing:n_missing + n_weak]]
        held = set(segs) - set(missing)
        flows = [(f["from"], f["to"]) for f in t.flows.to_dict("records") if {f["from"], f["to"]} <= held]
        broken = [f"{a}->{b}" for a, b in (flows[j] for j in rng.permutation(len(flows))[:int(rng.integers(0, 2))])]
        lead_lo, lead_hi = _LEADERS[structure]
        kw = {"firms": n, "structure": structure, "leaders": int(rng.integers(lead_lo, lead_hi + 1)),
              "seed": int(rng.integers(2**31)), "id": f"synthetic_{i:04d}",
              "meta": {"name": f"Synthetic cluster {i:04d} ({tid}, {structure})"}}
        try:
            yield generate(tid, missing=missing, weak=weak, broken=broken, **kw)
        except ChainnetError:  # too few firms for these gaps on a long chain: the cluster without gaps
            yield generate(tid, **kw)
