"""Slugs: the fast path for plain names gives what slugify gives."""

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
