"""What the last plan made, so the next one makes again only what changed.

- `PlanMemo`, in memory (the preview keeps one): each entity's pages with the inputs they
  read, and what each input showed, compared by identity first.
- `PlanIndex`, on disk with the published build's manifest (a new `build` process starts
  from it): the same, with each input as a digest that means the same in another process,
  and each page as a `KeptPage`, enough to find its file unchanged.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cache import digest
from .graph import Entity, Site

if TYPE_CHECKING:
    from .plan import Page, PageInfo

RELATION_NAMES = ("causes", "treatments", "conditions", "prevents", "prevention", "leads_to", "treats")


@dataclass(frozen=True)
class KeptPage:
    """A page of the build published last, as a new process knows it without making it again
    (from a `PlanIndex`): all that is needed of a page whose file is already there."""

    path: str
    info: PageInfo
    source: str
    fingerprint: str
    template: str

    @staticmethod
    def of(page: Page | KeptPage) -> KeptPage:
        return page if isinstance(page, KeptPage) else KeptPage(page.path, page.info, page.source, page.fingerprint,
                                                                 page.template)


class StalePlan(Exception):
    """A kept page's file is not what the index says (changed behind the build's back): plan afresh."""


Dependency = tuple  # an entity's key (its card), (OWN, key) (its own text), (LINK, a wiki-link target) or (TEMPLATE, name)
LINK, OWN, TEMPLATE = "[[", "own", "template"


@dataclass
class PlanMemo:
    """The pages of the last plan and what each depends on, so the next plan makes again only
    the pages of entities whose inputs changed. An explicit object: the preview keeps one."""

    settings: object = None  # what every page depends on: a change starts afresh
    shown: dict[Dependency, object] = field(default_factory=dict)  # what any page may show of each input
    pages: dict[tuple[str, tuple[str, str]], tuple[object, tuple[Dependency, ...]]] = field(default_factory=dict)
    site: Site | None = None  # the graph last planned
    card_pages: dict[str, tuple] = field(default_factory=dict)  # the last pages that show cards only (home, A to Z...)
    review_rows: dict = field(default_factory=dict)  # each entity's review-dashboard row (review.review_rows)
    review_pages: dict = field(default_factory=dict)  # each dashboard page by path, with the rows it shows
    numbering: tuple | None = None  # the conditions' numbers for ranking related ones, with the relations they are of
    digests: tuple | None = None  # (site, what its inputs show as digests), made when an index was read
    key: str = ""  # what the last plan's pages depend on beyond the site (see `PlanIndex.key`)
    templates: dict[str, str] = field(default_factory=dict)  # each template's key (`render.template_keys`)
    entity_pages: dict[str, tuple[list, dict]] = field(default_factory=dict)  # each list of entity pages, with each owner's place
    review_list: tuple | None = None  # (the last dashboard's rows in order, the grades they were made with)
    complete: bool = True  # the last plan ran to its end: a plan that raised leaves a memo to start afresh
    fresh: dict | None = None  # the entities that are new objects in a graph the graph memo reused, else None
    dependents: dict[Dependency, set] | None = None  # the pages (owners) reading each input: see `stale_owners`
    restored: set = field(default_factory=set)  # owners whose page this plan took as stored, not made (`plan`'s `stored`)

    def changes(self, site: Site, settings, index: PlanIndex | None = None, index_key: str = "",
                templates: dict[str, str] | None = None) -> set[Dependency] | None:
        """The inputs that differ from the last plan's (None: everything may have), and
        remember the new ones. A new memo starts from `index` (the plan of the build
        published last) when it was made with the same `index_key`: its kept pages whose
        template changed are made again too (they are rendered again; a page kept in memory
        can be rendered as it is)."""
        templates = templates or {}
        self.fresh, self.restored = None, set()
        if not self.complete:  # pages were made, or kept, from inputs the memo no longer holds
            self.settings = self.site = None
        self.complete = False  # until the plan ends
        if settings != self.settings:
            changed, self.pages, self.review_rows, self.review_pages, self.dependents = None, {}, {}, {}, None
            self.review_list, self.entity_pages = None, {}
            if self.settings is None and index is not None and index.key == index_key:
                digests = _shown_digests(site)
                changed = {dep for dep, shown in digests.items() if index.shown.get(dep) != shown}
                changed.update(dep for dep in index.shown if dep not in digests)
                changed.update((TEMPLATE, name) for name in index.templates.keys() | templates.keys()
                               if index.templates.get(name) != templates.get(name))
                self.pages, self.card_pages, self.digests = dict(index.pages), dict(index.card_pages), (site, digests)
            self.shown = _shown(site, site.entities)
        elif self.site is not None and site.update and site.update[0]() is self.site:
            # The graph memo put new articles into the last graph: only entities that are new
            # objects can show anything new, and every link names the page it named.
            fresh = site.update[1]
            shown = _shown(site, fresh, links=False)
            changed = {key for key, value in shown.items() if self.shown.get(key, _ABSENT) != value}
            self.shown.update(shown)
            self.fresh = fresh
        else:
            shown = _shown(site, site.entities)
            changed = {key for key, value in shown.items() if self.shown.get(key, _ABSENT) != value}
            changed.update(key for key in self.shown if key not in shown)
            self.shown = shown
        self.settings, self.site, self.key, self.templates = settings, site, index_key, templates
        if changed is None or any(map(_is_card, changed)):
            self.card_pages = {}  # forgotten here, not where remade: a plan may not remake them all
        return changed

    def stale_owners(self, changed: set[Dependency] | None) -> set | None:
        """The pages that may read a changed input, when the graph is the last one with new
        articles put in (the same entities, in the same order): only these need looking at.
        None: look at every page. The index of readers is made on the first such plan, then
        kept up to date by `made`; it may name a page that no longer reads an input (that
        page is then looked at for nothing), never miss one that does."""
        if self.fresh is None or changed is None:
            return None
        self.index_readers()
        stale: set = set()
        for dependency in changed:
            stale.update(self.dependents.get(dependency, ()))
        return stale

    def index_readers(self) -> None:
        """Make the index of readers (`stale_owners`), if there is none: a second at 10,000
        articles, which the preview spends once its first build is done, not on the first save."""
        if self.dependents is None:
            self.dependents = {}
            for owner, (_, deps) in self.pages.items():
                self.made(owner, deps)

    def made(self, owner, deps: tuple[Dependency, ...]) -> None:
        """A page was made again, reading `deps`."""
        if self.dependents is not None:
            for dependency in deps:
                readers = self.dependents.get(dependency)
                if readers is None:
                    readers = self.dependents[dependency] = set()
                readers.add(owner)

    def index(self) -> PlanIndex:
        """The last plan as the next process can use it (see `PlanIndex`)."""
        digests = self.digests[1] if self.digests and self.digests[0] is self.site else _shown_digests(self.site)
        # One object per distinct dependency, which pickle then writes once: 600,000 of them
        # in the pages of 10,000 articles, 28,000 distinct, took most of a second to load.
        # The pages planned hold such objects already (`_Planner.one_dependency`): their tuples
        # are kept as they are, not made again (at 10,000 articles, 40 MB more at once).
        one: dict[Dependency, Dependency] = {}
        pages = {}
        for owner, (page, deps) in self.pages.items():
            held = [one.setdefault(dep, dep) for dep in deps]
            pages[owner] = (KeptPage.of(page), deps if all(map(operator.is_, held, deps)) else tuple(held))
        cards = {name: tuple(map(KeptPage.of, made)) for name, made in self.card_pages.items()}
        return PlanIndex(self.key, digests, pages, cards, self.templates)


@dataclass
class PlanIndex:
    """The plan of a published build, kept with its manifest for the next process: what each
    input showed, as a digest that means the same in another process, and each page's
    dependencies and fingerprint. A new process makes again only the pages whose inputs'
    digests differ; the others' files are already there."""

    key: str  # what every page depends on (settings, snippets, day): any change starts afresh
    shown: dict[Dependency, str]
    pages: dict[tuple[str, tuple[str, str]], tuple[KeptPage, tuple[Dependency, ...]]]
    card_pages: dict[str, tuple[KeptPage, ...]]
    templates: dict[str, str]  # each template's key: a page depends on its own template's


_ABSENT = object()


def _is_card(dependency: Dependency) -> bool:
    """An entity's key (its card) or a template (the card pages' too, which are kept by
    whether any changed), not its own text (OWN) or a wiki-link target (LINK)."""
    return dependency[0] not in (OWN, LINK)


def _shown(site: Site, entities: dict[tuple[str, str], Entity], links: bool = True) -> dict[Dependency, object]:
    """What pages can show of each input. Of an entity, two things: what other pages show (its
    card: title, URL, summary, review date, its relations, which rank related conditions), and
    what only its own pages show (its article and the entries that name it), so that an edit
    to one article does not remake every page that links to it. Of a wiki-link target, the
    page it names. Articles compare by identity first: a file the cache did not parse again
    is the same object."""
    shown: dict[Dependency, object] = {}
    for key, e in entities.items():
        shown[key] = _card(site, e)
        shown[(OWN, key)] = (e.article, e.mentions)
    if links:
        shown.update(((LINK, target), entity.path) for target, entity in site.links.items())
    return shown


def _card(site: Site, e: Entity) -> tuple:
    article, relations = e.article, site.relations
    reviewed = article.document.meta.reviewed if article else None
    anchor = article.prevention_anchor if article and e.kind == "condition" else ""
    related = tuple((name, relations[(e.key, name)]) for name in RELATION_NAMES if (e.key, name) in relations)
    return (e.kind, e.title, e.path, e.aliases, e.summary, e.source_path, reviewed, anchor, related)


def _shown_digests(site: Site) -> dict[Dependency, str]:
    """What `_shown` holds, as digests that mean the same in another process. An article is
    named by its file's digest (a parse is a function of the file and the snippets, which are
    part of the index's key), and an entry that names an entity by its article and place."""
    entities = site.entities
    texts = {key[1]: e.article.document.digest for key, e in entities.items() if key[0] == "condition" and e.article}
    digests: dict[Dependency, str] = {}
    for key, e in entities.items():
        digests[key] = digest(repr(_card(site, e)))
        mentions = [(m.condition, texts.get(m.condition, ""), m.entry.line, m.entry.kind, m.entry.slug) for m in e.mentions]
        digests[(OWN, key)] = digest(e.article.document.digest if e.article else "", repr(mentions))
    for target, entity in site.links.items():
        digests[(LINK, target)] = entity.path
    return digests

