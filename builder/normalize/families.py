"""Names of the edit families that normalization counts per document.

The dataset stores one integer column per family, so this tuple is part of
the schema: add a family at the end, never rename one.
"""

from __future__ import annotations

__all__ = ["EDIT_FAMILIES"]

EDIT_FAMILIES: tuple[str, ...] = (
    "line_endings",  # CRLF / CR → LF
    "control_chars",  # C0/C1 controls, NUL, BOM dropped
    "mojibake",  # UTF-8 read as Windows-1252/Latin-1, repaired by ftfy
    "gbk_mojibake",  # UTF-8 read as GBK (鍏氬缓 → 党建)
    "t2s",  # traditional → simplified characters (OpenCC t2s)
    "pinyin",  # bracketed reading after a Han character removed
    "lost_char",  # '?' + reading → U+FFFD (a character the source lost)
    "conversion_artifact",  # word-level round-trip artifacts (效劳 → 服务, 〞 → ”)
    "word_swap",  # anti-duplicate word swaps (怎么写作 → 服务)
    "punctuation",  # half-width → full-width punctuation in Chinese context
    "quotes",  # straight " around Chinese → “ ”
    "letter_spacing",  # spaces between single Han characters closed up
    "whitespace",  # trimmed lines, collapsed runs, U+3000/NBSP indentation
    "blank_lines",  # empty lines removed
)
