"""A build killed with SIGKILL leaves the previous dataset as it was; the next build cleans up.

1. Build the seeds into DIR (the CLI, as a user would).
2. Start a build of a larger generated corpus into the same DIR in a
   subprocess, and SIGKILL it once its staging folder ``DIR/.staging-<pid>-<id>``
   exists (in pass 1, or once pass 2 has started writing shards).
3. DIR still loads with ``load_dataset`` and holds exactly the first build.
4. A third build succeeds, equals the first, and removes the dead staging folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory, bench_corpus: ModuleType) -> Path:
    folder = tmp_path_factory.mktemp("big-corpus")
    bench_corpus.write_corpus(folder, 24, seed=11, shard_mb=4)
    return folder


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "builder", "build", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, so its pool workers die with it
        **kw,
    )


def _build(*args: str) -> str:
    proc = _cli(*args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def _rows(folder: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for shard in sorted((folder / "data").glob("*.parquet")):
        out.setdefault(shard.name.split("-")[0], []).extend(pq.read_table(shard).to_pylist())
    return out


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the build ended (exit {proc.returncode}) before it could be killed; "
                        f"make the corpus larger. stderr: {proc.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)  # the build's main process, as the OOM killer would
    proc.wait(timeout=30)  # reap it, so its pid is really gone
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # and its worker processes, if any remain
    except ProcessLookupError:
        pass
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("moment", ["pass1", "pass2"])
def test_killed_build_keeps_previous_output(moment: str, big_corpus: Path, tmp_path: Path) -> None:
    from datasets import load_dataset

    out = tmp_path / "dataset"
    _build("--input", str(SEEDS), "--output", str(out))
    first = _snapshot(out)
    first_rows = _rows(out)
    assert first_rows and sum(map(len, first_rows.values())) == 5

    proc = _cli("--input", str(big_corpus), "--output", str(out), "--num-proc", "2")
    def staging_has(entry: str) -> bool:
        return any((s / entry).is_dir() for s in out.glob(f".staging-{proc.pid}-*"))

    _kill_when(proc, lambda: staging_has("spool" if moment == "pass1" else "data"))
    [staging] = list(out.glob(f".staging-{proc.pid}-*"))
    assert staging.is_dir(), "the killed build left no staging folder: was it killed mid-build?"

    # the previous build is intact and loads
    assert _snapshot(out) == first
    loaded = load_dataset(str(out))
    assert {split: ds["id"] for split, ds in loaded.items()} == {
        split: [r["id"] for r in rows] for split, rows in first_rows.items()
    }
    assert {split: ds["text"] for split, ds in loaded.items()} == {
        split: [r["text"] for r in rows] for split, rows in first_rows.items()
    }

    # the next build succeeds and removes the dead staging folder
    _build("--input", str(SEEDS), "--output", str(out))
    assert not staging.exists()
    assert not list(out.glob(".staging-*")) and not list(out.glob(".replaced-*"))
    assert _snapshot(out) == first
