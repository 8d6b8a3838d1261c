"""Loading of the normalizer's data files (``builder/resources/lexicons/*.tsv``).

Why data files: the repairs that depend on context (which wrong word, in which
context, with how much evidence) are facts about the corpus, not about the
code, so they are reviewed, sorted and tested as data. Every file starts with
``# key: value`` header lines (``name``, ``description``, ``columns``); rows
are tab-separated, ``-`` stands for an empty field.

Files are read once per process through :mod:`importlib.resources` and cached.

>>> lexicon = load_lexicon("artifact_groups")
>>> lexicon.columns
('group', 'threshold', 'description')
>>> [row["group"] for row in lexicon.rows]
['swap_fuwu', 'wordconv']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Lexicon", "LexiconError", "lexicon_names", "load_lexicon", "load_pattern", "parse_lexicon"]

_PACKAGE = "builder"
_FOLDER = ("resources", "lexicons")
_HEADER = re.compile(r"#\s*([A-Za-z_ ]+?)\s*:\s*(.*)")


class LexiconError(ValueError):
    """A data file is malformed (missing header, wrong column count, bad order)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One parsed data file: its header fields and its rows as dicts."""

    name: str
    description: str
    columns: tuple[str, ...]
    header: dict[str, str]
    rows: tuple[dict[str, str], ...]
    raw_rows: tuple[tuple[str, ...], ...]


def parse_lexicon(source: str, *, origin: str = "<string>") -> Lexicon:
    """Parse the text of a data file; raise :class:`LexiconError` when malformed.

    >>> lex = parse_lexicon("# name: t\\n# description: d\\n# columns: a<TAB>b\\nx\\t-\\n")
    >>> lex.rows
    ({'a': 'x', 'b': ''},)
    """
    header: dict[str, str] = {}
    raw_rows: list[tuple[str, ...]] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            match = _HEADER.fullmatch(line)
            if match:
                header.setdefault(match.group(1).strip(), match.group(2).strip())
            continue
        raw_rows.append(tuple(line.split("\t")))
    for key in ("name", "description", "columns"):
        if not header.get(key):
            raise LexiconError(f"{origin}: header line '# {key}:' is missing")
    columns = tuple(c.strip() for c in re.split(r"<TAB>|\t", header["columns"]))
    rows: list[dict[str, str]] = []
    for raw in raw_rows:
        if len(raw) != len(columns):
            raise LexiconError(f"{origin}: row {raw!r} has {len(raw)} fields, expected {len(columns)}")
        rows.append({c: ("" if v == "-" else v) for c, v in zip(columns, raw)})
    return Lexicon(
        name=header["name"],
        description=header["description"],
        columns=columns,
        header=header,
        rows=tuple(rows),
        raw_rows=tuple(raw_rows),
    )


def lexicon_names() -> list[str]:
    """Names (file stems) of every data file shipped with the package."""
    folder = resources.files(_PACKAGE).joinpath(*_FOLDER)
    return sorted(p.name[: -len(".tsv")] for p in folder.iterdir() if p.name.endswith(".tsv"))


@cache
def load_lexicon(name: str) -> Lexicon:
    """The data file ``name`` (without ``.tsv``), parsed once per process."""
    path = resources.files(_PACKAGE).joinpath(*_FOLDER, f"{name}.tsv")
    return parse_lexicon(path.read_text(encoding="utf-8"), origin=f"{name}.tsv")


@cache
def load_pattern(name: str, flags: int = 0) -> re.Pattern[str]:
    """The compiled regular expression ``name`` from ``patterns.tsv``.

    >>> bool(load_pattern("pinyin_syllable").fullmatch("fā"))
    True
    """
    for row in load_lexicon("patterns").rows:
        if row["name"] == name:
            return re.compile(row["pattern"], flags)
    raise KeyError(f"no pattern named {name!r} in patterns.tsv")
