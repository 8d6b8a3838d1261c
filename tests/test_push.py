"""Push: the upload plan is checked offline, and the upload sends exactly the plan."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from builder.dataset.build import BuildReport
from builder.dataset.push import UploadPlanError, plan_upload, push_plan


class RecordingHub:
    """Stands in for huggingface_hub.HfApi: records calls, sends nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def create_repo(self, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def create_commit(self, repo_id: str, operations: Any, **kwargs: Any) -> str:
        self.calls.append(("create_commit", {"repo_id": repo_id, "operations": operations, **kwargs}))
        return "https://example.invalid/commit/1"


def test_plan_lists_card_and_shards_only(seed_build: tuple[Path, BuildReport]) -> None:
    out, report = seed_build
    plan = plan_upload(out, "someone/zh-web-boilerplate", private=True)
    paths = [f.path_in_repo for f in plan.files]
    assert paths[0] == "README.md"
    assert sorted(paths[1:]) == sorted(f"data/{w.path.name}" for w in report.files)
    assert plan.split_sizes == {s: n for s, n in report.split_sizes.items() if n}
    assert "private" in plan.describe()


def test_upload_sends_exactly_the_plan(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    plan = plan_upload(out, "someone/zh-web-boilerplate")
    hub = RecordingHub()
    assert push_plan(plan, api=hub) == "https://example.invalid/commit/1"
    (name, create), (name2, commit) = hub.calls
    assert (name, name2) == ("create_repo", "create_commit")
    assert create["repo_type"] == "dataset" and create["private"] is False
    sent = [op.path_in_repo for op in commit["operations"]]
    assert sent == [f.path_in_repo for f in plan.files] and commit["repo_type"] == "dataset"


def test_stale_card_is_refused(seed_build: tuple[Path, BuildReport], tmp_path: Path) -> None:
    out, _ = seed_build
    copy = tmp_path / "ds"
    shutil.copytree(out, copy)
    shard = sorted((copy / "data").glob("test-*.parquet"))[0]
    shard.unlink()
    with pytest.raises(UploadPlanError, match="disagree"):
        plan_upload(copy, "someone/x")


@pytest.mark.parametrize("repo_id", ["noslash", "a/b/c", "/x", "x/"])
def test_bad_repo_id(seed_build: tuple[Path, BuildReport], repo_id: str) -> None:
    with pytest.raises(UploadPlanError, match="user/name"):
        plan_upload(seed_build[0], repo_id)


def test_missing_build_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadPlanError, match="no dataset card"):
        plan_upload(tmp_path, "someone/x")
