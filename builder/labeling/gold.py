"""Gold annotations in a standoff JSONL format, checked against the normalized text.

One document per line::

    {"id": "000_19bb017c92bd7382", "spans": [{"start": 17, "end": 60, "label": "metadata", "text": "点赞：…\\n"}]}

``text`` quotes the covered characters, so an offset gone stale (the normalizer
changed) is detected instead of silently labeling the wrong characters.

Hand decisions are written as quotes in ``builder/resources/gold/seeds_source.toml``
(never generated from the rules); :func:`build_gold_from_quotes` turns them into
offsets and :func:`write_gold` stores the JSONL.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from builder.labels import LABEL_NAMES, Span

__all__ = [
    "GoldDocument",
    "GoldError",
    "load_gold",
    "parse_gold_lines",
    "build_gold_from_quotes",
    "write_gold",
    "gold_from_source_toml",
]

GOLD_RULE = "gold"


class GoldError(ValueError):
    """The gold file is malformed or no longer matches the normalized text."""


@dataclass(frozen=True)
class GoldDocument:
    """One hand-annotated document: its normalized text and its spans (rule ``gold``)."""

    id: str
    text: str
    spans: tuple[Span, ...]


def parse_gold_lines(lines: Iterable[str], texts: Mapping[str, str], origin: str = "<gold>") -> dict[str, GoldDocument]:
    out: dict[str, GoldDocument] = {}
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{origin}:{lineno}"
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{where}: not JSON: {exc}") from exc
        if not isinstance(rec, dict) or "id" not in rec or not isinstance(rec.get("spans"), list):
            raise GoldError(f"{where}: expected an object with 'id' and a 'spans' list")
        doc_id = str(rec["id"])
        if doc_id in out:
            raise GoldError(f"{where}: duplicate document id {doc_id!r}")
        if doc_id not in texts:
            raise GoldError(f"{where}: no normalized text given for document {doc_id!r}")
        text = texts[doc_id]
        spans = []
        prev_end = 0
        for k, s in enumerate(rec["spans"]):
            try:
                start, end, lab, quote = int(s["start"]), int(s["end"]), str(s["label"]), s["text"]
            except (KeyError, TypeError, ValueError) as exc:
                raise GoldError(f"{where}: span #{k} of {doc_id!r} needs start, end, label, text") from exc
            if lab not in LABEL_NAMES:
                raise GoldError(f"{where}: span #{k} of {doc_id!r}: unknown label {lab!r}")
            if not 0 <= start < end <= len(text):
                raise GoldError(f"{where}: span #{k} of {doc_id!r}: [{start}, {end}) outside the text ({len(text)} chars)")
            found = text[start:end]
            if found != quote:
                raise GoldError(
                    f"{where}: span #{k} of {doc_id!r} is stale: [{start}, {end}) quotes {quote!r} "
                    f"but the text there is {found!r} (was the normalizer changed? rebuild the gold)"
                )
            if start < prev_end:
                raise GoldError(f"{where}: span #{k} of {doc_id!r} overlaps the previous span")
            prev_end = end
            spans.append(Span(start, end, lab, GOLD_RULE))
        out[doc_id] = GoldDocument(doc_id, text, tuple(spans))
    return out


def load_gold(path: str | Path, texts: Mapping[str, str]) -> dict[str, GoldDocument]:
    """Read a gold JSONL file; ``texts`` maps each document id to its normalized text."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GoldError(f"cannot read gold file {path}: {exc}") from exc
    return parse_gold_lines(content.splitlines(), texts, origin=str(path))


def _locate(text: str, d: Mapping, doc_id: str) -> tuple[int, int]:
    """Offsets of one hand decision: ``quote``, or ``from`` + ``to`` (inclusive) / ``until`` (exclusive)."""
    occurrence = int(d.get("occurrence", 1))
    if "quote" in d:
        return _quote_span(text, d["quote"], occurrence, doc_id)
    if "from" not in d or ("to" in d) == ("until" in d):
        raise GoldError(f"{doc_id}: a decision needs quote, or from with exactly one of to/until: {dict(d)}")
    start, after = _quote_span(text, d["from"], occurrence, doc_id)
    marker = d.get("to", d.get("until"))
    k = text.find(marker, after)
    if k < 0:
        raise GoldError(f"{doc_id}: end quote {marker!r} not found after {d['from']!r}")
    return start, (k + len(marker) if "to" in d else k)


def _quote_span(text: str, quote: str, occurrence: int, doc_id: str) -> tuple[int, int]:
    pos = -1
    for _ in range(occurrence):
        pos = text.find(quote, pos + 1)
        if pos < 0:
            break
    if pos < 0:
        raise GoldError(f"{doc_id}: quote {quote!r} (occurrence {occurrence}) not found in the normalized text")
    return pos, pos + len(quote)


def build_gold_from_quotes(decisions: Mapping[str, list[dict]], texts: Mapping[str, str]) -> list[dict]:
    """Hand decisions ``{id: [{"label", "quote" | "from"+"to"/"until", "occurrence"?}]}`` to JSONL records.

    A quote must include exactly the characters of the span (with the line break it
    takes, written as ``\\n``).
    """
    records = []
    for doc_id, items in decisions.items():
        if doc_id not in texts:
            raise GoldError(f"no normalized text for {doc_id!r}")
        text = texts[doc_id]
        spans = []
        for d in items:
            start, end = _locate(text, d, doc_id)
            if d["label"] not in LABEL_NAMES:
                raise GoldError(f"{doc_id}: unknown label {d['label']!r}")
            spans.append({"start": start, "end": end, "label": d["label"], "text": text[start:end]})
        spans.sort(key=lambda s: (s["start"], s["end"]))
        for a, b in zip(spans, spans[1:]):
            if b["start"] < a["end"]:
                raise GoldError(f"{doc_id}: quotes {a['text']!r} and {b['text']!r} overlap")
        records.append({"id": doc_id, "spans": spans})
    return records


def write_gold(records: Iterable[dict], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def gold_from_source_toml(source: str | Path, texts: Mapping[str, str]) -> list[dict]:
    """Read the hand decisions of ``seeds_source.toml`` (``[[doc]] id=… [[doc.span]] label=… quote=…``)."""
    data = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    decisions = {str(d["id"]): list(d.get("span", [])) for d in data.get("doc", [])}
    return build_gold_from_quotes(decisions, texts)


def build_seed_gold(
    seeds_dir: str | Path,
    normalize_text,
    source: str | Path | None = None,
    out: str | Path | None = None,
) -> list[dict]:
    """Build ``seeds.jsonl`` from the hand decisions in ``seeds_source.toml``.

    ``normalize_text(raw: str) -> str`` gives the normalized text of a seed (e.g.
    ``lambda raw: normalize(raw).text``); seed ids are the file stems in ``seeds_dir``.
    """
    gold_dir = Path(__file__).resolve().parent.parent / "resources" / "gold"
    source = Path(source) if source else gold_dir / "seeds_source.toml"
    out = Path(out) if out else gold_dir / "seeds.jsonl"
    texts = {p.stem: normalize_text(p.read_text(encoding="utf-8")) for p in sorted(Path(seeds_dir).glob("*.txt"))}
    records = gold_from_source_toml(source, texts)
    write_gold(records, out)
    return records

