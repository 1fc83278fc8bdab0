"""Parsing: section kinds, and entries in every form of content-format.md section 4."""

import pytest

from healthsite.article import CAUSES, PLAIN, PREVENTION, SEE_A_DOCTOR, SYMPTOMS, TREATMENTS, Entry, parse_article, section_kind
from healthsite.content import parse_front_matter

FRONT = "---\ntitle: T\nsummary: S.\nreviewed: 2026-01-01\n---\n"


def parse(body: str):
    document, problems = parse_front_matter(FRONT + body, "content/conditions/t.md", "condition", "t")
    assert document, problems
    return parse_article(document)


def entries(body: str):
    article, _ = parse(body)
    return [(e.name, e.slug, e.description.markdown) for s in article.sections for e in s.entries]


@pytest.mark.parametrize("heading, kind", [
    ("Muscle Spasms Causes", CAUSES),
    ("What causes leg cramps?", CAUSES),
    ("Causes", CAUSES),
    ("Common triggers", CAUSES),
    ("Risk factors", CAUSES),
    ("How are back spasms treated?", TREATMENTS),
    ("Muscle Spasms Treatment", TREATMENTS),
    ("Relief at home", TREATMENTS),
    ("Home remedies", TREATMENTS),
    ("Managing the pain", TREATMENTS),
    ("When to get medical help", SEE_A_DOCTOR),
    ("When to see a GP", SEE_A_DOCTOR),
    ("Urgent advice", SEE_A_DOCTOR),
    ("How to prevent cramps", PREVENTION),
    ("Things to avoid", PREVENTION),
    ("Signs and symptoms", SYMPTOMS),
    ("Living with it", PLAIN),
    ("Because of you", PLAIN),  # `cause` must start a word
    ("See a doctor to treat the cause", SEE_A_DOCTOR),  # first match in the table's order wins
])
def test_section_kind_from_heading_words(heading, kind):
    assert section_kind(heading) == kind


def test_overview_is_text_before_first_level_two_heading():
    article, _ = parse("First para.\n\nSecond para.\n\n## Causes\n\n1. Dehydration: text\n")
    assert article.overview.markdown == "First para.\n\nSecond para."
    assert article.overview.line == 6
    assert [s.title for s in article.sections] == ["Causes"]
    assert article.sections[0].line == 10


def test_attribute_list_forces_kind_and_anchor():
    article, _ = parse("## What sets them off {: .causes #off }\n\n- Stress: text\n")
    section = article.sections[0]
    assert (section.title, section.kind, section.anchor) == ("What sets them off", CAUSES, "off")
    assert section.entries[0].name == "Stress"


@pytest.mark.parametrize("line, name, description", [
    ("1. Dehydration: When your body is dry.", "Dehydration", "When your body is dry."),
    ("1) Nerve damage - If nerves are hurt.", "Nerve damage", "If nerves are hurt."),
    ("3- Heat or cold therapy: Apply heat.", "Heat or cold therapy", "Apply heat."),
    ("- **Dehydration**: When dry.", "Dehydration", "When dry."),
    ("- **Dehydration.** When dry.", "Dehydration", "When dry."),
    ("* **Dehydration:** When dry.", "Dehydration", "When dry."),
    ("+ __Stress__ - Tension.", "Stress", "Tension."),
    ("- **Aging**", "Aging", ""),
    ("- Parkinson's disease: a condition.", "Parkinson's disease", "a condition."),
])
def test_entry_forms(line, name, description):
    found = entries(f"## Causes\n\n{line}\n")
    assert found == [(name, found[0][1], description)]


def test_seed_numbering_with_dash_is_read_as_entries():
    body = "## Muscle Spasms Treatment\n\nIntro:\n\n1- Stretching and massaging: Gently.\n\n2- Heat or cold therapy: Apply.\n\nClosing text.\n"
    article, _ = parse(body)
    parts = article.sections[0].parts
    assert [type(p).__name__ for p in parts] == ["Text", "Entry", "Entry", "Text"]
    assert parts[1].slug == "stretching-and-massaging"
    assert parts[2].slug == "heat-or-cold-therapy"
    assert parts[3].markdown == "Closing text."


def test_description_keeps_paragraphs_continuations_and_nested_lists():
    body = (
        "## Causes\n\n"
        "1. Nerve damage: First line\n"
        "   continues here.\n\n"
        "   Second paragraph.\n\n"
        "   - nested one\n"
        "   - nested two\n"
        "2. Stress: Other.\n"
    )
    (name, _, text), second = entries(body)
    assert name == "Nerve damage"
    assert text == "First line\ncontinues here.\n\nSecond paragraph.\n\n- nested one\n- nested two"
    assert second[0] == "Stress"


def test_level_three_headings_are_entries_up_to_next_heading():
    body = "## Causes\n\nIntro.\n\n### Poor posture\n\nSitting badly.\n\n#### Detail\n\nMore.\n\n### Stress {: #s }\n\nTension.\n\n## Other\n\nx\n"
    article, _ = parse(body)
    causes = article.sections[0]
    assert causes.parts[0].markdown == "Intro."
    assert [(e.name, e.slug) for e in causes.entries] == [("Poor posture", "poor-posture"), ("Stress", "stress")]
    assert causes.entries[0].description.markdown == "Sitting badly.\n\n#### Detail\n\nMore."
    assert article.sections[1].title == "Other"


def test_item_without_name_stays_text_and_warns():
    article, problems = parse("## Causes\n\n- just some words with no name\n- Stress: text\n")
    parts = article.sections[0].parts
    assert parts[0].markdown == "- just some words with no name"
    assert isinstance(parts[1], Entry)
    assert [(p.line, p.severity) for p in problems] == [(8, "warning")]
    assert "no name" in problems[0].message


def test_long_text_before_colon_is_not_a_name():
    long_name = "word " * 20
    article, problems = parse(f"## Causes\n\n- {long_name}: text\n")
    assert article.sections[0].entries == ()
    assert problems


def test_url_colon_is_not_a_name_separator():
    article, _ = parse("## Causes\n\n- See https://example.org for more\n")
    assert article.sections[0].entries == ()


def test_list_markers_inside_code_fences_are_ignored():
    article, _ = parse("## Causes\n\n```\n1. Fake: not an entry\n## not a heading\n```\n\n1. Real: entry\n")
    assert [s.title for s in article.sections] == ["Causes"]
    assert [e.name for e in article.sections[0].entries] == ["Real"]


def test_entries_only_in_causes_and_treatments_sections():
    article, _ = parse("## Symptoms\n\n1. Pain: it hurts\n\n## Causes\n\n1. Stress: text\n")
    assert article.sections[0].entries == ()
    assert [e.kind for e in article.sections[1].entries] == ["cause"]


def test_entry_lines_point_at_the_source():
    article, _ = parse("## Causes\n\n1. Dehydration: dry\n\n2. Stress: tense\n")
    assert [e.description.line for e in article.sections[0].entries] == [8, 10]


def test_duplicate_section_titles_get_unique_anchors():
    article, _ = parse("## Causes\n\n## Causes\n")
    assert [s.anchor for s in article.sections] == ["causes", "causes-2"]


def test_level_one_heading_in_body_warns():
    _, problems = parse("# A second title\n\ntext\n")
    assert problems and problems[0].line == 6 and "level-1 heading" in problems[0].message
