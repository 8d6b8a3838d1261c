"""Character classes shared by the steps (bodies of regex ``[...]`` classes).

Why one place: "Han", "Chinese punctuation" and "whitespace" must mean the same
thing in every step, or one step would undo another and break idempotence.

>>> import re
>>> bool(re.fullmatch(f"[{HAN}]+", "党建"))
True
"""

from __future__ import annotations

__all__ = ["CJK_CLOSE", "CJK_OPEN", "CJK_PUNCT", "HAN", "INLINE_SPACE"]

#: CJK unified ideographs (BMP blocks, compatibility ideographs, supplementary planes).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: Opening full-width brackets and quotes.
CJK_OPEN = "“‘（《〈「『【〔"
#: Closing full-width brackets and quotes.
CJK_CLOSE = "”’）》〉」』】〕"
#: All full-width punctuation that Chinese text sets without surrounding spaces.
CJK_PUNCT = CJK_OPEN + CJK_CLOSE + "，。、；：？！…"
#: Whitespace inside a line: what ``str.isspace`` accepts, except LF and CR. Spelled
#: out (not a negated class) because a positive class lets ``re`` skip ahead quickly.
INLINE_SPACE = " \t\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
