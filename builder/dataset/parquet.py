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
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.schema import FEATURES

__all__ = ["DICTIONARY_COLUMNS", "ZSTD_LEVEL", "ShardWriter", "WrittenFile", "shard_name"]

#: Columns whose values repeat (site names, rule ids, ...). Only these are
#: dictionary-encoded: the document texts are all distinct, so trying a
#: dictionary on them costs write time and saves nothing.
#: zstd level 1: on the benchmark corpus as small as Arrow's default level and 15% faster to write
ZSTD_LEVEL = 1
DICTIONARY_COLUMNS = ["source", "label_source", "spans.list.element.rule", "normalization.encoding"]


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
    #: uncompressed size of the row groups as Parquet reports it: the
    #: ``num_bytes`` of ``dataset_info``. (Arrow's in-memory size would depend
    #: on buffer layout, which differs with how the work was split.)
    num_bytes: int


class ShardWriter:
    """Append rows to one Parquet file in row groups that depend only on the rows.

    Rows may arrive in batches of any size (they depend on how the work was
    split across processes or tasks); the file must not. Rows are buffered
    and cut into row groups of ``row_group_rows`` rows, or fewer when their
    text reaches ``row_group_text_bytes``, deciding row by row, so the same
    rows in the same order always give the same file.
    """

    def __init__(
        self,
        path: Path,
        row_group_rows: int = 1000,
        row_group_text_bytes: int = 64 * 1024 * 1024,
        max_bytes: int | None = None,
    ) -> None:
        self.path = path
        #: set once ``max_bytes`` of row groups are written; later rows stay buffered
        self.full = False
        self._max_bytes = max_bytes
        self._schema = FEATURES.arrow_schema
        self._writer = pq.ParquetWriter(
            path, self._schema, compression="zstd", compression_level=ZSTD_LEVEL, use_dictionary=DICTIONARY_COLUMNS
        )
        self._rows = 0
        self._bytes = 0
        self._max_rows = row_group_rows
        self._max_text = row_group_text_bytes
        self._buffer: list[pa.RecordBatch] = []
        self._buffered_rows = 0
        self._buffered_text = 0

    @property
    def bytes_written(self) -> int:
        """UTF-8 bytes of ``text`` + ``raw_text`` in the row groups written so far.

        Decides where a shard ends; it counts only the rows' content, so the
        decision is the same however the rows arrived.
        """
        return self._bytes

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        rows = list(records)
        if rows:
            self.write_batch(pa.RecordBatch.from_pylist(rows, schema=self._schema))

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Append rows that already have the dataset schema."""
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered_rows += batch.num_rows
        self._buffered_text += batch.column("text").nbytes + batch.column("raw_text").nbytes
        if self._buffered_rows >= self._max_rows or self._buffered_text >= self._max_text:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=self._schema)
        sizes = pc.add(
            pc.binary_length(table.column("text")), pc.binary_length(table.column("raw_text"))
        ).to_pylist()
        start = 0
        while start < table.num_rows and not self.full:
            end, text = start, 0
            while end < table.num_rows and end - start < self._max_rows and text < self._max_text:
                text += sizes[end]
                end += 1
            full = end - start == self._max_rows or text >= self._max_text
            if not (full or final):
                break
            group = table.slice(start, end - start).combine_chunks()
            self._writer.write_table(group, row_group_size=end - start)
            self._rows += group.num_rows
            self._bytes += text
            start = end
            if self._max_bytes is not None and self._bytes >= self._max_bytes:
                self.full = True
        rest = table.slice(start)
        self._buffer = rest.combine_chunks().to_batches() if rest.num_rows else []
        self._buffered_rows = rest.num_rows
        self._buffered_text = sum(sizes[start:])

    def take_buffer(self) -> list[pa.RecordBatch]:
        """Remove and return the rows not yet written (for the next shard)."""
        rest, self._buffer = self._buffer, []
        self._buffered_rows = self._buffered_text = 0
        return rest

    def close(self) -> WrittenFile:
        self._flush(final=True)
        self._writer.close()
        meta = pq.ParquetFile(self.path).metadata
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        return WrittenFile(self.path, self._rows, size)
