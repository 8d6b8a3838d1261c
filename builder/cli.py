"""Command line: a thin layer over the public API.

Exit codes mean one thing each, so scripts can react:

- 0: done (documents that could not be used are listed in ``rejected.jsonl``)
- 1: an unexpected internal error (a bug: please report it)
- 2: bad usage or unusable inputs (missing path, unsupported file type)
- 3: the data cannot be used (stale gold annotations, card vs Parquet,
  every document rejected, a distributed task that did not finish)
- 4: the quality gate failed (``evaluate --min-f1``)
- 130: interrupted; the previous build output is untouched
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_DATA, EXIT_GATE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

DEFAULT_SEEDS = Path("seeds")
DEFAULT_OUTPUT = Path("builder")
DEFAULT_CARD_COPY = Path("dataset_card.md")


def default_gold_path() -> Path:
    """The hand annotations of the seed documents, shipped with the package."""
    return Path(__file__).resolve().parent / "resources" / "gold" / "seeds.jsonl"


def _progress_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def _cmd_build(args: argparse.Namespace) -> int:
    from builder.dataset.build import BuildOptions, build_dataset

    if args.num_proc < 1 or args.shard_size_mb <= 0:
        print("error: --num-proc must be ≥ 1 and --shard-size-mb > 0", file=sys.stderr)
        return EXIT_USAGE
    if args.tasks is not None and args.tasks < 1:
        print("error: --tasks must be ≥ 1", file=sys.stderr)
        return EXIT_USAGE
    seeds_build = args.input is None
    if not seeds_build and args.output is None:
        print("error: --input needs --output DIR (builder/ holds the seed dataset)", file=sys.stderr)
        return EXIT_USAGE
    inputs = tuple(args.input) if args.input else (DEFAULT_SEEDS,)
    if seeds_build and not DEFAULT_SEEDS.is_dir():
        print(
            "error: no ./seeds folder here; run from the repository root "
            "or name inputs with --input PATH",
            file=sys.stderr,
        )
        return EXIT_USAGE
    output = args.output or DEFAULT_OUTPUT
    gold = args.gold
    if gold is None and seeds_build:
        gold = default_gold_path()
    if gold is not None and not gold.is_file():
        if args.gold is not None:
            print(f"error: {gold}: no such gold file", file=sys.stderr)
            return EXIT_USAGE
        gold = None
    options = BuildOptions(
        inputs=inputs,
        output_dir=output,
        card_copy=DEFAULT_CARD_COPY if (seeds_build and args.output is None) else None,
        labels=args.labels,
        gold_path=gold,
        corpus_signal=not args.no_corpus_signal,
        num_proc=args.num_proc,
        shard_bytes=int(args.shard_size_mb * 1024 * 1024),
    )
    bar = None
    progress = None
    if _progress_enabled():
        import time

        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="build", file=sys.stderr, dynamic_ncols=True)
        started, done_bytes = time.perf_counter(), [0]

        def progress(docs: int, size: int) -> None:
            done_bytes[0] += size
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{done_bytes[0] / elapsed / 1e6:.1f} MB/s", refresh=False)
            bar.update(docs)

    try:
        if args.executor:
            from builder.distributed.build import run_distributed_build

            try:
                report = run_distributed_build(
                    options, executor=args.executor, tasks=args.tasks or max(args.num_proc, 1),
                    workers=args.num_proc,
                )
            except ImportError as err:  # the optional extra is not installed
                print(f"error: {err}", file=sys.stderr)
                return EXIT_USAGE
        else:
            report = build_dataset(options, progress=progress)
    finally:
        if bar:
            bar.close()
    print(report.summary())
    print(f"wrote {output / 'data'} and {output / 'README.md'}"
          + (f" (card copied to {options.card_copy})" if options.card_copy else ""))
    if report.rejected:
        print(f"rejections with reasons: {output / 'rejected.jsonl'}")
    return EXIT_OK


def _cmd_push(args: argparse.Namespace) -> int:
    from builder.dataset.push import plan_upload, push_plan

    plan = plan_upload(args.folder, args.repo_id, private=args.private)
    print(plan.describe())
    if args.dry_run:
        print("dry run: plan checked, nothing uploaded")
        return EXIT_OK
    result = push_plan(plan, token=args.token)
    print(f"uploaded: {getattr(result, 'commit_url', result)}")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from builder.evaluation import evaluate_seeds

    result = evaluate_seeds(seeds=args.seeds, gold_path=args.gold or default_gold_path())
    print(result.table)
    if args.min_f1 is not None and result.overall_f1 < args.min_f1:
        print(
            f"quality gate failed: overall boilerplate F1 {result.overall_f1:.4f} < {args.min_f1}",
            file=sys.stderr,
        )
        return EXIT_GATE
    return EXIT_OK


def _read_input(path: str, stdin: TextIO) -> str:
    from builder.normalize import decode_bytes

    data = stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return decode_bytes(data).text


def _cmd_clean(args: argparse.Namespace) -> int:
    from builder import clean

    for path in args.files:
        sys.stdout.write(clean(_read_input(path, sys.stdin)))
        sys.stdout.write("\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m builder",
        description=(
            "Turn noisy Chinese web documents into clean, span-labeled training data: "
            "normalize each document (keeping an alignment to the raw text), label its "
            "boilerplate spans, and write a typed Hugging Face dataset with its card."
        ),
        epilog=(
            "examples:\n"
            "  python -m builder build                      # seeds/ -> builder/data + card\n"
            "  python -m builder build --input corpus/ more.jsonl.gz --output out/\n"
            "  python -m builder evaluate                   # rules vs hand labels\n"
            "  python -m builder clean page.txt             # print the text without boilerplate\n"
            "  python -m builder push user/zh-web-boilerplate --dry-run\n\n"
            "exit codes: 0 ok, 1 internal error, 2 bad usage or inputs, "
            "3 inconsistent data (stale gold, card vs data), 4 quality gate failed, 130 interrupted"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser(
        "build",
        help="build the dataset (default: seeds/ into builder/)",
        description=(
            "Read documents, normalize and label them, split them by source, and write "
            "DIR/data/{split}-*.parquet plus DIR/README.md (the dataset card). Without "
            "--input, builds the seed documents into builder/ and refreshes dataset_card.md. "
            "Output is staged and moved into place only when the build succeeds."
        ),
    )
    build.add_argument(
        "--input", nargs="+", action="extend", type=Path, metavar="PATH",
        help="folders (scanned for .txt, .jsonl, .jsonl.gz, .parquet) or files; "
        ".txt = one document, id from the file name; JSONL/Parquet rows need a 'text' "
        "field and may carry 'id', 'url', 'source'",
    )
    build.add_argument("--output", type=Path, metavar="DIR",
                       help="where data/ and README.md go (default: builder/)")
    build.add_argument("--labels", choices=("auto", "rules"), default="auto",
                       help="auto: hand (gold) labels where they exist, rules elsewhere; "
                       "rules: ignore gold (default: auto)")
    build.add_argument("--gold", type=Path, metavar="FILE",
                       help="gold span file (standoff JSONL); default for the seeds: the packaged one")
    build.add_argument("--no-corpus-signal", action="store_true",
                       help="skip the second pass that labels lines repeated across a site's documents")
    build.add_argument("--num-proc", type=int, default=1, metavar="N",
                       help="worker processes for normalizing and labeling (default: 1)")
    build.add_argument("--shard-size-mb", type=float, default=256.0, metavar="MB",
                       help="target size of one Parquet shard, counted as document text (text + raw_text) before compression (default: 256)")
    build.add_argument("--executor", choices=("local", "ray", "slurm"),
                       help="run pass 1 through a datatrove executor instead of the built-in "
                       "process pool (needs: pip install 'zh-web-boilerplate[distributed]'); "
                       "the result equals the single-machine build")
    build.add_argument("--tasks", type=int, metavar="N",
                       help="with --executor: number of datatrove tasks (default: --num-proc)")
    build.set_defaults(func=_cmd_build)

    push = sub.add_parser(
        "push",
        help="publish a built dataset to the Hugging Face Hub",
        description="Upload README.md and data/*.parquet of a built folder as a dataset repository. "
        "The card and the Parquet row counts are checked before anything is sent.",
    )
    push.add_argument("repo_id", help="target repository, 'user/name'")
    push.add_argument("--folder", type=Path, default=DEFAULT_OUTPUT,
                      help="built dataset folder (default: builder/)")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    push.add_argument("--dry-run", action="store_true",
                      help="check and print the upload plan; send nothing")
    push.add_argument("--token", help="Hub token (default: the logged-in token / HF_TOKEN)")
    push.set_defaults(func=_cmd_push)

    evaluate = sub.add_parser(
        "evaluate",
        help="compare the rules with the hand (gold) labels of the seeds",
        description="Label the seed documents with the rules only and compare with the gold spans: "
        "character-level precision, recall and F1 per label and overall (boilerplate vs content), "
        "and exact span matches.",
    )
    evaluate.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="seed folder (default: seeds/)")
    evaluate.add_argument("--gold", type=Path, help="gold span file (default: the packaged one)")
    evaluate.add_argument("--min-f1", type=float, metavar="F",
                          help="exit with code 4 when overall boilerplate F1 is below F")
    evaluate.set_defaults(func=_cmd_evaluate)

    clean = sub.add_parser(
        "clean",
        help="print documents with boilerplate removed",
        description="Normalize each FILE (or standard input for '-') and print it with every "
        "labeled boilerplate span removed.",
    )
    clean.add_argument("files", nargs="+", metavar="FILE", help="text file, or - for standard input")
    clean.set_defaults(func=_cmd_clean)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from builder.dataset.build import EmptyBuildError
    from builder.dataset.gold import GoldError
    from builder.dataset.output import OutputLockedError
    from builder.dataset.push import UploadPlanError, UploadUsageError
    from builder.dataset.readers import InputError
    from builder.normalize import UndecodableInputError

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted: previous output left untouched", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (InputError, UploadUsageError, OutputLockedError, FileNotFoundError, IsADirectoryError, UndecodableInputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (GoldError, UploadPlanError, EmptyBuildError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DATA
