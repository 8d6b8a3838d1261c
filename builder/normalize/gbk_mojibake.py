"""Step 3b: UTF-8 text that was decoded as GBK (``鍏氬缓宸ヤ綔`` → ``党建工作``).

ftfy does not handle this. Why it is recoverable: GBK decoding of UTF-8 bytes
is lossless when every byte pair is valid GBK, so ``segment.encode("gbk")``
gives back the UTF-8 bytes. A repair is accepted only when that round trip is
strict and the result is common Chinese (every character in GB2312): ordinary
text almost never passes both tests.

Why it is cheap: UTF-8 Chinese (and its punctuation) starts each character with a byte
E2–EF, and a GBK character whose first byte is E2–EF and second byte 80–BF is a rare
character. The gate is a regex for those characters (built once from the
codec); only runs of characters that can be made of UTF-8 bytes are tried.

>>> [(e.start, e.end, e.replacement) for e in find_edits("加强鍏氬缓宸ヤ綔。")]
[(2, 8, '党建工作')]
"""

from __future__ import annotations

import re
from functools import cache

from builder.alignment import TextEdit

__all__ = ["find_edits", "lead_chars", "member_chars", "repair_segment"]


def _gbk_chars(firsts: range | list[int], seconds: range | list[int]) -> str:
    chars = []
    for a in firsts:
        for b in seconds:
            try:
                chars.append(bytes((a, b)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(sorted(set(c for c in chars if len(c) == 1)))


@cache
def lead_chars() -> str:
    """The characters that can start a run of UTF-8 read as GBK (the step's gate)."""
    return _gbk_chars(range(0xE2, 0xF0), range(0x80, 0xC0))


@cache
def member_chars() -> str:
    """The characters a run may continue with: both GBK bytes could be UTF-8 bytes of Chinese."""
    utf8_bytes = list(range(0x80, 0xC0)) + list(range(0xE2, 0xF0))
    return _gbk_chars(utf8_bytes, utf8_bytes)


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lead = lead_chars()
    member = member_chars()
    gate = re.compile(f"[{re.escape(lead)}]")
    run = re.compile(f"[{re.escape(lead)}][{re.escape(member)}]+")
    return gate, run


def repair_segment(segment: str) -> str | None:
    """The UTF-8 reading of ``segment``'s GBK bytes, or None if it is not mojibake.

    >>> repair_segment("鍏氬缓"), repair_segment("党建")
    ('党建', None)
    """
    try:
        fixed = segment.encode("gbk").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if not fixed or fixed.encode("utf-8").decode("gbk", errors="strict") != segment:
        return None
    try:
        fixed.encode("gb2312")
    except UnicodeEncodeError:
        return None
    return fixed


def find_edits(text: str, max_run: int = 240) -> list[TextEdit]:
    """Edits for every run of GBK-decoded UTF-8 that repairs strictly."""
    gate, run = _patterns()
    if gate.search(text) is None:
        return []
    edits: list[TextEdit] = []
    for m in run.finditer(text):
        segment = m.group()[:max_run]
        start = m.start()
        # longest prefix (in whole 3-byte characters: 2 GBK chars per 3 bytes) that repairs
        for length in range(len(segment) - len(segment) % 2, 1, -2):
            if (2 * length) % 3:
                continue
            fixed = repair_segment(segment[:length])
            if fixed is not None:
                edits.append(TextEdit(start, start + length, fixed, "gbk_mojibake"))
                break
    return edits
