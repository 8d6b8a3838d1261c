"""Step 7: half-width punctuation in Chinese context becomes full-width.

Why: web Chinese mixes ``,`` and ``，`` (and ``.`` for ``。``) depending on the
input method; a model should see one convention. The rule is local and
conservative: ``, : ; ! ?`` become ``，：；！？`` when a Han character (or a
full-width closing mark) precedes them and Chinese (or the line end) follows;
``.`` becomes ``。`` only when it ends a Chinese sentence; brackets become
``（）`` when they hold Chinese and touch Chinese; straight double quotes around
Chinese become ``“ ”``. Numbers, Latin words, URLs, Chinese list markers
(``一.``) and bibliography lines (``2023(5):50-51``) keep their ASCII
(patterns ``url``, ``list_numeral``, ``reference_issue`` and ``reference_tag``
in ``patterns.tsv``).

Why one scan: every candidate starts with one ASCII character, so a single
``finditer`` over a regex whose alternatives all start with a literal finds
them quickly; the few context checks that need memory (was the bracket or
quote before this comma converted?) run only at those hits.

>>> from builder.alignment import apply_edits
>>> apply_edits("总之,基层.党员(支部)书记", find_edits("总之,基层.党员(支部)书记"))[0]
'总之，基层。党员（支部）书记'
>>> apply_edits("2023(5):50-51, D 267.5", find_edits("2023(5):50-51, D 267.5"))[0]
'2023(5):50-51, D 267.5'
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache

from builder.alignment import TextEdit
from builder.normalize.charclass import CJK_CLOSE, CJK_OPEN, CJK_PUNCT, HAN, INLINE_SPACE
from builder.normalize.lexicon import load_pattern
from builder.normalize.rewrite import Rewrite, rewrite_at, to_edits

__all__ = ["FULL_WIDTH", "MARKER_SPACES", "find_changes", "find_edits", "list_numerals", "rewrite"]

#: spaces between a Han character and a list marker that letter-spacing may close up
MARKER_SPACES = " \t\u3000\xa0"

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", ".": "。", "(": "（", ")": "）"}

_HAN_CHAR = re.compile(f"[{HAN}]")
_CHINESE_SIDE = re.compile(f"[{HAN}{CJK_PUNCT}]")
_LEFT = f"{HAN}{CJK_CLOSE}"
_AHEAD = rf'(?=[{INLINE_SPACE}]*(?:[{HAN}{CJK_OPEN}{CJK_CLOSE}]|"[{HAN}]|$))'
#: brackets and quotes: few per document, paired with a little state
_PAIRS = re.compile(r'[()"]')
_PAIRED_OPEN = re.compile(r"\([^()\n]{0,80}\)")
_PAIRED_QUOTE = re.compile(r'"[^"“”\n]{1,200}"')  # curly quotes inside: leave the pair alone
#: marks and sentence-final dots: all context is in the regex (every alternative
#: starts with its literal character, so the scan is fast)
_MARKS = re.compile(
    rf"[,;:!?](?<=[{_LEFT}][,;:!?]){_AHEAD}|\.(?<=[{_LEFT}]\.)(?!\.){_AHEAD}",
    re.MULTILINE,
)
_GATE = re.compile(r'[,;:!?.()"]')

Change = tuple[int, str, str]


@cache
def _protect_patterns() -> tuple[tuple[re.Pattern[str], ...], re.Pattern[str], re.Pattern[str]]:
    return (
        (load_pattern("reference_issue"), load_pattern("reference_tag")),
        load_pattern("url"),
        load_pattern("list_numeral", re.MULTILINE),
    )


def _protected_ranges(text: str) -> tuple[list[int], list[int]]:
    """Sorted, merged ``[start, end)`` ranges that keep ASCII (references, URLs)."""
    references, url, _ = _protect_patterns()
    ranges: list[tuple[int, int]] = []
    for reference in references:
        for m in reference.finditer(text):
            start = text.rfind("\n", 0, m.start()) + 1
            end = text.find("\n", m.end())
            ranges.append((start, len(text) if end < 0 else end))
    if "://" in text or "www." in text:
        ranges.extend(m.span() for m in url.finditer(text))
    ranges.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if starts and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


@cache
def list_numerals() -> frozenset[str]:
    """The characters the data pattern ``list_numeral`` accepts in a marker (一, 二, …).

    Derived from the pattern (once, ~20k tiny matches) so that the list of
    numerals lives only in ``patterns.tsv``; used as a quick pre-check.
    """
    pattern = _protect_patterns()[2]
    return frozenset(chr(c) for c in range(0x4E00, 0xA000) if pattern.fullmatch(chr(c) + "."))


def _inside(starts: list[int], ends: list[int], pos: int) -> bool:
    k = bisect_right(starts, pos) - 1
    return k >= 0 and pos < ends[k]


def _is_list_marker(pattern: re.Pattern[str], text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends a Chinese list marker such as ``一.``."""
    numerals = list_numerals()
    start = dot
    while start > 0 and text[start - 1] in numerals:
        start -= 1
    found = pattern.match(text, start, dot + 1)
    if found is None or found.end() != dot + 1:
        return False
    # spaces after a Han character are not a boundary: letter-spacing may close
    # them up (中 二. → 中二.), and then a second pass would disagree
    k = found.start()
    while k > 0 and text[k - 1] in MARKER_SPACES:
        k -= 1
    return not (k < found.start() and k > 0 and _HAN_CHAR.match(text[k - 1]))


def _blank_to_line_edge(text: str, start: int, end: int) -> bool:
    return not text[start:end].strip()


def _chinese_before(text: str, pos: int) -> bool:
    """Han/full-width mark right before ``pos``, or nothing but spaces back to the line start."""
    if pos == 0 or text[pos - 1] == "\n" or _CHINESE_SIDE.match(text[pos - 1]):
        return True
    if text[pos - 1].isspace():
        return _blank_to_line_edge(text, text.rfind("\n", 0, pos) + 1, pos)
    return False


def _chinese_after(text: str, pos: int) -> bool:
    """Han/full-width mark at ``pos``, or nothing but spaces up to the line end."""
    if pos >= len(text) or text[pos] == "\n" or _CHINESE_SIDE.match(text[pos]):
        return True
    if text[pos].isspace():
        line_end = text.find("\n", pos)
        return _blank_to_line_edge(text, pos, len(text) if line_end < 0 else line_end)
    return False


def _pair_changes(text: str, starts: list[int], ends: list[int]) -> list[Change]:
    changes: list[Change] = []
    closes: dict[int, bool] = {}  # position of the second bracket/quote of a pair -> convert?
    for m in _PAIRS.finditer(text):
        pos = m.start()
        if starts and _inside(starts, ends, pos):
            continue
        if pos in closes:
            if closes.pop(pos):
                quote = text[pos] == '"'
                changes.append((pos, "”" if quote else "）", "quotes" if quote else "punctuation"))
            continue
        char = text[pos]
        if char == "(" and _PAIRED_OPEN.match(text, pos):
            close = text.index(")", pos)
            convert = _HAN_CHAR.search(text, pos + 1, close) is not None and (
                _chinese_before(text, pos) or _chinese_after(text, close + 1)
            )
            closes[close] = convert
            if convert:
                changes.append((pos, "（", "punctuation"))
        elif char != '"':  # unpaired bracket: only strictly between Han characters
            if 0 < pos < len(text) - 1 and _HAN_CHAR.match(text[pos - 1]) and _HAN_CHAR.match(text[pos + 1]):
                changes.append((pos, FULL_WIDTH[text[pos]], "punctuation"))
        elif _PAIRED_QUOTE.match(text, pos):
            close = text.index('"', pos + 1)
            convert = _HAN_CHAR.search(text, pos + 1, close) is not None
            closes[close] = convert
            if convert:
                changes.append((pos, "“", "quotes"))
    return changes


def find_changes(text: str) -> list[Change]:
    """``(position, full-width character, family)`` for every conversion, sorted."""
    if _GATE.search(text) is None:
        return []
    starts, ends = _protected_ranges(text)
    changes: list[Change] = []
    if "(" in text or ")" in text or '"' in text:
        changes = _pair_changes(text, starts, ends)
        if changes:  # brackets and quotes first: a comma after a converted ） is Chinese
            text = rewrite_at(text, changes).text
    fw = FULL_WIDTH
    marks = [(m.start(), fw[m.group()], "punctuation") for m in _MARKS.finditer(text)]
    if starts and marks:
        positions = [c[0] for c in marks]
        dropped: set[int] = set()
        for start, end in zip(starts, ends):
            dropped.update(range(bisect_left(positions, start), bisect_left(positions, end)))
        if dropped:
            marks = [c for k, c in enumerate(marks) if k not in dropped]
    numerals = list_numerals()
    if any(c[1] == "。" and text[c[0] - 1] in numerals for c in marks):
        list_numeral = _protect_patterns()[2]
        marks = [
            c for c in marks
            if not (c[1] == "。" and text[c[0] - 1] in numerals and _is_list_marker(list_numeral, text, c[0]))
        ]
    if changes:
        changes.extend(marks)
        changes.sort()
    else:
        changes = marks
    return changes


def find_edits(text: str) -> list[TextEdit]:
    """The conversions as :class:`TextEdit` objects."""
    return to_edits(find_changes(text))


def rewrite(text: str) -> Rewrite | None:
    """The text with its punctuation converted (same length), or None when nothing changes.

    Same result as applying :func:`find_changes`, but the marks (the bulk of
    the conversions) go through ``re.subn`` on the unprotected stretches of the
    text, which avoids building one tuple per comma.
    """
    if _GATE.search(text) is None:
        return None
    starts, ends = _protected_ranges(text)
    counts = {"punctuation": 0, "quotes": 0}
    if "(" in text or ")" in text or '"' in text:
        pairs = _pair_changes(text, starts, ends)
        if pairs:
            done = rewrite_at(text, pairs)
            text = done.text
            for family, n in done.counts.items():
                counts[family] += n
    list_numeral = _protect_patterns()[2]
    numerals = list_numerals()
    kept = 0  # list-marker dots the regex matched but that stay ASCII

    def full_width(m: re.Match[str]) -> str:
        nonlocal kept
        char = m.group()
        pos = offset + m.start()  # judge list markers on the whole text, not the slice
        if char == "." and pos and text[pos - 1] in numerals and _is_list_marker(list_numeral, text, pos):
            kept += 1
            return char
        return FULL_WIDTH[char]

    # Unprotected stretches [a, b). A stretch ends where a protected range starts:
    # at a line start (reference) or at a URL's first letter, neither of which is
    # a mark; one extra character keeps the lookahead exactly as on the whole text.
    pieces: list[str] = []
    converted = 0
    a = 0
    offset = 0
    for start, end in [*zip(starts, ends), (len(text), len(text))]:
        if start > a:
            offset = a
            new, n = _MARKS.subn(full_width, text[a : start + 1])
            pieces.append(new[: start - a])
            converted += n
        pieces.append(text[start:end])
        a = end
    counts["punctuation"] += converted - kept
    if not counts["punctuation"] and not counts["quotes"]:
        return None
    return Rewrite("".join(pieces), {k: v for k, v in counts.items() if v})
