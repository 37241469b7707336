"""The one shape every analysis result has (STYLE.md convention 16).

Every result class in :mod:`chainnet.analysis` offers

- ``cluster_id``: the cluster it describes (for a comparison or a diff, the clusters joined);
- ``figures``: a dict of its headline numbers;
- ``tables()``: its tables by name, ``dict[str, DataFrame]``;
- ``to_dict()``: JSON-ready data, the same the CLI's ``--format json`` and the report write;
- ``to_text(lang="en")``: a short plain-text summary (figures and table sizes) in English or Chinese;
- a one-line ``repr``.

:class:`AnalysisResult` states this as a :class:`typing.Protocol`; :class:`Result` is the mixin
the result dataclasses inherit ``to_text`` and ``__repr__`` from. Result dataclasses keep their
own fields (``cluster_id`` and ``figures`` are fields or properties of each class), so the mixin
defines neither: a property on the base would shadow a dataclass field of the same name.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from .._errors import ChainnetError
from .._messages import LANGS, TERMS, t

#: Longest one-line repr; longer ones are cut with an ellipsis.
REPR_MAX = 120

_WORDS = {k: TERMS[f"result.{k}"] for k in ("figures", "tables", "rows", "none")}


@runtime_checkable
class AnalysisResult(Protocol):
    """What every analysis result offers; ``isinstance(x, AnalysisResult)`` checks the members exist."""

    cluster_id: str

    @property
    def figures(self) -> dict[str, Any]: ...

    def tables(self) -> dict[str, pd.DataFrame]: ...

    def to_dict(self) -> dict[str, Any]: ...

    def to_text(self, lang: str = "en") -> str: ...


class Result:
    """Mixin for result dataclasses: a one-line ``repr`` and a generic ``to_text``.

    A subclass provides ``cluster_id``, ``figures``, ``tables()``, ``to_dict()`` and ``_brief()``
    (the few words after the id in the repr). Declare the dataclass with ``repr=False`` so the
    dataclass machinery does not replace :meth:`__repr__`.
    """

    cluster_id: str

    def tables(self) -> dict[str, pd.DataFrame]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _brief(self) -> str:
        return ", ".join(f"{k} {_fmt(v)}" for k, v in list(self.figures.items())[:2])  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return one_line(f"<{type(self).__name__} {self.cluster_id}: {self._brief()}>")

    def to_text(self, lang: str = "en") -> str:
        """A plain-text summary in ``lang`` (``"en"`` or ``"zh"``): the headline figures, then each
        table's name and row count.

        >>> import chainnet
        >>> text = chainnet.audit(chainnet.load_dataset("demo_copper")).to_text()
        >>> lines = text.splitlines()
        >>> lines[1], "  completeness index: 0.519" in lines
        ('figures:', True)
        >>> [line.split(":")[0].strip() for line in lines[lines.index("tables:") + 1:]]
        ['segments', 'flows', 'gaps', 'candidates']
        """
        if lang not in LANGS:
            raise ChainnetError(f"lang={lang!r} is not supported; use 'en' or 'zh'")
        i = LANGS.index(lang)
        lines = [repr(self), f"{_WORDS['figures'][i]}:"]
        for k, v in self.figures.items():  # type: ignore[attr-defined]
            lines.append(f"  {t(k, lang).replace('_', ' ')}: {_fmt(v, none=_WORDS['none'][i])}")
        lines.append(f"{_WORDS['tables'][i]}:")
        for name, df in self.tables().items():
            lines.append(f"  {t(name, lang) if lang == 'zh' else name}: {len(df):,} {_WORDS['rows'][i]}")
        return "\n".join(lines)


def one_line(text: str, limit: int = REPR_MAX) -> str:
    """``text`` on one line, cut to ``limit`` characters (keeping the closing ``>``).

    >>> one_line("<X " + "a" * 200 + ">", 20)
    '<X aaaaaaaaaaaaaaa…>'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 2] + "…>"


def _fmt(v: Any, *, none: str = "n/a") -> str:
    """A figure for text: floats to 3 decimals, dicts as ``k=v`` pairs, missing values as ``none``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return none
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x, none=none)}" for k, x in v.items())
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.3f}"
    return str(v)
