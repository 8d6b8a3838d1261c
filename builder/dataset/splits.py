"""Deterministic train/validation/test assignment, grouped by source.

Documents of one site share its template (notices, footers, related lists),
so a model that saw a site in training would be flattered by the same site in
test. Every document is therefore assigned through its *group* — its
``source``, or its own id when the source is unknown — and a group never spans
two splits.

Each group's split comes from a hash of the group key alone (SHA-256, mapped to
[0, 1) and cut at the split ratios), so adding documents of new sites does not
move old ones. With at least three groups, an empty split is then filled by
moving the smallest-hash group out of the split holding the most groups, so
every split is non-empty; the card states both steps.

"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

__all__ = ["SPLITS", "DEFAULT_RATIOS", "assign_splits", "group_key", "group_hash"]

SPLITS: tuple[str, ...] = ("train", "validation", "test")
DEFAULT_RATIOS: Mapping[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}


def group_key(source: str, doc_id: str) -> str:
    """The key that keeps a site's documents together: its source, else the document.

    >>> group_key("范文中心", "004"), group_key("", "003")
    ('source:范文中心', 'id:003')
    """
    return f"source:{source}" if source else f"id:{doc_id}"


def group_hash(key: str) -> float:
    """A stable number in [0, 1) for a group key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(
    groups: Iterable[str], ratios: Mapping[str, float] = DEFAULT_RATIOS
) -> dict[str, str]:
    """Map each group key to a split name.

    >>> result = assign_splits([f"id:{i}" for i in range(5)])
    >>> sorted(set(result.values()))
    ['test', 'train', 'validation']
    """
    total = sum(ratios[s] for s in SPLITS)
    if total <= 0:
        raise ValueError("split ratios must add up to a positive number")
    bounds: list[tuple[float, str]] = []
    acc = 0.0
    for split in SPLITS:
        acc += ratios[split] / total
        bounds.append((acc, split))
    assignment: dict[str, str] = {}
    for key in sorted(set(groups)):
        h = group_hash(key)
        assignment[key] = next((s for b, s in bounds if h < b), SPLITS[-1])
    if len(assignment) >= len(SPLITS):
        for empty in SPLITS:
            members = {s: [k for k, v in assignment.items() if v == s] for s in SPLITS}
            if members[empty] or ratios[empty] <= 0:
                continue
            donor = max(SPLITS, key=lambda s: (len(members[s]), s == "train"))
            moved = min(members[donor], key=group_hash)
            assignment[moved] = empty
    return assignment
