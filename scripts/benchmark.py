#!/usr/bin/env python3
"""`make bench`: time whole `build` runs on a generated site (scripts/corpus.py).

For each size it prints, in separate processes as an editor would run them:
cold (no cache, no previous site), no-op (nothing changed), one-article edit,
warm full rebuild after a template change (base.html), after a change to one page
type's template (cause.html) and after a CSS change, and the peak
memory of each run's largest process. Nothing is asserted: performance is
measured here, never in timed tests.

    python scripts/benchmark.py [--articles 1000 10000] [--jobs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from corpus import generate  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
if code.returncode:
    print(code.stderr[-2000:], file=sys.stderr)
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code.returncode)
"""

# Python as an editor's machine runs it, with its compiled modules kept: where the environment
# turns that off (PYTHONDONTWRITEBYTECODE, as some sandboxes do), every build would compile the
# package again first (about 0.2 s, most of a no-op at 1,000 articles).
BYTECODE_ON = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def build(root: Path, jobs: int) -> tuple[float, float]:
    """One `build --no-search` in a fresh process: (seconds, peak MB of its largest process)."""
    command = [sys.executable, "-c", MEASURE, sys.executable, str(REPO / "build.py"), "build", "--no-search", "--jobs", str(jobs)]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=BYTECODE_ON)
    seconds, rss, code = result.stdout.split()
    if code != "0":
        raise SystemExit(f"build failed in {root}:\n{result.stderr}")
    return float(seconds), int(rss) / 1024


def edit_article(root: Path, round_: int) -> None:
    article = root / "content/conditions/condition-1.md"
    text = article.read_text()
    article.write_text(text.replace("## Symptoms", f"Edited {round_}.\n\n## Symptoms", 1))


def edit_template(root: Path, round_: int) -> None:
    with (root / "templates/base.html").open("a") as file:
        file.write(f"{{# benchmark edit {round_} #}}\n")


def edit_cause_template(root: Path, round_: int) -> None:
    """A template of some pages only: the cause pages."""
    with (root / "templates/cause.html").open("a") as file:
        file.write(f"{{# benchmark edit {round_} #}}\n")


def edit_css(root: Path, round_: int) -> None:
    with (root / "static/style.css").open("a") as file:
        file.write(f"/* benchmark edit {round_} */\n")


def measure(articles: int, jobs: int, rounds: int) -> dict[str, tuple[float, float]]:
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        generate(root, articles)
        for round_ in range(rounds):
            for leftover in (root / "public", root / ".healthsite-cache"):
                shutil.rmtree(leftover, ignore_errors=True)
            steps = [("cold", None), ("no-op", None), ("one-article edit", edit_article),
                     ("template change", edit_template), ("cause.html change", edit_cause_template),
                     ("CSS change", edit_css)]
            for name, change in steps:
                if change:
                    change(root, round_)
                results.setdefault(name, []).append(build(root, jobs))
    return {name: (statistics.median(s for s, _ in runs), max(m for _, m in runs)) for name, runs in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="+", default=[1000])
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: one per core)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print("| articles | run | seconds | peak MB |\n| ---: | --- | ---: | ---: |")
    for count in args.articles:
        for name, (seconds, peak) in measure(count, args.jobs, args.rounds).items():
            print(f"| {count:,} | {name} | {seconds:.2f} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()
