"""The site graph: one entity per slug, wiki links, relations both ways."""

from healthsite.article import Text, parse_article
from healthsite.content import parse_front_matter
from healthsite.article import find_wiki_links, split_wiki_link
from healthsite.graph import build_graph


def article(path: str, text: str):
    folder, name = path.split("/")
    kind = {"conditions": "condition", "causes": "cause", "treatments": "treatment", "pages": "page"}[folder]
    document, problems = parse_front_matter(text, f"content/{path}", kind, name.removesuffix(".md"))
    assert document, problems
    return parse_article(document)[0]


def condition(slug, body, extra=""):
    return article(f"conditions/{slug}.md", f"---\ntitle: {slug.replace('-', ' ').capitalize()}\nsummary: S.\nreviewed: 2026-01-01\n{extra}---\n{body}")


SPASMS = condition("muscle-spasms", (
    "Overview with [[dehydration]].\n\n"
    "## Preventing spasms\n\nStay [[dehydration|hydrated]].\n\n"
    "## Causes\n\n1. Dehydration: dry.\n2. Medications: some.\n3. Electrolyte imbalances: low salts.\n\n"
    "## Treatment\n\n1- Medications: relaxants.\n2- Hydration: for [[electrolyte imbalance]].\n"
))
CRAMPS = condition("leg-cramps", "## Triggers\n\n- **Dehydration**: too.\n\n## Relief\n\n- Hydration: drink.\n", "aliases: [night cramps]\n")


def graph(*articles):
    return build_graph(list(articles))


def test_one_entity_per_slug_across_conditions():
    site, problems = graph(SPASMS, CRAMPS)
    assert problems == []
    dehydration = site.entities[("cause", "dehydration")]
    assert [m.condition for m in dehydration.mentions] == ["muscle-spasms", "leg-cramps"]
    assert [c.slug for c in site.related(dehydration, "conditions")] == ["leg-cramps", "muscle-spasms"]


def test_a_condition_lists_its_causes_in_its_own_order():
    site, _ = graph(SPASMS, condition("cramps", "## Causes\n\n1. Zinc: a.\n2. Electrolyte imbalances: b.\n3. Dehydration: c.\n"))
    cramps = site.entities[("condition", "cramps")]
    assert [e.slug for e in site.related(cramps, "causes")] == ["zinc", "electrolyte-imbalances", "dehydration"]


def test_cause_and_treatment_with_one_slug_are_two_pages():
    site, _ = graph(SPASMS)
    assert site.entities[("cause", "medications")].path == "causes/medications/"
    assert site.entities[("treatment", "medications")].path == "treatments/medications/"


def test_relations_are_shown_both_ways():
    site, _ = graph(SPASMS, CRAMPS)
    spasms = site.entities[("condition", "muscle-spasms")]
    assert [e.slug for e in site.related(spasms, "causes")] == ["dehydration", "medications", "electrolyte-imbalances"]
    hydration = site.entities[("treatment", "hydration")]
    assert [e.slug for e in site.related(hydration, "causes")] == ["electrolyte-imbalances"]
    assert [e.slug for e in site.related(site.entities[("cause", "electrolyte-imbalances")], "treatments")] == ["hydration"]
    # prevention -> cause: only from a link inside a prevention section
    assert [e.slug for e in site.related(site.entities[("cause", "dehydration")], "prevention")] == ["muscle-spasms"]
    assert site.related(site.entities[("cause", "medications")], "prevention") == []


def test_relations_never_come_from_plain_words():
    site, _ = graph(condition("x", "## Treatment\n\n1. Hydration: helps with dehydration.\n\n## Causes\n\n1. Dehydration: dry.\n"))
    assert site.related(site.entities[("treatment", "hydration")], "causes") == []


def resolve(site, target):
    return site.links.get(target)


def test_links_resolve_by_slug_title_alias_case_and_number():
    cramps = condition("leg-cramps", "[[Night Cramps]] [[leg-cramps]] [[LEG CRAMP]] [[electrolyte imbalance]] [[cause:medication]]", "aliases: [night cramps]\n")
    site, problems = graph(SPASMS, cramps)
    assert problems == []
    for target in ("Night Cramps", "leg-cramps", "LEG CRAMP"):
        assert resolve(site, target).slug == "leg-cramps"
    assert resolve(site, "electrolyte imbalance").slug == "electrolyte-imbalances"
    assert resolve(site, "cause:medication").path == "causes/medications/"


def test_ambiguous_link_lists_candidates():
    site, problems = graph(condition("x", "Take [[medications]].\n\n## Causes\n\n1. Medications: a.\n\n## Treatment\n\n1. Medications: b.\n"))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == 6 and problem.severity == "error"
    assert "ambiguous" in problem.message
    assert "[[cause:medications]]" in problem.message and "[[treatment:medications]]" in problem.message


def test_unknown_link_suggests_near_names():
    site, problems = graph(SPASMS, condition("x", "Line one.\n\nSee [[dehydraton]] and [[zzz qqq]].\n"))
    messages = [(p.path, p.line, p.message) for p in problems]
    assert messages[0][:2] == ("content/conditions/x.md", 8)
    assert "unknown link [[dehydraton]]" in messages[0][2] and "did you mean [[dehydration]]" in messages[0][2]
    assert "did you mean" not in messages[1][2]


def test_link_to_a_draft_says_so():
    draft = condition("secret", "x", "draft: true\n")
    site, problems = build_graph([condition("x", "[[secret]]")], [draft])
    assert "points to a draft (content/conditions/secret.md)" in problems[0].message


def test_front_matter_relations_and_unknown_slugs():
    cause = article("causes/dehydration.md", "---\ntitle: Dehydration\ntreatments: [hydration, nonesuch]\n---\nText.\n")
    site, problems = graph(SPASMS, CRAMPS, cause)
    assert [e.slug for e in site.related(site.entities[("treatment", "hydration")], "causes")] == ["dehydration", "electrolyte-imbalances"]
    assert len(problems) == 1 and problems[0].line == 3 and "unknown treatment `nonesuch`" in problems[0].message
    assert site.entities[("cause", "dehydration")].article is cause  # the file and the entries are one entity


def test_wiki_links_skip_code_and_keep_lines():
    text = Text("a [[one]]\n`[[not-this]]`\n```\n[[nor-this]]\n```\n[[two|Label]] [[cause:three]]", 10)
    assert [(link.line, link.target, link.label) for link in find_wiki_links(text)] == [
        (10, "one", "one"), (15, "two", "Label"), (15, "cause:three", "three")]
    assert split_wiki_link(" treatment:x | see x ") == ("treatment:x", "see x")


def test_links_inside_html_comments_are_ignored():
    text = Text("<!-- a hint with [[nowhere]]\nstill [[hidden]] -->\nvisible [[here]]", 1)
    assert [(link.line, link.target) for link in find_wiki_links(text)] == [(3, "here")]


# --- one concept, one identity -------------------------------------------------------------

DEHYDRATION = condition("dehydration", "Losing more fluid than you take in.\n\n## Symptoms\n\n- thirst\n")


def test_an_entry_that_is_a_condition_is_that_condition():
    site, problems = graph(SPASMS, CRAMPS, DEHYDRATION)
    assert problems == []  # adding the Dehydration article breaks no other article
    assert ("cause", "dehydration") not in site.entities
    assert site.merged == {("cause", "dehydration"): ("condition", "dehydration")}
    dehydration = site.entities[("condition", "dehydration")]
    assert site.links["dehydration"] is dehydration
    spasms = site.entities[("condition", "muscle-spasms")]
    assert dehydration in site.related(spasms, "causes")
    assert [c.slug for c in site.related(dehydration, "leads_to")] == ["leg-cramps", "muscle-spasms"]
    assert site.redirects() == {"causes/dehydration/": dehydration}  # the old address answers with the condition


def test_a_kind_prefixed_link_to_a_merged_entry_resolves_to_the_condition():
    linking = condition("cramp", "See [[cause:dehydration]].\n\n## Causes\n\n- Dehydrations: plural too.\n")
    site, problems = graph(linking, DEHYDRATION)
    assert problems == []
    assert site.links["cause:dehydration"].key == ("condition", "dehydration")


def test_did_you_mean_compares_a_bounded_number_of_names():
    from healthsite.graph import SUGGEST_LIMIT, _NameIndex

    body = "## Causes\n\n" + "".join(f"- Cause number {i}: text\n" for i in range(3000)) + "\n[[cause numbr 7]]\n"
    site, problems = graph(condition("big", body))
    index = _NameIndex(site.entities.values(), [], {}, site.entities)
    assert len(index._candidates("cause-numbr-7")) <= SUGGEST_LIMIT  # not all 3,000 names for every bad link
    assert len(problems) == 1 and "did you mean [[cause-number-7]]" in problems[0].message


def test_a_cause_file_named_like_a_condition_is_merged_with_a_warning():
    cause_file = article("causes/dehydration.md", "---\ntitle: Dehydration\n---\nIts own text.\n")
    site, problems = graph(SPASMS, CRAMPS, DEHYDRATION, cause_file)
    assert [p.message.split(":")[0] for p in problems] == ["`Dehydration` is also the condition article content/conditions/dehydration.md"]
    assert problems[0].path == "content/causes/dehydration.md" and problems[0].severity == "warning"
    assert site.links["dehydration"].key == ("condition", "dehydration")  # not ambiguous: one concept


def test_did_you_mean_survives_a_typo_in_the_first_letter():
    typo = condition("typo", "See [[tehydration]].\n")
    _, problems = graph(SPASMS, typo)
    assert "did you mean [[dehydration]]" in problems[0].message


def _graph_value(site, problems):
    """All a later stage can read of a graph, as plain values."""
    entities = {key: (e.title, e.path, e.article, [(m.condition, m.entry) for m in e.mentions], e.aliases, e.order)
                for key, e in site.entities.items()}
    return (entities, {t: e.key for t, e in site.links.items()}, site.relations, site.merged, site.abbreviations,
            [str(p) for p in problems])


def test_a_memo_puts_same_shaped_articles_into_the_last_graph():
    from healthsite.graph import GraphMemo

    text = ("Overview with [[dehydration]] and [[nowhere]].\n\n## Causes\n\n1. Dehydration: {words}\n"
            "2. Medications: some.\n2. Medications: twice.\n\n## Treatment\n\n- Stretching: for [[medications]].\n")
    before = condition("back-spasms", text.format(words="dry."))
    memo = GraphMemo()
    first, first_problems = build_graph([before, CRAMPS], memo=memo)
    assert first_problems  # an unknown link and an entry listed twice: kept with the graph
    # New words, the same names, entries and links on the same lines: the last graph, with the new article in it.
    reworded = condition("back-spasms", text.format(words="very dry."))
    assert reworded.graph_shape == before.graph_shape
    first.all("cause"), first.all("condition")  # the A to Z lists, carried over to the next graph with its entities
    # Told of the replaced articles, but against a list that is not the memo's: it compares them all.
    site, problems = build_graph([reworded, CRAMPS], memo=memo, replaced=([before, CRAMPS], []))
    assert site.relations is first.relations  # reused, not made again
    assert _graph_value(site, problems) == _graph_value(*build_graph([reworded, CRAMPS]))
    fresh = build_graph([reworded, CRAMPS])[0]
    for kind in ("cause", "condition", "treatment"):
        assert [e.key for e in site.all(kind)] == [e.key for e in fresh.all(kind)]
        assert all(site.entities[e.key] is e for e in site.all(kind))
    assert all(site.entities[e.key] is e for e in site.links.values())  # each link names the new entity
    # Told of them against the memo's own list: only those are looked at.
    site.all("treatment")  # listed only now, after its entities' places were found
    again = condition("back-spasms", text.format(words="dry again.").replace("for [[medications]].", "for [[medications]] too."))
    site, problems = build_graph([again, CRAMPS], memo=memo, replaced=(memo.articles, [(reworded, again)]))
    assert site.entities[("cause", "dehydration")].mentions[0].entry.description.markdown == "dry again."
    assert all(site.entities[e.key] is e for kind in ("cause", "treatment") for e in site.all(kind))
    assert _graph_value(site, problems) == _graph_value(*build_graph([again, CRAMPS]))
    site, problems = build_graph([reworded, CRAMPS], memo=memo)
    assert _graph_value(site, problems) == _graph_value(*build_graph([reworded, CRAMPS]))
    assert site.entities[("condition", "leg-cramps")] is first.entities[("condition", "leg-cramps")]
    assert site.entities[("cause", "dehydration")].mentions[0].entry.description.markdown == "very dry."
    assert first.entities[("cause", "dehydration")].mentions[0].entry.description.markdown == "dry."  # left as it was
    # A new entry changes the shape: the graph is made afresh, and equals a memo-less one.
    grown = condition("back-spasms", text.format(words="dry.") + "\n## More causes\n\n- Stress: tension.\n")
    site, problems = build_graph([grown, CRAMPS], memo=memo)
    assert site.relations is not first.relations and ("cause", "stress") in site.entities
    assert _graph_value(site, problems) == _graph_value(*build_graph([grown, CRAMPS]))
