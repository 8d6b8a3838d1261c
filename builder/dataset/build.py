"""Build the dataset: read inputs, run the per-document core, split, write, document.

The build is deterministic: inputs are read in sorted order, splits come from
hashes of group keys, rows are written sorted by id, and the card holds only
figures computed from the rows (no timestamps), so building twice gives the
same files.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.dataset.card import CardFacts, render_card
from builder.dataset.output import StagedOutput
from builder.dataset.parquet import ShardWriter, WrittenFile, shard_name
from builder.dataset.readers import InputDocument, Rejection, iter_documents
from builder.dataset.splits import DEFAULT_RATIOS, SPLITS, assign_splits, group_key
from builder.document import ProcessedDocument, process_document

__all__ = ["BuildOptions", "BuildReport", "build_dataset"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where. Paths are used as given (relative to the working folder)."""

    inputs: tuple[Path, ...]
    output_dir: Path
    #: also write the card here (the repository's ``dataset_card.md``)
    card_copy: Path | None = None
    #: ``auto``: gold annotations where they exist, rules elsewhere; ``rules``: ignore gold
    labels: str = "auto"
    gold_path: Path | None = None
    max_doc_bytes: int = 64 * 1024 * 1024
    corpus_signal: bool = True
    ratios: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATIOS))
    pretty_name: str = "zh-web-boilerplate"


@dataclass
class BuildReport:
    read: int = 0
    written: int = 0
    rejected: int = 0
    split_sizes: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    files: list[WrittenFile] = field(default_factory=list)
    evaluation_table: str | None = None

    def reconciles(self) -> bool:
        return self.read == self.written + self.rejected

    def summary(self) -> str:
        sizes = ", ".join(f"{s}={n}" for s, n in self.split_sizes.items())
        return (
            f"read {self.read} documents: written {self.written} ({sizes}), "
            f"rejected {self.rejected}"
        )


def _process(item: InputDocument) -> ProcessedDocument:
    return process_document(
        item.raw_text,
        doc_id=item.id,
        source=item.source,
        url=item.url,
        encoding=item.encoding,
    )


def build_dataset(options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Run the whole build; raise on unusable inputs or stale gold, record bad documents."""
    from builder.labeling import RepeatedLineSignal
    from builder.labeling.evaluate import evaluate_spans, format_report
    from builder.dataset.gold import GoldIndex

    report = BuildReport()
    docs: dict[str, ProcessedDocument] = {}
    for item in iter_documents(options.inputs, max_bytes=options.max_doc_bytes):
        report.read += 1
        if progress:
            progress(1)
        if isinstance(item, Rejection):
            report.rejections.append(item)
            continue
        if item.id in docs:
            report.rejections.append(Rejection(item.id, item.path, "duplicate id"))
            continue
        doc = _process(item)
        if not doc.text.strip():
            report.rejections.append(Rejection(item.id, item.path, "empty after normalization"))
            continue
        docs[item.id] = doc

    if options.corpus_signal and len(docs) > 1:
        signal = RepeatedLineSignal()
        for doc in docs.values():
            signal.observe(doc.source, doc.text)
        for doc_id, doc in docs.items():
            docs[doc_id] = doc.with_spans(signal.apply(doc.source, doc.text, list(doc.spans)))

    gold = GoldIndex.load(options.gold_path) if options.gold_path else GoldIndex.empty()
    evaluation_pairs = []
    for doc_id, doc in list(docs.items()):
        gold_spans = gold.spans_for(doc_id, doc.text)
        if gold_spans is None:
            continue
        evaluation_pairs.append((doc.text, gold_spans, list(doc.spans)))
        if options.labels == "auto":
            docs[doc_id] = ProcessedDocument(
                **{**_fields(doc), "spans": tuple(sorted(gold_spans)), "label_source": "gold"}
            )
    evaluation = evaluate_spans(evaluation_pairs) if evaluation_pairs else None
    report.evaluation_table = format_report(evaluation) if evaluation else None

    assignment = assign_splits({group_key(d.source, d.id) for d in docs.values()}, options.ratios)
    by_split: dict[str, list[ProcessedDocument]] = {s: [] for s in SPLITS}
    for doc in docs.values():
        by_split[assignment[group_key(doc.source, doc.id)]].append(doc)

    report.rejected = len(report.rejections)
    report.written = len(docs)
    with StagedOutput(options.output_dir) as stage:
        data_dir = stage.path / "data"
        data_dir.mkdir()
        for split in SPLITS:
            rows = sorted(by_split[split], key=lambda d: d.id)
            report.split_sizes[split] = len(rows)
            if not rows:
                continue
            writer = ShardWriter(data_dir / shard_name(split, 0, 1))
            writer.write(d.to_record() for d in rows)
            report.files.append(writer.close())
        with open(stage.path / "rejected.jsonl", "w", encoding="utf-8") as handle:
            for rejection in report.rejections:
                handle.write(json.dumps(rejection.to_json(), ensure_ascii=False) + "\n")
        facts = CardFacts.collect(
            pretty_name=options.pretty_name,
            splits=by_split,
            files=report.files,
            rejections=report.rejections,
            read=report.read,
            evaluation=evaluation,
            evaluation_table=report.evaluation_table,
        )
        card = render_card(facts)
        (stage.path / "README.md").write_text(card, encoding="utf-8")
    if options.card_copy is not None:
        tmp = options.card_copy.with_name(f".{options.card_copy.name}.tmp-{os.getpid()}")
        tmp.write_text(card, encoding="utf-8")
        os.replace(tmp, options.card_copy)
    assert report.reconciles(), "every document is either written or rejected"
    return report


def _fields(doc: ProcessedDocument) -> dict[str, object]:
    return {name: getattr(doc, name) for name in doc.__slots__}  # type: ignore[attr-defined]


def label_counts(docs: Sequence[ProcessedDocument]) -> Counter[str]:
    return Counter(span.label for doc in docs for span in doc.spans)
