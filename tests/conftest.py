"""Shared fixtures: the repository root and one build of the seeds per test session."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from builder.cli import default_gold_path
from builder.dataset.build import BuildOptions, BuildReport, build_dataset
from builder.native_engine import ENV_VAR

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



@pytest.fixture
def big_jsonl(tmp_path: Path) -> tuple[Path, int]:
    """One JSONL file of 3,000 rows (over 4 MiB, so a build with several processes or
    tasks cuts it into slices of at least 1 MiB) over 7 sources, and how many of its
    lines are not JSON (one every 997: lines 6, 1003, 2000, 2997)."""
    folder = tmp_path / "big-jsonl"
    folder.mkdir()
    rows = [
        json.dumps({"text": f"第{i}篇，基层党建工作。" * 45, "source": f"site{i % 7}"}, ensure_ascii=False)
        if i % 997 != 5
        else "{broken json"
        for i in range(3000)
    ]
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > 4 << 20
    return path, 4


@pytest.fixture(scope="session")
def bench_corpus() -> ModuleType:
    """``benchmarks/corpus.py`` (the reproducible corpus generator), imported from its file."""
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "benchmarks" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def zhwb_native(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The compiled module ``zhwb_native``, with ``ZHWB_NATIVE`` unset so the twins run.

    Without the module the test skips, unless ``ZHWB_REQUIRE_NATIVE=1`` (CI sets it),
    where a missing module fails it: the differential tests cannot skip there.
    """
    try:
        import zhwb_native
    except ImportError:  # pragma: no cover - depends on the machine
        if os.environ.get("ZHWB_REQUIRE_NATIVE") == "1":
            raise
        pytest.skip("the compiled module is not installed (pip install ./native)")
    monkeypatch.delenv(ENV_VAR, raising=False)
    return zhwb_native
