"""Data checks for ``builder/resources/lexicons/line_shapes.toml`` and its use by the labeler."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from builder.labeling import corpus_signal, labeler
from builder.labeling.corpus_signal import RepeatedLineSignal
from builder.labeling.line_shapes import FILE_NAME, LineShapesError, load_line_shapes, parse_line_shapes

KEYS = {"terminal_chars", "punct_or_space", "colon_chars", "content_patterns"}
CHAR_KEYS = ("terminal_chars", "punct_or_space", "colon_chars")


def _text() -> str:
    return resources.files("builder").joinpath("resources", "lexicons", FILE_NAME).read_text(encoding="utf-8")


def test_file_has_a_header_saying_what_it_is() -> None:
    lines = _text().splitlines()
    assert lines[0] == "# name: line_shapes"
    assert lines[1].startswith("# description: ") and len(lines[1]) > 40


def test_known_keys_only_and_all_present() -> None:
    assert set(tomllib.loads(_text())) == KEYS


@pytest.mark.parametrize("key", CHAR_KEYS)
def test_character_sets_are_non_empty_without_repeats(key: str) -> None:
    value = tomllib.loads(_text())[key]
    assert isinstance(value, str) and value
    assert len(set(value)) == len(value), f"{key} repeats a character"


def test_content_patterns_compile_alone_and_together() -> None:
    patterns = tomllib.loads(_text())["content_patterns"]
    assert patterns and len(set(patterns)) == len(patterns)
    compiled = [re.compile(p) for p in patterns]
    joined = load_line_shapes().content_pattern
    # the one alternation finds a line exactly when one of the patterns does
    lines = ["一、总体要求", "（三）工作措施", "1.2 方法", "第三章 总则", "参考文献", "此致", "XX市人民政府办公室",
             "2023年5月8日", "首页 | 新闻中心", "本站部分内容来自网络", "点击下载", "2023年5月8日 发布"]
    for line in lines:
        assert bool(joined.search(line)) == any(p.search(line) for p in compiled), line


def test_labeler_and_corpus_signal_use_the_loaded_values() -> None:
    shapes = load_line_shapes()
    assert labeler.TERMINAL_CHARS == shapes.terminal_chars
    assert "TERMINAL_CHARS" in labeler.__all__
    assert labeler._PUNCT_OR_SPACE == shapes.punct_or_space
    assert corpus_signal.TERMINAL_CHARS == shapes.terminal_chars
    assert corpus_signal._HEADING is shapes.content_pattern
    assert corpus_signal._COLONS == shapes.colon_chars
    assert load_line_shapes() is shapes  # parsed once per process


@pytest.mark.parametrize(
    ("line", "content"),
    [
        ("一、总则", True),  # numbered heading
        ("（二）工作要求", True),
        ("参考文献", True),  # section word
        ("XX市人民政府办公室", True),  # signature
        ("2023年5月", True),  # date under a signature
        ("各单位：", True),  # ends in a colon
        ("请大家相互转告。", True),  # ends a sentence
        ("首页 | 新闻中心 | 联系我们", False),  # template chrome
        ("本站部分内容来自网络", False),
    ],
)
def test_corpus_signal_keeps_content_shaped_lines(line: str, content: bool) -> None:
    assert RepeatedLineSignal()._looks_like_content(line) is content


def _mutated(old: str, new: str) -> str:
    text = _text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("# name: line_shapes", "# named line_shapes", "header line '# name:'"),
        ('colon_chars = "：:"', 'colon_chars = "：:"\nextra = "x"', "unknown keys"),
        ('colon_chars = "：:"', "", "missing keys"),
        ('colon_chars = "：:"', 'colon_chars = ""', "non-empty string"),
        ('colon_chars = "：:"', 'colon_chars = "：:："', "repeats"),
        ("content_patterns = [", "content_patterns = ['(unclosed',", "does not compile"),
        ("content_patterns = [", "content_patterns = ['',", "empty or non-string"),
        # an inline flag would make every later pattern case-insensitive once joined
        ("content_patterns = [", "content_patterns = ['x', '(?i)abc',", "as one alternation"),
        ("content_patterns = [", "content_patterns = ['(a)\\1',", "numbered backreference"),
    ],
)
def test_malformed_files_are_refused(old: str, new: str, message: str) -> None:
    parse_line_shapes(_text())  # the unmutated file is accepted
    with pytest.raises(LineShapesError, match=re.escape(message)):
        parse_line_shapes(_mutated(old, new))
