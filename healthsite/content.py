"""Reading content files: front matter (safe YAML, with line numbers) and body.

`read_content` turns the files under content/ into `Document`s and the
problems found in them. Nothing here knows about sections or links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .config import Config
from .files import Listings, list_files, not_a_plain_file, read_bytes
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
    redirect_from: tuple[str, ...] = ()  # addresses this page was published at before

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
    digest: str = field(default="", compare=False)  # of the file's bytes: names this very text in another process


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


COMMON = {"title": schema.text, "summary": schema.text, "aliases": schema.text_list, "draft": schema.boolean,
          "redirect_from": schema.redirect_paths}
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
    "page": {"title": schema.text, "summary": schema.text, "draft": schema.boolean, "redirect_from": schema.redirect_paths},
}


def read_content(config: Config) -> tuple[list[Document], list[Problem]]:
    documents, problems = [], []
    files, problems = content_files(config)
    for path, rel, kind in files:
        document, found = read_document(path, rel, kind, config)
        problems += found
        if document:
            documents.append(document)
    return documents, problems


def content_files(config: Config, listings: Listings | None = None) -> tuple[list[tuple[Path, str, str]], list[Problem]]:
    """The article files under content/ as (path, path from the project root, kind), and
    the problems of the files that are not articles. `listings`: see `files.Listings`."""
    content = config.root / "content"
    if content.is_symlink():
        return [], [error("content", 0, "is a link to a folder: move the folder itself here")]
    if not content.is_dir():
        return [], [error("content", 0, "no content/ folder: create content/conditions/ and add an article")]
    paths, problems = list_files(content, config.root, listings)
    files = []
    prefix = len(str(config.root).rstrip(os.sep)) + 1
    for path in paths:
        rel = str(path)[prefix:].replace(os.sep, "/")  # list_files gives paths below the root as it was given
        parts = rel.split("/")[1:]  # below content/
        folder = parts[0]
        if folder == SNIPPETS:
            continue  # read by read_snippets: text shared by articles, not pages
        if path.suffix != ".md":
            problems.append(warning(rel, 0, "ignored: content files end in .md (images go in static/)"))
        elif folder not in FOLDERS or len(parts) != 2:
            problems.append(error(rel, 0, f"not in a content folder: put it in content/{{{','.join(FOLDERS)}}}/"))
        else:
            files.append((path, rel, FOLDERS[folder]))
    return files, problems


SNIPPETS = "snippets"


def read_snippets(config: Config) -> tuple[dict[str, str], list[Problem]]:
    """content/snippets/<name>.md: text that articles include with `--8<-- "name"`."""
    folder = config.root / "content" / SNIPPETS
    if not folder.is_dir() or folder.is_symlink():
        return {}, []
    paths, problems = list_files(folder, config.root)
    snippets = {}
    for path in paths:
        rel = path.relative_to(config.root).as_posix()
        if path.suffix != ".md" or path.parent != folder:
            problems.append(warning(rel, 0, "ignored: snippets are .md files directly in content/snippets/"))
            continue
        try:
            snippets[path.stem] = read_bytes(path, config.max_file_size).decode("utf-8").removeprefix("\ufeff")
        except (OSError, ValueError) as exc:
            problems.append(error(rel, 0, f"cannot be read as UTF-8 text: {exc}"))
    return snippets, problems


def read_document(path: Path, rel: str, kind: str, config: Config) -> tuple[Document | None, list[Problem]]:
    raw, problems = read_raw(path, rel, config)
    return (None, problems) if raw is None else document_from_bytes(raw, rel, kind, path.stem)


def read_raw(path: Path, rel: str, config: Config, listed: bool = False) -> tuple[bytes | None, list[Problem]]:
    """A content file's bytes, or why they cannot be used. `listed`: `list_files` found it
    a plain file, so it is read at once, not following links; a link (one inside the
    project, or one that replaced the file since) is checked first as any file is."""
    slug = path.stem
    if not schema.SLUG_RE.match(slug):
        return None, [error(rel, 0, f"bad file name `{path.name}`: use lowercase letters, digits and hyphens, e.g. `{_suggest_slug(slug)}.md`")]
    raw = None
    if listed:
        try:
            raw = read_bytes(path, config.max_file_size, follow_links=False)
        except OSError:
            pass  # a link, or unreadable: the checks below say which
    if raw is None:
        problem = not_a_plain_file(path, config.root)
        if problem:
            return None, [error(rel, 0, problem)]
        try:
            raw = read_bytes(path, config.max_file_size)
        except OSError as exc:
            return None, [error(rel, 0, f"cannot be read: {exc.strerror or exc}")]
    if len(raw) > config.max_file_size:
        size = path.stat().st_size
        return None, [error(rel, 0, f"file is {size:,} bytes, over the limit of {config.max_file_size:,} (max_file_size in config.yaml)")]
    return raw, []


def document_from_bytes(raw: bytes, rel: str, kind: str, slug: str) -> tuple[Document | None, list[Problem]]:
    """The document in a content file's bytes: a function of the bytes alone, so it can be cached by them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [error(rel, line, "not valid UTF-8 text: save the file as UTF-8")]
    document, problems = parse_front_matter(text, rel, kind, slug)
    if document:
        shape = body_shape_problems(document.body, document.body_line, rel)
        if shape:
            return None, problems + shape
        document = dataclasses.replace(document, digest=hashlib.blake2b(raw, digest_size=16).hexdigest())
    return document, problems


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
    draft = values.get("draft") is True
    for key in KINDS[kind].required:
        if key not in mapping.values and draft:  # a draft may wait: `check` says what it still needs
            problems.append(warning(rel, 1, f"draft: add `{key}` before it can be published"))
        elif key not in mapping.values:
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


# Python-Markdown recurses once per level of nested lists and quotes (a RecursionError
# near 490), and for every `[`, link `(` or `<` left open it scans on to the end of the
# paragraph (30,000 `[` take minutes). Real articles come nowhere near these limits.
MAX_NESTING = 30
MAX_ABBREVIATIONS = 100  # `*[NHS]: National Health Service`: Markdown's time grows with their square
_ABBREVIATION = re.compile(r" {0,3}\*\[[^\]]*\]:")
MAX_BRACKET_WORK = 10_000_000  # open or nested brackets x characters of their paragraph, summed over the file
# Each emphasis, code span or tag Markdown finds makes it scan its paragraph again.
MAX_INLINE_WORK = 5_000_000_000  # `*`, `_`, backticks and `<` x characters of their paragraph, summed (about 3 s)
_WIKI_LINK = re.compile(r"\[\[[^\[\]\n]*\]\]")
_BRACKETS = {"[": re.compile(r"[\[\]]"), "(": re.compile(r"[()]"), "<": re.compile(r"[<>]")}
_CONTAINER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t]|$)")


def body_shape_problems(body: str, first_line: int, rel: str) -> list[Problem]:
    """Refuse text whose shape would make Markdown crash or take minutes."""
    problems, work, worst, abbreviations, inline_work = [], 0, (0, 0, 0), 0, 0
    for number, block in _blocks(body, first_line):
        for offset, line in enumerate(block):
            depth = _nesting(line)
            if depth > MAX_NESTING:
                return [error(rel, number + offset, f"lists or quotes nested more than {MAX_NESTING} levels deep")]
            abbreviations += bool(_ABBREVIATION.match(line))
            if abbreviations > MAX_ABBREVIATIONS:
                return [error(rel, number + offset, f"more than {MAX_ABBREVIATIONS} abbreviations (`*[ABC]: ...`) in one file")]
        text = "\n".join(block)
        brackets = _bracket_load(text)
        work += brackets * len(text)
        worst = max(worst, (brackets, number, len(text)))
        inline_work += sum(text.count(char) for char in "*_`<") * len(text)
        if inline_work > MAX_INLINE_WORK:
            return [error(rel, number, f"a paragraph of {len(text):,} characters full of `*`, `_`, backticks or `<`: "
                                       "split it into shorter paragraphs")]
    if work > MAX_BRACKET_WORK:
        problems.append(error(rel, worst[1], f"{worst[0]:,} brackets (`[`, `(` or `<`) left open or nested in one paragraph: "
                                             "close each one, or write `\\[`, `\\(` or `\\<` for one meant as text"))
    return problems


def _blocks(body: str, first_line: int):
    """(line number, lines) of each run of lines between blank lines."""
    block: list[str] = []
    start = first_line
    for number, line in enumerate(body.split("\n"), first_line):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _nesting(line: str) -> int:
    """How many lists or quotes a line opens: indentation (4 columns a level) and markers."""
    depth, position = 0, 0
    while depth <= MAX_NESTING and (match := _CONTAINER.match(line, position)):
        depth, position = depth + 1, match.end()
    indent = len(line) - len(line.lstrip(" \t"))
    return depth + line[:indent].expandtabs(4).count("    ")


def _bracket_load(text: str) -> int:
    """How many brackets Markdown may scan past the paragraph's end for: those left open, or nested."""
    text = _WIKI_LINK.sub("", text)  # [[name]] nests two brackets, but costs nothing
    load = 0
    for opener, pattern in _BRACKETS.items():
        if opener not in text:
            continue
        depth = deepest = 0
        for match in pattern.finditer(text):
            if match[0] == opener:
                depth += 1
                deepest = max(deepest, depth)
            elif depth:
                depth -= 1
        load += max(depth, deepest - 1)
    return load


def _suggest_slug(name: str) -> str:
    return make_slug(name) or "my-article"


def is_published(document: Document, drafts: bool) -> bool:
    return drafts or not document.meta.draft

