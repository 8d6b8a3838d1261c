"""A reproducible synthetic corpus made from the seed documents.

Each generated document starts from one seed and is varied so the corpus is
not one document repeated:

- its body paragraphs are a shuffled, resampled subset of the paragraphs of
  every seed of the same family (same seed file), so paragraphs move across
  the documents of a family;
- its leading and trailing boilerplate blocks (the first and last lines of a
  seed) are swapped in from another document of the family, or now and then
  from another seed altogether;
- counters (点赞:8856, 浏览:33849, 下载数量: 33), dates (2024-03-01,
  2023(5)) and site names (淘文阁, 汇文网, 范文中心, …) are redrawn;
- some paragraphs are turned into traditional characters (OpenCC s2t), get
  pinyin glosses after characters as seed 003 has them (發(fā)), get
  half-width punctuation (, . : ;) as seed 000 has, or get the 怎么写作
  artifact (for 服务) of seed 000.

Documents carry a ``source`` (the site named in them, or "" like some seeds),
an ``id`` and a ``url``, and are written as JSONL shards. The same seed and
size give byte-identical files.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

SITES = [
    "淘文阁", "汇文网", "范文中心", "文库吧", "第一范文网", "豆丁文库", "原创力文档", "道客巴巴",
    "人人文库", "冰点文库", "写写帮", "范文网", "中国论文网", "学术堂", "好范文", "文档之家",
]
SITE_HOSTS = {
    "淘文阁": "taowenge", "汇文网": "huiwenwang", "范文中心": "fanwenzhongxin", "文库吧": "wenkuba",
    "第一范文网": "diyifanwen", "豆丁文库": "douding", "原创力文档": "yuanchuangli", "道客巴巴": "daokebaba",
    "人人文库": "renrenwenku", "冰点文库": "bingdian", "写写帮": "xiexiebang", "范文网": "fanwenwang",
    "中国论文网": "lunwen", "学术堂": "xueshutang", "好范文": "haofanwen", "文档之家": "wendangzhijia",
}
#: a few characters with their pinyin, written after them as the seeds' conversion artifacts do
PINYIN = {
    "发": "fā", "展": "zhǎn", "的": "de", "组": "zǔ", "织": "zhī", "导": "dǎo", "创": "chuàng",
    "强": "qiáng", "进": "jìn", "设": "shè", "础": "chǔ", "训": "xùn", "习": "xí", "务": "wù",
}
_COUNTER = re.compile(r"(点赞|浏览|阅读|下载|下载数量|收藏|评论|页数|字数)([:：]\s*)(\d+)")
_DATE = re.compile(r"(20\d\d)([-./年])(\d{1,2})([-./月])(\d{1,2})")
_YEAR_ISSUE = re.compile(r"(20\d\d)\((\d{1,2})\)")


@dataclass(frozen=True)
class Seed:
    name: str
    source: str
    lines: list[str]
    head: int  # number of leading boilerplate lines
    tail: int  # number of trailing boilerplate lines


def load_seeds(folder: Path = SEEDS) -> list[Seed]:
    meta = {}
    meta_file = folder / "metadata.jsonl"
    if meta_file.is_file():
        for line in meta_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                meta[row["file_name"]] = row
    seeds = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_bytes().decode("utf-8", "replace")
        lines = text.split("\n")
        n = len(lines)
        seeds.append(Seed(path.name, str(meta.get(path.name, {}).get("source") or ""), lines,
                          head=max(1, min(4, n // 8)), tail=max(1, min(8, n // 5))))
    if not seeds:
        raise SystemExit(f"no seeds in {folder}")
    return seeds


class CorpusGenerator:
    def __init__(self, seed: int = 20240301, seeds: list[Seed] | None = None) -> None:
        self.rng = random.Random(seed)
        self.seeds = seeds or load_seeds()
        import opencc

        self._s2t = opencc.OpenCC("s2t")

    # -- variations -------------------------------------------------------------
    def _vary_numbers(self, text: str) -> str:
        rng = self.rng
        text = _COUNTER.sub(lambda m: f"{m[1]}{m[2]}{rng.randint(0, 10 ** rng.randint(1, 5))}", text)
        text = _DATE.sub(
            lambda m: f"{rng.randint(2010, 2025)}{m[2]}{rng.randint(1, 12):02d}{m[4]}{rng.randint(1, 28):02d}", text
        )
        return _YEAR_ISSUE.sub(lambda m: f"{rng.randint(2010, 2025)}({rng.randint(1, 24)})", text)

    def _vary_sites(self, text: str, site: str) -> str:
        for name in ("淘文阁", "汇文网", "范文中心"):
            if name in text:
                text = text.replace(name, site)
        return text

    def _inject(self, para: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            return self._s2t.convert(para)
        if roll < 0.09:
            out = []
            for ch in para:
                out.append(ch)
                if ch in PINYIN and rng.random() < 0.5:
                    out.append(f"({PINYIN[ch]})")
            return "".join(out)
        if roll < 0.15:
            return para.replace("，", ",").replace("。", ".").replace("：", ":").replace("；", ";")
        if roll < 0.18 and "服务" in para:
            return para.replace("服务", "怎么写作")
        return para

    # -- documents --------------------------------------------------------------
    def document(self, number: int) -> dict[str, str]:
        rng = self.rng
        family = rng.randrange(len(self.seeds))
        seed = self.seeds[family]
        donor = self.seeds[rng.randrange(len(self.seeds))] if rng.random() < 0.2 else seed
        head = donor.lines[: donor.head]
        donor = self.seeds[rng.randrange(len(self.seeds))] if rng.random() < 0.2 else seed
        tail = donor.lines[len(donor.lines) - donor.tail:]
        body_pool = seed.lines[seed.head: len(seed.lines) - seed.tail]
        keep = max(1, int(len(body_pool) * rng.uniform(0.3, 1.0)))
        body = rng.sample(body_pool, keep) if rng.random() < 0.7 else body_pool[:keep]
        body = [self._inject(p) for p in body]
        if seed.source or rng.random() < 0.5:
            site = seed.source if seed.source and rng.random() < 0.4 else rng.choice(SITES)
        else:
            site = ""
        text = "\n".join([*head, *body, *tail])
        text = self._vary_numbers(text)
        if site:
            text = self._vary_sites(text, site)
        host = SITE_HOSTS.get(site, "example")
        return {
            "id": f"{family:02d}-{number:08d}",
            "text": text,
            "source": site,
            "url": f"https://www.{host}.example.com/doc/{number}.html",
        }

    def documents(self) -> Iterator[dict[str, str]]:
        number = 0
        while True:
            yield self.document(number)
            number += 1


def write_corpus(
    folder: Path, size_mb: float, *, seed: int = 20240301, shard_mb: float = 16.0
) -> dict[str, int]:
    """Write about ``size_mb`` MB of JSONL (UTF-8 text bytes) as shards; return counts."""
    folder.mkdir(parents=True, exist_ok=True)
    target = int(size_mb * 1_000_000)
    shard_target = int(shard_mb * 1_000_000)
    gen = CorpusGenerator(seed)
    total_text = total_file = docs = shard = 0
    handle = None
    shard_bytes = 0
    for doc in gen.documents():
        if total_text >= target:
            break
        if handle is None or shard_bytes >= shard_target:
            if handle:
                handle.close()
            handle = open(folder / f"part-{shard:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            shard += 1
            shard_bytes = 0
        line = json.dumps(doc, ensure_ascii=False) + "\n"
        handle.write(line)
        encoded = len(line.encode("utf-8"))
        shard_bytes += encoded
        total_file += encoded
        total_text += len(doc["text"].encode("utf-8"))
        docs += 1
    if handle:
        handle.close()
    return {"documents": docs, "text_bytes": total_text, "file_bytes": total_file, "shards": shard}


if __name__ == "__main__":  # pragma: no cover
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=2)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--shard-mb", type=float, default=16)
    args = parser.parse_args()
    print(json.dumps(write_corpus(args.out, args.size_mb, seed=args.seed, shard_mb=args.shard_mb)))
