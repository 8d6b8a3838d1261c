"""Normalization: raw text → canonical text, traceable back to the raw text.

See ``shared/spec/normalization.md``. One step per module; the pipeline is in
:mod:`builder.normalize.pipeline`, the switches in :mod:`builder.normalize.config`,
byte decoding in :mod:`builder.normalize.decoding`.
"""

from __future__ import annotations

from builder.normalize.config import DEFAULT, NormalizerConfig
from builder.normalize.decoding import DecodedText, UndecodableInputError, decode_bytes
from builder.normalize.families import EDIT_FAMILIES
from builder.normalize.pipeline import NormalizedText, normalize

__all__ = [
    "DEFAULT",
    "EDIT_FAMILIES",
    "DecodedText",
    "NormalizedText",
    "NormalizerConfig",
    "UndecodableInputError",
    "decode_bytes",
    "normalize",
]
