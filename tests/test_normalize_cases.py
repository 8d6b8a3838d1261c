"""Expected-output cases for the normalizer, one JSON file per edit family.

Each case in ``tests/test-cases/normalization/*.json`` is
``{"name", "input", "expected", "edit_counts": {family: n}}`` (counts are a
subset), optionally ``"xfail": "reason"`` for a known gap. The expected strings
were written by hand from ``shared/spec/normalization.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builder.normalize import EDIT_FAMILIES, normalize

CASES_DIR = Path(__file__).parent / "test-cases" / "normalization"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    """Every case as ``(file stem, case)``."""
    out = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            out.append((path.stem, case))
    return out


def _params() -> list[Any]:
    params = []
    for stem, case in load_cases():
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        params.append(pytest.param(case, id=f"{stem}:{case['name']}", marks=marks))
    return params


def test_case_files_are_well_formed() -> None:
    names = set()
    for stem, case in load_cases():
        assert set(case) <= {"name", "input", "expected", "edit_counts", "xfail"}, case
        assert {"name", "input", "expected", "edit_counts"} <= set(case), case
        assert (stem, case["name"]) not in names, f"duplicate case name {case['name']}"
        names.add((stem, case["name"]))
        assert set(case["edit_counts"]) <= set(EDIT_FAMILIES), case["name"]
    stems = {stem for stem, _ in load_cases()}
    # one file per family the seeds show, plus the negative cases
    assert set(EDIT_FAMILIES) <= stems | {"unchanged"}


@pytest.mark.parametrize("case", _params())
def test_expected_output(case: dict[str, Any]) -> None:
    result = normalize(case["input"])
    assert result.text == case["expected"]
    counts = {f: result.edit_counts[f] for f in case["edit_counts"]}
    assert counts == case["edit_counts"]
    assert result.alignment.text_length == len(result.text)
    assert result.alignment.raw_length == len(case["input"])
    if result.text:
        assert result.alignment.is_strict()
    assert normalize(result.text).text == result.text
