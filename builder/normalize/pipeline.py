"""The normalizer: raw text → canonical text, alignment and edit counts.

Every step (one module each) returns sparse :class:`~builder.alignment.TextEdit`
lists over its own input; the pipeline applies them and composes the step
alignments, so that ``NormalizedText.alignment`` maps every character of
``text`` back to the range of ``raw_text`` it came from. Steps that only swap
characters one for one (punctuation, OpenCC) return a
:class:`~builder.normalize.rewrite.Rewrite` instead: the alignment does not
move, so there is nothing to compose. Steps follow
``shared/spec/normalization.md``; each is gated by a cheap check, so clean
simplified text costs a few regex scans.

Idempotence: a late step can, very rarely, complete a mojibake sequence
(``äœ〝`` → ``äœ“``); the pipeline then runs once more (see ``_repairs_pending``),
so that normalizing the output changes nothing.

>>> result = normalize("  黨建工作,發(fā)展.\\r\\n")
>>> result.text
'党建工作，发展。'
>>> result.edit_counts["t2s"], result.edit_counts["pinyin"], result.edit_counts["punctuation"]
(2, 1, 2)
>>> result.alignment.span_to_raw(5, 6)  # 发 came from 發(fā)
(7, 12)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from builder.alignment import Alignment, TextEdit, apply_edits
from builder.normalize import (
    artifacts,
    controls,
    gbk_mojibake,
    mojibake,
    pinyin,
    punctuation,
    t2s,
    whitespace,
)
from builder.normalize.config import DEFAULT, NormalizerConfig
from builder.normalize.families import EDIT_FAMILIES
from builder.normalize.native import native_normalizer
from builder.normalize.rewrite import Rewrite

__all__ = ["NormalizedText", "normalize", "normalize_in_python", "steps"]

Step = Callable[[str], "list[TextEdit] | Rewrite | None"]


@dataclass(frozen=True)
class NormalizedText:
    """The result of :func:`normalize`.

    ``alignment`` maps offsets of ``text`` to offsets of ``raw_text``;
    ``edit_counts`` has one entry per name in ``EDIT_FAMILIES`` (0 when unused).
    """

    raw_text: str
    text: str
    alignment: Alignment
    edit_counts: dict[str, int] = field(default_factory=dict)


def steps(config: NormalizerConfig) -> list[tuple[str, Step]]:
    """The enabled steps as ``(name, function)``, in the spec's order except that
    pinyin readings are removed just before OpenCC runs (see the comment)."""
    out: list[tuple[str, Step]] = []
    if config.line_endings_and_controls:
        out.append(("controls", controls.find_edits))
    if config.mojibake:
        out.append(("mojibake", mojibake.find_edits))
    if config.gbk_mojibake:
        out.append(("gbk_mojibake", lambda t: gbk_mojibake.find_edits(t, config.max_gbk_run)))
    if config.line_endings_and_controls:
        out.append(("controls_residual", controls.find_residual_edits))
    # Pinyin readings go before OpenCC runs (the spec lists t2s first; the output
    # is the same, since readings are found after any Han character): once the
    # readings are gone, characters that were apart are neighbours, and OpenCC
    # converts some of them by phrase, so one conversion pass is enough.
    if config.pinyin:
        out.append(("pinyin", pinyin.find_edits))
    if config.t2s:
        out.append(("t2s", lambda t: t2s.convert(t, config.opencc_config)))
    if config.artifacts:
        out.append(("artifacts", lambda t: artifacts.find_edits(t, config.evidence_scale)))
    if config.punctuation:
        out.append(("punctuation", punctuation.rewrite))
    if config.whitespace:
        out.append(("whitespace_layout", whitespace.find_edits_layout))
        out.append(("whitespace_spacing", whitespace.find_edits_spacing))
    return out


def normalize(raw: str, config: NormalizerConfig | None = None) -> NormalizedText:
    """Normalize ``raw`` (pure: no I/O beyond the cached lexicons).

    Runs the compiled twin of this pipeline when it is installed and can take the
    text (:mod:`builder.normalize.native`), else :func:`normalize_in_python`; the
    results are the same.
    """
    config = DEFAULT if config is None else config
    compiled = native_normalizer(config)
    if compiled is not None:
        result = compiled.normalize(raw)
        if result is not None:
            return result
    return normalize_in_python(raw, config)


def normalize_in_python(raw: str, config: NormalizerConfig | None = None) -> NormalizedText:
    """The reference pipeline, in Python."""
    config = DEFAULT if config is None else config
    state = _State(raw)
    pipeline = steps(config)
    for _round in range(_MAX_ROUNDS):
        changed_any = False
        for _name, step in pipeline:
            changed_any |= state.run(step)
        if not changed_any or not _repairs_pending(state.text, config):
            break
    return NormalizedText(
        raw_text=raw, text=state.text, alignment=state.alignment(), edit_counts=state.counts
    )


_MAX_ROUNDS = 3


def _repairs_pending(text: str, config: NormalizerConfig) -> bool:
    """Cheap check: did a late step (``〝`` → ``“``, ``"`` → ``“``) complete a mojibake
    sequence that the repair steps would now fix? Then the pipeline runs again,
    so that normalizing the output changes nothing. Almost never true."""
    return bool(
        (config.mojibake and mojibake.find_edits(text))
        or (config.gbk_mojibake and gbk_mojibake.find_edits(text, config.max_gbk_run))
    )


class _State:
    """The text so far, its alignment to the raw text, and the edit counts."""

    __slots__ = ("raw_length", "text", "steps", "counts")

    def __init__(self, raw: str) -> None:
        self.raw_length = len(raw)
        self.text = raw
        self.steps: list[Alignment] = []  # one per step that moved characters
        self.counts = dict.fromkeys(EDIT_FAMILIES, 0)

    def alignment(self) -> Alignment:
        """The map from the current text to the raw text."""
        if not self.steps:
            return Alignment.identity(self.raw_length)
        # fold from the left: inside replacement blocks the integer
        # interpolation is not exactly associative, and left folding is what
        # step-by-step composition means
        result = self.steps[0]
        for step in self.steps[1:]:
            result = result.then(step)
        return result

    def run(self, step: Step) -> bool:
        """Apply one step; True when it changed the text."""
        result = step(self.text)
        if not result:
            return False
        if isinstance(result, Rewrite):  # one-for-one: the alignment does not move
            self.text = result.text
            for family, n in result.counts.items():
                self.counts[family] += n
            return True
        self.text, step_alignment = apply_edits(self.text, result)
        self.steps.append(step_alignment)
        for edit in result:
            self.counts[edit.family] += 1
        return True
