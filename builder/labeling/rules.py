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
from bisect import bisect_right

try:  # the regex parser, to see whether a pattern is anchored at the start
    import re._constants as _sre_constants
    import re._parser as _sre_parser
except ImportError:  # Python < 3.11
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from builder.labels import LABEL_NAMES

__all__ = ["SCOPES", "Rule", "RuleSet", "RuleError", "load_rules", "load_rule_files", "default_rule_dir", "rule_gate"]

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
        object.__setattr__(self, "_plans", {})

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

    def candidates(self, scopes: tuple[str, ...], line: str) -> tuple[Rule, ...]:
        """The rules of ``scopes`` (in priority order) that may match ``line``: those whose
        length guards admit it, and none at all when one combined search of their patterns
        finds nothing. A cheap prefilter: it never drops a rule that would match (a search
        of ``(?:p1)|(?:p2)|…`` succeeds exactly when one of the ``pi`` does)."""
        plan = self._plans.get(scopes)
        if plan is None:
            plan = self._plans[scopes] = _Prefilter([r for r in self.rules if r.scope in scopes])
        return plan.candidates(line)

    def line_label(self, line: str) -> Rule | None:
        """The first line/block-start rule whose pattern matches ``line`` alone (used by the corpus signal)."""
        for r in self.rules:
            if r.scope in ("line", "block") and r.matches_line(line):
                return r
        return None


class _Prefilter:
    """A necessary condition for a line to match one of ``rules`` (a cheap prefilter).

    Per line length, the rules whose guards admit that length; and for their patterns:

    * the literal strings every match must begin with (read from the parsed regex:
      ``(原创|精品)…`` begins with 原创 or 精品), checked with one ``str.startswith`` for
      patterns anchored at the start and one alternation of plain literals (which the
      regex engine scans for fast) for the others;
    * the patterns with no such literal (``^\\d{4}-…``, ``^[^。]{1,150}\\.doc``), run as one
      alternation at position 0 (anchored) or one by one (floating).

    Case-insensitive patterns get their own gates compiled with ``re.IGNORECASE``. A line
    passes when any gate finds something; it never drops a rule that would match.
    """

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        bounds = {0}
        for r in rules:
            bounds.add(r.min_line_chars)
            bounds.add(r.max_line_chars + 1)
        self.bounds = sorted(bounds)
        self.buckets: dict[int, tuple] = {}

    def _bucket(self, k: int) -> tuple:
        length = self.bounds[k]
        eligible = tuple(r for r in self.rules if r.min_line_chars <= length <= r.max_line_chars)
        starts: dict[str, set[str]] = {}  # first char -> cased anchored literal prefixes
        starts_i: set[str] = set()  # case-insensitive anchored literal prefixes
        anywhere: set[str] = set()
        anywhere_i: set[str] = set()
        anchored_rest: list[str] = []
        floating_rest: list[re.Pattern[str]] = []
        per_rule = []  # (rule, always, first chars at position 0, digit/space at 0, first chars anywhere)
        for r in eligible:
            for p in r.patterns:
                body, at_start = _strip_start_anchor(p.pattern)
                icase = bool(p.flags & re.IGNORECASE)
                lits = _literal_prefixes(body)
                if lits is None:
                    if at_start:
                        anchored_rest.append(f"(?i:{body})" if icase else f"(?:{body})")
                    else:
                        floating_rest.append(p)
                elif at_start and icase:
                    starts_i.update(lits)
                elif at_start:
                    for lit in lits:
                        starts.setdefault(lit[0], set()).add(lit)
                else:
                    (anywhere_i if icase else anywhere).update(lits)
            per_rule.append((r, *rule_gate(r)))

        def alt(lits: set[str], flags: int = 0) -> re.Pattern[str] | None:
            return re.compile("|".join(map(re.escape, sorted(lits))), flags) if lits else None

        entry = (
            eligible,
            {c: tuple(sorted(v)) for c, v in starts.items()},
            alt(starts_i, re.IGNORECASE),
            re.compile("|".join(anchored_rest)) if anchored_rest else None,
            alt(anywhere),
            alt(anywhere_i, re.IGNORECASE),
            tuple(floating_rest),
            _RuleSelector(per_rule),
        )
        self.buckets[k] = entry
        return entry

    def candidates(self, line: str) -> tuple[Rule, ...]:
        if not line:
            return ()
        k = bisect_right(self.bounds, len(line)) - 1
        entry = self.buckets.get(k)
        if entry is None:
            entry = self._bucket(k)
        eligible, starts, starts_i, anchored_rest, anywhere, anywhere_i, floating_rest, selector = entry
        at0 = starts.get(line[0])
        if not (
            (at0 is not None and line.startswith(at0))
            or (anywhere is not None and anywhere.search(line))
            or (anchored_rest is not None and anchored_rest.match(line))
            or (starts_i is not None and starts_i.match(line))
            or (anywhere_i is not None and anywhere_i.search(line))
            or any(p.search(line) for p in floating_rest)
        ):
            return ()
        # some rule may match: keep those whose patterns can start here (first characters)
        return selector.select(line)


class _RuleSelector:
    """The rules (in priority order) whose first characters fit a line, as bit masks.

    A rule is kept when it has no cheap test (``always``), when the line's first
    character can begin one of its start-anchored patterns (a listed character,
    or any digit / space when the pattern begins with ``\\d`` / ``\\s``), or
    when the line contains a character one of which each of its floating
    patterns needs. One set intersection over the line replaces a loop over
    the rules; the tuple for each mask is built once.
    """

    __slots__ = ("rules", "always", "head", "digit", "space", "needed", "needed_chars", "_tuples")

    #: masks whose rule tuple is kept (a handful occur in practice; this bounds memory)
    MAX_REMEMBERED = 4096

    def __init__(self, per_rule: list[tuple[Rule, bool, frozenset[str], bool, bool, frozenset[str]]]) -> None:
        self.rules = tuple(r for r, *_ in per_rule)
        self.always = self.digit = self.space = 0
        self.head: dict[str, int] = {}
        self.needed: dict[str, int] = {}
        for k, (_rule, always, first0, digit0, space0, first_any) in enumerate(per_rule):
            bit = 1 << k
            if always:
                self.always |= bit
            if digit0:
                self.digit |= bit
            if space0:
                self.space |= bit
            for c in first0:
                self.head[c] = self.head.get(c, 0) | bit
            for c in first_any:
                self.needed[c] = self.needed.get(c, 0) | bit
        self.needed_chars = frozenset(self.needed)
        self._tuples: dict[int, tuple[Rule, ...]] = {}

    def select(self, line: str) -> tuple[Rule, ...]:
        head = line[0]
        mask = self.always | self.head.get(head, 0)
        if self.digit and head.isdecimal():
            mask |= self.digit
        if self.space and head.isspace():
            mask |= self.space
        needed = self.needed
        for c in self.needed_chars.intersection(line):
            mask |= needed[c]
        rules = self._tuples.get(mask)
        if rules is None:
            rules = tuple(r for k, r in enumerate(self.rules) if mask >> k & 1)
            if len(self._tuples) < self.MAX_REMEMBERED:
                self._tuples[mask] = rules
        return rules


def rule_gate(rule: Rule) -> tuple[bool, frozenset[str], bool, bool, frozenset[str]]:
    """A necessary condition for ``rule.patterns`` to match a line, read from the patterns:
    ``(always, first0, digit0, space0, needed)``. Unless ``always`` (nothing cheap to
    test), a line can only match when its first character is in ``first0`` (or is a
    digit / space when ``digit0`` / ``space0``), or when it contains a character of
    ``needed``. Used by :class:`_RuleSelector` and by the compiled labeler.
    """
    always = False
    first0: set[str] = set()
    first_any: set[str] = set()
    digit0 = space0 = False
    for p in rule.patterns:
        body, at_start = _strip_start_anchor(p.pattern)
        icase = bool(p.flags & re.IGNORECASE)
        first = _first_chars(body)
        if first is not None and icase and any(c.lower() != c.upper() for c in first[0]):
            first = None  # a cased letter: leave case folding to the regex
        if at_start and first is not None:
            first0 |= first[0]
            digit0 |= first[1]
            space0 |= first[2]
            continue
        needed = _required_chars(body)
        if needed is not None and icase and any(c.lower() != c.upper() for c in needed):
            needed = None
        if needed is None:
            always = True  # nothing cheap to test: the rule is tried on every line
        else:
            first_any |= needed
    return always, frozenset(first0), digit0, space0, frozenset(first_any)


_MAX_PREFIXES = 256


@lru_cache(maxsize=None)
def _literal_prefixes(pattern: str) -> frozenset[str] | None:
    """Non-empty literal strings one of which begins every match of ``pattern`` (matched
    case-sensitively as written), or None when the pattern does not begin with literals."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:  # an inline (?i): its literals are not exact
        return None
    out = _seq_prefixes(list(parsed), whole=False)
    if not out or "" in out:
        return None
    return frozenset(out)  # cached: callers must not be able to change it


def _parsed_items(pattern: str) -> list | None:
    """The parsed items of ``pattern``, or None when it cannot be analysed
    (a parse error, or case-insensitive matching, where listed characters lie)."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    return list(parsed)


@lru_cache(maxsize=None)
def _first_chars(pattern: str) -> tuple[frozenset[str], bool, bool] | None:
    """What the first character of any match of ``pattern`` can be: a set of characters,
    plus whether a decimal digit (``\\d``) or a space (``\\s``) can be; None when unknown
    (or when the pattern can match the empty string)."""
    items = _parsed_items(pattern)
    if items is None:
        return None
    got = _seq_first(items)
    if got is None or got[3]:
        return None
    return frozenset(got[0]), got[1], got[2]


def _seq_first(items: list) -> tuple[set[str], bool, bool, bool] | None:
    """(first chars, digit, space, nullable) of a sequence of regex items, or None."""
    C = _sre_constants
    chars: set[str] = set()
    digit = space = False
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        got = _item_first(op, av)
        if got is None:
            return None
        chars |= got[0]
        digit |= got[1]
        space |= got[2]
        if not got[3]:
            return chars, digit, space, False
    return chars, digit, space, True


def _item_first(op, av) -> tuple[set[str], bool, bool, bool] | None:
    C = _sre_constants
    if op is C.LITERAL:
        return {chr(av)}, False, False, False
    if op is C.IN:
        chars: set[str] = set()
        digit = space = False
        for o, a in av:
            if o is C.LITERAL:
                chars.add(chr(a))
            elif o is C.RANGE and a[1] - a[0] < 64:
                chars.update(chr(c) for c in range(a[0], a[1] + 1))
            elif o is C.CATEGORY and a is C.CATEGORY_DIGIT:
                digit = True
            elif o is C.CATEGORY and a is C.CATEGORY_SPACE:
                space = True
            else:
                return None
        return chars, digit, space, False
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _seq_first(list(sub))
    if op is C.BRANCH:
        chars = set()
        digit = space = nullable = False
        for sub in av[1]:
            got = _seq_first(list(sub))
            if got is None:
                return None
            chars |= got[0]
            digit |= got[1]
            space |= got[2]
            nullable |= got[3]
        return chars, digit, space, nullable
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        lo, _hi, sub = av
        got = _seq_first(list(sub))
        if got is None:
            return None
        return got[0], got[1], got[2], got[3] or lo == 0
    return None


@lru_cache(maxsize=None)
def _required_chars(pattern: str) -> frozenset[str] | None:
    """Characters one of which every match of ``pattern`` contains (read from the first
    item that cannot be skipped and only matches listed characters), or None."""
    items = _parsed_items(pattern)
    if items is None:
        return None
    got = _seq_required(items)
    return frozenset(got) if got else None


def _seq_required(items: list) -> set[str] | None:
    C = _sre_constants
    for op, av in items:
        if op is C.LITERAL:
            return {chr(av)}
        if op is C.IN:
            got = _item_first(op, av)
            if got is not None and not got[1] and not got[2]:
                return got[0]
            continue
        if op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return None
            got = _seq_required(list(sub))
            if got is not None:
                return got
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, _hi, sub = av
            if lo >= 1:
                got = _seq_required(list(sub))
                if got is not None:
                    return got
            continue
        if op is C.BRANCH:
            out: set[str] = set()
            for sub in av[1]:
                got = _seq_required(list(sub))
                if got is None:
                    break
                out |= got
            else:
                return out
            continue
        # anything else (zero-width assertions, any character, negated sets): look further
    return None


def _seq_prefixes(items: list, whole: bool) -> set[str] | None:
    """Literal strings a match of ``items`` begins with. With ``whole``, the full strings
    (None unless every item is literal)."""
    C = _sre_constants
    out = {""}
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: what follows starts at the same place
        alts = _item_literals(op, av)
        if alts is None:
            return None if whole else out
        grown = {a + b for a in out for b in alts}
        if len(grown) > _MAX_PREFIXES:
            return None if whole else out
        out = grown
    return out


def _item_literals(op, av) -> set[str] | None:
    """The complete strings one regex item can match, if it only matches literals."""
    C = _sre_constants
    if op is C.LITERAL:
        return {chr(av)}
    if op is C.IN:
        if len(av) > 16 or any(o is not C.LITERAL for o, _ in av):
            return None
        return {chr(c) for _, c in av}
    if op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _seq_prefixes(list(sub), whole=True)
    if op is C.BRANCH:
        out: set[str] = set()
        for sub in av[1]:
            s = _seq_prefixes(list(sub), whole=True)
            if s is None:
                return None
            out |= s
        return out if len(out) <= _MAX_PREFIXES else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        lo, hi, sub = av
        if hi > 1:
            return None
        s = _seq_prefixes(list(sub), whole=True)
        if s is None:
            return None
        return s | {""} if lo == 0 else s
    return None


@lru_cache(maxsize=None)
def _strip_start_anchor(pattern: str) -> tuple[str, bool]:
    """``pattern`` without its leading ``^`` and True, when the whole pattern is anchored
    at the start (a leading ``^`` and no top-level ``|``); else ``pattern`` and False."""
    if not pattern.startswith("^"):
        return pattern, False
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return pattern, False
    items = list(parsed)
    if not items or items[0][0] is not _sre_constants.AT or items[0][1] is not _sre_constants.AT_BEGINNING:
        return pattern, False
    if any(op is _sre_constants.BRANCH for op, _ in items):
        return pattern, False
    return pattern[1:], True


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


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return _load_cached(str(default_rule_dir()))


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """The rule set of ``directory`` (default: the packaged rules), compiled once and cached.

    The default set is looked up without touching ``importlib.resources``: the
    labeler asks for it once per document.
    """
    if directory is None:
        return _default_rules()
    return _load_cached(str(directory))
