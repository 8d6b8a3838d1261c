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

from bisect import bisect_left, bisect_right
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
        """Compose: ``self`` maps mid→raw, ``step`` maps new→mid; result maps new→raw.

        One linear walk over both breakpoint lists (no per-point binary search),
        since a long document with many edits composes many steps.

        >>> pinyin = Alignment((0, 1, 2), (0, 5, 6))   # '發(fā)展' -> '發展'
        >>> pinyin.then(Alignment((0, 2), (0, 2)))     # a one-for-one step (t2s)
        Alignment([(0, 0), (1, 5), (2, 6)])
        """
        if step.raw_length != self.text_length:
            raise ValueError("step does not start from this alignment's text")
        if step.text_length == 0:  # the step emptied the text: it came from all of raw
            return Alignment((0, 0), (0, self.raw_length))
        pts, prs = self.text_offsets, self.raw_offsets
        if len(pts) == 2 and pts[1] == prs[1]:
            return step
        sts, srs = step.text_offsets, step.raw_offsets
        last = len(pts) - 1
        out_t: list[int] = [0]
        out_r: list[int] = [0]
        i = 0  # segment of ``self`` holding the current mid offset
        j = 1  # breakpoints of ``self`` before this one are already carried

        def raw_of(m: int) -> int:
            nonlocal i
            if m >= pts[last]:
                return prs[last]
            while pts[i + 1] <= m:
                i += 1
            t0, t1, r0 = pts[i], pts[i + 1], prs[i]
            if m == t0:
                return r0
            return r0 + ((m - t0) * (prs[i + 1] - r0)) // (t1 - t0)

        def add(t: int, r: int) -> None:
            if t == out_t[-1]:
                if r > out_r[-1]:
                    out_r[-1] = r
                return
            if len(out_t) >= 2:
                t0, r0, t1, r1 = out_t[-2], out_r[-2], out_t[-1], out_r[-1]
                if t1 - t0 == r1 - r0 and t - t1 == r - r1:
                    out_t[-1], out_r[-1] = t, r
                    return
            out_t.append(t)
            out_r.append(r)

        for k in range(len(sts) - 1):
            p0, p1, m0, m1 = sts[k], sts[k + 1], srs[k], srs[k + 1]
            add(p0, raw_of(m0))
            if p1 - p0 == m1 - m0 and p1 > p0:
                # identity run of the step: carry over the previous breakpoints inside it
                a = bisect_right(pts, m0, j)
                b = bisect_left(pts, m1, a)
                if a < b:
                    shift = p0 - m0
                    out_t.extend([t + shift for t in pts[a:b]])
                    out_r.extend(prs[a:b])
                    j = b
        add(sts[-1], raw_of(srs[-1]))
        if len(out_t) == 1:
            out_t.append(out_t[0])
            out_r.append(self.raw_length)
        return Alignment(out_t, out_r)


def apply_edits(text: str, edits: Iterable[TextEdit]) -> tuple[str, Alignment]:
    """Apply sorted, non-overlapping edits; return the new text and its map to ``text``.

    A replacement block maps proportionally; a same-length replacement is an
    identity run; a deletion is attached to the kept character before it, or,
    at the very start, to the first kept character after it. So every kept
    character owns at least one old character and every old character is owned.

    >>> apply_edits("  ab", [TextEdit(0, 2, "", "whitespace")])[1]
    Alignment([(0, 0), (1, 3), (2, 4)])
    """
    parts: list[str] = []
    tos = [0]
    ros = [0]
    npos = 0  # new offset
    pos = 0  # old offset
    carry = False  # deletions at the very start wait for the first kept character
    for edit in edits:
        start, end, rep = edit.start, edit.end, edit.replacement
        if start < pos or end < start or end > len(text):
            raise ValueError(f"edits overlap or leave the text: {edit}")
        if start > pos:  # identity run
            parts.append(text[pos:start])
            if carry:
                tos.append(1)
                ros.append(pos + 1)
                carry = False
            npos += start - pos
            pos = start
        n = len(rep)
        if n:
            parts.append(rep)
            if n == end - start and not carry:
                npos += n
                pos = end
                continue
            if tos[-1] != npos:
                tos.append(npos)
                ros.append(pos)
            npos += n
            pos = end
            tos.append(npos)
            ros.append(pos)
            carry = False
        elif end > start:  # deletion
            if npos == 0:
                carry = True
                pos = end
                continue
            if tos[-1] == npos:
                ros[-1] = end
            else:
                if tos[-1] != npos - 1:
                    tos.append(npos - 1)
                    ros.append(pos - 1)
                tos.append(npos)
                ros.append(end)
            pos = end
    if pos < len(text):
        parts.append(text[pos:])
        if carry:
            tos.append(1)
            ros.append(pos + 1)
            carry = False
        npos += len(text) - pos
        pos = len(text)
    new_text = "".join(parts)
    if not new_text:
        return new_text, Alignment((0, 0), (0, len(text)))
    if tos[-1] != npos or ros[-1] != pos:
        tos.append(npos)
        ros.append(pos)
    return new_text, Alignment(tos, ros)
