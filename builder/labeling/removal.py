"""Remove labeled spans from text: the clean text a model is trained to produce."""

from __future__ import annotations

from collections.abc import Iterable

from builder.labels import Span

__all__ = ["remove_spans", "check_spans"]


def check_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans sorted; raises ``ValueError`` if any is out of bounds or two overlap."""
    ordered = sorted(spans)
    prev_end = 0
    for s in ordered:
        if s.end > len(text):
            raise ValueError(f"span {s} ends past the text ({len(text)} chars)")
        if s.start < prev_end:
            raise ValueError(f"span {s} overlaps the previous span (ends at {prev_end})")
        prev_end = s.end
    return ordered


def remove_spans(text: str, spans: Iterable[Span]) -> str:
    """``text`` without the characters covered by ``spans`` (which must not overlap)."""
    pieces = []
    pos = 0
    for s in check_spans(text, spans):
        pieces.append(text[pos : s.start])
        pos = s.end
    pieces.append(text[pos:])
    return "".join(pieces)
