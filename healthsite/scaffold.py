"""`new`: start a content file with front matter and, for a condition, the usual sections."""

from __future__ import annotations

import json
import sys

from .config import Config
from .kinds import KINDS
from .slugs import make_slug


# Hints are HTML comments: editors see them, readers never do (the sanitiser drops comments).
CONDITION_BODY = """\
<!-- Overview: what the condition is, in two or three short sentences. -->

## Symptoms

<!-- What people notice. One short sentence per symptom works well. -->

## Causes

<!-- One item per cause: `1. Name: what it is and how it leads to this condition.` -->

## Treatments

<!-- One item per treatment: `1. Name: how it helps.` Link causes it helps with, e.g. [[dehydration]]. -->

## How to prevent it

<!-- Practical advice. Link the causes each piece of advice avoids, e.g. [[stress]]. -->

## When to see a doctor

<!-- When to see a GP, and when to call the emergency number. -->
"""


def front_matter(kind: str, title: str) -> str:
    """A draft: the preview shows it, `build` leaves it out until `draft: true` goes.
    No review date is invented: a clinician's review adds it."""
    lines = ["---", f"title: {json.dumps(title)}", "draft: true"]
    if kind == "condition":
        lines += ["# summary: one sentence, under 160 characters (needed before publishing)",
                  "# reviewed: YYYY-MM-DD, the day a clinician reviewed it (needed before publishing)",
                  "sources: []"]
    elif kind in ("cause", "treatment"):
        lines += ["# reviewed: YYYY-MM-DD, the day a clinician reviewed it"]
    return "\n".join(lines + ["---", ""])


def new_file(config: Config, kind: str, title: str) -> int:
    slug = make_slug(title)
    if not slug:
        print(f"healthsite: error: the title {title!r} has no letters or digits to make a file name from", file=sys.stderr)
        return 2
    folder = config.root / "content" / KINDS[kind].folder
    path = folder / f"{slug}.md"
    rel = path.relative_to(config.root).as_posix()
    if path.exists():
        print(f"{rel}:1: error: already exists; edit it, or choose another title", file=sys.stderr)
        return 1
    body = CONDITION_BODY if kind == "condition" else "<!-- Write the text here. -->\n"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(front_matter(kind, title) + body, encoding="utf-8")
    print(f"created {rel} (a draft: `check` lists what it needs before it can be published)")
    return 0
