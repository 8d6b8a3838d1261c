"""Expected-output cases for the rule labeler (tests/test-cases/labels/*.json, written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.labeling import label, remove_spans

CASE_DIR = Path(__file__).parent / "test-cases" / "labels"


def _cases():
    for path in sorted(CASE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(case, id=f"{path.stem}:{case['name']}")


def all_cases() -> list[dict]:
    return [p.values[0] for p in _cases()]


@pytest.mark.parametrize("case", list(_cases()))
def test_case(case):
    text = case["text"]
    spans = label(text)
    got = [[s.label, s.rule, text[s.start : s.end]] for s in spans]
    assert got == case["expected"]
    clean = remove_spans(text, spans)
    if "clean" in case:
        assert clean == case["clean"]
        assert label(clean) == [], "the clean text must be content only"
    assert "\n\n" not in clean
    assert not clean.startswith("\n") and not clean.endswith("\n")


def test_case_files_are_not_empty():
    assert len(all_cases()) >= 40
