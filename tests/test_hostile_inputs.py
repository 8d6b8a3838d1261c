"""Hostile inputs: every document is written or rejected with a reason; nothing crashes.

Each build here checks that the counts reconcile (read = written + rejected),
that ``rejected.jsonl`` has one row per rejection with the expected reasons,
and that the Parquet shards hold exactly the written rows. The slow or
possibly pathological ones (a 50 MB line, regex-hostile repetitions) run in a
subprocess with a time limit, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.dataset.build import BuildOptions, BuildReport, build_dataset

TEXT_SC = "基层党建工作的几点思考。加强组织建设，提高工作水平，发挥党员先锋模范作用。"
TEXT_TC = "黨的基層組織是黨執政的組織基礎。國有企業黨組織必須深入貫徹落實科學的發展觀。"


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _jsonl(path: Path, rows: list[dict | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    return _write(path, "\n".join(lines) + "\n")


def _check_output(out: Path, read: int, written: int, rejected: int, reasons: dict[str, int]) -> list[dict]:
    """The on-disk result agrees with the counts; returns the rejected.jsonl rows."""
    assert read == written + rejected
    rows = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == rejected
    assert all(row["reason"] and row["id"] is not None and "path" in row for row in rows)
    assert Counter(row["reason"].split(":")[0] for row in rows) == Counter(reasons)
    shard_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (out / "data").glob("*.parquet"))
    assert shard_rows == written
    assert not list(out.glob(".staging-*"))
    return rows


def _build(inputs: tuple[Path, ...], out: Path, **kw) -> tuple[BuildReport, list[dict]]:
    report = build_dataset(BuildOptions(inputs=inputs, output_dir=out, **kw))
    assert report.reconciles(), report.summary()
    rows = _check_output(out, report.read, report.written, report.rejected, report.rejection_reasons)
    return report, rows


def _written(out: Path) -> dict[str, dict]:
    rows = {}
    for shard in (out / "data").glob("*.parquet"):
        for row in pq.read_table(shard).to_pylist():
            rows[row["id"]] = row
    return rows


_CHILD = """
import json, sys, time
from pathlib import Path
from builder.dataset.build import BuildOptions, build_dataset
args = json.loads(sys.argv[1])
started = time.perf_counter()
report = build_dataset(BuildOptions(inputs=tuple(Path(p) for p in args["inputs"]), output_dir=Path(args["out"]),
                                    **args.get("options", {})))
print("RESULT " + json.dumps({**report.to_json(), "seconds": time.perf_counter() - started}))
"""


def _build_in_subprocess(inputs: list[Path], out: Path, timeout: float, **options) -> dict:
    arg = json.dumps({"inputs": [str(p) for p in inputs], "out": str(out), "options": options})
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, arg], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"build did not finish within {timeout} s on {[p.name for p in inputs]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))[7:])
    _check_output(out, result["read"], result["written"], result["rejected"], result["rejection_reasons"])
    return result


# -- encodings -------------------------------------------------------------------------


def test_invalid_utf8_is_rejected_with_a_reason(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _write(inp / "garbage.txt", b"\x80\x81\x82 abc \xc3\x28")
    _write(inp / "truncated.txt", TEXT_SC.encode()[:-1] + b"\xff\xfe\x80")
    _write(inp / "good.txt", TEXT_SC)
    # a JSONL line that is not UTF-8 at all, next to good lines
    _write(inp / "mixed.jsonl", json.dumps({"id": "ok", "text": TEXT_SC}, ensure_ascii=False).encode() + b"\n"
           + b'{"id": "bad", "text": "\xff\xfe\xfd"}\n')
    report, rows = _build((inp,), tmp_path / "out")
    assert report.read == 5
    by_id = {row["id"]: row["reason"] for row in rows}
    assert by_id["garbage"].startswith("undecodable: not valid UTF-8")
    assert by_id["truncated"].startswith("undecodable: not valid UTF-8")
    assert by_id["mixed:2"].startswith("invalid JSON line")
    assert set(_written(tmp_path / "out")) == {"good", "ok"}


def test_lone_surrogate_in_json_is_written_or_rejected(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    # json.dumps escapes the surrogate as \\ud800, as a real producer of such JSON would
    _jsonl(inp / "rows.jsonl", [{"id": "ok", "text": TEXT_SC},
                                json.dumps({"id": "lone-surrogate", "text": "a\ud800b" + TEXT_SC})])
    report, rows = _build((inp,), tmp_path / "out")
    assert report.read == 2
    written = _written(tmp_path / "out")
    assert "ok" in written
    if "lone-surrogate" in written:
        assert "\ud800" not in written["lone-surrogate"]["text"]
    else:
        assert [r["id"] for r in rows] == ["lone-surrogate"]


def test_mixed_encodings_in_one_folder(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _write(inp / "gb18030.txt", TEXT_SC.encode("gb18030"))
    _write(inp / "big5.txt", TEXT_TC.encode("big5"))
    _write(inp / "utf16le-bom.txt", TEXT_SC.encode("utf-16"))  # Python writes the BOM
    _write(inp / "utf16be-bom.txt", codecs.BOM_UTF16_BE + TEXT_SC.encode("utf-16-be"))
    _write(inp / "utf8-bom.txt", codecs.BOM_UTF8 + TEXT_SC.encode())
    _write(inp / "utf32-bom.txt", TEXT_SC.encode("utf-32"))
    _write(inp / "utf16-no-bom.txt", TEXT_SC.encode("utf-16-le"))  # no BOM: not guessed, rejected
    report, rows = _build((inp,), tmp_path / "out")
    assert report.read == 7 and report.written == 6
    assert [r["id"] for r in rows] == ["utf16-no-bom"] and rows[0]["reason"].startswith("undecodable")
    written = _written(tmp_path / "out")
    encodings = {doc_id: row["normalization"]["encoding"] for doc_id, row in written.items()}
    assert encodings == {
        "gb18030": "gb18030", "big5": "big5", "utf16le-bom": "utf-16-le", "utf16be-bom": "utf-16-be",
        "utf8-bom": "utf-8", "utf32-bom": "utf-32-le",
    }
    for doc_id in ("gb18030", "utf16le-bom", "utf16be-bom", "utf8-bom", "utf32-bom"):
        assert "基层党建工作" in written[doc_id]["text"], doc_id
        assert "\ufeff" not in written[doc_id]["text"]
    assert "基层组织" in written["big5"]["text"]  # decoded, then traditional → simplified


def test_nul_and_control_bytes(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _write(inp / "nul.txt", TEXT_SC.encode() + b"\x00" + TEXT_SC.encode())
    _write(inp / "few-controls.txt", TEXT_SC + "\x01\x02\x1b[0m\x7f" + TEXT_SC + "\r\n" + TEXT_SC)
    _write(inp / "mostly-controls.txt", "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) * 20)
    _jsonl(inp / "rows.jsonl", [
        {"id": "json-nul", "text": TEXT_SC + "\u0000" + TEXT_SC},
        {"id": "json-c1", "text": TEXT_SC + "\u0085\u009f" + TEXT_SC},
        {"id": "json-only-controls", "text": "\u0000\u0001\u0002"},
        {"id": "json-bom-inside", "text": TEXT_SC + "\ufeff" + TEXT_SC},
    ])
    report, rows = _build((inp,), tmp_path / "out")
    assert report.read == 7
    by_id = {row["id"]: row["reason"] for row in rows}
    assert "NUL" in by_id["nul"]
    assert by_id["mostly-controls"].startswith("undecodable: looks binary")
    assert by_id["json-only-controls"] == "empty after normalization"
    written = _written(tmp_path / "out")
    assert {"few-controls", "json-nul", "json-c1", "json-bom-inside"} <= set(written)
    control = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]} | {"\ufeff", "\r"}
    for doc_id, row in written.items():
        assert not control & set(row["text"]), doc_id
        # the raw text is kept as read, and the alignment still covers it
        assert row["alignment"]["raw_offsets"][-1] == len(row["raw_text"])


# -- size ------------------------------------------------------------------------------


def test_a_50mb_single_line_document(tmp_path: Path) -> None:
    """Written (or rejected with a reason) within a minute; never a crash."""
    inp = tmp_path / "in"
    rng = random.Random(5)
    words = ["党建", "工作", "基层", "思想", "政治", "点赞:12", "第1页", "，", "。", "發展", "(fā)", "、", "www.example.com"]
    target = 50 * 1024 * 1024
    chunk = "".join(rng.choice(words) for _ in range(200_000)).encode()
    data = (chunk * (target // len(chunk) + 1))[:target].decode("utf-8", "ignore").encode()
    _write(inp / "one-line.txt", data)
    started = time.perf_counter()
    result = _build_in_subprocess([inp], tmp_path / "out", timeout=180)
    elapsed = time.perf_counter() - started
    assert result["read"] == 1 and result["written"] + result["rejected"] == 1
    print(f"50 MB single line: {result['written']} written in {elapsed:.1f} s (build {result['seconds']:.1f} s)")
    assert elapsed < 120, f"a 50 MB line took {elapsed:.0f} s"


def test_document_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _write(inp / "big.txt", TEXT_SC * 1000)
    _jsonl(inp / "rows.jsonl", [{"id": "big-row", "text": TEXT_SC * 1000}, {"id": "small", "text": TEXT_SC}])
    report, rows = _build((inp,), tmp_path / "out", max_doc_bytes=50_000)
    assert report.written == 1
    assert {row["id"]: row["reason"].split(":")[0] for row in rows} == {"big": "too large", "big-row": "too large"}


def test_100k_tiny_documents_in_one_jsonl(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    rows: list[dict | str] = []
    for i in range(100_000):
        if i % 10_000 == 1:
            rows.append("{broken json")
        elif i % 10_000 == 2:
            rows.append({"id": f"d{i}", "text": 12345})
        elif i % 10_000 == 3:
            rows.append({"id": f"d{i}", "text": " \t "})
        elif i % 10_000 == 4:
            rows.append({"id": "d0", "text": "重复"})  # a duplicate id
        else:
            rows.append({"id": f"d{i}", "text": f"短文{i}。", "source": f"site{i % 37}"})
    _jsonl(inp / "tiny.jsonl", rows)
    report, rejected = _build((inp,), tmp_path / "out", num_proc=2)
    assert report.read == 100_000
    assert report.rejection_reasons == {
        "invalid JSON line": 10, "missing or non-string 'text' field": 10,
        "empty after normalization": 10, "duplicate id": 10,
    }
    assert report.written == 100_000 - 40
    duplicates = [r for r in rejected if r["reason"] == "duplicate id"]
    assert [r["id"] for r in duplicates] == ["d0"] * 10
    # the user's file, not the spool file the duplicate was found in
    assert {Path(r["path"]).name for r in duplicates} == {"tiny.jsonl"}


# -- binary files ----------------------------------------------------------------------


def test_binary_files(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    rng = random.Random(3)
    _write(inp / "random.txt", bytes(rng.randrange(256) for _ in range(20_000)))
    _write(inp / "image.txt", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(1, 256) for _ in range(5000)))
    _write(inp / "zip.txt", b"PK\x03\x04" + bytes(range(256)) * 8)
    _write(inp / "elf.jsonl", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8)
    _write(inp / "not-gzip.jsonl.gz", b"this is not gzip at all")
    _write(inp / "truncated.jsonl.gz", gzip.compress(b'{"id": "g1", "text": "gzip ok"}\n' * 50)[:-30])
    _write(inp / "garbage.parquet", b"PAR1 but not really parquet")
    _write(inp / "ignored.bin", bytes(range(256)))  # not an input type: not read, not counted
    _write(inp / "good.txt", TEXT_SC)
    report, rows = _build((inp,), tmp_path / "out")
    by_path = Counter(Path(row["path"]).name for row in rows)
    assert {"random.txt", "image.txt", "zip.txt", "elf.jsonl", "not-gzip.jsonl.gz", "garbage.parquet",
            "truncated.jsonl.gz"} <= set(by_path)
    assert "ignored.bin" not in by_path
    assert "good" in _written(tmp_path / "out")
    reasons = {Path(row["path"]).name: row["reason"].split(":")[0] for row in rows}
    assert reasons["random.txt"] == reasons["image.txt"] == reasons["zip.txt"] == "undecodable"
    assert reasons["garbage.parquet"] == "unreadable parquet file"
    assert reasons["not-gzip.jsonl.gz"] == reasons["truncated.jsonl.gz"] == "unreadable file"


# -- regex-hostile repetitions ---------------------------------------------------------

HOSTILE = {
    "dianzan": "点赞:" * 200_000,
    "page": "第1页" * 100_000,
    "pinyin": "(ā)" * 100_000,
    "dunhao": "、" * 200_000,
    "dianzan-lines": "点赞:1 浏览:2\n" * 50_000,
    "page-lines": "第1页\n" * 100_000,
    "pinyin-glued": "發(fā)" * 60_000,
    "brackets": "[" * 100_000 + "]" * 100_000,
    "spaces": "党 " * 150_000 + "\n" + " " * 200_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_regex_hostile_repetitions(name: str, tmp_path: Path) -> None:
    inp = tmp_path / "in"
    _jsonl(inp / "hostile.jsonl", [{"id": name, "text": HOSTILE[name], "source": "汇文网"},
                                   {"id": "after", "text": TEXT_SC, "source": "汇文网"}])
    result = _build_in_subprocess([inp], tmp_path / "out", timeout=60)
    assert result["read"] == 2 and result["written"] + result["rejected"] == 2
    assert result["seconds"] < 30, f"{name}: {result['seconds']:.1f} s"


# -- paths -----------------------------------------------------------------------------


def test_paths_with_spaces_and_non_ascii_names(tmp_path: Path) -> None:
    from datasets import load_dataset

    inp = tmp_path / "my inputs" / "中文 目录"
    _write(inp / "文档 一.txt", TEXT_SC)
    _write(inp / "sub dir" / "數據 二.txt", TEXT_TC)
    _write(inp / "metadata.jsonl", json.dumps({"file_name": "文档 一.txt", "source": "汇文网"}, ensure_ascii=False))
    _jsonl(inp / "行 数据.jsonl", [{"id": "行 1", "text": TEXT_SC}, "not json"])
    out = tmp_path / "out put" / "输出 目录"
    report, rows = _build((inp,), out)
    assert report.read == 4 and report.written == 3
    assert rows[0]["path"].endswith("行 数据.jsonl") and rows[0]["reason"].startswith("invalid JSON line")
    written = _written(out)
    assert set(written) == {"文档 一", "數據 二", "行 1"}
    assert written["文档 一"]["source"] == "汇文网"
    loaded = load_dataset(str(out))
    assert sorted(i for split in loaded.values() for i in split["id"]) == sorted(written)


def test_cli_with_non_ascii_paths(tmp_path: Path) -> None:
    inp = tmp_path / "输入 folder"
    _write(inp / "文档.txt", TEXT_SC)
    out = tmp_path / "输出 folder"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "builder", "build", "--input", str(inp), "--output", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "read 1 documents: written 1" in proc.stdout
    assert set(_written(out)) == {"文档"}
