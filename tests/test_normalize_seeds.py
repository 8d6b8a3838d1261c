"""The five seed documents: every damage family they show is repaired."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.normalize import NormalizedText, normalize

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seed(prefix: str) -> NormalizedText:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return normalize(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seeds() -> dict[str, NormalizedText]:
    return {p: _seed(p) for p in ("000", "001", "002", "003", "004")}


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_alignment_is_strict_and_complete(seeds: dict[str, NormalizedText], prefix: str) -> None:
    result = seeds[prefix]
    assert result.alignment.text_length == len(result.text)
    assert result.alignment.raw_length == len(result.raw_text)
    assert result.alignment.is_strict()
    assert normalize(result.text).text == result.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_whitespace_is_canonical(seeds: dict[str, NormalizedText], prefix: str) -> None:
    text = seeds[prefix].text
    assert "\n\n" not in text and "\r" not in text
    for line in text.split("\n"):
        assert line == line.strip()
        assert "  " not in line and "\u3000" not in line and "\xa0" not in line


def test_seed000_word_swaps_and_headings(seeds: dict[str, NormalizedText]) -> None:
    result = seeds["000"]
    text = result.text
    assert "怎么写作" not in text
    assert "管理服务工作" in text and "服务群众" in text and "服务大局" in text and "党员服务社" in text
    assert result.edit_counts["word_swap"] == 8
    assert "[摘要]党建思想政治工作是促进基层发展的基石。" in text
    assert "[关键词]党建思想政治工作 政治优势 基层" in text
    assert "点赞:8856 浏览:33849 近期更新时间:2024-03-01" in text
    assert "党新龙(1962—)" in text  # digits in brackets keep ASCII (see the xfail case)


def test_seed000_alignment_projects_a_repair(seeds: dict[str, NormalizedText]) -> None:
    result = seeds["000"]
    start = result.text.index("管理服务工作") + 2
    raw_start, raw_end = result.alignment.span_to_raw(start, start + 2)
    assert result.raw_text[raw_start:raw_end] == "怎么写作"


def test_seed001_headings_and_separators(seeds: dict[str, NormalizedText]) -> None:
    text = seeds["001"].text
    assert "- 关键词：" in text
    assert "- 如何 做好 基层 党建 工作 做法 思考" in text
    assert "哲学与社会发展学院 吕波" in text
    assert "思考.doc》由会员分享，可在线阅读" in text


def test_seed002_conversion_artifacts(seeds: dict[str, NormalizedText]) -> None:
    result = seeds["002"]
    text = result.text
    for wrong in ("〞", "〝", "效劳", "根底", "原那么", "组成局部", "广阔党员", "服務", "黨建"):
        assert wrong not in text, wrong
    for right in ("服务大局", "微信党建", "基础", "坚持政治原则", "重要组成部分", "广大党员", "促进发展", "严格发展党员"):
        assert right in text, right
    assert "以局部利益服从全局整体利益" in text  # a real use of 局部 stays
    assert "扎实开展好具体工作" in text  # a real use of 开展 stays
    assert "中图分类号:D 267.5文献标识码:A" in text
    assert "1.1 不断提高政治站位，高度重视理论学习" in text
    assert "(1)马小峰.“严”字当头抓好基层党建(J).群众,2023(5):50-51." in text
    assert result.edit_counts["t2s"] == 2


def test_seed003_traditional_with_pinyin(seeds: dict[str, NormalizedText]) -> None:
    result = seeds["003"]
    text = result.text
    assert text.startswith("发布日期：\n党的基层组织是党执政的组织基础。")
    assert "发展" in text and "(fā)" not in text and "(" not in text
    assert text.count("\ufffd") == 1
    assert "勇挑重\ufffd。" in text
    assert "（一）、树立有所作为理念" in text
    assert result.edit_counts["lost_char"] == 1
    assert result.edit_counts["pinyin"] > 200 and result.edit_counts["t2s"] > 500


def test_seed004_indentation_and_quotes(seeds: dict[str, NormalizedText]) -> None:
    result = seeds["004"]
    text = result.text
    assert text.split("\n")[1].startswith("在面对我国社会")
    assert "打造“平安矿区”浅见" in text and "“互联网与现代教育”之我浅见" in text
    assert "2011.11.15" in text and "网络络.com网。" in text
    assert "下面，谈点个人浅见。一.正确认识和" in text
    assert "webmaster# onjobs.com.cn" in text
    assert result.edit_counts["blank_lines"] > 0 and result.edit_counts["whitespace"] > 0
