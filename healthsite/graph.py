"""The site graph: one entity per page, wiki links resolved, relations both ways.

Entities are conditions, causes, treatments and pages. A cause or treatment is
made from every entry of that slug across all conditions, plus its own file
under content/causes/ or content/treatments/ where there is one. Relations come
only from entries, wiki links and front matter (content-format.md, section 5).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from .article import KIND_PREFIX, PREVENTION, Article, Entry
from .kinds import ENTITY_KINDS, url_path
from .problems import Problem, error, warning
from .slugs import SortKeys, make_slug, number_variants, sort_key

Key = tuple[str, str]  # (kind, slug)
SUGGEST_LIMIT = 100  # names compared with an unknown link


@dataclass(frozen=True, slots=True)
class Mention:
    """One condition's entry for a cause or treatment."""

    condition: str  # the condition's slug
    entry: Entry


@dataclass
class Entity:
    kind: str
    slug: str
    title: str
    path: str  # URL path below the site's base path, e.g. causes/dehydration/
    article: Article | None = None  # its own file, when it has one
    mentions: list[Mention] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    title_key: bytes = field(default=b"", repr=False, compare=False)  # the title's `sort_key`, given where known

    @functools.cached_property  # asked for hundreds of thousands of times a build
    def key(self) -> Key:
        return (self.kind, self.slug)

    @functools.cached_property
    def order(self) -> tuple:
        """Its place in an A to Z list (collation keys are slow: made once per entity, and kept
        on its article, which the cache keeps from build to build)."""
        return (self.article.title_order if self.article else (self.title_key or sort_key(self.title)), self.slug)

    @property
    def summary(self) -> str:
        return self.article.document.meta.summary if self.article else ""

    @functools.cached_property  # asked for by every check and the review dashboard, every build
    def source_path(self) -> str:
        return self.article.document.path if self.article else ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.slug}"


@dataclass
class Site:
    entities: dict[Key, Entity]
    links: dict[str, Entity]  # wiki-link target text -> the entity it names
    relations: dict[tuple[Key, str], list[Key]]
    merged: dict[Key, Key] = field(default_factory=dict)  # an entry that is a condition -> that condition
    abbreviations: dict[str, str] = field(default_factory=dict)  # `A&E` -> `Accident and Emergency`, site-wide
    _redirects: dict = field(default_factory=dict, repr=False, compare=False)  # by base path: the plan and the checks ask
    _listed: dict = field(default_factory=dict, repr=False, compare=False)  # by kind: what `all` gives
    # Made by `GraphMemo` from another site: (a weak reference to that site, the entities that
    # are new objects here, by key); the rest of the graph is that site's.
    update: tuple | None = field(default=None, repr=False, compare=False)
    # Where each entity is in `_listed` and which link targets name it, by key: what a site
    # made from this one changes to put its new entities in (`_with_articles`).
    _places: dict | None = field(default=None, repr=False, compare=False)
    _named_by: dict | None = field(default=None, repr=False, compare=False)

    def all(self, kind: str) -> list[Entity]:
        """The entities of a kind, A to Z."""
        listed = self._listed.get(kind)
        if listed is None:
            listed = self._listed[kind] = sorted((e for e in self.entities.values() if e.kind == kind), key=lambda e: e.order)
            self._places = None  # it has no place for these
        return list(listed)

    def places(self) -> tuple[dict[Key, int], dict[Key, list[str]]]:
        """Each listed entity's place in its kind's A to Z list, and the link targets that name each entity."""
        if self._places is None:
            self._places = {entity.key: place for kept in self._listed.values() for place, entity in enumerate(kept)}
        if self._named_by is None:
            self._named_by = {}
            for target, entity in self.links.items():
                self._named_by.setdefault(entity.key, []).append(target)
        return self._places, self._named_by

    def related(self, entity: Entity, relation: str) -> list[Entity]:
        return [self.entities[key] for key in self.relations.get((entity.key, relation), [])]

    def entity_of(self, entry: Entry) -> Entity:
        """The page an entry links to: its own, or the condition it is one concept with."""
        key = (entry.kind, entry.slug)
        return self.entities[self.merged.get(key, key)]

    def redirects(self, base_path: str = "/") -> dict[str, Entity]:
        """Old URL paths (below the base path) and the pages that answer them now: what an
        entry would have had before it was merged into its condition, and `redirect_from`."""
        moved = self._redirects.get(base_path)
        if moved is None:
            moved = self._redirects[base_path] = {url_path(*key): self.entities[target] for key, target in self.merged.items()}
            for entity in self.entities.values():
                for old in (entity.article.document.meta.redirect_from if entity.article else ()):
                    moved[old.removeprefix(base_path) if old.startswith(base_path) else old.lstrip("/")] = entity
        return moved


class GraphMemo:
    """The last graph and the articles it was made from (the preview keeps one). When every
    article that changed kept its shape (`Article.graph_shape`: the text changed, not its
    names, entries, links or their lines), the next graph is the last one with the new
    articles put in: no name is looked up and no relation made again."""

    def __init__(self):
        self.articles: list[Article] = []
        self.drafts: list[Article] = []
        self.site: Site | None = None
        self.problems: list[Problem] = []

    def reuse(self, articles: list[Article], drafts: list[Article], replaced: tuple | None = None) -> tuple[Site, list[Problem]] | None:
        """`replaced`: (a list of articles, the (old, new) pairs that make `articles` of it), where known."""
        if self.site is None or len(articles) != len(self.articles) or len(drafts) != len(self.drafts):
            return None
        if replaced is not None and replaced[0] is self.articles:
            pairs = replaced[1]
        else:  # the cache hands an unchanged file's article back as the same object
            pairs = [(old, new) for old, new in zip(self.articles, articles) if old is not new]
        changed, moved = [], {}
        for old, new in pairs:
            (old_form, old_lines), (new_form, new_lines) = old.graph_shape, new.graph_shape
            if old_form != new_form:
                return None
            if old_lines != new_lines:  # lines typed above its links or entries: its problems move
                moves = _line_moves(old_lines, new_lines)
                if moves is None:
                    return None
                moved[new.document.path] = moves
            changed.append(new)
        if any(old is not new and old.graph_shape != new.graph_shape for old, new in zip(self.drafts, drafts)):
            return None
        problems = [dataclasses.replace(p, line=moved[p.path].get(p.line, p.line)) if p.path in moved else p
                    for p in self.problems]
        self.remember(articles, drafts, _with_articles(self.site, changed), problems)
        return self.site, list(self.problems)

    def remember(self, articles: list[Article], drafts: list[Article], site: Site, problems: list[Problem]) -> None:
        """(Lists their makers never change: the articles' is what the next `replaced` names.)"""
        self.articles, self.drafts, self.site, self.problems = articles, drafts, site, list(problems)


def _line_moves(old: tuple[int, ...], new: tuple[int, ...]) -> dict[int, int] | None:
    """Each old line of an article's names, entries and links -> its new line; None if two
    things that shared a line no longer do (a problem on it could not say which moved)."""
    moves: dict[int, int] = {}
    for before, after in zip(old, new):
        if moves.setdefault(before, after) != after:
            return None
    return moves


def _with_articles(site: Site, changed: list[Article]) -> Site:
    """A new site like `site` whose entities hold these (same-shaped) articles and entries.
    Entities they change are new objects; the last site is left as it was."""
    entities = dict(site.entities)
    fresh: dict[Key, Entity] = {}
    for article in changed:
        doc = article.document
        own = entities.get((doc.kind, doc.slug))
        if own is not None and own.article is not None and own.article.document.path == doc.path:
            entities[own.key] = fresh[own.key] = dataclasses.replace(own, article=article)
        if doc.kind != "condition":
            continue
        first: dict[Key, Entry] = {}  # an entity's mention holds the article's first entry for it
        for entry in article.entries():
            first.setdefault((entry.kind, entry.slug), entry)
        for key, entry in first.items():
            entity = entities.get(key)
            if entity is not None and entry.kind in ENTITY_KINDS:
                mentions = [Mention(doc.slug, entry) if m.condition == doc.slug else m for m in entity.mentions]
                entities[key] = fresh[key] = dataclasses.replace(entity, mentions=mentions)
    # The same names, so the same A to Z order and the same links: the last site's, with the new entities put in.
    places, named_by = site.places()
    links, listed = dict(site.links), dict(site._listed)
    for key, entity in fresh.items():
        for target in named_by.get(key, ()):
            links[target] = entity
        if key in places and entity.kind in listed:
            if listed[entity.kind] is site._listed[entity.kind]:
                listed[entity.kind] = list(listed[entity.kind])
            listed[entity.kind][places[key]] = entity
    # The same old addresses (`redirect_from` is part of an article's shape), answered by the new entities.
    moved = {base: {path: entities[e.key] for path, e in paths.items()} for base, paths in site._redirects.items()}
    return Site(entities, links, site.relations, site.merged, site.abbreviations, _redirects=moved, _listed=listed,
                update=(weakref.ref(site), fresh), _places=places, _named_by=named_by)


def build_graph(articles: list[Article], drafts: list[Article] = (), memo: GraphMemo | None = None,
                sort_keys: SortKeys | None = None, replaced: tuple | None = None) -> tuple[Site, list[Problem]]:
    """Gather entities, resolve every wiki link, and record the relations (or, with a `memo`
    whose graph these articles do not change the shape of, put them into that graph).
    `sort_keys`: the names' places in A to Z lists, as far as known (the cache's). `replaced`:
    see `GraphMemo.reuse`."""
    reused = memo.reuse(articles, drafts, replaced) if memo else None
    if reused:
        return reused
    site, problems = _build_graph(articles, drafts, sort_keys or SortKeys())
    if memo:
        memo.remember(articles, drafts, site, problems)
    return site, problems


def _build_graph(articles: list[Article], drafts: list[Article], sort_keys: SortKeys) -> tuple[Site, list[Problem]]:
    problems: list[Problem] = []
    entities, merged = _entities(articles, problems, sort_keys)
    articles = [a for a in articles if (a.document.kind, a.document.slug) in entities]  # merged files are not published
    index = _NameIndex(entities.values(), drafts, merged, entities)
    relations: dict[tuple[Key, str], dict[Key, None]] = defaultdict(dict)  # dicts: ordered sets

    def relate(a: Entity, a_to_b: str, b: Entity, b_to_a: str) -> None:
        relations[(a.key, a_to_b)][b.key] = None
        relations[(b.key, b_to_a)][a.key] = None

    abbreviations = {abbr: title for article in reversed(articles) for abbr, title in article.abbreviations}
    site = Site(entities, {}, {}, merged, abbreviations)
    for article in articles:
        doc = article.document
        owner = entities[(doc.kind, doc.slug)]
        for link, section_kind, entry in article.wiki_links:
            target = site.links.get(link.target)
            if target is None:
                target, message = index.resolve(link.target)
                if target is None:
                    problems.append(error(doc.path, link.line, message))
                    continue
                site.links[link.target] = target
            _link_relation(owner, section_kind, entry, target, site, relate)
    for article in articles:  # condition -> its causes and treatments, in the article's order
        condition = entities.get(("condition", article.document.slug))
        for entry in article.entries():
            if condition and entry.kind in ENTITY_KINDS:
                target = site.entity_of(entry)
                back = "conditions" if target.kind != "condition" else ("leads_to" if entry.kind == "cause" else "treats")
                if target is not condition:
                    relate(condition, entry.kind + "s", target, back)
    problems += _front_matter_relations(articles, entities, relate)
    site.relations = _sorted(relations, entities)
    return site, problems


def _entities(articles: list[Article], problems: list[Problem], sort_keys: SortKeys) -> tuple[dict[Key, Entity], dict[Key, Key]]:
    """One entity per file and per cause or treatment named by an entry. An entry that
    names a condition (a Dehydration cause, a Dehydration article) is that condition."""
    entities: dict[Key, Entity] = {}
    for article in articles:
        doc = article.document
        sort_keys.remember(doc.meta.title, article.title_order)  # so the next process parses it without the collator
        entities[(doc.kind, doc.slug)] = Entity(
            doc.kind, doc.slug, doc.meta.title, url_path(doc.kind, doc.slug), article, aliases=doc.meta.aliases)
    conditions = _condition_names(entities.values())
    merged: dict[Key, Key] = {}
    for key, entity in list(entities.items()):  # content/causes/dehydration.md beside a Dehydration article
        condition = _condition_named(conditions, key[1]) if key[0] in ENTITY_KINDS else None
        if condition:
            del entities[key]
            merged[key] = condition.key
            problems.append(warning(entity.source_path, 1, f"`{entity.title}` is also the condition article "
                                    f"{condition.source_path}: this file is not published; move its text there"))
    for article in articles:
        if article.document.kind != "condition":
            continue
        seen: set[Key] = set()
        for entry in article.entries():
            key = (entry.kind, entry.slug)
            if entry.kind not in ENTITY_KINDS:
                continue
            if key in seen:
                problems.append(warning(article.document.path, entry.line, f"{entry.kind} `{entry.name}` is listed twice in this article"))
                continue
            seen.add(key)
            condition = None if key in entities else _condition_named(conditions, entry.slug)
            if condition:
                merged[key] = condition.key
                continue
            entity = entities.get(key)
            if entity is None:
                entity = entities[key] = Entity(entry.kind, entry.slug, entry.name, url_path(*key), title_key=sort_keys(entry.name))
            entity.mentions.append(Mention(article.document.slug, entry))
    return entities, merged


def _condition_names(entities) -> dict[str, Entity]:
    names: dict[str, Entity] = {}
    for entity in entities:
        if entity.kind == "condition":
            for name in (entity.slug, entity.title, *entity.aliases):
                names.setdefault(make_slug(name), entity)
    return names


def _condition_named(conditions: dict[str, Entity], slug: str) -> Entity | None:
    return next((conditions[v] for v in number_variants(slug) if v in conditions), None)


def _link_relation(owner: Entity, section_kind: str, entry: Entry | None, target: Entity, site: Site, relate) -> None:
    """A link makes a relation only in these places (content-format.md, section 5)."""
    if target.kind != "cause":
        return
    if owner.kind == "treatment":
        relate(owner, "causes", target, "treatments")
    elif section_kind == PREVENTION:
        relate(owner, "prevents", target, "prevention")
    elif entry is not None and entry.kind == "treatment":
        treatment = site.entity_of(entry)
        if treatment.kind == "treatment":
            relate(treatment, "causes", target, "treatments")


def _front_matter_relations(articles: list[Article], entities: dict[Key, Entity], relate) -> list[Problem]:
    problems = []
    for article in articles:
        doc = article.document
        lists = {"cause": ("treatments", "treatment"), "treatment": ("causes", "cause")}
        if doc.kind not in lists:
            continue
        key, other_kind = lists[doc.kind]
        for slug in getattr(doc.meta, key):
            other = entities.get((other_kind, slug))
            if other is None:
                known = [s for k, s in entities if k == other_kind]
                close = difflib.get_close_matches(slug, known, n=3)
                hint = f" (did you mean {', '.join(f'`{c}`' for c in close)}?)" if close else ""
                problems.append(error(doc.path, doc.key_lines.get(key, 1), f"`{key}` lists unknown {other_kind} `{slug}`{hint}"))
                continue
            me = entities[(doc.kind, doc.slug)]
            cause, treatment = (me, other) if doc.kind == "cause" else (other, me)
            relate(treatment, "causes", cause, "treatments")
    return problems


def _sorted(relations, entities) -> dict[tuple[Key, str], list[Key]]:
    """A condition keeps its article's order; every other list is A-Z."""
    order = sorted(entities, key=lambda k: (entities[k].order, k[0]))
    rank = dict(zip(order, range(len(order))))  # lists sort by a number, not by collation keys again and again
    result = {}
    for (key, name), others in relations.items():
        if key[0] != "condition" or name in ("prevents", "leads_to", "treats"):
            others = sorted(others, key=rank.__getitem__)
        result[(key, name)] = list(others)
    return result


class _NameIndex:
    """Slugs, titles, aliases and entry names, case-insensitive, singular or plural."""

    def __init__(self, entities, drafts, merged: dict[Key, Key], by_key: dict[Key, Entity]):
        self.names: dict[str, list[Entity]] = defaultdict(list)
        self.display: dict[str, str] = {}
        for entity in entities:
            names = [entity.slug, entity.title, *entity.aliases, *(m.entry.name for m in entity.mentions)]
            for name in names:
                self._add(make_slug(name), entity, name)
        self.merged = {key: by_key[target] for key, target in merged.items()}
        for (_, slug), condition in self.merged.items():  # [[dehydration]] names the one concept
            self._add(slug, condition, slug)
        self._by_initial: dict[str, list[str]] | None = None
        self.drafts = {make_slug(n): a.document.path for a in drafts for n in (a.document.slug, a.document.meta.title)}

    def _candidates(self, key: str) -> list[str]:
        """Names worth comparing for "did you mean": the same first (or second) letter and a
        similar length, at most SUGGEST_LIMIT of them, so thousands of bad links stay fast."""
        if self._by_initial is None:  # names by first letter, and by second (for a typo in the first)
            self._by_initial = defaultdict(list)
            for name in self.names:
                self._by_initial[name[:1]].append(name)
                self._by_initial["2" + name[1:2]].append(name)
        near = [n for n in dict.fromkeys(self._by_initial.get(key[:1], []) + self._by_initial.get("2" + key[1:2], []))
                if abs(len(n) - len(key)) <= max(2, len(key) // 2)]
        near.sort(key=lambda name: (name[:3] != key[:3], abs(len(name) - len(key))))  # likeliest first
        return near[:SUGGEST_LIMIT]

    def _add(self, key: str, entity: Entity, name: str) -> None:
        if key and entity not in self.names[key]:
            self.names[key].append(entity)
            self.display.setdefault(key, name)

    def resolve(self, target: str) -> tuple[Entity | None, str]:
        prefix = KIND_PREFIX.match(target)
        kind, name = (prefix[1].lower(), prefix[2]) if prefix else (None, target)
        key = make_slug(name)
        for variant in number_variants(key):
            if (kind, variant) in self.merged:  # [[cause:dehydration]] when Dehydration is a condition
                return self.merged[(kind, variant)], ""
            found = [e for e in self.names.get(variant, []) if kind in (None, e.kind)]
            if len(found) == 1:
                return found[0], ""
            if found:
                choices = ", ".join(f"[[{e.label}]]" for e in sorted(found, key=lambda e: e.label))
                return None, f"ambiguous link [[{target}]]: it could be {choices}; write the kind, e.g. [[{found[0].label}]]"
        if key in self.drafts:
            return None, f"link [[{target}]] points to a draft ({self.drafts[key]}): publish it or remove the link"
        close = difflib.get_close_matches(key, self._candidates(key), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(f'[[{self.display[c]}]]' for c in close)}?" if close else ""
        return None, f"unknown link [[{target}]]: no condition, cause, treatment or page has that name{hint}"
