"""The datatrove build (local executor and Ray) writes the same dataset as ``build_dataset``.

Needs the ``distributed`` extra (``pip install "zh-web-boilerplate[distributed]"``);
without it these tests are skipped, visibly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

pytest.importorskip("datatrove", reason="the distributed extra (datatrove) is not installed")

from builder.dataset.build import BuildOptions, BuildReport, build_dataset  # noqa: E402
from builder.distributed.build import (  # noqa: E402
    DistributedBuildError,
    partition_files,
    run_distributed_build,
)

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, bench_corpus: ModuleType) -> tuple[Path, ...]:
    """The seeds (.txt + metadata.jsonl) and generated variants in JSONL shards, plus a
    file with an invalid line and a duplicated id, so rejections must merge in order."""
    root = tmp_path_factory.mktemp("dt-corpus")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    variants = root / "variants"
    info = bench_corpus.write_corpus(variants, 0.25, seed=7, shard_mb=0.04)
    assert info["shards"] >= 5
    first = json.loads((variants / "part-00000.jsonl").read_text(encoding="utf-8").splitlines()[0])
    with open(variants / "zz-extra.jsonl", "w", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write(json.dumps({"id": first["id"], "text": "重复的编号", "source": "汇文网"}, ensure_ascii=False) + "\n")
        handle.write(json.dumps({"id": "no-text"}) + "\n")
        handle.write(json.dumps({"id": "blank", "text": "   \n  "}) + "\n")
    return seeds, variants


def _options(inputs: tuple[Path, ...], out: Path, **kw) -> BuildOptions:
    return BuildOptions(inputs=inputs, output_dir=out, batch_size=16, **kw)


@pytest.fixture(scope="module")
def local_build(corpus, tmp_path_factory) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("local-build")
    return out, build_dataset(_options(corpus, out))


def _rows(folder: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for shard in sorted((folder / "data").glob("*.parquet")):
        out.setdefault(shard.name.split("-")[0], []).extend(pq.read_table(shard).to_pylist())
    return out


def _rejections(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]


def _card(folder: Path) -> str:
    return (folder / "README.md").read_text(encoding="utf-8")


def _shard_bytes(folder: Path) -> dict[str, bytes]:
    """Row groups are cut by the rows alone, so the files are identical too."""
    return {p.name: p.read_bytes() for p in sorted((folder / "data").glob("*.parquet"))}


def _assert_same_build(a: Path, b: Path, report_a: BuildReport, report_b: BuildReport) -> None:
    rows_a, rows_b = _rows(a), _rows(b)
    assert rows_a.keys() == rows_b.keys()
    for split in rows_a:
        assert [r["id"] for r in rows_a[split]] == [r["id"] for r in rows_b[split]], split
        assert rows_a[split] == rows_b[split], split
    assert _rejections(a) == _rejections(b)
    assert _card(a) == _card(b)
    assert _shard_bytes(a) == _shard_bytes(b)
    assert report_a.to_json() == report_b.to_json()
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())


def test_partition_is_contiguous_balanced_and_complete(tmp_path: Path) -> None:
    files = [tmp_path / f"{i:02d}.txt" for i in range(7)]
    sizes = [100, 1, 1, 300, 50, 50, 0]
    parts = partition_files(files, 3, sizes=sizes)
    assert [f for part in parts for f in part] == files  # contiguous, in order, nothing lost
    assert parts == partition_files(files, 3, sizes=sizes)
    assert all(parts)
    assert partition_files(files, 20, sizes=sizes).count([]) >= 13


def test_local_executor_build_equals_build_dataset(corpus, local_build, tmp_path: Path) -> None:
    from datasets import load_dataset

    local_out, local_report = local_build
    assert local_report.rejected >= 3 and local_report.reconciles()
    out = tmp_path / "dt"
    report = run_distributed_build(_options(corpus, out), executor="local", tasks=3, workers=2)
    assert report.reconciles()
    _assert_same_build(local_out, out, local_report, report)
    assert not list(out.glob(".staging-*")) and not (out / "spool").exists()

    loaded = load_dataset(str(out))
    expected = _rows(local_out)
    assert set(loaded) == set(expected)
    for split, rows in expected.items():
        assert loaded[split]["id"] == [r["id"] for r in rows]
        assert loaded[split]["text"] == [r["text"] for r in rows]
        assert loaded[split]["spans"] == [r["spans"] for r in rows]


def test_more_tasks_than_files_and_one_task(corpus, local_build, tmp_path: Path) -> None:
    local_out, local_report = local_build
    for tasks, workers in ((40, 2), (1, 1)):
        out = tmp_path / f"dt-{tasks}"
        report = run_distributed_build(_options(corpus, out), executor="local", tasks=tasks, workers=workers)
        _assert_same_build(local_out, out, local_report, report)


def test_failed_task_leaves_previous_output_untouched(corpus, local_build, tmp_path, monkeypatch) -> None:
    local_out, _ = local_build
    out = tmp_path / "dt-fail"
    shutil.copytree(local_out, out)
    before = sorted((p.relative_to(out), p.read_bytes()) for p in out.rglob("*") if p.is_file())

    import builder.dataset.build as build_module

    def broken(items):
        raise RuntimeError("worker lost")

    # workers=1: datatrove runs the tasks in this process, so the patch applies
    monkeypatch.setattr(build_module, "process_batch", broken)
    with pytest.raises((RuntimeError, DistributedBuildError)):
        run_distributed_build(_options(corpus, out), executor="local", tasks=2, workers=1)
    after = sorted((p.relative_to(out), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    assert after == before
    assert not list(out.glob(".staging-*"))


def test_cli_executor_local(corpus, local_build, tmp_path: Path) -> None:
    local_out, local_report = local_build
    out = tmp_path / "cli-dt"
    args = [sys.executable, "-m", "builder", "build", "--output", str(out), "--executor", "local",
            "--tasks", "2", "--num-proc", "2", "--input", *map(str, corpus)]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"read {local_report.read} documents" in proc.stdout
    assert _rows(out) == _rows(local_out)


@pytest.fixture
def ray_cluster():
    ray = pytest.importorskip("ray", reason="the distributed extra (ray) is not installed")
    if ray.is_initialized():
        ray.shutdown()
    # a private single-node cluster on this machine only
    ray.init(address="local", include_dashboard=False, num_cpus=2, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_executor_build_equals_build_dataset(ray_cluster, corpus, local_build, tmp_path: Path) -> None:
    local_out, local_report = local_build
    out = tmp_path / "ray"
    report = run_distributed_build(
        _options(corpus, out), executor="ray", tasks=2, workers=2, logging_dir=tmp_path / "ray-logs"
    )
    _assert_same_build(local_out, out, local_report, report)
    assert ray_cluster.is_initialized()  # the build used our cluster and left it running


FAKE_SBATCH = r"""#!/bin/bash
# a stand-in for Slurm's sbatch: runs every task of the array job now, one after the other
script="${@: -1}"
if [ -n "$FAKE_SLURM_LOSE_JOB" ]; then echo "Submitted batch job 4242"; exit 0; fi
offset=0
for arg in "$@"; do
  case "$arg" in --export=*RUN_OFFSET=*) offset="${arg##*RUN_OFFSET=}" ;; esac
done
range=$(sed -n 's/^#SBATCH --array=\([0-9]*-[0-9]*\).*/\1/p' "$script")
for i in $(seq "${range%-*}" "${range#*-}"); do
  SLURM_ARRAY_TASK_ID=$i RUN_OFFSET=$offset SLURM_NODELIST=localhost SLURM_JOB_ID=4242 \
    bash "$script" >> "$FAKE_SLURM_LOG" 2>&1 || echo "task $i failed" >> "$FAKE_SLURM_LOG"
done
echo "Submitted batch job 4242"
"""


@pytest.fixture
def fake_slurm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sbatch/squeue/scontrol stand-ins on PATH: no cluster here, but the executor's whole path runs."""
    bin_dir = tmp_path / "fake-slurm-bin"
    bin_dir.mkdir()
    scripts = {
        "sbatch": FAKE_SBATCH,
        "squeue": "#!/bin/bash\nexit 0\n",  # the job is gone: it ran inside sbatch
        "scontrol": '#!/bin/bash\necho "${@: -1}"\n',  # `scontrol show hostnames X` → X
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "fake-slurm.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SLURM_LOG", str(log))
    return log


def test_slurm_executor_with_fake_sbatch(fake_slurm, corpus, local_build, tmp_path: Path) -> None:
    local_out, local_report = local_build
    out = tmp_path / "slurm"
    report = run_distributed_build(
        _options(corpus, out), executor="slurm", tasks=3, workers=2, logging_dir=tmp_path / "slurm-logs",
        slurm_options={"partition": "cpu", "time": "00:10:00", "with_srun": False, "poll_seconds": 0.1},
    )
    _assert_same_build(local_out, out, local_report, report)


def test_slurm_job_that_vanishes_fails_the_build(fake_slurm, corpus, local_build, tmp_path, monkeypatch) -> None:
    local_out, _ = local_build
    out = tmp_path / "slurm-lost"
    shutil.copytree(local_out, out)
    before = sorted(p.name for p in out.rglob("*"))
    monkeypatch.setenv("FAKE_SLURM_LOSE_JOB", "1")  # accepted, then gone without running a task
    with pytest.raises(DistributedBuildError, match="ended before all tasks finished"):
        run_distributed_build(
            _options(corpus, out), executor="slurm", tasks=2, workers=2, logging_dir=tmp_path / "slurm-logs",
            slurm_options={"partition": "cpu", "time": "00:10:00", "with_srun": False, "poll_seconds": 0.1},
        )
    assert sorted(p.name for p in out.rglob("*")) == before


def test_one_big_jsonl_is_shared_among_tasks(
    big_jsonl: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single big JSONL file feeds every datatrove task (as line-aligned slices),
    and the result equals the single-machine build."""
    from builder.distributed import step as step_module

    path, broken = big_jsonl
    inp = path.parent
    shares: list[list] = []  # each task's share of the input
    original = step_module.iter_file_documents

    def spy(inputs, files, **kw):
        shares.append(list(files))
        return original(inputs, files, **kw)

    monkeypatch.setattr(step_module, "iter_file_documents", spy)
    local_out = tmp_path / "local"
    local_report = build_dataset(_options((inp,), local_out))
    out = tmp_path / "dt"
    report = run_distributed_build(_options((inp,), out), executor="local", tasks=3, workers=1)
    _assert_same_build(local_out, out, local_report, report)
    # every task got a share of the one file, as slices (7 fields). (The spy sees the
    # tasks because datatrove runs them in this process when workers=1.)
    assert len(shares) == 3
    assert all(share and all(len(entry) == 7 for entry in share) for share in shares)
    invalid = sum(1 for line in (out / "rejected.jsonl").read_text().splitlines() if "invalid JSON" in line)
    assert invalid == broken
