"""Write a build into a staging folder and move it into place only on success.

A crash, a Ctrl-C or an exception in the middle of a build must never leave
half-written files where the last good build was. Everything is written under
``<output>/.staging-<pid>/`` (same filesystem, so renames are atomic); on
success each produced entry replaces the old one by rename, and the old
entries are deleted only after the new ones are in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType

__all__ = ["StagedOutput"]


class StagedOutput:
    """Context manager: ``with StagedOutput(out) as stage: write into stage.path``.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with StagedOutput(out) as stage:
    ...     _ = (stage.path / "README.md").write_text("new")
    >>> (out / "README.md").read_text(), sorted(p.name for p in out.iterdir())
    ('new', ['README.md'])
    """

    def __init__(self, output_dir: str | Path) -> None:
        self.output_dir = Path(output_dir)
        self.path = self.output_dir / f".staging-{os.getpid()}"

    def __enter__(self) -> StagedOutput:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.output_dir.glob(".staging-*"):
            # left by a killed build; its process is gone, so it is safe to drop
            pid = stale.name.rsplit("-", 1)[-1]
            if not (pid.isdigit() and _process_alive(int(pid))):
                shutil.rmtree(stale, ignore_errors=True)
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._commit()
        finally:
            shutil.rmtree(self.path, ignore_errors=True)

    def _commit(self) -> None:
        trash = self.output_dir / f".replaced-{os.getpid()}"
        trash.mkdir(exist_ok=True)
        for entry in sorted(self.path.iterdir()):
            target = self.output_dir / entry.name
            if target.exists() or target.is_symlink():
                os.replace(target, trash / entry.name)
            os.replace(entry, target)
        shutil.rmtree(trash, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
