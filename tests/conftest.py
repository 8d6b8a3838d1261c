"""Shared fixtures: the repository root and one build of the seeds per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import default_gold_path
from builder.dataset.build import BuildOptions, BuildReport, build_dataset

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    """The seeds built exactly as `python -m builder build` builds them, into a temp folder."""
    out = tmp_path_factory.mktemp("seed-build")
    gold = default_gold_path()
    report = build_dataset(
        BuildOptions(
            inputs=(SEEDS,),
            output_dir=out,
            card_copy=out / "dataset_card.md",
            gold_path=gold if gold.is_file() else None,
        )
    )
    return out, report
