"""Evaluation of predicted spans against gold, and the standoff gold format."""

from __future__ import annotations

import json

import pytest

from builder.labeling import GoldError, evaluate_spans, format_report, load_gold
from builder.labeling.gold import build_gold_from_quotes, write_gold
from builder.labels import Span

TEXT = "标题\n点赞：1 浏览：2\n正文内容。\n京ICP备1号"


def test_perfect_prediction():
    gold = [Span(3, 13, "metadata", "gold"), Span(18, 25, "footer", "gold")]
    assert TEXT[3:13] == "点赞：1 浏览：2\n"
    rep = evaluate_spans([(TEXT, gold, gold)])
    assert rep.boilerplate.f1 == 1.0
    assert rep.per_label["metadata"].f1 == 1.0
    assert rep.spans.precision == rep.spans.recall == 1.0
    assert rep.content_chars_lost == 0


def test_errors_are_counted():
    gold = [Span(3, 13, "metadata", "gold")]
    pred = [Span(3, 13, "site_notice", "x"), Span(13, 18, "advert", "y")]
    rep = evaluate_spans([(TEXT, gold, pred)])
    assert rep.per_label["metadata"].recall == 0.0
    assert rep.per_label["site_notice"].precision == 0.0
    assert rep.boilerplate.tp == 10 and rep.boilerplate.pred == 15 and rep.boilerplate.gold == 10
    assert rep.content_chars_lost == 5
    assert rep.spans.tp == 0
    assert rep.confusion[("metadata", "site_notice")] == 10
    table = format_report(rep)
    lines = table.splitlines()
    assert any(ln.startswith("metadata") for ln in lines)
    assert "content chars lost: 5" in table
    widths = {len(ln) for ln in lines[1:-1] if not ln.startswith("-")}
    assert len(widths) == 1  # fixed width


def test_gold_roundtrip_and_stale_quote(tmp_path):
    texts = {"d1": TEXT}
    recs = build_gold_from_quotes({"d1": [{"quote": "点赞：1 浏览：2\n", "label": "metadata"}]}, texts)
    path = tmp_path / "gold.jsonl"
    write_gold(recs, path)
    gold = load_gold(path, texts)
    assert gold["d1"].spans == (Span(3, 13, "metadata", "gold"),)
    with pytest.raises(GoldError, match="stale"):
        load_gold(path, {"d1": "新标题\n" + TEXT})
    with pytest.raises(GoldError, match="no normalized text"):
        load_gold(path, {})
    path.write_text(json.dumps({"id": "d1", "spans": [{"start": 0, "end": 2, "label": "nav", "text": "标题"}]}))
    with pytest.raises(GoldError, match="unknown label"):
        load_gold(path, texts)
    path.write_text("{not json")
    with pytest.raises(GoldError, match="not JSON"):
        load_gold(path, texts)
    with pytest.raises(GoldError, match="not found"):
        build_gold_from_quotes({"d1": [{"quote": "没有", "label": "advert"}]}, texts)


def test_from_to_until_decisions():
    texts = {"d": "标题\n相关文章\n• 甲\n• 乙\n© 2024 某网"}
    recs = build_gold_from_quotes(
        {"d": [{"from": "\n相关文章", "until": "\n© 2024", "label": "related_links"},
               {"from": "\n© 2024", "to": "某网", "label": "footer"}]},
        texts,
    )
    spans = recs[0]["spans"]
    assert [s["text"] for s in spans] == ["\n相关文章\n• 甲\n• 乙", "\n© 2024 某网"]
    with pytest.raises(GoldError, match="overlap"):
        build_gold_from_quotes({"d": [{"quote": "相关文章", "label": "related_links"},
                                      {"quote": "文章\n", "label": "advert"}]}, texts)
    with pytest.raises(GoldError, match="exactly one"):
        build_gold_from_quotes({"d": [{"from": "标题", "label": "advert"}]}, texts)
