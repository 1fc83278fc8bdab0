"""The site graph: one entity per page, wiki links resolved, relations both ways.

Entities are conditions, causes, treatments and pages. A cause or treatment is
made from every entry of that slug across all conditions, plus its own file
under content/causes/ or content/treatments/ where there is one. Relations come
only from entries, wiki links and front matter (content-format.md, section 5).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from .article import KIND_PREFIX, PREVENTION, WIKI_LINK, Article, Entry, Text, prose_lines, split_wiki_link
from .problems import Problem, error, warning
from .slugs import make_slug, number_variants

KINDS = ("condition", "cause", "treatment", "page")
URL_FOLDERS = {"condition": "conditions/", "cause": "causes/", "treatment": "treatments/", "page": ""}

Key = tuple[str, str]  # (kind, slug)


@dataclass(frozen=True)
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

    @property
    def key(self) -> Key:
        return (self.kind, self.slug)

    @property
    def summary(self) -> str:
        return self.article.document.meta.summary if self.article else ""

    @property
    def source_path(self) -> str:
        return self.article.document.path if self.article else ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.slug}"


@dataclass(frozen=True)
class WikiLink:
    line: int
    target: str  # the text before `|`
    label: str  # what the reader sees


@dataclass
class Site:
    entities: dict[Key, Entity]
    links: dict[str, Entity]  # wiki-link target text -> the entity it names
    relations: dict[tuple[Key, str], list[Key]]

    def all(self, kind: str) -> list[Entity]:
        return sorted((e for e in self.entities.values() if e.kind == kind), key=lambda e: (e.title.lower(), e.slug))

    def related(self, entity: Entity, relation: str) -> list[Entity]:
        return [self.entities[key] for key in self.relations.get((entity.key, relation), [])]


def build_graph(articles: list[Article], drafts: list[Article] = ()) -> tuple[Site, list[Problem]]:
    """Gather entities, resolve every wiki link, and record the relations."""
    problems: list[Problem] = []
    entities = _entities(articles, problems)
    index = _NameIndex(entities.values(), drafts)
    relations: dict[tuple[Key, str], list[Key]] = defaultdict(list)

    def relate(a: Entity, a_to_b: str, b: Entity, b_to_a: str) -> None:
        for key, name, other in ((a.key, a_to_b, b.key), (b.key, b_to_a, a.key)):
            if other not in relations[(key, name)]:
                relations[(key, name)].append(other)

    links: dict[str, Entity] = {}
    for article in articles:
        doc = article.document
        owner = entities[(doc.kind, doc.slug)]
        for text, context in _texts(article):
            for link in find_wiki_links(text):
                target, message = index.resolve(link.target)
                if target is None:
                    problems.append(error(doc.path, link.line, message))
                    continue
                links[link.target] = target
                _link_relation(owner, context, target, entities, relate)
    for article in articles:  # condition -> its causes and treatments, in the article's order
        for section in article.sections:
            for entry in section.entries:
                condition = entities[("condition", article.document.slug)]
                relate(condition, entry.kind + "s", entities[(entry.kind, entry.slug)], "conditions")
    problems += _front_matter_relations(articles, entities, relate)
    return Site(entities, links, _sorted(relations, entities)), problems


def _entities(articles: list[Article], problems: list[Problem]) -> dict[Key, Entity]:
    entities: dict[Key, Entity] = {}
    for article in articles:
        doc = article.document
        entities[(doc.kind, doc.slug)] = Entity(
            doc.kind, doc.slug, doc.meta.title, URL_FOLDERS[doc.kind] + doc.slug + "/", article, aliases=doc.meta.aliases)
    for article in articles:
        if article.document.kind != "condition":
            continue
        seen: set[Key] = set()
        for section in article.sections:
            for entry in section.entries:
                key = (entry.kind, entry.slug)
                if key in seen:
                    problems.append(warning(article.document.path, entry.description.line, f"{entry.kind} `{entry.name}` is listed twice in this article"))
                    continue
                seen.add(key)
                entity = entities.setdefault(key, Entity(entry.kind, entry.slug, entry.name, URL_FOLDERS[entry.kind] + entry.slug + "/"))
                entity.mentions.append(Mention(article.document.slug, entry))
    return entities


def _texts(article: Article):
    """Every markdown chunk of an article, with the context that gives its links a meaning."""
    yield article.overview, None
    for section in article.sections:
        for part in section.parts:
            if isinstance(part, Text):
                yield part, section.kind
            else:
                yield part.description, part


def _link_relation(owner: Entity, context, target: Entity, entities: dict[Key, Entity], relate) -> None:
    """A link makes a relation only in these places (content-format.md, section 5)."""
    if target.kind != "cause":
        return
    if owner.kind == "treatment":
        relate(owner, "causes", target, "treatments")
    elif context == PREVENTION:
        relate(owner, "prevents", target, "prevention")
    elif isinstance(context, Entry) and context.kind == "treatment":
        relate(entities[("treatment", context.slug)], "causes", target, "treatments")


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
    result = {}
    for (key, name), others in relations.items():
        if key[0] != "condition" or name == "prevents":
            others = sorted(others, key=lambda k: (entities[k].title.lower(), k))
        result[(key, name)] = others
    return result


def find_wiki_links(text: Text) -> list[WikiLink]:
    """`[[target]]` and `[[target|label]]` outside code, with their line numbers."""
    return [
        WikiLink(number, *split_wiki_link(match[1]))
        for number, line in prose_lines(text)
        for match in WIKI_LINK.finditer(line)
    ]


class _NameIndex:
    """Slugs, titles, aliases and entry names, case-insensitive, singular or plural."""

    def __init__(self, entities, drafts):
        self.names: dict[str, list[Entity]] = defaultdict(list)
        self.display: dict[str, str] = {}
        for entity in entities:
            names = [entity.slug, entity.title, *entity.aliases, *(m.entry.name for m in entity.mentions)]
            for name in names:
                key = make_slug(name)
                if key and entity not in self.names[key]:
                    self.names[key].append(entity)
                    self.display.setdefault(key, name)
        self.drafts = {make_slug(n): a.document.path for a in drafts for n in (a.document.slug, a.document.meta.title)}

    def resolve(self, target: str) -> tuple[Entity | None, str]:
        prefix = KIND_PREFIX.match(target)
        kind, name = (prefix[1].lower(), prefix[2]) if prefix else (None, target)
        key = make_slug(name)
        for variant in number_variants(key):
            found = [e for e in self.names.get(variant, []) if kind in (None, e.kind)]
            if len(found) == 1:
                return found[0], ""
            if found:
                choices = ", ".join(f"[[{e.label}]]" for e in sorted(found, key=lambda e: e.label))
                return None, f"ambiguous link [[{target}]]: it could be {choices}; write the kind, e.g. [[{found[0].label}]]"
        if key in self.drafts:
            return None, f"link [[{target}]] points to a draft ({self.drafts[key]}): publish it or remove the link"
        close = difflib.get_close_matches(key, self.names.keys(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(f'[[{self.display[c]}]]' for c in close)}?" if close else ""
        return None, f"unknown link [[{target}]]: no condition, cause, treatment or page has that name{hint}"
