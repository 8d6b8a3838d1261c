"""Compare predicted spans with gold spans: character-level and span-level scores.

Character level: each code point of the text gets the label of the span covering
it (or content). Per label, precision/recall/F1 count the characters both sides
give that label; ``boilerplate`` scores any-label vs content; ``content_chars_lost``
counts characters that gold calls content and the prediction removes (the costly
error). Span level: exact matches of ``(start, end, label)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from builder.labels import LABEL_NAMES, Span

__all__ = ["Score", "EvaluationReport", "evaluate_spans", "format_report"]


@dataclass(frozen=True, slots=True)
class Score:
    """Counts behind precision/recall/F1 (``tp`` true positives, ``pred``/``gold`` totals)."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.pred + other.pred, self.gold + other.gold)


@dataclass(frozen=True)
class EvaluationReport:
    """Scores over a set of documents."""

    documents: int
    total_chars: int
    per_label: dict[str, Score]
    boilerplate: Score
    spans: Score
    content_chars_lost: int
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def content_loss_rate(self) -> float:
        content = self.total_chars - self.boilerplate.gold
        return self.content_chars_lost / content if content else 0.0


def _char_labels(n: int, spans: Sequence[Span]) -> list[str | None]:
    out: list[str | None] = [None] * n
    for s in spans:
        if s.end > n:
            raise ValueError(f"span {s} ends past the text ({n} chars)")
        out[s.start : s.end] = [s.label] * (s.end - s.start)
    return out


def evaluate_spans(pairs: Iterable[tuple[str, Sequence[Span], Sequence[Span]]]) -> EvaluationReport:
    """Score ``(text, gold_spans, predicted_spans)`` triples."""
    per = {name: [0, 0, 0] for name in LABEL_NAMES}
    bp = [0, 0, 0]
    sp = [0, 0, 0]
    lost = 0
    total = 0
    docs = 0
    confusion: dict[tuple[str, str], int] = {}
    for text, gold, pred in pairs:
        docs += 1
        n = len(text)
        total += n
        g = _char_labels(n, gold)
        p = _char_labels(n, pred)
        for gl, pl in zip(g, p):
            if gl is not None:
                per[gl][2] += 1
                bp[2] += 1
            if pl is not None:
                per[pl][1] += 1
                bp[1] += 1
            if gl is not None and pl is not None:
                bp[0] += 1
                if gl == pl:
                    per[gl][0] += 1
            if gl is None and pl is not None:
                lost += 1
            if gl != pl:
                key = (gl or "content", pl or "content")
                confusion[key] = confusion.get(key, 0) + 1
        gset = {(s.start, s.end, s.label) for s in gold}
        pset = {(s.start, s.end, s.label) for s in pred}
        sp[0] += len(gset & pset)
        sp[1] += len(pset)
        sp[2] += len(gset)
    return EvaluationReport(
        documents=docs,
        total_chars=total,
        per_label={k: Score(*v) for k, v in per.items()},
        boilerplate=Score(*bp),
        spans=Score(*sp),
        content_chars_lost=lost,
        confusion=confusion,
    )


def format_report(report: EvaluationReport) -> str:
    """A fixed-width table of the report."""
    head = f"{'label':<16}{'prec':>8}{'recall':>8}{'f1':>8}{'pred':>9}{'gold':>9}"
    rows = [f"documents: {report.documents}   chars: {report.total_chars}", head, "-" * len(head)]

    def row(name: str, s: Score) -> str:
        return f"{name:<16}{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}{s.pred:>9d}{s.gold:>9d}"

    for name in LABEL_NAMES:
        rows.append(row(name, report.per_label[name]))
    rows.append("-" * len(head))
    rows.append(row("boilerplate", report.boilerplate))
    rows.append(row("spans (exact)", report.spans))
    rows.append(f"content chars lost: {report.content_chars_lost} ({report.content_loss_rate:.2%} of content)")
    return "\n".join(rows)
