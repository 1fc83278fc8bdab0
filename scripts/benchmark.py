#!/usr/bin/env python3
"""Time the build on a generated corpus: `python scripts/benchmark.py [--articles N ...]`.

Articles share causes and treatments from fixed pools (as real conditions do)
and link to them, so the graph and the cross-linked pages are realistic.
Prints the time of each stage; nothing is asserted (performance is measured
here, never in timed tests).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from healthsite.config import load_config  # noqa: E402
from healthsite.pipeline import publish  # noqa: E402

WORDS = "muscle pain rest water sleep walk stretch warm cold food salt body nerve back leg neck arm".split()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(root: Path, articles: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    causes = [f"cause {i}" for i in range(max(20, articles // 5))]
    treatments = [f"treatment {i}" for i in range(max(15, articles // 8))]
    folder = root / "content/conditions"
    folder.mkdir(parents=True)
    for part in ("templates", "static"):
        shutil.copytree(REPO / part, root / part)
    shutil.copytree(REPO / "content/pages", root / "content/pages")
    (root / "config.yaml").write_text("title: Benchmark\n")
    for i in range(articles):
        mine_causes = rng.sample(causes, 8)
        mine_treatments = rng.sample(treatments, 5)
        lines = ["---", f"title: Condition {i}", f"summary: {sentence(rng)}", "reviewed: 2026-01-01", "---",
                 f"{sentence(rng)} {sentence(rng)} See [[{mine_causes[0]}]].", "", "## Symptoms", "", sentence(rng), "",
                 "## Causes", "", "Some causes:", ""]
        lines += [f"{n}. {name.capitalize()}: {sentence(rng)}\n" for n, name in enumerate(mine_causes, 1)]
        lines += ["## Treatments", ""]
        lines += [f"{n}- {name.capitalize()}: {sentence(rng)} Helps [[{mine_causes[n]}]].\n" for n, name in enumerate(mine_treatments, 1)]
        lines += ["## How to prevent it", "", f"{sentence(rng)} Avoid [[{mine_causes[1]}]].", "",
                  "## When to see a doctor", "", sentence(rng), ""]
        (folder / f"condition-{i}.md").write_text("\n".join(lines))


def run(articles: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, articles)
        config, _ = load_config(root / "config.yaml")
        start = time.perf_counter()
        build = publish(config)
        total = time.perf_counter() - start
        assert build.written, build.problems[:5]
        pages = sum(1 for o in build.outputs if o.path.endswith(".html"))
        stages = "  ".join(f"{name} {seconds:.2f}s" for name, seconds in build.timings.items())
        print(f"{articles:>6} articles, {pages:>6} pages: {total:6.2f} s  ({stages})  {total / pages * 1000:.2f} ms/page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, nargs="+", default=[10, 100, 1000])
    for count in parser.parse_args().articles:
        run(count)


if __name__ == "__main__":
    main()
