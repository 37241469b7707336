"""The foundation commands: exit codes, exact summaries, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import chainnet
from chainnet.cli import main
from tests.conftest import LINKS, write_cluster_folder


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def test_version() -> None:
    r = run("--version")
    assert r.exit_code == 0 and r.output.strip() == f"chainnet, version {chainnet.__version__}"


def test_validate_prints_one_line_summary() -> None:
    r = run("validate", "demo_copper")
    assert r.exit_code == 0
    # demo_copper: 13 firms, 12 inside the cluster of which 11 leader/backbone/sme; 14 link rows; copper has 18 segments
    assert r.output == ("ok: demo_copper: 13 firms (11 local, 1 external), 14 links, 18 template segments "
                        "[copper (18 segments)]\n")


def test_validate_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "bad", links=LINKS + "a,ghost,supply,-1,\n")
    r = run("validate", str(folder))
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "links.csv, row 5, column 'target': unknown firm 'ghost'" in r.output
    assert "links.csv, row 5, column 'weight': weight must be > 0" in r.output


def test_unknown_path_is_a_data_error_not_a_traceback() -> None:
    r = run("validate", "no_such_cluster")
    assert r.exit_code == 1 and "not a bundled dataset id" in r.output and "Traceback" not in r.output


def test_usage_errors_exit_2() -> None:
    assert run("export", "demo_copper", "--to", "pdf", "-o", "x").exit_code == 2
    assert run("validate").exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_export_every_format_and_refuse_overwrite(tmp_path: Path) -> None:
    for fmt, name in (("folder", "f"), ("xlsx", "c.xlsx"), ("graphml", "c.graphml"), ("gexf", "c.gexf"),
                      ("json", "c.json")):
        out = tmp_path / name
        r = run("export", "demo_copper", "--to", fmt, "-o", str(out))
        assert r.exit_code == 0, r.output
        assert run("validate", str(out)).exit_code == 0
    r = run("export", "demo_copper", "--to", "json", "-o", str(tmp_path / "c.json"))
    assert r.exit_code == 1 and "already exists" in r.output
    assert run("export", "demo_copper", "--to", "json", "-o", str(tmp_path / "c.json"), "--force").exit_code == 0


def test_templates_list_and_show() -> None:
    r = run("templates")
    assert r.exit_code == 0
    ids = [line.split()[0] for line in r.output.splitlines()[2:]]
    assert ids == chainnet.builtin_templates()
    r = run("templates", "show", "copper")
    assert r.exit_code == 0 and "铜产业链" in r.output and "cathode" in r.output
    data = json.loads(run("templates", "show", "copper", "--format", "json").output)
    assert data["id"] == "copper" and ("foil", "ccl") in {(f["from"], f["to"]) for f in data["flow"]}
    assert run("templates", "show", "unobtainium").exit_code == 1


def test_datasets_lists_bundled_ids() -> None:
    r = run("datasets", "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.output)
    assert "demo_copper" in [row["id"] for row in rows]
    demo = next(row for row in rows if row["id"] == "demo_copper")
    assert demo["firms"] == 13 and demo["links"] == 14


def test_duplicate_link_warning_goes_to_stderr(tmp_path: Path) -> None:
    folder = write_cluster_folder(tmp_path / "dup", links=LINKS + "a,b,supply,1,2015\n")
    r = CliRunner().invoke(main, ["validate", str(folder)])
    assert r.exit_code == 0
    assert "warning:" in r.stderr and "1 duplicate link rows" in r.stderr
    assert r.stdout.startswith("ok: mini_cluster:")


def test_candidates_can_follow_one_flag_or_be_repeated() -> None:
    """`--candidates A B` (as the issues write it), repeated flags and commas give the same audit."""
    outs = []
    for args in (["--candidates", "tongling_copper", "suzhou_nano"],
                 ["--candidates", "tongling_copper", "--candidates", "suzhou_nano"],
                 ["--candidates", "tongling_copper,suzhou_nano"]):
        r = run("audit", "demo_copper", *args, "--format", "json")
        assert r.exit_code == 0, r.output
        outs.append(json.loads(r.output)["candidates"])
    assert outs[0] == outs[1] == outs[2] and outs[0]
    r = run("audit", "demo_copper", "stray")
    assert r.exit_code == 2 and "did you mean --candidates stray" in r.output


def test_analyze_takes_path_then_several_candidates(tmp_path: Path) -> None:
    r = run("analyze", "demo_copper", "-o", str(tmp_path / "r"), "--candidates", "tongling_copper", "suzhou_nano",
            "--format", "md", "--null-models", "0", "--dpi", "40", "-q")
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "r" / "results.json").read_text("utf-8"))
    assert res["cluster"]["id"] == "demo_copper"
    assert {c["cluster"] for c in res["audit"]["candidates"]} <= {"demo_copper", "tongling_copper", "suzhou_nano"}
    assert "tongling_copper" in {c["cluster"] for c in res["audit"]["candidates"]}
