"""Read input documents from folders and files, streaming, one document at a time.

A folder is scanned recursively (in sorted order, so builds are deterministic)
for ``.txt`` (one document per file, id from the file name), ``.jsonl``,
``.jsonl.gz`` and ``.parquet`` (one document per row, with a ``text`` column and
optional ``id``, ``url`` and ``source``). A ``metadata.jsonl`` at a folder's
root follows the Hugging Face folder convention: rows with ``file_name`` give
the ``source``/``url`` (and optionally ``id``) of that folder's ``.txt`` files.

Nothing is dropped silently: a document that cannot be read or decoded is
yielded as a :class:`Rejection` with its reason, so the build can count it.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.normalize import UndecodableInputError, decode_bytes

__all__ = [
    "DOCUMENT_SUFFIXES",
    "FileSlice",
    "InputDocument",
    "InputError",
    "Rejection",
    "folder_metadata",
    "iter_documents",
    "iter_files",
    "list_input_files",
    "partition_files",
    "planned_units",
    "slice_jsonl",
    "split_large_files",
]

DOCUMENT_SUFFIXES: tuple[str, ...] = (".txt", ".jsonl", ".jsonl.gz", ".parquet")
METADATA_FILE = "metadata.jsonl"


class InputError(ValueError):
    """The inputs cannot be used at all (missing path, unsupported file type)."""


@dataclass(frozen=True, slots=True)
class InputDocument:
    id: str
    raw_text: str
    path: str
    source: str = ""
    url: str = ""
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class Rejection:
    id: str
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "path": self.path, "reason": self.reason}


def _suffix(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in DOCUMENT_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def list_input_files(paths: Sequence[str | Path]) -> list[Path]:
    """Every document file named by ``paths``, folders expanded, in a stable order."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and _suffix(p) and p.name != METADATA_FILE
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise InputError(f"{path}: no {', '.join(DOCUMENT_SUFFIXES)} files in this folder")
            files.extend(found)
        elif path.is_file():
            if not _suffix(path):
                raise InputError(
                    f"{path}: unsupported file type; expected one of {', '.join(DOCUMENT_SUFFIXES)}"
                )
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def folder_metadata(paths: Sequence[str | Path]) -> dict[Path, dict[str, Any]]:
    """``metadata.jsonl`` rows that describe the input ``.txt`` files, keyed by file.

    Every ``metadata.jsonl`` under a given folder counts (its ``file_name``
    is relative to its own folder), and so does the one beside a ``.txt``
    file named directly, so a site's source is never lost because its files
    sit in a subfolder.
    """
    metas: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            metas.update(
                m for m in path.rglob(METADATA_FILE)
                if not any(part.startswith(".") for part in m.relative_to(path).parts)
            )
        elif path.is_file() and (path.parent / METADATA_FILE).is_file():
            metas.add(path.parent / METADATA_FILE)
    table: dict[Path, dict[str, Any]] = {}
    for meta in sorted(metas):
        for line_no, line in enumerate(meta.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                table[(meta.parent / row["file_name"]).resolve()] = row
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise InputError(f"{meta}:{line_no}: bad metadata row ({err})") from err
    return table


def iter_documents(
    paths: Sequence[str | Path], *, max_bytes: int = 64 * 1024 * 1024
) -> Iterator[InputDocument | Rejection]:
    """Yield every input document, or a :class:`Rejection` saying why it could not be read."""
    yield from iter_files(list_input_files(paths), folder_metadata(paths), max_bytes=max_bytes)


@dataclass(frozen=True, slots=True)
class FileSlice:
    """The lines of a plain ``.jsonl`` file that start in bytes ``[start, end)``.

    ``start`` is a line start and ``first_line`` its 1-based line number, so a
    worker reading a slice gives its rows the same default ids
    (``<stem>:<line>``) and its rejections the same line numbers as a reader
    of the whole file. Made by :func:`slice_jsonl`.

    ``file_size`` and ``mtime_ns`` are the file's when it was sliced: a reader
    that finds the file changed (appended to, rewritten, deleted) rejects the
    slice instead of reading lines at offsets that no longer mean anything.
    A read error inside a slice costs that slice only (one rejection per
    slice), where a whole-file read would stop at the error.
    """

    path: Path
    start: int
    end: int
    first_line: int
    file_size: int
    mtime_ns: int

    @property
    def size(self) -> int:
        return self.end - self.start


def slice_jsonl(path: Path, pieces: int, chunk_bytes: int = 16 * 1024 * 1024) -> list[FileSlice]:
    """Cut a plain ``.jsonl`` file into up to ``pieces`` slices of about equal bytes, at line starts.

    Why: one big JSONL file is the most common corpus layout, and without
    slices a single process would have to read and parse all of it for the
    workers. One sequential read (counting line feeds, as ``wc -l`` does)
    finds each cut: the first line start at or after ``size * k / pieces``.
    Reading the slices in order reads every line exactly once, in file order.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.jsonl").write_bytes(b'{"text": "1"}\\n{"text": "2"}\\n{"text": "3"}\\n')
    >>> [(s.start, s.end, s.first_line) for s in slice_jsonl(folder / "a.jsonl", 2)]
    [(0, 28, 1), (28, 42, 3)]
    """
    stat = path.stat()
    size = stat.st_size
    targets = [size * k // pieces for k in range(1, max(pieces, 1))]
    starts, lines = [0], [1]
    k = 0  # the next target
    chunk_start = 0
    line_feeds = 0  # line feeds before chunk_start
    with open(path, "rb") as handle:
        while k < len(targets):
            data = handle.read(chunk_bytes)
            if not data:
                break
            chunk_end = chunk_start + len(data)
            while k < len(targets):
                if targets[k] <= starts[-1]:  # a long line already took this target
                    k += 1
                    continue
                # the cut is after the first line feed at or after target - 1
                search_from = targets[k] - 1
                if search_from >= chunk_end:
                    break
                j = data.find(b"\n", max(search_from - chunk_start, 0))
                if j < 0:
                    break  # continue the search in the next chunk
                cut = chunk_start + j + 1
                if cut < size:
                    starts.append(cut)
                    lines.append(1 + line_feeds + data.count(b"\n", 0, j + 1))
                k += 1
            line_feeds += data.count(b"\n")
            chunk_start = chunk_end
    ends = [*starts[1:], size]
    return [FileSlice(path, a, b, n, size, stat.st_mtime_ns) for a, b, n in zip(starts, ends, lines)]


def _slice_plan(files: Sequence[Path], pieces: int) -> list[int]:
    """How many slices each file would be cut into (1: kept whole), from sizes alone."""
    sizes = [f.stat().st_size for f in files]
    share = max(sum(sizes) // max(pieces, 1), 1 << 20)
    return [
        round(size / share) if _suffix(path) == ".jsonl" and size > share * 3 // 2 else 1
        for path, size in zip(files, sizes)
    ]


def planned_units(files: Sequence[Path], pieces: int) -> int:
    """About how many files and slices :func:`split_large_files` would give (no file is read)."""
    return sum(_slice_plan(files, pieces))


def split_large_files(files: Sequence[Path], pieces: int) -> list[Path | FileSlice]:
    """``files`` with every plain ``.jsonl`` file much larger than ``1/pieces`` of
    the total cut into :func:`slice_jsonl` slices, so that the work can be shared
    out in about ``pieces`` parts. Compressed and Parquet files stay whole, and
    so does a file that cannot be read now: its reader will reject it, as it
    would without slicing."""
    out: list[Path | FileSlice] = []
    for path, count in zip(files, _slice_plan(files, pieces)):
        if count > 1:
            try:
                out.extend(slice_jsonl(path, count))
                continue
            except OSError:
                pass
        out.append(path)
    return out


def input_size(unit: Path | FileSlice) -> int:
    """Bytes of an input file or slice (what :func:`partition_files` balances)."""
    return unit.size if isinstance(unit, FileSlice) else unit.stat().st_size


def iter_files(
    files: Sequence[Path | FileSlice],
    metadata: Mapping[Path, dict[str, Any]],
    *,
    max_bytes: int = 64 * 1024 * 1024,
) -> Iterator[InputDocument | Rejection]:
    """The documents of some of the input files or slices (a worker's or a task's share).

    ``metadata`` is :func:`folder_metadata` of the build's inputs (or the part
    of it about these files), so ids and sources are the same whichever
    process reads a file.
    """
    for path in files:
        if isinstance(path, FileSlice):
            changed = _changed_since_sliced(path)
            if changed:
                stem = path.path.name.removesuffix(".jsonl")
                yield Rejection(f"{stem}:{path.first_line}-*", str(path.path), f"unreadable file: {changed}")
                continue
            yield from _read_jsonl(path.path, max_bytes, path.start, path.end, path.first_line)
            continue
        suffix = _suffix(path)
        if suffix == ".txt":
            yield _read_txt(path, metadata.get(path.resolve(), {}), max_bytes)
        elif suffix in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(path, max_bytes)
        else:
            yield from _read_parquet(path, max_bytes)


def partition_files(
    files: Sequence[Path | FileSlice], tasks: int, sizes: Sequence[int] | None = None
) -> list[list[Path | FileSlice]]:
    """Cut ``files`` into ``tasks`` contiguous ranges of about equal bytes (some may be empty).

    A file goes to the range its middle byte falls in, so the result depends
    only on the list and the sizes; reading the ranges in order reads the
    files in input order.

    >>> partition_files([Path("a"), Path("b"), Path("c"), Path("d")], 2, sizes=[10, 10, 10, 10])
    [[PosixPath('a'), PosixPath('b')], [PosixPath('c'), PosixPath('d')]]
    >>> partition_files([Path("a")], 3, sizes=[5])
    [[], [PosixPath('a')], []]
    """
    if tasks < 1:
        raise ValueError("tasks must be ≥ 1")
    if sizes is None:
        sizes = [input_size(f) for f in files]
    weights = [max(int(s), 1) for s in sizes]
    total = sum(weights) or 1
    parts: list[list[Path | FileSlice]] = [[] for _ in range(tasks)]
    done = 0
    for path, weight in zip(files, weights):
        rank = min(int((done + weight / 2) * tasks / total), tasks - 1)
        parts[rank].append(path)
        done += weight
    return parts


def _changed_since_sliced(piece: FileSlice) -> str | None:
    """Why the slice's offsets no longer hold (the file changed since it was cut), or None."""
    try:
        stat = piece.path.stat()
        if (stat.st_size, stat.st_mtime_ns) != (piece.file_size, piece.mtime_ns):
            return "changed since it was sliced for the workers (size or modification time differ)"
        if piece.start:
            with open(piece.path, "rb") as handle:
                handle.seek(piece.start - 1)
                if handle.read(1) != b"\n":
                    return "changed since it was sliced for the workers (a slice no longer starts a line)"
    except OSError as err:
        return f"changed since it was sliced for the workers: {err.strerror or err}"
    return None


def _read_txt(path: Path, meta: dict[str, Any], max_bytes: int) -> InputDocument | Rejection:
    doc_id = str(meta.get("id") or path.stem)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Rejection(doc_id, str(path), f"too large: {size} bytes > limit {max_bytes}")
        data = path.read_bytes()
    except OSError as err:
        return Rejection(doc_id, str(path), f"unreadable file: {err.strerror or err}")
    try:
        decoded = decode_bytes(data)
    except UndecodableInputError as err:
        return Rejection(doc_id, str(path), f"undecodable: {err}")
    return InputDocument(
        id=doc_id,
        raw_text=decoded.text,
        path=str(path),
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
        encoding=decoded.encoding,
    )


def _row_document(
    row: Any, default_id: str, path: Path, max_bytes: int
) -> InputDocument | Rejection:
    if not isinstance(row, dict):
        return Rejection(default_id, str(path), "row is not an object")
    doc_id = str(row.get("id") if row.get("id") not in (None, "") else default_id)
    text = row.get("text")
    if not isinstance(text, str):
        return Rejection(doc_id, str(path), "missing or non-string 'text' field")
    if len(text) * 4 > max_bytes and len(text.encode("utf-8")) > max_bytes:
        return Rejection(doc_id, str(path), f"too large: text over limit {max_bytes} bytes")
    return InputDocument(
        id=doc_id,
        raw_text=text,
        path=str(path),
        source=str(row.get("source") or ""),
        url=str(row.get("url") or ""),
        encoding="utf-8",
    )


def _read_jsonl(
    path: Path, max_bytes: int, start: int = 0, end: int | None = None, first_line: int = 1
) -> Iterator[InputDocument | Rejection]:
    """The rows of a ``.jsonl`` or ``.jsonl.gz`` file, streaming, then one rejection if it breaks off.

    A file that cannot be read to its end (a truncated or corrupt gzip stream,
    a read error) keeps the rows read before the failure: they were already
    yielded, and streaming cannot take them back. The failure itself becomes
    **one** :class:`Rejection`, id ``<stem>:*`` (the file, not a row), path the
    input file, reason ``unreadable file: <what> after line N, K records read
    before it: <error>`` (N counts blank lines too, K only the rows yielded).
    The rows after the break cannot be counted (their bytes are gone or
    undecodable), so this one rejection stands for all of them; the build's
    ``read`` counts what this reader yields, so read = written + rejected holds.

    What "before the failure" means for each kind of damage:

    * truncated stream (``EOFError``, the common case: a cut download): every
      complete line before the cut is kept, and its output is an exact prefix
      of the file; the incomplete last line is dropped with the exception;
    * invalid deflate data (``zlib.error``, not an ``OSError``: uncaught it
      would stop the build): the decompressed chunk (a few KB) holding the
      damage is lost with it;
    * CRC or length mismatch (``gzip.BadGzipFile``, reason ``bad gzip stream``):
      gzip detects it only at the end of a member, so the rows yielded before
      it may hold changed bytes (each still parsed as JSON); the reason names
      the failed check, and such a file should be fetched again.

    ``start``/``end``/``first_line`` read one :class:`FileSlice` of a plain file:
    the lines that start in ``[start, end)``, numbered from ``first_line``.
    """
    stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    line_no = first_line - 1
    records = 0
    position = start
    try:
        with opener(path, "rb") as handle:
            if start:
                handle.seek(start)
            while end is None or position < end:  # a slice stops before the next slice's first line
                line = handle.readline()
                if not line:
                    break
                line_no += 1
                position += len(line)
                default_id = f"{stem}:{line_no}"
                if not line.strip():
                    continue
                records += 1
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as err:
                    yield Rejection(default_id, str(path), f"invalid JSON line: {err}")
                    continue
                yield _row_document(row, default_id, path, max_bytes)
    except (OSError, EOFError, zlib.error) as err:
        if isinstance(err, EOFError):
            what = "truncated gzip stream"
        elif isinstance(err, zlib.error):
            what = "corrupt gzip data"
        elif isinstance(err, gzip.BadGzipFile):
            what = "bad gzip stream"
        else:
            what = "read error"
        detail = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        where = f" after line {line_no}, {records} records read before it" if line_no >= first_line else ""
        yield Rejection(f"{stem}:*", str(path), f"unreadable file: {what}{where}: {detail}")


def _read_parquet(path: Path, max_bytes: int) -> Iterator[InputDocument | Rejection]:
    import pyarrow.parquet as pq

    stem = path.name.removesuffix(".parquet")
    try:
        parquet = pq.ParquetFile(path, pre_buffer=False)
    except (OSError, ValueError) as err:
        yield Rejection(f"{stem}:*", str(path), f"unreadable parquet file: {err}")
        return
    names = set(parquet.schema_arrow.names)
    if "text" not in names:
        yield Rejection(f"{stem}:*", str(path), "parquet file has no 'text' column")
        return
    columns = [c for c in ("id", "text", "url", "source") if c in names]
    row_no = 0
    for group in range(parquet.metadata.num_row_groups):
        try:
            rows = parquet.read_row_group(group, columns=columns).to_pylist()
        except (OSError, ValueError) as err:  # a damaged row group: its rows, by number
            first = row_no + 1
            row_no += parquet.metadata.row_group(group).num_rows
            for lost in range(first, row_no + 1):
                yield Rejection(f"{stem}:{lost}", str(path), f"unreadable parquet row group {group}: {err}")
            continue
        for row in rows:
            row_no += 1
            yield _row_document(row, f"{stem}:{row_no}", path, max_bytes)
