"""Hypothesis fuzz of the per-document core: invariants that must hold for any input.

For any raw text, :func:`builder.document.process_document`

- raises nothing;
- returns spans that are sorted, non-overlapping, non-empty and inside the text;
- returns an alignment that starts at (0, 0), ends at (len(text), len(raw)),
  is monotone (text offsets strictly increasing, raw offsets non-decreasing)
  and so covers the whole raw text;
- gives each span raw offsets that are the alignment's projection of it and
  lie inside the raw text;
- gives a text that UTF-8 can encode and a record that round-trips.

The inputs mix the things the seeds are made of (boilerplate phrases,
traditional characters, pinyin glosses, mojibake, half-width punctuation,
control characters, CRLF, odd spaces) with arbitrary Unicode.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.document import ProcessedDocument, process_document
from builder.labels import LABEL_NAMES

SNIPPETS = [
    "点赞:8856 浏览:33849 ", "近期更新时间:2024-03-01", "作者:网友分享原创网站原创", "第1页", "第 2 页 共 7 页",
    "(ā)", "發(fā)", "黨的基層組織", "执(zhí)政", "、", "怎么写作", "温馨提示:", "- 关 键 词:", "限制150内",
    "© 2024 范文中心 | 联系我们", "www.example.com", "http://a.b/c?d=1", "相关推荐", "下载文档", "上一篇", "下一篇",
    "本文档由用户上传,版权归属用户", "\n", "\n\n", "\r\n", "\r", "\t", " ", "\u3000", "\u00a0", "\u200b", "\ufeff",
    "\x00", "\x07", "\x1b[0m", "\x85", "\u2028", "å…š", "é‡\u008d", "锟斤拷", "ï¼Œ", ",", ".", ":", ";", "，", "。",
    "：", "；", "“", "〞", "（", "）", "【", "】", "1、", "一、", "(一)", "党建工作", "基层", "思想政治工作",
    "ＡＢＣ１２３", "ｈｔｔｐ", "！", "?", "…", "——", "**", "##", "•", "●", "■", "\u0301", "e\u0301",
]

chunk = st.one_of(
    st.sampled_from(SNIPPETS),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12),
    st.text(max_size=8),  # arbitrary code points (no lone surrogates: the readers never produce them)
)
raw_texts = st.lists(chunk, max_size=60).map("".join)
line_texts = st.lists(st.lists(chunk, max_size=8).map("".join), max_size=20).map("\n".join)

FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,  # write nothing into the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(raw: str) -> None:
    doc = process_document(raw, doc_id="fuzz", source="汇文网", url="https://example.com/x")
    text = doc.text
    text.encode("utf-8")  # strict: no lone surrogates in the output text

    # spans: sorted, non-overlapping, non-empty, in bounds, known labels
    previous_end = 0
    for span in doc.spans:
        assert span.label in LABEL_NAMES
        assert 0 <= span.start < span.end <= len(text), (span, len(text))
        assert span.start >= previous_end, f"overlap or unsorted at {span}"
        previous_end = span.end
    assert list(doc.spans) == sorted(doc.spans)

    # alignment: anchored at both ends, monotone, covering
    al = doc.alignment
    tos, ros = al.text_offsets, al.raw_offsets
    assert tos[0] == 0 and (ros[0] == 0 or not text)  # empty text: see test_empty_text_alignment_is_anchored
    assert tos[-1] == len(text) and ros[-1] == len(raw)
    if text:
        assert all(a < b for a, b in zip(tos, tos[1:])), tos
    assert all(a <= b for a, b in zip(ros, ros[1:])), ros
    raw_points = [al.to_raw(i) for i in range(len(text) + 1)]
    # (an empty text has one boundary, which the map sends to the end of the raw text)
    assert raw_points[-1] == len(raw) and (raw_points[0] == 0 or not text)
    assert all(a <= b for a, b in zip(raw_points, raw_points[1:]))

    # the record's raw offsets are the alignment's projection, inside the raw text
    record = doc.to_record()
    assert len(record["spans"]) == len(doc.spans)
    for row, span in zip(record["spans"], doc.spans):
        assert (row["start"], row["end"]) == (span.start, span.end)
        assert (row["raw_start"], row["raw_end"]) == al.span_to_raw(span.start, span.end)
        assert 0 <= row["raw_start"] <= row["raw_end"] <= len(raw)
        assert LABEL_NAMES[row["label"]] == span.label
    assert record["normalization"]["raw_chars"] == len(raw)
    assert record["normalization"]["text_chars"] == len(text)
    assert all(v >= 0 for v in record["normalization"]["edits"].values())

    # the record round-trips, and the core is deterministic
    back = ProcessedDocument.from_record(record)
    assert (back.text, back.raw_text, back.spans, back.alignment) == (text, raw, doc.spans, al)
    again = process_document(raw, doc_id="fuzz", source="汇文网", url="https://example.com/x")
    assert again.to_record() == record


@FUZZ
@given(raw_texts)
def test_process_document_invariants(raw: str) -> None:
    _check(raw)


@FUZZ
@given(line_texts)
def test_process_document_invariants_line_structured(raw: str) -> None:
    _check(raw)


@settings(max_examples=60, deadline=None, database=None)
@given(st.sampled_from(SNIPPETS), st.integers(min_value=1, max_value=3000))
def test_repeated_snippets(snippet: str, times: int) -> None:
    _check(snippet * times)


def test_known_edge_cases() -> None:
    for raw in ["", " ", "\n", "\x00", "\r\n" * 3, "\ufeff", "(ā)", "發(fā)", "å…š", "\u3000\u3000党建", "a\u0301",
                "点赞:" * 50, "第1页\n" * 50]:
        _check(raw)


@pytest.mark.parametrize("raw", ["\r\n\r\n\r\n", "\r\n", "\x00 "])
def test_empty_text_alignment_is_anchored(raw: str) -> None:
    doc = process_document(raw, doc_id="empty")
    assert doc.text == ""
    assert doc.alignment.text_offsets[0] == 0 and doc.alignment.raw_offsets[0] == 0
    assert doc.alignment.raw_offsets[-1] == len(raw)
