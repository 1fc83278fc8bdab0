"""Markdown to safe HTML: one Markdown instance per process, wiki links resolved from
each page's link map, raw HTML cleaned by an allow-list sanitiser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor

from .article import FENCE, WIKI_LINK, split_wiki_link

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
    """`[[target|label]]` as a link to the URL the page's link map gives (a span if none)."""

    def __init__(self, markup: "Markup"):
        super().__init__(WIKI_LINK.pattern)
        self.markup = markup

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's API)
        target, label = split_wiki_link(match[1])
        url = self.markup.links.get(target)
        element = etree.Element("a" if url else "span")
        element.text = label
        if url:
            element.set("href", url)
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


# What each inline pattern cannot match without (a regex for its "trigger"): `[[x]]`,
# links, images, notes need `[`; raw HTML and autolinks `<`; emphasis `*` or `_`; and so on.
# tests/test_markup.py checks the table against every pattern Markdown registers.
PATTERN_TRIGGERS = {
    "backtick": r"[`\\]", "escape": r"\\", "linebreak": "  \n", "autolink": "<", "automail": "<", "html": "<",
    "entity": "&", "em_strong": "[*_]", "em_strong2": "_", "not_strong": "[*_]",  # the last two: Markdown before 3.9
    **dict.fromkeys(["reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
                     "footnote", "wikilink", "article_footnote"], r"\["),
}


class _TriggeredInline(InlineTreeprocessor):
    """Markdown's inline stage, which tries every pattern (each a Python call) on every piece
    of text: text with none of the patterns' triggers is left as it is, as every pattern
    would leave it. Most text in an article is such text; this is a quarter of a conversion.
    With a pattern the table does not know, every text is tried, as Markdown does."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        names = [item.name for item in md.inlinePatterns._priority]
        known = all(name in PATTERN_TRIGGERS for name in names)
        self.trigger = re.compile("|".join(sorted({PATTERN_TRIGGERS[name] for name in names}))) if known else None

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802 (Markdown's own)
        if patternIndex == 0 and self.trigger is not None and not self.trigger.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


# A paragraph of nothing but words and plain punctuation is `<p>text</p>` whatever Markdown
# does: it skips Markdown (whose cost is per character, for every inline pattern).
# tests/test_markup.py checks the shortcut against Markdown on generated text.
PLAIN_PARAGRAPH = re.compile(r"[^\W_](?:[^\W_]|[ .,;:?!'\"()%/+-])*", re.UNICODE)  # \w without _ (emphasis)
PLAIN_LINE_START = re.compile(r"^(?:[\s+-]|\d+[.)]|[:=])", re.MULTILINE)

SPLIT = "hssplit7c1e"  # a paragraph of its own between two chunks of one conversion
SPLIT_PARAGRAPH = re.compile(rf"\n?<p>{SPLIT}</p>\n?")
RAW_HTML = re.compile(r"<[A-Za-z/!?]")


class Markup:
    """Markdown to safe HTML for one page at a time; one instance serves a whole process.

    `convert` takes all of a page's chunks and, where it safely can, converts them in one
    Markdown call and one sanitiser pass: Python-Markdown's cost is mostly per call."""

    def __init__(self):
        self.md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
        self.md.preprocessors.register(_ListsAfterText(self.md), "lists_after_text", 6)
        self.md.preprocessors.register(_TwoSpaceNesting(self.md), "two_space_nesting", 5)
        self.links: dict[str, str] = {}  # the page's wiki-link targets -> URLs
        self.footnotes: dict[str, int] = {}  # the page's article's note numbers
        # Above Markdown's own links (160), below code spans (190): [[x]] inside `code` stays code.
        self.md.inlinePatterns.register(_WikiLinks(self), "wikilink", 175)
        self.md.inlinePatterns.register(_FootnoteRefs(self), "article_footnote", 176)
        self.md.treeprocessors.register(_TriggeredInline(self.md), "inline", 20)  # after every pattern is registered

    def convert(self, chunks: list[str], links: dict[str, str] | None = None, footnotes: dict[str, int] | None = None,
                abbreviations: tuple[tuple[str, str], ...] = ()) -> list[str]:
        """Each chunk's HTML. Abbreviations are `(abbr, title)` pairs that apply to every chunk."""
        self.links, self.footnotes = links or {}, footnotes or {}
        definitions = "\n\n" + "\n".join(f"*[{abbr}]: {title}" for abbr, title in abbreviations) if abbreviations else ""
        result = [""] * len(chunks)
        wanted = []
        for i, chunk in enumerate(chunks):
            plain = _plain_paragraph(chunk, abbreviations)
            if plain is not None:
                result[i] = plain
            elif chunk.strip():
                wanted.append(i)
        joined = self._joined([chunks[i] for i in wanted], definitions) if len(wanted) > 1 else None
        for i, html in zip(wanted, joined or (self._convert(chunks[i] + definitions) for i in wanted)):
            result[i] = html
        return result

    def html(self, text: str) -> str:
        """One chunk on its own, with no links or notes: for tests and one-off text."""
        return self.convert([text])[0]

    def _joined(self, chunks: list[str], definitions: str) -> list[str] | None:
        """All chunks in one conversion, split again at paragraphs of their own; None where
        that is not safe: raw HTML could open an element that a split would cut in two, and
        a fence or a block left open swallows the split paragraphs (their count then differs)."""
        if any(RAW_HTML.search(chunk) or SPLIT in chunk for chunk in chunks):
            return None
        html = self._convert(f"\n\n{SPLIT}\n\n".join(chunks) + definitions)
        pieces = SPLIT_PARAGRAPH.split(html)
        return pieces if len(pieces) == len(chunks) else None

    def _convert(self, text: str) -> str:
        raw = self.md.reset().convert(text)
        clean = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=attribute_filter,
                          link_rel=None, clean_content_tags={"script", "style"})
        return EXTERNAL_LINK.sub(lambda m: '<a rel="noopener noreferrer"' + m[0][2:], clean)


def _plain_paragraph(chunk: str, abbreviations: tuple[tuple[str, str], ...]) -> str | None:
    """`<p>chunk</p>` when the chunk is one paragraph of plain words, which Markdown would
    leave as it is: no markup characters, no line that starts a list, a quote or code, no
    line break, no abbreviation to mark. None otherwise ("" for an empty chunk)."""
    text = chunk.rstrip("\n")
    if not text.strip():
        return "" if not chunk.strip() else None
    if (text != text.strip() or not PLAIN_PARAGRAPH.fullmatch(text.replace("\n", " ")) or "\n\n" in text or " \n" in text
            or PLAIN_LINE_START.search(text) or any(abbr in text for abbr, _ in abbreviations)):
        return None
    return f"<p>{text}</p>"
