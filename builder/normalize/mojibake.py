"""Step 3a: UTF-8 that was decoded as Windows-1252/Latin-1, repaired by ftfy.

Why gated: ftfy is slow compared with the rest of the pipeline and most
documents do not need it. A compiled regex (``mojibake_hint`` in
``patterns.tsv``: a UTF-8 lead byte read as Latin-1 followed by a continuation
byte read the same way) finds candidates; ``ftfy.badness.is_bad`` confirms
each; only confirmed tokens go through ftfy.

Why this ftfy configuration: ftfy's defaults are tuned for Western text and
would rewrite Chinese typography — ``“”`` to ``"``, full-width ``，`` to ``,``,
NFC/NFKC normalization, HTML entities. Only the encoding repairs are enabled.

ftfy reports no alignment, so the changed tokens are diffed (see
:mod:`builder.normalize.diffedits`).

>>> [e.replacement for e in find_edits("å…šå»ºå·¥ä½œ “好”")]
['党建工作']
"""

from __future__ import annotations

import re
from functools import cache

import ftfy
from ftfy.badness import is_bad

from builder.alignment import TextEdit
from builder.normalize.diffedits import diff_line_edits
from builder.normalize.lexicon import load_pattern

__all__ = ["FTFY_CONFIG", "find_edits"]

#: Encoding repairs only; nothing that touches Chinese punctuation, quotes or width.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=False,  # a space after mojibake is not evidence: trimming would change the result
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


@cache
def _hint() -> re.Pattern[str]:
    return load_pattern("mojibake_hint")


# whitespace-separated tokens; NEL (U+0085) and U+001C–U+001F count as whitespace
# for ``\s`` but are bytes of Latin-1 mojibake here, so they stay inside tokens
_TOKEN = re.compile("[^ \t\n\r\x0b\x0c\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_MAX_ROUNDS = 3


def _fix(token: str) -> str:
    """ftfy until nothing changes (at most a few rounds), so a second pass agrees."""
    for _ in range(_MAX_ROUNDS):
        fixed = ftfy.fix_text(token, FTFY_CONFIG)
        if fixed == token:
            break
        token = fixed
    return token


def find_edits(text: str) -> list[TextEdit]:
    """Edits repairing Windows-1252/Latin-1 mojibake, token by token.

    ftfy works on whitespace-separated tokens that contain a hint: its
    heuristics look at neighbouring characters, and whitespace is changed by a
    later step, so feeding it whole lines would make a second pass disagree.
    """
    hint = _hint()
    if hint.search(text) is None:
        return []
    edits: list[TextEdit] = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        if hint.search(token) is None or not is_bad(token):
            continue
        fixed = _fix(token)
        # a longer repair could not keep every character traceable: leave it
        if fixed != token and len(fixed) <= len(token) and "\n" not in fixed:
            edits.extend(diff_line_edits(token, fixed, m.start(), "mojibake"))
    return edits
