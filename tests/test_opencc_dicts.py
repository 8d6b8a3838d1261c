"""The OpenCC character sets, and the two facts the compiled normalizer builds on them.

:mod:`builder.normalize.opencc_dicts` reads the installed configuration's
dictionaries. The compiled normalizer then sends OpenCC only the pieces of a
text between *unkeyed* characters that hold a *changing* one. These tests check
the sets against OpenCC itself: every character OpenCC changes on its own is
in the changing set, and converting piece by piece, skipping the pieces without
a changing character, gives OpenCC's whole-text result on the seeds and on
generated documents.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from builder.normalize import opencc_dicts
from builder.normalize.t2s import converter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sets() -> tuple[frozenset[str], frozenset[str]]:
    got = opencc_dicts.character_sets("t2s")
    assert got is not None, "the opencc wheel's dictionaries could not be read (is opencc_dict missing?)"
    return got


def test_sets_are_consistent(sets: tuple[frozenset[str], frozenset[str]]) -> None:
    changing, keyed = sets
    assert changing <= keyed
    assert {"黨", "務", "發"} <= changing
    assert not {"党", "务", "\n", "，", "。", "的"} & keyed


def test_every_character_opencc_changes_alone_is_changing(sets: tuple[frozenset[str], frozenset[str]]) -> None:
    changing, _ = sets
    convert = converter("t2s").convert
    ranges = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0)]
    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi)]
    converted = convert("\n".join(chars)).split("\n")
    assert len(converted) == len(chars)
    missed = [c for c, out in zip(chars, converted) if out != c and c not in changing]
    assert not missed, missed[:20]


def _piecewise(text: str, changing: frozenset[str], keyed: frozenset[str]) -> str:
    convert = converter("t2s").convert
    out: list[str] = []
    piece: list[str] = []

    def flush() -> None:
        joined = "".join(piece)
        out.append(convert(joined) if any(c in changing for c in joined) else joined)
        piece.clear()

    for c in text:
        if c in keyed:
            piece.append(c)
        else:
            flush()
            out.append(c)
    flush()
    return "".join(out)


def test_piecewise_conversion_equals_whole_text(
    sets: tuple[frozenset[str], frozenset[str]], bench_corpus: ModuleType
) -> None:
    changing, keyed = sets
    convert = converter("t2s").convert
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    generator = bench_corpus.CorpusGenerator(seed=3)
    texts += [generator.document(i)["text"] for i in range(200)]
    changed = 0
    for text in texts:
        whole = convert(text)
        assert _piecewise(text, changing, keyed) == whole
        changed += whole != text
    assert changed > 20  # not vacuous: many of these texts hold traditional characters


def test_an_unknown_configuration_gives_no_sets() -> None:
    assert opencc_dicts.character_sets("no-such-config") is None
    assert opencc_dicts.changing_chars("no-such-config") is None
