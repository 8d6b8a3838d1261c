"""The boilerplate categories: the contract of ``shared/spec/labels.md``.

The order is part of the contract: it fixes the integer ids of the
``ClassLabel`` that the dataset stores, so it must never be reordered.

>>> LABEL_NAMES.index("page_marker")
2
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LABEL_NAMES", "Span"]

LABEL_NAMES: tuple[str, ...] = (
    "site_notice",
    "metadata",
    "page_marker",
    "keyword_tags",
    "related_links",
    "footer",
    "advert",
)


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A labeled boilerplate span ``[start, end)`` in code points over the normalized text.

    ``rule`` is the id of the rule or signal that produced it (``gold`` for a
    hand annotation), so every removal can be traced to its reason.
    """

    start: int
    end: int
    label: str
    rule: str

    def __post_init__(self) -> None:
        if self.label not in LABEL_NAMES:
            raise ValueError(f"unknown label {self.label!r}; expected one of {LABEL_NAMES}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"empty or negative span [{self.start}, {self.end})")
