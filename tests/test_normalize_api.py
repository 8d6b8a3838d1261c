"""The public interface others code against: imports, result type, config switches."""

from __future__ import annotations

import dataclasses

import pytest

import builder
from builder.normalize import (
    DEFAULT,
    EDIT_FAMILIES,
    DecodedText,
    NormalizedText,
    NormalizerConfig,
    UndecodableInputError,
    decode_bytes,
    normalize,
)


def test_public_names() -> None:
    assert builder.normalize is not None
    assert issubclass(UndecodableInputError, ValueError)
    assert callable(decode_bytes) and DecodedText("", "utf-8").encoding == "utf-8"


def test_result_is_frozen_and_complete() -> None:
    result = normalize("發(fā)展")
    assert isinstance(result, NormalizedText)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
    assert list(result.edit_counts) == list(EDIT_FAMILIES)
    assert result.raw_text == "發(fā)展" and result.text == "发展"


def test_config_is_frozen_with_defaults() -> None:
    assert normalize("黨").text == normalize("黨", DEFAULT).text == "党"
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.t2s = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "config,raw,expected",
    [
        (NormalizerConfig(t2s=False), "黨建", "黨建"),
        (NormalizerConfig(pinyin=False), "发(fā)展", "发(fā)展"),
        (NormalizerConfig(punctuation=False), "党建,工作", "党建,工作"),
        (NormalizerConfig(whitespace=False), "  党建\n\n", "  党建\n\n"),
        (NormalizerConfig(artifacts=False), "根底〞", "根底〞"),
        # ten times the evidence: even the 〞 marker (weight 3 of 3) is not enough
        (NormalizerConfig(evidence_scale=10.0), "效劳群众〞", "效劳群众〞"),
        (NormalizerConfig(line_endings_and_controls=False, whitespace=False), "a\r\nb\x00", "a\r\nb\x00"),
        (NormalizerConfig(mojibake=False), "CafÃ©", "CafÃ©"),
        (NormalizerConfig(gbk_mojibake=False, t2s=False), "鍏氬缓", "鍏氬缓"),
    ],
)
def test_switches(config: NormalizerConfig, raw: str, expected: str) -> None:
    result = normalize(raw, config)
    assert result.text == expected
    assert result.alignment.raw_length == len(raw)
