"""The dataset's typed schema: one ``datasets.Features`` object used everywhere.

The Parquet files, the dataset card's ``dataset_info.features`` and the
validation tests all derive from :data:`FEATURES`. ``load_dataset`` lets the
card's YAML override the features stored in Parquet, so generating both from
one object is what keeps the ``ClassLabel`` names from drifting.

>>> FEATURES["spans"].feature["label"].names[:2]
['site_notice', 'metadata']
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from builder.labels import LABEL_NAMES
from builder.normalize.families import EDIT_FAMILIES

__all__ = ["FEATURES", "LABEL_SOURCES", "SPAN_FEATURE"]

#: Where a document's spans came from: hand annotations or the rules (plus corpus signal).
LABEL_SOURCES: tuple[str, ...] = ("gold", "rules")

SPAN_FEATURE = {
    "start": Value("int32"),
    "end": Value("int32"),
    "raw_start": Value("int32"),
    "raw_end": Value("int32"),
    "label": ClassLabel(names=list(LABEL_NAMES)),
    "rule": Value("string"),
}

FEATURES = Features(
    {
        "id": Value("string"),
        "source": Value("string"),
        "url": Value("string"),
        "raw_text": Value("string"),
        "text": Value("string"),
        "spans": List(SPAN_FEATURE),
        "label_source": Value("string"),
        "alignment": {
            "text_offsets": List(Value("int32")),
            "raw_offsets": List(Value("int32")),
        },
        "normalization": {
            "encoding": Value("string"),
            "raw_chars": Value("int32"),
            "text_chars": Value("int32"),
            "edits": {family: Value("int32") for family in EDIT_FAMILIES},
        },
    }
)
