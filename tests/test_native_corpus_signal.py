"""The compiled line filter of the corpus signal must give the Python hashes.

``RepeatedLineSignal.candidate_hashes_in_python`` is the reference. The Rust twin
(``native/src/corpus_signal.rs``) carries its own BLAKE2b; these tests hold the
hash to ``hashlib`` on texts of every length around the 128-byte block size and
on every kind of character, and the filter to the reference on the seeds,
generated documents and Hypothesis line mixtures.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.labeling import label
from builder.labeling.corpus_signal import RepeatedLineSignal, _native_filter, line_hash
from builder.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("zhwb_native")  # skips without the module (see conftest)



def _hashlib(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@pytest.mark.parametrize("length", [0, 1, 2, 63, 64, 127, 128, 129, 255, 256, 257, 1000, 4097])
def test_hash_equals_hashlib_around_block_sizes(length: int, zhwb_native: ModuleType) -> None:
    for alphabet in ("a", "党建", "é\U00020000 "):
        text = (alphabet * length)[:length]
        assert zhwb_native.line_hash64(text) == _hashlib(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400))
def test_hash_equals_hashlib_on_any_text(text: str) -> None:
    import zhwb_native  # the module-level mark has skipped this file without it

    assert zhwb_native.line_hash64(text) == _hashlib(text)
    assert zhwb_native.line_hash64(text.strip()) == line_hash(text)


def _texts(bench_corpus: ModuleType) -> list[str]:
    texts = [normalize(p.read_text(encoding="utf-8")).text for p in sorted((ROOT / "seeds").glob("*.txt"))]
    generator = bench_corpus.CorpusGenerator(seed=9)
    return texts + [normalize(generator.document(i)["text"]).text for i in range(200)]


def test_same_hashes_on_seeds_and_generated_documents(bench_corpus: ModuleType) -> None:
    signal = RepeatedLineSignal()
    assert _native_filter(signal.max_line_chars) is not None
    total = 0
    for text in _texts(bench_corpus):
        spans = label(text)
        expected = signal.candidate_hashes_in_python(text, spans)
        assert signal.candidate_hashes(text, spans) == expected
        total += len(expected)
    assert total > 500  # not vacuous


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["正文一句话。", "  点赞：12 浏览：345 ", "一、总则", "\u3000相关文章\u3000",
                                 "", "  ", "©2024 某某文库", "各单位：", "x" * 70, "第一章", "办公室",
                                 "关 键 词：基层", "\x1c分隔", "短行"]), max_size=20),
       st.lists(st.tuples(st.integers(0, 300), st.integers(1, 40)), max_size=5))
def test_same_hashes_on_line_mixtures(lines: list[str], raw_spans: list[tuple[int, int]]) -> None:
    from builder.labels import Span

    text = "\n".join(lines)
    spans = sorted(
        Span(s, min(s + n, len(text)), "advert", "test") for s, n in raw_spans if s < len(text)
    )
    signal = RepeatedLineSignal()
    assert signal.candidate_hashes(text, spans) == signal.candidate_hashes_in_python(text, spans)


def test_line_hashes_equal_line_hash(bench_corpus: ModuleType) -> None:
    compiled = _native_filter(RepeatedLineSignal.DEFAULT_MAX_LINE_CHARS)
    assert compiled is not None
    for text in _texts(bench_corpus)[:60] + ["", "\n", " a \n\u3000\n\x1c b\x1f"]:
        lines = text.split("\n")
        got = compiled.line_hashes(text)
        assert len(got) == len(lines)
        assert all(h == (line_hash(line) if line.strip() else 0) for h, line in zip(got, lines))
