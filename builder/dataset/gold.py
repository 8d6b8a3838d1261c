"""Gold annotations during a streaming build: an index of the gold file by document id.

The build sees documents one at a time, so it cannot hand all normalized texts
to :func:`builder.labeling.gold.load_gold` up front. This index keeps each
document's gold line and checks it (quotes included, so a stale offset stops
the build) when that document comes by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from builder.labeling.gold import GoldError, parse_gold_lines
from builder.labels import Span

__all__ = ["GoldError", "GoldIndex"]


@dataclass(frozen=True)
class GoldIndex:
    lines: dict[str, tuple[int, str]]  # id -> (line number, JSON line)
    path: str = ""

    @classmethod
    def empty(cls) -> GoldIndex:
        return cls({})

    @classmethod
    def load(cls, path: str | Path) -> GoldIndex:
        lines: dict[str, tuple[int, str]] = {}
        try:
            content = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise GoldError(f"cannot read gold file {path}: {err}") from err
        for line_no, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc_id = str(json.loads(line)["id"])
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise GoldError(f"{path}:{line_no}: not a gold row ({err})") from err
            if doc_id in lines:
                raise GoldError(f"{path}:{line_no}: duplicate document id {doc_id!r}")
            lines[doc_id] = (line_no, line)
        return cls(lines, str(path))

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.lines

    def spans_for(self, doc_id: str, text: str) -> list[Span] | None:
        """The checked gold spans of ``doc_id`` over ``text``, or None when it has no gold."""
        entry = self.lines.get(doc_id)
        if entry is None:
            return None
        line_no, line = entry
        parsed = parse_gold_lines([line], {doc_id: text}, origin=f"{self.path}:{line_no}")
        return list(parsed[doc_id].spans)
