"""Build the dataset: read inputs, run the per-document core, split, write, document.

The build streams, so memory does not grow with the corpus:

1. **Pass 1** reads documents in batches and runs the per-document core on
   them (in ``num_proc`` worker processes when asked). Finished rows go to a
   spool Parquet file inside the staging folder; rejections go straight to
   ``rejected.jsonl``; line hashes feed the corpus signal.
2. The split of each source group is decided (see :mod:`builder.dataset.splits`).
3. **Pass 2** goes over the spool row group by row group. Workers plan each
   one (split routing, corpus-signal spans, gold annotations), reading only
   the columns they need and sending back the rebuilt ``spans`` and
   ``label_source`` columns, not the texts; the main process reads the row group (in a thread that runs
   ahead), swaps that column in and writes each row to its split's shards,
   rotating at ``shard_bytes``. Card figures are accumulated on the way.

Everything is written under a staging folder and moved into place only when
all of it succeeded. The build is deterministic: inputs are read in sorted
order, workers return results in input order, splits come from hashes, and
the card holds no timestamps.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from builder.dataset.arrow_rows import documents_batch
from builder.dataset.card import CardAccumulator, render_card
from builder.dataset.gold import GoldIndex
from builder.dataset.output import StagedOutput
from builder.dataset.parquet import DICTIONARY_COLUMNS, ZSTD_LEVEL, ShardWriter, WrittenFile, shard_name
from builder.dataset.readers import (
    FileSlice,
    InputDocument,
    Rejection,
    folder_metadata,
    iter_files,
    list_input_files,
    partition_files,
    planned_units,
    split_large_files,
)
from builder.dataset.splits import DEFAULT_RATIOS, SPLITS, assign_splits, group_key
from builder.alignment import Alignment
from builder.document import ProcessedDocument, labeled_document, spans_to_records
from builder.labels import LABEL_NAMES, Span
from builder.labeling.corpus_signal import RepeatedLineSignal
from builder.schema import FEATURES

if TYPE_CHECKING:
    from builder.normalize.pipeline import NormalizedText

__all__ = ["BuildOptions", "BuildReport", "EmptyBuildError", "build_dataset"]


class EmptyBuildError(ValueError):
    """Every input document was rejected: there is no dataset to put in place."""

#: progress callback: (documents done, input bytes done)
Progress = Callable[[int, int], None]


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
    num_proc: int = 1
    #: documents per batch (at most 32 Mi characters of text): a batch is normalized, then labeled
    batch_size: int = 256
    #: target size of one Parquet shard, in UTF-8 bytes of text + raw_text
    shard_bytes: int = 256 * 1024 * 1024


@dataclass
class BuildReport:
    read: int = 0
    written: int = 0
    rejected: int = 0
    input_bytes: int = 0
    split_sizes: dict[str, int] = field(default_factory=dict)
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    files: list[WrittenFile] = field(default_factory=list)
    evaluation_table: str | None = None

    def reconciles(self) -> bool:
        return self.read == self.written + self.rejected

    def summary(self) -> str:
        sizes = ", ".join(f"{s}={n}" for s, n in self.split_sizes.items())
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(self.rejection_reasons.items()))
        return (
            f"read {self.read} documents: written {self.written} ({sizes}), "
            f"rejected {self.rejected}" + (f" ({reasons})" if reasons else "")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "written": self.written,
            "rejected": self.rejected,
            "split_sizes": self.split_sizes,
            "rejection_reasons": dict(sorted(self.rejection_reasons.items())),
            "files": [{"path": f"data/{w.path.name}", "rows": w.num_examples} for w in self.files],
        }


# -- pass 1: the per-document core, possibly in worker processes ---------------

#: Spool rows are dataset rows plus the hashes of their distinct lines, which
#: the workers compute so that the corpus signal costs the main process little.
LINE_HASHES = "_line_hashes"
#: The input path a row came from, so that a rejection found after pass 1 (a
#: duplicate id) names the user's file rather than a spool file.
INPUT_PATH = "_input_path"
SPOOL_SCHEMA = FEATURES.arrow_schema.append(pa.field(LINE_HASHES, pa.list_(pa.uint64()))).append(
    pa.field(INPUT_PATH, pa.string())
)
_SPOOL_ONLY = [LINE_HASHES, INPUT_PATH]


class SpoolWriter:
    """Writes pass-1 rows to a spool file, in row groups of about ``group_rows`` rows.

    Compressed with zstd at level 1 (the spool holds every text twice, raw and
    normalized: on the 1 GB benchmark over 2 GB uncompressed, and writing that
    through the page cache cost more than compressing it; reading it back
    costs about the same either way) and dictionary-encoded only where values
    repeat. Rows arrive in small
    batches (``batch_size`` documents); pass 2 works one row group at a time,
    and each row group costs it a fixed number of Arrow calls, a plan sent
    between processes and a card update per split, so row groups of a few
    batches' worth of documents would make that overhead dominate.
    """

    def __init__(self, path: Path | str, group_rows: int = 1024, group_bytes: int = 64 * 1024 * 1024) -> None:
        self._writer = pq.ParquetWriter(
            path, SPOOL_SCHEMA, compression="zstd", compression_level=ZSTD_LEVEL,
            use_dictionary=[*DICTIONARY_COLUMNS, INPUT_PATH],
        )
        self._group_rows = group_rows
        self._group_bytes = group_bytes
        self._pending: list[pa.RecordBatch] = []
        self._rows = 0
        self._bytes = 0

    def write_batch(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._rows += batch.num_rows
        self._bytes += batch.nbytes
        if self._rows >= self._group_rows or self._bytes >= self._group_bytes:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending), row_group_size=self._rows)
        self._pending, self._rows, self._bytes = [], 0, 0

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.close()
        else:  # the spool is discarded: do not write the buffered rows
            self._writer.close()


_SIGNAL = RepeatedLineSignal()  # only its line filter is used in pass 1


def process_batch(items: list[InputDocument | Rejection]) -> tuple[pa.RecordBatch | None, list[Rejection], int]:
    """Run the core on a batch: spool rows as Arrow, the batch's rejections, its UTF-8 size.

    Shared by the local worker pool and the datatrove step, so both produce
    the same spool. The batch is normalized first and labeled second (see
    :func:`~builder.document.labeled_document`); a document that fails either
    half is rejected with the reason, the others go on.
    """
    from builder.normalize import normalize

    rejections: list[Rejection] = []
    size = 0
    normalized: list[tuple[InputDocument, NormalizedText]] = []
    for item in items:
        if isinstance(item, Rejection):
            rejections.append(item)
            continue
        try:
            size += len(item.raw_text.encode("utf-8"))
        except UnicodeEncodeError as err:  # a lone surrogate, e.g. from a JSON \ud800 escape
            rejections.append(Rejection(item.id, item.path, f"undecodable: lone surrogate at {err.start}"))
            continue
        try:
            normalized.append((item, normalize(item.raw_text)))
        except Exception as err:  # noqa: BLE001 - one bad document must not sink the build
            rejections.append(Rejection(item.id, item.path, f"processing failed: {type(err).__name__}: {err}"))
    docs: list[ProcessedDocument] = []
    hashes: list[list[int]] = []
    paths: list[str] = []
    for item, text in normalized:
        try:
            doc = labeled_document(text, doc_id=item.id, source=item.source, url=item.url, encoding=item.encoding)
        except Exception as err:  # noqa: BLE001
            rejections.append(Rejection(item.id, item.path, f"processing failed: {type(err).__name__}: {err}"))
            continue
        if not doc.text.strip():
            rejections.append(Rejection(item.id, item.path, "empty after normalization"))
            continue
        docs.append(doc)
        hashes.append(_SIGNAL.candidate_hashes(doc.text, doc.spans) if doc.source else [])
        paths.append(item.path)
    if not docs:
        return None, rejections, size
    batch = documents_batch(docs, SPOOL_SCHEMA, {LINE_HASHES: hashes, INPUT_PATH: paths})
    return batch, rejections, size


def _batched(items: Iterable[Any], size: int, max_chars: int = 32 * 1024 * 1024) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items and, past the first item, ``max_chars`` characters
    of document text (so a batch of large documents stays small in memory)."""
    batch: list[Any] = []
    chars = 0
    for item in items:
        n = len(getattr(item, "raw_text", ""))
        if batch and (len(batch) >= size or chars + n > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += n
    if batch:
        yield batch


def _ordered_map(
    function: Callable[[Any], Any],
    tasks: Iterable[Any],
    num_proc: int,
    context: _FinishContext | None = None,
) -> Iterator[Any]:
    """``map`` over worker processes, in input order, with a bounded window.

    ``Pool.imap`` would read the whole input iterator ahead (the corpus, into
    memory); here at most ``4 * num_proc`` tasks are in flight at once.
    ``context`` is handed to each worker once, at its start (inherited under
    ``fork``, pickled under ``spawn``).
    """
    if num_proc <= 1:
        _set_context(context)
        try:
            yield from map(function, tasks)
        finally:
            _set_context(None)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    window: deque[Any] = deque()
    pool = multiprocessing.get_context(method).Pool(
        num_proc, initializer=_set_context, initargs=(context,)
    )
    with pool:
        for task in tasks:
            window.append(pool.apply_async(function, (task,)))
            if len(window) >= 4 * num_proc:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()


def _set_context(context: _FinishContext | None) -> None:
    global _FINISH
    _FINISH = context


def _id_hash(doc_id: str) -> bytes:
    return hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()


class RejectionLog:
    """Appends rejections to ``rejected.jsonl`` and counts them by reason."""

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.count = 0
        self.reasons: dict[str, int] = {}

    def add(self, rejection: Rejection) -> None:
        self.count += 1
        reason = rejection.reason.split(":")[0]
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        self._handle.write(json.dumps(rejection.to_json(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()


# -- pass 2: corpus signal, gold, split routing (also in worker processes) -----


@dataclass(frozen=True)
class _FinishContext:
    """What pass 2 needs; given to each worker once, when it starts."""

    assignment: dict[str, str]
    signal: Any
    gold: GoldIndex
    labels: str
    duplicates: set[tuple[int, int]]
    spool_files: list[Path]


_FINISH: _FinishContext | None = None


def _row_groups(path: Path) -> list[tuple[int, int]]:
    """(row group index, offset of its first row) for every row group of a spool file."""
    meta = pq.ParquetFile(path, pre_buffer=False).metadata
    out, offset = [], 0
    for group in range(meta.num_row_groups):
        out.append((group, offset))
        offset += meta.row_group(group).num_rows
    return out


@functools.lru_cache(maxsize=16)
def _spool_file(path: Path) -> pq.ParquetFile:
    """One open handle per spool file and process.

    Opening a Parquet file parses its footer, which lists every row group; a
    1 GB build has thousands, so opening once per row group would make pass 2
    quadratic in the corpus size.
    """
    return pq.ParquetFile(path, pre_buffer=False)


@dataclass(frozen=True)
class _RowGroupPlan:
    """What pass 2 does to one spool row group, small enough to send between processes.

    ``rows_by_split`` lists, per split, the rows to write, in input order
    (duplicates left out). ``spans`` and ``label_source`` replace those columns
    when the corpus signal or gold changed some row; they are the only columns
    the plan carries, so the document texts never travel back from a worker.
    """

    file_no: int
    group: int
    rows_by_split: dict[str, list[int]]
    spans: pa.Array | None
    label_source: pa.Array | None
    evaluation_pairs: list[tuple[str, list, list]]


def _plan_row_group(task: tuple[int, int, int]) -> _RowGroupPlan:
    """Pass 2, the part that runs in workers: split routing, corpus signal, gold.

    Reads only the small columns of the row group, and the text, spans and
    alignment of the rows that gold or the corpus signal changes.
    """
    ctx = _FINISH
    assert ctx is not None, "pass 2 context is not set"
    file_no, group, offset = task
    spool = _spool_file(ctx.spool_files[file_no])
    columns = ["id", "source"] + ([LINE_HASHES] if ctx.signal else [])
    small = spool.read_row_group(group, columns=columns)
    ids = small.column("id").to_pylist()
    sources = small.column("source").to_pylist()
    hashes = small.column(LINE_HASHES).to_pylist() if ctx.signal else None
    rows_by_split: dict[str, list[int]] = {}
    changed: list[tuple[int, bool]] = []  # (row, touched by the corpus signal)
    for i, (doc_id, source) in enumerate(zip(ids, sources)):
        if (file_no, offset + i) in ctx.duplicates:
            continue
        rows_by_split.setdefault(ctx.assignment[group_key(source, doc_id)], []).append(i)
        repeated = ctx.signal.repeated_hashes(source) if (ctx.signal and source) else None
        touched = bool(repeated) and not repeated.isdisjoint(hashes[i])
        if touched or doc_id in ctx.gold:
            changed.append((i, touched))
    if not changed:
        return _RowGroupPlan(file_no, group, rows_by_split, None, None, [])
    rows = spool.read_row_group(group, columns=["text", "spans", "alignment", "label_source"])
    texts, spans_in, alignments = rows.column("text"), rows.column("spans"), rows.column("alignment")
    new_spans: list[list[dict[str, Any]]] = []
    new_sources: list[str] = []
    pairs: list[tuple[str, list, list]] = []
    for i, touched in changed:
        text = texts[i].as_py()
        spans = [Span(s["start"], s["end"], LABEL_NAMES[s["label"]], s["rule"]) for s in spans_in[i].as_py()]
        label_source = rows.column("label_source")[i].as_py()
        if touched:
            spans = ctx.signal.apply(sources[i], text, spans)
        gold_spans = ctx.gold.spans_for(ids[i], text)
        if gold_spans is not None:
            pairs.append((text, gold_spans, list(spans)))
            if ctx.labels == "auto":
                spans = gold_spans
                label_source = "gold"
        alignment = alignments[i].as_py()
        new_spans.append(
            spans_to_records(sorted(spans), Alignment(alignment["text_offsets"], alignment["raw_offsets"]))
        )
        new_sources.append(label_source)
    # the rebuilt rows go after the old column, and one take puts each row in its place:
    # the unchanged rows are never converted to Python
    n = rows.num_rows
    order = list(range(n))
    for k, (i, _touched) in enumerate(changed):
        order[i] = n + k
    schema = FEATURES.arrow_schema
    take = pa.array(order, pa.int32())
    spans_type = schema.field("spans").type
    spans_column = pa.concat_arrays(
        [spans_in.combine_chunks(), pa.array(new_spans, type=spans_type)]
    ).take(take)
    source_column = pa.concat_arrays(
        [rows.column("label_source").combine_chunks().cast(pa.string()), pa.array(new_sources, pa.string())]
    ).take(take)
    return _RowGroupPlan(file_no, group, rows_by_split, spans_column, source_column, pairs)


def _apply_plan(spool_files: list[Path], plan: _RowGroupPlan) -> list[tuple[str, pa.RecordBatch]]:
    """Pass 2, the part in the main process: the final rows of one row group, per split.

    Reads the whole row group (uncompressed, from the page cache), takes rows
    and swaps in the two columns the plan rebuilt: no per-row Python work.
    """
    table = _spool_file(spool_files[plan.file_no]).read_row_group(plan.group)
    rows = table.drop_columns(_SPOOL_ONLY).combine_chunks()
    if plan.spans is not None:
        schema = rows.schema
        rows = rows.set_column(
            schema.get_field_index("spans"), schema.field("spans"), plan.spans
        ).set_column(
            schema.get_field_index("label_source"), schema.field("label_source"), plan.label_source
        )
    out = []
    for split, indices in plan.rows_by_split.items():
        taken = rows.take(pa.array(indices, type=pa.int32())).combine_chunks()
        out.append((split, taken.to_batches()[0]))
    return out


# -- the build -----------------------------------------------------------------


def build_dataset(options: BuildOptions, progress: Progress | None = None) -> BuildReport:
    """Run the whole build on this machine; raise on unusable inputs or stale gold."""
    files = list_input_files(options.inputs)
    with StagedOutput(options.output_dir) as stage:
        rejections = RejectionLog(stage.path / "rejected.jsonl")
        spool_dir = stage.path / "spool"
        spool_dir.mkdir()
        # with several processes, big JSONL files are cut into slices so that
        # each worker reads and parses its own share of them
        # (decided from file sizes first: slicing reads the file once)
        pieces = 8 * options.num_proc
        if options.num_proc > 1 and planned_units(files, pieces) >= 2 * options.num_proc:
            units = split_large_files(files, pieces)
            spool_files, read, input_bytes = _pass1_by_files(options, units, spool_dir, rejections, progress)
        else:
            spool_files, read, input_bytes = _pass1_streaming(options, files, spool_dir, rejections, progress)
        report = finalize_build(
            options, stage.path, spool_files, rejections, read=read, input_bytes=input_bytes
        )
    copy_card(options)
    return report


@dataclass
class _Pass1Tally:
    """Counts of pass 1 as results come back: documents read, input bytes, rejections."""

    rejections: RejectionLog
    progress: Progress | None
    read: int = 0
    input_bytes: int = 0

    def add(self, done: int, size: int, rejected: list[Rejection]) -> None:
        self.read += done
        self.input_bytes += size
        for rejection in rejected:
            self.rejections.add(rejection)
        if self.progress:
            self.progress(done, size)


def _pass1_streaming(
    options: BuildOptions,
    files: list[Path],
    spool_dir: Path,
    rejections: RejectionLog,
    progress: Progress | None,
) -> tuple[list[Path], int, int]:
    """Pass 1 reading in this process, documents sent to workers in batches.

    Used for one process, or when there are too few files to share out.
    """
    spool_path = spool_dir / "part-00000.parquet"
    tally = _Pass1Tally(rejections, progress)
    with SpoolWriter(spool_path) as spool:
        inputs = iter_files(files, folder_metadata(options.inputs), max_bytes=options.max_doc_bytes)
        for batch, rejected, size in _ordered_map(
            process_batch, _batched(inputs, options.batch_size), options.num_proc
        ):
            tally.add(len(rejected) + (batch.num_rows if batch is not None else 0), size, rejected)
            if batch is not None:
                spool.write_batch(batch)
    return [spool_path], tally.read, tally.input_bytes


def _pass1_by_files(
    options: BuildOptions,
    files: list[Path | FileSlice],
    spool_dir: Path,
    rejections: RejectionLog,
    progress: Progress | None,
) -> tuple[list[Path], int, int]:
    """Pass 1 with each worker reading, parsing and spooling a contiguous run of files
    (or slices of big JSONL files, see :func:`~builder.dataset.readers.split_large_files`).

    The main process then only collects counts and rejections, so it does not
    become the bottleneck (parsing JSON and shipping every document to a
    worker and every row back). Slices are taken in input order, so the spool
    files read in order give the same rows as the streaming pass.
    """
    metadata = folder_metadata(options.inputs)
    parts = [p for p in partition_files(files, min(len(files), 8 * options.num_proc)) if p]
    tasks = [
        (
            str(spool_dir / f"part-{index:05d}.parquet"),
            part,
            {
                f.resolve(): metadata[f.resolve()]
                for f in part
                if isinstance(f, Path) and f.resolve() in metadata
            },
            options.batch_size,
            options.max_doc_bytes,
        )
        for index, part in enumerate(parts)
    ]
    spool_files: list[Path] = []
    tally = _Pass1Tally(rejections, progress)
    for spool_path, rejected, done, size in _ordered_map(_spool_files_task, tasks, options.num_proc):
        tally.add(done, size, rejected)
        if spool_path is not None:
            spool_files.append(Path(spool_path))
    return spool_files, tally.read, tally.input_bytes


def _spool_files_task(
    task: tuple[str, list[Path | FileSlice], dict[Path, dict[str, Any]], int, int],
) -> tuple[str | None, list[Rejection], int, int]:
    """Worker: pass 1 over some input files into one spool file."""
    spool_path, part, metadata, batch_size, max_bytes = task
    rejections: list[Rejection] = []
    read = size = rows = 0
    with SpoolWriter(spool_path) as spool:
        for items in _batched(iter_files(part, metadata, max_bytes=max_bytes), batch_size):
            batch, rejected, batch_size_bytes = process_batch(items)
            read += len(items)
            size += batch_size_bytes
            rejections.extend(rejected)
            if batch is not None:
                spool.write_batch(batch)
                rows += batch.num_rows
    if not rows:
        Path(spool_path).unlink()
        return None, rejections, read, size
    return spool_path, rejections, read, size


def finalize_build(
    options: BuildOptions,
    staging: Path,
    spool_files: list[Path],
    rejections: RejectionLog,
    *,
    read: int,
    input_bytes: int,
) -> BuildReport:
    """From spool files to the dataset: dedupe, corpus signal, splits, shards, card.

    Runs in one process after pass 1, wherever pass 1 ran (local pool or
    datatrove executor). Writes into ``staging``; the caller moves it into place.
    """
    from builder.labeling.evaluate import evaluate_spans, format_report

    report = BuildReport(read=read, input_bytes=input_bytes)
    gold = GoldIndex.load(options.gold_path) if options.gold_path else GoldIndex.empty()
    signal = RepeatedLineSignal() if options.corpus_signal else None

    # scan: duplicate ids, source groups and line statistics, from small columns only
    seen_ids: set[bytes] = set()
    duplicates: set[tuple[int, int]] = set()
    groups: set[str] = set()
    for file_no, path in enumerate(spool_files):
        row_no = 0
        columns = ["id", "source", INPUT_PATH] + ([LINE_HASHES] if signal else [])
        for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=4096, columns=columns):
            ids = batch.column("id").to_pylist()
            sources = batch.column("source").to_pylist()
            hashes = batch.column(LINE_HASHES).to_pylist() if signal else None
            for i, (doc_id, source) in enumerate(zip(ids, sources)):
                h = _id_hash(doc_id)
                if h in seen_ids:
                    duplicates.add((file_no, row_no + i))
                    input_path = batch.column(INPUT_PATH)[i].as_py()
                    rejections.add(Rejection(doc_id, input_path, "duplicate id"))
                    continue
                seen_ids.add(h)
                groups.add(group_key(source, doc_id))
                if signal is not None and source and hashes is not None:
                    signal.observe_hashes(source, hashes[i])
            row_no += len(ids)
    del seen_ids

    assignment = assign_splits(groups, options.ratios)
    writers = _SplitWriters(staging / "data", options.shard_bytes)
    card = CardAccumulator(pretty_name=options.pretty_name)
    evaluation_pairs: list[tuple[str, list, list]] = []
    context = _FinishContext(assignment, signal, gold, options.labels, duplicates, spool_files)
    tasks = [
        (file_no, group, offset)
        for file_no, path in enumerate(spool_files)
        for group, offset in _row_groups(path)
    ]
    # Reading a row group and taking its rows (Arrow work that releases the
    # GIL) runs in a thread, ahead of the writing and card figures, so the
    # serial part of pass 2 overlaps with itself.
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pass2-read") as reader:
            ahead: deque[Future[list[tuple[str, pa.RecordBatch]]]] = deque()

            def write_next() -> None:
                for split, piece in ahead.popleft().result():
                    writers.write(split, piece)
                    card.add(split, piece)

            for plan in _ordered_map(_plan_row_group, tasks, options.num_proc, context):
                ahead.append(reader.submit(_apply_plan, spool_files, plan))
                evaluation_pairs.extend(plan.evaluation_pairs)
                if len(ahead) > 2:
                    write_next()
            while ahead:
                write_next()
    finally:
        # also on failure: open handles would keep deleted spool files on disk
        # for as long as this process (or a process forked from it) lives
        _spool_file.cache_clear()
    for path in spool_files:
        path.unlink()
    report.files = writers.close()
    if not sum(writers.rows.values()):
        raise EmptyBuildError(
            f"no document could be used ({rejections.count} rejected, see the reasons in "
            "rejected.jsonl of a build with --output elsewhere); the previous output is left as it was"
        )
    report.split_sizes = {s: writers.rows.get(s, 0) for s in SPLITS}
    report.written = sum(report.split_sizes.values())
    rejections.close()
    report.rejected = rejections.count
    report.rejection_reasons = dict(rejections.reasons)
    spool_dir = staging / "spool"
    if spool_dir.is_dir() and not any(spool_dir.iterdir()):
        spool_dir.rmdir()

    evaluation = evaluate_spans(evaluation_pairs) if evaluation_pairs else None
    report.evaluation_table = format_report(evaluation) if evaluation else None
    facts = card.finish(
        files=report.files,
        read=report.read,
        rejection_reasons=report.rejection_reasons,
        evaluation=evaluation,
        evaluation_table=report.evaluation_table,
        ratios=options.ratios,
        corpus_signal=options.corpus_signal,
    )
    (staging / "README.md").write_text(render_card(facts), encoding="utf-8")
    if not report.reconciles():
        raise AssertionError(f"documents unaccounted for: {report.summary()}")
    return report


def copy_card(options: BuildOptions) -> None:
    """Refresh the repository's copy of the card once the build is in place."""
    if options.card_copy is None:
        return
    card_text = (options.output_dir / "README.md").read_text(encoding="utf-8")
    tmp = options.card_copy.with_name(f".{options.card_copy.name}.tmp-{os.getpid()}")
    tmp.write_text(card_text, encoding="utf-8")
    os.replace(tmp, options.card_copy)


class _SplitWriters:
    """One rotating shard writer per split; shards get their final names on close.

    Rows arrive as Arrow record batches and are written in arrival order, so
    the output is deterministic; a shard is closed once it holds
    ``shard_bytes`` of document text (UTF-8 of text + raw_text).
    """

    def __init__(self, folder: Path, shard_bytes: int) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.shard_bytes = shard_bytes
        self.rows: dict[str, int] = {}
        self._current: dict[str, ShardWriter] = {}
        self._done: dict[str, list[WrittenFile]] = {s: [] for s in SPLITS}

    def write(self, split: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self.rows[split] = self.rows.get(split, 0) + batch.num_rows
        pending = [batch]
        while pending:
            writer = self._current.get(split)
            if writer is None:
                writer = ShardWriter(
                    self.folder / f".{split}-{len(self._done[split]):05d}.partial",
                    max_bytes=self.shard_bytes,
                )
                self._current[split] = writer
            for piece in pending:
                writer.write_batch(piece)
            pending = []
            if writer.full:  # the shard reached its size at a row-group boundary
                pending = writer.take_buffer()
                self._done[split].append(writer.close())
                del self._current[split]

    def close(self) -> list[WrittenFile]:
        for split, writer in list(self._current.items()):
            self._done[split].append(writer.close())
        self._current.clear()
        final: list[WrittenFile] = []
        for split in SPLITS:
            shards = self._done[split]
            for index, written in enumerate(shards):
                target = self.folder / shard_name(split, index, len(shards))
                os.replace(written.path, target)
                final.append(WrittenFile(target, written.num_examples, written.num_bytes))
        return final
