"""Normalizer switches. The defaults are the project's canonical form.

Why a frozen dataclass: the configuration is part of what a dataset was built
with, so it must be hashable, printable and impossible to change mid-build.

>>> DEFAULT.t2s and DEFAULT.punctuation
True
>>> NormalizerConfig(t2s=False).t2s
False
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT", "NormalizerConfig"]


@dataclass(frozen=True, slots=True)
class NormalizerConfig:
    """Which steps run, and the few numbers they need.

    Attributes:
        line_endings_and_controls: step 2, CRLF/CR → LF and control characters dropped.
        mojibake: step 3, ftfy repair of UTF-8 read as Windows-1252/Latin-1.
        gbk_mojibake: step 3, repair of UTF-8 read as GBK (``鍏氬缓`` → ``党建``).
        t2s: step 4, traditional → simplified with OpenCC.
        opencc_config: the OpenCC configuration used by step 4.
        pinyin: step 5, bracketed readings after Han characters removed.
        artifacts: step 6, lexicon-driven conversion artifacts and word swaps.
        punctuation: step 7, half-width → full-width punctuation in Chinese context.
        whitespace: step 8, trimming, collapsing, letter-spacing and blank lines.
        evidence_scale: multiplies every artifact group's threshold (2.0 = twice
            as much evidence needed before a context repair fires).
        max_gbk_run: longest run of suspicious characters tried as GBK mojibake
            (bounds the cost of one repair attempt).
    """

    line_endings_and_controls: bool = True
    mojibake: bool = True
    gbk_mojibake: bool = True
    t2s: bool = True
    opencc_config: str = "t2s"
    pinyin: bool = True
    artifacts: bool = True
    punctuation: bool = True
    whitespace: bool = True
    evidence_scale: float = 1.0
    max_gbk_run: int = 240


#: The configuration ``normalize`` uses when none is given.
DEFAULT = NormalizerConfig()
