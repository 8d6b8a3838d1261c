"""What the compiled twins (``native/``) share: the module, its switch, and regex parity.

The Rust crate in ``native/`` holds compiled twins of the labeler and the
normalizer; the Python code stays the reference. Both twins take regexes from
the data files, so both need the same answer to two questions: does a pattern
mean the same to Rust's regex engines as to Python's ``re``
(:func:`foreign_syntax`), and which characters do the engines classify
differently (:func:`divergent_chars`, from ``resources/native/engine_divergence.toml``;
a text holding one is handled in Python). ``ZHWB_NATIVE=0`` turns both twins off.
"""

from __future__ import annotations

import os
import re
import re._constants as _sre
import re._parser as _sre_parser
import tomllib
from functools import cache
from importlib import resources
from types import ModuleType

__all__ = ["ENV_VAR", "divergent_chars", "enabled", "foreign_syntax", "native_module"]

#: set to ``0`` to run everything in Python even when the compiled module is installed
ENV_VAR = "ZHWB_NATIVE"


def enabled() -> bool:
    """False when ``ZHWB_NATIVE=0`` is set: then nothing compiled runs."""
    return os.environ.get(ENV_VAR, "1") != "0"


def native_module() -> tuple[ModuleType | None, str]:
    """The compiled module ``zhwb_native`` and ``"ok"``, or None and why it is missing."""
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
