"""The user documentation stays in step with the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _gen_cli():
    spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_reference_is_up_to_date() -> None:
    expected = _gen_cli().render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is out of date: run python docs/gen_cli.py"


def test_every_command_is_in_the_cli_reference() -> None:
    from chainnet.cli import main

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in main.list_commands(None):
        assert f"## chainnet {name}\n" in text


def test_links_in_readme_and_docs_point_at_files() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_readme_python_tour_runs_and_says_the_truth(tmp_path: Path, monkeypatch) -> None:
    """The README's Python lines run, and the types its comments name are the real ones."""
    import contextlib
    import io

    import pandas as pd

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"In Python:\n\n```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block, "README.md", "exec"), ns)
    import matplotlib.pyplot as plt

    plt.close("all")
    assert (tmp_path / "chain.pdf").stat().st_size > 0
    a, ld = ns["a"], ns["ld"]
    assert "a.completeness (dict" in block and isinstance(a.completeness, dict)
    assert all(isinstance(getattr(a, k), pd.DataFrame) for k in ("segments", "flows", "gaps", "candidates"))
    assert "ld.figures (dict)" in block and isinstance(ld.figures, dict)
    assert all(isinstance(getattr(ld, k), pd.DataFrame) for k in ("firms", "leaders", "mismatches"))


def test_api_page_names_every_exported_result_class() -> None:
    import chainnet

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    results = [n for n in chainnet.__all__ if isinstance(getattr(chainnet, n), type)
               and hasattr(getattr(chainnet, n), "tables")]
    assert len(results) >= 14
    for name in results:
        assert f"`{name}`" in text, f"docs/api.md does not describe {name}"
