"""Words chainnet prints, in English and Chinese: kept for existing imports; the catalogue is :mod:`chainnet._messages`."""

from __future__ import annotations

from ._messages import LANGS, LINKS_UNKNOWN, LINKS_UNKNOWN_ZH, TERMS, t

__all__ = ["LANGS", "LINKS_UNKNOWN", "LINKS_UNKNOWN_ZH", "TERMS", "t"]
