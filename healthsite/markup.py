"""Markdown to safe HTML: one Markdown instance for the whole site, wiki links
resolved from the site graph, raw HTML cleaned by an allow-list sanitiser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from .article import FENCE, WIKI_LINK, split_wiki_link
from .graph import Entity

# Local video and audio with captions are allowed (their hosts are checked like images').
MEDIA_TAGS = {"video": {"src", "controls", "width", "height", "poster", "preload", "muted", "loop", "playsinline"},
              "audio": {"src", "controls", "preload", "muted", "loop"},
              "source": {"src", "type"}, "track": {"src", "kind", "srclang", "label", "default"}}
ALLOWED_TAGS = (set(nh3.ALLOWED_TAGS) - {"center", "map", "area", "acronym", "strike", "tt"}) | {"section"} | set(MEDIA_TAGS)
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **MEDIA_TAGS,
    "*": {"id", "lang", "title", "class"},  # id and class: only the values attribute_filter lets through
}
# What an editor's text (raw HTML or `{: .x #y }`) may set. The page's own classes (callout,
# care-card, entry, ...), its ids (main, section anchors) and data-* attributes are the
# templates' alone: text that could set them could forge an urgent-care box or steal a link
# target. Markdown's footnotes and code blocks make these, and they are harmless:
ALLOWED_CLASSES = {"footnote", "footnote-ref", "footnote-backref"}
ALLOWED_CLASS = re.compile(r"language-[a-z0-9+#-]{1,30}")  # ```python -> class="language-python"
ALLOWED_ID = re.compile(r"fn(?:ref\d*)?:[\w-]{1,60}")  # footnote ids: a colon no template id has


def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if name in ALLOWED_CLASSES or ALLOWED_CLASS.fullmatch(name)]
        return " ".join(kept) or None
    if attribute == "id":
        return value if ALLOWED_ID.fullmatch(value) else None
    return value
EXTERNAL_LINK = re.compile(r'<a href="(?:https?:)?//')


class _WikiLinks(InlineProcessor):
    def __init__(self, links: dict[str, Entity], url_for: Callable[[Entity], str]):
        super().__init__(WIKI_LINK.pattern)
        self.links, self.url_for = links, url_for

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API)
        target, label = split_wiki_link(match[1])
        entity = self.links.get(target)
        element = etree.Element("a" if entity else "span")
        element.text = label
        if entity:
            element.set("href", self.url_for(entity))
        return element, match.start(0), match.end(0)


class _FootnoteRefs(InlineProcessor):
    """`[^label]` and `[^label@2]` (the parse stage marks later references) as links to the
    article's numbered notes; the numbers are the page's, set in `Markup.footnotes`."""

    def __init__(self, markup: "Markup"):
        super().__init__(r"\[\^([\w-]{1,40})(?:@(\d+))?\]")
        self.markup = markup

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API)
        number = self.markup.footnotes.get(match[1])
        if number is None:
            return None, None, None  # not one of this article's notes: Markdown's own footnotes may have it
        sup = etree.Element("sup")
        link = etree.SubElement(sup, "a", {"href": f"#fn:{match[1]}", "class": "footnote-ref",
                                          "id": f"fnref{match[2] or ''}:{match[1]}"})
        link.text = str(number)
        return sup, match.start(0), match.end(0)


class _ListsAfterText(Preprocessor):
    """A list right after a line of text, with no blank line between ("Risk factors
    include" then "- older age"), is a list in GitHub-flavoured markdown and in what
    publishers paste; Python-Markdown would fold it into the paragraph. A blank line
    before its first item makes it a list; code fences are left alone."""

    ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        fenced, in_list = False, False
        for line in lines:
            if FENCE.match(line):
                fenced = not fenced
            elif not fenced:
                if self.ITEM.match(line):
                    if result and result[-1].strip() and not in_list:
                        result.append("")
                    in_list = True
                elif not line.strip():
                    pass
                elif not line[:1].isspace() and (not result or not result[-1].strip()):
                    in_list = False  # a paragraph after a blank line ends the list
            result.append(line)
        return result


class _TwoSpaceNesting(Preprocessor):
    """A list nested by two spaces (as GitHub, most editors and publishers write it) is
    nested for Python-Markdown, which wants four: inside a list that nests by fewer than
    four spaces, every indent is doubled. Code fences are left alone."""

    TOP_ITEM = re.compile(r"^ ?(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
    NESTED_ITEM = re.compile(r"^( +)(?:[-*+]|\d{1,9}[.)])[ \t]+\S")

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        block: list[str] = []  # the lines of one top-level list
        fenced = False
        for line in lines:
            if FENCE.match(line) and not (block and line[:1].isspace()):
                fenced = not fenced
            starts = not fenced and self.TOP_ITEM.match(line)
            if block and not starts and line.strip() and not line[:1].isspace() and not block[-1].strip():
                result += self._nested(block)  # a paragraph after a blank line ends the list
                block = []
            if starts or block:
                block.append(line)
            else:
                result.append(line)
        return result + self._nested(block)

    def _nested(self, block: list[str]) -> list[str]:
        shallow = any((m := self.NESTED_ITEM.match(line)) and len(m[1]) < 4 for line in block[1:])
        if not shallow:
            return block
        return [" " * (2 * (len(line) - len(line.lstrip(" ")))) + line.lstrip(" ") for line in block]


# Shared across builds, so a preview rebuild converts only the text that changed:
# the same markdown whose wiki links lead to the same URLs gives the same HTML.
_CACHE: dict[tuple, str] = {}
_CACHE_LIMIT = 500_000


class Markup:
    """Converts markdown chunks; reuse one instance for the whole site."""

    def __init__(self, links: dict[str, Entity], url_for: Callable[[Entity], str]):
        self.links, self.url_for = links, url_for
        self.md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        self.md.preprocessors.register(_ListsAfterText(self.md), "lists_after_text", 6)
        self.md.preprocessors.register(_TwoSpaceNesting(self.md), "two_space_nesting", 5)
        # Above Markdown's own links (160), below code spans (190): [[x]] inside `code` stays code.
        self.md.inlinePatterns.register(_WikiLinks(links, url_for), "wikilink", 175)
        self.footnotes: dict[str, int] = {}  # the current article's note numbers
        self.md.inlinePatterns.register(_FootnoteRefs(self), "article_footnote", 176)

    def html(self, text: str) -> str:
        if not text.strip():
            return ""
        key = (text, *(self._target(match[1]) for match in WIKI_LINK.finditer(text)),
               *(self.footnotes.get(label) for label in re.findall(r"\[\^([\w-]{1,40})", text)))
        cached = _CACHE.get(key)
        if cached is None:
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            cached = _CACHE[key] = self._convert(text)
        return cached

    def _target(self, inner: str) -> str | None:
        entity = self.links.get(split_wiki_link(inner)[0])
        return self.url_for(entity) if entity else None

    def _convert(self, text: str) -> str:
        raw = self.md.reset().convert(text)
        clean = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=attribute_filter,
                          link_rel=None, clean_content_tags={"script", "style"})
        return EXTERNAL_LINK.sub(lambda m: '<a rel="noopener noreferrer"' + m[0][2:], clean)
