"""Boilerplate rules as data: loading and compiling ``builder/resources/rules/*.toml``.

A rule file is TOML with an array of ``[[rule]]`` tables. This module only
interprets them; no site string lives in Python. Fields of a rule:

``id``            unique id, ``<category>.<name>`` (recorded as ``Span.rule``)
``label``         one of :data:`builder.labels.LABEL_NAMES`
``scope``         ``line`` | ``inline`` | ``block`` | ``page_start`` | ``split_title``
``patterns``      regexes (``re.search`` on one line): the line matches if any does;
                  for ``block`` they recognise the first line, for ``page_start`` the
                  page number at the start of a line (group 1 = the number), for
                  ``split_title`` one short word line
``description``   one line, why the rule exists
``exclude``       regexes: a line matching any of them is never labeled by the rule
``continue_patterns`` / ``end_patterns``  (``block``) lines that extend the block /
                  a line that closes it (included)
``min_block_lines`` / ``max_block_lines`` (``block``) bounds on the block size
``min_line_chars`` / ``max_line_chars``   guards on the length of a candidate line
``priority``      lower runs first (default 100); ties keep file order
``ignore_case``   compile with ``re.IGNORECASE``
``params``        scope-specific numbers (see :mod:`builder.labeling.labeler`)

Every regex must be linear: bounded repetition (``.{0,80}``), no nested
unbounded quantifiers; ``max_line_chars`` guards keep each match cheap.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from builder.labels import LABEL_NAMES

__all__ = ["SCOPES", "Rule", "RuleSet", "RuleError", "load_rules", "load_rule_files", "default_rule_dir"]

SCOPES: tuple[str, ...] = ("line", "inline", "block", "page_start", "split_title")

_ALLOWED_KEYS = {
    "id", "label", "scope", "patterns", "description", "exclude", "continue_patterns",
    "end_patterns", "min_block_lines", "max_block_lines", "min_line_chars", "max_line_chars",
    "priority", "ignore_case", "params",
}


class RuleError(ValueError):
    """A rule file is malformed (unknown key, bad label, regex that does not compile, ...)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule. Build it with :meth:`from_dict` (what the TOML loader does)."""

    id: str
    label: str
    scope: str
    patterns: tuple[re.Pattern[str], ...]
    description: str
    exclude: tuple[re.Pattern[str], ...] = ()
    continue_patterns: tuple[re.Pattern[str], ...] = ()
    end_patterns: tuple[re.Pattern[str], ...] = ()
    min_block_lines: int = 2
    max_block_lines: int = 12
    min_line_chars: int = 1
    max_line_chars: int = 200
    priority: int = 100
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "") -> Rule:
        where = f"{source}: rule {data.get('id', '?')!r}"
        unknown = set(data) - _ALLOWED_KEYS
        if unknown:
            raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("id", "label", "scope", "patterns", "description"):
            if key not in data:
                raise RuleError(f"{where}: missing {key!r}")
        if data["label"] not in LABEL_NAMES:
            raise RuleError(f"{where}: label {data['label']!r} not in {LABEL_NAMES}")
        if data["scope"] not in SCOPES:
            raise RuleError(f"{where}: scope {data['scope']!r} not in {SCOPES}")
        if not str(data["id"]).startswith(data["label"] + "."):
            raise RuleError(f"{where}: id must start with its label ({data['label']}.)")
        desc = str(data["description"]).strip()
        if not desc or "\n" in desc:
            raise RuleError(f"{where}: description must be one non-empty line")
        flags = re.IGNORECASE if data.get("ignore_case") else 0

        def comp(key: str) -> tuple[re.Pattern[str], ...]:
            raw = data.get(key, [])
            if isinstance(raw, str) or not isinstance(raw, list):
                raise RuleError(f"{where}: {key} must be a list of regexes")
            out = []
            for p in raw:
                try:
                    out.append(re.compile(p, flags))
                except re.error as exc:
                    raise RuleError(f"{where}: {key} regex {p!r} does not compile: {exc}") from exc
            return tuple(out)

        patterns = comp("patterns")
        if not patterns:
            raise RuleError(f"{where}: needs at least one pattern")
        return cls(
            id=str(data["id"]),
            label=data["label"],
            scope=data["scope"],
            patterns=patterns,
            description=desc,
            exclude=comp("exclude"),
            continue_patterns=comp("continue_patterns"),
            end_patterns=comp("end_patterns"),
            min_block_lines=int(data.get("min_block_lines", 2)),
            max_block_lines=int(data.get("max_block_lines", 12)),
            min_line_chars=int(data.get("min_line_chars", 1)),
            max_line_chars=int(data.get("max_line_chars", 200)),
            priority=int(data.get("priority", 100)),
            params=dict(data.get("params", {})),
            source=source,
        )

    def fits(self, line: str) -> bool:
        """Length guards and excludes pass for ``line``."""
        if not self.min_line_chars <= len(line) <= self.max_line_chars:
            return False
        return not any(p.search(line) for p in self.exclude)

    def matches_line(self, line: str) -> bool:
        """The line passes the guards and one of :attr:`patterns` finds a match in it."""
        return self.fits(line) and any(p.search(line) for p in self.patterns)


@dataclass(frozen=True)
class RuleSet:
    """An ordered, validated collection of rules (sorted by priority, then load order)."""

    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise RuleError(f"duplicate rule id {r.id!r}")
            seen.add(r.id)
        ordered = tuple(sorted(self.rules, key=lambda r: r.priority))  # stable
        object.__setattr__(self, "rules", ordered)

    def by_scope(self, scope: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.scope == scope)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def line_label(self, line: str) -> Rule | None:
        """The first line/block-start rule whose pattern matches ``line`` alone (used by the corpus signal)."""
        for r in self.rules:
            if r.scope in ("line", "block") and r.matches_line(line):
                return r
        return None


def default_rule_dir() -> Path:
    return Path(str(resources.files("builder") / "resources" / "rules"))


def _parse_file(path: Path) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path.name}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"rule"}
    if unknown:
        raise RuleError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
    return [Rule.from_dict(d, source=path.name) for d in data.get("rule", [])]


def load_rule_files(paths: Iterable[Path | str]) -> RuleSet:
    """Load and compile the given TOML files (in the given order) into one :class:`RuleSet`."""
    rules: list[Rule] = []
    for p in paths:
        rules.extend(_parse_file(Path(p)))
    return RuleSet(tuple(rules))


def _sorted_rule_files(directory: Path) -> Sequence[Path]:
    order = {name: i for i, name in enumerate(LABEL_NAMES)}
    return sorted(directory.glob("*.toml"), key=lambda p: (order.get(p.stem, len(order)), p.name))


@lru_cache(maxsize=8)
def _load_cached(directory: str) -> RuleSet:
    return load_rule_files(_sorted_rule_files(Path(directory)))


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """The rule set of ``directory`` (default: the packaged rules), compiled once and cached."""
    return _load_cached(str(directory or default_rule_dir()))
