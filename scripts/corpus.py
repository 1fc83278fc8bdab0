"""A deterministic generated site for benchmarks: `generate(root, articles)`.

Each condition article is about 700 words, with 8 causes and 6 treatments drawn from
shared pools (as real conditions share dehydration or physiotherapy), wiki links,
symptoms, prevention and get-help advice, so the graph and the cross-linked pages are
as busy as a real site's. The same seed gives the same files, byte for byte.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ("muscle pain rest water sleep walk stretch warm cold food salt body nerve back leg neck arm heart "
         "blood skin joint bone breath doctor nurse week day night morning often sometimes gently slowly").split()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def pools(articles: int) -> tuple[list[str], list[str]]:
    causes = [f"cause {i}" for i in range(max(20, articles // 5))]
    treatments = [f"treatment {i}" for i in range(max(15, articles // 8))]
    return causes, treatments


def article(rng: random.Random, number: int, causes: list[str], treatments: list[str]) -> str:
    mine_causes = rng.sample(causes, 8)
    mine_treatments = rng.sample(treatments, 6)
    lines = ["---", f"title: Condition {number}", f"summary: {sentence(rng)}", "reviewed: 2026-01-01",
             "sources:", "  - title: A source of this article", f"    url: https://example.org/condition-{number}", "---",
             f"{paragraph(rng, 3)} See [[{mine_causes[0]}]].", "", paragraph(rng, 3), "", paragraph(rng, 3), "",
             "## Symptoms", "", "Symptoms include:", ""]
    lines += [f"- {sentence(rng, 5)}" for _ in range(4)]
    lines += ["", "## Causes", "", f"{sentence(rng)} Common causes are:", ""]
    lines += [f"{n}. {name.capitalize()}: {sentence(rng)} {sentence(rng, 8)}\n" for n, name in enumerate(mine_causes, 1)]
    lines += ["## Treatments", "", sentence(rng), ""]
    lines += [f"- **{name.capitalize()}**: {sentence(rng)} Helps with [[{mine_causes[n]}]].\n"
              for n, name in enumerate(mine_treatments, 1)]
    lines += ["## How to prevent it", "", f"{paragraph(rng, 3)} Avoid [[{mine_causes[1]}]].", "", paragraph(rng, 4), "",
              "## When to see a doctor", "", "See a GP if:", ""]
    lines += [f"- {sentence(rng, 8)}" for _ in range(3)]
    lines += ["", paragraph(rng, 2), ""]
    return "\n".join(lines)


def generate(root: Path, articles: int, seed: int = 1) -> None:
    """A site of `articles` conditions, with the repository's templates, static files and pages."""
    rng = random.Random(seed)
    causes, treatments = pools(articles)
    folder = root / "content/conditions"
    folder.mkdir(parents=True)
    for part in ("templates", "static"):
        shutil.copytree(REPO / part, root / part)
    shutil.copytree(REPO / "content/pages", root / "content/pages")
    (root / "config.yaml").write_text("title: Benchmark\nbase_url: https://example.org/\n")
    for number in range(articles):
        (folder / f"condition-{number}.md").write_text(article(rng, number, causes, treatments))
