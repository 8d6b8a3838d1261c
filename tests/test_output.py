"""Staged output: a failed build leaves the previous output untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builder.dataset.output import OutputLockedError, StagedOutput


def test_failure_keeps_previous_output(tmp_path: Path) -> None:
    with StagedOutput(tmp_path) as stage:
        (stage.path / "data").mkdir()
        (stage.path / "data" / "train.parquet").write_text("v1")
        (stage.path / "README.md").write_text("card v1")
    with pytest.raises(RuntimeError):
        with StagedOutput(tmp_path) as stage:
            (stage.path / "data").mkdir()
            (stage.path / "data" / "train.parquet").write_text("half")
            raise RuntimeError("crash mid-build")
    assert (tmp_path / "data" / "train.parquet").read_text() == "v1"
    assert (tmp_path / "README.md").read_text() == "card v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", "README.md", "data"]


def test_success_replaces_whole_entries(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "old-shard.parquet").write_text("old")
    (tmp_path / "keep.txt").write_text("not ours")
    with StagedOutput(tmp_path) as stage:
        (stage.path / "data").mkdir()
        (stage.path / "data" / "new-shard.parquet").write_text("new")
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["new-shard.parquet"]
    assert (tmp_path / "keep.txt").read_text() == "not ours"


def test_leftover_staging_of_a_dead_build_is_cleaned(tmp_path: Path) -> None:
    dead = tmp_path / ".staging-999999999-abcd"
    dead.mkdir()
    with StagedOutput(tmp_path):
        pass
    assert not dead.exists()


def test_commit_cut_short_is_rolled_back(tmp_path: Path) -> None:
    """A build killed mid-commit: new data in place, old data parked, old card still there."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "shard").write_text("old")
    (tmp_path / "README.md").write_text("old card")
    parked = tmp_path / ".replaced-123-dead"
    parked.mkdir()
    os.replace(tmp_path / "data", parked / "data")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "shard").write_text("new")
    with StagedOutput(tmp_path):
        pass  # entering rolls back; an empty stage commits nothing
    assert (tmp_path / "data" / "shard").read_text() == "old"
    assert (tmp_path / "README.md").read_text() == "old card"
    assert not parked.exists()


def test_two_builds_cannot_write_one_folder(tmp_path: Path) -> None:
    with StagedOutput(tmp_path):
        with pytest.raises(OutputLockedError):
            with StagedOutput(tmp_path):
                pass
