"""Step 8: whitespace.

Why: web text indents with spaces, U+3000 and NBSP, letter-spaces headings
(``[摘 要 ]``, ``关 键 词``) and leaves blank lines between paragraphs; none of
this is content. The canonical form has trimmed lines, one ASCII space for any
run of inline whitespace, no space next to full-width punctuation, no space
inside a letter-spaced word, and paragraphs separated by exactly one LF.

A space between multi-character words is a separator and stays
(``党建思想政治工作 政治优势 基层``): only single Han characters separated by
single spaces are closed up.

Two scans: the first trims, collapses and drops blank lines; the second (on
its result, so it only ever sees single spaces) closes letter-spacing and
removes spaces next to full-width punctuation.

>>> from builder.alignment import apply_edits
>>> apply_edits("\\u3000\\u3000[摘 要 ]正文  甲\\n\\n\\n关 键 词 基层", find_edits_layout("\\u3000\\u3000[摘 要 ]正文  甲\\n\\n\\n关 键 词 基层"))[0]
'[摘 要 ]正文 甲\\n关 键 词 基层'
>>> apply_edits("[摘 要 ]正文 甲\\n关 键 词 基层", find_edits_spacing("[摘 要 ]正文 甲\\n关 键 词 基层"))[0]
'[摘要]正文 甲\\n关键词 基层'
"""

from __future__ import annotations

import re

from builder.alignment import TextEdit
from builder.normalize.charclass import CJK_PUNCT, HAN, INLINE_SPACE

__all__ = ["find_edits_layout", "find_edits_spacing"]

_WS = f"[{INLINE_SPACE}]"
#: inside a trimmed line: a run of 2+ whitespace characters, or one that is not ' '
_INNER = re.compile(rf"{_WS}{{2,}}|[{INLINE_SPACE[1:]}]")  # INLINE_SPACE[0] is " "
_H = f"[{HAN}]"
_NOT_H = f"[^{HAN}]"
_P = f"[{CJK_PUNCT}]"
#: every alternative starts with the space it deletes (a fast literal scan)
_SPACING = re.compile(
    # a space between two single Han characters (letter-spacing)
    rf" (?:(?<={_NOT_H}{_H} )|(?<=^{_H} ))(?={_H}(?!{_H}))"
    # the space closing a letter-spaced word before a closing bracket: [摘 要 ]
    # (not before ASCII ')': the punctuation step judges it by its neighbours)
    rf"| (?:(?<={_NOT_H}{_H} {_H} )|(?<=^{_H} {_H} ))(?=[\]】）])"
    # a space next to full-width punctuation
    rf"| (?:(?<=[{HAN}{CJK_PUNCT}] )(?={_P})|(?<={_P} )(?=[{HAN}{CJK_PUNCT}]))",
    re.MULTILINE,
)


def _trim_edits(text: str, start: int, end: int, edits: list[TextEdit]) -> None:
    """Edits for the whitespace between two kept lines (or a document edge).

    ``text[start:end]`` holds the trailing whitespace of the line before, the
    line breaks and blank lines, and the leading whitespace of the line after.
    One LF stays between two kept lines; none at the document's edges.
    """
    gap = text[start:end]
    first_nl = gap.find("\n")
    last_nl = gap.rfind("\n")
    if first_nl < 0:  # only whitespace, at the start or end of the document
        edits.append(TextEdit(start, end, "", "whitespace"))
        return
    at_start = start == 0
    at_end = end == len(text)
    if first_nl > 0:  # trailing whitespace of the line before
        edits.append(TextEdit(start, start + first_nl, "", "whitespace"))
    if at_start or at_end:  # every line break at a document edge goes
        edits.append(TextEdit(start + first_nl, start + last_nl + 1, "", "blank_lines"))
    elif last_nl > first_nl:  # blank lines between paragraphs
        edits.append(TextEdit(start + first_nl + 1, start + last_nl + 1, "", "blank_lines"))
    if last_nl + 1 < len(gap):  # leading whitespace of the line after
        edits.append(TextEdit(start + last_nl + 1, end, "", "whitespace"))


def find_edits_layout(text: str) -> list[TextEdit]:
    """Trim lines, collapse inline whitespace, drop blank lines."""
    edits: list[TextEdit] = []
    gap_start = 0  # end of the last kept line's content
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = line.find(stripped[0])
            content_start = pos + lead
            content_end = content_start + len(stripped)
            if content_start > gap_start:
                _trim_edits(text, gap_start, content_start, edits)
            gap_start = content_end
        pos += len(line) + 1
    if gap_start < len(text):
        _trim_edits(text, gap_start, len(text), edits)
    # runs inside a line: not touching a line start or end (those are trimmed above)
    end = len(text)
    inner = [
        TextEdit(m.start(), m.end(), " ", "whitespace")
        for m in _INNER.finditer(text)
        if m.start() > 0 and m.end() < end and text[m.start() - 1] != "\n" and text[m.end()] != "\n"
    ]
    if inner:
        edits.extend(inner)
        edits.sort(key=lambda e: e.start)
    return edits


def find_edits_spacing(text: str) -> list[TextEdit]:
    """Close letter-spaced words and drop spaces next to full-width punctuation."""
    if " " not in text:
        return []
    edits: list[TextEdit] = []
    for m in _SPACING.finditer(text):
        pos = m.start()
        family = "whitespace" if text[pos - 1] in CJK_PUNCT or text[pos + 1] in CJK_PUNCT else "letter_spacing"
        edits.append(TextEdit(pos, pos + 1, "", family))
    return edits
