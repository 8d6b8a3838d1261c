"""The labeler on the real normalized seeds, against the hand gold."""

from __future__ import annotations

import tomllib
from pathlib import Path


from builder.labeling import evaluate_spans, format_report, label, load_gold, remove_spans
from builder.labeling.gold import gold_from_source_toml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
GOLD_DIR = ROOT / "builder" / "resources" / "gold"


def _normalize():
    from builder.normalize import normalize

    return lambda raw: normalize(raw).text


def test_seed_source_decisions_are_well_formed():
    data = tomllib.loads((GOLD_DIR / "seeds_source.toml").read_text(encoding="utf-8"))
    ids = {d["id"] for d in data["doc"]}
    assert ids == {p.stem for p in SEEDS}
    for d in data["doc"]:
        for s in d["span"]:
            assert "quote" in s or ("from" in s and ("to" in s) != ("until" in s))


def test_seeds_label_well_formed_and_match_hand_gold():
    norm = _normalize()
    texts = {p.stem: norm(p.read_text(encoding="utf-8")) for p in SEEDS}
    for text in texts.values():
        clean = remove_spans(text, label(text))
        assert "\n\n" not in clean and not clean.endswith("\n")
        assert label(clean) == [], "labeling the clean text again must find nothing"
    records = gold_from_source_toml(GOLD_DIR / "seeds_source.toml", texts)  # raises if a quote is stale
    jsonl = GOLD_DIR / "seeds.jsonl"
    if jsonl.exists():
        gold = load_gold(jsonl, texts)
        assert {k: [(s.start, s.end, s.label) for s in v.spans] for k, v in gold.items()} == {
            r["id"]: [(s["start"], s["end"], s["label"]) for s in r["spans"]] for r in records
        }, "seeds.jsonl is stale: rebuild it with python -m builder.labeling.build_seed_gold seeds"
    pairs = []
    for r in records:
        from builder.labels import Span

        text = texts[r["id"]]
        pairs.append((text, [Span(s["start"], s["end"], s["label"], "gold") for s in r["spans"]], label(text)))
    report = evaluate_spans(pairs)
    print(format_report(report))
    assert report.content_chars_lost <= 20
    assert report.boilerplate.f1 >= 0.9
