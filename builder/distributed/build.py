"""The build with pass 1 on a datatrove executor: local processes, a Ray cluster or Slurm.

:func:`run_distributed_build` produces the same dataset as
:func:`builder.dataset.build.build_dataset` (same rows, same order, same
splits, same card), because

- the input files are listed exactly as the local build lists them and cut
  into ``tasks`` *contiguous* ranges (balanced by bytes), so reading the ranks
  in order reads the inputs in the local build's order;
- every task runs the same :func:`builder.dataset.build.process_batch` and
  writes one spool file and one rejection file for its rank;
- the driver merges the rejections rank by rank and hands the spool files, in
  rank order, to the same :func:`builder.dataset.build.finalize_build`.

Parallelism is per input file: a single huge file is read by one task, so
give a cluster many files (JSONL shards, say). The staging folder lives in the
output folder; on Ray with several machines or on Slurm, the output folder,
the inputs and ``logging_dir`` must be on a filesystem that all nodes share.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from builder.dataset.build import BuildOptions, BuildReport, RejectionLog, copy_card, finalize_build
from builder.dataset.output import StagedOutput
from builder.dataset.readers import FileSlice, Rejection, list_input_files, partition_files, split_large_files
from builder.distributed import INSTALL_HINT

__all__ = ["EXECUTORS", "DistributedBuildError", "partition_files", "run_distributed_build"]

EXECUTORS = ("local", "ray", "slurm")


class DistributedBuildError(RuntimeError):
    """A task of pass 1 failed or did not finish; the previous output is untouched."""


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError as err:
        raise ImportError(f"the distributed build needs {module}: {INSTALL_HINT}") from err


def run_distributed_build(
    options: BuildOptions,
    executor: str = "local",
    tasks: int = 2,
    workers: int = 2,
    logging_dir: Path | None = None,
    slurm_options: dict[str, Any] | None = None,
) -> BuildReport:
    """Build the dataset with pass 1 on a datatrove executor; same result as ``build_dataset``.

    Args:
        options: the build's options (``num_proc`` is not used: ``workers`` is)
        executor: ``local`` (datatrove's LocalPipelineExecutor: processes on
            this machine), ``ray`` (RayPipelineExecutor on the Ray cluster that
            ``ray.init()`` finds or starts: set ``RAY_ADDRESS`` or call
            ``ray.init`` first to pick one) or ``slurm`` (SlurmPipelineExecutor;
            this call then waits for the array job to finish)
        tasks: number of datatrove tasks (ranks); input files are split among them
        workers: how many tasks run at once
        logging_dir: datatrove's logs, stats and completion markers; by default
            a temporary folder, removed after a successful build (on a cluster
            pass a shared folder)
        slurm_options: keyword arguments for SlurmPipelineExecutor (at least
            ``partition`` and ``time``); ``poll_seconds`` and
            ``timeout_seconds`` control the wait for the job
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")
    if tasks < 1 or workers < 1:
        raise ValueError("tasks and workers must be ≥ 1")
    _require("datatrove")
    if executor == "ray":
        _require("ray")
    from builder.distributed.step import BuilderInputReader, BuilderSpoolStep, done_path, rejections_path, spool_path

    cwd = Path.cwd()
    files = list_input_files(options.inputs)  # InputError now, not inside a task
    # tasks open files by absolute path (a Ray worker need not share our working
    # folder) but report them as the user named them, as the local build does;
    # big JSONL files are cut into line-aligned slices so that one file can
    # still feed every task
    partition = [
        [
            (str(cwd / u.path), str(u.path), u.start, u.end, u.first_line, u.file_size, u.mtime_ns)
            if isinstance(u, FileSlice)
            else (str(cwd / u), str(u))
            for u in part
        ]
        for part in partition_files(split_large_files(files, tasks), tasks)
    ]
    inputs = [str(cwd / p) for p in options.inputs]

    own_logs = logging_dir is None
    logs = Path(tempfile.mkdtemp(prefix="zhwb-datatrove-")) if own_logs else Path(logging_dir)
    with StagedOutput(options.output_dir) as stage:
        spool_dir = (cwd / stage.path / "spool").resolve()
        spool_dir.mkdir()
        pipeline = [
            BuilderInputReader(inputs, partition, max_doc_bytes=options.max_doc_bytes),
            BuilderSpoolStep(spool_dir, batch_size=options.batch_size),
        ]
        try:
            if executor == "local":
                _run_local(pipeline, tasks, workers, logs)
            elif executor == "ray":
                _run_ray(pipeline, tasks, workers, logs)
            else:
                _run_slurm(pipeline, tasks, workers, logs, dict(slurm_options or {}), spool_dir)
        except Exception as err:
            err.add_note(f"datatrove logs of this build: {logs}")
            raise

        # every rank must have finished: datatrove's Ray executor only warns on failed tasks
        missing = [rank for rank in range(tasks) if not done_path(spool_dir, rank).is_file()]
        if missing:
            raise DistributedBuildError(
                f"pass 1 did not finish for task(s) {missing} of {tasks}; see the logs in {logs}"
            )
        rejections = RejectionLog(stage.path / "rejected.jsonl")
        read = input_bytes = 0
        for rank in range(tasks):
            counts = json.loads(done_path(spool_dir, rank).read_text(encoding="utf-8"))
            read += counts["read"]
            input_bytes += counts["input_bytes"]
            with open(rejections_path(spool_dir, rank), encoding="utf-8") as handle:
                for line in handle:
                    row = json.loads(line)
                    rejections.add(Rejection(row["id"], row["path"], row["reason"]))
            rejections_path(spool_dir, rank).unlink()
            done_path(spool_dir, rank).unlink()
        report = finalize_build(
            options,
            stage.path,
            [spool_path(spool_dir, rank) for rank in range(tasks)],
            rejections,
            read=read,
            input_bytes=input_bytes,
        )
    copy_card(options)
    if own_logs:
        shutil.rmtree(logs, ignore_errors=True)
    return report


def _run_local(pipeline: list[Any], tasks: int, workers: int, logs: Path) -> None:
    import multiprocessing

    from datatrove.executor import LocalPipelineExecutor

    LocalPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=min(workers, tasks),
        logging_dir=str(logs),
        # a build never resumes: its staging folder is new, so every task must run
        skip_completed=False,
        # as the local build's pool: datatrove's default, forkserver, re-imports the
        # caller's __main__, which re-runs a script that lacks an `if __name__` guard
        start_method="fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn",
    ).run()


def _run_ray(pipeline: list[Any], tasks: int, workers: int, logs: Path) -> None:
    import ray
    from datatrove.executor import RayPipelineExecutor

    started = False
    if not ray.is_initialized():
        # connects to the cluster named by RAY_ADDRESS or started with `ray start`, else starts one here
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False)
        started = True
    try:
        RayPipelineExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=min(workers, tasks),
            logging_dir=str(logs),
            skip_completed=False,
            cpus_per_task=1,
            # datatrove reserves 2 GB per CPU by default; a task of this build needs far less
            mem_per_cpu_gb=1,
        ).run()
    finally:
        if started:
            ray.shutdown()


def _run_slurm(
    pipeline: list[Any], tasks: int, workers: int, logs: Path, slurm_options: dict[str, Any], spool_dir: Path
) -> None:
    from datatrove.executor import SlurmPipelineExecutor

    poll = float(slurm_options.pop("poll_seconds", 15))
    timeout = slurm_options.pop("timeout_seconds", None)
    for key in ("partition", "time"):
        if key not in slurm_options:
            raise ValueError(f"slurm_options needs {key!r}")
    activate = Path(sys.prefix) / "bin" / "activate"
    if activate.is_file():
        slurm_options.setdefault("venv_path", str(activate))
    slurm_options.setdefault("job_name", "zh-web-boilerplate")
    slurm = SlurmPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=workers,
        logging_dir=str(logs),
        skip_completed=False,
        **slurm_options,
    )
    slurm.run()  # submits the array job and returns
    from builder.distributed.step import done_path

    started = time.monotonic()
    while True:
        if all(done_path(spool_dir, rank).is_file() for rank in range(tasks)):
            return
        if timeout is not None and time.monotonic() - started > float(timeout):
            raise DistributedBuildError(f"Slurm job {slurm.job_id} did not finish in {timeout} s")
        if not _slurm_job_alive(str(slurm.job_id)):
            # it may have finished between the two checks
            if all(done_path(spool_dir, rank).is_file() for rank in range(tasks)):
                return
            raise DistributedBuildError(f"Slurm job {slurm.job_id} ended before all tasks finished; logs: {logs}")
        time.sleep(poll)


def _slurm_job_alive(job_id: str) -> bool:
    try:
        out = subprocess.run(
            ["squeue", "-h", "-j", job_id, "-o", "%i"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return True  # cannot tell: keep waiting (the timeout still applies)
    return bool(out.stdout.strip())
