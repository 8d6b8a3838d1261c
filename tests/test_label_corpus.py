"""The corpus signal: lines repeated across many documents of one source."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.labeling import RepeatedLineSignal, label, remove_spans
from builder.labeling.corpus_signal import line_hash

LINES = ["站点导航 甲 乙", "正文一句话。", "© 2024 某网", "上一篇：甲", "相关文章", "• 标题", "短行", "另一段正文内容很长很长。", "1、" + "党" * 45, "2、" + "建" * 45]
NAV = "范文网首页 工作总结 心得体会 入党申请"
FOOTER = "© 2024 某某范文网"


def doc(k: int) -> str:
    return "\n".join(
        [
            NAV,
            f"第{k}篇文章的标题",
            f"这是第{k}篇文章的正文，内容各不相同，讲的是第{k}件事情。",
            "一、提高认识",  # a heading many articles share: content
            "我们要认真学习贯彻落实会议精神，切实把思想和行动统一到会议部署上来。",  # repeated sentence
            FOOTER,
        ]
    )


def build(n=6, **kw) -> RepeatedLineSignal:
    sig = RepeatedLineSignal(**kw)
    for k in range(n):
        sig.observe("site-a", doc(k))
    return sig


def test_repeated_chrome_is_labeled_content_is_not():
    sig = build()
    text = doc(99)
    spans = sig.apply("site-a", text, label(text))
    got = [(s.label, s.rule, text[s.start : s.end]) for s in spans]
    assert got == [
        ("site_notice", "corpus.repeated_line", NAV + "\n"),
        ("footer", "footer.copyright", "\n" + FOOTER),
    ]
    clean = remove_spans(text, spans)
    assert "一、提高认识" in clean and "切实把思想" in clean
    assert "\n\n" not in clean and not clean.endswith("\n")


def test_repeated_last_line_after_labeled_line_keeps_text_well_formed():
    sig = RepeatedLineSignal(threshold=2, min_documents=2)
    for k in range(3):
        sig.observe("s", f"正文第{k}段，内容不同。\n上一篇：某文章{k}\n站点模板文字")
    text = "新的正文，内容不同。\n上一篇：别的文章\n站点模板文字"
    spans = sig.apply("s", text, label(text))
    clean = remove_spans(text, spans)
    assert clean == "新的正文，内容不同。"
    assert [s.rule for s in spans] == ["related_links.prev_next", "corpus.repeated_line"]


def test_repeated_line_named_by_a_rule_records_both():
    sig = RepeatedLineSignal(threshold=2, min_documents=2)
    for k in range(3):
        sig.observe("s", f"相关文章\n正文第{k}段，内容不同。")
    text = "相关文章\n新的正文，内容不同。"
    spans = sig.apply("s", text, label(text))  # a lone heading: the block rule needs items
    assert [(s.label, s.rule, text[s.start : s.end]) for s in spans] == [
        ("related_links", "corpus.repeated_line:related_links.list_block", "相关文章\n")
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(LINES), min_size=1, max_size=8), min_size=3, max_size=8))
def test_apply_keeps_span_invariants(docs):
    sig = RepeatedLineSignal(threshold=2, min_documents=2)
    texts = ["\n".join(d) for d in docs]
    for t in texts:
        sig.observe("s", t)
    for t in texts:
        spans = sig.apply("s", t, label(t))
        prev = 0
        for s in spans:
            assert prev <= s.start < s.end <= len(t)
            prev = s.end
        clean = remove_spans(t, spans)
        assert "\n\n" not in clean and not clean.startswith("\n") and not clean.endswith("\n")


def test_thresholds_and_sources_are_separate():
    sig = build(n=6)
    text = doc(99)
    assert sig.apply("other-site", text, []) == []
    assert RepeatedLineSignal(min_documents=10).apply("site-a", text, []) == []
    few = build(n=2, min_documents=1)  # lines seen in 2 documents < threshold 3
    assert few.apply("site-a", text, []) == []
    frac = build(n=6, min_fraction=0.9)
    assert frac.apply("site-a", text, []) != []
    with pytest.raises(ValueError):
        RepeatedLineSignal(threshold=1)


def test_hash_table_is_bounded_and_ignores_new_lines_when_full():
    sig = RepeatedLineSignal(max_hashes_per_source=3, min_documents=1, threshold=2)
    sig.observe("s", "a\nb\nc")
    sig.observe("s", "a\nd\ne")
    assert len(sig.counts["s"]) == 3
    assert sig.dropped["s"] == 2
    assert sig.document_count("s", "a") == 2
    assert sig.document_count("s", "d") == 0
    assert all(isinstance(h, int) and h < 2**64 for h in sig.counts["s"])
    assert line_hash(" a ") == line_hash("a")


def test_existing_spans_are_kept():
    sig = build()
    text = doc(3)
    spans = label(text)
    out = sig.apply("site-a", text, spans)
    assert set(spans) <= set(out)


def test_observe_hashes_equals_observe():
    a = build()
    b = RepeatedLineSignal()
    for k in range(6):
        b.observe_hashes("site-a", [line_hash(x) for x in doc(k).split("\n")] * 2)
    assert a.counts == b.counts and a.documents == b.documents


def test_common_titles_signatures_and_closings_stay_content():
    sig = RepeatedLineSignal(threshold=2, min_documents=2)
    for k in range(5):
        sig.observe("gov", f"关于第{k}项工作的通知\n各单位：\n正文第{k}段内容。\n特此通知。\n附件：\n某某市人民政府办公室\n2023年5月")
    text = "关于新工作的通知\n各单位：\n新的正文内容。\n特此通知。\n附件：\n某某市人民政府办公室\n2023年5月"
    spans = sig.apply("gov", text, label(text))
    assert spans == []


def test_min_fraction_guards_large_sources():
    sig = RepeatedLineSignal(threshold=3, min_documents=5)
    for k in range(100):
        lines = ["站点页眉文字", f"文章{k}的正文内容。"] + (["工作总结"] if k < 5 else [])
        sig.observe("big", "\n".join(lines))
    text = "站点页眉文字\n工作总结\n新的正文内容。"
    got = [text[s.start : s.end] for s in sig.apply("big", text, [])]
    assert got == ["站点页眉文字\n"]  # 工作总结 is in 5 of 100 documents: below min_fraction
