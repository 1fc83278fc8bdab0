"""Rendering: the site graph through Jinja templates into HTML pages.

Each page is built from a small view (plain dicts and lists of entities) and a
template; templates are the editor's to change, so their errors are reported
with the template's file and line like any other problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import hashlib
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from markupsafe import escape

from . import jsonld
from .article import CALLOUT_LABELS, heading_text, LEVEL_LABELS, PREVENTION, Article, Callout, Entry, EntryList, Group, Section, Text, plain_text
from .config import Config
from .graph import Entity, Site
from .kinds import KINDS
from .markup import Markup
from .outline import outline
from .review import review_rows
from .problems import Problem, error
from .slugs import initial, sort_key


ABBREVIATIONS_PER_CHUNK = 100


@dataclass(frozen=True)
class Output:
    path: str  # below the output folder, e.g. causes/dehydration/index.html
    data: bytes
    source: str  # the file it was made from, for error messages


@dataclass(frozen=True)
class PageInfo:
    """What the sitemap and feed need to know of a page."""

    path: str  # URL path below the base path: "" for home, "conditions/leg-cramps/"
    kind: str
    title: str
    summary: str
    lastmod: dt.date | None


@dataclass(frozen=True)
class Rendered:
    outputs: list[Output]
    pages: list[PageInfo]
    problems: list[Problem]


def asset_urls(config: Config, static_files: list[Output]) -> dict[str, str]:
    """`style.css` -> `/static/style.css?v=1a2b3c4d`: a changed file gets a new URL."""
    return {
        out.path.removeprefix("static/"): f"{config.base_path}{out.path}?v={hashlib.sha256(out.data).hexdigest()[:10]}"
        for out in static_files
    }


class Renderer:
    def __init__(self, config: Config, site: Site, assets: dict[str, str], day: dt.date, search: bool = True,
                 editor_pages: bool = False):
        self.config, self.site, self.assets, self.day = config, site, assets, day
        self.editor_pages = editor_pages  # the preview's /_outline/ and /_review/ pages, never published
        self.templates_dir = config.root / "templates"
        self.env = template_environment(self.templates_dir)
        # Builds run one at a time, so the shared environment's globals belong to this build.
        self.env.globals.update(site=config, url=self.url, absolute=self.absolute, asset=self.asset, search_enabled=search,
                                site_has_glossary=bool(site.abbreviations))
        self.markup = Markup(site.links, self.url)

    # --- helpers available in templates

    def url(self, target: Entity | str = "") -> str:
        path = target.path if isinstance(target, Entity) else target.lstrip("/")
        return self.config.base_path + path

    def absolute(self, target: Entity | str = "") -> str:
        return self.config.site_origin + self.url(target)

    def asset(self, name: str) -> str:
        if name not in self.assets:
            raise jinja2.TemplateRuntimeError(f"no file static/{name}")
        return self.assets[name]

    def html(self, text: Text | None) -> str:
        if text is None:
            return ""
        # Markup caches: a description shown twice converts once.
        return self.markup.html(text.markdown + self._abbreviations_in(text.markdown))

    def _abbreviations_in(self, markdown_text: str) -> str:
        """The site's abbreviation definitions that this chunk uses, for Markdown's `abbr`."""
        used = [f"*[{abbr}]: {title}" for abbr, title in self.site.abbreviations.items() if abbr in markdown_text]
        # Markdown's time grows with the square of the definitions it is given: a chunk gets at most 100.
        return "\n\n" + "\n".join(used[:ABBREVIATIONS_PER_CHUNK]) if used else ""

    # --- the whole site

    def render_all(self) -> Rendered:
        problems = self._compile_templates()
        if problems:
            return Rendered([], [], problems)
        outputs, pages = [], []
        for template, info, context, source in self._pages():
            path = info.path
            try:
                html = self.env.get_template(template).render(page=info, **context)
            except Exception as exc:  # a template is editor-written code: report, never crash
                problems.append(self._template_problem(exc, template))
                continue
            file_path = path + "index.html" if not path.endswith(".html") else path
            outputs.append(Output(file_path, html.encode("utf-8"), source))
            if not path.endswith(".html"):
                pages.append(info)
        return Rendered(outputs, pages, problems)

    def _pages(self):
        site = self.site
        conditions = site.all("condition")
        home = PageInfo("", "home", self.config.title, self.config.description, None)
        yield "home.html", home, {"conditions": conditions, "causes": site.all("cause"),
                                      "treatments": site.all("treatment"), "structured": self._web_page(home)}, ""
        for kind, title in (("condition", "Conditions A to Z"), ("cause", "Causes A to Z"), ("treatment", "Treatments A to Z")):
            info = PageInfo(f"{kind}s/", f"{kind}-index", title, f"Every {kind} on this site, from A to Z.", None)
            yield "index.html", info, {"kind": kind, "groups": az_groups(site.all(kind)), "structured": self._web_page(info)}, ""
        if site.abbreviations:
            glossary = PageInfo("glossary/", "glossary", "Glossary", "What the abbreviations on this site stand for.", None)
            terms = sorted(site.abbreviations.items(), key=lambda item: sort_key(item[0]))
            yield "glossary.html", glossary, {"terms": terms, "structured": self._web_page(glossary)}, ""
        search = PageInfo("search/", "search", "Search", f"Search {self.config.title}.", None)
        yield "search.html", search, {"structured": self._web_page(search)}, ""
        for condition in conditions:
            yield self._condition(condition)
        for entity in site.all("cause") + site.all("treatment"):
            yield self._entry_page(entity)
        for page in site.all("page"):
            info = self._info(page)
            yield KINDS["page"].template, info, {"entity": page, "body": self.html(page.article.body_html_source),
                                      "structured": self._web_page(info)}, page.source_path
        for path, target in sorted(site.redirects(self.config.base_path).items()):
            info = PageInfo(path + "index.html", "redirect", target.title, "", None)
            yield "redirect.html", info, {"target": target}, target.source_path
        if self.editor_pages:
            yield from self._outline_pages(conditions)
            review = PageInfo("_review/index.html", "review", "Review dashboard", "", None)
            yield "review.html", review, {"rows": review_rows(site, self.config.review_interval, self.day),
                                          "structured": self._web_page(review)}, ""
        missing = PageInfo("404.html", "404", "Page not found", "", None)
        yield "404.html", missing, {"structured": self._web_page(missing)}, ""

    def _outline_pages(self, conditions: list[Entity]):
        """Preview only, never published: an index and one outline per condition."""
        index = PageInfo("_outline/index.html", "outline", "How each article was read", "", None)
        yield "outline.html", index, {"conditions": conditions, "rows": None, "entity": None,
                                      "structured": self._web_page(index)}, ""
        for condition in conditions:
            info = PageInfo(f"_outline/{condition.slug}/index.html", "outline", f"Outline: {condition.title}", "", None)
            yield "outline.html", info, {"conditions": conditions, "rows": outline(condition.article), "entity": condition,
                                         "structured": self._web_page(info)}, condition.source_path

    def _web_page(self, info: PageInfo) -> str:
        return jsonld.script_json(jsonld.web_page(info.kind, self.absolute(info.path), info.title, info.summary, self.config.language))

    def _info(self, entity: Entity) -> PageInfo:
        meta = entity.article.document.meta if entity.article else None
        summary = meta.summary if meta else ""
        if not summary and entity.mentions:
            summary = entity.mentions[0].entry.summary
        return PageInfo(entity.path, entity.kind, entity.title, summary, meta.reviewed if meta else None)

    def _condition(self, condition: Entity):
        article, meta = condition.article, condition.article.document.meta
        next_review = meta.review_due(self.config.review_interval)
        self.markup.footnotes = {note.label: note.number for note in article.footnotes}  # this page's numbers
        sections = self._sections(article.sections)
        overview = self._parts(article.overview.parts, 2)
        notes = [{"label": n.label, "number": n.number, "html": self.html(n.text), "back": n.reference_ids}
                 for n in article.footnotes]
        self.markup.footnotes = {}
        context = {
            "entity": condition,
            "meta": meta,
            "overview": overview,
            "footnotes": notes,
            "sections": sections,
            "help": self._help_pointer(article, sections),
            "show_summary": bool(meta.summary) and not article.opens_with(meta.summary),
            "next_review": next_review,
            "review_overdue": bool(next_review and next_review < self.day),
            "related": self._related_conditions(condition),
            "leads_to": self.site.related(condition, "leads_to"),
            "treats": self.site.related(condition, "treats"),
            "structured": jsonld.script_json(jsonld.condition_page(
                condition, self.site, self.absolute, self.config.language, meta.reviewed, meta.reviewer)),
        }
        return KINDS["condition"].template, self._info(condition), context, article.document.path

    def _inline(self, markdown_text: str) -> str:
        """A heading's markdown (emphasis, code, links) as HTML without its paragraph."""
        converted = self.markup.html(markdown_text)
        return converted[3:-4] if converted.startswith("<p>") and converted.endswith("</p>") else str(escape(heading_text(markdown_text)))

    def _help_pointer(self, article: Article, sections: list[dict]) -> dict | None:
        """Near the top: the most serious get-help advice, in a card or a callout."""
        if not article.urgency:
            return None
        card = next((s for s in sections if s["urgency"] == article.urgency), None)
        anchor, title = (card["anchor"], card["title"]) if card else self._callout_target(article, sections)
        return {"urgency": article.urgency, "level_name": LEVEL_LABELS[article.urgency], "anchor": anchor, "title": title}

    @staticmethod
    def _callout_target(article: Article, sections: list[dict]) -> tuple[str, str]:
        """The section holding the most serious callout, and the callout's words."""
        for section, view in zip(article.sections, sections):
            for callout in section.callouts:
                if callout.level == article.urgency:
                    return view["anchor"], heading_text(callout.title)
        return "main", LEVEL_LABELS[article.urgency]

    def _sections(self, sections: tuple[Section, ...]) -> list[dict]:
        """Sections as the template draws them; a sub-section's heading is never more than
        one level below the one before it, so headings stay in order."""
        views, previous = [], 1
        for section in sections:
            level = min(section.level, previous + 1)
            previous = level
            views.append({"title": heading_text(section.title), "title_html": self._inline(section.title),
                          "kind": section.kind, "anchor": section.anchor, "level": level,
                          "urgency": section.urgency, "label": _card_label(section.urgency, section.title),
                          "parts": self._parts(section.parts, level + 1)})
        return views

    def _parts(self, parts, level: int) -> list[dict]:
        """Parsed parts as views; `level` is the heading level for the parts' own headings."""
        views = []
        for part in parts:
            if isinstance(part, Text):
                views.append({"type": "text", "html": self.html(part)})
            elif isinstance(part, EntryList):
                views.append({"type": "entries", "style": part.style, "items": [
                    self._entry(item) if isinstance(item, Entry) else {"entity": None, "html": self.html(item), "kept": True}
                    for item in part.items]})
            elif isinstance(part, Group):
                views.append({"type": "group", "form": part.form, "label": part.label, "style": part.style,
                              "level": level, "parts": self._parts(part.parts, level + 1)})
            elif isinstance(part, Entry):
                views.append({"type": "entry-heading", "level": level, **self._entry(part, inline=False)})
            elif isinstance(part, Callout):
                views.append({"type": "callout", "kind": part.kind, "urgency": part.level, "title": heading_text(part.title),
                              "label": _card_label(part.level, part.title) if part.level else CALLOUT_LABELS[part.kind],
                              "html": self.html(part.body), "level": level})
        return views

    def _entry(self, entry: Entry, inline: bool = True) -> dict:
        """An entry's name, linked to its page (symptoms have none), then its description.
        The name keeps the article's own words; the page is titled with the clean name."""
        entity = self.site.entity_of(entry) if entry.kind in ("cause", "treatment") else None
        words = escape(html.unescape(plain_text(entry.lead).strip()))  # `A &amp; B` is "A & B" to readers
        name = f'<a href="{escape(self.url(entity))}">{words}</a>' if entity else str(words)
        if entry.strong:
            name = f"<strong>{name}</strong>"
        description = self.html(entry.description)
        if not inline:  # a `###` entry: the template makes the heading
            return {"entity": entity, "name": entry.name, "html": description, "kept": False}
        if description.startswith("<p>"):
            item = f"<p>{name}{escape(entry.joiner)}{description[3:]}"
        else:
            item = name + (escape(entry.joiner.strip()) if description else "") + description
        return {"entity": entity, "name": name, "html": item, "kept": False}

    def _entry_page(self, entity: Entity):
        site, info = self.site, self._info(entity)
        # Each condition once, with the day its article was reviewed and, unless this cause or
        # treatment has its own file, the article's words about it (content-format.md, section 4).
        words = {m.condition: m.entry.description for m in entity.mentions}
        conditions = [
            {"condition": c, "reviewed": c.article.document.meta.reviewed,
             "html": "" if entity.article else self.html(words.get(c.slug))}
            for c in site.related(entity, "conditions")
        ]
        context = {
            "entity": entity,
            "body": self.html(entity.article.body_html_source) if entity.article else "",
            "reviewed": entity.article.document.meta.reviewed if entity.article else None,
            "conditions": conditions,
            "causes": site.related(entity, "causes"),
            "treatments": site.related(entity, "treatments"),
            "prevention": [
                {"condition": c, "anchor": _prevention_anchor(c.article)} for c in site.related(entity, "prevention")
            ],
            "sources": entity.article.document.meta.sources if entity.article else (),
            "structured": jsonld.script_json(jsonld.entry_page(entity, site, self.absolute, self.config.language, info.summary)),
        }
        # Its own file, or the first article that names it: the file an editor would change.
        source = entity.source_path or next((c["condition"].source_path for c in conditions), "")
        return KINDS[entity.kind].template, info, context, source

    def _related_conditions(self, condition: Entity, limit: int = 5) -> list[Entity]:
        """Conditions that share the most causes and treatments with this one."""
        shared: dict[str, int] = {}
        for relation in ("causes", "treatments"):
            for entity in self.site.related(condition, relation):
                for other in self.site.related(entity, "conditions"):
                    if other.slug != condition.slug:
                        shared[other.slug] = shared.get(other.slug, 0) + 1
        best = sorted(shared, key=lambda slug: (-shared[slug], slug))[:limit]
        return [self.site.entities[("condition", slug)] for slug in best]

    # --- template problems

    def _compile_templates(self) -> list[Problem]:
        problems = []
        if not self.templates_dir.is_dir():
            return [error("templates", 0, "no templates/ folder")]
        for name in sorted(self.env.list_templates(filter_func=_is_template)):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(error(self._rel(exc.filename, name), exc.lineno or 1, f"template error: {exc.message}"))
        return problems

    def _template_problem(self, exc: Exception, template: str) -> Problem:
        """Point at the template line that failed, found in the traceback Jinja rewrites."""
        where, line = template, 1
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename and Path(frame.filename).is_relative_to(self.templates_dir.resolve()):
                where, line = frame.filename, frame.lineno
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"template error: template `{exc.name}` not found"
        else:
            message = f"template error: {exc}"
        return error(self._rel(where, template), line, message)

    def _rel(self, filename: str | None, fallback: str) -> str:
        if filename and Path(filename).is_absolute():
            return Path(filename).resolve().relative_to(self.config.root).as_posix()
        return f"templates/{filename or fallback}"


@functools.lru_cache(maxsize=8)
def template_environment(templates_dir: Path) -> jinja2.Environment:
    """One environment per templates folder, kept across rebuilds: Jinja recompiles
    only the templates whose files changed, so a preview rebuild skips compiling."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters["date"] = lambda day: f"{day.day} {day:%B %Y}" if day else ""
    return env


def _is_template(name: str) -> bool:
    """Not an editor's swap or backup file (`.base.html.swp`, `base.html~`), which may not even be text."""
    return not name.endswith("~") and not any(part.startswith(".") for part in name.split("/"))


def az_groups(entities: list[Entity]) -> list[tuple[str, list[Entity]]]:
    """Entities (already in collation order) under their initial letter, accents folded."""
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(initial(entity.title), []).append(entity)
    return sorted(groups.items(), key=lambda item: (item[0] == "#", sort_key(item[0])))


def _card_label(level: str, title: str) -> str:
    """"Urgent advice" before a card's heading, unless the heading already says its level
    ("Non-urgent advice: See a GP if:", "Immediate action required: Call 999 if:")."""
    label = LEVEL_LABELS.get(level, "")
    said = ("non-urgent advice", "urgent advice", "immediate action")
    return "" if not label or title.lower().startswith(said) else label


def _prevention_anchor(article: Article) -> str:
    return next((s.anchor for s in article.sections if s.kind == PREVENTION), "")
