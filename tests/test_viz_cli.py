"""`chainnet plot`: exit codes, the file written, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chainnet.cli import main
from chainnet.commands.plot import PLOT_KINDS


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("kind", "ext", "magic"), [("degree", "png", b"\x89PNG"), ("network", "svg", b"<?xml"),
                                                    ("leaders", "pdf", b"%PDF")])
def test_plot_writes_the_figure(tmp_path: Path, kind: str, ext: str, magic: bytes) -> None:
    out = tmp_path / f"fig.{ext}"
    r = run("plot", "demo_copper", "--kind", kind, "-o", str(out), "--dpi", "50")
    assert r.exit_code == 0, r.output
    assert r.output == f"wrote {out}\n"
    assert out.read_bytes().startswith(magic)


def test_plot_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (a, b):
        r = run("plot", "demo_copper", "--lang", "zh", "--orientation", "vertical", "--seed", "4", "-o", str(out))
        assert r.exit_code == 0, r.output
    assert a.read_bytes() == b.read_bytes()
    assert "图谱" in a.read_text(encoding="utf-8")


def test_plot_rejects_an_unknown_format_with_usage_error(tmp_path: Path) -> None:
    r = run("plot", "demo_copper", "-o", str(tmp_path / "fig.jpg"))
    assert r.exit_code == 2
    assert "cannot tell the figure format of" in r.output and ".png, .svg or .pdf" in r.output
    assert not (tmp_path / "fig.jpg").exists()
    r = run("plot", "demo_copper", "--kind", "pie", "-o", str(tmp_path / "fig.png"))
    assert r.exit_code == 2


def test_plot_reports_a_missing_folder_and_bad_data(tmp_path: Path) -> None:
    r = run("plot", "demo_copper", "-o", str(tmp_path / "nowhere" / "fig.png"))
    assert r.exit_code == 1 and "does not exist" in r.output and "Traceback" not in r.output
    r = run("plot", "no_such_dataset", "-o", str(tmp_path / "fig.png"))
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_plot_kinds_are_the_report_figures_and_documented() -> None:
    from chainnet.report import FIGURE_KINDS

    # `chainnet plot --kind` and `chainnet analyze` draw the same figures (two lists kept in two modules):
    # the ones always drawn and the three drawn when their analysis applies
    assert sorted(PLOT_KINDS) == sorted((*FIGURE_KINDS, "resilience", "profile", "timeline"))
    r = run("plot", "--help")
    assert r.exit_code == 0 and "chainnet plot demo_copper -o chain.png" in r.output
    for kind in PLOT_KINDS:
        assert f"{kind}:" in " ".join(r.output.split())  # each kind explained in the help


@pytest.mark.parametrize(("kind", "artist"), [("resilience", "resilience.role"), ("profile", "profile.cluster"),
                                             ("timeline", "timeline.index")])
def test_plot_draws_the_figures_analyze_adds(tmp_path: Path, kind: str, artist: str) -> None:
    out = tmp_path / f"{kind}.svg"
    r = run("plot", "demo_copper", "--kind", kind, "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert f'id="{artist}' in text  # the figure's own artists, by their ids


def test_plot_resilience_needs_links(tmp_path: Path) -> None:
    r = run("plot", "jilin_carbon_fibre", "--kind", "resilience", "-o", str(tmp_path / "r.png"))
    assert r.exit_code == 1 and "links unknown" in r.output and not (tmp_path / "r.png").exists()
