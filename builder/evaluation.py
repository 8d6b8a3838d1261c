"""``python -m builder evaluate``: the rules alone against the hand annotations.

The seeds carry gold spans; here they are labeled by the rules only (no gold,
no corpus signal), and the two are compared character by character and span by
span. The same figures go into the dataset card at build time and are pinned
by the quality gate in ``tests/eval_gate.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.dataset.gold import GoldError, GoldIndex
from builder.dataset.readers import InputDocument, iter_documents
from builder.labeling import label
from builder.labeling.evaluate import EvaluationReport, evaluate_spans, format_report
from builder.normalize import normalize

__all__ = ["SeedEvaluation", "evaluate_seeds"]


@dataclass(frozen=True)
class SeedEvaluation:
    report: EvaluationReport
    table: str

    @property
    def overall_f1(self) -> float:
        return self.report.boilerplate.f1


def evaluate_seeds(seeds: Path, gold_path: Path) -> SeedEvaluation:
    """Label every gold-annotated document under ``seeds`` with the rules and score it."""
    gold = GoldIndex.load(gold_path)
    pairs = []
    seen: set[str] = set()
    for item in iter_documents([seeds]):
        if not isinstance(item, InputDocument) or item.id not in gold:
            continue
        seen.add(item.id)
        text = normalize(item.raw_text).text
        gold_spans = gold.spans_for(item.id, text)
        assert gold_spans is not None
        pairs.append((text, gold_spans, label(text)))
    missing = sorted(set(gold.lines) - seen)
    if missing:
        # a gold document that was not scored would silently shrink the sample
        raise GoldError(f"{gold_path}: gold documents not found (or unreadable) under {seeds}: {missing}")
    report = evaluate_spans(pairs)
    return SeedEvaluation(report, format_report(report))
