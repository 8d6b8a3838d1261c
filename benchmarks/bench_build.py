"""Benchmark the build against the pipeline a user would write by hand.

    python benchmarks/bench_build.py --size-mb 20 --out /tmp/bench --num-proc-list 1,2 [--profile]
    python benchmarks/bench_build.py --size-mb 2 --out /tmp/bench-smoke     # CI smoke mode

1. Writes a reproducible corpus of ``--size-mb`` MB of text (fixed ``--seed``)
   made from the seeds (see ``benchmarks/corpus.py``) as JSONL shards with
   ``source`` fields, into ``OUT/corpus-<size>mb`` (reused when already there).
2. Runs, each in a fresh subprocess so peak memory is its own:

   - the full build (``build_dataset``: read, normalize, label, corpus
     signal, splits, Parquet shards, card) once per ``--num-proc-list`` entry;
   - the baseline: ``datasets.load_dataset("json")`` + a batched ``.map`` of
     ``t2s.convert(ftfy.fix_text(t))`` + ``.to_parquet``, with one process.

3. Prints MB/s per core, documents/s, peak RSS (the largest single process:
   the driver's VmHWM or the largest worker's, from ``getrusage``), the ratio
   of build to baseline throughput per core and the 1→N speed-up, with the
   targets next to them. ``--json FILE`` also writes the figures.
4. ``--profile`` runs the build once more under cProfile (one process) and
   prints where the time goes, by function (``file:function``) and by file.

"MB" is 10^6 bytes of UTF-8 document text (not of JSONL).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGET_RATIO = 5.0
TARGET_RSS_BYTES = 1 << 30
TARGET_SPEEDUP = 1.7


# -- in the child process --------------------------------------------------------


def _peak_rss() -> dict[str, int]:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    hwm_kb = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm_kb = int(line.split()[1])
    except OSError:
        pass
    return {"driver_rss": max(self_kb, hwm_kb) * 1024, "worker_rss": children_kb * 1024}


def _child_build(corpus: Path, out: Path, num_proc: int) -> dict:
    from builder.dataset.build import BuildOptions, build_dataset

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    report = build_dataset(BuildOptions(inputs=(corpus,), output_dir=out, num_proc=num_proc))
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "documents": report.read, "written": report.written,
            "rejected": report.rejected, "input_bytes": report.input_bytes, **_peak_rss()}


def _child_baseline(corpus: Path, out: Path) -> dict:
    import datasets
    import ftfy
    import opencc

    datasets.disable_progress_bars()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    t2s = opencc.OpenCC("t2s")
    files = sorted(str(p) for p in corpus.glob("*.jsonl"))
    ds = datasets.load_dataset("json", data_files=files, split="train", cache_dir=str(out / "cache"))
    ds = ds.map(lambda b: {"text": [t2s.convert(ftfy.fix_text(t)) for t in b["text"]]}, batched=True)
    ds.to_parquet(str(out / "baseline.parquet"))
    elapsed = time.perf_counter() - started
    rows = len(ds)
    del ds
    shutil.rmtree(out / "cache", ignore_errors=True)
    return {"elapsed": elapsed, "documents": rows, **_peak_rss()}


def _child_profile(corpus: Path, out: Path, top: int) -> dict:
    import cProfile
    import pstats

    from builder.dataset.build import BuildOptions, build_dataset

    shutil.rmtree(out, ignore_errors=True)
    prof_file = out.with_suffix(".prof")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    build_dataset(BuildOptions(inputs=(corpus,), output_dir=out, num_proc=1))
    profiler.disable()
    elapsed = time.perf_counter() - started
    profiler.dump_stats(prof_file)
    stats = pstats.Stats(profiler)
    root = str(HERE.parent) + os.sep
    rows = []
    by_file: dict[str, float] = {}
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        short = filename.replace(root, "")
        if "site-packages" in short:
            short = "site-packages/" + short.split("site-packages/", 1)[1]
        rows.append({"where": f"{short}:{line}:{func}", "calls": ncalls, "tottime": tottime, "cumtime": cumtime})
        by_file[short] = by_file.get(short, 0.0) + tottime
    by_tottime = sorted(rows, key=lambda r: -r["tottime"])[:top]
    ours = [r for r in rows if r["where"].startswith("builder/")]
    by_cumtime = sorted(ours, key=lambda r: -r["cumtime"])[:top]
    files = sorted(by_file.items(), key=lambda kv: -kv[1])[:top]
    return {"elapsed": elapsed, "profile": str(prof_file), "by_tottime": by_tottime,
            "builder_by_cumtime": by_cumtime, "by_file": files}


def _child_main(args: argparse.Namespace) -> None:
    if args.child == "build":
        result = _child_build(args.corpus, args.target, args.num_proc)
    elif args.child == "baseline":
        result = _child_baseline(args.corpus, args.target)
    else:
        result = _child_profile(args.corpus, args.target, args.top)
    print("RESULT " + json.dumps(result, ensure_ascii=False))


# -- the driver -------------------------------------------------------------------


def _run_child(*argv: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {' '.join(argv)}")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"benchmark child printed no result: {' '.join(argv)}\n{proc.stdout[-2000:]}")


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"



def _labeler_in_use() -> str:
    """Which labeler the build runs: the compiled one (``pip install ./native``) or Python, and why."""
    from builder.labeling import load_rules
    from builder.labeling.native import native_status

    status = native_status(load_rules())
    return "compiled (zhwb_native)" if status == "ok" else f"Python ({status})"


def _normalizer_in_use() -> str:
    """Which normalizer the build runs, and why when it is the Python one."""
    from builder.normalize.config import DEFAULT
    from builder.normalize.native import native_status

    status = native_status(DEFAULT)
    return "compiled (zhwb_native)" if status == "ok" else f"Python ({status})"

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=2.0, help="MB of document text (default 2: smoke mode)")
    parser.add_argument("--out", type=Path, help="work folder (corpus, outputs, profile); required")
    parser.add_argument("--num-proc-list", default="1,2", help="build runs, comma separated (default 1,2)")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--shard-mb", type=float, help="MB per JSONL input shard (default: size/8, 1..16)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--profile", action="store_true", help="also profile the build (one process)")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the built datasets")
    parser.add_argument("--child", choices=("build", "baseline", "profile"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--num-proc", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args)
        return 0

    if args.out is None:
        parser.error("--out is required")
    from corpus import write_corpus

    shard_mb = args.shard_mb or min(16.0, max(1.0, args.size_mb / 8))

    out = args.out.resolve()
    label = f"{args.size_mb:g}mb-seed{args.seed}"
    corpus = out / f"corpus-{label}"
    manifest = corpus / "manifest.json"
    if manifest.is_file():
        info = json.loads(manifest.read_text())
    else:
        shutil.rmtree(corpus, ignore_errors=True)
        started = time.perf_counter()
        info = write_corpus(corpus, args.size_mb, seed=args.seed, shard_mb=shard_mb)
        info["generated_in"] = round(time.perf_counter() - started, 2)
        # not a .jsonl, so the build's reader skips it
        manifest.write_text(json.dumps(info))
    mb = info["text_bytes"] / 1e6
    print(f"corpus: {corpus} — {info['documents']} documents, {mb:.1f} MB text, "
          f"{info['file_bytes'] / 1e6:.1f} MB JSONL in {info['shards']} shards")
    labeler = _labeler_in_use()
    normalizer = _normalizer_in_use()
    print(f"labeler: {labeler}")
    print(f"normalizer: {normalizer}")

    results: dict[str, dict] = {}
    nprocs = [int(n) for n in args.num_proc_list.split(",") if n.strip()]
    for n in nprocs:
        r = _run_child("--child", "build", "--corpus", str(corpus), "--target", str(out / f"build-np{n}"),
                       "--num-proc", str(n))
        r["mb_s_per_core"] = mb / r["elapsed"] / n
        r["docs_s"] = r["documents"] / r["elapsed"]
        results[f"build-np{n}"] = r
        print(f"build  num_proc={n}: {r['elapsed']:.1f} s, {r['mb_s_per_core']:.3f} MB/s/core, "
              f"{r['docs_s']:.1f} docs/s, peak RSS driver {_mib(r['driver_rss'])}, "
              f"worker {_mib(r['worker_rss'])} (read {r['documents']}, written {r['written']}, "
              f"rejected {r['rejected']})", flush=True)
        if not args.keep:
            shutil.rmtree(out / f"build-np{n}", ignore_errors=True)
    if not args.skip_baseline:
        r = _run_child("--child", "baseline", "--corpus", str(corpus), "--target", str(out / "baseline"))
        r["mb_s_per_core"] = mb / r["elapsed"]
        r["docs_s"] = r["documents"] / r["elapsed"]
        results["baseline"] = r
        print(f"baseline (load_dataset + ftfy + t2s + to_parquet, 1 proc): {r['elapsed']:.1f} s, "
              f"{r['mb_s_per_core']:.3f} MB/s/core, {r['docs_s']:.1f} docs/s, "
              f"peak RSS {_mib(r['driver_rss'])}", flush=True)
        if not args.keep:
            shutil.rmtree(out / "baseline", ignore_errors=True)

    summary: dict[str, object] = {
        "corpus": info, "size_mb": mb, "labeler": labeler, "normalizer": normalizer, "runs": results
    }
    print("\n== against the targets ==")
    base = results.get("baseline")
    one = results.get("build-np1")
    if one and base:
        ratio = one["mb_s_per_core"] / base["mb_s_per_core"]
        summary["build_over_baseline_per_core"] = ratio
        print(f"build/baseline throughput per core: {ratio:.2f}× (target ≥ {TARGET_RATIO:g}×: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    peak = max((max(r["driver_rss"], r["worker_rss"]) for k, r in results.items() if k.startswith("build")),
               default=0)
    summary["build_peak_rss"] = peak
    print(f"build peak RSS of one process: {_mib(peak)} on {mb:.0f} MB (target < 1 GiB on 1 GB: "
          f"{'met' if peak < TARGET_RSS_BYTES else 'NOT met'}{'' if mb >= 1000 else ', corpus smaller than 1 GB'})")
    if one and len(nprocs) > 1:
        for n in nprocs[1:]:
            other = results[f"build-np{n}"]
            speedup = one["elapsed"] / other["elapsed"]
            summary[f"speedup_1_to_{n}"] = speedup
            print(f"speed-up 1→{n} processes: {speedup:.2f}× (target ≥ {TARGET_SPEEDUP:g}× for 2: "
                  f"{'met' if n != 2 or speedup >= TARGET_SPEEDUP else 'NOT met'}; this machine has "
                  f"{os.cpu_count()} cores)")

    if args.profile:
        r = _run_child("--child", "profile", "--corpus", str(corpus), "--target", str(out / "profile-build"),
                       "--top", str(args.top))
        summary["profile"] = r
        print(f"\n== profile of the build, 1 process ({r['elapsed']:.1f} s under cProfile; {r['profile']}) ==")
        print("by own time (file:line:function, calls, tottime s, cumtime s):")
        for row in r["by_tottime"]:
            print(f"  {row['tottime']:8.2f} {row['cumtime']:8.2f} {row['calls']:>10}  {row['where']}")
        print("builder functions by cumulative time:")
        for row in r["builder_by_cumtime"]:
            print(f"  {row['cumtime']:8.2f} {row['tottime']:8.2f} {row['calls']:>10}  {row['where']}")
        print("own time by file:")
        for name, seconds in r["by_file"]:
            print(f"  {seconds:8.2f}  {name}")
        shutil.rmtree(out / "profile-build", ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
