"""Step 1: bytes → text, with the encoding recorded.

Why strict decodes only: a lenient decode (``errors="replace"``) silently turns
a wrong guess into plausible-looking garbage, and nothing downstream could tell.
The order is: BOMs (UTF-8, UTF-32, UTF-16), then strict UTF-8 (by far the most
common, and UTF-8 almost never decodes by accident), then GB18030 and Big5,
which both accept most Chinese byte streams: when both decode, the one whose
characters are the common characters of that encoding wins. Input that looks
binary (NUL bytes, many control characters) is rejected with a reason.

>>> decode_bytes("党建".encode("gb18030"))
DecodedText(text='党建', encoding='gb18030')
>>> decode_bytes(b"\\xef\\xbb\\xbfok").encoding
'utf-8'
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["DecodedText", "UndecodableInputError", "decode_bytes"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.05
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_MIN_COMMON_RATIO = 0.5
_GB_PLAUSIBLE = re.compile("[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026]")


class UndecodableInputError(ValueError):
    """The bytes are not text in any supported encoding; ``str(err)`` says why."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Decoded text and the name of the encoding it was decoded with."""

    text: str
    encoding: str


def _check_controls(text: str, encoding: str) -> None:
    controls = len(_CONTROL.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_RATIO:
        raise UndecodableInputError(
            f"looks binary: decoding as {encoding} gives {controls} control characters "
            f"in {len(text)} characters"
        )


def _common_ratio(text: str, encoding: str) -> float:
    """Share of non-ASCII characters that look right for ``encoding``.

    GB18030: CJK ideographs of the basic block and CJK/full-width punctuation.
    Big5 bytes read as GB18030 give kana, Greek, box drawing and private-use
    characters for a third of the frequent Big5 lead bytes (A4–AF), so they
    score low. Big5: the frequent-character block (lead bytes A4–C6) and the
    symbols (A1–A3); GB bytes read as Big5 land largely in the rarer block.
    """
    chars = _NON_ASCII.findall(text)
    if not chars:
        return 1.0
    if encoding == "gb18030":
        return len(_GB_PLAUSIBLE.findall(text)) / len(chars)
    common = 0
    for ch in chars:
        try:
            lead = ch.encode("big5")[0]
        except UnicodeEncodeError:
            continue
        common += 0xA1 <= lead <= 0xC6
    return common / len(chars)


def decode_bytes(data: bytes) -> DecodedText:
    """Decode ``data``; raise :class:`UndecodableInputError` when no encoding fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as err:
                raise UndecodableInputError(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding}: {err.reason} "
                    f"at byte {err.start + len(bom)}"
                ) from None
            _check_controls(text, encoding)
            return DecodedText(text, "utf-8" if encoding == "utf-8" else encoding)
    nuls = data.count(0)
    if nuls:
        raise UndecodableInputError(
            f"contains {nuls} NUL byte(s): binary data, or UTF-16/32 without a byte-order mark"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = f"{err.reason} at byte {err.start}"
    else:
        _check_controls(text, "utf-8")
        return DecodedText(text, "utf-8")
    candidates: list[tuple[float, int, DecodedText]] = []
    for rank, encoding in enumerate(("gb18030", "big5")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_common_ratio(text, encoding), -rank, DecodedText(text, encoding)))
    if not candidates:
        raise UndecodableInputError(
            f"not valid UTF-8 ({utf8_error}), and not valid GB18030 or Big5 either"
        )
    ratio, _, best = max(candidates)
    if ratio < _MIN_COMMON_RATIO:
        raise UndecodableInputError(
            f"not valid UTF-8 ({utf8_error}); decoding as {best.encoding} gives mostly "
            f"rare characters ({ratio:.0%} common), so the encoding is unknown"
        )
    _check_controls(best.text, best.encoding)
    return best
