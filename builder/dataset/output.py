"""Write a build into a staging folder and move it into place only on success.

A crash, a Ctrl-C or an exception in the middle of a build must never leave
half-written files where the last good build was:

- everything is written under ``<output>/.staging-<id>/`` (same filesystem,
  so renames are atomic);
- on success each produced entry replaces the old one by rename, the old one
  parked in ``<output>/.replaced-<id>/``; the card (``README.md``) goes last,
  and the parking folder is deleted only when every entry is in place;
- a parking folder found at the next start means a commit was cut short: its
  entries are put back, so the folder returns to the previous build whole;
- a lock file (``.build.lock``) keeps two builds from writing one folder.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from types import TracebackType
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows; the lock is then advisory only
    fcntl = None  # type: ignore[assignment]

__all__ = ["OutputLockedError", "StagedOutput"]

CARD = "README.md"


class OutputLockedError(RuntimeError):
    """Another build is writing to the same output folder."""


class StagedOutput:
    """Context manager: ``with StagedOutput(out) as stage: write into stage.path``.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with StagedOutput(out) as stage:
    ...     _ = (stage.path / "README.md").write_text("new")
    >>> (out / "README.md").read_text(), sorted(p.name for p in out.iterdir())
    ('new', ['.build.lock', 'README.md'])
    """

    def __init__(self, output_dir: str | Path) -> None:
        self.output_dir = Path(output_dir)
        token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = self.output_dir / f".staging-{token}"
        self._trash = self.output_dir / f".replaced-{token}"
        self._lock: IO[str] | None = None

    def __enter__(self) -> StagedOutput:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.output_dir / ".build.lock", "w")  # noqa: SIM115 - held until exit
        if fcntl is not None:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                self._lock.close()
                raise OutputLockedError(f"{self.output_dir}: another build is writing here") from err
        # with the lock held, any staging or parking folder belongs to a dead build
        for parked in sorted(self.output_dir.glob(".replaced-*")):
            _roll_back(self.output_dir, parked)
        for stale in self.output_dir.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
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
            if self._lock is not None:
                self._lock.close()  # releases the flock

    def _commit(self) -> None:
        self._trash.mkdir()
        entries = sorted(self.path.iterdir(), key=lambda p: (p.name == CARD, p.name))
        for entry in entries:
            target = self.output_dir / entry.name
            if target.exists() or target.is_symlink():
                os.replace(target, self._trash / entry.name)
            os.replace(entry, target)
        shutil.rmtree(self._trash, ignore_errors=True)


def _roll_back(output_dir: Path, parked: Path) -> None:
    """Put back the entries of a commit that was cut short."""
    for entry in sorted(parked.iterdir()):
        target = output_dir / entry.name
        if target.exists() or target.is_symlink():
            doomed = output_dir / f".doomed-{uuid.uuid4().hex[:8]}"
            os.replace(target, doomed)
            shutil.rmtree(doomed, ignore_errors=True) if doomed.is_dir() else doomed.unlink()
        os.replace(entry, target)
    shutil.rmtree(parked, ignore_errors=True)
