"""The sparse alignment: composition of random edit steps stays a valid char map."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.alignment import Alignment, TextEdit, apply_edits


@st.composite
def edit_steps(draw: st.DrawFn, text: str) -> list[TextEdit]:
    edits, pos = [], 0
    while pos < len(text) and draw(st.booleans()):
        start = draw(st.integers(pos, len(text)))
        end = draw(st.integers(start, min(len(text), start + 4)))
        replacement = draw(st.sampled_from(["", "X", "YZ", "。"]))
        edits.append(TextEdit(start, end, replacement, "test"))
        pos = end + draw(st.integers(0, 3))
    return edits


def _apply_naive(text: str, edits: list[TextEdit]) -> str:
    out, pos = [], 0
    for e in edits:
        out += [text[pos:e.start], e.replacement]
        pos = e.end
    return "".join(out) + text[pos:]


@given(st.data(), st.text(alphabet="ab c\n發", max_size=30))
@settings(max_examples=300, deadline=None)
def test_composed_steps_give_monotone_covering_map(data: st.DataObject, raw: str) -> None:
    alignment, text = Alignment.identity(len(raw)), raw
    for _ in range(3):
        edits = data.draw(edit_steps(text))
        new_text, step = apply_edits(text, edits)
        assert new_text == _apply_naive(text, edits)
        assert (step.text_length, step.raw_length) == (len(new_text), len(text))
        alignment, text = alignment.then(step), new_text
    assert (alignment.text_length, alignment.raw_length) == (len(text), len(raw))
    points = [alignment.to_raw(i) for i in range(len(text) + 1)]
    assert points == sorted(points)
    if text:
        assert points[0] == 0 and points[-1] == len(raw)


@given(st.text(alphabet="ab  \n", max_size=40))
@settings(max_examples=200, deadline=None)
def test_deletions_keep_the_map_strict_and_invertible(raw: str) -> None:
    # delete every space: each kept character still owns at least one raw character
    edits = [TextEdit(i, i + 1, "", "ws") for i, ch in enumerate(raw) if ch == " "]
    text, alignment = apply_edits(raw, edits)
    assert text == raw.replace(" ", "")
    if text:
        assert alignment.is_strict()
        for start in range(len(text)):
            raw_start = alignment.to_raw(start)
            assert alignment.from_raw(raw_start) == start
            assert text[start] in raw[raw_start:alignment.to_raw(start + 1)]


def test_unchanged_characters_map_to_themselves() -> None:
    raw = "發(fā)展,很好"
    text, alignment = apply_edits(raw, [TextEdit(0, 5, "发", "pinyin"), TextEdit(6, 7, "，", "punct")])
    assert text == "发展，很好"
    assert raw[alignment.to_raw(1):alignment.to_raw(2)] == "展"
    assert alignment.span_to_raw(0, 1) == (0, 5)
    # a one-for-one substitution needs no breakpoint: only length changes are pieces
    assert alignment.replacements() == [(0, 1, 0, 5)]
