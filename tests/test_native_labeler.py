"""The compiled labeler must give exactly the spans of the Python labeler.

``builder.labeling.labeler.label_in_python`` is the reference; ``native/`` is a
Rust twin used for speed (see :mod:`builder.labeling.native`). These tests run
both on the label cases, the blind batch, the seeds, a generated corpus and
Hypothesis mixtures of their lines, and require identical spans *and* that the
compiled labeler really ran (no silent fallback). They also check, on every
code point, that the two regex engines agree except on the characters listed in
``resources/native/engine_divergence.toml``, which send a text to Python.

Without the compiled module these tests skip, unless ``ZHWB_REQUIRE_NATIVE=1``
(CI sets it), where a missing module fails them.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.labeling import label, load_rules
from builder.labeling.labeler import label_in_python
from builder.labeling.native import ENV_VAR, NativeLabeler, divergent_chars, native_labeler, native_status
from builder.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("zhwb_native")  # skips without the module (see conftest)



def _compiled() -> NativeLabeler:
    rules = load_rules()
    assert native_status(rules) == "ok"
    labeler = native_labeler(rules)
    assert labeler is not None
    return labeler


@cache
def _case_texts() -> tuple[str, ...]:
    texts = []
    for folder in ("labels", "blind"):
        for path in sorted((ROOT / "tests" / "test-cases" / folder).glob("*.json")):
            texts.extend(case["text"] for case in json.loads(path.read_text(encoding="utf-8"))["cases"])
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        texts.append(normalize(path.read_text(encoding="utf-8")).text)
    return tuple(texts)




def _assert_same(labeler: NativeLabeler, text: str) -> int:
    """Both labelers on ``text``; the compiled one must not fall back. Returns the span count."""
    expected = label_in_python(text, load_rules())
    got = labeler.label(text)
    assert got is not None, f"fell back to Python: {dict(labeler.fallbacks)}"
    assert got == expected, f"native {got}\npython {expected}\ntext {text!r}"
    return len(expected)


def test_same_spans_on_cases_blind_batch_and_seeds() -> None:
    labeler = _compiled()
    texts = _case_texts()
    assert len(texts) > 100
    assert sum(_assert_same(labeler, t) for t in texts) > 300  # not vacuous: most texts carry boilerplate


def test_same_spans_on_a_generated_corpus(bench_corpus: ModuleType) -> None:
    generator = bench_corpus.CorpusGenerator(seed=7)
    texts = [normalize(generator.document(i)["text"]).text for i in range(300)]
    labeler = _compiled()
    assert sum(_assert_same(labeler, t) for t in texts) > 600


@cache
def _lines() -> tuple[str, ...]:
    return tuple(sorted({line for t in _case_texts() for line in t.split("\n")}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0), min_size=1, max_size=40), st.data())
def test_same_spans_on_mixed_lines(picks: list[int], data: st.DataObject) -> None:
    """Lines of different pages glued in random order, some cut or doubled: blocks,
    split titles and page markers meet neighbours the hand-written cases never gave them."""
    lines = _lines()
    chosen = []
    for k in picks:
        line = lines[k % len(lines)]
        how = data.draw(st.sampled_from(["keep", "keep", "cut", "double", "blank"]))
        if how == "cut":
            line = line[: data.draw(st.integers(0, len(line)))]
        elif how == "double":
            line = line + line
        elif how == "blank":
            line = ""
        chosen.append(line)
    _assert_same(_compiled(), "\n".join(chosen))


def test_public_label_uses_the_compiled_labeler_and_python_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    text = next(t for t in _case_texts() if label_in_python(t))
    labeler = _compiled()
    before = dict(labeler.fallbacks)
    assert label(text) == label_in_python(text)
    assert dict(labeler.fallbacks) == before
    monkeypatch.setenv(ENV_VAR, "0")
    assert native_labeler(load_rules()) is None
    assert native_status(load_rules()) == f"disabled by {ENV_VAR}=0"
    assert label(text) == label_in_python(text)


@pytest.mark.parametrize("odd", ["\x1c", "\u0130", "\ud800"])
def test_texts_the_engines_would_read_differently_go_to_python(odd: str) -> None:
    """A character the engines disagree on (or one Rust cannot hold) sends the text to
    Python: the spans are the reference's, and the fallback is counted."""
    labeler = _compiled()
    text = "正文第一句。\n© 2024 某某文库" + odd + "\n点赞：12 浏览：345"
    before = sum(labeler.fallbacks.values())
    assert labeler.label(text) is None
    assert sum(labeler.fallbacks.values()) == before + 1
    assert label(text) == label_in_python(text)


def test_a_rule_the_engine_cannot_compile_keeps_the_rule_set_in_python(tmp_path: Path) -> None:
    """Python's ``(?P=name)`` back-reference has no equivalent here: the whole rule set
    is labeled in Python and the status says why."""
    (tmp_path / "footer.toml").write_text(
        "[[rule]]\n"
        'id = "footer.twice"\nlabel = "footer"\nscope = "line"\n'
        "patterns = ['^(?P<w>联系我们)\\s?(?P=w)$']\n"
        'description = "a word said twice"\n',
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    assert native_labeler(rules) is None
    assert native_status(rules).startswith("rules do not compile natively")
    assert [s.rule for s in label("正文。\n联系我们 联系我们", rules)] == ["footer.twice"]


# -- the two regex engines, character by character ---------------------------------------

#: every construct the packaged rules use that could differ between engines
CONSTRUCTS = [r"\s", r"\S", r"\d", r"\D", r"."]


def _all_chars() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def _disagreements(engine: ModuleType, pattern: str, ignore_case: bool, chars: str) -> set[str]:
    python = {m.start() for m in re.finditer(pattern, chars, re.IGNORECASE if ignore_case else 0)}
    rust = {s for s, _ in engine.find_all(pattern, chars, ignore_case)}
    return {chars[i] for i in python ^ rust}


def _icase_letters() -> set[str]:
    """Cased letters written in the case-insensitive patterns of the packaged rules."""
    letters = set()
    for rule in load_rules():
        for p in rule.patterns + rule.exclude + rule.continue_patterns + rule.end_patterns:
            if p.flags & re.IGNORECASE:
                letters |= {c.lower() for c in p.pattern if c.lower() != c.upper()}
    return letters


def test_the_engines_disagree_only_where_the_data_file_says(zhwb_native: ModuleType) -> None:
    chars = _all_chars()
    listed = divergent_chars()
    assert set(listed) >= {r"\s", "(?i)i"}
    found: dict[str, set[str]] = {}
    for pattern in CONSTRUCTS:
        found[pattern] = _disagreements(zhwb_native, pattern, False, chars)
    for letter in sorted(_icase_letters() | {"i"}):
        found[f"(?i){letter}"] = _disagreements(zhwb_native, re.escape(letter), True, chars)
    guarded = set().union(*listed.values())
    for pattern, chars_found in found.items():
        assert chars_found <= guarded, f"{pattern}: engines disagree on {sorted(map(hex, map(ord, chars_found - guarded)))}"
    # and the file lists nothing stale: each entry is a disagreement that exists
    for pattern, chars_listed in listed.items():
        assert found.get(pattern) == set(chars_listed), pattern
