"""zh-web-boilerplate: clean, span-labeled training data from noisy Chinese web text.

The public API is small:

- :func:`normalize` — raw text to its canonical form, with an alignment back to
  the raw text and per-family edit counts;
- :func:`label` — boilerplate spans over normalized text, each naming its rule;
- :func:`process_document` — both, for one document: the pure core that the
  ``datasets`` build, the datatrove step and the CLI all wrap;
- :func:`clean` — the normalized text with its boilerplate removed.

Heavy parts load on first use, so ``import builder`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from builder.alignment import Alignment, TextEdit
from builder.labels import LABEL_NAMES, Span

if TYPE_CHECKING:
    from builder.document import ProcessedDocument, process_document
    from builder.labeling import label
    from builder.normalize import NormalizedText, NormalizerConfig, normalize

__all__ = [
    "LABEL_NAMES",
    "Alignment",
    "NormalizedText",
    "NormalizerConfig",
    "ProcessedDocument",
    "Span",
    "TextEdit",
    "clean",
    "label",
    "normalize",
    "process_document",
]
__version__ = "0.1.0"

_LAZY = {
    "normalize": "builder.normalize",
    "NormalizedText": "builder.normalize",
    "NormalizerConfig": "builder.normalize",
    "label": "builder.labeling",
    "process_document": "builder.document",
    "ProcessedDocument": "builder.document",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'builder' has no attribute {name!r}")


def clean(text: str) -> str:
    """Normalize ``text`` and return it with every boilerplate span removed.

    >>> clean("正文第一段,内容.\\n© 2024 某某文库 | 联系我们")
    '正文第一段，内容。'
    """
    from builder.labeling import label, remove_spans
    from builder.normalize import normalize

    normalized = normalize(text).text
    return remove_spans(normalized, label(normalized))
