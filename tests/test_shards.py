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


def test_worker_pool_build_equals_single_process_build(tmp_path: Path) -> None:
    """With enough files, workers read and spool their own slices; nothing may change."""
    import json

    from builder.dataset.build import BuildOptions, build_dataset

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    template = "网站首页 > 范文 > 正文\n第{n}篇：关于基层工作的思考\n这是正文第{n}段,内容很重要.\n© 2024 某某文库 版权所有\n"
    for f in range(6):
        with open(corpus / f"part-{f}.jsonl", "w", encoding="utf-8") as handle:
            for k in range(12):
                n = f * 12 + k
                row = {"id": f"doc-{n}", "text": template.format(n=n), "source": f"site{n % 4}"}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.write("{broken json\n")
    outputs = []
    for num_proc in (1, 2):
        out = tmp_path / f"out{num_proc}"
        report = build_dataset(BuildOptions(inputs=(corpus,), output_dir=out, num_proc=num_proc))
        assert report.read == 78 and report.rejected == 6 and report.reconciles()
        outputs.append(out)
    one, two = outputs
    assert (one / "README.md").read_text() == (two / "README.md").read_text()
    assert (one / "rejected.jsonl").read_text() == (two / "rejected.jsonl").read_text()
    files = sorted(p.name for p in (one / "data").iterdir())
    assert files == sorted(p.name for p in (two / "data").iterdir())
    for name in files:
        assert (one / "data" / name).read_bytes() == (two / "data" / name).read_bytes()


def test_spool_row_groups_gather_several_batches(tmp_path: Path) -> None:
    """Pass 2 pays per spool row group, so the spool must not keep pass 1's small batches."""
    from builder.dataset.build import INPUT_PATH, SpoolWriter, process_batch
    from builder.dataset.readers import InputDocument

    docs = [InputDocument(f"d{i}", f"第{i}篇，正文内容。", "in.jsonl", source=f"s{i % 3}") for i in range(23)]
    path = tmp_path / "spool.parquet"
    with SpoolWriter(path, group_rows=10) as spool:
        for start in range(0, len(docs), 4):  # batches of 4 documents, as pass 1 sends them
            batch, rejected, _ = process_batch(docs[start : start + 4])
            assert not rejected
            spool.write_batch(batch)
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [12, 11]
    table = pq.read_table(path)
    assert table.column("id").to_pylist() == [d.id for d in docs]
    assert set(table.column(INPUT_PATH).to_pylist()) == {"in.jsonl"}


def test_failed_spool_does_not_write_its_buffer(tmp_path: Path) -> None:
    from builder.dataset.build import SpoolWriter, process_batch
    from builder.dataset.readers import InputDocument

    path = tmp_path / "spool.parquet"
    batch, _, _ = process_batch([InputDocument("d0", "正文。", "in.jsonl")])
    try:
        with SpoolWriter(path, group_rows=10) as spool:
            spool.write_batch(batch)
            raise RuntimeError("worker failed")
    except RuntimeError:
        pass
    assert pq.ParquetFile(path).metadata.num_rows == 0
