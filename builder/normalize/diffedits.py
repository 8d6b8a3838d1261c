"""Edits between a text and a converted copy of it, for tools that give no alignment.

Why line by line: ftfy and OpenCC change few lines (or change characters in
place), so comparing whole lines with ``==`` first skips almost everything;
only changed lines are compared character by character, and ``difflib`` runs
only when a line changed length.

>>> [(e.start, e.end, e.replacement) for e in diff_edits("a黨b\\nok", "a党b\\nok", "t2s")]
[(1, 2, '党')]
"""

from __future__ import annotations

import difflib

from builder.alignment import TextEdit

__all__ = ["diff_edits", "diff_line_edits"]


def diff_edits(old: str, new: str, family: str) -> list[TextEdit]:
    """Sorted, non-overlapping edits turning ``old`` into ``new``."""
    if old == new:
        return []
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    if len(old_lines) != len(new_lines):
        return diff_line_edits(old, new, 0, family)
    edits: list[TextEdit] = []
    offset = 0
    for a, b in zip(old_lines, new_lines):
        if a != b:
            edits.extend(diff_line_edits(a, b, offset, family))
        offset += len(a) + 1
    return edits


def diff_line_edits(old: str, new: str, offset: int, family: str) -> list[TextEdit]:
    """Edits for one changed line; ``offset`` is the line's start in the text.

    Equal lengths: one edit per changed character (what OpenCC does). Other
    lengths: ``difflib`` opcodes, where a pure insertion is merged with the
    character before it (or after it); if a span still grows, one edit covers
    all changes, so every new character comes from at least one old character
    (the alignment stays strict) whenever the new line is not longer.

    >>> [(e.start, e.end, e.replacement) for e in diff_line_edits("0Â\x80Â", "0€Â", 0, "mojibake")]
    [(0, 4, '0€Â')]
    """
    if len(old) == len(new):
        return [
            TextEdit(offset + i, offset + i + 1, b, family)
            for i, (a, b) in enumerate(zip(old, new))
            if a != b
        ]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    spans: list[list[int]] = []  # [old_start, old_end, new_start, new_end]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        spans.append([i1, i2, j1, j2])
    if not old:  # nothing to attach an insertion to: one edit over the empty line
        return [TextEdit(offset, offset, new, family)] if new else []
    merged: list[list[int]] = []
    for span in spans:
        i1, i2, j1, j2 = span
        if i1 == i2:  # insertion: widen by one old character
            if i1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            else:
                i2, j2 = i2 + 1, j2 + 1
        if merged and i1 <= merged[-1][1]:
            last = merged[-1]
            last[1], last[3] = max(last[1], i2), max(last[3], j2)
            continue
        merged.append([i1, i2, j1, j2])
    if any(j2 - j1 > i2 - i1 for i1, i2, j1, j2 in merged):
        # a span that grew (difflib paired characters oddly) would leave a new
        # character without a raw character of its own: use one covering edit
        merged = [[merged[0][0], merged[-1][1], merged[0][2], merged[-1][3]]]
    edits = []
    for i1, i2, j1, j2 in merged:
        edits.append(TextEdit(offset + i1, offset + i2, new[j1:j2], family))
    return edits
