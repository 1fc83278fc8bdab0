"""Parsing an article body into sections, and causes/treatments sections into entries.

Works on the markdown's lines (not on rendered HTML) so that every section,
entry and text chunk keeps the line it came from, for error messages.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .content import Document
from .problems import Problem, warning
from .slugs import make_slug

SEE_A_DOCTOR, PREVENTION, TREATMENTS, CAUSES, SYMPTOMS, PLAIN = (
    "see-a-doctor", "prevention", "treatments", "causes", "symptoms", "plain")
ENTRY_KINDS = {CAUSES: "cause", TREATMENTS: "treatment"}

# First match wins, in this order (content-format.md, section 3).
KIND_WORDS = [
    (SEE_A_DOCTOR, r"doctor|gp\b|emergenc|urgent|medical help"),
    (PREVENTION, r"prevent|avoid"),
    (TREATMENTS, r"treat|therap|relie[fv]|remed|manag"),
    (CAUSES, r"cause|trigger|risk factor"),
    (SYMPTOMS, r"symptom|sign"),
]
KIND_PATTERNS = [(kind, re.compile(r"\b(?:" + words + ")", re.I)) for kind, words in KIND_WORDS]
FORCEABLE = {SEE_A_DOCTOR, PREVENTION, TREATMENTS, CAUSES, SYMPTOMS, PLAIN}

ATTR_LIST = re.compile(r"\s*\{:?\s*([^{}]*)\}\s*$")
LIST_ITEM = re.compile(r"^ {0,1}(?P<marker>\d{1,9}[.)-]|[-*+])(?P<gap>[ \t]+)(?P<rest>\S.*)$")
BOLD_NAME = re.compile(r"^(\*\*|__)(?P<name>[^*_].*?)\1(?P<rest>.*)$")
AFTER_NAME = re.compile(r"^\s*(?:[:.\u2013\u2014-]\s*)?")
WIKI_LINK = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
KIND_PREFIX = re.compile(r"^\s*(condition|cause|treatment|page)s?\s*:\s*(.+)$", re.I)
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
MAX_NAME = 80


@dataclass(frozen=True)
class Text:
    markdown: str
    line: int  # line of the chunk's first line in the file


@dataclass(frozen=True)
class Entry:
    name: str
    slug: str
    kind: str  # cause or treatment
    description: Text


@dataclass(frozen=True)
class Section:
    title: str
    kind: str
    anchor: str
    line: int
    parts: tuple[Text | Entry, ...]

    @functools.cached_property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(p for p in self.parts if isinstance(p, Entry))


@dataclass(frozen=True)
class Article:
    document: Document
    overview: Text
    sections: tuple[Section, ...]


Lines = list[tuple[int, str]]  # (line number, text)


def parse_article(document: Document) -> tuple[Article, list[Problem]]:
    """Split a document into overview and sections; conditions get typed sections with entries."""
    lines = list(enumerate(document.body.split("\n"), document.body_line))
    if document.kind != "condition":
        return Article(document, _text(lines) or Text("", document.body_line), ()), _h1_warnings(document, lines)
    overview, chunks = _split(lines, "## ")
    problems = _h1_warnings(document, lines)
    sections, anchors = [], set()
    for heading_line, heading, body in chunks:
        title, kind, anchor = _heading(heading, heading_line)
        anchor = _unique(anchor or make_slug(title) or "section", anchors)
        parts, found = _parts(body, kind, document.path) if kind in ENTRY_KINDS else ((_text(body),) if _text(body) else (), [])
        problems += found
        sections.append(Section(title, kind, anchor, heading_line, tuple(parts)))
    return Article(document, _text(overview) or Text("", document.body_line), tuple(sections)), problems


def section_kind(title: str) -> str:
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(title):
            return kind
    return PLAIN


def _heading(line: str, _number: int) -> tuple[str, str, str]:
    """`## What sets them off {: .causes #triggers }` -> (title, kind, anchor)."""
    title, forced, anchor = line.lstrip("#").strip(), None, ""
    attrs = ATTR_LIST.search(title)
    if attrs:
        title = title[: attrs.start()].strip()
        for token in attrs[1].split():
            if token.startswith(".") and token[1:] in FORCEABLE:
                forced = token[1:]
            elif token.startswith("#"):
                anchor = make_slug(token[1:])
    title = title.rstrip("#").strip()
    return title, forced or section_kind(title), anchor


def _split(lines: Lines, prefix: str) -> tuple[Lines, list[tuple[int, str, Lines]]]:
    """Split lines at headings starting with `prefix` (outside code fences)."""
    head: Lines = []
    chunks: list[tuple[int, str, Lines]] = []
    for number, line, fenced in _with_fences(lines):
        if not fenced and line.startswith(prefix):
            chunks.append((number, line, []))
        else:
            (chunks[-1][2] if chunks else head).append((number, line))
    return head, chunks


HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def prose_lines(text: Text):
    """(line number, line) of a chunk's prose: not code fences, inline code or HTML comments."""
    visible = HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text.markdown)  # keeps line numbers
    lines = list(enumerate(visible.split("\n"), text.line))
    for number, line, fenced in _with_fences(lines):
        if not fenced:
            yield number, INLINE_CODE.sub("", line)


def split_wiki_link(inner: str) -> tuple[str, str]:
    """`cause:medications|these medicines` -> (`cause:medications`, `these medicines`).

    Without a label the reader sees the name, never the `kind:` prefix."""
    target, _, label = inner.partition("|")
    target = target.strip()
    prefix = KIND_PREFIX.match(target)
    return target, label.strip() or (prefix[2].strip() if prefix else target)


def plain_text(markdown_text: str) -> str:
    """The readable words of a markdown chunk: links become their labels, markup goes."""
    text = WIKI_LINK.sub(lambda match: split_wiki_link(match[1])[1], markdown_text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?m)^\s*(?:#+|\d+[.)-]|[-*+])\s+", "", text)
    return re.sub(r"[*_`>#|]", "", text)


def _with_fences(lines: Lines):
    fenced = False
    for number, line in lines:
        if FENCE.match(line):
            fenced = not fenced
            yield number, line, True
        else:
            yield number, line, fenced


def _parts(body: Lines, section_kind_: str, path: str) -> tuple[list[Text | Entry], list[Problem]]:
    kind = ENTRY_KINDS[section_kind_]
    intro, headed = _split(body, "### ")
    if headed:
        parts: list[Text | Entry] = [t for t in [_text(intro)] if t]
        for number, heading, lines in headed:
            name = _heading(heading, number)[0]
            parts.append(Entry(name, make_slug(name), kind, _text(lines) or Text("", number + 1)))
        return parts, []
    return _list_entries(body, kind, path)


def _list_entries(body: Lines, kind: str, path: str) -> tuple[list[Text | Entry], list[Problem]]:
    """Top-level list items that start with a name become entries; everything else stays text."""
    parts: list[Text | Entry] = []
    problems: list[Problem] = []
    loose: Lines = []  # text between entries
    item: Lines | None = None
    previous_blank = False

    def close_item():
        nonlocal item
        if item is None:
            return
        entry = _entry(item, kind)
        if entry:
            if _text(loose):
                parts.append(_text(loose))
            loose.clear()
            parts.append(entry)
        else:
            problems.append(warning(path, item[0][0], "list item has no name, so it is not a separate entry: start it with `Name: ...` or `**Name**`"))
            loose.extend(item)
        item = None

    for number, line, fenced in _with_fences(body):
        blank = not line.strip()
        if not fenced and LIST_ITEM.match(line):
            close_item()
            item = [(number, line)]
        elif item is not None and (blank or fenced or line[:1] in (" ", "\t") or not previous_blank):
            item.append((number, line))
        else:
            close_item()
            loose.append((number, line))
        previous_blank = blank
    close_item()
    if _text(loose):
        parts.append(_text(loose))
    return parts, problems


def _entry(item: Lines, kind: str) -> Entry | None:
    first_number, first = item[0]
    match = LIST_ITEM.match(first)
    assert match
    name, rest = split_name(match["rest"])
    if not name or not make_slug(name):
        return None
    indent = len(match["marker"]) + len(match["gap"]) + (1 if first.startswith(" ") else 0)
    following = [(n, _dedent(line, indent)) for n, line in item[1:]]
    description = _text([(first_number, rest)] + following) or Text("", first_number)
    return Entry(name, make_slug(name), kind, description)


def split_name(text: str) -> tuple[str, str]:  # also names symptoms for structured data
    """`**Dehydration**: When...` / `Dehydration: When...` / `Nerve damage - If...` -> (name, rest)."""
    bold = BOLD_NAME.match(text)
    if bold:
        name, rest = bold["name"].strip().rstrip(".:").strip(), bold["rest"]
        return name, rest[AFTER_NAME.match(rest).end() :]
    cuts = [i for i in (_colon(text), text.find(" - ")) if i > 0]
    if not cuts:
        return "", text
    cut = min(cuts)
    name = text[:cut].strip()
    if len(name) > MAX_NAME or any(c in name for c in "[]()`*_<>"):
        return "", text
    rest = text[cut:]
    return name, rest[AFTER_NAME.match(rest).end() :]


def _colon(text: str) -> int:
    """Index of the first colon that ends a name (not one inside a URL like https://)."""
    index = text.find(":")
    return index if index > 0 and not text[index + 1 : index + 3] == "//" else -1


def _dedent(line: str, indent: int) -> str:
    expanded = line.expandtabs(4)
    spaces = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(spaces, indent) :]


def _text(lines: Lines) -> Text | None:
    """The lines as one markdown chunk, without blank lines at either end (None if empty)."""
    while lines and not lines[0][1].strip():
        lines = lines[1:]
    while lines and not lines[-1][1].strip():
        lines = lines[:-1]
    if not lines:
        return None
    return Text("\n".join(line for _, line in lines), lines[0][0])


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in taken:
        candidate, number = f"{anchor}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _h1_warnings(document: Document, lines: Lines) -> list[Problem]:
    return [
        warning(document.path, number, "level-1 heading in the text: the page title comes from `title`, start sections with `## `")
        for number, line, fenced in _with_fences(lines)
        if not fenced and re.match(r"^# \S", line)
    ]
