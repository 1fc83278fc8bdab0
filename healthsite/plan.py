"""The page plan: every page of the site as a value, before any template runs.

`plan(site, config, ...)` lists each page with its output path, its template, its view
(one small frozen dataclass per page type, declared here: these are the templates'
variables) and its sources. Markdown is not converted here: a view holds `Md` chunks,
and the page's `TextContext` (the URLs of its wiki links, its note numbers and the
abbreviations it uses) says everything their HTML depends on. So a page is a pure
value: the same value gives the same bytes, which is what lets a build render only
the pages whose value changed, and render them in any process.

A `PlanMemo` (`planmemo`: the preview keeps one across rebuilds, and a new process
starts one from the published build's `PlanIndex`) makes planning incremental too:
each entity's pages are kept with what they depend on, and made again only when one
of those inputs changed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import heapq
import html
import operator
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Callable

from markupsafe import escape

from . import jsonld
from .article import (CALLOUT_LABELS, LEVEL_LABELS, WIKI_LINK, Article, Callout, Entry, EntryList, Group, Section, Text,
                      heading_text, plain_text, split_wiki_link)
from .cache import Spool, Spooled, digest, pack_and_digest, unpack, unspooled
from .config import Config
from .content import Meta, Source
from .graph import Entity, Site
from .kinds import KINDS
from .outline import Row, outline
from .planmemo import LINK, OWN, RELATION_NAMES, TEMPLATE, Dependency, KeptPage, PlanIndex, PlanMemo
from .review import ReviewRow, review_order, review_rows
from .slugs import initial, sort_key

HOME_CONDITIONS = 12  # the home page shows the most recently reviewed; the A to Z lists show all
HOME_LIST_LIMIT = 30  # causes or treatments listed on the home page; past it, letters link to the A to Z
INDEX_SPLIT = 400  # an A to Z list longer than this gets a page per letter
REVIEW_PAGE_ROWS = 500  # rows per page of the review dashboard: a changed row makes one page again, not all


def value(cls):
    """A frozen dataclass whose repr skips the recursion guard `dataclasses` wraps it in (a
    thread lookup and a set on every call): a page's fingerprint is the repr of its whole
    view, thousands of these, and a view is a tree, never a cycle."""
    cls = dataclass(frozen=True)(cls)
    cls.__repr__ = cls.__repr__.__wrapped__
    return cls


# --- values a view holds

@value
class Ref:
    """An entity as another page shows it: what a link to it and its card need."""

    kind: str
    slug: str
    title: str
    path: str
    summary: str = ""
    aliases: tuple[str, ...] = ()
    source_path: str = ""


@value
class Md:
    """Markdown, converted when the page is rendered."""

    text: str


@value
class Inline:
    """A heading's markdown (emphasis, code, links), rendered without its paragraph."""

    text: str


@value
class EntryItem:
    """A list entry: its (linked) name, what stood between name and text, and the text."""

    name_html: str
    joiner: str
    description: Md


@value
class TextContext:
    """What a page's Markdown turns into HTML with."""

    links: tuple[tuple[str, str], ...] = ()  # wiki-link target -> URL
    footnotes: tuple[tuple[str, int], ...] = ()  # note label -> number
    abbreviations: tuple[tuple[str, str], ...] = ()  # `A&E` -> `Accident and Emergency`


@value
class PageInfo:
    """What every template, the sitemap and the feed know of a page."""

    path: str  # URL path below the base path: "" for home, "conditions/leg-cramps/"
    kind: str
    title: str
    summary: str
    lastmod: dt.date | None


# --- one view per page type: the variables of its template

@value
class HomeView:
    conditions: tuple[Ref, ...]  # the most recently reviewed
    more_conditions: int  # how many more the A to Z lists
    causes: tuple[Ref, ...]  # every cause, or none past HOME_LIST_LIMIT
    treatments: tuple[Ref, ...]
    cause_letters: tuple[tuple[str, str], ...]  # (letter, URL), when the list is too long to show
    treatment_letters: tuple[tuple[str, str], ...]
    structured: str


@value
class IndexView:
    kind: str
    groups: tuple[tuple[str, tuple[Ref, ...]], ...]  # (letter, entities) on this page
    letters: tuple[tuple[str, str], ...]  # (letter, URL or #anchor) for the letter navigation
    structured: str


@value
class GlossaryView:
    terms: tuple[tuple[str, str], ...]
    structured: str


@value
class PlainView:
    """The search page and the 404 page: nothing but the page itself."""

    structured: str


@value
class ConditionView:
    entity: Ref
    meta: Meta
    overview: tuple
    footnotes: tuple[dict, ...]
    sections: tuple[dict, ...]
    help: dict | None
    show_summary: bool
    next_review: dt.date | None
    review_overdue: bool
    related: tuple[Ref, ...]
    leads_to: tuple[Ref, ...]
    treats: tuple[Ref, ...]
    structured: str


@value
class EntryPageView:
    """A cause or a treatment."""

    entity: Ref
    body: Md | str
    reviewed: dt.date | None
    conditions: tuple[dict, ...]
    causes: tuple[Ref, ...]
    treatments: tuple[Ref, ...]
    prevention: tuple[dict, ...]
    sources: tuple[Source, ...]
    structured: str


@value
class ContentPageView:
    entity: Ref
    body: Md
    structured: str


@value
class RedirectView:
    target: Ref


@value
class OutlineView:
    conditions: tuple[Ref, ...]  # on the index only: each article's page listing them all would make n squared
    rows: tuple[Row, ...] | None
    entity: Ref | None
    structured: str


@value
class ReviewView:
    rows: tuple[ReviewRow, ...]  # this page's part of the dashboard
    first: int  # the number of its first row, from 1
    total: int  # the rows of all its pages
    pages: tuple[tuple[str, str], ...]  # (number, URL) of each page, when there is more than one
    current: str  # this page's number
    structured: str


@value
class Page:
    path: str  # the output file below the output folder
    template: str
    info: PageInfo
    view: object
    source: str = ""  # the file an editor would change, for messages
    text: TextContext = field(default_factory=TextContext)
    markdown: tuple[str, ...] = ()  # the text of each of the view's markdown values, in order

    def context(self) -> dict:
        """The template's variables."""
        return {f.name: getattr(self.view, f.name) for f in fields(self.view)}

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of the whole value: equal pages, equal fingerprints. Kept on the page, so a
        page the memo hands back is not hashed again."""
        return digest(repr(self))

    @property
    def html_key(self) -> str:
        """What its converted markdown is cached under: the texts and what they link to."""
        return digest(repr(self.markdown), repr(self.text))


@dataclass(frozen=True)
class PackedPage:
    """A page of a one-off build's plan, packed until it is rendered (`unpacked`), with what
    the build reads of it before then. Held as values, the pages' views were a third of a
    10,000-article build's memory (300 MB at 10,000 articles); packed, 55 MB, which wait in a
    temporary file (the planner's `Spool`).

    Its fingerprint is a digest of the page as pickled, which equal pages made by the same
    code give too (a one-off build's articles are always unpickled from their parse's
    bytes, so their strings are shared alike; an article read back whole for its own page
    takes the graph's document, and entries' names are interned, to the same end). It is
    not the `Page`'s: digesting the pickle costs a twentieth of the `repr` (8 s at 10,000
    articles), and a one-off build compares it only with fingerprints of one-off builds
    (`PlanIndex`), or, at worst, renders a page again for nothing."""

    path: str
    template: str
    info: PageInfo
    source: str
    fingerprint: str
    html_key: str
    packed: bytes | Spooled  # in the plan's `Spool` until rendered (in memory where its file could not take it)

    @staticmethod
    def of(page: Page, spool: Spool) -> PackedPage:
        packed, fingerprint = pack_and_digest(page)
        return PackedPage(page.path, page.template, page.info, page.source, fingerprint, page.html_key, spool.add(packed))

    @property
    def packed_bytes(self) -> bytes:
        return unspooled(self.packed)

    def unpacked(self) -> Page:
        return unpack(self.packed_bytes)

    def __getstate__(self) -> dict:
        """Pickled (for a render worker), its bytes go with it: a spool is this process's."""
        return {**self.__dict__, "packed": self.packed_bytes}


# --- the plan

class Addresses:
    """URL paths below the base path as links and as absolute addresses."""

    def __init__(self, config: Config):
        self.base_path, self.origin = config.base_path, config.site_origin
        self.urls: dict[str, str] = {}  # a page links to the same few hundred pages again and again

    def url(self, target: Ref | Entity | str = "") -> str:
        path = target if isinstance(target, str) else target.path
        url = self.urls.get(path)
        if url is None:
            url = self.urls[path] = self.base_path + path.lstrip("/")
        return url

    def absolute(self, target: Ref | Entity | str = "") -> str:
        return self.origin + self.url(target)


def plan(site: Site, config: Config, day: dt.date, editor_pages: bool = False, grades: dict[str, float] = {},
         memo: PlanMemo | None = None, index: PlanIndex | None = None, index_key: str = "",
         templates: dict[str, str] | None = None,
         stored: Callable[[tuple, str], tuple[str, bytes] | None] | None = None,
         let_go: bool = False, spool: Spool | None = None) -> list[Page | PackedPage | KeptPage]:
    """Every page of the site, in a fixed order. `grades`: reading grades already measured, by
    file. With a `memo` of the last plan, an entity's pages whose inputs did not change are
    the last plan's (the same values; only pages of the whole site are always made again).
    A new memo starts from `index`, the plan of the build published last, if it was made
    with the same `index_key`: its unchanged pages are `KeptPage`s (`templates`: each
    template's key, `render.template_keys`: a kept page whose template changed is made again).
    `spool` (a one-off build's, which plans once): each entity's page is a `PackedPage`,
    whose bytes wait in it.
    `stored` (`BuildCache.page_view`): a kept page whose only changed input is its template
    is its view as the build that planned it stored it, not planned again (`memo.restored`).
    `let_go` (a build that makes every page once and holds the articles only through `site`):
    once the page reading an article's body is made, its entity holds the article
    `without_body` (and without its way back, `Article.whole`), and the memo keeps no
    article, so each body (or its packed parse) is freed as the plan goes."""
    return _Planner(site, config, day, grades, memo or PlanMemo(), index, index_key, templates, editor_pages, spool, stored,
                    let_go).pages()


class _Planner:
    def __init__(self, site: Site, config: Config, day: dt.date, grades: dict[str, float], memo: PlanMemo,
                 index: PlanIndex | None, index_key: str, templates: dict[str, str] | None, editor_pages: bool,
                 spool: Spool | None = None, stored: Callable | None = None, let_go: bool = False):
        self.site, self.config, self.day, self.grades, self.editor_pages = site, config, day, grades, editor_pages
        self.spool, self.stored, self.let_go = spool, stored, let_go  # see `plan`: pages are packed where there is a spool
        self.addresses = Addresses(config)
        self.refs: dict[tuple[str, str], Ref] = {}
        self.lead_words: dict[str, str] = {}  # an entry's lead as readers see its words
        self.condition_numbers: dict[tuple[str, str], int] | None = None  # see _condition_numbers
        self.conditions_by_number: list[tuple[str, str]] = []
        self.numbered: dict[tuple[str, str], list[int]] = {}
        self.by_kind = {kind: site.all(kind) for kind in KINDS}
        self.memo = memo
        settings = (config, day, tuple(site.abbreviations.items()), editor_pages)  # what every page may depend on
        self.changed = memo.changes(site, settings, index, index_key, templates)
        # Of the same entities, only the pages reading a changed input need a look; the rest
        # stay in the memo as they are. Else every page is looked at, and the memo made anew.
        self.stale = memo.stale_owners(self.changed)
        self.kept = memo.pages
        if self.stale is None:
            memo.pages = {}
        if let_go:
            memo.shown = {}  # a memo that shows nothing: the next plan makes every page
        self.deps: set[Dependency] | None = None  # while an entity's page is made: the inputs it reads
        # One object per distinct input across the pages' dependencies: 600,000 in the pages
        # of 10,000 articles, 28,000 distinct (each page's own would be 30 MB more).
        self.one_dependency: dict[Dependency, Dependency] = {}

    def _entity_pages(self, name: str, what: str, entities: list[Entity], make) -> list[Page]:
        """A page of each entity (`_memoised`). Where only some pages may read a changed input
        (`PlanMemo.stale_owners`: the same entities, in the same order), the last plan's list
        `name` with those pages looked at again, the others not even visited."""
        last = self.memo.entity_pages.get(name)
        if self.stale is not None and last is not None:
            pages, places = list(last[0]), last[1]
            for owner in self.stale:
                place = places.get(owner)
                if place is not None:
                    pages[place] = self._memoised(what, entities[place], make)
        else:
            pages = [self._memoised(what, entity, make) for entity in entities]
            places = {(what, entity.key): place for place, entity in enumerate(entities)}
        self.memo.entity_pages[name] = (pages, places)
        return pages

    def _memoised(self, what: str, entity: Entity, make):
        """`make()` (a page of `entity`), or the last plan's when none of its inputs changed."""
        owner = (what, entity.key)
        kept = self.kept.get(owner)
        if kept and self.changed is not None:
            if self.changed.isdisjoint(kept[1]):
                self.memo.pages[owner] = kept
                return kept[0]
            restored = self._restored(owner, *kept)
            if restored is not None:
                return restored
        self.deps = {entity.key, (OWN, entity.key)}
        for key in self._relation_keys(entity):  # structured data names them all
            self.deps.add(key)
        made = PackedPage.of(make(entity), self.spool) if self.spool else make(entity)
        deps = tuple([self.one_dependency.setdefault(dep, dep) for dep in self.deps])  # a set of 40 takes 2 KB, a tuple 0.4
        self.memo.pages[owner] = (made, deps)
        self.memo.made(owner, deps)
        self.deps = None
        return made

    def _restored(self, owner, page, deps: tuple[Dependency, ...]) -> PackedPage | None:
        """A kept page whose inputs changed only in its template: the same view (a view never
        reads a template), as stored, to be rendered again. None where it was not stored."""
        if self.stored is None or not isinstance(page, KeptPage) or any(d[0] != TEMPLATE for d in deps if d in self.changed):
            return None
        found = self.stored(owner, page.fingerprint)
        if found is None:
            return None
        html_key, packed = found
        packed = self.spool.add(packed) if self.spool else packed  # waits for the render as a planned page does
        restored = PackedPage(page.path, page.template, page.info, page.source, page.fingerprint, html_key, packed)
        self.memo.pages[owner] = (restored, deps)
        self.memo.made(owner, deps)
        self.memo.restored.add(owner)
        return restored

    def _relation_keys(self, entity: Entity):
        relations = self.site.relations
        for name in RELATION_NAMES:
            yield from relations.get((entity.key, name), ())

    def pages(self) -> list[Page]:
        site = self.site
        pages = self._card_pages("lists", self._lists)
        pages += self._entity_pages("conditions", "page", self.by_kind["condition"], self._condition)
        pages += self._entity_pages("entries", "page", self.by_kind["cause"] + self.by_kind["treatment"], self._entry_page)
        pages += self._entity_pages("pages", "page", self.by_kind["page"], self._content_page)
        for path, target in sorted(site.redirects(self.config.base_path).items()):
            info = PageInfo(path + "index.html", "redirect", target.title, "", None)
            pages.append(Page(info.path, "redirect.html", info, RedirectView(self.ref(target)), target.source_path))
        if self.editor_pages:
            pages += self._editor_pages()
        missing = PageInfo("404.html", "404", "Page not found", "", None)
        pages.append(Page("404.html", "404.html", missing, PlainView(self._web_page(missing))))
        self.memo.complete = True
        return pages

    def _card_pages(self, name: str, make) -> list[Page]:
        """`make()`: pages that show the settings and entities' cards only (home, the A to Z
        lists, the outline index), or the ones made before, which the memo keeps only while
        no card changed since they were made (`PlanMemo.changes`)."""
        kept = self.memo.card_pages.get(name)
        if kept is None:
            kept = self.memo.card_pages[name] = tuple(make())
        return list(kept)

    def _lists(self) -> list[Page]:
        """Home, the A to Z lists, glossary and search."""
        pages = [self._home()]
        for kind in ("condition", "cause", "treatment"):
            pages += self._indexes(kind)
        if self.site.abbreviations:
            info = PageInfo("glossary/", "glossary", "Glossary", "What the abbreviations on this site stand for.", None)
            terms = tuple(sorted(self.site.abbreviations.items(), key=lambda item: sort_key(item[0])))
            pages.append(self._page("glossary.html", info, GlossaryView(terms, self._web_page(info))))
        search = PageInfo("search/", "search", "Search", f"Search {self.config.title}.", None)
        pages.append(self._page("search.html", search, PlainView(self._web_page(search))))
        return pages

    def ref(self, entity: Entity) -> Ref:
        if self.deps is not None:
            self.deps.add(entity.key)
        ref = self.refs.get(entity.key)
        if ref is None:
            ref = self.refs[entity.key] = Ref(entity.kind, entity.slug, entity.title, entity.path, entity.summary,
                                              entity.aliases, entity.source_path)
        return ref

    def refs_of(self, entities: list[Entity]) -> tuple[Ref, ...]:
        return tuple(self.ref(entity) for entity in entities)

    def _page(self, template: str, info: PageInfo, view, source: str = "", article: Article | None = None) -> Page:
        if self.deps is not None:
            self.deps.add((TEMPLATE, template))
        file_path = info.path if info.path.endswith(".html") else info.path + "index.html"
        texts = tuple(value.text for value in markdown_values(view))
        return Page(file_path, template, info, view, source, self._text_context(texts, article), texts)

    # --- home and the A to Z lists

    def _home(self) -> Page:
        info = PageInfo("", "home", self.config.title, self.config.description, None)
        conditions = self.by_kind["condition"]
        latest = sorted(conditions, key=lambda c: (-(_reviewed(c) or dt.date.min).toordinal(), c.order))[:HOME_CONDITIONS]
        latest.sort(key=lambda c: c.order)
        lists = {}
        for kind in ("cause", "treatment"):
            entities = self.by_kind[kind]
            short = len(entities) <= HOME_LIST_LIMIT
            lists[kind] = (self.refs_of(entities) if short else (),
                           () if short else tuple((letter, self.addresses.url(href)) for letter, href in self._letter_pages(kind)))
        view = HomeView(self.refs_of(latest), len(conditions) - len(latest), lists["cause"][0], lists["treatment"][0],
                        lists["cause"][1], lists["treatment"][1], self._web_page(info))
        return self._page("home.html", info, view)

    def _letter_pages(self, kind: str) -> list[tuple[str, str]]:
        """(letter, URL path) of each letter of an A to Z list: a page of its own when the list is
        split, else the letter's place on the one page."""
        groups = az_groups(self.by_kind[kind])
        prefix = KINDS[kind].url_prefix
        if len(self.by_kind[kind]) > INDEX_SPLIT:
            return [(letter, f"{prefix}{letter_path(letter)}/") for letter, _ in groups]
        return [(letter, f"{prefix}#letter-{letter}") for letter, _ in groups]

    def _indexes(self, kind: str) -> list[Page]:
        """The A to Z list of a kind: one page, or past INDEX_SPLIT a page of letters and one per letter."""
        title = f"{kind.capitalize()}s A to Z"
        description = f"Every {kind} on this site, from A to Z."
        info = PageInfo(KINDS[kind].url_prefix or f"{kind}s/", f"{kind}-index", title, description, None)
        groups = tuple((letter, self.refs_of(members)) for letter, members in az_groups(self.by_kind[kind]))
        if len(self.by_kind[kind]) <= INDEX_SPLIT:
            letters = tuple((letter, f"#letter-{letter}") for letter, _ in groups)
            return [self._page("index.html", info, IndexView(kind, groups, letters, self._web_page(info)))]
        letters = tuple((letter, self.addresses.url(path)) for letter, path in self._letter_pages(kind))
        pages = [self._page("index.html", info, IndexView(kind, (), letters, self._web_page(info)))]
        for letter, members in groups:
            part = PageInfo(f"{info.path}{letter_path(letter)}/", f"{kind}-index", f"{title}: {letter}", description, None)
            pages.append(self._page("index.html", part, IndexView(kind, ((letter, members),), letters, self._web_page(part))))
        return pages

    # --- a condition

    def _condition(self, condition: Entity) -> Page:
        article = condition.article.whole()  # its body too, where the entity holds it without (`Article.without_body`)
        meta = article.document.meta
        next_review = meta.review_due(self.config.review_interval)
        sections = self._sections(article.sections)
        notes = tuple({"label": n.label, "number": n.number, "html": _md(n.text), "back": n.reference_ids}
                      for n in article.footnotes)
        view = ConditionView(
            entity=self.ref(condition),
            meta=meta,
            overview=self._parts(article.overview.parts, 2),
            footnotes=notes,
            sections=sections,
            help=_help_pointer(article, sections),
            show_summary=bool(meta.summary) and not article.opens_with(meta.summary),
            next_review=next_review,
            review_overdue=bool(next_review and next_review < self.day),
            related=self.refs_of(self._related_conditions(condition)),
            leads_to=self.refs_of(self.site.related(condition, "leads_to")),
            treats=self.refs_of(self.site.related(condition, "treats")),
            structured=jsonld.script_json(jsonld.condition_page(
                condition, article, self.site, self.addresses.absolute, self.config.language, meta.reviewed, meta.reviewer)),
        )
        page = self._page(KINDS["condition"].template, self._info(condition), view, article.document.path, article)
        self._let_go_of_body(condition)
        return page

    def _let_go_of_body(self, entity: Entity) -> None:
        """Once the page reading an article's body is made, no other page reads it: where the
        plan may let go (see `plan`), the entity holds the article without it (and without
        a way to read it back)."""
        if self.let_go and entity.article:
            entity.article = entity.article.without_body()

    def _sections(self, sections: tuple[Section, ...]) -> tuple[dict, ...]:
        """Sections as the template draws them; a sub-section's heading is never more than
        one level below the one before it, so headings stay in order."""
        views, previous = [], 1
        for section in sections:
            level = min(section.level, previous + 1)
            previous = level
            views.append({"title": heading_text(section.title), "title_html": Inline(section.title),
                          "kind": section.kind, "anchor": section.anchor, "level": level,
                          "urgency": section.urgency, "label": card_label(section.urgency, section.title),
                          "parts": self._parts(section.parts, level + 1)})
        return tuple(views)

    def _parts(self, parts, level: int) -> tuple[dict, ...]:
        """Parsed parts as views; `level` is the heading level for the parts' own headings."""
        views = []
        for part in parts:
            if isinstance(part, Text):
                views.append({"type": "text", "html": _md(part)})
            elif isinstance(part, EntryList):
                views.append({"type": "entries", "style": part.style, "items": tuple(
                    self._entry(item) if isinstance(item, Entry) else {"entity": None, "html": _md(item), "kept": True}
                    for item in part.items)})
            elif isinstance(part, Group):
                views.append({"type": "group", "form": part.form, "label": part.label, "style": part.style,
                              "level": level, "parts": self._parts(part.parts, level + 1)})
            elif isinstance(part, Entry):
                views.append({"type": "entry-heading", "level": level, **self._entry(part, inline=False)})
            elif isinstance(part, Callout):
                views.append({"type": "callout", "kind": part.kind, "urgency": part.level, "title": heading_text(part.title),
                              "label": card_label(part.level, part.title) if part.level else CALLOUT_LABELS[part.kind],
                              "html": _md(part.body), "level": level})
        return tuple(views)

    def _entry(self, entry: Entry, inline: bool = True) -> dict:
        """An entry's name, linked to its page (symptoms have none), then its description.
        The name keeps the article's own words; the page is titled with the clean name."""
        entity = self.ref(self.site.entity_of(entry)) if entry.kind in ("cause", "treatment") else None
        if not inline:  # a `###` entry: the template makes the heading
            return {"entity": entity, "name": entry.name, "html": _md(entry.description), "kept": False}
        words = self.lead_words.get(entry.lead)
        if words is None:  # `A &amp; B` is "A & B" to readers; the same few hundred names recur
            words = self.lead_words[entry.lead] = escape(html.unescape(plain_text(entry.lead).strip()))
        name = f'<a href="{escape(self.addresses.url(entity))}">{words}</a>' if entity else str(words)
        if entry.strong:
            name = f"<strong>{name}</strong>"
        return {"entity": entity, "name": name, "html": EntryItem(name, entry.joiner, _md(entry.description)), "kept": False}

    def _related_conditions(self, condition: Entity, limit: int = 5) -> list[Entity]:
        """Conditions that share the most causes and treatments with this one (ties: A to Z by slug)."""
        relations, numbers = self.site.relations, self._condition_numbers()
        shared: Counter = Counter()
        for relation in ("causes", "treatments"):
            for key in relations.get((condition.key, relation), ()):
                shared.update(self._numbered_conditions(key))
                if self.deps is not None:  # its conditions decide the ranking
                    self.deps.add(key)
        shared.pop(numbers[condition.key], None)
        least = heapq.nlargest(limit, shared.values())[-1] if len(shared) > limit else 0
        best = sorted((-count, number) for number, count in shared.items() if count >= least)[:limit]
        return [self.site.entities[self.conditions_by_number[number]] for _, number in best]

    def _condition_numbers(self) -> dict[tuple[str, str], int]:
        """Each condition's place in slug order: counting small numbers is several times faster
        than counting (kind, slug) keys, whose hash is made anew each time."""
        if self.condition_numbers is None:
            kept = self.memo.numbering
            if kept and kept[0] is self.site.relations:  # the same graph: the same conditions and relations
                _, self.condition_numbers, self.conditions_by_number, self.numbered = kept
            else:
                self.conditions_by_number = sorted((k for k in self.site.entities if k[0] == "condition"), key=lambda k: k[1])
                self.condition_numbers = {key: number for number, key in enumerate(self.conditions_by_number)}
                self.memo.numbering = (self.site.relations, self.condition_numbers, self.conditions_by_number, self.numbered)
        return self.condition_numbers

    def _numbered_conditions(self, key: tuple[str, str]) -> list[int]:
        """The numbers of the conditions a cause or treatment is related to (made once a plan)."""
        numbered = self.numbered.get(key)
        if numbered is None:
            numbers = self._condition_numbers()
            numbered = self.numbered[key] = [numbers[c] for c in self.site.relations.get((key, "conditions"), ())]
        return numbered

    # --- causes, treatments and other pages

    def _entry_page(self, entity: Entity) -> Page:
        site, info = self.site, self._info(entity)
        # Each condition once, with the day its article was reviewed and, unless this cause or
        # treatment has its own file, the article's words about it (content-format.md, section 4).
        words = {m.condition: m.entry.description for m in entity.mentions}
        conditions = tuple(
            {"condition": self.ref(c), "reviewed": _reviewed(c), "html": "" if entity.article else _md(words.get(c.slug))}
            for c in site.related(entity, "conditions")
        )
        view = EntryPageView(
            entity=self.ref(entity),
            body=_md(entity.article.whole().body_html_source) if entity.article else "",
            reviewed=entity.article.document.meta.reviewed if entity.article else None,
            conditions=conditions,
            causes=self.refs_of(site.related(entity, "causes")),
            treatments=self.refs_of(site.related(entity, "treatments")),
            prevention=tuple({"condition": self.ref(c), "anchor": c.article.prevention_anchor}
                             for c in site.related(entity, "prevention")),
            sources=entity.article.document.meta.sources if entity.article else (),
            structured=jsonld.script_json(jsonld.entry_page(entity, site, self.addresses.absolute, self.config.language,
                                                            info.summary)),
        )
        # Its own file, or the first article that names it: the file an editor would change.
        source = entity.source_path or next((c["condition"].source_path for c in conditions), "")
        self._let_go_of_body(entity)
        return self._page(KINDS[entity.kind].template, info, view, source)

    def _content_page(self, page: Entity) -> Page:
        info = self._info(page)
        view = ContentPageView(self.ref(page), _md(page.article.whole().body_html_source), self._web_page(info))
        self._let_go_of_body(page)
        return self._page(KINDS["page"].template, info, view, page.source_path)

    def _editor_pages(self) -> list[Page]:
        """Preview only, never published: how each article was read, and the review dashboard."""
        pages = self._card_pages("outline index", self._outline_index)
        pages += self._entity_pages("outlines", "outline", self.by_kind["condition"], self._outline)
        return pages + self._review_pages()

    def _review_pages(self) -> list[Page]:
        """The review dashboard, most urgent first, REVIEW_PAGE_ROWS rows a page."""
        rows = self._review_rows()
        parts = [rows[start:start + REVIEW_PAGE_ROWS] for start in range(0, len(rows), REVIEW_PAGE_ROWS)] or [()]
        paths = ["_review/" if number == 1 else f"_review/{number}/" for number in range(1, len(parts) + 1)]
        links = tuple((str(number), self.addresses.url(path)) for number, path in enumerate(paths, 1)) if len(parts) > 1 else ()
        pages, last, self.memo.review_pages = [], self.memo.review_pages, {}
        for number, (part, path) in enumerate(zip(parts, paths), 1):
            kept = last.get(path)
            # The rows are the memo's objects, the same while unchanged: a page of the same
            # ones is the same page (a save changes a row or two of thousands).
            if kept and kept[1] == (len(rows), links) and len(kept[0]) == len(part) and all(map(operator.is_, kept[0], part)):
                page = kept[2]
            else:
                title = "Review dashboard" + (f": page {number}" if number > 1 else "")
                info = PageInfo(path + "index.html", "review", title, "", None)
                view = ReviewView(part, (number - 1) * REVIEW_PAGE_ROWS + 1, len(rows), links, str(number), self._web_page(info))
                page = self._page("review.html", info, view)
            self.memo.review_pages[path] = (part, (len(rows), links), page)
            pages.append(page)
        return pages

    def _review_rows(self) -> tuple[ReviewRow, ...]:
        """The dashboard's rows. Of the same entities (`PlanMemo.fresh`), the last plan's rows
        with those of the entities that are new objects made again (a grade changes only
        with its article), not every entity looked at again."""
        memo, interval = self.memo, self.config.review_interval
        last, fresh = memo.review_list, memo.fresh
        paths = {entity.source_path for entity in fresh.values()} if fresh is not None else set()
        if last is not None and fresh is not None and _same_but(last[1], self.grades, paths):
            rows = [row for row in last[0] if row.path not in paths]
            for row in review_rows(self.site, interval, self.day, grades=self.grades, memo=memo.review_rows,
                                   entities=fresh.values()):
                bisect.insort(rows, row, key=review_order)
        else:
            rows = review_rows(self.site, interval, self.day, grades=self.grades, memo=memo.review_rows)
        memo.review_list = (tuple(rows), self.grades)
        return memo.review_list[0]

    def _outline_index(self) -> list[Page]:
        index = PageInfo("_outline/index.html", "outline", "How each article was read", "", None)
        view = OutlineView(self.refs_of(self.by_kind["condition"]), None, None, self._web_page(index))
        return [self._page("outline.html", index, view)]

    def _outline(self, condition: Entity) -> Page:
        info = PageInfo(f"_outline/{condition.slug}/index.html", "outline", f"Outline: {condition.title}", "", None)
        view = OutlineView((), tuple(outline(condition.article)), self.ref(condition), self._web_page(info))
        return self._page("outline.html", info, view, condition.source_path)

    # --- shared parts

    def _web_page(self, info: PageInfo) -> str:
        return jsonld.script_json(jsonld.web_page(info.kind, self.addresses.absolute(info.path), info.title, info.summary,
                                                  self.config.language))

    def _info(self, entity: Entity) -> PageInfo:
        meta = entity.article.document.meta if entity.article else None
        summary = meta.summary if meta else ""
        if not summary and entity.mentions:
            summary = entity.mentions[0].entry.summary
        return PageInfo(entity.path, entity.kind, entity.title, summary, meta.reviewed if meta else None)

    def _text_context(self, texts: tuple[str, ...], article: Article | None) -> TextContext:
        """The wiki-link URLs and abbreviations the page's markdown uses, and its notes' numbers."""
        if not texts:
            return TextContext()
        links = {}
        for text in texts:
            if "[[" in text:
                for match in WIKI_LINK.finditer(text):
                    target = split_wiki_link(match[1])[0]
                    if self.deps is not None:
                        self.deps.add((LINK, target))
                    entity = self.site.links.get(target)
                    if entity is not None:
                        links[target] = self.addresses.url(entity)
        abbreviations = ()
        if self.site.abbreviations:
            joined = "\n".join(texts)
            # Markdown's time grows with the square of the definitions it is given: a page gets at most 100.
            abbreviations = tuple((a, t) for a, t in self.site.abbreviations.items() if a in joined)[:ABBREVIATIONS_PER_PAGE]
        footnotes = tuple((note.label, note.number) for note in article.footnotes) if article else ()
        return TextContext(tuple(links.items()), footnotes, abbreviations)  # in the order of the text: fixed


ABBREVIATIONS_PER_PAGE = 100


def markdown_values(value) -> list:
    """Every `Md` and `Inline` in a view, in a fixed order (the order they are converted in)."""
    found: list = []
    _collect(value, found)
    return found


_PLAIN = (str, int, float, bool, type(None), dt.date, Ref, Meta, Row, ReviewRow, PageInfo, Source)


def _collect(value, found: list) -> None:
    kind = type(value)
    if kind in (Md, Inline):
        found.append(value)
    elif kind is EntryItem:
        found.append(value.description)
    elif kind is dict:
        for item in value.values():
            if type(item) not in _PLAIN:
                _collect(item, found)
    elif kind in (tuple, list):
        for item in value:
            if type(item) not in _PLAIN:
                _collect(item, found)
    elif hasattr(value, "__dataclass_fields__") and kind not in _PLAIN:
        for name in value.__dataclass_fields__:
            _collect(getattr(value, name), found)


def _same_but(before: dict, after: dict, keys: set) -> bool:
    """Is `after` the dict `before` but for the values of `keys`? (Compared whole, not key by key.)"""
    expected = dict(before)
    for key in keys:
        if key in after:
            expected[key] = after[key]
        else:
            expected.pop(key, None)
    return expected == after


def _md(text: Text | None) -> Md:
    return Md(text.markdown if text is not None else "")


def _reviewed(entity: Entity) -> dt.date | None:
    return entity.article.document.meta.reviewed if entity.article else None


def _help_pointer(article: Article, sections: tuple[dict, ...]) -> dict | None:
    """Near the top: the most serious get-help advice, in a card or a callout."""
    if not article.urgency:
        return None
    card = next((s for s in sections if s["urgency"] == article.urgency), None)
    anchor, title = (card["anchor"], card["title"]) if card else _callout_target(article, sections)
    return {"urgency": article.urgency, "level_name": LEVEL_LABELS[article.urgency], "anchor": anchor, "title": title}


def _callout_target(article: Article, sections: tuple[dict, ...]) -> tuple[str, str]:
    """The section holding the most serious callout, and the callout's words."""
    for section, view in zip(article.sections, sections):
        for callout in section.callouts:
            if callout.level == article.urgency:
                return view["anchor"], heading_text(callout.title)
    return "main", LEVEL_LABELS[article.urgency]


def card_label(level: str, title: str) -> str:
    """"Urgent advice" before a card's heading, unless the heading already says its level
    ("Non-urgent advice: See a GP if:", "Immediate action required: Call 999 if:")."""
    label = LEVEL_LABELS.get(level, "")
    said = ("non-urgent advice", "urgent advice", "immediate action")
    return "" if not label or title.lower().startswith(said) else label


def az_groups(entities: list[Entity]) -> list[tuple[str, list[Entity]]]:
    """Entities (already in collation order) under their initial letter, accents folded."""
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(initial(entity.title), []).append(entity)
    # ASCII capitals collate in ASCII order: the collator (half a second to load) only for others.
    order = str if all(letter.isascii() for letter in groups) else sort_key
    return sorted(groups.items(), key=lambda item: (item[0] == "#", order(item[0])))


def letter_path(letter: str) -> str:
    """The URL segment of a letter's page: `a`, or `0-9` for names that start otherwise."""
    return "0-9" if letter == "#" else letter.lower()
