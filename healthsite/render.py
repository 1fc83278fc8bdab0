"""Rendering: the site graph through Jinja templates into HTML pages.

Each page is built from a small view (plain dicts and lists of entities) and a
template; templates are the editor's to change, so their errors are reported
with the template's file and line like any other problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import jsonld
from .article import PREVENTION, SEE_A_DOCTOR, Article, Entry, Text, plain_text
from .config import Config
from .graph import Entity, Site
from .markup import Markup
from .problems import Problem, error


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
    def __init__(self, config: Config, site: Site, assets: dict[str, str], day: dt.date, search: bool = True):
        self.config, self.site, self.assets, self.day = config, site, assets, day
        self.templates_dir = config.root / "templates"
        self.env = template_environment(self.templates_dir)
        # Builds run one at a time, so the shared environment's globals belong to this build.
        self.env.globals.update(site=config, url=self.url, absolute=self.absolute, asset=self.asset, search_enabled=search)
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
        return self.markup.html(text.markdown)  # Markup caches: a description shown twice converts once

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
        search = PageInfo("search/", "search", "Search", f"Search {self.config.title}.", None)
        yield "search.html", search, {"structured": self._web_page(search)}, ""
        for condition in conditions:
            yield self._condition(condition)
        for entity in site.all("cause") + site.all("treatment"):
            yield self._entry_page(entity)
        for page in site.all("page"):
            info = self._info(page)
            yield "page.html", info, {"entity": page, "body": self.html(page.article.overview),
                                      "structured": self._web_page(info)}, page.source_path
        missing = PageInfo("404.html", "404", "Page not found", "", None)
        yield "404.html", missing, {"structured": self._web_page(missing)}, ""

    def _web_page(self, info: PageInfo) -> str:
        return jsonld.script_json(jsonld.web_page(info.kind, self.absolute(info.path), info.title, info.summary, self.config.language))

    def _info(self, entity: Entity) -> PageInfo:
        meta = entity.article.document.meta if entity.article else None
        summary = meta.summary if meta else ""
        if not summary and entity.mentions:
            summary = _first_sentence(entity.mentions[0].entry.description.markdown)
        return PageInfo(entity.path, entity.kind, entity.title, summary, meta.reviewed if meta else None)

    def _condition(self, condition: Entity):
        article, meta = condition.article, condition.article.document.meta
        next_review = meta.review_due(self.config.review_interval)
        context = {
            "entity": condition,
            "meta": meta,
            "overview": self.html(article.overview),
            "sections": [self._section(section) for section in article.sections],
            "next_review": next_review,
            "review_overdue": next_review < self.day,
            "related": self._related_conditions(condition),
            "structured": jsonld.script_json(jsonld.condition_page(
                condition, self.site, self.absolute, self.config.language, meta.reviewed, meta.reviewer)),
        }
        return "condition.html", self._info(condition), context, article.document.path

    def _section(self, section) -> dict:
        parts = []
        for part in section.parts:
            if isinstance(part, Entry):
                entity = self.site.entities[(part.kind, part.slug)]
                parts.append({"entry": entity, "name": part.name, "html": self.html(part.description)})
            else:
                parts.append({"html": self.html(part)})
        return {"title": section.title, "kind": section.kind, "anchor": section.anchor,
                "parts": parts, "has_entries": bool(section.entries), "urgent": _is_urgent(section)}

    def _entry_page(self, entity: Entity):
        site, info = self.site, self._info(entity)
        conditions = {c.slug: c for c in site.related(entity, "conditions")}
        # Its own file's text where there is one, else each condition's words (content-format.md, section 4).
        descriptions = [] if entity.article else [
            {"condition": conditions[m.condition], "html": self.html(m.entry.description)}
            for m in sorted(entity.mentions, key=lambda m: conditions[m.condition].title.lower())
        ]
        context = {
            "entity": entity,
            "body": self.html(entity.article.overview) if entity.article else "",
            "descriptions": descriptions,
            "conditions": list(conditions.values()),
            "causes": site.related(entity, "causes"),
            "treatments": site.related(entity, "treatments"),
            "prevention": [
                {"condition": c, "anchor": _prevention_anchor(c.article)} for c in site.related(entity, "prevention")
            ],
            "sources": entity.article.document.meta.sources if entity.article else (),
            "structured": jsonld.script_json(jsonld.entry_page(entity, site, self.absolute, self.config.language, info.summary)),
        }
        return entity.kind + ".html", info, context, entity.source_path

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
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        letter = entity.title[:1].upper()
        groups.setdefault(letter if letter.isalpha() else "#", []).append(entity)
    return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))


def _is_urgent(section) -> bool:
    words = (section.title + " " + " ".join(p.markdown for p in section.parts if isinstance(p, Text))).lower()
    return section.kind == SEE_A_DOCTOR and any(w in words for w in ("urgent", "emergency", "999", "112", "911"))


def _prevention_anchor(article: Article) -> str:
    return next((s.anchor for s in article.sections if s.kind == PREVENTION), "")


def _first_sentence(markdown_text: str, limit: int = 160) -> str:
    plain = plain_text(markdown_text).split("\n\n")[0].replace("\n", " ").strip()
    sentence = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "\u2026"

