"""Input readers: every document becomes a document or a rejection with a reason."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.dataset.build import BuildOptions, build_dataset
from builder.dataset.readers import InputDocument, InputError, Rejection, iter_documents


def test_folder_of_txt_with_metadata(tmp_path: Path) -> None:
    (tmp_path / "b doc.txt").write_text("第二篇", encoding="utf-8")
    (tmp_path / "a.txt").write_bytes("\ufeff第一篇".encode("utf-8"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_bytes("繁體中文內容".encode("big5"))
    (tmp_path / "metadata.jsonl").write_text(
        json.dumps({"file_name": "a.txt", "source": "site-a", "url": "http://a.example/1"}) + "\n",
        encoding="utf-8",
    )
    docs = list(iter_documents([tmp_path]))
    assert [d.id for d in docs] == ["a", "b doc", "c"]
    a, b, c = docs
    assert isinstance(a, InputDocument) and a.raw_text == "第一篇" and a.source == "site-a"
    assert a.url == "http://a.example/1" and b.source == ""
    assert isinstance(c, InputDocument) and c.raw_text == "繁體中文內容" and c.encoding != "utf-8"


def test_jsonl_gz_and_parquet_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "x1", "text": "一", "source": "s"}) + "\n")
        handle.write("{not json\n")
        handle.write(json.dumps({"text": "二"}) + "\n")
        handle.write(json.dumps({"id": "x4"}) + "\n")
    pq.write_table(pa.table({"text": ["三", "四"], "url": ["u3", "u4"]}), tmp_path / "t.parquet")
    items = list(iter_documents([path, tmp_path / "t.parquet"]))
    kinds = [(type(i).__name__, i.id) for i in items]
    assert kinds == [
        ("InputDocument", "x1"), ("Rejection", "rows:2"), ("InputDocument", "rows:3"),
        ("Rejection", "x4"), ("InputDocument", "t:1"), ("InputDocument", "t:2"),
    ]
    assert items[1].reason.startswith("invalid JSON") and "text" in items[3].reason
    assert items[5].url == "u4"


def test_undecodable_and_oversized_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "big.txt").write_text("大" * 100, encoding="utf-8")
    items = {i.id: i for i in iter_documents([tmp_path], max_bytes=200)}
    assert isinstance(items["binary"], Rejection) and items["binary"].reason.startswith(("undecodable", "too large"))
    assert isinstance(items["big"], Rejection) and items["big"].reason.startswith("too large")


def test_unusable_inputs_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(iter_documents([tmp_path / "missing"]))
    (tmp_path / "x.csv").write_text("a")
    with pytest.raises(InputError, match="unsupported file type"):
        list(iter_documents([tmp_path / "x.csv"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt"):
        list(iter_documents([empty]))


def test_metadata_in_subfolders_and_beside_named_files(tmp_path: Path) -> None:
    site = tmp_path / "corpus" / "siteA"
    site.mkdir(parents=True)
    (site / "p1.txt").write_text("一", encoding="utf-8")
    (site / "metadata.jsonl").write_text(
        json.dumps({"file_name": "p1.txt", "source": "siteA"}) + "\n", encoding="utf-8"
    )
    [from_folder] = list(iter_documents([tmp_path / "corpus"]))
    [from_file] = list(iter_documents([site / "p1.txt"]))
    assert from_folder.source == from_file.source == "siteA"


def test_damaged_parquet_row_group_rejects_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": [f"第{i}篇" for i in range(6)]}), path, row_group_size=3,
                   compression="none")
    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(1).column(0)
    start = column.dictionary_page_offset or column.data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + 40] = b"\xff" * 40  # overwrite the second row group's page header
    path.write_bytes(bytes(data))
    items = list(iter_documents([path]))
    assert [type(i).__name__ for i in items] == ["InputDocument"] * 3 + ["Rejection"] * 3
    assert [i.id for i in items[3:]] == ["t:4", "t:5", "t:6"]
    assert all(i.reason.startswith("unreadable parquet row group 1") for i in items[3:])


# -- damaged gzip streams: the rows before the damage are kept, the damage is one rejection


def _gzip_prefix(text: str) -> bytes:
    """A gzip stream holding ``text`` exactly, flushed but never finished (no end marker)."""
    compressor = zlib.compressobj(wbits=31)  # 31: gzip header and trailer
    return compressor.compress(text.encode("utf-8")) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _rows(*ids: str) -> str:
    return "".join(json.dumps({"id": i, "text": f"正文{i}"}, ensure_ascii=False) + "\n" for i in ids)


def _summary(items: list[InputDocument | Rejection]) -> list[tuple[str, str]]:
    return [(type(i).__name__, i.id) for i in items]


def test_truncated_gzip_keeps_the_rows_before_the_cut(tmp_path: Path) -> None:
    # lines 1, 2, 4 are rows, line 3 is blank; line 5 is cut in its middle by the truncation
    text = _rows("x1", "x2") + "\n" + _rows("x3") + _rows("x4")[:12]
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(_gzip_prefix(text))
    items = list(iter_documents([path]))
    assert _summary(items) == [
        ("InputDocument", "x1"), ("InputDocument", "x2"), ("InputDocument", "x3"), ("Rejection", "rows:*"),
    ]
    assert [i.raw_text for i in items[:3]] == ["正文x1", "正文x2", "正文x3"]
    last = items[-1]
    assert last.path == str(path)
    assert last.reason.startswith(
        "unreadable file: truncated gzip stream after line 4, 3 records read before it: Compressed file ended"
    )


def test_corrupt_gzip_data_is_a_rejection_not_a_crash(tmp_path: Path) -> None:
    ids = [f"x{n}" for n in range(1, 2001)]  # ~80 KB of text: decompressed in several chunks
    path = tmp_path / "rows.jsonl.gz"
    # 0x07 opens a deflate block of the reserved type 3: zlib.error, which is not an OSError
    path.write_bytes(_gzip_prefix(_rows(*ids)) + b"\x07" + b"\x00" * 16)
    items = list(iter_documents([path]))
    *docs, last = items
    # the chunks delivered before the damage are kept, in order; the chunk holding it is lost
    assert 0 < len(docs) < len(ids)
    assert [(type(d).__name__, d.id, d.raw_text) for d in docs] == [
        ("InputDocument", i, f"正文{i}") for i in ids[: len(docs)]
    ]
    assert isinstance(last, Rejection) and last.id == "rows:*" and last.path == str(path)
    assert last.reason.startswith(
        f"unreadable file: corrupt gzip data after line {len(docs)}, {len(docs)} records read before it: "
    )
    assert "invalid block type" in last.reason


def test_gzip_checksum_failure_is_reported_after_the_rows(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(_rows("x1", "x2", "x3").encode("utf-8"), mtime=0))
    data[-8] ^= 0xFF  # the CRC-32 of the trailer: gzip only sees it at the end of the member
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(bytes(data))
    items = list(iter_documents([path]))
    assert _summary(items) == [
        ("InputDocument", "x1"), ("InputDocument", "x2"), ("InputDocument", "x3"), ("Rejection", "rows:*"),
    ]
    assert items[-1].reason.startswith("unreadable file: bad gzip stream after line 3, 3 records read before it: ")
    assert "CRC check failed" in items[-1].reason


def test_file_unreadable_from_the_start_is_one_rejection_without_a_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(b"this is not gzip at all")
    [item] = list(iter_documents([path]))
    assert isinstance(item, Rejection) and item.id == "rows:*"
    assert item.reason.startswith("unreadable file: bad gzip stream: Not a gzipped file")


def test_truncated_gzip_counts_reconcile_in_a_build(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "rows.jsonl.gz").write_bytes(_gzip_prefix(_rows("x1", "x2") + _rows("x3")[:10]))
    report = build_dataset(BuildOptions(inputs=(inp,), output_dir=tmp_path / "out", corpus_signal=False))
    assert (report.read, report.written, report.rejected) == (3, 2, 1)
    assert report.rejection_reasons == {"unreadable file": 1}
    [row] = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text("utf-8").splitlines()]
    assert row["id"] == "rows:*" and row["path"] == str(inp / "rows.jsonl.gz")
    assert row["reason"].startswith("unreadable file: truncated gzip stream after line 2, 2 records read before it")


# -- slices of big JSONL files ------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from builder.dataset.readers import FileSlice, iter_files, slice_jsonl, split_large_files  # noqa: E402

_LINES = st.lists(
    st.one_of(
        st.builds(
            lambda text, doc_id: json.dumps({"id": doc_id, "text": text}, ensure_ascii=False),
            st.text(max_size=30),
            st.one_of(st.none(), st.text(max_size=5)),
        ),
        st.sampled_from(["", "   ", "{broken json", "[1, 2]", '{"text": 5}', '{"text": "繁體\\u00e9"}']),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    lines=_LINES,
    newline=st.sampled_from(["\n", "\r\n"]),
    trailing=st.booleans(),
    pieces=st.integers(1, 12),
    chunk_bytes=st.integers(1, 64),
)
def test_slices_read_in_order_equal_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    newline: str,
    trailing: bool,
    pieces: int,
    chunk_bytes: int,
) -> None:
    """Every line is read once, in order, with the same ids, line numbers and rejections."""
    path = tmp_path_factory.mktemp("slices") / "big.jsonl"
    body = newline.join(lines) + (newline if trailing and lines else "")
    path.write_bytes(body.encode("utf-8"))
    slices = slice_jsonl(path, pieces, chunk_bytes=chunk_bytes)
    assert slices[0].start == 0 and slices[-1].end == len(body.encode("utf-8"))
    assert all(a.end == b.start for a, b in zip(slices, slices[1:]))
    assert len(slices) <= pieces
    assert list(iter_files(slices, {})) == list(iter_files([path], {}))


def test_slices_are_balanced_and_start_at_lines(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    rows = [json.dumps({"id": f"d{i}", "text": "正文" * (i % 50)}, ensure_ascii=False) for i in range(2000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = path.read_bytes()
    slices = slice_jsonl(path, 8, chunk_bytes=1000)
    assert len(slices) == 8
    longest = max(len(line) for line in data.split(b"\n"))
    for s in slices:
        assert s.start == 0 or data[s.start - 1 : s.start] == b"\n"
        assert s.first_line == data.count(b"\n", 0, s.start) + 1
        assert abs(s.size - len(data) / 8) <= longest + 1  # a cut moves to the next line start at most


def test_a_long_line_does_not_leave_one_line_slices_behind(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"x" * 899 + b"\n" + b"123456789\n" * 10)
    slices = slice_jsonl(path, 10)
    # every cut is the first line start at or after its share: the long line takes 8 of them
    assert [(s.start, s.end) for s in slices] == [(0, 900), (900, 1000)]


def test_only_big_plain_jsonl_files_are_split(tmp_path: Path) -> None:
    big = tmp_path / "a-big.jsonl"
    big.write_text("\n".join(json.dumps({"text": "x" * 100}) for _ in range(60_000)) + "\n", encoding="utf-8")
    small = tmp_path / "b-small.jsonl"
    small.write_text('{"text": "y"}\n', encoding="utf-8")
    packed = tmp_path / "c-packed.jsonl.gz"
    packed.write_bytes(gzip.compress(big.read_bytes()))
    units = split_large_files([big, small, packed], 4)
    assert all(isinstance(u, FileSlice) and u.path == big for u in units[:-2])
    assert len(units) > 3
    assert units[-2:] == [small, packed]


def test_one_big_jsonl_builds_the_same_with_two_processes(
    big_jsonl: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single big JSONL file is shared out as slices, and the output does not change."""
    import builder.dataset.build as build_module

    path, broken = big_jsonl
    inp = path.parent
    units_seen: list = []
    original = build_module._pass1_by_files

    def spy(options, units, *args):
        units_seen.extend(units)
        return original(options, units, *args)

    monkeypatch.setattr(build_module, "_pass1_by_files", spy)
    one = build_dataset(BuildOptions(inputs=(inp,), output_dir=tmp_path / "one", num_proc=1))
    two = build_dataset(BuildOptions(inputs=(inp,), output_dir=tmp_path / "two", num_proc=2))
    assert len(units_seen) >= 4 and all(isinstance(u, FileSlice) for u in units_seen)
    assert one.read == two.read == 3000 and one.rejected == two.rejected == broken
    for name in ("README.md", "rejected.jsonl", *(p.name for p in (tmp_path / "one" / "data").iterdir())):
        folder = "" if name in ("README.md", "rejected.jsonl") else "data"
        assert (tmp_path / "one" / folder / name).read_bytes() == (tmp_path / "two" / folder / name).read_bytes(), name


def test_unreadable_big_file_is_kept_whole_for_its_reader_to_reject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.dataset.readers as readers

    big = tmp_path / "big.jsonl"
    big.write_text('{"text": "正文"}\n' * 200_000, encoding="utf-8")

    def unreadable(path, pieces, chunk_bytes=0):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(readers, "slice_jsonl", unreadable)
    assert split_large_files([big], 8) == [big]


def _sliced(tmp_path: Path) -> tuple[Path, list[FileSlice]]:
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": "正文"}) + "\n" for i in range(100)), encoding="utf-8")
    slices = slice_jsonl(path, 4)
    assert len(slices) == 4
    return path, slices


def test_a_file_appended_to_after_slicing_is_rejected_not_misread(tmp_path: Path) -> None:
    path, slices = _sliced(tmp_path)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "late", "text": "后来"}) + "\n")
    got = list(iter_files(slices, {}))
    assert all(isinstance(r, Rejection) and "changed since it was sliced" in r.reason for r in got)
    assert [r.id for r in got] == [f"big:{s.first_line}-*" for s in slices]


def test_a_file_rewritten_in_place_is_rejected_not_misread(tmp_path: Path) -> None:
    """Same size and modification time (restored by hand), lines shifted: the slice
    starts no longer fall on line starts."""
    path, slices = _sliced(tmp_path)
    stat = path.stat()
    data = path.read_bytes()
    path.write_bytes(b" " + data[:-2] + b"\n")  # one byte later everywhere, same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    got = list(iter_files(slices, {}))
    assert isinstance(got[0], InputDocument)  # the first slice starts at 0: nothing to check
    rejected = [r for r in got if isinstance(r, Rejection) and "no longer starts a line" in r.reason]
    assert len(rejected) == 3


def test_a_file_deleted_after_slicing_is_rejected(tmp_path: Path) -> None:
    path, slices = _sliced(tmp_path)
    path.unlink()
    got = list(iter_files(slices, {}))
    assert len(got) == 4 and all("changed since it was sliced" in r.reason for r in got)
