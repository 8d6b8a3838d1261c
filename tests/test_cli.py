"""The command line: help that teaches, errors that explain, exit codes that mean something."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from builder.cli import EXIT_DATA, EXIT_OK, EXIT_USAGE, main


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "builder", *args], cwd=cwd, input=stdin,
        capture_output=True, text=True, timeout=300,
    )


def test_help_names_every_command_and_exit_codes() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("build", "push", "evaluate", "clean", "exit codes"):
        assert word in result.stdout


def test_build_from_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code = main(["build", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o")])
    assert code == EXIT_USAGE
    assert not (tmp_path / "o").exists()


def test_build_without_seeds_here_explains(tmp_path: Path) -> None:
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == EXIT_USAGE
    assert "--input" in result.stderr


def test_build_custom_input_and_load(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus dir"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"文档{i}.txt").write_text(f"第{i}篇文章的标题\n正文内容,很重要.\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02" * 500)
    out = tmp_path / "out"
    result = run_cli("build", "--input", str(corpus), "--output", str(out))
    assert result.returncode == EXIT_OK, result.stderr
    assert "read 5 documents: written 4" in result.stdout and "rejected 1" in result.stdout
    assert (out / "README.md").is_file() and list((out / "data").glob("*.parquet"))
    rejected = (out / "rejected.jsonl").read_text(encoding="utf-8")
    assert '"bad"' in rejected
    import datasets

    ds = datasets.load_dataset(str(out))
    assert sum(ds[s].num_rows for s in ds) == 4


def test_stale_gold_is_a_data_error(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "doc.txt").write_text("标题\n正文。\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "doc", "spans": [{"start": 0, "end": 2, "label": "metadata", "text": "不对"}]}\n',
                    encoding="utf-8")
    code = main(["build", "--input", str(corpus), "--output", str(tmp_path / "o"), "--gold", str(gold)])
    assert code == EXIT_DATA


def test_push_dry_run_prints_plan(seed_build, tmp_path: Path) -> None:
    out, _ = seed_build
    result = run_cli("push", "someone/zh-web-boilerplate", "--folder", str(out), "--dry-run")
    assert result.returncode == EXIT_OK, result.stderr
    assert "README.md" in result.stdout and "nothing uploaded" in result.stdout


def test_push_of_unbuilt_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("push", "someone/x", "--folder", str(tmp_path), "--dry-run")
    assert result.returncode == EXIT_USAGE and "no dataset card" in result.stderr


def test_input_without_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    assert main(["build", "--input", str(tmp_path)]) == EXIT_USAGE


def test_all_rejected_build_keeps_previous_output(tmp_path: Path) -> None:
    good, bad, out = tmp_path / "good", tmp_path / "bad", tmp_path / "out"
    good.mkdir()
    bad.mkdir()
    (good / "a.txt").write_text("标题\n正文第一段。\n", encoding="utf-8")
    (bad / "b.txt").write_bytes(b"\x00\x01" * 300)
    assert main(["build", "--input", str(good), "--output", str(out)]) == EXIT_OK
    before = {p.name: p.read_bytes() for p in (out / "data").iterdir()}
    assert main(["build", "--input", str(bad), "--output", str(out)]) == EXIT_DATA
    assert {p.name: p.read_bytes() for p in (out / "data").iterdir()} == before


def test_clean_decodes_stdin_like_files() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "builder", "clean", "-"], input="正文第一段,内容.\n".encode("gb18030"),
        capture_output=True, timeout=120,
    )
    assert result.returncode == EXIT_OK
    assert "正文第一段，内容。" in result.stdout.decode("utf-8")


def test_clean_reads_stdin() -> None:
    result = run_cli("clean", "-", stdin="正文第一段,内容.\n")
    assert result.returncode == EXIT_OK
    assert "正文第一段，内容。" in result.stdout


def test_unknown_command_is_usage_error() -> None:
    assert run_cli("frobnicate").returncode == 2
