"""Parsing an article body into sections, and sections into entries.

This module owns the markdown grammar: later stages read the `Article` it
returns (sections, entries, get-help levels, the text chunks with their
lines) and never look at raw markdown themselves.

Works on the markdown's lines (not on rendered HTML) so that every section,
entry and text chunk keeps the line it came from, for error messages. The
rules follow how health publishers really write (content-format.md, sections
3 and 4): NHS lowercase bullets and Do/Don't lists, NIH question headings and
`Name. Sentence` items, guides with dashes, bold group labels and `###` groups.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from typing import Callable, Iterator, Union

from .content import Document
from .problems import Problem, error, warning
from .slugs import make_slug, sort_key

# --- section kinds -----------------------------------------------------------------------

SYMPTOMS, CAUSES, TREATMENTS, PREVENTION, GET_HELP, PLAIN = (
    "symptoms", "causes", "treatments", "prevention", "get-help", "plain")
OVERVIEW = "overview"  # the text before the first heading
ENTRY_KINDS = {CAUSES: "cause", TREATMENTS: "treatment", SYMPTOMS: "symptom"}
LEVELS = ("gp", "urgent", "emergency")  # get-help levels, least serious first

# What a heading's words say its section is about. A call to get help anywhere in the
# heading ("Warning signs: when to call 911") makes it get-help advice, unless its
# subject is a treatment ("Emergency treatment for asthma", "Preventive treatment");
# otherwise the earliest match wins, so "Treatment from a GP" is treatment.
TREATMENT_SUBJECT = (r"^(?:(?:preventive|preventative|emergency|urgent|immediate|long[- ]term)\s+)?(?:treatments?|therap\w*|medicines?|medications?)\b"
                     r"|\bprevent(?:ive|ative) (?:treatment|medicine|medication|therap)")
HELP_CALL = (r"\b(?:see|ask|contact|call|phone|ring|dial|speak to|talk to|visit|go to|book|get|seek|seeing|getting|seeking|when to)\b"
             r"[\w\s,'’&-]{0,30}?\b(?:gp|doctor|pharmacist|nurse|midwife|111|999|112|911|a ?& ?e|ambulance|emergency"
             r"|(?:medical|urgent|emergency|immediate) (?:help|advice|care|attention)|medical professional"
             r"|health ?care (?:provider|professional))\b|\bwhen to (?:get|seek|ask for) help\b")
HEADING_CUES = [
    (PLAIN, r"\bside effects?\b|\bcomplications?\b|\bdiagnos|\btests? (?:for|and)\b"),
    (GET_HELP, r"(?<!non-)(?<!non )\burgent(?! treatment)|\bemergencies\b|\bin an emergency\b"
               r"|\bemergency\b(?=\s*(?::|$|\s+(?:care|help|advice|signs|symptoms|department|situations?|numbers?|services?)\b))|\b(?:999|111|112|911)\b|\ba&e\b|medical (?:help|advice|attention)|immediate action"),
    (PREVENTION, r"\bprevent|\bavoid|\bstop(?:ping)? \w+ (?:coming back|happening)|\breduc\w* (?:the|your) risk"),
    (TREATMENTS, r"\btreat|\btherap|\brelie[fv]|\bremed|\bmanag|\bself[- ]?care|\bfirst aid|\bdo yourself|\bcan do\b|\bease\b"
                 r"|\beasing\b|\bcure|\bhome care\b|\bsurgery\b|\bmedicines? for\b|\bmedications? for\b|\blifestyle changes\b"),
    (CAUSES, r"\bcaus|\btrigger|\brisk|\bmore likely|\bwho gets\b|\bwho can get\b|\bwhy \w+ happen"),
    (SYMPTOMS, r"\bsymptom|\bsigns?\b|\bcheck if\b|\bwhat \w+ (?:feels?|looks?) like"),
]
HEADING_PATTERNS = [(kind, re.compile(words, re.I)) for kind, words in HEADING_CUES]
TREATMENT_SUBJECT_PATTERN = re.compile(TREATMENT_SUBJECT, re.I)
HELP_CALL_PATTERN = re.compile(HELP_CALL, re.I)
# Plural kind nouns that name a topic, not one thing ("Secondary causes", "Treatment duration").
KIND_NOUN_AT_START = re.compile(r"^(?:treatments?|therap\w*|causes?|symptoms?|signs?|prevention|preventing|triggers?|risk factors?)\b", re.I)
KIND_PLURAL_AT_END = re.compile(r"\b(?:treatments|therapies|causes|symptoms|signs|triggers|risk factors)\s*:?$", re.I)

# Get-help levels as the NHS uses them; the most serious one named wins.
LEVEL_CUES = {
    "emergency": r"\b(?:999|112|911)\b|\ba ?& ?e\b|accident and emergency|ambulance|emergency (?:department|care|room|services?|number)"
                 r"|immediate action|call (?:an )?emergency|\bemergency\b",
    "urgent": r"(?<!non-)(?<!non )\burgent|\b111\b|same day|straight away|immediately|right away",
    "gp": r"\bgp\b|doctor|pharmacist|nurse|midwife|appointment|health ?care provider",
}
LEVEL_PATTERNS = {level: re.compile(words, re.I) for level, words in LEVEL_CUES.items()}
LEVEL_LABELS = {"gp": "Non-urgent advice", "urgent": "Urgent advice", "emergency": "Immediate action required"}
CALLOUT_LABELS = {"info": "Information", "warning": "Warning", **LEVEL_LABELS}
# The names an editor may give a callout, and the kind each one is.
CALLOUT_KINDS = {"info": "info", "note": "info", "tip": "info", "inset": "info", "warning": "warning",
                 "caution": "warning", "important": "warning", "danger": "warning", "gp": "gp", "see-a-doctor": "gp",
                 "urgent": "urgent", "emergency": "emergency", "immediate": "emergency"}
ADMONITION = re.compile(r"^!!!\s+(?P<kind>[\w-]+)(?:\s+\"(?P<title>[^\"]*)\")?\s*$")
ALERT = re.compile(r"^\[!(?P<kind>[\w-]+)\]\s*(?P<title>.*)$")

# Names an editor may force with `{: .kind }`; the get-help levels force the level too.
FORCEABLE = {SYMPTOMS: SYMPTOMS, CAUSES: CAUSES, TREATMENTS: TREATMENTS, PREVENTION: PREVENTION, PLAIN: PLAIN,
             GET_HELP: GET_HELP, "see-a-doctor": GET_HELP, **{level: GET_HELP for level in LEVELS}}

# What the line before a list says its items are ("Other causes are", "Symptoms include:").
# "effects" (what the condition can cause) are symptoms in a symptoms section, else text.
LEAD_IN_CUES = [
    (None, r"\b(?:you can|you could|you should|try(?: to)?|it (?:may|can|might) help to|things you can do(?: include)?)\s*:?\s*$"),
    ("none", r"\bhelps? (?:with|for)\s*:?\s*$|\bside effects?\b|\bcomplications?\b|\btypes?\b|\bkinds?\b|\btests?\b|\bdiagnos"),
    ("effects", r"\b(?:can|may|might|will|often|also|sometimes)\s+(?:also\s+)?(?:cause|lead to|result in)\b"),
    (SYMPTOMS, r"\bsymptoms?\b|\bsigns?\b"),
    (CAUSES, r"\bcaus(?:e|es|ed|ing)\b|\btrigger(?:s|ed)?\b|\brisk\b|\bmore likely\b|\breasons?\b"),
    (TREATMENTS, r"\btreat(?:ment|ments|ed)?\b|\btherap|\bremed|\brelie[fv]|\bmedicines?\b|\bmedications?\b|\bthings (?:that|which) (?:can |may |might )?help\b"),
]
LEAD_IN_PATTERNS = [(kind, re.compile(words, re.I)) for kind, words in LEAD_IN_CUES]
NEVER_ENTRIES = dict(LEAD_IN_PATTERNS)["none"]  # side effects, complications, tests, types

# --- the markdown grammar ------------------------------------------------------------------

HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*$")
SNIPPET = re.compile(r"^\s*--8<--\s+[\"'](?P<name>[a-z0-9][a-z0-9-]*(?:\.md)?)[\"']\s*$")
FOOTNOTE_DEFINITION = re.compile(r"^\[\^(?P<label>[\w-]{1,40})\]:[ \t]*(?P<text>.*)$")
FOOTNOTE_REFERENCE = re.compile(r"\[\^(?P<label>[\w-]{1,40})\](?!:)")
ABBREVIATION = re.compile(r"^\*\[(?P<abbr>[^\]\n]+)\]:[ \t]*(?P<title>.*)$")
ATTR_LIST = re.compile(r"\s*\{:?\s*([^{}]*)\}\s*$")
LIST_STYLE = re.compile(r"^\s*\{:?\s*\.list--(tick|check|cross)\s*\}\s*$")

# Compiled once: the names and plain-text helpers run for every entry of every article.
_NAME_ASIDE = re.compile(r"\s*\((?:[^()\s]+\s+){2,}[^()]*\)\s*$")
_SPACES = re.compile(r"\s+")
_NAME_ARTICLE = re.compile(r"^(?:a|an|the)\s+(?=[a-z])", re.I)
_A_LETTER = re.compile(r"[^\W\d_]")
_WEB_ADDRESS = re.compile(r"://|\bwww\.")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARKER = re.compile(r"(?m)^\s*(?:#+|\d+[.)-]|[-*+])\s+")
_ATTR_LINE = re.compile(r"(?m)^\s*\{:?[^{}]*\}\s*$")
_MARKUP_CHARS = re.compile(r"[*_`>#|]")
_EMPHASIS_CHARS = re.compile(r"[*_`]")

LIST_ITEM = re.compile(r"^ ?(?P<marker>\d{1,9}[.)-]|[-*+])(?P<gap>[ \t]+)(?P<rest>\S.*)$")
BOLD_START = re.compile(r"^(\*\*|__)(?P<name>[^*_].*?)\1(?P<rest>.*)$")
BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<label>[^*_][^*]*?)\1\s*:?\s*$")
STEP = re.compile(r"^(?:\*\*|__)?(?:step|stage)\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b\s*[:.)\u2013\u2014-]?"
                  r"\s*(?:\*\*|__)?\s*[:.]?\s*", re.I)
WARNING_ANYWHERE = re.compile(r"\b(?:warning|caution|important)\b", re.I)
WARNING_WORD = re.compile(r"^(?:warning|important|caution|note|notice|attention|danger|safety)\b", re.I)
DO_DONT = re.compile(r"^(?P<word>do not|don[’']?t|do)\s*[:.!]?$", re.I)
# "**Don't:** scratch", "Do: rest": a label in front of the item; "do not smoke": a negation.
LABEL_PREFIX = re.compile(r"^(?:(\*\*|__)(?P<bold>do not|don[’']?t|do)\s*[:.]?\s*\1|(?P<plain>do not|don[’']?t|do)\s*:)\s*[:.]?\s*(?=\S)", re.I)
NEGATION = re.compile(r"^(?:do not|don[’']?t)\s+(?=\S)", re.I)
# Verbs NHS lists leave their subject off ("you're more likely to get gout if you: - are overweight").
BEING = re.compile(r"^(?:are|is|be|am)\s+(?=\S)", re.I)
GERUNDS = {verb: verb.capitalize() + ending for verb, ending in (
    ("drink", "ing"), ("eat", "ing"), ("feel", "ing"), ("lift", "ing"), ("sleep", "ing"), ("spend", "ing"),
    ("stand", "ing"), ("wear", "ing"), ("work", "ing"), ("do", "ing"), ("go", "ing"))} | {
    "take": "Taking", "smoke": "Smoking", "use": "Using", "live": "Living", "sit": "Sitting", "get": "Getting"}
SUBJECT_LEFT_OFF = re.compile(r"\b(?:you|they|he|she|your child|the person)\s*:?\s*$", re.I)
HAVING = re.compile(r"^(?:have|has)\s+(?:got\s+)?(?=\S)", re.I)
SEPARATORS = re.compile(r":\s|\s[-\u2013\u2014]{1,2}\s|\u2014|\u2013(?=\s)")
APPOSITIVE = re.compile(r",\s+(?=(?:a|an|the|which|who|that|where|when|including|such as|especially|often|usually|mainly|"
                        r"mostly|for example|e\.g\.|like|also called|also known as|known as|or)\b)"
                        r"|\s+(?=(?:such as|including|especially|for example|e\.g\.)\s)", re.I)
CLAUSE_BREAKS = [re.compile(p) for p in (r",\s", r"\s[-\u2013\u2014]\s", r"\s(?=\()", r"\s(?=(?:that|which|who|where|because|so that)\s)",
                                         r"\s(?=to\s)", r"\s(?=and\s)", r"\s(?=or\s)")]
ABBREVIATIONS = {"e.g", "i.e", "dr", "mr", "mrs", "ms", "st", "vs", "etc", "approx", "no"}
WIKI_LINK = re.compile(r"\[\[([^\[\]\n]+?)\]\]")
KIND_PREFIX = re.compile(r"^\s*(condition|cause|treatment|page)s?\s*:\s*(.+)$", re.I)
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
MAX_NAME = 80  # characters
MAX_NAME_WORDS = 12
NAME_SENTENCE_WORDS = 6  # `Name. Sentence`: a name before a full stop has at most this many words


# --- what the parse produces ---------------------------------------------------------------


def _by_constructor(value) -> tuple:
    """How the slotted values pickle: as a call of their class with their fields (unpickled
    their own way, by a `__setstate__` in Python, they take twice as long)."""
    return type(value), tuple([getattr(value, name) for name in value.__match_args__])


@dataclass(frozen=True, slots=True)
class Text:
    markdown: str
    line: int  # line of the chunk's first line in the file

    __reduce__ = _by_constructor


@dataclass(frozen=True, slots=True)
class Entry:
    """One cause, treatment or symptom: a named list item or a `###` heading."""

    name: str  # the name readers see as its page title ("Family history of kidney stones")
    slug: str
    kind: str  # cause, treatment or symptom
    line: int
    lead: str  # the name as the article writes it ("a family history of kidney stones")
    joiner: str  # what stood between the name and its description (": ", ". ", " - ", "")
    description: Text
    group: str = ""  # the label of the group it sits in
    heading: int = 0  # its heading level, when it came from a heading
    strong: bool = False  # the name was written in bold

    @property
    def summary(self) -> str:
        return first_sentence(self.description.markdown)

    def __reduce__(self):
        return _unpickled_entry, (self.name, self.slug, self.kind, self.line, self.lead, self.joiner, self.description,
                                  self.group, self.heading, self.strong)


def _unpickled_entry(name: str, slug: str, kind: str, line: int, lead: str, joiner: str, description: Text,
                     group: str, heading: int, strong: bool) -> Entry:
    """An entry unpickled (from a parse worker or the cache), each article's own copy: the
    names, which many articles share (one cause named by a hundred conditions), held once."""
    intern = sys.intern
    return Entry(intern(name), intern(slug), intern(kind), line, intern(lead), intern(joiner), description, intern(group),
                 heading, strong)


@dataclass(frozen=True, slots=True)
class Kept:
    """A list item that stayed text, and why (shown by `outline`)."""

    line: int
    text: str
    reason: str

    __reduce__ = _by_constructor


@dataclass(frozen=True, slots=True)
class EntryList:
    """One list: its entries, and the items that stayed text (kept in their place)."""

    items: tuple[Union[Entry, Text], ...]
    style: str = ""  # "do" or "dont" for NHS tick and cross lists

    __reduce__ = _by_constructor


@dataclass(frozen=True, slots=True)
class Group:
    """A label over entries: a `###` heading over a list, or an item whose content is a list."""

    label: str
    line: int
    form: str  # "heading" or "item"
    level: int  # heading level for the "heading" form
    parts: tuple["Part", ...]
    style: str = ""

    __reduce__ = _by_constructor


@dataclass(frozen=True, slots=True)
class Callout:
    """A box inside a section: information, a warning, or get-help advice at its level.
    Written as an admonition (`!!! warning "Title"`), a GitHub alert (`> [!WARNING]`), or a
    quote that opens with get-help words (`> **Call 999 if:**`)."""

    title: str
    kind: str  # one of CALLOUT_KINDS
    line: int
    body: Text

    __reduce__ = _by_constructor

    @property
    def level(self) -> str:
        """Its get-help level, or "" for information and warnings."""
        return self.kind if self.kind in LEVELS else ""


Part = Union[Text, EntryList, Group, Entry, Callout]


@dataclass(frozen=True)
class Section:
    title: str
    kind: str
    anchor: str
    line: int
    parts: tuple[Part, ...]
    level: int = 2  # heading level: 2, 3 or 4
    urgency: str = ""  # get-help level for get-help sections
    reason: str = ""  # why it has its kind (for `outline`)
    kept: tuple[Kept, ...] = ()

    @functools.cached_property  # values are frozen, so what is read from them once stays true
    def entries(self) -> tuple[Entry, ...]:
        return tuple(walk_entries(self.parts))

    def texts(self) -> Iterator[tuple[Text, Entry | None]]:
        """The section's markdown chunks, each with the entry it describes (if any); headings,
        names and callout titles too where they hold a wiki link, so every link is checked."""
        if WIKI_LINK.search(self.title):
            yield Text(self.title, self.line), None
        for part in walk_parts(self.parts):
            if isinstance(part, Text):
                yield part, None
            elif isinstance(part, Entry):
                if WIKI_LINK.search(part.lead):
                    yield Text(part.lead, part.line), part
                yield part.description, part
            elif isinstance(part, Callout):
                if WIKI_LINK.search(part.title):
                    yield Text(part.title, part.line), None
                yield part.body, None

    @functools.cached_property
    def callouts(self) -> tuple[Callout, ...]:
        return tuple(p for p in walk_parts(self.parts) if isinstance(p, Callout))


@dataclass(frozen=True, slots=True)
class Footnote:
    """`[^label]: text`, wherever in the article it is written; its references, in any
    section, read `[^label]` (the first) and `[^label@2]`, `[^label@3]` (the later ones)."""

    label: str
    number: int
    text: Text
    references: int = 1  # how many times the article refers to it

    __reduce__ = _by_constructor

    @property
    def reference_ids(self) -> list[str]:
        """The ids of its references, for the links back to each of them."""
        return [f"fnref{'' if k == 1 else k}:{self.label}" for k in range(1, self.references + 1)]


@dataclass(frozen=True)
class Article:
    document: Document
    overview: Section  # the text before the first heading
    sections: tuple[Section, ...]
    abbreviations: tuple[tuple[str, str], ...] = ()  # `*[A&E]: Accident and Emergency`, site-wide
    footnotes: tuple["Footnote", ...] = ()  # numbered in the order they are first referred to

    @property
    def all_sections(self) -> tuple[Section, ...]:
        return (self.overview, *self.sections)

    def entries(self, kind: str | None = None) -> tuple[Entry, ...]:
        return self._entries if kind is None else tuple(e for e in self._entries if e.kind == kind)

    @functools.cached_property
    def _entries(self) -> tuple[Entry, ...]:
        return tuple(e for s in self.all_sections for e in s.entries)

    @functools.cached_property
    def help_levels(self) -> list[str]:
        """Every get-help level the article gives advice at, in its order."""
        return [s.urgency for s in self.sections if s.kind == GET_HELP] + [
            c.level for s in self.all_sections for c in s.callouts if c.level]

    @functools.cached_property
    def urgency(self) -> str:
        """The most serious get-help level of the article ("" when it gives none)."""
        return max(self.help_levels, key=LEVELS.index, default="")

    def opens_with(self, sentence: str) -> bool:
        """Whether the text before the first heading starts with these words (a summary
        repeated as the first sentence need not be shown twice)."""
        first = next((p for p in self.overview.parts if isinstance(p, Text)), None)
        wanted = _words(sentence)
        return bool(first and wanted) and _words(first.markdown)[: len(wanted)] == wanted

    def texts(self) -> Iterator[tuple[Text, Section, Entry | None]]:
        """Every markdown chunk with its section and entry: the one walk later stages use."""
        for section in self.all_sections:
            for text, entry in section.texts():
                yield text, section, entry

    @functools.cached_property
    def title_order(self) -> bytes:
        """The title's place in an A to Z list (a collation key is slow to make: kept here)."""
        return sort_key(self.document.meta.title)

    @functools.cached_property
    def graph_shape(self) -> tuple[tuple, tuple[int, ...]]:
        """All the site graph reads of this article: its names, entries, links, front-matter
        relations, old addresses and abbreviations, and apart from them their lines (problems name them).
        Articles of the same shapes make the same graph, whatever their text says; of the same
        shapes but for the lines, the same graph with its problems on other lines."""
        doc, meta = self.document, self.document.meta
        keys = sorted(doc.key_lines.items())
        entries = self.entries()
        form = (doc.kind, doc.slug, doc.path, meta.title, meta.aliases, meta.draft, meta.causes, meta.treatments, meta.redirect_from,
                tuple(key for key, _ in keys), self.abbreviations,
                tuple((e.kind, e.slug, e.name) for e in entries),
                tuple((link.target, section_kind, entry and (entry.kind, entry.slug)) for link, section_kind, entry in self.wiki_links))
        lines = (*(line for _, line in keys), *(e.line for e in entries), *(link.line for link, _, _ in self.wiki_links))
        return form, lines

    @functools.cached_property
    def wiki_links(self) -> tuple[tuple[WikiLink, str, Entry | None], ...]:
        """Every wiki link outside code, with its section's kind and its entry, in the text's
        order. Kept on the article: the cache hands an unchanged file's article back as it was."""
        return tuple((link, section.kind, entry) for text, section, entry in self.texts() for link in find_wiki_links(text))

    @property
    def body_html_source(self) -> Text:
        """A plain page's whole body as one chunk."""
        parts = self.overview.parts
        return parts[0] if parts and isinstance(parts[0], Text) else Text("", self.document.body_line)

    @functools.cached_property
    def prevention_anchor(self) -> str:
        """Where its prevention section starts, for the pages that link to it ("" if none)."""
        return next((s.anchor for s in self.sections if s.kind == PREVENTION), "")

    def without_body(self, whole: Callable[[], Article] | None = None) -> Article:
        """The article without what only its own page reads (its text before the first
        heading, its sections and notes), for a publish, which reads a body only for the
        article's own page: what the graph and the other pages read stays (front matter,
        entries, wiki links, urgency, prevention anchor). Reading the body is a mistake in
        the plan, and raises; its own page asks for `whole()`, which is `whole` (the article
        read back from its packed parse) where it was given. At 10,000 articles the bodies
        are 60 MB."""
        kept = {name: getattr(self, name) for name in
                ("_entries", "help_levels", "urgency", "title_order", "prevention_anchor", "wiki_links")}
        light = Article(self.document, WITHHELD, WITHHELD, self.abbreviations, WITHHELD)
        light.__dict__.update(kept, _whole=whole)
        return light

    def whole(self) -> Article:
        """The article with its body (see `without_body`)."""
        return self.__dict__["_whole"]() if self.__dict__.get("_whole") else self


class _Withheld:
    """What stands for the body of an article `without_body`."""

    def _refuse(self, *_):
        raise RuntimeError("an article's body was read after the build let go of it (Article.without_body)")

    def __getattr__(self, name: str):
        if name.startswith("__"):  # copy and pickle ask for protocols they may do without
            raise AttributeError(name)
        self._refuse()

    __iter__ = __len__ = __getitem__ = __bool__ = _refuse

    def __reduce__(self) -> str:
        return "WITHHELD"  # copied or pickled, the one marker still


WITHHELD = _Withheld()


def walk_parts(parts) -> Iterator[Part]:
    for part in parts:
        yield part
        if isinstance(part, EntryList):
            yield from part.items
        elif isinstance(part, Group):
            yield from walk_parts(part.parts)


def walk_entries(parts) -> Iterator[Entry]:
    return (p for p in walk_parts(parts) if isinstance(p, Entry))


Lines = list[tuple[int, str]]  # (line number, text)


# --- sections ------------------------------------------------------------------------------


def parse_article(document: Document, snippets: dict[str, str] | None = None) -> tuple[Article, list[Problem]]:
    """Split a document into overview and sections; conditions get typed sections with entries.
    `--8<-- "name"` lines take in content/snippets/<name>.md first."""
    problems: list[Problem] = []
    lines = _include_snippets(list(enumerate(document.body.split("\n"), document.body_line)), snippets or {},
                              document.path, problems)
    problems += _heading_warnings(document, lines)
    lines, abbreviations = _abbreviations(lines)
    if document.kind != "condition":
        overview = Section("", OVERVIEW, "", document.body_line, tuple(t for t in [_text(lines)] if t), 1)
        return Article(document, overview, (), abbreviations), problems
    lines, footnotes = _footnotes(lines, document.path, problems)
    head, chunks = _split_sections(lines)
    overview = _section(document, "", OVERVIEW, "", "", 1, document.body_line, head, problems)
    sections, anchors = [], set()
    for line, level, heading, body, continued in chunks:
        title, forced, anchor, bad = _heading_parts(heading) if heading else ("", None, "", "")
        if bad:
            problems.append(error(document.path, line, bad))
        kind, level_name, reason = (continued, "", "continues the section above, after a sub-section of its own"
                                    ) if continued else classify_heading(title, forced)
        anchor = _unique(anchor or make_slug(title) or "section", anchors)
        sections.append(_section(document, title, kind, level_name, reason, level, line, body, problems, anchor))
    return Article(document, overview, tuple(sections), abbreviations, footnotes), problems


def _include_snippets(lines: Lines, snippets: dict[str, str], path: str, problems: list[Problem], depth: int = 0) -> Lines:
    """Replace each `--8<-- "name"` line with the snippet's lines, numbered as the line
    that includes it (so a problem in a snippet points at where it was included)."""
    result: Lines = []
    for number, line, fenced in _with_fences(lines):
        match = None if fenced else SNIPPET.match(line)
        if not match:
            result.append((number, line))
            continue
        name = match["name"].removesuffix(".md")
        if name not in snippets:
            import difflib  # only on this error path

            close = difflib.get_close_matches(name, snippets, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else " (snippets live in content/snippets/<name>.md)"
            problems.append(error(path, number, f"no snippet `{name}`{hint}"))
        elif depth >= 3:
            problems.append(error(path, number, f"snippet `{name}` includes snippets too deeply (a snippet may include 3 levels)"))
        else:
            inner = [(number, text) for text in _without_front_matter(snippets[name]).split("\n")]
            result += _include_snippets(inner, snippets, path, problems, depth + 1)
    return result


def _without_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[text.find("\n", end + 1) + 1:] if text.find("\n", end + 1) != -1 else ""
    return text


def _footnotes(lines: Lines, path: str, problems: list[Problem]) -> tuple[Lines, tuple[Footnote, ...]]:
    """Take out footnote definitions (with their indented lines), number the notes by first
    reference across the whole article, and mark each later reference (`[^a@2]`) so that
    every reference gets an id of its own to link back to."""
    kept: Lines = []
    definitions: dict[str, tuple[int, Lines]] = {}
    current = None
    for number, line, fenced in _with_fences(lines):
        match = None if fenced else FOOTNOTE_DEFINITION.match(line)
        if match:
            current = definitions.setdefault(match["label"], (number, []))[1]
            current.append((number, match["text"]))
        elif current is not None and (line[:1] in (" ", "\t") or not line.strip()):
            current.append((number, _dedent(line, 4)))
        else:
            current = None
            kept.append((number, line))
    seen: dict[str, int] = {}
    marked: Lines = []
    for number, line, fenced in _with_fences(kept):
        if not fenced:
            line = FOOTNOTE_REFERENCE.sub(lambda m: _mark_reference(m, seen, definitions, path, number, problems), line)
        marked.append((number, line))
    for label, (number, _) in definitions.items():
        if label not in seen:
            problems.append(warning(path, number, f"footnote [^{label}] is never referred to: refer to it with [^{label}] or remove it"))
    notes = tuple(Footnote(label, i, _text(definitions[label][1]) or Text("", definitions[label][0]), seen[label])
                  for i, label in enumerate(seen, 1))  # `seen` is in the order of first reference
    return marked, notes


def _mark_reference(match, seen: dict[str, int], definitions, path: str, number: int, problems: list[Problem]) -> str:
    label = match["label"]
    if label not in definitions:
        problems.append(error(path, number, f"footnote [^{label}] has no definition: add a `[^{label}]: ...` line"))
        return match[0]
    seen[label] = seen.get(label, 0) + 1
    return match[0] if seen[label] == 1 else f"[^{label}@{seen[label]}]"


def _abbreviations(lines: Lines) -> tuple[Lines, tuple[tuple[str, str], ...]]:
    """Take out `*[A&E]: Accident and Emergency` lines: they apply to every page, not
    just to the chunk of text they happen to stand in."""
    kept: Lines = []
    found: list[tuple[str, str]] = []
    for number, line, fenced in _with_fences(lines):
        match = None if fenced else ABBREVIATION.match(line)
        if match:
            found.append((match["abbr"].strip(), match["title"].strip()))
        else:
            kept.append((number, line))
    return kept, tuple(found)


def _section(document, title, kind, urgency, reason, level, line, body: Lines, problems, anchor="") -> Section:
    if kind == GET_HELP and not urgency:
        prose = _text(body)
        urgency = (help_level(" ".join(line for _, line in prose_lines(prose))) if prose else "") or "gp"
        reason += f"; level {urgency} from its text"
    flow = _Flow(document.path, kind, level, problems)
    parts = flow.parts(body)
    return Section(title, kind, anchor, line, tuple(parts), level, urgency, reason, tuple(flow.kept))


def classify_heading(title: str, forced: str | None = None) -> tuple[str, str, str]:
    """(kind, get-help level, why) for a heading's words."""
    if forced:
        kind = FORCEABLE[forced]
        level = forced if forced in LEVELS else (help_level(title) if kind == GET_HELP else "")
        return kind, level, f"forced with {{: .{forced} }}"
    kind, match = heading_kind(title)
    if kind is None:
        return PLAIN, "", "no kind's words in the heading"
    level = help_level(title) if kind == GET_HELP else ""  # none named: the section's text decides
    return kind, level, f"the heading says `{match}`"


def heading_kind(title: str) -> tuple[str | None, str]:
    """The kind the heading is about, and the words that say so."""
    subject = TREATMENT_SUBJECT_PATTERN.search(title)
    if subject:
        return TREATMENTS, subject[0].strip()
    call = HELP_CALL_PATTERN.search(title)
    if call:
        return GET_HELP, call[0].strip()
    best = None
    for kind, pattern in HEADING_PATTERNS:
        found = pattern.search(title)
        if found and (best is None or found.start() < best[1].start()):
            best = (kind, found)
    return (best[0], best[1][0].strip()) if best else (None, "")


def section_kind(title: str) -> str:
    return classify_heading(title)[0]


def help_level(text: str) -> str:
    """The most serious get-help level the words name ("" for none)."""
    for level in reversed(LEVELS):
        if LEVEL_PATTERNS[level].search(text):
            return level
    return ""


def _heading_parts(line: str) -> tuple[str, str | None, str, str]:
    """`## What sets them off {: .causes #triggers }` -> (title, forced kind, anchor, error)."""
    match = HEADING.match(line)
    title, forced, anchor, bad = (match["text"] if match else line).strip(), None, "", ""
    attrs = ATTR_LIST.search(title)
    if attrs:
        title = title[: attrs.start()].strip()
        for token in attrs[1].split():
            if token.startswith(".") and token[1:] in FORCEABLE:
                forced = token[1:]
            elif token.startswith(".") and not token.startswith(".list--"):
                import difflib  # only on this error path

                close = difflib.get_close_matches(token[1:], FORCEABLE, n=1, cutoff=0.5)
                bad = f"unknown section kind `{token}`" + (f" (did you mean `.{close[0]}`?)" if close else
                                                           f" (use one of {', '.join('.' + k for k in FORCEABLE)})")
            elif token.startswith("#"):
                anchor = make_slug(token[1:])
    return title.rstrip("#").strip(), forced, anchor, bad


def _split_sections(lines: Lines) -> tuple[Lines, list[tuple[int, int, str, Lines, str]]]:
    """Split at `##` headings, and at `###`/`####` headings that name a kind of their own
    (a get-help sub-heading inside Symptoms, "Treatments from your GP" inside a GP card).
    Other sub-headings stay in their section's body: they are entries, groups or plain text.
    A sub-heading after such a sub-section, at its level, returns to the enclosing section:
    it starts a continuation (no heading of its own) of the kind it is read in."""
    head: Lines = []
    chunks: list[tuple[int, int, str, Lines, str]] = []  # (line, level, heading, body, continued kind)
    top, current, depth = OVERVIEW, OVERVIEW, 0  # the ## section's kind; the current chunk's kind and level
    for number, line, fenced in _with_fences(lines):
        match = None if fenced else HEADING.match(line)
        level = len(match["hashes"]) if match else 0
        if level == 2 or (level in (3, 4) and chunks and _starts_a_section(line, top)):
            chunks.append((number, level, line, [], ""))
            title, forced, _, _ = _heading_parts(line)
            current, depth = classify_heading(title, forced)[0], level
            top = current if level == 2 else top
        elif level in (3, 4) and depth > 2 and level <= depth:
            kind = top if top in ENTRY_KINDS or current not in ENTRY_KINDS else current
            chunks.append((number, 2, "", [(number, line)], kind))
            current, depth = kind, 2
        else:
            (chunks[-1][3] if chunks else head).append((number, line))
    return head, chunks


def _starts_a_section(line: str, parent: str) -> bool:
    """A sub-heading starts a section of its own when it gives get-help advice or is forced;
    inside a causes, treatments or symptoms section only a topic heading does ("Secondary
    causes", "Treatment duration"): "Laser treatment" there is a treatment, an entry."""
    title, forced, _, _ = _heading_parts(line)
    if forced:
        return forced in FORCEABLE
    kind = heading_kind(title)[0]
    if kind is None or _is_label(title):
        return False
    if kind == GET_HELP or parent not in ENTRY_KINDS:
        return True
    return bool(KIND_NOUN_AT_START.match(title) or KIND_PLURAL_AT_END.search(title))


# --- entries -------------------------------------------------------------------------------


class _Flow:
    """Reads one section's body: lists become entries where the section (or the line before
    the list) says what they are; everything else stays text, in the editor's order."""

    def __init__(self, path: str, kind: str, level: int, problems: list[Problem] | None = None):
        self.path, self.kind, self.level = path, kind, level
        self.kept: list[Kept] = []
        self.problems: list[Problem] = problems if problems is not None else []

    def parts(self, lines: Lines, group_style: str = "", group: str = "") -> list[Part]:
        intro, subs = _split_subheadings(lines, self.level)
        parts = self._blocks(intro, group_style, group)
        for number, level, title, body in subs:
            parts += self._subheading(number, level, title, body)
        return _merge_texts(parts)

    def _subheading(self, number: int, level: int, title: str, body: Lines) -> list[Part]:
        heading = Text(f"{'#' * level} {title}", number)
        style = _do_dont_style(title)
        if self.kind not in ENTRY_KINDS and not style:
            inner = _Flow(self.path, self.kind, level, self.problems)
            parts = [heading, *inner.parts(body)]
            self.kept += inner.kept
            return parts
        inner = _Flow(self.path, self.kind, level, self.problems)
        inner_parts = inner.parts(body, style, _label_text(title))
        if style or _is_label(title) or (any(walk_entries(inner_parts)) and _over_a_list(body)):
            self.kept += inner.kept
            return [Group(_label_text(title), number, "heading", level, tuple(inner_parts), style)]
        name = clean_name(title)
        if not name or WARNING_ANYWHERE.search(title):
            self.kept += inner.kept
            return [heading, *inner_parts]
        description = _text(body) or Text("", number + 1)
        return [Entry(name, make_slug(name), ENTRY_KINDS[self.kind], number, title, "", description, heading=level)]

    def _blocks(self, lines: Lines, group_style: str, group: str) -> list[Part]:
        parts: list[Part] = []
        lead = ""  # the text just before a list
        label, label_style = group, ""
        for block in _blocks(lines):
            if block.kind == "list":
                parts += self._list(block, self._list_kind(lead), label, block.style or label_style or group_style)
                lead = ""
            elif block.kind in ("quote", "admonition") and (callout := self._callout(block)):
                parts.append(callout)
                lead = ""
            else:
                parts += [t for t in [_text(block.lines)] if t]
                lead = block.last_sentence
                written = [text for _, text in block.lines if text.strip()]
                bold = BOLD_LINE.match(written[0]) if len(written) == 1 else None
                if bold and not WARNING_WORD.match(bold["label"]):
                    label, label_style = _label_text(bold["label"]), _do_dont_style(bold["label"])
        return parts

    def _callout(self, block: "_Block") -> Callout | None:
        """An admonition, an alert, or a quote that opens with get-help words; an unknown
        callout kind is an error (and its text stays text)."""
        callout, bad = _alert_or_admonition(block)
        if bad:
            self.problems.append(error(self.path, block.lines[0][0], bad))
        return callout or (_help_quote(block) if block.kind == "quote" and not bad else None)

    def _list_kind(self, lead: str) -> str | None:
        """The entry kind of a list's items, or None when they stay text. In a causes,
        treatments or symptoms section only a lead-in's opening words change the kind."""
        if self.kind in (GET_HELP, PREVENTION):
            return None
        cue, opening = lead_in_kind(lead)
        if cue == "effects":
            cue = SYMPTOMS if self.kind == SYMPTOMS else "none"
        if cue == "none":
            return None
        if cue in ENTRY_KINDS and (opening or self.kind not in ENTRY_KINDS):
            return ENTRY_KINDS[cue]
        return ENTRY_KINDS.get(self.kind)

    def _why_text(self, lead: str) -> str:
        if self.kind == GET_HELP:
            return "advice in a get-help section"
        if self.kind == PREVENTION:
            return "advice in a prevention section"
        if lead and lead_in_kind(lead)[0] in ("none", "effects"):
            return f"the line before the list (`{_short(lead)}`) says these are not causes, treatments or symptoms"
        return f"in a {'section before any heading' if self.kind == OVERVIEW else self.kind + ' section'} with no lead-in naming causes, treatments or symptoms"

    def _list(self, block: "_Block", kind: str | None, group: str, style: str) -> list[Part]:
        """A list as entries (an item that is not one stays in the list as text), or as
        plain text when none of its items is an entry."""
        found = [(item, self._item(item, kind, group, style, block.lead)) for item in block.items] if kind else []
        if not any(isinstance(f, (Entry, Group)) for _, f in found):
            for item in block.items:
                reason = next((f for i, f in found if i is item), None) or self._why_text(block.lead)
                self.kept.append(Kept(item[0][0], _item_text(item), reason))
            return [t for t in [_text(block.lines)] if t]
        parts: list[Part] = []
        items: list[Entry | Text] = []
        for item, result in found:
            if isinstance(result, Group):
                parts += [EntryList(tuple(items), style)] if items else []
                parts.append(result)
                items = []
            elif isinstance(result, Entry):
                items.append(result)
            else:
                self.kept.append(Kept(item[0][0], _item_text(item), result))
                items.append(_text(_item_content(item)) or Text("", item[0][0]))
        return parts + ([EntryList(tuple(items), style)] if items else [])

    def _item(self, item: Lines, kind: str, group: str, style: str, list_lead: str = "") -> Entry | Group | str:
        """An item as an entry, a group of entries, or the reason it stays text."""
        number = item[0][0]
        paragraph, after = _first_paragraph(_item_content(item))
        after = _dedent_block(after)  # a nested list indented 2, 4 spaces or a tab
        label = "\n".join(text for _, text in paragraph)
        if _nested_list_only(after) and _is_label(label, allow_colon=True):
            inner = _Flow(self.path, self.kind, self.level, self.problems)
            nested_style = _do_dont_style(label) or style
            parts = inner._blocks(after, nested_style, _label_text(label))
            self.kept += inner.kept
            if any(walk_entries(parts)):
                return Group(_label_text(label), number, "item", 0, tuple(parts), nested_style)
        named = split_name(label)
        if isinstance(named, str):
            return named
        lead, joiner, remainder, strong, negated = named
        name = clean_name(lead)
        if not name:
            return "no name in it"
        if kind in ("cause", "symptom"):
            name = _noun_phrase(name, verbs=bool(SUBJECT_LEFT_OFF.search(list_lead)))
        if style == "dont" or negated:
            name = "Don't " + name[0].lower() + name[1:]
        description = _text([(number, remainder)] + after) or Text("", number)
        return Entry(name, make_slug(name), kind, number, lead, joiner, description, group, strong=strong)


def lead_in_kind(lead: str) -> tuple[str | None, bool]:
    """What the sentence before a list says its items are (a section kind, "effects",
    "none" or None), and whether its opening words say so ("Treatments that ease the
    symptoms include"), which is surer than words nearer the list."""
    opening = " ".join(lead.split()[:3])
    for kind, pattern in LEAD_IN_PATTERNS:
        if kind in ENTRY_KINDS and pattern.search(opening):
            return kind, True
    if NEVER_ENTRIES.search(lead):
        return "none", False
    best = None
    for kind, pattern in LEAD_IN_PATTERNS:
        for found in pattern.finditer(lead):
            if kind is None:
                return None, False  # "you can:" lists things to do: the section decides
            if best is None or found.end() > best[1]:
                best = (kind, found.end())  # the words nearest the list win
    return (best[0] if best else None), False


def split_name(text: str):
    """`**Dehydration**: When...`, `Dehydration: When...`, `Nerve damage - If...`,
    `Rubber band ligation. The doctor...`, `gout, a disorder...`, `being sick` ->
    (lead, joiner, rest, strong, negated), or the reason the item has no name."""
    text = text.strip()
    negated = False
    step = STEP.match(text)
    prefix = step[0] if step else ""
    text = text[len(prefix):]
    label = LABEL_PREFIX.match(text) or NEGATION.match(text)
    if label:
        word = label.groupdict().get("bold") or label.groupdict().get("plain") or label[0]
        negated = not word.strip().lower() == "do"
        prefix, text = prefix + label[0], text[label.end():]
    if WARNING_WORD.match(_strip_markup(text)):
        return "a warning, not a name"
    if DO_DONT.match(_strip_markup(text)):
        return "a Do or Don't label, not a name"
    bold = BOLD_START.match(text)
    if bold and re.match(r"^\s+[a-z(]", bold["rest"]) and not bold["name"].rstrip().endswith((".", ":")):
        bold = None  # "**Never** drive during an attack": emphasis, not a name
        text = _strip_markup(text)
    if bold:
        name = bold["name"].strip()
        rest = bold["rest"]
        joiner = re.match(r"^\s*(?:[:.\u2013\u2014-]+\s*)?", rest)[0]
        bare = name.rstrip(".:").rstrip()
        if not bare or WARNING_WORD.match(name):
            return "a warning, not a name"
        return prefix + bare, name[len(bare):] + joiner, rest[len(joiner):], True, negated
    found = _cut(text)
    if found:
        lead, joiner, rest = found
        return prefix + lead, joiner, rest, False, negated
    words = text.split()
    if re.match(r"^\[", text) and re.search(r"\]\]|\]\(", text) and not re.fullmatch(r"\s*\[\[[^\]]*\]\]\s*", text):
        return "starts with a link and goes on: a sentence, not a name"
    if text.endswith((".", "!", "?")) and len(words) >= NAME_SENTENCE_WORDS:
        return "a full sentence, not a name"
    if len(words) > MAX_NAME_WORDS:
        head = text[:400]  # a name is short: no need to look further (keeps huge items linear)
        for pattern in CLAUSE_BREAKS:
            for cut in pattern.finditer(head):
                if 2 <= len(text[: cut.start()].split()) <= MAX_NAME_WORDS:
                    rest = text[cut.start():]
                    joiner = rest[: len(rest) - len(rest.lstrip())]
                    return prefix + text[: cut.start()], joiner, rest.lstrip(), False, negated
        return f"too long to be a name ({len(words)} words)"
    return prefix + text, "", "", False, negated


def _cut(text: str) -> tuple[str, str, str] | None:
    """The name before a separator: a colon, a dash, `Name. Sentence`, or `name, a ...`."""
    candidates = []
    first, newline, after = text.partition("\n")
    if newline and after[:1].isupper() and not first.rstrip().endswith((".", ",", ";")) and len(first.split()) <= NAME_SENTENCE_WORDS:
        candidates.append((len(first), len(first) + 1))
    separator = SEPARATORS.search(text)
    if separator and not text[separator.start():].startswith("://"):
        candidates.append((separator.start(), separator.end()))
    for stop in re.finditer(r"\.\s+(?=[A-Z0-9(])", text):
        before = text[: stop.start()]
        if before.split() and before.split()[-1].lower().rstrip(".") not in ABBREVIATIONS:
            if len(before.split()) <= NAME_SENTENCE_WORDS:
                candidates.append((stop.start(), stop.end()))
            break
    appositive = APPOSITIVE.search(text)
    if appositive and len(text[: appositive.start()].split()) <= NAME_SENTENCE_WORDS:
        candidates.append((appositive.start(), appositive.end()))
    for start, end in sorted(candidates):
        lead = text[:start].strip()
        # a last line like `{.list--cross}` would become an attribute list once cut: syntax, not words
        if _ATTR_LINE.fullmatch(lead.rpartition("\n")[2]):
            continue
        if lead and len(lead) <= MAX_NAME and len(lead.split()) <= MAX_NAME_WORDS and lead.count("(") == lead.count(")"):
            return lead, text[start:end], text[end:]
    return None


def _noun_phrase(name: str, verbs: bool) -> str:
    """"are overweight" -> "Being overweight", "have a tight chest" -> "Tight chest", and
    after "if you:" (`verbs`) "eat a lot of red meat" -> "Eating a lot of red meat"
    (elsewhere "Sleep apnoea" is a noun and stays)."""
    if BEING.match(name):
        return "Being " + name[BEING.match(name).end():]
    if HAVING.match(name):
        return clean_name(name[HAVING.match(name).end():]) or name
    first, _, rest = name.partition(" ")
    gerund = GERUNDS.get(first.lower()) if verbs else None
    return f"{gerund} {rest}".strip() if gerund and rest else name


def clean_name(lead: str) -> str:
    """The name as a page title: markup and wiki-link brackets gone, no leading article,
    no trailing punctuation, a capital first letter."""
    name = _strip_markup(plain_text(lead)).strip()
    for prefix in (STEP, LABEL_PREFIX, NEGATION):  # the Don't of a name is added back from its list
        name = prefix.sub("", name, count=1)
    name = _NAME_ASIDE.sub("", name)  # "(mostly in young children)"
    name = _SPACES.sub(" ", name).strip().strip(".:;,!?\u2013\u2014- ")
    name = _NAME_ARTICLE.sub("", name)
    if (not _A_LETTER.search(name) or len(name) > MAX_NAME or DO_DONT.match(name) or WARNING_WORD.match(name)
            or _WEB_ADDRESS.search(name)):
        return ""
    return name[0].upper() + name[1:]


def _over_a_list(body: Lines) -> bool:
    """A heading is over a list when the list comes first, or after one lead-in line
    ("A DVT can be provoked by:", "Risk factors include"), not after prose about the heading."""
    blocks = _blocks(body)
    if not blocks or blocks[0].kind == "list":
        return True
    lead = blocks[0].last_sentence
    return (len(blocks) > 1 and blocks[1].kind == "list" and len(re.split(r"(?<=[.!?])\s+", lead)) == 1
            and not lead.endswith((".", "!", "?")))


def _is_label(text: str, allow_colon: bool = False) -> bool:
    """A group label: Do/Don't, a bold line, or a short line ending with a colon."""
    text = text.strip()
    if DO_DONT.match(_strip_markup(text)) or BOLD_LINE.match(text):
        return True
    return allow_colon and text.endswith(":") and len(text.split()) <= 8


def _label_text(text: str) -> str:
    return _strip_markup(text).strip().rstrip(":").strip()


def _do_dont_style(label: str) -> str:
    match = DO_DONT.match(_label_text(label))
    if not match:
        return ""
    return "do" if match["word"].lower() == "do" else "dont"


# --- blocks: lists, quotes and paragraphs ----------------------------------------------


@dataclass
class _Block:
    kind: str  # "list", "quote" or "text"
    lines: Lines
    items: list[Lines] | None = None
    style: str = ""  # from a `{.list--tick}` line after a list
    lead: str = ""  # for a list: the sentence before it

    @property
    def last_sentence(self) -> str:
        plain = " ".join(_strip_markup(text) for _, text in self.lines if text.strip()).strip()
        return re.split(r"(?<=[.!?])\s+", plain)[-1] if plain else ""


def _blocks(lines: Lines) -> list[_Block]:
    """Group lines into lists (with every item's continuation lines), blockquotes and text.
    A list may follow a line with no blank line before it."""
    blocks: list[_Block] = []
    lead = ""
    for number, line, fenced in _with_fences(lines):
        current = blocks[-1] if blocks else None
        blank = not line.strip()
        in_list = current is not None and current.kind == "list"
        if not fenced and LIST_ITEM.match(line):
            if not in_list:
                lead = current.last_sentence if current and current.kind == "text" else ""
                blocks.append(_Block("list", [], [], lead=lead))
                current = blocks[-1]
            current.lines.append((number, line))
            current.items.append([(number, line)])
        elif in_list and LIST_STYLE.match(line):
            current.style = "do" if LIST_STYLE.match(line)[1] in ("tick", "check") else "dont"
            current.lines.append((number, line))
        elif in_list and (blank or line[:1] in (" ", "\t") or current.lines[-1][1].strip()):
            current.lines.append((number, line))
            current.items[-1].append((number, line))
        elif not fenced and ADMONITION.match(line):
            blocks.append(_Block("admonition", [(number, line)]))
        elif current is not None and current.kind == "admonition" and (blank or line[:1] in (" ", "\t")):
            current.lines.append((number, line))
        elif not fenced and line.lstrip().startswith(">") and not blank:
            if current is None or current.kind != "quote" or not current.lines[-1][1].strip():
                blocks.append(_Block("quote", []))
            blocks[-1].lines.append((number, line))
        else:
            if current is None or current.kind != "text" or (not blank and not current.lines[-1][1].strip()):
                blocks.append(_Block("text", []))  # each paragraph is a block: its last sentence leads a list
            blocks[-1].lines.append((number, line))
    for block in blocks:  # blank lines at a list's end belong to the text after it
        if block.kind == "list":
            while block.items and len(block.items[-1]) > 1 and not block.items[-1][-1][1].strip():
                block.items[-1].pop()
    return [b for b in blocks if any(text.strip() for _, text in b.lines)]


def _help_quote(block: _Block) -> Callout | None:
    """A blockquote that opens with get-help words (`> **Call 999 if:**`) is a care card."""
    lines = [(n, re.sub(r"^\s*> ?", "", text)) for n, text in block.lines]
    first = _strip_markup(lines[0][1]).strip().lstrip("#").strip()
    kind, _ = heading_kind(first)
    if kind != GET_HELP or len(first.split()) > 20:
        return None
    level = help_level(first) or "gp"
    return Callout(first.rstrip(":").strip() + (":" if first.endswith(":") else ""), level, lines[0][0],
                   _text(lines[1:]) or Text("", lines[0][0]))


def _alert_or_admonition(block: _Block) -> tuple[Callout | None, str]:
    """`> [!WARNING] Title` or `!!! warning "Title"` with its indented text: a callout, or
    the error to report for a callout kind we do not know."""
    if block.kind == "admonition":
        head = ADMONITION.match(block.lines[0][1])
        body = [(n, _dedent(text, 4)) for n, text in block.lines[1:]]
    else:
        lines = [(n, re.sub(r"^\s*> ?", "", text)) for n, text in block.lines]
        head = ALERT.match(lines[0][1].strip())
        body = lines[1:]
    if not head:
        return None, ""
    name = head["kind"].lower()
    if name not in CALLOUT_KINDS:
        import difflib  # only on this error path

        close = difflib.get_close_matches(name, CALLOUT_KINDS, n=1, cutoff=0.5)
        return None, f"unknown callout `{head['kind']}`" + (f" (did you mean `{close[0]}`?)" if close else
                                                            f" (use one of {', '.join(CALLOUT_KINDS)})")
    kind = CALLOUT_KINDS[name]
    title = (head["title"] or "").strip() or CALLOUT_LABELS[kind]
    return Callout(title, kind, block.lines[0][0], _text(body) or Text("", block.lines[0][0])), ""


def _split_subheadings(lines: Lines, level: int) -> tuple[Lines, list[tuple[int, int, str, Lines]]]:
    """Split a section body at its next heading level below `level` (### in a ## section)."""
    levels = sorted({len(m["hashes"]) for _, line, fenced in _with_fences(lines)
                     if not fenced and (m := HEADING.match(line)) and len(m["hashes"]) > level})
    if not levels or levels[0] > 6:
        return lines, []
    target = levels[0]
    head: Lines = []
    subs: list[tuple[int, int, str, Lines]] = []
    for number, line, fenced in _with_fences(lines):
        match = None if fenced else HEADING.match(line)
        if match and len(match["hashes"]) == target:
            subs.append((number, target, _heading_parts(line)[0], []))
        else:
            (subs[-1][3] if subs else head).append((number, line))
    return head, subs


def _item_content(item: Lines) -> Lines:
    """An item's lines without its marker, its continuation lines dedented to match."""
    number, first = item[0]
    match = LIST_ITEM.match(first)
    indent = len(match.group(0)) - len(match["rest"])
    return [(number, match["rest"])] + [(n, _dedent(line, indent)) for n, line in item[1:]]


def _dedent_block(lines: Lines) -> Lines:
    """Lines less the indentation they all share (blank lines aside)."""
    expanded = [(n, t.expandtabs(4)) for n, t in lines]
    indents = [len(t) - len(t.lstrip(" ")) for _, t in expanded if t.strip()]
    cut = min(indents, default=0)
    return [(n, t[cut:]) for n, t in expanded]


def _first_paragraph(lines: Lines) -> tuple[Lines, Lines]:
    """An item's first paragraph (its own lines up to a blank or a nested list) and the rest."""
    for index, (_, text) in enumerate(lines[1:], 1):
        if not text.strip() or LIST_ITEM.match(text.lstrip()) or LIST_STYLE.match(text):
            return [(n, t.strip()) for n, t in lines[:index]], lines[index:]
    return [(n, t.strip()) for n, t in lines], []


def _nested_list_only(lines: Lines) -> bool:
    content = [text for _, text in lines if text.strip() and not LIST_STYLE.match(text)]
    return bool(content) and LIST_ITEM.match(content[0].lstrip()) is not None


def _item_text(item: Lines) -> str:
    return _short(" ".join(text.strip() for _, text in item if text.strip()), 90)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _merge_texts(parts: list[Part]) -> list[Part]:
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].markdown + "\n\n" + part.markdown, merged[-1].line)
        else:
            merged.append(part)
    return [p for p in merged if not isinstance(p, Text) or p.markdown.strip()]


# --- text helpers shared by later stages ---------------------------------------------------


def prose_lines(text: Text):
    """(line number, line) of a chunk's prose: not code fences, inline code or HTML comments."""
    if "`" not in text.markdown and "~~~" not in text.markdown and "<!--" not in text.markdown:
        return enumerate(text.markdown.split("\n"), text.line)  # all prose (most chunks): every check reads each chunk
    return _prose_lines(text)


def _prose_lines(text: Text):
    visible = HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text.markdown)  # keeps line numbers
    lines = list(enumerate(visible.split("\n"), text.line))
    for number, line, fenced in _with_fences(lines):
        if not fenced:
            yield number, INLINE_CODE.sub("", line)


IMAGE_NO_ALT = re.compile(r"!\[\s*\]\(|<img\b(?![^>]*\balt\s*=\s*(\"[^\"]+\"|'[^']+'))[^>]*>", re.I)
PLAIN_HTTP = re.compile(r"\]\(\s*<?http://|<http://|href\s*=\s*[\"']?http://|(?<![(<\"'=])\bhttp://", re.I)


RAW_TAG = re.compile(r"<(?P<tag>[a-zA-Z][\w-]*)(?P<attrs>(?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>")
RAW_ATTRIBUTE = re.compile(r"([^\s=>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def raw_html_tags(text: Text) -> list[tuple[int, str, dict[str, str]]]:
    """(line, tag, attributes) of the raw HTML tags a chunk's prose holds."""
    found = []
    for number, line in prose_lines(text):
        for match in RAW_TAG.finditer(line):
            attributes = {a[0].lower(): a[1] or a[2] or a[3] for a in RAW_ATTRIBUTE.findall(match["attrs"])}
            found.append((number, match["tag"].lower(), attributes))
    return found


def images_without_alt(text: Text) -> list[int]:
    """Lines of a chunk with an image that has no alt text (markdown or raw HTML)."""
    return [number for number, line in prose_lines(text) if IMAGE_NO_ALT.search(line)]


def plain_http_links(text: Text) -> list[int]:
    """Lines of a chunk that link to an http:// (not https://) address."""
    return [number for number, line in prose_lines(text) if PLAIN_HTTP.search(line)]


def split_wiki_link(inner: str) -> tuple[str, str]:
    """`cause:medications|these medicines` -> (`cause:medications`, `these medicines`).

    Without a label the reader sees the name, never the `kind:` prefix."""
    target, _, label = inner.partition("|")
    target = target.strip()
    prefix = KIND_PREFIX.match(target)
    return target, label.strip() or (prefix[2].strip() if prefix else target)


def plain_text(markdown_text: str) -> str:
    """The readable words of a markdown chunk: links become their labels, markup goes."""
    text = WIKI_LINK.sub(lambda match: split_wiki_link(match[1])[1], markdown_text)
    text = _MD_LINK.sub(r"\1", text)
    text = _LINE_MARKER.sub("", text)
    text = _ATTR_LINE.sub("", text)
    return _MARKUP_CHARS.sub("", text)


def heading_text(markdown_text: str) -> str:
    """A heading or title as readers see it: links become their labels, emphasis goes."""
    return _strip_markup(WIKI_LINK.sub(lambda match: split_wiki_link(match[1])[1], markdown_text)).strip()


def _words(markdown_text: str) -> list[str]:
    return re.findall(r"\w+", plain_text(markdown_text).casefold())


def _strip_markup(text: str) -> str:
    return _EMPHASIS_CHARS.sub("", text)


def first_sentence(markdown_text: str, limit: int = 160) -> str:
    """The first sentence of a chunk's first paragraph, as plain text (a summary fallback)."""
    plain = plain_text(markdown_text).strip().split("\n\n")[0].replace("\n", " ").strip()
    sentence = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _with_fences(lines: Lines):
    """(number, line, hidden): hidden lines are code fences and the inside of HTML comments,
    where no heading, list or callout starts."""
    fenced = commented = False
    for number, line in lines:
        if commented:
            commented = "-->" not in line
            yield number, line, True
        elif FENCE.match(line):
            fenced = not fenced
            yield number, line, True
        else:
            yield number, line, fenced
            if not fenced and "<!--" in line:
                commented = "-->" not in line[line.rindex("<!--"):]


def _dedent(line: str, indent: int) -> str:
    expanded = line.expandtabs(4)
    spaces = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(spaces, indent):]


def _text(lines: Lines) -> Text | None:
    """The lines as one markdown chunk, without blank lines at either end (None if empty)."""
    lines = [(n, t) for n, t in lines if not LIST_STYLE.match(t)]
    while lines and not lines[0][1].strip():
        lines = lines[1:]
    while lines and not lines[-1][1].strip():
        lines = lines[:-1]
    if not lines:
        return None
    return Text("\n".join(line for _, line in lines), lines[0][0])


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in taken:
        candidate, number = f"{anchor}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _heading_warnings(document: Document, lines: Lines) -> list[Problem]:
    """Level-1 headings, empty headings, and a code fence never closed (it hides the rest)."""
    found, opened = [], None
    for number, line, fenced in _with_fences(lines):
        if FENCE.match(line):
            opened = None if opened else number
        elif not fenced and re.match(r"^# \S", line):
            found.append(warning(document.path, number, "level-1 heading in the text: the page title comes from `title`, start sections with `## `"))
        elif not fenced and (match := HEADING.match(line)) and not heading_text(ATTR_LIST.sub("", match["text"]).strip("# ")):
            found.append(warning(document.path, number, "heading has no text: write one, or remove the line"))
    if opened:
        found.append(warning(document.path, opened, "this code fence is never closed, so the rest of the file is shown as code: add the closing ``` line"))
    return found


@dataclass(frozen=True, slots=True)
class WikiLink:
    line: int
    target: str  # the text before `|`
    label: str  # what the reader sees

    __reduce__ = _by_constructor


def find_wiki_links(text: Text) -> list[WikiLink]:
    """`[[target]]` and `[[target|label]]` outside code, with their line numbers."""
    return [
        WikiLink(number, *split_wiki_link(match[1]))
        for number, line in prose_lines(text)
        for match in WIKI_LINK.finditer(line)
    ]
