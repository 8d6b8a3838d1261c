"""Same-length rewrites: steps that only swap characters one for one.

Why: most edits of the pipeline (full-width punctuation, OpenCC ``t2s``) replace
one character with one character. Such a step leaves the alignment exactly as
it was, so building :class:`~builder.alignment.TextEdit` objects and composing
alignments for them would be pure overhead; a step returns a :class:`Rewrite`
(new text of the same length and the per-family counts) instead.

>>> rewrite_at("a,b.", [(1, "，", "punctuation")]).text
'a，b.'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from builder.alignment import TextEdit

__all__ = ["Rewrite", "rewrite_at", "to_edits"]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A step's result when every change replaces one character by one character."""

    text: str
    counts: dict[str, int]


def rewrite_at(text: str, changes: Iterable[tuple[int, str, str]]) -> Rewrite:
    """Apply ``(position, new_char, family)`` changes, sorted by position, one per position."""
    parts: list[str] = []
    counts: Counter[str] = Counter()
    last = 0
    for pos, new, family in changes:
        parts.append(text[last:pos])
        parts.append(new)
        last = pos + 1
        counts[family] += 1
    parts.append(text[last:])
    return Rewrite("".join(parts), dict(counts))


def to_edits(changes: Iterable[tuple[int, str, str]]) -> list[TextEdit]:
    """The same changes as sorted :class:`TextEdit` objects (for callers that want edits)."""
    return [TextEdit(p, p + 1, c, f) for p, c, f in sorted(changes)]
