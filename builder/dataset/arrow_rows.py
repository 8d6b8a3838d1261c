"""Processed documents as an Arrow record batch, built column by column.

Why: ``pa.RecordBatch.from_pylist`` over :meth:`ProcessedDocument.to_record`
dicts builds one dict per row and per span, then walks them again to fill the
nested columns; on the 200 MB benchmark corpus that was about 0.9 s of a 10 s
build. Here each column is filled from flat Python lists (span fields, list
offsets) and assembled with ``from_arrays``. ``to_record`` stays the
definition of a row: ``tests/test_arrow_rows.py`` checks that both give equal
batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from builder.document import ProcessedDocument, label_id

__all__ = ["documents_batch"]


def _list_array(offsets: list[int], values: pa.Array, list_type: pa.DataType) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=list_type)


def _struct(columns: dict[str, pa.Array], struct_type: pa.StructType) -> pa.StructArray:
    return pa.StructArray.from_arrays([columns[f.name] for f in struct_type], fields=list(struct_type))


def documents_batch(
    docs: Sequence[ProcessedDocument],
    schema: pa.Schema,
    extra: dict[str, list] | None = None,
) -> pa.RecordBatch:
    """The rows of ``docs`` with ``schema`` (the dataset's, or the spool's with ``extra``
    columns given as one Python value per row)."""
    extra = extra or {}
    n = len(docs)
    span_fields: dict[str, list] = {k: [] for k in ("start", "end", "raw_start", "raw_end", "label", "rule")}
    span_offsets = [0]
    text_offsets: list[int] = []
    raw_offsets: list[int] = []
    alignment_offsets = [0]
    for doc in docs:
        to_raw = doc.alignment.to_raw
        for span in doc.spans:
            span_fields["start"].append(span.start)
            span_fields["end"].append(span.end)
            span_fields["raw_start"].append(to_raw(span.start))
            span_fields["raw_end"].append(to_raw(span.end))
            span_fields["label"].append(label_id(span.label))
            span_fields["rule"].append(span.rule)
        span_offsets.append(len(span_fields["start"]))
        text_offsets.extend(doc.alignment.text_offsets)
        raw_offsets.extend(doc.alignment.raw_offsets)
        alignment_offsets.append(len(text_offsets))

    def typed(name: str) -> pa.DataType:
        return schema.field(name).type

    columns: dict[str, pa.Array] = {}
    for name in ("id", "source", "url", "raw_text", "text", "label_source"):
        columns[name] = pa.array([getattr(doc, name) for doc in docs], typed(name))
    span_struct = typed("spans").value_type
    columns["spans"] = _list_array(
        span_offsets,
        _struct({k: pa.array(v, span_struct.field(k).type) for k, v in span_fields.items()}, span_struct),
        typed("spans"),
    )
    alignment_type = typed("alignment")
    columns["alignment"] = _struct(
        {
            key: _list_array(alignment_offsets, pa.array(values, alignment_type.field(key).type.value_type),
                             alignment_type.field(key).type)
            for key, values in (("text_offsets", text_offsets), ("raw_offsets", raw_offsets))
        },
        alignment_type,
    )
    stats_type = typed("normalization")
    edits_type = stats_type.field("edits").type
    columns["normalization"] = _struct(
        {
            "encoding": pa.array([doc.encoding for doc in docs], stats_type.field("encoding").type),
            "raw_chars": pa.array([len(doc.raw_text) for doc in docs], stats_type.field("raw_chars").type),
            "text_chars": pa.array([len(doc.text) for doc in docs], stats_type.field("text_chars").type),
            "edits": _struct(
                {f.name: pa.array([doc.edit_counts[f.name] for doc in docs], f.type) for f in edits_type},
                edits_type,
            ),
        },
        stats_type,
    )
    for name, values in extra.items():
        if len(values) != n:
            raise ValueError(f"column {name}: {len(values)} values for {n} rows")
        columns[name] = pa.array(values, typed(name))
    missing = [f.name for f in schema if f.name not in columns]
    if missing:
        raise ValueError(f"no values for columns {missing}")
    return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)
