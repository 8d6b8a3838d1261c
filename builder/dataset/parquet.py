"""Write records as Parquet with the dataset's Arrow schema and Hugging Face metadata.

``FEATURES.arrow_schema`` carries the ``huggingface`` schema metadata, so even
without the card a reader recovers the ``ClassLabel`` names from the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from builder.schema import FEATURES

__all__ = ["ShardWriter", "WrittenFile", "shard_name"]


def shard_name(split: str, index: int, count: int) -> str:
    """``train-00000-of-00001.parquet``: the Hub's shard naming.

    >>> shard_name("test", 0, 2)
    'test-00000-of-00002.parquet'
    """
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    num_examples: int
    num_bytes: int  # Arrow (in-memory) bytes, what ``dataset_info`` reports


class ShardWriter:
    """Append record batches to one Parquet file."""

    def __init__(self, path: Path, row_group_size: int = 1000) -> None:
        self.path = path
        self._schema = FEATURES.arrow_schema
        self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")
        self._rows = 0
        self._bytes = 0
        self._row_group_size = row_group_size
        self._buffer: list[pa.RecordBatch] = []
        self._buffered_rows = 0
        self._buffered_bytes = 0

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        rows = list(records)
        if rows:
            self.write_batch(pa.RecordBatch.from_pylist(rows, schema=self._schema))

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Append rows that already have the dataset schema (buffered into row groups)."""
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered_rows += batch.num_rows
        self._buffered_bytes += batch.nbytes
        self._rows += batch.num_rows
        self._bytes += batch.nbytes
        if self._buffered_rows >= self._row_group_size or self._buffered_bytes >= 64 * 1024 * 1024:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            table = pa.Table.from_batches(self._buffer, schema=self._schema)
            self._writer.write_table(table, row_group_size=self._row_group_size)
            self._buffer, self._buffered_rows, self._buffered_bytes = [], 0, 0

    @property
    def bytes_written(self) -> int:
        return self._bytes

    def close(self) -> WrittenFile:
        self._flush()
        self._writer.close()
        return WrittenFile(self.path, self._rows, self._bytes)
