"""Span invariants of the labeler (Hypothesis) and hostile inputs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.labeling import label, remove_spans
from builder.labels import LABEL_NAMES

# Pieces that trigger rules, mixed with ordinary text, so the properties see real spans.
FRAGMENTS = [
    "1、", "2、", "3、", "、", "第3页", "共12页", "点赞：12", "浏览：3", "发布日期：", "温馨提示：",
    "1. 文档下载", "- 关键词：", "- 如何 做好", "相关文章", "• 标题", "© 2024 某网", "京ICP备1234号",
    "原创文秘材料，尽在某某网。", "上一篇：", "首页 > 栏目", "举报 收藏", "限制150内", ".doc", "。", "，",
    "中图分类号：D 267", "客服QQ：12345678", "加强", "基层", "党建", "工作", "加强基层党建工作",
    "我们要把党的工作有机结合在教学、科研和人才培养这一", "参考属性评定", "论文适用：本科",
]
piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="党建工作基层。，、：1 abc", min_size=1, max_size=6))
line = st.lists(piece, min_size=1, max_size=6).map("".join).map(str.strip).filter(bool)
clean_doc = st.lists(line, min_size=1, max_size=25).map("\n".join)


def check_invariants(text, spans):
    prev_end = 0
    for s in spans:
        assert s.label in LABEL_NAMES
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= prev_end
        prev_end = s.end
    assert spans == sorted(spans)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clean_doc)
def test_spans_well_formed_and_removal_well_formed(text):
    spans = label(text)
    check_invariants(text, spans)
    clean = remove_spans(text, spans)
    assert "\n\n" not in clean
    assert not clean.startswith("\n") and not clean.endswith("\n")
    assert all(ln.strip() for ln in clean.split("\n")) or clean == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_text(text):
    spans = label(text)
    check_invariants(text, spans)
    remove_spans(text, spans)


@settings(max_examples=100, deadline=None)
@given(clean_doc)
def test_deterministic(text):
    assert label(text) == label(text)


def test_hostile_long_lines_return():
    for text in [
        "点赞:" * 100000,
        "第1页" * 100000,
        "、" * 200000,
        "1、" + "、" * 200000,
        "原创" * 100000 + "尽在" * 100000,
        "首页 > " * 50000,
        "收藏 " * 100000,
        ("a" * 1000 + "\n") * 1000,
        "\n".join(["加强"] * 50000),
        "\n".join(["1、" + "党" * 50] * 20000),
        ("更多" + "，" * 30) * 30000,
        "- " * 300000,
    ]:
        spans = label(text)
        check_invariants(text, spans)
        clean = remove_spans(text, spans)
        assert len(clean) <= len(text)


def test_hostile_many_short_word_lines_are_not_labeled_without_title():
    text = "\n".join(["加强", "基层", "党建", "工作"] * 10000)
    assert label(text) == []


def test_empty_and_single_line():
    assert label("") == []
    assert label("\n") == []
    t = "京ICP备12345678号"
    assert [(s.start, s.end) for s in label(t)] == [(0, len(t))]
    assert remove_spans(t, label(t)) == ""
