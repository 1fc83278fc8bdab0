"""Editorial checks: warnings about things that build but should be fixed
before publishing (content-format.md leaves these to `check`).

A function of the linked site, the settings and today's date.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

import pyphen

from .article import Article, images_without_alt, plain_http_links, plain_text, prose_lines, raw_html_tags
from .config import Config
from .graph import Site
from .markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, attribute_filter
from .problems import Problem, warning
from .slugs import make_slug

SUMMARY_LIMIT = 160


def today() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH (the reproducible-builds convention) when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch.isdigit() else dt.date.today()


@dataclass(frozen=True)
class ArticleChecks:
    """The checks that need nothing but the article: done once per version of a file
    (in parallel on a cold build) and kept in the build cache with the parsed article."""

    problems: tuple[Problem, ...]
    grade: float  # Flesch-Kincaid reading grade


def check_article(article: Article, readability: Readability | None = None) -> ArticleChecks:
    return ArticleChecks(tuple(_text_checks(article)), reading_grade(article, readability))


class LintMemo:
    """What the last site-wide checks found, so a build that changed an article or two (the
    preview's) checks only those: each entity's problems with the entity, checks and
    settings they were found with, and the names that clash with the names they came from."""

    def __init__(self):
        self.settings: tuple | None = None  # the config and day the entities' problems were found with
        self.entities: dict = {}  # key -> (entity, its ArticleChecks, problems)
        self.problems: list = []  # the entities' problems, in the entities' order
        self.names: tuple | None = None
        self.clashes: list = []
        self.site: Site | None = None  # the site last checked


def lint(site: Site, config: Config, day: dt.date, checks: Mapping[str, ArticleChecks] = {},
         memo: LintMemo | None = None) -> list[Problem]:
    memo = memo or LintMemo()
    last_site, memo.site = memo.site, None  # the site checked, once checked: a check that raised left the memo half done
    if last_site is not None and memo.settings == (config, day) and site.update and site.update[0]() is last_site:
        # The last site with new entities of the same names put in (`GraphMemo`): only they are checked.
        same = True
        for key, entity in site.update[1].items():
            if key in memo.entities:
                last = memo.entities[key]
                memo.entities[key] = _entity_problems(entity, checks, config, day, last)
                same = same and memo.entities[key][2] == last[2]
        if not same:
            memo.problems = [problem for _, _, found in memo.entities.values() for problem in found]
    else:
        kept, memo.entities = memo.entities if memo.settings == (config, day) else {}, {}
        memo.settings = (config, day)
        for entity in site.entities.values():
            if entity.article:
                memo.entities[entity.key] = _entity_problems(entity, checks, config, day, kept.get(entity.key))
        memo.problems = [problem for _, _, found in memo.entities.values() for problem in found]
        names = tuple((e.key, e.title, e.aliases, e.article is not None) for e in site.entities.values())
        if names != memo.names:
            memo.names, memo.clashes = names, _name_clashes(site)
    problems = memo.problems + [_clash_problem(site.entities[key], name, others) for key, name, others in memo.clashes]
    memo.site = site
    return problems


def _entity_problems(entity, checks: Mapping[str, ArticleChecks], config: Config, day: dt.date,
                     last: tuple | None) -> tuple:
    """(entity, its ArticleChecks, its problems): the last ones if made from the same entity and checks."""
    checked = checks.get(entity.source_path) or check_article(entity.article)
    if last and last[0] is entity and last[1] is checked:
        return last
    found = list(checked.problems)
    if entity.kind == "condition":
        found += _condition_checks(entity.article, config, day, checked.grade)
    elif entity.kind in ("cause", "treatment") and not entity.mentions:
        found.append(warning(entity.source_path, 1, f"no condition article names this {entity.kind}: add it to a condition's {entity.kind}s section"))
    return entity, checked, found


def _condition_checks(article: Article, config: Config, day: dt.date, grade: float) -> list[Problem]:
    document, meta = article.document, article.document.meta
    path, lines = document.path, document.key_lines
    found = []
    due = meta.review_due(config.review_interval)
    if due and due < day:
        found.append(warning(path, lines.get("next_review", lines.get("reviewed", 1)),
                             f"review was due on {due.isoformat()}: have the article reviewed and update `reviewed`"))
    if not meta.sources:
        found.append(warning(path, 1, "no `sources`: list where the information comes from"))
    if not article.urgency:
        found.append(warning(path, 1, "no get-help advice: add `## When to see a doctor` (or `## Call 999 if:`)"))
    if len(meta.summary) > SUMMARY_LIMIT:
        found.append(warning(path, lines.get("summary", 1), f"`summary` is {len(meta.summary)} characters: keep it to one sentence within {SUMMARY_LIMIT}"))
    if grade > config.reading_grade:
        found.append(warning(path, 1, f"reading grade {grade:.1f} is above {config.reading_grade:g}: use shorter sentences and everyday words"))
    return found


def _has_words(section) -> bool:
    return bool(section.entries) or any(line.strip() for text, _ in section.texts() for _, line in prose_lines(text))


def _text_checks(article: Article) -> list[Problem]:
    path, found = article.document.path, []
    for text in _chunks(article):
        for number in images_without_alt(text):
            found.append(warning(path, number, "image without alt text: describe it, e.g. `![A stretched calf muscle](calf.png)`"))
        for number in plain_http_links(text):
            found.append(warning(path, number, "external link is not https: use the site's https:// address"))
        found += _removed_html(path, text)
    for source in article.document.meta.sources:
        if source.url.startswith("http://"):
            found.append(warning(path, article.document.key_lines.get("sources", 1), f"source `{source.title}` is not https: use its https:// address"))
    if article.document.kind == "condition":
        for section in article.sections:
            if not _has_words(section):
                found.append(warning(path, section.line, f"section `{section.title}` has no text"))
    return found


def _removed_html(path: str, text) -> list[Problem]:
    """What the sanitiser will take out of this chunk's raw HTML: never silently."""
    found = []
    for number, tag, attributes in raw_html_tags(text):
        if tag not in ALLOWED_TAGS:
            found.append(warning(path, number, f"raw HTML `<{tag}>` is removed when published: use markdown, or an allowed tag"))
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        for name, value in attributes.items():
            if name not in allowed or (name in ("class", "id") and attribute_filter(tag, name, value) != value):
                found.append(warning(path, number, f"`{name}` on `<{tag}>` is removed when published"))
    return found


def _chunks(article: Article):
    return (text for text, _, _ in article.texts())


def reading_grade(article: Article, readability: "Readability | None" = None) -> float:
    """Flesch-Kincaid grade of the article's prose (markdown syntax and links reduced to their words)."""
    lines = [line for text in _chunks(article) for _, line in prose_lines(text)]
    return (readability or Readability()).grade(plain_text("\n".join(lines)).strip())


class Readability:
    """Flesch-Kincaid grade exactly as textstat 0.7.4 computes it, with each word's syllables
    counted once per process instead of once per use: a site's articles share most words.
    (tests/test_lint.py holds it to textstat's own figures.)"""

    PUNCTUATION = re.compile(r"[^\w\s]")
    SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")

    def __init__(self):
        self._hyphenator: pyphen.Pyphen | None = None
        self.syllables: dict[str, int] = {}

    @property
    def hyphenator(self) -> pyphen.Pyphen:
        """Loaded when first needed: a build that grades nothing new does not pay for it."""
        if self._hyphenator is None:
            self._hyphenator = pyphen.Pyphen(lang="en_US")
        return self._hyphenator

    def grade(self, text: str) -> float:
        if not text:
            return 0.0
        words = self._words(text)
        if not words:
            return _round(-15.59)
        sentences = max(1, sum(1 for sentence in self.SENTENCE.findall(text) if len(self._words(sentence)) > 2))
        syllables = sum(self._syllables(word) for word in self.PUNCTUATION.sub("", text.lower()).split())
        return _round(0.39 * _round(len(words) / sentences) + 11.8 * _round(syllables / len(words)) - 15.59)

    def _words(self, text: str) -> list[str]:
        return self.PUNCTUATION.sub("", text).split()

    def _syllables(self, word: str) -> int:
        count = self.syllables.get(word)
        if count is None:
            count = self.syllables[word] = len(self.hyphenator.positions(word)) + 1
        return count


def _round(number: float) -> float:
    """textstat's rounding to one decimal: halves away from zero."""
    return math.floor(number * 10 + math.copysign(0.5, number)) / 10


def _name_clashes(site: Site) -> list[tuple]:
    """Two entities a reader (or a wiki link) could confuse, as (the entity with a file the
    warning is for, the name, the others). A cause and a treatment sharing one slug
    (`medications`) are expected, and `[[cause:...]]` tells them apart."""
    by_name = defaultdict(list)
    for entity in site.entities.values():
        for name in dict.fromkeys((entity.title, *entity.aliases)):
            by_name[make_slug(name)].append((entity, name))
    found = []
    for key, holders in sorted(by_name.items()):
        entities = list({e.key: e for e, _ in holders}.values())
        if len(entities) < 2 or len({e.slug for e in entities}) == 1 and len({e.kind for e in entities}) == len(entities):
            continue
        with_file = [e for e in entities if e.article]
        if not with_file:
            continue
        target = with_file[-1]
        others = ", ".join(e.label for e in entities if e is not target)
        found.append((target.key, holders[0][1], others))
    return found


def _clash_problem(target, name: str, others: str) -> Problem:
    """Made anew each build: the line of the title or aliases may have moved."""
    line = target.article.document.key_lines.get("aliases" if make_slug(name) != make_slug(target.title) else "title", 1)
    return warning(target.source_path, line, f"the name `{name}` is also used by {others}: readers and links cannot tell them apart")
