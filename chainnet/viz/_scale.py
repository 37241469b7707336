"""When figures switch to an aggregate view, and the words of that view.

Above :data:`AGGREGATE_MIN_FIRMS` local firms a cluster is too large to draw firm by firm: the
chain map draws the top firms of each lane plus "+K more" counts, and the network figure draws
communities as discs sized by their number of firms with the leaders on top (docs/figures.md,
"Figures at scale"). Below it (every bundled dataset) both figures are drawn exactly as before.
"""

from __future__ import annotations

from .._errors import ChainnetError

#: Clusters with more local firms than this are drawn as an aggregate view.
AGGREGATE_MIN_FIRMS = 5000


def aggregated(n_local: int, aggregate_above: int) -> bool:
    """True when ``n_local`` firms are drawn as an aggregate view (more than ``aggregate_above``).

    >>> aggregated(5000, 5000), aggregated(5001, 5000)
    (False, True)
    """
    if aggregate_above < 1:
        raise ChainnetError(f"aggregate_above={aggregate_above} must be at least 1")
    return n_local > aggregate_above
