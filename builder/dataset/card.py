"""Render the dataset card (Hugging Face ``README.md``) from facts computed by the build.

No figure in the card is typed by hand: sizes, label counts, edit counts and
quality figures come from :class:`CardFacts`, which the build collects from
the rows it writes. The YAML ``dataset_info.features`` is generated from
:data:`builder.schema.FEATURES`, the same object the Parquet is written with.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from builder.dataset.parquet import WrittenFile
from builder.dataset.splits import DEFAULT_RATIOS, SPLITS
from builder.labels import LABEL_NAMES
from builder.normalize.families import EDIT_FAMILIES
from builder.schema import FEATURES

__all__ = ["CardAccumulator", "CardFacts", "FIELD_DESCRIPTIONS", "LABEL_DESCRIPTIONS", "render_card"]

#: One line per column; a test checks that every feature of the schema is described.
FIELD_DESCRIPTIONS: Mapping[str, str] = {
    "id": "Document id: the input file's name without extension, or the `id` field of a JSONL/Parquet row.",
    "source": "Site or group key of the document (empty when unknown). Splits never share a source.",
    "url": "Address of the page when the input gave one, else empty.",
    "raw_text": "The document exactly as decoded from the input.",
    "text": "The normalized document (see Normalization); spans index into this string.",
    "spans": "Boilerplate spans over `text`: `start`/`end` in code points, `raw_start`/`raw_end` their projection onto `raw_text`, `label` (ClassLabel), `rule` (id of the rule or signal that produced the span, `gold` for a hand annotation).",
    "label_source": "`gold` when the spans are hand annotations, `rules` when the labeler produced them.",
    "alignment": "Breakpoints of the monotone map from `text` offsets to `raw_text` offsets; between two breakpoints the map is linear.",
    "normalization": "Per-document normalization facts: detected input encoding, lengths in code points, and how many edits each repair family made.",
}

LABEL_DESCRIPTIONS: Mapping[str, str] = {
    "site_notice": "The hosting platform talking about itself or the file: download tips, share and upload notices, usage limits, customer-service lines, menus, breadcrumbs, buttons.",
    "metadata": "Facts about the page or file rather than running text: counters, dates, bylines, uploader and page-count lines, file names used as titles, classification codes, generated previews.",
    "page_marker": "Pagination a converter inserted: page numbers at page starts, `第N页 共M页`. The span includes the line break before it, so removing it rejoins the split sentence.",
    "keyword_tags": "Tag and keyword lists the site generated, including a title split one word per line. The article's own 关键词 line is content.",
    "related_links": "Lists of related, recommended or previous/next articles, with their snippets.",
    "footer": "Copyright, contact, ICP registration and site-name lines closing the page.",
    "advert": "Advertising, SEO blocks, lines selling the text, and spam sentences inserted into paragraphs (labeled inline).",
}


@dataclass
class CardFacts:
    """Everything the card states, computed from the written rows."""

    pretty_name: str
    split_sizes: dict[str, int]
    split_bytes: dict[str, int]
    split_sources: dict[str, list[str]]
    label_span_counts: dict[str, int]
    label_char_counts: dict[str, int]
    text_chars: int
    raw_chars: int
    boilerplate_chars: int
    edit_totals: dict[str, int]
    per_document_edits: list[tuple[str, dict[str, int]]]
    label_sources: dict[str, int]
    encodings: dict[str, int]
    read: int
    rejection_reasons: dict[str, int]
    example: dict[str, Any] | None
    evaluation_table: str | None
    evaluation_overall_f1: float | None = None
    rules_used: dict[str, int] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATIOS))
    #: whether the corpus signal (repeated lines per site) labeled spans in this build
    corpus_signal: bool = True

    @property
    def num_examples(self) -> int:
        return sum(self.split_sizes.values())



class CardAccumulator:
    """Collects card figures row by row during the build, in bounded memory."""

    MAX_LISTED_DOCS = 20
    MAX_LISTED_SOURCES = 12

    def __init__(self, pretty_name: str) -> None:
        self.pretty_name = pretty_name
        self.split_sizes: Counter[str] = Counter()
        self.sources: dict[str, set[str]] = {s: set() for s in SPLITS}
        self.unknown_sources: Counter[str] = Counter()
        self.span_counts: Counter[str] = Counter()
        self.char_counts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.edits: Counter[str] = Counter()
        self.per_doc: list[tuple[str, dict[str, int]]] = []
        self.label_sources: Counter[str] = Counter()
        self.encodings: Counter[str] = Counter()
        self.text_chars = 0
        self.raw_chars = 0
        self._example: tuple[int, int, dict[str, Any]] | None = None

    def add(self, split: str, rows: pa.RecordBatch) -> None:
        """Count a batch of written rows (computed on the Arrow columns)."""
        n = rows.num_rows
        if n == 0:
            return
        self.split_sizes[split] += n
        sources = rows.column("source")
        for value, count in _value_counts(sources):
            if value:
                if len(self.sources[split]) <= self.MAX_LISTED_SOURCES:
                    self.sources[split].add(value)
            else:
                self.unknown_sources[split] += count
        spans = pc.list_flatten(rows.column("spans"))
        if len(spans):
            labels = spans.field("label").to_numpy(zero_copy_only=False)
            lengths = pc.subtract(spans.field("end"), spans.field("start")).to_numpy(zero_copy_only=False)
            for label_id, name in enumerate(LABEL_NAMES):
                mask = labels == label_id
                self.span_counts[name] += int(mask.sum())
                self.char_counts[name] += int(lengths[mask].sum())
            for value, count in _value_counts(spans.field("rule")):
                self.rules[value] += count
        stats = rows.column("normalization")
        edits = pc.struct_field(stats, "edits")
        for family in EDIT_FAMILIES:
            self.edits[family] += int(pc.sum(pc.struct_field(edits, family)).as_py() or 0)
        if len(self.per_doc) <= self.MAX_LISTED_DOCS:
            for doc_id, counts in zip(rows.column("id").to_pylist(), edits.to_pylist()):
                self.per_doc.append((doc_id, counts))
        for value, count in _value_counts(rows.column("label_source")):
            self.label_sources[value] += count
        for value, count in _value_counts(pc.struct_field(stats, "encoding")):
            self.encodings[value] += count
        text_lengths = pc.utf8_length(rows.column("text"))
        self.text_chars += int(pc.sum(text_lengths).as_py())
        self.raw_chars += int(pc.sum(pc.utf8_length(rows.column("raw_text"))).as_py())
        # the example: the shortest training document (ties: first written)
        i = int(pc.index(text_lengths, pc.min(text_lengths)).as_py())
        key = (0 if split == "train" else 1, text_lengths[i].as_py())
        if self._example is None or key < self._example[:2]:
            self._example = (*key, rows.slice(i, 1).to_pylist()[0])

    def finish(
        self,
        *,
        files: Sequence[WrittenFile],
        read: int,
        rejection_reasons: Mapping[str, int],
        evaluation: Any,
        evaluation_table: str | None,
        ratios: Mapping[str, float],
        corpus_signal: bool = True,
    ) -> CardFacts:
        split_bytes = {s: 0 for s in SPLITS}
        for written in files:
            split_bytes[written.path.name.split("-")[0]] += written.num_bytes
        split_sources = {}
        for s in SPLITS:
            names = sorted(self.sources[s])
            if len(names) > self.MAX_LISTED_SOURCES:
                names = names[: self.MAX_LISTED_SOURCES] + ["…"]
            if self.unknown_sources[s]:
                names.append(f"{self.unknown_sources[s]} document(s) of unknown source")
            split_sources[s] = names
        overall = getattr(evaluation, "boilerplate", None)
        return CardFacts(
            pretty_name=self.pretty_name,
            split_sizes={s: self.split_sizes.get(s, 0) for s in SPLITS},
            split_bytes=split_bytes,
            split_sources=split_sources,
            label_span_counts={n: self.span_counts.get(n, 0) for n in LABEL_NAMES},
            label_char_counts={n: self.char_counts.get(n, 0) for n in LABEL_NAMES},
            text_chars=self.text_chars,
            raw_chars=self.raw_chars,
            boilerplate_chars=sum(self.char_counts.values()),
            edit_totals={f: self.edits.get(f, 0) for f in EDIT_FAMILIES},
            per_document_edits=sorted(self.per_doc) if len(self.per_doc) <= self.MAX_LISTED_DOCS else [],
            label_sources=dict(sorted(self.label_sources.items())),
            encodings=dict(sorted(self.encodings.items())),
            read=read,
            rejection_reasons=dict(sorted(rejection_reasons.items())),
            example=self._example[2] if self._example else None,
            evaluation_table=evaluation_table,
            evaluation_overall_f1=getattr(overall, "f1", None),
            rules_used=dict(sorted(self.rules.items())),
            ratios=dict(ratios),
            corpus_signal=corpus_signal,
        )

def _value_counts(array: pa.Array | pa.ChunkedArray) -> list[tuple[Any, int]]:
    counts = pc.value_counts(array)
    return list(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def _yaml_header(facts: CardFacts) -> str:
    present = [s for s in SPLITS if facts.split_sizes[s]]
    info = DatasetInfo(
        features=FEATURES,
        splits=SplitDict(
            {
                s: SplitInfo(s, num_bytes=facts.split_bytes[s], num_examples=facts.split_sizes[s])
                for s in present
            }
        ),
        dataset_size=sum(facts.split_bytes.values()),
    )
    card_data = DatasetCardData(
        pretty_name=facts.pretty_name,
        language=["zh"],
        license="other",
        license_name="mixed-web-sources",
        license_details=(
            "Code and annotations: Apache-2.0. The texts were scraped from third-party "
            "document-sharing sites and remain under their authors' rights; see Source data."
        ),
        task_categories=["token-classification", "text-classification"],
        tags=["boilerplate-removal", "web-cleaning", "chinese", "pretraining-data"],
        size_categories=[_size_category(facts.num_examples)],
        annotations_creators=["expert-generated", "machine-generated"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
    )
    DatasetInfosDict({"default": info}).to_dataset_card_data(card_data)
    MetadataConfigs(
        {"default": {"data_files": [{"split": s, "path": f"data/{s}-*"} for s in present]}}
    ).to_dataset_card_data(card_data)
    return "---\n" + card_data.to_yaml() + "\n---\n"


def _reasons(facts: CardFacts) -> str:
    if not facts.rejection_reasons:
        return ""
    return " (" + ", ".join(f"{k}: {v}" for k, v in facts.rejection_reasons.items()) + ")"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _example_json(example: dict[str, Any] | None, limit: int = 160) -> str:
    if example is None:
        return "(no documents)"
    shown = dict(example)
    for key in ("raw_text", "text"):
        value = shown[key]
        if len(value) > limit:
            shown[key] = value[:limit] + f"… (+{len(value) - limit} chars)"
    shown["spans"] = shown["spans"][:3] + (
        [f"… (+{len(example['spans']) - 3} spans)"] if len(example["spans"]) > 3 else []
    )
    offsets = shown["alignment"]
    if len(offsets["text_offsets"]) > 6:
        more = len(offsets["text_offsets"]) - 6
        shown["alignment"] = {
            "text_offsets": offsets["text_offsets"][:6] + [f"… (+{more})"],
            "raw_offsets": offsets["raw_offsets"][:6] + [f"… (+{more})"],
        }
    return json.dumps(shown, ensure_ascii=False, indent=2)


def render_card(facts: CardFacts) -> str:
    """The full card text: YAML metadata, then the sections users look for."""
    n = facts.num_examples
    share = facts.boilerplate_chars / facts.text_chars if facts.text_chars else 0.0
    split_rows = [
        (s, facts.split_sizes[s], ", ".join(facts.split_sources[s]) or "—") for s in SPLITS
    ]
    field_rows = [(f"`{name}`", FIELD_DESCRIPTIONS[name]) for name in FEATURES]
    label_rows = [
        (i, f"`{name}`", facts.label_span_counts[name], facts.label_char_counts[name],
         LABEL_DESCRIPTIONS[name])
        for i, name in enumerate(LABEL_NAMES)
    ]
    edit_rows = [(f"`{f}`", facts.edit_totals[f]) for f in EDIT_FAMILIES]
    parts: list[str] = [_yaml_header(facts)]
    parts.append(f"""# {facts.pretty_name}

## Summary

Chinese web documents from document-sharing and essay-template sites, each
stored twice: as scraped (`raw_text`) and in a canonical form (`text`) with a
character-level alignment between the two. Boilerplate inside `text` — the
platform's notices, counters, page markers, generated keyword lists, related
article lists, footers and inserted spam — is marked as labeled spans, and
every span names the rule (or the hand annotation) that produced it.

This build holds **{n} documents** ({facts.text_chars} normalized characters,
of which {facts.boilerplate_chars} or {share:.1%} are labeled boilerplate).

## Intended use

- Training and evaluating boilerplate-removal models for Chinese web text, as
  span or token classification over `text` (or over `raw_text` through the
  projected `raw_start`/`raw_end`).
- Measuring a cleaning pipeline against span-level labels before running it on
  a pretraining corpus.
- Studying normalization damage in scraped Chinese text: each document records
  how many repairs of each kind it needed.

It is not meant for training language models on its text directly: the
documents are few and come from sites with unclear licensing (see below).

## Dataset structure

One configuration (`default`), Parquet files under `data/`.

{_table(("split", "documents", "sources"), split_rows)}

### Fields

{_table(("field", "meaning"), field_rows)}

Offsets are Unicode code points (Python string indices). `raw_text[raw_start:raw_end]`
is the raw form of `text[start:end]`. Removing every span from `text` leaves
well-formed clean text: no empty lines, no doubled line breaks.

### Example (the shortest training document; long strings shortened here)

```json
{_example_json(facts.example)}
```

## Labels

`label` is a `ClassLabel` with these names, in this order (the integer ids
are fixed by the order):

{_table(("id", "name", "spans", "characters", "what it covers"), label_rows)}

### How to decide

- A span is a half-open range of characters of `text`; spans are sorted, never
  overlap and never start or end inside a run of main content. Everything not
  covered is main content: the title, headings, body, the article's own
  abstract and 关键词 line, author bio, references, numbered list items, and
  dates that belong to the text.
- A line-level span covers its line and the line break after it; a page marker
  covers the line break before it, so that removing it joins the sentence a
  page break had cut.
- Inline spam is labeled alone; the sentence around it stays content.
- A title repeated inside an advert line does not make the title line an advert.
- A stray `、` at a sentence start is a lost list number, which is content.
- In doubt, a line is content: removing real text costs more than keeping a
  little boilerplate.

Labels come from hand annotation where it exists (`label_source = gold`) and
from the rule set elsewhere (`rules`). Documents per label source:
{", ".join(f"{k}: {v}" for k, v in facts.label_sources.items()) or "none"}.
Spans per rule (`gold` = hand annotation, `corpus.*` = lines repeated across a
site's documents):

{_table(("rule", "spans"), [(f"`{r}`", c) for r, c in facts.rules_used.items()])}
""")
    if facts.evaluation_table:
        labeler = (
            "the rules, plus the corpus signal's repeated lines"
            if facts.corpus_signal
            else "the rules alone: this build ran without the corpus signal"
        )
        parts.append(f"""## Label quality

What the build would have labeled without gold ({labeler}), compared with
the hand annotations on the documents that have them (character-level
precision/recall/F1 per label, boilerplate vs content overall, and exact span
matches):

```
{facts.evaluation_table}
```

These documents were in view while the rules were written, so the table
measures how well the rules fit them, not how they do on unseen sites. The
repository's held-out test pages (other sites' templates, and clean pages
that must get no span) are the better guide to that.
""")
    parts.append(f"""## Normalization

`text` is `raw_text` after these steps, in order: decoding (UTF-8, else a
detected GB18030/Big5/UTF-16), line ends and control characters, mojibake
repair (only for documents a cheap check flags), traditional to simplified
characters (OpenCC `t2s`), removal of pinyin readings written after
characters, repair of word-level conversion artifacts and word swaps (only
when the document shows their signature), full-width punctuation in Chinese
context, and whitespace (trimmed lines, letter-spaced words closed up, no
blank lines). Normalization never removes boilerplate; that is what the spans
are for. Edits made over the whole build, by family:

{_table(("family", "edits"), edit_rows)}
""")
    if len(facts.per_document_edits) <= 20:
        header = ["id"] + [f for f in EDIT_FAMILIES if facts.edit_totals[f]]
        rows = [[doc_id] + [counts.get(f, 0) for f in header[1:]]
                for doc_id, counts in facts.per_document_edits]
        parts.append("Per document:\n\n" + _table(header, rows) + "\n")
    total = sum(facts.ratios[s] for s in SPLITS)
    ratio_text = ", ".join(f"{s} {facts.ratios[s] / total:.0%}" for s in SPLITS)
    parts.append(f"""
## How the splits were made

Documents are grouped by `source` (a document whose source is unknown is a
group of its own), so one site's template never appears in two splits. Each
group goes to a split by a SHA-256 hash of its key cut at the ratios
{ratio_text}; the assignment of a group depends only on its own key, so adding
new sites moves no old document. When there are at least three groups and a
split came out empty, the group with the smallest hash in the split holding
the most groups moves into it, so every split has documents. Rows are sorted
in input order (files sorted by path) within a split; building twice gives
identical files.

## Source data

The seed documents were scraped from Chinese document-sharing and
essay-template sites (Party-building essays and work reports). They carry the
sites' notices, counters, preview page markers, keyword tags, related-article
lists, footers and inserted spam, plus text damage: traditional characters
with pinyin readings, word-level conversion artifacts, swapped words,
half-width punctuation and letter-spaced headings. Decoded input encodings:
{", ".join(f"{k}: {v}" for k, v in facts.encodings.items()) or "none"}.

Licensing: the annotations, alignment and code are Apache-2.0, but the texts
belong to their authors and the hosting sites; no license to redistribute them
was granted. Use the data for research on cleaning methods, keep it out of
anything that republishes the texts, and remove a document if its owner asks.

## Personal and sensitive information

The documents name people (authors, officials named in the essays, an
author's birth year and workplace in a bio line) and one contains a
customer-service contact number of a hosting site. They were not anonymized,
because the names belong to the main content that cleaning models must learn
to keep. Do not use the data to profile the people named in it.

## Limitations

- Very small: {n} documents from a handful of sites, all on one topic; the
  label figures above are not a measure of how the rules do on other sites.
- The rules are tuned to conservative precision: they miss boilerplate
  families they do not know, by design.
- Normalization repairs only the artifact families described above, and the
  context-dependent repairs run only with evidence in the document.
- Split sizes are uneven because whole sites move together.

## Build facts

Documents read: {facts.read}; written: {n}; rejected: {facts.read - n}{_reasons(facts)}.
Rejected documents are listed with their reasons in `rejected.jsonl`.
""")
    return "\n".join(p.rstrip() + "\n" for p in parts)
