"""Properties of the normalizer (Hypothesis): idempotence, traceability, robustness."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.alignment import Alignment, TextEdit, apply_edits
from builder.normalize import EDIT_FAMILIES, normalize
from builder.normalize.lexicon import load_lexicon

# Simplified characters that OpenCC t2s keeps and that no artifact row uses.
_ARTIFACT_CHARS = set("".join(r["wrong"] for r in load_lexicon("conversion_artifacts").rows))
_SIMPLIFIED = "".join(
    c
    for c in dict.fromkeys(
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    )
    if c not in _ARTIFACT_CHARS
)
_NOISY = (
    "中文党建發展黨務(fā)(zhǎn)?()（）,.:;!?\"“”〞〝 \u3000\xa0\t\n\r\x00\x85\ufeff"
    "效劳根底原那么怎么写作开展广阔党员局部组成鍏氬缓宸ヤ綔å…šå»ºå·¥ä½œ摘要关键词一二.12345abcD[]"
)
# NORMALIZE_EXAMPLES=5000 for a longer hunt; the default keeps the suite quick
_SETTINGS = settings(
    max_examples=int(os.environ.get("NORMALIZE_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

noisy_text = st.text(alphabet=st.sampled_from(_NOISY), max_size=80)
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
_TOKENS = [
    "党建", "工作", "發(fā)", "?(dān)", "?fù)", "2023(5):50-51", "(J)", "[M]", "http://a.cn/x,y.", "www.a.com",
    "一.", " 二.", "1.1", "D 267.5", ",", ".", ":", "(", ")", "\"", " ", "\n", "\u3000", "〞", "〝", "效劳",
    "怎么写作", "群众", "管理", "原那么", "广阔党员", "开展党员", "摘 要", "[关 键 词 ]", "...", "é", "Ã©", "鍏氬缓",
]
token_text = st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join)
either_text = st.one_of(noisy_text, any_text, token_text)


def _check_alignment(raw: str, text: str, alignment: Alignment) -> None:
    assert alignment.text_length == len(text)
    assert alignment.raw_length == len(raw)
    offsets = [alignment.to_raw(i) for i in range(len(text) + 1)]
    assert offsets[-1] == len(raw)
    if text:  # an empty text is one boundary, at the end of the raw text
        assert offsets[0] == 0
    assert all(a <= b for a, b in zip(offsets, offsets[1:])), "not monotone"
    assert alignment.is_strict()
    for i, r in enumerate(offsets):  # span boundaries project to raw and back
        assert alignment.from_raw(r) == i


@_SETTINGS
@given(either_text)
def test_idempotent(raw: str) -> None:
    once = normalize(raw).text
    assert normalize(once).text == once


@_SETTINGS
@given(either_text)
def test_alignment_is_valid(raw: str) -> None:
    result = normalize(raw)
    assert result.raw_text == raw
    _check_alignment(raw, result.text, result.alignment)
    assert set(result.edit_counts) == set(EDIT_FAMILIES)
    assert all(v >= 0 for v in result.edit_counts.values())


@_SETTINGS
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200))
def test_no_exception_on_arbitrary_unicode(raw: str) -> None:
    result = normalize(raw)
    assert isinstance(result.text, str)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", result.text)


_CLEAN_LINES = st.lists(
    st.text(alphabet=st.sampled_from(_SIMPLIFIED), min_size=1, max_size=30), min_size=1, max_size=5
)


@_SETTINGS
@given(_CLEAN_LINES)
def test_clean_simplified_text_is_unchanged(lines: list[str]) -> None:
    raw = "\n".join(lines)
    result = normalize(raw)
    assert result.text == raw
    assert sum(result.edit_counts.values()) == 0


@_SETTINGS
@given(
    st.lists(st.text(alphabet=st.sampled_from(_SIMPLIFIED), min_size=1, max_size=12), min_size=1, max_size=6),
    st.lists(st.sampled_from([",", ".", ":", ";", "!", "?", " ", "  ", "\u3000", "\n", "\n\n"]), min_size=6, max_size=6),
)
def test_only_punctuation_and_whitespace_change_in_clean_text(words: list[str], seps: list[str]) -> None:
    raw = "".join(w + s for w, s in zip(words, seps))
    result = normalize(raw)
    han = lambda s: re.sub(r"[^\u4e00-\u9fff]", "", s)  # noqa: E731
    assert han(result.text) == han(raw)
    allowed = {"punctuation", "whitespace", "blank_lines", "letter_spacing"}
    assert all(n == 0 for f, n in result.edit_counts.items() if f not in allowed)


@pytest.mark.parametrize("raw", ["", "\n", "   ", "\u3000\n\xa0", "\x00\x01", "?(fā)", "(fā)"])
def test_edge_inputs(raw: str) -> None:
    result = normalize(raw)
    _check_alignment(raw, result.text, result.alignment)
    assert normalize(result.text).text == result.text


@_SETTINGS
@given(either_text)
def test_punctuation_fast_path_matches_edits(raw: str) -> None:
    from builder.normalize import punctuation

    edits = punctuation.find_edits(raw)
    fast = punctuation.rewrite(raw)
    expected = apply_edits(raw, edits)[0]
    assert (fast.text if fast else raw) == expected
    n = sum(fast.counts.values()) if fast else 0
    assert n == len(edits)
