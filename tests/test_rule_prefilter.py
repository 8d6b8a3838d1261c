"""The rule prefilter is only an optimisation: it must never drop a rule that would match.

``RuleSet.candidates`` narrows the rules tried on a line (literal prefixes,
first characters, required characters, bit masks). If it dropped a rule whose
pattern matches, labels would silently change. These tests compare it with
the brute-force answer on every line of the label cases and the seeds, and on
Hypothesis mutations of those lines.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.labeling.rules import RuleSet, load_rules
from builder.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
CASE_DIR = ROOT / "tests" / "test-cases" / "labels"
#: the scope groups the labeler asks about (see ``builder.labeling.labeler.label``)
SCOPE_GROUPS = (("block", "split_title", "line"), ("line",), ("inline",))


@cache
def _lines() -> tuple[str, ...]:
    texts = []
    for path in sorted(CASE_DIR.glob("*.json")):
        texts.extend(case["text"] for case in json.loads(path.read_text(encoding="utf-8"))["cases"])
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        texts.append(normalize(path.read_text(encoding="utf-8")).text)
    return tuple(sorted({line for text in texts for line in text.split("\n") if line}))


def _brute_force(rules: RuleSet, scopes: tuple[str, ...], line: str) -> list[str]:
    """Rules of ``scopes`` whose length guards admit ``line`` and one of whose patterns matches."""
    return [
        r.id
        for r in rules
        if r.scope in scopes
        and r.min_line_chars <= len(line) <= r.max_line_chars
        and any(p.search(line) for p in r.patterns)
    ]


def _check(rules: RuleSet, line: str) -> int:
    matched = 0
    for scopes in SCOPE_GROUPS:
        chosen = [r.id for r in rules.candidates(scopes, line)]
        order = [r.id for r in rules if r.scope in scopes]
        assert chosen == sorted(chosen, key=order.index), f"candidates out of priority order for {line!r}"
        missing = set(_brute_force(rules, scopes, line)) - set(chosen)
        assert not missing, f"prefilter dropped {sorted(missing)} for {scopes} on {line!r}"
        matched += len(_brute_force(rules, scopes, line))
    return matched


def test_prefilter_keeps_every_matching_rule_on_real_lines() -> None:
    rules = load_rules()
    lines = _lines()
    assert len(lines) > 300
    matched = sum(_check(rules, line) for line in lines)
    # the comparison is not vacuous: many of these lines are boilerplate
    assert matched > 200


def test_prefilter_narrows_the_rules() -> None:
    """Running text stops at the gate; a footer line passes it, and then the
    first-character masks still leave out most rules (a selector that returned
    every rule would fail here)."""
    rules = load_rules()
    scopes = SCOPE_GROUPS[0]

    def eligible(line: str) -> list:
        return [r for r in rules if r.scope in scopes and r.min_line_chars <= len(line) <= r.max_line_chars]

    sentence = "基层党组织是党在社会基层组织中的战斗堡垒，是党的全部工作和战斗力的基础。" * 3
    assert rules.candidates(scopes, sentence) == ()
    footer = "版权所有 2024 某某网 保留所有权利"
    chosen = rules.candidates(scopes, footer)
    assert "footer.copyright" in {r.id for r in chosen}
    assert len(chosen) < len(eligible(footer)) / 2


@cache
def _alphabet() -> str:
    """Characters the rules care about (literals in their patterns), plus digits, spaces, punctuation."""
    chars: set[str] = set("0123456789 \t|-:：，。、()（）[]【】")
    for r in load_rules():
        for p in (*r.patterns, *r.continue_patterns, *r.end_patterns):
            chars.update(c for c in p.pattern if not c.isascii() or c.isalnum())
    return "".join(sorted(chars))


@st.composite
def _mutated_line(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(_lines()))
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(line)))
        kind = draw(st.sampled_from(["insert", "delete", "cut"]))
        if kind == "insert":
            line = line[:pos] + draw(st.text(st.sampled_from(_alphabet()), min_size=1, max_size=6)) + line[pos:]
        elif kind == "delete":
            line = line[:pos] + line[pos + draw(st.integers(1, 3)) :]
        else:
            line = line[pos:] if draw(st.booleans()) else line[:pos]
    return line


@settings(max_examples=400, deadline=None)
@given(_mutated_line())
def test_prefilter_keeps_every_matching_rule_on_mutated_lines(line: str) -> None:
    if line:
        _check(load_rules(), line)


def test_case_insensitive_and_anchored_rules_are_covered() -> None:
    """The rule set exercises the prefilter's special paths, so the tests above reach them."""
    rules = load_rules()
    assert any(p.flags & re.IGNORECASE for r in rules for p in r.patterns)
    assert any(p.pattern.startswith("^") for r in rules for p in r.patterns)
    assert any(not p.pattern.startswith("^") for r in rules for p in r.patterns)
