"""Rebuild ``builder/resources/gold/seeds.jsonl`` from the hand decisions in ``seeds_source.toml``.

Run after the normalizer changes: ``python -m builder.labeling.build_seed_gold [SEEDS_DIR]``.
A quote that no longer matches the normalized text stops the build with a GoldError
(decide that span again by hand; never copy the labeler's output).
"""

from __future__ import annotations

import sys

from builder.labeling.gold import build_seed_gold


def main(argv: list[str] | None = None) -> int:
    from builder.normalize import normalize  # type: ignore[attr-defined]

    args = sys.argv[1:] if argv is None else argv
    recs = build_seed_gold(args[0] if args else "seeds", lambda raw: normalize(raw).text)
    print(f"wrote {sum(len(r['spans']) for r in recs)} gold spans for {len(recs)} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
