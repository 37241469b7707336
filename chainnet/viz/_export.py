"""Write a figure to PNG, SVG or PDF, deterministically (same figure, same bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from .._errors import ChainnetError
from ._style import style

FORMATS = ("png", "svg", "pdf")
#: Metadata that would change from run to run (dates, software versions) is left out.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def format_of(path: str | Path) -> str:
    """The figure format named by a file's extension (.png, .svg or .pdf).

    >>> format_of("map.SVG")
    'svg'
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ChainnetError(f"cannot tell the figure format of {str(path)!r}: use a file name ending in "
                            ".png, .svg or .pdf")
    return fmt


def save(fig: Figure, path: str | Path, *, dpi: int = 200, svg_text: bool = True) -> Path:
    """Save a figure; the format follows the extension (.png, .svg or .pdf).

    Output is deterministic: the same figure gives the same bytes (no dates or version strings,
    a fixed SVG id salt). Fonts are those chainnet figures use (Noto Sans CJK SC, then DejaVu
    Sans); SVG keeps text as text unless ``svg_text=False`` (glyphs as paths); PDF embeds the
    glyphs used.

    Parameters
    ----------
    fig : the figure
    path : output file; its folder must exist
    dpi : resolution of PNG output (and of any raster parts of PDF/SVG)
    svg_text : keep SVG text as ``<text>`` elements (editable; a viewer needs a CJK font to show
        Chinese) rather than outlines

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    fmt = format_of(path)
    if dpi <= 0:
        raise ChainnetError(f"dpi={dpi} must be positive")
    if not path.parent.exists():
        raise ChainnetError(f"folder {str(path.parent)!r} does not exist; create it first")
    with style():
        import matplotlib as mpl

        with mpl.rc_context({"svg.fonttype": "none" if svg_text else "path"}):
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt], facecolor="white")
    return path
