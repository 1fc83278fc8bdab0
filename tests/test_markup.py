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
