"""Data checks for ``builder/resources/lexicons/*.tsv``: headers, order, schema, coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from builder.normalize.artifacts import rules
from builder.normalize.families import EDIT_FAMILIES
from builder.normalize.lexicon import LexiconError, lexicon_names, load_lexicon, parse_lexicon

CASES_DIR = Path(__file__).parent / "test-cases" / "normalization"
EXPECTED_FILES = {"artifact_groups", "conversion_artifacts", "patterns"}
STEPS = {"mojibake", "pinyin", "punctuation", "artifacts", "whitespace"}


def _cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        out.extend(json.loads(path.read_text(encoding="utf-8")))
    return out


def test_all_expected_files_are_shipped() -> None:
    assert EXPECTED_FILES <= set(lexicon_names())


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_header(name: str) -> None:
    lex = load_lexicon(name)
    assert lex.name == name
    assert len(lex.description) > 20
    assert lex.columns and all(lex.columns)
    assert "sort" in lex.header


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_rows_sorted_and_unique(name: str) -> None:
    lex = load_lexicon(name)
    keys = [c.strip() for c in lex.header["sort"].removeprefix("by").split(",")]
    assert all(k in lex.columns for k in keys), keys
    sort_keys = [tuple(row[k] for k in keys) for row in lex.rows]
    assert sort_keys == sorted(sort_keys), f"{name}: rows not sorted by {keys}"
    assert len(set(sort_keys)) == len(sort_keys), f"{name}: duplicate rows"
    assert len(set(lex.raw_rows)) == len(lex.raw_rows)
    for raw in lex.raw_rows:
        assert all(field == field.strip() and field for field in raw), raw


def test_conversion_artifacts_schema() -> None:
    groups = {row["group"] for row in load_lexicon("artifact_groups").rows}
    for row in load_lexicon("conversion_artifacts").rows:
        assert row["wrong"] and row["right"], row
        assert row["wrong"] != row["right"], row
        assert len(row["right"]) <= len(row["wrong"]), "a longer repair would break strict alignment"
        assert row["family"] in EDIT_FAMILIES, row
        assert row["group"] in groups, row
        assert float(row["weight"]) > 0, row
        for ctx in (row["left_context"], row["right_context"]):
            if ctx:
                re.compile(ctx.removeprefix("!"))


def test_artifact_groups_schema() -> None:
    used = {row["group"] for row in load_lexicon("conversion_artifacts").rows}
    for row in load_lexicon("artifact_groups").rows:
        assert float(row["threshold"]) > 0, row
        assert row["group"] in used, f"group {row['group']} has no rows"


def test_patterns_schema() -> None:
    for row in load_lexicon("patterns").rows:
        re.compile(row["pattern"])
        assert row["step"] in STEPS, row
        assert re.fullmatch(r"[a-z_]+", row["name"]), row


def test_every_artifact_row_is_exercised_by_a_case() -> None:
    cases = _cases()
    compiled, _, _ = rules()
    for rule in compiled:
        exercised = False
        for case in cases:
            text = case["input"]
            if rule.right not in case["expected"] or case["edit_counts"].get(rule.family, 0) == 0:
                continue
            start = text.find(rule.wrong)
            while start >= 0 and not exercised:
                exercised = rule.holds(text, start, start + len(rule.wrong))
                start = text.find(rule.wrong, start + 1)
            if exercised:
                break
        assert exercised, f"no case exercises {rule.wrong} -> {rule.right} ({rule.left}, {rule.right_context})"


def test_every_pattern_is_exercised_by_a_case() -> None:
    cases = _cases()
    for row in load_lexicon("patterns").rows:
        pattern = re.compile(row["pattern"], re.MULTILINE)
        assert any(pattern.search(case["input"]) for case in cases), row["name"]


def test_malformed_files_are_rejected() -> None:
    with pytest.raises(LexiconError, match="name"):
        parse_lexicon("# description: d\n# columns: a\nx\n")
    with pytest.raises(LexiconError, match="fields"):
        parse_lexicon("# name: n\n# description: d\n# columns: a<TAB>b\nx\n")
