"""The compiled normalizer, when it is installed: the default pipeline, in Rust.

The Python pipeline (:func:`builder.normalize.pipeline.normalize_in_python`) is
the reference. ``native/src/normalize.rs`` runs the same steps in the same order,
on code points, and returns the same text, alignment and edit counts;
``tests/test_native_normalizer.py`` holds the two to identical results on the
seeds, the normalization cases, a generated corpus and Hypothesis texts. It
exists for speed only: normalization was about two thirds of a build.

It is used when the module imports (see :mod:`builder.native_engine`), every
step of the configuration is on, and the data patterns keep to syntax both
regex engines read alike. OpenCC, and ftfy when the mojibake hint matches, are
called back in Python. It hands a text back to Python (counted in
:attr:`NativeNormalizer.fallbacks`) when OpenCC changes the length of a line,
when a repair is pending after the first round, or when the text holds a
character on which the engines disagree.

>>> from builder.normalize.config import DEFAULT
>>> status = native_status(DEFAULT)
>>> status == "ok" or status.startswith(("not installed", "disabled"))
True
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parser
from collections import Counter
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from builder.alignment import Alignment
from builder.native_engine import divergent_chars, enabled, foreign_syntax, native_module
from builder.normalize import artifacts, charclass, gbk_mojibake, mojibake, opencc_dicts, pinyin, punctuation, t2s
from builder.normalize.config import NormalizerConfig
from builder.normalize.families import EDIT_FAMILIES
from builder.normalize.lexicon import load_lexicon

if TYPE_CHECKING:
    from builder.normalize.pipeline import NormalizedText

__all__ = ["NativeNormalizer", "native_normalizer", "native_status", "normalizer_spec"]

_STEP_FLAGS = ("line_endings_and_controls", "mojibake", "gbk_mojibake", "t2s", "pinyin", "artifacts",
               "punctuation", "whitespace")


def _pattern(name: str) -> str:
    return next(r["pattern"] for r in load_lexicon("patterns").rows if r["name"] == name)


def _list_marker_shape() -> tuple[int, str]:
    """The ``list_numeral`` pattern as the Rust side reads it: the most numerals in a
    marker, and the characters its look-behind accepts before one (derived from the
    pattern, once, as :func:`punctuation.list_numerals` derives the numerals)."""
    pattern = re.compile(_pattern("list_numeral"))
    numeral = min(punctuation.list_numerals())
    if not pattern.match(numeral + "."):
        raise ValueError("list_numeral does not match a marker at the start of a text")
    most = max(k for k in range(1, 10) if pattern.fullmatch(numeral * k + "."))
    before = "".join(
        chr(c) for c in range(0x10000)
        if not 0xD800 <= c < 0xE000 and pattern.match(chr(c) + numeral + ".", 1)
    )
    return most, before


def _anchors(pattern: str) -> bool:
    """True when ``pattern`` holds ``^`` or ``\\A`` (a context is cut out of the text, so
    they would match at the cut)."""
    def walk(items: Any) -> bool:
        for op, av in items:
            if op is _sre.AT and av in (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING):
                return True
            if op is _sre.SUBPATTERN and walk(av[3]):
                return True
            if op is _sre.BRANCH and any(walk(b) for b in av[1]):
                return True
            if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and walk(av[2]):
                return True
            if op in (_sre.ASSERT, _sre.ASSERT_NOT):
                return True  # look-around: the regex crate has none
        return False
    return walk(_sre_parser.parse(pattern))


def _required_sets(pattern: str) -> list[str]:
    """Sets of characters of which every match of ``pattern`` holds one each: the
    literals and plain classes of its top-level sequence (a text missing one set
    cannot match, so the regex is skipped)."""
    sets: list[str] = []
    for op, av in _sre_parser.parse(pattern):
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1 and len(av[2]) == 1:
            op, av = list(av[2])[0]
        if op is _sre.LITERAL:
            sets.append(chr(av))
        elif op is _sre.IN and all(o in (_sre.LITERAL, _sre.RANGE) for o, _ in av):
            chars = []
            for o, a in av:
                chars.extend([chr(a)] if o is _sre.LITERAL else map(chr, range(a[0], a[1] + 1)))
            sets.append("".join(sorted(set(chars))))
    return sets


def _starts_with_digit(pattern: str) -> bool:
    """True when every match starts with an ASCII digit. The Rust regex crate then
    prefilters on digits, which web text is full of (dates, counters, page numbers),
    and its plain DFA scan is twice as fast (0.145 s against 0.077 s for
    ``reference_issue`` over the 50 MB corpus)."""
    sets = _literal_prefix_sets(pattern)
    return bool(sets) and set(sets[0]) <= set("0123456789")


def _literal_prefix_sets(pattern: str) -> list[str]:
    """The sets of the first characters of every match, as far as the pattern starts with
    single characters (literals or plain classes): a text where no run of characters
    fits them cannot match, and skips the regex."""
    sets: list[str] = []
    for op, av in _sre_parser.parse(pattern):
        repeated = op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT)
        if repeated:  # x{n,m} with n >= 1: its first character is one of x's; then stop
            if av[0] < 1 or len(av[2]) != 1:
                break
            op, av = list(av[2])[0]
        if op is _sre.LITERAL:
            sets.append(chr(av))
        elif op is _sre.IN and all(o in (_sre.LITERAL, _sre.RANGE) for o, _ in av):
            chars: list[str] = []
            for o, a in av:
                chars.extend([chr(a)] if o is _sre.LITERAL else map(chr, range(a[0], a[1] + 1)))
            sets.append("".join(sorted(set(chars))))
        else:
            break
        if repeated:
            break
    return sets


@cache
def _gb2312() -> str:
    """Every character GB2312 encodes (the GBK repair accepts only those)."""
    out = []
    for c in map(chr, range(0x10000)):
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        out.append(c)
    return "".join(out)


def normalizer_spec(config: NormalizerConfig) -> dict[str, Any]:
    """What ``native/src/normalize.rs`` needs, as a dict; ValueError when a data pattern
    may read differently there."""
    rows = load_lexicon("conversion_artifacts").rows
    specs = []
    for row in rows:
        spec = {"wrong": row["wrong"], "right": row["right"], "family": row["family"],
                "group": row["group"], "weight": float(row["weight"])}
        for side, key in (("left", "left_context"), ("right_context", "right_context")):
            source = row[key]
            negated = source.startswith("!")
            body = source[1:] if negated else source
            if body and (foreign_syntax(body) or _anchors(body)):
                raise ValueError(f"artifact context {source!r} of {row['wrong']!r} may read differently in Rust")
            spec[side] = body
            spec[f"{side}_negated" if side == "left" else "right_negated"] = negated
        specs.append(spec)
    for name in ("pinyin_syllable", "url", "reference_issue", "reference_tag", "mojibake_hint"):
        why = foreign_syntax(_pattern(name))
        if why:
            raise ValueError(f"pattern {name}: {why}")
    most, before = _list_marker_shape()
    opencc_sets = opencc_dicts.character_sets(config.opencc_config)
    config_file = opencc_dicts.config_path(config.opencc_config)
    members = {c: tuple(c.encode("gbk")) for c in gbk_mojibake.member_chars()}
    return {
        "families": list(EDIT_FAMILIES),
        "han": charclass.HAN,
        "cjk_open": charclass.CJK_OPEN,
        "cjk_close": charclass.CJK_CLOSE,
        "cjk_punct": charclass.CJK_PUNCT,
        "inline_space": charclass.INLINE_SPACE,
        "python_spaces": "".join(c for c in map(chr, range(0x3001)) if c.isspace()),
        "mojibake_hint": _pattern("mojibake_hint"),
        "mojibake_hint_prefix": _literal_prefix_sets(_pattern("mojibake_hint")),
        "gbk_lead": gbk_mojibake.lead_chars(),
        "gbk_members": members,
        "gbk_one_way": "".join(c for c in members if c.encode("gbk").decode("gbk") != c),
        "gb2312": _gb2312(),
        "max_gbk_run": config.max_gbk_run,
        "pinyin_syllable": _pattern("pinyin_syllable"),
        "pinyin_gate": pinyin.TONE_MARKS,
        "lost": pinyin.LOST,
        "url": _pattern("url"),
        "reference_issue": _pattern("reference_issue"),
        "reference_tag": _pattern("reference_tag"),
        "reference_needs": [_required_sets(_pattern("reference_issue")), _required_sets(_pattern("reference_tag"))],
        "reference_unfiltered": [_starts_with_digit(_pattern("reference_issue")), _starts_with_digit(_pattern("reference_tag"))],
        "list_numerals": "".join(sorted(punctuation.list_numerals())),
        "list_marker_max": most,
        "list_marker_before": before,
        "list_marker_spaces": punctuation.MARKER_SPACES,
        "full_width": dict(punctuation.FULL_WIDTH),
        "artifacts": specs,
        "thresholds": {
            r["group"]: float(r["threshold"]) * config.evidence_scale
            for r in load_lexicon("artifact_groups").rows
        },
        "left_window": artifacts.LEFT_WINDOW,
        "divergent": "".join(sorted(set().union(*divergent_chars().values()))),
        "t2s_changing": None if opencc_sets is None else "".join(sorted(opencc_sets[0])),
        "t2s_keyed": None if opencc_sets is None else "".join(sorted(opencc_sets[1])),
        "opencc_library": opencc_dicts.extension_file(),
        "opencc_config_path": None if config_file is None else str(config_file),
    }


def _mojibake_edits(text: str) -> list[tuple[int, int, str, str]]:
    """The ftfy step as the Rust side calls it (only when its cheap check finds a candidate)."""
    return [(e.start, e.end, e.replacement, e.family) for e in mojibake.find_edits(text)]


class NativeNormalizer:
    """The pipeline of one configuration, compiled. :meth:`normalize` returns None when
    the text must be normalized in Python; :attr:`fallbacks` counts why."""

    def __init__(self, config: NormalizerConfig, module: ModuleType) -> None:
        convert = t2s.converter(config.opencc_config).convert
        self._native = module.Normalizer(normalizer_spec(config), convert, _mojibake_edits)
        self.fallbacks: Counter[str] = Counter()

    def normalize(self, raw: str) -> NormalizedText | None:
        from builder.normalize.pipeline import NormalizedText  # it imports this module

        got, why = self._native.normalize(raw)
        if got is None:
            self.fallbacks[why] += 1
            return None
        text, text_offsets, raw_offsets, counts = got
        edit_counts = dict.fromkeys(EDIT_FAMILIES, 0)
        edit_counts.update(counts)
        return NormalizedText(raw, text, Alignment(text_offsets, raw_offsets), edit_counts)


@cache
def _build(config: NormalizerConfig) -> tuple[NativeNormalizer | None, str]:
    module, why = native_module()
    if module is None:
        return None, why
    off = [flag for flag in _STEP_FLAGS if not getattr(config, flag)]
    if off:
        return None, f"only the full pipeline is compiled (off: {', '.join(off)})"
    if not hasattr(module, "Normalizer"):
        return None, "the installed module predates the compiled normalizer (reinstall ./native)"
    try:
        return NativeNormalizer(config, module), "ok"
    except ValueError as exc:
        return None, f"data patterns do not compile natively: {exc}"
    except TypeError as exc:  # the module does not read this spec (built from other sources)
        return None, f"the installed module does not match this package (reinstall ./native): {exc}"


def native_normalizer(config: NormalizerConfig) -> NativeNormalizer | None:
    """The compiled pipeline for ``config``, or None when it cannot be used."""
    if not enabled():
        return None
    return _build(config)[0]


def native_status(config: NormalizerConfig) -> str:
    """``"ok"`` when :func:`native_normalizer` gives a normalizer for ``config``, else why not."""
    if not enabled():
        return "disabled by ZHWB_NATIVE=0"
    return _build(config)[1]
