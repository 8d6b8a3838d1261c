"""Apply hand annotations (gold spans) during a build.

The gold file is standoff JSONL: one document per line,
``{"id": ..., "spans": [{"start", "end", "label", "text"}]}``, where ``text``
quotes the covered characters of the normalized text. The quote is what makes
a stale annotation visible: when the normalizer changes, offsets drift and the
quote no longer matches, and the build stops instead of training on shifted
labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.labels import Span

__all__ = ["GoldError", "GoldIndex"]


class GoldError(ValueError):
    """A gold annotation does not fit the text it annotates."""


@dataclass(frozen=True)
class GoldIndex:
    entries: dict[str, list[dict[str, Any]]]
    path: str = ""

    @classmethod
    def empty(cls) -> GoldIndex:
        return cls({})

    @classmethod
    def load(cls, path: str | Path) -> GoldIndex:
        entries: dict[str, list[dict[str, Any]]] = {}
        for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                entries[str(row["id"])] = list(row["spans"])
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise GoldError(f"{path}:{line_no}: not a gold row ({err})") from err
        return cls(entries, str(path))

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.entries

    def spans_for(self, doc_id: str, text: str) -> list[Span] | None:
        """The gold spans of ``doc_id`` checked against ``text``, or None without gold."""
        rows = self.entries.get(doc_id)
        if rows is None:
            return None
        spans = []
        for row in rows:
            start, end, quote = int(row["start"]), int(row["end"]), row["text"]
            if text[start:end] != quote:
                raise GoldError(
                    f"{self.path}: gold span {start}-{end} of {doc_id!r} quotes {quote[:30]!r} "
                    f"but the text there is {text[start:end][:30]!r}; the annotation is stale "
                    "(the normalizer changed): re-anchor it"
                )
            spans.append(Span(start, end, row["label"], "gold"))
        return sorted(spans)
