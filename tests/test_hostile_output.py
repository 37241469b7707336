"""Hostile and unlucky users against chainnet's outputs (issue 16, output half).

Warnings never hang the CLI; no workbook cell is ever a formula; --force never deletes what
chainnet did not write; replacing is atomic; a cluster without years still gets a report;
report.md cannot be broken or injected by names; over-large workbooks and wrong -o paths are
refused before anything is computed or written.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import click
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import chainnet
from chainnet import _output
from chainnet._errors import DataWarning
from chainnet.cli import _Group, main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "datasets" / "demo_copper"

FORMULA_NAMES = ['=HYPERLINK("http://example.invalid/x","click")', "=cmd|' /C calc'!A0", "#N/A", "+1+2", "@SUM(A1)"]


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts a Python loop in the main thread."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def demo_copy(folder: Path, *, name: str | None = None, firm_names: dict[str, str] | None = None,
              no_years: bool = False) -> Path:
    """demo_copper copied to ``folder`` with a new cluster name, new firm names, or no years at all."""
    folder.mkdir(parents=True)
    toml = (DEMO / "cluster.toml").read_text("utf-8")
    if name is not None:
        toml = re.sub(r'(?m)^name\s*=\s*".*"$', "name = " + json.dumps(name, ensure_ascii=False), toml)
    if no_years:
        toml = re.sub(r"(?m)^year\s*=.*$", "", toml)
    (folder / "cluster.toml").write_text(toml, "utf-8")
    firms = pd.read_csv(DEMO / "firms.csv", dtype=str, keep_default_na=False)
    links = pd.read_csv(DEMO / "links.csv", dtype=str, keep_default_na=False)
    for fid, new in (firm_names or {}).items():
        firms.loc[firms["firm_id"] == fid, "name"] = new
    if no_years:
        firms = firms.drop(columns=[c for c in ("founded", "exited") if c in firms.columns])
        links = links.drop(columns=[c for c in ("year", "until") if c in links.columns])
    firms.to_csv(folder / "firms.csv", index=False)
    links.to_csv(folder / "links.csv", index=False)
    return folder


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# -- 1. warnings never hang the CLI ---------------------------------------------------------------
def test_cli_prints_each_warning_once_and_never_loops() -> None:
    @click.group(cls=_Group)
    def grp() -> None:
        pass

    @grp.command()
    def noisy() -> None:
        for _ in range(1000):
            warnings.warn("merged 2 duplicate links", DataWarning, stacklevel=1)
        warnings.warn("Glyph 128310 missing from font(s) DejaVu Sans.", UserWarning, stacklevel=1)
        warnings.warn("overflow encountered", RuntimeWarning, stacklevel=1)

    with time_limit(20):
        r = CliRunner().invoke(grp, ["noisy"])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == ["warning: merged 2 duplicate links",
                                     "warning: Glyph 128310 missing from font(s) DejaVu Sans.",
                                     "warning: RuntimeWarning: overflow encountered"]


def test_many_distinct_warnings_are_counted_not_listed() -> None:
    @click.group(cls=_Group)
    def grp() -> None:
        pass

    @grp.command()
    def noisy() -> None:
        for i in range(5000):
            warnings.warn(f"row {i} looks odd", DataWarning, stacklevel=1)

    with time_limit(20):
        r = CliRunner().invoke(grp, ["noisy"])
    lines = r.stderr.splitlines()
    assert lines[0] == "warning: row 0 looks odd" and len(lines) == 21
    assert lines[-1] == "warning: ... and 4,980 more warnings"


def test_emoji_name_plotting_leaders_finishes(tmp_path: Path) -> None:
    c = demo_copy(tmp_path / "emo", name="🔶 Demo copper cluster")
    with time_limit(120):
        r = CliRunner().invoke(main, ["plot", str(c), "--kind", "leaders", "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x.png").stat().st_size > 1000
    glyph = [ln for ln in r.stderr.splitlines() if "Glyph" in ln]
    assert len(glyph) <= 1 and all(ln.startswith("warning: ") for ln in glyph)


_X14_LIST = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
             b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
             b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
             b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>meta!$A$2:$A$4</xm:f>'
             b"</x14:formula1><xm:sqref>C2:C200</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
             b"</extLst>")


def test_workbook_with_drop_down_lists_validates(tmp_path: Path) -> None:
    plain = tmp_path / "dv.xlsx"
    chainnet.write_cluster(chainnet.load_dataset("demo_copper"), plain)
    wb = openpyxl.load_workbook(plain)
    dv = openpyxl.worksheet.datavalidation.DataValidation(type="list", formula1='"leader,backbone,sme"')
    wb["firms"].add_data_validation(dv)
    dv.add("C2:C200")
    wb.save(plain)
    # Excel writes a list that points at another sheet as an x14 extension: openpyxl warns about it
    ext = tmp_path / "dv_ext.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(ext, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            data = src.read(n)
            if n.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</worksheet>", _X14_LIST + b"</worksheet>")
            dst.writestr(n, data)
    for book in (plain, ext):
        with time_limit(60):
            r = run("validate", str(book))
        assert r.exit_code == 0, r.output
        assert r.stdout.startswith("ok: demo_copper: 13 firms")
        assert r.stderr == ""  # openpyxl's note on features chainnet does not read is not the user's problem


# -- 2. no formula in any workbook; names round-trip ----------------------------------------------------
def formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    try:
        return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    finally:
        wb.close()


def recalculates_on_open(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")


def test_export_xlsx_writes_names_as_text_and_they_round_trip(tmp_path: Path) -> None:
    ids = ["mine_a", "smelter_a", "refiner_b", "rod_a", "lab_a"]
    names = dict(zip(ids, FORMULA_NAMES))
    src = demo_copy(tmp_path / "src", name="=1+1", firm_names=names)
    out = tmp_path / "c.xlsx"
    r = run("export", str(src), "--to", "xlsx", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert formula_cells(out) == []
    assert not recalculates_on_open(out)
    back = chainnet.read_cluster(out)
    got = dict(zip(back.firms["firm_id"], back.firms["name"]))
    assert {i: got[i] for i in ids} == names
    assert back.name == "=1+1"
    # and once more through a folder: nothing changes on the way
    r = run("export", str(out), "--to", "xlsx", "-o", str(tmp_path / "again.xlsx"))
    assert r.exit_code == 0 and formula_cells(tmp_path / "again.xlsx") == []
    assert dict(zip(*[chainnet.read_cluster(tmp_path / "again.xlsx").firms[k] for k in ("firm_id", "name")])) == got


# -- analyze on a hostile cluster without years: one run, several facts --------------------------------
HOSTILE_CLUSTER = "<script>alert(1)</script> | `rm -rf` *bold*"
HOSTILE_FIRMS = {"mine_a": '=HYPERLINK("http://example.invalid/x","click")', "smelter_a": "A|B `code` <b>x</b>",
                 "refiner_b": "=cmd|' /C calc'!A0", "rod_a": "[link](http://example.invalid) _under_"}


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    src = demo_copy(base / "src", name=HOSTILE_CLUSTER, firm_names=HOSTILE_FIRMS, no_years=True)
    out = base / "report"
    r = run("analyze", str(src), "-o", str(out), "--null-models", "0", "--dpi", "30", "--format", "md,xlsx",
            "--candidates", "demo_copper", "-q")
    assert r.exit_code == 0, r.output
    return out


def test_analyze_without_years_skips_the_timeline_with_a_note(hostile_report: Path) -> None:
    res = json.loads((hostile_report / "results.json").read_text("utf-8"))
    assert res["timeline"] is None and "timeline" not in res["figures"]
    md = (hostile_report / "report.md").read_text("utf-8")
    assert "## Over the years\n\nNo timeline:" in md
    sheets = openpyxl.load_workbook(hostile_report / "report.xlsx", read_only=True).sheetnames
    assert "Timeline" not in sheets and "Profile" in sheets  # the sheet names of an English report


def test_report_xlsx_has_no_formula(hostile_report: Path) -> None:
    path = hostile_report / "report.xlsx"
    assert formula_cells(path) == []
    assert not recalculates_on_open(path)
    wb = openpyxl.load_workbook(path, read_only=True)
    texts = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    wb.close()
    assert HOSTILE_FIRMS["mine_a"] in texts and HOSTILE_FIRMS["refiner_b"] in texts  # kept exactly, as text


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_report_md_escapes_names(hostile_report: Path) -> None:
    md = (hostile_report / "report.md").read_text("utf-8")
    assert "<script>" not in md and "<b>" not in md and "&lt;script&gt;" in md
    assert md.splitlines()[0].startswith("# &lt;script&gt;alert(1)&lt;/script&gt; \\| \\`rm -rf\\` \\*bold\\*")
    assert "[link](" not in md and "\\[link\\](http://example.invalid) \\_under\\_" in md
    # every row of every table has exactly as many cell borders as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|---"):
            cells = unescaped_pipes(lines[i - 1])
            j = i + 1
            while j < len(lines) and lines[j].startswith("|"):
                assert unescaped_pipes(lines[j]) == cells, lines[j]
                j += 1


def test_markdown_folds_newlines_and_escapes_every_block() -> None:
    from chainnet.report import _Doc, render_markdown

    d = _Doc("en")
    d.h(1, "Name\n# injected heading")
    d.p("first\n\n<img src=x onerror=alert(1)>")
    d.table(pd.DataFrame({"firm": ["a\nb|c", "`x`"], "n": [1, 2]}))
    md = render_markdown(d)
    assert md.splitlines()[:5] == ["# Name \\# injected heading", "", "first  &lt;img src=x onerror=alert(1)&gt;", "",
                                   "| firm | n |"]
    assert "| a b\\|c | 1 |" in md and "| \\`x\\` | 2 |" in md


# -- 3. --force never deletes what chainnet did not write --------------------------------------------------
def user_folder(path: Path) -> dict[str, str]:
    path.mkdir(parents=True)
    files = {"thesis.docx": "years of work", "notes.txt": "mine"}
    for name, text in files.items():
        (path / name).write_text(text)
    return files


def contents(path: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in path.iterdir()}


def test_force_refuses_a_folder_of_user_files(tmp_path: Path) -> None:
    files = user_folder(tmp_path / "mine")
    for args in (["analyze", "no_such_cluster", "-o", str(tmp_path / "mine"), "--force"],
                 ["export", "demo_copper", "--to", "folder", "-o", str(tmp_path / "mine"), "--force"]):
        r = run(*args)
        assert r.exit_code == 1 and "was not written by chainnet" in r.output, r.output
        assert contents(tmp_path / "mine") == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temporary folder left behind


@pytest.mark.parametrize("target", [".", "..", "HOME", "/", "ANCESTOR"])
def test_dot_dotdot_home_root_and_ancestors_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        target: str) -> None:
    home = tmp_path / "home"
    work = home / "projects" / "work"
    work.mkdir(parents=True)
    (work / "data.csv").write_text("keep")
    (home / "projects" / "sibling.txt").write_text("keep too")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    out = {"HOME": str(home), "ANCESTOR": str(home / "projects")}.get(target, target)
    # chainnet's own marker does not make them fair game either
    (work / _output.MARKER).write_text("")
    for args in (["analyze", "demo_copper", "-o", out, "--force"],
                 ["export", "demo_copper", "--to", "folder", "-o", out, "--force"]):
        r = run(*args)
        assert r.exit_code == 1, r.output
        assert "chainnet never writes an output over it" in r.output
    assert (work / "data.csv").read_text() == "keep" and (home / "projects" / "sibling.txt").read_text() == "keep too"


def test_marker_and_empty_folder_rules(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()  # an empty folder may receive an output without --force
    assert run("export", "demo_copper", "--to", "folder", "-o", str(out)).exit_code == 0
    assert (out / _output.MARKER).is_file() and (out / "firms.csv").is_file()
    (out / "extra.txt").write_text("added later")
    r = run("export", "demo_copper", "--to", "folder", "-o", str(out))
    assert r.exit_code == 1 and "already exists" in r.output and (out / "extra.txt").exists()
    r = run("export", "demo_copper", "--to", "folder", "-o", str(out), "--force")
    assert r.exit_code == 0, r.output  # chainnet wrote it: replaced as a whole
    assert sorted(p.name for p in out.iterdir()) == [_output.MARKER, "cluster.toml", "firms.csv", "links.csv"]
    (out / _output.MARKER).unlink()
    r = run("export", "demo_copper", "--to", "folder", "-o", str(out), "--force")
    assert r.exit_code == 1 and "was not written by chainnet" in r.output


# -- 4. atomic replacement and leftovers of interrupted runs -------------------------------------------------
def written(path: Path, text: str) -> Path:
    path.mkdir()
    (path / _output.MARKER).write_text(_output.MARKER_TEXT)
    (path / "report.md").write_text(text)
    return path


def test_kill_between_set_aside_and_move_in_is_finished_by_the_next_run(tmp_path: Path) -> None:
    pid = dead_pid()
    # the state a kill leaves after the old report went aside and before the new one moved in
    written(tmp_path / f".chainnet-old-{pid}-0123abcd-report", "old")
    written(tmp_path / f".chainnet-tmp-{pid}-89abcdef-report", "new")
    _output.check_output(tmp_path / "other", kind="folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    assert (tmp_path / "report" / "report.md").read_text() == "new"


def test_kill_while_writing_keeps_the_old_output(tmp_path: Path) -> None:
    pid = dead_pid()
    written(tmp_path / "report", "old")
    half = tmp_path / f".chainnet-tmp-{pid}-89abcdef-report"
    half.mkdir()
    (half / "report.md").write_text("half")  # no marker: it was never complete
    aside = written(tmp_path / f".chainnet-old-{pid}-0123abcd-gone", "old of a missing target")
    _output.check_output(tmp_path / "other", kind="folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone", "report"]  # the old one is put back
    assert (tmp_path / "report" / "report.md").read_text() == "old"
    assert not aside.exists()


def test_leftovers_of_a_running_process_are_left_alone(tmp_path: Path) -> None:
    running = written(tmp_path / f".chainnet-tmp-{os.getppid()}-89abcdef-report", "in progress")
    _output.check_output(tmp_path / "other", kind="folder")
    assert running.exists()


def test_failed_swap_puts_the_old_output_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    chainnet.write_cluster(chainnet.load_dataset("demo_copper"), out)
    before = contents(out)
    real_rename = os.rename

    def rename(src: str, dst: str) -> None:
        if Path(src).name.startswith(".chainnet-tmp-"):
            raise OSError(28, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(_output.os, "rename", rename)
    r = run("export", "demo_copper", "--to", "folder", "-o", str(out), "--force")
    assert r.exit_code == 1 and "No space left on device" in r.output and "Traceback" not in r.output
    assert contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failure_while_writing_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chainnet.io as cio

    out = tmp_path / "c.json"
    out.write_text("old")

    def broken(cluster: object, path: Path) -> None:
        Path(path).write_text("half")
        raise chainnet.ChainnetError("writer failed")

    monkeypatch.setattr(cio, "_write_json", broken)
    r = run("export", "demo_copper", "--to", "json", "-o", str(out), "--force")
    assert r.exit_code == 1 and "writer failed" in r.output
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]


# -- single files: no overwrite without --force, never through a link, checked before computing ---------------
def test_single_file_outputs_are_checked_before_any_work(tmp_path: Path) -> None:
    existing = tmp_path / "fig.png"
    existing.write_text("my picture")
    # the dataset does not exist: the -o check must come first to be the error reported
    for args in (["plot", "no_such_cluster", "-o", str(existing)],
                 ["compare", "no_such_a", "no_such_b", "-o", str(existing)],
                 ["timeline", "no_such_cluster", "-o", str(existing)],
                 ["profile", "no_such_cluster", "-o", str(existing)],
                 ["resilience", "no_such_cluster", "-o", str(existing)],
                 ["export", "no_such_cluster", "--to", "json", "-o", str(existing)],
                 ["generate", "--template", "copper", "--firms", "50", "-o", str(existing), "--format", "json"]):
        r = run(*args)
        assert r.exit_code == 1 and "already exists" in r.output and "pass --force" in r.output, (args, r.output)
    assert existing.read_text() == "my picture"


def test_symlinked_output_is_refused_even_with_force(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "fig.png").symlink_to(victim)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    for args in (["plot", "no_such_cluster", "-o", str(tmp_path / "fig.png"), "--force"],
                 ["export", "no_such_cluster", "--to", "json", "-o", str(tmp_path / "dangling.json"), "--force"],
                 ["analyze", "no_such_cluster", "-o", str(tmp_path / "dirlink"), "--force"]):
        r = run(*args)
        assert r.exit_code == 1 and "is a symbolic link" in r.output, (args, r.output)
    assert victim.read_text() == "precious" and not (tmp_path / "nowhere.json").exists()


def test_file_where_a_folder_is_expected_and_the_reverse(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "d.json").mkdir()
    r = run("export", "no_such_cluster", "--to", "folder", "-o", str(tmp_path / "a.txt"))
    assert r.exit_code == 1 and "is a file, not a folder" in r.output
    r = run("export", "no_such_cluster", "--to", "json", "-o", str(tmp_path / "d.json"), "--force")
    assert r.exit_code == 1 and "is a folder, not a file" in r.output
    r = run("export", "no_such_cluster", "--to", "json", "-o", str(tmp_path / "a.txt" / "c.json"))
    assert r.exit_code == 1 and "is a file, not a folder" in r.output


# -- 10. an over-large workbook is refused before writing -------------------------------------------------------
def test_too_large_xlsx_is_an_error_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chainnet import _xlsx

    big = pd.DataFrame({"n": range(_xlsx.MAX_ROWS)})  # with the header one row too many
    with pytest.raises(chainnet.ValidationError, match="needs 1,048,577 rows with the header"):
        _xlsx.write_workbook({"links": big}, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()
    # the same through the CLI, with the limit lowered to below demo_copper's 14 links
    monkeypatch.setattr(_xlsx, "MAX_ROWS", 10)
    r = run("export", "demo_copper", "--to", "xlsx", "-o", str(tmp_path / "c.xlsx"))
    assert r.exit_code == 1 and "c.xlsx sheet 'links': needs 15 rows" in r.output and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []
