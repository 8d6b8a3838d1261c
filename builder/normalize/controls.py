"""Step 2: line ends and control characters.

Why: CR and CRLF would make every later line-based rule see different lines
depending on the source platform; control characters (NUL, C0/C1, a BOM in
the middle of the text, lone surrogates) carry no text and break encoders.
LF and TAB are kept (TAB is whitespace, handled in step 8).

C1 controls (U+0080–U+009F) that directly follow a Latin-1 lead character are
left for the mojibake step on the first pass: they are the bytes ftfy needs to
undo ``UTF-8 read as Latin-1``. The residual pass after it drops what is left.

>>> [(e.start, e.end, e.replacement, e.family) for e in find_edits("a\\r\\nb\\x00c")]
[(1, 3, '\\n', 'line_endings'), (4, 5, '', 'control_chars')]
"""

from __future__ import annotations

import re

from builder.alignment import TextEdit

__all__ = ["find_edits", "find_residual_edits"]

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff\ud800-\udfff"
_C1 = "\x80-\x9f"
_FIRST_PASS = re.compile(f"(\r\n?)|([\xc2-\xf4][{_C1}]+)|[{_CONTROLS}{_C1}]")
_RESIDUAL = re.compile(f"(\r\n?)|[{_CONTROLS}{_C1}]")
_GATE = re.compile(f"[\r{_CONTROLS}{_C1}]")


def _edits(pattern: re.Pattern[str], text: str) -> list[TextEdit]:
    if not _GATE.search(text):
        return []
    edits: list[TextEdit] = []
    for m in pattern.finditer(text):
        if m.group(1):
            edits.append(TextEdit(m.start(), m.end(), "\n", "line_endings"))
        elif m.lastindex == 2:
            continue  # possible mojibake: keep for ftfy
        else:
            edits.append(TextEdit(m.start(), m.end(), "", "control_chars"))
    return edits


def find_edits(text: str) -> list[TextEdit]:
    """Edits for CR/CRLF and control characters (mojibake-looking C1 kept)."""
    return _edits(_FIRST_PASS, text)


def find_residual_edits(text: str) -> list[TextEdit]:
    """Edits for every control character still present (after the mojibake step)."""
    return _edits(_RESIDUAL, text)
