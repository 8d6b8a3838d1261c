"""Char-level alignment between a normalized text and the raw text it came from.

Normalization changes few characters in a long document, so the alignment is
stored sparsely, as *breakpoints*: pairs ``(text_offset, raw_offset)`` with
``(0, 0)`` first and ``(len(text), len(raw))`` last. Between two consecutive
breakpoints the map is linear: an *identity run* when both sides advance by the
same amount (one raw character per text character), a *replacement block*
otherwise (``發(fā)`` → ``发`` is one text character from five raw ones). Inside a
block, text character ``j`` of ``n`` takes raw characters
``[r0 + j*m//n, r0 + (j+1)*m//n)``, so a block never reorders anything.

Every segment holds at least one text character, and a character that a step
deleted is attached to the character before it (or after it, at the very
start), so the map covers all of ``raw_text`` and is monotone: a span
``[s, e)`` over ``text`` projects to ``raw_text[to_raw(s):to_raw(e)]``.

>>> text, step = apply_edits("ab  c", [TextEdit(2, 4, " ", "whitespace")])
>>> text
'ab c'
>>> step.to_raw(3), step.to_raw(4)
(4, 5)
>>> step.from_raw(4)
3
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Alignment", "TextEdit", "apply_edits"]


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``replacement``; ``family`` names the repair."""

    start: int
    end: int
    replacement: str
    family: str


class Alignment:
    """Monotone piecewise-linear map from text offsets to raw offsets.

    Immutable after construction. ``text_offsets`` is strictly increasing (every
    segment has at least one text character) unless the text is empty;
    ``raw_offsets`` is non-decreasing.
    """

    __slots__ = ("text_offsets", "raw_offsets")

    def __init__(self, text_offsets: Sequence[int], raw_offsets: Sequence[int]) -> None:
        if len(text_offsets) != len(raw_offsets) or len(text_offsets) < 2:
            raise ValueError("an alignment needs at least two breakpoints, as pairs")
        self.text_offsets: tuple[int, ...] = tuple(text_offsets)
        self.raw_offsets: tuple[int, ...] = tuple(raw_offsets)

    # -- construction -------------------------------------------------------
    @classmethod
    def identity(cls, length: int) -> Alignment:
        """The alignment of a text with itself."""
        return cls((0, length), (0, length))

    @property
    def text_length(self) -> int:
        return self.text_offsets[-1]

    @property
    def raw_length(self) -> int:
        return self.raw_offsets[-1]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Alignment)
            and self.text_offsets == other.text_offsets
            and self.raw_offsets == other.raw_offsets
        )

    def __hash__(self) -> int:
        return hash((self.text_offsets, self.raw_offsets))

    def __repr__(self) -> str:
        pairs = list(zip(self.text_offsets, self.raw_offsets))
        return f"Alignment({pairs})"

    # -- queries ------------------------------------------------------------
    def to_raw(self, offset: int) -> int:
        """Raw offset of the text boundary ``offset`` (0 ≤ offset ≤ len(text))."""
        tos, ros = self.text_offsets, self.raw_offsets
        if offset < 0 or offset > tos[-1]:
            raise IndexError(f"text offset {offset} outside 0..{tos[-1]}")
        if offset == tos[-1]:
            return ros[-1]
        k = bisect_right(tos, offset) - 1
        t0, t1, r0, r1 = tos[k], tos[k + 1], ros[k], ros[k + 1]
        return r0 + ((offset - t0) * (r1 - r0)) // (t1 - t0)

    def span_to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` covered by the text span ``[start, end)``."""
        return self.to_raw(start), self.to_raw(end)

    def from_raw(self, raw_offset: int) -> int:
        """Smallest text boundary whose raw offset is ≥ ``raw_offset``.

        For a raw offset produced by :meth:`to_raw` this is the exact inverse
        wherever the map is strictly increasing (every text character came from
        at least one raw character), which the normalizer guarantees.
        """
        if raw_offset <= 0:
            return 0
        ros = self.raw_offsets
        if raw_offset >= ros[-1]:
            return self.text_offsets[-1]
        lo, hi = 0, self.text_offsets[-1]
        while lo < hi:  # binary search on the monotone map
            mid = (lo + hi) // 2
            if self.to_raw(mid) >= raw_offset:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def segments(self) -> Iterable[tuple[int, int, int, int]]:
        """``(text_start, text_end, raw_start, raw_end)`` for each linear piece."""
        tos, ros = self.text_offsets, self.raw_offsets
        for k in range(len(tos) - 1):
            yield tos[k], tos[k + 1], ros[k], ros[k + 1]

    def replacements(self) -> list[tuple[int, int, int, int]]:
        """Segments whose two sides differ in length (one-for-one substitutions need none)."""
        return [s for s in self.segments() if s[1] - s[0] != s[3] - s[2]]

    def is_strict(self) -> bool:
        """True when every text character maps to at least one raw character."""
        return all(self.to_raw(i) < self.to_raw(i + 1) for i in range(self.text_length))

    # -- composition --------------------------------------------------------
    def then(self, step: Alignment) -> Alignment:
        """Compose: ``self`` maps mid→raw, ``step`` maps new→mid; result maps new→raw."""
        if step.raw_length != self.text_length:
            raise ValueError("step does not start from this alignment's text")
        tos, ros = step.text_offsets, step.raw_offsets
        prev_tos = self.text_offsets
        points: list[int] = []
        for k in range(len(tos) - 1):
            p0, p1, m0, m1 = tos[k], tos[k + 1], ros[k], ros[k + 1]
            points.append(p0)
            if p1 - p0 == m1 - m0 and p1 > p0:
                # identity run of the step: carry over the previous breakpoints inside it
                i = bisect_right(prev_tos, m0)
                while i < len(prev_tos) and prev_tos[i] < m1:
                    points.append(p0 + prev_tos[i] - m0)
                    i += 1
        points.append(tos[-1])
        raw = [self.to_raw(step.to_raw(p)) for p in points]
        return _simplify(points, raw)


def _simplify(text_offsets: list[int], raw_offsets: list[int]) -> Alignment:
    """Drop repeated breakpoints and merge consecutive identity runs with one offset."""
    out_t: list[int] = [text_offsets[0]]
    out_r: list[int] = [raw_offsets[0]]
    for t, r in zip(text_offsets[1:], raw_offsets[1:]):
        if t == out_t[-1]:
            out_r[-1] = max(out_r[-1], r)  # zero-width piece: keep the furthest raw point
            continue
        if len(out_t) >= 2:
            t0, r0 = out_t[-2], out_r[-2]
            t1, r1 = out_t[-1], out_r[-1]
            if t1 - t0 == r1 - r0 and t - t1 == r - r1:
                out_t[-1], out_r[-1] = t, r  # extend the identity run
                continue
        out_t.append(t)
        out_r.append(r)
    if len(out_t) == 1:  # empty text
        out_t.append(out_t[0])
        out_r.append(raw_offsets[-1])
    return Alignment(out_t, out_r)


def apply_edits(text: str, edits: Iterable[TextEdit]) -> tuple[str, Alignment]:
    """Apply sorted, non-overlapping edits; return the new text and its map to ``text``.

    A deletion (empty replacement) is attached to the character before it, or to
    the first character after it when nothing precedes it, so that every kept
    character of the new text owns at least one old character and every old
    character is owned.

    >>> apply_edits("  ab", [TextEdit(0, 2, "", "whitespace")])[1]
    Alignment([(0, 0), (1, 3), (2, 4)])
    """
    out_pieces: list[str] = []
    # (new_length, old_length) pieces in order; identity pieces have equal lengths
    pieces: list[list[int]] = []
    pos = 0
    for edit in edits:
        if edit.start < pos or edit.end < edit.start or edit.end > len(text):
            raise ValueError(f"edits overlap or leave the text: {edit}")
        if edit.start > pos:
            out_pieces.append(text[pos : edit.start])
            pieces.append([edit.start - pos, edit.start - pos, 1])
        if edit.end > edit.start or edit.replacement:
            out_pieces.append(edit.replacement)
            pieces.append([len(edit.replacement), edit.end - edit.start, 0])
        pos = edit.end
    if pos < len(text):
        out_pieces.append(text[pos:])
        pieces.append([len(text) - pos, len(text) - pos, 1])
    new_text = "".join(out_pieces)
    if not new_text:
        return new_text, Alignment((0, 0), (0, len(text)))
    merged: list[list[int]] = []
    carry = 0  # deleted old characters waiting for the first kept character
    for new_len, old_len, identity in pieces:
        if new_len == 0:
            if not merged:
                carry += old_len
                continue
            last = merged[-1]
            if last[2] and last[0] > 1:  # split one character off an identity run
                last[0] -= 1
                last[1] -= 1
                merged.append([1, 1, 0])
                last = merged[-1]
            last[1] += old_len
            last[2] = 0
            continue
        if carry:
            if identity and new_len > 1:
                merged.append([1, 1 + carry, 0])
                merged.append([new_len - 1, old_len - 1, 1])
            else:
                merged.append([new_len, old_len + carry, 0])
            carry = 0
            continue
        merged.append([new_len, old_len, identity])
    new_pts, old_pts = [0], [0]
    for new_len, old_len, _ in merged:
        new_pts.append(new_pts[-1] + new_len)
        old_pts.append(old_pts[-1] + old_len)
    return new_text, _simplify(new_pts, old_pts)
