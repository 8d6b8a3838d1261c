"""The compiled normalizer must give exactly the result of the Python pipeline.

``builder.normalize.pipeline.normalize_in_python`` is the reference; ``native/``
holds a Rust twin used for speed (see :mod:`builder.normalize.native`). These
tests run both on the normalization cases, the seeds, a generated corpus and
Hypothesis texts built from the pieces every step reacts to, and require the
same text, the same alignment and the same edit counts. Where the twin hands a
text back to Python, the reason must be one it is allowed to give, and on the
seeds and the generated corpus it must not hand back anything.

Without the compiled module these tests skip, unless ``ZHWB_REQUIRE_NATIVE=1``
(CI sets it), where a missing module fails them.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.native_engine import ENV_VAR
from builder.normalize import normalize
from builder.normalize.config import DEFAULT
from builder.normalize.native import NativeNormalizer, native_normalizer, native_status
from builder.normalize.pipeline import NormalizedText, normalize_in_python

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("zhwb_native")  # skips without the module (see conftest)

#: the only reasons the twin may give for handing a text to Python
ALLOWED_FALLBACKS = {
    "engines disagree on a character of the text",
    "a lone surrogate",
    "a repair is pending after the first round",
    "t2s changed the length",
    "t2s moved a line break",
}



def _compiled() -> NativeNormalizer:
    assert native_status(DEFAULT) == "ok"
    normalizer = native_normalizer(DEFAULT)
    assert normalizer is not None
    return normalizer


def _fields(result: NormalizedText) -> tuple:
    return result.text, result.alignment, result.edit_counts


def _compare(raw: str) -> bool:
    """Both pipelines on ``raw``; True when the twin ran (False: it handed back, for an allowed reason)."""
    normalizer = _compiled()
    before = dict(normalizer.fallbacks)
    got = normalizer.normalize(raw)
    expected = normalize_in_python(raw)
    if got is None:
        new = {k for k, v in normalizer.fallbacks.items() if v > before.get(k, 0)}
        assert new, "a hand-back must be counted with its reason"
        assert new <= ALLOWED_FALLBACKS, f"unexpected fallback {new} on {raw!r}"
        # the public function must then fall back to the reference, not raise
        assert _fields(normalize(raw)) == _fields(expected)
        return False
    assert got.raw_text == raw
    assert _fields(got) == _fields(expected), f"differs on {raw!r}"
    return True


@cache
def _case_inputs() -> tuple[str, ...]:
    inputs = []
    for path in sorted((ROOT / "tests" / "test-cases" / "normalization").glob("*.json")):
        inputs.extend(case["input"] for case in json.loads(path.read_text(encoding="utf-8")))
    return tuple(inputs)


def test_same_result_on_the_normalization_cases() -> None:
    ran = [_compare(raw) for raw in _case_inputs()]
    assert len(ran) > 40
    assert all(ran)  # no case needs the reference: each one checks the twin itself


def test_same_result_on_the_seeds_without_fallback() -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        assert _compare(path.read_text(encoding="utf-8")), f"{path.name} was handed back"


def test_same_result_on_a_generated_corpus_without_fallback(bench_corpus: ModuleType) -> None:
    generator = bench_corpus.CorpusGenerator(seed=11)
    docs = [generator.document(i)["text"] for i in range(300)]
    assert all(_compare(d) for d in docs)
    edited = sum(normalize_in_python(d).edit_counts["t2s"] > 0 for d in docs)
    assert edited > 30  # not vacuous: the corpus carries the damage the steps repair


#: pieces every step reacts to: Han and traditional text, readings and lost characters,
#: punctuation in and out of Chinese context, quotes, brackets, list markers, references,
#: URLs, all kinds of spaces and line ends, controls, both kinds of mojibake, artifacts
PIECES = [
    "党建", "工作", "服務", "黨", "發(fā)", "展(zhǎn)", "(fā)", "重?(dān)", "?fù)?dān)", "\ufffd(lǚ)",
    "(J)", ",", ".", "...", ";", ":", "!", "?", "(", ")", '"', "“", "”", "（", "）", "】", "]", "《",
    "一.", "二.", "十一.", "2023(5):50-51", "[M]", "http://a.cn/x,y", "www.b.cn", "1.5", "abc",
    " ", "  ", "\u3000", "\xa0", "\t", "\n", "\n\n", "\r\n", "\r", "\x00", "\x85", "\ufeff",
    "å…šå»º", "Ã©", "鍏氬缓", "宸ヤ綔", "效劳", "怎么写作", "群众", "〞", "〝", "原那么", "广阔党员",
    "开展", "可持续开展", "摘 要 ", "关 键 词", "中 二.", "甲 乙", "浏览", "項目", "äœ",
    # Chinese taken through UTF-8→GBK and then UTF-8→cp1252: ftfy's repair leaves GBK mojibake
    "æµœçƒ˜çš¯ç¼‡ã‚„ç´¬", "ç¼‡ã‚„ç´¬", "ç’§å±½ç°¢å®„â„ƒå¹¢",
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_same_result_on_texts_made_of_the_pieces_steps_react_to(pieces: list[str]) -> None:
    _compare("".join(pieces))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from("党建發展(fā)?\ufffd,.;:!?()\"“” \u3000\n\r\x00一二.aé"), max_size=60))
def test_same_result_on_short_random_texts(raw: str) -> None:
    _compare(raw)


@pytest.mark.parametrize("word", ["人民群众", "赌庇峡洱", "干部学习"])
def test_ftfy_then_gbk_repair_in_one_round(word: str) -> None:
    """ftfy can turn Latin-1 mojibake into GBK mojibake; the GBK step must see its output
    in the same round (a regression: the twin once checked the text from before ftfy)."""
    raw = word.encode("utf-8").decode("gbk").encode("utf-8").decode("cp1252", errors="strict")
    got = _compiled().normalize(raw)
    expected = normalize_in_python(raw)
    assert expected.edit_counts["mojibake"] and expected.edit_counts["gbk_mojibake"]
    assert got is not None and _fields(got) == _fields(expected)


def test_a_pending_repair_is_handed_to_python() -> None:
    """``〝`` becomes ``“`` late, which completes the mojibake ``äœ“``: the reference runs a
    second round, so the twin hands the text back and the public result is the reference's."""
    raw = "äœ〝 党建工作 效劳 原那么"
    normalizer = _compiled()
    before = normalizer.fallbacks["a repair is pending after the first round"]
    assert normalizer.normalize(raw) is None
    assert normalizer.fallbacks["a repair is pending after the first round"] == before + 1
    assert _fields(normalize(raw)) == _fields(normalize_in_python(raw))


@pytest.mark.parametrize("odd", ["\x1c", "\u0130", "\ud800"])
def test_texts_the_engines_would_read_differently_go_to_python(odd: str) -> None:
    normalizer = _compiled()
    raw = "黨建工作,發(fā)展." + odd + "\n"
    assert normalizer.normalize(raw) is None
    assert _fields(normalize(raw)) == _fields(normalize_in_python(raw))


def test_public_normalize_uses_the_twin_and_python_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = "  黨建工作,發(fā)展.\r\n"
    normalizer = _compiled()
    before = dict(normalizer.fallbacks)
    assert _fields(normalize(raw)) == _fields(normalize_in_python(raw))
    assert dict(normalizer.fallbacks) == before
    monkeypatch.setenv(ENV_VAR, "0")
    assert native_normalizer(DEFAULT) is None
    assert native_status(DEFAULT) == f"disabled by {ENV_VAR}=0"
    assert _fields(normalize(raw)) == _fields(normalize_in_python(raw))


def test_a_configuration_with_a_step_off_runs_in_python() -> None:
    config = dataclasses.replace(DEFAULT, t2s=False)
    assert native_normalizer(config) is None
    assert "off: t2s" in native_status(config)
    assert normalize("黨建,工作", config).text == "黨建，工作"


def test_the_evidence_scale_reaches_the_twin() -> None:
    """A scaled threshold changes which artifact repairs fire; the twin must follow it."""
    raw = "效劳群众，开展党员工作，可持续开展。"  # evidence 3: enough at scale 1, not at 2
    strict = dataclasses.replace(DEFAULT, evidence_scale=2.0)
    twin = native_normalizer(strict)
    assert twin is not None
    got = twin.normalize(raw)
    assert got is not None
    assert _fields(got) == _fields(normalize_in_python(raw, strict))
    assert got.text != _compiled().normalize(raw).text  # the scale made a difference


def test_opencc_is_called_through_its_c_api() -> None:
    """The opencc extension exports OpenCC's C API; the twin finds it (else it would
    call the Python binding: same output, slower)."""
    assert _compiled()._native.opencc_c_api
