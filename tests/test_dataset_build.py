"""The seed build end to end: Parquet schema, card/data agreement, splits, load_dataset."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from builder.dataset.build import BuildReport
from builder.dataset.splits import SPLITS, group_key
from builder.labels import LABEL_NAMES
from builder.normalize.families import EDIT_FAMILIES
from builder.schema import FEATURES


def _rows(folder: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for shard in sorted((folder / "data").glob("*.parquet")):
        out.setdefault(shard.name.split("-")[0], []).extend(pq.read_table(shard).to_pylist())
    return out


def _card_yaml(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n", 2)[1])


def test_every_seed_is_written_and_counts_reconcile(seed_build: tuple[Path, BuildReport]) -> None:
    out, report = seed_build
    rows = _rows(out)
    ids = sorted(r["id"] for split in rows.values() for r in split)
    seed_ids = sorted(p.stem for p in (Path(__file__).parents[1] / "seeds").glob("*.txt"))
    assert ids == seed_ids
    assert report.read == 5 and report.written == 5 and report.rejected == 0
    assert (out / "rejected.jsonl").read_text() == ""


def test_parquet_schema_is_the_features_schema(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    for shard in (out / "data").glob("*.parquet"):
        schema = pq.read_schema(shard)
        assert schema.remove_metadata() == FEATURES.arrow_schema.remove_metadata()
        hf = json.loads(schema.metadata[b"huggingface"])
        names = hf["info"]["features"]["spans"]["feature"]["label"]["names"]
        assert names == list(LABEL_NAMES)


def test_three_nonempty_splits_grouped_by_source(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    rows = _rows(out)
    assert set(rows) == set(SPLITS)
    assert all(rows[s] for s in SPLITS)
    seen: dict[str, str] = {}
    for split, split_rows in rows.items():
        for row in split_rows:
            key = group_key(row["source"], row["id"])
            assert seen.setdefault(key, split) == split, f"{key} in two splits"


def test_card_yaml_agrees_with_parquet(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    card = (out / "README.md").read_text(encoding="utf-8")
    meta = _card_yaml(card)
    rows = _rows(out)
    declared = {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]}
    assert declared == {s: len(r) for s, r in rows.items()}
    # the YAML features are the schema's, ClassLabel names included
    from datasets import DatasetInfo

    yaml_features = DatasetInfo._from_yaml_dict({"features": meta["dataset_info"]["features"]}).features
    assert yaml_features == FEATURES
    configs = meta["configs"][0]["data_files"]
    assert {c["split"] for c in configs} == set(rows)
    assert meta["language"] == ["zh"] and meta["license"] == "other"
    assert (out / "dataset_card.md").read_text(encoding="utf-8") == card


def test_card_figures_are_the_data_figures(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    card = (out / "README.md").read_text(encoding="utf-8")
    rows = [r for split in _rows(out).values() for r in split]
    n_docs = len(rows)
    assert f"**{n_docs} documents**" in card
    text_chars = sum(len(r["text"]) for r in rows)
    assert f"({text_chars} normalized characters" in card
    for i, name in enumerate(LABEL_NAMES):
        spans = sum(1 for r in rows for s in r["spans"] if s["label"] == i)
        chars = sum(s["end"] - s["start"] for r in rows for s in r["spans"] if s["label"] == i)
        assert f"| {i} | `{name}` | {spans} | {chars} |" in card
    for family in EDIT_FAMILIES:
        total = sum(r["normalization"]["edits"][family] for r in rows)
        assert f"| `{family}` | {total} |" in card
    for section in ("## Summary", "## Intended use", "## Labels", "## Normalization",
                    "## How the splits were made", "## Source data",
                    "## Personal and sensitive information", "## Limitations"):
        assert section in card


def test_rows_are_internally_consistent(seed_build: tuple[Path, BuildReport]) -> None:
    out, _ = seed_build
    from builder.alignment import Alignment

    for row in (r for split in _rows(out).values() for r in split):
        al = Alignment(row["alignment"]["text_offsets"], row["alignment"]["raw_offsets"])
        assert al.text_length == len(row["text"]) == row["normalization"]["text_chars"]
        assert al.raw_length == len(row["raw_text"]) == row["normalization"]["raw_chars"]
        previous_end = 0
        for span in row["spans"]:
            assert previous_end <= span["start"] < span["end"] <= len(row["text"])
            previous_end = span["end"]
            assert (span["raw_start"], span["raw_end"]) == al.span_to_raw(span["start"], span["end"])
        assert row["label_source"] in ("gold", "rules")


def test_build_is_deterministic(seed_build: tuple[Path, BuildReport], tmp_path: Path) -> None:
    from builder.dataset.build import BuildOptions, build_dataset

    out, _ = seed_build
    again = tmp_path / "again"
    gold = Path(__file__).parents[1] / "builder" / "resources" / "gold" / "seeds.jsonl"
    build_dataset(BuildOptions(inputs=(Path(__file__).parents[1] / "seeds",), output_dir=again,
                               gold_path=gold if gold.is_file() else None))
    assert _rows(again) == _rows(out)
    assert (again / "README.md").read_text() == (out / "README.md").read_text()


def test_committed_dataset_is_fresh(seed_build: tuple[Path, BuildReport], repo_root: Path) -> None:
    """builder/data and dataset_card.md must be what the current code builds from seeds/."""
    out, _ = seed_build
    committed = repo_root / "builder"
    assert (committed / "data").is_dir(), "run `python -m builder build` and commit builder/data"
    assert _rows(committed) == _rows(out), "builder/data is stale: run `python -m builder build`"
    fresh_card = (out / "README.md").read_text(encoding="utf-8")
    assert (committed / "README.md").read_text(encoding="utf-8") == fresh_card, "builder/README.md is stale"
    assert (repo_root / "dataset_card.md").read_text(encoding="utf-8") == fresh_card, "dataset_card.md is stale"


LOAD_SCRIPT = """
import sys
sys.modules['builder'] = None  # loading must not need this package's code
import datasets
ds = datasets.load_dataset(sys.argv[1])
out = {split: ds[split].num_rows for split in ds}
label = ds['train'].features['spans'].feature['label']
print(repr((sorted(out.items()), label.names, type(ds).__name__)))
"""


def test_load_dataset_reads_the_committed_folder(repo_root: Path, tmp_path: Path) -> None:
    """`load_dataset("./builder")` gives typed splits, without importing our package."""
    result = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT, "./builder"],
        cwd=repo_root, capture_output=True, text=True, timeout=300,
        env={"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
             "HF_HOME": str(tmp_path / "hf"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    splits, names, kind = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert kind == "DatasetDict"
    assert [s for s, _ in splits] == sorted(SPLITS) and all(n > 0 for _, n in splits)
    assert names == list(LABEL_NAMES)


def test_no_loading_script_in_builder(repo_root: Path) -> None:
    assert not (repo_root / "builder" / "builder.py").exists()


def test_card_says_which_labeler_its_quality_table_measures(
    seed_build: tuple[Path, BuildReport], tmp_path: Path
) -> None:
    from builder.cli import default_gold_path
    from builder.dataset.build import BuildOptions, build_dataset

    with_signal = (seed_build[0] / "README.md").read_text(encoding="utf-8")
    assert "plus the corpus signal's repeated lines" in with_signal
    out = tmp_path / "no-signal"
    build_dataset(
        BuildOptions(
            inputs=(Path(__file__).parents[1] / "seeds",), output_dir=out,
            gold_path=default_gold_path(), corpus_signal=False,
        )
    )
    without = (out / "README.md").read_text(encoding="utf-8")
    assert "## Label quality" in without
    assert "this build ran without the corpus signal" in without
    assert "plus the corpus signal's repeated lines" not in without
