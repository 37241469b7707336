"""Fonts, colours, words and figure helpers shared by every chainnet figure.

Chinese text needs a font with CJK glyphs on a machine that has none installed. chainnet uses
Noto Sans CJK SC (SIL Open Font License 1.1) as shipped by the ``mplfonts`` package: the one
OpenType file is registered with matplotlib's font manager, nothing in the user's matplotlib
configuration is changed, and each figure sets its font list through ``rc_context`` only.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator

from .._errors import ChainnetError
from .._messages import t as _t

#: The CJK font: family name, file inside the ``mplfonts`` package, licence.
CJK_FAMILY = "Noto Sans CJK SC"
CJK_FILE = "NotoSansCJKsc-Regular.otf"
#: Font list of every figure: Noto Sans CJK SC has Latin and CJK glyphs; DejaVu Sans (bundled
#: with matplotlib) is the fallback for anything else.
FONT_FAMILY = [CJK_FAMILY, "DejaVu Sans"]

#: Okabe & Ito (2008) colour-blind-safe palette, one colour per firm role.
ROLE_COLORS = {
    "leader": "#D55E00",       # vermillion
    "backbone": "#0072B2",     # blue
    "sme": "#56B4E9",          # sky blue
    "institution": "#009E73",  # bluish green
    "service": "#CC79A7",      # reddish purple
    "external": "#9A9A9A",     # grey
}
ROLES = tuple(ROLE_COLORS)
#: Template flow statuses: colour, line width, line style.
FLOW_STYLES = {
    "present": ("#3B3B3B", 1.8, "solid"),
    "weak": ("#E69F00", 1.1, "solid"),
    "broken": ("#B2182B", 1.6, (0, (4, 2.5))),
    "missing": ("#B5B5B5", 1.0, (0, (1, 2))),
    # links unknown (a firm list): both ends covered, the tie not on record; grey dash-dot, to survey
    "unknown": ("#6B6B6B", 1.4, "dashdot"),
}
#: Segment statuses: background colour of a lane or bar, hatch.
SEGMENT_STYLES = {
    "present": ("#E8EEF5", None),
    "weak": ("#FBE8C8", None),
    "missing": ("#FFFFFF", "///"),
}
STATUS_BAR_COLORS = {"present": "#0072B2", "weak": "#E69F00", "missing": "#BDBDBD"}
STAGE_COLORS = {"upstream": "#5B6C7D", "midstream": "#7D8C9B", "downstream": "#A3AFBB"}
LINK_COLOR = "#6E6E6E"
TEXT_COLOR = "#222222"
MUTED = "#555555"

LANGS = ("en", "zh")

#: Words on figures: terms read from the message catalogue (:mod:`chainnet._messages`), so a figure
#: and a table never name one thing two ways; only figure-specific plurals and counters are added here.
_CATALOGUE_KEYS = ("leader", "backbone", "sme", "institution", "service", "external", "present", "weak", "missing",
                   "broken", "links_unknown", "upstream", "midstream", "downstream", "segment_coverage",
                   "link_coverage", "path_completeness", "index", "leader_dominance", "sme_attachment",
                   "leader_reach", "degree_centralization", "leader_dependence")
_FIGURE_WORDS = {
    "en": {"unknown": "unknown", "fill": "fill", "extend": "extend", "connect": "connect", "strengthen": "strengthen",
           "leader_pl": "leaders", "backbone_pl": "backbone firms", "sme_pl": "SMEs", "institution_pl": "institutions",
           "service_pl": "services", "external_pl": "external", "local_sourcing": "local sourcing",
           "firm": "firm", "firms": "firms"},
    "zh": {"unknown": _t("unknown", "zh"), **{k: _t(k, "zh") for k in ("fill", "extend", "connect", "strengthen")},
           "leader_pl": _t("leader_firm", "zh"), "backbone_pl": _t("backbone_firm", "zh"), "sme_pl": _t("sme", "zh"),
           "institution_pl": _t("institution", "zh"), "service_pl": _t("service", "zh"),
           "external_pl": _t("external", "zh"), "local_sourcing": _t("local_sourcing", "zh"),
           "firm": "家", "firms": "家"},
}
WORDS: dict[str, dict[str, str]] = {
    lang: {**{k: _t(k, lang) for k in _CATALOGUE_KEYS}, **_FIGURE_WORDS[lang]} for lang in LANGS}


def words(lang: str) -> dict[str, str]:
    """The word table of ``lang``; raises a ChainnetError naming the choices for anything else."""
    if lang not in LANGS:
        raise ChainnetError(f"lang={lang!r} is not supported; use 'en' or 'zh'")
    return WORDS[lang]


# -- fonts ------------------------------------------------------------------------------------
@functools.cache
def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package (not imported, only located)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ChainnetError("the 'mplfonts' package (which ships the Noto Sans CJK SC font chainnet uses for "
                            "Chinese text) is not installed; run: pip install mplfonts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FILE
    if not path.is_file():
        raise ChainnetError(f"{path} is missing from the installed mplfonts package; reinstall it with "
                            "pip install --force-reinstall mplfonts")
    return path


@functools.cache
def register_fonts() -> str:
    """Register Noto Sans CJK SC with matplotlib's font manager (once per process); return its family name."""
    path = cjk_font_path()
    if not any(f.fname == str(path) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return CJK_FAMILY


def font_rc() -> dict[str, Any]:
    """rcParams every chainnet figure is drawn and saved with."""
    register_fonts()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": FONT_FAMILY,
        "axes.unicode_minus": True,
        "svg.fonttype": "none",   # SVG text stays text (editable, searchable)
        "pdf.fonttype": 3,        # see docs/figures.md: the CFF-outline OTF embeds validly only as Type 3
        "svg.hashsalt": "chainnet",
        "path.simplify": True,
    }


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Context in which chainnet figures are built and saved."""
    with mpl.rc_context(font_rc()):
        yield


# -- figures ----------------------------------------------------------------------------------
F = TypeVar("F", bound=Callable[..., Any])


def figure_function(func: F) -> F:
    """Decorator for plot functions: build inside :func:`style`, then pin the fonts of the axes' texts.

    Pinning matters when a caller hands in an axes made outside chainnet's style, and for
    tick labels matplotlib creates later, at draw time.
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style():
            fig, ax = func(*args, **kwargs)
            pin_fonts(ax)
            unique_gids(ax)
            if kwargs.get("ax") is None and fig.get_layout_engine() is not None:
                # lay the figure out once and freeze it: constrained layout moves things by a hair on
                # every draw, and saving twice must give the same bytes
                fig.draw_without_rendering()
                fig.set_layout_engine("none")
        return fig, ax

    return wrapper  # type: ignore[return-value]


def unique_gids(ax: Axes) -> None:
    """Number repeated artist ids (``chainmap.link`` -> ``chainmap.link.1``, ``.2`` ...): SVG ids must be unique."""
    seen: dict[str, list[Any]] = {}
    for a in ax.findobj(lambda a: bool(a.get_gid())):
        seen.setdefault(a.get_gid(), []).append(a)
    for gid, arts in seen.items():
        if len(arts) > 1:
            for k, a in enumerate(arts, 1):
                a.set_gid(f"{gid}.{k}")


def pin_fonts(ax: Axes) -> None:
    """Give every text of ``ax`` (and its future tick labels) chainnet's font list."""
    for t in ax.findobj(Text):
        t.set_fontfamily(FONT_FAMILY)
    ax.tick_params(labelfontfamily=FONT_FAMILY)
    for extra in ax.figure.legends:
        for t in extra.findobj(Text):
            t.set_fontfamily(FONT_FAMILY)


def new_axes(ax: Axes | None, size: tuple[float, float], *, polar: bool = False,
             layout: str | None = "constrained") -> tuple[Figure, Axes]:
    """``(fig, ax)``: the given axes and its figure, or a new figure (no pyplot, no GUI backend)."""
    if ax is not None:
        if polar and getattr(ax, "name", "") != "polar":
            raise ChainnetError("this figure needs a polar axes; create it with fig.add_subplot(projection='polar') "
                                "or pass ax=None")
        return ax.figure, ax
    fig = Figure(figsize=size, layout=layout)
    if layout == "constrained":  # more than the default 3 pt: text set at a low PNG resolution runs wider
        fig.get_layout_engine().set(w_pad=10 / 72, h_pad=5 / 72)
    return fig, fig.add_subplot(projection="polar" if polar else None)


def title(ax: Axes, main: str, sub: str | None = None, *, width_pt: float | None = None,
          left_pt: float = 0.0, size: float = 12.0, pad_extra: float = 0.0) -> None:
    """A left-aligned title with an optional grey subtitle under it, both wrapped to fit.

    The subtitle is left out of constrained layout (the title's padding makes room for it), so a
    long subtitle never squeezes the axes. Without ``width_pt`` the text may run from the axes'
    left edge, ``left_pt`` points (the tick labels) in from the figure's, to the figure's right edge.
    """
    if width_pt is None:
        fig = ax.figure
        if fig.get_layout_engine() is not None:
            width_pt = fig.get_figwidth() * 72 - left_pt - 24
        else:
            box = ax.get_position()
            width_pt = (1 - box.x0) * fig.get_figwidth() * 72 - 12
    width_pt = max(width_pt, 120.0)
    main = "\n".join(wrap(main, width_pt, size, max_lines=3))
    sub_size = 8.5
    lines = wrap(sub, width_pt, sub_size, max_lines=4) if sub else []
    ax.set_title(main, loc="left", fontsize=size, color=TEXT_COLOR, pad=8 + len(lines) * sub_size * 1.3 + pad_extra)
    if lines:
        ann = ax.annotate("\n".join(lines), xy=(0, 1), xycoords="axes fraction", xytext=(0, 5 + pad_extra),
                          textcoords="offset points", ha="left", va="bottom", fontsize=sub_size, color=MUTED,
                          annotation_clip=False, linespacing=1.15)
        ann.set_in_layout(False)


# -- text helpers -----------------------------------------------------------------------------
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
# a short full-width bracketed group stays on one line; other CJK characters break anywhere
_TOKEN = re.compile(r"（[^（）\s]{1,8}）|[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
                    r"|[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+|\s+")
NBSP = "\u00a0"
_GLUE = "\x00"  # stands for a no-break space while wrapping: not whitespace to the tokenizer
_JOIN = "\u2060"  # word joiner: no line break on either side
_NO_LINE_START = set("）)」』】〕，。、；：！？,.;:!?%·")
_NO_LINE_END = set("（(「『【〔")


def char_width(ch: str) -> float:
    """Approximate advance of one character in em (Noto Sans CJK SC)."""
    if _CJK.match(ch):
        return 1.0
    if ch == _JOIN:
        return 0.0
    if ch.isspace() or ch == _GLUE:
        return 0.25
    if ch in "il.,;:'|!()[]":
        return 0.3
    if ch.isupper() or ch in "mwMW@%&":
        return 0.66
    return 0.53


def text_width(s: str, size: float) -> float:
    """Approximate width of one line of text in points."""
    return sum(char_width(c) for c in s) * size


def wrap(text: str, width_pt: float, size: float, *, max_lines: int = 3) -> list[str]:
    """Greedy line breaking for mixed Latin/CJK text: Latin breaks between words, CJK between
    characters; lines beyond ``max_lines`` are cut with an ellipsis.

    >>> wrap("Copper ore mining and dressing", 60, 8)
    ['Copper ore', 'mining and', 'dressing']
    >>> wrap("铜矿采选（铜精矿）", 40, 8)
    ['铜矿采选', '（铜精矿）']
    """
    # a no-break space (U+00A0) holds words together: "path\u00a0completeness\u00a092%" never splits
    text = text.replace(NBSP, _GLUE)
    lines: list[str] = []
    cur = ""
    tokens: list[str] = []
    for tok in _TOKEN.findall(text):
        # a bracketed group too wide for a line breaks like any CJK text
        tokens.extend(_TOKEN.findall(tok[0]) + _TOKEN.findall(tok[1:]) if tok[0] == "（" and len(tok) > 1
                      and text_width(tok, size) > width_pt else [tok])
    joined: list[str] = []
    for tok in tokens:  # pieces joined by a word joiner (keep_together) are one token
        if joined and (joined[-1].endswith(_JOIN) or tok.startswith(_JOIN)):
            joined[-1] += tok
        else:
            joined.append(tok)
    for tok in joined:
        if tok.isspace():
            if cur:
                cur += " "
            continue
        trial = cur + tok
        if cur and text_width(trial.rstrip(), size) > width_pt and tok[0] not in _NO_LINE_START:
            carry = ""
            while cur and cur[-1] in _NO_LINE_END and len(cur) > 1:  # an opening bracket starts the next line
                carry, cur = cur[-1] + carry, cur[:-1]
            lines.append(cur.rstrip())
            cur = carry + tok
        else:
            cur = trial
    if cur.strip():
        lines.append(cur.rstrip())
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size) > width_pt:
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + "…"]
    return [ln.replace(_GLUE, " ").replace(_JOIN, "") for ln in lines] or [""]


def keep_together(text: str) -> str:
    """``text`` with its spaces made no-break, so that :func:`wrap` keeps it on one line when it can.

    >>> wrap(keep_together("path completeness 92%") + " · " + keep_together("index 94%"), 90, 8)
    ['path completeness 92% ·', 'index 94%']
    >>> wrap(keep_together("环节覆盖率 98%") + "，" + keep_together("衔接覆盖率 93%"), 60, 8)
    ['环节覆盖率 98%，', '衔接覆盖率 93%']
    """
    return _JOIN.join(text.replace(" ", NBSP))


#: Where a CJK name may break: after a conjunction or enumeration mark, around brackets, at a slash
#: or space, and where CJK meets Latin text. Between other CJK characters a break may split a
#: word (空调与制冷设/备), so :func:`wrap_words` avoids it.
_BREAK_AFTER = set("与及和、，；/ ）)")
_BREAK_BEFORE = set("（( ")


def _chunks(text: str) -> list[str]:
    """``text`` cut at its break opportunities (each chunk keeps its trailing separator)."""
    out, cur = [], ""
    for k, ch in enumerate(text):
        prev = text[k - 1] if k else ""
        cjk_latin = bool(prev) and bool(_CJK.match(prev)) != bool(_CJK.match(ch)) and not prev.isspace() \
            and not ch.isspace() and ch not in _NO_LINE_START and prev not in _NO_LINE_END
        if cur and (ch in _BREAK_BEFORE or prev in _BREAK_AFTER or cjk_latin) and ch not in _NO_LINE_START:
            out.append(cur)
            cur = ""
        cur += ch
    if cur:
        out.append(cur)
    return out


def wrap_words(text: str, width_pt: float, size: float, *, max_lines: int = 3,
               min_size: float | None = None) -> tuple[list[str], float]:
    """Lines and font size for a short name (a lane header) that never break inside a word.

    Breaks fall only at break opportunities (after 与/及/、, around brackets, at spaces and
    slashes, between CJK and Latin text), and the lines are balanced (no one-character orphan
    line). When a word does not fit at ``size``, the font shrinks in steps of 0.25 pt down to
    ``min_size`` (default 75% of ``size``); only when it does not fit even then does the name
    break like :func:`wrap`.

    >>> wrap_words("空调与制冷设备", 48, 7)
    (['空调与', '制冷设备'], 7)
    >>> wrap_words("铜箔（电解铜箔、压延铜箔）", 48, 7)
    (['铜箔', '（电解铜箔、', '压延铜箔）'], 7)
    """
    lo = 0.75 * size if min_size is None else min_size
    chunks = [c.strip() for c in _chunks(text) if c.strip()]
    f = size
    while f >= lo - 1e-9:
        lines = _balanced(chunks, width_pt, f, max_lines)
        if lines is not None:
            return lines, f
        f = round(f - 0.25, 2)
    return wrap(text, width_pt, size, max_lines=max_lines), size


def _balanced(chunks: list[str], width_pt: float, size: float, max_lines: int) -> list[str] | None:
    """Chunks packed into the fewest lines that fit, then the most even ones; None when a chunk is too wide."""
    import itertools

    n = len(chunks)
    if any(text_width(c, size) > width_pt for c in chunks):
        return None

    def join(a: int, b: int) -> str:
        out = ""
        for c in chunks[a:b]:
            out += (" " if out and not _CJK.match(out[-1]) and not _CJK.match(c[0]) and out[-1] not in "/（("
                    and c[0] not in ")）" else "") + c
        return out

    for k in range(1, min(max_lines, n) + 1):
        best, best_cost = None, math.inf
        for cuts in itertools.combinations(range(1, n), k - 1):
            bounds = (0, *cuts, n)
            lines = [join(a, b) for a, b in itertools.pairwise(bounds)]
            widths = [text_width(x, size) for x in lines]
            if max(widths) > width_pt:
                continue
            cost = sum((width_pt - x) ** 2 for x in widths) + (1e6 if any(len(x) < 2 for x in lines) else 0.0)
            if cost < best_cost:
                best, best_cost = lines, cost
        if best is not None:
            return best
    return None


def label_width(labels: list[str], size: float) -> float:
    """Width in points of the widest of ``labels`` (e.g. tick labels) plus the tick padding."""
    return max((text_width(t, size) for t in labels), default=0.0) + 10


#: Node size of a firm with unknown output, relative to the largest (1.0), when no firm of its
#: role has a known output either.
ROLE_SIZE = {"leader": 0.75, "backbone": 0.3, "sme": 0.08, "institution": 0.1, "service": 0.1}


def output_radius(output: Any, roles: Any, r_min: float, r_max: float) -> Any:
    """Node radii with area proportional to output (radius ~ sqrt(output)), from ``r_min`` to ``r_max``.

    A firm without output gets the size of its role's median output, or a role-typical size when
    no firm of that role has one (leaders large, SMEs small).

    >>> output_radius([100.0, 25.0, float("nan")], ["leader", "sme", "sme"], 0.0, 1.0).tolist()
    [1.0, 0.5, 0.5]
    """
    import numpy as np

    out = np.asarray(output, dtype=float)
    roles = np.asarray(roles, dtype=object)
    known = out[~np.isnan(out)]
    top = float(known.max()) if len(known) and known.max() > 0 else 1.0
    rel = np.sqrt(np.clip(out, 0, None) / top)
    for role in set(roles[np.isnan(out)]):
        mine = out[(roles == role) & ~np.isnan(out)]
        fill = math.sqrt(max(float(np.median(mine)), 0.0) / top) if len(mine) else math.sqrt(ROLE_SIZE.get(role, 0.1))
        rel[(roles == role) & np.isnan(out)] = fill
    return r_min + (r_max - r_min) * rel


class ShareFormatter(Formatter):
    """Tick labels of a share axis as percentages, with just enough decimals for the tick step.

    Ticks every 2.5% are labelled ``2.5%``, ``5.0%``, never rounded to ``2%``, ``5%``.
    """

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        import numpy as np

        steps = np.diff(np.sort(np.asarray(locs, dtype=float))) * 100
        steps = steps[steps > 1e-9]
        step = float(steps.min()) if len(steps) else 1.0
        self.decimals = 0
        while self.decimals < 4 and abs(step * 10 ** self.decimals - round(step * 10 ** self.decimals)) > 1e-6:
            self.decimals += 1

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x * 100:.{self.decimals}f}%"


def share_axis(axis: Any) -> None:
    """Ticks of a share axis at round percentages (steps of 1, 2, 2.5 or 5 times a power of ten), labelled exactly."""
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(ShareFormatter())


def pct(x: float | None, digits: int = 0) -> str:
    """A share as a percentage ('—' for None or NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x * 100:.{digits}f}%"


def firm_names(firms: Any, lang: str) -> list[str]:
    """Display names of a firms table in ``lang``: ``name_zh`` when present for zh, else ``name``."""
    # tolist() first: iterating an Arrow string column element by element is ~10x slower
    names = [str(n) for n in firms["name"].tolist()]
    if lang == "zh" and "name_zh" in firms:
        return [z if isinstance(z, str) and z else n for n, z in zip(names, firms["name_zh"].tolist())]
    return names


def cluster_title(meta: dict[str, Any], lang: str) -> str:
    """The cluster's name in ``lang`` (``name_zh`` for zh when present)."""
    if lang == "zh" and isinstance(meta.get("name_zh"), str):
        return meta["name_zh"]
    return str(meta.get("name") or meta.get("id") or "")


def template_title(t: Any, lang: str) -> str:
    return t.name_zh if lang == "zh" and isinstance(t.name_zh, str) else t.name
