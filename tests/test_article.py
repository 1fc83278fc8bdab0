"""Parsing: section kinds, get-help levels, and entries in every form of content-format.md
sections 3 and 4, in each publisher's house style (fixtures in tests/fixtures/styles/)."""

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsite.article import (ADMONITION, CAUSES, GET_HELP, PLAIN, PREVENTION, SYMPTOMS, TREATMENTS, EntryList, Group, Text,
                                classify_heading, lead_in_kind, parse_article, plain_text, section_kind, walk_parts)
from healthsite.content import parse_front_matter

FRONT = "---\ntitle: T\nsummary: S.\nreviewed: 2026-01-01\n---\n"
STYLES = Path(__file__).parent / "fixtures" / "styles"


def parse(body: str):
    document, problems = parse_front_matter(FRONT + body, "content/conditions/t.md", "condition", "t")
    assert document, problems
    return parse_article(document)


def parse_file(name: str):
    path = STYLES / name
    document, problems = parse_front_matter(path.read_text(), f"content/conditions/{name}", "condition", path.stem)
    assert document, problems
    return parse_article(document)[0]


def entries(body: str):
    article, _ = parse(body)
    return [(e.name, e.slug, e.description.markdown) for e in article.entries()]


def names(article, kind):
    return [e.name for e in article.entries(kind)]


@pytest.mark.parametrize("heading, kind", [
    ("Muscle Spasms Causes", CAUSES),
    ("What causes leg cramps?", CAUSES),
    ("Causes", CAUSES),
    ("Common triggers", CAUSES),
    ("Risk factors", CAUSES),
    ("Who is at risk for varicose veins?", CAUSES),
    ("Who is more likely to get gout?", CAUSES),
    ("How are back spasms treated?", TREATMENTS),
    ("How is gout treated?", TREATMENTS),
    ("Muscle Spasms Treatment", TREATMENTS),
    ("Relief at home", TREATMENTS),
    ("Home remedies", TREATMENTS),
    ("Managing the pain", TREATMENTS),
    ("Things you can do yourself", TREATMENTS),
    ("First aid", TREATMENTS),
    ("Self-care", TREATMENTS),
    ("Preventive treatment", TREATMENTS),
    ("Treatment from a GP", TREATMENTS),  # its subject is treatment, though it names a GP
    ("Treatments for hay fever from your GP", TREATMENTS),
    ("When to get medical help", GET_HELP),
    ("When to see a GP", GET_HELP),
    ("See a GP if:", GET_HELP),
    ("Urgent advice", GET_HELP),
    ("Call 999 or go to A&E if:", GET_HELP),
    ("Call 999 if the person:", GET_HELP),
    ("Ask for an urgent GP appointment or call 111 if:", GET_HELP),
    ("Pulmonary embolism: when to seek emergency care", GET_HELP),
    ("See a doctor to treat the cause", GET_HELP),  # the earliest words win
    ("How to prevent cramps", PREVENTION),
    ("Can migraines be prevented?", PREVENTION),
    ("Avoiding cramps", PREVENTION),
    ("Signs and symptoms", SYMPTOMS),
    ("Check if you have hay fever", SYMPTOMS),
    ("What are the signs of scurvy?", SYMPTOMS),
    ("Living with it", PLAIN),
    ("Because of you", PLAIN),  # `cause` must start a word
    ("A pharmacist can help with hay fever", PLAIN),
    ("Design of the study", PLAIN),  # `sign` must be a word
])
def test_section_kind_from_heading_words(heading, kind):
    assert section_kind(heading) == kind


@pytest.mark.parametrize("heading, level", [
    ("See a GP if:", "gp"),
    ("When to see a doctor", "gp"),
    ("Non-urgent advice: See a GP if:", "gp"),
    ("Speak to a pharmacist if", "gp"),
    ("Ask for an urgent GP appointment or call 111 if:", "urgent"),
    ("Urgent advice", "urgent"),
    ("Call 999 or go to A&E if:", "emergency"),
    ("Call 999 if the person:", "emergency"),
    ("Take your baby to the GP urgently or go to A&E if they:", "emergency"),
    ("Immediate action required: Call 112", "emergency"),
    ("Pulmonary embolism: when to seek emergency care", "emergency"),
])
def test_get_help_level_from_heading(heading, level):
    assert classify_heading(heading)[:2] == (GET_HELP, level)


def test_generic_get_help_heading_takes_its_level_from_the_text():
    article, _ = parse("## Getting medical help {: .get-help }\n\nIf the pain is crushing, call 999.\n")
    assert (article.sections[0].kind, article.sections[0].urgency) == (GET_HELP, "emergency")
    article, _ = parse("## When to see a doctor\n\nTalk to your doctor.\n")
    assert article.sections[0].urgency == "gp"
    assert article.urgency == "gp"


@pytest.mark.parametrize("lead, kind", [
    ("Other causes are", CAUSES),
    ("People who are at increased risk of kidney stones are those with", CAUSES),
    ("Symptoms of hay fever include:", SYMPTOMS),
    ("A person with a larger stone, which causes great pain, may need more urgent treatment, such as", TREATMENTS),
    ("They can help with:", "none"),
    ("Four major types of stones can form:", "none"),
    ("To help with your cough you can:", None),  # things to do: the section decides
    ("If you have asthma, you might also:", None),
    ("Things that can help with shingles pain include:", TREATMENTS),
    ("Treatments that can help ease the symptoms include:", TREATMENTS),  # its opening words win
    ("Medicines to lower the risk of another clot include", TREATMENTS),
    ("Gout can also cause:", "effects"),
    ("It can be triggered by:", CAUSES),
])
def test_lead_in_says_what_a_list_is(lead, kind):
    assert lead_in_kind(lead)[0] == kind


def test_overview_is_text_before_first_level_two_heading():
    article, _ = parse("First para.\n\nSecond para.\n\n## Causes\n\n1. Dehydration: text\n")
    assert article.overview.parts[0].markdown == "First para.\n\nSecond para."
    assert article.overview.parts[0].line == 6
    assert [s.title for s in article.sections] == ["Causes"]
    assert article.sections[0].line == 10


def test_overview_list_after_a_causes_lead_in_gives_causes():
    article, _ = parse("Cramps happen at night. Other causes are\n\n- Straining a muscle\n- Dehydration\n")
    assert names(article, "cause") == ["Straining a muscle", "Dehydration"]


def test_attribute_list_forces_kind_and_anchor():
    article, _ = parse("## What sets them off {: .causes #off }\n\n- Stress: text\n")
    section = article.sections[0]
    assert (section.title, section.kind, section.anchor) == ("What sets them off", CAUSES, "off")
    assert section.entries[0].name == "Stress"


def test_misspelt_forced_kind_is_an_error_with_did_you_mean():
    _, problems = parse("## What sets them off {: .cuases }\n\n- Stress: text\n")
    assert [(p.severity, p.line) for p in problems] == [("error", 6)]
    assert "unknown section kind `.cuases`" in problems[0].message and "`.causes`" in problems[0].message


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
    ("- Alcohol — especially red wine", "Alcohol", "especially red wine"),
    ("- Caffeine – too much or too little", "Caffeine", "too much or too little"),
    ("- Rubber band ligation. The doctor places a band.", "Rubber band ligation", "The doctor places a band."),
    ("- gout, a disorder that causes painful joints", "Gout", "a disorder that causes painful joints"),
    ("- being sick or having diarrhoea", "Being sick or having diarrhoea", ""),
    ("- a family history of gout", "Family history of gout", ""),
    ("1. Step 1: Rest the muscle", "Rest the muscle", ""),
    ("- Dr. Smith's syndrome", "Dr. Smith's syndrome", ""),  # an abbreviation's dot is not a separator
])
def test_entry_forms(line, name, description):
    found = entries(f"## Causes\n\n{line}\n")
    assert found == [(name, found[0][1], description)]


@pytest.mark.parametrize("line, reason", [
    ("- Calcium stones are the most common type of stone and come in two forms.", "a full sentence"),
    ("- **Warning:** do not take more than the label says", "a warning"),
    ("- **Do**", "Do or Don't label"),
    ("- See https://example.org for more", "no name"),
    ("- " + "word " * 20 + ": text", "too long"),
])
def test_items_kept_as_text_say_why(line, reason):
    article, problems = parse(f"## Causes\n\n{line}\n")
    section = article.sections[0]
    assert section.entries == ()
    assert reason in section.kept[0].reason and section.kept[0].line == 8
    assert problems == []  # explained by `outline`, not as noise in every check


def test_long_item_is_named_by_its_first_clause():
    article, _ = parse("## Treatment\n\n- buy a pollen filter for the air vents in your car and a vacuum cleaner with a special filter\n")
    assert names(article, "treatment") == ["Buy a pollen filter for the air vents in your car"]
    entry = article.entries()[0]
    assert (entry.joiner, entry.description.markdown) == (" ", "and a vacuum cleaner with a special filter")


def test_seed_numbering_with_dash_is_read_as_entries():
    body = "## Muscle Spasms Treatment\n\nIntro:\n\n1- Stretching and massaging: Gently.\n\n2- Heat or cold therapy: Apply.\n\nClosing text.\n"
    article, _ = parse(body)
    parts = article.sections[0].parts
    assert [type(p).__name__ for p in parts] == ["Text", "EntryList", "Text"]
    assert [e.slug for e in parts[1].items] == ["stretching-and-massaging", "heat-or-cold-therapy"]
    assert parts[2].markdown == "Closing text."


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
    assert [(e.name, e.slug, e.heading) for e in causes.entries] == [("Poor posture", "poor-posture", 3), ("Stress", "stress", 3)]
    assert causes.entries[0].description.markdown == "Sitting badly.\n\n#### Detail\n\nMore."
    assert article.sections[1].title == "Other"


def test_heading_over_a_list_is_a_group_not_an_entry():
    body = "## Causes\n\n### Provoked clots\n\nA clot can be provoked by:\n\n- surgery\n- a long flight\n"
    article, _ = parse(body)
    group = article.sections[0].parts[0]
    assert isinstance(group, Group) and group.label == "Provoked clots"
    assert names(article, "cause") == ["Surgery", "Long flight"]


def test_item_with_only_a_nested_list_is_a_group():
    article, _ = parse("## Treatment\n\n- Medicines from a pharmacist:\n  - Paracetamol\n  - Ibuprofen\n- Rest\n")
    assert names(article, "treatment") == ["Paracetamol", "Ibuprofen", "Rest"]
    group = article.sections[0].parts[0]
    assert isinstance(group, Group) and (group.label, group.form) == ("Medicines from a pharmacist", "item")


def test_url_colon_is_not_a_name_separator():
    article, _ = parse("## Causes\n\n- See https://example.org for more\n")
    assert article.sections[0].entries == ()


def test_list_markers_inside_code_fences_are_ignored():
    article, _ = parse("## Causes\n\n```\n1. Fake: not an entry\n## not a heading\n```\n\n1. Real: entry\n")
    assert [s.title for s in article.sections] == ["Causes"]
    assert [e.name for e in article.sections[0].entries] == ["Real"]


def test_symptoms_are_entries_without_pages_and_other_sections_have_none():
    article, _ = parse("## Symptoms\n\n1. Pain: it hurts\n\n## Causes\n\n1. Stress: text\n\n## Living with it\n\n- Rest: well\n")
    assert [[e.kind for e in s.entries] for s in article.sections] == [["symptom"], ["cause"], []]


def test_list_after_a_line_with_no_blank_is_a_list():
    article, _ = parse("## Who is at risk?\n\nRisk factors include\n- older age\n- pregnancy\n")
    assert names(article, "cause") == ["Older age", "Pregnancy"]


def test_entry_lines_point_at_the_source():
    article, _ = parse("## Causes\n\n1. Dehydration: dry\n\n2. Stress: tense\n")
    assert [e.line for e in article.sections[0].entries] == [8, 10]
    assert [e.description.line for e in article.sections[0].entries] == [8, 10]


def test_duplicate_section_titles_get_unique_anchors():
    article, _ = parse("## Causes\n\n## Causes\n")
    assert [s.anchor for s in article.sections] == ["causes", "causes-2"]


def test_level_one_heading_in_body_warns():
    _, problems = parse("# A second title\n\ntext\n")
    assert problems and problems[0].line == 6 and "level-1 heading" in problems[0].message


# --- house styles ----------------------------------------------------------------------


def test_nhs_style():
    article = parse_file("nhs.md")
    assert names(article, "symptom") == ["Eyes that feel sore or heavy", "Blurred vision", "Being sensitive to light"]
    assert names(article, "treatment") == [
        "Take a break from screens every 20 minutes", "Put a warm flannel on your closed eyes",
        "Don't rub your eyes", "Don't read in dim light"]
    do, dont = [p for p in article.sections[1].parts if isinstance(p, Group)]
    assert (do.label, do.style, dont.label, dont.style) == ("Do", "do", "Don’t", "dont")
    help_sections = [(s.title, s.urgency) for s in article.sections if s.kind == GET_HELP]
    assert help_sections == [("Non-urgent advice: See a GP if:", "gp"),
                             ("Ask for an urgent GP appointment or call 111 if:", "urgent"),
                             ("Call 999 or go to A&E if:", "emergency")]
    gp_treatment = next(s for s in article.sections if s.title == "Treatment from your GP")
    assert (gp_treatment.kind, gp_treatment.level) == (TREATMENTS, 3)
    pharmacist = next(s for s in article.sections if s.title.startswith("A pharmacist"))
    assert pharmacist.entries == () and len(pharmacist.kept) == 2
    assert article.urgency == "emergency"
    assert article.abbreviations == (("A&E", "Accident and Emergency"),)


def test_nih_style():
    article = parse_file("nih.md")
    assert names(article, "cause") == ["Older age", "Family history of varicose veins", "Pregnancy", "Standing for long periods"]
    assert names(article, "treatment") == ["Compression stockings", "Sclerotherapy", "Vein surgery"]
    assert names(article, "symptom") == ["Aching legs", "Swelling in the ankles"]
    diagnosis = next(s for s in article.sections if "diagnosed" in s.title)
    assert diagnosis.entries == () and "Tests may include" in diagnosis.kept[0].reason
    remember = article.sections[-1]
    assert remember.entries == () and len(remember.kept) == 2
    assert article.urgency == ""


def test_independent_guide_style():
    article = parse_file("guide.md")
    causes = article.entries("cause")
    assert [(e.name, e.group) for e in causes] == [
        ("Alcohol", "Food and drink"), ("Caffeine", "Food and drink"), ("Skipped meals", "Food and drink"),
        ("Stress", "Lifestyle"), ("Poor sleep", "Lifestyle"), ("Periods", "Hormonal changes"), ("Menopause", "Hormonal changes")]
    assert names(article, "treatment") == ["Painkillers", "Triptans", "Lie down in a dark room", "Drink some water"]
    junk = {"Secondary causes", "Treatment duration", "Medication overuse headache", "Warning", "Do", "Don't"}
    assert not junk & {e.name for e in article.entries()}
    assert not any("warning" in e.name.lower() for e in article.entries())
    stroke = next(s for s in article.sections if s.title.startswith("Stroke"))
    assert (stroke.kind, stroke.level, stroke.urgency) == (GET_HELP, 3, "emergency")
    assert [(c.title, c.level) for c in stroke.callouts] == [("Call 999 if:", "emergency")]


# --- nothing is lost ----------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> set[str]:
    return set(WORD.findall(plain_text(text).lower()))


def _parsed_words(article) -> set[str]:
    found = {w for abbr in article.abbreviations for part in abbr for w in _words(part)}
    found |= {w for note in article.footnotes for w in _words(note.label) | _words(note.text.markdown)}
    for section in article.all_sections:
        found |= _words(section.title) | {w for k in section.kept for w in _words(k.text)}
        for part in walk_parts(section.parts):
            if isinstance(part, Text):
                found |= _words(part.markdown)
            elif isinstance(part, Group):
                found |= _words(part.label)
            elif isinstance(part, EntryList):
                continue
            elif hasattr(part, "lead"):
                found |= _words(part.lead) | _words(part.joiner) | _words(part.description.markdown)
            else:
                found |= _words(part.title) | _words(part.body.markdown)
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in STYLES.glob("*.md")))
def test_parsing_keeps_every_word_of_a_fixture(name):
    article = parse_file(name)
    assert _words(_without_syntax(article.document.body)) <= _parsed_words(article)


def _without_syntax(body: str) -> str:
    """The body less attribute lists and callout markers, which are syntax, not words."""
    body = re.sub(r"(?m)^\s*\{:?[^{}]*\}\s*$|\{:[^{}]*\}", "", body)
    body = "\n".join(f'"{m["title"] or ""}"' if (m := ADMONITION.match(line)) else line for line in body.split("\n"))
    return re.sub(r"\[![\w-]+\]", "", body)


LINE = st.one_of(
    st.sampled_from(["## Causes", "## Treatment", "## See a GP if:", "### Do", "### Don't", "### Group", "**Label**",
                     "Risk factors include", "- ", "1. ", "1- ", "  - ", "> **Call 999 if:**", "{.list--cross}", "",
                     '!!! warning "Careful"', "!!! urgent", "    ", "> [!NOTE]", "> [!EMERGENCY] Call 999", "> "]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LINE, st.text(alphabet="abc de:.-—,*", max_size=30)), max_size=25))
def test_parsing_never_loses_a_word(pieces):
    body = "\n".join(a + b for a, b in pieces)
    article, _ = parse(body)
    assert _words(_without_syntax(article.document.body)) <= _parsed_words(article)


@pytest.mark.parametrize("body", [
    "## Causes\n- a\n{.list--cross}\u2014",  # found by the test above: the cut made an attribute list
    "## Causes\n- {.x}: dust\n",
])
def test_a_name_cut_never_turns_words_into_an_attribute_list(body):
    article, _ = parse(body)
    assert _words(_without_syntax(article.document.body)) <= _parsed_words(article)


# --- found by a review with ten more articles in the three styles -------------------------


@pytest.mark.parametrize("body, kind, expected", [
    # a sub-heading naming one treatment is an entry, not a section of its own
    ("## Treatments\n\n### Laser treatment\n\nA laser seals the vein.\n\n### Ligation and stripping\n\nThe vein is tied off.\n",
     "treatment", ["Laser treatment", "Ligation and stripping"]),
    ("## Treatment\n\n### Medicines to prevent gout attacks\n\nTaken every day.\n", "treatment", ["Medicines to prevent gout attacks"]),
    # lead-ins: what the condition can cause are symptoms, side effects are never entries
    ("## Symptoms\n\n- pain\n\nGout can also cause:\n\n- a high temperature\n", "symptom", ["Pain", "High temperature"]),
    ("## Treatment\n\nThings that can help with shingles pain include:\n\n- cool compresses\n", "treatment", ["Cool compresses"]),
    ("## Treatment\n\nTreatments that can help ease the symptoms include:\n\n- steam inhalation\n", "treatment", ["Steam inhalation"]),
    ("## Treatment\n\n- Antacids. They help.\n\nSide effects of these medicines can include:\n\n- headache\n", "treatment", ["Antacids"]),
    ("## How you get it\n\nIt can be triggered by:\n\n- stress\n- getting older\n", "cause", ["Stress", "Getting older"]),
    # Do and Don't
    ("## Things you can do\n\n### Don’t\n\n- do not wear tight socks\n- don't scratch\n", "treatment", ["Don't wear tight socks", "Don't scratch"]),
    ("## Treatment\n\n- do not smoke\n", "treatment", ["Don't smoke"]),
    ("## Managing it\n\n**Do:**\n\n- keep nails short\n\n**Don't:**\n\n- scratch\n", "treatment", ["Keep nails short", "Don't scratch"]),
    # names
    ("## Relief\n\n- **Never** drive during an attack\n- **Avoid** screens\n", "treatment", ["Never drive during an attack", "Avoid screens"]),
    ("## Relief\n\n3. **Step 3:** Sip water slowly\n4. Step four: Sleep if you can\n", "treatment", ["Sip water slowly", "Sleep if you can"]),
    ("## Treatment\n\n- Anticoagulants, also called blood thinners. These stop clots growing.\n", "treatment", ["Anticoagulants"]),
    ("## Triggers\n\n- Respiratory infections such as colds and the flu\n", "cause", ["Respiratory infections"]),
    ("## Causes\n\nYou're more likely to get gout if you:\n\n- are overweight\n- have high blood pressure\n- eat a lot of red meat\n",
     "cause", ["Being overweight", "High blood pressure", "Eating a lot of red meat"]),
    ("## Treatment\n\n- use a cool compress (a cloth rinsed in cold water) a few times a day\n", "treatment", ["Use a cool compress"]),
    ("## Causes\n\n- Smoking\nBeing overweight also raises your risk.\n", "cause", ["Smoking"]),
    ("## Triggers\n\n- Food allergies (mostly in young children)\n", "cause", ["Food allergies"]),
])
def test_review_findings(body, kind, expected):
    article, _ = parse(body)
    assert names(article, kind) == expected


@pytest.mark.parametrize("heading, kind, level", [
    ("Signs of a serious problem: call 999", GET_HELP, "emergency"),
    ("Red Flag Symptoms — Seek Urgent Help", GET_HELP, "urgent"),
    ("Warning signs: when to call 911", GET_HELP, "emergency"),
    ("When to Contact a Medical Professional", GET_HELP, ""),  # its text decides
    ("Emergency treatment for an asthma attack", TREATMENTS, ""),
    ("Home Care", TREATMENTS, ""),
    ("Medicines for gout", TREATMENTS, ""),
])
def test_review_heading_findings(heading, kind, level):
    assert classify_heading(heading)[:2] == (kind, level)


def test_a_bold_label_after_a_paragraph_groups_the_list_below_it():
    article, _ = parse("## Triggers\n\nTriggers differ from person to person.\n\n**Food and drink**\n\n- Alcohol\n")
    assert [(e.name, e.group) for e in article.entries()] == [("Alcohol", "Food and drink")]


def test_an_item_kept_as_text_stays_in_its_list():
    article, _ = parse("## Things you can do\n\n### Do\n\n- rest\n- [[Ibuprofen]] helps some people with the pain\n"
                       "- take painkillers such as [ibuprofen](https://example.org/i)\n")
    group = article.sections[0].parts[0]
    (entries,) = group.parts
    assert isinstance(entries, EntryList) and entries.style == "do" and len(entries.items) == 3
    assert isinstance(entries.items[1], Text) and entries.items[1].markdown == "[[Ibuprofen]] helps some people with the pain"
    painkillers = entries.items[2]
    assert (painkillers.name, painkillers.description.markdown) == ("Take painkillers", "such as [ibuprofen](https://example.org/i)")


def test_admonitions_and_alerts_are_callouts_and_get_help_ones_count():
    body = ('## Treatment\n\n!!! warning "Taking painkillers"\n    Do not take more than the label says.\n\n'
            "> [!NOTE]\n> Most people get better.\n\n> [!URGENT] Call 111 if it gets worse\n> - or spreads\n\n- Rest\n")
    article, problems = parse(body)
    callouts = article.sections[0].callouts
    assert [(c.kind, c.title, c.level) for c in callouts] == [
        ("warning", "Taking painkillers", ""), ("info", "Information", ""), ("urgent", "Call 111 if it gets worse", "urgent")]
    assert callouts[0].body.markdown == "Do not take more than the label says."
    assert article.urgency == "urgent" and problems == []
    assert names(article, "treatment") == ["Rest"]


def test_unknown_callout_kind_is_an_error_with_did_you_mean():
    _, problems = parse("## Treatment\n\n!!! warnnig\n    text\n")
    assert [(p.severity, p.line) for p in problems] == [("error", 8)]
    assert "unknown callout `warnnig` (did you mean `warning`?)" in problems[0].message


# --- found by a second read of the change --------------------------------------------------


def test_a_sub_heading_after_a_sub_section_returns_to_its_section():
    body = "## Causes\n\n### Dehydration\n\nDry.\n\n### When to see a GP\n\nSee a GP.\n\n### Stress\n\nTense.\n"
    article, _ = parse(body)
    assert names(article, "cause") == ["Dehydration", "Stress"]
    help_card = article.sections[1]
    assert (help_card.kind, help_card.urgency) == (GET_HELP, "gp") and help_card.entries == ()
    assert (article.sections[2].title, article.sections[2].kind) == ("", CAUSES)


def test_nested_list_indented_four_spaces_under_a_label_is_a_group():
    article, _ = parse("## Causes\n\n- **Lifestyle**\n    - Dehydration: x\n\t- Stress: y\n")
    assert [(e.name, e.group) for e in article.entries()] == [("Dehydration", "Lifestyle"), ("Stress", "Lifestyle")]


def test_html_comments_hide_headings_lists_and_levels():
    article, _ = parse("## When to get help\n<!-- never say call 999 here -->\nSpeak to someone.\n\n"
                       "## Causes\n<!--\n## Hidden\n- Salt: x\n-->\n- Sugar: y\n")
    assert [s.title for s in article.sections] == ["When to get help", "Causes"]
    assert article.sections[0].urgency == "gp"
    assert names(article, "cause") == ["Sugar"]


@pytest.mark.parametrize("body, expected", [
    ("## Causes\n\n- Sleep apnoea\n- Live vaccines\n", ["Sleep apnoea", "Live vaccines"]),  # nouns stay nouns
    ("## Causes\n\n- A & E visits: x\n", ["A & E visits"]),
])
def test_names_that_look_like_verbs_or_articles_keep_their_words(body, expected):
    assert names(parse(body)[0], "cause") == expected


@pytest.mark.parametrize("heading, kind", [
    ("Emergency contraception", PLAIN),  # a name, not advice to get help
    ("Get help with money", PLAIN),
    ("Side effects of treatment", PLAIN),
    ("When to get help", GET_HELP),
    ("Emergency: call 999 if", GET_HELP),
])
def test_headings_that_only_look_like_help(heading, kind):
    assert section_kind(heading) == kind


def test_wiki_links_in_headings_names_and_callout_titles_are_walked():
    article, _ = parse("## When to see a GP about [[stress]]\n\nText.\n\n## Causes\n\n- [[nonexistent]]: x\n\n"
                       "> **Call 999 if [[fainting]] happens:**\n> - now\n")
    found = {t.markdown for t, _, _ in article.texts()}
    assert {"When to see a GP about [[stress]]", "[[nonexistent]]", "Call 999 if [[fainting]] happens:"} <= found


def test_footnotes_are_numbered_per_article_by_first_reference():
    body = ("Common.[^common]\n\n## Causes\n\n- Dehydration: it matters.[^fluids] Very common.[^common]\n\n"
            "## When to see a doctor\n\nSee a GP.\n\n[^common]: Most adults have one.\n[^fluids]: Two litres.\n    More when hot.\n"
            "[^unused]: Never used.\n")
    article, problems = parse(body)
    assert [(n.label, n.number, n.references) for n in article.footnotes] == [("common", 1, 2), ("fluids", 2, 1)]
    assert article.footnotes[1].text.markdown == "Two litres.\nMore when hot."
    assert article.footnotes[0].reference_ids == ["fnref:common", "fnref2:common"]
    assert article.entries()[0].description.markdown == "it matters.[^fluids] Very common.[^common@2]"
    assert [(p.severity, p.line) for p in problems] == [("warning", 19)] and "[^unused] is never referred to" in problems[0].message


def test_a_footnote_reference_without_a_definition_is_an_error():
    _, problems = parse("Text.[^nowhere]\n")
    assert [(p.severity, p.line) for p in problems] == [("error", 6)] and "[^nowhere] has no definition" in problems[0].message


def test_an_unclosed_fence_and_an_empty_heading_warn():
    _, problems = parse("## {: .causes }\n\n- Stress: x\n\n```\ncode\n## Treatments\n")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(6, "heading has no text"), (10, "this code fence is never closed, so the rest of the file is shown as code")]


def test_snippets_are_included_where_their_line_stands():
    document, _ = parse_front_matter(FRONT + 'Intro.\n\n## Call 999 if:\n\n--8<-- "chest-pain"\n\n## Causes\n\n--8<-- "common-causes.md"\n',
                                     "content/conditions/t.md", "condition", "t")
    snippets = {"chest-pain": "- you have chest pain\n", "common-causes": "---\ntitle: ignored\n---\n- Stress: tension\n"}
    article, problems = parse_article(document, snippets)
    assert problems == [] and article.sections[0].urgency == "emergency"
    assert "you have chest pain" in article.sections[0].parts[0].markdown
    assert [(e.name, e.line) for e in article.entries()] == [("Stress", 14)]  # the line that includes it


def test_a_missing_snippet_is_an_error_with_did_you_mean():
    document, _ = parse_front_matter(FRONT + '--8<-- "chest-pian"\n', "content/conditions/t.md", "condition", "t")
    _, problems = parse_article(document, {"chest-pain": "x"})
    assert [(p.severity, p.line, p.message) for p in problems] == [("error", 6, "no snippet `chest-pian` (did you mean `chest-pain`?)")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Rest well.", "```", "~~~", "`code`", "<!-- a", "note -->", "<!-- x -->", "- item", "", "  ```py"]),
                max_size=12), st.integers(1, 50))
def test_prose_lines_of_a_chunk_without_code_or_comments_are_all_its_lines(lines, first):
    from healthsite.article import _prose_lines, prose_lines
    text = Text("\n".join(lines), first)
    assert list(prose_lines(text)) == list(_prose_lines(text))


def test_articles_unpickled_apart_hold_each_entry_name_once():
    """Each article comes to the build pickled on its own (from a worker or the cache): the
    names its entries share with other articles' are one string, not one per article."""
    import pickle
    first, _ = parse("## Causes\n\n- Dehydration: not drinking enough.\n- Heavy exercise: long runs.\n")
    second, _ = parse("## Causes\n\n- Dehydration: losing fluids.\n\n## Treatments\n\n- Stretching: gently.\n")
    first_again, second_again = (pickle.loads(pickle.dumps(article, pickle.HIGHEST_PROTOCOL)) for article in (first, second))
    assert (first_again, second_again) == (first, second)
    one, other = first_again.entries()[0], second_again.entries()[0]
    assert one.name == other.name == "Dehydration" and one.description != other.description
    assert one.name is other.name and one.slug is other.slug and one.lead is other.lead and one.kind is other.kind


def test_an_article_without_its_body_keeps_what_other_pages_read_and_refuses_the_rest():
    article, _ = parse("Cramps hurt.\n\n## Causes\n\n- Dehydration: not drinking enough.\n\n"
                       "## Prevention\n\nDrink water.\n\n## When to get help\n\nSee a GP if cramps last.\n")
    light = article.without_body()
    assert light.document is article.document and light.entries() == article.entries() and light.entries("cause")
    assert (light.urgency, light.help_levels, light.title_order) == (article.urgency, article.help_levels, article.title_order)
    assert light.prevention_anchor == article.prevention_anchor != ""
    for read in (lambda: light.sections[0], lambda: list(light.sections), lambda: light.overview.parts,
                 lambda: light.footnotes[0], lambda: light.opens_with("Cramps"), lambda: list(light.texts())):
        with pytest.raises(RuntimeError, match="let go of it"):
            read()
