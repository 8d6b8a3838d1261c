"""Step 5: pinyin readings after Han characters, and lost characters.

Some sites annotate every character with its reading: ``發(fā)展(zhǎn)``. The
reading is not text: ``字(reading)`` becomes ``字`` (family ``pinyin``). When the
source lost the character itself, a ``?`` stands before the reading
(``?(dān)``): the character stays marked as lost, as U+FFFD (family
``lost_char``), and the reading goes; nothing is invented. A run of lost
characters whose brackets are damaged (``?fù)?dān)``) cannot be counted
reliably, so the whole run is one U+FFFD. Repeated readings (``字(zì)(zì)``) go
together, so that a second pass finds nothing left to do.

Readings must carry a tone mark (``pinyin_syllable`` in ``patterns.tsv``), so
Latin words in brackets (``(J)``, ``(PC)``) are never taken for readings.

>>> [(e.start, e.end, e.replacement, e.family) for e in find_edits("發(fā)展 重?(dān)")]
[(1, 5, '', 'pinyin'), (8, 14, '\\ufffd', 'lost_char')]
"""

from __future__ import annotations

import re
from functools import cache

from builder.alignment import TextEdit
from builder.normalize.charclass import HAN
from builder.normalize.lexicon import load_lexicon

__all__ = ["LOST", "TONE_MARKS", "find_edits"]

LOST = "\ufffd"
#: a reading carries one of these (``pinyin_syllable`` requires it): the cheap check
TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GATE = re.compile(f"[{TONE_MARKS}]")


@cache
def _pattern() -> re.Pattern[str]:
    syllable = next(r["pattern"] for r in load_lexicon("patterns").rows if r["name"] == "pinyin_syllable")
    reading = rf"\((?:{syllable})\)"
    damaged = rf"\(?(?:{syllable})\)"
    lost = rf"[?\ufffd]{damaged}(?:[?\ufffd]?{damaged})*"
    # both alternatives start with a literal character, so the scan is fast
    return re.compile(rf"(?P<lost>{lost})|\((?<=[{HAN}]\()(?:{syllable})\)(?:{reading})*")


def find_edits(text: str) -> list[TextEdit]:
    """Edits removing readings and marking lost characters."""
    if _GATE.search(text) is None:
        return []
    return [
        TextEdit(m.start(), m.end(), LOST, "lost_char")
        if m.lastgroup  # only the lost-character alternative has a name
        else TextEdit(m.start(), m.end(), "", "pinyin")
        for m in _pattern().finditer(text)
    ]
