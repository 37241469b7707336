"""Figures of chainnet results; the only part of chainnet that imports matplotlib.

Every function returns ``(fig, ax)``, draws into ``ax`` when one is given, and builds its own
:class:`matplotlib.figure.Figure` otherwise (no pyplot, so no GUI backend is needed).
``lang="zh"`` uses Chinese names, legends and titles. :func:`save` writes PNG, SVG or PDF,
byte for byte the same for the same input and seed.
"""

from __future__ import annotations

from ._export import FORMATS, save
from ._style import CJK_FAMILY, FONT_FAMILY, ROLE_COLORS, register_fonts
from .chainmap import chain_map
from .compare import radar, radar_figures
from .completeness import completeness_chart
from .leaders import leader_chart
from .multiples import chain_maps
from .network import network
from .profile import profile_radar
from .resilience import resilience_chart
from .structure import bowtie, degree_distribution
from .timeline import timeline_chart

__all__ = [
    "CJK_FAMILY",
    "FONT_FAMILY",
    "FORMATS",
    "ROLE_COLORS",
    "bowtie",
    "chain_map",
    "chain_maps",
    "completeness_chart",
    "degree_distribution",
    "leader_chart",
    "network",
    "profile_radar",
    "radar",
    "radar_figures",
    "register_fonts",
    "resilience_chart",
    "save",
    "timeline_chart",
]
