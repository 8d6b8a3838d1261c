"""The rule labeler: normalized text in, boilerplate :class:`~builder.labels.Span` list out.

Pure and linear: the text is split into lines once; each line is tested by
compiled regexes behind length guards, and only by the rules a cheap prefilter
keeps (:meth:`RuleSet.candidates`: literal prefixes and first characters read
from the patterns; it never drops a rule that would match); blocks and split
titles look ahead a bounded number of lines. Passes:

1. line-level rules (``block``, ``split_title``, ``line``) claim whole lines, in
   rule priority order, scanning the lines top to bottom;
2. ``page_start`` rules find page numbers (``1、``) that open preview pages: a
   run of consecutive numbers whose later members all break a sentence (the
   line before is long and ends without terminal punctuation);
3. ``inline`` rules mark spam inside lines no rule claimed;
4. claims become spans that keep the clean text well formed (see :func:`_finalize`).
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.labeling.line_shapes import load_line_shapes
from builder.labeling.native import native_labeler
from builder.labeling.rules import Rule, RuleSet, load_rules
from builder.labels import Span

__all__ = ["PageStartParams", "SplitTitleParams", "TERMINAL_CHARS", "label", "label_in_python", "split_lines"]

# What ends a sentence in normalized text, and what is mere punctuation or space:
# data in ``resources/lexicons/line_shapes.toml`` (see :mod:`builder.labeling.line_shapes`).
TERMINAL_CHARS: str = load_line_shapes().terminal_chars
_PUNCT_OR_SPACE: frozenset[str] = load_line_shapes().punct_or_space

#: the label whose lone lines inside a sentence take both line breaks (see :func:`_finalize`)
PAGE_MARKER = "page_marker"


def split_lines(text: str) -> tuple[list[str], list[int]]:
    """Lines of ``text`` (split on LF) and the offset where each starts."""
    lines = text.split("\n")
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return lines, starts


def _ends_open(line: str, terminal: str) -> bool:
    stripped = line.rstrip()
    return bool(stripped) and stripped[-1] not in terminal


def _no_stoppers(line: str) -> tuple[Rule, ...]:
    return ()


def _try_block(rule: Rule, lines: list[str], i: int, claimed: list, stoppers=_no_stoppers) -> int:
    """Lines claimed by a block starting at ``i`` (0: no block). The block stops before a
    line that a ``line`` rule of another category recognises (a footer after a list);
    ``stoppers(line)`` gives the ``line`` rules that may match a line (a prefilter)."""
    if not rule.matches_line(lines[i]):
        return 0
    j = i + 1
    n = len(lines)
    closed = False
    while j < n and j - i < rule.max_block_lines and claimed[j] is None:
        line = lines[j]
        if not rule.fits(line):
            break
        if any(p.search(line) for p in rule.end_patterns):
            j += 1
            closed = True
            break
        if any(p.search(line) for p in rule.continue_patterns):
            if any(o.label != rule.label and o.matches_line(line) for o in stoppers(line)):
                break
            j += 1
            continue
        break
    size = j - i
    if size < rule.min_block_lines and not closed:
        return 0
    return size


@dataclass(frozen=True, slots=True)
class SplitTitleParams:
    """The ``params`` of a ``split_title`` rule, with their defaults (see :func:`_try_split_title`)."""

    min_lines: int
    max_lines: int
    lookahead: int
    min_matched: int
    max_target_chars: int
    max_unmatched: int
    min_coverage: float
    target_forbidden: str

    @classmethod
    def of(cls, rule: Rule) -> SplitTitleParams:
        p = rule.params
        return cls(
            min_lines=int(p.get("min_lines", 4)),
            max_lines=int(p.get("max_lines", 20)),
            lookahead=int(p.get("lookahead", 2)),
            min_matched=int(p.get("min_matched", 3)),
            max_target_chars=int(p.get("max_target_chars", 60)),
            max_unmatched=int(p.get("max_unmatched", 0)),
            min_coverage=float(p.get("min_coverage", 0.6)),
            target_forbidden=str(p.get("target_forbidden", "，。；！？、")),
        )


@dataclass(frozen=True, slots=True)
class PageStartParams:
    """The ``params`` of a ``page_start`` rule, with their defaults (see :func:`_page_starts`)."""

    min_prev_chars: int
    min_breaks: int
    terminal_chars: str

    @classmethod
    def of(cls, rule: Rule) -> PageStartParams:
        p = rule.params
        return cls(
            min_prev_chars=int(p.get("min_prev_chars", 40)),
            min_breaks=int(p.get("min_breaks", 2)),
            terminal_chars=str(p.get("terminal_chars", TERMINAL_CHARS)),
        )


def _try_split_title(rule: Rule, lines: list[str], i: int, claimed: list) -> int:
    """Lines of a title split one word per line starting at ``i`` (0: none): a run of
    short word lines whose words (digits-only lines may be extra) reappear in order in a
    title-like line just after, covering most of it."""
    p = SplitTitleParams.of(rule)
    min_lines, max_lines, lookahead = p.min_lines, p.max_lines, p.lookahead
    min_matched, max_target_chars, max_unmatched = p.min_matched, p.max_target_chars, p.max_unmatched
    min_coverage, target_forbidden = p.min_coverage, p.target_forbidden
    n = len(lines)
    j = i
    while j < n and j - i < max_lines and claimed[j] is None and rule.matches_line(lines[j]):
        j += 1
    if j - i < min_lines:
        return 0
    tokens = lines[i:j]
    words = [t for t in tokens if not t.isdigit()]
    if len(words) < min_matched:
        return 0
    for t in range(j, min(n, j + lookahead)):
        target = lines[t].strip()
        if not target or len(target) > max_target_chars or any(c in target_forbidden for c in target):
            continue
        pos = 0
        matched = 0
        covered = 0
        for w in words:
            k = target.find(w, pos)
            if k < 0:
                continue  # an unmatched word: the title may differ slightly (2023年, 的)
            pos = k + len(w)
            matched += 1
            covered += len(w)
        if (
            matched >= min_matched
            and len(words) - matched <= max_unmatched
            and covered >= min_coverage * len(target)
        ):
            return j - i
    return 0


def _page_starts(rule: Rule, lines: list[str], claimed: list) -> list[tuple[int, int, bool]]:
    """(line index, marker length, breaking) for every accepted page-start marker."""
    p = PageStartParams.of(rule)
    min_prev, min_breaks, terminal = p.min_prev_chars, p.min_breaks, p.terminal_chars
    accepted: list[tuple[int, int, bool]] = []
    run: list[tuple[int, int, int, bool]] = []  # (line, number, marker length, breaking)

    def close() -> None:
        if len(run) >= 2:
            later = [b for _, _, _, b in run[1:]]
            if all(later) and sum(later) >= min_breaks:
                accepted.extend((i, ln, b) for i, _, ln, b in run)
        run.clear()

    for i, line in enumerate(lines):
        if claimed[i] is not None or not rule.fits(line):
            continue
        m = None
        for pat in rule.patterns:
            m = pat.match(line)
            if m:
                break
        if m is None or m.end() >= len(line.rstrip()):
            continue
        try:
            number = int(m.group(1))
        except (IndexError, ValueError, TypeError):
            continue
        prev = lines[i - 1] if i > 0 else ""
        breaking = (
            i > 0 and claimed[i - 1] is None and len(prev) >= min_prev and _ends_open(prev, terminal)
        )
        if run and number == run[-1][1] + 1:
            run.append((i, number, m.end(), breaking))
        else:
            close()
            run.append((i, number, m.end(), breaking))
    close()
    return accepted


def label(text: str, rules: RuleSet | None = None) -> list[Span]:
    """Label the boilerplate of normalized ``text``: sorted, non-overlapping, non-empty spans.

    Runs the compiled labeler when it is installed and may be used for ``text``
    (see :mod:`builder.labeling.native`), else :func:`label_in_python`; both give
    the same spans.
    """
    if rules is None:
        rules = load_rules()
    if not text:
        return []
    native = native_labeler(rules)
    if native is not None:
        spans = native.label(text)
        if spans is not None:
            return spans
    return label_in_python(text, rules)


def label_in_python(text: str, rules: RuleSet | None = None) -> list[Span]:
    """The reference labeler, in Python (see the module docstring for its passes)."""
    if rules is None:
        rules = load_rules()
    if not text:
        return []
    lines, starts = split_lines(text)
    n = len(lines)
    claimed: list[Rule | None] = [None] * n

    line_scopes = ("block", "split_title", "line")

    def stoppers(line: str) -> tuple[Rule, ...]:
        return rules.candidates(("line",), line)

    i = 0
    while i < n:
        if claimed[i] is None and lines[i].strip():
            # only rules whose guards admit the line and whose patterns may match it
            for r in rules.candidates(line_scopes, lines[i]):
                if r.scope == "line":
                    size = 1 if r.matches_line(lines[i]) else 0
                elif r.scope == "block":
                    size = _try_block(r, lines, i, claimed, stoppers)
                else:
                    size = _try_split_title(r, lines, i, claimed)
                if size:
                    for k in range(i, i + size):
                        claimed[k] = r
                    i += size - 1
                    break
        i += 1

    markers: dict[int, tuple[int, int, Rule]] = {}  # line -> (span start, span end, rule)
    for r in rules.by_scope("page_start"):
        for li, length, breaking in _page_starts(r, lines, claimed):
            if li in markers:
                continue
            start = starts[li] - 1 if breaking else starts[li]
            markers[li] = (start, starts[li] + length, r)

    inline: list[Span] = []
    inline_rules = rules.by_scope("inline")
    if inline_rules:
        for li, line in enumerate(lines):
            if claimed[li] is not None or not line:
                continue
            floor = markers[li][1] - starts[li] if li in markers else 0
            found: list[tuple[int, int, Rule]] = []
            for r in rules.candidates(("inline",), line):
                if not r.fits(line):
                    continue
                for pat in r.patterns:
                    for m in pat.finditer(line, floor):
                        if m.end() > m.start():
                            found.append((m.start(), m.end(), r))
            if not found:
                continue
            found.sort(key=lambda t: (t[0], -t[1]))
            kept: list[tuple[int, int, Rule]] = []
            last = floor
            for s, e, r in found:
                if s >= last:
                    kept.append((s, e, r))
                    last = e
            rest = []
            pos = 0
            for s, e, _ in kept:
                rest.append(line[pos:s])
                pos = e
            rest.append(line[pos:])
            leftover = "".join(rest)
            next_takes_lf = li + 1 in markers and markers[li + 1][0] < starts[li + 1]
            if li not in markers and not next_takes_lf and all(c in _PUNCT_OR_SPACE for c in leftover):
                claimed[li] = kept[0][2]
                continue
            for s, e, r in kept:
                inline.append(Span(starts[li] + s, starts[li] + e, r.label, r.id))

    spans = _finalize(lines, starts, claimed)
    spans.extend(Span(s, e, r.label, r.id) for s, e, r in markers.values())
    spans.extend(inline)
    return _merge(sorted(spans))


def _finalize(lines: list[str], starts: list[int], claimed: list) -> list[Span]:
    """Whole-line claims to spans. A line takes its trailing LF; a run of claimed lines
    that ends the text takes the LF before it instead; a ``page_marker`` line between two
    unclaimed lines that breaks a sentence takes both LFs so the sentence rejoins."""
    n = len(lines)
    spans: list[Span] = []
    tail = n
    while tail > 0 and claimed[tail - 1] is not None:
        tail -= 1
    for i, r in enumerate(claimed):
        if r is None:
            continue
        start, end = starts[i], starts[i] + len(lines[i])
        if (
            r.label == PAGE_MARKER
            and 0 < i < n - 1
            and claimed[i - 1] is None
            and claimed[i + 1] is None
            and _ends_open(lines[i - 1], TERMINAL_CHARS)
            and lines[i + 1].strip()
        ):
            spans.append(Span(start - 1, end + 1, r.label, r.id))
            continue
        if i >= tail and tail > 0:
            start -= 1
        elif i < n - 1:
            end += 1
        if end > start:
            spans.append(Span(start, end, r.label, r.id))
    return spans


def _merge(spans: list[Span]) -> list[Span]:
    """Join touching spans of the same rule (a block becomes one span)."""
    out: list[Span] = []
    for s in spans:
        if out and out[-1].end == s.start and out[-1].rule == s.rule and out[-1].label == s.label:
            out[-1] = Span(out[-1].start, s.end, s.label, s.rule)
        else:
            out.append(s)
    return out
