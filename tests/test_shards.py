"""Shards depend only on the rows, not on how they arrived (processes, tasks, batches)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.dataset.build import _SplitWriters
from builder.document import process_document
from builder.schema import FEATURES

ROWS = [
    process_document(("第%d篇的标题\n" % i) + "正文内容，很重要。" * (1 + i % 9), doc_id=f"d{i}").to_record()
    for i in range(1200)
]


def _write(folder: Path, seed: int, shard_bytes: int) -> list[tuple[str, int, int, str]]:
    writers = _SplitWriters(folder, shard_bytes=shard_bytes)
    rnd, i = random.Random(seed), 0
    while i < len(ROWS):
        k = rnd.randint(1, 250)
        writers.write("train", pa.RecordBatch.from_pylist(ROWS[i:i + k], schema=FEATURES.arrow_schema))
        i += k
    return [
        (f.path.name, f.num_examples, f.num_bytes, hashlib.sha256(f.path.read_bytes()).hexdigest())
        for f in writers.close()
    ]


def test_same_rows_give_the_same_files_whatever_the_batching(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", seed=1, shard_bytes=150_000)
    second = _write(tmp_path / "b", seed=2, shard_bytes=150_000)
    assert first == second
    assert len(first) > 1  # the size limit did rotate shards
    names = [name for name, *_ in first]
    assert names == [f"train-{i:05d}-of-{len(first):05d}.parquet" for i in range(len(first))]


def test_shards_keep_every_row_in_order(tmp_path: Path) -> None:
    files = _write(tmp_path / "c", seed=3, shard_bytes=150_000)
    ids = []
    for name, rows, _, _ in files:
        table = pq.read_table(tmp_path / "c" / name)
        assert table.num_rows == rows
        ids += table.column("id").to_pylist()
    assert ids == [row["id"] for row in ROWS]
