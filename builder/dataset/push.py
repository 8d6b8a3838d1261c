"""Publish a built dataset folder to the Hugging Face Hub.

The upload is planned first and the plan is checked before anything leaves
the machine: the card must parse, list the splits and agree with the Parquet
row counts. ``--dry-run`` prints the plan and stops there, so the whole path
except the network call is testable offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = ["PlannedFile", "UploadPlan", "UploadPlanError", "UploadUsageError", "plan_upload", "push_plan"]


class UploadPlanError(ValueError):
    """The folder's data is not publishable as it is (card and Parquet disagree)."""


class UploadUsageError(UploadPlanError):
    """The request cannot be carried out: bad repository id, or nothing built there."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    local_path: Path
    path_in_repo: str
    size: int


@dataclass(frozen=True)
class UploadPlan:
    repo_id: str
    private: bool
    files: tuple[PlannedFile, ...]
    split_sizes: dict[str, int]

    def describe(self) -> str:
        total = sum(f.size for f in self.files)
        lines = [
            f"repository: datasets/{self.repo_id} ({'private' if self.private else 'public'})",
            "splits: " + ", ".join(f"{s}={n}" for s, n in self.split_sizes.items()),
            f"files ({len(self.files)}, {total} bytes):",
        ]
        lines += [f"  {f.path_in_repo}  ({f.size} bytes)" for f in self.files]
        return "\n".join(lines)


def _card_split_sizes(readme: Path) -> dict[str, int]:
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(readme)
    info = card.data.to_dict().get("dataset_info") or {}
    splits = info.get("splits") or []
    return {s["name"]: int(s["num_examples"]) for s in splits}


def plan_upload(dataset_dir: str | Path, repo_id: str, *, private: bool = False) -> UploadPlan:
    """Check ``dataset_dir`` and list exactly what an upload would send."""
    import pyarrow.parquet as pq

    folder = Path(dataset_dir)
    if "/" not in repo_id or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise UploadUsageError(f"repository id must look like 'user/name', got {repo_id!r}")
    readme = folder / "README.md"
    if not readme.is_file():
        raise UploadUsageError(f"{readme}: no dataset card; run `python -m builder build` first")
    shards = sorted((folder / "data").glob("*.parquet"))
    if not shards:
        raise UploadUsageError(f"{folder / 'data'}: no Parquet files; run the build first")
    counted: dict[str, int] = {}
    for shard in shards:
        split = shard.name.split("-")[0]
        counted[split] = counted.get(split, 0) + pq.ParquetFile(shard).metadata.num_rows
    try:
        declared = _card_split_sizes(readme)
    except Exception as err:  # noqa: BLE001 - any parse failure means the card is unusable
        raise UploadPlanError(f"{readme}: card metadata does not parse: {err}") from err
    if declared != counted:
        raise UploadPlanError(
            f"card and data disagree: card says {declared}, Parquet holds {counted}; rebuild"
        )
    files = [PlannedFile(readme, "README.md", readme.stat().st_size)]
    files += [PlannedFile(s, f"data/{s.name}", s.stat().st_size) for s in shards]
    return UploadPlan(repo_id=repo_id, private=private, files=tuple(files), split_sizes=counted)


class HubApi(Protocol):
    def create_repo(self, repo_id: str, **kwargs: Any) -> Any: ...
    def create_commit(self, repo_id: str, operations: Sequence[Any], **kwargs: Any) -> Any: ...


def push_plan(plan: UploadPlan, api: HubApi | None = None, token: str | None = None) -> Any:
    """Create the dataset repository if needed and upload the planned files in one commit."""
    from huggingface_hub import CommitOperationAdd, HfApi

    hub = api if api is not None else HfApi(token=token)
    hub.create_repo(plan.repo_id, repo_type="dataset", private=plan.private, exist_ok=True)
    operations = [
        CommitOperationAdd(path_in_repo=f.path_in_repo, path_or_fileobj=str(f.local_path))
        for f in plan.files
    ]
    return hub.create_commit(
        plan.repo_id,
        operations=operations,
        repo_type="dataset",
        commit_message="Upload zh-web-boilerplate dataset build",
    )
