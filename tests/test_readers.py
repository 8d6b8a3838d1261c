"""Input readers: every document becomes a document or a rejection with a reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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
