"""Loading of ``builder/resources/lexicons/line_shapes.toml``: what a line of text looks like.

The labeler and the corpus signal decide some questions by the shape of a line
alone: does it end a sentence, is what an inline rule left of it only
punctuation, is it a heading or a closing signature that belongs to the
article. The characters and patterns behind those decisions are facts about
Chinese web text, so they live in a data file that is reviewed and tested
(``tests/test_line_shapes.py``); this module only parses and checks it.

Keys (all required, no others allowed):

``terminal_chars``    characters that end a sentence (a string, order kept)
``punct_or_space``    punctuation and spaces a claimed line may keep
``colon_chars``       colons: a line ending in one introduces what follows
``content_patterns``  regexes of lines that are content even when repeated

The file is read once per process through :mod:`importlib.resources` and cached.

>>> shapes = load_line_shapes()
>>> "。" in shapes.terminal_chars and "：" in shapes.colon_chars
True
>>> bool(shapes.content_pattern.search("一、总则"))
True
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["FILE_NAME", "LineShapes", "LineShapesError", "load_line_shapes", "parse_line_shapes"]

FILE_NAME = "line_shapes.toml"
_PACKAGE = "builder"
_FOLDER = ("resources", "lexicons")
_CHAR_KEYS = ("terminal_chars", "punct_or_space", "colon_chars")
_KEYS = frozenset(_CHAR_KEYS + ("content_patterns",))
_HEADER = re.compile(r"#\s*(name|description)\s*:\s*(\S.*)")


class LineShapesError(ValueError):
    """The line-shapes file is malformed (unknown or missing key, empty value, bad regex, ...)."""


@dataclass(frozen=True, slots=True)
class LineShapes:
    """The parsed file. ``content_pattern`` is ``content_patterns`` as one compiled alternation."""

    terminal_chars: str
    punct_or_space: frozenset[str]
    colon_chars: str
    content_patterns: tuple[str, ...]
    content_pattern: re.Pattern[str]


def _chars(data: dict[str, Any], key: str, origin: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise LineShapesError(f"{origin}: '{key}' must be a non-empty string")
    repeated = sorted({c for c in value if value.count(c) > 1})
    if repeated:
        raise LineShapesError(f"{origin}: '{key}' repeats {repeated}")
    return value


def parse_line_shapes(source: str, *, origin: str = "<string>") -> LineShapes:
    """Parse and check the text of a line-shapes file; raise :class:`LineShapesError` when malformed.

    The checks are the schema: a header naming the file and saying what it is,
    known keys only, every key present, character sets non-empty without a
    repeated character, patterns non-empty strings that compile (alone, and
    together as the alternation the corpus signal uses). They run at load
    time, so a bad edit fails the first import, not a build hours later.
    """
    header = {m.group(1): m.group(2) for m in map(_HEADER.fullmatch, source.splitlines()) if m}
    for field in ("name", "description"):
        if field not in header:
            raise LineShapesError(f"{origin}: header line '# {field}:' is missing")
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as err:
        raise LineShapesError(f"{origin}: not valid TOML: {err}") from err
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise LineShapesError(f"{origin}: unknown keys {unknown}")
    missing = sorted(_KEYS - set(data))
    if missing:
        raise LineShapesError(f"{origin}: missing keys {missing}")
    terminal, punct, colons = (_chars(data, key, origin) for key in _CHAR_KEYS)
    patterns = data["content_patterns"]
    if not isinstance(patterns, list) or not patterns:
        raise LineShapesError(f"{origin}: 'content_patterns' must be a non-empty list")
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise LineShapesError(f"{origin}: 'content_patterns' has an empty or non-string entry")
        try:
            re.compile(pattern)
        except re.error as err:
            raise LineShapesError(f"{origin}: content pattern {pattern!r} does not compile: {err}") from err
        if _NUMBERED_BACKREFERENCE.search(pattern):
            # group numbers shift once the patterns are joined into one alternation
            raise LineShapesError(f"{origin}: content pattern {pattern!r} uses a numbered backreference; name the group")
    if len(set(patterns)) != len(patterns):
        raise LineShapesError(f"{origin}: 'content_patterns' repeats a pattern")
    # each pattern in its own group, so that a pattern's inline flags cannot
    # leak into the others (Python refuses them there: a clear error)
    joined = "|".join(f"(?:{p})" for p in patterns)
    try:
        content_pattern = re.compile(joined)
    except re.error as err:
        raise LineShapesError(f"{origin}: content patterns do not compile as one alternation: {err}") from err
    return LineShapes(
        terminal_chars=terminal,
        punct_or_space=frozenset(punct),
        colon_chars=colons,
        content_patterns=tuple(patterns),
        content_pattern=content_pattern,
    )


_NUMBERED_BACKREFERENCE = re.compile(r"(?<!\\)\\[1-9]")


@cache
def load_line_shapes() -> LineShapes:
    """The packaged ``line_shapes.toml``, parsed and checked once per process."""
    path = resources.files(_PACKAGE).joinpath(*_FOLDER, FILE_NAME)
    return parse_line_shapes(path.read_text(encoding="utf-8"), origin=FILE_NAME)
