"""Editorial checks: warnings about things that build but should be fixed
before publishing (content-format.md leaves these to `check`).

A function of the linked site, the settings and today's date.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import defaultdict

import textstat

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


def lint(site: Site, config: Config, day: dt.date) -> list[Problem]:
    problems: list[Problem] = []
    for entity in site.entities.values():
        if entity.article:
            problems += _text_checks(entity.article)
            if entity.kind == "condition":
                problems += _condition_checks(entity.article, config, day)
            elif entity.kind in ("cause", "treatment") and not entity.mentions:
                problems.append(warning(entity.source_path, 1, f"no condition article names this {entity.kind}: add it to a condition's {entity.kind}s section"))
    problems += _same_names(site)
    return problems


def _condition_checks(article: Article, config: Config, day: dt.date) -> list[Problem]:
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
    grade = reading_grade(article)
    if grade > config.reading_grade:
        found.append(warning(path, 1, f"reading grade {grade:.1f} is above {config.reading_grade:g}: use shorter sentences and everyday words"))
    for section in article.sections:
        if not _has_words(section):
            found.append(warning(path, section.line, f"section `{section.title}` has no text"))
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


def reading_grade(article: Article) -> float:
    """Flesch-Kincaid grade of the article's prose (markdown syntax and links reduced to their words)."""
    lines = [line for text in _chunks(article) for _, line in prose_lines(text)]
    return _grade(plain_text("\n".join(lines)).strip())


@functools.lru_cache(maxsize=100_000)
def _grade(prose: str) -> float:
    """Cached across preview rebuilds: unchanged articles are not measured again."""
    return float(textstat.flesch_kincaid_grade(prose)) if prose else 0.0


def _same_names(site: Site) -> list[Problem]:
    """Two entities a reader (or a wiki link) could confuse. A cause and a treatment
    sharing one slug (`medications`) are expected, and `[[cause:...]]` tells them apart."""
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
        line = target.article.document.key_lines.get("aliases" if key != make_slug(target.title) else "title", 1)
        found.append(warning(target.source_path, line, f"the name `{holders[0][1]}` is also used by {others}: readers and links cannot tell them apart"))
    return found
