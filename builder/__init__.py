"""zh-web-boilerplate: clean, span-labeled training data from noisy Chinese web text.

The public API is small: :func:`normalize` turns raw text into its canonical
form with an alignment back to the raw text, :func:`label` finds boilerplate
spans in normalized text, :func:`process_document` does both for one document
(the pure core that every adapter wraps), and :func:`clean` returns the text
with boilerplate removed.
"""

from __future__ import annotations

from builder.alignment import Alignment, TextEdit
from builder.labels import LABEL_NAMES, Span

__all__ = ["Alignment", "LABEL_NAMES", "Span", "TextEdit"]
__version__ = "0.1.0"
