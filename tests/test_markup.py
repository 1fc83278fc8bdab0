"""Markdown conversion: the shortcuts (plain paragraphs, one conversion per page) give
what converting each chunk on its own gives."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from healthsite.markup import Markup, _plain_paragraph

MARKUP = Markup()

# Words, the punctuation plain text uses, and the characters that mean something to Markdown.
PLAINISH = st.text(alphabet=st.sampled_from(list("abc XYZ é 12.,;:?!'\"()%/+-\n*_`#>[]&<=|~")), max_size=60)


@settings(max_examples=400, deadline=None)
@given(PLAINISH)
def test_a_plain_paragraph_is_what_markdown_makes_of_it(text):
    shortcut = _plain_paragraph(text, ())
    if shortcut:  # the shortcut is only ever taken where Markdown gives the same HTML
        assert shortcut == MARKUP._convert(text)


def test_text_with_markup_or_a_list_is_not_taken_for_plain():
    for text in ("*Rest* well.", "Line\n- item", "1. first", "Drink water\n> quote", "A & B", "x  \ny", "[[dehydration]]"):
        assert _plain_paragraph(text, ()) is None, text
    assert _plain_paragraph("See your GP today.", (("GP", "general practitioner"),)) is None  # the abbreviation is marked


CHUNKS = st.sampled_from([
    "Plain text.", "Some *emphasis* and **strong** words.", "- one\n- two\n  - nested", "1. first\n2. second",
    "See [[dehydration]] and [[heat or cold therapy|heat]].", "A [link](https://example.org/).", "`code` here",
    "> a quote\n> of two lines", "Risk factors include\n- age\n- weight", "| a | b |\n| - | - |\n| 1 | 2 |",
    "Heading text", "```\nfenced\n```", "Line one  \nline two", "Note[^a].", "",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(CHUNKS, min_size=2, max_size=6))
def test_one_conversion_per_page_equals_one_per_chunk(chunks):
    links = {"dehydration": "/causes/dehydration/", "heat or cold therapy": "/treatments/heat-or-cold-therapy/"}
    together = MARKUP.convert(chunks, links, {"a": 1})
    alone = [MARKUP.convert([chunk], links, {"a": 1})[0] for chunk in chunks]
    assert together == alone


def test_an_unclosed_fence_falls_back_to_one_conversion_per_chunk():
    chunks = ["```\nnot closed", "*after*", "```\ncode\n```"]
    assert MARKUP.convert(chunks) == [MARKUP.convert([chunk])[0] for chunk in chunks]


def test_every_inline_pattern_has_a_trigger_so_plain_text_skips_them():
    inline = MARKUP.md.treeprocessors["inline"]
    assert inline.trigger is not None  # a pattern missing from PATTERN_TRIGGERS turns the shortcut off
    assert not inline.trigger.search("Rest, stretch (gently) and drink water: 2 litres a day.\nSee a GP.")
    for text in ("a *b*", "a_b", "[[x]]", "[^1]", "<b>", "&amp;", "`c`", "a\\*", "line  \nbreak", "![i](j)"):
        assert inline.trigger.search(text), text


UNTRIGGERED = Markup()
UNTRIGGERED.md.treeprocessors["inline"].trigger = None  # every pattern tried on every text, as Markdown does
INLINE_PIECES = (["word ", "Two words. ", "(1/2) ", "\n", "!", "'", ":", "-", "#", "=", "|", "^", "@", "~", "]", ">"]
                 + list("*_`[<&\\") + ["  \n", "[[a]]", "[^n]", "<b>", "&amp;", "<http://x.y>", "![i](j.png)"])
INLINE_TEXT = st.lists(st.sampled_from(INLINE_PIECES), max_size=8).map("".join)  # short: one trigger or none


@settings(max_examples=500, deadline=None)
@given(st.lists(INLINE_TEXT, min_size=1, max_size=4))
def test_skipping_untriggered_text_changes_nothing(paragraphs):
    text = "\n\n".join(paragraphs + ["- item " + p.replace("\n", " ") for p in paragraphs])
    links, notes = {"a": "/causes/a/"}, {"n": 1}
    assert MARKUP.convert([text], links, notes) == UNTRIGGERED.convert([text], links, notes)
