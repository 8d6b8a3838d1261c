"""Second pass over a corpus: lines repeated across many documents of one source.

Boilerplate of a site (its menus, notices, footers) repeats verbatim in many of
its documents while the articles differ. Pass 1 (:meth:`RepeatedLineSignal.observe`)
counts, per source, in how many documents each normalized line occurs; pass 2
(:meth:`RepeatedLineSignal.apply`) labels the unlabeled lines that occur in at least
``threshold`` documents.

Memory: only 8-byte BLAKE2b hashes of lines are kept (never the lines), at most
``max_hashes_per_source`` per source. **Eviction policy: none — once the table of a
source is full, new hashes are ignored** (lines already counted keep counting).
Template lines appear in the first documents of a source, so they are the ones kept;
an ignored line is simply never labeled by this signal (a miss, never a false
positive). ``dropped`` counts the ignored observations per source.

A line counts as repeated when it occurs in at least ``threshold`` documents of the
source *and* in at least ``min_fraction`` of them (default 0.2: template chrome is on
nearly every page, while a title or heading shared by a few articles of a large
source is not); nothing is labeled before ``min_documents`` documents were seen.

Conservative by design (a wrong removal costs more than a miss): a repeated line is
only labeled when it is short (``max_line_chars``), is not sentence-like (does not end
in terminal punctuation or a colon unless a rule recognises it), is not a signature or date closing
a document (…办公室, …委员会, 2023年5月), and does not look like an article heading
(``一、``, ``（二）``, ``1.1``, 参考文献, 摘要, 关键词, 作者简介 …). Its label is the category
of the first rule whose pattern matches the line alone, recorded as rule
``corpus.repeated_line:<rule id>`` (the signal found it, that rule named it);
otherwise ``site_notice`` with rule ``corpus.repeated_line``: a line that a site repeats on many pages and no
rule explains is the site's own chrome (menus, notices, template text), which the
spec files under ``site_notice``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from builder.labeling.labeler import TERMINAL_CHARS, split_lines
from builder.labeling.line_shapes import load_line_shapes
from builder.labeling.rules import RuleSet, load_rules
from builder.labels import Span
from builder.native_engine import divergent_chars, enabled, foreign_syntax, native_module

__all__ = ["RepeatedLineSignal", "line_hash"]

# Lines that are article content even when repeated (headings, signatures, dates),
# and the colons that make a line introduce what follows: data in
# ``resources/lexicons/line_shapes.toml`` (see :mod:`builder.labeling.line_shapes`).
_HEADING: re.Pattern[str] = load_line_shapes().content_pattern
_COLONS: str = load_line_shapes().colon_chars


@cache
def _native_filter(max_line_chars: int) -> Any:
    """The compiled line filter (``native/src/corpus_signal.rs``), or None when the module
    is missing, turned off, or the content pattern may read differently in Rust."""
    if not enabled():
        return None
    module, _why = native_module()
    if module is None or not hasattr(module, "LineFilter") or foreign_syntax(_HEADING.pattern):
        return None
    if _HEADING.flags & ~re.UNICODE:
        return None
    spaces = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
    divergent = "".join(sorted(set().union(*divergent_chars().values())))
    return module.LineFilter(max_line_chars, _HEADING.pattern, TERMINAL_CHARS, _COLONS, spaces, divergent)


def _line_hashes(text: str) -> list[int] | None:
    """:func:`line_hash` of every line of ``text``, in one compiled call (None without it)."""
    compiled = _native_filter(RepeatedLineSignal.DEFAULT_MAX_LINE_CHARS)
    if compiled is None:
        return None
    try:
        return compiled.line_hashes(text)
    except UnicodeEncodeError:  # a lone surrogate
        return None


def line_hash(line: str) -> int:
    """8-byte BLAKE2b hash of a stripped line, as an int."""
    return _stripped_hash(line.strip())


def _stripped_hash(stripped: str) -> int:
    return int.from_bytes(hashlib.blake2b(stripped.encode("utf-8"), digest_size=8).digest(), "big")


class RepeatedLineSignal:
    """Count line repetition per source (pass 1), label repeated lines (pass 2)."""

    RULE_ID = "corpus.repeated_line"
    DEFAULT_MAX_LINE_CHARS = 60
    DEFAULT_LABEL = "site_notice"

    def __init__(
        self,
        threshold: int = 3,
        min_documents: int = 5,
        min_fraction: float = 0.2,
        max_hashes_per_source: int = 200_000,
        max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
        rules: RuleSet | None = None,
    ) -> None:
        if threshold < 2:
            raise ValueError("threshold must be >= 2 (a line in one document is not repeated)")
        self.threshold = threshold
        self.min_documents = min_documents
        self.min_fraction = min_fraction
        self.max_hashes_per_source = max_hashes_per_source
        self.max_line_chars = max_line_chars
        self._rules = rules
        self.counts: dict[str, dict[int, int]] = defaultdict(dict)
        self.documents: dict[str, int] = defaultdict(int)
        self.dropped: dict[str, int] = defaultdict(int)

    @property
    def rules(self) -> RuleSet:
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def observe(self, source: str, text: str) -> None:
        """Pass 1: count each distinct non-empty line of ``text`` once for ``source``."""
        self.observe_hashes(source, {line_hash(line) for line in text.split("\n") if line.strip()})

    def observe_hashes(self, source: str, hashes: Iterable[int]) -> None:
        """Pass 1 from precomputed :func:`line_hash` values of one document's lines
        (workers can hash, the main process only counts); duplicates count once."""
        self.documents[source] += 1
        self.__dict__.pop("_repeated_cache", None)
        table = self.counts[source]
        for h in set(hashes):
            if h in table:
                table[h] += 1
            elif len(table) < self.max_hashes_per_source:
                table[h] = 1
            else:
                self.dropped[source] += 1

    def candidate_hashes(self, text: str, spans: Iterable[Span]) -> list[int]:
        """Hashes of the lines of ``text`` this signal could ever label, for pass 1.

        Runs the compiled twin of :meth:`candidate_hashes_in_python` when it is
        installed and may take the text (see :func:`_native_filter`); same result.
        """
        compiled = _native_filter(self.max_line_chars)
        if compiled is not None:
            try:
                got = compiled.candidate_hashes(text, [(s.start, s.end) for s in spans])
            except UnicodeEncodeError:  # a lone surrogate: Rust strings cannot hold one
                got = None
            if got is not None:  # None: a character the regex engines read differently
                return got
        return self.candidate_hashes_in_python(text, spans)

    def candidate_hashes_in_python(self, text: str, spans: Iterable[Span]) -> list[int]:
        """The reference for :meth:`candidate_hashes`.

        Lines a rule already covers and lines that look like content (long,
        sentence-like, headings) are left out: :meth:`apply` would never label
        them, so counting them only costs memory and makes pass 2 look at
        documents it cannot change. (A line that a context-dependent rule
        labels in some documents is then counted only where it is uncovered:
        a possible miss, never a false positive.)
        """
        covered = bytearray(len(text) + 1)
        for span in spans:
            covered[span.start:span.end] = b"\x01" * (span.end - span.start)
        out: set[int] = set()
        pos = 0
        max_chars = self.max_line_chars
        for line in text.split("\n"):
            end = pos + len(line)
            stripped = line.strip()
            # the cheap tests of _looks_like_content first (same answer, fewer regex calls)
            if (
                stripped
                and not covered[pos]
                and not covered[max(pos, end - 1)]
                and len(stripped) <= max_chars
                and stripped[-1] not in TERMINAL_CHARS
                and stripped[-1] not in _COLONS
                and not _HEADING.search(stripped)
            ):
                out.add(_stripped_hash(stripped))
            pos = end + 1
        return sorted(out)

    def repeated_hashes(self, source: str) -> frozenset[int]:
        """Hashes of the lines of ``source`` that are frequent enough to label (cached).

        A document none of whose line hashes is in this set gets nothing from
        :meth:`apply`, so a build can skip it without decoding the row.
        """
        cache = self.__dict__.setdefault("_repeated_cache", {})
        if source not in cache:
            docs = self.documents.get(source, 0)
            table = self.counts.get(source) or {}
            if docs < self.min_documents:
                cache[source] = frozenset()
            else:
                need = max(self.threshold, int(self.min_fraction * docs + 0.999999))
                cache[source] = frozenset(h for h, n in table.items() if n >= need)
        return cache[source]

    def document_count(self, source: str, line: str) -> int:
        """In how many observed documents of ``source`` the line occurs (0 if ignored)."""
        return self.counts.get(source, {}).get(line_hash(line), 0)

    def _looks_like_content(self, line: str) -> bool:
        s = line.strip()
        if len(s) > self.max_line_chars or _HEADING.search(s):
            return True
        return s[-1] in TERMINAL_CHARS or s[-1] in _COLONS  # sentences, salutations (各单位：)

    #: how many per-line decisions :meth:`_decide` remembers
    MAX_REMEMBERED_DECISIONS = 200_000

    def _decide(self, h: int, line: str) -> tuple[str, str] | None:
        """(label, rule id) for a repeated line, or None when it looks like content.

        The decision depends on the line alone, and a site's template lines
        recur in thousands of documents, so it is remembered by line hash.
        """
        memo = self.__dict__.setdefault("_decisions", {})
        if h in memo:
            return memo[h]
        rule = self.rules.line_label(line)
        if rule is None:
            decision = None if self._looks_like_content(line) else (self.DEFAULT_LABEL, self.RULE_ID)
        elif len(line) <= max(self.max_line_chars, rule.max_line_chars):
            decision = (rule.label, f"{self.RULE_ID}:{rule.id}")
        else:
            decision = None
        if len(memo) < self.MAX_REMEMBERED_DECISIONS:
            memo[h] = decision
        return decision

    def apply(self, source: str, text: str, spans: Iterable[Span]) -> list[Span]:
        """Pass 2: ``spans`` plus spans for repeated lines that no span touches."""
        spans = sorted(spans)
        docs = self.documents.get(source, 0)
        table = self.counts.get(source)
        if not table or docs < self.min_documents or not text:
            return spans
        need = max(self.threshold, int(self.min_fraction * docs + 0.999999))
        lines, starts = split_lines(text)
        n = len(lines)
        # lines touched by an existing span (including its line break) are left alone
        touched = [False] * n
        covered_lf: set[int] = set()
        li = 0
        for s in spans:
            while li < n and starts[li] + len(lines[li]) < s.start:
                li += 1
            k = li
            while k < n and starts[k] < s.end:
                touched[k] = True
                k += 1
            for lf in (s.start, s.end - 1):
                if 0 <= lf < len(text) and text[lf] == "\n":
                    covered_lf.add(lf)
        new: dict[int, tuple[str, str]] = {}
        hashes = _line_hashes(text)
        for i, line in enumerate(lines):
            if touched[i] or not line.strip():
                continue
            h = line_hash(line) if hashes is None else hashes[i]
            if table.get(h, 0) < need:
                continue
            decision = self._decide(h, line)
            if decision is not None:
                new[i] = decision
        if not new:
            return spans
        out = list(spans)
        for i, (lab, rid) in sorted(new.items()):
            start, end = starts[i], starts[i] + len(lines[i])
            if i < n - 1:
                end += 1  # the LF after an untouched line is never covered by a span
            out.append(Span(start, end, lab, rid))
        return _shift_tail(text, sorted(out))


def _shift_tail(text: str, spans: list[Span]) -> list[Span]:
    """If the spans that reach the end of the text start a line, make each of them take the
    LF before its line instead of after, so the clean text does not end in a line break."""
    if not spans or spans[-1].end != len(text):
        return spans
    k = len(spans) - 1
    while k > 0 and spans[k - 1].end == spans[k].start:
        k -= 1
    a = spans[k].start
    if a == 0 or text[a - 1] != "\n":
        return spans
    chain = spans[k:]
    if any(text[s.end - 1] != "\n" for s in chain[:-1]):
        return spans
    shifted = [Span(s.start - 1, s.end - 1, s.label, s.rule) for s in chain[:-1]]
    last = chain[-1]
    shifted.append(Span(last.start - 1, last.end, last.label, last.rule))
    return spans[:k] + shifted
