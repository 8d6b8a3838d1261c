"""Run pass 1 of the build on a datatrove executor (local processes, Ray, Slurm).

This is an optional extra::

    pip install "zh-web-boilerplate[distributed]"   # datatrove + ray

Nothing here is imported by the core: :mod:`builder.distributed.step` holds the
datatrove pipeline steps (a reader over our input files and a step that runs
the same per-document core, :func:`builder.dataset.build.process_batch`), and
:mod:`builder.distributed.build` holds :func:`run_distributed_build`, which
stages the output, runs pass 1 on the chosen executor and finishes with the
same :func:`builder.dataset.build.finalize_build` as the local build, so the
dataset is row-for-row the one ``build_dataset`` writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

INSTALL_HINT = 'pip install "zh-web-boilerplate[distributed]"  (or: pip install "datatrove>=0.5" "ray[default]>=2.30")'

if TYPE_CHECKING:
    from builder.distributed.build import partition_files, run_distributed_build

__all__ = ["INSTALL_HINT", "partition_files", "run_distributed_build"]


def __getattr__(name: str) -> Any:
    if name in ("run_distributed_build", "partition_files"):
        from builder.distributed import build

        return getattr(build, name)
    raise AttributeError(name)
