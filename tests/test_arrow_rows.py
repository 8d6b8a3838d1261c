"""The column-by-column batch must equal ``from_pylist`` over ``ProcessedDocument.to_record``.

``to_record`` is the definition of a dataset row; :mod:`builder.dataset.arrow_rows`
builds the same rows faster. These tests hold the two to equal batches on the
seeds (spans, edits, alignments with replacement blocks) and on generated
documents, with the spool's extra columns.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest

from builder.dataset.arrow_rows import documents_batch
from builder.dataset.build import INPUT_PATH, LINE_HASHES, SPOOL_SCHEMA
from builder.document import process_document
from builder.schema import FEATURES

ROOT = Path(__file__).resolve().parents[1]


def _seed_docs() -> list:
    return [
        process_document(p.read_text(encoding="utf-8"), doc_id=p.stem, source="seeds", url=f"u{k}")
        for k, p in enumerate(sorted((ROOT / "seeds").glob("*.txt")))
    ]


def test_equal_to_from_pylist_on_the_seeds() -> None:
    docs = _seed_docs()
    assert sum(len(d.spans) for d in docs) > 10 and any(d.alignment.replacements() for d in docs)
    expected = pa.RecordBatch.from_pylist([d.to_record() for d in docs], schema=FEATURES.arrow_schema)
    got = documents_batch(docs, FEATURES.arrow_schema)
    assert got.equals(expected)
    assert got.to_pylist() == expected.to_pylist()


def test_equal_to_from_pylist_with_the_spool_columns(bench_corpus: ModuleType) -> None:
    generator = bench_corpus.CorpusGenerator(seed=5)
    docs = [process_document(generator.document(i)["text"], doc_id=str(i), source="s") for i in range(150)]
    docs.append(process_document("", doc_id="empty"))  # no spans, identity alignment
    hashes = [[k, 2**64 - 1 - k] if k % 3 else [] for k in range(len(docs))]
    paths = [f"in/{k % 4}.jsonl" for k in range(len(docs))]
    records = []
    for doc, h, p in zip(docs, hashes, paths):
        record = doc.to_record()
        record[LINE_HASHES] = h
        record[INPUT_PATH] = p
        records.append(record)
    expected = pa.RecordBatch.from_pylist(records, schema=SPOOL_SCHEMA)
    got = documents_batch(docs, SPOOL_SCHEMA, {LINE_HASHES: hashes, INPUT_PATH: paths})
    assert got.equals(expected)


def test_a_missing_or_short_column_is_an_error() -> None:
    docs = _seed_docs()[:2]
    with pytest.raises(ValueError, match="no values for columns"):
        documents_batch(docs, SPOOL_SCHEMA)
    with pytest.raises(ValueError, match="1 values for 2 rows"):
        documents_batch(docs, SPOOL_SCHEMA, {LINE_HASHES: [[]], INPUT_PATH: ["a", "b"]})
