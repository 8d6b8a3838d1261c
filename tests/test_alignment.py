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


# -- a slow, obviously-correct reference: pieces first, deletions merged after ----


def _reference_apply(text: str, edits: list[TextEdit]) -> tuple[str, list[int]]:
    """New text and, per new character boundary, the old offset (the char map)."""
    pieces: list[list[int]] = []  # [new_len, old_len, identity]
    out, pos = [], 0
    for e in edits:
        if e.start > pos:
            out.append(text[pos:e.start])
            pieces.append([e.start - pos, e.start - pos, 1])
        if e.end > e.start or e.replacement:
            out.append(e.replacement)
            pieces.append([len(e.replacement), e.end - e.start, 0])
        pos = e.end
    if pos < len(text):
        out.append(text[pos:])
        pieces.append([len(text) - pos, len(text) - pos, 1])
    merged: list[list[int]] = []
    carry = 0
    for new_len, old_len, identity in pieces:
        if new_len == 0:
            if not merged:
                carry += old_len
                continue
            last = merged[-1]
            if last[2] and last[0] > 1:
                last[0] -= 1
                last[1] -= 1
                merged.append([1, 1, 0])
                last = merged[-1]
            last[1] += old_len
            last[2] = 0
            continue
        if carry:
            if identity and new_len > 1:
                merged += [[1, 1 + carry, 0], [new_len - 1, old_len - 1, 1]]
            else:
                merged.append([new_len, old_len + carry, 0])
            carry = 0
            continue
        merged.append([new_len, old_len, identity])
    bounds, raw_pos = [0], 0
    for new_len, old_len, identity in merged:
        for j in range(1, new_len + 1):
            bounds.append(raw_pos + (j if identity else (j * old_len) // new_len))
        raw_pos += old_len
    if not merged:
        bounds = [len(text)] if not text else [0]
    return "".join(out), bounds


@st.composite
def _text_and_edits(draw: st.DrawFn) -> tuple[str, list[TextEdit]]:
    text = draw(st.text(alphabet="abcd", max_size=20))
    edits, pos = [], 0
    while pos < len(text) and draw(st.booleans()):
        start = draw(st.integers(pos, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 4)))
        edits.append(TextEdit(start, end, draw(st.text(alphabet="XY", max_size=4)), "t"))
        pos = end
    return text, edits


@given(_text_and_edits(), st.data())
@settings(max_examples=400, deadline=None)
def test_apply_and_then_agree_with_the_reference(first: tuple[str, list[TextEdit]], data: st.DataObject) -> None:
    text, edits = first
    new_text, step = apply_edits(text, edits)
    ref_text, ref_bounds = _reference_apply(text, edits)
    assert new_text == ref_text
    if new_text:
        # same character ownership, except that a deletion right after a
        # replacement block may be owned by the block's last character rather
        # than spread over the block: compare where each character starts and
        # that the map is strict and covering
        if all(len(e.replacement) <= e.end - e.start for e in edits):
            assert step.is_strict()  # no expansion: every character owns raw text
        assert step.to_raw(0) == 0 and step.to_raw(len(new_text)) == len(text)
        for i in range(len(new_text)):
            identity_char = ref_bounds[i + 1] - ref_bounds[i] == 1 and text[ref_bounds[i]] == new_text[i]
            if identity_char:
                assert text[step.to_raw(i):step.to_raw(i + 1)].find(new_text[i]) >= 0
    # composition equals mapping point by point through both steps, wherever
    # the point is not strictly inside a replacement block (inside a block the
    # proportional split is re-done over the merged block)
    more = data.draw(edit_steps(new_text))
    next_text, step2 = apply_edits(new_text, more)
    composed = step.then(step2)
    for p in range(len(next_text) + 1):
        mid = step2.to_raw(p)
        if not (_inside_block(step2, p) or _inside_block(step, mid)):
            assert composed.to_raw(p) == step.to_raw(mid)


def _inside_block(alignment: Alignment, offset: int) -> bool:
    return any(
        t0 < offset < t1 and t1 - t0 != r1 - r0 for t0, t1, r0, r1 in alignment.segments()
    )
