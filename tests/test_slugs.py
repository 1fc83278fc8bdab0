"""Slugs: the fast path for plain names gives what slugify gives."""

import pytest
from hypothesis import given, settings, strategies as st
from slugify import slugify

from healthsite import slugs
from healthsite.slugs import make_slug

ALPHABET = "aZ09 -'\u2019._é"


def slugified(name: str) -> str:
    return slugify(name, replacements=slugs._APOSTROPHES, max_length=slugs.MAX_LENGTH, word_boundary=True)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=90))
def test_every_name_is_slugified_as_slugify_would(name):
    assert make_slug.__wrapped__(name) == slugified(name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcXYZ019", min_size=1, max_size=12), min_size=1, max_size=12),
       st.lists(st.sampled_from([" ", "-"]), min_size=11, max_size=11))
def test_plain_names_near_the_length_limit(words, joiners):
    name = words[0] + "".join(j + w for j, w in zip(joiners, words[1:]))
    assert make_slug.__wrapped__(name) == slugified(name)


def test_plain_names_take_the_fast_path(monkeypatch):
    monkeypatch.setattr(slugs, "slugify", lambda *a, **k: "slugify was called")
    assert make_slug.__wrapped__("Heat or cold therapy") == "heat-or-cold-therapy"
    assert make_slug.__wrapped__("X-ray 2") == "x-ray-2"
    assert make_slug.__wrapped__("Parkinson's") == "slugify was called"
    assert make_slug.__wrapped__("a  b") == "slugify was called"  # two spaces: slugify's to join


@pytest.fixture(scope="module")
def collator():
    from pyuca import Collator
    return Collator()


def test_an_ascii_name_gets_the_collators_key_without_the_collator(collator, monkeypatch):
    chars = [chr(code) for code in range(128)]
    names = [a + b for a in chars for b in chars] + ["Heat or cold therapy", "X-ray 2", "Parkinson's", "L.L", ""]
    expected = [slugs.compact(collator.sort_key(name)) for name in names]
    monkeypatch.setattr(slugs, "_collator", lambda: pytest.fail("the collator was loaded"))
    assert [slugs.sort_key(name) for name in names] == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_any_ascii_text_gets_the_collators_key(collator, text):
    assert slugs.sort_key(text) == slugs.compact(collator.sort_key(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=2, max_size=8))
def test_compact_keys_sort_as_the_collators_keys(collator, names):
    assert sorted(names, key=slugs.sort_key) == sorted(names, key=lambda name: (collator.sort_key(name), slugs.sort_key(name)))


def test_other_names_and_tables_weighing_ascii_characters_together_are_the_collators(collator, monkeypatch):
    assert slugs.sort_key("Übermüdung") == slugs.compact(collator.sort_key("Übermüdung"))
    assert slugs.ascii_weights_in("0041  ; [.1C47.0020.0008] # A\n0042 ; [.1C60.0020.0008][.0000.0111.0002]\n") == {
        "A": ((0x1C47, 0x20, 8),), "B": ((0x1C60, 0x20, 8), (0, 0x111, 2))}
    assert slugs.ascii_weights_in("0041  ; [.1C47.0020.0008]\n004C 004C ; [.1DDD.0020.0002]\n") is None  # a contraction
    monkeypatch.setattr(slugs, "_ascii_weights", lambda: None)
    assert slugs.sort_key("Zed") == slugs.compact(collator.sort_key("Zed"))
