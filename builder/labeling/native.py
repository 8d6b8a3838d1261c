"""The compiled labeler, when it is installed: the passes of the Python labeler, in Rust.

The Python labeler (:func:`builder.labeling.labeler.label_in_python`) is the
reference. The Rust crate in ``native/`` runs the same passes over the same rules
and returns the same spans; ``tests/test_native_labeler.py`` holds the two to
identical output on the seeds, the label cases, the blind batch, a generated
corpus and Hypothesis mixtures of their lines. It exists for speed only: labeling
is about half of the per-document core, and the Rust passes are several times
faster.

It is optional. ``pip install ./native`` builds it (Rust toolchain needed; see the
README); without it, or with ``ZHWB_NATIVE=0`` in the environment, everything runs
in Python with the same results. For one rule set it is used when:

* the module imports, and every pattern keeps to the syntax both engines read the
  same way (:func:`foreign_syntax`) and compiles in the Rust engine (otherwise
  :func:`native_status` says why, and the whole rule set stays in Python);
* the text holds none of the characters on which the two regex engines disagree
  (``resources/native/engine_divergence.toml``), and none that Rust cannot hold
  (lone surrogates);
* the engine raises nothing (fancy-regex has a backtracking limit; Python has none).

A text that fails a condition is labeled in Python; :attr:`NativeLabeler.fallbacks`
counts why.
"""

from __future__ import annotations

import os
import re
import re._constants as _sre
import re._parser as _sre_parser
import tomllib
from collections import Counter
from functools import cache
from importlib import resources
from types import ModuleType
from typing import Any

from builder.labeling.line_shapes import load_line_shapes
from builder.labeling.rules import Rule, RuleSet, rule_gate
from builder.labels import Span

__all__ = [
    "ENV_VAR",
    "NativeLabeler",
    "divergent_chars",
    "foreign_syntax",
    "native_labeler",
    "native_status",
    "rule_spec",
]

#: set to ``0`` to label in Python even when the compiled labeler is installed
ENV_VAR = "ZHWB_NATIVE"
_CACHE_KEY = "native"


def _module() -> tuple[ModuleType | None, str]:
    try:
        import zhwb_native
    except ImportError:
        return None, "not installed (pip install ./native)"
    return zhwb_native, "ok"


_ITEMS = {
    _sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY, _sre.BRANCH, _sre.SUBPATTERN,
    _sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.ASSERT, _sre.ASSERT_NOT, _sre.AT,
}
_CLASS_ITEMS = {_sre.LITERAL, _sre.RANGE, _sre.NEGATE, _sre.CATEGORY}
_CATEGORIES = {_sre.CATEGORY_DIGIT, _sre.CATEGORY_NOT_DIGIT, _sre.CATEGORY_SPACE, _sre.CATEGORY_NOT_SPACE}
_ANCHORS = {_sre.AT_BEGINNING, _sre.AT_END, _sre.AT_BEGINNING_STRING}
#: inside a character class the Rust engine reads these as nesting or set operations
_CLASS_SYNTAX = re.compile(r"\[|&&|--|~~")


def foreign_syntax(pattern: str) -> str | None:
    """Why ``pattern`` may mean something else to the Rust engine, or None when it keeps to
    the syntax both read alike: literals, classes of literals and ranges, ``\\d \\s`` and
    their negations, ``.``, ``^ $ \\A``, groups, alternation, greedy and lazy repeats, and
    look-arounds; a leading ``(?i)`` at most. Word classes and boundaries, back-references,
    conditionals, atomic groups, scoped or verbose flags, and ``[`` ``&&`` ``--`` ``~~``
    inside a class are refused (``[[:alpha:]]`` is a set of punctuation and letters to Python, a POSIX
    class to Rust).

    >>> foreign_syntax(r"^(原创|精品)[^。]{0,12}\\d$") is None
    True
    >>> foreign_syntax(r"(?P<w>联系)(?P=w)")
    'back-reference or conditional'
    """
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error as exc:
        return f"does not parse: {exc}"
    if parsed.state.flags & ~(re.UNICODE | re.IGNORECASE):
        return "flags other than (?i)"
    for body in _class_bodies(pattern):
        if _CLASS_SYNTAX.search(body):
            return "'[', '&&', '--' or '~~' inside a character class"
    return _foreign_items(list(parsed))


def _class_bodies(pattern: str) -> list[str]:
    """The raw text inside each ``[...]`` of ``pattern`` (escapes removed)."""
    bodies: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            body = []
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\":
                    j += 2
                    body.append(" ")
                    continue
                body.append(pattern[j])
                j += 1
            bodies.append("".join(body))
            i = j + 1
            continue
        i += 1
    return bodies


def _foreign_items(items: list) -> str | None:
    for op, av in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            return "back-reference or conditional"
        if op not in _ITEMS:
            return f"unsupported construct {op}"
        if op is _sre.AT and av not in _ANCHORS:
            return f"anchor {av} (word boundaries and \\Z read differently)"
        if op is _sre.IN:
            for o, a in av:
                if o not in _CLASS_ITEMS or (o is _sre.CATEGORY and a not in _CATEGORIES):
                    return f"class item {o} {a}"
        elif op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                return "scoped flags"
            why = _foreign_items(list(sub))
            if why:
                return why
        elif op is _sre.BRANCH:
            for sub in av[1]:
                why = _foreign_items(list(sub))
                if why:
                    return why
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            why = _foreign_items(list(av[2]))
            if why:
                return why
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            why = _foreign_items(list(av[1]))
            if why:
                return why
    return None


def rule_spec(rule: Rule) -> dict[str, Any]:
    """What the Rust side needs of one rule: patterns as source text, guards, and the
    scope's parameters flattened in the order ``native/src/lib.rs`` reads them."""
    from builder.labeling.labeler import PageStartParams, SplitTitleParams  # it imports this module

    ints: list[int] = []
    floats: list[float] = []
    text = ""
    if rule.scope == "split_title":
        st = SplitTitleParams.of(rule)
        ints = [st.min_lines, st.max_lines, st.lookahead, st.min_matched, st.max_target_chars, st.max_unmatched]
        floats = [st.min_coverage]
        text = st.target_forbidden
    elif rule.scope == "page_start":
        ps = PageStartParams.of(rule)
        ints = [ps.min_prev_chars, ps.min_breaks]
        text = ps.terminal_chars
    flags = {p.flags & re.IGNORECASE for p in rule.patterns}
    always, first0, digit0, space0, needed = rule_gate(rule)
    return {
        "scope": rule.scope,
        "label": rule.label,
        "id": rule.id,
        "patterns": [p.pattern for p in rule.patterns],
        "exclude": [p.pattern for p in rule.exclude],
        "continue_patterns": [p.pattern for p in rule.continue_patterns],
        "end_patterns": [p.pattern for p in rule.end_patterns],
        "ignore_case": bool(flags - {0}),
        "min_block_lines": rule.min_block_lines,
        "max_block_lines": rule.max_block_lines,
        "min_line_chars": rule.min_line_chars,
        "max_line_chars": rule.max_line_chars,
        "int_params": ints,
        "float_params": floats,
        "str_param": text,
        "gate_always": always,
        "gate_first": "".join(sorted(first0)),
        "gate_digit": digit0,
        "gate_space": space0,
        "gate_needed": "".join(sorted(needed)),
    }


@cache
def divergent_chars() -> dict[str, frozenset[str]]:
    """``construct → characters`` from ``engine_divergence.toml``."""
    path = resources.files("builder") / "resources" / "native" / "engine_divergence.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if set(data) != {"construct"}:
        raise ValueError(f"engine_divergence.toml: unexpected keys {sorted(set(data) - {'construct'})}")
    out: dict[str, frozenset[str]] = {}
    for entry in data["construct"]:
        if set(entry) != {"pattern", "chars", "why"} or not str(entry["why"]).strip():
            raise ValueError(f"engine_divergence.toml: each construct needs pattern, chars, why: {entry}")
        chars = entry["chars"]
        if not chars or any(len(c) != 1 for c in chars) or chars != sorted(set(chars)):
            raise ValueError(f"engine_divergence.toml: {entry['pattern']}: chars must be single, sorted, unique")
        out[str(entry["pattern"])] = frozenset(chars)
    return out


@cache
def _unsafe_text() -> re.Pattern[str]:
    chars = sorted(set().union(*divergent_chars().values()))
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "\ud800-\udfff]")


@cache
def _python_char_classes() -> tuple[str, str]:
    """Non-ASCII characters for which ``str.isspace`` / ``str.isdigit`` hold: Rust's
    definitions differ, so the native side is told Python's."""
    spaces = "".join(c for c in map(chr, range(0x80, 0x3001)) if c.isspace())
    digits = "".join(c for c in map(chr, range(0x80, 0x110000)) if c.isdigit())
    return spaces, digits


class NativeLabeler:
    """One rule set compiled in Rust. :meth:`label` returns None when the text must be
    labeled in Python (see the module docstring); :attr:`fallbacks` counts why."""

    def __init__(self, rules: RuleSet, module: ModuleType) -> None:
        from builder.labeling.labeler import PAGE_MARKER, TERMINAL_CHARS  # it imports this module

        self.rules = rules.rules
        spaces, digits = _python_char_classes()
        self._native = module.Labeler(
            [rule_spec(r) for r in self.rules],
            spaces,
            digits,
            TERMINAL_CHARS,
            "".join(sorted(load_line_shapes().punct_or_space)),
            PAGE_MARKER,
        )
        self._unsafe = _unsafe_text()
        self.fallbacks: Counter[str] = Counter()

    def label(self, text: str) -> list[Span] | None:
        if self._unsafe.search(text):
            self.fallbacks["engines disagree on a character of the text"] += 1
            return None
        try:
            found = self._native.label(text)
        except RuntimeError as exc:
            self.fallbacks[f"native engine error: {exc}"] += 1
            return None
        rules = self.rules
        return [Span(s, e, rules[k].label, rules[k].id) for s, e, k in found]


def _build(rules: RuleSet) -> tuple[NativeLabeler | None, str]:
    module, why = _module()
    if module is None:
        return None, why
    for rule in rules:
        for p in rule.patterns + rule.exclude + rule.continue_patterns + rule.end_patterns:
            foreign = foreign_syntax(p.pattern)
            if foreign:
                return None, f"rules do not compile natively: {rule.id}: {p.pattern!r}: {foreign}"
    try:
        return NativeLabeler(rules, module), "ok"
    except ValueError as exc:  # a pattern the Rust engine does not accept
        return None, f"rules do not compile natively: {exc}"


def _cached(rules: RuleSet) -> tuple[NativeLabeler | None, str]:
    got = rules._plans.get(_CACHE_KEY)  # the rule set's per-instance cache
    if got is None:
        got = rules._plans[_CACHE_KEY] = _build(rules)
    return got


def native_labeler(rules: RuleSet) -> NativeLabeler | None:
    """The compiled labeler of ``rules``, or None when it cannot be used for them."""
    if os.environ.get(ENV_VAR, "1") == "0":
        return None
    return _cached(rules)[0]


def native_status(rules: RuleSet) -> str:
    """``"ok"`` when :func:`native_labeler` gives a labeler for ``rules``, else why not."""
    if os.environ.get(ENV_VAR, "1") == "0":
        return f"disabled by {ENV_VAR}=0"
    return _cached(rules)[1]
