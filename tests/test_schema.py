"""The YAML loader: libyaml's fast path must give exactly what the pure-Python loader gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from healthsite import schema

SHARED = Path(__file__).resolve().parents[2] / "shared"


def slow(text: str):
    try:
        return schema._load_mapping(text, 2, schema._Loader)
    except schema.SchemaError as exc:
        return ("error", exc.line, exc.message)


def either(text: str):
    try:
        return schema.load_mapping(text, 2)
    except schema.SchemaError as exc:
        return ("error", exc.line, exc.message)


def front_matters() -> list[str]:
    texts = []
    for path in sorted(SHARED.glob("**/*.md")) + sorted(Path(__file__).parent.glob("fixtures/**/*.md")):
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        if lines and lines[0].strip() == "---" and "---" in (line.strip() for line in lines[1:]):
            end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
            texts.append("\n".join(lines[1:end]))
    return texts


def test_the_fast_path_is_taken_for_plain_front_matter(monkeypatch):
    if not yaml.__with_libyaml__:  # PyPI's wheels have it: under CI its absence is a failure, never a skip
        if os.environ.get("CI"):
            pytest.fail("PyYAML was installed without libyaml: the fast loader is not being tested")
        pytest.skip("PyYAML without libyaml has only the pure-Python loader")
    used = []
    monkeypatch.setattr(schema, "_load_mapping", lambda text, line, cls: used.append(cls) or schema.Mapping({}, {}, line))
    schema.load_mapping("title: Cramp\nsources:\n  - title: NHS\n    url: https://www.nhs.uk/\n")
    schema.load_mapping("title: Sprains & strains\n")  # `&` could start an anchor
    schema.load_mapping("a:\n" + "".join("  " * i + f"- x{i}:\n" for i in range(1, 6)))  # deep
    assert used == [schema._FastLoader, schema._Loader, schema._Loader]


def test_every_front_matter_in_the_fixtures_and_corpus_loads_the_same_either_way():
    texts = front_matters()
    assert len(texts) > 10
    for text in texts:
        assert either(text) == slow(text), text


LINES = st.sampled_from([
    "title: Muscle cramp", "title: 'Cramp: at night'", "title: Cramp: at night", "reviewed: 2026-01-05",
    "reviewed: 2026-13-45", "draft: yes", "draft: true", "count: 12", "count: 1e3", "count: 0x1F", "tags:",
    "  - one", "  - two: 2", "    three: 3", "- top", "sources:", "  - title: NHS", "    url: https://www.nhs.uk/",
    "title: ~", "title: null", "title:", "title: \"quoted \\u00e9\"", "title: |", "  block text", "  more",
    "title: >-", "key with spaces: v", "title: a # comment", "# only a comment", "title: x\ttab", "  bad indent: 1",
    "? complex", ": value", "title: caf\u00e9", "title: \x07bell", "---", "...", "%YAML 1.1", "title: a - b - c - d",
    "        deep: 1", "aliases: ['a', 'b']", "anchor: &a 1", "ref: *a", "tag: !!str 3", "x: 2026-01-05 10:00:00",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=8))
def test_random_front_matter_loads_the_same_either_way(lines):
    text = "\n".join(lines)
    assert either(text) == slow(text)
