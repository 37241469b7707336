"""Segment placement of ``chainnet import`` measured on the hand-labelled firm set (floor 0.9).

Precision and recall are counted over (firm, segment) pairs: a firm placed in a segment its label
does not list is a false positive, a labelled segment it was not placed in a false negative.
The labels (tests/data/import_labelled/, written by hand independently of the importer) decide.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from chainnet import DataWarning, import_firms

DATA = Path(__file__).resolve().parent / "data" / "import_labelled"
TEMPLATES = ["copper", "li_battery", "rare_earth_magnet", "aluminium"]
FLOOR = 0.9


def scores(tid: str) -> tuple[float, float, int]:
    with open(DATA / f"{tid}.csv", encoding="utf-8", newline="") as f:
        labels = list(csv.DictReader(f))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = import_firms(DATA / f"{tid}.csv", template=tid)
    got = result.decisions
    assert list(got["name"]) == [r["name"] for r in labels]  # one decision per labelled row, in order
    tp = fp = fn = 0
    for row, segs in zip(labels, got["segments"]):
        p = {s for s in segs.split(";") if s}
        e = {s for s in row["expected_segments"].split(";") if s}
        tp, fp, fn = tp + len(p & e), fp + len(p - e), fn + len(e - p)
    return tp / (tp + fp), tp / (tp + fn), len(labels)


@pytest.mark.parametrize("tid", TEMPLATES)
def test_precision_and_recall_floor(tid: str) -> None:
    precision, recall, n = scores(tid)
    assert n >= 55
    assert precision >= FLOOR, f"{tid}: precision {precision:.3f} below {FLOOR}"
    assert recall >= FLOOR, f"{tid}: recall {recall:.3f} below {FLOOR}"


def test_institutions_and_services_are_recognised() -> None:
    for tid in TEMPLATES:
        with open(DATA / f"{tid}.csv", encoding="utf-8", newline="") as f:
            labels = list(csv.DictReader(f))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            roles = list(import_firms(DATA / f"{tid}.csv", template=tid).decisions["role"])
        for row, role in zip(labels, roles):
            if row["expected_role_hint"]:
                assert role == row["expected_role_hint"], f"{tid}: {row['name']} is {role}"
