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

import re
from collections import Counter
from functools import cache
from types import ModuleType
from typing import Any

from builder.labeling.line_shapes import load_line_shapes
from builder.labeling.rules import Rule, RuleSet, rule_gate
from builder.labels import Span
from builder.native_engine import (
    ENV_VAR,
    divergent_chars,
    enabled,
    foreign_syntax,
    native_module,
)

__all__ = [
    "ENV_VAR",
    "NativeLabeler",
    "divergent_chars",
    "foreign_syntax",
    "native_labeler",
    "native_status",
    "rule_spec",
]

_CACHE_KEY = "native"


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
        self._native.set_divergent("".join(sorted(set().union(*divergent_chars().values()))))
        self.fallbacks: Counter[str] = Counter()

    def label(self, text: str) -> list[Span] | None:
        try:
            found = self._native.label(text)
        except UnicodeEncodeError:  # a lone surrogate: Rust strings cannot hold one
            self.fallbacks["a lone surrogate"] += 1
            return None
        except RuntimeError as exc:
            self.fallbacks[f"native engine error: {exc}"] += 1
            return None
        if found is None:
            self.fallbacks["engines disagree on a character of the text"] += 1
            return None
        rules = self.rules
        return [Span(s, e, rules[k].label, rules[k].id) for s, e, k in found]


def _build(rules: RuleSet) -> tuple[NativeLabeler | None, str]:
    module, why = native_module()
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
    if not enabled():
        return None
    return _cached(rules)[0]


def native_status(rules: RuleSet) -> str:
    """``"ok"`` when :func:`native_labeler` gives a labeler for ``rules``, else why not."""
    if not enabled():
        return f"disabled by {ENV_VAR}=0"
    return _cached(rules)[1]
