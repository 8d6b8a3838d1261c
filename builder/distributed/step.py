"""datatrove pipeline steps around the build's per-document core.

Two steps make pass 1 of the build on any datatrove executor:

- :class:`BuilderInputReader` reads this task's share of the input files with
  the build's own readers (same ids, ``metadata.jsonl`` sources, decoding and
  rejections) and yields datatrove :class:`~datatrove.data.Document` objects:
  ``text`` is the raw text, ``metadata`` holds ``source``, ``url``, ``path``,
  ``encoding``. A document the reader could not use is yielded with an empty
  text and ``metadata["rejection"]`` set to the reason, so it is still counted.
- :class:`BuilderSpoolStep` receives Documents (from that reader or from any
  datatrove reader whose metadata has ``source``/``url``), runs
  :func:`builder.dataset.build.process_batch` (the same function the local
  build's worker pool runs) on batches and writes, for its rank, into one
  folder:

  - ``rank-NNNNN.parquet``: spool rows with
    :data:`builder.dataset.build.SPOOL_SCHEMA`, in input order;
  - ``rank-NNNNN.rejected.jsonl``: the rank's rejections, in input order;
  - ``rank-NNNNN.done.json``: the rank's counts, written last, so its presence
    says the other two are complete.

  All three are written under temporary names and renamed, so a task that is
  retried (Ray re-submits tasks whose worker died; Slurm requeues) overwrites
  its own files instead of appending to them. Dropped documents are counted
  with ``stat_update(reason)`` like datatrove's filters do.

The step is terminal: it yields nothing, as the rows go to the spool that
:func:`builder.dataset.build.finalize_build` reads.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from builder.distributed import INSTALL_HINT

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep

    HAVE_DATATROVE = True
except ImportError:  # pragma: no cover - exercised only without the extra
    HAVE_DATATROVE = False
    DocumentsPipeline = Any  # type: ignore[assignment,misc]

    class PipelineStep:  # type: ignore[no-redef]
        """Stand-in so this module imports without datatrove (doctest collection, docs); using a step raises."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError(f"the distributed build needs datatrove: {INSTALL_HINT}")

__all__ = [
    "BuilderInputReader",
    "BuilderSpoolStep",
    "REJECTION_KEY",
    "done_path",
    "iter_file_documents",
    "rejections_path",
    "spool_path",
]

#: metadata key of a Document that stands for a rejected input
REJECTION_KEY = "rejection"


def spool_path(folder: Path, rank: int) -> Path:
    return Path(folder) / f"rank-{rank:05d}.parquet"


def rejections_path(folder: Path, rank: int) -> Path:
    return Path(folder) / f"rank-{rank:05d}.rejected.jsonl"


def done_path(folder: Path, rank: int) -> Path:
    return Path(folder) / f"rank-{rank:05d}.done.json"


def iter_file_documents(
    inputs: Sequence[str | Path],
    files: Sequence[tuple[Any, ...]],
    *,
    max_bytes: int,
) -> Iterator[Any]:
    """The documents of ``files``, as ``iter_documents`` yields them.

    Each entry is ``(path to open, path to report)`` for a whole file, or
    ``(path to open, path to report, start, end, first_line, file_size, mtime_ns)``
    for a slice of a big JSONL file (the fields of
    :class:`~builder.dataset.readers.FileSlice`). ``inputs``
    are the build's inputs, for their ``metadata.jsonl``. The reported path is
    the one the local build would report (as the user named it), whatever
    folder the task runs in.
    """
    from builder.dataset import readers

    metadata = readers.folder_metadata(inputs)
    for open_as, report_as, *where in files:
        unit = readers.FileSlice(Path(open_as), *where) if where else Path(open_as)
        for item in readers.iter_files([unit], metadata, max_bytes=max_bytes):
            yield item if item.path == report_as else dataclasses.replace(item, path=report_as)


class BuilderInputReader(PipelineStep):
    """Reads rank ``r``'s share ``partition[r]`` of the input files with the build's readers.

    Args:
        inputs: the build's input paths (absolute), for ``metadata.jsonl`` lookups
        partition: for each rank, its files as (path to open, path to report) pairs,
            or (path to open, path to report, start, end, first_line, file_size, mtime_ns)
            for a slice
        max_doc_bytes: the build's ``max_doc_bytes``
    """

    name = "zh-web-boilerplate input reader"
    type = "📖 - READER"

    def __init__(
        self,
        inputs: Sequence[str | Path],
        partition: Sequence[Sequence[tuple[Any, ...]]],
        max_doc_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        super().__init__()
        self.inputs = [str(p) for p in inputs]
        self.partition = [[(str(a), str(b), *(int(x) for x in rest)) for a, b, *rest in part] for part in partition]
        self.max_doc_bytes = max_doc_bytes

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        if world_size != len(self.partition):
            raise ValueError(
                f"the input partition has {len(self.partition)} parts but the executor runs {world_size} tasks"
            )
        from builder.dataset.readers import Rejection

        for item in iter_file_documents(self.inputs, self.partition[rank], max_bytes=self.max_doc_bytes):
            self.stat_update("read")
            if isinstance(item, Rejection):
                yield Document(text="", id=item.id, metadata={"path": item.path, REJECTION_KEY: item.reason})
                continue
            yield Document(
                text=item.raw_text,
                id=item.id,
                metadata={"source": item.source, "url": item.url, "path": item.path, "encoding": item.encoding},
            )


def _to_input(doc: Document) -> Any:
    from builder.dataset.readers import InputDocument, Rejection

    meta = doc.metadata or {}
    path = str(meta.get("path") or meta.get("file_path") or "")
    if meta.get(REJECTION_KEY):
        return Rejection(str(doc.id), path, str(meta[REJECTION_KEY]))
    return InputDocument(
        id=str(doc.id),
        raw_text=doc.text,
        path=path,
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
        encoding=str(meta.get("encoding") or "utf-8"),
    )


class BuilderSpoolStep(PipelineStep):
    """Runs the build's core on Documents and writes this rank's spool, rejections and counts.

    Args:
        folder: where ``rank-NNNNN.*`` files go (for the build: ``<staging>/spool``);
            on a cluster it must be on a filesystem every task and the driver share
        batch_size: documents per :func:`process_batch` call (the build's ``batch_size``)
    """

    name = "zh-web-boilerplate core"
    type = "💽 - WRITER"

    def __init__(self, folder: str | Path, batch_size: int = 256) -> None:
        super().__init__()
        self.folder = str(folder)
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from builder.dataset.build import SpoolWriter, process_batch

        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f".tmp-{os.getpid()}"
        spool, rejected, done = spool_path(folder, rank), rejections_path(folder, rank), done_path(folder, rank)
        done.unlink(missing_ok=True)
        counts = {"rank": rank, "world_size": world_size, "read": 0, "written": 0, "rejected": 0, "input_bytes": 0}
        spool_tmp, rejected_tmp = spool.with_name(spool.name + suffix), rejected.with_name(rejected.name + suffix)
        try:
            with (
                SpoolWriter(spool_tmp) as writer,
                open(rejected_tmp, "w", encoding="utf-8") as log,
            ):
                batch: list[Any] = []
                for doc in data or ():
                    batch.append(_to_input(doc))
                    if len(batch) >= self.batch_size:
                        self._flush(batch, writer, log, counts, process_batch)
                        batch = []
                if batch:
                    self._flush(batch, writer, log, counts, process_batch)
            os.replace(spool_tmp, spool)
            os.replace(rejected_tmp, rejected)
        finally:
            spool_tmp.unlink(missing_ok=True)
            rejected_tmp.unlink(missing_ok=True)
        done_tmp = done.with_name(done.name + suffix)
        done_tmp.write_text(json.dumps(counts), encoding="utf-8")
        os.replace(done_tmp, done)
        yield from ()  # a terminal step: datatrove still expects run() to be a generator

    def _flush(self, items: list[Any], writer: Any, log: Any, counts: dict[str, int], process_batch: Any) -> None:
        with self.track_time(unit="batch"):
            batch, rejections, size = process_batch(items)
        counts["input_bytes"] += size
        self.stat_update("input_bytes", value=size, unit="batch")
        if batch is not None:
            writer.write_batch(batch)
            counts["written"] += batch.num_rows
            self.stat_update("written", value=batch.num_rows, unit="batch")
        for rejection in rejections:
            reason = rejection.reason.split(":")[0]
            self.stat_update("dropped", reason)
            log.write(json.dumps(rejection.to_json(), ensure_ascii=False) + "\n")
        counts["rejected"] += len(rejections)
        counts["read"] += len(items)
