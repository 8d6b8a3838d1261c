"""Step 4: traditional → simplified characters with OpenCC ``t2s``.

Why gated by ``converted != text``: OpenCC converts at well over 100 MB/s, so
converting is itself the cheap check; only when the result differs are the
changed lines compared (``==`` per line, then per character; ``t2s`` keeps
lengths on Chinese text, ``difflib`` is the fallback).

>>> [(e.start, e.replacement) for e in find_edits("服務黨建")]
[(1, '务'), (2, '党')]
"""

from __future__ import annotations

from functools import cache

import opencc

try:  # optional speed-up only; see _count_changed
    import numpy as _np
except ImportError:  # pragma: no cover
    _np = None  # type: ignore[assignment]

from builder.alignment import TextEdit
from builder.normalize.diffedits import diff_edits
from builder.normalize.rewrite import Rewrite

__all__ = ["convert", "converter", "find_edits"]


def _count_changed(old: str, new: str) -> int:
    """Number of positions where two equal-length strings differ.

    numpy (always present: ``datasets`` depends on it) compares the UTF-32 code
    units in C; the pure-Python fallback is ten times slower.
    """
    if _np is None:
        return sum(map(str.__ne__, old, new))
    a = _np.frombuffer(old.encode("utf-32-le"), dtype=_np.uint32)
    b = _np.frombuffer(new.encode("utf-32-le"), dtype=_np.uint32)
    return int(_np.count_nonzero(a != b))


@cache
def converter(config: str) -> opencc.OpenCC:
    """One OpenCC converter per configuration and process (loading one reads its dictionaries)."""
    return opencc.OpenCC(config)


def convert(text: str, config: str = "t2s") -> Rewrite | list[TextEdit]:
    """The step's result: a same-length :class:`Rewrite` when every line kept its
    length (the usual case), else edits from a diff; ``[]`` when nothing changed."""
    converted = converter(config).convert(text)
    if converted == text:
        return []
    if len(converted) == len(text):
        old_lines = text.split("\n")
        new_lines = converted.split("\n")
        if len(old_lines) == len(new_lines) and all(
            len(a) == len(b) for a, b in zip(old_lines, new_lines) if a != b
        ):
            return Rewrite(converted, {"t2s": _count_changed(text, converted)})
    return diff_edits(text, converted, "t2s")


def find_edits(text: str, config: str = "t2s") -> list[TextEdit]:
    """One edit per converted character (or per changed block when lengths differ)."""
    converted = converter(config).convert(text)
    if converted == text:
        return []
    return diff_edits(text, converted, "t2s")
