"""`outline`: how an article was read, so an editor can see why something did or
did not become a page: each heading's kind and why, each entry with its name and
slug, each list item kept as text and why, each care card's level.

A function of the parsed article; the CLI prints it and the preview shows it."""

from __future__ import annotations

from dataclasses import dataclass

from .article import GET_HELP, LEVEL_LABELS, OVERVIEW, Article, Callout, Entry, Group, Kept, walk_parts


@dataclass(frozen=True)
class Row:
    line: int
    depth: int  # 0 for a heading, 1 for what is inside it, 2 inside a group
    what: str  # section, entry, group, kept, card
    name: str
    detail: str


def outline(article: Article) -> list[Row]:
    rows: list[Row] = []
    for section in article.all_sections:
        if section.kind == OVERVIEW:
            if not section.parts:
                continue
            rows.append(Row(section.line, 0, "section", "(text before the first heading)", "overview"))
        else:
            kind = f"{section.kind} ({section.urgency}: {LEVEL_LABELS[section.urgency].lower()})" if section.kind == GET_HELP else section.kind
            name = f"{'#' * section.level} {section.title}" if section.title else "(the section above, continued)"
            rows.append(Row(section.line, 0, "section", name, f"{kind}: {section.reason}"))
        rows += _inside(section)
    return rows


def _inside(section) -> list[Row]:
    found: list[tuple[int, Row]] = []
    for part in walk_parts(section.parts):
        if isinstance(part, Entry):
            where = f"{'#' * part.heading} heading" if part.heading else "list item"
            group = f", in group `{part.group}`" if part.group else ""
            page = "no page of its own: listed on the condition page" if part.kind == "symptom" else f"its page: slug `{part.slug}`"
            found.append((part.line, Row(part.line, 2 if part.group else 1, part.kind, part.name,
                                         f"{page}; from a {where}{group}")))
        elif isinstance(part, Group):
            label = "Do/Don't list" if part.style else ("heading over a list" if part.form == "heading" else "item with a nested list")
            found.append((part.line, Row(part.line, 1, "group", part.label, f"{label}: a label, not a page")))
        elif isinstance(part, Callout):
            what = f"get-help callout ({part.level}: {LEVEL_LABELS[part.level].lower()})" if part.level else f"{part.kind} callout"
            found.append((part.line, Row(part.line, 1, "card" if part.level else "callout", part.title, what)))
    found += [(k.line, _kept(k)) for k in section.kept]
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def _kept(kept: Kept) -> Row:
    return Row(kept.line, 1, "kept", kept.text, f"kept as text: {kept.reason}")


def outline_text(path: str, article: Article) -> str:
    """The outline as compiler-style lines an editor can click: `path:line: what name -- detail`."""
    lines = [f"{path}: {article.document.meta.title}"]
    for row in outline(article):
        indent = "  " * row.depth
        lines.append(f"{path}:{row.line}: {indent}{row.what} {row.name} -- {row.detail}")
    return "\n".join(lines)
