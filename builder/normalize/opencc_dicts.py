"""Which characters an OpenCC configuration can change, read from its own dictionaries.

Why: OpenCC converts by matching dictionary keys (longest first) and replacing
each match with the first of its values. A match can only change the text if its
key has a value that differs from it, and then the key holds a character that
differs from the value at its position (or the value has another length, and then
any character of the key counts). The set of those characters is the *changing
set*: a line without any of them comes out of OpenCC unchanged. No match can hold a
character that is in no key (a line break, most punctuation, most simplified
characters), so a text converts piece by piece between such characters; the
compiled normalizer uses both facts to send OpenCC only the pieces that can
change (7% of the characters of the benchmark corpus, whose documents are
mostly simplified with traditional passages).

The dictionaries are read with the ``opencc_dict`` tool that ships with the
``opencc`` wheel, for the configuration in use, so the set always matches the
installed OpenCC. When the tool or a file is missing, or an entry breaks the
assumptions above, :func:`changing_chars` returns None and every text goes to
OpenCC whole, as before.

>>> chars = changing_chars("t2s")
>>> chars is None or ("黨" in chars and "党" not in chars)
True
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import opencc

__all__ = ["changing_chars", "character_sets", "config_path", "dictionary_files", "extension_file"]


def _tool() -> Path:
    return Path(opencc.__file__).resolve().parent / "clib" / "bin" / "opencc_dict"


def _dict_entries(node: object) -> Iterator[dict]:
    """Every ``{"type": ..., "file": ...}`` dictionary in a configuration's JSON."""
    if isinstance(node, dict):
        if "file" in node and "type" in node:
            yield node
        for value in node.values():
            yield from _dict_entries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dict_entries(value)


def config_path(config: str) -> Path | None:
    """The JSON file the OpenCC binding opens for ``config`` (``t2s``, ``t2s.json``, a path),
    resolved the binding's way (a file of that name in the working folder comes first),
    or None when there is none."""
    from builder.normalize.t2s import converter  # it imports this module's package

    try:
        resolved = Path(converter(config).config)
    except Exception:  # noqa: BLE001 - the binding raises its own error types
        return None
    return resolved if resolved.is_file() else None


def extension_file() -> str | None:
    """The file of the loaded OpenCC extension module (it also exports OpenCC's C API)."""
    module = getattr(opencc, "opencc_clib", None)
    return getattr(module, "__file__", None)


def dictionary_files(config: str) -> list[Path] | None:
    """The dictionary files the configuration ``config`` reads (next to its JSON, where
    OpenCC looks for them), or None when the configuration cannot be found or names a
    kind of dictionary this module cannot read."""
    path = config_path(config)
    if path is None:
        return None
    entries = list(_dict_entries(json.loads(path.read_text(encoding="utf-8"))))
    if any(e["type"] not in ("ocd2", "text") for e in entries):
        return None
    return [path.parent / e["file"] for e in entries]


def _read_text_dictionary(path: Path) -> list[tuple[str, list[str]]]:
    entries = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        key, _, values = line.partition("\t")
        entries.append((key, values.split(" ")))
    return entries


def changing_chars(config: str) -> frozenset[str] | None:
    """The changing set of ``config`` (see the module docstring), or None when it cannot be
    read, in which case nothing may be skipped."""
    sets = character_sets(config)
    return None if sets is None else sets[0]


@cache
def character_sets(config: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """``(changing, keyed)`` for ``config``: the changing set, and every character that
    occurs in some dictionary key. A character outside the keyed set can be in no match,
    so OpenCC's matches never cross it: text converts piece by piece between such
    characters (in Chinese text: punctuation and most simplified characters). None when
    the dictionaries cannot be read."""
    files = dictionary_files(config)
    if not files or not all(f.is_file() for f in files):
        return None
    chars: set[str] = set()
    keyed: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="zhwb-opencc-") as tmp:
        for k, path in enumerate(files):
            if path.suffix == ".txt":
                text_path = path
            else:
                text_path = Path(tmp) / f"{k}.txt"
                try:
                    subprocess.run(
                        [os.fspath(_tool()), "-i", os.fspath(path), "-o", os.fspath(text_path),
                         "-f", "ocd2", "-t", "text"],
                        check=True, capture_output=True, timeout=60,
                    )
                except (OSError, subprocess.SubprocessError):
                    return None
            for key, values in _read_text_dictionary(text_path):
                if not key or "\n" in key or any("\n" in v for v in values):
                    return None
                keyed.update(key)
                for value in values:
                    if len(value) != len(key):
                        chars.update(key)
                    else:
                        chars.update(a for a, b in zip(key, value) if a != b)
    return frozenset(chars), frozenset(keyed)
