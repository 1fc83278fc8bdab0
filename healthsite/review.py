"""The review dashboard: every reviewed page with its review status, for the clinical
lead's monthly look (`python build.py review`, and `/_review/` in the preview).

A function of the linked site, the review interval and today's date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from typing import Mapping

from .graph import Site
from .lint import reading_grade

DUE_SOON_DAYS = 90
STATUS_ORDER = ("overdue", "due soon", "current", "no review date")


@dataclass(frozen=True)
class ReviewRow:
    path: str
    kind: str
    title: str
    reviewer: str
    reviewed: str  # ISO date, or "" when never reviewed
    next_review: str
    status: str  # overdue, due soon, current, no review date
    days_left: int | None
    sources: int
    reading_grade: float
    get_help: str  # the most serious get-help level, "" for none


def review_rows(site: Site, interval_months: int, day: dt.date, due_within: int | None = None,
                grades: Mapping[str, float] = {}, memo: dict | None = None, entities=None) -> list[ReviewRow]:
    """Conditions, and causes and treatments with their own file, most urgent review first.
    `memo` (for one interval and day, all rows): each entity's row with the entity and grade
    it was made from, so the preview makes rows again only for the entities an edit changed.
    `entities`: the rows of just these of the site's entities."""
    rows = []
    for entity in site.entities.values() if entities is None else entities:
        if entity.kind == "page" or entity.article is None:
            continue
        grade = grades.get(entity.source_path)
        kept = memo.get(entity.key) if memo is not None else None
        if kept and kept[0] is entity and kept[1] == grade:
            rows.append(kept[2])
            continue
        meta = entity.article.document.meta
        due = meta.review_due(interval_months)
        days_left = (due - day).days if due else None
        if due_within is not None and (days_left is None or days_left > due_within):
            continue
        rows.append(ReviewRow(
            entity.source_path, entity.kind, entity.title, meta.reviewer,
            meta.reviewed.isoformat() if meta.reviewed else "", due.isoformat() if due else "",
            _status(days_left), days_left, len(meta.sources), round(grade or reading_grade(entity.article), 1),
            entity.article.urgency))
        if memo is not None:
            memo[entity.key] = (entity, grade, rows[-1])
    return sorted(rows, key=review_order)


def review_order(row: ReviewRow) -> tuple:
    """Most urgent first."""
    return STATUS_ORDER.index(row.status), row.days_left if row.days_left is not None else 0, row.path


def _status(days_left: int | None) -> str:
    if days_left is None:
        return "no review date"
    if days_left < 0:
        return "overdue"
    return "due soon" if days_left <= DUE_SOON_DAYS else "current"


COLUMNS = ("status", "next_review", "reviewed", "reviewer", "title", "kind", "sources", "reading_grade", "get_help", "path")


def as_table(rows: list[ReviewRow]) -> str:
    cells = [COLUMNS] + [tuple(_cell(getattr(r, c)) for c in COLUMNS) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip() for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def as_csv(rows: list[ReviewRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([[getattr(r, c) for c in COLUMNS] for r in rows])
    return out.getvalue()


def as_json(rows: list[ReviewRow]) -> str:
    return json.dumps({"pages": [asdict(r) for r in rows]}, indent=2, ensure_ascii=False)


def _cell(value) -> str:
    return "-" if value in ("", None) else str(value)


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
