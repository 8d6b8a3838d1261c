"""Step 6: conversion artifacts and anti-duplicate word swaps (lexicon-driven).

Documents that went through a word-level simplified/traditional round trip
carry wrong words (效劳 for 服务, 根底 for 基础, 原那么 for 原则, 〞 for ”), and
some sites swap words to dodge duplicate detection (怎么写作 for 服务). Several
of these wrong words are also real words (局部, 广阔, 开展, 怎么写作), so:

* each repair is a row of ``conversion_artifacts.tsv`` with optional left and
  right contexts (regexes; ``!`` negates) that must hold at the hit;
* each row belongs to a group of ``artifact_groups.tsv`` and adds its weight
  to the group's evidence; a group's repairs run only when the document's
  evidence reaches the group's threshold — an unambiguous marker (〞, 原那么)
  weighs as much as the threshold, an ambiguous word much less.

Why one combined regex: all wrong words are found in a single ``finditer`` scan,
and contexts are checked only at the few hits.

>>> doc = "坚持原那么，效劳群众。"
>>> [(e.replacement, e.family) for e in find_edits(doc)]
[('原则', 'conversion_artifact'), ('服务', 'conversion_artifact')]
>>> find_edits("这片广阔的土地需要开展工作。")
[]
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from builder.alignment import TextEdit
from builder.normalize.lexicon import load_lexicon

__all__ = ["LEFT_WINDOW", "ArtifactRule", "find_edits", "rules"]

#: how far back (characters) a left context may look
LEFT_WINDOW = 16


@dataclass(frozen=True, slots=True)
class ArtifactRule:
    """One row of ``conversion_artifacts.tsv``, with its contexts compiled."""

    wrong: str
    right: str
    family: str
    group: str
    left: re.Pattern[str] | None
    left_negated: bool
    right_context: re.Pattern[str] | None
    right_negated: bool
    weight: float

    def holds(self, text: str, start: int, end: int) -> bool:
        """True when both contexts hold around ``text[start:end]``."""
        if self.left is not None:
            found = self.left.search(text, max(0, start - LEFT_WINDOW), start) is not None
            if found == self.left_negated:
                return False
        if self.right_context is not None:
            found = self.right_context.match(text, end) is not None
            if found == self.right_negated:
                return False
        return True


def _context(source: str, *, left: bool) -> tuple[re.Pattern[str] | None, bool]:
    if not source:
        return None, False
    negated = source.startswith("!")
    body = source[1:] if negated else source
    pattern = f"(?:{body})\\Z" if left else f"(?:{body})"
    return re.compile(pattern, re.MULTILINE), negated


@cache
def rules() -> tuple[tuple[ArtifactRule, ...], dict[str, float], re.Pattern[str]]:
    """The compiled rules, the group thresholds, and the scan regex."""
    compiled: list[ArtifactRule] = []
    for row in load_lexicon("conversion_artifacts").rows:
        left, left_neg = _context(row["left_context"], left=True)
        right, right_neg = _context(row["right_context"], left=False)
        if len(row["right"]) > len(row["wrong"]):
            raise ValueError(f"artifact repair longer than the artifact: {row}")
        compiled.append(
            ArtifactRule(
                row["wrong"], row["right"], row["family"], row["group"],
                left, left_neg, right, right_neg, float(row["weight"]),
            )
        )
    thresholds = {r["group"]: float(r["threshold"]) for r in load_lexicon("artifact_groups").rows}
    words = sorted({r.wrong for r in compiled}, key=lambda w: (-len(w), w))
    scan = re.compile("|".join(re.escape(w) for w in words))
    return tuple(compiled), thresholds, scan


@cache
def _by_wrong() -> dict[str, tuple[ArtifactRule, ...]]:
    table: dict[str, list[ArtifactRule]] = defaultdict(list)
    for rule in rules()[0]:
        table[rule.wrong].append(rule)
    return {k: tuple(v) for k, v in table.items()}


def find_edits(text: str, evidence_scale: float = 1.0) -> list[TextEdit]:
    """Edits for every artifact whose context holds, in groups with enough evidence."""
    _, thresholds, scan = rules()
    by_wrong = _by_wrong()
    hits: list[tuple[int, int, ArtifactRule]] = []
    evidence: dict[str, float] = defaultdict(float)
    for m in scan.finditer(text):
        for rule in by_wrong[m.group()]:
            if rule.holds(text, m.start(), m.end()):
                hits.append((m.start(), m.end(), rule))
                evidence[rule.group] += rule.weight
                break
    return [
        TextEdit(start, end, rule.right, rule.family)
        for start, end, rule in hits
        if evidence[rule.group] >= thresholds[rule.group] * evidence_scale
    ]
