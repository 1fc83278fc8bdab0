"""Reading content files: front matter (safe YAML, with line numbers) and body.

`read_content` turns the files under content/ into `Document`s and the
problems found in them. Nothing here knows about sections or links.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .config import Config
from .kinds import BY_FOLDER, KINDS
from .problems import Problem, error, warning
from .slugs import make_slug

FOLDERS = BY_FOLDER  # content/<folder>/ -> kind


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""
    publisher: str = ""


@dataclass(frozen=True)
class Meta:
    title: str
    summary: str = ""
    reviewed: dt.date | None = None
    reviewer: str = ""
    next_review: dt.date | None = None
    aliases: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    draft: bool = False
    causes: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()

    def review_due(self, interval_months: int) -> dt.date | None:
        """`next_review`, or `reviewed` plus the site's review interval."""
        if self.next_review or not self.reviewed:
            return self.next_review
        return schema.add_months(self.reviewed, interval_months)


@dataclass(frozen=True)
class Document:
    path: str  # relative to the project root, e.g. content/conditions/leg-cramps.md
    kind: str  # condition, cause, treatment or page
    slug: str
    meta: Meta
    body: str
    body_line: int  # line number of the body's first line
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)


def sources(value) -> tuple[Source, ...]:
    if not isinstance(value, list):
        raise ValueError("must be a list of `{title, url, publisher}` items")
    result = []
    for number, item in enumerate(value, 1):
        if isinstance(item, str):
            item = {"title": item}
        if not isinstance(item, dict) or "title" not in item:
            raise ValueError(f"item {number} needs a `title` (and usually `url` and `publisher`)")
        unknown = set(item) - {"title", "url", "publisher"}
        if unknown:
            raise ValueError(f"item {number} has unknown key `{sorted(unknown)[0]}` (use title, url, publisher)")
        try:
            url = schema.http_url(item["url"]) if "url" in item else ""
            publisher = schema.text(item["publisher"]) if "publisher" in item else ""
            result.append(Source(schema.text(item["title"]), url, publisher))
        except ValueError as exc:
            raise ValueError(f"item {number}: {exc}") from None
    return tuple(result)


COMMON = {"title": schema.text, "summary": schema.text, "aliases": schema.text_list, "draft": schema.boolean}
FIELDS = {
    "condition": {
        **COMMON,
        "reviewed": schema.date,
        "reviewer": schema.text,
        "next_review": schema.date,
        "sources": sources,
    },
    "cause": {**COMMON, "sources": sources, "reviewed": schema.date, "treatments": schema.slug_list},
    "treatment": {**COMMON, "sources": sources, "reviewed": schema.date, "causes": schema.slug_list},
    "page": {"title": schema.text, "summary": schema.text, "draft": schema.boolean},
}


def read_content(config: Config) -> tuple[list[Document], list[Problem]]:
    documents, problems = [], []
    content = config.root / "content"
    if not content.is_dir():
        return [], [error("content", 0, "no content/ folder: create content/conditions/ and add an article")]
    for path in sorted(content.rglob("*")):
        rel = path.relative_to(config.root).as_posix()
        if path.is_dir() or path.name.startswith(".") or path.name.endswith("~"):
            continue
        folder = path.relative_to(content).parts[0]
        if path.suffix != ".md":
            problems.append(warning(rel, 0, "ignored: content files end in .md (images go in static/)"))
        elif folder not in FOLDERS or len(path.relative_to(content).parts) != 2:
            problems.append(error(rel, 0, f"not in a content folder: put it in content/{{{','.join(FOLDERS)}}}/"))
        else:
            document, found = read_document(path, rel, FOLDERS[folder], config)
            problems += found
            if document:
                documents.append(document)
    return documents, problems


def read_document(path: Path, rel: str, kind: str, config: Config) -> tuple[Document | None, list[Problem]]:
    slug = path.stem
    if not schema.SLUG_RE.match(slug):
        return None, [error(rel, 0, f"bad file name `{path.name}`: use lowercase letters, digits and hyphens, e.g. `{_suggest_slug(slug)}.md`")]
    if path.is_symlink() and not _inside(path.resolve(), config.root.resolve()):
        return None, [error(rel, 0, "is a link to a file outside the project; copy the file in instead")]
    size = path.stat().st_size
    if size > config.max_file_size:
        return None, [error(rel, 0, f"file is {size:,} bytes, over the limit of {config.max_file_size:,} (max_file_size in config.yaml)")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [error(rel, line, "not valid UTF-8 text: save the file as UTF-8")]
    return parse_front_matter(text, rel, kind, slug)


def parse_front_matter(text: str, rel: str, kind: str, slug: str) -> tuple[Document | None, list[Problem]]:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return None, [error(rel, 1, "file is empty: it needs front matter (`---`, `title: ...`, `---`) and text")]
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, [error(rel, 1, "missing front matter: the file must start with a `---` line")]
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        return None, [error(rel, 1, "front matter is not closed: add a `---` line after it")]
    try:
        mapping = schema.load_mapping("\n".join(lines[1:end]), first_line=2)
    except schema.SchemaError as exc:
        return None, [error(rel, exc.line, exc.message)]
    meta, problems = _check_fields(mapping, rel, kind)
    body_line = end + 2
    body = "\n".join(lines[end + 1 :])
    second = _second_front_matter(lines, end + 1)
    if second:
        problems.append(error(rel, second, "a second front matter block: keep one `---` block at the top of the file"))
    if meta is None:
        return None, problems
    return Document(rel, kind, slug, meta, body, body_line, mapping.lines), problems


def _check_fields(mapping: schema.Mapping, rel: str, kind: str) -> tuple[Meta | None, list[Problem]]:
    fields, values, problems = FIELDS[kind], {}, []
    for key, value in mapping.values.items():
        line = mapping.lines.get(key, 1)
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else f" (a {kind} may have: {', '.join(fields)})"
            problems.append(warning(rel, line, f"unknown front matter key `{key}`{hint}"))
            continue
        try:
            values[key] = fields[key](value)
        except ValueError as exc:
            problems.append(error(rel, line, f"`{key}` {exc}"))
    for key in KINDS[kind].required:
        if key not in mapping.values:
            problems.append(error(rel, 1, f"missing required front matter key `{key}`"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Meta(**values), problems


def _second_front_matter(lines: list[str], start: int) -> int | None:
    """A `---` line followed by `key: value` lines and another `---`, right at the body's top."""
    rest = [(i, line) for i, line in enumerate(lines[start:], start) if line.strip()]
    if len(rest) >= 3 and rest[0][1].rstrip() == "---" and ":" in rest[1][1]:
        return rest[0][0] + 1
    return None


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _suggest_slug(name: str) -> str:
    return make_slug(name) or "my-article"


def is_published(document: Document, drafts: bool) -> bool:
    return drafts or not document.meta.draft


def walk_files(folder: Path):
    """Every file below folder, sorted, skipping hidden ones (for static/ and templates/)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name
