"""The schema is the contract: label names and order, edit families, field docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from datasets import ClassLabel, Features

from builder.dataset.card import FIELD_DESCRIPTIONS, LABEL_DESCRIPTIONS
from builder.labels import LABEL_NAMES, Span
from builder.normalize.families import EDIT_FAMILIES
from builder.schema import FEATURES

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "labels.md"


def test_label_names_follow_the_spec_table_order() -> None:
    if not SPEC.is_file():
        pytest.skip("shared/spec is not beside this checkout")
    table = re.findall(r"^\| `([a-z_]+)` \|", SPEC.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(table) == LABEL_NAMES


def test_span_label_is_a_classlabel_with_the_seven_names() -> None:
    label = FEATURES["spans"].feature["label"]
    assert isinstance(label, ClassLabel)
    assert label.names == list(LABEL_NAMES) and label.num_classes == 7


def test_every_edit_family_has_a_column() -> None:
    assert list(FEATURES["normalization"]["edits"]) == list(EDIT_FAMILIES)
    assert len(set(EDIT_FAMILIES)) == len(EDIT_FAMILIES)


def test_every_field_and_label_is_described_in_the_card() -> None:
    assert set(FIELD_DESCRIPTIONS) == set(FEATURES)
    assert set(LABEL_DESCRIPTIONS) == set(LABEL_NAMES)


def test_features_round_trip_through_their_dict_form() -> None:
    assert Features.from_dict(FEATURES.to_dict()) == FEATURES


def test_span_rejects_unknown_labels_and_empty_ranges() -> None:
    with pytest.raises(ValueError, match="unknown label"):
        Span(0, 1, "navigation", "r")
    with pytest.raises(ValueError, match="empty"):
        Span(3, 3, "footer", "r")
