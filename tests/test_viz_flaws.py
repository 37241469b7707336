"""Figure flaws a report author noticed (issue 18): each test inspects what was drawn, not pixels."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

import chainnet
from chainnet import Cluster
from chainnet._format import share
from chainnet.io import write_cluster
from chainnet.viz import _style as st
from chainnet.viz import leader_chart


def make(firms: list[tuple], links: list[tuple] = (), **meta) -> Cluster:
    """A cluster from (firm_id, role, segments[, output]) rows and (source, target) links."""
    rows = [{"firm_id": f[0], "name": f"Firm {f[0]}", "role": f[1], "segments": f[2],
             "output": f[3] if len(f) > 3 else None} for f in firms]
    lk = pd.DataFrame([{"source": a, "target": b} for a, b in links], columns=["source", "target"])
    return Cluster.from_frames(pd.DataFrame(rows), lk, meta={"id": "x", "name": "X", "template": "copper", **meta})


def drawn(fig):
    """Draw ``fig`` on an Agg canvas and return the renderer (for text extents)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def inside(box: Bbox, outer: Bbox, tol: float = 0.5) -> bool:
    return (box.x0 >= outer.x0 - tol and box.y0 >= outer.y0 - tol and box.x1 <= outer.x1 + tol
            and box.y1 <= outer.y1 + tol)


# -- shared share formatter ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.0, 0.025, 0.05, 0.1, 0.125, 0.2, 0.3])
def test_share_axis_labels_each_tick_with_its_own_value(value):
    fig, ax = st.new_axes(None, (6, 2))
    ax.barh([0, 1], [value, 0.18])
    st.share_axis(ax.xaxis)
    drawn(fig)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(set(labels)) == len(labels) >= 3  # no two ticks read the same
    for loc, lab in zip(ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()]):
        assert lab.endswith("%")
        assert float(lab[:-1]) == pytest.approx(loc * 100, abs=1e-9)  # exact, not rounded


def test_leader_chart_ticks_are_exact_percentages_and_the_figures_box_fits():
    for name in ("tongling_copper", "demo_copper"):
        c = chainnet.load_dataset(name)
        for lang in ("en", "zh"):
            fig, ax = leader_chart(c, lang=lang)
            r = drawn(fig)
            for loc, tick in zip(ax.get_xticks(), ax.get_xticklabels()):
                if tick.get_text():
                    assert float(tick.get_text().rstrip("%")) == pytest.approx(loc * 100, abs=1e-9)
            box = next(t for t in ax.texts if (t.get_gid() or "").startswith("leaders.figures"))
            patch = box.get_bbox_patch().get_window_extent(r)
            assert inside(patch, fig.bbox), (name, lang, patch, fig.bbox)


def test_degree_centralization_reads_the_same_in_figure_cli_and_report(tmp_path):
    from click.testing import CliRunner

    from chainnet.cli import main
    from chainnet.report import analyze

    # a star of one hub and four leaves: Freeman's centralization (METRICS.md) is
    # sum(d_max - d_i) / ((n-1)(n-2)) = 4 * (4 - 1) / (4 * 3) = 1 -> "100.0%"
    firms = [("hub", "leader", "smelting")] + [(f"l{i}", "sme", "rod") for i in range(4)]
    c = make(firms, [("hub", f"l{i}") for i in range(4)], year=2020)
    want = share(1.0)
    assert want == "100.0%"
    _, ax = leader_chart(c)
    fig_text = next(t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("leaders.figures"))
    assert f"degree centralization: {want}" in fig_text
    folder = tmp_path / "x"
    write_cluster(c, folder)
    out = CliRunner().invoke(main, ["leaders", str(folder)])
    assert out.exit_code == 0, out.output
    line = next(ln for ln in out.output.splitlines() if ln.strip().startswith("degree centralization"))
    assert want in line and not re.search(r"\b1\.000\b", line)
    rep = analyze(c, tmp_path / "rep", formats=("md",), candidates=[], null_models=0)
    md = (rep / "report.md").read_text(encoding="utf-8")
    row = next(ln for ln in md.splitlines() if "degree centralization" in ln)
    assert want in row
